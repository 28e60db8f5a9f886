"""Rollout conditions: their types, every reason string, and the rule for updating them."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from typing import Any


class ConditionType(enum.StrEnum):
    PROGRESSING = "Progressing"
    AVAILABLE = "Available"
    PAUSED = "Paused"
    COMPLETED = "Completed"
    HEALTHY = "Healthy"
    INVALID_SPEC = "InvalidSpec"


# Condition reasons (Argo Rollouts' wording; clients such as Argo CD match on them)
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
RS_NOT_AVAILABLE = "ReplicaSetNotAvailable"
PAUSED = "RolloutPaused"
RESUMED = "RolloutResumed"
RETRY = "RolloutRetry"
ABORTED = "RolloutAborted"
DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"
RS_CREATE_ERROR = "ReplicaSetCreateError"
AVAILABLE = "AvailableReason"
COMPLETED = "RolloutCompleted"
HEALTHY = "RolloutHealthy"
INVALID_SPEC = "InvalidSpec"

# Pause condition reasons
PAUSE_CANARY_STEP = "CanaryPauseStep"
PAUSE_BLUE_GREEN = "BlueGreenPause"
PAUSE_INCONCLUSIVE_ANALYSIS = "InconclusiveAnalysisRun"

# Event reasons
EVENT_ROLLOUT_UPDATED = "RolloutUpdated"
EVENT_NEW_RS = "NewReplicaSetCreated"
EVENT_SCALING = "ScalingReplicaSet"
EVENT_COMPLETED = "RolloutCompleted"
EVENT_NOT_COMPLETED = "RolloutNotCompleted"
EVENT_STEP_COMPLETED = "RolloutStepCompleted"
EVENT_PAUSED = "RolloutPaused"
EVENT_RESUMED = "RolloutResumed"
EVENT_ABORTED = "RolloutAborted"
EVENT_SWITCH_SERVICE = "SwitchService"
EVENT_WEIGHT = "TrafficWeightUpdated"
EVENT_CREATING_INGRESS = "CreatingCanaryIngress"
EVENT_PATCHING_INGRESS = "PatchingCanaryIngress"
EVENT_SKIP_STEPS = "SkipSteps"
EVENT_TRAFFIC_ERROR = "TrafficRoutingError"
EVENT_INVALID_SPEC = "InvalidSpec"
EVENT_RESTARTING = "RestartingPods"


@dataclasses.dataclass(frozen=True)
class Condition:
    type: str
    status: str  # "True" | "False" | "Unknown"
    reason: str
    message: str
    last_transition_time: str = ""
    last_update_time: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "type": self.type,
            "status": self.status,
            "reason": self.reason,
            "message": self.message,
            "lastTransitionTime": self.last_transition_time,
            "lastUpdateTime": self.last_update_time,
        }


def parse_condition(raw: Mapping[str, Any]) -> Condition:
    return Condition(
        type=str(raw.get("type", "")),
        status=str(raw.get("status", "")),
        reason=str(raw.get("reason", "")),
        message=str(raw.get("message", "")),
        last_transition_time=str(raw.get("lastTransitionTime", "")),
        last_update_time=str(raw.get("lastUpdateTime", "")),
    )


def find(existing: Sequence[Condition], kind: str) -> Condition | None:
    return next((c for c in existing if c.type == kind), None)


def set_condition(
    existing: Sequence[Condition], new: Condition, *, now: str, touch: bool = False
) -> tuple[Condition, ...]:
    """The conditions with `new` in place of its type.

    A condition with the same status, reason and message is kept as it was (no write), unless
    `touch` asks to bump lastUpdateTime (progress feeds the deadline). lastTransitionTime moves
    only when the status changes.
    """
    old = find(existing, new.type)
    if (
        old is not None
        and (old.status, old.reason, old.message) == (new.status, new.reason, new.message)
        and not touch
    ):
        return tuple(existing)
    since = old.last_transition_time if old is not None and old.status == new.status else now
    updated = dataclasses.replace(new, last_transition_time=since, last_update_time=now)
    kept = [c for c in existing if c.type != new.type]
    return (*kept, updated)


def remove_condition(existing: Sequence[Condition], kind: str) -> tuple[Condition, ...]:
    return tuple(c for c in existing if c.type != kind)
