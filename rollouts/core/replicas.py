"""Replica arithmetic for canaries: surge and unavailability budgets, the canary/stable split
that approximates a weight with whole pods, and one step of moving ReplicaSets toward that split.

A basic canary (no traffic routing) expresses its weight through pod counts alone, so every step
resizes two or more ReplicaSets at once. `plan_basic_canary_scale` is applied once per reconcile
against observed availability; re-planning after the cluster caught up moves further, and at the
target it changes nothing. Availability is counted as `min(spec, available)` per ReplicaSet, since
a ReplicaSet that shrinks deletes its unavailable pods first.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from fractions import Fraction

DEFAULT_MAX_SURGE = "25%"
DEFAULT_MAX_UNAVAILABLE = "25%"

_PERCENT = re.compile(r"(\d+)%?", re.ASCII)
_HALF = Fraction(1, 2)


@dataclasses.dataclass(frozen=True)
class ReplicaCounts:
    """One ReplicaSet as the planner sees it: `spec.replicas` and `status.availableReplicas`."""

    spec_replicas: int
    available: int


@dataclasses.dataclass(frozen=True)
class ScalePlan:
    """New `spec.replicas` for the canary, the stable and each other ReplicaSet (input order)."""

    canary: int
    stable: int
    others: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class _Budget:
    target_canary: int
    target_stable: int
    min_available: int
    max_total: int


def resolve_int_or_percent(value: int | str, total: int, *, round_up: bool) -> int:
    """An IntOrString against `total`: integers as given, `"N%"` (or a bare `"N"`) as N percent.

    Rule: maxSurge rounds the percentage up, maxUnavailable rounds it down.
    """
    if isinstance(value, bool):
        raise ValueError(f"not an int or percentage: {value!r}")
    if isinstance(value, int):
        return value
    match = _PERCENT.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"not an int or percentage: {value!r}")
    scaled = int(match.group(1)) * total
    return -(-scaled // 100) if round_up else scaled // 100


def max_surge_and_unavailable(
    *, max_surge: int | str | None, max_unavailable: int | str | None, replicas: int
) -> tuple[int, int]:
    """(surge, unavailable) pods allowed for `replicas`; both default to 25 %.

    Rule: surge rounds up, unavailable rounds down; when both come out 0, one pod may be
    unavailable (so an update can progress); unavailable never exceeds `replicas`.
    """
    surge = resolve_int_or_percent(
        DEFAULT_MAX_SURGE if max_surge is None else max_surge, replicas, round_up=True
    )
    unavailable = resolve_int_or_percent(
        DEFAULT_MAX_UNAVAILABLE if max_unavailable is None else max_unavailable,
        replicas,
        round_up=False,
    )
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, min(unavailable, replicas)


def compute_basic_canary_target(
    *, replicas: int, weight: int, max_weight: int, surge: int
) -> tuple[int, int]:
    """(canary, stable) pod counts that best approximate `weight` out of `max_weight`.

    Rule (Argo's whole-pod approximation): candidates are ceil and floor of R·W/M canary pods
    out of R pods, and, when surge is allowed, out of R+1 pods. A ceiling that leaves no stable
    pod, and a canary of 0, are only allowed at weight 0 or M or for a single pod without surge;
    a floor is skipped when total·W/M ends in exactly .5 (ties round the canary up). The closest
    ratio wins, the earlier candidate on equal distance; no candidate at all means (0, R).
    """
    if replicas == 0:
        return 0, 0
    best: tuple[Fraction, int, int] | None = None
    for canary, total in _candidates(
        replicas=replicas, weight=weight, max_weight=max_weight, surge=surge
    ):
        distance = abs(Fraction(canary * max_weight, total) - weight)
        if best is None or distance < best[0]:
            best = (distance, canary, total)
    if best is None:
        return 0, replicas
    _, canary, total = best
    return canary, total - canary


def compute_traffic_routed_canary_replicas(
    *, replicas: int, weight: int, max_weight: int, min_pods_per_replica_set: int | None = None
) -> int:
    """Canary pods under traffic routing: `ceil(replicas * weight / max_weight)`.

    Rule: a non-zero count is raised to `minPodsPerReplicaSet`, capped at `replicas`.
    """
    canary = math.ceil(Fraction(replicas * weight, max_weight))
    if canary > 0 and min_pods_per_replica_set:
        return max(canary, min(min_pods_per_replica_set, replicas))
    return canary


def plan_basic_canary_scale(
    *,
    replicas: int,
    weight: int,
    max_weight: int,
    max_surge: int | str | None,
    max_unavailable: int | str | None,
    canary: ReplicaCounts,
    stable: ReplicaCounts,
    others: Sequence[ReplicaCounts],
) -> ScalePlan:
    """One step of a basic canary toward its (canary, stable) target, within the fence-posts.

    Rules, in order: other ReplicaSets shed their unavailable pods, then available pods as long
    as total availability stays at or above `replicas - maxUnavailable`. Growth may use
    `replicas + maxSurge - sum(spec.replicas)`: the stable first, then the canary, each only up
    to its target. While other ReplicaSets still have pods, nothing shrinks. Otherwise both
    shrink toward their targets, first the one the update moves away from (the stable while the
    canary grows, the canary when it shrinks, e.g. on abort): unavailable pods go freely,
    available pods only down to the availability floor. Last, pods above the surge limit (after
    spec.replicas was lowered) are shed where unavailable, even below target.
    """
    surge, unavailable = max_surge_and_unavailable(
        max_surge=max_surge, max_unavailable=max_unavailable, replicas=replicas
    )
    target_canary, target_stable = compute_basic_canary_target(
        replicas=replicas, weight=weight, max_weight=max_weight, surge=surge
    )
    budget = _Budget(
        target_canary=target_canary,
        target_stable=target_stable,
        min_available=replicas - unavailable,
        max_total=replicas + surge,
    )
    everything = (canary, stable, *others)
    planned_others = _shed_others(others, excess=_available(everything) - budget.min_available)
    room = budget.max_total - sum(rs.spec_replicas for rs in everything)
    new_stable, room = _grow(stable.spec_replicas, target=target_stable, room=room)
    new_canary, _ = _grow(canary.spec_replicas, target=target_canary, room=room)
    if any(planned_others):
        return ScalePlan(canary=new_canary, stable=new_stable, others=planned_others)
    new_canary, new_stable = _drain(
        ReplicaCounts(spec_replicas=new_canary, available=canary.available),
        ReplicaCounts(spec_replicas=new_stable, available=stable.available),
        budget=budget,
        canary_first=target_canary < canary.spec_replicas,
    )
    return ScalePlan(canary=new_canary, stable=new_stable, others=planned_others)


def _candidates(
    *, replicas: int, weight: int, max_weight: int, surge: int
) -> list[tuple[int, int]]:
    """(canary, total) options in Argo's order: ceil@R, floor@R, ceil@R+1, floor@R+1."""
    exact = Fraction(replicas * weight, max_weight)
    ceiling, floor = math.ceil(exact), math.floor(exact)
    zero_allowed = weight in (0, max_weight) or (replicas == 1 and surge == 0)
    totals = (replicas, replicas + 1) if surge > 0 else (replicas,)
    options = []
    for total in totals:
        if total > replicas or ceiling < replicas or zero_allowed:
            options.append((ceiling, total))
        tied = Fraction(total * weight, max_weight) % 1 == _HALF
        if not tied and (floor > 0 or zero_allowed):
            options.append((floor, total))
    return options


def _available(counts: Sequence[ReplicaCounts]) -> int:
    return sum(min(rs.spec_replicas, rs.available) for rs in counts)


def _unavailable(rs: ReplicaCounts) -> int:
    return max(0, rs.spec_replicas - max(rs.available, 0))


def _shed_others(others: Sequence[ReplicaCounts], *, excess: int) -> tuple[int, ...]:
    """Old ReplicaSets lose their unavailable pods, then available pods while `excess` lasts."""
    planned = []
    for rs in others:
        kept = rs.spec_replicas - _unavailable(rs)
        taken = min(kept, max(excess, 0))
        excess -= taken
        planned.append(kept - taken)
    return tuple(planned)


def _grow(spec: int, *, target: int, room: int) -> tuple[int, int]:
    """Raise `spec` toward `target` by at most `room`; returns (spec, room left)."""
    step = max(0, min(target - spec, room))
    return spec + step, room - step


def _drain(
    canary: ReplicaCounts, stable: ReplicaCounts, *, budget: _Budget, canary_first: bool
) -> tuple[int, int]:
    """Shrink canary and stable toward their targets, then shed unavailable pods over surge."""
    order = (0, 1) if canary_first else (1, 0)
    sizes = [canary, stable]
    targets = (budget.target_canary, budget.target_stable)
    excess = _available(sizes) - budget.min_available
    for i in order:
        sizes[i], excess = _shrink(sizes[i], floor=targets[i], excess=excess)
    for i in order:
        over = sum(rs.spec_replicas for rs in sizes) - budget.max_total
        floor = max(0, sizes[i].spec_replicas - max(over, 0))
        sizes[i], _ = _shrink(sizes[i], floor=floor, excess=0)
    return sizes[0].spec_replicas, sizes[1].spec_replicas


def _shrink(rs: ReplicaCounts, *, floor: int, excess: int) -> tuple[ReplicaCounts, int]:
    """Drop unavailable pods, then up to `excess` available ones, never below `floor`."""
    above = max(0, rs.spec_replicas - floor)
    free = min(above, _unavailable(rs))
    paid = min(above - free, max(excess, 0))
    return dataclasses.replace(rs, spec_replicas=rs.spec_replicas - free - paid), excess - paid
