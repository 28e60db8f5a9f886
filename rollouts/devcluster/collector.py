"""Garbage collection, deletion propagation and namespace termination, simulated.

Like the real garbage collector, it works after the fact: deleting an owner returns at once,
and its dependents go shortly after (background), before it (foreground), or lose their owner
reference and stay (orphan).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rollouts.devcluster import store

if TYPE_CHECKING:
    from rollouts.devcluster.simulation import Simulation, WorkItem

DEPLOYMENTS_KEY = ("apps", "deployments")
REPLICASETS_KEY = ("apps", "replicasets")
JOBS_KEY = ("batch", "jobs")
CRONJOBS_KEY = ("batch", "cronjobs")
PROPAGATION_FINALIZERS = ("orphan", "foregroundDeletion")


_CONTROLLERS = {
    DEPLOYMENTS_KEY: "deployment",
    REPLICASETS_KEY: "replicaset",
    JOBS_KEY: "job",
    CRONJOBS_KEY: "cronjob",
    store.PODS_KEY: "pod",
}
# a change to a dependent of these kinds wakes its owner's controller
_OWNER_CONTROLLERS = {
    (store.PODS_KEY, "ReplicaSet"): "replicaset",
    (REPLICASETS_KEY, "Deployment"): "deployment",
    (store.PODS_KEY, "Job"): "job",
    (JOBS_KEY, "CronJob"): "cronjob",
}


def routes(change: store.Change) -> Iterator[WorkItem]:
    """The work a store change makes for the simulated controllers."""
    meta = change.object["metadata"]
    ns, name = meta.get("namespace"), meta["name"]
    controller = _CONTROLLERS.get(change.key)
    if controller is not None:
        yield (controller, ns, name)
    if change.key == store.NAMESPACES_KEY and "deletionTimestamp" in meta:
        yield ("namespace", None, name)
    yield from _owner_routes(change, ns)
    if change.type == "DELETED":
        yield ("orphans", None, meta["uid"])
    elif set(meta.get("finalizers") or ()) & set(PROPAGATION_FINALIZERS):
        yield ("finalize", None, meta["uid"])


def _owner_routes(change: store.Change, namespace: str | None) -> Iterator[WorkItem]:
    for ref in change.object["metadata"].get("ownerReferences") or ():
        owner_controller = _OWNER_CONTROLLERS.get((change.key, ref.get("kind")))
        if owner_controller is not None:
            yield (owner_controller, namespace, ref["name"])
        if change.type == "DELETED":
            yield ("finalize", None, ref["uid"])


def _delete(
    sim: Simulation, key: tuple[str, str], obj: dict[str, Any], propagation: str = "Background"
) -> None:
    meta = obj["metadata"]
    if "deletionTimestamp" in meta:
        return
    sim.store.delete(
        sim.rtype(key),
        namespace=meta.get("namespace"),
        name=meta["name"],
        propagation=propagation,
    )


def _drop_owner(sim: Simulation, key: tuple[str, str], obj: dict[str, Any], uid: str) -> None:
    meta = obj["metadata"]
    refs = [r for r in meta.get("ownerReferences") or () if r["uid"] != uid]
    patch = {"metadata": {"ownerReferences": refs or None}}
    sim.store.patch(
        sim.rtype(key),
        namespace=meta.get("namespace"),
        name=meta["name"],
        patch_type=store.MERGE_PATCH,
        patch=patch,
    )


def collect_orphans(sim: Simulation, _namespace: str | None, uid: str) -> None:
    """Dependents of a deleted owner: delete those with no owner left, unlink the others."""
    for key, obj in sim.store.dependents(uid):
        alive = [
            r
            for r in obj["metadata"].get("ownerReferences") or ()
            if r["uid"] != uid and sim.store.by_uid(r["uid"]) is not None
        ]
        if alive:
            _drop_owner(sim, key, obj, uid)
        else:
            _delete(sim, key, obj)


def finalize(sim: Simulation, _namespace: str | None, uid: str) -> None:
    """Carry out `orphan` or `foregroundDeletion` for an owner being deleted."""
    owner = sim.store.by_uid(uid)
    if owner is None or "deletionTimestamp" not in owner["metadata"]:
        return
    finalizers = list(owner["metadata"].get("finalizers") or ())
    dependents = sim.store.dependents(uid)
    if "orphan" in finalizers:
        for key, obj in dependents:
            _drop_owner(sim, key, obj, uid)
        finalizers.remove("orphan")
    elif "foregroundDeletion" in finalizers:
        # as the real collector does, dependents with dependents of their own go in the
        # foreground too, so the owner outlives the whole tree below it
        for key, obj in dependents:
            _delete(sim, key, obj, propagation="Foreground")
        if any(_blocks(obj, uid) for _, obj in sim.store.dependents(uid)):
            return  # the dependents' deletion re-queues this owner
        finalizers.remove("foregroundDeletion")
    else:
        return
    _set_finalizers(sim, owner, finalizers)


def _blocks(obj: dict[str, Any], uid: str) -> bool:
    return any(
        r["uid"] == uid and r.get("blockOwnerDeletion")
        for r in obj["metadata"].get("ownerReferences") or ()
    )


def _set_finalizers(sim: Simulation, obj: dict[str, Any], finalizers: list[str]) -> None:
    meta = obj["metadata"]
    rtype = sim.store.registry.by_kind(obj["apiVersion"], obj["kind"])
    assert rtype is not None
    sim.store.patch(
        rtype,
        namespace=meta.get("namespace"),
        name=meta["name"],
        patch_type=store.MERGE_PATCH,
        patch={"metadata": {"finalizers": finalizers or None}},
    )


def empty_namespace(sim: Simulation, _namespace: str | None, name: str) -> None:
    """Delete everything in a terminating namespace, then let the namespace go."""
    ns_type = sim.rtype(store.NAMESPACES_KEY)
    ns_obj = sim.store.peek(ns_type, None, name)
    if ns_obj is None or "deletionTimestamp" not in ns_obj["metadata"]:
        return
    left = 0
    for rtype in sim.store.registry.all():
        if not rtype.namespaced or rtype.stored_as:
            continue
        for obj in sim.store.list(rtype, name):
            left += 1
            if "deletionTimestamp" not in obj["metadata"]:
                sim.store.delete(
                    rtype, namespace=name, name=obj["metadata"]["name"], propagation="Background"
                )
    if left:
        sim.after(0.1, ("namespace", None, name))
        return
    sim.store.update(ns_type, {**ns_obj, "spec": {"finalizers": []}}, namespace=None, name=name)
