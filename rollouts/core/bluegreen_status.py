"""What a blue-green pass records: status.blueGreen, the counts of the active set, and the
strategy's own words for Healthy, Available and what is still pending (Argo §1.4, §1.5).

The counts follow the active Service: ready and available pods are the active set's, because
that is what serves; `replicas` and `updatedReplicas` count every set and the new one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from rollouts import model
from rollouts.core import status
from rollouts.core.observed import HASH_LABEL, Observed
from rollouts.core.rollout_analysis import RunRecord

RUN_KEYS = ("prePromotionAnalysisRunStatus", "postPromotionAnalysisRunStatus")


@dataclasses.dataclass(frozen=True)
class BlueGreenStatus:
    """status.blueGreen: the hashes each Service selects, read back from the Services."""

    active_selector: str = ""
    preview_selector: str = ""
    scale_up_preview_check_point: bool = False
    pre_promotion: RunRecord | None = None
    post_promotion: RunRecord | None = None

    def to_json(self) -> dict[str, Any]:
        """As a merge patch: members that are empty are removed."""
        return {
            "activeSelector": self.active_selector or None,
            "previewSelector": self.preview_selector or None,
            "scaleUpPreviewCheckPoint": self.scale_up_preview_check_point or None,
            RUN_KEYS[0]: self.pre_promotion.to_json() if self.pre_promotion else None,
            RUN_KEYS[1]: self.post_promotion.to_json() if self.post_promotion else None,
        }


def _run(raw: Any) -> RunRecord | None:
    if not isinstance(raw, Mapping) or not raw.get("name"):
        return None
    return RunRecord(str(raw["name"]), str(raw.get("status", "")), str(raw.get("message", "")))


def read_blue_green(raw: Mapping[str, Any]) -> BlueGreenStatus:
    """status.blueGreen as last written (anything unreadable reads as absent)."""
    held = raw.get("blueGreen")
    section: Mapping[str, Any] = held if isinstance(held, Mapping) else {}
    return BlueGreenStatus(
        active_selector=str(section.get("activeSelector") or ""),
        preview_selector=str(section.get("previewSelector") or ""),
        scale_up_preview_check_point=section.get("scaleUpPreviewCheckPoint") is True,
        pre_promotion=_run(section.get(RUN_KEYS[0])),
        post_promotion=_run(section.get(RUN_KEYS[1])),
    )


def replica_counts(
    rollout: model.Rollout, observed: Observed, pod_hash: str, active_hash: str
) -> dict[str, int]:
    """Counts as Argo reports them for blue-green: ready/available of the active set."""
    new_rs = observed.replica_set(pod_hash)
    active = observed.replica_set(active_hash) if active_hash else None
    total = sum(rs.replicas for rs in observed.replica_sets)
    return {
        "replicas": total,
        "updatedReplicas": new_rs.replicas if new_rs else 0,
        "readyReplicas": active.ready if active else sum(rs.ready for rs in observed.replica_sets),
        "availableReplicas": active.available
        if active
        else sum(rs.available for rs in observed.replica_sets),
        "HPAReplicas": active.replicas if active else total,
    }


def selector(rollout: model.Rollout, active_hash: str) -> str:
    """The scale subresource's selector: the active set's, hash included, once there is one."""
    if not active_hash:
        return status.format_selector(rollout.spec.selector)
    labels = {**(rollout.spec.selector.get("matchLabels") or {}), HASH_LABEL: active_hash}
    return status.format_selector({**rollout.spec.selector, "matchLabels": labels})


def is_available(rollout: model.Rollout, observed: Observed, active_hash: str) -> bool:
    """Argo's blue-green availability: the active set is saturated."""
    active = observed.replica_set(active_hash) if active_hash else None
    wanted = rollout.replicas
    return active is not None and active.spec_replicas == active.available == wanted


def is_healthy(
    rollout: model.Rollout,
    counts: Mapping[str, int],
    *,
    pod_hash: str,
    selectors: BlueGreenStatus,
    paused: bool,
) -> bool:
    """Both Services on the current set, every replica updated and available, no pause."""
    strategy = rollout.blue_green
    wanted = rollout.replicas
    preview_done = (
        strategy is None
        or strategy.preview_service is None
        or selectors.preview_selector == pod_hash
    )
    return (
        not paused
        and counts["updatedReplicas"] == counts["availableReplicas"] == wanted
        and selectors.active_selector == pod_hash
        and preview_done
    )


def pending(
    *, pod_hash: str, stable_hash: str, active_hash: str, post: RunRecord | None, has_post: bool
) -> str | None:
    """What a blue-green Rollout waits for once its replicas are up (Argo §1.5 rule 8)."""
    if active_hash != pod_hash:
        return "active service cutover pending"
    if stable_hash != pod_hash:
        finished = post is not None and post.status in (
            str(phase) for phase in model.AnalysisPhase if phase.is_completed
        )
        if has_post and not finished:
            return "waiting for analysis to complete"
        return "waiting for post-promotion verification to complete"
    return None
