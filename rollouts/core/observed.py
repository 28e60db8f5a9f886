"""Observed: the snapshot of the cluster the planner decides from (pure values)."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from rollouts import model

HASH_LABEL = "rollouts-pod-template-hash"
REVISION = "rollout.argoproj.io/revision"
REVISION_HISTORY = "rollout.argoproj.io/revision-history"
DESIRED_REPLICAS = "rollout.argoproj.io/desired-replicas"
SCALE_DOWN_DEADLINE = "scale-down-deadline"
EPHEMERAL_METADATA = "rollout.argoproj.io/ephemeral-metadata"
MANAGED_BY = "argo-rollouts.argoproj.io/managed-by-rollouts"


@dataclasses.dataclass(frozen=True)
class ReplicaSetState:
    """A ReplicaSet owned by the Rollout: only the fields decisions need."""

    name: str
    pod_hash: str
    spec_replicas: int
    replicas: int = 0
    ready: int = 0
    available: int = 0
    revision: int = 0
    revision_history: str = ""  # the revisions it had before it became current again
    created: str = ""
    scale_down_deadline: datetime.datetime | None = None
    template: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    deleting: bool = False
    # the canary/stable metadata its pods were given, as its annotation records it
    ephemeral: model.PodMetadata | None = None


@dataclasses.dataclass(frozen=True)
class PodState:
    """A pod of the Rollout, read only while a restart (spec.restartAt) is in progress."""

    name: str
    created: datetime.datetime
    ready: bool = False
    deleting: bool = False


@dataclasses.dataclass(frozen=True)
class RunState:
    """An AnalysisRun owned by the Rollout: what the Rollout's decisions read of it."""

    name: str
    phase: model.AnalysisPhase
    message: str = ""
    pod_hash: str = ""
    terminating: bool = False
    created: str = ""


@dataclasses.dataclass(frozen=True)
class ServiceState:
    name: str
    selector: Mapping[str, str]
    managed_by: str | None = None


@dataclasses.dataclass(frozen=True)
class Observed:
    """What the cluster holds for one Rollout, read before planning."""

    replica_sets: tuple[ReplicaSetState, ...] = ()
    services: Mapping[str, ServiceState | None] = dataclasses.field(default_factory=dict)
    # stable Ingress name → the Ingress body, or None when it does not exist
    stable_ingresses: Mapping[str, Mapping[str, Any] | None] = dataclasses.field(
        default_factory=dict
    )
    canary_weight: int | None = None  # read back from the traffic router
    pods: tuple[PodState, ...] = ()  # only while a restart is pending
    analysis_runs: tuple[RunState, ...] = ()
    templates: Mapping[model.TemplateRef, model.AnalysisTemplateSpec] = dataclasses.field(
        default_factory=dict
    )

    def run(self, name: str) -> RunState | None:
        return next((run for run in self.analysis_runs if run.name == name), None)

    def replica_set(self, pod_hash: str) -> ReplicaSetState | None:
        return next((rs for rs in self.replica_sets if rs.pod_hash == pod_hash), None)
