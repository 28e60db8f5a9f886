"""`rollouts demo`: the main job on the embedded cluster, watched live in the terminal.

Until the canary controller lands, the demo starts devcluster, applies a sample Deployment and
shows it becoming ready, change by change, as the watch reports them (no polling).
"""

from __future__ import annotations

import contextlib
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from kubernetes import client, config, watch

from rollouts.devcluster import cluster, simulation

SAMPLE = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "hello", "labels": {"app": "hello"}},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "hello"}},
        "template": {
            "metadata": {"labels": {"app": "hello"}},
            "spec": {
                "containers": [
                    {"name": "hello", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
                ]
            },
        },
    },
}


def _line(started: float, deployment: Any) -> str:
    status = deployment.status
    ready = status.ready_replicas or 0
    return (
        f"  {time.monotonic() - started:5.2f}s  deployment/hello  ready {ready}/"
        f"{deployment.spec.replicas}  updated {status.updated_replicas or 0}  "
        f"available {status.available_replicas or 0}"
    )


def _show_deployment(api: Any, started: float) -> None:
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment("default", SAMPLE)  # type: ignore[arg-type]
    print("applied deployment/hello (3 replicas of nginx:1.27); watching it:")
    last = ""
    changes = watch.Watch()  # type: ignore[no-untyped-call]
    for event in changes.stream(  # type: ignore[no-untyped-call]
        apps.list_namespaced_deployment,
        "default",
        field_selector="metadata.name=hello",
        timeout_seconds=30,
    ):
        line = _line(started, event["object"])
        if line.split("s ", 1)[1] != last:
            print(line, flush=True)
            last = line.split("s ", 1)[1]
        if (event["object"].status.available_replicas or 0) == 3:
            return
    raise RuntimeError("the sample deployment did not become available within 30 s")


def _kubectl_get(kubeconfig: pathlib.Path) -> None:
    kubectl = shutil.which("kubectl")
    command = ["kubectl", "--kubeconfig", str(kubeconfig), "get", "deployments,replicasets,pods"]
    print(f"\n$ {' '.join(command)}")
    if kubectl is None:
        print("(kubectl is not installed here)")
        return
    subprocess.run([kubectl, *command[1:]], check=False)


def main(serve: bool = False) -> int:
    """Run the demo; with `serve`, keep the cluster up afterwards for kubectl."""
    home = pathlib.Path(tempfile.mkdtemp(prefix="rollouts-demo-"))
    kubeconfig = home / "kubeconfig"
    options = cluster.Options(
        kubeconfig=kubeconfig, settings=simulation.Settings(pod_ready_delay=0.5)
    )
    started = time.monotonic()
    with cluster.BackgroundCluster(options) as running:
        print(
            f"devcluster (a simulator for trying things, not a production cluster) "
            f"is serving at {running.address}"
        )
        print(f"kubeconfig: {kubeconfig}\n")
        configuration = client.Configuration()
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=str(kubeconfig), client_configuration=configuration
        )
        with client.ApiClient(configuration) as api:
            _show_deployment(api, started)
        _kubectl_get(kubeconfig)
        if serve:
            print(
                f"\ndevcluster keeps serving; try: kubectl --kubeconfig {kubeconfig} get pods"
                "\n(Ctrl-C to stop)"
            )
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
    print("\ndemo done: the deployment became available on devcluster.")
    sys.stdout.flush()
    return 0
