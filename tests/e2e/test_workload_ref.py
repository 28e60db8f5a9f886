"""workloadRef end to end: a Rollout that takes its pod template from a Deployment people
already run, migrates it (scaleDown) and follows its template changes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Kubectl, wait_for
from tests.e2e.conftest import Controller
from tests.e2e.rollouts import NEW_IMAGE, Rollouts, manifest

GENERATION = "rollout.argoproj.io/workload-generation"


@pytest.fixture
def rollouts(controller: Controller, kubectl: Kubectl, namespace: str) -> Rollouts:
    return Rollouts(kubectl, namespace)


def deployment(replicas: int = 2) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "demo"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": {
                "metadata": {"labels": {"app": "demo"}},
                "spec": {"containers": [{"name": "app", "image": "argoproj/rollouts-demo:blue"}]},
            },
        },
    }


def referring(scale_down: str = "onsuccess") -> dict[str, Any]:
    body = manifest(replicas=2, steps=[{"setWeight": 50}, {"pause": {}}])
    spec = body["spec"]
    spec.pop("template")
    spec.pop("selector")
    spec["workloadRef"] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "demo",
        "scaleDown": scale_down,
    }
    return body


def _observed_generations(rollouts: Rollouts) -> tuple[str | None, str | None]:
    body = rollouts.get()
    annotations = body["metadata"].get("annotations") or {}
    return (body.get("status") or {}).get("workloadObservedGeneration"), annotations.get(GENERATION)


def _deployment_replicas(rollouts: Rollouts) -> int:
    return int(rollouts.get("deployment", "demo")["spec"]["replicas"])


def test_a_rollout_takes_over_a_deployment_and_scales_it_down_on_success(rollouts: Rollouts):
    rollouts.apply(deployment())
    rollouts.apply(referring())
    status = rollouts.wait(phase="Healthy")
    wait_for(
        lambda: _deployment_replicas(rollouts) == 0,
        timeout=15,
        message="the Deployment scaled to 0 once the Rollout is Healthy",
    )

    ours = rollouts.get("replicaset", f"demo-{status['stableRS']}")
    assert ours["spec"]["replicas"] == 2
    assert ours["metadata"]["ownerReferences"][0]["kind"] == "Rollout"
    # scaling the Deployment is a spec change: its generation moves, and the Rollout follows
    wait_for(
        lambda: (
            _observed_generations(rollouts)
            == (str(rollouts.get("deployment", "demo")["metadata"]["generation"]),) * 2
        ),
        timeout=15,
        message="the Rollout recorded the Deployment's generation",
    )


def test_a_change_to_the_deployments_template_starts_a_new_revision(rollouts: Rollouts):
    rollouts.apply(deployment())
    rollouts.apply(referring(scale_down="never"))
    stable = rollouts.wait(phase="Healthy")["stableRS"]

    rollouts.kubectl(
        "-n", rollouts.namespace, "set", "image", "deployment/demo", f"app={NEW_IMAGE}"
    )
    paused = rollouts.wait(phase="Paused", message="CanaryPauseStep")

    assert paused["currentPodHash"] != stable
    generation = str(rollouts.get("deployment", "demo")["metadata"]["generation"])
    assert paused["workloadObservedGeneration"] == generation
    assert rollouts.get()["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "2"
    assert _deployment_replicas(rollouts) == 2  # scaleDown: never


def test_a_missing_deployment_is_invalid_until_it_exists(rollouts: Rollouts):
    rollouts.apply(referring())
    invalid = rollouts.wait(phase="Degraded", message="InvalidSpec")

    assert invalid["message"] == (
        'InvalidSpec: The Rollout "demo" is invalid: spec.workloadRef: '
        'Invalid value: "demo": deployments.apps "demo" not found'
    )
    rollouts.wait_for_event("InvalidSpec")
    rollouts.apply(deployment())
    rollouts.wait(phase="Healthy", timeout=40)
