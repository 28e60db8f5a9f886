"""The loop that runs devcluster's simulated controllers: work items and timers.

Store changes enqueue work (a de-duplicated set of keys); timed things (a pod becoming ready
after the configured delay, a ReplicaSet's pods becoming available after minReadySeconds, a
CronJob's next run) are timers. `run_due(now)` does whatever is due and returns when the next
timer falls, so the same loop runs under the server's event loop and, with an injected clock,
in-process tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import heapq
import itertools
import logging
from collections.abc import Callable

from rollouts.devcluster import (
    apierrors,
    collector,
    completion,
    cronjobs,
    jobs,
    kinds,
    kubelet,
    replicasets,
    store,
)
from rollouts.devcluster import deployments as deployment_controller

log = logging.getLogger(__name__)

WorkItem = tuple[str, str | None, str]  # (controller, namespace, name-or-uid)
RETRY_SECONDS = 0.05


@dataclasses.dataclass(frozen=True)
class Settings:
    """What a user can tune on the simulated cluster."""

    pod_ready_delay: float = 0.2
    broken_image_pattern: str | None = None


class Simulation:
    """Deployment, ReplicaSet, Job, CronJob, kubelet, garbage-collector and namespace
    controllers."""

    def __init__(self, objects: store.Store, settings: Settings | None = None) -> None:
        self.store = objects
        self.settings = settings or Settings()
        self._pending: dict[WorkItem, None] = {}
        self._timers: list[tuple[datetime.datetime, int, WorkItem]] = []
        self._seq = itertools.count()
        self._wake: Callable[[], None] = lambda: None
        self._handlers: dict[str, Callable[[Simulation, str | None, str], None]] = {
            "deployment": deployment_controller.reconcile,
            "replicaset": replicasets.reconcile,
            "job": jobs.reconcile,
            "cronjob": cronjobs.reconcile,
            "pod": kubelet.reconcile,
            "pod-ready": kubelet.become_ready,
            "pod-exit": completion.exit_containers,
            "pod-final": kubelet.finish_deletion,
            "orphans": collector.collect_orphans,
            "finalize": collector.finalize,
            "namespace": collector.empty_namespace,
        }
        objects.subscribe(None, self._on_change)

    def rtype(self, key: tuple[str, str]) -> kinds.ResourceType:
        """A built-in type the simulated controllers work on."""
        found = self.store.registry.by_key(key)
        assert found is not None, key
        return found

    # work intake ----------------------------------------------------------

    def enqueue(self, item: WorkItem) -> None:
        self._pending[item] = None
        self._wake()

    def after(self, seconds: float, item: WorkItem) -> None:
        due = self.store.clock() + datetime.timedelta(seconds=max(seconds, 0))
        heapq.heappush(self._timers, (due, next(self._seq), item))
        self._wake()

    def _on_change(self, change: store.Change) -> None:
        for item in collector.routes(change):
            self.enqueue(item)

    # running ----------------------------------------------------------------

    def run_due(self, now: datetime.datetime) -> datetime.datetime | None:
        """Do all work that is pending or due by `now`; return when the next timer falls."""
        while self._timers and self._timers[0][0] <= now:
            self._pending[heapq.heappop(self._timers)[2]] = None
        rounds = 0
        while self._pending and rounds < 10_000:
            item = next(iter(self._pending))
            del self._pending[item]
            self._run(item)
            rounds += 1
        return self._timers[0][0] if self._timers else None

    def _run(self, item: WorkItem) -> None:
        controller, namespace, name = item
        try:
            self._handlers[controller](self, namespace, name)
        except apierrors.ApiError as exc:
            # a conflict or a vanished object: look again shortly, as real controllers requeue
            log.debug("simulated controller retry: %s %s/%s: %s", controller, namespace, name, exc)
            self.after(RETRY_SECONDS, item)

    async def run_forever(self) -> None:
        """Run under an event loop: wake on store changes and on timers."""
        event = asyncio.Event()
        self._wake = event.set
        while True:
            next_due = self.run_due(self.store.clock())
            event.clear()
            if self._pending:
                continue
            timeout = None
            if next_due is not None:
                timeout = max((next_due - self.store.clock()).total_seconds(), 0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)

    def settle(self, *, max_steps: int = 1000) -> None:
        """In-process use: advance through every timer until nothing is left to do.

        The store's clock must be one the caller controls (it is moved to each timer's time
        through `advance`), so this never sleeps.
        """
        for _ in range(max_steps):
            next_due = self.run_due(self.store.clock())
            if next_due is None and not self._pending:
                return
            if next_due is not None and not self._pending:
                advance = getattr(self.store.clock, "advance_to", None)
                if advance is None:
                    raise RuntimeError("settle() needs a clock with advance_to()")
                advance(next_due)
        raise RuntimeError("the simulation did not settle")

    def run_until(self, when: datetime.datetime) -> None:
        """In-process use: run everything due up to `when`, moving the store's clock (one the
        caller controls, with `advance_to`) from timer to timer, and finally to `when`.

        Unlike `settle`, it ends where the caller says, so it works while timers keep coming
        (a CronJob always has a next run)."""
        advance = getattr(self.store.clock, "advance_to", None)
        if advance is None:
            raise RuntimeError("run_until() needs a clock with advance_to()")
        while True:
            next_due = self.run_due(self.store.clock())
            if next_due is None or next_due > when:
                break
            advance(next_due)
        advance(when)
        self.run_due(when)
