"""The Job controller, simulated: it creates a Job's pods, stops them, and writes the Job's
status, as `jobplan.plan_job` decides from the Job and its pods."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rollouts.devcluster import jobplan, names, replicasets, selectors, store

if TYPE_CHECKING:
    from rollouts.devcluster.simulation import Simulation

JOBS_KEY = ("batch", "jobs")
JSON = dict[str, Any]


def reconcile(sim: Simulation, namespace: str | None, name: str) -> None:
    """Carry out the next step of one Job."""
    job_type, pod_type = sim.rtype(JOBS_KEY), sim.rtype(store.PODS_KEY)
    job = sim.store.peek(job_type, namespace, name)
    if job is None or "deletionTimestamp" in job["metadata"]:
        return
    plan = jobplan.plan_job(job, owned_pods(sim, job), sim.store.clock())
    for _ in range(plan.create):
        _create_pod(sim, job)
    for pod in plan.delete:
        sim.store.delete(pod_type, namespace=namespace, name=pod)
    if plan.recheck_after is not None:
        sim.after(plan.recheck_after, ("job", namespace, name))
    if plan.status != job.get("status"):
        sim.store.update(
            job_type,
            {**job, "status": plan.status},
            namespace=namespace,
            name=name,
            subresource="status",
        )


def owned_pods(sim: Simulation, job: JSON) -> list[JSON]:
    """The Job's pods: controlled by it and matching its selector (through the owner index)."""
    selector = selectors.label_selector_from_object(job["spec"].get("selector") or {})
    return [
        pod
        for key, pod in sim.store.dependents(job["metadata"]["uid"])
        if key == store.PODS_KEY
        and replicasets.owned_by(pod, job)
        and selector.matches(pod["metadata"].get("labels"))
    ]


def _create_pod(sim: Simulation, job: JSON) -> None:
    template = job["spec"].get("template") or {}
    meta = dict(template.get("metadata") or {})
    meta.pop("creationTimestamp", None)
    meta["generateName"] = job["metadata"]["name"] + "-"
    meta["name"] = meta["generateName"] + names.generate_name_suffix(sim.store.rng)
    meta["ownerReferences"] = [replicasets.controller_ref(job)]
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template.get("spec")}
    sim.store.create(sim.rtype(store.PODS_KEY), body, namespace=job["metadata"]["namespace"])
