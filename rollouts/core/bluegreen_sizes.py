"""A blue-green Rollout's ReplicaSet sizes (Argo §2.10, §2.14): the stable set full, the new one
at previewReplicaCount or full (held up after an abort for abortScaleDownDelaySeconds), older
ones after scaleDownDelaySeconds within scaleDownDelayRevisionLimit, idle ones beyond
revisionHistoryLimit deleted."""

from __future__ import annotations

import datetime

from rollouts.core import actions
from rollouts.core.bluegreen import View, new_set_size
from rollouts.core.observed import ReplicaSetState
from rollouts.core.parts import Part
from rollouts.model import conditions as c


def _scale(view: View, rs: ReplicaSetState, size: int) -> Part:
    if rs.spec_replicas == size or rs.deleting:
        return Part()
    scale = actions.ScaleReplicaSet(rs.name, size, rs.spec_replicas, rs.revision, view.replicas)
    return Part((scale,))


def _deadline(rs: ReplicaSetState, at: datetime.datetime | None) -> Part:
    if rs.scale_down_deadline == at:
        return Part()
    return Part((actions.SetScaleDownDeadline(rs.name, at),))


def _delaying_abort(view: View) -> bool:
    """An aborted update keeps the new set up for abortScaleDownDelaySeconds (0: for good)."""
    p = view.progress
    delay = view.strategy.effective_abort_scale_down_delay
    return p.abort and view.stable_rs is not None and not p.promoted and delay > 0


def plan_new_size(view: View) -> Part:
    rs = view.new_rs
    if rs is None:
        return Part()
    if not _delaying_abort(view):
        return _deadline(rs, None) + _scale(view, rs, new_set_size(view))
    deadline = rs.scale_down_deadline
    if deadline is not None:
        if deadline <= view.now:
            return _scale(view, rs, 0)
        return Part(requeue=((deadline - view.now).total_seconds(),))
    stable = view.stable_rs
    if rs.spec_replicas == 0 or stable is None or stable.available < view.replicas:
        return Part()  # the new set goes only once the stable one can carry everything
    delay = view.strategy.effective_abort_scale_down_delay
    return _deadline(rs, view.now + datetime.timedelta(seconds=delay)) + Part(requeue=(delay,))


def plan_stable_size(view: View) -> Part:
    stable = view.stable_rs
    if stable is None or stable.pod_hash == view.pod_hash:
        return Part()
    return _deadline(stable, None) + _scale(view, stable, view.replicas)


def _referenced(view: View, rs: ReplicaSetState) -> bool:
    old = view.rollout.status
    recorded = view.recorded
    live = (
        view.selected(view.strategy.active_service),
        view.selected(view.strategy.preview_service),
    )
    held = (
        old.stable_rs,
        old.current_pod_hash,
        recorded.active_selector,
        recorded.preview_selector,
    )
    return rs.pod_hash in (*held, *live)


def _older(view: View) -> list[ReplicaSetState]:
    keep = {view.pod_hash, view.progress.stable_hash}
    others = (rs for rs in view.observed.replica_sets if rs.pod_hash not in keep)
    return sorted(others, key=lambda rs: rs.revision, reverse=True)


def plan_older_sizes(view: View) -> Part:
    """Older sets wait out scaleDownDelaySeconds, at most scaleDownDelayRevisionLimit of them
    (newest first); the rest, and those past their deadline, go to 0 (Argo §2.10)."""
    if view.progress.pause_condition(c.PAUSE_INCONCLUSIVE_ANALYSIS) is not None:
        return Part()  # nothing is scaled down while a person decides
    limit = view.strategy.scale_down_delay_revision_limit
    delay = view.strategy.effective_scale_down_delay
    part, delayed = Part(), 0
    for rs in _older(view):
        if rs.deleting or _referenced(view, rs):
            continue
        if rs.spec_replicas == 0:
            part += _deadline(rs, None)
            continue
        within = limit is None or delayed < limit
        delayed += 1
        if not within or delay <= 0:
            part += _scale(view, rs, 0)
        elif rs.scale_down_deadline is None:
            at = view.now + datetime.timedelta(seconds=delay)
            part += _deadline(rs, at) + Part(requeue=(float(delay),))
        elif rs.scale_down_deadline <= view.now:
            part += _scale(view, rs, 0)
        else:
            part += Part(requeue=((rs.scale_down_deadline - view.now).total_seconds(),))
    return part


def plan_history(view: View) -> Part:
    """Idle older sets beyond revisionHistoryLimit are deleted, oldest first."""
    idle = sorted(
        (rs for rs in _older(view) if rs.spec_replicas == 0 and rs.replicas == 0),
        key=lambda rs: (rs.revision, rs.created),
    )
    extra = max(len(idle) - view.rollout.spec.revision_history_limit, 0)
    return Part(tuple(actions.DeleteReplicaSet(rs.name) for rs in idle[:extra]))
