"""Finding the current ReplicaSet by template when the hash does not name it (Argo §2.1 rule 3),
as after `kubectl rollouts undo`, which copies a set's stored template into the Rollout."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from rollouts import model
from rollouts.core import actions, identity, planner
from tests.unit.core import builders as b

STEPS = [{"setWeight": 50}, {"pause": {}}]


def stored(version: str) -> dict[str, Any]:
    """A pod template as the API server stores it in a ReplicaSet: defaults filled in."""
    template = copy.deepcopy(b.template(version))
    template["metadata"]["creationTimestamp"] = None
    template["spec"].update(
        restartPolicy="Always",
        terminationGracePeriodSeconds=30,
        dnsPolicy="ClusterFirst",
        securityContext={},
        schedulerName="default-scheduler",
    )
    template["spec"]["containers"][0].update(
        terminationMessagePath="/dev/termination-log",
        terminationMessagePolicy="File",
        resources={},
        imagePullPolicy="IfNotPresent",
    )
    return template


def test_a_set_with_the_same_template_once_defaulted_is_the_current_one() -> None:
    seen = b.observed(b.rs("v1", 0), b.rs("v2", 5, revision=2))
    found = identity.find_current(seen, stored("v1"), "not-a-hash-of-any-set")
    assert found is not None
    assert found.name == b.rs_name("v1")


def test_the_role_metadata_and_anti_affinity_the_controller_added_do_not_count() -> None:
    template = stored("v1")
    template["metadata"]["labels"]["role"] = "canary"
    template["spec"]["affinity"] = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {
                        "matchExpressions": [
                            {"key": "rollouts-pod-template-hash", "operator": "In", "values": ["x"]}
                        ]
                    },
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    old = dataclasses.replace(
        b.rs("v1", 0), template=template, ephemeral=model.PodMetadata(labels={"role": "canary"})
    )
    found = identity.find_current(b.observed(old), b.template("v1"), "other")
    assert found is not None


def test_a_different_template_is_not_the_current_one() -> None:
    seen = b.observed(b.rs("v1", 5))
    assert identity.find_current(seen, stored("v2"), "other") is None


def test_undo_to_the_stable_set_reuses_it_with_the_newest_revision() -> None:
    # v2 is rolling out over v1; undo copies v1's stored template into the Rollout
    status = {
        "stableRS": b.pod_hash("v1"),
        "currentPodHash": b.pod_hash("v2"),
        "currentStepHash": b.step_hash(STEPS),
        "currentStepIndex": 1,
    }
    body = b.manifest("v1", steps=STEPS, status=status)
    body["spec"]["template"] = stored("v1")
    seen = b.observed(b.rs("v1", 5), b.rs("v2", 1, revision=2))
    plan = planner.plan_rollout(model.parse_rollout(body), seen, b.T0)
    assert not [a for a in plan.actions if isinstance(a, actions.CreateReplicaSet)]
    assert actions.SetReplicaSetRevision(b.rs_name("v1"), 3, "1") in plan.actions
    assert plan.status["currentPodHash"] == b.pod_hash("v1")
    assert plan.status["stableRS"] == b.pod_hash("v1")
