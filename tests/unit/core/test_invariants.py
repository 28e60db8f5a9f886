"""Properties of plan_rollout over random steps, sizes, weights and intents: weights stay in
range, no size is negative, no traffic goes to a canary without available pods, and a plan,
once applied, leaves nothing to do (style.md §5.7 layer 1b, §6 principle 3)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts import model
from rollouts.core import actions, planner
from rollouts.core.observed import Observed, ReplicaSetState
from tests.unit.core import builders as b

PASSES = 40
PHASES = {"Healthy", "Progressing", "Paused", "Degraded"}
Scenario = tuple[model.Rollout, Observed]


def _steps(*, routed: bool, max_weight: int, pauses: bool) -> st.SearchStrategy[Any]:
    weight = st.integers(0, max_weight)
    kinds = [weight.map(lambda w: {"setWeight": w})]
    if pauses:
        kinds.append(st.sampled_from([{"pause": {}}, {"pause": {"duration": 10}}]))
    if routed:
        scale = st.one_of(
            st.integers(0, 6).map(lambda n: {"replicas": n}),
            weight.map(lambda w: {"weight": w}),
            st.just({"matchTrafficWeight": True}),
        )
        kinds.append(scale.map(lambda x: {"setCanaryScale": x}))  # type: ignore[dict-item]
    return st.lists(st.one_of(kinds), max_size=4)


def _replica_set(
    draw: st.DrawFn, version: str, revision: int, *, most: int, full: bool
) -> ReplicaSetState:
    size = draw(st.integers(0, most))
    available = size if full else draw(st.integers(0, size))
    return b.rs(version, size, available=available, revision=revision)


@st.composite
def scenarios(draw: st.DrawFn, *, pauses: bool = True, full: bool = False) -> Scenario:
    """v2 rolling out over v1 (or promoted), maybe beside a leftover v0, at any step."""
    routed = draw(st.booleans())
    max_weight = draw(st.sampled_from([100, 200])) if routed else 100
    replicas = draw(st.integers(0, 6))
    steps = draw(_steps(routed=routed, max_weight=max_weight, pauses=pauses))
    index = draw(st.integers(0, len(steps))) if steps else None
    most = replicas + 2
    sets = [_replica_set(draw, "v1", 1, most=most, full=full)]
    if draw(st.booleans()) or not full:
        sets.append(_replica_set(draw, "v2", 2, most=most, full=full))
    if draw(st.integers(0, 3)) == 0:
        sets.append(_replica_set(draw, "v0", 0, most=3, full=full))
    abort = draw(st.booleans()) and not full
    status: dict[str, Any] = {
        "abort": abort,
        "abortedAt": b.stamp(b.T0) if abort and draw(st.booleans()) else None,
        "promoteFull": draw(st.integers(0, 4)) == 0,
    }
    options: dict[str, Any] = {"replicas": replicas, "routed": routed}
    if routed and max_weight != 100:
        options["traffic_routing"] = {**b.NGINX, "maxTrafficWeight": max_weight}
    if not full and draw(st.integers(0, 6)) == 0:
        options["spec"] = {"paused": True}
    stable = draw(st.sampled_from(["v1", "v1", "v1", "v2"]))
    ro = b.rollout("v2", stable=stable, index=index, steps=steps, status=status, **options)
    services = None
    weight = None
    if routed:
        hashes = st.sampled_from(["v1", "v2", None])
        services = b.services(draw(hashes), draw(hashes))
        weight = draw(st.none() | st.integers(0, max_weight))
    return ro, b.observed(*sets, services=services, canary_weight=weight)


def _check(plan: actions.Plan, ro: model.Rollout, world: Observed) -> None:
    """What must hold of every single plan."""
    assert ro.canary is not None
    new_rs = world.replica_set(b.pod_hash("v2"))
    for action in plan.actions:
        if isinstance(action, actions.SetCanaryWeight):
            assert 0 <= action.weight <= ro.canary.max_weight, action
            if action.weight > 0:
                assert new_rs is not None, action
                assert new_rs.available > 0, (action, new_rs)
        if isinstance(action, actions.ScaleReplicaSet):
            assert action.replicas >= 0, action
    assert plan.status["phase"] in PHASES


def _settle(ro: model.Rollout, world: Observed) -> tuple[model.Rollout, Observed, actions.Plan]:
    """Plan and apply, checking every plan, until a pass changes nothing."""
    for _ in range(PASSES):
        plan = planner.plan_rollout(ro, world, b.T0)
        _check(plan, ro, world)
        after, world = b.apply(plan, ro, world)
        if not plan.actions and after.status.raw == ro.status.raw:
            return after, world, plan
        ro = after
    raise AssertionError(f"still acting after {PASSES} passes: {plan.actions}")


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_every_plan_keeps_weights_sizes_and_traffic_safe(scenario: Scenario) -> None:
    ro, world = scenario
    _check(planner.plan_rollout(ro, world, b.T0), ro, world)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_replanning_after_a_plan_is_applied_yields_no_actions(scenario: Scenario) -> None:
    ro, world, _ = _settle(*scenario)
    again = planner.plan_rollout(ro, world, b.T0)
    assert again.actions == ()
    assert b.merge_patch(ro.status.raw, again.status) == ro.status.raw


@settings(max_examples=150, deadline=None)
@given(scenarios(pauses=False, full=True))
def test_without_pauses_an_update_ends_healthy_on_the_new_version(scenario: Scenario) -> None:
    ro, world, plan = _settle(*scenario)
    assert (plan.status["phase"], plan.status["message"]) == ("Healthy", "")
    assert ro.status.stable_rs == b.pod_hash("v2")
    new_rs = world.replica_set(b.pod_hash("v2"))
    assert new_rs is not None
    assert new_rs.spec_replicas == new_rs.available == ro.replicas
