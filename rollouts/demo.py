"""`rollouts demo`: canary and blue-green rollouts on the embedded cluster, live.

It starts devcluster and the controller (a separate process, as in a real cluster), applies
the examples, changes the image, and prints a line each time the Rollout changes, as the
watch reports it. Where a step waits for a human, it promotes as an operator would, with the
same status patch `kubectl rollouts promote` sends.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import yaml
from kubernetes import client, config, watch

from rollouts.adapters import kube
from rollouts.core.observed import HASH_LABEL
from rollouts.devcluster import cluster, prometheus, simulation

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"
GROUP, VERSION, PLURAL = "argoproj.io", "v1alpha1", "rollouts"
NEW_IMAGE = "argoproj/rollouts-demo:yellow"
TIMEOUT = 90


class Demo:
    """One devcluster, one controller process, and clients for both."""

    def __init__(self, home: pathlib.Path) -> None:
        self.home = home
        self.started = time.monotonic()
        configuration = client.Configuration()
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=str(home / "kubeconfig"), client_configuration=configuration
        )
        self.api = client.ApiClient(configuration)
        self.custom = client.CustomObjectsApi(self.api)
        self.apps = client.AppsV1Api(self.api)
        self.networking = client.NetworkingV1Api(self.api)

    def say(self, text: str) -> None:
        print(f"{time.monotonic() - self.started:6.1f}s  {text}", flush=True)

    def apply(self, folder: str, namespace: str) -> None:
        kubectl = shutil.which("kubectl")
        # the Rollout last: it names Services that should exist when it is first reconciled
        paths = sorted(
            (EXAMPLES / folder).glob("*.yaml"), key=lambda p: (p.name == "rollout.yaml", p.name)
        )
        command = [
            "kubectl",
            "--kubeconfig",
            str(self.home / "kubeconfig"),
            "-n",
            namespace,
            "apply",
            *(part for path in paths for part in ("-f", str(path))),
        ]
        self.say("$ " + " ".join(command[:1] + command[3:]))
        if kubectl is not None:
            subprocess.run([kubectl, *command[1:]], check=True, stdout=subprocess.DEVNULL)
            return
        for path in paths:  # no kubectl: the same objects
            for doc in yaml.safe_load_all(path.read_text()):
                self._create(doc, namespace)

    def _create(self, doc: dict[str, Any], namespace: str) -> None:
        kind = doc["kind"]
        if kind == "Rollout":
            self.custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, doc)
        elif kind == "Service":
            client.CoreV1Api(self.api).create_namespaced_service(namespace, kube.raw(doc))
        elif kind == "Ingress":
            self.networking.create_namespaced_ingress(namespace, kube.raw(doc))

    def set_image(self, namespace: str, image: str, name: str = "rollouts-demo") -> None:
        patch = {
            "spec": {
                "template": {"spec": {"containers": [{"name": "rollouts-demo", "image": image}]}}
            }
        }
        self.say(f"$ kubectl rollouts -n {namespace} set image {name} rollouts-demo={image}")
        self.custom.patch_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name, patch)

    def promote(self, namespace: str, name: str = "rollouts-demo") -> None:
        self.say(f"$ kubectl rollouts -n {namespace} promote {name}")
        self.custom.patch_namespaced_custom_object_status(
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            name,
            {"status": {"pauseConditions": None}},
        )

    def describe(self, namespace: str, body: dict[str, Any]) -> str:
        status = body.get("status") or {}
        steps = ((body["spec"].get("strategy") or {}).get("canary") or {}).get("steps") or []
        listed = (
            kube.call(
                lambda: self.apps.list_namespaced_replica_set(namespace, _preload_content=False)
            )
            or {}
        )
        sets = sorted(listed.get("items") or (), key=lambda rs: str(rs["metadata"]["name"]))
        roles = {status.get("currentPodHash"): "canary", status.get("stableRS"): "stable"}
        sizes = " ".join(
            f"{roles.get(rs['metadata']['labels'].get(HASH_LABEL), 'old')}="
            f"{(rs.get('status') or {}).get('availableReplicas', 0)}/{rs['spec']['replicas']}"
            for rs in sets
            if rs["spec"].get("replicas")
        )
        weight = ((status.get("canary") or {}).get("weights") or {}).get("canary", {}).get("weight")
        shown = f" weight={weight}%" if weight is not None else ""
        phase = status.get("phase", "…")
        message = f" ({status['message']})" if status.get("message") else ""
        return (
            f"{phase:<11} step {status.get('currentStepIndex', 0)}/{len(steps)}{shown}  "
            f"pods {sizes}{message}"
        )

    def follow(self, namespace: str, *, promote: bool, abort_expected: bool = False) -> None:
        """Print each change until the Rollout is Healthy on the new image (or aborted)."""
        last = ""
        for body in self._changes(namespace):
            line = self.describe(namespace, body)
            if line != last:
                self.say(line)
                last = line
            status = body.get("status") or {}
            if status.get("phase") == "Degraded" and _observed(body):
                if abort_expected:
                    if not status.get("updatedReplicas"):  # the canary is gone too
                        return
                    continue
                raise RuntimeError(f"the rollout is Degraded: {status.get('message')}")
            if promote and _waiting_for_human(body):
                self.promote(namespace)
            if _done(body):
                return

    def _changes(self, namespace: str) -> Iterator[dict[str, Any]]:
        stream = watch.Watch()  # type: ignore[no-untyped-call]
        for event in stream.stream(  # type: ignore[no-untyped-call]
            self.custom.list_namespaced_custom_object,
            GROUP,
            VERSION,
            namespace,
            PLURAL,
            timeout_seconds=TIMEOUT,
        ):
            yield event["object"]
        raise RuntimeError(f"the rollout did not finish within {TIMEOUT} s")


def _waiting_for_human(body: dict[str, Any]) -> bool:
    status = body.get("status") or {}
    steps = ((body["spec"].get("strategy") or {}).get("canary") or {}).get("steps") or []
    index = status.get("currentStepIndex")
    pauses = [p.get("reason") for p in status.get("pauseConditions") or ()]
    return (
        "CanaryPauseStep" in pauses
        and index is not None
        and index < len(steps)
        and (steps[index].get("pause") or {}).get("duration") is None
    )


def _observed(body: dict[str, Any]) -> bool:
    """The status speaks of the current spec (clients check this before trusting phase)."""
    status = body.get("status") or {}
    return status.get("observedGeneration") == str(body["metadata"].get("generation"))


def _healthy(body: dict[str, Any]) -> bool:
    return _observed(body) and (body.get("status") or {}).get("phase") == "Healthy"


def _done(body: dict[str, Any]) -> bool:
    status = body.get("status") or {}
    containers = body["spec"]["template"]["spec"]["containers"]
    return (
        _healthy(body)
        and containers[0]["image"] == NEW_IMAGE
        and status.get("currentPodHash") == status.get("stableRS")
    )


def _act(demo: Demo, folder: str, namespace: str) -> None:
    print(f"\n== {folder}: {(EXAMPLES / folder / 'README.md').read_text().splitlines()[2]}")
    client.CoreV1Api(demo.api).create_namespace(kube.raw({"metadata": {"name": namespace}}))
    demo.apply(folder, namespace)
    for body in demo._changes(namespace):
        if _healthy(body):
            demo.say(demo.describe(namespace, body))
            break
    demo.set_image(namespace, NEW_IMAGE)
    demo.follow(namespace, promote=True)


def _blue_green_line(demo: Demo, namespace: str, body: dict[str, Any]) -> str:
    """Phase, which set each Service selects, and the sets' pods."""
    status = body.get("status") or {}
    selectors = status.get("blueGreen") or {}
    listed = (
        kube.call(lambda: demo.apps.list_namespaced_replica_set(namespace, _preload_content=False))
        or {}
    )
    names = {status.get("stableRS"): "stable", status.get("currentPodHash"): "new"}
    names.update({selectors.get("activeSelector"): "active"})
    sets = sorted(listed.get("items") or (), key=lambda rs: rs["metadata"]["name"])
    sizes = " ".join(
        f"{rs['metadata']['labels'].get(HASH_LABEL)}="
        f"{(rs.get('status') or {}).get('availableReplicas', 0)}/{rs['spec']['replicas']}"
        for rs in sets
    )
    message = f" ({status['message']})" if status.get("message") else ""
    return (
        f"{status.get('phase', '…'):<11} active→{selectors.get('activeSelector', '-')} "
        f"preview→{selectors.get('previewSelector', '-')}  pods {sizes}{message}"
    )


def _blue_green_act(demo: Demo) -> None:
    namespace, name = "bluegreen-demo", "rollout-bluegreen"
    print(
        "\n== blue-green: Argo's blue-green example; the new version comes up behind the "
        "preview Service and waits for a promote before the active Service switches"
    )
    client.CoreV1Api(demo.api).create_namespace(kube.raw({"metadata": {"name": namespace}}))
    demo.apply("blue-green", namespace)
    last = ""
    promoted = switched = False
    for body in demo._changes(namespace):
        line = _blue_green_line(demo, namespace, body)
        if line != last:
            demo.say(line)
            last = line
        status = body.get("status") or {}
        if not _observed(body):
            continue
        image = body["spec"]["template"]["spec"]["containers"][0]["image"]
        if status.get("phase") == "Healthy" and image != NEW_IMAGE:
            demo.set_image(namespace, NEW_IMAGE, name)
            continue
        if status.get("message") == "BlueGreenPause" and not promoted:
            demo.promote(namespace, name)
            promoted = True
        if promoted and _done(body) and not switched:
            switched = True
            demo.say("active switched to the new version; the old side waits out its 30 s delay")
        if switched and _old_side_down(demo, namespace, status):
            demo.say(_blue_green_line(demo, namespace, body))
            return


def _old_side_down(demo: Demo, namespace: str, status: dict[str, Any]) -> bool:
    listed = (
        kube.call(lambda: demo.apps.list_namespaced_replica_set(namespace, _preload_content=False))
        or {}
    )
    return all(
        rs["spec"]["replicas"] == 0
        for rs in listed.get("items") or ()
        if rs["metadata"]["labels"].get(HASH_LABEL) != status.get("stableRS")
    )


@contextlib.contextmanager
def _controller(
    home: pathlib.Path, prometheus_url: str | None
) -> Iterator[subprocess.Popen[bytes]]:
    log = (home / "controller.log").open("wb")
    env = dict(os.environ)
    if prometheus_url:
        env["ARGO_ROLLOUTS_PROMETHEUS_ADDRESS"] = prometheus_url
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rollouts",
            "controller",
            "--kubeconfig",
            str(home / "kubeconfig"),
            "--metrics-port",
            "0",
            "--health-port",
            "0",
            # out of cluster the Lease would go to argo-rollouts, which devcluster lacks
            "--lease-namespace",
            "default",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


class Traffic:
    """Request counters a metrics target serves, growing as if the app served traffic."""

    def __init__(self, target: prometheus.MetricsTarget, app: str) -> None:
        self.target, self.app = target, app
        self.error_share = 0.0
        self.counts = {"200": 0.0, "500": 0.0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        # a steady 100 requests per tick: this loop generates traffic, it waits on nothing
        while not self._stop.wait(0.25):
            self.counts["500"] += 100 * self.error_share
            self.counts["200"] += 100 * (1 - self.error_share)
            for status, count in self.counts.items():
                self.target.set(
                    "http_requests_total", count, labels={"app": self.app, "status": status}
                )

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()


SUCCESS_RATE = (
    'sum(rate(http_requests_total{app="rollouts-demo",status!~"5.."}[10s])) / '
    'sum(rate(http_requests_total{app="rollouts-demo"}[10s]))'
)


def _analysis_act(demo: Demo, traffic: Traffic, server: prometheus.PrometheusServer) -> None:
    print(
        "\n== analysis-prometheus: a canary judged by a real Prometheus; the new version "
        "fails 40% of requests"
    )
    client.CoreV1Api(demo.api).create_namespace(kube.raw({"metadata": {"name": "analysis-demo"}}))
    demo.apply("analysis-prometheus", "analysis-demo")
    for body in demo._changes("analysis-demo"):
        if _healthy(body):
            demo.say(demo.describe("analysis-demo", body))
            break
    traffic.error_share = 0.4
    server.wait_for_sample(SUCCESS_RATE, lambda v: bool(v) and v[0] < 0.9, timeout=30)
    demo.say(
        f"Prometheus: success rate {server.values(SUCCESS_RATE)[0]:.2f} (the template "
        "wants >= 0.95)"
    )
    demo.set_image("analysis-demo", NEW_IMAGE)
    demo.follow("analysis-demo", promote=True, abort_expected=True)
    runs = (
        kube.call(
            lambda: demo.custom.list_namespaced_custom_object(
                GROUP, VERSION, "analysis-demo", "analysisruns", _preload_content=False
            )
        )
        or {}
    )
    for run in runs.get("items") or ():
        result = (run.get("status") or {}).get("metricResults") or [{}]
        values = [m.get("value") for m in result[0].get("measurements") or ()]
        demo.say(
            f"analysisrun/{run['metadata']['name']}: {run['status'].get('phase')} "
            f"measurements={values}"
        )


def _start_prometheus(
    home: pathlib.Path, target: prometheus.MetricsTarget
) -> prometheus.PrometheusServer | None:
    try:
        (home / "prometheus").mkdir()
        server = prometheus.PrometheusServer([target.address], workdir=home / "prometheus")
        server.start()
    except prometheus.PrometheusNotInstalledError:
        print(
            "(Prometheus is not installed: the analysis act is skipped; "
            "`apt-get install prometheus` adds it)"
        )
        return None
    return server


def main(serve: bool = False) -> int:
    """Run the demo; with `serve`, keep devcluster up afterwards for kubectl."""
    home = pathlib.Path(tempfile.mkdtemp(prefix="rollouts-demo-"))
    options = cluster.Options(
        kubeconfig=home / "kubeconfig", settings=simulation.Settings(pod_ready_delay=0.5)
    )
    target = prometheus.MetricsTarget().start()
    server = _start_prometheus(home, target)
    url = server.url if server else None
    with (
        cluster.BackgroundCluster(options) as running,
        _controller(home, url),
        Traffic(target, "rollouts-demo") as traffic,
    ):
        print(
            f"devcluster (a simulator for trying things, not a production cluster) is serving "
            f"at {running.address}\nkubeconfig: {home / 'kubeconfig'}\n"
            f"controller log: {home / 'controller.log'}"
        )
        demo = Demo(home)
        _act(demo, "canary-nginx", "nginx-demo")
        _act(demo, "canary-basic", "basic-demo")
        print("\nboth canaries walked their steps to Healthy on the new image.")
        _blue_green_act(demo)
        print(
            "\nblue-green: the preview came up beside the active side, the promotion switched "
            "the active Service, and the old side went away after its delay."
        )
        if server is not None:
            _analysis_act(demo, traffic, server)
            print(
                "\nanalysis failed the canary: the controller aborted it, traffic and pods "
                "back on stable."
            )
        if serve:
            print(
                f"devcluster keeps serving; try: kubectl --kubeconfig {home / 'kubeconfig'} "
                "get rollouts -A\n(Ctrl-C to stop)"
            )
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
    if server is not None:
        server.stop()
    target.stop()
    return 0
