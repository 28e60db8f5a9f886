"""plan_rollout(rollout, observed, now) -> Plan: the single entry point of the decisions.

A blue-green Rollout is planned by core/bluegreen_planner.py, a canary by this module, which
orders the canary's decisions (core/canary.py, canary_steps.py, canary_traffic.py), each a
function of a frozen view returning its part, and merges them:

1. the position after user intents, and the new set when it must be created;
2. the sizes the pass started from, and whether reaching them scales anything;
3. the position moves: at most one step, the background run, the promotion;
4. the world follows the final position: sizes (those of step 2, or of the promotion when one
   happened, so the old set starts going in the same pass), older sets, metadata, Services,
   traffic, history, runs; then the status.

Pure: the same inputs always give the same plan, and re-planning after a plan was applied
gives no actions (the plan's targets are already the observed state).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from rollouts import model
from rollouts.core import (
    actions,
    bluegreen_planner,
    canary,
    canary_steps,
    canary_traffic,
    hashing,
    identity,
    progress,
    restart,
    revisions,
    rollout_analysis,
    status,
    workload,
)
from rollouts.core.canary import IMMEDIATELY, CanaryView
from rollouts.core.observed import Observed, ReplicaSetState
from rollouts.core.parts import Part, combine


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
    pod_hash = identity.current_hash(observed, rollout.spec.template, pod_hash)
    step_hash = hashing.compute_step_hash(strategy.raw_steps)
    observed, raised = revisions.plan_raise(observed, pod_hash)
    position = progress.compute_progress(rollout, pod_hash=pod_hash, step_hash=step_hash, now=now)
    new_rs = observed.replica_set(pod_hash)
    position, announced = progress.announce_intents(
        position, rollout.status, new_rs.revision if new_rs else 0
    )
    view = _recall_runs(CanaryView(rollout, strategy, observed, now, position))
    if new_rs is None:
        view = dataclasses.replace(view, created=_new_set(view))
    first = Part(actions=(raised,) if raised else (), events=announced)
    restarting = restart.plan_restart(rollout, observed, now)
    if restarting.requeue_after is not None:
        first += Part(requeue=(restarting.requeue_after,))
    if restarting.evict:  # a pass that evicts does nothing else (Argo §2.12)
        evictions = Part(tuple(actions.EvictPod(name) for name in restarting.evict))
        return _finish(view, first + _creation(view, {}) + evictions, restarting.restarted_at)
    return _plan_update(view, first, restarting.restarted_at)


def _recall_runs(view: CanaryView) -> CanaryView:
    """The runs this update was waiting on, unless it restarted since (new revision, retry)."""
    p, old = view.position, view.rollout.status
    same_update = old.current_pod_hash == p.pod_hash and not p.retried
    if not same_update:
        return view
    step_run = (
        rollout_analysis.read_record(old, "currentStepAnalysisRunStatus")
        if old.current_step_index == p.index
        else None
    )
    background = rollout_analysis.read_record(old, "currentBackgroundAnalysisRunStatus")
    return dataclasses.replace(view, step_run=step_run, background_run=background)


def _new_set(view: CanaryView) -> ReplicaSetState:
    """The new set this pass creates, at the size it starts from (sized in _creation)."""
    p = view.position
    revision = revisions.next_revision(view.observed)
    # a Rollout created paused never scales up from 0 (Argo §2.6)
    size = view.replicas if p.promoted and not view.rollout.spec.paused else 0
    return ReplicaSetState(
        name=hashing.replica_set_name(view.rollout.name, p.pod_hash),
        pod_hash=p.pod_hash,
        spec_replicas=size,
        revision=revision,
        ephemeral=canary.role_metadata(view, p.pod_hash),
    )


def _creation(view: CanaryView, targets: Mapping[str, int]) -> Part:
    created = view.created
    if created is None:
        return Part()
    size = created.spec_replicas
    if not view.rollout.spec.paused:
        size = targets.get(created.name, size)
    return Part((canary.plan_create(view, size),))


def _plan_update(start: CanaryView, first: Part, restarted_at: str | None) -> actions.Plan:
    targets = canary.compute_targets(start)
    scaled = canary.would_scale(start, targets)
    view, stepped = canary_steps.plan_step(start, targets, scaled)
    view, background = canary_steps.plan_background_analysis(view)
    view, promoted = canary_steps.plan_promotion(view)
    if promoted.events:  # promoted in this pass: size for it now, the old set starts going
        targets = canary.compute_targets(view)
    part = combine(
        (
            first,
            _creation(start, targets),
            Part(canary.plan_scaling(view, targets)),
            stepped,
            background,
            promoted,
            canary.plan_old_replica_sets(view),
            canary.plan_pod_metadata(view),
            canary.plan_abort_scale_down(view),
            canary_traffic.plan_services(view),
            canary_traffic.plan_traffic(view),
            canary.plan_history(view),
            Part(tuple(rollout_analysis.cleanup_runs(view.observed, _waited(view)))),
        )
    )
    return _finish(view, part, restarted_at)


def _waited(view: CanaryView) -> set[str]:
    p = view.position
    if p.promoted or p.abort:
        return set()
    return {r.name for r in (view.step_run, view.background_run) if r is not None}


# -------------------------------------------------------------------------------- status


def _recorded_weight(view: CanaryView, part: Part) -> int:
    for action in part.actions:
        if isinstance(action, actions.SetCanaryWeight):
            return action.weight
    return view.observed.canary_weight or 0


def _recorded_count(raw: Mapping[str, Any], key: str) -> int:
    value = raw.get(key, 0)
    return value if isinstance(value, int) else 0


def _progressed(view: CanaryView, counts: dict[str, int]) -> bool:
    """Argo's signs of progress (§1.4), against the counts last recorded."""
    old, p = view.rollout.status, view.position
    recorded = {key: _recorded_count(old.raw, key) for key in counts}
    old_pods = recorded["replicas"] - recorded["updatedReplicas"]
    return (
        view.created is not None
        or counts["updatedReplicas"] != recorded["updatedReplicas"]
        or counts["replicas"] - counts["updatedReplicas"] < old_pods
        or counts["availableReplicas"] > recorded["availableReplicas"]
        or counts["readyReplicas"] > recorded["readyReplicas"]
        or p.stable_hash != old.stable_rs
        or p.index != old.current_step_index
        or p.step_hash != old.current_step_hash
    )


def _waiting_at_pause(view: CanaryView) -> bool:
    p, canary_steps = view.position, view.strategy.steps
    if p.pause_conditions:
        return True
    return (
        p.index is not None
        and p.index < len(canary_steps)
        and isinstance(canary_steps[p.index], model.Pause)
    )


def _delaying_scale_down(view: CanaryView) -> bool:
    return any(
        rs.scale_down_deadline is not None and rs.pod_hash != view.position.pod_hash
        for rs in view.observed.replica_sets
    )


def _finish(view: CanaryView, part: Part, restarted_at: str | None) -> actions.Plan:
    rollout, p = view.rollout, view.position
    counts = status.replica_counts(rollout, view.observed, p.pod_hash)
    conds, timed_out = status.compute_conditions(
        rollout,
        p,
        new_rs=view.new_rs,
        counts=counts,
        now=view.now,
        created=view.created is not None,
        progressed=_progressed(view, counts),
        # Argo §1.4: no deadline at a pause, nor while an older set waits out its delay
        waiting=_waiting_at_pause(view) or _delaying_scale_down(view),
    )
    requeue = list(part.requeue)
    if timed_out and rollout.spec.progress_deadline_abort and not p.abort:
        view = view.at(dataclasses.replace(p, abort=True))  # the next pass scales back
        requeue.append(IMMEDIATELY)
    phase, message = status.compute_phase(
        rollout, view.position, conds, counts, routed=view.routed, restarted_at=restarted_at
    )
    at_pause = _waiting_at_pause(view)
    if (
        not timed_out
        and not view.position.abort
        and phase is status.Phase.PROGRESSING
        and not at_pause
    ):
        requeue.append(float(rollout.spec.progress_deadline_seconds))
    doc = _status_document(view, part, counts, conds, phase, message, restarted_at)
    return actions.Plan(
        actions=part.actions,
        status=doc,
        events=part.events,
        requeue_after=min(requeue) if requeue else None,
        annotations=revisions.rollout_annotations(rollout, view.new_rs),
    )


def _status_document(  # noqa: PLR0917 (the parts of one status document)
    view: CanaryView,
    part: Part,
    counts: dict[str, int],
    conds: tuple[model.Condition, ...],
    phase: status.Phase,
    message: str,
    restarted_at: str | None,
) -> dict[str, Any]:
    runs = {
        "currentStepAnalysisRunStatus": view.step_run,
        "currentBackgroundAnalysisRunStatus": view.background_run,
    }
    section: dict[str, Any] = {key: run.to_json() if run else None for key, run in runs.items()}
    if view.routed:
        weight = _recorded_weight(view, part)
        section["weights"] = status.canary_weights(view.strategy, view.position, weight)
    return status.Document(
        generation=view.rollout.generation,
        position=view.position,
        counts=counts,
        selector=status.format_selector(view.rollout.spec.selector),
        conditions=conds,
        phase=phase,
        message=message,
        restarted_at=restarted_at,
        canary=section,
    ).to_patch()
