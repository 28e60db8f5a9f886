"""The ReplicaSet controller, simulated: keep `spec.replicas` pods and report their status."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from rollouts.devcluster import kinds, names, podstatus, selectors, store

if TYPE_CHECKING:
    from rollouts.devcluster.simulation import Simulation

RS_KEY = ("apps", "replicasets")
JSON = dict[str, Any]


def _types(sim: Simulation) -> tuple[kinds.ResourceType, kinds.ResourceType]:
    return sim.rtype(RS_KEY), sim.rtype(store.PODS_KEY)


def owned_by(obj: JSON, owner: JSON) -> bool:
    return any(
        r.get("controller") and r["uid"] == owner["metadata"]["uid"]
        for r in obj["metadata"].get("ownerReferences") or ()
    )


def controller_ref(owner: JSON) -> JSON:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def reconcile(sim: Simulation, namespace: str | None, name: str) -> None:
    """Create or delete pods towards spec.replicas, then write the status if it changed."""
    rs_type, pod_type = _types(sim)
    rs = sim.store.peek(rs_type, namespace, name)
    if rs is None or "deletionTimestamp" in rs["metadata"]:
        return
    rs = {**rs, "apiVersion": "apps/v1", "kind": "ReplicaSet"}
    selector = selectors.label_selector_from_object(rs["spec"]["selector"])
    # through the owner index: listing the namespace's pods per reconcile is quadratic
    pods = [
        p
        for key, p in sim.store.dependents(rs["metadata"]["uid"])
        if key == pod_type.storage_key
        and owned_by(p, rs)
        and selector.matches(p["metadata"].get("labels"))
    ]
    active = [p for p in pods if podstatus.is_active(p)]
    diff = int(rs["spec"].get("replicas", 1)) - len(active)
    if diff > 0:
        for _ in range(diff):
            _create_pod(sim, rs)
    elif diff < 0:
        for pod in _deletion_order(active)[:-diff]:
            sim.store.delete(pod_type, namespace=namespace, name=pod["metadata"]["name"])
    else:
        _write_status(sim, rs, pods)


def _create_pod(sim: Simulation, rs: JSON) -> None:
    template = rs["spec"].get("template") or {}
    meta = dict(template.get("metadata") or {})
    meta.pop("creationTimestamp", None)
    meta["generateName"] = rs["metadata"]["name"] + "-"
    meta["name"] = meta["generateName"] + names.generate_name_suffix(sim.store.rng)
    meta["ownerReferences"] = [controller_ref(rs)]
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template.get("spec")}
    sim.store.create(_types(sim)[1], body, namespace=rs["metadata"]["namespace"])


def _deletion_order(pods: list[JSON]) -> list[JSON]:
    """Which pods go first when scaling down: unscheduled, then not ready, then newest."""

    def rank(pod: JSON) -> tuple[int, int, str]:
        scheduled = 1 if (pod.get("spec") or {}).get("nodeName") else 0
        ready = 1 if podstatus.ready_since(pod) else 0
        created = pod["metadata"].get("creationTimestamp", "")
        return (scheduled, ready, _invert(created))

    return sorted(pods, key=rank)


def _invert(stamp: str) -> str:
    # newest first within a rank: invert the digits of an ISO timestamp
    return "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in stamp)


def compute_status(rs: JSON, pods: list[JSON], now: datetime.datetime) -> tuple[JSON, float | None]:
    """The ReplicaSet's status, and in how many seconds a pod will become available."""
    min_ready = int(rs["spec"].get("minReadySeconds", 0))
    template_labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
    active = [p for p in pods if podstatus.is_active(p)]
    available, wait = 0, None
    for pod in active:
        at = podstatus.available_at(pod, min_ready)
        if at is None:
            continue
        if at <= now:
            available += 1
        else:
            left = (at - now).total_seconds()
            wait = left if wait is None else min(wait, left)
    status: JSON = {
        "replicas": len(active),
        "fullyLabeledReplicas": sum(
            1
            for p in active
            if template_labels.items() <= (p["metadata"].get("labels") or {}).items()
        ),
        "readyReplicas": sum(1 for p in active if podstatus.ready_since(p)),
        "availableReplicas": available,
        "observedGeneration": rs["metadata"].get("generation", 1),
    }
    for field in ("readyReplicas", "availableReplicas", "fullyLabeledReplicas"):
        if not status[field]:
            del status[field]  # omitempty, as the API serialises zero counts
    return status, wait


def _write_status(sim: Simulation, rs: JSON, pods: list[JSON]) -> None:
    status, wait = compute_status(rs, pods, sim.store.clock())
    if wait is not None:
        sim.after(wait, ("replicaset", rs["metadata"]["namespace"], rs["metadata"]["name"]))
    if rs.get("status") == status:
        return
    sim.store.update(
        _types(sim)[0],
        {**rs, "status": status},
        namespace=rs["metadata"]["namespace"],
        name=rs["metadata"]["name"],
        subresource="status",
    )
