"""The scheduler and kubelet, simulated: pods get a node, start, and become Ready.

A pod becomes Running and Ready `pod_ready_delay` seconds after it is scheduled, unless one of
its images matches `broken_image_pattern`: then it stays Pending in ImagePullBackOff, as a
canary with a bad image does on a real cluster. Pods that run to completion (a Job's) then
exit, as `completion` describes. Deleted pods are gone shortly after.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from typing import TYPE_CHECKING, Any

from rollouts.devcluster import completion, lifecycle, store

if TYPE_CHECKING:
    from rollouts.devcluster.simulation import Simulation

NODE_NAME = "devcluster"
HOST_IP = "10.0.0.10"
_POD_NETWORK = ipaddress.ip_network("10.244.0.0/16")
JSON = dict[str, Any]


def reconcile(sim: Simulation, namespace: str | None, name: str) -> None:
    """Move one pod along: schedule it, start it, make it ready, or finish deleting it."""
    pod_type = sim.rtype(store.PODS_KEY)
    pod = sim.store.peek(pod_type, namespace, name)
    if pod is None:
        return
    if "deletionTimestamp" in pod["metadata"]:
        _terminate(sim, pod)
    elif not (pod.get("spec") or {}).get("nodeName"):
        body = {**pod, "spec": {**pod["spec"], "nodeName": NODE_NAME}}
        sim.store.update(pod_type, body, namespace=namespace, name=name)
    elif (pod.get("status") or {}).get("phase") in (None, "Pending"):
        _start(sim, pod, pod_type)


def _terminate(sim: Simulation, pod: JSON) -> None:
    meta = pod["metadata"]
    if not meta.get("deletionGracePeriodSeconds"):
        return
    # the containers stop well within their grace period in a simulation
    grace = min(float(meta["deletionGracePeriodSeconds"]), sim.settings.pod_ready_delay)
    sim.after(grace, ("pod-final", meta["namespace"], meta["name"]))


def finish_deletion(sim: Simulation, namespace: str | None, name: str) -> None:
    """The kubelet's last word on a pod: delete it with no grace left."""
    pod_type = sim.rtype(store.PODS_KEY)
    if sim.store.peek(pod_type, namespace, name) is not None:
        sim.store.delete(pod_type, namespace=namespace, name=name, grace_seconds=0)


def _broken(sim: Simulation, pod: JSON) -> str | None:
    pattern = sim.settings.broken_image_pattern
    if not pattern:
        return None
    for container in pod["spec"].get("containers") or ():
        if fnmatch.fnmatchcase(str(container.get("image", "")), pattern):
            return str(container["image"])
    return None


def _start(sim: Simulation, pod: JSON, pod_type: Any) -> None:
    if (pod.get("status") or {}).get("startTime"):
        return  # starting, with a timer already set to make it ready
    now = lifecycle.timestamp(sim.store.clock())
    _write(sim, pod, pod_type, _pending_status(sim, pod, now))
    if _broken(sim, pod) is None:
        sim.after(sim.settings.pod_ready_delay, ("pod-ready", *_where(pod)))


def become_ready(sim: Simulation, namespace: str | None, name: str) -> None:
    """The containers started and the readiness probes passed."""
    pod_type = sim.rtype(store.PODS_KEY)
    pod = sim.store.peek(pod_type, namespace, name)
    if pod is None or "deletionTimestamp" in pod["metadata"]:
        return
    status = dict(pod.get("status") or {})
    if status.get("phase") in ("Succeeded", "Failed"):
        return
    now = lifecycle.timestamp(sim.store.clock())
    status["phase"] = "Running"
    status["conditions"] = _conditions(now, ready=True, previous=status.get("conditions"))
    before = {c["name"]: c for c in status.get("containerStatuses") or ()}
    status["containerStatuses"] = [
        _running(pod, c, before.get(c["name"]) or {}, now) for c in pod["spec"]["containers"]
    ]
    _write(sim, pod, pod_type, status)
    if completion.runs_to_completion(pod):
        sim.after(sim.settings.pod_ready_delay, ("pod-exit", *_where(pod)))


def _running(pod: JSON, container: JSON, before: JSON, now: str) -> JSON:
    """A container's status once it runs; a restarted one keeps its count and last state."""
    out: JSON = {
        "name": container["name"],
        "image": container["image"],
        "imageID": f"devcluster://{container['image']}",
        "containerID": f"devcluster://{pod['metadata']['uid'][:8]}-{container['name']}",
        "ready": True,
        "started": True,
        "restartCount": int(before.get("restartCount") or 0),
        "state": {"running": {"startedAt": now}},
    }
    if "lastState" in before:
        out["lastState"] = before["lastState"]
    return out


def _where(pod: JSON) -> tuple[str, str]:
    return pod["metadata"]["namespace"], pod["metadata"]["name"]


def _pending_status(sim: Simulation, pod: JSON, now: str) -> JSON:
    broken = _broken(sim, pod)
    waiting = (
        {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{broken}"'}
        if broken
        else {"reason": "ContainerCreating"}
    )
    return {
        "phase": "Pending",
        "conditions": _conditions(now, ready=False, previous=None),
        "hostIP": HOST_IP,
        "hostIPs": [{"ip": HOST_IP}],
        "podIP": _pod_ip(pod),
        "podIPs": [{"ip": _pod_ip(pod)}],
        "startTime": now,
        "qosClass": "BestEffort",
        "containerStatuses": [
            {
                "name": c["name"],
                "image": c["image"],
                "imageID": "",
                "ready": False,
                "started": False,
                "restartCount": 0,
                "state": {"waiting": waiting},
            }
            for c in pod["spec"]["containers"]
        ],
    }


def _pod_ip(pod: JSON) -> str:
    offset = int(pod["metadata"]["uid"].replace("-", "")[:8], 16) % (_POD_NETWORK.num_addresses - 2)
    return str(_POD_NETWORK.network_address + 1 + offset)


def _conditions(now: str, *, ready: bool, previous: Any) -> list[JSON]:
    since = {c["type"]: c for c in previous or ()}

    def condition(kind: str, value: bool) -> JSON:
        old = since.get(kind)
        status = "True" if value else "False"
        when = old["lastTransitionTime"] if old and old["status"] == status else now
        out: JSON = {
            "type": kind,
            "status": status,
            "lastProbeTime": None,
            "lastTransitionTime": when,
        }
        if not value:
            out["reason"] = "ContainersNotReady"
        return out

    return [
        condition("PodReadyToStartContainers", True),
        condition("Initialized", True),
        condition("Ready", ready),
        condition("ContainersReady", ready),
        condition("PodScheduled", True),
    ]


def _write(sim: Simulation, pod: JSON, pod_type: Any, status: JSON) -> None:
    sim.store.update(
        pod_type,
        {**pod, "status": status},
        namespace=pod["metadata"]["namespace"],
        name=pod["metadata"]["name"],
        subresource="status",
    )
