"""Canary rollouts end to end: the controller process, a cluster, and kubectl.

Each test changes intent the way users and tools do (spec §4 patches) and waits for the state
a user would look at: phase and message, ReplicaSet sizes, Service selectors, canary weight.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.conftest import Kubectl, wait_for
from tests.e2e.conftest import Controller
from tests.e2e.rollouts import NEW_IMAGE, Rollouts, manifest, routing_objects


@pytest.fixture
def rollouts(controller: Controller, kubectl: Kubectl, namespace: str) -> Rollouts:
    return Rollouts(kubectl, namespace)


def _deployed(rollouts: Rollouts, body: dict[str, Any], *extra: dict[str, Any]) -> dict[str, Any]:
    rollouts.apply(*extra, body)
    return rollouts.wait(phase="Healthy")


def test_first_deploy_skips_the_steps_and_is_healthy(rollouts: Rollouts):
    status = _deployed(rollouts, manifest())

    assert status["currentPodHash"] == status["stableRS"]
    assert status["currentStepIndex"] == 4
    assert list(rollouts.replica_sets().values()) == [(5, 5)]


def test_basic_canary_pauses_at_the_first_weight_then_walks_to_healthy(rollouts: Rollouts):
    stable = _deployed(rollouts, manifest())["stableRS"]

    rollouts.set_image(NEW_IMAGE)
    paused = rollouts.wait(phase="Paused", message="CanaryPauseStep")
    sizes = rollouts.replica_sets()
    rollouts.promote()
    done = rollouts.wait(phase="Healthy")

    assert paused["currentStepIndex"] == 1
    assert sizes == {stable: (4, 4), paused["currentPodHash"]: (1, 1)}
    assert done["stableRS"] == paused["currentPodHash"]
    assert rollouts.replica_sets()[stable][0] == 0
    rollouts.wait_for_event("RolloutCompleted")


def test_nginx_canary_weight_and_services_follow_the_steps(rollouts: Rollouts):
    stable = _deployed(
        rollouts,
        manifest(replicas=2, nginx=True, steps=[{"setWeight": 25}, {"pause": {}}]),
        *routing_objects(),
    )["stableRS"]

    rollouts.set_image(NEW_IMAGE)
    canary = rollouts.wait(phase="Paused")["currentPodHash"]
    at_pause = (
        rollouts.canary_weight(),
        rollouts.selector_hash("demo-stable"),
        rollouts.selector_hash("demo-canary"),
        rollouts.replica_sets(),
    )
    rollouts.promote()
    rollouts.wait(phase="Healthy")

    assert at_pause == ("25", stable, canary, {stable: (2, 2), canary: (1, 1)})
    assert rollouts.canary_weight() == "0"
    assert rollouts.selector_hash("demo-stable") == canary
    old = rollouts.get("replicaset", f"demo-{stable}")
    assert "scale-down-deadline" in old["metadata"]["annotations"]


def test_promote_full_skips_the_remaining_steps(rollouts: Rollouts):
    _deployed(rollouts, manifest())
    rollouts.set_image(NEW_IMAGE)
    rollouts.wait(phase="Paused")

    rollouts.patch({"status": {"promoteFull": True}}, status=True)
    done = rollouts.wait(phase="Healthy")

    assert done["currentStepIndex"] == 4
    assert "promoteFull" not in done


def test_abort_sends_traffic_back_to_stable_and_retry_starts_over(rollouts: Rollouts):
    stable = _deployed(rollouts, manifest(replicas=2, nginx=True), *routing_objects())["stableRS"]
    rollouts.set_image(NEW_IMAGE)
    rollouts.wait(phase="Paused")

    rollouts.patch({"status": {"abort": True}}, status=True)
    aborted = rollouts.wait(phase="Degraded", message="RolloutAborted")
    after_abort = (rollouts.canary_weight(), rollouts.selector_hash("demo-canary"))
    rollouts.patch({"status": {"abort": False}}, status=True)
    retried = rollouts.wait(phase="Paused")

    assert aborted["message"].startswith("RolloutAborted: Rollout aborted update to revision 2")
    assert after_abort == ("0", stable)
    assert retried["currentStepIndex"] == 1
    assert rollouts.canary_weight() == "20"


def test_basic_abort_scales_the_canary_down_at_once(rollouts: Rollouts):
    stable = _deployed(rollouts, manifest())["stableRS"]
    rollouts.set_image(NEW_IMAGE)
    canary = rollouts.wait(phase="Paused")["currentPodHash"]

    rollouts.patch({"status": {"abort": True}}, status=True)

    wait_for(
        lambda: rollouts.replica_sets() == {stable: (5, 5), canary: (0, 0)},
        message="canary at 0, stable back to 5",
    )


def test_going_back_to_the_stable_template_skips_the_steps(rollouts: Rollouts):
    first = _deployed(rollouts, manifest())
    rollouts.set_image(NEW_IMAGE)
    rollouts.wait(phase="Paused")

    rollouts.set_image("argoproj/rollouts-demo:blue")
    back = rollouts.wait(phase="Healthy")

    assert back["stableRS"] == first["stableRS"] == back["currentPodHash"]
    rollouts.wait_for_event("SkipSteps")


def test_a_new_image_mid_rollout_restarts_the_steps(rollouts: Rollouts):
    stable = _deployed(rollouts, manifest())["stableRS"]
    rollouts.set_image(NEW_IMAGE)
    second = rollouts.wait(phase="Paused")["currentPodHash"]

    rollouts.set_image("argoproj/rollouts-demo:green")
    third = rollouts.wait(phase="Paused")

    assert third["currentStepIndex"] == 1
    assert third["stableRS"] == stable
    wait_for(
        lambda: rollouts.replica_sets().get(second, (1, 1))[0] == 0,
        message="the abandoned revision scaled to 0",
    )


def test_a_canary_that_never_becomes_ready_is_degraded_and_gets_no_traffic(rollouts: Rollouts):
    stable = _deployed(
        rollouts, manifest(replicas=2, nginx=True, progressDeadlineSeconds=3), *routing_objects()
    )["stableRS"]

    rollouts.set_image("argoproj/rollouts-demo:broken")
    degraded = rollouts.wait(phase="Degraded", message="ProgressDeadlineExceeded", timeout=30)

    assert degraded["stableRS"] == stable
    assert rollouts.canary_weight() == "0"
    assert rollouts.selector_hash("demo-stable") == stable


def test_a_paused_rollout_scales_nothing_until_resumed(rollouts: Rollouts):
    stable = _deployed(rollouts, manifest())["stableRS"]
    rollouts.patch({"spec": {"paused": True}})
    rollouts.set_image(NEW_IMAGE)
    paused = rollouts.wait(phase="Paused", message="manually paused")
    sizes_while_paused = rollouts.replica_sets()

    rollouts.patch({"spec": {"paused": False}})
    resumed = rollouts.wait(phase="Paused", message="CanaryPauseStep")

    assert sizes_while_paused == {stable: (5, 5), paused["currentPodHash"]: (0, 0)}
    assert resumed["currentStepIndex"] == 1


@pytest.mark.parametrize(
    ("extra", "missing", "field"),
    [
        pytest.param((), "service", "stableService", id="missing-services"),
        pytest.param(routing_objects()[:2], "ingress", "stableIngress", id="missing-ingress"),
    ],
)
def test_a_missing_reference_is_invalid_spec_and_recovers_once_created(
    rollouts: Rollouts, extra: tuple[dict[str, Any], ...], missing: str, field: str
):
    rollouts.apply(*extra, manifest(replicas=1, nginx=True))

    invalid = rollouts.wait(phase="Degraded", message="InvalidSpec")
    rollouts.apply(*routing_objects())
    healthy = rollouts.wait(phase="Healthy")

    assert field in invalid["message"]
    assert all(c["type"] != "InvalidSpec" for c in healthy["conditions"])
    rollouts.wait_for_event("InvalidSpec")


def test_a_malformed_rollout_does_not_stop_the_others(rollouts: Rollouts):
    bad = manifest(name="bad", steps=[{"setWeight": 20}, {"pause": {"duration": "soon"}}])
    rollouts.apply(bad, manifest(name="good"))

    invalid = rollouts.wait(name="bad", phase="Degraded")
    rollouts.wait(name="good", phase="Healthy")

    assert "Duration needs to be greater than 0" in invalid["message"]
    assert "spec.strategy.canary.steps[1].pause.duration" in invalid["message"]


def test_restart_at_replaces_every_pod_a_few_at_a_time(rollouts: Rollouts):
    _deployed(rollouts, manifest(replicas=4))
    before = {
        p["metadata"]["name"]
        for p in rollouts.kubectl.json("-n", rollouts.namespace, "get", "pods")["items"]
    }
    # a second on: timestamps have second precision, and every pod must be older
    at = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )

    rollouts.patch({"spec": {"restartAt": at}})
    rollouts.wait(phase="Healthy", timeout=30)
    wait_for(lambda: rollouts.status().get("restartedAt") == at, message="restartedAt recorded")

    after = {
        p["metadata"]["name"]
        for p in rollouts.kubectl.json("-n", rollouts.namespace, "get", "pods")["items"]
    }
    assert not before & after
    rollouts.wait_for_event("RestartingPods")


def _roles(rollouts: Rollouts) -> dict[str, list[str | None]]:
    """The role label of the running pods, by pod-template hash."""
    found: dict[str, list[str | None]] = {}
    for pod in rollouts.kubectl.json("-n", rollouts.namespace, "get", "pods")["items"]:
        labels = pod["metadata"]["labels"]
        found.setdefault(labels["rollouts-pod-template-hash"], []).append(labels.get("role"))
    return {pod_hash: sorted(roles, key=str) for pod_hash, roles in found.items()}


def test_canary_and_stable_pods_carry_their_role_metadata(rollouts: Rollouts):
    roles = {
        "canaryMetadata": {"labels": {"role": "canary"}},
        "stableMetadata": {"labels": {"role": "stable"}},
    }
    body = manifest(replicas=2, steps=[{"setWeight": 50}, {"pause": {}}])
    body["spec"]["strategy"]["canary"].update(roles)
    rollouts.apply(body)
    first = rollouts.wait(phase="Healthy")["stableRS"]
    wait_for(lambda: _roles(rollouts) == {first: ["stable", "stable"]}, message="stable roles")

    rollouts.set_image(NEW_IMAGE)
    paused = rollouts.wait(phase="Paused")
    canary = paused["currentPodHash"]
    wait_for(
        lambda: _roles(rollouts) == {first: ["stable"], canary: ["canary"]},
        message="a canary pod labelled canary beside a stable one",
    )

    (canary_pod,) = rollouts.kubectl.json(
        "-n", rollouts.namespace, "get", "pods", "-l", f"rollouts-pod-template-hash={canary}"
    )["items"]

    rollouts.promote()
    rollouts.wait(phase="Healthy")
    wait_for(
        lambda: _roles(rollouts) == {canary: ["stable", "stable"]},
        message="the new stable's pods labelled stable",
    )
    # relabelled in place when its set became stable, not replaced
    name = canary_pod["metadata"]["name"]
    after = rollouts.kubectl.json("-n", rollouts.namespace, "get", "pod", name)
    assert after["metadata"]["uid"] == canary_pod["metadata"]["uid"]
