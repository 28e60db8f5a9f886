"""Builders for pure planner tests: a Rollout from a small manifest, observed ReplicaSets, and
`apply(plan, ...)`, a tiny model of the executor that makes created and scaled sets available.

Versions are image tags: `rs("v1", 5)` is the ReplicaSet of the template running `nginx:v1`, so
its name and hash are the ones the planner computes for that template.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import Mapping, Sequence
from typing import Any

from rollouts import model
from rollouts.core import actions, hashing, planner
from rollouts.core.observed import (
    EPHEMERAL_METADATA,
    HASH_LABEL,
    REVISION,
    Observed,
    ReplicaSetState,
    RunState,
    ServiceState,
)

T0 = datetime.datetime(2024, 1, 1, 12, 0, 0, tzinfo=datetime.UTC)
NAME = "web"
STABLE_SERVICE = "web-stable"
CANARY_SERVICE = "web-canary"
STABLE_INGRESS = "web"
NGINX: dict[str, Any] = {"nginx": {"stableIngress": STABLE_INGRESS}}


def stamp(when: datetime.datetime) -> str:
    return when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def later(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


def template(version: str = "v1") -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": NAME}},
        "spec": {"containers": [{"name": NAME, "image": f"nginx:{version}"}]},
    }


def pod_hash(version: str) -> str:
    return hashing.compute_pod_template_hash(template(version), None)


def rs_name(version: str) -> str:
    return hashing.replica_set_name(NAME, pod_hash(version))


def step_hash(steps: Sequence[Mapping[str, Any]] | None) -> str:
    return hashing.compute_step_hash(None if steps is None else list(steps))


def manifest(
    version: str = "v1",
    *,
    replicas: int | None = 5,
    steps: Sequence[Mapping[str, Any]] | None = None,
    routed: bool = False,
    traffic_routing: Mapping[str, Any] | None = None,
    canary: Mapping[str, Any] | None = None,
    spec: Mapping[str, Any] | None = None,
    status: Mapping[str, Any] | None = None,
    generation: int = 1,
) -> dict[str, Any]:
    """A canary Rollout manifest; `routed` adds nginx routing and the two Services."""
    strategy: dict[str, Any] = {}
    if steps is not None:
        strategy["steps"] = [dict(s) for s in steps]
    if routed or traffic_routing is not None:
        strategy.update(
            canaryService=CANARY_SERVICE,
            stableService=STABLE_SERVICE,
            trafficRouting=dict(traffic_routing or NGINX),
        )
    strategy.update(canary or {})
    body_spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": NAME}},
        "template": template(version),
        "strategy": {"canary": strategy},
    }
    if replicas is not None:
        body_spec["replicas"] = replicas
    body_spec.update(spec or {})
    body: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": NAME, "namespace": "default", "uid": "u-1", "generation": generation},
        "spec": body_spec,
    }
    if status is not None:
        body["status"] = dict(status)
    return body


def rollout(
    version: str = "v2",
    *,
    stable: str | None = None,
    index: int | None = None,
    status: Mapping[str, Any] | None = None,
    steps: Sequence[Mapping[str, Any]] | None = None,
    **options: Any,
) -> model.Rollout:
    """A parsed Rollout at `version`; `stable` fills the status of an update in progress.

    With `stable`, the status carries the stable hash, the current hashes (so nothing counts as
    a template or step change) and `index`; `status` entries are laid over it.
    """
    doc: dict[str, Any] = {}
    if stable is not None:
        doc = {
            "stableRS": pod_hash(stable),
            "currentPodHash": pod_hash(version),
            "currentStepHash": step_hash(steps),
            "currentStepIndex": index,
        }
    doc.update(status or {})
    return model.parse_rollout(manifest(version, steps=steps, status=doc or None, **options))


def rs(
    version: str,
    spec: int,
    *,
    available: int | None = None,
    replicas: int | None = None,
    revision: int = 1,
    deadline: datetime.datetime | None = None,
) -> ReplicaSetState:
    """The ReplicaSet of `version` at `spec` pods; all of them available unless told."""
    ready = spec if available is None else available
    return ReplicaSetState(
        name=rs_name(version),
        pod_hash=pod_hash(version),
        spec_replicas=spec,
        replicas=spec if replicas is None else replicas,
        ready=ready,
        available=ready,
        revision=revision,
        created=stamp(T0 + datetime.timedelta(minutes=revision)),
        scale_down_deadline=deadline,
        template=template(version),
    )


def service(name: str, version: str | None, *, managed: bool = True) -> ServiceState:
    selector = {"app": NAME}
    if version is not None:
        selector[HASH_LABEL] = pod_hash(version)
    return ServiceState(name=name, selector=selector, managed_by=NAME if managed else None)


def services(stable: str | None, canary: str | None) -> dict[str, ServiceState | None]:
    """The stable and canary Services, selecting the given versions (None: no hash yet)."""
    return {
        STABLE_SERVICE: service(STABLE_SERVICE, stable),
        CANARY_SERVICE: service(CANARY_SERVICE, canary),
    }


def observed(
    *replica_sets: ReplicaSetState,
    services: Mapping[str, ServiceState | None] | None = None,
    canary_weight: int | None = None,
) -> Observed:
    return Observed(
        replica_sets=tuple(replica_sets),
        services=dict(services or {}),
        stable_ingresses={STABLE_INGRESS: {}} if services else {},
        canary_weight=canary_weight,
    )


# ----------------------------------------------------------------------------- apply


def merge_patch(current: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """RFC 7386: what the executor's status merge patch leaves behind."""
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_patch(merged[key], value)
        else:
            merged[key] = value
    return merged


def _created(body: Mapping[str, Any]) -> ReplicaSetState:
    meta, spec = body["metadata"], body["spec"]
    size = int(spec["replicas"])
    return ReplicaSetState(
        name=meta["name"],
        pod_hash=meta["labels"][HASH_LABEL],
        spec_replicas=size,
        replicas=size,
        ready=size,
        available=size,
        revision=int(meta["annotations"][REVISION]),
        created=stamp(T0 + datetime.timedelta(minutes=int(meta["annotations"][REVISION]))),
        template=spec["template"],
        ephemeral=_recorded(meta["annotations"].get(EPHEMERAL_METADATA)),
    )


def _recorded(record: str | None) -> model.PodMetadata | None:
    return None if record is None else model.parse_pod_metadata(json.loads(record), "record")


def _settled(state: ReplicaSetState, size: int) -> ReplicaSetState:
    """At its new size, all available; at 0 without a scale-down deadline (the same write)."""
    deadline = state.scale_down_deadline if size else None
    return dataclasses.replace(
        state,
        spec_replicas=size,
        replicas=size,
        ready=size,
        available=size,
        scale_down_deadline=deadline,
    )


def _apply_action(
    action: actions.Action, sets: dict[str, ReplicaSetState], world: Observed
) -> Observed:
    if isinstance(action, actions.CreateReplicaSet):
        created = _created(action.body)
        sets[created.name] = created
    elif isinstance(action, actions.ScaleReplicaSet):
        sets[action.name] = _settled(sets[action.name], action.replicas)
    elif isinstance(action, actions.SetScaleDownDeadline):
        sets[action.name] = dataclasses.replace(
            sets[action.name], scale_down_deadline=action.deadline
        )
    elif isinstance(action, actions.SetPodMetadata):
        sets[action.name] = dataclasses.replace(
            sets[action.name], ephemeral=_recorded(action.record)
        )
    elif isinstance(action, actions.DeleteReplicaSet):
        sets.pop(action.name, None)
    elif isinstance(action, actions.SetReplicaSetRevision):
        sets[action.name] = dataclasses.replace(
            sets[action.name], revision=action.revision, revision_history=action.history
        )
    elif isinstance(action, actions.SwitchService):
        old = world.services.get(action.name)
        selector = {**(old.selector if old else {}), HASH_LABEL: action.pod_hash}
        switched = ServiceState(name=action.name, selector=selector, managed_by=NAME)
        world = dataclasses.replace(world, services={**world.services, action.name: switched})
    elif isinstance(action, actions.SetCanaryWeight):
        world = dataclasses.replace(world, canary_weight=action.weight)
    else:
        world = _apply_run_action(action, world)
    return world


def _apply_run_action(action: actions.Action, world: Observed) -> Observed:
    """Runs are created Pending; a terminated one ends Successful, as the run controller does."""
    runs = {run.name: run for run in world.analysis_runs}
    if isinstance(action, actions.CreateAnalysisRun):
        meta = action.body["metadata"]
        runs[meta["name"]] = RunState(
            meta["name"], model.AnalysisPhase.PENDING, pod_hash=meta["labels"][HASH_LABEL]
        )
    elif isinstance(action, actions.TerminateAnalysisRun):
        runs[action.name] = dataclasses.replace(
            runs[action.name], phase=model.AnalysisPhase.SUCCESSFUL, terminating=True
        )
    elif isinstance(action, actions.DeleteAnalysisRun):
        runs.pop(action.name, None)
    else:
        raise AssertionError(f"not modelled: {action}")
    return dataclasses.replace(world, analysis_runs=tuple(runs.values()))


def finish_run(
    world: Observed, name: str, phase: model.AnalysisPhase, message: str = ""
) -> Observed:
    """The run controller ended run `name` in `phase`."""
    runs = tuple(
        dataclasses.replace(run, phase=phase, message=message) if run.name == name else run
        for run in world.analysis_runs
    )
    return dataclasses.replace(world, analysis_runs=runs)


def apply(plan: actions.Plan, ro: model.Rollout, world: Observed) -> tuple[model.Rollout, Observed]:
    """The Rollout and the cluster after `plan` ran: every set settles at its new size."""
    sets = {state.name: state for state in world.replica_sets}
    for action in plan.actions:
        world = _apply_action(action, sets, world)
    world = dataclasses.replace(world, replica_sets=tuple(sets.values()))
    raw = merge_patch(ro.status.raw, plan.status)
    return dataclasses.replace(ro, status=model.parse_status(raw)), world


def settle(
    ro: model.Rollout, world: Observed, now: datetime.datetime = T0, *, passes: int = 40
) -> tuple[model.Rollout, Observed, actions.Plan]:
    """Plan and apply until a pass changes nothing (no actions, same status); the last plan.

    Time stands still: pauses wait and scale-down deadlines hold.
    """
    for _ in range(passes):
        plan = planner.plan_rollout(ro, world, now)
        after, world = apply(plan, ro, world)
        if not plan.actions and after.status.raw == ro.status.raw:
            return after, world, plan
        ro = after
    raise AssertionError(f"no quiet pass within {passes} passes; last plan: {plan}")
