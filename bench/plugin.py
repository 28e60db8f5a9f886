"""Benchmark `kubectl rollouts get rollout` for a Rollout with 50 ReplicaSet revisions.

One devcluster (`BackgroundCluster`, its own thread), a Rollout `big` with 50 revisions (49
scaled to zero, the newest with 5 ready pods), then `get rollout big` run in-process through
`rollouts.cli.main.main` (`--runs`, 30 by default) and as the `kubectl-rollouts` executable,
interpreter start included (`--exec-runs`, 5 by default): as pip installs it, with the
bytecode compiled (a first, unmeasured run writes it to a temporary PYTHONPYCACHEPREFIX), and,
where PYTHONDONTWRITEBYTECODE is set, as that environment runs it (sources compiled each
time). Target (issue #5): ≤ 300 ms, for the in-process p99 and the executable's median with
bytecode (argo-rollouts #2078 reports > 3 s).
Run: `.venv/bin/python -m bench.plugin [--revisions N] [--runs N] [--exec-runs N]`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

from kubernetes import client, config

from rollouts.cli import main as cli
from rollouts.devcluster import cluster, simulation

NAMESPACE = "bench-plugin"
TARGET_MS = 300.0


def rollout_body(revisions: int) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "big", "namespace": NAMESPACE},
        "spec": {
            "replicas": 5,
            "selector": {"matchLabels": {"app": "big"}},
            "template": template(revisions),
            "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}]}},
        },
    }


def template(revision: int, pod_hash: str | None = None) -> dict[str, Any]:
    labels = {"app": "big", **({"rollouts-pod-template-hash": pod_hash} if pod_hash else {})}
    image = f"argoproj/rollouts-demo:v{revision}"
    return {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "app", "image": image}]},
    }


def replica_set(revision: int, owner: dict[str, Any], replicas: int) -> dict[str, Any]:
    pod_hash = f"h{revision:04d}"
    return {
        "metadata": {
            "name": f"big-{pod_hash}",
            "labels": {"app": "big", "rollouts-pod-template-hash": pod_hash},
            "annotations": {"rollout.argoproj.io/revision": str(revision)},
            "ownerReferences": [{
                "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "big",
                "uid": owner["metadata"]["uid"], "controller": True,
            }],
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "big", "rollouts-pod-template-hash": pod_hash}},
            "template": template(revision, pod_hash),
        },
    }  # fmt: skip


def populate(api: client.ApiClient, revisions: int) -> None:
    client.CoreV1Api(api).create_namespace({"metadata": {"name": NAMESPACE}})
    custom = client.CustomObjectsApi(api)
    owner = custom.create_namespaced_custom_object(
        "argoproj.io", "v1alpha1", NAMESPACE, "rollouts", rollout_body(revisions)
    )
    apps = client.AppsV1Api(api)
    for revision in range(1, revisions + 1):
        body = replica_set(revision, owner, 5 if revision == revisions else 0)
        apps.create_namespaced_replica_set(NAMESPACE, body)
    newest = f"h{revisions:04d}"
    status = {
        "phase": "Healthy", "observedGeneration": "1", "currentPodHash": newest,
        "stableRS": newest, "currentStepIndex": 2, "replicas": 5, "updatedReplicas": 5,
        "readyReplicas": 5, "availableReplicas": 5,
    }  # fmt: skip
    custom.patch_namespaced_custom_object_status(
        "argoproj.io", "v1alpha1", NAMESPACE, "rollouts", "big", {"status": status}
    )


def wait_for_pods(api: client.ApiClient, count: int) -> None:
    core = client.CoreV1Api(api)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pods = core.list_namespaced_pod(NAMESPACE).items
        if len([p for p in pods if p.status.phase == "Running"]) >= count:
            return
        time.sleep(0.1)
    raise SystemExit("pods did not start")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(kubeconfig: pathlib.Path, runs: int) -> list[float]:
    argv = ["get", "rollout", "big", "-n", NAMESPACE, "--kubeconfig", str(kubeconfig)]
    times = []
    for _ in range(runs):
        out = io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(out):
            assert cli.main(argv) == 0
        times.append((time.perf_counter() - started) * 1000)
    assert out.getvalue().count("# revision:") >= 50
    return times


def executable(kubeconfig: pathlib.Path, runs: int) -> dict[str, list[float]]:
    """Wall times of the executable, with the bytecode cached (a first, unmeasured run writes
    it to a temporary PYTHONPYCACHEPREFIX, as pip compiles on install) and as this shell's
    environment runs it (with PYTHONDONTWRITEBYTECODE set, the sources compile every time)."""
    found = shutil.which("kubectl-rollouts", path=str(pathlib.Path(sys.executable).parent))
    if found is None:
        return {}
    argv = [found, "get", "rollout", "big", "-n", NAMESPACE, "--kubeconfig", str(kubeconfig)]
    with tempfile.TemporaryDirectory(prefix="bench-plugin-pyc-") as cache:
        cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cached["PYTHONPYCACHEPREFIX"] = cache
        wall(argv, cached)
        times = {"bytecode cached": [wall(argv, cached) for _ in range(runs)]}
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        times["PYTHONDONTWRITEBYTECODE set"] = [wall(argv, dict(os.environ)) for _ in range(runs)]
    return times


def wall(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, timeout=30, env=env)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--revisions", type=int, default=50)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--exec-runs", type=int, default=5)
    args = parser.parse_args()
    home = pathlib.Path(tempfile.mkdtemp(prefix="bench-plugin-"))
    options = cluster.Options(
        kubeconfig=home / "kubeconfig", settings=simulation.Settings(pod_ready_delay=0.05)
    )
    with cluster.BackgroundCluster(options):
        configuration = client.Configuration()
        config.load_kube_config(str(options.kubeconfig), client_configuration=configuration)
        with client.ApiClient(configuration) as api:
            populate(api, args.revisions)
            wait_for_pods(api, 5)
        assert options.kubeconfig is not None
        times = measure(options.kubeconfig, args.runs)
        whole = executable(options.kubeconfig, args.exec_runs)
    p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
    print(f"get rollout, {args.revisions} revisions, {args.runs} runs in-process:")
    print(f"  p50 {p50:.1f} ms  p99 {p99:.1f} ms  max {max(times):.1f} ms")
    print(f"  target: p99 ≤ {TARGET_MS:.0f} ms")
    medians = {how: percentile(walls, 0.5) for how, walls in whole.items()}
    for how, walls in whole.items():
        print(f"kubectl-rollouts executable, interpreter start included, {how}:")
        print(f"  median {medians[how]:.0f} ms  max {max(walls):.0f} ms  ({len(walls)} runs)")
    if whole:
        print(f"  target: median ≤ {TARGET_MS:.0f} ms, bytecode cached")
    return 0 if p99 <= TARGET_MS and medians.get("bytecode cached", 0) <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
