"""execute(plan): carry out a plan's actions in order; one log line and Event per action.

The first failure stops the plan (the next reconcile re-plans from what was done).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog

from rollouts import model, ports
from rollouts.core import actions
from rollouts.model import conditions as c

log = structlog.get_logger(__name__)
Events = list[actions.Event]


def _create_replica_set(a: actions.CreateReplicaSet, ro: model.Rollout, io: ports.Ports) -> Events:
    created = io.cluster.create_replica_set(ro.namespace, a.body)
    return list(a.events) if created else []


def _revision(a: actions.SetReplicaSetRevision, ro: model.Rollout, io: ports.Ports) -> Events:
    io.cluster.set_replica_set_revision(
        ro.namespace, a.name, revision=a.revision, history=a.history
    )
    return []


def _scale(a: actions.ScaleReplicaSet, ro: model.Rollout, io: ports.Ports) -> Events:
    io.cluster.scale_replica_set(
        ro.namespace, a.name, replicas=a.replicas, desired_replicas=a.desired_replicas
    )
    return [
        actions.scaling_event(a.name, revision=a.revision, previous=a.previous, replicas=a.replicas)
    ]


def _deadline(a: actions.SetScaleDownDeadline, ro: model.Rollout, io: ports.Ports) -> Events:
    io.cluster.set_scale_down_deadline(ro.namespace, a.name, a.deadline)
    return []


def _pod_metadata(a: actions.SetPodMetadata, ro: model.Rollout, io: ports.Ports) -> Events:
    io.cluster.set_pod_metadata(
        ro.namespace,
        a.name,
        pod_hash=a.pod_hash,
        labels=a.labels,
        annotations=a.annotations,
        record=a.record,
    )
    return []


def _evict(a: actions.EvictPod, ro: model.Rollout, io: ports.Ports) -> Events:
    io.cluster.evict_pod(ro.namespace, a.name)
    return [actions.Event(c.EVENT_RESTARTING, f"Evicted pod {a.name} to restart it")]


def _delete_replica_set(a: actions.DeleteReplicaSet, ro: model.Rollout, io: ports.Ports) -> Events:
    io.cluster.delete_replica_set(ro.namespace, a.name)
    return []


def _switch(a: actions.SwitchService, ro: model.Rollout, io: ports.Ports) -> Events:
    io.cluster.switch_service(
        ro.namespace, a.name, pod_hash=a.pod_hash, rollout_name=ro.name, adopt=a.adopt
    )
    return [
        actions.Event(
            c.EVENT_SWITCH_SERVICE,
            f"Switched selector for service '{a.name}' from '{a.previous or ''}' to '{a.pod_hash}'",
        )
    ]


def _weight(a: actions.SetCanaryWeight, ro: model.Rollout, io: ports.Ports) -> Events:
    events = io.router.set_weight(ro, a.weight)
    previous = "" if a.previous is None else f" from {a.previous}"
    return [
        *events,
        actions.Event(c.EVENT_WEIGHT, f"Traffic weight updated{previous} to {a.weight}"),
    ]


def _create_run(a: actions.CreateAnalysisRun, ro: model.Rollout, io: ports.Ports) -> Events:
    io.cluster.create_analysis_run(ro.namespace, a.body)
    return []


def _terminate_run(a: actions.TerminateAnalysisRun, ro: model.Rollout, io: ports.Ports) -> Events:
    io.cluster.terminate_analysis_run(ro.namespace, a.name)
    return []


def _delete_run(a: actions.DeleteAnalysisRun, ro: model.Rollout, io: ports.Ports) -> Events:
    io.cluster.delete_analysis_run(ro.namespace, a.name)
    return []


def _scale_workload(a: actions.ScaleWorkload, ro: model.Rollout, io: ports.Ports) -> Events:
    io.cluster.scale_deployment(ro.namespace, a.name, a.replicas)
    return []


_RUNNERS: dict[type[Any], Callable[[Any, model.Rollout, ports.Ports], Events]] = {
    actions.CreateReplicaSet: _create_replica_set,
    actions.SetReplicaSetRevision: _revision,
    actions.ScaleReplicaSet: _scale,
    actions.SetScaleDownDeadline: _deadline,
    actions.SetPodMetadata: _pod_metadata,
    actions.EvictPod: _evict,
    actions.DeleteReplicaSet: _delete_replica_set,
    actions.SwitchService: _switch,
    actions.SetCanaryWeight: _weight,
    actions.CreateAnalysisRun: _create_run,
    actions.TerminateAnalysisRun: _terminate_run,
    actions.DeleteAnalysisRun: _delete_run,
    actions.ScaleWorkload: _scale_workload,
}


def execute(plan: actions.Plan, rollout: model.Rollout, io: ports.Ports) -> Events:
    """Run every action; return the Events to post once the status is recorded."""
    events: Events = []
    for action in plan.actions:
        events.extend(_RUNNERS[type(action)](action, rollout, io))
        log.info("action done", action=type(action).__name__, **_fields(action))
    return events


def _fields(action: actions.Action) -> dict[str, object]:
    if isinstance(action, actions.CreateReplicaSet | actions.CreateAnalysisRun):
        return {"name": action.body["metadata"]["name"]}
    return {
        k: getattr(action, k)
        for k in ("name", "replicas", "weight", "pod_hash", "revision")
        if hasattr(action, k)
    }
