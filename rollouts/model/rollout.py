"""The Rollout resource as typed, validated values: parse_rollout(body) -> Rollout.

Field names mirror the CRD in snake_case. Parsing validates the rules Argo Rollouts applies
before acting (its InvalidSpec checks) and raises SpecError naming the field, so a malformed
Rollout becomes a clear condition instead of a half-applied rollout. Status is read leniently:
it is ours, and an old or partial status must never stop a reconcile.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from collections.abc import Mapping
from typing import Any

from rollouts.model import analysis as analysis_model
from rollouts.model import conditions, refs

JSON = Mapping[str, Any]
DEFAULT_MAX_WEIGHT = 100
DEFAULT_NGINX_PREFIX = "nginx.ingress.kubernetes.io"


@dataclasses.dataclass(frozen=True)
class SetWeight:
    weight: int


@dataclasses.dataclass(frozen=True)
class Pause:
    duration: float | None  # seconds; None waits for a promote


@dataclasses.dataclass(frozen=True)
class SetCanaryScale:
    replicas: int | None = None
    weight: int | None = None
    match_traffic_weight: bool = False


@dataclasses.dataclass(frozen=True)
class AnalysisStep:
    analysis: JSON  # as written (the step hash is computed over it)
    parsed: analysis_model.RolloutAnalysis | None = dataclasses.field(default=None, compare=False)


Step = SetWeight | Pause | SetCanaryScale | AnalysisStep


@dataclasses.dataclass(frozen=True)
class NginxRouting:
    stable_ingresses: tuple[str, ...]
    annotation_prefix: str = DEFAULT_NGINX_PREFIX
    additional_ingress_annotations: Mapping[str, str] = dataclasses.field(default_factory=dict)
    canary_ingress_annotations: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class TrafficRouting:
    nginx: NginxRouting | None
    max_traffic_weight: int | None = None

    @property
    def max_weight(self) -> int:
        return self.max_traffic_weight or DEFAULT_MAX_WEIGHT


@dataclasses.dataclass(frozen=True)
class PodMetadata:
    """canaryMetadata / stableMetadata: labels and annotations a ReplicaSet's pods carry only
    while it has that role (Argo's ephemeral metadata, §2.13)."""

    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    annotations: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, dict[str, str]]:
        doc = {"labels": dict(self.labels), "annotations": dict(self.annotations)}
        return {k: v for k, v in doc.items() if v}


@dataclasses.dataclass(frozen=True)
class AntiAffinity:
    """spec.strategy.*.antiAffinity: keep a new version's pods off the nodes of the stable one.

    `weight` set: preferredDuringSchedulingIgnoredDuringExecution with that weight; None:
    requiredDuringSchedulingIgnoredDuringExecution.
    """

    weight: int | None = None


@dataclasses.dataclass(frozen=True)
class CanaryStrategy:
    canary_service: str | None = None
    stable_service: str | None = None
    steps: tuple[Step, ...] = ()
    raw_steps: tuple[JSON, ...] | None = None
    traffic_routing: TrafficRouting | None = None
    max_surge: int | str = "25%"
    max_unavailable: int | str = "25%"
    scale_down_delay_seconds: int | None = None
    abort_scale_down_delay_seconds: int | None = None
    dynamic_stable_scale: bool = False
    min_pods_per_replica_set: int | None = None
    analysis: JSON | None = None
    background: analysis_model.RolloutAnalysis | None = dataclasses.field(
        default=None, compare=False
    )
    canary_metadata: PodMetadata | None = None
    stable_metadata: PodMetadata | None = None
    anti_affinity: AntiAffinity | None = None

    @property
    def max_weight(self) -> int:
        routing = self.traffic_routing
        return routing.max_weight if routing else DEFAULT_MAX_WEIGHT

    @property
    def effective_scale_down_delay(self) -> int:
        """Seconds an old stable ReplicaSet stays up after promotion (30 with routing)."""
        if self.traffic_routing is None:
            return 0
        return 30 if self.scale_down_delay_seconds is None else self.scale_down_delay_seconds

    @property
    def effective_abort_scale_down_delay(self) -> int:
        """Seconds the canary stays up after an abort (30 with routing; 0 = forever)."""
        if self.traffic_routing is None:
            return 0
        delay = self.abort_scale_down_delay_seconds
        return 30 if delay is None else delay


@dataclasses.dataclass(frozen=True)
class BlueGreenStrategy:
    active_service: str
    preview_service: str | None = None
    auto_promotion_enabled: bool = True
    auto_promotion_seconds: int = 0
    preview_replica_count: int | None = None
    # None when not written: post-promotion analysis then holds the old set until it succeeds
    scale_down_delay_seconds: int | None = None
    scale_down_delay_revision_limit: int | None = None
    abort_scale_down_delay_seconds: int | None = None
    pre_promotion_analysis: analysis_model.RolloutAnalysis | None = dataclasses.field(
        default=None, compare=False
    )
    post_promotion_analysis: analysis_model.RolloutAnalysis | None = dataclasses.field(
        default=None, compare=False
    )
    active_metadata: PodMetadata | None = None
    preview_metadata: PodMetadata | None = None
    anti_affinity: AntiAffinity | None = None
    max_unavailable: int | str = "25%"  # only restarts use it

    @property
    def effective_scale_down_delay(self) -> int:
        """Seconds the previous active set stays up after the switch (default 30)."""
        delay = self.scale_down_delay_seconds
        return 30 if delay is None else delay

    @property
    def effective_abort_scale_down_delay(self) -> int:
        """Seconds the preview set stays up after an abort (default 30; 0 = forever)."""
        delay = self.abort_scale_down_delay_seconds
        return 30 if delay is None else delay

    @property
    def needs_controller_pause(self) -> bool:
        """The controller holds the switch with a BlueGreenPause (a manual or timed gate)."""
        return not self.auto_promotion_enabled or self.auto_promotion_seconds > 0


Strategy = CanaryStrategy | BlueGreenStrategy


class ScaleDown(enum.StrEnum):
    """workloadRef.scaleDown: what becomes of the referenced Deployment once the Rollout runs."""

    NEVER = "never"
    ON_SUCCESS = "onsuccess"
    PROGRESSIVELY = "progressively"


@dataclasses.dataclass(frozen=True)
class WorkloadRef:
    """spec.workloadRef: the pod template (and selector) come from this Deployment."""

    name: str
    api_version: str = "apps/v1"
    kind: str = "Deployment"
    scale_down: ScaleDown = ScaleDown.NEVER


@dataclasses.dataclass(frozen=True)
class Workload:
    """The referenced Deployment as last seen: its generation and its own replica count."""

    generation: int
    replicas: int


@dataclasses.dataclass(frozen=True)
class RolloutSpec:
    replicas: int | None
    selector: JSON
    template: JSON
    strategy: Strategy
    min_ready_seconds: int = 0
    revision_history_limit: int = 10
    progress_deadline_seconds: int = 600
    progress_deadline_abort: bool = False
    paused: bool = False
    restart_at: str | None = None
    workload_ref: WorkloadRef | None = None


@dataclasses.dataclass(frozen=True)
class PauseCondition:
    reason: str
    start_time: datetime.datetime


@dataclasses.dataclass(frozen=True)
class RolloutStatus:
    """The fields of `.status` the controller reads back (the rest is rewritten each time)."""

    current_pod_hash: str = ""
    stable_rs: str = ""
    current_step_hash: str = ""
    current_step_index: int | None = None
    pause_conditions: tuple[PauseCondition, ...] = ()
    controller_pause: bool = False
    abort: bool = False
    aborted_at: str | None = None
    promote_full: bool = False
    observed_generation: str = ""
    restarted_at: str | None = None
    collision_count: int | None = None
    canary_weight: int | None = None
    conditions: tuple[conditions.Condition, ...] = ()
    raw: JSON = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Rollout:
    name: str
    namespace: str
    uid: str
    generation: int
    resource_version: str
    spec: RolloutSpec
    status: RolloutStatus
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    annotations: Mapping[str, str] = dataclasses.field(default_factory=dict)
    deleting: bool = False
    # the manifest as read, the workload's template filled in (analysis args may point into it)
    raw: JSON = dataclasses.field(default_factory=dict, compare=False, repr=False)
    workload: Workload | None = None  # the Deployment spec.workloadRef names, when it does

    @property
    def ref(self) -> refs.ObjectRef:
        return refs.ObjectRef(self.namespace, self.name, self.uid)

    @property
    def canary(self) -> CanaryStrategy | None:
        strategy = self.spec.strategy
        return strategy if isinstance(strategy, CanaryStrategy) else None

    @property
    def blue_green(self) -> BlueGreenStrategy | None:
        strategy = self.spec.strategy
        return strategy if isinstance(strategy, BlueGreenStrategy) else None

    @property
    def replicas(self) -> int:
        return 1 if self.spec.replicas is None else self.spec.replicas
