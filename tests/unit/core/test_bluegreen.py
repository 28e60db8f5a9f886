"""plan_rollout for blue-green Rollouts: passes over hand-built observations until quiet
(argo-rollouts-spec.md §1.3, §1.5, §2.7, §2.10, §2.14). Time is injected; every test is pure."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from rollouts import model
from rollouts.core import actions, planner
from rollouts.core.observed import HASH_LABEL, Observed, PodState, ServiceState
from rollouts.model import conditions as c
from tests.unit.core import builders as b

ACTIVE, PREVIEW = "web-active", "web-preview"
H1, H2, H3 = b.pod_hash("v1"), b.pod_hash("v2"), b.pod_hash("v3")
V1, V2 = b.rs_name("v1"), b.rs_name("v2")
Phase = model.AnalysisPhase
PRE = {"templates": [{"templateName": "smoke"}]}
TEMPLATE = model.parse_template_spec(
    {"metrics": [{"name": "m", "provider": {"prometheus": {"address": "http://p", "query": "up"}}}]}
)


def rollout(
    version: str,
    *,
    status: dict[str, Any] | None = None,
    replicas: int = 3,
    **strategy: Any,
) -> model.Rollout:
    body = b.manifest(version, replicas=replicas, status=status)
    body["spec"]["strategy"] = {
        "blueGreen": {"activeService": ACTIVE, "previewService": PREVIEW, **strategy}
    }
    return model.parse_rollout(body)


def services(active: str | None, preview: str | None) -> dict[str, ServiceState | None]:
    return {ACTIVE: b.service(ACTIVE, active), PREVIEW: b.service(PREVIEW, preview)}


def world(*sets: Any, active: str | None, preview: str | None) -> Observed:
    found = b.observed(*sets, services=services(active, preview))
    return dataclasses.replace(found, templates={model.TemplateRef("smoke"): TEMPLATE})


def deployed(replicas: int = 3, **strategy: Any) -> tuple[model.Rollout, Observed]:
    """v1 fully deployed and settled: both Services on it."""
    ro, seen, _ = b.settle(
        rollout("v1", replicas=replicas, **strategy), world(active=None, preview=None)
    )
    return ro, seen


def update(ro: model.Rollout, version: str = "v2", **strategy: Any) -> model.Rollout:
    """The user applied `version` (the Rollout's status stays as it was)."""
    body = b.manifest(version, replicas=ro.replicas, status=dict(ro.status.raw))
    body["spec"]["strategy"] = {
        "blueGreen": {**ro.raw["spec"]["strategy"]["blueGreen"], **strategy}
    }
    return model.parse_rollout(body)


def selected(seen: Observed, name: str) -> str | None:
    service = seen.services.get(name)
    return service.selector.get(HASH_LABEL) if service else None


def phase(found: actions.Plan | Mapping[str, Any]) -> tuple[str, str]:
    recorded = found.status if isinstance(found, actions.Plan) else found
    return recorded["phase"], recorded["message"]


def sizes(seen: Observed) -> dict[str, int]:
    return {rs.name: rs.spec_replicas for rs in seen.replica_sets}


def promote(ro: model.Rollout) -> model.Rollout:
    """What `kubectl rollouts promote` sends: the pause conditions cleared."""
    raw = b.merge_patch(ro.status.raw, {"pauseConditions": None})
    return dataclasses.replace(ro, status=model.parse_status(raw))


def intent(ro: model.Rollout, **patch: Any) -> model.Rollout:
    return dataclasses.replace(ro, status=model.parse_status(b.merge_patch(ro.status.raw, patch)))


def events(plan: actions.Plan) -> list[tuple[str, str]]:
    return [(e.reason, e.message) for e in plan.events]


# -------------------------------------------------------------------------- first deploy


def test_a_first_deploy_is_stable_at_once_and_switches_active_when_available() -> None:
    plan = planner.plan_rollout(rollout("v1"), world(active=None, preview=None), b.T0)
    create, preview = plan.actions
    assert isinstance(create, actions.CreateReplicaSet)
    assert create.body["spec"]["replicas"] == 3
    assert preview == actions.SwitchService(PREVIEW, H1, None, adopt=False)
    assert (plan.status["stableRS"], plan.status["currentPodHash"]) == (H1, H1)
    assert (
        "RolloutCompleted",
        f"Rollout completed update to revision 1 ({H1}): Initial deploy",
    ) in events(plan)
    ro, seen = deployed()
    assert (selected(seen, ACTIVE), selected(seen, PREVIEW)) == (H1, H1)
    assert ro.status.raw["phase"] == "Healthy"
    assert ro.status.raw["blueGreen"] == {"activeSelector": H1, "previewSelector": H1}
    assert ro.status.raw["selector"] == f"app=web,{HASH_LABEL}={H1}"


def test_the_active_service_waits_for_the_first_set_to_be_fully_available() -> None:
    ro = rollout("v1")
    seen = world(b.rs("v1", 3, available=2), active=None, preview=H1 and "v1")
    plan = planner.plan_rollout(ro, seen, b.T0)
    assert not [a for a in plan.actions if isinstance(a, actions.SwitchService)]
    assert phase(plan) == ("Progressing", "updated replicas are still becoming available")


# -------------------------------------------------------------------------------- update


def test_an_update_switches_preview_first_and_active_once_the_new_set_is_saturated() -> None:
    ro, seen = deployed()
    ro = update(ro)
    plan = planner.plan_rollout(ro, seen, b.T0)
    assert [type(a).__name__ for a in plan.actions] == ["CreateReplicaSet", "SwitchService"]
    assert plan.actions[1] == actions.SwitchService(PREVIEW, H2, H1, adopt=False)
    ro, seen = b.apply(plan, ro, seen)
    assert phase(ro.status.raw) == ("Progressing", "more replicas need to be updated")
    plan = planner.plan_rollout(ro, seen, b.T0)  # the new pods are all available now
    assert actions.SwitchService(ACTIVE, H2, H1, adopt=False) in plan.actions
    ro, seen, last = b.settle(ro, seen)
    assert (selected(seen, ACTIVE), selected(seen, PREVIEW)) == (H2, H2)
    assert ro.status.stable_rs == H2
    assert phase(last) == ("Healthy", "")
    old = seen.replica_set(H1)
    assert old is not None
    assert (old.spec_replicas, old.scale_down_deadline) == (3, b.later(30))


def test_manual_promotion_pauses_before_the_switch_until_promoted() -> None:
    ro, seen = deployed(autoPromotionEnabled=False)
    ro, seen, plan = b.settle(update(ro), seen)
    assert phase(plan) == ("Paused", c.PAUSE_BLUE_GREEN)
    assert (selected(seen, ACTIVE), selected(seen, PREVIEW)) == (H1, H2)
    assert ro.status.raw["pauseConditions"][0]["reason"] == c.PAUSE_BLUE_GREEN
    assert ro.status.controller_pause

    plan = planner.plan_rollout(promote(ro), seen, b.T0)
    assert actions.SwitchService(ACTIVE, H2, H1, adopt=False) in plan.actions
    assert plan.status["stableRS"] == H2
    assert (
        "RolloutCompleted",
        f"Rollout completed update to revision 2 ({H2}): Completed blue-green update",
    ) in events(plan)
    assert plan.status["controllerPause"] is None


def test_the_promotion_writes_only_the_service_and_the_status_then_one_deadline() -> None:
    ro, seen = deployed(autoPromotionEnabled=False)
    ro, seen, _ = b.settle(update(ro), seen)
    plan = planner.plan_rollout(promote(ro), seen, b.T0)
    assert [type(a).__name__ for a in plan.actions] == ["SwitchService"]
    ro, seen = b.apply(plan, promote(ro), seen)
    plan = planner.plan_rollout(ro, seen, b.T0)
    assert plan.actions == (actions.SetScaleDownDeadline(V1, b.later(30)),)


def test_the_old_active_set_goes_after_its_scale_down_delay() -> None:
    ro, seen = deployed(scaleDownDelaySeconds=10)
    ro, seen, _ = b.settle(update(ro), seen)
    assert sizes(seen)[V1] == 3
    ro, seen, plan = b.settle(ro, seen, b.later(11))
    assert sizes(seen)[V1] == 0
    assert phase(plan) == ("Healthy", "")


def test_auto_promotion_seconds_holds_the_switch_for_that_long() -> None:
    ro, seen = deployed(autoPromotionSeconds=60)
    ro, seen, plan = b.settle(update(ro), seen)
    assert phase(plan) == ("Paused", c.PAUSE_BLUE_GREEN)
    assert plan.requeue_after == 60
    ro, seen, plan = b.settle(ro, seen, b.later(30))
    assert selected(seen, ACTIVE) == H1
    ro, seen, plan = b.settle(ro, seen, b.later(61))
    assert (selected(seen, ACTIVE), ro.status.stable_rs) == (H2, H2)


def test_preview_replica_count_runs_few_pods_until_the_promotion() -> None:
    ro, seen = deployed(autoPromotionEnabled=False, previewReplicaCount=1)
    ro, seen, plan = b.settle(update(ro), seen)
    assert sizes(seen) == {V1: 3, V2: 1}
    assert phase(plan) == ("Paused", c.PAUSE_BLUE_GREEN)
    ro, seen = b.apply(planner.plan_rollout(promote(ro), seen, b.T0), promote(ro), seen)
    assert ro.status.raw["blueGreen"]["scaleUpPreviewCheckPoint"] is True
    assert selected(seen, ACTIVE) == H1  # the new set scales up first
    ro, seen, plan = b.settle(ro, seen)
    assert sizes(seen)[V2] == 3
    assert (selected(seen, ACTIVE), ro.status.stable_rs) == (H2, H2)
    assert "scaleUpPreviewCheckPoint" not in ro.status.raw["blueGreen"]


# ---------------------------------------------------------------------------- analysis


def test_pre_promotion_analysis_gates_the_switch() -> None:
    ro, seen = deployed(prePromotionAnalysis=PRE)
    ro, seen, plan = b.settle(update(ro), seen)
    (run,) = seen.analysis_runs
    assert run.name == f"web-{H2}-2-pre"
    assert selected(seen, ACTIVE) == H1
    assert plan.status["blueGreen"]["prePromotionAnalysisRunStatus"]["name"] == run.name
    ro, seen, plan = b.settle(ro, b.finish_run(seen, run.name, Phase.SUCCESSFUL))
    assert (selected(seen, ACTIVE), ro.status.stable_rs) == (H2, H2)
    assert phase(plan) == ("Healthy", "")


def test_a_failed_pre_promotion_run_aborts_with_argos_message_and_keeps_active() -> None:
    ro, seen = deployed(prePromotionAnalysis=PRE)
    ro, seen, _ = b.settle(update(ro), seen)
    (run,) = seen.analysis_runs
    seen = b.finish_run(
        seen,
        run.name,
        Phase.FAILED,
        'Metric "m" assessed Failed due to failed (1) > failureLimit (0)',
    )
    ro, seen, plan = b.settle(ro, seen)
    expected = (
        "RolloutAborted: Rollout aborted update to revision 2: Blue/green pre-promotion analysis "
        'phase error/failed: Metric "m" assessed Failed due to failed (1) > failureLimit (0)'
    )
    assert phase(plan) == ("Degraded", expected)
    assert selected(seen, ACTIVE) == H1
    new = seen.replica_set(H2)
    assert new is not None
    assert new.scale_down_deadline == b.later(30)
    ro, seen, _ = b.settle(ro, seen, b.later(31))
    assert sizes(seen)[V2] == 0


def test_a_failed_post_promotion_run_switches_active_back_to_the_old_stable() -> None:
    ro, seen = deployed(postPromotionAnalysis=PRE)
    ro, seen, plan = b.settle(update(ro), seen)
    assert selected(seen, ACTIVE) == H2
    assert ro.status.stable_rs == H1
    assert phase(plan) == ("Progressing", "waiting for analysis to complete")
    (run,) = seen.analysis_runs
    assert run.name == f"web-{H2}-2-post"
    ro, seen, plan = b.settle(ro, b.finish_run(seen, run.name, Phase.ERROR, "boom"))
    assert selected(seen, ACTIVE) == H1
    assert phase(plan)[0] == "Degraded"
    assert "Blue/green post-promotion analysis phase error/failed: boom" in phase(plan)[1]


def test_a_successful_post_promotion_run_makes_the_new_set_stable() -> None:
    ro, seen = deployed(postPromotionAnalysis=PRE)
    ro, seen, _ = b.settle(update(ro), seen)
    (run,) = seen.analysis_runs
    ro, seen, plan = b.settle(ro, b.finish_run(seen, run.name, Phase.SUCCESSFUL))
    assert ro.status.stable_rs == H2
    assert phase(plan) == ("Healthy", "")


# ------------------------------------------------------------------------- abort, retry


def test_an_abort_while_paused_keeps_active_on_stable_and_degrades() -> None:
    ro, seen = deployed(autoPromotionEnabled=False)
    ro, seen, _ = b.settle(update(ro), seen)
    ro, seen, plan = b.settle(intent(ro, abort=True), seen)
    assert phase(plan) == ("Degraded", "RolloutAborted: Rollout aborted update to revision 2")
    assert selected(seen, ACTIVE) == H1
    assert sizes(seen) == {V1: 3, V2: 3}
    ro, seen, _ = b.settle(ro, seen, b.later(31))
    assert sizes(seen) == {V1: 3, V2: 0}


def test_an_abort_scale_down_delay_of_zero_keeps_the_preview_up() -> None:
    ro, seen = deployed(autoPromotionEnabled=False, abortScaleDownDelaySeconds=0)
    ro, seen, _ = b.settle(update(ro), seen)
    ro, seen, _ = b.settle(intent(ro, abort=True), seen, b.later(600))
    assert sizes(seen) == {V1: 3, V2: 3}


def test_promote_full_skips_the_pause_and_the_analysis() -> None:
    ro, seen = deployed(autoPromotionEnabled=False, prePromotionAnalysis=PRE)
    ro, seen, _ = b.settle(update(ro), seen)
    ro, seen, plan = b.settle(intent(ro, promoteFull=True), seen)
    assert (selected(seen, ACTIVE), ro.status.stable_rs) == (H2, H2)
    assert all(run.terminating or run.phase.is_completed for run in seen.analysis_runs)
    assert phase(plan) == ("Healthy", "")


def test_a_user_pause_switches_neither_service() -> None:
    ro, seen = deployed()
    body = b.manifest("v2", replicas=3, status=dict(ro.status.raw), spec={"paused": True})
    body["spec"]["strategy"] = ro.raw["spec"]["strategy"]
    ro, seen, plan = b.settle(model.parse_rollout(body), seen)
    assert (selected(seen, ACTIVE), selected(seen, PREVIEW)) == (H1, H1)
    assert phase(plan) == ("Paused", "manually paused")


# ------------------------------------------------------------------------- older sets


def test_the_scale_down_revision_limit_keeps_only_that_many_old_sets_up() -> None:
    ro, seen = deployed(scaleDownDelayRevisionLimit=1)
    ro, seen, _ = b.settle(update(ro), seen)
    ro, seen, _ = b.settle(update(ro, "v3"), seen)
    up = {rs.name for rs in seen.replica_sets if rs.spec_replicas}
    assert up == {b.rs_name("v2"), b.rs_name("v3")}


def test_a_settled_blue_green_rollout_plans_nothing() -> None:
    ro, seen = deployed(autoPromotionEnabled=False, prePromotionAnalysis=PRE, previewReplicaCount=1)
    ro, seen, _ = b.settle(update(ro), seen)
    again = planner.plan_rollout(ro, seen, b.T0)
    assert again.actions == ()
    assert b.merge_patch(ro.status.raw, again.status) == ro.status.raw


def test_going_back_to_a_set_still_in_its_delay_is_a_fast_rollback() -> None:
    ro, seen = deployed(autoPromotionEnabled=False)
    ro, seen, _ = b.settle(update(ro), seen)
    ro, seen, _ = b.settle(promote(ro), seen)
    assert ro.status.stable_rs == H2
    plan = planner.plan_rollout(update(ro, "v1"), seen, b.later(5))
    completed = f"Rollout completed update to revision 3 ({H1}): Fast rollback"
    assert ("RolloutCompleted", completed) in events(plan)
    assert plan.status.get("pauseConditions") is None
    ro, seen, _ = b.settle(update(ro, "v1"), seen, b.later(5))
    assert (selected(seen, ACTIVE), ro.status.stable_rs) == (H1, H1)
    v1 = seen.replica_set(H1)
    assert v1 is not None
    assert (v1.revision, v1.scale_down_deadline) == (3, None)


def test_anti_affinity_keeps_the_preview_pods_off_the_active_pods_nodes() -> None:
    ro, seen = deployed(antiAffinity={"requiredDuringSchedulingIgnoredDuringExecution": {}})
    plan = planner.plan_rollout(update(ro), seen, b.T0)
    (create,) = [a for a in plan.actions if isinstance(a, actions.CreateReplicaSet)]
    anti = create.body["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]
    (term,) = anti["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["labelSelector"]["matchExpressions"][0]["values"] == [H1]


def test_a_restart_evicts_old_pods_within_max_unavailable() -> None:
    ro, seen = deployed(replicas=4, maxUnavailable=2)
    body = b.manifest(
        "v1", replicas=4, status=dict(ro.status.raw), spec={"restartAt": b.stamp(b.T0)}
    )
    body["spec"]["strategy"] = ro.raw["spec"]["strategy"]
    old = tuple(
        PodState(f"p{i}", b.T0 - datetime.timedelta(minutes=5), ready=True) for i in range(4)
    )
    plan = planner.plan_rollout(
        model.parse_rollout(body), dataclasses.replace(seen, pods=old), b.later(1)
    )
    assert [a.name for a in plan.actions if isinstance(a, actions.EvictPod)] == ["p0", "p1"]
    assert phase(plan) == ("Progressing", "rollout is restarting")
