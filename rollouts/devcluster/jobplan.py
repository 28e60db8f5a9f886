"""What the Job controller does next for one Job, decided from the Job and its pods (pure).

The rules are Kubernetes 1.31's: a Job runs `parallelism` pods at a time until `completions`
of them succeed (or, without `completions`, until one does). It fails when more than
`backoffLimit` pods fail (with `restartPolicy: OnFailure`, when the containers of its running
pods have restarted `backoffLimit` times), or when it has run `activeDeadlineSeconds`. The
verdict comes first as a `SuccessCriteriaMet` or `FailureTarget` condition; the running pods
are then stopped, and once none is left the Job is `Complete` (with a `completionTime`) or
`Failed`. A suspended Job runs no pods.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from typing import Any

from rollouts.devcluster import lifecycle, podstatus, tables

JSON = dict[str, Any]

COMPLETE = "Complete"
FAILED = "Failed"
SUCCESS_CRITERIA_MET = "SuccessCriteriaMet"
FAILURE_TARGET = "FailureTarget"
SUSPENDED = "Suspended"
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")
_FINAL = {SUCCESS_CRITERIA_MET: COMPLETE, FAILURE_TARGET: FAILED}
_DONE_PHASES = ("Succeeded", "Failed")


@dataclasses.dataclass(frozen=True)
class JobPlan:
    """Pods to create (a count) and to delete (by name), the status to write, and when to look
    again if nothing else changes (an active deadline falling due)."""

    status: JSON
    create: int = 0
    delete: tuple[str, ...] = ()
    recheck_after: float | None = None


@dataclasses.dataclass(frozen=True)
class Tally:
    """The Job's pods, counted as the controller counts them."""

    active: tuple[JSON, ...]  # neither finished nor being deleted
    ready: int
    terminating: int
    succeeded: int
    failed: int
    restarts: int  # container restarts in active pods (what OnFailure counts)


def tally(pods: Sequence[JSON]) -> Tally:
    active = tuple(p for p in pods if podstatus.is_active(p))
    finished = [p for p in pods if not podstatus.is_active(p)]
    phases = [(p.get("status") or {}).get("phase") for p in finished]
    return Tally(
        active=active,
        ready=sum(1 for p in active if podstatus.ready_since(p)),
        terminating=sum(
            1 for p, phase in zip(finished, phases, strict=True) if phase not in _DONE_PHASES
        ),
        succeeded=phases.count("Succeeded"),
        failed=phases.count("Failed"),
        restarts=sum(
            int(c.get("restartCount") or 0)
            for p in active
            for c in (p.get("status") or {}).get("containerStatuses") or ()
        ),
    )


def has_condition(status: JSON, kind: str) -> bool:
    return any(
        c.get("type") == kind and c.get("status") == "True" for c in status.get("conditions") or ()
    )


def is_finished(job: JSON) -> bool:
    status = job.get("status") or {}
    return has_condition(status, COMPLETE) or has_condition(status, FAILED)


def _condition(kind: str, reason: tuple[str, str], now: str, status: str = "True") -> JSON:
    return {
        "type": kind,
        "status": status,
        "lastProbeTime": now,
        "lastTransitionTime": now,
        "reason": reason[0],
        "message": reason[1],
    }


def _with_condition(conditions: list[JSON], new: JSON) -> list[JSON]:
    """`conditions` with `new` in place of one of its type (kept as is when only the probe
    time would change)."""
    old = next((c for c in conditions if c["type"] == new["type"]), None)
    if old is not None and (old["status"], old.get("reason")) == (new["status"], new["reason"]):
        return conditions
    return [c for c in conditions if c["type"] != new["type"]] + [new]


def _counts(old: JSON, pods: Tally) -> JSON:
    """The pod counts of the status: finished pods are never forgotten, even once deleted."""
    status: JSON = {
        "active": len(pods.active),
        "succeeded": max(int(old.get("succeeded") or 0), pods.succeeded),
        "failed": max(int(old.get("failed") or 0), pods.failed),
        "terminating": pods.terminating,
        "uncountedTerminatedPods": {},
        "ready": pods.ready,
    }
    for field in ("active", "succeeded", "failed"):
        if not status[field]:
            del status[field]  # omitempty, as the API writes zero counts
    return status


def _failure(job: JSON, pods: Tally, failed: int, now: datetime.datetime) -> tuple[str, str] | None:
    spec = job["spec"]
    limit = int(spec.get("backoffLimit", 6))
    restart = ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy")
    if restart == "OnFailure" and (pods.restarts > 0 if limit == 0 else pods.restarts >= limit):
        return BACKOFF_LIMIT_EXCEEDED
    if failed > limit:
        return BACKOFF_LIMIT_EXCEEDED
    left = _deadline_left(job, now)
    if left is not None and left <= 0:
        return DEADLINE_EXCEEDED
    return None


def _deadline_left(job: JSON, now: datetime.datetime) -> float | None:
    deadline = job["spec"].get("activeDeadlineSeconds")
    start = tables.parse_timestamp((job.get("status") or {}).get("startTime"))
    if deadline is None or start is None:
        return None
    return float(deadline) - (now - start).total_seconds()


def _wanted(spec: JSON, succeeded: int) -> int:
    parallelism = int(spec.get("parallelism", 1))
    completions = spec.get("completions")
    left = (0 if succeeded else parallelism) if completions is None else completions - succeeded
    return max(0, min(parallelism, left))


def _succeeded_enough(spec: JSON, succeeded: int, pods: Tally) -> bool:
    completions = spec.get("completions")
    if completions is None:
        return succeeded > 0 and not pods.active
    return succeeded >= int(completions)


def _newest_first(pods: Sequence[JSON]) -> list[str]:
    ordered = sorted(pods, key=lambda p: p["metadata"].get("creationTimestamp", ""), reverse=True)
    return [p["metadata"]["name"] for p in ordered]


def plan_job(job: JSON, pods: Sequence[JSON], now: datetime.datetime) -> JobPlan:
    """The next step for `job`, whose pods (owned, matching its selector) are `pods`."""
    old = job.get("status") or {}
    counted = tally(pods)
    status = {**_counts(old, counted), "conditions": list(old.get("conditions") or ())}
    for kept in ("startTime", "completionTime"):
        if kept in old:
            status[kept] = old[kept]
    stamp = lifecycle.timestamp(now)
    if is_finished(job):
        return _plan(status, delete=tuple(_newest_first(counted.active)))
    if job["spec"].get("suspend"):
        return _suspended(status, counted, stamp)
    if has_condition(status, SUSPENDED):  # resumed: the clock starts again
        status["conditions"] = _with_condition(
            status["conditions"],
            _condition(SUSPENDED, ("JobResumed", "Job resumed"), stamp, "False"),
        )
        status["startTime"] = stamp
    status.setdefault("startTime", stamp)
    return _running({**job, "status": status}, status, counted, now)


def _suspended(status: JSON, pods: Tally, stamp: str) -> JobPlan:
    status["conditions"] = _with_condition(
        status["conditions"], _condition(SUSPENDED, ("JobSuspended", "Job suspended"), stamp)
    )
    return _plan(status, delete=tuple(_newest_first(pods.active)))


def _verdict(job: JSON, status: JSON, pods: Tally, now: datetime.datetime) -> JSON | None:
    """The SuccessCriteriaMet or FailureTarget condition the Job has earned, if any."""
    failure = _failure(job, pods, int(status.get("failed") or 0), now)
    stamp = lifecycle.timestamp(now)
    if failure is not None:
        return _condition(FAILURE_TARGET, failure, stamp)
    if _succeeded_enough(job["spec"], int(status.get("succeeded") or 0), pods):
        return _condition(SUCCESS_CRITERIA_MET, COMPLETIONS_REACHED, stamp)
    return None


def _running(job: JSON, status: JSON, pods: Tally, now: datetime.datetime) -> JobPlan:
    target = next((t for t in _FINAL if has_condition(status, t)), None)
    if target is None:
        verdict = _verdict(job, status, pods, now)
        if verdict is not None:
            status["conditions"] = _with_condition(status["conditions"], verdict)
            target = verdict["type"]
    if target is not None:
        return _concluding(status, pods, target, lifecycle.timestamp(now))
    create = _wanted(job["spec"], int(status.get("succeeded") or 0)) - len(pods.active)
    surplus = tuple(_newest_first(pods.active)[: max(0, -create)])
    return _plan(status, max(create, 0), surplus, _deadline_left(job, now))


def _concluding(status: JSON, pods: Tally, target: str, stamp: str) -> JobPlan:
    """Stop what still runs; once nothing does, the final condition joins the verdict."""
    if pods.active or pods.terminating:
        return _plan(status, delete=tuple(_newest_first(pods.active)))
    verdict = next(c for c in status["conditions"] if c["type"] == target)
    final = {**verdict, "type": _FINAL[target], "lastProbeTime": stamp, "lastTransitionTime": stamp}
    status["conditions"] = _with_condition(status["conditions"], final)
    if final["type"] == COMPLETE:
        status["completionTime"] = stamp
    return _plan(status)


def _plan(
    status: JSON, create: int = 0, delete: tuple[str, ...] = (), recheck: float | None = None
) -> JobPlan:
    """The plan, its status counting the pods it creates as active and those it deletes as
    terminating, as the controller reports them once it has acted."""
    active = int(status.get("active") or 0) + create - len(delete)
    status = {**status, "active": active, "terminating": status["terminating"] + len(delete)}
    if not active:
        del status["active"]
    if not status.get("conditions"):
        status.pop("conditions", None)
    return JobPlan(status, create, delete, recheck)
