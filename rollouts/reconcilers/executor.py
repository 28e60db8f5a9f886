"""execute(plan): carry out a plan's actions in order; one log line and Event per action.

The first failure stops the plan (the next reconcile re-plans from what was done).
"""

from __future__ import annotations

import structlog

from rollouts import model, ports
from rollouts.core import actions
from rollouts.model import conditions as c

log = structlog.get_logger(__name__)


def _scale_event(action: actions.ScaleReplicaSet) -> actions.Event:
    direction = "up" if action.replicas > action.previous else "down"
    return actions.Event(
        c.EVENT_SCALING,
        f"Scaled {direction} ReplicaSet {action.name} "
        f"(revision {action.revision}) from {action.previous} to "
        f"{action.replicas}",
    )


def _run(action: actions.Action, rollout: model.Rollout, io: ports.Ports) -> list[actions.Event]:
    cluster, ns = io.cluster, rollout.namespace
    if isinstance(action, actions.CreateReplicaSet):
        created = cluster.create_replica_set(ns, action.body)
        return list(action.events) if created else []
    if isinstance(action, actions.ScaleReplicaSet):
        cluster.scale_replica_set(
            ns, action.name, replicas=action.replicas, desired_replicas=action.desired_replicas
        )
        return [_scale_event(action)]
    if isinstance(action, actions.SetScaleDownDeadline):
        cluster.set_scale_down_deadline(ns, action.name, action.deadline)
        return []
    if isinstance(action, actions.EvictPod):
        cluster.evict_pod(ns, action.name)
        return [actions.Event(c.EVENT_RESTARTING, f"Evicted pod {action.name} to restart it")]
    if isinstance(action, actions.DeleteReplicaSet):
        cluster.delete_replica_set(ns, action.name)
        return []
    if isinstance(action, actions.SwitchService):
        cluster.switch_service(
            ns, action.name, pod_hash=action.pod_hash, rollout_name=rollout.name, adopt=action.adopt
        )
        return [
            actions.Event(
                c.EVENT_SWITCH_SERVICE,
                f"Switched selector for service "
                f"'{action.name}' from '{action.previous or ''}' to "
                f"'{action.pod_hash}'",
            )
        ]
    events = io.router.set_weight(rollout, action.weight)
    previous = "" if action.previous is None else f" from {action.previous}"
    return [
        *events,
        actions.Event(c.EVENT_WEIGHT, f"Traffic weight updated{previous} to {action.weight}"),
    ]


def execute(plan: actions.Plan, rollout: model.Rollout, io: ports.Ports) -> list[actions.Event]:
    """Run every action; return the Events to post once the status is recorded."""
    events: list[actions.Event] = []
    for action in plan.actions:
        events.extend(_run(action, rollout, io))
        log.info("action done", action=type(action).__name__, **_fields(action))
    return events


def _fields(action: actions.Action) -> dict[str, object]:
    if isinstance(action, actions.ScaleReplicaSet):
        return {"replica_set": action.name, "replicas": action.replicas}
    if isinstance(action, actions.SetCanaryWeight):
        return {"weight": action.weight}
    if isinstance(action, actions.SwitchService):
        return {"service": action.name, "pod_hash": action.pod_hash}
    if isinstance(
        action, actions.CreateReplicaSet | actions.DeleteReplicaSet | actions.SetScaleDownDeadline
    ):
        name = (
            action.body["metadata"]["name"]
            if isinstance(action, actions.CreateReplicaSet)
            else action.name
        )
        return {"replica_set": name}
    return {}
