"""Runtime: what the controller process holds (caches, queue, ports) and its workers."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from typing import Any

import structlog

from rollouts import errors, ports
from rollouts.adapters import cache
from rollouts.controller import metrics, queue
from rollouts.reconcilers import analysis_run
from rollouts.reconcilers import rollout as reconciler

log = structlog.get_logger(__name__)
Reconcile = Callable[[str, str], float | None]
INSTANCE_ID_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
CONFLICT_RETRY = 0.05  # seconds: the watch brings the newer object almost at once
MAX_BACKOFF = 60.0


@dataclasses.dataclass
class Runtime:
    caches: cache.Caches
    io: ports.Ports
    work: queue.WorkQueue = dataclasses.field(default_factory=queue.WorkQueue)
    runs: queue.WorkQueue = dataclasses.field(default_factory=queue.WorkQueue)
    run_observer: ports.RunObserver | None = None
    stats: metrics.Metrics = dataclasses.field(default_factory=metrics.Metrics)
    failures: dict[queue.Key, int] = dataclasses.field(default_factory=dict)
    # Argo's --instance-id: handle only Rollouts labelled with it ("" = those without the label)
    instance_id: str = ""
    # each run as the run queue last saw it, all but its status (see on_analysis_run)
    run_versions: dict[queue.Key, Any] = dataclasses.field(default_factory=dict)
    parsed_runs: analysis_run.ParsedRuns = dataclasses.field(
        default_factory=analysis_run.ParsedRuns
    )

    def enqueue(self, namespace: str, name: str, delay: float = 0.0) -> None:
        self.work.add((namespace, name), delay)

    async def worker(self, leading: asyncio.Event) -> None:
        """Take Rollout keys from their queue and reconcile them, one key at a time."""
        await self._drain(leading, self.work, self._reconcile_rollout)

    async def run_worker(self, leading: asyncio.Event) -> None:
        """The same for AnalysisRuns, on their own queue (measurements do not wait on rollouts)."""
        await self._drain(leading, self.runs, self._reconcile_run)

    def _reconcile_rollout(self, namespace: str, name: str) -> float | None:
        return reconciler.reconcile_rollout(namespace, name, io=self.io).requeue_after

    def _reconcile_run(self, namespace: str, name: str) -> float | None:
        assert self.run_observer is not None
        return analysis_run.reconcile_analysis_run(
            namespace, name, io=self.io, runs=self.run_observer, parsed=self.parsed_runs
        ).requeue_after

    async def _drain(
        self, leading: asyncio.Event, work: queue.WorkQueue, reconcile: Reconcile
    ) -> None:
        await leading.wait()
        while True:
            key = await work.get()
            try:
                await self._process(work, reconcile, key)
            finally:
                work.done(key)

    async def _process(self, work: queue.WorkQueue, reconcile: Reconcile, key: queue.Key) -> None:
        started = time.perf_counter()
        result = "success"
        try:
            requeue, returned = await asyncio.to_thread(_timed, reconcile, key)
        except errors.Conflict:
            result = "conflict"
            work.add(key, CONFLICT_RETRY)
        except Exception as exc:  # any surprise: log it, back off, keep the others going
            result = "error"
            self._backoff(work, key, exc)
        else:
            self.failures.pop(key, None)
            if requeue is not None:
                # counted from the reconcile's return, not from the hop back to the loop
                work.add(key, requeue - (time.monotonic() - returned))
        finally:
            self.stats.observe_reconcile(result, time.perf_counter() - started)
            self.stats.queue_depth = len(self.work) + len(self.runs)
            self.stats.rollouts = len(self.caches.rollouts)

    def _backoff(self, work: queue.WorkQueue, key: queue.Key, exc: Exception) -> None:
        count = self.failures[key] = self.failures.get(key, 0) + 1
        delay = min(0.5 * 2 ** (count - 1), MAX_BACKOFF)
        log.warning(
            "reconcile failed",
            namespace=key[0],
            name=key[1],
            error=str(exc),
            retry_in=delay,
            exc_info=not isinstance(exc, errors.RolloutsError),
        )
        work.add(key, delay)

    # -- watch events ------------------------------------------------------------

    def ours(self, rollout: Any) -> bool:
        labels = rollout["metadata"].get("labels") or {}
        return bool(labels.get(INSTANCE_ID_LABEL, "") == self.instance_id)

    def on_analysis_run(self, event_type: str | None, body: dict[str, Any]) -> None:
        """A run changed: measure it when due, and tell the Rollout that owns it.

        A change of the status alone is the run worker's own write coming back (its next
        measurement is already queued for its due time), so it queues nothing. Reconciling it
        again would compute the next due time from the status as the API stores it, to the
        second, and measure up to a second early.
        """
        self.on_owned(self.caches.analysis_runs, event_type, body)
        meta = body["metadata"]
        key = (meta["namespace"], meta["name"])
        if event_type == "DELETED":
            self.run_versions.pop(key, None)
            self.parsed_runs.forget(*key)
            return
        seen = _all_but_status(body)
        if event_type == "MODIFIED" and self.run_versions.get(key) == seen:
            return
        self.run_versions[key] = seen
        self.runs.add(key)

    def on_template(
        self, target: cache.ObjectCache, event_type: str | None, body: dict[str, Any]
    ) -> None:
        """A template changed: Rollouts that may use it look again (templates change rarely)."""
        target.apply(event_type, body)
        namespace = body["metadata"].get("namespace")
        for rollout in self.caches.rollouts.all():
            meta = rollout["metadata"]
            if self.ours(rollout) and namespace in (None, meta.get("namespace")):
                self.enqueue(meta["namespace"], meta["name"])

    # Every change reconciles the Rollout it concerns, the echo of the controller's own write
    # included: a pass may need the next one without moving the position (a weight written
    # before the promotion that follows it, a Deployment scaled down once Healthy is
    # recorded), and the echo is what brings it.

    def on_rollout(self, event_type: str | None, body: dict[str, Any]) -> None:
        self.caches.rollouts.apply(event_type, body)
        meta = body["metadata"]
        if event_type != "DELETED" and self.ours(body):
            self.enqueue(meta["namespace"], meta["name"])

    def on_owned(
        self, target: cache.ObjectCache, event_type: str | None, body: dict[str, Any]
    ) -> None:
        """A ReplicaSet or canary Ingress changed: reconcile the Rollout that owns it."""
        target.apply(event_type, body)
        self._enqueue_owner(body)

    def _enqueue_owner(self, body: dict[str, Any]) -> None:
        meta = body["metadata"]
        for ref in meta.get("ownerReferences") or ():
            owner = self.caches.rollouts.get(meta["namespace"], ref["name"])
            if (
                ref.get("kind") == "Rollout"
                and ref.get("controller")
                and (owner is None or self.ours(owner))
            ):
                self.enqueue(meta["namespace"], ref["name"])

    def on_referenced(
        self, target: cache.ObjectCache, event_type: str | None, body: dict[str, Any]
    ) -> None:
        """A Service or Ingress changed: reconcile its owner and the Rollouts that name it."""
        target.apply(event_type, body)
        self._enqueue_owner(body)
        meta = body["metadata"]
        namespace = str(meta.get("namespace") or "")
        for rollout in self.caches.rollouts.referring_to(namespace, meta["name"]):
            if self.ours(rollout):
                self.enqueue(namespace, rollout["metadata"]["name"])


def _timed(reconcile: Reconcile, key: queue.Key) -> tuple[float | None, float]:
    """The reconcile's requeue delay, and the monotonic time it was computed at."""
    return reconcile(*key), time.monotonic()


def _all_but_status(body: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """A run's spec and metadata, without what changes with every write (status, version)."""
    meta = body["metadata"]
    volatile = ("resourceVersion", "managedFields")
    return body.get("spec"), {k: v for k, v in meta.items() if k not in volatile}
