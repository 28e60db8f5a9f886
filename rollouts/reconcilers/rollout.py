"""reconcile_rollout: load → observe → plan → execute → record, for one Rollout.

Every trigger (a watch event, a timer, a retry) calls this same function. It is safe to call
at any time: the plan comes from the cluster's state, actions are idempotent, the status is
written with the resourceVersion it was planned from (a stale plan gets 409 and re-plans), and
Events are posted only after that write succeeds, so a transition is announced once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import structlog

from rollouts import errors, model, ports
from rollouts.core import actions, planner, status
from rollouts.core.observed import REVISION
from rollouts.model import conditions as c
from rollouts.reconcilers import executor

log = structlog.get_logger(__name__)
INVALID_SPEC_RECHECK = 20.0  # seconds; Argo re-checks invalid Rollouts as often


@dataclasses.dataclass(frozen=True)
class Outcome:
    requeue_after: float | None = None


def merge_changes(current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The part of the merge patch `desired` that would change `current`: what to send.

    Objects merge key by key (RFC 7386), so a nested object is compared member by member: the
    status sends `canary: {currentStepAnalysisRunStatus: None}` that the server stored as
    `canary: {}`, and that must not cost a write on every reconcile. Sending only what changed
    keeps a status PATCH small (a step is a few fields, not the whole status).
    """
    changes: dict[str, Any] = {}
    for key, value in desired.items():
        held = current.get(key)
        if value is None:
            if key in current:
                changes[key] = None
        elif isinstance(value, Mapping):
            held = {} if held is None else held  # an absent object and an empty one mean alike
            inner = merge_changes(held, value) if isinstance(held, Mapping) else dict(value)
            if inner:
                changes[key] = inner
        elif held != value:
            changes[key] = value
    return changes


def _record(
    io: ports.Ports,
    ref: model.ObjectRef,
    *,
    resource_version: str,
    current: Mapping[str, Any],
    doc: Mapping[str, Any],
) -> bool:
    changes = merge_changes(current, doc)
    if not changes:
        return False
    io.cluster.patch_rollout_status(
        ref.namespace, ref.name, changes, resource_version=resource_version
    )
    return True


def _invalid(io: ports.Ports, body: Mapping[str, Any], problem: errors.SpecError) -> Outcome:
    meta = body.get("metadata") or {}
    ref = model.ObjectRef(
        str(meta.get("namespace", "default")), str(meta.get("name")), str(meta.get("uid", ""))
    )
    current = model.parse_status(body.get("status"))
    message = f'The Rollout "{ref.name}" is invalid: {problem}'
    doc = status.invalid_spec_status(
        generation=int(meta.get("generation") or 1),
        existing=current.conditions,
        message=message,
        now=io.clock.now(),
    )
    if _record(
        io, ref, resource_version=str(meta.get("resourceVersion", "")), current=current.raw, doc=doc
    ):
        log.info("rollout invalid", reason=c.INVALID_SPEC, message=message)
        io.recorder.event(ref, actions.Event(c.EVENT_INVALID_SPEC, message, "Warning"))
    return Outcome(requeue_after=INVALID_SPEC_RECHECK)


def _workload(io: ports.Ports, body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The Deployment the Rollout's spec.workloadRef names, from the watch-fed cache."""
    ref = (body.get("spec") or {}).get("workloadRef")
    if not isinstance(ref, Mapping) or not ref.get("name"):
        return None
    namespace = str((body.get("metadata") or {}).get("namespace") or "default")
    return io.observer.get_workload(namespace, str(ref["name"]))


def reconcile_rollout(namespace: str, name: str, *, io: ports.Ports) -> Outcome:
    """Bring one Rollout a step closer to its spec."""
    body = io.observer.get_rollout(namespace, name)
    if body is None or "deletionTimestamp" in (body.get("metadata") or {}):
        return Outcome()
    try:
        rollout = model.parse_rollout(body, workload=_workload(io, body))
        observed = io.observer.observe(rollout)
        # planning can find a reference broken too (an AnalysisTemplate that does not exist)
        plan = planner.plan_rollout(rollout, observed, io.clock.now())
    except errors.SpecError as problem:
        return _invalid(io, body, problem)
    events = [*plan.events, *executor.execute(plan, rollout, io)]
    _record(
        io,
        rollout.ref,
        resource_version=rollout.resource_version,
        current=rollout.status.raw,
        doc=plan.status,
    )
    if plan.annotations:
        # after the status: that write is conditional on the resourceVersion this one bumps
        io.cluster.annotate_rollout(rollout.namespace, rollout.name, plan.annotations)
        revision = plan.annotations.get(REVISION)
        if revision is not None:
            updated = f"Rollout updated to revision {revision}"
            events.insert(0, actions.Event(c.EVENT_ROLLOUT_UPDATED, updated))
    for event in events:
        io.recorder.event(rollout.ref, event)
    return Outcome(requeue_after=plan.requeue_after)
