"""Analysis args and the runs a Rollout creates: templates flattened, args merged and resolved,
`{{args.x}}` substituted, and Argo's run names and labels (argo-rollouts-spec.md §3.5)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from rollouts import model
from rollouts.core import analysis_args as args_
from rollouts.core.analysis_args import AnalysisArgsError, RunType
from rollouts.errors import SpecError

Ref = model.TemplateRef
Arg = model.Arg
LATEST, STABLE = "687d76d795", "5b9c7f6d4"
QUERY = 'sum(rate(http{service="{{args.service}}"}[1m]))'


def metric(name: str, **fields: Any) -> dict[str, Any]:
    provider = {"prometheus": {"address": "http://prom", "query": QUERY}}
    return {"name": name, "provider": provider, **fields}


def spec(*metrics: dict[str, Any], **fields: Any) -> model.AnalysisTemplateSpec:
    return model.parse_template_spec({"metrics": list(metrics), **fields})


def lookup_in(
    namespaced: dict[str, model.AnalysisTemplateSpec],
    cluster: dict[str, model.AnalysisTemplateSpec] | None = None,
) -> args_.Lookup:
    def lookup(ref: model.TemplateRef) -> model.AnalysisTemplateSpec | None:
        return (cluster or {} if ref.cluster_scope else namespaced).get(ref.template_name)

    return lookup


ROLLOUT: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Rollout",
    "metadata": {
        "name": "rollouts-demo",
        "namespace": "apps",
        "uid": "r-1",
        "labels": {"rev": "7", "app": "demo"},
        "annotations": {"rollout.argoproj.io/revision": "2", "team": "web"},
    },
    "spec": {
        "replicas": 5,
        "paused": False,
        "selector": {"matchLabels": {"app": "demo"}},
        "template": {"spec": {"containers": [{"name": "app", "image": "demo:v2"}]}},
        "strategy": {"canary": {"steps": [{"setWeight": 20}]}},
    },
}


def test_nested_templates_are_flattened_once_namespaced_before_cluster() -> None:
    lookup = lookup_in(
        {
            "top": spec(metric("a"), templates=[{"templateName": "shared", "clusterScope": True}]),
            "base": spec(metric("b"), templates=[{"templateName": "top"}]),
        },
        {"shared": spec(metric("c"), templates=[{"templateName": "base"}])},
    )
    flat = args_.flatten_templates((Ref("top"), Ref("base"), Ref("top")), lookup)
    assert [m.name for m in flat.metrics] == ["a", "b", "c"]


def test_flattening_concatenates_args_dry_runs_and_retention() -> None:
    lookup = lookup_in(
        {
            "one": spec(
                metric("a"),
                args=[{"name": "service"}, {"name": "env", "value": "prod"}],
                dryRun=[{"metricName": "a"}],
            ),
            "two": spec(
                metric("b"),
                args=[{"name": "service", "value": "web"}, {"name": "env", "value": "prod"}],
                measurementRetention=[{"metricName": "b", "limit": 3}],
            ),
        }
    )
    flat = args_.flatten_templates((Ref("one"), Ref("two")), lookup)
    assert flat.args == (Arg("service", value="web"), Arg("env", value="prod"))
    assert flat.dry_run == (model.DryRun("a"),)
    assert flat.measurement_retention == (model.MeasurementRetention("b", 3),)


@pytest.mark.parametrize(
    ("templates", "message"),
    [
        pytest.param(
            {"one": spec(metric("a")), "two": spec(metric("a"))},
            "two metrics have the same name 'a'",
            id="duplicate-metric",
        ),
        pytest.param(
            {
                "one": spec(metric("a"), dryRun=[{"metricName": "a"}]),
                "two": spec(metric("b"), dryRun=[{"metricName": "a"}]),
            },
            "two Dry-Run metric rules have the same name 'a'",
            id="duplicate-dry-run",
        ),
        pytest.param(
            {
                "one": spec(metric("a"), measurementRetention=[{"metricName": "a", "limit": 1}]),
                "two": spec(metric("b"), measurementRetention=[{"metricName": "a", "limit": 2}]),
            },
            "two Measurement Retention metric rules have the same name 'a'",
            id="duplicate-retention",
        ),
        pytest.param(
            {
                "one": spec(metric("a"), args=[{"name": "env", "value": "prod"}]),
                "two": spec(metric("b"), args=[{"name": "env", "value": "test"}]),
            },
            "Argument `env` specified multiple times with different values: 'prod', 'test'",
            id="conflicting-args",
        ),
        pytest.param(
            {"one": spec(metric("a"))},
            'analysistemplate.argoproj.io "two" not found',
            id="missing-template",
        ),
    ],
)
def test_templates_that_cannot_be_flattened_say_why_in_argos_words(
    templates: dict[str, model.AnalysisTemplateSpec], message: str
) -> None:
    with pytest.raises(AnalysisArgsError) as raised:
        args_.flatten_templates((Ref("one"), Ref("two")), lookup_in(templates))
    assert str(raised.value) == message


def test_a_missing_cluster_template_is_named_as_one() -> None:
    with pytest.raises(AnalysisArgsError) as raised:
        args_.flatten_templates((Ref("x", cluster_scope=True),), lookup_in({}))
    assert str(raised.value) == 'clusteranalysistemplate.argoproj.io "x" not found'


SECRET = model.SecretKeyRef("creds", "token")


@pytest.mark.parametrize(
    ("incoming", "template", "expected"),
    [
        pytest.param(
            (Arg("service", value="web"),),
            (Arg("service"),),
            (Arg("service", value="web"),),
            id="rollout-value-fills-a-required-arg",
        ),
        pytest.param(
            (Arg("service", value="web"),),
            (Arg("service", value="default"),),
            (Arg("service", value="web"),),
            id="rollout-value-overrides-a-default",
        ),
        pytest.param(
            (Arg("token", value_from=SECRET),),
            (Arg("token"),),
            (Arg("token", value_from=SECRET),),
            id="value-from-fills-a-required-arg",
        ),
        pytest.param(
            (Arg("unused", value="x"),),
            (Arg("service", value="web"),),
            (Arg("service", value="web"),),
            id="undeclared-rollout-args-are-ignored",
        ),
        pytest.param(
            (),
            (Arg("token", value_from=SECRET),),
            (Arg("token", value_from=SECRET),),
            id="a-secret-arg-is-resolved-later",
        ),
    ],
)
def test_rollout_args_override_template_args_by_name(
    incoming: tuple[model.Arg, ...],
    template: tuple[model.Arg, ...],
    expected: tuple[model.Arg, ...],
) -> None:
    assert args_.merge_args(incoming, template) == expected


def test_an_arg_left_without_a_value_is_not_resolved() -> None:
    with pytest.raises(AnalysisArgsError) as raised:
        args_.merge_args((Arg("other", value="x"),), (Arg("env", value="a"), Arg("service")))
    assert str(raised.value) == "args.service was not resolved"


@pytest.mark.parametrize(
    ("value_from", "expected"),
    [
        pytest.param(model.PodTemplateHashValue.LATEST, LATEST, id="latest-hash"),
        pytest.param(model.PodTemplateHashValue.STABLE, STABLE, id="stable-hash"),
        pytest.param(model.FieldRef("metadata.name"), "rollouts-demo", id="name"),
        pytest.param(model.FieldRef("metadata.namespace"), "apps", id="namespace"),
        pytest.param(model.FieldRef("metadata.uid"), "r-1", id="uid"),
        pytest.param(model.FieldRef("metadata.labels['rev']"), "7", id="a-label"),
        pytest.param(model.FieldRef("metadata.labels['none']"), "", id="a-missing-label"),
        pytest.param(model.FieldRef("metadata.annotations['team']"), "web", id="an-annotation"),
        pytest.param(
            model.FieldRef("metadata.labels"), 'app="demo"\nrev="7"', id="all-labels-sorted"
        ),
        pytest.param(
            model.FieldRef("spec.template.spec.containers[0].image"), "demo:v2", id="json-walk"
        ),
        pytest.param(model.FieldRef("spec.replicas"), "5", id="a-number"),
        pytest.param(model.FieldRef("spec.paused"), "false", id="a-boolean"),
        pytest.param(None, "", id="nothing-is-empty"),
    ],
)
def test_rollout_args_take_hashes_and_fields(value_from: model.ValueFrom, expected: str) -> None:
    resolved = args_.resolve_rollout_args(
        (Arg("x", value_from=value_from),),
        rollout=ROLLOUT,
        stable_hash=STABLE,
        latest_hash=LATEST,
    )
    assert resolved == (Arg("x", value=expected),)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        pytest.param("spec.missing", "invalid path spec.missing in rollout", id="missing-field"),
        pytest.param(
            "spec.template",
            "path spec.template in rollout must terminate in a primitive value",
            id="not-a-primitive",
        ),
        pytest.param(
            "spec.template.spec.containers[3].image",
            "index 3 out of range",
            id="index-out-of-range",
        ),
        pytest.param(
            "spec.template.spec.containers.first",
            "invalid index 'first'",
            id="index-not-a-number",
        ),
        pytest.param(
            "spec.replicas.count",
            "invalid path spec.replicas.count in rollout",
            id="through-a-primitive",
        ),
        pytest.param(
            "metadata.generation", "unsupported fieldPath: metadata.generation", id="downward-api"
        ),
        pytest.param(
            "metadata.name['x']",
            "fieldPath \"metadata.name['x']\" does not support subscript",
            id="subscript-on-a-scalar",
        ),
    ],
)
def test_a_field_path_that_leads_nowhere_is_an_error(path: str, message: str) -> None:
    with pytest.raises(AnalysisArgsError) as raised:
        args_.resolve_rollout_args(
            (Arg("x", value_from=model.FieldRef(path)),),
            rollout=ROLLOUT,
            stable_hash=STABLE,
            latest_hash=LATEST,
        )
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        pytest.param(3, "3", id="integer"),
        pytest.param(0.5, "0.5", id="fraction"),
        pytest.param(2.0, "2", id="whole-float"),
        pytest.param(1000000, "1e+06", id="go-prints-a-million-in-e-notation"),
        pytest.param(123456, "123456", id="below-a-million"),
        pytest.param(0.00001, "1e-05", id="tiny"),
        pytest.param(True, "true", id="true"),
        pytest.param("text", "text", id="string"),
    ],
)
def test_json_numbers_print_as_go_prints_them(value: Any, printed: str) -> None:
    rollout = copy.deepcopy(ROLLOUT)
    rollout["spec"]["x"] = value
    resolved = args_.resolve_rollout_args(
        (Arg("x", value_from=model.FieldRef("spec.x")),),
        rollout=rollout,
        stable_hash=STABLE,
        latest_hash=LATEST,
    )
    assert resolved[0].value == printed


@pytest.mark.parametrize(
    ("text", "args", "expected"),
    [
        pytest.param("{{args.a}}", (Arg("a", value="x"),), "x", id="plain"),
        pytest.param("{{ args.a }}", (Arg("a", value="x"),), "x", id="whitespace-tolerated"),
        pytest.param("q={{args.a}}", (Arg("a", value='say "hi"\n'),), 'q=say "hi"\n', id="escaped"),
        pytest.param(
            "{{args.a}}-{{args.b}}",
            (Arg("a", value="1"), Arg("b", value="2")),
            "1-2",
            id="several",
        ),
        pytest.param(
            "{{args.token}}",
            (Arg("token", value_from=SECRET),),
            "{{args.token}}",
            id="secret-kept-for-measurement-time",
        ),
    ],
)
def test_placeholders_are_substituted_json_safely(
    text: str, args: tuple[model.Arg, ...], expected: str
) -> None:
    assert args_.substitute({"query": text, "n": [text]}, args) == {
        "query": expected,
        "n": [expected],
    }


def test_secret_values_are_substituted_at_measurement_time() -> None:
    args = (Arg("token", value_from=SECRET), Arg("user", value="me"))
    assert args_.secret_arg_names(args) == {"token"}
    substituted = args_.substitute(
        "{{args.user}}:{{args.token}}", args, secrets={"token": "s3cr3t", "user": "not-me"}
    )
    assert substituted == "me:s3cr3t"


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        pytest.param(
            "{{args.b}}", (Arg("a", value="x"),), "failed to resolve {{args.b}}", id="unknown"
        ),
        pytest.param("{{ args.b }}", (), "failed to resolve {{ args.b }}", id="raw-tag-quoted"),
        pytest.param("{{args.a}}", (Arg("a"),), "failed to resolve {{args.a}}", id="no-value"),
        pytest.param("{{inputs.a}}", (), "failed to resolve {{inputs.a}}", id="not-args"),
    ],
)
def test_an_unknown_placeholder_fails_to_resolve(
    text: str, args: tuple[model.Arg, ...], message: str
) -> None:
    with pytest.raises(AnalysisArgsError) as raised:
        args_.substitute({"query": text}, args)
    assert str(raised.value) == message


def test_secrets_are_redacted_from_messages() -> None:
    assert args_.redact("auth s3cr3t failed for s3cr3t", ["s3cr3t", ""]) == (
        "auth ***** failed for *****"
    )


def run_spec(*metrics: dict[str, Any], args: list[dict[str, Any]]) -> model.AnalysisRunSpec:
    return model.parse_run_spec({"metrics": list(metrics), "args": args})


def test_a_run_resolves_its_metrics_before_measuring() -> None:
    resolved = args_.resolve_run_spec(
        run_spec(
            metric("rate", count="{{args.n}}", interval="{{args.every}}"),
            args=[
                {"name": "n", "value": "3"},
                {"name": "every", "value": "30s"},
                {"name": "service", "value": "web"},
            ],
        )
    )
    found = resolved.metrics[0]
    assert (found.count, found.interval, found.pending) == (3, 30.0, frozenset())
    assert isinstance(found.provider, model.PrometheusProvider)
    assert found.provider.query == 'sum(rate(http{service="web"}[1m]))'


def test_resolved_metrics_are_checked_again() -> None:
    spec_ = run_spec(
        metric("rate", count="{{args.n}}"),
        args=[{"name": "n", "value": "3"}, {"name": "service", "value": "web"}],
    )
    with pytest.raises(SpecError) as raised:
        args_.resolve_metrics(spec_)
    assert model.invalid_spec_message(raised.value) == (
        "Analysis spec invalid: metrics[0]: interval must be specified when count > 1"
    )


@pytest.mark.parametrize(
    ("infix", "expected"),
    [
        pytest.param("1", "rollouts-demo-687d76d795-2-1", id="step-index"),
        pytest.param(None, "rollouts-demo-687d76d795-2", id="background"),
        pytest.param("pre", "rollouts-demo-687d76d795-2-pre", id="pre-promotion"),
        pytest.param("post", "rollouts-demo-687d76d795-2-post", id="post-promotion"),
    ],
)
def test_a_run_is_named_after_rollout_hash_revision_and_infix(
    infix: str | None, expected: str
) -> None:
    assert args_.run_name("rollouts-demo", LATEST, 2, infix) == expected


@pytest.mark.parametrize(
    ("collision", "expected"),
    [
        pytest.param(0, "web-abc-2", id="first-try"),
        pytest.param(1, "web-abc-2.1", id="first-clash"),
        pytest.param(2, "web-abc-2.2", id="second-clash"),
    ],
)
def test_a_name_clash_appends_a_counter(collision: int, expected: str) -> None:
    assert args_.collision_name("web-abc-2", collision) == expected


@pytest.mark.parametrize(
    ("run_type", "step_index", "instance_id", "expected"),
    [
        pytest.param(
            RunType.STEP,
            3,
            None,
            {"rollouts-pod-template-hash": LATEST, "rollout-type": "Step", "step-index": "3"},
            id="step",
        ),
        pytest.param(
            RunType.BACKGROUND,
            None,
            "blue",
            {
                "rollouts-pod-template-hash": LATEST,
                "rollout-type": "Background",
                "argo-rollouts.argoproj.io/controller-instance-id": "blue",
            },
            id="background-with-instance-id",
        ),
        pytest.param(
            RunType.PRE_PROMOTION,
            2,
            None,
            {"rollouts-pod-template-hash": LATEST, "rollout-type": "PrePromotion"},
            id="step-index-only-on-step-runs",
        ),
    ],
)
def test_a_run_is_labelled_with_hash_and_type(
    run_type: RunType, step_index: int | None, instance_id: str | None, expected: dict[str, str]
) -> None:
    labels = args_.run_labels(
        pod_hash=LATEST, run_type=run_type, step_index=step_index, instance_id=instance_id
    )
    assert labels == expected


def test_metadata_then_selector_labels_win() -> None:
    labels = args_.run_labels(
        pod_hash=LATEST,
        run_type=RunType.BACKGROUND,
        metadata_labels={"rollout-type": "mine", "app": "meta", "team": "a"},
        selector_labels={"app": "demo"},
    )
    assert labels == {
        "rollouts-pod-template-hash": LATEST,
        "rollout-type": "mine",
        "app": "demo",
        "team": "a",
    }


TEMPLATES = lookup_in(
    {
        "success-rate": spec(
            metric("success-rate", interval="1m", count=3),
            args=[
                {"name": "service"},
                {"name": "hash"},
                {"name": "token", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "t"}}},
            ],
            dryRun=[{"metricName": "success"}],
        )
    }
)
STEP_ANALYSIS = model.RolloutAnalysis(
    templates=(Ref("success-rate"),),
    args=(
        Arg("service", value='web "canary"'),
        Arg("hash", value_from=model.PodTemplateHashValue.LATEST),
    ),
    measurement_retention=(model.MeasurementRetention(".*", 20),),
    analysis_run_metadata=model.AnalysisRunMetadata({"team": "a"}, {"note": "b"}),
)


def build(analysis: model.RolloutAnalysis = STEP_ANALYSIS, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "rollout": ROLLOUT,
        "analysis": analysis,
        "lookup": TEMPLATES,
        "run_type": RunType.STEP,
        "latest_hash": LATEST,
        "stable_hash": STABLE,
        "step_index": 1,
        **overrides,
    }
    return args_.build_analysis_run(**fields)


def test_a_step_run_is_built_as_argo_builds_it() -> None:
    assert build() == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {
            "name": "rollouts-demo-687d76d795-2-1",
            "namespace": "apps",
            "labels": {
                "rollouts-pod-template-hash": LATEST,
                "rollout-type": "Step",
                "step-index": "1",
                "team": "a",
                "app": "demo",
            },
            "annotations": {"rollout.argoproj.io/revision": "2", "note": "b"},
            "ownerReferences": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Rollout",
                    "name": "rollouts-demo",
                    "uid": "r-1",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "metrics": [
                {
                    "name": "success-rate",
                    "interval": "1m",
                    "count": 3,
                    "provider": {
                        "prometheus": {
                            "address": "http://prom",
                            "query": 'sum(rate(http{service="web "canary""}[1m]))',
                        }
                    },
                }
            ],
            "args": [
                {"name": "service", "value": 'web "canary"'},
                {"name": "hash", "value": LATEST},
                {"name": "token", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "t"}}},
            ],
            "dryRun": [{"metricName": "success"}],
            "measurementRetention": [{"metricName": ".*", "limit": 20}],
        },
    }


@pytest.mark.parametrize(
    ("run_type", "name"),
    [
        pytest.param(RunType.BACKGROUND, "rollouts-demo-687d76d795-2", id="background"),
        pytest.param(RunType.PRE_PROMOTION, "rollouts-demo-687d76d795-2-pre", id="pre-promotion"),
        pytest.param(
            RunType.POST_PROMOTION, "rollouts-demo-687d76d795-2-post", id="post-promotion"
        ),
    ],
)
def test_other_runs_are_named_by_their_type(run_type: RunType, name: str) -> None:
    built = build(run_type=run_type, step_index=None)
    assert built["metadata"]["name"] == name
    assert built["metadata"]["labels"]["rollout-type"] == str(run_type)


def test_a_run_whose_metric_cannot_resolve_keeps_it_as_written_for_the_run_to_report() -> None:
    lookup = lookup_in(
        {"t": spec(metric("m", successCondition="result > {{args.threshold}}"), args=[])}
    )
    analysis = model.RolloutAnalysis(templates=(Ref("t"),))
    built = build(analysis, lookup=lookup)
    assert built["spec"]["metrics"][0]["successCondition"] == "result > {{args.threshold}}"


def test_a_rollout_missing_a_required_arg_cannot_make_a_run() -> None:
    analysis = model.RolloutAnalysis(templates=(Ref("success-rate"),), args=(Arg("service", "x"),))
    with pytest.raises(AnalysisArgsError) as raised:
        build(analysis)
    assert str(raised.value) == "args.hash was not resolved"


def test_a_dry_run_rule_in_both_rollout_and_template_is_a_duplicate() -> None:
    analysis = model.RolloutAnalysis(
        templates=(Ref("success-rate"),),
        args=STEP_ANALYSIS.args,
        dry_run=(model.DryRun("success"),),
    )
    with pytest.raises(AnalysisArgsError) as raised:
        build(analysis)
    assert str(raised.value) == "two Dry-Run metric rules have the same name 'success'"


def test_template_field_ref_args_read_the_rollout() -> None:
    lookup = lookup_in(
        {
            "t": spec(
                metric("m"),
                args=[
                    {"name": "service", "value": "x"},
                    {"name": "image", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                ],
            )
        }
    )
    built = build(model.RolloutAnalysis(templates=(Ref("t"),)), lookup=lookup)
    assert built["spec"]["args"][1] == {"name": "image", "value": "rollouts-demo"}


def test_a_built_run_parses_back() -> None:
    parsed = model.parse_analysis_run(build())
    assert parsed.owner_uid == "r-1"
    assert [m.name for m in parsed.spec.metrics] == ["success-rate"]
    assert args_.secret_arg_names(parsed.spec.args) == {"token"}
