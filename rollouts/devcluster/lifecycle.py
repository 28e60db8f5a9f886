"""Metadata rules of a write: what the server sets, keeps and bumps (pure).

These are the rules every client relies on: `uid` and `creationTimestamp` are the server's,
`generation` moves only when the desired state changes, writes through the main resource
cannot change `status` of a type with a status subresource (and the reverse), and an object
with finalizers is only marked for deletion.
"""

from __future__ import annotations

import datetime
from typing import Any

from rollouts.devcluster import kinds

_SYSTEM_FIELDS = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")
# ObjectMeta fields serialised with omitempty: an empty value is the same as none
_OMIT_EMPTY = (
    "labels",
    "annotations",
    "finalizers",
    "ownerReferences",
    "generateName",
    "managedFields",
)


def normalized_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Metadata as the API returns it: empty optional fields left out."""
    return {k: v for k, v in meta.items() if not (k in _OMIT_EMPTY and not v)}


def timestamp(now: datetime.datetime) -> str:
    """RFC 3339 with second precision, as metav1.Time serialises."""
    return now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp_new(
    rtype: kinds.ResourceType,
    obj: dict[str, Any],
    *,
    name: str,
    namespace: str | None,
    uid: str,
    now: datetime.datetime,
) -> dict[str, Any]:
    """The object as first stored: system metadata set, client-set system fields dropped."""
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in _SYSTEM_FIELDS}
    meta.pop("resourceVersion", None)
    meta.pop("generation", None)
    meta["name"] = name
    if namespace is not None:
        meta["namespace"] = namespace
    meta["uid"] = uid
    meta["creationTimestamp"] = timestamp(now)
    if rtype.tracks_generation:
        meta["generation"] = 1
    out = {
        **obj,
        "apiVersion": rtype.api_version(),
        "kind": rtype.kind,
        "metadata": normalized_meta(meta),
    }
    if rtype.status and "status" in out and not rtype.builtin:
        del out["status"]  # a custom resource's status is only set through /status
    if rtype.key == ("", "pods"):
        out["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
    return out


def compose_update(
    rtype: kinds.ResourceType,
    current: dict[str, Any],
    body: dict[str, Any],
    subresource: str | None,
) -> dict[str, Any]:
    """What an update of `current` with `body` stores, before generation and version bumps.

    Through `/status` only status changes; through the main resource of a type that has a
    status subresource, status is kept as it was.
    """
    if subresource == "status":
        out = dict(current)
        if "status" in body:
            out["status"] = body["status"]
        else:
            out.pop("status", None)
        return out
    out = dict(body)
    if rtype.status:
        if "status" in current:
            out["status"] = current["status"]
        else:
            out.pop("status", None)
    meta = dict(out.get("metadata") or {})
    for field in _SYSTEM_FIELDS:
        if field in current["metadata"]:
            meta[field] = current["metadata"][field]
        else:
            meta.pop(field, None)
    if "generation" in current["metadata"]:
        meta["generation"] = current["metadata"]["generation"]
    out["metadata"] = normalized_meta(meta)
    out["apiVersion"], out["kind"] = current["apiVersion"], current["kind"]
    return out


def desired_state(rtype: kinds.ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    """The part of an object whose change bumps `generation`."""
    skip = {"metadata", "status"} if rtype.status else {"metadata"}
    return {k: v for k, v in obj.items() if k not in skip}


def bump_generation(
    rtype: kinds.ResourceType, current: dict[str, Any], new: dict[str, Any]
) -> dict[str, Any]:
    """`new` with generation + 1 when its desired state differs from `current`'s."""
    if not rtype.tracks_generation:
        return new
    if desired_state(rtype, current) == desired_state(rtype, new):
        return new
    meta = dict(new["metadata"])
    meta["generation"] = int(current["metadata"].get("generation", 0)) + 1
    return {**new, "metadata": meta}


def same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal but for resourceVersion: a write that changes nothing is not a write."""
    if a.keys() != b.keys():
        return False
    for key, value in a.items():
        if key != "metadata" and b[key] != value:
            return False
    meta_a = {k: v for k, v in a["metadata"].items() if k != "resourceVersion"}
    meta_b = {k: v for k, v in b["metadata"].items() if k != "resourceVersion"}
    return meta_a == meta_b


def is_deletion_done(obj: dict[str, Any]) -> bool:
    """Marked for deletion and nothing left to wait for."""
    meta = obj["metadata"]
    return "deletionTimestamp" in meta and not meta.get("finalizers")


def with_new_finalizers_refused(current: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Finalizers `new` adds to an object already being deleted (the API forbids that)."""
    if "deletionTimestamp" not in current["metadata"]:
        return []
    before = set(current["metadata"].get("finalizers") or ())
    return [f for f in new["metadata"].get("finalizers") or () if f not in before]
