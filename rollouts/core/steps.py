"""Canary steps: which weight and canary scale apply at a step index, and how steps are named.

Rules (Argo Rollouts):
- the weight at index i is that of the last setWeight at or before i (0 before the first one);
  past the last step it is the maximum weight; with no steps at all, the maximum;
- a setCanaryScale at or before i applies until a later `matchTrafficWeight: true` step;
- an index is "past the steps" when it equals the number of steps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from rollouts import model


@dataclasses.dataclass(frozen=True)
class CanaryScale:
    """An explicit canary size from setCanaryScale: replicas, or a weight of spec.replicas."""

    replicas: int | None = None
    weight: int | None = None


def set_weight_at(steps: Sequence[model.Step], index: int | None, *, max_weight: int) -> int:
    """The setWeight in force at `index`."""
    if not steps or index is None or index >= len(steps):
        return max_weight
    for step in reversed(steps[: index + 1]):
        if isinstance(step, model.SetWeight):
            return step.weight
    return 0


def set_weight_before(steps: Sequence[model.Step], index: int | None, *, max_weight: int) -> int:
    """The setWeight in force before the step at `index` (used while the canary still scales)."""
    if index is None or index <= 0:
        return 0 if steps else max_weight
    return set_weight_at(steps, index - 1, max_weight=max_weight)


def canary_scale_at(steps: Sequence[model.Step], index: int | None) -> CanaryScale | None:
    """The setCanaryScale in force at `index`, or None when traffic weight decides."""
    if not steps or index is None or index >= len(steps):
        return None
    for step in reversed(steps[: index + 1]):
        if isinstance(step, model.SetCanaryScale):
            if step.match_traffic_weight:
                return None
            return CanaryScale(replicas=step.replicas, weight=step.weight)
    return None


def describe(step: model.Step) -> str:
    """A step as Argo names it in events: `setWeight: 20`, `pause: 10s`, `analysis`."""
    if isinstance(step, model.SetWeight):
        return f"setWeight: {step.weight}"
    if isinstance(step, model.Pause):
        if step.duration is None:
            return "pause"
        return f"pause: {model.format_duration(step.duration)}"
    if isinstance(step, model.SetCanaryScale):
        if step.replicas is not None:
            return f"setCanaryScale{{replicas: {step.replicas}}}"
        if step.weight is not None:
            return f"setCanaryScale{{weight: {step.weight}}}"
        return "setCanaryScale{matchTrafficWeight: true}"
    return "analysis"
