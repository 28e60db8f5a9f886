"""Runtime: what the controller process holds (caches, queue, ports) and its workers."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

import structlog

from rollouts import errors, ports
from rollouts.adapters import cache
from rollouts.controller import metrics, queue
from rollouts.reconcilers import rollout as reconciler

log = structlog.get_logger(__name__)
INSTANCE_ID_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
CONFLICT_RETRY = 0.05  # seconds: the watch brings the newer object almost at once
MAX_BACKOFF = 60.0


@dataclasses.dataclass
class Runtime:
    caches: cache.Caches
    io: ports.Ports
    work: queue.WorkQueue = dataclasses.field(default_factory=queue.WorkQueue)
    stats: metrics.Metrics = dataclasses.field(default_factory=metrics.Metrics)
    failures: dict[queue.Key, int] = dataclasses.field(default_factory=dict)
    # Argo's --instance-id: handle only Rollouts labelled with it ("" = those without the label)
    instance_id: str = ""

    def enqueue(self, namespace: str, name: str, delay: float = 0.0) -> None:
        self.work.add((namespace, name), delay)

    async def worker(self, leading: asyncio.Event) -> None:
        """Take keys from the queue and reconcile them, one key at a time."""
        await leading.wait()
        while True:
            key = await self.work.get()
            try:
                await self._process(key)
            finally:
                self.work.done(key)

    async def _process(self, key: queue.Key) -> None:
        started = time.perf_counter()
        result = "success"
        try:
            outcome = await asyncio.to_thread(reconciler.reconcile_rollout, *key, io=self.io)
        except errors.Conflict:
            result = "conflict"
            self.work.add(key, CONFLICT_RETRY)
        except Exception as exc:  # any surprise: log it, back off, keep the others going
            result = "error"
            self._backoff(key, exc)
        else:
            self.failures.pop(key, None)
            if outcome.requeue_after is not None:
                self.work.add(key, outcome.requeue_after)
        finally:
            self.stats.observe_reconcile(result, time.perf_counter() - started)
            self.stats.queue_depth = len(self.work)
            self.stats.rollouts = len(self.caches.rollouts)

    def _backoff(self, key: queue.Key, exc: Exception) -> None:
        count = self.failures[key] = self.failures.get(key, 0) + 1
        delay = min(0.5 * 2 ** (count - 1), MAX_BACKOFF)
        log.warning(
            "reconcile failed",
            namespace=key[0],
            rollout=key[1],
            error=str(exc),
            retry_in=delay,
            exc_info=not isinstance(exc, errors.RolloutsError),
        )
        self.work.add(key, delay)

    # -- watch events ------------------------------------------------------------

    def ours(self, rollout: Any) -> bool:
        labels = rollout["metadata"].get("labels") or {}
        return bool(labels.get(INSTANCE_ID_LABEL, "") == self.instance_id)

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
        self.on_owned(target, event_type, body)
        meta = body["metadata"]
        for rollout in self.caches.rollouts.all():
            rmeta = rollout["metadata"]
            same_namespace = rmeta.get("namespace") == meta.get("namespace")
            if same_namespace and self.ours(rollout) and meta["name"] in _references(rollout):
                self.enqueue(rmeta["namespace"], rmeta["name"])


def _references(rollout: Any) -> set[str]:
    canary = ((rollout.get("spec") or {}).get("strategy") or {}).get("canary") or {}
    nginx = (canary.get("trafficRouting") or {}).get("nginx") or {}
    names = {
        canary.get("stableService"),
        canary.get("canaryService"),
        nginx.get("stableIngress"),
        *(nginx.get("stableIngresses") or ()),
    }
    return {n for n in names if n}
