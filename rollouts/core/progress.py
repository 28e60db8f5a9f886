"""Where a canary Rollout stands: the step index and user intents, reconciled with its spec.

Rules (Argo Rollouts §2.5-2.9):
- a first deployment has no stable ReplicaSet: the new one is declared stable, steps skipped;
- a new pod template or a new step list restarts the steps at 0 and clears pause conditions,
  abort and promoteFull;
- a template equal to the stable one skips all steps (rollback fast-track);
- `status.abort` set by a user starts an abort (abortedAt recorded once); clearing it (retry)
  restarts the steps at 0;
- `controllerPause` with no pause conditions means a user resumed a pause.
"""

from __future__ import annotations

import dataclasses
import datetime

from rollouts import model
from rollouts.core import actions
from rollouts.model import conditions


@dataclasses.dataclass
class Progress:
    """The mutable position of a canary within one planning pass."""

    pod_hash: str
    step_hash: str
    stable_hash: str
    index: int | None
    pause_conditions: list[model.PauseCondition]
    controller_pause: bool
    abort: bool
    aborted_at: str | None
    promote_full: bool
    retried: bool = False
    resumed: bool = False  # a user cleared the pause conditions the controller had set
    abort_reason: str = ""  # why the controller aborted, when it did (e.g. analysis failed)
    skipped_to_stable: bool = False
    events: list[actions.Event] = dataclasses.field(default_factory=list)

    @property
    def promoted(self) -> bool:
        return self.stable_hash == self.pod_hash

    def pause_condition(self, reason: str) -> model.PauseCondition | None:
        return next((p for p in self.pause_conditions if p.reason == reason), None)


def compute_progress(
    rollout: model.Rollout, *, pod_hash: str, step_hash: str, now: datetime.datetime
) -> Progress:
    """The step position after applying template changes and user intents."""
    status = rollout.status
    steps = rollout.canary.steps if rollout.canary else ()
    progress = Progress(
        pod_hash=pod_hash,
        step_hash=step_hash,
        stable_hash=status.stable_rs or pod_hash,
        index=status.current_step_index,
        pause_conditions=list(status.pause_conditions),
        controller_pause=status.controller_pause,
        abort=status.abort,
        aborted_at=status.aborted_at,
        promote_full=status.promote_full,
    )
    changed = bool(status.current_pod_hash) and (
        status.current_pod_hash != pod_hash or status.current_step_hash != step_hash
    )
    if changed:
        _restart(progress, len(steps))
    if progress.promoted:
        _skip_steps(
            progress, len(steps), announce=changed and bool(steps) and status.stable_rs == pod_hash
        )
    elif progress.index is None and steps:
        progress.index = 0
    _apply_abort_intent(progress, now)
    return progress


def _restart(progress: Progress, count: int) -> None:
    progress.index = 0 if count else None  # no index without steps (Argo §1.4)
    progress.pause_conditions = []
    progress.controller_pause = False
    progress.abort = False
    progress.aborted_at = None
    progress.promote_full = False


def _skip_steps(progress: Progress, count: int, *, announce: bool) -> None:
    progress.index = count if count else None
    progress.pause_conditions = []
    progress.controller_pause = False
    progress.abort = False
    progress.aborted_at = None
    progress.promote_full = False
    if announce:
        progress.skipped_to_stable = True
        progress.events.append(
            actions.Event(conditions.EVENT_SKIP_STEPS, "Rollback to stable ReplicaSets")
        )


def _apply_abort_intent(progress: Progress, now: datetime.datetime) -> None:
    if progress.abort and progress.aborted_at is None:
        progress.aborted_at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        progress.pause_conditions = []
        progress.controller_pause = False
        progress.index = 0 if progress.index is not None else None
    elif not progress.abort and progress.aborted_at is not None:
        progress.aborted_at = None
        progress.retried = True
        progress.index = 0 if progress.index is not None else None
