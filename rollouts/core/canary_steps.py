"""How a canary's position moves in one pass: its steps, its analysis runs, its promotion
(Argo §2.5-2.7, §3.5). Each function takes the view and returns the next view and its part.

Rules:
- at most one step completes per pass, never in a pass that scaled, so a step completes on
  observed state; a pause step right after it starts in the same pass (one status write);
- `pause: {}` waits for a promote; `pause: {duration}` ends strictly after the duration, counted
  from the moment the controller added the CanaryPauseStep condition;
- a Failed or Error run aborts the update with Argo's literal message; an Inconclusive one pauses
  it (InconclusiveAnalysisRun) until a user resumes, and then a new run measures again;
- the new set becomes stable once it is fully available and the steps are done (with traffic
  routing, once the router carries all traffic) or a full promotion was asked for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from rollouts import model
from rollouts.core import actions, analysis_args, canary_traffic, rollout_analysis, steps
from rollouts.core.canary import IMMEDIATELY, MIN_WAIT, CanaryView
from rollouts.core.parts import Part
from rollouts.core.rollout_analysis import RunRecord
from rollouts.model import conditions as c

Step = tuple[CanaryView, Part]
RunType = analysis_args.RunType


def abort(view: CanaryView, reason: str) -> Step:
    """The controller aborts the update (an analysis failed, the deadline passed)."""
    if view.position.abort:
        return view, Part()
    new_rs = view.new_rs
    revision = new_rs.revision if new_rs else 0
    message = f"Rollout aborted update to revision {revision}: {reason}"
    event = actions.Event(c.EVENT_ABORTED, message, "Warning")
    return view.at(view.position.aborted(reason, view.now)), Part(
        events=(event,), requeue=(IMMEDIATELY,)
    )


# ------------------------------------------------------------------------------ runs


def _follow(
    view: CanaryView,
    record: RunRecord | None,
    analysis: model.RolloutAnalysis,
    run_type: RunType,
) -> tuple[CanaryView, Part, RunRecord | None]:
    """follow_run for a canary: its outcome applied to the position."""
    p, new_rs = view.position, view.new_rs
    step = run_type is RunType.STEP
    scope = rollout_analysis.scope_for(
        view.rollout,
        view.observed,
        p,
        revision=new_rs.revision if new_rs else 0,
        # a step run waits out any pause; a background run only an inconclusive one (§3.5)
        waits_out_any_pause=step,
        step_index=p.index if step else None,
    )
    followed = rollout_analysis.follow_run(scope, record, analysis, run_type)
    part = Part(followed.actions, followed.events)
    if followed.resumed:
        view = view.at(dataclasses.replace(view.position, controller_pause=False))
    if followed.pause:
        view = view.at(view.position.paused_for(c.PAUSE_INCONCLUSIVE_ANALYSIS, view.now))
    if followed.abort is not None:
        view, aborted = abort(view, followed.abort)
        part += aborted
    return view, part, followed.record


def plan_background_analysis(view: CanaryView) -> Step:
    """Start and follow the background run while an update is in progress."""
    analysis, p = view.strategy.background, view.position
    if analysis is None or p.promoted or view.stable_rs is None:
        return dataclasses.replace(view, background_run=None), Part()
    if p.index is not None and p.index < (analysis.starting_step or 0):
        return view, Part()
    view, part, record = _follow(view, view.background_run, analysis, RunType.BACKGROUND)
    return dataclasses.replace(view, background_run=record), part


def _step_analysis(view: CanaryView, step: model.AnalysisStep) -> tuple[CanaryView, Part, bool]:
    """Follow the current step's run; True when it succeeded (the step is done)."""
    if step.parsed is None:
        return view, Part(), False
    view, part, record = _follow(view, view.step_run, step.parsed, RunType.STEP)
    if record is not None and record.status == str(model.AnalysisPhase.SUCCESSFUL):
        return dataclasses.replace(view, step_run=None), part, True
    return dataclasses.replace(view, step_run=record), part, False


# ----------------------------------------------------------------------------- steps


def at_step_target(view: CanaryView, targets: Mapping[str, int]) -> bool:
    """A setWeight/setCanaryScale step is done when every set is at its size (Argo §2.5)."""
    new_rs, stable_rs = view.new_rs, view.stable_rs
    if new_rs is None or stable_rs is None:
        return False
    canary_want = targets.get(new_rs.name, new_rs.spec_replicas)
    stable_want = targets.get(stable_rs.name, stable_rs.spec_replicas)
    done = (
        new_rs.spec_replicas == canary_want
        and new_rs.available == canary_want
        and stable_rs.spec_replicas == stable_want == stable_rs.replicas
    )
    if not view.routed:
        done = done and all(rs.available == 0 for rs in view.others())
    return done


def _pause(view: CanaryView, step: model.Pause) -> tuple[CanaryView, Part, bool]:
    """Hold at a pause step; True once it is over (resumed, or its duration passed)."""
    p = view.position
    condition = p.pause_condition(c.PAUSE_CANARY_STEP)
    if condition is None:
        if p.controller_pause:
            return view, Part(), True  # a user removed the pause condition: resumed
        paused = actions.Event(c.EVENT_PAUSED, "Rollout is paused (CanaryPauseStep)")
        wait = () if step.duration is None else (step.duration,)
        return (
            view.at(p.paused_for(c.PAUSE_CANARY_STEP, view.now)),
            Part(events=(paused,), requeue=wait),
            False,
        )
    if step.duration is None:
        return view, Part(), False
    left = (condition.start_time - view.now).total_seconds() + step.duration
    if left < 0:  # strictly after the duration, as Argo's expiry check
        return view, Part(), True
    return view, Part(requeue=(max(left, MIN_WAIT),)), False


def _complete(view: CanaryView, step: model.Step) -> Step:
    p = view.position
    assert p.index is not None
    index, total = p.index + 1, len(view.strategy.steps)
    moved = dataclasses.replace(
        p.unpaused(c.PAUSE_CANARY_STEP), controller_pause=False, index=index
    )
    message = f"Rollout step {index}/{total} completed ({steps.describe(step)})"
    event = actions.Event(c.EVENT_STEP_COMPLETED, message)
    return view.at(moved), Part(events=(event,), requeue=(IMMEDIATELY,))


def _complete_then_pause(view: CanaryView, step: model.Step) -> Step:
    """Complete `step`; a pause step right after it starts in the same pass."""
    view, part = _complete(view, step)
    p, canary_steps = view.position, view.strategy.steps
    if p.index is None or p.index >= len(canary_steps):
        return view, part
    following = canary_steps[p.index]
    if not isinstance(following, model.Pause):
        return view, part
    view, paused, done = _pause(view, following)
    part += paused
    if done:
        view, completed = _complete(view, following)
        part += completed
    return view, part


def plan_step(view: CanaryView, targets: Mapping[str, int], scaled: bool) -> Step:
    """Advance at most one step, pausing where a pause step says."""
    p, canary_steps = view.position, view.strategy.steps
    if p.promoted or p.abort or view.halted or p.index is None or p.index >= len(canary_steps):
        return view, Part()
    step = canary_steps[p.index]
    if isinstance(step, model.AnalysisStep):
        view, part, done = _step_analysis(view, step)
    elif isinstance(step, model.Pause):
        view, part, done = _pause(view, step)
    else:
        part, done = Part(), not scaled and at_step_target(view, targets)
    if not done:
        return view, part
    view, completed = _complete_then_pause(view, step)
    return view, part + completed


# ------------------------------------------------------------------------- promotion


def plan_promotion(view: CanaryView) -> Step:
    """Make the new set stable once it is fully available and the steps are done."""
    p, new_rs = view.position, view.new_rs
    if p.promoted or p.abort or new_rs is None or new_rs.available < view.replicas:
        return view, Part()
    total = len(view.strategy.steps)
    if p.promote_full:
        reason = "Full promotion requested"
    elif p.index is None or p.index >= total:
        reason = f"Completed all {total} canary steps"
        if not canary_traffic.traffic_moved_first(view):
            return view, Part()
    else:
        return view, Part()
    message = f"Rollout completed update to revision {new_rs.revision} ({p.pod_hash}): {reason}"
    event = actions.Event(c.EVENT_COMPLETED, message)
    promoted = p.promoted_now(total if total else None)
    return view.at(promoted), Part(events=(event,), requeue=(IMMEDIATELY,))
