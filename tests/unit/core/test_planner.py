"""plan_rollout scenarios over hand-built observations: one pass, or passes until quiet
(argo-rollouts-spec.md §1.5, §2.1-2.10). Time is injected; every test is a pure call."""

from __future__ import annotations

import dataclasses
import datetime
import json
from typing import Any

import pytest

from rollouts import errors, model
from rollouts.core import actions, planner, status
from rollouts.core.observed import (
    EPHEMERAL_METADATA,
    HASH_LABEL,
    Observed,
    ReplicaSetState,
    RunState,
)
from rollouts.model import conditions as c
from tests.unit.core import builders as b

STEPS = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {"duration": 10}}]
H1, H2, H3 = b.pod_hash("v1"), b.pod_hash("v2"), b.pod_hash("v3")
STABLE, CANARY = b.rs_name("v1"), b.rs_name("v2")


def _plan(ro: model.Rollout, world: Observed, now: datetime.datetime = b.T0) -> actions.Plan:
    return planner.plan_rollout(ro, world, now)


def _scale(name: str, replicas: int, previous: int, revision: int) -> actions.ScaleReplicaSet:
    return actions.ScaleReplicaSet(name, replicas, previous, revision, desired_replicas=5)


def _condition(plan: actions.Plan, kind: str) -> tuple[str, str, str]:
    found = next(x for x in plan.status["conditions"] if x["type"] == kind)
    return found["status"], found["reason"], found["message"]


def _events(plan: actions.Plan) -> list[tuple[str, str]]:
    return [(e.reason, e.message) for e in plan.events]


def _phase(plan: actions.Plan) -> tuple[str, str]:
    return plan.status["phase"], plan.status["message"]


def _sizes(world: Observed) -> dict[str, int]:
    return {rs.name: rs.spec_replicas for rs in world.replica_sets}


def _update(*, routed: bool = False, **options: Any) -> model.Rollout:
    """v2 over a promoted v1: the status as the v1 rollout left it."""
    status = {
        "stableRS": H1,
        "currentPodHash": H1,
        "currentStepHash": b.step_hash(STEPS),
        "currentStepIndex": len(STEPS),
    }
    return b.rollout("v2", steps=STEPS, status=status, routed=routed, **options)


def _at(index: int, *, routed: bool = False, **options: Any) -> model.Rollout:
    """v2 rolling out over v1, at step `index`."""
    return b.rollout("v2", stable="v1", index=index, steps=STEPS, routed=routed, **options)


# ----------------------------------------------------------------- deploy and update


def test_an_initial_deploy_creates_the_full_replica_set_at_revision_one() -> None:
    plan = _plan(b.rollout("v1", steps=STEPS), b.observed())
    (create,) = plan.actions
    assert isinstance(create, actions.CreateReplicaSet)
    meta, spec = create.body["metadata"], create.body["spec"]
    assert (meta["name"], spec["replicas"]) == (f"{b.NAME}-{H1}", 5)
    assert meta["annotations"] == {
        "rollout.argoproj.io/revision": "1",
        "rollout.argoproj.io/desired-replicas": "5",
    }
    assert meta["labels"]["rollouts-pod-template-hash"] == H1
    assert spec["selector"]["matchLabels"] == {"app": b.NAME, "rollouts-pod-template-hash": H1}
    assert meta["ownerReferences"][0]["kind"] == "Rollout"
    assert [(e.reason, e.message) for e in create.events] == [
        (c.EVENT_NEW_RS, f"Created ReplicaSet {b.rs_name('v1')} (revision 1)")
    ]
    assert (plan.status["stableRS"], plan.status["currentStepIndex"]) == (H1, 4)
    assert _condition(plan, c.ConditionType.PROGRESSING) == (
        "True",
        c.NEW_RS_CREATED,
        f'Created new replica set "{b.rs_name("v1")}"',
    )


def test_an_initial_deploy_ends_healthy_once_available() -> None:
    _, world, plan = b.settle(b.rollout("v1", steps=STEPS), b.observed())
    assert _sizes(world) == {STABLE: 5}
    assert _phase(plan) == ("Healthy", "")
    assert plan.requeue_after is None
    assert _condition(plan, c.ConditionType.PROGRESSING) == (
        "True",
        c.NEW_RS_AVAILABLE,
        f'ReplicaSet "{STABLE}" has successfully progressed.',
    )
    assert _condition(plan, c.ConditionType.HEALTHY) == ("True", c.HEALTHY, "Rollout is healthy")


def test_an_update_creates_the_canary_at_its_first_step_size_with_the_next_revision() -> None:
    plan = _plan(_update(), b.observed(b.rs("v1", 5)))
    create = plan.actions[0]
    assert isinstance(create, actions.CreateReplicaSet)
    # setWeight 20 of 5: one pod, in the create itself rather than a create at 0 and a scale
    assert create.body["spec"]["replicas"] == 1
    assert create.body["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "2"
    assert [(e.reason, e.message) for e in create.events] == [
        (c.EVENT_NEW_RS, f"Created ReplicaSet {CANARY} (revision 2)"),
        (c.EVENT_NOT_COMPLETED, f"Rollout not completed, started update to revision 2 ({H2})"),
        (c.EVENT_SCALING, f"Scaled up ReplicaSet {CANARY} (revision 2) from 0 to 1"),
    ]
    assert not any(
        isinstance(a, actions.ScaleReplicaSet) and a.name == CANARY for a in plan.actions
    )
    assert (plan.status["stableRS"], plan.status["currentPodHash"]) == (H1, H2)
    assert plan.status["currentStepIndex"] == 0
    assert _phase(plan) == ("Progressing", "more replicas need to be updated")


# --------------------------------------------------------------------- basic canary


def test_basic_set_weight_20_of_5_moves_to_one_canary_and_four_stable() -> None:
    plan = _plan(_at(0), b.observed(b.rs("v1", 5), b.rs("v2", 0, revision=2)))
    assert plan.actions == (_scale(STABLE, 4, 5, 1), _scale(CANARY, 1, 0, 2))
    assert plan.status["currentStepIndex"] == 0  # never completes in a pass that scaled


def test_basic_scaling_keeps_within_the_fence_posts() -> None:
    # setWeight 50 of 5 aims at (3, 3); surge 2 allows 7 pods, unavailable 1 keeps 4 available
    world = b.observed(b.rs("v1", 5), b.rs("v2", 1, available=0, revision=2))
    plan = _plan(_at(2), world)
    assert plan.actions == (_scale(STABLE, 4, 5, 1), _scale(CANARY, 2, 1, 2))
    sizes = {**_sizes(world), **{a.name: a.replicas for a in plan.actions}}
    assert sum(sizes.values()) <= 5 + 2
    # pods are not ready the moment a set grows: count what was available, capped by the size
    assert sum(min(sizes[rs.name], rs.available) for rs in world.replica_sets) >= 5 - 1


def test_basic_set_weight_step_completes_once_the_split_is_available() -> None:
    plan = _plan(_at(0), b.observed(b.rs("v1", 4), b.rs("v2", 1, revision=2)))
    assert plan.actions == ()
    assert plan.status["currentStepIndex"] == 1
    # the pause that follows starts in the same pass: one status write for both
    assert _events(plan) == [
        (c.EVENT_STEP_COMPLETED, "Rollout step 1/4 completed (setWeight: 20)"),
        (c.EVENT_PAUSED, "Rollout is paused (CanaryPauseStep)"),
    ]
    assert _phase(plan) == ("Paused", c.PAUSE_CANARY_STEP)


def test_a_completed_step_followed_by_a_set_weight_waits_for_the_next_pass() -> None:
    steps = [{"setWeight": 20}, {"setWeight": 40}]
    ro = b.rollout("v2", stable="v1", index=0, steps=steps)
    plan = _plan(ro, b.observed(b.rs("v1", 4), b.rs("v2", 1, revision=2)))
    assert (plan.actions, plan.status["currentStepIndex"]) == ((), 1)
    assert plan.requeue_after == 0


def test_basic_set_weight_step_waits_for_canary_pods() -> None:
    plan = _plan(_at(0), b.observed(b.rs("v1", 4), b.rs("v2", 1, available=0, revision=2)))
    assert (plan.actions, plan.status["currentStepIndex"]) == ((), 0)


# -------------------------------------------------------------------------- pauses


def test_a_pause_step_adds_a_canary_pause_condition() -> None:
    plan = _plan(_at(1), b.observed(b.rs("v1", 4), b.rs("v2", 1, revision=2)))
    assert plan.actions == ()
    assert plan.status["pauseConditions"] == [
        {"reason": c.PAUSE_CANARY_STEP, "startTime": b.stamp(b.T0)}
    ]
    assert plan.status["controllerPause"] is True
    assert _events(plan) == [(c.EVENT_PAUSED, "Rollout is paused (CanaryPauseStep)")]
    assert _phase(plan) == ("Paused", c.PAUSE_CANARY_STEP)
    assert _condition(plan, c.ConditionType.PAUSED) == ("True", c.PAUSED, "Rollout is paused")
    assert plan.requeue_after is None


def test_a_timed_pause_step_requeues_at_its_end() -> None:
    plan = _plan(_at(3), b.observed(b.rs("v1", 3), b.rs("v2", 3, revision=2)))
    assert plan.status["pauseConditions"][0]["reason"] == c.PAUSE_CANARY_STEP
    assert plan.requeue_after == 10


PAUSED_AT_T0 = {
    "pauseConditions": [{"reason": c.PAUSE_CANARY_STEP, "startTime": b.stamp(b.T0)}],
    "controllerPause": True,
}


def test_a_held_pause_writes_nothing_new() -> None:
    ro = _at(1, status=PAUSED_AT_T0)
    world = b.observed(b.rs("v1", 4), b.rs("v2", 1, revision=2))
    after, _ = b.apply(_plan(ro, world), ro, world)
    plan = _plan(after, world, b.later(3600))
    assert (plan.actions, plan.events, plan.status["currentStepIndex"]) == ((), (), 1)


def test_promote_clears_the_pause_and_completes_the_step() -> None:
    ro = _at(1, status={"controllerPause": True})  # a user removed pauseConditions
    plan = _plan(ro, b.observed(b.rs("v1", 4), b.rs("v2", 1, revision=2)))
    assert plan.status["currentStepIndex"] == 2
    assert (plan.status["pauseConditions"], plan.status["controllerPause"]) == (None, None)
    assert _events(plan) == [
        (c.EVENT_RESUMED, "Rollout is resumed"),
        (c.EVENT_STEP_COMPLETED, "Rollout step 2/4 completed (pause)"),
    ]


def test_a_canary_pause_marks_progressing_unknown_paused() -> None:
    plan = _plan(_at(1), b.observed(b.rs("v1", 4), b.rs("v2", 1, revision=2)))
    assert _condition(plan, c.ConditionType.PROGRESSING) == (
        "Unknown",
        c.PAUSED,
        "Rollout is paused",
    )


def test_promote_marks_progressing_unknown_resumed() -> None:
    ro = _at(1, status={"controllerPause": True})
    plan = _plan(ro, b.observed(b.rs("v1", 4), b.rs("v2", 1, revision=2)))
    assert _condition(plan, c.ConditionType.PROGRESSING) == (
        "Unknown",
        c.RESUMED,
        "Rollout is resumed",
    )


@pytest.mark.parametrize(
    ("seconds", "index", "requeue"),
    [
        pytest.param(5, 3, 5.0, id="before-the-end-waits"),
        pytest.param(10, 3, 0.001, id="at-the-end-waits-a-moment"),  # Argo: strictly after
        pytest.param(11, 4, 0.0, id="after-the-end-completes"),
    ],
)
def test_a_timed_pause_completes_after_its_duration(
    seconds: float, index: int, requeue: float
) -> None:
    ro = _at(3, status=PAUSED_AT_T0)
    plan = _plan(ro, b.observed(b.rs("v1", 3), b.rs("v2", 3, revision=2)), b.later(seconds))
    assert (plan.status["currentStepIndex"], plan.requeue_after) == (index, requeue)


def test_completing_the_last_step_promotes_once_the_canary_is_full() -> None:
    ro, world, plan = b.settle(_at(4), b.observed(b.rs("v1", 3), b.rs("v2", 3, revision=2)))
    assert _sizes(world) == {STABLE: 0, CANARY: 5}
    assert ro.status.stable_rs == H2
    assert _phase(plan) == ("Healthy", "")


# ----------------------------------------------------------------- promote full, abort


def test_promote_full_jumps_to_full_size_and_promotes() -> None:
    ro = _at(1, status={**PAUSED_AT_T0, "promoteFull": True})
    world = b.observed(b.rs("v1", 4), b.rs("v2", 1, revision=2))
    first = _plan(ro, world)
    assert first.actions == (_scale(STABLE, 3, 4, 1), _scale(CANARY, 3, 1, 2))
    seen: list[tuple[str, str]] = []
    for _ in range(10):
        plan = _plan(ro, world)
        seen += _events(plan)
        ro, world = b.apply(plan, ro, world)
    assert (
        c.EVENT_COMPLETED,
        f"Rollout completed update to revision 2 ({H2}): Full promotion requested",
    ) in seen
    assert _sizes(world) == {STABLE: 0, CANARY: 5}
    assert (ro.status.stable_rs, ro.status.promote_full, ro.status.current_step_index) == (
        H2,
        False,
        4,
    )
    assert ro.status.pause_conditions == ()


def test_an_abort_scales_a_basic_canary_back_to_stable() -> None:
    plan = _plan(
        _at(2, status={"abort": True}), b.observed(b.rs("v1", 4), b.rs("v2", 1, revision=2))
    )
    assert set(plan.actions) == {_scale(STABLE, 5, 4, 1), _scale(CANARY, 0, 1, 2)}
    assert (plan.status["abortedAt"], plan.status["currentStepIndex"]) == (b.stamp(b.T0), 0)
    message = "Rollout aborted update to revision 2"
    assert _condition(plan, c.ConditionType.PROGRESSING) == ("False", c.ABORTED, message)
    assert _phase(plan) == ("Degraded", f"{c.ABORTED}: {message}")
    assert _events(plan) == [(c.EVENT_ABORTED, message)]
    assert plan.events[0].type == "Warning"


def test_an_aborted_rollout_stays_degraded_at_stable_size() -> None:
    ro, world, plan = b.settle(
        _at(2, status={"abort": True}), b.observed(b.rs("v1", 4), b.rs("v2", 1, revision=2))
    )
    assert _sizes(world) == {STABLE: 5, CANARY: 0}
    assert _phase(plan)[0] == "Degraded"
    assert ro.status.aborted_at == b.stamp(b.T0)


def test_a_retry_restarts_the_steps() -> None:
    ro = _at(0, status={"abortedAt": b.stamp(b.T0)})
    plan = _plan(ro, b.observed(b.rs("v1", 5), b.rs("v2", 0, revision=2)), b.later(60))
    assert (plan.status["abortedAt"], plan.status["currentStepIndex"]) == (None, 0)
    assert _condition(plan, c.ConditionType.PROGRESSING) == (
        "Unknown",
        c.RETRY,
        "Retrying Rollout after abort",
    )
    assert plan.actions == (_scale(STABLE, 4, 5, 1), _scale(CANARY, 1, 0, 2))


# ---------------------------------------------------------------------- nginx canary


def _nginx(
    canary: int,
    *,
    available: int | None = None,
    stable_available: int | None = None,
    weight: int | None = 0,
    canary_service: str | None = "v2",
) -> Observed:
    return b.observed(
        b.rs("v1", 5, available=stable_available),
        b.rs("v2", canary, available=available, revision=2),
        services=b.services("v1", canary_service),
        canary_weight=weight,
    )


def _weights(plan: actions.Plan) -> list[int]:
    return [a.weight for a in plan.actions if isinstance(a, actions.SetCanaryWeight)]


@pytest.mark.parametrize(
    ("ro", "world", "weights"),
    [
        pytest.param(
            _at(0, routed=True), _nginx(1, available=0), [], id="no-canary-pods-no-weight"
        ),
        pytest.param(_at(0, routed=True), _nginx(1), [20], id="canary-available-gets-weight"),
        pytest.param(
            _at(2, routed=True), _nginx(1, weight=20), [], id="canary-scaling-keeps-previous-weight"
        ),
        pytest.param(
            _at(2, routed=True),
            _nginx(3, available=2, weight=20),
            [],
            id="canary-partly-available-keeps-previous-weight",
        ),
        pytest.param(_at(2, routed=True), _nginx(3, weight=20), [50], id="canary-at-size-raises"),
        pytest.param(
            _at(2, routed=True),
            _nginx(3, stable_available=1, weight=20),
            [],
            id="stable-short-of-pods-holds-weight",
        ),
        pytest.param(
            _at(2, routed=True, status={"abort": True}),
            _nginx(3, weight=50),
            [0],
            id="abort-sends-traffic-back",
        ),
        pytest.param(
            b.rollout("v2", stable="v2", index=4, steps=STEPS, routed=True),
            _nginx(5, weight=100, canary_service="v2"),
            [0],
            id="promoted-is-zero",
        ),
        pytest.param(
            _at(2, routed=True, status={"promoteFull": True}),
            _nginx(3, weight=50),
            [],
            id="promote-full-keeps-the-weight",
        ),
        pytest.param(
            _at(4, routed=True), _nginx(3, weight=20), [50], id="last-step-waits-for-full-canary"
        ),
    ],
)
def test_the_nginx_weight_follows_the_canary_pods(
    ro: model.Rollout, world: Observed, weights: list[int]
) -> None:
    plan = _plan(ro, world)
    assert _weights(plan) == weights
    recorded = plan.status["canary"]["weights"]
    expected = weights[0] if weights else world.canary_weight
    assert (recorded["canary"]["weight"], recorded["stable"]["weight"]) == (
        expected,
        100 - (expected or 0),
    )


def test_nginx_canary_keeps_stable_full_and_sizes_the_canary_by_ceiling() -> None:
    plan = _plan(_at(0, routed=True), _nginx(0, available=0))
    assert plan.actions == (_scale(CANARY, 1, 0, 2),)


def test_the_first_weight_waits_for_a_serving_stable_set() -> None:
    world = b.observed(
        b.rs("v1", 5, available=0), b.rs("v2", 1, revision=2), services=b.services("v1", "v2")
    )
    assert _weights(_plan(_at(0, routed=True), world)) == []


def _switches(plan: actions.Plan) -> dict[str, str]:
    return {a.name: a.pod_hash for a in plan.actions if isinstance(a, actions.SwitchService)}


def test_services_point_stable_to_stable_and_canary_to_the_new_pods() -> None:
    world = b.observed(
        b.rs("v1", 5),
        b.rs("v2", 1, revision=2),
        services=b.services(None, None),
        canary_weight=0,
    )
    assert _switches(_plan(_at(0, routed=True), world)) == {
        b.STABLE_SERVICE: H1,
        b.CANARY_SERVICE: H2,
    }


def test_the_canary_service_waits_for_an_available_canary_pod() -> None:
    world = _nginx(1, available=0, canary_service="v1")
    assert _switches(_plan(_at(0, routed=True), world)) == {}


def test_adopting_a_service_needs_a_fully_available_replica_set() -> None:
    world = b.observed(
        b.rs("v1", 5),
        b.rs("v2", 2, available=1, revision=2),
        services={
            b.STABLE_SERVICE: b.service(b.STABLE_SERVICE, "v1"),
            b.CANARY_SERVICE: b.service(b.CANARY_SERVICE, None, managed=False),
        },
    )
    assert _switches(_plan(_at(0, routed=True), world)) == {}


def test_an_abort_points_the_canary_service_back_to_stable() -> None:
    ro = _at(2, routed=True, status={"abort": True})
    plan = _plan(ro, _nginx(3, weight=50))
    assert _switches(plan) == {b.CANARY_SERVICE: H1}
    assert plan.status["canary"]["weights"]["canary"]["weight"] == 0


def test_a_routed_abort_waits_then_scales_the_canary_down() -> None:
    ro = _at(2, routed=True, status={"abort": True, "abortedAt": b.stamp(b.T0)})
    world = _nginx(3, weight=0, canary_service="v1")
    plan = _plan(ro, world)
    assert plan.actions == (actions.SetScaleDownDeadline(CANARY, b.later(30)),)
    ro, world = b.apply(plan, ro, world)
    assert _plan(ro, world, b.later(10)).actions == ()
    assert _plan(ro, world, b.later(31)).actions == (_scale(CANARY, 0, 3, 2),)


def test_a_retry_removes_the_abort_deadline_from_the_canary() -> None:
    ro = _at(0, routed=True, status={"abortedAt": b.stamp(b.T0)})
    world = b.observed(
        b.rs("v1", 5),
        b.rs("v2", 0, revision=2, deadline=b.T0),
        services=b.services("v1", "v1"),
        canary_weight=0,
    )
    plan = _plan(ro, world, b.later(60))
    assert actions.SetScaleDownDeadline(CANARY, None) in plan.actions


# ------------------------------------------------------ after promotion, old sets


def _promoted_nginx(*, deadline: datetime.datetime | None = None) -> tuple[model.Rollout, Observed]:
    ro = b.rollout("v2", stable="v2", index=4, steps=STEPS, routed=True)
    world = b.observed(
        b.rs("v1", 5, deadline=deadline),
        b.rs("v2", 5, revision=2),
        services=b.services("v2", "v2"),
        canary_weight=0,
    )
    return ro, world


def test_promotion_with_routing_gives_the_old_stable_a_30_second_deadline() -> None:
    plan = _plan(*_promoted_nginx())
    assert plan.actions == (actions.SetScaleDownDeadline(STABLE, b.later(30)),)
    assert plan.requeue_after == 30
    assert _phase(plan) == ("Healthy", "")


@pytest.mark.parametrize(
    ("seconds", "scaled", "requeue"),
    [
        pytest.param(10, (), 20.0, id="before-the-deadline-waits"),
        pytest.param(30, (_scale(STABLE, 0, 5, 1),), None, id="at-the-deadline-scales-down"),
        pytest.param(45, (_scale(STABLE, 0, 5, 1),), None, id="past-the-deadline-scales-down"),
    ],
)
def test_the_old_stable_is_scaled_to_zero_once_its_deadline_passes(
    seconds: float, scaled: tuple[actions.Action, ...], requeue: float | None
) -> None:
    plan = _plan(*_promoted_nginx(deadline=b.later(30)), b.later(seconds))
    assert (plan.actions, plan.requeue_after) == (scaled, requeue)


def test_a_scaled_down_set_loses_its_deadline() -> None:
    ro, world = _promoted_nginx()
    world = b.observed(
        b.rs("v1", 0, deadline=b.later(30)),
        b.rs("v2", 5, revision=2),
        services=b.services("v2", "v2"),
        canary_weight=0,
    )
    assert _plan(ro, world, b.later(60)).actions == (actions.SetScaleDownDeadline(STABLE, None),)


def test_a_promotion_walks_through_to_healthy_with_the_old_set_delayed() -> None:
    ro, world, plan = b.settle(
        _at(3, routed=True, status=PAUSED_AT_T0), _nginx(3, weight=50), b.later(11)
    )
    assert ro.status.stable_rs == H2
    assert world.canary_weight == 0
    assert {
        name: s.selector["rollouts-pod-template-hash"] for name, s in world.services.items() if s
    } == {
        b.STABLE_SERVICE: H2,
        b.CANARY_SERVICE: H2,
    }
    old = world.replica_set(H1)
    assert old is not None
    assert (old.spec_replicas, old.scale_down_deadline) == (5, b.later(41))
    assert _phase(plan) == ("Healthy", "")


def test_the_end_of_a_routed_canary_sends_all_traffic_before_the_stable_service_moves() -> None:
    ro, world = _at(3, routed=True, status=PAUSED_AT_T0), _nginx(3, weight=50)
    moves: list[str] = []
    for _ in range(20):
        plan = _plan(ro, world, b.later(11))
        for a in plan.actions:
            if isinstance(a, actions.SetCanaryWeight):
                moves.append(f"weight {a.weight}")
            if isinstance(a, actions.SwitchService) and a.name == b.STABLE_SERVICE:
                moves.append("stable service")
        ro, world = b.apply(plan, ro, world)
    assert moves == ["weight 100", "stable service", "weight 0"]
    assert ro.status.stable_rs == H2


def test_the_promotion_waits_for_the_router_to_carry_all_traffic() -> None:
    ro = _at(4, routed=True)
    plan = _plan(ro, _nginx(5, weight=50))
    assert _weights(plan) == [100]
    assert (plan.status["stableRS"], _switches(plan)) == (H1, {})
    plan = _plan(ro, _nginx(5, weight=100))
    assert (plan.status["stableRS"], _switches(plan)) == (H2, {b.STABLE_SERVICE: H2})
    assert _weights(plan) == [0]


def test_an_update_sets_the_rollouts_revision_annotation() -> None:
    plan = _plan(_update(), b.observed(b.rs("v1", 5)))
    assert plan.annotations == {"rollout.argoproj.io/revision": "2"}
    ro = dataclasses.replace(_at(0), annotations={"rollout.argoproj.io/revision": "2"})
    assert _plan(ro, b.observed(b.rs("v1", 4), b.rs("v2", 1, revision=2))).annotations == {}


def test_a_set_that_becomes_current_again_is_raised_to_the_newest_revision() -> None:
    # v1 stable at revision 1, v2 aborted at revision 2: the template goes back to v1
    status = {"stableRS": H1, "currentPodHash": H2, "currentStepHash": b.step_hash(STEPS)}
    ro = b.rollout("v1", steps=STEPS, status={**status, "currentStepIndex": 0})
    ro = dataclasses.replace(ro, annotations={"rollout.argoproj.io/revision": "2"})
    world = b.observed(b.rs("v1", 5), b.rs("v2", 1, revision=2))
    plan = _plan(ro, world)
    assert plan.actions[0] == actions.SetReplicaSetRevision(STABLE, 3, "1")
    assert plan.annotations == {"rollout.argoproj.io/revision": "3"}
    assert ("SkipSteps", "Rollback to stable ReplicaSets") in _events(plan)


def test_a_raised_set_keeps_every_revision_it_had() -> None:
    ro = b.rollout("v1", stable="v1", index=len(STEPS), steps=STEPS)
    old = dataclasses.replace(b.rs("v1", 5, revision=3), revision_history="1")
    plan = _plan(ro, b.observed(old, b.rs("v2", 0, revision=4)))
    assert plan.actions[0] == actions.SetReplicaSetRevision(STABLE, 5, "1,3")


def test_an_intermediate_set_a_service_still_selects_is_kept() -> None:
    # v2 was the canary; the user applied v3, whose pods are not up yet
    ro = b.rollout("v3", stable="v1", index=0, steps=STEPS, routed=True)
    world = b.observed(
        b.rs("v1", 5),
        b.rs("v2", 1, revision=2),
        b.rs("v3", 1, available=0, revision=3),
        services=b.services("v1", "v2"),
        canary_weight=0,
    )
    assert _plan(ro, world).actions == ()


def test_an_intermediate_set_no_service_selects_goes_straight_to_zero() -> None:
    ro = b.rollout("v3", stable="v1", index=0, steps=STEPS, routed=True)
    world = b.observed(
        b.rs("v1", 5),
        b.rs("v2", 1, revision=2),
        b.rs("v3", 1, available=0, revision=3),
        services=b.services("v1", "v3"),
        canary_weight=0,
    )
    assert _plan(ro, world).actions == (_scale(b.rs_name("v2"), 0, 1, 2),)


def test_a_basic_canary_promotion_scales_the_old_stable_down_in_the_same_pass() -> None:
    # one replica, [setWeight 50, pause {}], promoted: the pass that completes the pause and
    # records v2 as stable also scales v1 down (the sizes it first planned were for weight 50)
    steps = [{"setWeight": 50}, {"pause": {}}]
    ro = b.rollout("v2", stable="v1", index=1, steps=steps, replicas=1,
                   status={"controllerPause": True})  # fmt: skip
    plan = _plan(ro, b.observed(b.rs("v1", 1), b.rs("v2", 1, revision=2)))
    assert (plan.status["stableRS"], plan.status["currentStepIndex"]) == (H2, 2)
    assert plan.actions == (actions.ScaleReplicaSet(STABLE, 0, 1, 1, desired_replicas=1),)


def test_a_basic_canary_drains_an_old_stable_left_after_promotion() -> None:
    ro = b.rollout("v2", stable="v2", index=4, steps=STEPS)
    plan = _plan(ro, b.observed(b.rs("v1", 2), b.rs("v2", 5, revision=2)))
    assert plan.actions == (_scale(STABLE, 0, 2, 1),)


# ---------------------------------------------------------------- history, pauses, deadline


def test_revision_history_limit_deletes_the_oldest_idle_sets() -> None:
    olds = [b.rs(f"old{i}", 0, revision=i) for i in range(1, 5)]
    ro = b.rollout("v9", stable="v9", index=4, steps=STEPS, spec={"revisionHistoryLimit": 2})
    plan = _plan(ro, b.observed(*olds, b.rs("v9", 5, revision=9)))
    assert plan.actions == (
        actions.DeleteReplicaSet(b.rs_name("old1")),
        actions.DeleteReplicaSet(b.rs_name("old2")),
    )


def test_revision_history_keeps_sets_that_still_have_pods() -> None:
    olds = [b.rs("old1", 0, revision=1), b.rs("old2", 0, replicas=1, revision=2)]
    ro = b.rollout("v9", stable="v9", index=4, steps=STEPS, spec={"revisionHistoryLimit": 0})
    plan = _plan(ro, b.observed(*olds, b.rs("v9", 5, revision=9)))
    assert plan.actions == (actions.DeleteReplicaSet(b.rs_name("old1")),)


@pytest.mark.parametrize(
    ("ro", "world"),
    [
        pytest.param(
            _at(0, spec={"paused": True}),
            b.observed(b.rs("v1", 5), b.rs("v2", 0, revision=2)),
            id="mid-update",
        ),
        pytest.param(
            _at(2, spec={"paused": True}, status={"abort": True}),
            b.observed(b.rs("v1", 3), b.rs("v2", 3, revision=2)),
            id="aborted",
        ),
        pytest.param(
            b.rollout("v1", stable="v1", steps=STEPS, index=4, replicas=8, spec={"paused": True}),
            b.observed(b.rs("v1", 5)),
            id="promoted-with-new-replica-count",
        ),
    ],
)
def test_a_user_paused_rollout_scales_nothing(ro: model.Rollout, world: Observed) -> None:
    plan = _plan(ro, world)
    assert not [a for a in plan.actions if isinstance(a, actions.ScaleReplicaSet)]
    if not ro.status.abort:
        assert _phase(plan) == ("Paused", "manually paused")
        assert _condition(plan, c.ConditionType.PROGRESSING) == (
            "Unknown",
            c.PAUSED,
            "Rollout is paused",
        )


def test_a_rollout_created_paused_starts_at_zero() -> None:
    plan = _plan(b.rollout("v1", steps=STEPS, spec={"paused": True}), b.observed())
    (create,) = plan.actions
    assert isinstance(create, actions.CreateReplicaSet)
    assert create.body["spec"]["replicas"] == 0
    assert _phase(plan) == ("Paused", "manually paused")


def _stuck(**spec: Any) -> tuple[model.Rollout, Observed]:
    """At setWeight 50 with a canary pod that never becomes ready; last progress at T0."""
    world = b.observed(b.rs("v1", 3), b.rs("v2", 3, available=2, revision=2))
    progressing = model.Condition(
        c.ConditionType.PROGRESSING, "True", c.RS_UPDATED, "m", b.stamp(b.T0), b.stamp(b.T0)
    )
    seen = status.replica_counts(_at(2), world, H2)
    ro = _at(2, spec=spec, status={**seen, "conditions": [progressing.to_json()]})
    return ro, world


def test_no_progress_past_the_deadline_degrades_the_rollout() -> None:
    plan = _plan(*_stuck(), b.later(601))
    message = f'ReplicaSet "{CANARY}" has timed out progressing.'
    assert _condition(plan, c.ConditionType.PROGRESSING) == ("False", c.DEADLINE_EXCEEDED, message)
    assert _phase(plan) == ("Degraded", f"{c.DEADLINE_EXCEEDED}: {message}")
    assert plan.status["abort"] is None


def test_progress_within_the_deadline_is_fine() -> None:
    plan = _plan(*_stuck(), b.later(599))
    assert (plan.actions, plan.requeue_after) == ((), 600)
    assert _phase(plan) == ("Progressing", "more replicas need to be updated")


def test_no_deadline_while_an_older_set_waits_out_its_scale_down_delay() -> None:
    _, world = _stuck()
    older = dataclasses.replace(b.rs("v0", 1, revision=0), scale_down_deadline=b.later(700))
    world = dataclasses.replace(world, replica_sets=(*world.replica_sets, older))
    progressing = model.Condition(
        c.ConditionType.PROGRESSING, "True", c.RS_UPDATED, "m", b.stamp(b.T0), b.stamp(b.T0)
    )
    seen = status.replica_counts(_at(2), world, H2)
    ro = _at(2, status={**seen, "conditions": [progressing.to_json()]})
    plan = _plan(ro, world, b.later(601))
    assert _condition(plan, c.ConditionType.PROGRESSING)[:2] == ("True", c.RS_UPDATED)
    assert _phase(plan)[0] == "Progressing"


def test_a_manually_paused_rollout_never_times_out() -> None:
    plan = _plan(*_stuck(paused=True), b.later(6000))
    assert _phase(plan) == ("Paused", "manually paused")


def test_progress_deadline_abort_aborts_the_timed_out_update() -> None:
    ro, world = _stuck(progressDeadlineAbort=True)
    plan = _plan(ro, world, b.later(601))
    assert (plan.status["abort"], plan.requeue_after) == (True, 0)
    ro, world = b.apply(plan, ro, world)
    plan = _plan(ro, world, b.later(601))
    assert _condition(plan, c.ConditionType.PROGRESSING)[:2] == ("False", c.ABORTED)
    assert (plan.status["abortedAt"], _phase(plan)[0]) == (b.stamp(b.later(601)), "Degraded")
    assert plan.actions == (_scale(STABLE, 4, 3, 1), _scale(CANARY, 1, 3, 2))


def test_old_pods_going_away_count_as_progress() -> None:
    ro, world = _stuck()
    recorded = {**ro.status.raw, "replicas": 7}  # two more old pods were running last time
    plan = _plan(dataclasses.replace(ro, status=model.parse_status(recorded)), world, b.later(601))
    assert _phase(plan)[0] == "Progressing"


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param({"availableReplicas": "x", "replicas": None}, id="counts-not-numbers"),
        pytest.param({"conditions": [{"type": "Progressing", "lastUpdateTime": 5}]}, id="time"),
        pytest.param({"pauseConditions": [{"reason": 1, "startTime": []}]}, id="pause"),
        pytest.param({"canary": [], "currentStepIndex": "2"}, id="shapes"),
    ],
)
def test_a_garbage_status_never_stops_a_plan(garbage: dict[str, Any]) -> None:
    plan = _plan(_at(2, status=garbage), b.observed(b.rs("v1", 3), b.rs("v2", 3, revision=2)))
    assert plan.status["phase"] in {"Progressing", "Paused"}


KEEP_CANARY = {"abortScaleDownDelaySeconds": 0}


@pytest.mark.parametrize(
    ("canary_steps", "scaled"),
    [
        pytest.param(STEPS, (), id="left-running"),
        pytest.param(
            [{"setCanaryScale": {"replicas": 2}}, *STEPS],
            (_scale(CANARY, 2, 3, 2),),
            id="set-canary-scale-still-sizes-it",
        ),
    ],
)
def test_an_abort_scale_down_delay_of_zero_keeps_the_canary(
    canary_steps: list[dict[str, Any]], scaled: tuple[actions.Action, ...]
) -> None:
    ro = b.rollout(
        "v2",
        stable="v1",
        index=3,
        steps=canary_steps,
        routed=True,
        canary=KEEP_CANARY,
        status={"abort": True},
    )
    plan = _plan(ro, _nginx(3, weight=50))
    assert tuple(a for a in plan.actions if isinstance(a, actions.ScaleReplicaSet)) == scaled
    assert _weights(plan) == [0]
    assert _switches(plan) == {b.CANARY_SERVICE: H1}
    assert not [a for a in plan.actions if isinstance(a, actions.SetScaleDownDeadline)]


def test_background_analysis_starts_at_its_step_even_when_that_step_pauses() -> None:
    template = model.parse_template_spec(
        {
            "metrics": [
                {"name": "m", "provider": {"prometheus": {"address": "http://p", "query": "up"}}}
            ]
        }
    )
    steps = [{"setWeight": 20}, {"pause": {}}]
    ro = b.rollout(
        "v2", stable="v1", index=0, steps=steps,
        canary={"analysis": {"templates": [{"templateName": "bg"}], "startingStep": 1}},
    )  # fmt: skip
    world = dataclasses.replace(
        b.observed(b.rs("v1", 4), b.rs("v2", 1, revision=2)),
        templates={model.TemplateRef("bg"): template},
    )
    plan = _plan(ro, world)
    assert plan.status["pauseConditions"][0]["reason"] == c.PAUSE_CANARY_STEP
    (create,) = [a for a in plan.actions if isinstance(a, actions.CreateAnalysisRun)]
    assert create.body["metadata"]["labels"]["rollout-type"] == "Background"


@pytest.mark.parametrize(
    ("run_phase", "run_message", "expected"),
    [
        pytest.param(
            model.AnalysisPhase.FAILED,
            'Metric "m" assessed Failed due to failed (1) > failureLimit (0)',
            'Step-based analysis phase error/failed: Metric "m" assessed Failed due to '
            "failed (1) > failureLimit (0)",
            id="failed",
        ),
        pytest.param(
            model.AnalysisPhase.ERROR,
            "",
            "Step-based analysis phase error/failed",
            id="error-without-a-message",
        ),
    ],
)
def test_a_failed_step_run_aborts_with_argos_literal_message(
    run_phase: model.AnalysisPhase, run_message: str, expected: str
) -> None:
    steps = [{"analysis": {"templates": [{"templateName": "t"}]}}]
    run = f"{b.NAME}-{H2}-2-0"
    ro = b.rollout(
        "v2",
        stable="v1",
        index=0,
        steps=steps,
        status={"canary": {"currentStepAnalysisRunStatus": {"name": run, "status": "Running"}}},
    )
    world = dataclasses.replace(
        b.observed(b.rs("v1", 5), b.rs("v2", 1, revision=2)),
        analysis_runs=(RunState(run, run_phase, run_message, pod_hash=H2),),
    )
    plan = _plan(ro, world)
    assert _phase(plan) == (
        "Degraded",
        f"RolloutAborted: Rollout aborted update to revision 2: {expected}",
    )
    assert ("RolloutAborted", f"Rollout aborted update to revision 2: {expected}") in _events(plan)


# ------------------------------------------------------------------- ephemeral metadata

ROLES = {
    "canaryMetadata": {"labels": {"role": "canary"}, "annotations": {"note": "new"}},
    "stableMetadata": {"labels": {"role": "stable"}},
}
CANARY_ROLE = model.PodMetadata(labels={"role": "canary"}, annotations={"note": "new"})
STABLE_ROLE = model.PodMetadata(labels={"role": "stable"})


def _with_role(rs: ReplicaSetState, role: model.PodMetadata | None) -> ReplicaSetState:
    return dataclasses.replace(rs, ephemeral=role)


def _metadata_actions(plan: actions.Plan) -> list[actions.SetPodMetadata]:
    return [a for a in plan.actions if isinstance(a, actions.SetPodMetadata)]


def test_an_initial_deploy_gives_its_pods_the_stable_metadata() -> None:
    plan = _plan(b.rollout("v1", steps=STEPS, canary=ROLES), b.observed())
    (create,) = plan.actions
    assert isinstance(create, actions.CreateReplicaSet)
    pod_meta = create.body["spec"]["template"]["metadata"]
    assert pod_meta["labels"] == {"app": b.NAME, "role": "stable", HASH_LABEL: H1}
    assert "role" not in create.body["spec"]["selector"]["matchLabels"]
    record = create.body["metadata"]["annotations"][EPHEMERAL_METADATA]
    assert json.loads(record) == {"labels": {"role": "stable"}}


def test_an_update_gives_the_canary_pods_the_canary_metadata_without_a_new_hash() -> None:
    ro = b.rollout("v2", stable="v1", index=0, steps=STEPS, canary=ROLES)
    plan = _plan(ro, b.observed(_with_role(b.rs("v1", 5), STABLE_ROLE)))
    create = plan.actions[0]
    assert isinstance(create, actions.CreateReplicaSet)
    assert create.body["metadata"]["name"] == CANARY  # the same name: the hash ignores roles
    pod_meta = create.body["spec"]["template"]["metadata"]
    assert (pod_meta["labels"]["role"], pod_meta["annotations"]) == ("canary", {"note": "new"})
    assert _metadata_actions(plan) == []  # the stable set has its role already


def test_the_promotion_moves_the_stable_metadata_to_the_new_set_and_strips_the_old() -> None:
    steps = [{"setWeight": 50}, {"pause": {}}]
    ro = b.rollout("v2", stable="v1", index=1, steps=steps, replicas=1, canary=ROLES,
                   status={"controllerPause": True})  # fmt: skip
    world = b.observed(
        _with_role(b.rs("v1", 1), STABLE_ROLE), _with_role(b.rs("v2", 1, revision=2), CANARY_ROLE)
    )
    plan = _plan(ro, world)
    assert plan.status["stableRS"] == H2
    moves = {a.name: a for a in _metadata_actions(plan)}
    assert moves[CANARY].labels == {"role": "stable"}
    assert moves[CANARY].annotations == {"note": None}
    assert json.loads(moves[CANARY].record or "") == {"labels": {"role": "stable"}}
    assert (moves[STABLE].labels, moves[STABLE].record) == ({"role": None}, None)


def test_a_role_key_the_template_also_sets_goes_back_to_the_templates_value() -> None:
    # the set's pods had the role label app=x over the template's app=web; the Rollout has no
    # role metadata any more, so app goes back to web rather than being removed
    ro = b.rollout("v1", stable="v1", index=4, steps=STEPS)
    plan = _plan(ro, b.observed(_with_role(b.rs("v1", 5), model.PodMetadata(labels={"app": "x"}))))
    (move,) = _metadata_actions(plan)
    assert (move.labels, move.record) == ({"app": b.NAME}, None)


def test_role_metadata_settles_with_no_further_actions() -> None:
    ro = b.rollout("v2", stable="v1", index=0, steps=STEPS, canary=ROLES)
    _, world, plan = b.settle(ro, b.observed(b.rs("v1", 5)))
    roles = {rs.name: rs.ephemeral for rs in world.replica_sets}
    assert roles == {STABLE: STABLE_ROLE, CANARY: CANARY_ROLE}
    assert plan.actions == ()


def test_role_metadata_must_be_strings() -> None:
    bad = {"canaryMetadata": {"labels": {"role": 1}}}
    with pytest.raises(errors.SpecError, match=r"canaryMetadata\.labels\.role: must be a string"):
        b.rollout("v2", stable="v1", index=0, steps=STEPS, canary=bad)


# ------------------------------------------------------------------------ anti-affinity


def _created(plan: actions.Plan) -> dict[str, Any]:
    (create,) = [a for a in plan.actions if isinstance(a, actions.CreateReplicaSet)]
    return dict(create.body)


@pytest.mark.parametrize(
    ("anti_affinity", "key", "term_of"),
    [
        pytest.param(
            {"preferredDuringSchedulingIgnoredDuringExecution": {"weight": 40}},
            "preferredDuringSchedulingIgnoredDuringExecution",
            lambda entry: (entry["weight"], entry["podAffinityTerm"]),
            id="preferred",
        ),
        pytest.param(
            {"requiredDuringSchedulingIgnoredDuringExecution": {}},
            "requiredDuringSchedulingIgnoredDuringExecution",
            lambda entry: (None, entry),
            id="required",
        ),
    ],
)
def test_anti_affinity_keeps_the_new_pods_off_the_stable_pods_nodes(
    anti_affinity: dict[str, Any], key: str, term_of: Any
) -> None:
    ro = b.rollout(
        "v2", steps=STEPS, status=_update().status.raw, canary={"antiAffinity": anti_affinity}
    )
    body = _created(_plan(ro, b.observed(b.rs("v1", 5))))
    (entry,) = body["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"][key]
    weight, term = term_of(entry)
    assert weight == anti_affinity[key].get("weight")
    assert term == {
        "labelSelector": {
            "matchExpressions": [{"key": HASH_LABEL, "operator": "In", "values": [H1]}]
        },
        "namespaces": ["default"],
        "topologyKey": "kubernetes.io/hostname",
    }
    assert body["metadata"]["name"] == CANARY  # the hash leaves the injected rule out


def test_anti_affinity_is_not_injected_on_a_first_deploy() -> None:
    anti: dict[str, Any] = {"requiredDuringSchedulingIgnoredDuringExecution": {}}
    body = _created(_plan(b.rollout("v1", canary={"antiAffinity": anti}), b.observed()))
    assert "affinity" not in body["spec"]["template"]["spec"]


@pytest.mark.parametrize(
    ("anti_affinity", "message"),
    [
        pytest.param(
            {
                "preferredDuringSchedulingIgnoredDuringExecution": {"weight": 1},
                "requiredDuringSchedulingIgnoredDuringExecution": {},
            },
            "AntiAffinity must have exactly one strategy listed",
            id="both",
        ),
        pytest.param(
            {"preferredDuringSchedulingIgnoredDuringExecution": {"weight": 101}},
            "AntiAffinity weight must be between 1-100",
            id="weight",
        ),
    ],
)
def test_a_bad_anti_affinity_is_an_invalid_spec(
    anti_affinity: dict[str, Any], message: str
) -> None:
    with pytest.raises(errors.SpecError, match=message):
        b.rollout("v1", canary={"antiAffinity": anti_affinity})
