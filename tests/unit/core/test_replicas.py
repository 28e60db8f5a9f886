"""Canary replica arithmetic: fence-posts, the weight-to-pods table and the scaling plan."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts.core import replicas


@pytest.mark.parametrize(
    ("value", "total", "round_up", "expected"),
    [
        pytest.param(5, 10, True, 5, id="int-as-given"),
        pytest.param("25%", 10, True, 3, id="percent-rounds-up"),
        pytest.param("25%", 10, False, 2, id="percent-rounds-down"),
        pytest.param("25", 10, True, 3, id="bare-number-is-percent"),
        pytest.param("100%", 7, False, 7, id="whole"),
        pytest.param("0%", 7, True, 0, id="zero"),
    ],
)
def test_int_or_percent_resolves_against_the_total(
    value: int | str, total: int, round_up: bool, expected: int
) -> None:
    assert replicas.resolve_int_or_percent(value, total, round_up=round_up) == expected


@pytest.mark.parametrize(
    "value", ["abc", "2.5%", "%", "-5%"], ids=["word", "decimal", "bare", "neg"]
)
def test_int_or_percent_rejects_other_strings(value: str) -> None:
    with pytest.raises(ValueError, match="not an int or percentage"):
        replicas.resolve_int_or_percent(value, 10, round_up=True)


@pytest.mark.parametrize(
    ("max_surge", "max_unavailable", "count", "expected"),
    [
        pytest.param(None, None, 10, (3, 2), id="defaults-25-percent"),
        pytest.param(None, None, 1, (1, 0), id="defaults-single-pod"),
        pytest.param(0, 0, 3, (0, 1), id="both-zero-allows-one-unavailable"),
        pytest.param("10%", "10%", 3, (1, 0), id="surge-rounds-up-unavailable-down"),
        pytest.param(0, "10%", 3, (0, 1), id="both-round-to-zero"),
        pytest.param(2, 5, 3, (2, 3), id="unavailable-capped-at-replicas"),
        pytest.param(None, None, 0, (0, 0), id="no-replicas"),
    ],
)
def test_surge_and_unavailable_fence_posts(
    max_surge: int | str | None,
    max_unavailable: int | str | None,
    count: int,
    expected: tuple[int, int],
) -> None:
    assert (
        replicas.max_surge_and_unavailable(
            max_surge=max_surge, max_unavailable=max_unavailable, replicas=count
        )
        == expected
    )


# argo-rollouts-spec.md §2.3: (canary, stable) per replicas x weight, default 25 % surge.
WEIGHTS = (5, 10, 20, 25, 33, 40, 50, 60, 75, 80, 90, 100)
TABLE = {
    1: "1,1 1,1 1,1 1,1 1,1 1,1 1,1 1,1 1,1 1,1 1,1 1,0",
    2: "1,2 1,2 1,2 1,2 1,2 1,2 1,1 2,1 2,1 2,1 2,1 2,0",
    3: "1,3 1,3 1,3 1,3 1,2 1,2 2,2 2,1 3,1 3,1 3,1 3,0",
    4: "1,4 1,4 1,4 1,3 2,3 2,3 2,2 3,2 3,1 4,1 4,1 4,0",
    5: "1,5 1,5 1,4 1,4 2,4 2,3 3,3 3,2 4,1 4,1 5,1 5,0",
    10: "1,10 1,9 2,8 3,8 3,7 4,6 5,5 6,4 8,3 8,2 9,1 10,0",
}
TABLE_CASES = [
    pytest.param(count, weight, tuple(map(int, pair.split(","))), id=f"r{count}-w{weight}")
    for count, row in TABLE.items()
    for weight, pair in zip(WEIGHTS, row.split(), strict=True)
]


@pytest.mark.parametrize(("count", "weight", "expected"), TABLE_CASES)
def test_basic_canary_target_matches_argo_table(
    count: int, weight: int, expected: tuple[int, int]
) -> None:
    surge, _ = replicas.max_surge_and_unavailable(
        max_surge=None, max_unavailable=None, replicas=count
    )
    assert (
        replicas.compute_basic_canary_target(
            replicas=count, weight=weight, max_weight=100, surge=surge
        )
        == expected
    )


@pytest.mark.parametrize(
    ("count", "weight", "max_weight", "surge", "expected"),
    [
        pytest.param(10, 1, 100, 0, (1, 9), id="never-zero-canary-for-small-weight"),
        pytest.param(10, 24, 100, 1, (3, 8), id="surge-gives-closer-ratio"),
        pytest.param(3, 49, 100, 1, (2, 2), id="surge-total-r-plus-one"),
        pytest.param(1, 49, 100, 0, (0, 1), id="single-pod-without-surge-may-be-zero"),
        pytest.param(2, 75, 100, 0, (0, 2), id="no-candidate-keeps-stable"),
        pytest.param(0, 50, 100, 1, (0, 0), id="no-replicas"),
        pytest.param(4, 0, 100, 1, (0, 4), id="weight-zero"),
        pytest.param(4, 50, 200, 1, (1, 3), id="max-traffic-weight"),
    ],
)
def test_basic_canary_target_fixed_points(
    count: int, weight: int, max_weight: int, surge: int, expected: tuple[int, int]
) -> None:
    assert (
        replicas.compute_basic_canary_target(
            replicas=count, weight=weight, max_weight=max_weight, surge=surge
        )
        == expected
    )


@pytest.mark.parametrize(
    ("count", "weight", "min_pods", "expected"),
    [
        pytest.param(1, 5, None, 1, id="rounds-up"),
        pytest.param(10, 33, None, 4, id="ceil"),
        pytest.param(4, 25, None, 1, id="exact"),
        pytest.param(10, 0, 3, 0, id="zero-stays-zero"),
        pytest.param(10, 5, 3, 3, id="raised-to-min-pods"),
        pytest.param(4, 5, 20, 4, id="min-pods-capped-at-replicas"),
    ],
)
def test_traffic_routed_canary_is_ceil_of_weight(
    count: int, weight: int, min_pods: int | None, expected: int
) -> None:
    assert (
        replicas.compute_traffic_routed_canary_replicas(
            replicas=count, weight=weight, max_weight=100, min_pods_per_replica_set=min_pods
        )
        == expected
    )


def counts(spec: int, available: int | None = None) -> replicas.ReplicaCounts:
    available = spec if available is None else available
    return replicas.ReplicaCounts(spec_replicas=spec, available=available)


# The Situation field `replicas` shadows the module inside the class body.
Counts = replicas.ReplicaCounts
Plan = replicas.ScalePlan


@dataclasses.dataclass(frozen=True)
class Situation:
    """One reconcile's inputs to plan_basic_canary_scale."""

    replicas: int
    weight: int
    canary: Counts
    stable: Counts
    others: tuple[Counts, ...] = ()
    max_weight: int = 100
    max_surge: int | str | None = None
    max_unavailable: int | str | None = None

    def plan(self) -> Plan:
        return replicas.plan_basic_canary_scale(**{f.name: getattr(self, f.name) for f in FIELDS})

    def sets(self) -> list[Counts]:
        return [self.canary, self.stable, *self.others]

    def planned(self, plan: Plan) -> list[Counts]:
        """The plan applied to spec.replicas before any pod changed state."""
        sizes = (plan.canary, plan.stable, *plan.others)
        return [
            dataclasses.replace(rs, spec_replicas=n)
            for rs, n in zip(self.sets(), sizes, strict=True)
        ]

    def caught_up(self, plan: Plan) -> Situation:
        """The plan applied and every pod available."""
        return dataclasses.replace(
            self,
            canary=counts(plan.canary),
            stable=counts(plan.stable),
            others=tuple(counts(n) for n in plan.others),
        )

    def fence_posts(self) -> tuple[int, int]:
        """(max total pods, min available pods)."""
        surge, unavailable = replicas.max_surge_and_unavailable(
            max_surge=self.max_surge, max_unavailable=self.max_unavailable, replicas=self.replicas
        )
        return self.replicas + surge, self.replicas - unavailable

    def settled(self) -> Plan:
        canary, stable = replicas.compute_basic_canary_target(
            replicas=self.replicas,
            weight=self.weight,
            max_weight=self.max_weight,
            surge=self.fence_posts()[0] - self.replicas,
        )
        return Plan(canary=canary, stable=stable, others=(0,) * len(self.others))


FIELDS = dataclasses.fields(Situation)


# Scenarios from repo:test/e2e/canary_test.go, one reconcile each.
@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        pytest.param(
            Situation(3, 0, max_surge=2, max_unavailable=0, canary=counts(3), stable=counts(0)),
            replicas.ScalePlan(3, 2, ()),
            id="abort-grows-stable-before-shrinking-canary",
        ),
        pytest.param(
            Situation(3, 0, max_surge=2, max_unavailable=0, canary=counts(3), stable=counts(2)),
            replicas.ScalePlan(1, 2, ()),
            id="abort-shrinks-canary-once-stable-is-available",
        ),
        pytest.param(
            Situation(4, 100, max_surge=2, max_unavailable=0, canary=counts(0), stable=counts(4)),
            replicas.ScalePlan(2, 4, ()),
            id="broken-canary-holds-at-surge",
        ),
        pytest.param(
            Situation(
                8, 100, max_surge=2, max_unavailable=0, canary=counts(2, 0), stable=counts(4)
            ),
            replicas.ScalePlan(6, 4, ()),
            id="scale-up-during-update",
        ),
        pytest.param(
            Situation(
                4, 100, max_surge=2, max_unavailable=0, canary=counts(6, 0), stable=counts(4)
            ),
            replicas.ScalePlan(2, 4, ()),
            id="scale-down-sheds-unavailable-canary-under-surge",
        ),
        pytest.param(
            Situation(4, 100, max_surge="100%", canary=counts(0), stable=counts(4)),
            replicas.ScalePlan(4, 3, ()),
            id="full-surge-and-one-unavailable",
        ),
        pytest.param(
            Situation(8, 25, canary=counts(1), stable=counts(1)),
            replicas.ScalePlan(2, 6, ()),
            id="paused-rollout-scaled-up",
        ),
        pytest.param(
            Situation(4, 25, canary=counts(2), stable=counts(6)),
            replicas.ScalePlan(1, 3, ()),
            id="paused-rollout-scaled-down",
        ),
        pytest.param(
            Situation(4, 25, canary=counts(0), stable=counts(0), others=(counts(4),)),
            replicas.ScalePlan(0, 1, (3,)),
            id="old-replica-set-shrinks-within-availability",
        ),
        pytest.param(
            Situation(4, 25, canary=counts(0), stable=counts(0), others=(counts(3, 1), counts(2))),
            replicas.ScalePlan(0, 0, (1, 2)),
            id="unavailable-old-pods-go-first",
        ),
        pytest.param(
            Situation(4, 25, canary=counts(1), stable=counts(3)),
            replicas.ScalePlan(1, 3, ()),
            id="at-target-nothing-changes",
        ),
    ],
)
def test_basic_canary_scale_plan(situation: Situation, expected: replicas.ScalePlan) -> None:
    assert situation.plan() == expected


fence_post = st.integers(0, 4) | st.integers(0, 100).map(lambda p: f"{p}%")

replica_set = st.integers(0, 12).flatmap(
    lambda spec: st.builds(replicas.ReplicaCounts, st.just(spec), st.integers(0, spec + 2))
)


@st.composite
def situations(draw: st.DrawFn) -> Situation:
    max_weight = draw(st.sampled_from([100, 100, 7, 250]))
    return Situation(
        draw(st.integers(0, 10)),
        draw(st.integers(0, max_weight)),
        max_weight=max_weight,
        max_surge=draw(fence_post),
        max_unavailable=draw(fence_post),
        canary=draw(replica_set),
        stable=draw(replica_set),
        others=tuple(draw(st.lists(replica_set, max_size=3))),
    )


def total(sets: Sequence[replicas.ReplicaCounts]) -> int:
    return sum(rs.spec_replicas for rs in sets)


def availability(sets: Sequence[replicas.ReplicaCounts]) -> int:
    return sum(min(rs.spec_replicas, rs.available) for rs in sets)


@settings(max_examples=200, deadline=None)
@given(situation=situations())
def test_plan_never_exceeds_a_surge_limit_it_did_not_already_exceed(situation: Situation) -> None:
    max_total, _ = situation.fence_posts()
    planned = situation.planned(situation.plan())
    assert total(planned) <= max(max_total, total(situation.sets()))


@settings(max_examples=200, deadline=None)
@given(situation=situations())
def test_plan_never_takes_availability_below_the_floor(situation: Situation) -> None:
    _, min_available = situation.fence_posts()
    planned = situation.planned(situation.plan())
    assert availability(planned) >= min(availability(situation.sets()), min_available)


@settings(max_examples=200, deadline=None)
@given(situation=situations())
def test_plan_sizes_are_never_negative(situation: Situation) -> None:
    plan = situation.plan()
    assert len(plan.others) == len(situation.others)
    assert min(plan.canary, plan.stable, *plan.others) >= 0


@settings(max_examples=200, deadline=None)
@given(situation=situations())
def test_replanning_with_pods_available_converges_then_is_idempotent(
    situation: Situation,
) -> None:
    plan = situation.plan()
    for _ in range(100):
        if plan == situation.settled():
            break
        situation = situation.caught_up(plan)
        plan = situation.plan()
    assert plan == situation.settled()
    assert situation.caught_up(plan).plan() == plan
