"""`rollouts controller`: watch Rollouts and what they own, reconcile them, one key at a time.

Every kind is listed and watched by a ListWatch of ours (adapters/listwatch.py), a thread per
kind, whose events the event loop hands to the runtime: each lands in a cache and enqueues the
owning Rollout's key on one de-duplicating, delayed work queue; a few workers reconcile, only
while this replica holds the leader Lease. kopf runs the process (startup, cleanup, login, the
probes' startup) with no resource handlers: its per-event cost was too high for a burst.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import functools
import gc
from collections.abc import Callable, Sequence
from typing import Any

import kopf
import structlog
from kubernetes import client

from rollouts import logs, ports
from rollouts.adapters import (
    cache,
    event_queue,
    kube,
    listwatch,
    nginx,
    observe,
    prometheus,
    sources,
)
from rollouts.controller import connect, health, leader, metrics, options, runtime

log = structlog.get_logger(__name__)

LEASE_NAME = "rollouts-controller"
Feed = Callable[[str | None, dict[str, Any]], None]


def build_runtime(api: client.ApiClient) -> runtime.Runtime:
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
    return runtime.Runtime(caches=caches, io=io, run_observer=observer)


def watches(
    api: client.ApiClient,
    rt: runtime.Runtime,
    namespace: str | None,
    loop: asyncio.AbstractEventLoop,
) -> list[listwatch.ListWatch]:
    """A ListWatch per kind the caches hold, each handing its events to the runtime on `loop`.

    The handlers run on the event loop, not in the watch threads: the work queue belongs to
    the loop (it is not thread-safe), and one thread applying every kind's events keeps the
    caches in the order they were delivered.
    """
    caches = rt.caches
    feeds: list[tuple[str, listwatch.Source, Feed]] = [
        ("rollouts", sources.Rollouts(api, namespace), rt.on_rollout),
        (
            "replicasets",
            sources.ReplicaSets(api, namespace),
            functools.partial(rt.on_owned, caches.replica_sets),
        ),
        (
            "services",
            sources.Services(api, namespace),
            functools.partial(rt.on_referenced, caches.services),
        ),
        (
            "ingresses",
            sources.Ingresses(api, namespace),
            functools.partial(rt.on_referenced, caches.ingresses),
        ),
        (
            "deployments",
            sources.Deployments(api, namespace),
            functools.partial(rt.on_referenced, caches.deployments),
        ),
        (
            "analysistemplates",
            sources.AnalysisTemplates(api, namespace),
            functools.partial(rt.on_template, caches.analysis_templates),
        ),
        (
            "clusteranalysistemplates",
            sources.ClusterAnalysisTemplates(api),
            functools.partial(rt.on_template, caches.cluster_analysis_templates),
        ),
        ("analysisruns", sources.AnalysisRuns(api, namespace), rt.on_analysis_run),
    ]
    return [
        listwatch.ListWatch(source, _on_loop(loop, feed), kind=kind) for kind, source, feed in feeds
    ]


def _on_loop(loop: asyncio.AbstractEventLoop, feed: Feed) -> listwatch.Deliver:
    def deliver(event_type: str | None, body: dict[str, Any]) -> None:
        loop.call_soon_threadsafe(feed, event_type, body)

    return deliver


async def list_and_watch(
    watching: list[listwatch.ListWatch],
    api: client.ApiClient,
    rt: runtime.Runtime,
    namespace: str | None,
) -> None:
    """Start the watches (once: kopf retries a failed startup handler), and wait until every
    first LIST is delivered to the caches, not merely read.

    Every kind is listed before any reconcile, as informers sync before controllers start: a
    Rollout seen before its ReplicaSets would look like it has none, and a restarted controller
    would try to create what exists. A ListWatch hands each listed object to the loop before it
    sets `synced`, and this wait returns through the loop's queue behind them.
    """
    if not watching:
        watching.extend(watches(api, rt, namespace, asyncio.get_running_loop()))
        for watch in watching:
            watch.start()
    await asyncio.to_thread(lambda: [watch.synced.wait() for watch in watching])


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
    rt = build_runtime(api)
    rt.instance_id = args.instance_id
    events = rt.io.recorder
    assert isinstance(events, event_queue.QueuedRecorder)
    registry = kopf.OperatorRegistry()
    readiness = health.Readiness()
    # ready once every kind is listed into the caches and the workers started (see _start)
    readiness.set(health.STARTING, "listing into the caches")
    elector = _elector(api, args, readiness)
    tasks: list[asyncio.Task[Any]] = []
    watching: list[listwatch.ListWatch] = []
    servers = contextlib.AsyncExitStack()
    serve_probes(registry, readiness, args.health_port, servers)

    @kopf.on.login(registry=registry)
    def _login(**_: Any) -> kopf.ConnectionInfo:
        return connect.connection_info(api.configuration)

    @kopf.on.startup(registry=registry)
    async def _start(**_: Any) -> None:
        asyncio.get_running_loop().set_default_executor(
            concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="rollouts")
        )
        events.start()
        await list_and_watch(watching, api, rt, args.namespace)
        # What exists now (the modules kopf and the kubernetes client load, the listed
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
        for watch in watching:
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
