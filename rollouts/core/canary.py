"""plan_canary: one reconcile of a canary Rollout, decided purely.

Order within a pass (Argo Rollouts §2.1-2.10): create the new ReplicaSet if missing; compute
the weight; size the ReplicaSets; advance at most one step (never in a pass that scaled, so a
step completes on observed state); promote when all steps are done and the new ReplicaSet is
available; retire old ReplicaSets; point the Services; set the traffic weight.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from rollouts import model
from rollouts.core import actions, hashing, progress, replicas, rollout_analysis, steps
from rollouts.core.observed import (
    DESIRED_REPLICAS,
    EPHEMERAL_METADATA,
    HASH_LABEL,
    REVISION,
    REVISION_HISTORY,
    Observed,
    ReplicaSetState,
)
from rollouts.model import conditions

IMMEDIATELY = 0.0
MIN_WAIT = 0.001  # seconds; a timer due now comes back just after, when the pause has expired


@dataclasses.dataclass
class CanaryPass:
    """The working state of one planning pass (pure: no I/O)."""

    rollout: model.Rollout
    strategy: model.CanaryStrategy
    observed: Observed
    now: datetime.datetime
    progress: progress.Progress
    actions: list[actions.Action] = dataclasses.field(default_factory=list)
    requeue: list[float] = dataclasses.field(default_factory=list)
    created: ReplicaSetState | None = None
    scaled: bool = False
    restarted_at: str | None = None
    step_run: rollout_analysis.RunRecord | None = None
    background_run: rollout_analysis.RunRecord | None = None

    @property
    def replicas(self) -> int:
        return self.rollout.replicas

    @property
    def max_weight(self) -> int:
        return self.strategy.max_weight

    @property
    def routed(self) -> bool:
        return self.strategy.traffic_routing is not None

    @property
    def new_rs(self) -> ReplicaSetState | None:
        return self.created or self.observed.replica_set(self.progress.pod_hash)

    @property
    def stable_rs(self) -> ReplicaSetState | None:
        return self.observed.replica_set(self.progress.stable_hash)

    def others(self) -> list[ReplicaSetState]:
        keep = {self.progress.pod_hash, self.progress.stable_hash}
        return [rs for rs in self.observed.replica_sets if rs.pod_hash not in keep]

    def event(self, reason: str, message: str, kind: str = "Normal") -> None:
        self.progress.events.append(actions.Event(reason, message, kind))

    def after(self, seconds: float) -> None:
        self.requeue.append(max(seconds, 0.0))

    def start_abort(self, reason: str) -> None:
        """Abort the update from inside the controller (analysis failed, deadline passed)."""
        p = self.progress
        if p.abort:
            return
        p.abort, p.abort_reason = True, reason
        p.aborted_at = self.now.strftime("%Y-%m-%dT%H:%M:%SZ")
        p.pause_conditions, p.controller_pause = [], False
        p.index = 0 if p.index is not None else None
        new_rs = self.new_rs
        revision = new_rs.revision if new_rs else 0
        self.event(
            conditions.EVENT_ABORTED,
            f"Rollout aborted update to revision {revision}: {reason}",
            "Warning",
        )
        self.after(IMMEDIATELY)

    @property
    def halted(self) -> bool:
        """Nothing advances: a user pause or an inconclusive analysis."""
        return (
            self.rollout.spec.paused
            or self.progress.pause_condition(conditions.PAUSE_INCONCLUSIVE_ANALYSIS) is not None
        )


def _anti_affinity(
    rollout: model.Rollout, template: Mapping[str, Any], stable_hash: str
) -> dict[str, Any]:
    """The template's pod spec with the strategy's anti-affinity to the stable pods added."""
    rule = rollout.spec.strategy.anti_affinity
    spec = dict(template.get("spec") or {})
    affinity = dict(spec.get("affinity") or {})
    anti = dict(affinity.get("podAntiAffinity") or {})
    term: dict[str, Any] = {
        "labelSelector": {
            "matchExpressions": [{"key": HASH_LABEL, "operator": "In", "values": [stable_hash]}]
        },
        "namespaces": [rollout.namespace],
        "topologyKey": "kubernetes.io/hostname",
    }
    key, entry = "requiredDuringSchedulingIgnoredDuringExecution", term
    if rule is not None and rule.weight is not None:
        key = "preferredDuringSchedulingIgnoredDuringExecution"
        entry = {"weight": rule.weight, "podAffinityTerm": term}
    anti[key] = [*(anti.get(key) or ()), entry]
    affinity["podAntiAffinity"] = anti
    spec["affinity"] = affinity
    return spec


def build_replica_set(
    rollout: model.Rollout,
    *,
    pod_hash: str,
    revision: int,
    replicas: int,
    ephemeral: model.PodMetadata | None = None,
    stable_hash: str = "",
) -> dict[str, Any]:
    """The ReplicaSet for the Rollout's current template (Argo §2.1), its pods carrying the
    role's `ephemeral` metadata (§2.13) and, while a different stable set runs, the strategy's
    anti-affinity to its pods; the pod-template hash includes neither."""
    template = dict(rollout.spec.template)
    if rollout.spec.strategy.anti_affinity is not None and stable_hash not in ("", pod_hash):
        template["spec"] = _anti_affinity(rollout, template, stable_hash)
    meta = dict(template.get("metadata") or {})
    extra = ephemeral or model.PodMetadata()
    meta["labels"] = {**(meta.get("labels") or {}), **extra.labels, HASH_LABEL: pod_hash}
    if extra.annotations:
        meta["annotations"] = {**(meta.get("annotations") or {}), **extra.annotations}
    template["metadata"] = meta
    selector = dict(rollout.spec.selector)
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: pod_hash}
    skipped = {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        REVISION_HISTORY,
        DESIRED_REPLICAS,
        EPHEMERAL_METADATA,
    }
    annotations = {k: v for k, v in rollout.annotations.items() if k not in skipped}
    annotations.update({REVISION: str(revision), DESIRED_REPLICAS: str(rollout.replicas)})
    if ephemeral is not None:
        annotations[EPHEMERAL_METADATA] = recorded(ephemeral)
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": hashing.replica_set_name(rollout.name, pod_hash),
            "namespace": rollout.namespace,
            "labels": dict(meta["labels"]),
            "annotations": annotations,
            "ownerReferences": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Rollout",
                    "name": rollout.name,
                    "uid": rollout.uid,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": replicas,
            "minReadySeconds": rollout.spec.min_ready_seconds,
            "selector": selector,
            "template": template,
        },
    }


# ---------------------------------------------------------------- weights and sizes


def desired_weight(state: CanaryPass) -> int:
    """The canary weight this pass aims for (Argo §2.3)."""
    p = state.progress
    if p.promote_full or p.promoted or state.stable_rs is None:
        return state.max_weight
    if p.abort:
        return 0
    return steps.set_weight_at(state.strategy.steps, p.index, max_weight=state.max_weight)


def canary_target(state: CanaryPass, weight: int) -> int:
    """Pods the canary ReplicaSet should have while the update is in progress."""
    scale = None
    if not state.progress.abort and not state.progress.promote_full:
        scale = steps.canary_scale_at(state.strategy.steps, state.progress.index)
    return _sized(state, scale, weight)


def _sized(state: CanaryPass, scale: steps.CanaryScale | None, weight: int) -> int:
    if scale is not None and scale.replicas is not None:
        return min(scale.replicas, state.replicas)
    if scale is not None and scale.weight is not None:
        weight = scale.weight
    return replicas.compute_traffic_routed_canary_replicas(
        replicas=state.replicas,
        weight=weight,
        max_weight=state.max_weight,
        min_pods_per_replica_set=state.strategy.min_pods_per_replica_set,
    )


def _counts(rs: ReplicaSetState | None) -> replicas.ReplicaCounts:
    if rs is None:
        return replicas.ReplicaCounts(spec_replicas=0, available=0)
    return replicas.ReplicaCounts(spec_replicas=rs.spec_replicas, available=rs.available)


def compute_targets(state: CanaryPass, weight: int) -> dict[str, int]:
    """Desired spec.replicas per ReplicaSet name for this pass."""
    new_rs, stable_rs = state.new_rs, state.stable_rs
    targets: dict[str, int] = {}
    if new_rs is None:
        return targets
    if state.progress.promoted or stable_rs is None:
        targets[new_rs.name] = state.replicas
        if not state.routed:
            targets.update(_drain_others(state, new_rs))
        return targets
    if state.routed:
        targets[stable_rs.name] = state.replicas
        targets[new_rs.name] = _routed_canary_target(state, new_rs, weight)
        return targets
    others = state.others()
    plan = replicas.plan_basic_canary_scale(
        replicas=state.replicas,
        weight=weight,
        max_weight=state.max_weight,
        max_surge=state.strategy.max_surge,
        max_unavailable=state.strategy.max_unavailable,
        canary=_counts(new_rs),
        stable=_counts(stable_rs),
        others=[_counts(o) for o in others],
    )
    targets[new_rs.name] = plan.canary
    targets[stable_rs.name] = plan.stable
    targets.update({rs.name: size for rs, size in zip(others, plan.others, strict=True)})
    return targets


def _drain_others(state: CanaryPass, new_rs: ReplicaSetState) -> dict[str, int]:
    """Basic canary, fully promoted: older sets shed pods as availability allows (Argo §2.3)."""
    others = state.others()
    plan = replicas.plan_basic_canary_scale(
        replicas=state.replicas,
        weight=state.max_weight,
        max_weight=state.max_weight,
        max_surge=state.strategy.max_surge,
        max_unavailable=state.strategy.max_unavailable,
        canary=_counts(new_rs),
        stable=_counts(None),
        others=[_counts(o) for o in others],
    )
    return {rs.name: size for rs, size in zip(others, plan.others, strict=True)}


def _routed_canary_target(state: CanaryPass, new_rs: ReplicaSetState, weight: int) -> int:
    if not state.progress.abort:
        return canary_target(state, weight)
    delay = state.strategy.effective_abort_scale_down_delay
    if delay == 0:  # left running (Argo §2.7); an explicit setCanaryScale still sizes it
        scale = steps.canary_scale_at(state.strategy.steps, state.progress.index)
        return new_rs.spec_replicas if scale is None else _sized(state, scale, 0)
    deadline = new_rs.scale_down_deadline
    if deadline is not None and deadline <= state.now:
        return 0
    return new_rs.spec_replicas


def plan_scaling(state: CanaryPass, targets: Mapping[str, int]) -> None:
    """Scale each ReplicaSet to its target; a user pause freezes all scaling (Argo §2.6)."""
    if state.rollout.spec.paused:
        return
    for rs in state.observed.replica_sets:
        target = targets.get(rs.name)
        if target is None or target == rs.spec_replicas or rs.deleting:
            continue
        state.actions.append(
            actions.ScaleReplicaSet(
                name=rs.name,
                replicas=target,
                previous=rs.spec_replicas,
                revision=rs.revision,
                desired_replicas=state.replicas,
            )
        )
        state.scaled = True


def size_created(state: CanaryPass, targets: Mapping[str, int]) -> None:
    """A ReplicaSet made in this pass is created at its size: one write, not a create at 0
    and then a scale (Argo writes both)."""
    created = state.created
    if created is None or state.rollout.spec.paused:
        return
    size = targets.get(created.name, created.spec_replicas)
    if size == created.spec_replicas:
        return
    for i, action in enumerate(state.actions):
        if not isinstance(action, actions.CreateReplicaSet):
            continue
        body = {**action.body, "spec": {**action.body["spec"], "replicas": size}}
        scaled = actions.scaling_event(
            created.name, revision=created.revision, previous=created.spec_replicas, replicas=size
        )
        state.actions[i] = actions.CreateReplicaSet(body, (*action.events, scaled))
    state.created = dataclasses.replace(created, spec_replicas=size)
    state.scaled = True


def plan_old_replica_sets(state: CanaryPass) -> None:
    """Traffic-routed: old stable sets wait out scaleDownDelaySeconds; others go to 0.

    An intermediate set a Service still selects is kept until the Service moves (Argo §2.8).
    The new and stable sets lose a leftover deadline (we moved back to them, Argo §2.9).
    """
    _remove_stale_deadlines(state)
    if not state.routed:
        return
    for rs in state.others():
        if rs.spec_replicas == 0:
            if rs.scale_down_deadline is not None:
                state.actions.append(actions.SetScaleDownDeadline(rs.name, None))
            continue
        if _still_referenced(state, rs):
            continue
        if not state.progress.promoted:
            _scale_to_zero(state, rs)
            continue
        _delay_scale_down(state, rs, state.strategy.effective_scale_down_delay)


def _remove_stale_deadlines(state: CanaryPass) -> None:
    keep_new = state.progress.abort and state.strategy.effective_abort_scale_down_delay > 0
    current = [] if keep_new else [state.new_rs]
    for rs in {r.name: r for r in (*current, state.stable_rs) if r is not None}.values():
        if rs.scale_down_deadline is not None:
            state.actions.append(actions.SetScaleDownDeadline(rs.name, None))


def _still_referenced(state: CanaryPass, rs: ReplicaSetState) -> bool:
    return (
        any(
            svc is not None and svc.selector.get(HASH_LABEL) == rs.pod_hash
            for svc in state.observed.services.values()
        )
        and not state.progress.promoted
    )


def _scale_to_zero(state: CanaryPass, rs: ReplicaSetState) -> None:
    state.actions.append(
        actions.ScaleReplicaSet(
            name=rs.name,
            replicas=0,
            previous=rs.spec_replicas,
            revision=rs.revision,
            desired_replicas=state.replicas,
        )
    )
    state.scaled = True


def _delay_scale_down(state: CanaryPass, rs: ReplicaSetState, delay: int) -> None:
    if delay <= 0:
        _scale_to_zero(state, rs)
        return
    if rs.scale_down_deadline is None:
        deadline = state.now + datetime.timedelta(seconds=delay)
        state.actions.append(actions.SetScaleDownDeadline(rs.name, deadline))
        state.after(delay)
    elif rs.scale_down_deadline <= state.now:
        _scale_to_zero(state, rs)
    else:
        state.after((rs.scale_down_deadline - state.now).total_seconds())


def plan_abort_scale_down(state: CanaryPass) -> None:
    """Traffic-routed abort: once stable is back, the canary gets its scale-down deadline."""
    new_rs, stable_rs = state.new_rs, state.stable_rs
    if not (state.routed and state.progress.abort) or new_rs is None or stable_rs is None:
        return
    delay = state.strategy.effective_abort_scale_down_delay
    if delay == 0 or new_rs.spec_replicas == 0 or stable_rs.available < state.replicas:
        return
    if new_rs.scale_down_deadline is None:
        state.actions.append(
            actions.SetScaleDownDeadline(new_rs.name, state.now + datetime.timedelta(seconds=delay))
        )
        state.after(delay)
    elif new_rs.scale_down_deadline > state.now:
        state.after((new_rs.scale_down_deadline - state.now).total_seconds())


# ------------------------------------------------------------- ephemeral metadata


def role_metadata(state: CanaryPass, pod_hash: str) -> model.PodMetadata | None:
    """stableMetadata for the stable set, canaryMetadata for the new one while it is not
    stable yet, nothing for the others (Argo §2.13)."""
    if pod_hash == state.progress.stable_hash:
        return state.strategy.stable_metadata
    if pod_hash == state.progress.pod_hash:
        return state.strategy.canary_metadata
    return None


def plan_pod_metadata(state: CanaryPass) -> None:
    state.actions.extend(
        compute_pod_metadata(
            state.observed, lambda h: role_metadata(state, h), state.rollout.spec.template
        )
    )


def compute_pod_metadata(
    observed: Observed,
    role: Callable[[str], model.PodMetadata | None],
    template: Mapping[str, Any],
) -> list[actions.SetPodMetadata]:
    """Move each set's role metadata (by pod hash) to what its role is now: on its template
    and its pods."""
    template_meta = template.get("metadata") or {}
    found = []
    for rs in observed.replica_sets:
        if rs.deleting:
            continue
        had, want = rs.ephemeral or model.PodMetadata(), role(rs.pod_hash)
        if had == (want or model.PodMetadata()):
            continue
        found.append(
            actions.SetPodMetadata(
                name=rs.name,
                pod_hash=rs.pod_hash,
                labels=_moved(had.labels, want.labels if want else {}, template_meta.get("labels")),
                annotations=_moved(
                    had.annotations,
                    want.annotations if want else {},
                    template_meta.get("annotations"),
                ),
                record=recorded(want) if want else None,
            )
        )
    return found


def recorded(metadata: model.PodMetadata) -> str:
    """The ephemeral-metadata annotation's value: the metadata given, as JSON."""
    return json.dumps(metadata.to_json(), sort_keys=True)


def _moved(
    had: Mapping[str, str], want: Mapping[str, str], base: Mapping[str, str] | None
) -> dict[str, str | None]:
    """A merge patch from `had` to `want`; a key given up goes back to the template's value."""
    patch: dict[str, str | None] = {k: (base or {}).get(k) for k in had if k not in want}
    patch.update({k: v for k, v in want.items() if had.get(k) != v})
    return patch


# ------------------------------------------------------------- services and traffic


def _service_target_ready(rs: ReplicaSetState | None, *, adopting: bool) -> bool:
    if rs is None:
        return False
    if adopting:
        return rs.spec_replicas != 0 and rs.available >= rs.spec_replicas
    return rs.available > 0


def plan_services(state: CanaryPass) -> None:
    """stableService → stable set; canaryService → new set (stable while aborted)."""
    canary_hash = state.progress.stable_hash if state.progress.abort else state.progress.pod_hash
    wanted = (
        (state.strategy.stable_service, state.progress.stable_hash),
        (state.strategy.canary_service, canary_hash),
    )
    for name, pod_hash in wanted:
        if name is None:
            continue
        service = state.observed.services.get(name)
        if service is None or service.selector.get(HASH_LABEL) == pod_hash:
            continue
        adopting = service.managed_by != state.rollout.name
        target = state.observed.replica_set(pod_hash)
        if _service_target_ready(target, adopting=adopting) or state.progress.abort:
            state.actions.append(
                actions.SwitchService(
                    name=name,
                    pod_hash=pod_hash,
                    previous=service.selector.get(HASH_LABEL),
                    adopt=adopting,
                )
            )


def traffic_weight(state: CanaryPass) -> int:
    """The weight the router should carry now (Argo §2.4)."""
    p, new_rs, stable_rs = state.progress, state.new_rs, state.stable_rs
    current = state.observed.canary_weight or 0
    if p.promoted or p.abort or new_rs is None or new_rs.available == 0:
        return 0
    if p.promote_full:
        return current
    target = canary_target(state, desired_weight(state))
    at_size = new_rs.spec_replicas == target and new_rs.available >= target
    weight = (steps.set_weight_at if at_size else steps.set_weight_before)(
        state.strategy.steps, p.index, max_weight=state.max_weight
    )
    stable_available = stable_rs.available if stable_rs else 0
    needed = (state.max_weight - weight) * state.replicas // state.max_weight
    return weight if stable_available >= needed else current


def _ingress_waits(state: CanaryPass) -> bool:
    """The canary ingress is first written once the stable set serves."""
    stable_rs = state.stable_rs
    return state.observed.canary_weight is None and (
        stable_rs is None or stable_rs.available < min(stable_rs.spec_replicas, 1)
    )


def _traffic_moved_first(state: CanaryPass) -> bool:
    """At the end of the steps the router carries all traffic to the new pods before the stable
    Service is switched to them (Argo §2.15), so no request meets a half-moved pair."""
    if not state.routed or state.replicas == 0 or _ingress_waits(state):
        return True
    return state.observed.canary_weight == state.max_weight


def plan_traffic(state: CanaryPass) -> None:
    if not state.routed or _ingress_waits(state):
        return
    weight = traffic_weight(state)
    if weight != state.observed.canary_weight:
        state.actions.append(actions.SetCanaryWeight(weight, state.observed.canary_weight))


# ------------------------------------------------------------------------ steps


def at_step_target(state: CanaryPass, targets: Mapping[str, int]) -> bool:
    """A setWeight/setCanaryScale step is done when every set is at its size (Argo §2.5)."""
    new_rs, stable_rs = state.new_rs, state.stable_rs
    if new_rs is None or stable_rs is None:
        return False
    canary_want = targets.get(new_rs.name, new_rs.spec_replicas)
    stable_want = targets.get(stable_rs.name, stable_rs.spec_replicas)
    done = (
        new_rs.spec_replicas == canary_want
        and new_rs.available == canary_want
        and stable_rs.spec_replicas == stable_want == stable_rs.replicas
    )
    if not state.routed:
        done = done and all(rs.available == 0 for rs in state.others())
    return done


def plan_step(state: CanaryPass, targets: Mapping[str, int]) -> None:
    """Advance at most one step, pausing where a pause step says."""
    p = state.progress
    canary_steps = state.strategy.steps
    if p.promoted or p.abort or state.halted or p.index is None or p.index >= len(canary_steps):
        return
    step = canary_steps[p.index]
    if isinstance(step, model.AnalysisStep):
        if rollout_analysis.plan_step_analysis(state, step):
            _complete_step(state, step)
            _start_pause(state)
        return
    if isinstance(step, model.Pause):
        if _pause_done(state, step):
            _complete_step(state, step)
            _start_pause(state)
        return
    if not state.scaled and at_step_target(state, targets):
        _complete_step(state, step)
        _start_pause(state)


def _start_pause(state: CanaryPass) -> None:
    """A pause step right after a completed step starts in the same pass (one status write)."""
    p, canary_steps = state.progress, state.strategy.steps
    if p.index is not None and p.index < len(canary_steps):
        step = canary_steps[p.index]
        if isinstance(step, model.Pause) and _pause_done(state, step):
            _complete_step(state, step)


def _pause_done(state: CanaryPass, step: model.Pause) -> bool:
    p = state.progress
    condition = p.pause_condition(conditions.PAUSE_CANARY_STEP)
    if condition is None:
        if p.controller_pause:
            return True  # a user removed the pause condition: resumed
        p.pause_conditions.append(model.PauseCondition(conditions.PAUSE_CANARY_STEP, state.now))
        p.controller_pause = True
        state.event(conditions.EVENT_PAUSED, "Rollout is paused (CanaryPauseStep)")
        if step.duration is not None:
            state.after(step.duration)
        return False
    if step.duration is None:
        return False
    left = (condition.start_time - state.now).total_seconds() + step.duration
    if left < 0:  # strictly after the duration, as Argo's expiry check
        return True
    state.after(max(left, MIN_WAIT))
    return False


def _complete_step(state: CanaryPass, step: model.Step) -> None:
    p = state.progress
    assert p.index is not None
    p.pause_conditions = [c for c in p.pause_conditions if c.reason != conditions.PAUSE_CANARY_STEP]
    p.controller_pause = False
    p.index += 1
    total = len(state.strategy.steps)
    state.event(
        conditions.EVENT_STEP_COMPLETED,
        f"Rollout step {p.index}/{total} completed ({steps.describe(step)})",
    )
    state.after(IMMEDIATELY)


def plan_promotion(state: CanaryPass) -> None:
    """Make the new set stable once it is fully available and the steps are done."""
    p, new_rs = state.progress, state.new_rs
    if p.promoted or p.abort or new_rs is None or new_rs.available < state.replicas:
        return
    total = len(state.strategy.steps)
    if p.promote_full:
        reason = "Full promotion requested"
    elif p.index is None or p.index >= total:
        reason = f"Completed all {total} canary steps"
        if not _traffic_moved_first(state):
            return
    else:
        return
    p.stable_hash = p.pod_hash
    p.index = total if total else None
    p.pause_conditions, p.controller_pause, p.promote_full = [], False, False
    state.event(
        conditions.EVENT_COMPLETED,
        f"Rollout completed update to revision {new_rs.revision} ({p.pod_hash}): {reason}",
    )
    state.after(IMMEDIATELY)
    _resize_for_promotion(state)


def _resize_for_promotion(state: CanaryPass) -> None:
    """The sizes this pass planned were for the old stable set; re-plan them for the new one,
    so that the old set starts scaling down in the same pass that records the promotion."""
    state.actions[:] = [a for a in state.actions if not isinstance(a, actions.ScaleReplicaSet)]
    state.scaled = False
    plan_scaling(state, compute_targets(state, desired_weight(state)))


def plan_history(state: CanaryPass) -> None:
    """Delete idle old ReplicaSets beyond revisionHistoryLimit, oldest first."""
    idle = sorted(
        (rs for rs in state.others() if rs.spec_replicas == 0 and rs.replicas == 0),
        key=lambda rs: (rs.revision, rs.created),
    )
    extra = len(idle) - state.rollout.spec.revision_history_limit
    for rs in idle[: max(extra, 0)]:
        state.actions.append(actions.DeleteReplicaSet(rs.name))


def ceil_div(numerator: int, denominator: int) -> int:
    return math.ceil(numerator / denominator) if denominator else 0
