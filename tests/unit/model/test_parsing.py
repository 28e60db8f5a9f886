"""parse_rollout: Argo's InvalidSpec rules with their exact wording, defaults, durations, and a
status reader that never raises (argo-rollouts-spec.md §1.1-1.6)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts import model
from rollouts.errors import SpecError
from tests.unit.core import builders as b

CANARY = "spec.strategy.canary"
STEP_KINDS_MESSAGE = (
    "Step must have one of the following set: experiment, setWeight, setCanaryScale, "
    "plugin or pause"
)
Edit = Callable[[dict[str, Any]], None]


def _canary(body: dict[str, Any]) -> dict[str, Any]:
    canary: dict[str, Any] = body["spec"]["strategy"]["canary"]
    return canary


def _set(path: str, value: Any) -> Edit:
    """An edit that sets `spec.<path>` (dots between keys) in a manifest."""

    def edit(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = body["spec"]
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value

    return edit


def _drop(path: str) -> Edit:
    def edit(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = body["spec"]
        for key in parents:
            node = node[key]
        del node[last]

    return edit


def _steps(*steps: Any) -> Edit:
    return _set("strategy.canary.steps", list(steps))


def _routed(**canary: Any) -> Edit:
    def edit(body: dict[str, Any]) -> None:
        _canary(body).update(
            canaryService=b.CANARY_SERVICE,
            stableService=b.STABLE_SERVICE,
            trafficRouting={"nginx": {"stableIngress": b.STABLE_INGRESS}},
        )
        _canary(body).update(canary)

    return edit


def _blue_green(**strategy: Any) -> Edit:
    return _set("strategy", {"blueGreen": strategy})


def _parse(*edits: Edit) -> model.Rollout:
    body = b.manifest("v1")
    for edit in edits:
        edit(body)
    return model.parse_rollout(body)


INVALID = [
    # steps
    pytest.param(
        [_steps({"setWeight": 20, "pause": {}})],
        f"{CANARY}.steps[0]",
        STEP_KINDS_MESSAGE,
        id="step-with-two-kinds",
    ),
    pytest.param(
        [_steps({"setWeight": 10}, {})], f"{CANARY}.steps[1]", STEP_KINDS_MESSAGE, id="empty-step"
    ),
    pytest.param(
        [_steps("pause")], f"{CANARY}.steps[0]", "must be an object", id="step-not-object"
    ),
    pytest.param(
        [_steps({"setWeight": 101})],
        f"{CANARY}.steps[0].setWeight",
        "SetWeight needs to be between 0 and 100",
        id="set-weight-above-100",
    ),
    pytest.param(
        [_steps({"setWeight": -1})],
        f"{CANARY}.steps[0].setWeight",
        "SetWeight needs to be between 0 and 100",
        id="set-weight-negative",
    ),
    pytest.param(
        [_steps({"setWeight": "20"})],
        f"{CANARY}.steps[0].setWeight",
        "SetWeight needs to be between 0 and 100",
        id="set-weight-string",
    ),
    pytest.param(
        [
            _routed(),
            _set("strategy.canary.trafficRouting.maxTrafficWeight", 1000),
            _steps({"setWeight": 1001}),
        ],
        f"{CANARY}.steps[0].setWeight",
        "SetWeight needs to be between 0 and 1000",
        id="set-weight-above-max-traffic-weight",
    ),
    pytest.param(
        [_steps({"pause": {"duration": "soon"}})],
        f"{CANARY}.steps[0].pause.duration",
        "Duration needs to be greater than 0",
        id="pause-duration-unreadable",
    ),
    pytest.param(
        [_steps({"setWeight": 5}, {"pause": {"duration": "-5s"}})],
        f"{CANARY}.steps[1].pause.duration",
        "Duration needs to be greater than 0",
        id="pause-duration-negative",
    ),
    pytest.param(
        [_steps({"experiment": {"templates": []}})],
        f"{CANARY}.steps[0].experiment",
        "experiment steps are not supported by this controller",
        id="experiment-step-unsupported",
    ),
    pytest.param(
        [_steps({"plugin": {"name": "x"}})],
        f"{CANARY}.steps[0].plugin",
        "step plugins are not supported by this controller",
        id="plugin-step-unsupported",
    ),
    pytest.param(
        [_routed(), _steps({"setHeaderRoute": {"name": "h"}})],
        f"{CANARY}.steps[0].setHeaderRoute",
        "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix",
        id="header-route-rejected-for-nginx",
    ),
    pytest.param(
        [_routed(), _steps({"setMirrorRoute": {"name": "m"}})],
        f"{CANARY}.steps[0].setMirrorRoute",
        "SetMirrorRoute requires TrafficRouting, supports Istio",
        id="mirror-route-rejected-for-nginx",
    ),
    pytest.param(
        [_routed(), _steps({"setCanaryScale": {}})],
        f"{CANARY}.steps[0].setCanaryScale",
        "SetCanaryScale needs exactly one of replicas, weight or matchTrafficWeight",
        id="canary-scale-empty",
    ),
    pytest.param(
        [_routed(), _steps({"setCanaryScale": {"replicas": 1, "weight": 5}})],
        f"{CANARY}.steps[0].setCanaryScale",
        "SetCanaryScale needs exactly one of replicas, weight or matchTrafficWeight",
        id="canary-scale-two-kinds",
    ),
    pytest.param(
        [_routed(), _steps({"setCanaryScale": {"weight": 101}})],
        f"{CANARY}.steps[0].setCanaryScale.weight",
        "SetCanaryScale weight needs to be between 0 and 100",
        id="canary-scale-weight-above-100",
    ),
    pytest.param(
        [_steps({"setCanaryScale": {"replicas": 1}})],
        f"{CANARY}.steps[0].setCanaryScale",
        "SetCanaryScale requires TrafficRouting to be set",
        id="canary-scale-without-routing",
    ),
    # traffic routing
    pytest.param(
        [_routed(trafficRouting={"istio": {}})],
        f"{CANARY}.trafficRouting.istio",
        "traffic router 'istio' is not supported by this controller (nginx is)",
        id="istio-unsupported",
    ),
    pytest.param(
        [_routed(trafficRouting={"alb": {"ingress": "x"}, "nginx": {"stableIngress": "x"}})],
        f"{CANARY}.trafficRouting.alb",
        "traffic router 'alb' is not supported by this controller (nginx is)",
        id="alb-unsupported-even-beside-nginx",
    ),
    pytest.param(
        [_routed(trafficRouting={"nginx": {"stableIngress": "a", "stableIngresses": ["b"]}})],
        f"{CANARY}.trafficRouting.nginx",
        "Either StableIngress or StableIngresses must be configured. Both are configured.",
        id="nginx-both-ingress-fields",
    ),
    pytest.param(
        [_routed(trafficRouting={"nginx": {"annotationPrefix": "x"}})],
        f"{CANARY}.trafficRouting.nginx",
        "Either StableIngress or StableIngresses must be configured. Neither are configured.",
        id="nginx-no-ingress",
    ),
    pytest.param(
        [_routed(trafficRouting={"maxTrafficWeight": 200})],
        f"{CANARY}.trafficRouting.maxTrafficWeight",
        "Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins",
        id="max-traffic-weight-without-nginx",
    ),
    pytest.param(
        [_routed(), _set("strategy.canary.trafficRouting.maxTrafficWeight", 0)],
        f"{CANARY}.trafficRouting.maxTrafficWeight",
        "must be greater than 0",
        id="max-traffic-weight-zero",
    ),
    pytest.param(
        [_routed(canaryService=None)],
        f"{CANARY}.trafficRouting",
        "Canary service and Stable service must to be set to use Traffic Routing",
        id="routing-without-canary-service",
    ),
    pytest.param(
        [_routed(stableService="")],
        f"{CANARY}.trafficRouting",
        "Canary service and Stable service must to be set to use Traffic Routing",
        id="routing-with-empty-stable-service",
    ),
    pytest.param(
        [_routed(canaryService="same", stableService="same")],
        f"{CANARY}.stableService",
        "This rollout uses the same service for the stable and canary services, "
        "but two different services are required.",
        id="same-stable-and-canary-service",
    ),
    pytest.param(
        [_routed(dynamicStableScale=True, scaleDownDelaySeconds=10)],
        f"{CANARY}.dynamicStableScale",
        "Canary dynamicStableScale cannot be used with scaleDownDelaySeconds",
        id="dynamic-stable-scale-with-delay",
    ),
    pytest.param(
        [_set("strategy.canary.dynamicStableScale", True)],
        f"{CANARY}.dynamicStableScale",
        "Canary dynamicStableScale can only be used with traffic routing",
        id="dynamic-stable-scale-without-routing",
    ),
    pytest.param(
        [_set("strategy.canary.scaleDownDelaySeconds", 30)],
        f"{CANARY}.scaleDownDelaySeconds",
        "Canary scaleDownDelaySeconds can only be used with traffic routing",
        id="scale-down-delay-without-routing",
    ),
    # surge and unavailability
    pytest.param(
        [_set("strategy.canary.maxSurge", 0), _set("strategy.canary.maxUnavailable", 0)],
        f"{CANARY}.maxSurge",
        "MaxSurge and MaxUnavailable both can not be zero",
        id="surge-and-unavailable-zero",
    ),
    pytest.param(
        [_set("strategy.canary.maxSurge", "0%"), _set("strategy.canary.maxUnavailable", "0")],
        f"{CANARY}.maxSurge",
        "MaxSurge and MaxUnavailable both can not be zero",
        id="surge-and-unavailable-zero-percent",
    ),
    pytest.param(
        [_set("strategy.canary.maxSurge", "25%%")],
        f"{CANARY}.maxSurge",
        "must be an integer or a percentage, not '25%%'",
        id="surge-double-percent",
    ),
    pytest.param(
        [_set("strategy.canary.maxUnavailable", -1)],
        f"{CANARY}.maxUnavailable",
        "must be an integer or a percentage, not -1",
        id="unavailable-negative",
    ),
    pytest.param(
        [_set("strategy.canary.maxUnavailable", "²")],
        f"{CANARY}.maxUnavailable",
        "must be an integer or a percentage, not '²'",
        id="unavailable-non-ascii-digit",
    ),
    # strategy
    pytest.param(
        [_set("strategy", {"canary": {}, "blueGreen": {"activeService": "a"}})],
        "spec.strategy",
        "Multiple Strategies can not be listed",
        id="two-strategies",
    ),
    pytest.param(
        [_set("strategy", {})],
        "spec.strategy",
        "Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'",
        id="no-strategy",
    ),
    pytest.param(
        [_blue_green(previewService="p")],
        "spec.strategy.blueGreen.activeService",
        "Rollout has missing field '.spec.strategy.blueGreen.activeService'",
        id="blue-green-without-active-service",
    ),
    pytest.param(
        [_blue_green(activeService="svc", previewService="svc")],
        "spec.strategy.blueGreen.activeService",
        'Invalid value: "svc": This rollout uses the same service for the active and preview '
        "services, but two different services are required.",
        id="blue-green-same-services",
    ),
    pytest.param(
        [
            _blue_green(activeService="a", scaleDownDelayRevisionLimit=3),
            _set("revisionHistoryLimit", 2),
        ],
        "spec.strategy.blueGreen.scaleDownDelayRevisionLimit",
        "Invalid value: 3: This rollout's revision history limit can not be smaller than the "
        "rollout's scale down limit",
        id="blue-green-scale-down-limit-over-history-limit",
    ),
    # spec
    pytest.param(
        [_drop("selector")],
        "spec.selector",
        "Rollout has missing field '.spec.selector'",
        id="no-selector",
    ),
    pytest.param(
        [_set("selector", {"matchLabels": {}})],
        "spec.selector",
        "empty selector is invalid for deployment",
        id="empty-selector",
    ),
    pytest.param(
        [_set("selector", {"matchLabels": {"app": "other"}})],
        "spec.template.metadata.labels",
        "`selector` does not match template `labels`",
        id="selector-does-not-match-labels",
    ),
    pytest.param(
        [_set("selector", {"matchExpressions": [{"key": "tier", "operator": "Exists"}]})],
        "spec.template.metadata.labels",
        "`selector` does not match template `labels`",
        id="selector-expression-does-not-match",
    ),
    pytest.param(
        [_set("template.spec.containers", [])],
        "spec.template.spec.containers",
        "Required value",
        id="no-containers",
    ),
    pytest.param(
        [_set("workloadRef", {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"})],
        "spec.template",
        "template must be empty for workload reference rollout",
        id="workload-ref-with-a-template",
    ),
    pytest.param(
        [
            _set("template", None),
            _set("workloadRef", {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}),
        ],
        "spec.workloadRef",
        'Invalid value: "web": deployments.apps "web" not found',
        id="workload-ref-to-a-missing-deployment",
    ),
    pytest.param(
        [
            _set("template", None),
            _set("workloadRef", {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web"}),
        ],
        "spec.workloadRef",
        "workload of type apps/StatefulSet is not supported",
        id="workload-ref-to-an-unsupported-kind",
    ),
    pytest.param(
        [_set("minReadySeconds", 30), _set("progressDeadlineSeconds", 30)],
        "spec.progressDeadlineSeconds",
        "must be greater than minReadySeconds",
        id="deadline-not-above-min-ready",
    ),
    pytest.param(
        [_set("minReadySeconds", 600)],
        "spec.progressDeadlineSeconds",
        "must be greater than minReadySeconds",
        id="default-deadline-not-above-min-ready",
    ),
    pytest.param(
        [_set("replicas", -1)],
        "spec.replicas",
        "must be greater than or equal to 0",
        id="negative-replicas",
    ),
    pytest.param(
        [_set("replicas", "3")],
        "spec.replicas",
        "must be an integer, not '3'",
        id="replicas-string",
    ),
]


@pytest.mark.parametrize(("edits", "field", "message"), INVALID)
def test_an_invalid_spec_names_the_field_in_argos_words(
    edits: list[Edit], field: str, message: str
) -> None:
    with pytest.raises(SpecError) as raised:
        _parse(*edits)
    assert (raised.value.field, raised.value.message) == (field, message)
    assert str(raised.value) == f"{field}: {message}"


def test_defaults_are_argos() -> None:
    ro = _parse()
    canary = ro.canary
    assert canary is not None
    assert (canary.max_surge, canary.max_unavailable) == ("25%", "25%")
    assert ro.spec.revision_history_limit == 10
    assert ro.spec.progress_deadline_seconds == 600
    assert (ro.spec.min_ready_seconds, ro.spec.progress_deadline_abort) == (0, False)
    assert canary.max_weight == 100
    assert (canary.effective_scale_down_delay, canary.effective_abort_scale_down_delay) == (0, 0)


def test_a_missing_replica_count_reads_as_one() -> None:
    ro = _parse(_drop("replicas"))
    assert (ro.spec.replicas, ro.replicas) == (None, 1)


def test_a_bare_number_for_surge_is_a_percentage() -> None:
    ro = _parse(_set("strategy.canary.maxSurge", "30"), _set("strategy.canary.maxUnavailable", 2))
    assert ro.canary is not None
    assert (ro.canary.max_surge, ro.canary.max_unavailable) == ("30%", 2)


def test_traffic_routing_brings_delays_of_30_seconds() -> None:
    canary = _parse(_routed()).canary
    assert canary is not None
    assert canary.max_weight == 100
    assert (canary.effective_scale_down_delay, canary.effective_abort_scale_down_delay) == (30, 30)


def test_max_traffic_weight_raises_the_max_weight() -> None:
    ro = _parse(_routed(), _set("strategy.canary.trafficRouting.maxTrafficWeight", 1000))
    assert ro.canary is not None
    assert ro.canary.max_weight == 1000


def test_explicit_delays_win_and_zero_keeps_the_canary() -> None:
    canary = _parse(_routed(scaleDownDelaySeconds=5, abortScaleDownDelaySeconds=0)).canary
    assert canary is not None
    assert (canary.effective_scale_down_delay, canary.effective_abort_scale_down_delay) == (5, 0)


def test_nginx_routing_reads_its_ingresses_and_prefix() -> None:
    routing = {"nginx": {"stableIngresses": ["a", "b"], "annotationPrefix": "custom.io"}}
    canary = _parse(_routed(trafficRouting=routing)).canary
    assert canary is not None
    assert canary.traffic_routing is not None
    assert canary.traffic_routing.nginx == model.NginxRouting(
        stable_ingresses=("a", "b"), annotation_prefix="custom.io"
    )


def test_steps_parse_to_values_and_keep_their_raw_form() -> None:
    raw = [
        {"setWeight": 20},
        {"pause": {}},
        {"pause": {"duration": "1m"}},
        {"analysis": {"templates": [{"templateName": "t"}]}},
    ]
    canary = _parse(_steps(*raw)).canary
    assert canary is not None
    assert canary.steps == (
        model.SetWeight(20),
        model.Pause(None),
        model.Pause(60.0),
        model.AnalysisStep({"templates": [{"templateName": "t"}]}),
    )
    assert canary.raw_steps == tuple(raw)


def test_no_steps_is_not_an_empty_step_list() -> None:
    assert _parse().canary.raw_steps is None
    assert _parse(_steps()).canary.raw_steps == ()


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        pytest.param({"replicas": 3}, model.SetCanaryScale(replicas=3), id="replicas"),
        pytest.param({"weight": 25}, model.SetCanaryScale(weight=25), id="weight"),
        pytest.param(
            {"matchTrafficWeight": True},
            model.SetCanaryScale(match_traffic_weight=True),
            id="match-traffic-weight",
        ),
    ],
)
def test_set_canary_scale_takes_one_form(scale: dict[str, Any], expected: model.Step) -> None:
    canary = _parse(_routed(), _steps({"setCanaryScale": scale})).canary
    assert canary is not None
    assert canary.steps == (expected,)


def test_blue_green_is_parsed_with_its_defaults() -> None:
    strategy = _parse(_blue_green(activeService="active")).spec.strategy
    assert strategy == model.BlueGreenStrategy(active_service="active")
    assert isinstance(strategy, model.BlueGreenStrategy)
    assert (strategy.effective_scale_down_delay, strategy.effective_abort_scale_down_delay) == (
        30,
        30,
    )
    assert (strategy.auto_promotion_enabled, strategy.needs_controller_pause) == (True, False)


def test_blue_green_reads_its_analyses_and_metadata() -> None:
    strategy = _parse(
        _blue_green(
            activeService="active",
            previewService="preview",
            autoPromotionEnabled=False,
            prePromotionAnalysis={"templates": [{"templateName": "smoke"}]},
            postPromotionAnalysis={"templates": [{"templateName": "soak", "clusterScope": True}]},
            activeMetadata={"labels": {"role": "active"}},
            previewMetadata={"labels": {"role": "preview"}},
        )
    ).spec.strategy
    assert isinstance(strategy, model.BlueGreenStrategy)
    assert strategy.pre_promotion_analysis is not None
    assert strategy.post_promotion_analysis is not None
    assert strategy.pre_promotion_analysis.templates == (model.TemplateRef("smoke"),)
    assert strategy.post_promotion_analysis.templates == (model.TemplateRef("soak", True),)
    assert strategy.active_metadata == model.PodMetadata(labels={"role": "active"})
    assert strategy.preview_metadata == model.PodMetadata(labels={"role": "preview"})
    assert strategy.needs_controller_pause


def test_metadata_is_read_with_defaults() -> None:
    body = b.manifest("v1")
    body["metadata"] = {"name": "web", "deletionTimestamp": "2024-01-01T00:00:00Z"}
    ro = model.parse_rollout(body)
    assert (ro.namespace, ro.generation, ro.deleting) == ("default", 1, True)


# --------------------------------------------------------------------- pause durations


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [
        pytest.param(30, 30.0, id="int-seconds"),
        pytest.param("30", 30.0, id="bare-string-seconds"),
        pytest.param("1m30s", 90.0, id="go-minutes-seconds"),
        pytest.param("500ms", 0.5, id="go-milliseconds"),
        pytest.param("1h", 3600.0, id="go-hours"),
        pytest.param("1.5h", 5400.0, id="go-fraction"),
        pytest.param(0, 0.0, id="zero"),
        pytest.param(None, None, id="absent-waits-for-promote"),
    ],
)
def test_pause_duration_reads_ints_and_go_durations(
    duration: object, seconds: float | None
) -> None:
    step = model.parse_step({"pause": {"duration": duration}}, "s", max_weight=100)
    assert step == model.Pause(seconds)


@pytest.mark.parametrize(
    "duration",
    ["soon", "1x", "-5s", "1m30", "", "²", True, [1], "5 s"],
    ids=[
        "word",
        "unknown-unit",
        "negative",
        "trailing-number",
        "empty",
        "non-ascii-digit",
        "bool",
        "list",
        "space",
    ],
)
def test_an_unreadable_pause_duration_is_invalid(duration: object) -> None:
    with pytest.raises(SpecError, match="Duration needs to be greater than 0") as raised:
        model.parse_step({"pause": {"duration": duration}}, "steps[2]", max_weight=100)
    assert raised.value.field == "steps[2].pause.duration"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(10, "10s", id="seconds"),
        pytest.param(90, "1m30s", id="minutes-and-seconds"),
        pytest.param(3600, "1h", id="hours"),
        pytest.param(3661, "1h1m1s", id="all-units"),
        pytest.param(0, "0s", id="zero"),
    ],
)
def test_durations_print_in_argos_short_form(seconds: float, text: str) -> None:
    assert model.format_duration(seconds) == text


# ------------------------------------------------------------------------- status


def test_status_reads_back_what_the_controller_wrote() -> None:
    raw = {
        "currentPodHash": "abc",
        "stableRS": "def",
        "currentStepHash": "123",
        "currentStepIndex": 2,
        "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2024-01-01T12:00:00Z"}],
        "controllerPause": True,
        "abort": True,
        "abortedAt": "2024-01-01T12:00:00Z",
        "promoteFull": True,
        "observedGeneration": "4",
        "collisionCount": 1,
        "canary": {"weights": {"canary": {"weight": 20}}},
        "conditions": [{"type": "Progressing", "status": "True", "reason": "r", "message": "m"}],
    }
    status = model.parse_status(raw)
    assert status.pause_conditions == (model.PauseCondition("CanaryPauseStep", b.T0),)
    assert (status.current_step_index, status.collision_count, status.canary_weight) == (2, 1, 20)
    assert (status.controller_pause, status.abort, status.promote_full) == (True, True, True)
    assert status.conditions == (model.Condition("Progressing", "True", "r", "m"),)
    assert status.raw == raw


GARBAGE = [
    pytest.param(None, id="none"),
    pytest.param("status", id="string"),
    pytest.param([1, 2], id="list"),
    pytest.param({"canary": "x"}, id="canary-string"),
    pytest.param({"canary": {"weights": []}}, id="weights-list"),
    pytest.param({"canary": {"weights": {"canary": 7}}}, id="canary-weight-int"),
    pytest.param({"pauseConditions": 5}, id="pause-conditions-int"),
    pytest.param({"pauseConditions": "abc"}, id="pause-conditions-string"),
    pytest.param({"pauseConditions": [{"startTime": "yesterday"}]}, id="start-time-unreadable"),
    pytest.param({"conditions": 3}, id="conditions-int"),
    pytest.param({"conditions": [None, "x"]}, id="conditions-not-objects"),
    pytest.param({"collisionCount": "x"}, id="collision-count-string"),
    pytest.param({"collisionCount": -1}, id="collision-count-negative"),
    pytest.param({"currentStepIndex": True}, id="step-index-bool"),
    pytest.param({"currentStepIndex": -1}, id="step-index-negative"),
    pytest.param({"abort": "false", "promoteFull": "yes"}, id="flags-as-strings"),
]


@pytest.mark.parametrize("raw", GARBAGE)
def test_a_garbage_status_reads_as_absent(raw: Any) -> None:
    status = model.parse_status(raw)
    assert (status.current_step_index, status.collision_count, status.canary_weight) == (
        None,
        None,
        None,
    )
    assert (status.abort, status.promote_full) == (False, False)


def test_a_pause_start_without_zone_reads_as_utc() -> None:
    status = model.parse_status(
        {"pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2024-01-01T12:00:00"}]}
    )
    assert status.pause_conditions[0].start_time == b.T0


def test_an_unreadable_pause_start_reads_as_the_epoch() -> None:
    status = model.parse_status({"pauseConditions": [{"startTime": 5}]})
    assert status.pause_conditions[0].start_time == datetime.datetime(
        1970, 1, 1, tzinfo=datetime.UTC
    )


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
STATUS_KEYS = st.sampled_from(
    [
        "currentPodHash",
        "stableRS",
        "currentStepIndex",
        "pauseConditions",
        "controllerPause",
        "abort",
        "abortedAt",
        "promoteFull",
        "collisionCount",
        "canary",
        "conditions",
        "restartedAt",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(STATUS_KEYS, JSON_VALUES, max_size=6) | JSON_VALUES)
def test_status_parsing_never_raises(raw: Any) -> None:
    status = model.parse_status(raw)
    assert all(pc.start_time.tzinfo is not None for pc in status.pause_conditions)


def test_traffic_routing_without_a_router_is_invalid() -> None:
    with pytest.raises(SpecError) as failure:
        _parse(_routed(trafficRouting={}))
    assert failure.value.field == f"{CANARY}.trafficRouting"
    assert "needs a traffic router" in failure.value.message


def _deployment(generation: int = 3, replicas: int = 4) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "generation": generation},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": b.template("v7"),
        },
    }


def test_a_workload_ref_takes_its_template_and_selector_from_the_deployment() -> None:
    body = b.manifest("v1")
    body["spec"].pop("template")
    body["spec"].pop("selector")
    body["spec"]["workloadRef"] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "scaleDown": "progressively",
    }
    ro = model.parse_rollout(body, workload=_deployment())
    assert ro.spec.template == b.template("v7")
    assert ro.spec.selector == {"matchLabels": {"app": "web"}}
    assert ro.spec.workload_ref == model.WorkloadRef(
        "web", scale_down=model.ScaleDown.PROGRESSIVELY
    )
    assert ro.workload == model.Workload(generation=3, replicas=4)
    assert ro.raw["spec"]["template"] == b.template("v7")


def test_a_workload_ref_keeps_the_rollouts_own_selector_which_must_match() -> None:
    body = b.manifest("v1")
    body["spec"].pop("template")
    body["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    body["spec"]["workloadRef"] = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    with pytest.raises(SpecError) as found:
        model.parse_rollout(body, workload=_deployment())
    assert str(found.value) == (
        "spec.template.metadata.labels: `selector` does not match template `labels`"
    )
