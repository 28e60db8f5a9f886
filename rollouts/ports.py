"""The narrow interfaces the reconcilers need; adapters implement them, tests fake them."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any, Protocol

from rollouts import model
from rollouts.core import actions
from rollouts.core.observed import Observed


class Cluster(Protocol):
    """Writes to the Kubernetes API (reads come from the Observer's caches)."""

    def create_replica_set(self, namespace: str, body: Mapping[str, Any]) -> bool:
        """Create it; False when it already existed (made by an earlier pass)."""
        ...

    def set_replica_set_revision(
        self, namespace: str, name: str, *, revision: int, history: str
    ) -> None: ...

    def scale_replica_set(
        self, namespace: str, name: str, *, replicas: int, desired_replicas: int
    ) -> None:
        """Resize it, recording spec.replicas as its desired-replicas; a set scaled to 0 loses
        its scale-down deadline in the same write."""
        ...

    def set_pod_metadata(
        self,
        namespace: str,
        name: str,
        *,
        pod_hash: str,
        labels: Mapping[str, str | None],
        annotations: Mapping[str, str | None],
        record: str | None,
    ) -> None: ...

    def set_scale_down_deadline(
        self, namespace: str, name: str, deadline: datetime.datetime | None
    ) -> None: ...

    def delete_replica_set(self, namespace: str, name: str) -> None: ...

    def evict_pod(self, namespace: str, name: str) -> None:
        """Evict through the Eviction API; a refusal (a disruption budget) is not an error."""
        ...

    def list_pods(self, namespace: str, selector: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """Pods matching a label selector (read directly: pods are not watched)."""
        ...

    def create_analysis_run(self, namespace: str, body: Mapping[str, Any]) -> None: ...

    def read_secret(self, namespace: str, name: str) -> Mapping[str, str] | None:
        """A Secret's data, decoded; None when it does not exist (read only when measuring)."""
        ...

    def terminate_analysis_run(self, namespace: str, name: str) -> None: ...

    def delete_analysis_run(self, namespace: str, name: str) -> None: ...

    def patch_analysis_run_status(
        self, namespace: str, name: str, status: Mapping[str, Any], *, resource_version: str
    ) -> Mapping[str, Any]: ...

    def switch_service(
        self, namespace: str, name: str, *, pod_hash: str, rollout_name: str, adopt: bool
    ) -> None: ...

    def patch_rollout_status(
        self, namespace: str, name: str, status: Mapping[str, Any], *, resource_version: str
    ) -> Mapping[str, Any]: ...

    def annotate_rollout(
        self, namespace: str, name: str, annotations: Mapping[str, str | None]
    ) -> None:
        """The Rollout's own annotations (metadata, not status); None removes one."""
        ...

    def scale_deployment(self, namespace: str, name: str, replicas: int) -> None:
        """Resize the Deployment a workloadRef names (through its scale subresource)."""
        ...


class Observer(Protocol):
    """Reads, from caches kept current by watches."""

    def get_rollout(self, namespace: str, name: str) -> Mapping[str, Any] | None: ...

    def get_workload(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        """The Deployment a workloadRef names, or None when it does not exist."""
        ...

    def observe(self, rollout: model.Rollout) -> Observed: ...


class RunObserver(Protocol):
    """Reads AnalysisRuns from the watch-fed cache."""

    def get_analysis_run(self, namespace: str, name: str) -> Mapping[str, Any] | None: ...


class TrafficRouter(Protocol):
    """Moves traffic between the stable and canary Services."""

    def set_weight(self, rollout: model.Rollout, weight: int) -> list[actions.Event]: ...


class Recorder(Protocol):
    """Posts Kubernetes Events about a Rollout or an AnalysisRun.

    Best effort and never raising: a failed Event is the recorder's to log, never a failed
    reconcile (the controller's is `adapters.event_queue.QueuedRecorder`).
    """

    def event(self, ref: model.ObjectRef, event: actions.Event) -> None: ...


class MetricProvider(Protocol):
    """Takes one measurement of a metric: query the provider, judge by the conditions.

    Expected failures (unreachable, bad query, no data) come back as a Measurement in phase
    Error or Failed with a message, never as an exception.
    """

    def measure(self, metric: model.Metric, now: datetime.datetime) -> model.Measurement: ...


class Clock(Protocol):
    def now(self) -> datetime.datetime: ...


@dataclasses.dataclass(frozen=True)
class Ports:
    cluster: Cluster
    observer: Observer
    router: TrafficRouter
    recorder: Recorder
    clock: Clock
    metrics: MetricProvider
