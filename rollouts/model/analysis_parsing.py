"""Parse AnalysisTemplates, AnalysisRuns and a Rollout's analysis, with Argo's metric rules.

Each problem is a SpecError naming the field (`spec.metrics[1]`, `…analysis.templates[0]`).
The metric rules of argo-rollouts-spec.md §3.2 keep Argo's wording, so that
`invalid_spec_message(error)` reads as the AnalysisRun message Argo writes:
`Analysis spec invalid: metrics[1]: interval must be specified when count > 1`.
A manifest field holding an `{{args.x}}` placeholder is not checked until it is substituted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from rollouts.errors import SpecError
from rollouts.model import analysis as a
from rollouts.model import analysis_rules, analysis_status, durations

JSON = Mapping[str, Any]
PLACEHOLDER = re.compile(r"\{\{.*?\}\}", re.DOTALL)
PROVIDERS = (
    "prometheus",
    "web",
    "job",
    "datadog",
    "newRelic",
    "wavefront",
    "kayenta",
    "cloudWatch",
    "graphite",
    "influxdb",
    "skywalking",
    "plugin",
)
_INTEGER = re.compile(r"[+-]?[0-9]+")
_LIMITS = (
    ("failureLimit", "failure_limit", 0),
    ("inconclusiveLimit", "inconclusive_limit", 0),
    ("consecutiveErrorLimit", "consecutive_error_limit", a.DEFAULT_CONSECUTIVE_ERROR_LIMIT),
    ("consecutiveSuccessLimit", "consecutive_success_limit", 0),
)


def has_placeholder(value: Any) -> bool:
    return isinstance(value, str) and PLACEHOLDER.search(value) is not None


def _mapping(value: Any, field: str) -> JSON:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SpecError(field, "must be an object")
    return value


def _list(value: Any, field: str) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise SpecError(field, "must be a list")
    return value


def _text(value: Any, field: str, *, required: bool = False) -> str:
    if value is None or value == "":
        if required:
            raise SpecError(field, "Required value")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SpecError(field, f"must be a string, not {value!r}")
    return str(value)


def _int_or_string(value: Any, field: str) -> int:
    """An IntOrString that holds a number (`3` or `"3"`)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    raise SpecError(field, f"must be an integer, not {value!r}")


def _go_duration_error(text: str) -> str | None:
    """Go's time.ParseDuration error for `text`, or None when it parses."""
    if text.isascii() and text.isdigit() and text.strip("0"):
        return f'time: missing unit in duration "{text}"'
    seconds = durations.parse_duration(text) if text else None
    return f'time: invalid duration "{text}"' if seconds is None else None


def _duration(value: Any, what: str, field: str) -> float | None:
    if value is None or value == "":
        return None
    text = str(value)
    problem = _go_duration_error(text)
    if problem is not None:
        raise SpecError(field, f"invalid {what} string: {problem}")
    return durations.parse_duration(text)


def parse_arg(raw: Any, field: str, *, rollout: bool = False) -> a.Arg:
    """One arg; a template's valueFrom is secretKeyRef or fieldRef, a Rollout's
    podTemplateHashValue or fieldRef."""
    arg = _mapping(raw, field)
    name = _text(arg.get("name"), f"{field}.name", required=True)
    value = arg.get("value")
    source = _mapping(arg.get("valueFrom"), f"{field}.valueFrom")
    return a.Arg(
        name=name,
        value=None if value is None else _text(value, f"{field}.value") or "",
        value_from=_value_from(source, f"{field}.valueFrom", rollout=rollout) if source else None,
    )


def _value_from(source: JSON, field: str, *, rollout: bool) -> a.ValueFrom:
    if source.get("fieldRef") is not None:
        ref = _mapping(source["fieldRef"], f"{field}.fieldRef")
        return a.FieldRef(_text(ref.get("fieldPath"), f"{field}.fieldRef.fieldPath", required=True))
    if rollout:
        which = source.get("podTemplateHashValue")
        if which not in ("Stable", "Latest"):
            raise SpecError(f"{field}.podTemplateHashValue", "must be Stable or Latest")
        return a.PodTemplateHashValue(which)
    secret = _mapping(source.get("secretKeyRef"), f"{field}.secretKeyRef")
    if not secret:
        raise SpecError(field, "needs secretKeyRef or fieldRef")
    return a.SecretKeyRef(
        name=_text(secret.get("name"), f"{field}.secretKeyRef.name", required=True),
        key=_text(secret.get("key"), f"{field}.secretKeyRef.key", required=True),
    )


def _provider(raw: Any, field: str) -> a.Provider:
    provider = _mapping(raw, f"{field}.provider")
    present = [k for k in PROVIDERS if provider.get(k) is not None]
    if not present:
        raise SpecError(field, "no provider specified")
    plugins = provider.get("plugin")
    if len(present) > 1 or (isinstance(plugins, Mapping) and len(plugins) > 1):
        raise SpecError(field, "multiple providers specified")
    if present[0] != "prometheus":
        return a.UnsupportedProvider(present[0])
    return _prometheus(_mapping(provider["prometheus"], f"{field}.provider.prometheus"), field)


def _headers(raw: Any, field: str) -> tuple[tuple[str, str], ...]:
    headers = []
    for i, item in enumerate(_list(raw, field)):
        header = _mapping(item, f"{field}[{i}]")
        key = _text(header.get("key"), f"{field}[{i}].key", required=True)
        headers.append((key, _text(header.get("value"), f"{field}[{i}].value")))
    return tuple(headers)


def _timeout(value: Any, field: str) -> float:
    """Seconds; absent or not positive means Argo's default of 30."""
    seconds = 0 if value is None else _int_or_string(value, field)
    return float(seconds) if seconds > 0 else a.DEFAULT_PROMETHEUS_TIMEOUT


def _prometheus(raw: JSON, field: str) -> a.PrometheusProvider:
    where = f"{field}.provider.prometheus"
    timeout = raw.get("timeout")
    range_query = raw.get("rangeQuery")
    return a.PrometheusProvider(
        address=_text(raw.get("address"), f"{where}.address"),
        query=_text(raw.get("query"), f"{where}.query"),
        timeout=_timeout(timeout, f"{where}.timeout"),
        insecure=raw.get("insecure") is True,
        headers=_headers(raw.get("headers"), f"{where}.headers"),
        authentication=_mapping(raw.get("authentication"), f"{where}.authentication"),
        range_query=_mapping(range_query, f"{where}.rangeQuery") if range_query else None,
    )


def _whole(metric: JSON, key: str, field: str, pending: set[str]) -> int | None:
    value = metric.get(key)
    return None if value is None or key in pending else _int_or_string(value, f"{field}.{key}")


def _seconds(metric: JSON, key: str, what: str, field: str, pending: set[str]) -> float | None:
    return None if key in pending else _duration(metric.get(key), what, field)


def parse_metric(raw: Any, field: str) -> a.Metric:
    """One metric, parsed; the §3.2 rules are checked by validate_metrics."""
    metric = _mapping(raw, field)
    pending = {k for k, v in metric.items() if has_placeholder(v) and k != "name"}
    limits = {
        attribute: default if (found := _whole(metric, key, field, pending)) is None else found
        for key, attribute, default in _LIMITS
    }
    return a.Metric(
        name=_text(metric.get("name"), f"{field}.name", required=True),
        provider=_provider(metric.get("provider"), field),
        interval=_seconds(metric, "interval", "interval", field, pending),
        initial_delay=_seconds(metric, "initialDelay", "startDelay", field, pending),
        count=_whole(metric, "count", field, pending),
        success_condition=_text(metric.get("successCondition"), f"{field}.successCondition"),
        failure_condition=_text(metric.get("failureCondition"), f"{field}.failureCondition"),
        raw=dict(metric),
        pending=frozenset(pending),
        **limits,
    )


def parse_metrics(raw: Any, field: str, *, required: bool = True) -> tuple[a.Metric, ...]:
    metrics = tuple(parse_metric(m, f"{field}[{i}]") for i, m in enumerate(_list(raw, field)))
    analysis_rules.validate_metrics(metrics, field, required=required)
    return metrics


def _pattern(raw: Any, field: str) -> str:
    pattern = _text(raw, field, required=True)
    try:
        re.compile(pattern)
    except re.error as error:
        raise SpecError(field, f"invalid regular expression: {error}") from None
    return pattern


def _dry_run(raw: Any, field: str) -> tuple[a.DryRun, ...]:
    rules = []
    for i, item in enumerate(_list(raw, field)):
        rule = _mapping(item, f"{field}[{i}]")
        rules.append(a.DryRun(_pattern(rule.get("metricName"), f"{field}[{i}].metricName")))
    return tuple(rules)


def _retention(raw: Any, field: str) -> tuple[a.MeasurementRetention, ...]:
    rules = []
    for i, item in enumerate(_list(raw, field)):
        rule = _mapping(item, f"{field}[{i}]")
        rules.append(
            a.MeasurementRetention(
                metric_name=_pattern(rule.get("metricName"), f"{field}[{i}].metricName"),
                limit=_int_or_string(rule.get("limit", 0), f"{field}[{i}].limit"),
            )
        )
    return tuple(rules)


def _template_refs(raw: Any, field: str) -> tuple[a.TemplateRef, ...]:
    refs = []
    for i, item in enumerate(_list(raw, field)):
        ref = _mapping(item, f"{field}[{i}]")
        name = _text(ref.get("templateName"), f"{field}[{i}].templateName", required=True)
        refs.append(a.TemplateRef(name, cluster_scope=ref.get("clusterScope") is True))
    return tuple(refs)


def _args(raw: Any, field: str, *, rollout: bool = False) -> tuple[a.Arg, ...]:
    return tuple(
        parse_arg(arg, f"{field}[{i}]", rollout=rollout) for i, arg in enumerate(_list(raw, field))
    )


def parse_template_spec(raw: Any, field: str = "spec") -> a.AnalysisTemplateSpec:
    spec = _mapping(raw, field)
    return a.AnalysisTemplateSpec(
        metrics=parse_metrics(spec.get("metrics"), f"{field}.metrics", required=False),
        args=_args(spec.get("args"), f"{field}.args"),
        dry_run=_dry_run(spec.get("dryRun"), f"{field}.dryRun"),
        measurement_retention=_retention(
            spec.get("measurementRetention"), f"{field}.measurementRetention"
        ),
        templates=_template_refs(spec.get("templates"), f"{field}.templates"),
    )


def parse_template(body: JSON) -> a.AnalysisTemplate:
    """An AnalysisTemplate or ClusterAnalysisTemplate manifest."""
    meta = _mapping(body.get("metadata"), "metadata")
    return a.AnalysisTemplate(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace") or ""),
        spec=parse_template_spec(body.get("spec")),
        cluster_scope=body.get("kind") == "ClusterAnalysisTemplate",
    )


def parse_run_spec(raw: Any, field: str = "spec") -> a.AnalysisRunSpec:
    spec = _mapping(raw, field)
    run_spec = a.AnalysisRunSpec(
        metrics=parse_metrics(spec.get("metrics"), f"{field}.metrics"),
        args=_args(spec.get("args"), f"{field}.args"),
        terminate=spec.get("terminate") is True,
        dry_run=_dry_run(spec.get("dryRun"), f"{field}.dryRun"),
        measurement_retention=_retention(
            spec.get("measurementRetention"), f"{field}.measurementRetention"
        ),
    )
    analysis_rules.check_rules_match(run_spec, field)
    return run_spec


def _controller_uid(meta: JSON) -> str:
    owners = meta.get("ownerReferences")
    for owner in owners if isinstance(owners, list) else ():
        if isinstance(owner, Mapping) and owner.get("controller") is True:
            return str(owner.get("uid", ""))
    return ""


def parse_analysis_run(body: JSON, status: a.AnalysisRunStatus | None = None) -> a.AnalysisRun:
    """An AnalysisRun manifest; raises SpecError for a spec Argo would put in Error.

    A reconciler that catches it still reads the status with `parse_run_status`; one that
    read it already passes it as `status` (parsing every kept measurement is not free).
    """
    meta = _mapping(body.get("metadata"), "metadata")
    return a.AnalysisRun(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace") or "default"),
        uid=str(meta.get("uid", "")),
        labels=dict(_mapping(meta.get("labels"), "metadata.labels")),
        annotations=dict(_mapping(meta.get("annotations"), "metadata.annotations")),
        owner_uid=_controller_uid(meta),
        spec=parse_run_spec(body.get("spec")),
        status=analysis_status.parse_run_status(body.get("status")) if status is None else status,
    )


def parse_rollout_analysis(raw: Any, field: str) -> a.RolloutAnalysis:
    """A Rollout's analysis block (a step's `analysis`, `canary.analysis`, pre/post-promotion)."""
    analysis = _mapping(raw, field)
    metadata = _mapping(analysis.get("analysisRunMetadata"), f"{field}.analysisRunMetadata")
    starting = analysis.get("startingStep")
    return a.RolloutAnalysis(
        templates=_template_refs(analysis.get("templates"), f"{field}.templates"),
        args=_args(analysis.get("args"), f"{field}.args", rollout=True),
        dry_run=_dry_run(analysis.get("dryRun"), f"{field}.dryRun"),
        measurement_retention=_retention(
            analysis.get("measurementRetention"), f"{field}.measurementRetention"
        ),
        analysis_run_metadata=a.AnalysisRunMetadata(
            labels=_strings(metadata.get("labels"), f"{field}.analysisRunMetadata.labels"),
            annotations=_strings(
                metadata.get("annotations"), f"{field}.analysisRunMetadata.annotations"
            ),
        ),
        starting_step=None
        if starting is None
        else _non_negative(starting, f"{field}.startingStep"),
    )


def _strings(raw: Any, field: str) -> dict[str, str]:
    return {str(k): _text(v, f"{field}.{k}") for k, v in _mapping(raw, field).items()}


def _non_negative(value: Any, field: str) -> int:
    number = _int_or_string(value, field)
    if number < 0:
        raise SpecError(field, "must be greater than or equal to 0")
    return number
