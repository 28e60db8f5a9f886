"""Analysis resources as typed values: AnalysisTemplate, AnalysisRun and a Rollout's analysis.

Field names mirror the CRDs in snake_case (argo-rollouts-spec.md §3). Durations are seconds.
A metric keeps its manifest JSON in `raw`: `{{args.x}}` placeholders are substituted into that
JSON (core.analysis_args) and the result parsed again; fields still holding a placeholder are
named in `Metric.pending` and read as their defaults until then. Parsing lives in
`analysis_parsing` (specs), `analysis_rules` (Argo's metric rules) and `analysis_status`
(status, read leniently); `to_json` writes a status back with Argo's field names.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from collections.abc import Mapping
from typing import Any

JSON = Mapping[str, Any]
DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4
DEFAULT_PROMETHEUS_TIMEOUT = 30.0
DEFAULT_MEASUREMENT_RETENTION = 10


def _no_labels() -> Mapping[str, str]:
    return {}


def format_time(when: datetime.datetime) -> str:
    """A time as the API writes it (RFC 3339, seconds, UTC)."""
    return when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _times(**times: datetime.datetime | None) -> dict[str, str]:
    return {key: format_time(when) for key, when in times.items() if when is not None}


def _counters(**counters: int) -> dict[str, int]:
    return {key: value for key, value in counters.items() if value}


class AnalysisPhase(enum.StrEnum):
    """The phase of a measurement, a metric and a run (the last four are "completed")."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    ERROR = "Error"
    INCONCLUSIVE = "Inconclusive"

    @property
    def is_completed(self) -> bool:
        return self not in (AnalysisPhase.PENDING, AnalysisPhase.RUNNING)


class PodTemplateHashValue(enum.StrEnum):
    """Which ReplicaSet's pod-template hash a Rollout arg takes."""

    STABLE = "Stable"
    LATEST = "Latest"


@dataclasses.dataclass(frozen=True)
class SecretKeyRef:
    name: str
    key: str


@dataclasses.dataclass(frozen=True)
class FieldRef:
    field_path: str


ValueFrom = SecretKeyRef | FieldRef | PodTemplateHashValue


@dataclasses.dataclass(frozen=True)
class Arg:
    """A template input; without value or value_from it must be supplied by the caller."""

    name: str
    value: str | None = None
    value_from: ValueFrom | None = None

    @property
    def is_secret(self) -> bool:
        return self.value is None and isinstance(self.value_from, SecretKeyRef)


@dataclasses.dataclass(frozen=True)
class PrometheusProvider:
    address: str = ""
    query: str = ""
    timeout: float = DEFAULT_PROMETHEUS_TIMEOUT
    insecure: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    authentication: JSON = dataclasses.field(default_factory=dict)
    range_query: JSON | None = None


@dataclasses.dataclass(frozen=True)
class UnsupportedProvider:
    """A provider Argo knows and this controller does not measure with (web, job, datadog…)."""

    kind: str

    @property
    def message(self) -> str:
        return f"metric provider '{self.kind}' is not supported by this controller (prometheus is)"


Provider = PrometheusProvider | UnsupportedProvider


@dataclasses.dataclass(frozen=True)
class Metric:
    name: str
    provider: Provider
    interval: float | None = None
    initial_delay: float | None = None
    count: int | None = None
    success_condition: str = ""
    failure_condition: str = ""
    failure_limit: int = 0  # -1 disables it
    inconclusive_limit: int = 0
    consecutive_error_limit: int = DEFAULT_CONSECUTIVE_ERROR_LIMIT
    consecutive_success_limit: int = 0  # 0 disables it
    raw: JSON = dataclasses.field(default_factory=dict, compare=False, repr=False)
    pending: frozenset[str] = frozenset()  # manifest fields still holding {{args.*}}

    @property
    def effective_count(self) -> int | None:
        """Measurements to take: count; 1 with neither count nor interval; None is unbounded."""
        if self.count:
            return self.count
        return 1 if self.interval is None else None


@dataclasses.dataclass(frozen=True)
class DryRun:
    metric_name: str  # a regular expression, searched in the metric name


@dataclasses.dataclass(frozen=True)
class MeasurementRetention:
    metric_name: str  # a regular expression, searched in the metric name
    limit: int


@dataclasses.dataclass(frozen=True)
class TemplateRef:
    template_name: str
    cluster_scope: bool = False


@dataclasses.dataclass(frozen=True)
class AnalysisTemplateSpec:
    metrics: tuple[Metric, ...] = ()
    args: tuple[Arg, ...] = ()
    dry_run: tuple[DryRun, ...] = ()
    measurement_retention: tuple[MeasurementRetention, ...] = ()
    templates: tuple[TemplateRef, ...] = ()


@dataclasses.dataclass(frozen=True)
class AnalysisTemplate:
    """An AnalysisTemplate or ClusterAnalysisTemplate (`cluster_scope`)."""

    name: str
    namespace: str
    spec: AnalysisTemplateSpec
    cluster_scope: bool = False


@dataclasses.dataclass(frozen=True)
class AnalysisRunSpec:
    metrics: tuple[Metric, ...]
    args: tuple[Arg, ...] = ()
    terminate: bool = False
    dry_run: tuple[DryRun, ...] = ()
    measurement_retention: tuple[MeasurementRetention, ...] = ()


@dataclasses.dataclass(frozen=True)
class Measurement:
    phase: AnalysisPhase
    value: str | None = None
    message: str = ""
    started_at: datetime.datetime | None = None
    finished_at: datetime.datetime | None = None
    metadata: Mapping[str, str] = dataclasses.field(default_factory=_no_labels)
    resume_at: datetime.datetime | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"phase": str(self.phase)}
        body.update(_times(startedAt=self.started_at, finishedAt=self.finished_at))
        if self.value is not None:
            body["value"] = self.value
        if self.message:
            body["message"] = self.message
        if self.metadata:
            body["metadata"] = dict(self.metadata)
        body.update(_times(resumeAt=self.resume_at))
        return body


@dataclasses.dataclass(frozen=True)
class MetricResult:
    name: str
    phase: AnalysisPhase
    measurements: tuple[Measurement, ...] = ()
    message: str = ""
    count: int = 0
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0
    consecutive_error: int = 0
    consecutive_success: int = 0
    dry_run: bool = False
    metadata: Mapping[str, str] = dataclasses.field(default_factory=_no_labels)

    @property
    def last_measurement(self) -> Measurement | None:
        return self.measurements[-1] if self.measurements else None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "phase": str(self.phase)}
        if self.measurements:
            body["measurements"] = [m.to_json() for m in self.measurements]
        if self.message:
            body["message"] = self.message
        body.update(
            _counters(
                count=self.count,
                successful=self.successful,
                failed=self.failed,
                inconclusive=self.inconclusive,
                error=self.error,
                consecutiveError=self.consecutive_error,
                consecutiveSuccess=self.consecutive_success,
            )
        )
        if self.dry_run:
            body["dryRun"] = True
        if self.metadata:
            body["metadata"] = dict(self.metadata)
        return body


@dataclasses.dataclass(frozen=True)
class RunSummary:
    count: int = 0
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0

    def to_json(self) -> dict[str, int]:
        return _counters(
            count=self.count,
            successful=self.successful,
            failed=self.failed,
            inconclusive=self.inconclusive,
            error=self.error,
        )


@dataclasses.dataclass(frozen=True)
class AnalysisRunStatus:
    phase: AnalysisPhase = AnalysisPhase.PENDING
    message: str = ""
    started_at: datetime.datetime | None = None
    completed_at: datetime.datetime | None = None
    metric_results: tuple[MetricResult, ...] = ()
    run_summary: RunSummary = RunSummary()
    dry_run_summary: RunSummary | None = None

    def result(self, name: str) -> MetricResult | None:
        return next((r for r in self.metric_results if r.name == name), None)

    def to_json(self) -> dict[str, Any]:
        """The status as Argo writes it (its field names, empty fields left out)."""
        body: dict[str, Any] = {"phase": str(self.phase)}
        if self.message:
            body["message"] = self.message
        if self.metric_results:
            body["metricResults"] = [r.to_json() for r in self.metric_results]
        body.update(_times(startedAt=self.started_at, completedAt=self.completed_at))
        body["runSummary"] = self.run_summary.to_json()
        if self.dry_run_summary is not None:
            body["dryRunSummary"] = self.dry_run_summary.to_json()
        return body


@dataclasses.dataclass(frozen=True)
class AnalysisRun:
    name: str
    namespace: str
    spec: AnalysisRunSpec
    status: AnalysisRunStatus
    uid: str = ""
    labels: Mapping[str, str] = dataclasses.field(default_factory=_no_labels)
    annotations: Mapping[str, str] = dataclasses.field(default_factory=_no_labels)
    owner_uid: str = ""  # the controller owner's uid ("" when none)


@dataclasses.dataclass(frozen=True)
class AnalysisRunMetadata:
    labels: Mapping[str, str] = dataclasses.field(default_factory=_no_labels)
    annotations: Mapping[str, str] = dataclasses.field(default_factory=_no_labels)


@dataclasses.dataclass(frozen=True)
class RolloutAnalysis:
    """A Rollout's analysis (a step, background, pre- or post-promotion)."""

    templates: tuple[TemplateRef, ...] = ()
    args: tuple[Arg, ...] = ()  # value, or value_from PodTemplateHashValue | FieldRef
    dry_run: tuple[DryRun, ...] = ()
    measurement_retention: tuple[MeasurementRetention, ...] = ()
    analysis_run_metadata: AnalysisRunMetadata = AnalysisRunMetadata()
    starting_step: int | None = None  # background analysis only
