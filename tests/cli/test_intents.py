"""The patches each command sends are Argo's (spec §4), built without a cluster."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest

from rollouts.cli import intents


def rollout(status: dict[str, Any] | None = None, **spec: Any) -> dict[str, Any]:
    steps = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 60}, {"pause": {}}]
    body_spec: dict[str, Any] = {
        "strategy": {"canary": {"steps": steps}},
        "template": {
            "metadata": {"labels": {"app": "demo"}},
            "spec": {
                "initContainers": [{"name": "init", "image": "busybox:1"}],
                "containers": [
                    {"name": "app", "image": "demo:blue"},
                    {"name": "sidecar", "image": "envoy:1"},
                ],
            },
        },
    }
    body_spec.update(spec)
    return {"metadata": {"name": "demo"}, "spec": body_spec, "status": status or {}}


HASH = "rollouts-pod-template-hash"
PAUSED = {"pauseConditions": [{"reason": "CanaryPauseStep"}], "currentStepIndex": 1}


def test_promote_clears_the_pause_conditions_through_the_status() -> None:
    assert intents.build_promote(rollout(PAUSED)) == intents.Patches(
        status={"status": {"pauseConditions": None}}
    )


def test_promote_also_unpauses_the_spec_when_it_is_paused() -> None:
    patches = intents.build_promote(rollout(PAUSED, paused=True))
    assert patches.spec == {"spec": {"paused": False}}
    assert patches.status == {"status": {"pauseConditions": None}}


def test_promote_skips_the_current_step_when_nothing_is_paused() -> None:
    patches = intents.build_promote(rollout({"currentStepIndex": 2}))
    assert patches.status == {"status": {"pauseConditions": None, "currentStepIndex": 3}}


def test_promote_after_inconclusive_analysis_clears_the_controller_pause_and_steps_on() -> None:
    status = {
        **PAUSED,
        "controllerPause": True,
        "canary": {"currentStepAnalysisRunStatus": {"status": "Inconclusive"}},
    }
    patches = intents.build_promote(rollout(status))
    assert patches.status == {
        "status": {"pauseConditions": None, "controllerPause": False, "currentStepIndex": 2}
    }


def test_promote_past_the_last_step_sends_the_last_index_again() -> None:
    """Argo caps the index at the number of steps and still patches."""
    patches = intents.build_promote(rollout({"currentStepIndex": 4}))
    assert patches.status == {"status": {"pauseConditions": None, "currentStepIndex": 4}}


def test_promote_full_sets_promote_full_until_the_new_revision_is_stable() -> None:
    patches = intents.build_promote_full(rollout({"currentPodHash": "b", "stableRS": "a"}))
    assert patches.status == {"status": {"promoteFull": True}}
    assert intents.build_promote_full(rollout({"currentPodHash": "a", "stableRS": "a"})).empty


def test_abort_retry_and_pause_are_the_plain_intent_patches() -> None:
    assert intents.build_abort().status == {"status": {"abort": True}}
    assert intents.build_retry().status == {"status": {"abort": False}}
    assert intents.build_pause().spec == {"spec": {"paused": True}}


def test_restart_sets_restart_at_in_utc_after_the_delay() -> None:
    now = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.UTC)
    assert intents.build_restart(now, 30).spec == {"spec": {"restartAt": "2024-05-01T12:00:30Z"}}


def test_set_image_changes_only_the_named_container() -> None:
    updated = intents.build_set_image(rollout(), "app", "demo:yellow")
    pod = updated["spec"]["template"]["spec"]
    assert [c["image"] for c in pod["containers"]] == ["demo:yellow", "envoy:1"]
    assert pod["initContainers"][0]["image"] == "busybox:1"


def test_set_image_with_a_star_changes_every_container_including_init_ones() -> None:
    pod = intents.build_set_image(rollout(), "*", "x:1")["spec"]["template"]["spec"]
    assert {c["image"] for c in (*pod["containers"], *pod["initContainers"])} == {"x:1"}


@pytest.mark.parametrize("argument", ["app", "=img", "app=", "app = img"])
def test_a_malformed_set_image_argument_is_refused(argument: str) -> None:
    with pytest.raises(intents.IntentError, match="CONTAINER=IMAGE"):
        intents.parse_image_argument(argument)


def test_set_image_of_an_unknown_container_is_refused() -> None:
    with pytest.raises(intents.IntentError, match='unable to find container named "db"'):
        intents.build_set_image(rollout(), "db", "x:1")


def replica_set(revision: int, image: str) -> dict[str, Any]:
    return {
        "metadata": {"annotations": {"rollout.argoproj.io/revision": str(revision)}},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "demo", "rollouts-pod-template-hash": "h"}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            }
        },
    }


def test_undo_replaces_the_template_with_the_previous_revisions_without_its_hash() -> None:
    history = [replica_set(1, "demo:blue"), replica_set(3, "demo:red"), replica_set(2, "demo:g")]
    operations = intents.build_undo(rollout(), history, 0)
    assert operations == [
        {
            "op": "replace",
            "path": "/spec/template",
            "value": {
                "metadata": {"labels": {"app": "demo"}},
                "spec": {"containers": [{"name": "app", "image": "demo:g"}]},
            },
        }
    ]
    assert intents.undo_revision(history, 0) == 2


def test_undo_to_a_missing_revision_is_an_error() -> None:
    with pytest.raises(intents.IntentError, match="revision 9"):
        intents.build_undo(rollout(), [replica_set(1, "a"), replica_set(2, "b")], 9)


def test_undo_to_the_current_template_is_skipped() -> None:
    current = rollout()
    target = replica_set(1, "x")
    target["spec"]["template"] = {
        **current["spec"]["template"],
        "metadata": {"labels": {"app": "demo", "rollouts-pod-template-hash": "h"}},
    }
    assert intents.build_undo(current, [target, replica_set(2, "b")], 1) is None


def test_undo_to_a_template_the_server_filled_with_defaults_is_skipped() -> None:
    current = rollout()
    target = replica_set(1, "x")
    template = copy.deepcopy(current["spec"]["template"])
    template["metadata"] = {"labels": {"app": "demo", HASH: "h"}, "creationTimestamp": None}
    for container in template["spec"]["containers"]:
        container.update(imagePullPolicy="IfNotPresent", resources={})
    template["spec"]["restartPolicy"] = "Always"
    target["spec"]["template"] = template
    assert intents.build_undo(current, [target, replica_set(2, "b")], 1) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda pod: pod["containers"][0].update(image="demo:red"),
        lambda pod: pod["containers"].pop(),
        lambda pod: pod["containers"][0].update(ports=[{"containerPort": 8080}]),
    ],
)
def test_undo_to_a_template_that_differs_is_not_skipped(change: Any) -> None:
    current = rollout()
    target = replica_set(1, "x")
    target["spec"]["template"] = copy.deepcopy(current["spec"]["template"])
    change(current["spec"]["template"]["spec"])
    assert intents.build_undo(current, [target, replica_set(2, "b")], 1) is not None


def workload_rollout(**ref: Any) -> dict[str, Any]:
    body = rollout()
    del body["spec"]["template"]
    body["spec"]["workloadRef"] = {"apiVersion": "apps/v1", "kind": "Deployment", **ref}
    return body


def test_a_workload_ref_names_the_object_the_template_comes_from() -> None:
    assert intents.find_workload_ref(rollout()) is None
    assert intents.find_workload_ref(workload_rollout(name="web")) == intents.WorkloadRef(
        "Deployment", "web"
    )
    ref = intents.find_workload_ref(workload_rollout(name="web", kind="ReplicaSet"))
    assert ref == intents.WorkloadRef("ReplicaSet", "web")


@pytest.mark.parametrize("name", [None, 7, ""])
def test_a_workload_ref_without_a_name_is_refused(name: Any) -> None:
    with pytest.raises(intents.IntentError, match=r"spec\.workloadRef\.name is not a string"):
        intents.find_workload_ref(workload_rollout(name=name))


def deployment(image: str = "demo:blue") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "resourceVersion": "9"},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": {
                "metadata": {"labels": {"app": "demo"}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    }


def test_set_image_of_a_deployment_is_the_whole_deployment_with_the_image_changed() -> None:
    updated = intents.build_set_image(deployment(), "app", "demo:yellow")
    assert updated == deployment("demo:yellow")  # resourceVersion kept: a 409 if it moved
    assert deployment()["spec"]["template"]["spec"]["containers"][0]["image"] == "demo:blue"


def test_undo_of_a_workload_ref_rollout_patches_the_deployments_template() -> None:
    history = [replica_set(1, "demo:g"), replica_set(2, "demo:blue")]
    assert intents.build_undo(deployment(), history, 0) == [
        {
            "op": "replace",
            "path": "/spec/template",
            "value": {
                "metadata": {"labels": {"app": "demo"}},
                "spec": {"containers": [{"name": "app", "image": "demo:g"}]},
            },
        }
    ]
    assert intents.build_undo(deployment("demo:g"), history, 1) is None


def test_undo_never_skips_for_an_object_without_a_template() -> None:
    history = [replica_set(1, "demo:g"), replica_set(2, "demo:blue")]
    assert intents.build_undo(workload_rollout(name="web"), history, 0) is not None


BLUE_GREEN = {"blueGreen": {"activeService": "demo-active", "autoPromotionEnabled": False}}
AT_BLUE_GREEN_PAUSE = {
    "pauseConditions": [{"reason": "BlueGreenPause", "startTime": "2024-05-01T12:00:00Z"}],
    "controllerPause": True,
    "currentPodHash": "green",
    "stableRS": "blue",
}


def test_promote_of_a_blue_green_pause_clears_the_pause_conditions_only() -> None:
    patches = intents.build_promote(rollout(AT_BLUE_GREEN_PAUSE, strategy=BLUE_GREEN))
    assert patches == intents.Patches(status={"status": {"pauseConditions": None}})


def test_promote_of_a_blue_green_paused_by_hand_also_unpauses_the_spec() -> None:
    body = rollout(AT_BLUE_GREEN_PAUSE, strategy=BLUE_GREEN, paused=True)
    patches = intents.build_promote(body)
    assert patches.spec == {"spec": {"paused": False}}
    assert patches.status == {"status": {"pauseConditions": None}}


def test_promote_after_an_inconclusive_blue_green_run_has_no_step_to_move() -> None:
    """The step index and controllerPause of Argo's inconclusive case are a canary's."""
    status = {
        **AT_BLUE_GREEN_PAUSE,
        "pauseConditions": [{"reason": "InconclusiveAnalysisRun"}],
        "blueGreen": {"prePromotionAnalysisRunStatus": {"name": "r", "status": "Inconclusive"}},
    }
    patches = intents.build_promote(rollout(status, strategy=BLUE_GREEN))
    assert patches.status == {"status": {"pauseConditions": None}}


def test_promote_of_a_blue_green_with_nothing_paused_changes_nothing() -> None:
    """No step to skip: Argo sends no patch (and still prints that it promoted)."""
    status = {"currentPodHash": "green", "stableRS": "green", "phase": "Healthy"}
    assert intents.build_promote(rollout(status, strategy=BLUE_GREEN)).empty


def test_promote_full_of_a_blue_green_skips_the_pause_and_the_analyses() -> None:
    patches = intents.build_promote_full(
        rollout(AT_BLUE_GREEN_PAUSE, strategy=BLUE_GREEN, paused=True)
    )
    assert patches == intents.Patches(
        spec={"spec": {"paused": False}}, status={"status": {"promoteFull": True}}
    )


def test_undo_of_a_blue_green_brings_back_the_previous_template_too() -> None:
    history = [replica_set(1, "demo:blue"), replica_set(2, "demo:green")]
    body = rollout(AT_BLUE_GREEN_PAUSE, strategy=BLUE_GREEN)
    operations = intents.build_undo(body, history, 0)
    assert operations is not None
    (operation,) = operations
    assert operation["value"]["spec"]["containers"][0]["image"] == "demo:blue"
    assert "rollouts-pod-template-hash" not in operation["value"]["metadata"]["labels"]
