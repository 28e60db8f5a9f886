"""A pod's line in the tree: kubectl's STATUS reason, ready containers and restarts (pure).

Argo's plugin reuses `kubectl get pods`' reasoning: a failing or unfinished init container
names the status (`Init:1/2`, `Init:CrashLoopBackOff`); otherwise the first container that
waits or ended does; a pod being deleted is `Terminating`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

JSON = Mapping[str, Any]
NODE_LOST = "NodeLost"  # the reason the node controller gives a pod on an unreachable node


@dataclasses.dataclass(frozen=True)
class PodState:
    status: str
    ready: str  # "<ready>/<containers>"
    restarts: int


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _state(container: JSON, key: str) -> JSON | None:
    found = (container.get("state") or {}).get(key)
    return found if isinstance(found, Mapping) else None


def _ended(terminated: JSON, prefix: str) -> str:
    """A terminated container without a reason reads by its signal or exit code."""
    if terminated.get("reason"):
        return prefix + str(terminated["reason"])
    if _int(terminated.get("signal")):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{_int(terminated.get('exitCode'))}"


def _sidecars(spec: JSON) -> set[str]:
    """Init containers with restartPolicy Always run beside the app (native sidecars)."""
    return {
        str(c.get("name"))
        for c in spec.get("initContainers") or ()
        if c.get("restartPolicy") == "Always"
    }


def _init_reason(spec: JSON, statuses: Sequence[JSON]) -> tuple[str, int] | None:
    """While an init container has not finished well: the status, and the restarts of the
    init containers up to that one. None once all did."""
    sidecars, restarts = _sidecars(spec), 0
    for i, container in enumerate(statuses):
        restarts += _int(container.get("restartCount"))
        terminated, waiting = _state(container, "terminated"), _state(container, "waiting")
        if terminated is not None and _int(terminated.get("exitCode")) == 0:
            continue
        if terminated is not None:
            return _ended(terminated, "Init:"), restarts
        if container.get("name") in sidecars and container.get("started") is True:
            if container.get("ready"):
                continue
            return None  # a started sidecar, not ready yet, is not initialising (Argo's rule)
        if waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            return f"Init:{waiting['reason']}", restarts
        return f"Init:{i}/{len(spec.get('initContainers') or ())}", restarts
    return None


def _app_reason(statuses: Sequence[JSON], reason: str) -> tuple[str, int, int]:
    """The status, ready and restarts once the init containers are done: the first container
    (in spec order) that waits or ended names the status."""
    restarts = ready = 0
    for container in reversed(statuses):
        restarts += _int(container.get("restartCount"))
        waiting, terminated = _state(container, "waiting"), _state(container, "terminated")
        if waiting is not None and waiting.get("reason"):
            reason = str(waiting["reason"])
        elif terminated is not None:
            reason = _ended(terminated, "")
        elif container.get("ready") and _state(container, "running") is not None:
            ready += 1
    # a pod whose one container completed while another still runs is Running
    return ("Running" if reason == "Completed" and ready else reason), ready, restarts


def compute_pod_state(pod: JSON) -> PodState:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    reason = str(status.get("reason") or status.get("phase") or "")
    ready = 0
    init = _init_reason(spec, status.get("initContainerStatuses") or ())
    if init is not None:
        reason, restarts = init
    else:
        reason, ready, restarts = _app_reason(status.get("containerStatuses") or (), reason)
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == NODE_LOST else "Terminating"
    return PodState(reason, f"{ready}/{len(spec.get('containers') or ())}", restarts)
