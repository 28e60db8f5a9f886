"""Part: what one planning decision adds to a plan, merged by the strategy's last step."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from rollouts.core.actions import Action, Event


@dataclasses.dataclass(frozen=True)
class Part:
    """Actions to carry out in order, Events to post, and when to look again (seconds)."""

    actions: tuple[Action, ...] = ()
    events: tuple[Event, ...] = ()
    requeue: tuple[float, ...] = ()

    def __add__(self, other: Part) -> Part:
        return Part(
            self.actions + other.actions, self.events + other.events, self.requeue + other.requeue
        )


def combine(parts: Iterable[Part]) -> Part:
    total = Part()
    for part in parts:
        total += part
    return total
