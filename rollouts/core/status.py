"""The Rollout status a canary pass records: counts, conditions, phase and message.

Phase and message follow Argo's algorithm (§1.5) in order, first match wins, so Argo CD's
health check shows what Argo Rollouts would: InvalidSpec and aborts are Degraded, pauses are
Paused, anything unfinished is Progressing with the reason, else Healthy.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from collections.abc import Mapping, Sequence
from typing import Any

from rollouts import model
from rollouts.core import progress
from rollouts.core.observed import HASH_LABEL, Observed, ReplicaSetState
from rollouts.model import conditions as c


class Phase(enum.StrEnum):
    """status.phase (Argo §1.5); Argo CD shows it as is, Paused as Suspended."""

    HEALTHY = "Healthy"
    PROGRESSING = "Progressing"
    PAUSED = "Paused"
    DEGRADED = "Degraded"


def stamp(now: datetime.datetime) -> str:
    return now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_selector(selector: Mapping[str, Any]) -> str:
    """`app=web,tier in (a,b)`: the selector string of a scale subresource."""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or ():
        key, operator = expression.get("key"), expression.get("operator")
        values = ",".join(sorted(expression.get("values") or ()))
        parts.append(
            {
                "In": f"{key} in ({values})",
                "NotIn": f"{key} notin ({values})",
                "Exists": str(key),
                "DoesNotExist": f"!{key}",
            }.get(str(operator), "")
        )
    return ",".join(p for p in parts if p)


def replica_counts(rollout: model.Rollout, observed: Observed, pod_hash: str) -> dict[str, int]:
    """Counts summed over the Rollout's ReplicaSets, as Argo reports them for a canary."""
    new_rs = observed.replica_set(pod_hash)
    total = sum(rs.replicas for rs in observed.replica_sets)
    return {
        "replicas": total,
        "updatedReplicas": new_rs.replicas if new_rs else 0,
        "readyReplicas": sum(rs.ready for rs in observed.replica_sets),
        "availableReplicas": sum(rs.available for rs in observed.replica_sets),
        "HPAReplicas": total,
    }


def _available(name: str) -> model.Condition:
    return model.Condition(
        c.ConditionType.PROGRESSING,
        "True",
        c.NEW_RS_AVAILABLE,
        f'ReplicaSet "{name}" has successfully progressed.',
    )


def _progressing(
    rollout: model.Rollout,
    p: progress.Progress,
    new_rs: ReplicaSetState | None,
    *,
    healthy: bool,
    created: bool,
) -> model.Condition:
    name = new_rs.name if new_rs else rollout.name
    revision = new_rs.revision if new_rs else 0
    if p.abort:
        kept = c.find(rollout.status.conditions, c.ConditionType.PROGRESSING)
        if kept is not None and kept.reason == c.ABORTED and not p.abort_reason:
            return kept  # an abort keeps the reason it was recorded with
        message = f"Rollout aborted update to revision {revision}"
        return model.Condition(
            c.ConditionType.PROGRESSING,
            "False",
            c.ABORTED,
            f"{message}: {p.abort_reason}" if p.abort_reason else message,
        )
    if rollout.spec.paused or p.pause_conditions:
        return model.Condition(
            c.ConditionType.PROGRESSING, "Unknown", c.PAUSED, "Rollout is paused"
        )
    if healthy and p.resumed:  # resumed and done in one pass: the outcome is the news
        return _available(name)
    if p.resumed:
        return model.Condition(
            c.ConditionType.PROGRESSING, "Unknown", c.RESUMED, "Rollout is resumed"
        )
    if p.retried:
        return model.Condition(
            c.ConditionType.PROGRESSING, "Unknown", c.RETRY, "Retrying Rollout after abort"
        )
    if created:
        return model.Condition(
            c.ConditionType.PROGRESSING,
            "True",
            c.NEW_RS_CREATED,
            f'Created new replica set "{name}"',
        )
    if healthy:
        return _available(name)
    return model.Condition(
        c.ConditionType.PROGRESSING, "True", c.RS_UPDATED, f'ReplicaSet "{name}" is progressing.'
    )


def is_healthy(rollout: model.Rollout, p: progress.Progress, counts: Mapping[str, int]) -> bool:
    """Argo's Healthy: not paused, promoted, every replica updated and available."""
    wanted = rollout.replicas
    return (
        not rollout.spec.paused
        and not p.pause_conditions
        and p.promoted
        and counts["updatedReplicas"] == counts["availableReplicas"] == wanted
        and counts["replicas"] == wanted
    )


def _deadline_exceeded(
    rollout: model.Rollout, old: Sequence[model.Condition], now: datetime.datetime, *, waiting: bool
) -> bool:
    """No progress for progressDeadlineSeconds, outside pauses."""
    found = c.find(old, c.ConditionType.PROGRESSING)
    if found is None or waiting or found.reason in (c.ABORTED, c.PAUSED):
        return found is not None and found.reason == c.DEADLINE_EXCEEDED
    if found.reason == c.DEADLINE_EXCEEDED:
        return True
    try:
        updated = datetime.datetime.fromisoformat(found.last_update_time.replace("Z", "+00:00"))
    except ValueError:
        return False
    return (now - updated).total_seconds() > rollout.spec.progress_deadline_seconds


def compute_conditions(
    rollout: model.Rollout,
    p: progress.Progress,
    *,
    new_rs: ReplicaSetState | None,
    counts: Mapping[str, int],
    now: datetime.datetime,
    created: bool,
    progressed: bool,
    waiting: bool,
    healthy: bool | None = None,
    available: bool | None = None,
) -> tuple[tuple[model.Condition, ...], bool]:
    """The new conditions, and whether the progress deadline has passed.

    `healthy` and `available` are the strategy's own verdicts where it has them (blue-green
    judges the active set); by default the canary's.
    """
    at = stamp(now)
    conds = c.remove_condition(rollout.status.conditions, c.ConditionType.INVALID_SPEC)
    if healthy is None:
        healthy = is_healthy(rollout, p, counts)
    if available is None:
        available = counts["availableReplicas"] >= rollout.replicas
    # progress writes a fresh Progressing True, which clears an earlier timeout (Argo §1.4)
    timed_out = (
        not healthy
        and not p.abort
        and not progressed
        and _deadline_exceeded(rollout, conds, now, waiting=waiting or rollout.spec.paused)
    )
    if timed_out:
        name = new_rs.name if new_rs else rollout.name
        progressing = model.Condition(
            c.ConditionType.PROGRESSING,
            "False",
            c.DEADLINE_EXCEEDED,
            f'ReplicaSet "{name}" has timed out progressing.',
        )
    else:
        progressing = _progressing(rollout, p, new_rs, healthy=healthy, created=created)
    conds = c.set_condition(conds, progressing, now=at, touch=progressed and not timed_out)
    conds = c.set_condition(
        conds,
        model.Condition(
            c.ConditionType.AVAILABLE,
            str(available),
            c.AVAILABLE,
            "Rollout has minimum availability"
            if available
            else "Rollout does not have minimum availability",
        ),
        now=at,
    )
    paused = bool(p.pause_conditions) or rollout.spec.paused
    if paused or c.find(conds, c.ConditionType.PAUSED) is not None:
        conds = c.set_condition(
            conds,
            model.Condition(c.ConditionType.PAUSED, str(paused), c.PAUSED, "Rollout is paused"),
            now=at,
        )
    conds = c.set_condition(
        conds,
        model.Condition(c.ConditionType.COMPLETED, str(p.promoted), c.COMPLETED, c.COMPLETED),
        now=at,
    )
    conds = c.set_condition(
        conds,
        model.Condition(
            c.ConditionType.HEALTHY,
            str(healthy),
            c.HEALTHY,
            "Rollout is healthy" if healthy else "Rollout is not healthy",
        ),
        now=at,
    )
    return conds, timed_out


def _degraded(conds: Sequence[model.Condition]) -> tuple[Phase, str] | None:
    invalid = c.find(conds, c.ConditionType.INVALID_SPEC)
    if invalid is not None:  # first, wherever it sits in the list (Argo §1.5)
        return Phase.DEGRADED, f"InvalidSpec: {invalid.message}"
    for cond in conds:
        if cond.type == c.ConditionType.PROGRESSING and cond.reason in (
            c.ABORTED,
            c.DEADLINE_EXCEEDED,
        ):
            return Phase.DEGRADED, f"{cond.reason}: {cond.message}"
    return None


def _waiting(
    rollout: model.Rollout,
    p: progress.Progress,
    counts: Mapping[str, int],
    *,
    routed: bool,
    restarted_at: str | None,
    pending: str | None,
) -> str | None:
    if rollout.spec.restart_at and rollout.spec.restart_at != restarted_at:
        return "rollout is restarting"
    if counts["updatedReplicas"] < rollout.replicas:
        return "more replicas need to be updated"
    if counts["availableReplicas"] < counts["updatedReplicas"]:
        return "updated replicas are still becoming available"
    if rollout.canary is None:
        return pending
    if not routed and counts["replicas"] > counts["updatedReplicas"]:
        return "old replicas are pending termination"
    if not p.promoted:
        return "waiting for all steps to complete"
    return None


def compute_phase(
    rollout: model.Rollout,
    p: progress.Progress,
    conds: Sequence[model.Condition],
    counts: Mapping[str, int],
    *,
    routed: bool,
    restarted_at: str | None = None,
    pending: str | None = None,
) -> tuple[Phase, str]:
    """Argo's phase and message, first rule that matches (§1.5).

    `restarted_at` is status.restartedAt as this pass leaves it; `pending` is what a
    blue-green Rollout still waits for once its replicas are up (its cutover or verification).
    """
    degraded = _degraded(conds)
    if degraded is not None:
        return degraded
    if rollout.spec.paused:
        return Phase.PAUSED, "manually paused"
    if p.pause_conditions:
        return Phase.PAUSED, p.pause_conditions[0].reason
    waiting = _waiting(
        rollout, p, counts, routed=routed, restarted_at=restarted_at, pending=pending
    )
    if waiting is not None:
        return Phase.PROGRESSING, waiting
    return Phase.HEALTHY, ""


def invalid_spec_status(
    *, generation: int, existing: Sequence[model.Condition], message: str, now: datetime.datetime
) -> dict[str, Any]:
    """The status of a Rollout that cannot be acted on: InvalidSpec, phase Degraded."""
    conds = c.set_condition(
        existing,
        model.Condition(c.ConditionType.INVALID_SPEC, "True", c.INVALID_SPEC, message),
        now=stamp(now),
    )
    return {
        "observedGeneration": str(generation),
        "conditions": [x.to_json() for x in conds],
        "phase": Phase.DEGRADED,
        "message": f"InvalidSpec: {message}",
    }


@dataclasses.dataclass(frozen=True)
class Document:
    """The status a pass records, typed; `to_patch` renders it as the merge patch to send
    (None removes a field, so what a strategy does not use is cleared)."""

    generation: int
    position: progress.Progress
    counts: Mapping[str, int]
    selector: str
    conditions: tuple[model.Condition, ...]
    phase: Phase
    message: str
    restarted_at: str | None
    canary: Mapping[str, Any] | None = None  # status.canary, for a canary
    blue_green: Mapping[str, Any] | None = None  # status.blueGreen, for a blue-green

    def to_patch(self) -> dict[str, Any]:
        p = self.position
        return {
            "observedGeneration": str(self.generation),
            "currentPodHash": p.pod_hash,
            "stableRS": p.stable_hash,
            "currentStepHash": p.step_hash or None,
            "currentStepIndex": p.index,
            "pauseConditions": [
                {"reason": pc.reason, "startTime": stamp(pc.start_time)}
                for pc in p.pause_conditions
            ]
            or None,
            "controllerPause": p.controller_pause or None,
            "abort": p.abort or None,
            "abortedAt": p.aborted_at,
            "promoteFull": p.promote_full or None,
            "restartedAt": self.restarted_at,
            **self.counts,
            "selector": self.selector,
            "conditions": [cond.to_json() for cond in self.conditions],
            "phase": self.phase,
            "message": self.message,
            "canary": self.canary,
            "blueGreen": self.blue_green,
        }


def canary_weights(
    strategy: model.CanaryStrategy, p: progress.Progress, weight: int
) -> dict[str, Any]:
    """status.canary.weights: what the router carries, per side (traffic routing only)."""
    return {
        "canary": {
            "weight": weight,
            "serviceName": strategy.canary_service,
            "podTemplateHash": p.pod_hash,
        },
        "stable": {
            "weight": strategy.max_weight - weight,
            "serviceName": strategy.stable_service,
            "podTemplateHash": p.stable_hash,
        },
    }


__all__ = ["HASH_LABEL"]
