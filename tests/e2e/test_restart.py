"""A controller killed in the middle of a step resumes exactly where it was."""

from __future__ import annotations

import pathlib

import pytest

from rollouts.devcluster import cluster, simulation
from tests.conftest import KUBECTL, Kubectl, wait_for
from tests.e2e.conftest import Controller
from tests.e2e.rollouts import NEW_IMAGE, Rollouts, manifest


def _paused_at(rollouts: Rollouts, index: int) -> bool:
    status = rollouts.status()
    return status.get("phase") == "Paused" and status.get("currentStepIndex") == index


@pytest.fixture
def own_cluster(tmp_path: pathlib.Path):
    options = cluster.Options(
        kubeconfig=tmp_path / "kubeconfig", settings=simulation.Settings(pod_ready_delay=0.05)
    )
    with cluster.BackgroundCluster(options) as running:
        yield running


def test_controller_killed_during_a_timed_pause_resumes_without_redoing_anything(
    own_cluster: cluster.BackgroundCluster, tmp_path: pathlib.Path
):
    assert KUBECTL is not None
    kubeconfig = own_cluster.options.kubeconfig
    assert kubeconfig is not None
    rollouts = Rollouts(Kubectl(kubeconfig, tmp_path / "cache"), "default")
    first = Controller(kubeconfig, tmp_path / "first.log", "default")
    first.start()
    steps = [{"setWeight": 20}, {"pause": {"duration": 3}}, {"setWeight": 60}, {"pause": {}}]
    rollouts.apply(manifest(steps=steps))
    rollouts.wait(phase="Healthy")
    rollouts.set_image(NEW_IMAGE)
    wait_for(lambda: rollouts.status().get("currentStepIndex") == 1, message="timed pause")
    # the first controller's Events are written apart from its status: let them land first
    rollouts.wait_for_event("RolloutStepCompleted")
    rollouts.wait_for_event("NewReplicaSetCreated", count=2)
    sets_before = {
        rs["metadata"]["name"]: rs["metadata"]["uid"]
        for rs in rollouts.kubectl.json("get", "replicasets")["items"]
    }

    first.kill()
    second = Controller(kubeconfig, tmp_path / "second.log", "default")
    second.start()
    try:
        wait_for(lambda: _paused_at(rollouts, 3), timeout=30, message="paused at step 3")
    finally:
        second.stop()

    sets_after = {
        rs["metadata"]["name"]: rs["metadata"]["uid"]
        for rs in rollouts.kubectl.json("get", "replicasets")["items"]
    }
    assert sets_after == sets_before
    events = rollouts.wait_for_event("RolloutStepCompleted", count=3)
    assert events.count("RolloutStepCompleted") == 3
    assert events.count("NewReplicaSetCreated") == 2
    assert "Traceback" not in second.output()
