"""What a plan asks the executor to do: actions, events and the status to record (values)."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from rollouts.model import conditions


@dataclasses.dataclass(frozen=True)
class Event:
    reason: str
    message: str
    type: str = "Normal"  # or "Warning"


@dataclasses.dataclass(frozen=True)
class CreateReplicaSet:
    body: Mapping[str, Any]
    # announced only if this create made it (not when an earlier pass already had)
    events: tuple[Event, ...] = ()


@dataclasses.dataclass(frozen=True)
class ScaleReplicaSet:
    name: str
    replicas: int
    previous: int
    revision: int
    desired_replicas: int  # the Rollout's spec.replicas, recorded on the ReplicaSet


def scaling_event(name: str, *, revision: int, previous: int, replicas: int) -> Event:
    """Argo's ScalingReplicaSet Event, for a scale and for a create at a size above 0."""
    direction = "up" if replicas > previous else "down"
    return Event(
        conditions.EVENT_SCALING,
        f"Scaled {direction} ReplicaSet {name} (revision {revision}) from {previous} to {replicas}",
    )


@dataclasses.dataclass(frozen=True)
class SetPodMetadata:
    """Give a ReplicaSet's pod template and its running pods their role's metadata.

    `labels` and `annotations` are merge patches (None removes a key); `record` is the JSON
    for the ReplicaSet's ephemeral-metadata annotation (None removes it).
    """

    name: str
    pod_hash: str
    labels: Mapping[str, str | None]
    annotations: Mapping[str, str | None]
    record: str | None


@dataclasses.dataclass(frozen=True)
class SetReplicaSetRevision:
    """Raise a ReplicaSet that became current again to the newest revision."""

    name: str
    revision: int
    history: str  # the revision-history annotation: the numbers it had, oldest first


@dataclasses.dataclass(frozen=True)
class SetScaleDownDeadline:
    name: str
    deadline: datetime.datetime | None  # None removes the annotation


@dataclasses.dataclass(frozen=True)
class CreateAnalysisRun:
    body: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class TerminateAnalysisRun:
    name: str


@dataclasses.dataclass(frozen=True)
class DeleteAnalysisRun:
    name: str


@dataclasses.dataclass(frozen=True)
class EvictPod:
    name: str


@dataclasses.dataclass(frozen=True)
class DeleteReplicaSet:
    name: str


@dataclasses.dataclass(frozen=True)
class SwitchService:
    name: str
    pod_hash: str
    previous: str | None
    adopt: bool  # first time: also annotate the Service as managed by this Rollout


@dataclasses.dataclass(frozen=True)
class ScaleWorkload:
    """Resize the Deployment a workloadRef names (its scaleDown migration)."""

    name: str
    replicas: int
    previous: int


@dataclasses.dataclass(frozen=True)
class SetCanaryWeight:
    weight: int
    previous: int | None


Action = (
    CreateReplicaSet
    | SetReplicaSetRevision
    | ScaleReplicaSet
    | SetScaleDownDeadline
    | SetPodMetadata
    | DeleteReplicaSet
    | EvictPod
    | CreateAnalysisRun
    | TerminateAnalysisRun
    | DeleteAnalysisRun
    | SwitchService
    | SetCanaryWeight
    | ScaleWorkload
)


@dataclasses.dataclass(frozen=True)
class Plan:
    """The decision for one reconcile: act in order, then record `status` if it changed, then
    the Rollout's own `annotations` that are not what they should be (None removes one): its
    revision, its workload's generation."""

    actions: tuple[Action, ...] = ()
    status: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    events: tuple[Event, ...] = ()
    requeue_after: float | None = None
    annotations: Mapping[str, str | None] = dataclasses.field(default_factory=dict)
