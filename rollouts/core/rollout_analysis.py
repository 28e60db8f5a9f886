"""The AnalysisRuns a canary Rollout starts, waits on and stops (Argo §3.5, §2.7).

Rules:
- at an analysis step a Step run is created (unless paused or aborted); the step completes
  when that run is Successful;
- a background run starts once the step index reaches `startingStep`, while an update is in
  progress;
- a Failed or Error run aborts the update ("Step-based analysis phase error/failed: ..."); an
  Inconclusive run pauses it (InconclusiveAnalysisRun) until a user resumes, after which the
  step is measured again by a new run;
- runs that are no longer current (promoted, aborted, another revision) are terminated, and
  finished runs beyond the history limits (5 successful, 5 unsuccessful) are deleted;
- the run being waited on is recorded in status.canary, so a retry or a resume starts a new
  run (named `<name>.1`, `<name>.2`, ... when the plain name is taken).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from rollouts import errors, model
from rollouts.core import actions, analysis_args
from rollouts.core.observed import RunState
from rollouts.model import conditions as c

if TYPE_CHECKING:
    from rollouts.core.canary import CanaryPass

Phase = model.AnalysisPhase
HISTORY_LIMIT = 5
_BAD = (Phase.FAILED, Phase.ERROR)


@dataclasses.dataclass
class RunRecord:
    """A run the Rollout waits on, as status.canary records it."""

    name: str
    status: str
    message: str = ""

    def to_json(self) -> dict[str, str]:
        out = {"name": self.name, "status": self.status}
        if self.message:
            out["message"] = self.message
        return out


def read_record(status: model.RolloutStatus, key: str) -> RunRecord | None:
    raw = (
        (status.raw.get("canary") or {}).get(key)
        if isinstance(status.raw.get("canary"), dict)
        else None
    )
    if not isinstance(raw, dict) or not raw.get("name"):
        return None
    return RunRecord(str(raw["name"]), str(raw.get("status", "")), str(raw.get("message", "")))


# Argo's literal abort messages (§2.7): users and Argo CD's UI match on these strings
_ABORT_PREFIX = {
    analysis_args.RunType.STEP: "Step-based",
    analysis_args.RunType.BACKGROUND: "Background",
    analysis_args.RunType.PRE_PROMOTION: "Blue/green pre-promotion",
    analysis_args.RunType.POST_PROMOTION: "Blue/green post-promotion",
}


def abort_reason(what: str, run_message: str) -> str:
    """`Step-based analysis phase error/failed: <run message>`, one wording for both phases."""
    reason = f"{what} analysis phase error/failed"
    return f"{reason}: {run_message}" if run_message else reason


def _kind_label(run_type: analysis_args.RunType) -> str:
    return "Step" if run_type is analysis_args.RunType.STEP else "Background"


def _create(
    state: CanaryPass, analysis: model.RolloutAnalysis, run_type: analysis_args.RunType
) -> RunRecord:
    """Create a run for this pass; its name skips names taken by older runs."""
    p = state.progress
    new_rs = state.new_rs
    revision = new_rs.revision if new_rs else 0
    manifest = dict(state.rollout.raw)
    meta = dict(manifest.get("metadata") or {})
    meta["annotations"] = {
        **(meta.get("annotations") or {}),
        analysis_args.REVISION_ANNOTATION: str(revision),
    }
    manifest["metadata"] = meta
    try:
        body = analysis_args.build_analysis_run(
            rollout=manifest,
            analysis=analysis,
            lookup=state.observed.templates.get,
            run_type=run_type,
            latest_hash=p.pod_hash,
            stable_hash=p.stable_hash,
            step_index=p.index if run_type is analysis_args.RunType.STEP else None,
        )
    except analysis_args.AnalysisArgsError as exc:
        raise errors.SpecError("spec.strategy.canary", str(exc)) from exc
    base = body["metadata"]["name"]
    taken = {run.name for run in state.observed.analysis_runs}
    collision = 0
    while analysis_args.collision_name(base, collision) in taken:
        collision += 1
    name = analysis_args.collision_name(base, collision)
    body["metadata"]["name"] = name
    state.actions.append(actions.CreateAnalysisRun(body))
    return RunRecord(name, str(Phase.PENDING))


def _follow(
    state: CanaryPass,
    record: RunRecord | None,
    analysis: model.RolloutAnalysis,
    run_type: analysis_args.RunType,
) -> RunRecord | None:
    """The record after this pass: created, updated from the live run, or dropped."""
    p = state.progress
    run = state.observed.run(record.name) if record else None
    if run is None or run.pod_hash != p.pod_hash:
        # a step run waits out any pause; a background run only an inconclusive one (Argo §3.5)
        paused = (
            p.pause_condition(c.PAUSE_INCONCLUSIVE_ANALYSIS) is not None
            if run_type is analysis_args.RunType.BACKGROUND
            else bool(p.pause_conditions)
        )
        if paused or p.abort:
            return None
        return _create(state, analysis, run_type)
    updated = RunRecord(run.name, str(run.phase), run.message)
    _announce(state, record, updated, run_type)
    if run.phase in _BAD:
        state.start_abort(abort_reason(_ABORT_PREFIX[run_type], run.message))
    elif run.phase is Phase.INCONCLUSIVE:
        return _inconclusive(state, updated)
    return updated


def _inconclusive(state: CanaryPass, record: RunRecord) -> RunRecord | None:
    p = state.progress
    if p.pause_condition(c.PAUSE_INCONCLUSIVE_ANALYSIS) is not None:
        return record
    if p.controller_pause:
        p.controller_pause = False
        return None  # the user resumed: measure again with a new run
    p.pause_conditions.append(model.PauseCondition(c.PAUSE_INCONCLUSIVE_ANALYSIS, state.now))
    p.controller_pause = True
    state.event(c.EVENT_PAUSED, f"Rollout is paused ({c.PAUSE_INCONCLUSIVE_ANALYSIS})")
    return record


def _announce(
    state: CanaryPass, old: RunRecord | None, new: RunRecord, run_type: analysis_args.RunType
) -> None:
    if old is not None and old.status == new.status:
        return
    previous = old.status if old else ""
    kind = "Warning" if new.status in (str(Phase.FAILED), str(Phase.ERROR)) else "Normal"
    state.event(
        f"AnalysisRun{new.status}",
        f"{_kind_label(run_type)} Analysis Run "
        f"'{new.name}' Status New: '{new.status}' Previous: '{previous}'",
        kind,
    )


def plan_step_analysis(state: CanaryPass, step: model.AnalysisStep) -> bool:
    """Follow the current step's run; True when it succeeded (the step is done)."""
    if step.parsed is None:
        return False
    record = _follow(state, state.step_run, step.parsed, analysis_args.RunType.STEP)
    state.step_run = record
    if record is not None and record.status == str(Phase.SUCCESSFUL):
        state.step_run = None
        return True
    return False


def plan_background_analysis(state: CanaryPass) -> None:
    """Start and follow the background run while an update is in progress."""
    analysis = state.strategy.background
    p = state.progress
    if analysis is None or p.promoted or state.stable_rs is None:
        state.background_run = None
        return
    if p.index is not None and p.index < (analysis.starting_step or 0):
        return
    state.background_run = _follow(
        state, state.background_run, analysis, analysis_args.RunType.BACKGROUND
    )


def plan_run_cleanup(state: CanaryPass) -> None:
    """Terminate runs no longer waited on; delete finished runs beyond the history limits."""
    p = state.progress
    current = (
        set()
        if p.promoted or p.abort
        else {r.name for r in (state.step_run, state.background_run) if r is not None}
    )
    for run in state.observed.analysis_runs:
        if not run.phase.is_completed and not run.terminating and run.name not in current:
            state.actions.append(actions.TerminateAnalysisRun(run.name))
    finished = sorted(
        (r for r in state.observed.analysis_runs if r.phase.is_completed),
        key=lambda r: r.created,
        reverse=True,
    )
    good = [r for r in finished if r.phase is Phase.SUCCESSFUL]
    bad = [r for r in finished if r.phase is not Phase.SUCCESSFUL]
    for run in (*good[HISTORY_LIMIT:], *bad[HISTORY_LIMIT:]):
        state.actions.append(actions.DeleteAnalysisRun(run.name))


def status_fields(state: CanaryPass) -> dict[str, Any]:
    """status.canary entries for the runs being waited on (None removes them)."""
    return {
        "currentStepAnalysisRunStatus": state.step_run.to_json() if state.step_run else None,
        "currentBackgroundAnalysisRunStatus": state.background_run.to_json()
        if state.background_run
        else None,
    }


__all__ = ["RunState"]
