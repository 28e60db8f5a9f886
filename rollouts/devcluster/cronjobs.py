"""The CronJob controller, simulated: it creates and deletes a CronJob's Jobs and writes its
status, as `cronplan.plan_cron_job` decides, and wakes again at the next scheduled minute."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from rollouts.devcluster import apierrors, cronplan, jobs, replicasets

if TYPE_CHECKING:
    from rollouts.devcluster.simulation import Simulation

log = logging.getLogger(__name__)
CRONJOBS_KEY = ("batch", "cronjobs")


def reconcile(sim: Simulation, namespace: str | None, name: str) -> None:
    """Carry out the next step of one CronJob."""
    cronjob_type, job_type = sim.rtype(CRONJOBS_KEY), sim.rtype(jobs.JOBS_KEY)
    cronjob = sim.store.peek(cronjob_type, namespace, name)
    if cronjob is None or "deletionTimestamp" in cronjob["metadata"]:
        return
    owned = [
        job
        for key, job in sim.store.dependents(cronjob["metadata"]["uid"])
        if key == jobs.JOBS_KEY and replicasets.owned_by(job, cronjob)
    ]
    now = sim.store.clock()
    plan = cronplan.plan_cron_job(cronjob, owned, now)
    for job in plan.delete:
        sim.store.delete(job_type, namespace=namespace, name=job, propagation="Background")
    if plan.create is not None:
        try:
            sim.store.create(job_type, plan.create, namespace=namespace)
        except apierrors.ApiError as exc:
            # a Job of that name that is not ours, or a template the Job's rules refuse: a
            # real controller records an Event and tries again at the next schedule
            log.info("cronjob could not create its job", extra={"cronjob": name, "why": str(exc)})
    if plan.wake_at is not None:
        sim.after((plan.wake_at - now).total_seconds(), ("cronjob", namespace, name))
    if plan.status != (cronjob.get("status") or {}):
        sim.store.update(
            cronjob_type,
            {**cronjob, "status": plan.status},
            namespace=namespace,
            name=name,
            subresource="status",
        )
