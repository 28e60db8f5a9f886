"""Pods that run to completion, simulated: their containers exit, with a code the pod names.

A pod whose `restartPolicy` is Never or OnFailure (a Job's pods, say) runs its containers for
`pod_ready_delay` seconds after they become ready, and then they exit. The exit code is 0
unless the pod carries the annotation `devcluster.rollouts.io/exit-code` (copied from a Job's
pod template), whose integer value every container then exits with (a value that is not an
integer counts as 1). A pod exits Succeeded if every code is 0, else Failed; with OnFailure a
failed container restarts in place instead, after `pod_ready_delay`, as the kubelet's back-off
would have it, and fails again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rollouts.devcluster import lifecycle, store

if TYPE_CHECKING:
    from rollouts.devcluster.simulation import Simulation

EXIT_CODE_ANNOTATION = "devcluster.rollouts.io/exit-code"
RUN_TO_COMPLETION = ("Never", "OnFailure")
JSON = dict[str, Any]


def runs_to_completion(pod: JSON) -> bool:
    return (pod.get("spec") or {}).get("restartPolicy") in RUN_TO_COMPLETION


def exit_code(pod: JSON) -> int:
    """The code the pod's containers exit with (the annotation's, else 0)."""
    value = (pod["metadata"].get("annotations") or {}).get(EXIT_CODE_ANNOTATION)
    if value is None:
        return 0
    try:
        return int(value)
    except ValueError:
        return 1


def _terminated(container: JSON, code: int, now: str) -> JSON:
    started = ((container.get("state") or {}).get("running") or {}).get("startedAt", now)
    return {
        "exitCode": code,
        "reason": "Completed" if code == 0 else "Error",
        "startedAt": started,
        "finishedAt": now,
        "containerID": container.get("containerID", ""),
    }


def exited_status(pod: JSON, code: int, now: str) -> JSON:
    """The pod's status once its containers exited with `code` (pure)."""
    status = dict(pod.get("status") or {})
    restart = code != 0 and pod["spec"].get("restartPolicy") == "OnFailure"
    statuses = []
    for container in status.get("containerStatuses") or ():
        done = _terminated(container, code, now)
        stopped = {**container, "ready": False, "started": False}
        if restart:
            count = int(container.get("restartCount") or 0) + 1
            stopped.update(
                restartCount=count,
                lastState={"terminated": done},
                state={"waiting": {"reason": "CrashLoopBackOff"}},
            )
        else:
            stopped["state"] = {"terminated": done}
        statuses.append(stopped)
    status["containerStatuses"] = statuses
    if not restart:
        status["phase"] = "Succeeded" if code == 0 else "Failed"
    reason = "ContainersNotReady" if restart else "PodCompleted"
    status["conditions"] = [_not_ready(c, reason, now) for c in status.get("conditions") or ()]
    return status


def _not_ready(condition: JSON, reason: str, now: str) -> JSON:
    if condition.get("type") not in ("Ready", "ContainersReady"):
        return condition
    since = condition["lastTransitionTime"] if condition.get("status") == "False" else now
    return {**condition, "status": "False", "reason": reason, "lastTransitionTime": since}


def exit_containers(sim: Simulation, namespace: str | None, name: str) -> None:
    """The containers of a running pod finish (the timer `become_ready` set)."""
    pod_type = sim.rtype(store.PODS_KEY)
    pod = sim.store.peek(pod_type, namespace, name)
    if pod is None or "deletionTimestamp" in pod["metadata"]:
        return
    if (pod.get("status") or {}).get("phase") != "Running" or not runs_to_completion(pod):
        return
    status = exited_status(pod, exit_code(pod), lifecycle.timestamp(sim.store.clock()))
    sim.store.update(
        pod_type, {**pod, "status": status}, namespace=namespace, name=name, subresource="status"
    )
    if status["phase"] == "Running":  # restarting in place
        sim.after(sim.settings.pod_ready_delay, ("pod-ready", namespace, name))
