"""spec.workloadRef: what a Rollout that takes its pod template from a Deployment records and
does beyond its strategy (Argo §1.1, §6.1).

Rules:
- the Rollout carries the Deployment's generation in its `rollout.argoproj.io/workload-generation`
  annotation and in `status.workloadObservedGeneration` once it has acted on it (Argo CD reads
  the pair: different means "Waiting for rollout spec update to be observed");
- `scaleDown: onsuccess` scales the Deployment to 0 once the Rollout's first revision is
  Healthy; `progressively` takes pods from it as the Rollout's become ready (spec.replicas
  minus the Rollout's ready pods), then 0 when Healthy; `never` leaves it alone. Only the first
  revision migrates a Deployment: later ones find it at 0.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rollouts import model
from rollouts.core import actions
from rollouts.core.observed import Observed

WORKLOAD_GENERATION = "rollout.argoproj.io/workload-generation"


def plan_workload_scale(
    rollout: model.Rollout, observed: Observed, pod_hash: str
) -> actions.ScaleWorkload | None:
    """The Deployment's new size, or None to leave it."""
    ref, workload = rollout.spec.workload_ref, rollout.workload
    if ref is None or workload is None or ref.scale_down is model.ScaleDown.NEVER:
        return None
    new_rs = observed.replica_set(pod_hash)
    if new_rs is None or new_rs.revision != 1:
        return None
    raw = rollout.status.raw
    if raw.get("phase") == "Healthy":
        target = 0
    elif ref.scale_down is model.ScaleDown.PROGRESSIVELY and rollout.spec.replicas is not None:
        ready = raw.get("readyReplicas")
        if not isinstance(ready, int) or ready <= 0:
            return None
        target = max(rollout.spec.replicas - ready, 0)
    else:
        return None
    if target == workload.replicas:
        return None
    return actions.ScaleWorkload(ref.name, target, workload.replicas)


def with_workload(rollout: model.Rollout, observed: Observed, plan: actions.Plan) -> actions.Plan:
    """The plan, with the workload's generation recorded and its scale-down planned."""
    workload = rollout.workload
    status: dict[str, Any] = dict(plan.status)
    annotations = dict(plan.annotations)
    if workload is None:
        status["workloadObservedGeneration"] = None
        if WORKLOAD_GENERATION in rollout.annotations:
            annotations[WORKLOAD_GENERATION] = None
        return dataclasses.replace(plan, status=status, annotations=annotations)
    generation = str(workload.generation)
    status["workloadObservedGeneration"] = generation
    if rollout.annotations.get(WORKLOAD_GENERATION) != generation:
        annotations[WORKLOAD_GENERATION] = generation
    scale = plan_workload_scale(rollout, observed, str(status.get("currentPodHash", "")))
    found = (*plan.actions, scale) if scale is not None else plan.actions
    return dataclasses.replace(plan, status=status, annotations=annotations, actions=found)
