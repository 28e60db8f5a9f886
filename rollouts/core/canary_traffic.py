"""Where a canary's traffic goes: the stable and canary Services' selectors and the router's
weight (Argo §2.4, §2.11, §2.15), decided from the pass's final CanaryView."""

from __future__ import annotations

from rollouts.core import actions, steps
from rollouts.core.canary import CanaryView, canary_target, desired_weight
from rollouts.core.observed import HASH_LABEL, ReplicaSetState
from rollouts.core.parts import Part


def _service_target_ready(rs: ReplicaSetState | None, *, adopting: bool) -> bool:
    if rs is None:
        return False
    if adopting:
        return rs.spec_replicas != 0 and rs.available >= rs.spec_replicas
    return rs.available > 0


def plan_services(view: CanaryView) -> Part:
    """stableService → stable set; canaryService → new set (stable while aborted)."""
    p = view.position
    canary_hash = p.stable_hash if p.abort else p.pod_hash
    wanted = (
        (view.strategy.stable_service, p.stable_hash),
        (view.strategy.canary_service, canary_hash),
    )
    found: list[actions.Action] = []
    for name, pod_hash in wanted:
        service = view.observed.services.get(name) if name else None
        if name is None or service is None or service.selector.get(HASH_LABEL) == pod_hash:
            continue
        adopting = service.managed_by != view.rollout.name
        target = view.observed.replica_set(pod_hash)
        if _service_target_ready(target, adopting=adopting) or p.abort:
            previous = service.selector.get(HASH_LABEL)
            found.append(actions.SwitchService(name, pod_hash, previous, adopt=adopting))
    return Part(tuple(found))


def traffic_weight(view: CanaryView) -> int:
    """The weight the router should carry now (Argo §2.4)."""
    p, new_rs, stable_rs = view.position, view.new_rs, view.stable_rs
    current = view.observed.canary_weight or 0
    if p.promoted or p.abort or new_rs is None or new_rs.available == 0:
        return 0
    if p.promote_full:
        return current
    target = canary_target(view, desired_weight(view))
    at_size = new_rs.spec_replicas == target and new_rs.available >= target
    weight = (steps.set_weight_at if at_size else steps.set_weight_before)(
        view.strategy.steps, p.index, max_weight=view.max_weight
    )
    stable_available = stable_rs.available if stable_rs else 0
    needed = (view.max_weight - weight) * view.replicas // view.max_weight
    return weight if stable_available >= needed else current


def ingress_waits(view: CanaryView) -> bool:
    """The canary ingress is first written once the stable set serves."""
    stable_rs = view.stable_rs
    return view.observed.canary_weight is None and (
        stable_rs is None or stable_rs.available < min(stable_rs.spec_replicas, 1)
    )


def traffic_moved_first(view: CanaryView) -> bool:
    """At the end of the steps the router carries all traffic to the new pods before the stable
    Service is switched to them (Argo §2.15), so no request meets a half-moved pair."""
    if not view.routed or view.replicas == 0 or ingress_waits(view):
        return True
    return view.observed.canary_weight == view.max_weight


def plan_traffic(view: CanaryView) -> Part:
    if not view.routed or ingress_waits(view):
        return Part()
    weight = traffic_weight(view)
    if weight == view.observed.canary_weight:
        return Part()
    return Part((actions.SetCanaryWeight(weight, view.observed.canary_weight),))
