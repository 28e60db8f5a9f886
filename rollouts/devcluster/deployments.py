"""The Deployment controller, simulated: a ReplicaSet per pod template, rolled by strategy.

RollingUpdate honours maxSurge and maxUnavailable against available pods; Recreate scales the
old ReplicaSets to zero before the new one comes up. Old ReplicaSets beyond
revisionHistoryLimit are deleted. The pod-template-hash is our own (a real cluster's comes from
hashing Go structs), but it is deterministic, so re-applying a template finds its ReplicaSet.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from typing import TYPE_CHECKING, Any

from rollouts.devcluster import podstatus, replicasets, store

if TYPE_CHECKING:
    from rollouts.devcluster.simulation import Simulation

DEPLOY_KEY = ("apps", "deployments")
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
RECHECK_SECONDS = 0.1
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
JSON = dict[str, Any]


def template_hash(template: JSON) -> str:
    """A short, stable name for a pod template (safe in names and labels)."""
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    value = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(10):
        value, rest = divmod(value, len(_ALPHABET))
        chars.append(_ALPHABET[rest])
    return "".join(chars)


def resolve(value: Any, total: int, *, round_up: bool) -> int:
    """An int-or-percent such as maxSurge "25%" as a count of `total`."""
    if isinstance(value, str) and value.endswith("%"):
        share = total * int(value[:-1]) / 100
        return math.ceil(share) if round_up else math.floor(share)
    return int(value or 0)


def _template_without_hash(template: JSON) -> JSON:
    out = copy.deepcopy(template)
    labels = (out.get("metadata") or {}).get("labels") or {}
    labels.pop(HASH_LABEL, None)
    return out


def reconcile(sim: Simulation, namespace: str | None, name: str) -> None:
    """Bring the Deployment's ReplicaSets one step towards its template and replicas."""
    deploy_type = sim.rtype(DEPLOY_KEY)
    rs_type = sim.rtype(replicasets.RS_KEY)
    deploy = sim.store.peek(deploy_type, namespace, name)
    if deploy is None or "deletionTimestamp" in deploy["metadata"]:
        return
    deploy = {**deploy, "apiVersion": "apps/v1", "kind": "Deployment"}
    # the owner index, not a namespace-wide list: cost stays flat as Deployments add up
    owned = [
        rs
        for key, rs in sim.store.dependents(deploy["metadata"]["uid"])
        if key == replicasets.RS_KEY and replicasets.owned_by(rs, deploy)
    ]
    template = deploy["spec"]["template"]
    new_rs = next(
        (rs for rs in owned if _template_without_hash(rs["spec"]["template"]) == template), None
    )
    if new_rs is None:
        sim.store.create(rs_type, _new_replica_set(deploy, owned), namespace=namespace)
        return
    old = [rs for rs in owned if rs is not new_rs]
    if _sync_new_replica_set(sim, deploy, new_rs, old):
        return
    if not deploy["spec"].get("paused") and _scale(sim, deploy, new_rs, old):
        return
    _cleanup(sim, deploy, old)
    _write_status(sim, deploy, new_rs, owned)


def _new_replica_set(deploy: JSON, owned: list[JSON]) -> JSON:
    pod_hash = template_hash(deploy["spec"]["template"])
    template = copy.deepcopy(deploy["spec"]["template"])
    template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
    selector = copy.deepcopy(deploy["spec"]["selector"])
    selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
    revision = 1 + max((_revision(rs) for rs in owned), default=0)
    # the first ReplicaSet starts full; later ones are scaled up by the strategy
    initial = 0 if owned else deploy["spec"]["replicas"]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{deploy['metadata']['name']}-{pod_hash}",
            "labels": dict(template["metadata"]["labels"]),
            "annotations": {
                REVISION: str(revision),
                "deployment.kubernetes.io/desired-replicas": str(deploy["spec"]["replicas"]),
            },
            "ownerReferences": [replicasets.controller_ref(deploy)],
        },
        "spec": {
            "replicas": initial,
            "minReadySeconds": deploy["spec"].get("minReadySeconds", 0),
            "selector": selector,
            "template": template,
        },
    }


def _revision(rs: JSON) -> int:
    return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))


def _sync_new_replica_set(sim: Simulation, deploy: JSON, new_rs: JSON, old: list[JSON]) -> bool:
    """The new ReplicaSet follows its Deployment's minReadySeconds, and on a rollback (an old
    template again) it becomes the newest revision, so that revisionHistoryLimit keeps it."""
    patch: JSON = {}
    newest = max((_revision(rs) for rs in old), default=0)
    if _revision(new_rs) <= newest:
        patch["metadata"] = {"annotations": {REVISION: str(newest + 1)}}
    min_ready = deploy["spec"].get("minReadySeconds", 0)
    if new_rs["spec"].get("minReadySeconds", 0) != min_ready:
        patch["spec"] = {"minReadySeconds": min_ready}
    if not patch:
        return False
    sim.store.patch(
        sim.rtype(replicasets.RS_KEY),
        namespace=new_rs["metadata"]["namespace"],
        name=new_rs["metadata"]["name"],
        patch_type=store.MERGE_PATCH,
        patch=patch,
    )
    return True


def _set_replicas(sim: Simulation, rs: JSON, replicas: int) -> bool:
    if rs["spec"].get("replicas") == replicas:
        return False
    rs_type = sim.rtype(replicasets.RS_KEY)
    sim.store.patch(
        rs_type,
        namespace=rs["metadata"]["namespace"],
        name=rs["metadata"]["name"],
        patch_type=store.MERGE_PATCH,
        patch={"spec": {"replicas": replicas}},
    )
    return True


def _available(rs: JSON) -> int:
    return int((rs.get("status") or {}).get("availableReplicas", 0))


def _scale(sim: Simulation, deploy: JSON, new_rs: JSON, old: list[JSON]) -> bool:
    """One scaling move; True when something was written (the change re-queues us)."""
    replicas = int(deploy["spec"]["replicas"])
    strategy = deploy["spec"].get("strategy") or {}
    if strategy.get("type") == "Recreate":
        if any(_set_replicas(sim, rs, 0) for rs in old):
            return True
        if any((rs.get("status") or {}).get("replicas") for rs in old):
            return False
        if _old_pods_left(sim, deploy, old):
            return False
        return _set_replicas(sim, new_rs, replicas)
    rolling = strategy.get("rollingUpdate") or {}
    surge = resolve(rolling.get("maxSurge", "25%"), replicas, round_up=True)
    unavailable = resolve(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    total = sum(int(rs["spec"].get("replicas", 0)) for rs in [new_rs, *old])
    if not old:
        return _set_replicas(sim, new_rs, replicas)
    room = replicas + surge - total
    if room > 0 and new_rs["spec"]["replicas"] < replicas:
        target = min(replicas, int(new_rs["spec"]["replicas"]) + room)
        return _set_replicas(sim, new_rs, target)
    available = sum(_available(rs) for rs in [new_rs, *old])
    removable = available - (replicas - unavailable)
    changed = False
    for rs in sorted(old, key=_revision):
        current = int(rs["spec"].get("replicas", 0))
        # unavailable pods of old sets can always go; available ones within the budget
        cut = min(current, max(0, removable) + (current - _available(rs)))
        if cut > 0:
            removable -= min(cut, _available(rs))
            changed = _set_replicas(sim, rs, current - cut) or changed
    return changed


def _old_pods_left(sim: Simulation, deploy: JSON, old: list[JSON]) -> bool:
    """Recreate waits until the old pods are gone, terminating ones included; their deletion
    does not change any ReplicaSet's status, so look again shortly."""
    pod_type = sim.rtype(store.PODS_KEY)
    pods = sim.store.list(pod_type, deploy["metadata"]["namespace"])
    if not any(replicasets.owned_by(pod, rs) for pod in pods for rs in old):
        return False
    sim.after(
        RECHECK_SECONDS, ("deployment", deploy["metadata"]["namespace"], deploy["metadata"]["name"])
    )
    return True


def _cleanup(sim: Simulation, deploy: JSON, old: list[JSON]) -> None:
    limit = int(deploy["spec"].get("revisionHistoryLimit", 10))
    idle = sorted(
        (
            rs
            for rs in old
            if not rs["spec"].get("replicas") and not (rs.get("status") or {}).get("replicas")
        ),
        key=_revision,
    )
    rs_type = sim.rtype(replicasets.RS_KEY)
    for rs in idle[: max(0, len(idle) - limit)]:
        sim.store.delete(
            rs_type,
            namespace=rs["metadata"]["namespace"],
            name=rs["metadata"]["name"],
            propagation="Background",
        )


def compute_status(deploy: JSON, new_rs: JSON, owned: list[JSON], now: str) -> JSON:
    """Counts summed over the ReplicaSets, and the Available/Progressing conditions."""
    replicas = int(deploy["spec"]["replicas"])

    def total(field: str) -> int:
        return sum(int((rs.get("status") or {}).get(field, 0)) for rs in owned)

    rolling = (deploy["spec"].get("strategy") or {}).get("rollingUpdate") or {}
    unavailable_ok = resolve(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
    available = total("availableReplicas")
    updated = int((new_rs.get("status") or {}).get("replicas", 0))
    done = updated == replicas and total("replicas") == replicas and available == replicas
    name = new_rs["metadata"]["name"]
    status: JSON = {
        "observedGeneration": deploy["metadata"].get("generation", 1),
        "replicas": total("replicas"),
        "updatedReplicas": updated,
        "readyReplicas": total("readyReplicas"),
        "availableReplicas": available,
        "unavailableReplicas": max(
            0, sum(int(rs["spec"].get("replicas", 0)) for rs in owned) - available
        ),
    }
    status = {k: v for k, v in status.items() if v or k in ("observedGeneration",)}
    old = {c["type"]: c for c in (deploy.get("status") or {}).get("conditions") or ()}
    available_reason = (
        ("MinimumReplicasAvailable", "Deployment has minimum availability.")
        if available >= replicas - unavailable_ok
        else ("MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
    )
    progress_reason = (
        ("NewReplicaSetAvailable", f'ReplicaSet "{name}" has successfully progressed.')
        if done
        else ("ReplicaSetUpdated", f'ReplicaSet "{name}" is progressing.')
    )
    status["conditions"] = [
        _condition(
            old.get("Available"),
            "Available",
            available >= replicas - unavailable_ok,
            reason=available_reason,
            now=now,
        ),
        _condition(old.get("Progressing"), "Progressing", True, reason=progress_reason, now=now),
    ]
    return status


def _condition(
    previous: JSON | None, kind: str, value: bool, *, reason: tuple[str, str], now: str
) -> JSON:
    """A Deployment condition; unchanged conditions keep their times (no needless writes)."""
    status = "True" if value else "False"
    if previous and previous["status"] == status and previous.get("reason") == reason[0]:
        return previous
    since = previous["lastTransitionTime"] if previous and previous["status"] == status else now
    return {
        "type": kind,
        "status": status,
        "lastUpdateTime": now,
        "lastTransitionTime": since,
        "reason": reason[0],
        "message": reason[1],
    }


def _write_status(sim: Simulation, deploy: JSON, new_rs: JSON, owned: list[JSON]) -> None:
    now = podstatus.now_stamp(sim.store.clock())
    status = compute_status(deploy, new_rs, owned, now)
    if deploy.get("status") == status:
        return
    deploy_type = sim.rtype(DEPLOY_KEY)
    sim.store.update(
        deploy_type,
        {**deploy, "status": status},
        namespace=deploy["metadata"]["namespace"],
        name=deploy["metadata"]["name"],
        subresource="status",
    )
