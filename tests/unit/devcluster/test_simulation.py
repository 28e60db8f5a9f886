"""The simulated controllers in process: Deployments, ReplicaSets, the kubelet and the garbage
collector, on a fake clock (pods become ready 2 s after they are scheduled)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rollouts.devcluster import simulation, store
from tests.unit.devcluster import clock as fake_clock
from tests.unit.devcluster import manifests as m

NS = "default"
JSON = dict[str, Any]


def _steps(sim: simulation.Simulation, clock: fake_clock.FakeClock) -> Iterator[None]:
    """Run what is due, hand over, then move the clock to the next timer; until none is left."""
    while True:
        next_due = sim.run_due(clock())
        yield
        if next_due is None:
            return
        clock.advance_to(next_due)


def _is_ready(pod: JSON) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or ()
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def _live(pods: list[JSON]) -> list[JSON]:
    return [p for p in pods if "deletionTimestamp" not in p["metadata"]]


def _active(objects: store.Store, namespace: str = NS) -> list[JSON]:
    return _live(objects.list(m.PODS, namespace))


def _pod_history(objects: store.Store) -> list[list[JSON]]:
    """All pods, terminating ones too, after every pod write from now on."""
    seen: list[list[JSON]] = []
    objects.subscribe(m.PODS.key, lambda _: seen.append(objects.list(m.PODS, NS)))
    return seen


def _images(pods: list[JSON]) -> list[str]:
    return sorted(p["spec"]["containers"][0]["image"] for p in pods)


def _set_image(objects: store.Store, image: str) -> None:
    objects.patch(
        m.DEPLOYMENTS,
        namespace=NS,
        name="web",
        patch_type=store.MERGE_PATCH,
        patch={"spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}},
    )


def _conditions(obj: JSON) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in obj["status"]["conditions"]}


def _revisions(objects: store.Store) -> dict[str, int]:
    """Image → revision of each ReplicaSet."""
    return {
        rs["spec"]["template"]["spec"]["containers"][0]["image"]: int(
            rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        )
        for rs in objects.list(m.REPLICASETS, NS)
    }


def _deployed(objects: store.Store, sim: simulation.Simulation, **spec: Any) -> JSON:
    objects.create(m.DEPLOYMENTS, m.deployment(**spec), namespace=NS)
    sim.settle()
    return objects.get(m.DEPLOYMENTS, NS, "web")


# --------------------------------------------------------------------------------------------
# Deployments


def test_a_deployment_of_three_settles_to_three_available_pods(objects, sim, clock):
    deploy = _deployed(objects, sim, replicas=3)

    assert clock() == fake_clock.T0.replace(second=2)
    assert {k: v for k, v in deploy["status"].items() if k != "conditions"} == {
        "observedGeneration": 1,
        "replicas": 3,
        "updatedReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
    }
    assert _conditions(deploy) == {
        "Available": ("True", "MinimumReplicasAvailable"),
        "Progressing": ("True", "NewReplicaSetAvailable"),
    }
    assert len(_active(objects)) == 3
    assert all(_is_ready(p) for p in _active(objects))


def test_a_pod_becomes_ready_exactly_after_the_delay(objects, sim, clock):
    objects.create(m.PODS, m.pod(), namespace=NS)
    sim.run_due(clock())

    clock.advance(1.9)
    sim.run_due(clock())
    starting = objects.get(m.PODS, NS, "p")
    clock.advance(0.1)
    sim.run_due(clock())
    started = objects.get(m.PODS, NS, "p")

    assert starting["spec"]["nodeName"] == "devcluster"
    assert starting["status"]["phase"] == "Pending"
    assert starting["status"]["containerStatuses"][0]["state"] == {
        "waiting": {"reason": "ContainerCreating"}
    }
    assert not _is_ready(starting)
    assert started["status"]["phase"] == "Running"
    assert _is_ready(started)
    ready = next(c for c in started["status"]["conditions"] if c["type"] == "Ready")
    assert ready["lastTransitionTime"] == "2024-01-01T12:00:02Z"


def test_a_new_template_is_reported_progressing_until_its_pods_are_available(objects, sim, clock):
    _deployed(objects, sim, replicas=3)

    _set_image(objects, "nginx:1.26")
    sim.run_due(clock())
    rolling = objects.get(m.DEPLOYMENTS, NS, "web")
    sim.settle()
    rolled = objects.get(m.DEPLOYMENTS, NS, "web")

    assert rolling["status"]["observedGeneration"] == 2
    assert _conditions(rolling)["Progressing"] == ("True", "ReplicaSetUpdated")
    assert _conditions(rolled)["Progressing"] == ("True", "NewReplicaSetAvailable")
    assert rolled["status"]["updatedReplicas"] == 3
    assert _images(_active(objects)) == ["nginx:1.26"] * 3


@pytest.mark.parametrize(
    ("rolling", "bounds"),  # bounds: replicas, most pods, fewest available pods
    [
        pytest.param({"maxSurge": 1, "maxUnavailable": 1}, (4, 5, 3), id="surge-and-unavailable"),
        pytest.param({"maxSurge": 1, "maxUnavailable": 0}, (4, 5, 4), id="surge-only"),
        pytest.param({"maxSurge": 0, "maxUnavailable": 1}, (4, 4, 3), id="unavailable-only"),
        pytest.param(
            {"maxSurge": "25%", "maxUnavailable": "25%"},
            (10, 13, 8),
            id="percentages-round-surge-up-and-unavailable-down",
        ),
        pytest.param(
            {"maxSurge": 0, "maxUnavailable": 0}, (3, 3, 2), id="both-zero-means-one-unavailable"
        ),
    ],
)
def test_a_rolling_update_stays_within_max_surge_and_max_unavailable(
    objects, sim, clock, rolling, bounds
):
    replicas, most_pods, fewest_available = bounds
    _deployed(objects, sim, replicas=replicas, strategy={"rollingUpdate": rolling})
    _set_image(objects, "nginx:1.26")
    history = _pod_history(objects)

    for _ in _steps(sim, clock):
        pods = _active(objects)
        assert len(pods) <= most_pods
        assert sum(map(_is_ready, pods)) >= fewest_available

    assert max(len(_live(pods)) for pods in history) == most_pods
    assert min(sum(map(_is_ready, _live(pods))) for pods in history) == fewest_available
    assert _images(_active(objects)) == ["nginx:1.26"] * replicas


def test_recreate_removes_every_old_pod_before_creating_new_ones(objects, sim, clock):
    _deployed(objects, sim, replicas=3, strategy={"type": "Recreate"})
    _set_image(objects, "nginx:1.26")
    history = _pod_history(objects)

    sim.settle()

    assert [set(_images(pods)) for pods in history if len(set(_images(pods))) > 1] == []
    assert _images(_active(objects)) == ["nginx:1.26"] * 3
    assert {rs["spec"]["replicas"] for rs in objects.list(m.REPLICASETS, NS)} == {0, 3}


def test_old_replica_sets_beyond_the_revision_history_limit_are_deleted(objects, sim):
    _deployed(objects, sim, replicas=2, revisionHistoryLimit=1)

    for version in ("2", "3", "4"):
        _set_image(objects, f"nginx:{version}")
        sim.settle()

    assert _revisions(objects) == {"nginx:3": 3, "nginx:4": 4}


def test_rolling_back_reuses_the_old_replica_set_as_the_newest_revision(objects, sim):
    _deployed(objects, sim, replicas=2, revisionHistoryLimit=1)

    for image in ("nginx:2", "nginx:1.25", "nginx:3"):
        _set_image(objects, image)
        sim.settle()

    assert _revisions(objects) == {"nginx:1.25": 3, "nginx:3": 4}
    assert _images(_active(objects)) == ["nginx:3"] * 2


def test_a_broken_image_never_becomes_ready_and_the_rollout_stalls(objects, sim, clock):
    _deployed(objects, sim, replicas=3)

    _set_image(objects, "nginx:broken")
    sim.settle()
    clock.advance(600)
    sim.settle()

    deploy = objects.get(m.DEPLOYMENTS, NS, "web")
    broken = [p for p in _active(objects) if p["spec"]["containers"][0]["image"] == "nginx:broken"]
    assert [p["status"]["phase"] for p in broken] == ["Pending"]
    assert broken[0]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == (
        "ImagePullBackOff"
    )
    assert _images([p for p in _active(objects) if _is_ready(p)]) == ["nginx:1.25"] * 3
    assert (deploy["status"]["availableReplicas"], deploy["status"]["updatedReplicas"]) == (3, 1)
    assert _conditions(deploy)["Progressing"] == ("True", "ReplicaSetUpdated")


def test_scaling_a_deployment_resizes_its_replica_set_without_a_new_revision(objects, sim):
    _deployed(objects, sim, replicas=3)

    objects.patch(
        m.DEPLOYMENTS,
        namespace=NS,
        name="web",
        patch_type=store.MERGE_PATCH,
        patch={"spec": {"replicas": 5}},
    )
    sim.settle()

    assert _revisions(objects) == {"nginx:1.25": 1}
    assert len([p for p in _active(objects) if _is_ready(p)]) == 5
    assert objects.get(m.DEPLOYMENTS, NS, "web")["status"]["availableReplicas"] == 5


def test_min_ready_seconds_delays_available_replicas(objects, sim, clock):
    objects.create(m.DEPLOYMENTS, m.deployment(replicas=3, minReadySeconds=10), namespace=NS)
    sim.run_due(clock())
    clock.advance(2)
    sim.run_due(clock())  # ready at 12:00:02, so available from 12:00:12

    clock.advance(9.9)
    sim.run_due(clock())
    waiting = objects.get(m.DEPLOYMENTS, NS, "web")
    clock.advance(0.1)
    sim.run_due(clock())
    available = objects.get(m.DEPLOYMENTS, NS, "web")

    assert waiting["status"]["readyReplicas"] == 3
    assert "availableReplicas" not in waiting["status"]
    assert _conditions(waiting)["Available"] == ("False", "MinimumReplicasUnavailable")
    assert available["status"]["availableReplicas"] == 3
    assert _conditions(available)["Available"] == ("True", "MinimumReplicasAvailable")


def test_min_ready_seconds_set_later_applies_to_the_current_replica_set(objects, sim, clock):
    _deployed(objects, sim, replicas=1)
    clock.advance(60)

    objects.patch(
        m.DEPLOYMENTS,
        namespace=NS,
        name="web",
        patch_type=store.MERGE_PATCH,
        patch={"spec": {"replicas": 2, "minReadySeconds": 10}},
    )
    sim.run_due(clock())
    clock.advance(2)
    sim.run_due(clock())  # the new pod is ready, but not yet available

    deploy = objects.get(m.DEPLOYMENTS, NS, "web")
    assert _revisions(objects) == {"nginx:1.25": 1}
    assert (deploy["status"]["readyReplicas"], deploy["status"]["availableReplicas"]) == (2, 1)


# --------------------------------------------------------------------------------------------
# ReplicaSets and pods


def _scale_replica_set(objects: store.Store, replicas: int) -> None:
    objects.patch(
        m.REPLICASETS,
        namespace=NS,
        name="web",
        patch_type=store.MERGE_PATCH,
        patch={"spec": {"replicas": replicas}},
    )


def test_scaling_a_replica_set_down_deletes_the_pods_that_are_not_ready_first(objects, sim, clock):
    objects.create(m.REPLICASETS, m.replica_set(replicas=2), namespace=NS)
    sim.settle()
    ready = {p["metadata"]["name"] for p in _active(objects)}

    _scale_replica_set(objects, 4)
    sim.run_due(clock())
    _scale_replica_set(objects, 2)
    sim.run_due(clock())

    assert {p["metadata"]["name"] for p in _active(objects)} == ready
    assert objects.get(m.REPLICASETS, NS, "web")["status"]["availableReplicas"] == 2


def test_a_deleted_pod_terminates_gracefully_and_is_replaced(objects, sim, clock):
    objects.create(m.REPLICASETS, m.replica_set(replicas=1), namespace=NS)
    sim.settle()
    [first] = _active(objects)

    terminating, gone = objects.delete(m.PODS, namespace=NS, name=first["metadata"]["name"])
    sim.run_due(clock())
    replaced = [p["metadata"]["name"] for p in objects.list(m.PODS, NS)]
    sim.settle()

    assert not gone
    assert terminating["metadata"]["deletionGracePeriodSeconds"] == 30
    assert first["metadata"]["name"] in replaced
    assert len(replaced) == 2
    assert first["metadata"]["name"] not in [p["metadata"]["name"] for p in _active(objects)]
    assert len(objects.list(m.PODS, NS)) == 1


# --------------------------------------------------------------------------------------------
# Garbage collection and namespaces


def _deletions(objects: store.Store) -> list[str]:
    """Kinds of the objects removed from now on, in order."""
    seen: list[str] = []
    objects.subscribe(
        None, lambda c: seen.append(c.object["kind"]) if c.type == "DELETED" else None
    )
    return seen


def test_deleting_a_deployment_collects_its_replica_sets_and_pods(objects, sim):
    _deployed(objects, sim, replicas=2)

    _, gone = objects.delete(m.DEPLOYMENTS, namespace=NS, name="web", propagation="Background")
    sim.settle()

    assert gone
    assert objects.list(m.REPLICASETS, NS) == []
    assert objects.list(m.PODS, NS) == []


def test_orphan_deletion_keeps_the_dependents_without_their_owner_reference(objects, sim):
    _deployed(objects, sim, replicas=2)

    _, gone = objects.delete(m.DEPLOYMENTS, namespace=NS, name="web", propagation="Orphan")
    sim.settle()

    [rs] = objects.list(m.REPLICASETS, NS)
    assert not gone
    assert objects.peek(m.DEPLOYMENTS, NS, "web") is None
    assert "ownerReferences" not in rs["metadata"]
    assert len([p for p in _active(objects) if _is_ready(p)]) == 2


def test_foreground_deletion_removes_the_dependents_before_the_owner(objects, sim, clock):
    _deployed(objects, sim, replicas=2)
    deletions = _deletions(objects)

    objects.delete(m.DEPLOYMENTS, namespace=NS, name="web", propagation="Foreground")
    sim.run_due(clock())
    waiting = objects.get(m.DEPLOYMENTS, NS, "web")
    sim.settle()

    assert waiting["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert deletions == ["Pod", "Pod", "ReplicaSet", "Deployment"]
    assert objects.list(m.PODS, NS) == []


def test_deleting_a_namespace_removes_everything_in_it_then_the_namespace(objects, sim, clock):
    objects.create(m.NAMESPACES, {"metadata": {"name": "shop"}})
    objects.create(m.DEPLOYMENTS, m.deployment(replicas=2), namespace="shop")
    objects.create(m.CONFIGMAPS, m.configmap(), namespace="shop")
    sim.settle()
    deletions = _deletions(objects)

    objects.delete(m.NAMESPACES, namespace=None, name="shop")
    sim.run_due(clock())
    terminating = objects.get(m.NAMESPACES, None, "shop")
    sim.settle()

    assert terminating["status"]["phase"] == "Terminating"
    assert objects.peek(m.NAMESPACES, None, "shop") is None
    assert deletions[-1] == "Namespace"
    assert sorted(deletions[:-1]) == ["ConfigMap", "Deployment", "Pod", "Pod", "ReplicaSet"]


# --------------------------------------------------------------------------------------------
# Quiet


@pytest.mark.parametrize(
    ("strategy", "image"),
    [
        pytest.param("RollingUpdate", None, id="deployed"),
        pytest.param("RollingUpdate", "nginx:1.26", id="rolled-out"),
        pytest.param("Recreate", "nginx:1.26", id="recreated"),
        pytest.param("RollingUpdate", "nginx:broken", id="stalled-on-a-broken-image"),
    ],
)
def test_a_settle_on_a_steady_cluster_makes_no_writes(objects, sim, clock, strategy, image):
    _deployed(objects, sim, replicas=3, minReadySeconds=5, strategy={"type": strategy})
    if image is not None:
        _set_image(objects, image)
        sim.settle()
    before = objects.resource_version

    clock.advance(60)
    sim.settle()

    assert objects.resource_version == before
