"""The phase of a metric and of an AnalysisRun, and why (argo-rollouts-spec.md §3.4).

Rules (Argo Rollouts):
- a metric with no measurement is Pending (Successful once the run is terminating), Running
  while its last measurement is in flight, then judged by its limits (a later rule overrides an
  earlier one): failed > failureLimit (unless -1) is Failed, inconclusive > inconclusiveLimit is
  Inconclusive, consecutiveError > consecutiveErrorLimit is Error; otherwise consecutiveSuccess
  reaching consecutiveSuccessLimit (> 0) is Successful, and reaching the count is Successful
  (with a consecutiveSuccessLimit: Inconclusive, or Failed when failureLimit is -1); a metric
  still short of its count is Running (Successful when terminating);
- the run is Running while a metric is not done, then takes the worst phase of the metrics that
  are not dry runs (Successful < Running < Pending < Inconclusive < Error < Failed); when it is
  terminating, the worst so far (Successful if nothing was measured).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rollouts import model

Phase = model.AnalysisPhase
RUN_TERMINATED = "Run Terminated"
_SEVERITY = (
    Phase.SUCCESSFUL,
    Phase.RUNNING,
    Phase.PENDING,
    Phase.INCONCLUSIVE,
    Phase.ERROR,
    Phase.FAILED,
)
_BAD = frozenset({Phase.FAILED, Phase.ERROR, Phase.INCONCLUSIVE})


def count_reached(metric: model.Metric, result: model.MetricResult) -> bool:
    wanted = metric.effective_count
    return wanted is not None and result.count >= wanted


def dry_run_names(spec: model.AnalysisRunSpec) -> frozenset[str]:
    """Metrics a dryRun rule matches (a regular expression searched in the name)."""
    return frozenset(
        m.name for m in spec.metrics if any(re.search(d.metric_name, m.name) for d in spec.dry_run)
    )


def retention_limit(spec: model.AnalysisRunSpec, name: str) -> int:
    """Measurements kept for `name`: the last matching measurementRetention limit, else 10."""
    limit = model.DEFAULT_MEASUREMENT_RETENTION
    for rule in spec.measurement_retention:
        if rule.limit > 0 and re.search(rule.metric_name, name):
            limit = rule.limit
    return limit


def is_terminating(spec: model.AnalysisRunSpec, status: model.AnalysisRunStatus) -> bool:
    """Terminate was asked for, or a metric that counts already ended badly (fail fast)."""
    dry_run = dry_run_names(spec)
    return spec.terminate or any(
        r.phase in _BAD and not r.dry_run and r.name not in dry_run for r in status.metric_results
    )


def _limits_reason(metric: model.Metric, result: model.MetricResult) -> tuple[Phase | None, str]:
    """Argo's failure, inconclusive and error limits; a later rule overrides an earlier one."""
    phase: Phase | None = None
    reason = ""
    if metric.failure_limit >= 0 and result.failed > metric.failure_limit:
        phase = Phase.FAILED
        reason = f"failed ({result.failed}) > failureLimit ({metric.failure_limit})"
    if result.inconclusive > metric.inconclusive_limit:
        phase = Phase.INCONCLUSIVE
        reason = (
            f"inconclusive ({result.inconclusive}) > "
            f"inconclusiveLimit ({metric.inconclusive_limit})"
        )
    if result.consecutive_error > metric.consecutive_error_limit:
        phase = Phase.ERROR
        reason = (
            f"consecutiveErrors ({result.consecutive_error}) > "
            f"consecutiveErrorLimit ({metric.consecutive_error_limit})"
        )
    return phase, reason


def _reason(metric: model.Metric, result: model.MetricResult) -> str:
    """Why a completed metric ended as it did ("" when it simply succeeded)."""
    phase, reason = _limits_reason(metric, result)
    wanted = metric.consecutive_success_limit
    short = wanted > 0 and result.consecutive_success < wanted
    if phase is None and short and count_reached(metric, result):
        return (
            f"consecutiveSuccess ({result.consecutive_success}) < "
            f"consecutiveSuccessLimit ({wanted}) when count ({result.count}) was reached"
        )
    return reason


def _success_phase(
    metric: model.Metric, result: model.MetricResult, terminating: bool
) -> tuple[Phase, str]:
    wanted = metric.consecutive_success_limit
    if wanted > 0 and result.consecutive_success >= wanted:
        return Phase.SUCCESSFUL, ""
    if count_reached(metric, result):
        if wanted > 0:
            phase = Phase.INCONCLUSIVE if metric.failure_limit >= 0 else Phase.FAILED
            return phase, _reason(metric, result)
        return Phase.SUCCESSFUL, ""
    return (Phase.SUCCESSFUL if terminating else Phase.RUNNING), ""


def compute_metric_phase(
    metric: model.Metric, result: model.MetricResult | None, terminating: bool
) -> tuple[Phase, str]:
    """A metric's phase and, when it ended badly, the reason (`failed (3) > failureLimit (2)`).

    No measurement yet: Pending (Successful when terminating); last one in flight: Running;
    then the limits; then consecutiveSuccessLimit reached: Successful; count reached:
    Successful (with a consecutiveSuccessLimit: Inconclusive, or Failed without a failureLimit);
    otherwise Running (Successful when terminating). A completed metric keeps its phase.
    """
    if result is not None and result.phase.is_completed:
        return result.phase, _reason(metric, result)
    last = result.last_measurement if result is not None else None
    if result is None or last is None:
        return (Phase.SUCCESSFUL if terminating else Phase.PENDING), ""
    if not last.phase.is_completed:
        return Phase.RUNNING, ""
    phase, reason = _limits_reason(metric, result)
    if phase is not None:
        return phase, reason
    return _success_phase(metric, result, terminating)


def is_worse(phase: Phase, than: Phase) -> bool:
    return _SEVERITY.index(phase) > _SEVERITY.index(than)


def _run_message(name: str, phase: Phase, reason: str, error: str) -> str:
    message = f'Metric "{name}" assessed {phase} due to {reason}'
    return f'{message}: "Error Message: {error}"' if error else message


def _last_message(result: model.MetricResult) -> str:
    """What the last measurement said (a provider's error), quoted in the run's message."""
    last = result.last_measurement
    return last.message if last is not None else ""


def compute_run_phase(
    spec: model.AnalysisRunSpec, results: Sequence[model.MetricResult], terminating: bool
) -> tuple[Phase, str]:
    """The run's phase and message from its metrics' (already settled) phases.

    Running while a metric is not done (or not started); then the worst phase of the metrics
    that are not dry runs; when terminating, the worst so far (Successful if none).
    """
    by_name = {r.name: r for r in results}
    dry_run = dry_run_names(spec)
    worst: Phase | None = None
    message = RUN_TERMINATED if spec.terminate else ""
    complete = True
    for metric in spec.metrics:
        result = by_name.get(metric.name)
        if result is None or not result.phase.is_completed:
            complete = False
        elif metric.name in dry_run:
            worst = worst or Phase.SUCCESSFUL
        elif worst is None or is_worse(result.phase, worst):
            worst = result.phase
            reason = _reason(metric, result)
            message = (
                _run_message(metric.name, worst, reason, _last_message(result))
                if reason
                else message
            )
    if terminating:
        return worst or Phase.SUCCESSFUL, message
    if not complete or worst is None:
        return Phase.RUNNING, ""
    return worst, message


def compute_run_summary(
    spec: model.AnalysisRunSpec, results: Sequence[model.MetricResult]
) -> tuple[model.RunSummary, model.RunSummary]:
    """The runSummary and dryRunSummary: metrics counted, and completed ones by phase."""
    dry_run = dry_run_names(spec)
    by_name = {r.name: r for r in results}
    tallies: tuple[dict[str, int], dict[str, int]] = ({"count": 0}, {"count": 0})
    for metric in spec.metrics:
        tally = tallies[metric.name in dry_run]
        tally["count"] += 1
        result = by_name.get(metric.name)
        if result is not None and result.phase.is_completed:
            key = str(result.phase).lower()
            tally[key] = tally.get(key, 0) + 1
    return model.RunSummary(**tallies[0]), model.RunSummary(**tallies[1])
