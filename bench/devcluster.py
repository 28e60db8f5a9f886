"""Benchmark devcluster over real HTTP on loopback: write throughput and watch-event latency.

With N objects (`--objects`, 1,000 by default), one devcluster started by `BackgroundCluster`
and a watcher thread reading a `?watch=true` stream, it measures:

- ConfigMap creates per second: N sequential POSTs on one keep-alive connection;
- N sequential merge PATCHes, one per ConfigMap: total time and per-request p50/p99, and the
  CPU time each thread (server, writer, watcher) spent per PATCH;
- watch-event latency of those PATCHes: each carries its monotonic send time in a data field,
  and the watcher computes receive - send when the MODIFIED event arrives (p50/p99/max);
- the same PATCH loop through the official `kubernetes` client, which users' controllers use;
- Deployment (0 replicas) creates per second, and the time until the simulated Deployment
  controller has made every one's ReplicaSet (seen on a second watch);
- references that say where the time goes: N `GET /healthz` (the HTTP layer alone, no
  store), the PATCH loop again with no watch open, and the same PATCHes through
  `store.Store.patch` in process (the store alone, no HTTP).

The project's targets: a write is seen by a watcher within 10 ms p99, and 1,000 sequential
PATCHes take at most 3 s. Run: `.venv/bin/python bench/devcluster.py [--objects N] [--json]`.
"""

from __future__ import annotations

import pathlib
import sys

# Run as a file, this folder comes first on sys.path; the project's root goes there instead,
# for `bench.common`.
if sys.path and pathlib.Path(sys.path[0]).resolve() == pathlib.Path(__file__).resolve().parent:
    sys.path.pop(0)
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import argparse
import collections
import dataclasses
import http.client
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from kubernetes import client

from bench import common
from rollouts.devcluster import cluster, store

JSON = dict[str, Any]
MERGE_PATCH = "application/merge-patch+json"
CONFIGMAPS_NS = "bench"
APPS_NS = "bench-apps"
WAIT_SECONDS = 60.0  # the longest any phase may wait for its watch events
WATCH_P99_TARGET_MS = 10.0
PATCH_LOOP_TARGET_S = 3.0  # for 1,000 PATCHes; scaled with --objects


class Watcher:
    """One watch stream read on its own thread, recording each event's receive time."""

    def __init__(self, address: str, path: str) -> None:
        parsed = urllib.parse.urlsplit(address)
        self._connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port)
        self._path = path
        self.thread = threading.Thread(target=self._read, name="watcher", daemon=True)
        self._changed = threading.Condition()
        self._connected = threading.Event()
        self.counts: collections.Counter[str] = collections.Counter()
        self.latency_ns: dict[str, int] = {}  # send stamp -> receive - send

    def start(self) -> None:
        """Connect; returns once the server has subscribed this watch to the store."""
        self.thread.start()
        if not self._connected.wait(WAIT_SECONDS):
            raise TimeoutError(f"watch {self._path} did not connect")

    def stop(self) -> None:
        # shutting the socket down ends the blocked readline at once
        if self._connection.sock is not None:
            self._connection.sock.shutdown(socket.SHUT_RDWR)
        self.thread.join(WAIT_SECONDS)
        self._connection.close()

    def _read(self) -> None:
        self._connection.request("GET", self._path)
        response = self._connection.getresponse()
        # the server subscribes before it sends the headers: from here no write is missed
        self._connected.set()
        try:
            while line := response.readline():
                self._record(time.monotonic_ns(), json.loads(line))
        except (OSError, http.client.HTTPException, ValueError):
            pass  # stop() closed the stream under us

    def _record(self, received_ns: int, event: JSON) -> None:
        stamp = (event["object"].get("data") or {}).get("sent")
        with self._changed:
            self.counts[event["type"]] += 1
            if stamp is not None:
                self.latency_ns[stamp] = received_ns - int(stamp)
            self._changed.notify_all()

    def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        with self._changed:
            if not self._changed.wait_for(condition, WAIT_SECONDS):
                raise TimeoutError(f"timed out waiting for {what}")

    def wait_for_stamps(self, stamps: Iterable[str]) -> list[int]:
        """The watch latencies of these stamped writes, once every one has arrived."""
        wanted = set(stamps)
        self.wait_until(lambda: wanted <= self.latency_ns.keys(), "the stamped watch events")
        return [self.latency_ns[s] for s in wanted]


class ThreadClocks:
    """CPU time of some threads, to tell the server's work from the clients' and from waiting."""

    def __init__(self, threads: dict[str, threading.Thread]) -> None:
        self._clocks = {
            name: time.pthread_getcpuclockid(thread.ident or 0) for name, thread in threads.items()
        }

    def read_ns(self) -> dict[str, int]:
        return {name: time.clock_gettime_ns(clock) for name, clock in self._clocks.items()}


@dataclasses.dataclass(frozen=True)
class Timings:
    """What one timed loop of requests took."""

    total_s: float
    per_request_ns: list[int]
    cpu_ns: dict[str, int]  # CPU time per thread over the loop


def time_loop(count: int, step: Callable[[int], object], clocks: ThreadClocks) -> Timings:
    durations = []
    cpu_before = clocks.read_ns()
    started = time.perf_counter()
    for i in range(count):
        before = time.perf_counter_ns()
        step(i)
        durations.append(time.perf_counter_ns() - before)
    total = time.perf_counter() - started
    cpu = {name: ns - cpu_before[name] for name, ns in clocks.read_ns().items()}
    return Timings(total, durations, cpu)


def server_thread() -> threading.Thread:
    """The thread `BackgroundCluster` serves on (it names it)."""
    return next(t for t in threading.enumerate() if t.name == "devcluster")


# ---------------------------------------------------------------- objects


def configmap(i: int) -> JSON:
    return {"metadata": {"name": f"cm-{i:05d}", "labels": {"bench": "yes"}}, "data": {"i": str(i)}}


def deployment(i: int) -> JSON:
    labels = {"app": f"d-{i:05d}"}
    return {
        "metadata": {"name": f"d-{i:05d}", "labels": labels},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
            },
        },
    }


def start_watch(api: common.Api, address: str, namespace: str, collection: str) -> Watcher:
    """A watch on `collection`, in a new namespace, from now (no initial events)."""
    api.request("POST", "/api/v1/namespaces", {"metadata": {"name": namespace}})
    version = api.request("GET", collection)["metadata"]["resourceVersion"]
    watcher = Watcher(address, f"{collection}?watch=true&resourceVersion={version}")
    watcher.start()
    return watcher


def stamped_patch(send: Callable[[str, JSON], object], stamps: list[str]) -> Callable[[int], None]:
    """One PATCH step that carries its monotonic send time, taken last before sending."""

    def step(i: int) -> None:
        stamp = str(time.monotonic_ns())
        stamps.append(stamp)
        send(f"cm-{i:05d}", {"data": {"sent": stamp}})

    return step


# ---------------------------------------------------------------- phases


def measure_configmaps(address: str, count: int) -> JSON:
    api = common.Api(address)
    base = f"/api/v1/namespaces/{CONFIGMAPS_NS}/configmaps"
    watcher = start_watch(api, address, CONFIGMAPS_NS, base)
    clocks = ThreadClocks(
        {"server": server_thread(), "writer": threading.current_thread(), "watcher": watcher.thread}
    )
    try:
        creates = time_loop(count, lambda i: api.request("POST", base, configmap(i)), clocks)

        def send(name: str, body: JSON) -> object:
            return api.request("PATCH", f"{base}/{name}", body, MERGE_PATCH)

        patches = measure_patches(send, count, watcher, clocks)
        client_patches = measure_client_patches(address, count, watcher, clocks)
    finally:
        watcher.stop()
        api.close()
    return {
        "configmap_creates": summary(creates),
        "patches_http": patches,
        "patches_kubernetes_client": client_patches,
    }


def measure_patches(
    send: Callable[[str, JSON], object], count: int, watcher: Watcher, clocks: ThreadClocks
) -> JSON:
    stamps: list[str] = []
    timings = time_loop(count, stamped_patch(send, stamps), clocks)
    return {
        **summary(timings),
        "watch_latency": common.latency_summary(watcher.wait_for_stamps(stamps)),
    }


def measure_client_patches(
    address: str, count: int, watcher: Watcher, clocks: ThreadClocks
) -> JSON:
    """The same loop through the official client, as a controller sends its PATCHes."""
    configuration = client.Configuration()
    configuration.host = address
    with client.ApiClient(configuration) as api_client:
        core = client.CoreV1Api(api_client)

        def send(name: str, body: JSON) -> object:
            return core.patch_namespaced_config_map(
                name, CONFIGMAPS_NS, body, _content_type=MERGE_PATCH
            )

        return measure_patches(send, count, watcher, clocks)


def measure_deployments(address: str, count: int) -> JSON:
    api = common.Api(address)
    watcher = start_watch(api, address, APPS_NS, f"/apis/apps/v1/namespaces/{APPS_NS}/replicasets")
    base = f"/apis/apps/v1/namespaces/{APPS_NS}/deployments"
    clocks = ThreadClocks({"server": server_thread()})
    try:
        started = time.perf_counter()
        creates = time_loop(count, lambda i: api.request("POST", base, deployment(i)), clocks)
        watcher.wait_until(lambda: watcher.counts["ADDED"] >= count, "every ReplicaSet")
        reconciled = time.perf_counter() - started
    finally:
        watcher.stop()
        api.close()
    return {"deployment_creates": {**summary(creates), "all_replicasets_s": reconciled}}


def measure_references(address: str, count: int) -> JSON:
    """The HTTP layer without the store, the PATCHes without a watcher, the store alone."""
    api = common.Api(address)
    clocks = ThreadClocks({"server": server_thread(), "writer": threading.current_thread()})
    base = f"/api/v1/namespaces/{CONFIGMAPS_NS}/configmaps"  # no watch is open on it by now

    def send(name: str, body: JSON) -> object:
        return api.request("PATCH", f"{base}/{name}", body, MERGE_PATCH)

    try:
        health = time_loop(count, lambda _: api.request("GET", "/healthz", raw=True), clocks)
        unwatched = time_loop(count, stamped_patch(send, []), clocks)
    finally:
        api.close()
    return {
        "healthz": summary(health),
        "patches_unwatched": summary(unwatched),
        "store_patch_in_process": measure_store(count),
    }


def measure_store(count: int) -> JSON:
    """`Store.patch` called directly, on a store of `count` ConfigMaps."""
    objects = store.Store()
    configmaps = objects.registry.by_key(("", "configmaps"))
    if configmaps is None:
        raise RuntimeError("devcluster serves no ConfigMaps")
    for i in range(count):
        objects.create(configmaps, configmap(i), namespace="default")

    def patch(i: int) -> None:
        stamp = str(time.monotonic_ns())
        objects.patch(
            configmaps,
            namespace="default",
            name=f"cm-{i:05d}",
            patch_type=store.MERGE_PATCH,
            patch={"data": {"sent": stamp}},
        )

    return summary(time_loop(count, patch, ThreadClocks({})))


# ---------------------------------------------------------------- report


def summary(timings: Timings) -> JSON:
    count = len(timings.per_request_ns)
    return {
        "count": count,
        "total_s": timings.total_s,
        "per_second": count / timings.total_s,
        "p50_ms": common.percentile(timings.per_request_ns, 0.50) / 1e6,
        "p99_ms": common.percentile(timings.per_request_ns, 0.99) / 1e6,
        "cpu_ms_per_request": {name: ns / count / 1e6 for name, ns in timings.cpu_ns.items()},
    }


def verdict(met: bool) -> str:
    return "yes" if met else "NO"


def target_rows(results: JSON) -> list[tuple[str, str, str, str]]:
    """The two rows the issue sets targets for: (metric, target, measured, met)."""
    patches = results["patches_http"]
    n = patches["count"]
    loop_target = PATCH_LOOP_TARGET_S * n / 1000
    watch_p99 = patches["watch_latency"]["p99_ms"]
    return [
        (
            f"{n} sequential PATCHes, total",
            f"<= {loop_target:g} s",
            f"{patches['total_s']:.2f} s",
            verdict(patches["total_s"] <= loop_target),
        ),
        (
            "watch latency p99",
            f"<= {WATCH_P99_TARGET_MS:g} ms",
            f"{watch_p99:.2f} ms",
            verdict(watch_p99 <= WATCH_P99_TARGET_MS),
        ),
    ]


def other_rows(results: JSON) -> list[tuple[str, str, str, str]]:
    """Figures reported without a target: (metric, "", measured, "")."""
    creates, patches = results["configmap_creates"], results["patches_http"]
    lib, apps = results["patches_kubernetes_client"], results["deployment_creates"]
    cpu = patches["cpu_ms_per_request"]
    health, in_process = results["healthz"], results["store_patch_in_process"]
    unwatched = results["patches_unwatched"]
    unwatched_cpu = unwatched["cpu_ms_per_request"]["server"]
    figures = [
        ("ConfigMap creates", f"{creates['per_second']:.0f}/s"),
        ("PATCH p50 / p99", f"{patches['p50_ms']:.2f} / {patches['p99_ms']:.2f} ms"),
        ("watch latency p50 / max", _pair(patches["watch_latency"], "p50_ms", "max_ms")),
        ("CPU per PATCH: server", f"{cpu['server']:.3f} ms"),
        ("CPU per PATCH: writer / watcher", f"{cpu['writer']:.3f} / {cpu['watcher']:.3f} ms"),
        ("kubernetes client: PATCHes, total", f"{lib['total_s']:.2f} s"),
        ("kubernetes client: PATCH p50 / p99", f"{lib['p50_ms']:.2f} / {lib['p99_ms']:.2f} ms"),
        ("kubernetes client: watch p50 / p99", _pair(lib["watch_latency"], "p50_ms", "p99_ms")),
        ("Deployment creates (0 replicas)", f"{apps['per_second']:.0f}/s"),
        ("  until every ReplicaSet exists", f"{apps['all_replicasets_s']:.2f} s"),
        ("ref: GET /healthz p50", f"{health['p50_ms']:.2f} ms"),
        ("ref: GET /healthz CPU: server", f"{health['cpu_ms_per_request']['server']:.3f} ms"),
        ("ref: PATCHes, no watch: total", f"{unwatched['total_s']:.2f} s"),
        ("ref: PATCH, no watch: CPU: server", f"{unwatched_cpu:.3f} ms"),
        ("ref: Store.patch in process, p50", f"{in_process['p50_ms']:.3f} ms"),
    ]
    return [(metric, "", measured, "") for metric, measured in figures]


def _pair(figures: JSON, first: str, second: str) -> str:
    return f"{figures[first]:.2f} / {figures[second]:.2f} ms"


def print_table(results: JSON) -> None:
    table = [("metric", "target", "measured", "met"), *target_rows(results), *other_rows(results)]
    widths = [max(len(row[col]) for row in table) for col in range(4)]
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * width for width in widths))
    info = results["machine"]
    print(f"\n{info['python']}; nproc {info['nproc']}; {info['cpu']}; {info['platform']}")


def run(count: int) -> JSON:
    with cluster.BackgroundCluster(cluster.Options()) as running:
        results = measure_configmaps(running.address, count)
        results.update(measure_deployments(running.address, count))
        results.update(measure_references(running.address, count))
    return {"objects": count, "machine": common.machine(), **results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--objects", type=int, default=1000, help="objects per kind (1000)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.objects < 1:
        parser.error("--objects must be at least 1")
    results = run(args.objects)
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
