"""The blue-green decisions of one reconcile (Argo §2.14), merged by bluegreen_planner.py.

Order within a pass, each a function of one frozen View returning its part of the plan (the
sizes of step 3 are in bluegreen_sizes.py):
1. the new ReplicaSet is created if missing (then only the preview Service and the status
   follow in that pass);
2. the preview Service selects the new set at once, before its pods exist;
3. sizes: the stable set stays full, the new one runs at previewReplicaCount (or full) until
   the promotion, older ones go after scaleDownDelaySeconds within
   scaleDownDelayRevisionLimit; on abort the new set goes after abortScaleDownDelaySeconds;
4. the BlueGreenPause, when promotion is manual or timed, once the new set is ready and the
   pre-promotion analysis succeeded;
5. the active Service switches to the new set once it is saturated, the pause is over and
   pre-promotion analysis succeeded (straight away on the first deploy, a promote --full or a
   fast rollback); back to the stable set on abort;
6. pre- and post-promotion runs are followed; a failed one aborts, an inconclusive one pauses;
7. the new set becomes stable once the active Service serves it and the post-promotion run
   succeeded.
The last step merges the parts into one Plan and the status.
"""

from __future__ import annotations

import dataclasses
import datetime

from rollouts import model
from rollouts.core import actions, analysis_args, canary, progress, replica_sets, rollout_analysis
from rollouts.core.bluegreen_status import BlueGreenStatus
from rollouts.core.observed import HASH_LABEL, Observed, ReplicaSetState, ServiceState
from rollouts.core.parts import Part
from rollouts.core.rollout_analysis import RunFollowed, RunRecord
from rollouts.model import conditions as c

RunType = analysis_args.RunType


@dataclasses.dataclass(frozen=True)
class View:
    """Everything a blue-green pass decides from: the Rollout, the cluster, the moment."""

    rollout: model.Rollout
    strategy: model.BlueGreenStrategy
    observed: Observed
    now: datetime.datetime
    progress: progress.Progress  # the position after user intents; read, never written
    new_rs: ReplicaSetState | None
    recorded: BlueGreenStatus  # status.blueGreen as this update last wrote it

    @property
    def pod_hash(self) -> str:
        return self.progress.pod_hash

    @property
    def replicas(self) -> int:
        return self.rollout.replicas

    @property
    def stable_rs(self) -> ReplicaSetState | None:
        return self.observed.replica_set(self.progress.stable_hash)

    def service(self, name: str | None) -> ServiceState | None:
        return self.observed.services.get(name) if name else None

    def selected(self, name: str | None) -> str:
        found = self.service(name)
        return str(found.selector.get(HASH_LABEL, "")) if found else ""

    @property
    def halted(self) -> bool:
        """A user pause or an inconclusive run: neither Service moves (Argo §2.6)."""
        inconclusive = self.progress.pause_condition(c.PAUSE_INCONCLUSIVE_ANALYSIS)
        return self.rollout.spec.paused or inconclusive is not None

    @property
    def initial(self) -> bool:
        return not self.rollout.status.stable_rs


def new_set_size(view: View) -> int:
    """previewReplicaCount until the promotion is under way, then spec.replicas (Argo's
    NewRSNewReplicas)."""
    preview = view.strategy.preview_replica_count
    active = view.observed.replica_set(view.recorded.active_selector)
    p = view.progress
    if preview is None or active is None or active.pod_hash == view.pod_hash or p.promote_full:
        return view.replicas
    if view.rollout.status.current_pod_hash != view.pod_hash:
        return preview  # a new update
    resumed = not view.rollout.spec.paused and not p.pause_conditions
    if resumed and view.recorded.scale_up_preview_check_point:
        return view.replicas
    return preview


def ready_for_pause(view: View) -> bool:
    rs, size = view.new_rs, new_set_size(view)
    return rs is not None and rs.spec_replicas == size and rs.available == size


def saturated(view: View) -> bool:
    rs = view.new_rs
    return rs is not None and rs.spec_replicas == rs.available == view.replicas


def fast_rollback(view: View) -> bool:
    """Back to the stable set, or to an older set still up within its scale-down delay."""
    new_rs, stable_rs = view.new_rs, view.stable_rs
    if new_rs is None or stable_rs is None or view.progress.promoted:
        return False
    older = new_rs.created < stable_rs.created
    deadline = new_rs.scale_down_deadline
    return older and deadline is not None and deadline > view.now


def fast_tracked(view: View) -> bool:
    """No pause and no pre-promotion analysis: a rollback, promote --full, or a first switch."""
    active = view.selected(view.strategy.active_service)
    return (
        view.progress.promoted
        or fast_rollback(view)
        or view.progress.promote_full
        or not active
        or active == view.pod_hash
    )


# ----------------------------------------------------------------------------- creation


def plan_create(view: View) -> tuple[Part, ReplicaSetState]:
    """The new set, created at the size it should have (one write, not a create and a scale)."""
    p = view.progress
    revision = 1 + max((rs.revision for rs in view.observed.replica_sets), default=0)
    size = new_set_size(view)
    ephemeral = role_metadata(view, p.pod_hash)
    body = replica_sets.build_replica_set(
        view.rollout,
        pod_hash=p.pod_hash,
        revision=revision,
        replicas=size,
        ephemeral=ephemeral,
        stable_hash=p.stable_hash,
    )
    name = body["metadata"]["name"]
    announce = [actions.Event(c.EVENT_NEW_RS, f"Created ReplicaSet {name} (revision {revision})")]
    if size:
        announce.append(actions.scaling_event(name, revision=revision, previous=0, replicas=size))
    if not p.promoted:
        announce.append(
            actions.Event(
                c.EVENT_NOT_COMPLETED,
                f"Rollout not completed, started update to revision {revision} ({p.pod_hash})",
            )
        )
    created = ReplicaSetState(
        name=name, pod_hash=p.pod_hash, spec_replicas=size, revision=revision, ephemeral=ephemeral
    )
    return Part((actions.CreateReplicaSet(body, tuple(announce)),)), created


# ----------------------------------------------------------------------------- services


def switch_service(view: View, name: str, target: str) -> Part:
    service = view.service(name)
    if service is None or not target or service.selector.get(HASH_LABEL) == target:
        return Part()
    switch = actions.SwitchService(
        name=name,
        pod_hash=target,
        previous=service.selector.get(HASH_LABEL),
        adopt=service.managed_by != view.rollout.name,
    )
    return Part((switch,))


def plan_preview(view: View) -> Part:
    """The preview Service selects the new set from its creation on."""
    if view.strategy.preview_service is None or view.halted:
        return Part()
    return switch_service(view, view.strategy.preview_service, view.pod_hash)


def active_target(view: View, pause_over: bool, pre_done: bool) -> str:
    """The hash the active Service should select after this pass."""
    current = view.selected(view.strategy.active_service)
    stable = view.stable_rs
    if view.progress.abort:
        return stable.pod_hash if stable is not None and stable.available > 0 else current
    if view.halted or not (ready_for_pause(view) and saturated(view)):
        return current
    if fast_tracked(view) or (pause_over and pre_done):
        return view.pod_hash
    return current


# ------------------------------------------------------------------------------- pause


@dataclasses.dataclass(frozen=True)
class PauseStep:
    add: bool = False
    remove: bool = False
    requeue: tuple[float, ...] = ()


def pause_over(view: View, added: bool) -> bool:
    """The BlueGreenPause is behind us: resumed by a person, timed out, or never needed."""
    p = view.progress
    condition = p.pause_condition(c.PAUSE_BLUE_GREEN)
    if added:
        return False
    if view.recorded.scale_up_preview_check_point:
        return True
    if view.strategy.auto_promotion_enabled:
        seconds = view.strategy.auto_promotion_seconds
        if seconds == 0:
            return True
        if condition is None:
            return False
        return view.now > condition.start_time + datetime.timedelta(seconds=seconds)
    return p.controller_pause and condition is None


def plan_pause(view: View, pre_done: bool) -> PauseStep:
    """Hold the switch with a BlueGreenPause when promotion is manual or timed."""
    p = view.progress
    if p.abort or not ready_for_pause(view) or view.halted:
        return PauseStep()
    active = view.selected(view.strategy.active_service)
    if (
        fast_tracked(view)
        or active == view.pod_hash
        or view.recorded.scale_up_preview_check_point
        or not view.strategy.needs_controller_pause
    ):
        return PauseStep(remove=True)
    if not pre_done:
        return PauseStep()
    condition = p.pause_condition(c.PAUSE_BLUE_GREEN)
    if condition is not None:
        if pause_over(view, added=False):
            return PauseStep(remove=True)
        seconds = view.strategy.auto_promotion_seconds
        if view.strategy.auto_promotion_enabled and seconds > 0:
            due = condition.start_time + datetime.timedelta(seconds=seconds) - view.now
            return PauseStep(requeue=(max(due.total_seconds(), canary.MIN_WAIT),))
        return PauseStep()
    return PauseStep() if p.controller_pause else PauseStep(add=True)


# ---------------------------------------------------------------------------- analysis


@dataclasses.dataclass(frozen=True)
class Runs:
    pre: RunFollowed
    post: RunFollowed
    waited: frozenset[str] = frozenset()  # runs still waited on; other unfinished ones stop


def pre_done(view: View, record: RunRecord | None) -> bool:
    analysis = view.strategy.pre_promotion_analysis
    return analysis is None or (
        record is not None and record.status == str(model.AnalysisPhase.SUCCESSFUL)
    )


def _recorded_runs(view: View) -> tuple[RunRecord | None, RunRecord | None]:
    """The runs this update was waiting on, unless it restarted since (new revision, retry)."""
    old, p = view.rollout.status, view.progress
    if old.current_pod_hash != p.pod_hash or p.retried:
        return None, None
    return view.recorded.pre_promotion, view.recorded.post_promotion


def _scope(view: View) -> rollout_analysis.RunScope:
    new_rs = view.new_rs
    return rollout_analysis.scope_for(
        view.rollout,
        view.observed,
        view.progress,
        revision=new_rs.revision if new_rs else 0,
        waits_out_any_pause=False,  # the BlueGreenPause comes after the pre-promotion run
    )


def _skip_pre(view: View, record: RunRecord | None) -> bool:
    old, active = view.rollout.status, view.recorded.active_selector
    if old.stable_rs == view.pod_hash or active in ("", view.pod_hash):
        return True
    if record is not None:
        return False
    preview = view.strategy.preview_replica_count
    rs = view.new_rs
    if preview is not None:
        return rs is None or rs.spec_replicas != preview or rs.available != preview
    return not saturated(view)


def _skip_post(view: View, record: RunRecord | None) -> bool:
    old, active = view.rollout.status, view.recorded.active_selector
    if old.stable_rs == view.pod_hash or active != view.pod_hash:
        return True
    return record is None and not saturated(view)


def _follow(
    view: View,
    record: RunRecord | None,
    analysis: model.RolloutAnalysis | None,
    run_type: RunType,
    skip: bool,
) -> tuple[RunFollowed, bool]:
    """The run's outcome, and whether it is still waited on."""
    if analysis is None:
        return RunFollowed(None), False
    if skip:
        return RunFollowed(record), False
    return rollout_analysis.follow_run(_scope(view), record, analysis, run_type), True


def plan_runs(view: View) -> Runs:
    """Follow the pre- and post-promotion runs; all are stopped once promoted, aborted,
    fully promoted by hand, rolled back fast, or on the first deploy (their records stay)."""
    pre, post = _recorded_runs(view)
    p = view.progress
    if p.promoted or p.abort or p.promote_full or fast_rollback(view) or view.initial:
        return Runs(RunFollowed(pre), RunFollowed(post))
    s = view.strategy
    pre_run, pre_waited = _follow(
        view, pre, s.pre_promotion_analysis, RunType.PRE_PROMOTION, _skip_pre(view, pre)
    )
    post_run, post_waited = _follow(
        view, post, s.post_promotion_analysis, RunType.POST_PROMOTION, _skip_post(view, post)
    )
    waited = {
        f.record.name
        for f, still in ((pre_run, pre_waited), (post_run, post_waited))
        if still and f.record is not None
    }
    return Runs(pre_run, post_run, frozenset(waited))


# ----------------------------------------------------------------------- ephemeral metadata


def role_metadata(view: View, pod_hash: str) -> model.PodMetadata | None:
    """activeMetadata for the set the active Service selects (the stable one before it
    switches), previewMetadata for the new set until then (Argo §2.13)."""
    active = view.selected(view.strategy.active_service) or view.progress.stable_hash
    if pod_hash == active:
        return view.strategy.active_metadata
    if pod_hash == view.pod_hash:
        return view.strategy.preview_metadata
    return None


def plan_pod_metadata(view: View) -> Part:
    found = replica_sets.compute_pod_metadata(
        view.observed, lambda h: role_metadata(view, h), view.rollout.spec.template
    )
    return Part(tuple(found))


def promotion_reason(view: View, active_after: str, post: RunRecord | None) -> str | None:
    """Why the new set becomes stable in this pass, or None (Argo's shouldFullPromote)."""
    p = view.progress
    if p.promoted:
        return None
    if view.stable_rs is None or not active_after:
        return "Initial deploy"
    if active_after != view.pod_hash:
        return None
    if p.promote_full:
        return "Full promotion requested"
    if fast_rollback(view):
        return "Fast rollback"
    if p.abort:
        return None
    if view.strategy.post_promotion_analysis is not None and (
        post is None or post.status != str(model.AnalysisPhase.SUCCESSFUL)
    ):
        return None
    return "Completed blue-green update"
