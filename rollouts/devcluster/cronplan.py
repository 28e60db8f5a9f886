"""What the CronJob controller does next for one CronJob, decided from it and its Jobs (pure).

At each scheduled minute (the latest one due since the last run; older missed runs are not
made up, and none older than `startingDeadlineSeconds`) it creates a Job from `jobTemplate`,
named `<cronjob>-<minutes since the epoch>` as Kubernetes names them, unless the CronJob is
suspended or `concurrencyPolicy: Forbid` finds a Job still running (`Replace` stops it
instead). Finished Jobs beyond `successfulJobsHistoryLimit` and `failedJobsHistoryLimit` are
deleted, oldest first. The status lists the running Jobs and the last schedule and success.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
from collections.abc import Sequence
from typing import Any

from rollouts.devcluster import cron, jobplan, lifecycle, replicasets, tables

JSON = dict[str, Any]
SCHEDULED_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"


@dataclasses.dataclass(frozen=True)
class CronPlan:
    """A Job to create (its body), Jobs to delete (by name), the status to write, and when the
    next run falls (None when none will: suspended, or a schedule that never matches)."""

    status: JSON
    create: JSON | None = None
    delete: tuple[str, ...] = ()
    wake_at: datetime.datetime | None = None


def _reference(job: JSON) -> JSON:
    meta = job["metadata"]
    return {
        "kind": "Job",
        "namespace": meta["namespace"],
        "name": meta["name"],
        "uid": meta["uid"],
        "apiVersion": "batch/v1",
        "resourceVersion": meta.get("resourceVersion", ""),
    }


def _is_running(job: JSON) -> bool:
    return not jobplan.is_finished(job) and "deletionTimestamp" not in job["metadata"]


def _finished_at(job: JSON) -> str:
    status = job.get("status") or {}
    return str(status.get("completionTime") or job["metadata"].get("creationTimestamp", ""))


def _beyond_history(spec: JSON, jobs: Sequence[JSON]) -> list[str]:
    """Finished Jobs past the history limits, oldest first."""
    doomed: list[str] = []
    for complete, limit_field, default in (
        (True, "successfulJobsHistoryLimit", 3),
        (False, "failedJobsHistoryLimit", 1),
    ):
        done = [
            j
            for j in jobs
            if jobplan.is_finished(j)
            and "deletionTimestamp" not in j["metadata"]
            and jobplan.has_condition(j.get("status") or {}, jobplan.COMPLETE) == complete
        ]
        done.sort(key=_finished_at)
        keep = int(spec.get(limit_field, default))
        doomed += [j["metadata"]["name"] for j in done[: max(0, len(done) - keep)]]
    return doomed


def _status(cronjob: JSON, jobs: Sequence[JSON]) -> JSON:
    old = cronjob.get("status") or {}
    known = {ref.get("uid"): ref for ref in old.get("active") or ()}
    running = sorted((j for j in jobs if _is_running(j)), key=lambda j: j["metadata"]["name"])
    status: JSON = {}
    if running:
        status["active"] = [known.get(j["metadata"]["uid"]) or _reference(j) for j in running]
    if old.get("lastScheduleTime"):
        status["lastScheduleTime"] = old["lastScheduleTime"]
    successes = [
        str((j.get("status") or {}).get("completionTime") or "")
        for j in jobs
        if jobplan.has_condition(j.get("status") or {}, jobplan.COMPLETE)
    ]
    last = max([*successes, str(old.get("lastSuccessfulTime") or "")])
    if last:
        status["lastSuccessfulTime"] = last
    return status


def job_name(cronjob: JSON, scheduled: datetime.datetime) -> str:
    return f"{cronjob['metadata']['name']}-{int(scheduled.timestamp()) // 60}"


def job_for(cronjob: JSON, scheduled: datetime.datetime) -> JSON:
    """The Job a CronJob runs at `scheduled` (an aware time in the CronJob's zone)."""
    template = copy.deepcopy(cronjob["spec"].get("jobTemplate") or {})
    meta = template.get("metadata") or {}
    stamp = scheduled.isoformat(timespec="seconds").replace("+00:00", "Z")
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": job_name(cronjob, scheduled),
            "namespace": cronjob["metadata"]["namespace"],
            "labels": meta.get("labels") or {},
            "annotations": {**(meta.get("annotations") or {}), SCHEDULED_ANNOTATION: stamp},
            "ownerReferences": [replicasets.controller_ref(cronjob)],
        },
        "spec": template.get("spec") or {},
    }


def plan_cron_job(cronjob: JSON, jobs: Sequence[JSON], now: datetime.datetime) -> CronPlan:
    """The next step for `cronjob`, whose Jobs (controlled by it) are `jobs`."""
    spec = cronjob["spec"]
    status = _status(cronjob, jobs)
    doomed = tuple(_beyond_history(spec, jobs))
    try:
        schedule, zone = cron.parse(str(spec.get("schedule", ""))), cron.zone(spec.get("timeZone"))
    except cron.CronError:
        return CronPlan(status, delete=doomed)
    local_now = now.astimezone(zone)
    wake_at = None if spec.get("suspend") else cron.next_after(schedule, local_now)
    due = _due(cronjob, schedule, local_now)
    if due is None or spec.get("suspend"):
        return CronPlan(status, delete=doomed, wake_at=wake_at)
    running = [j["metadata"]["name"] for j in jobs if _is_running(j)]
    policy = spec.get("concurrencyPolicy", "Allow")
    if running and policy == "Forbid":
        return CronPlan(status, delete=doomed, wake_at=wake_at)
    if policy == "Replace":
        doomed += tuple(running)
    status["lastScheduleTime"] = lifecycle.timestamp(due)
    exists = any(j["metadata"]["name"] == job_name(cronjob, due) for j in jobs)
    create = None if exists else job_for(cronjob, due)
    return CronPlan(status, create=create, delete=doomed, wake_at=wake_at)


def _due(
    cronjob: JSON, schedule: cron.Schedule, local_now: datetime.datetime
) -> datetime.datetime | None:
    """The latest scheduled minute not yet run, if it is not too late to run it."""
    status = cronjob.get("status") or {}
    since = tables.parse_timestamp(
        status.get("lastScheduleTime") or cronjob["metadata"].get("creationTimestamp")
    )
    due = cron.latest_at_or_before(schedule, local_now)
    if due is None or (since is not None and due <= since):
        return None
    deadline = cronjob["spec"].get("startingDeadlineSeconds")
    if deadline is not None and (local_now - due).total_seconds() > float(deadline):
        return None
    return due
