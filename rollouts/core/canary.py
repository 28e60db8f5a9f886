"""The canary's ReplicaSets: which is which, the weight and sizes, and the older sets (Argo
§2.3, §2.8, §2.10), decided purely from a frozen CanaryView.

Every function takes what it needs and returns its part; core/planner.py orders and merges
them, and core/canary_traffic.py and core/canary_steps.py hold the Services, the traffic
weight and the steps.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping

from rollouts import model
from rollouts.core import actions, progress, replica_sets, replicas, rollout_analysis, steps
from rollouts.core.observed import HASH_LABEL, Observed, ReplicaSetState
from rollouts.core.parts import Part

IMMEDIATELY = 0.0
MIN_WAIT = 0.001  # seconds; a timer due now comes back just after, when the pause has expired


@dataclasses.dataclass(frozen=True)
class CanaryView:
    """What a canary pass decides from; `position` moves as the pass decides (a new view)."""

    rollout: model.Rollout
    strategy: model.CanaryStrategy
    observed: Observed
    now: datetime.datetime
    position: progress.Progress
    created: ReplicaSetState | None = None  # the new set, when this pass creates it
    step_run: rollout_analysis.RunRecord | None = None
    background_run: rollout_analysis.RunRecord | None = None

    def at(self, position: progress.Progress) -> CanaryView:
        return dataclasses.replace(self, position=position)

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
        return self.created or self.observed.replica_set(self.position.pod_hash)

    @property
    def stable_rs(self) -> ReplicaSetState | None:
        return self.observed.replica_set(self.position.stable_hash)

    def others(self) -> list[ReplicaSetState]:
        keep = {self.position.pod_hash, self.position.stable_hash}
        return [rs for rs in self.observed.replica_sets if rs.pod_hash not in keep]

    @property
    def halted(self) -> bool:
        """Nothing advances: a user pause or an inconclusive analysis."""
        inconclusive = self.position.pause_condition(model.conditions.PAUSE_INCONCLUSIVE_ANALYSIS)
        return self.rollout.spec.paused or inconclusive is not None


# ------------------------------------------------------------------------- the new set


# ---------------------------------------------------------------- weights and sizes


def desired_weight(view: CanaryView) -> int:
    """The canary weight this pass aims for (Argo §2.3)."""
    p = view.position
    if p.promote_full or p.promoted or view.stable_rs is None:
        return view.max_weight
    if p.abort:
        return 0
    return steps.set_weight_at(view.strategy.steps, p.index, max_weight=view.max_weight)


def canary_target(view: CanaryView, weight: int) -> int:
    """Pods the canary ReplicaSet should have while the update is in progress."""
    scale = None
    if not view.position.abort and not view.position.promote_full:
        scale = steps.canary_scale_at(view.strategy.steps, view.position.index)
    return _sized(view, scale, weight)


def _sized(view: CanaryView, scale: steps.CanaryScale | None, weight: int) -> int:
    if scale is not None and scale.replicas is not None:
        return min(scale.replicas, view.replicas)
    if scale is not None and scale.weight is not None:
        weight = scale.weight
    return replicas.compute_traffic_routed_canary_replicas(
        replicas=view.replicas,
        weight=weight,
        max_weight=view.max_weight,
        min_pods_per_replica_set=view.strategy.min_pods_per_replica_set,
    )


def _counts(rs: ReplicaSetState | None) -> replicas.ReplicaCounts:
    if rs is None:
        return replicas.ReplicaCounts(spec_replicas=0, available=0)
    return replicas.ReplicaCounts(spec_replicas=rs.spec_replicas, available=rs.available)


def compute_targets(view: CanaryView) -> dict[str, int]:
    """Desired spec.replicas per ReplicaSet name, for the view's position."""
    new_rs, stable_rs = view.new_rs, view.stable_rs
    if new_rs is None:
        return {}
    if view.position.promoted or stable_rs is None:
        targets = {new_rs.name: view.replicas}
        if not view.routed:
            targets.update(_drain_others(view, new_rs))
        return targets
    if view.routed:
        return {stable_rs.name: view.replicas, new_rs.name: _routed_canary_target(view, new_rs)}
    others = view.others()
    plan = replicas.plan_basic_canary_scale(
        replicas=view.replicas,
        weight=desired_weight(view),
        max_weight=view.max_weight,
        max_surge=view.strategy.max_surge,
        max_unavailable=view.strategy.max_unavailable,
        canary=_counts(new_rs),
        stable=_counts(stable_rs),
        others=[_counts(o) for o in others],
    )
    targets = {new_rs.name: plan.canary, stable_rs.name: plan.stable}
    targets.update({rs.name: size for rs, size in zip(others, plan.others, strict=True)})
    return targets


def _drain_others(view: CanaryView, new_rs: ReplicaSetState) -> dict[str, int]:
    """Basic canary, fully promoted: older sets shed pods as availability allows (Argo §2.3)."""
    others = view.others()
    plan = replicas.plan_basic_canary_scale(
        replicas=view.replicas,
        weight=view.max_weight,
        max_weight=view.max_weight,
        max_surge=view.strategy.max_surge,
        max_unavailable=view.strategy.max_unavailable,
        canary=_counts(new_rs),
        stable=_counts(None),
        others=[_counts(o) for o in others],
    )
    return {rs.name: size for rs, size in zip(others, plan.others, strict=True)}


def _routed_canary_target(view: CanaryView, new_rs: ReplicaSetState) -> int:
    if not view.position.abort:
        return canary_target(view, desired_weight(view))
    delay = view.strategy.effective_abort_scale_down_delay
    if delay == 0:  # left running (Argo §2.7); an explicit setCanaryScale still sizes it
        scale = steps.canary_scale_at(view.strategy.steps, view.position.index)
        return new_rs.spec_replicas if scale is None else _sized(view, scale, 0)
    deadline = new_rs.scale_down_deadline
    if deadline is not None and deadline <= view.now:
        return 0
    return new_rs.spec_replicas


def _scale(view: CanaryView, rs: ReplicaSetState, size: int) -> actions.ScaleReplicaSet:
    return actions.ScaleReplicaSet(rs.name, size, rs.spec_replicas, rs.revision, view.replicas)


def plan_scaling(view: CanaryView, targets: Mapping[str, int]) -> tuple[actions.Action, ...]:
    """Scale each existing set to its target; a user pause freezes all scaling (Argo §2.6)."""
    if view.rollout.spec.paused:
        return ()
    return tuple(
        _scale(view, rs, targets[rs.name])
        for rs in view.observed.replica_sets
        if rs.name in targets and targets[rs.name] != rs.spec_replicas and not rs.deleting
    )


def would_scale(view: CanaryView, targets: Mapping[str, int]) -> bool:
    """Some set, the one this pass creates included, is not at its target yet."""
    created = view.created
    grows = (
        created is not None
        and not view.rollout.spec.paused
        and targets.get(created.name, created.spec_replicas) != created.spec_replicas
    )
    return grows or bool(plan_scaling(view, targets))


def plan_create(view: CanaryView, size: int) -> actions.CreateReplicaSet:
    """Create the new set at `size`: one write, not a create at 0 and then a scale."""
    created = view.created
    assert created is not None
    p = view.position
    body = replica_sets.build_replica_set(
        view.rollout,
        pod_hash=p.pod_hash,
        revision=created.revision,
        replicas=size,
        ephemeral=created.ephemeral,
        stable_hash=p.stable_hash,
    )
    name, revision = created.name, created.revision
    announce = [
        actions.Event(
            model.conditions.EVENT_NEW_RS, f"Created ReplicaSet {name} (revision {revision})"
        )
    ]
    if not p.promoted:
        announce.append(
            actions.Event(
                model.conditions.EVENT_NOT_COMPLETED,
                f"Rollout not completed, started update to revision {revision} ({p.pod_hash})",
            )
        )
    if size != created.spec_replicas:  # grown past the size it was planned at
        previous = created.spec_replicas
        announce.append(
            actions.scaling_event(name, revision=revision, previous=previous, replicas=size)
        )
    return actions.CreateReplicaSet(body, tuple(announce))


# ----------------------------------------------------------------------- older sets


def plan_old_replica_sets(view: CanaryView) -> Part:
    """Traffic-routed: old stable sets wait out scaleDownDelaySeconds; others go to 0.

    An intermediate set a Service still selects is kept until the Service moves (Argo §2.8).
    The new and stable sets lose a leftover deadline (we moved back to them, Argo §2.9).
    """
    part = _remove_stale_deadlines(view)
    if not view.routed:
        return part
    for rs in view.others():
        if rs.spec_replicas == 0:
            if rs.scale_down_deadline is not None:
                part += Part((actions.SetScaleDownDeadline(rs.name, None),))
        elif _still_referenced(view, rs):
            continue
        elif not view.position.promoted:
            part += Part((_scale(view, rs, 0),))
        else:
            part += _delay_scale_down(view, rs, view.strategy.effective_scale_down_delay)
    return part


def _remove_stale_deadlines(view: CanaryView) -> Part:
    keep_new = view.position.abort and view.strategy.effective_abort_scale_down_delay > 0
    current = [] if keep_new else [view.new_rs]
    found = {r.name: r for r in (*current, view.stable_rs) if r is not None}
    return Part(
        tuple(
            actions.SetScaleDownDeadline(rs.name, None)
            for rs in found.values()
            if rs.scale_down_deadline is not None
        )
    )


def _still_referenced(view: CanaryView, rs: ReplicaSetState) -> bool:
    selected = any(
        svc is not None and svc.selector.get(HASH_LABEL) == rs.pod_hash
        for svc in view.observed.services.values()
    )
    return selected and not view.position.promoted


def _delay_scale_down(view: CanaryView, rs: ReplicaSetState, delay: int) -> Part:
    if delay <= 0:
        return Part((_scale(view, rs, 0),))
    if rs.scale_down_deadline is None:
        deadline = view.now + datetime.timedelta(seconds=delay)
        return Part((actions.SetScaleDownDeadline(rs.name, deadline),), requeue=(float(delay),))
    if rs.scale_down_deadline <= view.now:
        return Part((_scale(view, rs, 0),))
    return Part(requeue=((rs.scale_down_deadline - view.now).total_seconds(),))


def plan_abort_scale_down(view: CanaryView) -> Part:
    """Traffic-routed abort: once stable is back, the canary gets its scale-down deadline."""
    new_rs, stable_rs = view.new_rs, view.stable_rs
    if not (view.routed and view.position.abort) or new_rs is None or stable_rs is None:
        return Part()
    delay = view.strategy.effective_abort_scale_down_delay
    if delay == 0 or new_rs.spec_replicas == 0 or stable_rs.available < view.replicas:
        return Part()
    if new_rs.scale_down_deadline is None:
        deadline = view.now + datetime.timedelta(seconds=delay)
        return Part((actions.SetScaleDownDeadline(new_rs.name, deadline),), requeue=(float(delay),))
    if new_rs.scale_down_deadline > view.now:
        return Part(requeue=((new_rs.scale_down_deadline - view.now).total_seconds(),))
    return Part()


def plan_history(view: CanaryView) -> Part:
    """Delete idle old ReplicaSets beyond revisionHistoryLimit, oldest first."""
    idle = sorted(
        (rs for rs in view.others() if rs.spec_replicas == 0 and rs.replicas == 0),
        key=lambda rs: (rs.revision, rs.created),
    )
    extra = max(len(idle) - view.rollout.spec.revision_history_limit, 0)
    return Part(tuple(actions.DeleteReplicaSet(rs.name) for rs in idle[:extra]))


# ------------------------------------------------------------- ephemeral metadata


def role_metadata(view: CanaryView, pod_hash: str) -> model.PodMetadata | None:
    """stableMetadata for the stable set, canaryMetadata for the new one while it is not
    stable yet, nothing for the others (Argo §2.13)."""
    if pod_hash == view.position.stable_hash:
        return view.strategy.stable_metadata
    if pod_hash == view.position.pod_hash:
        return view.strategy.canary_metadata
    return None


def plan_pod_metadata(view: CanaryView) -> Part:
    found = replica_sets.compute_pod_metadata(
        view.observed, lambda h: role_metadata(view, h), view.rollout.spec.template
    )
    return Part(tuple(found))
