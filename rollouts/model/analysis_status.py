"""Read an AnalysisRun's status leniently: it is ours, and an old or partial status must never
stop a reconcile, so anything unreadable reads as absent (this module never raises)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from rollouts.model import analysis as a

JSON = Mapping[str, Any]


def _object(value: Any) -> JSON:
    return value if isinstance(value, Mapping) else {}


def _objects(value: Any) -> tuple[JSON, ...]:
    items = value if isinstance(value, list | tuple) else ()
    return tuple(item for item in items if isinstance(item, Mapping))


def _count(value: Any) -> int:
    wanted = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return value if wanted else 0


def _labels(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in _object(value).items()}


def parse_time(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def parse_phase(value: Any) -> a.AnalysisPhase:
    """A phase; an empty or unknown one reads as Pending (a run nobody reconciled yet)."""
    try:
        return a.AnalysisPhase(value)
    except ValueError:
        return a.AnalysisPhase.PENDING


def parse_measurement(raw: JSON) -> a.Measurement:
    value = raw.get("value")
    return a.Measurement(
        phase=parse_phase(raw.get("phase")),
        value=None if value is None else str(value),
        message=str(raw.get("message") or ""),
        started_at=parse_time(raw.get("startedAt")),
        finished_at=parse_time(raw.get("finishedAt")),
        metadata=_labels(raw.get("metadata")),
        resume_at=parse_time(raw.get("resumeAt")),
    )


def parse_metric_result(raw: JSON) -> a.MetricResult:
    return a.MetricResult(
        name=str(raw.get("name") or ""),
        phase=parse_phase(raw.get("phase")),
        measurements=tuple(parse_measurement(m) for m in _objects(raw.get("measurements"))),
        message=str(raw.get("message") or ""),
        count=_count(raw.get("count")),
        successful=_count(raw.get("successful")),
        failed=_count(raw.get("failed")),
        inconclusive=_count(raw.get("inconclusive")),
        error=_count(raw.get("error")),
        consecutive_error=_count(raw.get("consecutiveError")),
        consecutive_success=_count(raw.get("consecutiveSuccess")),
        dry_run=raw.get("dryRun") is True,
        metadata=_labels(raw.get("metadata")),
    )


def parse_run_summary(raw: Any) -> a.RunSummary:
    summary = _object(raw)
    return a.RunSummary(
        count=_count(summary.get("count")),
        successful=_count(summary.get("successful")),
        failed=_count(summary.get("failed")),
        inconclusive=_count(summary.get("inconclusive")),
        error=_count(summary.get("error")),
    )


def parse_run_status(raw: Any) -> a.AnalysisRunStatus:
    """The status as last written (never raises)."""
    status = _object(raw)
    dry_run_summary = status.get("dryRunSummary")
    return a.AnalysisRunStatus(
        phase=parse_phase(status.get("phase")),
        message=str(status.get("message") or ""),
        started_at=parse_time(status.get("startedAt")),
        completed_at=parse_time(status.get("completedAt")),
        metric_results=tuple(
            parse_metric_result(r) for r in _objects(status.get("metricResults")) if r.get("name")
        ),
        run_summary=parse_run_summary(status.get("runSummary")),
        dry_run_summary=None if dry_run_summary is None else parse_run_summary(dry_run_summary),
    )
