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


@dataclasses.dataclass(frozen=True)
class Progress:
    """Where a Rollout stands in its update: a value; a transition returns a new one."""

    pod_hash: str
    step_hash: str
    stable_hash: str
    index: int | None
    pause_conditions: tuple[model.PauseCondition, ...]
    controller_pause: bool
    abort: bool
    aborted_at: str | None
    promote_full: bool
    retried: bool = False
    resumed: bool = False  # a user cleared the pause conditions the controller had set
    abort_reason: str = ""  # why the controller aborted, when it did (e.g. analysis failed)
    skipped_to_stable: bool = False
    events: tuple[actions.Event, ...] = ()  # what reading the intents found to announce

    @property
    def promoted(self) -> bool:
        return self.stable_hash == self.pod_hash

    def pause_condition(self, reason: str) -> model.PauseCondition | None:
        return next((p for p in self.pause_conditions if p.reason == reason), None)

    def paused_for(self, reason: str, at: datetime.datetime) -> Progress:
        """With a pause condition `reason` from `at` (the controller's pause)."""
        added = (*self.pause_conditions, model.PauseCondition(reason, at))
        return dataclasses.replace(self, pause_conditions=added, controller_pause=True)

    def unpaused(self, reason: str) -> Progress:
        kept = tuple(p for p in self.pause_conditions if p.reason != reason)
        return dataclasses.replace(self, pause_conditions=kept)

    def aborted(self, reason: str, at: datetime.datetime) -> Progress:
        """Aborted by the controller (analysis failed, deadline passed)."""
        return dataclasses.replace(
            self,
            abort=True,
            abort_reason=reason,
            aborted_at=at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            pause_conditions=(),
            controller_pause=False,
            index=0 if self.index is not None else None,
        )

    def promoted_now(self, index: int | None) -> Progress:
        """The new set is stable: pauses, abort and promoteFull are behind it."""
        return dataclasses.replace(_cleared(self, index), stable_hash=self.pod_hash)


def _cleared(progress: Progress, index: int | None) -> Progress:
    return dataclasses.replace(
        progress,
        index=index,
        pause_conditions=(),
        controller_pause=False,
        abort=False,
        aborted_at=None,
        promote_full=False,
    )


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
        pause_conditions=tuple(status.pause_conditions),
        controller_pause=status.controller_pause,
        abort=status.abort,
        aborted_at=status.aborted_at,
        promote_full=status.promote_full,
    )
    changed = bool(status.current_pod_hash) and (
        status.current_pod_hash != pod_hash or status.current_step_hash != step_hash
    )
    if changed:
        progress = _cleared(progress, 0 if steps else None)  # no index without steps (§1.4)
    if progress.promoted:
        progress = _cleared(progress, len(steps) if steps else None)
        if changed and steps and status.stable_rs == pod_hash:
            skipped = actions.Event(conditions.EVENT_SKIP_STEPS, "Rollback to stable ReplicaSets")
            progress = dataclasses.replace(progress, skipped_to_stable=True, events=(skipped,))
    elif progress.index is None and steps:
        progress = dataclasses.replace(progress, index=0)
    return _apply_abort_intent(progress, now)


def _apply_abort_intent(progress: Progress, now: datetime.datetime) -> Progress:
    index = 0 if progress.index is not None else None
    if progress.abort and progress.aborted_at is None:
        return dataclasses.replace(
            progress,
            aborted_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            pause_conditions=(),
            controller_pause=False,
            index=index,
        )
    if not progress.abort and progress.aborted_at is not None:
        return dataclasses.replace(progress, aborted_at=None, retried=True, index=index)
    return progress


def announce_intents(
    progress: Progress, status: model.RolloutStatus, revision: int
) -> tuple[Progress, tuple[actions.Event, ...]]:
    """What a user asked for since the last pass, to announce: an abort, a resume (the pause
    conditions the controller had set were cleared)."""
    found = list(progress.events)
    if progress.abort and status.aborted_at is None:
        message = f"Rollout aborted update to revision {revision}"
        found.append(actions.Event(conditions.EVENT_ABORTED, message, "Warning"))
    if status.controller_pause and not status.pause_conditions and progress.controller_pause:
        progress = dataclasses.replace(progress, resumed=True)
        found.append(actions.Event(conditions.EVENT_RESUMED, "Rollout is resumed"))
    return progress, tuple(found)
