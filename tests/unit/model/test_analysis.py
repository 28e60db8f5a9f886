"""Parsing analysis resources: AnalysisTemplate, AnalysisRun and a Rollout's analysis, Argo's
metric rules with their wording, and a status reader that never raises
(argo-rollouts-spec.md §3.1-3.2, §3.4-3.5)."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts import model
from rollouts.errors import SpecError

Phase = model.AnalysisPhase
T0 = datetime.datetime(2024, 1, 1, 12, 0, 0, tzinfo=datetime.UTC)
PROMETHEUS = {"prometheus": {"address": "http://prometheus:9090", "query": "up"}}


def metric(**fields: Any) -> dict[str, Any]:
    return {"name": "success-rate", "provider": copy.deepcopy(PROMETHEUS), **fields}


def template(*metrics: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "success-rate", "namespace": "apps"},
        "spec": {"metrics": list(metrics), **spec},
    }


def run(*metrics: dict[str, Any], **spec: Any) -> dict[str, Any]:
    body = template(*metrics, **spec)
    body.update(kind="AnalysisRun", metadata={"name": "web-abc-2", "namespace": "apps"})
    return body


def parsed_metric(**fields: Any) -> model.Metric:
    return model.parse_template(template(metric(**fields))).spec.metrics[0]


def test_a_metric_takes_argo_defaults() -> None:
    parsed = parsed_metric()
    assert (
        parsed.failure_limit,
        parsed.inconclusive_limit,
        parsed.consecutive_error_limit,
        parsed.consecutive_success_limit,
        parsed.count,
        parsed.interval,
        parsed.initial_delay,
    ) == (0, 0, 4, 0, None, None, None)
    assert parsed.provider == model.PrometheusProvider(
        address="http://prometheus:9090", query="up", timeout=30.0
    )


def test_a_template_reads_every_field() -> None:
    body = template(
        metric(
            interval="1m30s",
            initialDelay="10s",
            count="5",
            failureLimit=2,
            inconclusiveLimit="1",
            consecutiveErrorLimit=3,
            consecutiveSuccessLimit=2,
            successCondition="result[0] >= 0.95",
            failureCondition="result[0] < 0.5",
        ),
        args=[
            {"name": "service"},
            {"name": "token", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "t"}}},
            {"name": "image", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "env", "value": "prod"},
        ],
        dryRun=[{"metricName": ".*"}],
        measurementRetention=[{"metricName": "success", "limit": 20}],
        templates=[{"templateName": "base"}, {"templateName": "shared", "clusterScope": True}],
    )
    parsed = model.parse_template(body)
    found = parsed.spec.metrics[0]
    assert (found.interval, found.initial_delay, found.count) == (90.0, 10.0, 5)
    assert (found.failure_limit, found.inconclusive_limit) == (2, 1)
    assert (found.consecutive_error_limit, found.consecutive_success_limit) == (3, 2)
    assert found.success_condition == "result[0] >= 0.95"
    assert found.failure_condition == "result[0] < 0.5"
    assert parsed.spec.args == (
        model.Arg("service"),
        model.Arg("token", value_from=model.SecretKeyRef("creds", "t")),
        model.Arg("image", value_from=model.FieldRef("metadata.name")),
        model.Arg("env", value="prod"),
    )
    assert parsed.spec.dry_run == (model.DryRun(".*"),)
    assert parsed.spec.measurement_retention == (model.MeasurementRetention("success", 20),)
    assert parsed.spec.templates == (
        model.TemplateRef("base"),
        model.TemplateRef("shared", cluster_scope=True),
    )
    assert (parsed.name, parsed.namespace, parsed.cluster_scope) == ("success-rate", "apps", False)


def test_a_cluster_template_is_cluster_scoped() -> None:
    body = template(metric())
    body["kind"] = "ClusterAnalysisTemplate"
    assert model.parse_template(body).cluster_scope


def test_a_template_may_hold_only_nested_templates() -> None:
    body = template(templates=[{"templateName": "base"}])
    del body["spec"]["metrics"]
    assert model.parse_template(body).spec.metrics == ()


def test_prometheus_settings_are_read() -> None:
    provider = {
        "prometheus": {
            "address": "https://prom",
            "query": "up",
            "timeout": 5,
            "insecure": True,
            "headers": [{"key": "X-Scope-OrgID", "value": "team"}],
            "rangeQuery": {"start": "now() - duration('5m')", "end": "now()", "step": "1m"},
        }
    }
    parsed = parsed_metric(provider=provider).provider
    assert parsed == model.PrometheusProvider(
        address="https://prom",
        query="up",
        timeout=5.0,
        insecure=True,
        headers=(("X-Scope-OrgID", "team"),),
        range_query=provider["prometheus"]["rangeQuery"],
    )


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("web", id="web"),
        pytest.param("job", id="job"),
        pytest.param("datadog", id="datadog"),
        pytest.param("newRelic", id="new-relic"),
        pytest.param("wavefront", id="wavefront"),
        pytest.param("kayenta", id="kayenta"),
        pytest.param("cloudWatch", id="cloud-watch"),
        pytest.param("graphite", id="graphite"),
        pytest.param("influxdb", id="influxdb"),
        pytest.param("skywalking", id="skywalking"),
        pytest.param("plugin", id="plugin"),
    ],
)
def test_other_providers_parse_but_say_they_are_unsupported(kind: str) -> None:
    parsed = parsed_metric(provider={kind: {"x": 1}}).provider
    assert parsed == model.UnsupportedProvider(kind)
    assert isinstance(parsed, model.UnsupportedProvider)
    assert f"'{kind}' is not supported" in parsed.message


def test_placeholders_wait_for_their_args() -> None:
    parsed = parsed_metric(
        count="{{args.count}}",
        interval="{{ args.interval }}",
        failureLimit="{{args.limit}}",
        provider={"prometheus": {"query": 'up{job="{{args.job}}"}'}},
    )
    assert parsed.pending == {"count", "interval", "failureLimit"}
    assert (parsed.count, parsed.interval, parsed.failure_limit) == (None, None, 0)
    assert parsed.raw["count"] == "{{args.count}}"
    assert isinstance(parsed.provider, model.PrometheusProvider)
    assert parsed.provider.query == 'up{job="{{args.job}}"}'


@pytest.mark.parametrize(
    ("fields", "effective"),
    [
        pytest.param({}, 1, id="neither-count-nor-interval-is-one"),
        pytest.param({"interval": "1m"}, None, id="interval-alone-is-unbounded"),
        pytest.param({"interval": "1m", "count": 3}, 3, id="count"),
        pytest.param({"interval": "1m", "count": 0}, None, id="count-zero-is-unset"),
        pytest.param({"count": 1}, 1, id="count-without-interval"),
    ],
)
def test_effective_count_follows_argo(fields: dict[str, Any], effective: int | None) -> None:
    assert parsed_metric(**fields).effective_count == effective


ARGO_RULES = [
    pytest.param(
        {"count": 2, "failureLimit": 3, "interval": "1m"},
        "count must be >= failureLimit",
        id="count-below-failure-limit",
    ),
    pytest.param(
        {"count": 2, "inconclusiveLimit": 3, "interval": "1m"},
        "count must be >= inconclusiveLimit",
        id="count-below-inconclusive-limit",
    ),
    pytest.param(
        {"count": 3, "failureLimit": 2, "consecutiveSuccessLimit": 2, "interval": "1m"},
        "count must be >= failureLimit + consecutiveSuccessLimit",
        id="count-below-both-limits",
    ),
    pytest.param(
        {"count": 2, "failureLimit": -1, "consecutiveSuccessLimit": 3, "interval": "1m"},
        "count must be >= consecutiveSuccessLimit",
        id="count-below-consecutive-success-limit",
    ),
    pytest.param({"count": 2}, "interval must be specified when count > 1", id="count-no-interval"),
    pytest.param(
        {"interval": "soon"},
        'invalid interval string: time: invalid duration "soon"',
        id="interval-not-a-duration",
    ),
    pytest.param(
        {"interval": "30"},
        'invalid interval string: time: missing unit in duration "30"',
        id="interval-without-unit",
    ),
    pytest.param(
        {"initialDelay": "later"},
        'invalid startDelay string: time: invalid duration "later"',
        id="initial-delay-not-a-duration",
    ),
    pytest.param({"failureLimit": -2}, "failureLimit must be >= -1", id="failure-limit-below"),
    pytest.param(
        {"inconclusiveLimit": -1}, "inconclusiveLimit must be >= 0", id="inconclusive-negative"
    ),
    pytest.param(
        {"consecutiveErrorLimit": -1},
        "consecutiveErrorLimit must be >= 0",
        id="consecutive-error-negative",
    ),
    pytest.param(
        {"consecutiveSuccessLimit": -1},
        "consecutiveSuccessLimit must be >= 0",
        id="consecutive-success-negative",
    ),
    pytest.param(
        {"failureLimit": -1},
        "failureLimit and consecutiveSuccessLimit cannot both be disabled",
        id="both-limits-disabled",
    ),
    pytest.param({"provider": {}}, "no provider specified", id="no-provider"),
    pytest.param(
        {"provider": {**PROMETHEUS, "web": {"url": "http://x"}}},
        "multiple providers specified",
        id="two-providers",
    ),
    pytest.param(
        {"provider": {"plugin": {"a/one": {}, "a/two": {}}}},
        "multiple providers specified",
        id="two-plugins",
    ),
]


@pytest.mark.parametrize(("fields", "message"), ARGO_RULES)
def test_a_template_metric_breaking_an_argo_rule_is_named_with_argos_words(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(SpecError) as raised:
        model.parse_template(template(metric(), metric(name="second", **fields)))
    assert (raised.value.field, raised.value.message) == ("spec.metrics[1]", message)


@pytest.mark.parametrize(("fields", "message"), ARGO_RULES)
def test_a_run_spec_problem_reads_as_argos_run_message(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(SpecError) as raised:
        model.parse_analysis_run(run(metric(), metric(name="second", **fields)))
    assert model.invalid_spec_message(raised.value) == (
        f"Analysis spec invalid: metrics[1]: {message}"
    )


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"count": 3, "failureLimit": 3, "interval": "1m"}, id="count-equals-limit"),
        pytest.param(
            {"count": 4, "failureLimit": 2, "consecutiveSuccessLimit": 2, "interval": "1m"},
            id="count-covers-both-limits",
        ),
        pytest.param(
            {"failureLimit": -1, "consecutiveSuccessLimit": 3, "interval": "1m"},
            id="failure-limit-disabled-with-consecutive-successes",
        ),
        pytest.param({"count": "{{args.n}}", "failureLimit": 3}, id="count-placeholder-unchecked"),
        pytest.param({"interval": "{{args.every}}", "count": 5}, id="interval-placeholder"),
        pytest.param({"count": 1}, id="single-count-needs-no-interval"),
        pytest.param({"interval": "0"}, id="zero-needs-no-unit"),
    ],
)
def test_metrics_within_the_rules_parse(fields: dict[str, Any]) -> None:
    assert parsed_metric(**fields).name == "success-rate"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        pytest.param(run(), "spec.metrics", "no metrics specified", id="no-metrics"),
        pytest.param(
            run(metric(), metric()),
            "spec.metrics[1]",
            "duplicate name 'success-rate'",
            id="duplicate-names",
        ),
        pytest.param(
            run(metric(), dryRun=[{"metricName": "latency"}]),
            "spec.dryRun[0]",
            "Rule didn't match any metric name(s)",
            id="dry-run-matches-nothing",
        ),
        pytest.param(
            run(metric(), measurementRetention=[{"metricName": "^rate", "limit": 2}]),
            "spec.measurementRetention[0]",
            "Rule didn't match any metric name(s)",
            id="retention-matches-nothing",
        ),
        pytest.param(
            run(metric(), dryRun=[{"metricName": "("}]),
            "spec.dryRun[0].metricName",
            "invalid regular expression: missing ), unterminated subpattern at position 0",
            id="dry-run-not-a-regex",
        ),
        pytest.param(
            run(metric(count="many")),
            "spec.metrics[0].count",
            "must be an integer, not 'many'",
            id="count-not-a-number",
        ),
        pytest.param(
            run({"provider": PROMETHEUS}),
            "spec.metrics[0].name",
            "Required value",
            id="metric-without-name",
        ),
    ],
)
def test_a_run_spec_argo_would_put_in_error_raises(
    body: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(SpecError) as raised:
        model.parse_analysis_run(body)
    assert (raised.value.field, raised.value.message) == (field, message)


def test_no_metrics_reads_as_argos_message() -> None:
    with pytest.raises(SpecError) as raised:
        model.parse_analysis_run(run())
    assert model.invalid_spec_message(raised.value) == "Analysis spec invalid: no metrics specified"


def test_a_run_reads_its_spec_owner_and_status() -> None:
    body = run(
        metric(),
        metric(name="latency"),
        terminate=True,
        dryRun=[{"metricName": "lat.*"}],
        args=[{"name": "service", "value": "web"}],
    )
    body["metadata"].update(
        uid="u-1",
        labels={"rollout-type": "Step"},
        ownerReferences=[{"kind": "Rollout", "name": "web", "uid": "r-1", "controller": True}],
    )
    body["status"] = {"phase": "Running", "startedAt": "2024-01-01T12:00:00Z"}
    parsed = model.parse_analysis_run(body)
    assert parsed.spec.terminate
    assert [m.name for m in parsed.spec.metrics] == ["success-rate", "latency"]
    assert parsed.spec.args == (model.Arg("service", value="web"),)
    assert (parsed.uid, parsed.owner_uid, parsed.labels) == ("u-1", "r-1", {"rollout-type": "Step"})
    assert (parsed.status.phase, parsed.status.started_at) == (Phase.RUNNING, T0)


def test_a_rollout_analysis_reads_its_args_and_metadata() -> None:
    raw = {
        "templates": [{"templateName": "success-rate"}],
        "args": [
            {"name": "stable", "valueFrom": {"podTemplateHashValue": "Stable"}},
            {"name": "latest", "valueFrom": {"podTemplateHashValue": "Latest"}},
            {"name": "rev", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['rev']"}}},
            {"name": "service", "value": "web"},
        ],
        "dryRun": [{"metricName": "latency"}],
        "measurementRetention": [{"metricName": ".*", "limit": 5}],
        "analysisRunMetadata": {"labels": {"team": "a"}, "annotations": {"note": "b"}},
        "startingStep": 2,
    }
    parsed = model.parse_rollout_analysis(raw, "spec.strategy.canary.analysis")
    assert parsed == model.RolloutAnalysis(
        templates=(model.TemplateRef("success-rate"),),
        args=(
            model.Arg("stable", value_from=model.PodTemplateHashValue.STABLE),
            model.Arg("latest", value_from=model.PodTemplateHashValue.LATEST),
            model.Arg("rev", value_from=model.FieldRef("metadata.labels['rev']")),
            model.Arg("service", value="web"),
        ),
        dry_run=(model.DryRun("latency"),),
        measurement_retention=(model.MeasurementRetention(".*", 5),),
        analysis_run_metadata=model.AnalysisRunMetadata({"team": "a"}, {"note": "b"}),
        starting_step=2,
    )


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        pytest.param(
            {"args": [{"name": "h", "valueFrom": {"podTemplateHashValue": "Canary"}}]},
            "steps[1].analysis.args[0].valueFrom.podTemplateHashValue",
            "must be Stable or Latest",
            id="unknown-hash-value",
        ),
        pytest.param(
            {"templates": [{"clusterScope": True}]},
            "steps[1].analysis.templates[0].templateName",
            "Required value",
            id="template-without-name",
        ),
        pytest.param(
            {"args": [{"value": "x"}]},
            "steps[1].analysis.args[0].name",
            "Required value",
            id="arg-without-name",
        ),
        pytest.param(
            {"startingStep": -1},
            "steps[1].analysis.startingStep",
            "must be greater than or equal to 0",
            id="negative-starting-step",
        ),
        pytest.param(
            {"templates": "success-rate"},
            "steps[1].analysis.templates",
            "must be a list",
            id="templates-not-a-list",
        ),
    ],
)
def test_a_bad_rollout_analysis_names_the_field(raw: Any, field: str, message: str) -> None:
    with pytest.raises(SpecError) as raised:
        model.parse_rollout_analysis(raw, "steps[1].analysis")
    assert (raised.value.field, raised.value.message) == (field, message)


@pytest.mark.parametrize(
    ("phase", "completed"),
    [
        pytest.param(Phase.PENDING, False, id="pending"),
        pytest.param(Phase.RUNNING, False, id="running"),
        pytest.param(Phase.SUCCESSFUL, True, id="successful"),
        pytest.param(Phase.FAILED, True, id="failed"),
        pytest.param(Phase.ERROR, True, id="error"),
        pytest.param(Phase.INCONCLUSIVE, True, id="inconclusive"),
    ],
)
def test_the_last_four_phases_are_completed(phase: Phase, completed: bool) -> None:
    assert phase.is_completed is completed


STATUS = {
    "phase": "Failed",
    "message": 'Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)',
    "metricResults": [
        {
            "name": "success-rate",
            "phase": "Failed",
            "measurements": [
                {
                    "phase": "Failed",
                    "startedAt": "2024-01-01T12:00:00Z",
                    "finishedAt": "2024-01-01T12:00:01Z",
                    "value": "[0.5]",
                    "metadata": {"ResolvedPrometheusQuery": "up"},
                }
            ],
            "count": 1,
            "failed": 1,
            "metadata": {"ResolvedPrometheusQuery": "up"},
        }
    ],
    "startedAt": "2024-01-01T12:00:00Z",
    "completedAt": "2024-01-01T12:00:01Z",
    "runSummary": {"count": 1, "failed": 1},
    "dryRunSummary": {},
}


def test_a_status_reads_back_as_argo_wrote_it() -> None:
    status = model.parse_run_status(STATUS)
    result = status.metric_results[0]
    assert (status.phase, status.completed_at) == (Phase.FAILED, T0 + datetime.timedelta(seconds=1))
    assert (result.count, result.failed, result.phase) == (1, 1, Phase.FAILED)
    assert result.measurements[0].value == "[0.5]"
    assert status.run_summary == model.RunSummary(count=1, failed=1)
    assert status.to_json() == STATUS


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(None, id="absent"),
        pytest.param("Running", id="not-an-object"),
        pytest.param({"phase": "Sideways", "startedAt": "yesterday"}, id="unknown-values"),
        pytest.param(
            {"metricResults": [{"name": "m", "count": -3, "measurements": "none"}, 7]},
            id="broken-results",
        ),
        pytest.param({"metricResults": [{"phase": "Running"}]}, id="result-without-name"),
    ],
)
def test_an_unreadable_status_reads_as_absent_never_raising(raw: Any) -> None:
    status = model.parse_run_status(raw)
    assert status.phase is Phase.PENDING
    assert status.started_at is None
    assert all(r.count == 0 and r.measurements == () for r in status.metric_results)


times = st.one_of(
    st.none(),
    st.integers(0, 10**6).map(lambda s: T0 + datetime.timedelta(seconds=s)),
)
measurements = st.builds(
    model.Measurement,
    phase=st.sampled_from(Phase),
    value=st.one_of(st.none(), st.text(max_size=5)),
    message=st.text(max_size=5),
    started_at=times,
    finished_at=times,
    metadata=st.dictionaries(st.text(min_size=1, max_size=3), st.text(max_size=3), max_size=2),
    resume_at=times,
)
counters = st.integers(0, 50)
results = st.builds(
    model.MetricResult,
    name=st.text(min_size=1, max_size=5),
    phase=st.sampled_from(Phase),
    measurements=st.lists(measurements, max_size=3).map(tuple),
    message=st.text(max_size=5),
    count=counters,
    successful=counters,
    failed=counters,
    inconclusive=counters,
    error=counters,
    consecutive_error=counters,
    consecutive_success=counters,
    dry_run=st.booleans(),
    metadata=st.just({}),
)
summaries = st.builds(model.RunSummary, counters, counters, counters, counters, counters)


@settings(max_examples=60, deadline=None)
@given(
    status=st.builds(
        model.AnalysisRunStatus,
        phase=st.sampled_from(Phase),
        message=st.text(max_size=5),
        started_at=times,
        completed_at=times,
        metric_results=st.lists(results, max_size=3).map(tuple),
        run_summary=summaries,
        dry_run_summary=st.one_of(st.none(), summaries),
    )
)
def test_a_status_survives_a_round_trip_through_json(status: model.AnalysisRunStatus) -> None:
    assert model.parse_run_status(status.to_json()) == status
