"""Pure patch builders: what each plugin command changes, exactly as Argo's plugin does (§4).

Users change intent (spec.paused, status.pauseConditions, status.abort, status.promoteFull,
spec.restartAt, spec.template, or the template of the workload spec.workloadRef names); the
controller changes the world. Nothing here does I/O.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from rollouts import errors

JSON = Mapping[str, Any]
HASH_LABEL = "rollouts-pod-template-hash"
REVISION = "rollout.argoproj.io/revision"


class IntentError(errors.RolloutsError):
    """The command cannot apply to this Rollout as asked (one clear line for the user)."""


@dataclasses.dataclass(frozen=True)
class Patches:
    """A merge patch for the object (spec) and one for the status subresource."""

    spec: dict[str, Any] | None = None
    status: dict[str, Any] | None = None

    @property
    def empty(self) -> bool:
        return self.spec is None and self.status is None


def _status(body: JSON) -> JSON:
    return body.get("status") or {}


def _canary_steps(body: JSON) -> list[Any] | None:
    canary = ((body.get("spec") or {}).get("strategy") or {}).get("canary")
    return None if canary is None else list(canary.get("steps") or [])


def _step_index(status: JSON) -> int:
    index = status.get("currentStepIndex")
    return index if isinstance(index, int) and not isinstance(index, bool) else 0


def _inconclusive(status: JSON) -> bool:
    run = (status.get("canary") or {}).get("currentStepAnalysisRunStatus") or {}
    return run.get("status") == "Inconclusive"


def build_promote(body: JSON) -> Patches:
    """`promote NAME`: lift spec.paused, and resume a pause or skip the current canary step.

    As Argo's plugin: a canary past its last step sends its index again, and a blue-green
    Rollout that nothing pauses gets no patch at all (the command still says "promoted").
    """
    status = _status(body)
    spec_patch = {"spec": {"paused": False}} if (body.get("spec") or {}).get("paused") else None
    steps = _canary_steps(body)
    paused = bool(status.get("pauseConditions"))
    next_index = min(_step_index(status) + 1, len(steps or ()))
    status_patch: dict[str, Any] | None = None
    if steps and _inconclusive(status) and paused and status.get("controllerPause"):
        status_patch = {
            "status": {
                "pauseConditions": None,
                "controllerPause": False,
                "currentStepIndex": next_index,
            }
        }
    elif paused:
        status_patch = {"status": {"pauseConditions": None}}
    elif steps:
        status_patch = {"status": {"pauseConditions": None, "currentStepIndex": next_index}}
    return Patches(spec=spec_patch, status=status_patch)


def build_promote_full(body: JSON) -> Patches:
    """`promote NAME --full`: skip all steps, pauses and analysis to the new revision (no
    status patch once it is the stable one)."""
    status = _status(body)
    spec_patch = {"spec": {"paused": False}} if (body.get("spec") or {}).get("paused") else None
    promoted = status.get("currentPodHash") == status.get("stableRS")
    return Patches(spec=spec_patch, status=None if promoted else {"status": {"promoteFull": True}})


def build_abort() -> Patches:
    return Patches(status={"status": {"abort": True}})


def build_retry() -> Patches:
    return Patches(status={"status": {"abort": False}})


def build_pause() -> Patches:
    return Patches(spec={"spec": {"paused": True}})


def build_restart(now: datetime.datetime, delay_seconds: float = 0) -> Patches:
    """`restart NAME [--in D]`: spec.restartAt, RFC 3339 in UTC."""
    at = (now + datetime.timedelta(seconds=delay_seconds)).astimezone(datetime.UTC)
    return Patches(spec={"spec": {"restartAt": at.strftime("%Y-%m-%dT%H:%M:%SZ")}})


@dataclasses.dataclass(frozen=True)
class WorkloadRef:
    """spec.workloadRef: the object whose template the Rollout runs (Argo: a Deployment)."""

    kind: str
    name: str


def find_workload_ref(body: JSON) -> WorkloadRef | None:
    """The Rollout's spec.workloadRef; None when the Rollout carries its own template."""
    ref = (body.get("spec") or {}).get("workloadRef")
    if ref is None:
        return None
    name = ref.get("name") if isinstance(ref, Mapping) else None
    if not isinstance(name, str) or not name:
        raise IntentError(f"spec.workloadRef.name is not a string: {name}")
    return WorkloadRef(kind=str(ref.get("kind") or "Deployment"), name=name)


def parse_image_argument(argument: str) -> tuple[str, str]:
    """`CONTAINER=IMAGE` (`*=IMAGE` for every container)."""
    container, sep, image = argument.partition("=")
    if not sep or not container or not image or any(c.isspace() for c in argument):
        raise IntentError(f"invalid image argument {argument!r}: expected CONTAINER=IMAGE")
    return container, image


def build_set_image(body: JSON, container: str, image: str) -> dict[str, Any]:
    """The whole object (a Rollout, or the Deployment its workloadRef names) with the image
    changed, for an Update (as Argo's plugin sends)."""
    updated = copy.deepcopy(dict(body))
    pod_spec = ((updated.get("spec") or {}).get("template") or {}).get("spec") or {}
    changed = False
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for item in pod_spec.get(key) or ():
            if container in ("*", item.get("name")):
                item["image"] = image
                changed = True
    if not changed:
        raise IntentError(f'unable to find container named "{container}"')
    return updated


def _revision(rs: JSON) -> int:
    value = ((rs.get("metadata") or {}).get("annotations") or {}).get(REVISION, "")
    return int(value) if str(value).isdigit() else 0


def find_revision(replica_sets: Sequence[JSON], to_revision: int) -> JSON:
    """The ReplicaSet of that revision; 0 means the previous one (second-highest)."""
    by_revision = sorted(replica_sets, key=_revision, reverse=True)
    if to_revision == 0:
        if len(by_revision) < 2:
            raise IntentError("no rollout history found to undo to")
        return by_revision[1]
    for rs in by_revision:
        if _revision(rs) == to_revision:
            return rs
    raise IntentError(f"unable to find specified revision {to_revision} in history")


def build_undo(body: JSON, replica_sets: Sequence[JSON], to_revision: int) -> list[Any] | None:
    """A JSON patch replacing spec.template with that revision's; None when it already is.

    `body` is the object patched: the Rollout, or the workload its spec.workloadRef names.
    """
    target = find_revision(replica_sets, to_revision)
    template = _without_hash((target.get("spec") or {}).get("template") or {})
    current = (body.get("spec") or {}).get("template")
    if isinstance(current, Mapping) and _derives(_without_hash(current), template):
        return None
    return [{"op": "replace", "path": "/spec/template", "value": template}]


def _without_hash(template: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the pod template without the controller's hash label."""
    found = copy.deepcopy(dict(template))
    labels = dict((found.get("metadata") or {}).get("labels") or {})
    labels.pop(HASH_LABEL, None)
    found["metadata"] = {**(found.get("metadata") or {}), "labels": labels}
    return found


def _derives(current: Any, other: Any) -> bool:
    """Whether `other` is `current` with more set, as Argo compares templates (apimachinery's
    DeepDerivative): what `current` leaves unset or empty does not count, so a template the
    API server filled with defaults (the ReplicaSet's) still matches the one written."""
    if current is None:
        return True
    if isinstance(current, Mapping):
        if not isinstance(other, Mapping):
            return False
        return all(k in other and _derives(v, other[k]) for k, v in current.items())
    if isinstance(current, list):
        if not isinstance(other, list):
            return False
        return not current or (len(current) == len(other) and all(map(_derives, current, other)))
    if isinstance(current, str) and not current:
        return isinstance(other, str)
    return type(current) is type(other) and bool(current == other)


def undo_revision(replica_sets: Sequence[JSON], to_revision: int) -> int:
    return _revision(find_revision(replica_sets, to_revision))
