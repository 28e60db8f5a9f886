"""What every part of bench/rollouts.py uses: the processes, the manifests, the clients, and the
figures made from the proxy's records.

devcluster runs in its own process (`rollouts devcluster`, as an API server does), the counting
proxy (`bench/wireproxy.py`) in another, and the controller in a third with a kubeconfig that
points at the proxy: every request the controller sends is recorded, and nobody else's. The
benchmark's own writes and its watches (`ClusterView`) go straight to devcluster. Each Rollout
lives in a namespace of its own, so every write the proxy records is attributed to its Rollout
by its namespace alone.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import os
import pathlib
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bench import clusterview, common, wirelog

JSON = dict[str, Any]
MERGE_PATCH = "application/merge-patch+json"
LEASE_NAMESPACE = "default"
LEASE_NAME = "rollouts-controller"
ROLLOUT = "r"  # every Rollout's name; its namespace tells them apart
OLD_IMAGE = "argoproj/rollouts-demo:blue"
NEW_IMAGE = "argoproj/rollouts-demo:yellow"
CANARY_STEPS: list[JSON] = [{"setWeight": 50}, {"pause": {}}]
POD_READY_DELAY = 0.05  # seconds; the simulated kubelet's, kept small
SENDERS = 16  # connections the benchmark sends a burst on
WAIT_SECONDS = 60.0  # the longest one answer may take
ROLLOUTS_PATH = "/apis/argoproj.io/v1alpha1/rollouts"
SERVICES_PATH = "/api/v1/services"


# ---------------------------------------------------------------- manifests and paths


def rollouts_path(namespace: str, name: str = "", subresource: str = "") -> str:
    path = f"/apis/argoproj.io/v1alpha1/namespaces/{namespace}/rollouts"
    return "/".join(part for part in (path, name, subresource) if part)


def services_path(namespace: str) -> str:
    return f"/api/v1/namespaces/{namespace}/services"


def canary(name: str = ROLLOUT) -> JSON:
    """A basic canary of 1 replica, as tests/e2e's manifest() makes them."""
    return _rollout(name, {"canary": {"steps": CANARY_STEPS}})


def blue_green(name: str = ROLLOUT, scale_down_delay: int | None = None) -> JSON:
    """A blue-green Rollout of 1 replica, promoted by hand (`scale_down_delay` None: Argo's
    default of 30 s)."""
    strategy: JSON = {
        "activeService": f"{name}-active",
        "previewService": f"{name}-preview",
        "autoPromotionEnabled": False,
    }
    if scale_down_delay is not None:
        strategy["scaleDownDelaySeconds"] = scale_down_delay
    return _rollout(name, {"blueGreen": strategy})


def _rollout(name: str, strategy: JSON) -> JSON:
    labels = {"app": name}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": OLD_IMAGE}]},
            },
            "strategy": strategy,
        },
    }


def service(name: str, app: str = ROLLOUT) -> JSON:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": app}, "ports": [{"port": 80}]},
    }


def namespaces(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{i:05d}" for i in range(count)]


def sample(names: list[str], size: int) -> list[str]:
    """`size` names spread evenly over `names`."""
    size = min(size, len(names))
    return [names[i * len(names) // size] for i in range(size)]


Send = tuple[str, str, str, JSON | None, str]  # key, method, path, body, content type


def image_change(namespace: str) -> Send:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": NEW_IMAGE}]}}}}
    return namespace, "PATCH", rollouts_path(namespace, ROLLOUT), patch, MERGE_PATCH


def promotion(namespace: str) -> Send:
    """The status patch `kubectl rollouts promote` sends."""
    patch = {"status": {"pauseConditions": None}}
    return namespace, "PATCH", rollouts_path(namespace, ROLLOUT, "status"), patch, MERGE_PATCH


def annotation(namespace: str) -> Send:
    """A change that is no change to the controller: a metadata annotation."""
    patch = {"metadata": {"annotations": {"bench/touched": str(time.monotonic_ns())}}}
    return namespace, "PATCH", rollouts_path(namespace, ROLLOUT), patch, MERGE_PATCH


# ---------------------------------------------------------------- the processes


@dataclasses.dataclass(frozen=True)
class Reading:
    """CPU clocks of every process and the controller's reconciles at one moment."""

    at_ns: int
    cpu_s: dict[str, float]  # controller, devcluster, proxy, bench
    reconciles: int
    reconcile_s: float  # the controller's time in reconciles, waits for a thread included

    def since(self, before: Reading) -> JSON:
        wall = (self.at_ns - before.at_ns) / 1e9
        cpu = {k: self.cpu_s[k] - before.cpu_s[k] for k in self.cpu_s}
        return {
            "seconds": wall,
            "cpu_s": cpu,
            "cpu_percent": {k: 100 * v / max(wall, 1e-9) for k, v in cpu.items()},
            "reconciles": self.reconciles - before.reconciles,
            "reconcile_mean_ms": 1000
            * (self.reconcile_s - before.reconcile_s)
            / max(self.reconciles - before.reconciles, 1),
        }


class Sender:
    """Writes from the benchmark, straight to devcluster, on SENDERS kept-alive connections."""

    def __init__(self, address: str) -> None:
        self.address = address
        self._local = threading.local()
        self._pool = concurrent.futures.ThreadPoolExecutor(SENDERS, thread_name_prefix="send")
        self.api = common.Api(address)  # for one write at a time, from the main thread

    def _api(self) -> common.Api:
        api = getattr(self._local, "api", None)
        if api is None:
            api = self._local.api = common.Api(self.address)
        return api

    def one(self, send: Send) -> int:
        """Send one write; when it was sent (time.monotonic_ns())."""
        _, method, path, body, content_type = send
        sent = time.monotonic_ns()
        self.api.request(method, path, body, content_type)
        return sent

    def all(self, sends: Iterable[Send]) -> dict[str, int]:
        """Send every write at once, as fast as SENDERS connections go; when each was sent."""

        def send(item: Send) -> tuple[str, int]:
            key, method, path, body, content_type = item
            sent = time.monotonic_ns()
            self._api().request(method, path, body, content_type)
            return key, sent

        return dict(self._pool.map(send, list(sends)))

    def close(self) -> None:
        self._pool.shutdown()
        self.api.close()


@dataclasses.dataclass
class Harness:
    """devcluster, the proxy and the controller, with the benchmark's clients and views."""

    devcluster: common.Devcluster
    proxy: wirelog.WireProxy
    controller: common.Controller
    sender: Sender
    rollouts: clusterview.ClusterView[clusterview.RolloutState]
    services: clusterview.ClusterView[str]

    @property
    def log(self) -> wirelog.RequestLog:
        return self.proxy.log

    def reading(self) -> Reading:
        cpu = {
            "controller": self.controller.cpu_seconds(),
            "devcluster": common.cpu_seconds(self.devcluster.pid),
            "proxy": common.cpu_seconds(self.proxy.pid),
            "bench": common.cpu_seconds(os.getpid()),
        }
        return Reading(
            time.monotonic_ns(),
            cpu,
            self.controller.reconciles(),
            self.controller.reconcile_seconds(),
        )

    def lease_held(self) -> bool:
        path = f"/apis/coordination.k8s.io/v1/namespaces/{LEASE_NAMESPACE}/leases/{LEASE_NAME}"
        try:
            lease = self.sender.api.request("GET", path)
        except RuntimeError:
            return False
        return bool((lease.get("spec") or {}).get("holderIdentity"))


@contextlib.contextmanager
def running(workdir: pathlib.Path | None = None) -> Iterator[Harness]:
    """Start devcluster, the proxy in front of it and the controller behind the proxy."""
    with contextlib.ExitStack() as stack:
        home = workdir or pathlib.Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-rollouts-"))
        )
        kubeconfig = home / "kubeconfig"
        devcluster = stack.enter_context(
            common.Devcluster(
                kubeconfig,
                home / "devcluster.log",
                extra=["--pod-ready-delay", str(POD_READY_DELAY)],
            )
        )
        proxy = stack.enter_context(wirelog.WireProxy(devcluster.address, kubeconfig, home))
        controller = common.Controller(
            proxy.kubeconfig, home / "controller.log", lease_namespace=LEASE_NAMESPACE
        )
        controller.start()
        stack.callback(controller.stop)
        sender = Sender(devcluster.address)
        stack.callback(sender.close)
        rollouts = stack.enter_context(
            clusterview.ClusterView(devcluster.address, ROLLOUTS_PATH, clusterview.rollout_state)
        )
        services = stack.enter_context(
            clusterview.ClusterView(devcluster.address, SERVICES_PATH, clusterview.selector_hash)
        )
        try:
            yield Harness(devcluster, proxy, controller, sender, rollouts, services)
        except BaseException:
            print(controller.log.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise


def wait(condition: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def wait_all_seconds(count: int) -> float:
    """How long waiting for all of `count` Rollouts may take."""
    return WAIT_SECONDS + 0.3 * count


def warm_up(h: Harness) -> JSON:
    """The leader Lease held, one Rollout walked to Healthy and deleted: imports, pools and
    watches are up before anything is measured. Then what the proxy adds to a round trip."""
    wait(h.lease_held, "the leader Lease", WAIT_SECONDS)
    h.sender.api.request("POST", "/api/v1/namespaces", {"metadata": {"name": "warmup"}})
    h.sender.api.request("POST", rollouts_path("warmup"), canary())
    h.rollouts.wait_for(("warmup", ROLLOUT), lambda s: s.healthy, "the warm-up", WAIT_SECONDS)
    h.sender.api.request("DELETE", rollouts_path("warmup", ROLLOUT))
    h.log.wait_idle(1.0, WAIT_SECONDS)
    return proxy_overhead(h)


def create_all(
    h: Harness, spaces: list[str], objects: Callable[[], list[JSON]], drain_s: float
) -> JSON:
    """A namespace each, then its objects (the Rollout last), all at once; until all Healthy."""
    before = h.reading()
    h.sender.all(
        (ns, "POST", "/api/v1/namespaces", {"metadata": {"name": ns}}, "") for ns in spaces
    )
    for body in objects():
        path = rollouts_path if body["kind"] == "Rollout" else services_path
        h.sender.all((ns, "POST", path(ns), body, "") for ns in spaces)
    sent = (time.monotonic_ns() - before.at_ns) / 1e9
    keys = [(ns, ROLLOUT) for ns in spaces]
    h.rollouts.wait_all(
        keys, lambda s: s.healthy, "every Rollout Healthy", wait_all_seconds(len(spaces))
    )
    healthy = h.reading().since(before)
    h.log.wait_idle(2.0, wait_all_seconds(len(spaces)))
    # the creates' Events (queued, written at 50/s) out before anything is measured
    drained = h.log.wait_idle(2.0, drain_s, events=True)
    return {
        "sent_s": sent,
        "all_healthy_s": healthy["seconds"],
        "load": healthy,
        "events_drained_s": drained,
    }


def proxy_overhead(h: Harness, rounds: int = 300) -> JSON:
    """What the proxy adds to a round trip: GETs of one object, alternately straight to
    devcluster and through the proxy, one at a time (p50 and p99 of each, in ms)."""
    path = "/api/v1/namespaces/default"
    direct, proxied = common.Api(h.devcluster.address), common.Api(h.proxy.address)
    times: dict[str, list[int]] = {"direct": [], "proxied": []}
    try:
        for _ in range(rounds):
            for name, api in (("direct", direct), ("proxied", proxied)):
                started = time.perf_counter_ns()
                api.request("GET", path)
                times[name].append(time.perf_counter_ns() - started)
    finally:
        direct.close()
        proxied.close()
    found = {name: common.latency_summary(values) for name, values in times.items()}
    return {
        **found,
        "added_p50_ms": found["proxied"]["p50_ms"] - found["direct"]["p50_ms"],
        "added_p99_ms": found["proxied"]["p99_ms"] - found["direct"]["p99_ms"],
    }
