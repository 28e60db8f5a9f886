"""plan_rollout(rollout, observed, now) -> Plan: the single entry point of the decisions.

A blue-green Rollout is planned by core/bluegreen_planner.py; the rest of this module is the
canary's pass.

Pure: the same inputs always give the same plan, and re-planning after a plan was applied
gives no actions (the plan's targets are already the observed state).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from rollouts import model
from rollouts.core import (
    actions,
    bluegreen_planner,
    canary,
    hashing,
    progress,
    restart,
    revisions,
    rollout_analysis,
    status,
    workload,
)
from rollouts.core.observed import Observed, ReplicaSetState
from rollouts.model import conditions as c


def plan_rollout(
    rollout: model.Rollout, observed: Observed, now: datetime.datetime
) -> actions.Plan:
    """Decide one reconcile of `rollout` from what the cluster holds."""
    if rollout.canary is None:
        plan = bluegreen_planner.plan_blue_green(rollout, observed, now)
    else:
        plan = _plan_canary(rollout, rollout.canary, observed, now)
    return workload.with_workload(rollout, observed, plan)


def _plan_canary(
    rollout: model.Rollout,
    strategy: model.CanaryStrategy,
    observed: Observed,
    now: datetime.datetime,
) -> actions.Plan:
    pod_hash = hashing.compute_pod_template_hash(
        rollout.spec.template, rollout.status.collision_count
    )
    step_hash = hashing.compute_step_hash(strategy.raw_steps)
    observed, raised = revisions.plan_raise(observed, pod_hash)
    state = canary.CanaryPass(
        rollout=rollout,
        strategy=strategy,
        observed=observed,
        now=now,
        progress=progress.compute_progress(
            rollout, pod_hash=pod_hash, step_hash=step_hash, now=now
        ),
    )
    if raised is not None:
        state.actions.append(raised)
    _recall_runs(state)
    _announce_intents(state)
    if state.new_rs is None:
        _create_new_replica_set(state)
    restarting = restart.plan_restart(rollout, observed, now)
    state.restarted_at = restarting.restarted_at
    if restarting.requeue_after is not None:
        state.after(restarting.requeue_after)
    if restarting.evict:
        state.actions.extend(actions.EvictPod(name) for name in restarting.evict)
        return _finish(state)  # a pass that evicts does nothing else (Argo §2.12)
    targets = canary.compute_targets(state, canary.desired_weight(state))
    canary.plan_scaling(state, targets)
    canary.size_created(state, targets)
    canary.plan_step(state, targets)
    rollout_analysis.plan_background_analysis(state)
    # promoting before Services and traffic lets one pass switch both (one status write)
    canary.plan_promotion(state)
    canary.plan_old_replica_sets(state)
    canary.plan_pod_metadata(state)
    canary.plan_abort_scale_down(state)
    canary.plan_services(state)
    canary.plan_traffic(state)
    canary.plan_history(state)
    rollout_analysis.plan_run_cleanup(state)
    return _finish(state)


def _recall_runs(state: canary.CanaryPass) -> None:
    """The runs this update was waiting on, unless it restarted since (new revision, retry)."""
    p, old = state.progress, state.rollout.status
    same_update = old.current_pod_hash == p.pod_hash and not p.retried
    if same_update and old.current_step_index == p.index:
        state.step_run = rollout_analysis.read_record(old, "currentStepAnalysisRunStatus")
    if same_update:
        state.background_run = rollout_analysis.read_record(
            old, "currentBackgroundAnalysisRunStatus"
        )


def _announce_intents(state: canary.CanaryPass) -> None:
    p, old = state.progress, state.rollout.status
    if p.abort and old.aborted_at is None:
        new_rs = state.observed.replica_set(p.pod_hash)
        revision = new_rs.revision if new_rs else 0
        state.event(c.EVENT_ABORTED, f"Rollout aborted update to revision {revision}", "Warning")
    if old.controller_pause and not old.pause_conditions and p.controller_pause:
        p.resumed = True
        state.event(c.EVENT_RESUMED, "Rollout is resumed")


def _create_new_replica_set(state: canary.CanaryPass) -> None:
    p = state.progress
    revision = revisions.next_revision(state.observed)
    # a Rollout created paused never scales up from 0 (Argo §2.6)
    size = state.replicas if p.promoted and not state.rollout.spec.paused else 0
    ephemeral = canary.role_metadata(state, p.pod_hash)
    body = canary.build_replica_set(
        state.rollout,
        pod_hash=p.pod_hash,
        revision=revision,
        replicas=size,
        ephemeral=ephemeral,
        stable_hash=p.stable_hash,
    )
    name = body["metadata"]["name"]
    announce = [actions.Event(c.EVENT_NEW_RS, f"Created ReplicaSet {name} (revision {revision})")]
    if not p.promoted:
        announce.append(
            actions.Event(
                c.EVENT_NOT_COMPLETED,
                f"Rollout not completed, started update to revision {revision} ({p.pod_hash})",
            )
        )
    state.actions.append(actions.CreateReplicaSet(body, tuple(announce)))
    state.created = ReplicaSetState(
        name=name, pod_hash=p.pod_hash, spec_replicas=size, revision=revision, ephemeral=ephemeral
    )


def _recorded_weight(state: canary.CanaryPass) -> int:
    for action in state.actions:
        if isinstance(action, actions.SetCanaryWeight):
            return action.weight
    return state.observed.canary_weight or 0


def _recorded_count(raw: Mapping[str, Any], key: str) -> int:
    value = raw.get(key, 0)
    return value if isinstance(value, int) else 0


def _progressed(state: canary.CanaryPass, counts: dict[str, int]) -> bool:
    """Argo's signs of progress (§1.4), against the counts last recorded."""
    old = state.rollout.status
    recorded = {key: _recorded_count(old.raw, key) for key in counts}
    old_pods = recorded["replicas"] - recorded["updatedReplicas"]
    return (
        state.created is not None
        or counts["updatedReplicas"] != recorded["updatedReplicas"]
        or counts["replicas"] - counts["updatedReplicas"] < old_pods
        or counts["availableReplicas"] > recorded["availableReplicas"]
        or counts["readyReplicas"] > recorded["readyReplicas"]
        or state.progress.stable_hash != old.stable_rs
        or state.progress.index != old.current_step_index
        or state.progress.step_hash != old.current_step_hash
    )


def _waiting_at_pause(state: canary.CanaryPass) -> bool:
    p = state.progress
    if p.pause_conditions:
        return True
    canary_steps = state.strategy.steps
    return (
        p.index is not None
        and p.index < len(canary_steps)
        and isinstance(canary_steps[p.index], model.Pause)
    )


def _delaying_scale_down(state: canary.CanaryPass) -> bool:
    return any(
        rs.scale_down_deadline is not None and rs.pod_hash != state.progress.pod_hash
        for rs in state.observed.replica_sets
    )


def _finish(state: canary.CanaryPass) -> actions.Plan:
    rollout, p = state.rollout, state.progress
    counts = status.replica_counts(rollout, state.observed, p.pod_hash)
    conds, timed_out = status.compute_conditions(
        rollout,
        p,
        new_rs=state.new_rs,
        counts=counts,
        now=state.now,
        created=state.created is not None,
        progressed=_progressed(state, counts),
        # Argo §1.4: no deadline at a pause, nor while an older set waits out its delay
        waiting=_waiting_at_pause(state) or _delaying_scale_down(state),
    )
    if timed_out and rollout.spec.progress_deadline_abort and not p.abort:
        p.abort = True  # acted on in the next pass, which scales back to stable
        state.after(canary.IMMEDIATELY)
    phase, message = status.compute_phase(
        rollout, p, conds, counts, routed=state.routed, restarted_at=state.restarted_at
    )
    doc = _status_document(state, counts, conds, phase, message)
    if not timed_out and not p.abort and phase == "Progressing" and not _waiting_at_pause(state):
        state.after(rollout.spec.progress_deadline_seconds)
    return actions.Plan(
        actions=tuple(state.actions),
        status=doc,
        events=tuple(p.events),
        requeue_after=min(state.requeue) if state.requeue else None,
        annotations=revisions.rollout_annotations(rollout, state.new_rs),
    )


def _status_document(
    state: canary.CanaryPass,
    counts: dict[str, int],
    conds: tuple[model.Condition, ...],
    phase: str,
    message: str,
) -> dict[str, Any]:
    rollout, p = state.rollout, state.progress
    doc: dict[str, Any] = {
        "observedGeneration": str(rollout.generation),
        "currentPodHash": p.pod_hash,
        "stableRS": p.stable_hash,
        "currentStepHash": p.step_hash,
        "currentStepIndex": p.index,
        "pauseConditions": [
            {"reason": pc.reason, "startTime": status.stamp(pc.start_time)}
            for pc in p.pause_conditions
        ]
        or None,
        "controllerPause": p.controller_pause or None,
        "abort": p.abort or None,
        "abortedAt": p.aborted_at,
        "promoteFull": p.promote_full or None,
        "restartedAt": state.restarted_at,
        **counts,
        "selector": status.format_selector(rollout.spec.selector),
        "conditions": [cond.to_json() for cond in conds],
        "phase": phase,
        "message": message,
    }
    doc["canary"] = rollout_analysis.status_fields(state)
    if state.routed:
        doc["canary"]["weights"] = status.canary_weights(state.strategy, p, _recorded_weight(state))
    return doc
