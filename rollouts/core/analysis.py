"""The AnalysisRun state machine (argo-rollouts-spec.md §3.3-3.4), as pure functions of
(spec, status, now).

One reconcile: `plan_run` says which metrics to measure now; the caller takes those
measurements (judging values with `evaluate_measurement`) and feeds them back through
`apply_measurements`, which counts them and settles the phases; `next_due` says when to come
back. Rules (Argo Rollouts):
- a metric is measured first `initialDelay` after the run started, then `interval` after its
  last measurement finished (10 s after an Error), until it has `count` measurements; a metric
  with neither count nor interval is measured once, one with only an interval forever;
- the run is terminating when `spec.terminate` is set or a metric that is not a dry run ended
  Failed, Error or Inconclusive: nothing new is measured and every metric settles;
- the run's phase is the worst of its metrics' (Successful < Running < Pending < Inconclusive
  < Error < Failed) once all are done; dry-run metrics never decide it;
- a completed run never changes again.
Times compare with `>=`, where Argo's `After` is strict, so that a reconcile requeued for exactly
`next_due` seconds finds the measurement due.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Mapping
from typing import Any

from rollouts import model
from rollouts.core import analysis_phases

Phase = model.AnalysisPhase
ERROR_RETRY_SECONDS = 10.0
NO_DATA = "metric result is nil or empty: no data returned from the metric provider"
# the phase rules live in analysis_phases; these are part of this module's surface too
dry_run_names = analysis_phases.dry_run_names
retention_limit = analysis_phases.retention_limit
is_terminating = analysis_phases.is_terminating
compute_metric_phase = analysis_phases.compute_metric_phase
compute_run_phase = analysis_phases.compute_run_phase
compute_run_summary = analysis_phases.compute_run_summary


@dataclasses.dataclass(frozen=True)
class RunPlan:
    """One reconcile of a run: measure these metrics (then `apply_measurements`), or else
    record `status` and come back after `requeue_after` seconds (None: nothing to wait for)."""

    measure: tuple[str, ...]
    status: model.AnalysisRunStatus
    requeue_after: float | None = None


def _after(when: datetime.datetime, seconds: float) -> datetime.datetime:
    return when + datetime.timedelta(seconds=seconds)


def _retry_wait(metric: model.Metric, last: model.Measurement) -> float | None:
    if last.phase is Phase.ERROR:
        return ERROR_RETRY_SECONDS
    return metric.interval


def _is_due(
    metric: model.Metric,
    status: model.AnalysisRunStatus,
    now: datetime.datetime,
    terminating: bool,
) -> bool:
    result = status.result(metric.name)
    if result is not None and result.phase.is_completed:
        return False
    last = result.last_measurement if result is not None else None
    if last is not None and last.finished_at is None:
        return last.resume_at is None or now >= last.resume_at  # resume an in-flight one
    if terminating:
        return False
    if result is None or last is None:
        return not metric.initial_delay or (
            status.started_at is not None and now >= _after(status.started_at, metric.initial_delay)
        )
    finished = last.finished_at
    if finished is None or analysis_phases.count_reached(metric, result):
        return False
    wait = _retry_wait(metric, last)
    return now >= _after(finished, ERROR_RETRY_SECONDS if wait is None else wait)


def due_metrics(
    run_spec: model.AnalysisRunSpec, status: model.AnalysisRunStatus, now: datetime.datetime
) -> list[str]:
    """The metrics to measure now, in spec order."""
    if status.phase.is_completed:
        return []
    terminating = is_terminating(run_spec, status)
    return [m.name for m in run_spec.metrics if _is_due(m, status, now, terminating)]


def _next_time(
    metric: model.Metric, status: model.AnalysisRunStatus, now: datetime.datetime
) -> datetime.datetime | None:
    result = status.result(metric.name)
    if result is not None and result.phase.is_completed:
        return None
    last = result.last_measurement if result is not None else None
    if result is None or last is None:
        started = status.started_at or now
        return _after(started, metric.initial_delay) if metric.initial_delay else None
    if last.finished_at is None:
        return last.resume_at
    wait = _retry_wait(metric, last)
    if analysis_phases.count_reached(metric, result) or wait is None:
        return None
    return _after(last.finished_at, wait)


def next_due(
    run_spec: model.AnalysisRunSpec, status: model.AnalysisRunStatus, now: datetime.datetime
) -> float | None:
    """Seconds until the earliest next measurement (0 if overdue); None when none is planned."""
    if status.phase.is_completed:
        return None
    times = [t for m in run_spec.metrics if (t := _next_time(m, status, now)) is not None]
    if not times:
        return None
    return max(0.0, (min(times) - now).total_seconds())


def _counted(result: model.MetricResult, phase: Phase) -> model.MetricResult:
    replace = dataclasses.replace
    if phase is Phase.ERROR:
        errors = result.consecutive_error + 1
        return replace(
            result, error=result.error + 1, consecutive_error=errors, consecutive_success=0
        )
    if phase is Phase.SUCCESSFUL:
        successes = result.consecutive_success + 1
        result = replace(result, successful=result.successful + 1, consecutive_success=successes)
    elif phase is Phase.FAILED:
        result = replace(result, failed=result.failed + 1, consecutive_success=0)
    elif phase is Phase.INCONCLUSIVE:
        result = replace(result, inconclusive=result.inconclusive + 1, consecutive_success=0)
    else:
        return result  # still in flight: counted when it completes
    return replace(result, count=result.count + 1, consecutive_error=0)


def record_measurement(
    result: model.MetricResult | None,
    measurement: model.Measurement,
    metric: model.Metric,
    retention: int,
) -> model.MetricResult:
    """`result` with `measurement` counted and kept (replacing an in-flight last one).

    Successful: successful, count and consecutiveSuccess go up, consecutiveError resets.
    Failed, Inconclusive: their counter and count go up, both consecutive counters reset.
    Error: error and consecutiveError go up, consecutiveSuccess resets; count does not move.
    Only the last `retention` measurements are kept.
    """
    base = result or model.MetricResult(name=metric.name, phase=Phase.RUNNING)
    last = base.last_measurement
    in_flight = last is not None and last.finished_at is None
    measurements = (*(base.measurements[:-1] if in_flight else base.measurements), measurement)
    kept = measurements[-retention:] if retention > 0 else measurements
    return dataclasses.replace(_counted(base, measurement.phase), measurements=kept)


def _settle_metric(
    metric: model.Metric, result: model.MetricResult, *, terminating: bool, dry_run: bool
) -> model.MetricResult:
    phase, reason = compute_metric_phase(metric, result, terminating)
    if phase is not result.phase:
        last = result.last_measurement
        message = last.message if last is not None else result.message
        # a metric that ended by a limit says which (`failed (4) > failureLimit (3)`), so
        # `kubectl get analysisrun -o yaml` shows why without reading every measurement
        result = dataclasses.replace(result, phase=phase, message=reason or message)
    if dry_run and phase.is_completed and reason:
        result = dataclasses.replace(result, message=f"Metric assessed {phase} due to {reason}")
    return dataclasses.replace(result, dry_run=dry_run)


def _settle_metrics(
    spec: model.AnalysisRunSpec, status: model.AnalysisRunStatus
) -> model.AnalysisRunStatus:
    """Every metric's phase; again if that made the run terminating, so the rest settle now."""
    terminating = is_terminating(spec, status)
    settled = _settle_once(spec, status, terminating=terminating)
    if not terminating and is_terminating(spec, settled):
        settled = _settle_once(spec, status, terminating=True)
    return settled


def _settle_once(
    spec: model.AnalysisRunSpec, status: model.AnalysisRunStatus, *, terminating: bool
) -> model.AnalysisRunStatus:
    dry_run = dry_run_names(spec)
    metrics = {m.name: m for m in spec.metrics}
    results = tuple(
        _settle_metric(metrics[r.name], r, terminating=terminating, dry_run=r.name in dry_run)
        if r.name in metrics
        else r
        for r in status.metric_results
    )
    return dataclasses.replace(status, metric_results=results)


def _assess(
    spec: model.AnalysisRunSpec, status: model.AnalysisRunStatus, now: datetime.datetime
) -> model.AnalysisRunStatus:
    status = _settle_metrics(spec, status)
    phase, message = compute_run_phase(spec, status.metric_results, is_terminating(spec, status))
    run_summary, dry_run_summary = compute_run_summary(spec, status.metric_results)
    status = dataclasses.replace(status, run_summary=run_summary, dry_run_summary=dry_run_summary)
    if phase is status.phase:
        return status
    return dataclasses.replace(
        status, phase=phase, message=message, completed_at=now if phase.is_completed else None
    )


def _started(status: model.AnalysisRunStatus, now: datetime.datetime) -> model.AnalysisRunStatus:
    return status if status.started_at else dataclasses.replace(status, started_at=now)


def plan_run(
    spec: model.AnalysisRunSpec, status: model.AnalysisRunStatus, now: datetime.datetime
) -> RunPlan:
    """The decision for one reconcile of a run whose args are resolved.

    With metrics to measure, `status` only gains `startedAt` and `requeue_after` is None: take
    the measurements, `apply_measurements`, then ask `next_due`. A completed run is left alone.
    """
    if status.phase.is_completed:
        return RunPlan((), status)
    status = _started(status, now)
    measure = tuple(due_metrics(spec, status, now))
    if measure:
        return RunPlan(measure, status)
    status = _assess(spec, status, now)
    return RunPlan((), status, next_due(spec, status, now))


def _stamped(measurement: model.Measurement, now: datetime.datetime) -> model.Measurement:
    finished = measurement.finished_at
    if finished is None and measurement.phase.is_completed:
        finished = now
    return dataclasses.replace(
        measurement, started_at=measurement.started_at or now, finished_at=finished
    )


def apply_measurements(
    spec: model.AnalysisRunSpec,
    status: model.AnalysisRunStatus,
    measurements: Mapping[str, model.Measurement],
    now: datetime.datetime,
) -> model.AnalysisRunStatus:
    """`status` with the measurements just taken counted and every phase settled."""
    if status.phase.is_completed:
        return status
    results = {r.name: r for r in status.metric_results}
    for metric in spec.metrics:
        taken = measurements.get(metric.name)
        if taken is not None:
            results[metric.name] = record_measurement(
                results.get(metric.name),
                _stamped(taken, now),
                metric,
                retention_limit(spec, metric.name),
            )
    status = dataclasses.replace(_started(status, now), metric_results=tuple(results.values()))
    return _assess(spec, status, now)


def compute_error_status(
    status: model.AnalysisRunStatus, message: str, now: datetime.datetime
) -> model.AnalysisRunStatus:
    """The run ends in Error before measuring (unresolvable args, an invalid spec)."""
    if status.phase.is_completed:
        return status
    return dataclasses.replace(
        _started(status, now), phase=Phase.ERROR, message=message, completed_at=now
    )


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, list | tuple | dict | str) and not value)


def _judge(success: bool | None, failure: bool | None) -> Phase:
    if success is None and failure is None:
        return Phase.SUCCESSFUL
    if failure is None:
        failure = not success
    if success is None:
        success = not failure
    if failure:
        return Phase.FAILED
    return Phase.SUCCESSFUL if success else Phase.INCONCLUSIVE


def evaluate_measurement(
    metric: model.Metric,
    value: Any | None,
    error: str | None,
    *,
    evaluate: Callable[[str, Any], bool],
) -> tuple[Phase, str]:
    """A measurement's phase and message from the provider's value (or its error).

    Neither condition: Successful. Only successCondition: Failed when false. Only
    failureCondition: Successful when false. Both: Failed when failure holds, Successful when
    success holds, Inconclusive when neither does. A condition that cannot be evaluated makes the
    measurement an Error. `evaluate(source, result)` raises ValueError for a bad expression.
    """
    if error is not None:
        return Phase.ERROR, error
    verdicts: dict[str, bool | None] = {}
    for which, source in (
        ("successCondition", metric.success_condition),
        ("failureCondition", metric.failure_condition),
    ):
        try:
            verdicts[which] = evaluate(source, value) if source else None
        except ValueError as problem:
            detail = NO_DATA if _is_empty(value) else str(problem)
            return Phase.ERROR, f'could not evaluate {which} "{source}": {detail}'
    return _judge(verdicts["successCondition"], verdicts["failureCondition"]), ""
