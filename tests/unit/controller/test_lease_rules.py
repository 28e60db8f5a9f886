"""Leader election's rules: the Lease's namespace, what a failure means, when it is said."""

from __future__ import annotations

import pytest

from rollouts.controller import lease_rules as rules


@pytest.mark.parametrize(
    ("flag", "pod_namespace", "service_account", "expected"),
    [
        ("ops", "pod-ns", "sa-ns", ("ops", "--lease-namespace")),
        (None, "pod-ns", "sa-ns", ("pod-ns", "POD_NAMESPACE")),
        (None, None, "sa-ns", ("sa-ns", "serviceaccount")),
        (None, None, "sa-ns\n", ("sa-ns", "serviceaccount")),  # the file ends with a newline
        (None, None, None, ("argo-rollouts", "default")),
        # empty values name no namespace, so the next source decides
        ("", "pod-ns", None, ("pod-ns", "POD_NAMESPACE")),
        (None, "", "sa-ns", ("sa-ns", "serviceaccount")),
        (None, "", "  \n", ("argo-rollouts", "default")),
    ],
)
def test_the_lease_namespace_follows_argo_rollouts_order(
    flag: str | None,
    pod_namespace: str | None,
    service_account: str | None,
    expected: tuple[str, str],
):
    assert rules.choose_namespace(flag, pod_namespace, service_account) == expected


@pytest.mark.parametrize(
    ("verb", "status", "kind", "missing"),
    [
        ("get", 403, "forbidden", "leases.coordination.k8s.io get in namespace ops"),
        ("create", 403, "forbidden", "leases.coordination.k8s.io create in namespace ops"),
        ("patch", 403, "forbidden", "leases.coordination.k8s.io patch in namespace ops"),
        ("create", 404, "namespace-missing", "namespace ops"),
    ],
)
def test_forbidden_and_a_missing_namespace_are_problems_naming_what_is_missing(
    verb: str, status: int, kind: str, missing: str
):
    problem = rules.classify_failure(verb, status, "ops", "lock")

    assert problem is not None
    assert (problem.kind, problem.missing) == (kind, missing)
    assert "ops" in problem.reason


def test_a_forbidden_reason_names_every_verb_the_role_must_grant():
    problem = rules.classify_failure("get", 403, "ops", "lock")

    assert problem is not None
    assert "leases.coordination.k8s.io get, create, patch" in problem.reason
    assert "Lease ops/lock" in problem.reason


@pytest.mark.parametrize(
    ("verb", "status"),
    [
        ("patch", 404),  # deleted since it was read: created again next time
        ("get", 500),
        ("patch", 422),
        ("create", 429),
        ("get", None),
    ],
)
def test_other_failures_are_worth_retrying(verb: str, status: int | None):
    assert rules.classify_failure(verb, status, "ops", "lock") is None


FORBIDDEN = rules.Attempt(problem=rules.classify_failure("get", 403, "ops", "lock"))
MISSING = rules.Attempt(problem=rules.classify_failure("create", 404, "ops", "lock"))
WORKED = rules.Attempt(acquired=False)  # another replica holds it: access works
ACQUIRED = rules.Attempt(acquired=True)
UNREACHED = rules.Attempt(reached=False)
S = rules.Say


def _said(attempts: list[tuple[float, rules.Attempt]]) -> list[tuple[float, rules.Say]]:
    state = rules.Reporting()
    said: list[tuple[float, rules.Say]] = []
    for now, attempt in attempts:
        state, say = rules.plan_report(state, attempt, now)
        if say is not S.NOTHING:
            said.append((now, say))
    return said


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [
        # a lasting 403: said at once, then once a minute, however often it is tried
        (
            [(t * 2.5, FORBIDDEN) for t in range(50)],
            [(0.0, S.ERROR), (60.0, S.ERROR), (120.0, S.ERROR)],
        ),
        # fixed: said once, as soon as an attempt reaches the Lease, held by anyone
        (
            [(0, FORBIDDEN), (2.5, FORBIDDEN), (5, WORKED), (7.5, ACQUIRED)],
            [(0, S.ERROR), (5, S.RECOVERED)],
        ),
        # a problem that changes is said at once
        ([(0, FORBIDDEN), (2.5, MISSING), (5, MISSING)], [(0, S.ERROR), (2.5, S.ERROR)]),
        # a timeout or a 500 neither ends a problem nor starts one
        (
            [(0, MISSING), (2.5, UNREACHED), (5, MISSING), (7.5, UNREACHED)],
            [(0, S.ERROR)],
        ),
        ([(0, UNREACHED), (2.5, ACQUIRED)], []),
        # back after a recovery: said at once, not a minute after the last time
        (
            [(0, FORBIDDEN), (5, ACQUIRED), (10, FORBIDDEN)],
            [(0, S.ERROR), (5, S.RECOVERED), (10, S.ERROR)],
        ),
    ],
)
def test_problems_are_said_when_they_start_change_or_end_and_once_a_minute_meanwhile(
    attempts: list[tuple[float, rules.Attempt]], expected: list[tuple[float, rules.Say]]
):
    assert _said(attempts) == expected
