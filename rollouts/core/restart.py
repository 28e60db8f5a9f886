"""spec.restartAt: replace every pod created before it, a few at a time (Argo §2.12).

Rules: nothing happens before restartAt; then pods of the Rollout created before it are
evicted, at most max(maxUnavailable, 1) at a time (pods still terminating count against that
budget), and only while the available pods stay at or above max(spec.replicas, current pods)
minus that budget; a pass that evicts does nothing else. When no pod older than restartAt is
left, status.restartedAt records it and the restart is done.
"""

from __future__ import annotations

import dataclasses
import datetime

from rollouts import model
from rollouts.core import replicas
from rollouts.core.observed import Observed, PodState

RECHECK_SECONDS = 1.0  # pods are not watched; look again soon while a restart runs


@dataclasses.dataclass(frozen=True)
class RestartPlan:
    evict: tuple[str, ...] = ()
    restarted_at: str | None = None  # the value status.restartedAt should hold
    requeue_after: float | None = None

    @property
    def pending(self) -> bool:
        return self.requeue_after is not None


def _parse(value: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def is_pending(rollout: model.Rollout) -> bool:
    """A restart was asked for and not yet recorded as done."""
    wanted = rollout.spec.restart_at
    return bool(wanted) and wanted != rollout.status.restarted_at


def plan_restart(rollout: model.Rollout, observed: Observed, now: datetime.datetime) -> RestartPlan:
    """Which pods to evict now, and what status.restartedAt should say."""
    done = RestartPlan(restarted_at=rollout.status.restarted_at)
    at = _parse(rollout.spec.restart_at or "")
    if not is_pending(rollout) or at is None:
        return done
    if now < at:
        return dataclasses.replace(done, requeue_after=(at - now).total_seconds())
    old = [pod for pod in observed.pods if pod.created < at]
    if not [pod for pod in old if not pod.deleting]:
        return RestartPlan(restarted_at=rollout.spec.restart_at)
    return dataclasses.replace(
        done, evict=_victims(rollout, observed, old), requeue_after=RECHECK_SECONDS
    )


def _victims(rollout: model.Rollout, observed: Observed, old: list[PodState]) -> tuple[str, ...]:
    max_unavailable = rollout.spec.strategy.max_unavailable
    budget = max(
        replicas.resolve_int_or_percent(max_unavailable, rollout.replicas, round_up=False), 1
    )
    terminating = sum(1 for pod in observed.pods if pod.deleting)
    total = sum(rs.replicas for rs in observed.replica_sets)
    available = sum(rs.available for rs in observed.replica_sets)
    room = min(budget - terminating, available - (max(rollout.replicas, total) - budget))
    candidates = sorted(
        (pod for pod in old if not pod.deleting), key=lambda pod: (pod.ready, pod.created, pod.name)
    )
    return tuple(pod.name for pod in candidates[: max(room, 0)])
