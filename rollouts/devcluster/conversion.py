"""Conversion between a stored object and the version a request names.

Custom resources use the `None` strategy (only `apiVersion` changes), as do the built-ins we
serve at one version. The one real conversion is Event: `events.k8s.io/v1` and core `v1` are two
views of the same stored objects, as on a real cluster, where `kubectl get events` lists what a
controller recorded through either API.
"""

from __future__ import annotations

from typing import Any

from rollouts.devcluster import kinds

# events.k8s.io/v1 field → core/v1 field; the rest have the same name in both.
_EVENT_FIELDS = {
    "regarding": "involvedObject",
    "note": "message",
    "reportingController": "reportingComponent",
    "deprecatedSource": "source",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
}
_EVENTS_GROUP_KEY = ("events.k8s.io", "events")


def to_storage(rtype: kinds.ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    """The object as stored, from the body a client sent at `rtype`'s version."""
    if rtype.key == _EVENTS_GROUP_KEY:
        return _rename(obj, _EVENT_FIELDS, "v1")
    return obj


def from_storage(rtype: kinds.ResourceType, version: str, obj: dict[str, Any]) -> dict[str, Any]:
    """The stored object as a client of `rtype` at `version` sees it (a new dict)."""
    if rtype.key == _EVENTS_GROUP_KEY:
        reverse = {core: new for new, core in _EVENT_FIELDS.items()}
        return _rename(obj, reverse, rtype.api_version(version))
    out = dict(obj)
    out["apiVersion"] = rtype.api_version(version)
    out["kind"] = rtype.kind
    return out


def _rename(obj: dict[str, Any], names: dict[str, str], api_version: str) -> dict[str, Any]:
    out = {names.get(key, key): value for key, value in obj.items()}
    out["apiVersion"] = api_version
    return out
