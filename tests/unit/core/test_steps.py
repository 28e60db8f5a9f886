"""Canary steps: the weight and canary scale in force at a step index, and the step names
Argo prints in its RolloutStepCompleted events (argo-rollouts-spec.md §2.3-2.5)."""

from __future__ import annotations

import pytest

from rollouts import model
from rollouts.core import steps

SW = model.SetWeight
PAUSE = model.Pause(None)
# setWeight 20 → pause → setWeight 50 → pause 10s
WALK = (SW(20), PAUSE, SW(50), model.Pause(10))


@pytest.mark.parametrize(
    ("canary_steps", "index", "max_weight", "expected"),
    [
        pytest.param(WALK, 0, 100, 20, id="at-a-set-weight"),
        pytest.param(WALK, 1, 100, 20, id="pause-keeps-the-last-weight"),
        pytest.param(WALK, 2, 100, 50, id="next-set-weight"),
        pytest.param(WALK, 3, 100, 50, id="last-step"),
        pytest.param(WALK, 4, 100, 100, id="past-the-steps-is-max"),
        pytest.param(WALK, 4, 1000, 1000, id="past-the-steps-is-max-traffic-weight"),
        pytest.param(WALK, None, 100, 100, id="no-index-is-max"),
        pytest.param((), None, 100, 100, id="no-steps-is-max"),
        pytest.param((), 0, 100, 100, id="no-steps-any-index-is-max"),
        pytest.param((PAUSE, SW(20)), 0, 100, 0, id="before-any-set-weight-is-zero"),
        pytest.param((SW(0), PAUSE), 1, 100, 0, id="explicit-zero"),
    ],
)
def test_set_weight_at_is_the_last_set_weight_at_or_before_the_index(
    canary_steps: tuple[model.Step, ...], index: int | None, max_weight: int, expected: int
) -> None:
    assert steps.set_weight_at(canary_steps, index, max_weight=max_weight) == expected


@pytest.mark.parametrize(
    ("canary_steps", "index", "expected"),
    [
        pytest.param(WALK, 0, 0, id="first-step-has-nothing-before"),
        pytest.param(WALK, 1, 20, id="after-the-first-weight"),
        pytest.param(WALK, 2, 20, id="set-weight-looks-back-past-the-pause"),
        pytest.param(WALK, 3, 50, id="after-the-second-weight"),
        pytest.param(WALK, 4, 50, id="past-the-steps-is-the-last-weight"),
        pytest.param(WALK, None, 0, id="no-index-with-steps-is-zero"),
        pytest.param((), None, 100, id="no-steps-is-max"),
    ],
)
def test_set_weight_before_is_the_weight_in_force_before_the_index(
    canary_steps: tuple[model.Step, ...], index: int | None, expected: int
) -> None:
    assert steps.set_weight_before(canary_steps, index, max_weight=100) == expected


# setCanaryScale replicas 3 → setWeight 50 → setCanaryScale weight 25 → setWeight 60
# → setCanaryScale matchTrafficWeight → setWeight 80
SCALES = (
    model.SetCanaryScale(replicas=3),
    SW(50),
    model.SetCanaryScale(weight=25),
    SW(60),
    model.SetCanaryScale(match_traffic_weight=True),
    SW(80),
)


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        pytest.param(0, steps.CanaryScale(replicas=3), id="at-a-replica-scale"),
        pytest.param(1, steps.CanaryScale(replicas=3), id="scale-outlives-a-set-weight"),
        pytest.param(2, steps.CanaryScale(weight=25), id="a-later-scale-replaces-it"),
        pytest.param(3, steps.CanaryScale(weight=25), id="weight-scale-outlives-a-set-weight"),
        pytest.param(4, None, id="match-traffic-weight-resets"),
        pytest.param(5, None, id="stays-reset-afterwards"),
        pytest.param(6, None, id="past-the-steps"),
        pytest.param(None, None, id="no-index"),
    ],
)
def test_canary_scale_at_applies_until_match_traffic_weight(
    index: int | None, expected: steps.CanaryScale | None
) -> None:
    assert steps.canary_scale_at(SCALES, index) == expected


def test_canary_scale_at_is_none_before_any_scale_step() -> None:
    assert steps.canary_scale_at((SW(10), model.SetCanaryScale(replicas=2)), 0) is None


def test_canary_scale_at_is_none_without_steps() -> None:
    assert steps.canary_scale_at((), 0) is None


@pytest.mark.parametrize(
    ("step", "text"),
    [
        pytest.param(SW(20), "setWeight: 20", id="set-weight"),
        pytest.param(PAUSE, "pause", id="indefinite-pause"),
        pytest.param(model.Pause(10), "pause: 10s", id="timed-pause"),
        pytest.param(model.Pause(90), "pause: 1m30s", id="minutes-pause"),
        pytest.param(model.Pause(3600), "pause: 1h", id="hour-pause"),
        pytest.param(model.AnalysisStep({}), "analysis", id="analysis"),
        pytest.param(
            model.SetCanaryScale(weight=25), "setCanaryScale{weight: 25}", id="scale-weight"
        ),
        pytest.param(
            model.SetCanaryScale(replicas=3), "setCanaryScale{replicas: 3}", id="scale-replicas"
        ),
        pytest.param(
            model.SetCanaryScale(match_traffic_weight=True),
            "setCanaryScale{matchTrafficWeight: true}",
            id="scale-match-traffic-weight",
        ),
    ],
)
def test_describe_names_a_step_as_argos_events_do(step: model.Step, text: str) -> None:
    assert steps.describe(step) == text
