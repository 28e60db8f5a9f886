"""Phase, message and conditions: Argo's §1.5 rows in order, first match wins, and the
condition-update rule of §1.4 (argo-rollouts-spec.md)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from rollouts import model
from rollouts.core import progress, status
from rollouts.model import conditions as c
from tests.unit.core import builders as b

INVALID = model.Condition(c.ConditionType.INVALID_SPEC, "True", c.INVALID_SPEC, "bad field")
ABORTED = model.Condition(
    c.ConditionType.PROGRESSING, "False", c.ABORTED, "Rollout aborted update to revision 2"
)
TIMED_OUT = model.Condition(
    c.ConditionType.PROGRESSING,
    "False",
    c.DEADLINE_EXCEEDED,
    'ReplicaSet "web-x" has timed out progressing.',
)
# Causes in the order §1.5 checks them; a row carries its cause and every later one, so only
# "first match wins" gives the expected answer.
ORDER = (
    "invalid",
    "aborted",
    "deadline",
    "paused",
    "pause-condition",
    "restart",
    "outdated",
    "unavailable",
    "old-pods",
    "unpromoted",
    "nothing",
)
EXPECTED = {
    "invalid": ("Degraded", "InvalidSpec: bad field"),
    "aborted": ("Degraded", "RolloutAborted: Rollout aborted update to revision 2"),
    "deadline": (
        "Degraded",
        'ProgressDeadlineExceeded: ReplicaSet "web-x" has timed out progressing.',
    ),
    "paused": ("Paused", "manually paused"),
    "pause-condition": ("Paused", c.PAUSE_CANARY_STEP),
    "restart": ("Progressing", "rollout is restarting"),
    "outdated": ("Progressing", "more replicas need to be updated"),
    "unavailable": ("Progressing", "updated replicas are still becoming available"),
    "old-pods": ("Progressing", "old replicas are pending termination"),
    "unpromoted": ("Progressing", "waiting for all steps to complete"),
    "nothing": ("Healthy", ""),
}


def _progress(*, promoted: bool, pauses: tuple[str, ...] = ()) -> progress.Progress:
    current = b.pod_hash("v2")
    return progress.Progress(
        pod_hash=current,
        step_hash="",
        stable_hash=current if promoted else b.pod_hash("v1"),
        index=None,
        pause_conditions=tuple(model.PauseCondition(reason, b.T0) for reason in pauses),
        controller_pause=bool(pauses),
        abort=False,
        aborted_at=None,
        promote_full=False,
    )


def _counts(*, updated: int = 5, available: int | None = None, total: int | None = None) -> Any:
    available = updated if available is None else available
    total = updated if total is None else total
    return {
        "replicas": total,
        "updatedReplicas": updated,
        "readyReplicas": available,
        "availableReplicas": available,
        "HPAReplicas": total,
    }


def _phase(causes: set[str], *, routed: bool = False) -> tuple[str, str]:
    spec: dict[str, Any] = {"paused": "paused" in causes}
    if "restart" in causes:
        spec["restartAt"] = b.stamp(b.T0)
    ro = b.rollout("v2", spec=spec)
    conds: list[model.Condition] = []
    if "aborted" in causes:
        conds.append(ABORTED)
    elif "deadline" in causes:
        conds.append(TIMED_OUT)
    if "invalid" in causes:
        conds.append(INVALID)  # after the abort: InvalidSpec still wins
    updated = 3 if "outdated" in causes else 5
    counts = _counts(
        updated=updated,
        available=updated - 1 if "unavailable" in causes else updated,
        total=updated + 2 if "old-pods" in causes else updated,
    )
    pauses = (c.PAUSE_CANARY_STEP, c.PAUSE_INCONCLUSIVE_ANALYSIS)
    p = _progress(
        promoted="unpromoted" not in causes,
        pauses=pauses if "pause-condition" in causes else (),
    )
    earlier = b.stamp(b.later(-60))
    return status.compute_phase(ro, p, conds, counts, routed=routed, restarted_at=earlier)


@pytest.mark.parametrize("cause", ORDER, ids=ORDER)
def test_compute_phase_takes_the_first_matching_row(cause: str) -> None:
    assert _phase(set(ORDER[ORDER.index(cause) :])) == EXPECTED[cause]


def test_old_pods_do_not_hold_a_traffic_routed_canary() -> None:
    assert _phase({"old-pods", "unpromoted"}, routed=True) == EXPECTED["unpromoted"]
    assert _phase({"old-pods"}, routed=True) == EXPECTED["nothing"]


def test_a_restart_already_done_does_not_count() -> None:
    ro = b.rollout("v2", spec={"restartAt": b.stamp(b.T0)})
    p = _progress(promoted=True)
    phase = status.compute_phase(ro, p, [], _counts(), routed=False, restarted_at=b.stamp(b.T0))
    assert phase == ("Healthy", "")


# ------------------------------------------------------------------ set_condition

NOW, LATER = b.stamp(b.T0), b.stamp(b.later(60))
PROGRESSING = model.Condition(
    c.ConditionType.PROGRESSING, "True", c.RS_UPDATED, 'ReplicaSet "web-x" is progressing.'
)
AVAILABLE = model.Condition(c.ConditionType.AVAILABLE, "True", c.AVAILABLE, "ok", NOW, NOW)


def _stamped(cond: model.Condition, at: str = NOW) -> model.Condition:
    return model.Condition(cond.type, cond.status, cond.reason, cond.message, at, at)


def test_set_condition_adds_a_new_type_stamped_now() -> None:
    assert c.set_condition((AVAILABLE,), PROGRESSING, now=NOW) == (
        AVAILABLE,
        _stamped(PROGRESSING),
    )


def test_set_condition_does_not_rewrite_an_identical_condition() -> None:
    existing = (_stamped(PROGRESSING), AVAILABLE)
    assert c.set_condition(existing, PROGRESSING, now=LATER) == existing


def test_set_condition_touch_bumps_only_the_update_time() -> None:
    (touched,) = c.set_condition((_stamped(PROGRESSING),), PROGRESSING, now=LATER, touch=True)
    assert (touched.last_transition_time, touched.last_update_time) == (NOW, LATER)


def test_set_condition_keeps_the_transition_time_when_only_the_reason_changes() -> None:
    available = model.Condition(c.ConditionType.PROGRESSING, "True", c.NEW_RS_AVAILABLE, "done")
    (updated,) = c.set_condition((_stamped(PROGRESSING),), available, now=LATER)
    assert (updated.reason, updated.last_transition_time, updated.last_update_time) == (
        c.NEW_RS_AVAILABLE,
        NOW,
        LATER,
    )


def test_set_condition_moves_the_transition_time_when_the_status_changes() -> None:
    (updated,) = c.set_condition((_stamped(PROGRESSING),), ABORTED, now=LATER)
    assert updated == _stamped(ABORTED, LATER)


# ------------------------------------------------------------------- conditions

STEPS = [{"setWeight": 20}, {"pause": {}}]


def _conditions(
    ro: model.Rollout, *, progressed: bool = False, waiting: bool = False, minutes: float = 11
) -> tuple[tuple[model.Condition, ...], bool]:
    p = progress.compute_progress(
        ro, pod_hash=b.pod_hash("v2"), step_hash=b.step_hash(STEPS), now=b.T0
    )
    return status.compute_conditions(
        ro,
        p,
        new_rs=b.rs("v2", 1, revision=2),
        counts=_counts(updated=1, total=6),
        now=b.T0 + datetime.timedelta(minutes=minutes),
        created=False,
        progressed=progressed,
        waiting=waiting,
    )


def _stale(reason: str = c.RS_UPDATED, status_: str = "True") -> model.Rollout:
    """An update whose Progressing condition was last touched at T0."""
    cond = model.Condition(c.ConditionType.PROGRESSING, status_, reason, "m", NOW, NOW)
    return b.rollout(
        "v2", stable="v1", index=0, steps=STEPS, status={"conditions": [cond.to_json()]}
    )


def test_no_progress_past_the_deadline_times_out() -> None:
    conds, timed_out = _conditions(_stale())
    progressing = c.find(conds, c.ConditionType.PROGRESSING)
    assert timed_out
    assert progressing is not None
    assert (progressing.status, progressing.reason, progressing.message) == (
        "False",
        c.DEADLINE_EXCEEDED,
        f'ReplicaSet "{b.rs_name("v2")}" has timed out progressing.',
    )


def test_the_deadline_is_not_reached_within_its_seconds() -> None:
    assert _conditions(_stale(), minutes=9)[1] is False


def test_the_deadline_is_not_evaluated_while_waiting_at_a_pause() -> None:
    assert _conditions(_stale(), waiting=True)[1] is False


def test_progress_clears_a_timed_out_condition() -> None:
    conds, timed_out = _conditions(_stale(c.DEADLINE_EXCEEDED, "False"), progressed=True)
    progressing = c.find(conds, c.ConditionType.PROGRESSING)
    assert not timed_out
    assert progressing is not None
    assert (progressing.status, progressing.reason) == ("True", c.RS_UPDATED)


def test_a_timed_out_condition_sticks_without_progress() -> None:
    assert _conditions(_stale(c.DEADLINE_EXCEEDED, "False"), minutes=1)[1] is True


def test_an_invalid_spec_status_is_degraded_with_the_message() -> None:
    doc = status.invalid_spec_status(generation=3, existing=(), message="bad", now=b.T0)
    assert (doc["observedGeneration"], doc["phase"], doc["message"]) == (
        "3",
        "Degraded",
        "InvalidSpec: bad",
    )
    invalid = model.Condition(c.ConditionType.INVALID_SPEC, "True", c.INVALID_SPEC, "bad")
    assert doc["conditions"] == [_stamped(invalid).to_json()]


def test_the_selector_prints_as_a_scale_subresource_does() -> None:
    selector = {
        "matchLabels": {"tier": "web", "app": "x"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["b", "a"]},
            {"key": "gone", "operator": "DoesNotExist"},
        ],
    }
    assert status.format_selector(selector) == "app=x,tier=web,env in (a,b),!gone"
