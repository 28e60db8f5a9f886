"""workloadRef: the generation a Rollout records and the Deployment's scale-down (Argo §1.1)."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts import model
from rollouts.core import actions, planner, workload
from tests.unit.core import builders as b

GENERATION = "rollout.argoproj.io/workload-generation"


def deployment(version: str = "v1", *, generation: int = 2, replicas: int = 5) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "generation": generation},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": b.NAME}},
            "template": b.template(version),
        },
    }


def referring(
    scale_down: str = "never",
    *,
    status: dict[str, Any] | None = None,
    annotations: dict[str, str] | None = None,
    **found: Any,
) -> model.Rollout:
    body = b.manifest("v1", status=status)
    body["spec"].pop("template")
    body["spec"]["workloadRef"] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "scaleDown": scale_down,
    }
    body["metadata"]["annotations"] = annotations or {}
    return model.parse_rollout(body, workload=deployment(**found))


def test_a_first_deploy_takes_the_deployments_template_and_records_its_generation() -> None:
    plan = planner.plan_rollout(referring(), b.observed(), b.T0)
    (create,) = [a for a in plan.actions if isinstance(a, actions.CreateReplicaSet)]
    assert create.body["metadata"]["name"] == b.rs_name("v1")
    assert plan.status["workloadObservedGeneration"] == "2"
    assert plan.annotations == {"rollout.argoproj.io/revision": "1", GENERATION: "2"}


def test_a_changed_deployment_template_is_a_new_revision() -> None:
    status = {"stableRS": b.pod_hash("v1"), "currentPodHash": b.pod_hash("v1")}
    ro = referring(status=status, version="v2", generation=3)
    plan = planner.plan_rollout(ro, b.observed(b.rs("v1", 5)), b.T0)
    (create,) = [a for a in plan.actions if isinstance(a, actions.CreateReplicaSet)]
    assert create.body["metadata"]["name"] == b.rs_name("v2")
    assert plan.annotations[GENERATION] == "3"


@pytest.mark.parametrize(
    ("scale_down", "status", "replicas", "expected"),
    [
        pytest.param("never", {"phase": "Healthy"}, 5, None, id="never"),
        pytest.param("onsuccess", {"phase": "Progressing"}, 5, None, id="onsuccess-waits"),
        pytest.param("onsuccess", {"phase": "Healthy"}, 5, 0, id="onsuccess-healthy"),
        pytest.param(
            "progressively",
            {"phase": "Progressing", "readyReplicas": 2},
            5,
            3,
            id="progressively-by-ready-pods",
        ),
        pytest.param(
            "progressively", {"phase": "Progressing"}, 5, None, id="progressively-none-ready"
        ),
        pytest.param("progressively", {"phase": "Healthy"}, 5, 0, id="progressively-healthy"),
        pytest.param("onsuccess", {"phase": "Healthy"}, 0, None, id="already-down"),
    ],
)
def test_the_deployment_is_scaled_down_as_scale_down_says(
    scale_down: str, status: dict[str, Any], replicas: int, expected: int | None
) -> None:
    ro = referring(scale_down, status=status, replicas=replicas)
    found = workload.plan_workload_scale(ro, b.observed(b.rs("v1", 5)), b.pod_hash("v1"))
    assert (found.replicas if found else None) == expected


def test_only_the_first_revision_migrates_the_deployment() -> None:
    ro = referring("onsuccess", status={"phase": "Healthy"})
    seen = b.observed(b.rs("v1", 5, revision=2))
    assert workload.plan_workload_scale(ro, seen, b.pod_hash("v1")) is None


def test_a_rollout_without_workload_ref_loses_a_stale_generation_annotation() -> None:
    body = b.manifest("v1")
    body["metadata"]["annotations"] = {GENERATION: "4"}
    plan = planner.plan_rollout(model.parse_rollout(body), b.observed(), b.T0)
    assert plan.annotations[GENERATION] is None
    assert plan.status["workloadObservedGeneration"] is None
