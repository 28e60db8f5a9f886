"""compute_progress: where a canary stands after template changes and user intents
(argo-rollouts-spec.md §2.2, §2.5 step index resets, §2.7 abort and retry, §2.9 rollback)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from rollouts import model
from rollouts.core import progress
from rollouts.model import conditions as c
from tests.unit.core import builders as b

STEPS: list[dict[str, Any]] = [
    {"setWeight": 20},
    {"pause": {}},
    {"setWeight": 50},
    {"pause": {"duration": 10}},
]
PAUSED_AT = {"reason": c.PAUSE_CANARY_STEP, "startTime": b.stamp(b.T0)}
BUSY: dict[str, Any] = {  # an update well under way, with every intent set
    "pauseConditions": [PAUSED_AT],
    "controllerPause": True,
    "abort": True,
    "abortedAt": b.stamp(b.T0),
    "promoteFull": True,
}


def _progress(
    ro: model.Rollout, steps: Sequence[Mapping[str, Any]] | None = STEPS
) -> progress.Progress:
    version = ro.spec.template["spec"]["containers"][0]["image"].split(":")[1]
    return progress.compute_progress(
        ro, pod_hash=b.pod_hash(version), step_hash=b.step_hash(steps), now=b.later(60)
    )


def _cleared(p: progress.Progress) -> tuple[Any, ...]:
    return (p.pause_conditions, p.controller_pause, p.abort, p.aborted_at, p.promote_full)


NOTHING: tuple[Any, ...] = ((), False, False, None, False)


@pytest.mark.parametrize(
    ("steps", "index"),
    [
        pytest.param(STEPS, 4, id="with-steps-index-past-the-end"),
        pytest.param(None, None, id="without-steps-no-index"),
    ],
)
def test_an_initial_deploy_declares_itself_stable_and_skips_the_steps(
    steps: list[dict[str, Any]] | None, index: int | None
) -> None:
    p = _progress(b.rollout("v1", steps=steps), steps)
    assert (p.promoted, p.stable_hash, p.index) == (True, b.pod_hash("v1"), index)
    assert p.events == ()


def test_a_new_template_restarts_the_steps_and_clears_intents() -> None:
    ro = b.rollout("v3", steps=STEPS, status={**BUSY, **_at("v1", "v2", index=3)})
    p = _progress(ro)
    assert (p.index, p.stable_hash, p.promoted) == (0, b.pod_hash("v1"), False)
    assert _cleared(p) == NOTHING
    assert p.events == ()


def test_a_new_template_without_steps_has_no_index() -> None:
    ro = b.rollout("v3", status=_at("v1", "v2", index=None, steps=None))
    assert _progress(ro, None).index is None


def test_a_new_step_list_restarts_the_steps() -> None:
    old_steps = [{"setWeight": 10}, {"pause": {}}]
    ro = b.rollout("v2", steps=STEPS, status={**BUSY, **_at("v1", "v2", index=1, steps=old_steps)})
    p = _progress(ro)
    assert p.index == 0
    assert _cleared(p) == NOTHING


def test_the_same_template_and_steps_keep_their_place() -> None:
    ro = b.rollout(
        "v2",
        stable="v1",
        index=3,
        steps=STEPS,
        status={"pauseConditions": [PAUSED_AT], "controllerPause": True, "promoteFull": True},
    )
    p = _progress(ro)
    assert (p.index, p.controller_pause, p.promote_full) == (3, True, True)
    assert p.pause_conditions == (model.PauseCondition(c.PAUSE_CANARY_STEP, b.T0),)


def test_an_update_without_a_recorded_index_starts_at_the_first_step() -> None:
    ro = b.rollout("v2", stable="v1", index=None, steps=STEPS)
    assert _progress(ro).index == 0


def test_going_back_to_the_stable_template_skips_to_the_end() -> None:
    ro = b.rollout("v1", steps=STEPS, status={**BUSY, **_at("v1", "v2", index=2)})
    p = _progress(ro)
    assert (p.promoted, p.index, p.skipped_to_stable) == (True, 4, True)
    assert _cleared(p) == NOTHING
    assert [(e.reason, e.message) for e in p.events] == [
        (c.EVENT_SKIP_STEPS, "Rollback to stable ReplicaSets")
    ]


def test_going_back_to_the_stable_template_without_steps_announces_nothing() -> None:
    ro = b.rollout("v1", steps=None, status={**_at("v1", "v2", index=None)})
    assert _progress(ro).events == ()


def test_a_promoted_rollout_with_abort_set_is_silently_unaborted() -> None:
    ro = b.rollout("v1", stable="v1", index=4, steps=STEPS, status={"abort": True})
    p = _progress(ro)
    assert (p.abort, p.aborted_at, p.index, p.events) == (False, None, 4, ())


def test_an_abort_records_aborted_at_and_resets_the_index() -> None:
    status = {"abort": True, "pauseConditions": [PAUSED_AT], "controllerPause": True}
    ro = b.rollout("v2", stable="v1", index=3, steps=STEPS, status=status)
    p = _progress(ro)
    assert (p.abort, p.aborted_at, p.index) == (True, b.stamp(b.later(60)), 0)
    assert (p.pause_conditions, p.controller_pause) == ((), False)


def test_an_abort_already_recorded_keeps_its_time() -> None:
    status = {"abort": True, "abortedAt": b.stamp(b.T0)}
    ro = b.rollout("v2", stable="v1", index=0, steps=STEPS, status=status)
    p = _progress(ro)
    assert (p.abort, p.aborted_at, p.index, p.retried) == (True, b.stamp(b.T0), 0, False)


def test_a_retry_clears_aborted_at_and_restarts_at_the_first_step() -> None:
    ro = b.rollout("v2", stable="v1", index=2, steps=STEPS, status={"abortedAt": b.stamp(b.T0)})
    p = _progress(ro)
    assert (p.abort, p.aborted_at, p.retried, p.index) == (False, None, True, 0)


def _at(
    stable: str,
    current: str,
    *,
    index: int | None,
    steps: Sequence[Mapping[str, Any]] | None = STEPS,
) -> dict[str, Any]:
    """A status recorded while `current` was rolling out over `stable`."""
    return {
        "stableRS": b.pod_hash(stable),
        "currentPodHash": b.pod_hash(current),
        "currentStepHash": b.step_hash(steps),
        "currentStepIndex": index,
    }
