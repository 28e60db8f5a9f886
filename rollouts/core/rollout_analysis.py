"""The AnalysisRuns a Rollout starts, waits on and stops (Argo §3.5, §2.7): the rules both
strategies share (core/canary_steps.py and core/bluegreen.py apply them).

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

from rollouts import errors, model
from rollouts.core import actions, analysis_args, progress
from rollouts.core.actions import Action, Event
from rollouts.core.observed import Observed
from rollouts.model import conditions as c

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


def read_record(status: model.RolloutStatus, key: str, section: str = "canary") -> RunRecord | None:
    """A run record of status.canary (or status.blueGreen) as last written."""
    held = status.raw.get(section)
    raw = held.get(key) if isinstance(held, dict) else None
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


@dataclasses.dataclass(frozen=True)
class RunScope:
    """What following one of a Rollout's runs reads of the pass."""

    rollout: model.Rollout
    observed: Observed
    pod_hash: str
    stable_hash: str
    revision: int
    hold: bool  # no new run now (the update is aborted, or paused where a new run must wait)
    inconclusive_paused: bool  # an InconclusiveAnalysisRun pause condition is held
    controller_pause: bool
    step_index: int | None = None


def scope_for(
    rollout: model.Rollout,
    observed: Observed,
    position: progress.Progress,
    *,
    revision: int,
    waits_out_any_pause: bool,
    step_index: int | None = None,
) -> RunScope:
    """The scope of a run at `position`: no new run while aborted, nor while paused (any
    pause for a run that `waits_out_any_pause`, else an inconclusive one)."""
    inconclusive = position.pause_condition(c.PAUSE_INCONCLUSIVE_ANALYSIS) is not None
    paused = bool(position.pause_conditions) if waits_out_any_pause else inconclusive
    return RunScope(
        rollout=rollout,
        observed=observed,
        pod_hash=position.pod_hash,
        stable_hash=position.stable_hash,
        revision=revision,
        hold=paused or position.abort,
        inconclusive_paused=inconclusive,
        controller_pause=position.controller_pause,
        step_index=step_index,
    )


@dataclasses.dataclass(frozen=True)
class RunFollowed:
    """The outcome of following a run for one pass."""

    record: RunRecord | None
    actions: tuple[Action, ...] = ()
    events: tuple[Event, ...] = ()
    abort: str | None = None  # the run failed or erred: abort with this reason
    pause: bool = False  # the run is inconclusive: pause (InconclusiveAnalysisRun)
    resumed: bool = False  # a user resumed the inconclusive pause: measure again


def _create(
    scope: RunScope, analysis: model.RolloutAnalysis, run_type: analysis_args.RunType
) -> RunFollowed:
    """A run for this pass; its name skips names taken by older runs."""
    manifest = dict(scope.rollout.raw)
    meta = dict(manifest.get("metadata") or {})
    meta["annotations"] = {
        **(meta.get("annotations") or {}),
        analysis_args.REVISION_ANNOTATION: str(scope.revision),
    }
    manifest["metadata"] = meta
    try:
        body = analysis_args.build_analysis_run(
            rollout=manifest,
            analysis=analysis,
            lookup=scope.observed.templates.get,
            run_type=run_type,
            latest_hash=scope.pod_hash,
            stable_hash=scope.stable_hash,
            step_index=scope.step_index,
        )
    except analysis_args.AnalysisArgsError as exc:
        raise errors.SpecError(_SPEC_FIELD[run_type], str(exc)) from exc
    base = body["metadata"]["name"]
    taken = {run.name for run in scope.observed.analysis_runs}
    collision = 0
    while analysis_args.collision_name(base, collision) in taken:
        collision += 1
    name = analysis_args.collision_name(base, collision)
    body["metadata"]["name"] = name
    return RunFollowed(RunRecord(name, str(Phase.PENDING)), (actions.CreateAnalysisRun(body),))


_SPEC_FIELD = {
    analysis_args.RunType.STEP: "spec.strategy.canary",
    analysis_args.RunType.BACKGROUND: "spec.strategy.canary.analysis",
    analysis_args.RunType.PRE_PROMOTION: "spec.strategy.blueGreen.prePromotionAnalysis",
    analysis_args.RunType.POST_PROMOTION: "spec.strategy.blueGreen.postPromotionAnalysis",
}


def follow_run(
    scope: RunScope,
    record: RunRecord | None,
    analysis: model.RolloutAnalysis,
    run_type: analysis_args.RunType,
) -> RunFollowed:
    """The record after this pass: created, updated from the live run, or dropped."""
    run = scope.observed.run(record.name) if record else None
    if run is None or run.pod_hash != scope.pod_hash:
        return RunFollowed(None) if scope.hold else _create(scope, analysis, run_type)
    updated = RunRecord(run.name, str(run.phase), run.message)
    events = _announce(record, updated, run_type)
    if run.phase in _BAD:
        return RunFollowed(
            updated, events=events, abort=abort_reason(_ABORT_PREFIX[run_type], run.message)
        )
    if run.phase is Phase.INCONCLUSIVE and not scope.inconclusive_paused:
        if scope.controller_pause:
            return RunFollowed(None, events=events, resumed=True)
        paused = actions.Event(
            c.EVENT_PAUSED, f"Rollout is paused ({c.PAUSE_INCONCLUSIVE_ANALYSIS})"
        )
        return RunFollowed(updated, events=(*events, paused), pause=True)
    return RunFollowed(updated, events=events)


def _announce(
    old: RunRecord | None, new: RunRecord, run_type: analysis_args.RunType
) -> tuple[actions.Event, ...]:
    if old is not None and old.status == new.status:
        return ()
    previous = old.status if old else "NoPreviousStatus"
    kind = "Warning" if new.status in (str(Phase.FAILED), str(Phase.ERROR)) else "Normal"
    return (
        actions.Event(
            f"AnalysisRun{new.status}",
            f"{run_type} Analysis Run '{new.name}' Status New: '{new.status}' "
            f"Previous: '{previous}'",
            kind,
        ),
    )


def cleanup_runs(observed: Observed, current: set[str]) -> list[actions.Action]:
    """Terminate runs no longer waited on; delete finished runs beyond the history limits."""
    found: list[actions.Action] = [
        actions.TerminateAnalysisRun(run.name)
        for run in observed.analysis_runs
        if not run.phase.is_completed and not run.terminating and run.name not in current
    ]
    finished = sorted(
        (r for r in observed.analysis_runs if r.phase.is_completed),
        key=lambda r: r.created,
        reverse=True,
    )
    good = [r for r in finished if r.phase is Phase.SUCCESSFUL]
    bad = [r for r in finished if r.phase is not Phase.SUCCESSFUL]
    found.extend(
        actions.DeleteAnalysisRun(r.name) for r in (*good[HISTORY_LIMIT:], *bad[HISTORY_LIMIT:])
    )
    return found
