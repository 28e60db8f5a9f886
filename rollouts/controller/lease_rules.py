"""Leader election's rules: where the Lease lives, what a failed call means, when to say so.

Pure: the elector reads the flags, the environment, the API's answers and the clock, and these
functions decide from those values alone.
"""

from __future__ import annotations

import dataclasses
import enum
import math

# Argo Rollouts' namespace when nothing names one (its install's namespace)
DEFAULT_NAMESPACE = "argo-rollouts"
# the verbs the elector uses on Leases (read, create when missing, renew or take over)
VERBS = ("get", "create", "patch")
# a lasting problem is logged again after this many seconds, not at every attempt
REPEAT_EVERY = 60.0


def choose_namespace(
    flag: str | None, pod_namespace: str | None, service_account_namespace: str | None
) -> tuple[str, str]:
    """The Lease's namespace, and where it came from, by Argo Rollouts' rule.

    `--lease-namespace`, else $POD_NAMESPACE, else the namespace in the pod's ServiceAccount
    token directory, else argo-rollouts. An empty value counts as none (an empty namespace
    would name no namespace at all).
    """
    candidates = (
        (flag, "--lease-namespace"),
        (pod_namespace, "POD_NAMESPACE"),
        (service_account_namespace, "serviceaccount"),
    )
    for value, source in candidates:
        if value and value.strip():
            return value.strip(), source
    return DEFAULT_NAMESPACE, "default"


@dataclasses.dataclass(frozen=True)
class Problem:
    """Why the Lease cannot be used until someone changes the cluster.

    `missing` names what to add (an RBAC rule or a namespace); `reason` is the sentence
    /readyz answers with.
    """

    kind: str
    missing: str
    reason: str


@dataclasses.dataclass(frozen=True)
class Attempt:
    """One try at taking or renewing the Lease.

    `reached` is False when the failure says nothing about access (a timeout, a 500, a race
    with another replica), so it neither raises nor clears a Problem.
    """

    acquired: bool = False
    problem: Problem | None = None
    reached: bool = True


def classify_failure(verb: str, status: int | None, namespace: str, name: str) -> Problem | None:
    """The lasting problem a failed Lease request shows, or None when retrying may do.

    403 is a missing RBAC rule. 404 on create is a missing namespace (a missing Lease is a 404
    on get, which the elector answers by creating it; a 404 on patch is a Lease deleted since
    it was read, created again on the next attempt).
    """
    rule = f"leases.coordination.k8s.io {verb} in namespace {namespace}"
    if status == 403:
        return Problem(
            kind="forbidden",
            missing=rule,
            reason=f"forbidden to {verb} Lease {namespace}/{name}: the controller's "
            f"ServiceAccount needs a Role in namespace {namespace} granting "
            f"leases.coordination.k8s.io {', '.join(VERBS)}, and a RoleBinding to it",
        )
    if status == 404 and verb == "create":
        return Problem(
            kind="namespace-missing",
            missing=f"namespace {namespace}",
            reason=f"namespace {namespace} does not exist, so Lease {name} cannot be created "
            "in it: create the namespace, or name another with --lease-namespace or "
            "POD_NAMESPACE",
        )
    return None


class Say(enum.Enum):
    """What the elector logs after an attempt."""

    NOTHING = "nothing"
    ERROR = "error"
    RECOVERED = "recovered"


@dataclasses.dataclass(frozen=True)
class Reporting:
    """The problem last reported, and when (monotonic seconds)."""

    problem: Problem | None = None
    said_at: float = -math.inf


def plan_report(
    state: Reporting, attempt: Attempt, now: float, every: float = REPEAT_EVERY
) -> tuple[Reporting, Say]:
    """The reporting state after an attempt, and what to log.

    A problem is logged when it appears or changes, then at most once every `every` seconds
    while it lasts; the first attempt that reaches the Lease again ends it, once.
    """
    if attempt.problem is not None:
        if attempt.problem == state.problem and now - state.said_at < every:
            return state, Say.NOTHING
        return Reporting(attempt.problem, now), Say.ERROR
    if attempt.reached and state.problem is not None:
        return Reporting(), Say.RECOVERED
    return state, Say.NOTHING
