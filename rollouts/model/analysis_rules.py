"""Argo's rules for analysis specs (argo-rollouts-spec.md §3.2), in Argo's words.

The messages read as the AnalysisRun message Argo writes once prefixed by
`invalid_spec_message`: `Analysis spec invalid: metrics[1]: interval must be specified when
count > 1`. A field still holding an `{{args.x}}` placeholder is not checked until substituted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rollouts.errors import SpecError
from rollouts.model import analysis as a


def metric_problem(metric: a.Metric) -> str | None:
    """The first §3.2 rule `metric` breaks, in Argo's words (fields with placeholders skipped)."""
    problems = (*_count_problems(metric), *_limit_problems(metric))
    return next((p for p in problems if p), None)


def _count_problems(metric: a.Metric) -> tuple[str | None, ...]:
    pending = metric.pending
    if "count" in pending or not metric.count or metric.count <= 0:
        return ()
    count, failures = metric.count, metric.failure_limit
    successes, inconclusive = metric.consecutive_success_limit, metric.inconclusive_limit
    unchecked = bool(pending & {"failureLimit", "consecutiveSuccessLimit"})
    return (
        None
        if unchecked or failures < 0 or successes > 0 or count >= failures
        else "count must be >= failureLimit",
        None
        if unchecked or failures < 0 or successes <= 0 or count >= failures + successes
        else "count must be >= failureLimit + consecutiveSuccessLimit",
        None
        if unchecked or failures >= 0 or count >= successes
        else "count must be >= consecutiveSuccessLimit",
        None
        if "inconclusiveLimit" in pending or count >= inconclusive
        else "count must be >= inconclusiveLimit",
        None
        if count <= 1 or metric.interval is not None or "interval" in pending
        else "interval must be specified when count > 1",
    )


def _limit_problems(metric: a.Metric) -> tuple[str | None, ...]:
    pending = metric.pending
    unchecked = bool(pending & {"failureLimit", "consecutiveSuccessLimit"})
    return (
        None if metric.failure_limit >= -1 else "failureLimit must be >= -1",
        None if metric.inconclusive_limit >= 0 else "inconclusiveLimit must be >= 0",
        None if metric.consecutive_error_limit >= 0 else "consecutiveErrorLimit must be >= 0",
        None if metric.consecutive_success_limit >= 0 else "consecutiveSuccessLimit must be >= 0",
        None
        if unchecked or metric.failure_limit != -1 or metric.consecutive_success_limit != 0
        else "failureLimit and consecutiveSuccessLimit cannot both be disabled",
    )


def validate_metrics(metrics: Sequence[a.Metric], field: str, *, required: bool = True) -> None:
    """Argo's ValidateMetrics: some metrics, unique names, each within the §3.2 rules."""
    if required and not metrics:
        raise SpecError(field, "no metrics specified")
    seen: set[str] = set()
    for i, metric in enumerate(metrics):
        if metric.name in seen:
            raise SpecError(f"{field}[{i}]", f"duplicate name '{metric.name}'")
        seen.add(metric.name)
        problem = metric_problem(metric)
        if problem is not None:
            raise SpecError(f"{field}[{i}]", problem)


def check_rules_match(spec: a.AnalysisRunSpec, field: str = "spec") -> None:
    """Every dryRun and measurementRetention rule must match some metric (Argo)."""
    names = [m.name for m in spec.metrics]
    rules: tuple[tuple[str, Sequence[a.DryRun | a.MeasurementRetention]], ...] = (
        ("dryRun", spec.dry_run),
        ("measurementRetention", spec.measurement_retention),
    )
    for key, patterns in rules:
        for i, rule in enumerate(patterns):
            if not any(re.search(rule.metric_name, name) for name in names):
                raise SpecError(f"{field}.{key}[{i}]", "Rule didn't match any metric name(s)")


def invalid_spec_message(error: SpecError) -> str:
    """The AnalysisRun message for a spec problem: `Analysis spec invalid: metrics[0]: …`."""
    field = error.field.removeprefix("spec.")
    if field in ("", "spec", "metrics"):
        return f"Analysis spec invalid: {error.message}"
    return f"Analysis spec invalid: {field}: {error.message}"
