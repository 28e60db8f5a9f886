"""Revision numbers: the ReplicaSet that is current is always the newest revision (Argo §2.1).

Rules:
- a new ReplicaSet gets revision max(others) + 1;
- an existing one that becomes current again (a rollback, `undo`, a template changed back) is
  raised to max(others) + 1, and the number it had is appended to its
  `rollout.argoproj.io/revision-history` (a comma list), as a Deployment's ReplicaSets are;
- the Rollout itself carries the current revision in its `rollout.argoproj.io/revision`
  annotation, like a Deployment.
"""

from __future__ import annotations

import dataclasses

from rollouts import model
from rollouts.core import actions
from rollouts.core.observed import REVISION, Observed, ReplicaSetState


def next_revision(observed: Observed, *, besides: str = "") -> int:
    """One more than the newest ReplicaSet other than the one whose hash is `besides`."""
    return 1 + max(
        (rs.revision for rs in observed.replica_sets if rs.pod_hash != besides), default=0
    )


def plan_raise(
    observed: Observed, pod_hash: str
) -> tuple[Observed, actions.SetReplicaSetRevision | None]:
    """The current set raised to the newest revision if it is not: the world as the rest of
    the pass should see it, and the write that makes it so."""
    current = observed.replica_set(pod_hash)
    wanted = next_revision(observed, besides=pod_hash)
    if current is None or current.revision >= wanted:
        return observed, None
    history = ",".join(h for h in (current.revision_history, str(current.revision)) if h)
    raised = dataclasses.replace(current, revision=wanted, revision_history=history)
    sets = tuple(raised if rs.name == current.name else rs for rs in observed.replica_sets)
    action = actions.SetReplicaSetRevision(current.name, wanted, history)
    return dataclasses.replace(observed, replica_sets=sets), action


def rollout_annotations(rollout: model.Rollout, current: ReplicaSetState | None) -> dict[str, str]:
    """The Rollout's revision annotation to write, if it does not say so already."""
    if current is None or current.revision <= 0:
        return {}
    wanted = str(current.revision)
    return {} if rollout.annotations.get(REVISION) == wanted else {REVISION: wanted}
