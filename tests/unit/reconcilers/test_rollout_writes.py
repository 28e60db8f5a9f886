"""reconcile_rollout over fakes of its ports: what it writes, counted call by call.

The fake cluster keeps the Rollout and its ReplicaSets as the API server would after each
write (a status merge patch merged into the stored object, a created or scaled ReplicaSet at
its size and available), so a loop of reconciles reaches the state a real cluster settles in.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from rollouts import model, ports
from rollouts.core import actions
from rollouts.core.observed import HASH_LABEL, REVISION, Observed, ReplicaSetState
from rollouts.reconcilers import rollout as reconciler
from tests.unit.core import builders as b


class FakeCluster:
    """The writes of ports.Cluster, each recorded; the world they leave behind."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.sets: dict[str, ReplicaSetState] = {}
        self.writes: list[str] = []
        self.sent: list[Mapping[str, Any]] = []  # the status patches, as sent

    def create_replica_set(self, namespace: str, body: Mapping[str, Any]) -> bool:
        self.writes.append("create replicaset")
        meta, size = body["metadata"], int(body["spec"]["replicas"])
        self.sets[meta["name"]] = ReplicaSetState(
            name=meta["name"],
            pod_hash=meta["labels"][HASH_LABEL],
            spec_replicas=size,
            replicas=size,
            ready=size,
            available=size,
            revision=int(meta["annotations"][REVISION]),
            template=body["spec"]["template"],
        )
        return True

    def scale_replica_set(self, namespace: str, name: str, *, replicas: int, **_: Any) -> None:
        self.writes.append("scale replicaset")
        self.sets[name] = dataclasses.replace(
            self.sets[name], spec_replicas=replicas, replicas=replicas, available=replicas
        )

    def patch_rollout_status(
        self, namespace: str, name: str, status: Mapping[str, Any], *, resource_version: str
    ) -> Mapping[str, Any]:
        self.writes.append("patch rollout status")
        self.sent.append(status)
        self.body["status"] = b.merge_patch(self.body.get("status") or {}, status)
        return self.body

    def annotate_rollout(
        self, namespace: str, name: str, annotations: Mapping[str, str | None]
    ) -> None:
        self.writes.append("patch rollout annotations")
        held = self.body["metadata"].setdefault("annotations", {})
        self.body["metadata"]["annotations"] = b.merge_patch(held, annotations)

    def __getattr__(self, name: str) -> Any:
        def write(*args: Any, **kwargs: Any) -> None:
            self.writes.append(name)

        return write


class FakeObserver:
    def __init__(self, cluster: FakeCluster) -> None:
        self.cluster = cluster

    def get_rollout(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        return self.cluster.body

    def observe(self, rollout: model.Rollout) -> Observed:
        return b.observed(*self.cluster.sets.values())


class Clock:
    def now(self) -> datetime.datetime:
        return b.T0


class Silent:
    def event(self, ref: model.ObjectRef, event: actions.Event) -> None:
        return None


def _ports(cluster: FakeCluster) -> ports.Ports:
    return ports.Ports(
        cluster=cluster,
        observer=FakeObserver(cluster),
        router=None,
        recorder=Silent(),
        clock=Clock(),
        metrics=None,
    )


def _settle(cluster: FakeCluster, passes: int = 10) -> None:
    io = _ports(cluster)
    for _ in range(passes):
        before = len(cluster.writes)
        reconciler.reconcile_rollout("default", b.NAME, io=io)
        if len(cluster.writes) == before:
            return
    raise AssertionError(f"still writing after {passes} reconciles: {cluster.writes}")


def test_a_settled_rollout_costs_no_write_per_reconcile() -> None:
    cluster = FakeCluster(b.manifest("v1", steps=[{"setWeight": 20}, {"pause": {}}]))
    _settle(cluster)
    assert cluster.body["status"]["phase"] == "Healthy"
    cluster.writes.clear()
    for _ in range(3):
        reconciler.reconcile_rollout("default", b.NAME, io=_ports(cluster))
    assert cluster.writes == []


def test_an_initial_deploy_records_the_revision_on_the_rollout() -> None:
    cluster = FakeCluster(b.manifest("v1"))
    _settle(cluster)
    assert cluster.body["metadata"]["annotations"][REVISION] == "1"
    assert cluster.writes.count("patch rollout annotations") == 1


def test_a_status_patch_sends_only_what_changed() -> None:
    cluster = FakeCluster(b.manifest("v1", replicas=2))
    _settle(cluster)
    (name,) = cluster.sets
    # a pod of the set stops being available: the counts, conditions and phase move
    cluster.sets[name] = dataclasses.replace(cluster.sets[name], ready=1, available=1)
    cluster.sent.clear()
    reconciler.reconcile_rollout("default", b.NAME, io=_ports(cluster))
    (patch,) = cluster.sent
    assert set(patch) <= {"readyReplicas", "availableReplicas", "conditions", "phase", "message"}
    assert patch["availableReplicas"] == 1
    assert cluster.body["status"]["availableReplicas"] == 1
