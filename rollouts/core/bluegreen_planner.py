"""plan_blue_green(rollout, observed, now) -> Plan: the blue-green decisions merged into one plan.

The decisions themselves are in core/bluegreen.py, each returning its part; this module orders
the parts, applies what they decided to the Rollout's position (pauses, abort, promotion) and
records the status.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from rollouts import model
from rollouts.core import (
    actions,
    bluegreen,
    bluegreen_sizes,
    hashing,
    identity,
    progress,
    restart,
    revisions,
    rollout_analysis,
    status,
)
from rollouts.core import bluegreen_status as bg_status
from rollouts.core.bluegreen import View
from rollouts.core.observed import Observed
from rollouts.core.parts import Part, combine
from rollouts.model import conditions as c

IMMEDIATELY = 0.0


@dataclasses.dataclass(frozen=True)
class Outcome:
    """Where the Rollout stands after this pass's decisions."""

    position: progress.Progress
    selectors: bg_status.BlueGreenStatus
    events: tuple[actions.Event, ...]
    changed: bool  # a transition happened: look again at once


def plan_blue_green(
    rollout: model.Rollout, observed: Observed, now: datetime.datetime
) -> actions.Plan:
    """Decide one reconcile of a blue-green `rollout` from what the cluster holds."""
    strategy = rollout.blue_green
    assert strategy is not None
    pod_hash = hashing.compute_pod_template_hash(
        rollout.spec.template, rollout.status.collision_count
    )
    pod_hash = identity.current_hash(observed, rollout.spec.template, pod_hash)
    observed, raised = revisions.plan_raise(observed, pod_hash)
    position = progress.compute_progress(rollout, pod_hash=pod_hash, step_hash="", now=now)
    new_rs = observed.replica_set(pod_hash)
    position, announced = progress.announce_intents(
        position, rollout.status, new_rs.revision if new_rs else 0
    )
    view = View(
        rollout=rollout,
        strategy=strategy,
        observed=observed,
        now=now,
        progress=position,
        new_rs=new_rs,
        recorded=_recorded(rollout, pod_hash),
    )
    first = Part(actions=(raised,) if raised else (), events=announced)
    if view.new_rs is None:
        created, new_rs = bluegreen.plan_create(view)
        view = dataclasses.replace(view, new_rs=new_rs)
        part = first + created + _initial(view) + bluegreen.plan_preview(view)
        return _finish(
            view,
            part,
            _settled(view, part),
            created=True,
            restarted_at=rollout.status.restarted_at,
        )
    return _plan_existing(view, first + _initial(view))


def _initial(view: View) -> Part:
    """The first set is stable at once: no pause, no analysis (Argo's "Initial deploy")."""
    if not view.initial or view.new_rs is None:
        return Part()
    revision, pod_hash = view.new_rs.revision, view.pod_hash
    message = f"Rollout completed update to revision {revision} ({pod_hash}): Initial deploy"
    return Part(events=(actions.Event(c.EVENT_COMPLETED, message),))


def _recorded(rollout: model.Rollout, pod_hash: str) -> bg_status.BlueGreenStatus:
    recorded = bg_status.read_blue_green(rollout.status.raw)
    if rollout.status.current_pod_hash != pod_hash:  # a new update starts from scratch
        return dataclasses.replace(recorded, scale_up_preview_check_point=False)
    return recorded


def _plan_existing(view: View, first: Part) -> actions.Plan:
    restarting = restart.plan_restart(view.rollout, view.observed, view.now)
    runs = bluegreen.plan_runs(view)
    pre_ok = bluegreen.pre_done(view, runs.pre.record)
    pause = bluegreen.plan_pause(view, pre_ok)
    over = bluegreen.pause_over(view, added=pause.add)
    active = bluegreen.active_target(view, over, pre_ok)
    part = combine(
        (
            first,
            bluegreen.plan_preview(view),
            Part(tuple(actions.EvictPod(name) for name in restarting.evict)),
            bluegreen_sizes.plan_stable_size(view),
            bluegreen_sizes.plan_new_size(view),
            bluegreen_sizes.plan_older_sizes(view),
            bluegreen_sizes.plan_history(view),
            bluegreen.switch_service(view, view.strategy.active_service, active),
            Part(runs.pre.actions + runs.post.actions, runs.pre.events + runs.post.events),
            Part(tuple(rollout_analysis.cleanup_runs(view.observed, set(runs.waited)))),
            bluegreen.plan_pod_metadata(view),
        )
    )
    if restarting.requeue_after is not None:
        part += Part(requeue=(restarting.requeue_after,))
    part += Part(requeue=pause.requeue)
    outcome = _decide(view, part, runs, pause, pre_ok=pre_ok, over=over, active=active)
    return _finish(view, part, outcome, restarted_at=restarting.restarted_at)


def _settled(view: View, part: Part) -> Outcome:
    """The outcome of a pass that only created the new set: nothing else moves yet."""
    selectors = dataclasses.replace(
        view.recorded,
        active_selector=view.selected(view.strategy.active_service),
        preview_selector=_preview_after(view, part),
    )
    return Outcome(view.progress, selectors, (), changed=True)


def _preview_after(view: View, part: Part) -> str:
    name = view.strategy.preview_service
    for action in part.actions:
        if isinstance(action, actions.SwitchService) and action.name == name:
            return action.pod_hash
    return view.selected(name)


def _decide(
    view: View,
    part: Part,
    runs: bluegreen.Runs,
    pause: bluegreen.PauseStep,
    *,
    pre_ok: bool,
    over: bool,
    active: str,
) -> Outcome:
    p = dataclasses.replace(view.progress, events=())
    events: list[actions.Event] = []
    changed = pause.remove and p.pause_condition(c.PAUSE_BLUE_GREEN) is not None
    if pause.remove:
        p = p.unpaused(c.PAUSE_BLUE_GREEN)
    if pause.add:
        p = p.paused_for(c.PAUSE_BLUE_GREEN, view.now)
        events.append(actions.Event(c.EVENT_PAUSED, f"Rollout is paused ({c.PAUSE_BLUE_GREEN})"))
    for followed in (runs.pre, runs.post):
        if followed.resumed:
            p = dataclasses.replace(p, controller_pause=False)
        if followed.pause and p.pause_condition(c.PAUSE_INCONCLUSIVE_ANALYSIS) is None:
            p = p.paused_for(c.PAUSE_INCONCLUSIVE_ANALYSIS, view.now)
    reason = runs.pre.abort or runs.post.abort
    revision = view.new_rs.revision if view.new_rs else 0
    if reason and not p.abort:
        p = p.aborted(reason, view.now)
        message = f"Rollout aborted update to revision {revision}: {reason}"
        events.append(actions.Event(c.EVENT_ABORTED, message, "Warning"))
        changed = True
    post = runs.post.record
    promoted = bluegreen.promotion_reason(view, active, post)
    if promoted is not None:
        p = p.promoted_now(None)
        message = f"Rollout completed update to revision {revision} ({p.pod_hash}): {promoted}"
        events.append(actions.Event(c.EVENT_COMPLETED, message))
        changed = True
    if not p.pause_conditions:
        p = dataclasses.replace(p, controller_pause=False)
    selectors = bg_status.BlueGreenStatus(
        active_selector=active,
        preview_selector=_preview_after(view, part),
        scale_up_preview_check_point=_check_point(view, p, pre_ok=pre_ok, over=over),
        pre_promotion=runs.pre.record,
        post_promotion=post,
    )
    return Outcome(p, selectors, tuple(events), changed)


def _check_point(view: View, p: progress.Progress, *, pre_ok: bool, over: bool) -> bool:
    """previewReplicaCount's trip-wire: set once the pause and pre-promotion analysis are over
    with the preview pods available; kept until the promotion or a new template."""
    preview = view.strategy.preview_replica_count
    if preview is None or p.promoted:
        return False
    if view.recorded.scale_up_preview_check_point:
        return True
    new_rs = view.new_rs
    return pre_ok and over and new_rs is not None and new_rs.available == preview


def _progressed(view: View, outcome: Outcome, counts: dict[str, int], created: bool) -> bool:
    """Argo's signs of progress (§1.4), blue-green's selectors included."""
    old = view.rollout.status
    raw = old.raw

    def was(key: str) -> int:
        value = raw.get(key, 0)
        return value if isinstance(value, int) else 0

    return (
        created
        or counts["updatedReplicas"] != was("updatedReplicas")
        or counts["replicas"] - counts["updatedReplicas"] < was("replicas") - was("updatedReplicas")
        or counts["availableReplicas"] > was("availableReplicas")
        or counts["readyReplicas"] > was("readyReplicas")
        or outcome.position.stable_hash != old.stable_rs
        or outcome.selectors.active_selector != view.recorded.active_selector
        or outcome.selectors.preview_selector != view.recorded.preview_selector
    )


def _finish(
    view: View,
    part: Part,
    outcome: Outcome,
    *,
    created: bool = False,
    restarted_at: str | None = None,
) -> actions.Plan:
    rollout, p, sel = view.rollout, outcome.position, outcome.selectors
    counts = bg_status.replica_counts(rollout, view.observed, p.pod_hash, sel.active_selector)
    paused = rollout.spec.paused or bool(p.pause_conditions)
    delaying = any(
        rs.scale_down_deadline is not None and rs.pod_hash != p.pod_hash
        for rs in view.observed.replica_sets
    )
    conds, timed_out = status.compute_conditions(
        rollout,
        p,
        new_rs=view.new_rs,
        counts=counts,
        now=view.now,
        created=created,
        progressed=_progressed(view, outcome, counts, created),
        waiting=paused or delaying,
        healthy=bg_status.is_healthy(
            rollout, counts, pod_hash=p.pod_hash, selectors=sel, paused=paused
        ),
        available=bg_status.is_available(rollout, view.observed, sel.active_selector),
    )
    requeue = list(part.requeue)
    if timed_out and rollout.spec.progress_deadline_abort and not p.abort:
        p = dataclasses.replace(p, abort=True)  # the next pass switches back to stable
        outcome = dataclasses.replace(outcome, position=p)
        requeue.append(IMMEDIATELY)
    pending = bg_status.pending(
        pod_hash=p.pod_hash,
        stable_hash=p.stable_hash,
        active_hash=sel.active_selector,
        post=sel.post_promotion,
        has_post=view.strategy.post_promotion_analysis is not None,
    )
    phase, message = status.compute_phase(
        rollout, p, conds, counts, routed=False, restarted_at=restarted_at, pending=pending
    )
    doc = _document(
        view,
        outcome,
        counts=counts,
        conds=conds,
        phase=phase,
        message=message,
        restarted_at=restarted_at,
    )
    if outcome.changed or created:
        requeue.append(IMMEDIATELY)
    if not timed_out and not p.abort and phase is status.Phase.PROGRESSING and not paused:
        requeue.append(float(rollout.spec.progress_deadline_seconds))
    return actions.Plan(
        actions=part.actions,
        status=doc,
        events=(*part.events, *outcome.events),
        requeue_after=min(requeue) if requeue else None,
        annotations=revisions.rollout_annotations(rollout, view.new_rs),
    )


def _document(
    view: View,
    outcome: Outcome,
    *,
    counts: dict[str, int],
    conds: tuple[model.Condition, ...],
    phase: status.Phase,
    message: str,
    restarted_at: str | None,
) -> dict[str, Any]:
    return status.Document(
        generation=view.rollout.generation,
        position=outcome.position,
        counts=counts,
        selector=bg_status.selector(view.rollout, outcome.selectors.active_selector),
        conditions=conds,
        phase=phase,
        message=message,
        restarted_at=restarted_at,
        blue_green=outcome.selectors.to_json(),
    ).to_patch()
