"""Readiness and availability of pods, as the ReplicaSet controller judges them (pure)."""

from __future__ import annotations

import datetime
from typing import Any

from rollouts.devcluster import lifecycle


def ready_since(pod: dict[str, Any]) -> datetime.datetime | None:
    """When the pod's Ready condition turned True, or None if it is not ready."""
    if "deletionTimestamp" in pod["metadata"]:
        return None
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready" and condition.get("status") == "True":
            stamp = condition.get("lastTransitionTime")
            return _parse(stamp) if stamp else datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return None


def available_at(pod: dict[str, Any], min_ready_seconds: int) -> datetime.datetime | None:
    """When a ready pod counts as available: ready for minReadySeconds."""
    since = ready_since(pod)
    if since is None:
        return None
    return since + datetime.timedelta(seconds=min_ready_seconds)


def is_active(pod: dict[str, Any]) -> bool:
    """Counted in a ReplicaSet's replicas: not terminating, not finished."""
    phase = (pod.get("status") or {}).get("phase")
    return "deletionTimestamp" not in pod["metadata"] and phase not in ("Succeeded", "Failed")


def _parse(stamp: str) -> datetime.datetime:
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)


def now_stamp(now: datetime.datetime) -> str:
    return lifecycle.timestamp(now)
