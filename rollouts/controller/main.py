"""`rollouts controller`: watch Rollouts and what they own, reconcile them, one key at a time.

kopf runs the watches (with its reconnects, backoff and liveness probe), but for AnalysisRuns'
(a ListWatch of ours: they change with every measurement, too often for kopf's per-event
cost); every event lands in a cache and enqueues the owning Rollout's key on one
de-duplicating, delayed work queue; a few workers reconcile, only while this replica holds the
leader Lease.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import gc
import logging
from collections.abc import Sequence
from typing import Any

import kopf
import structlog
from kubernetes import client

from rollouts import logs, ports
from rollouts.adapters import cache, event_queue, kube, listwatch, nginx, observe, prometheus
from rollouts.controller import connect, health, leader, metrics, options, runtime

log = structlog.get_logger(__name__)

LEASE_NAME = "rollouts-controller"


class NoDiffBase(kopf.DiffBaseStorage):
    """kopf's diff-base for event handlers only: none.

    kopf builds an object's "essence" (a deep copy of all but its status) on every event to
    detect changes for on.create/on.update handlers. This controller registers on.event
    handlers only, which never read it, so building it is pure cost per watch event.
    """

    def build(self, *, body: Any, extra_fields: Any = None) -> Any:
        return {}

    def fetch(self, *, body: Any) -> Any:
        return None

    def store(self, *, body: Any, patch: Any, essence: Any) -> None:
        return None


def build_runtime(api: client.ApiClient) -> tuple[runtime.Runtime, kube.KubeCluster]:
    caches = cache.Caches()
    cluster = kube.KubeCluster(api, caches)
    io = ports.Ports(
        cluster=cluster,
        observer=observe.CachedObserver(caches, pods=cluster.list_pods),
        router=nginx.NginxRouter(api, caches.ingresses),
        recorder=event_queue.QueuedRecorder(kube.EventRecorder(api)),
        clock=kube.SystemClock(),
        metrics=prometheus.PrometheusMetrics(),
    )
    observer = io.observer
    assert isinstance(observer, observe.CachedObserver)
    return runtime.Runtime(caches=caches, io=io, run_observer=observer), cluster


def register(registry: kopf.OperatorRegistry, rt: runtime.Runtime) -> None:
    """Route every watch event to the caches and the queue; no handler holds domain logic."""

    def on(group: str, version: str, plural: str, feed: Any) -> None:
        # async on purpose: kopf calls a sync handler in its thread pool, and the work queue
        # belongs to the event loop (it is not thread-safe, and the hop costs every event)
        @kopf.on.event(group, version, plural, registry=registry)
        async def _event(**kwargs: Any) -> None:
            event = kwargs["event"]
            feed(event.get("type"), event["object"])

    on("argoproj.io", "v1alpha1", "rollouts", rt.on_rollout)
    on(
        "apps",
        "v1",
        "replicasets",
        lambda kind, body: rt.on_owned(rt.caches.replica_sets, kind, body),
    )
    on("", "v1", "services", lambda kind, body: rt.on_referenced(rt.caches.services, kind, body))
    on(
        "networking.k8s.io",
        "v1",
        "ingresses",
        lambda kind, body: rt.on_referenced(rt.caches.ingresses, kind, body),
    )
    on(
        "apps",
        "v1",
        "deployments",
        lambda kind, body: rt.on_referenced(rt.caches.deployments, kind, body),
    )
    on(
        "argoproj.io",
        "v1alpha1",
        "analysistemplates",
        lambda kind, body: rt.on_template(rt.caches.analysis_templates, kind, body),
    )
    on(
        "argoproj.io",
        "v1alpha1",
        "clusteranalysistemplates",
        lambda kind, body: rt.on_template(rt.caches.cluster_analysis_templates, kind, body),
    )


def blocking_threads(args: argparse.Namespace) -> int:
    """Threads for blocking calls: one per worker of either queue, plus the Lease's.

    Every reconcile, of a Rollout or of an AnalysisRun, runs in the event loop's default
    executor, whose own default (cpu + 4 threads) would cap both queues together far below
    `--workers` + `--analysis-workers`; a renewal never waits behind reconciles.
    """
    return int(args.workers) + int(args.analysis_workers) + 1


def run(args: argparse.Namespace) -> int:
    """Run the controller until interrupted."""
    logs.configure(args.log_format)
    threads = blocking_threads(args)
    api = connect.api_client(args.kubeconfig, threads)
    rt, cluster = build_runtime(api)
    rt.instance_id = args.instance_id
    events = rt.io.recorder
    assert isinstance(events, event_queue.QueuedRecorder)
    registry = kopf.OperatorRegistry()
    register(registry, rt)
    readiness = health.Readiness()
    # ready once the caches are primed and the workers started (see _start)
    readiness.set(health.STARTING, "priming caches")
    elector = _elector(api, args, readiness)
    tasks: list[asyncio.Task[Any]] = []
    watches: list[listwatch.ListWatch] = []
    servers = contextlib.AsyncExitStack()
    serve_probes(registry, readiness, args.health_port, servers)

    @kopf.on.login(registry=registry)
    def _login(**_: Any) -> kopf.ConnectionInfo:
        return connect.connection_info(api.configuration)

    @kopf.on.startup(registry=registry)
    async def _start(settings: kopf.OperatorSettings, **_: Any) -> None:
        settings.posting.level = logging.WARNING
        # our own marker: kopf strips its default one from objects no handler needs it on,
        # which would take it off objects another kopf operator finalizes
        settings.persistence.finalizer = "rollouts.argoproj.io/kopf-finalizer"
        settings.watching.server_timeout = 300
        settings.persistence.diffbase_storage = NoDiffBase()
        asyncio.get_running_loop().set_default_executor(
            concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="rollouts")
        )
        events.start()
        await asyncio.to_thread(cluster.prime, args.namespace)
        loop = asyncio.get_running_loop()
        runs = listwatch.ListWatch(
            listwatch.AnalysisRuns(api, args.namespace),
            lambda kind, body: loop.call_soon_threadsafe(rt.on_analysis_run, kind, body),
            kind="analysisruns",
        )
        watches.append(runs)
        runs.start()
        # its listing is delivered before the wait returns (both pass through the loop's
        # queue, in order), so no Rollout is reconciled without its runs in the cache
        await asyncio.to_thread(runs.synced.wait)
        # What exists now (the modules kopf and the kubernetes client load, the primed
        # caches) lives as long as the process: out of the collector's sight, a full
        # collection no longer walks it, a 150 ms stop of every worker otherwise.
        gc.freeze()
        for body in rt.caches.rollouts.all():
            if rt.ours(body):
                rt.enqueue(body["metadata"]["namespace"], body["metadata"]["name"])
        tasks.extend(_start_workers(args, rt, elector))
        if args.metrics_port:
            await metrics.serve(rt.stats, args.metrics_port)
        readiness.set(health.STARTING, None)

    @kopf.on.cleanup(registry=registry)
    async def _stop(**_: Any) -> None:
        for task in tasks:
            task.cancel()
        for watch in watches:
            watch.stop()
        await asyncio.to_thread(events.stop)
        await servers.aclose()

    kopf.run(
        registry=registry,
        standalone=True,
        clusterwide=args.namespace is None,
        namespaces=[args.namespace] if args.namespace else (),
    )
    return 0


def serve_probes(
    registry: kopf.OperatorRegistry,
    readiness: health.Readiness,
    port: int,
    servers: contextlib.AsyncExitStack,
) -> None:
    """Serve /healthz and /readyz on `port` (0: not at all) from kopf's startup on.

    A startup handler of their own: kopf retries a failed startup handler alone, so a retry of
    the main one (an API server not answering yet) does not bind the port a second time, and
    the probes answer while the caches fill.
    """
    if not port:
        return

    @kopf.on.startup(registry=registry)
    async def _probes(**_: Any) -> None:
        servers.push_async_callback((await health.serve(readiness, port)).cleanup)


def _start_workers(
    args: argparse.Namespace, rt: runtime.Runtime, elector: leader.LeaseElector
) -> list[asyncio.Task[Any]]:
    """The elector (or leadership at once, without election) and both queues' workers."""
    tasks: list[asyncio.Task[Any]] = []
    if args.leader_elect:
        tasks.append(asyncio.create_task(elector.run()))
    else:
        elector.leading.set()
    tasks.extend(asyncio.create_task(rt.worker(elector.leading)) for _ in range(args.workers))
    tasks.extend(
        asyncio.create_task(rt.run_worker(elector.leading)) for _ in range(args.analysis_workers)
    )
    return tasks


def _elector(
    api: client.ApiClient, args: argparse.Namespace, readiness: health.Readiness
) -> leader.LeaseElector:
    namespace, source = leader.observe_namespace(args.lease_namespace)
    if args.leader_elect:
        log.info("leader election lease", namespace=namespace, source=source, lease=LEASE_NAME)
    return leader.LeaseElector(
        api,
        namespace=namespace,
        name=LEASE_NAME,
        duration=args.leader_election_lease_duration,
        readiness=readiness,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rollouts controller")
    options.add_arguments(parser)
    return run(parser.parse_args(argv))
