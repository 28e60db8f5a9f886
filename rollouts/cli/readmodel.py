"""RolloutView: what `get rollout` and `list rollouts` show, built from raw JSON (pure).

The Rollout is read leniently (raw spec, model.parse_status), so an invalid Rollout still
shows. The client-side phase rules of §1.5 apply before status.phase/message.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from rollouts import model
from rollouts.cli import pods as pod_states
from rollouts.cli import roles

JSON = Mapping[str, Any]
HASH_LABEL = "rollouts-pod-template-hash"
REVISION = "rollout.argoproj.io/revision"
SCALE_DOWN_DEADLINE = "scale-down-deadline"


@dataclasses.dataclass(frozen=True)
class Row:
    """A pod or an AnalysisRun line of the tree."""

    name: str
    kind: str
    status: str
    age: str
    info: str = ""


@dataclasses.dataclass(frozen=True)
class ReplicaSetView:
    name: str
    status: str
    age: str
    info: str
    pods: tuple[Row, ...] = ()


@dataclasses.dataclass(frozen=True)
class RevisionView:
    revision: int
    replica_sets: tuple[ReplicaSetView, ...] = ()
    analysis_runs: tuple[Row, ...] = ()


@dataclasses.dataclass(frozen=True)
class Replicas:
    desired: int = 0
    current: int = 0
    updated: int = 0
    ready: int = 0
    available: int = 0


@dataclasses.dataclass(frozen=True)
class RolloutView:
    name: str
    namespace: str
    status: str
    message: str
    strategy: str
    age: str
    step: str | None = None  # "N/M" for a canary ("" when no index), None for blue-green
    set_weight: str | None = None
    actual_weight: str | None = None
    images: tuple[tuple[str, tuple[str, ...]], ...] = ()
    replicas: Replicas = Replicas()
    revisions: tuple[RevisionView, ...] = ()


def _meta(body: JSON) -> JSON:
    return body.get("metadata") or {}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def compute_client_phase(body: JSON) -> tuple[str, str]:
    """§1.5, client side: unobserved generation and a user resume come first."""
    status = body.get("status") or {}
    observed = str(status.get("observedGeneration") or "")
    generation = _int(_meta(body).get("generation"))
    if (observed.isdigit() and int(observed) < generation) or not observed:
        return "Progressing", "waiting for rollout spec update to be observed"
    if status.get("controllerPause") and not status.get("pauseConditions"):
        return "Progressing", "waiting for rollout to unpause"
    return str(status.get("phase") or "Progressing"), str(status.get("message") or "")


def format_age(created: Any, now: datetime.datetime) -> str:
    """kubectl's short human duration (`45s`, `3m20s`, `5h`, `7d`)."""
    try:
        then = datetime.datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    except ValueError:
        return ""
    if then.tzinfo is None:
        return ""
    return roles.format_seconds(int((now - then).total_seconds()))


def _steps(body: JSON) -> list[Any] | None:
    canary = ((body.get("spec") or {}).get("strategy") or {}).get("canary")
    return None if canary is None else list(canary.get("steps") or [])


def compute_set_weight(body: JSON) -> int:
    """Argo's GetCurrentSetWeight: 0 when aborted, 100 after the last step."""
    status = model.parse_status(body.get("status"))
    steps = _steps(body) or []
    if status.abort:
        return 0
    index = status.current_step_index or 0
    if index >= len(steps):
        return 100
    for step in reversed(steps[: index + 1]):
        if isinstance(step, Mapping) and isinstance(step.get("setWeight"), int):
            return int(step["setWeight"])
    return 0


def compute_actual_weight(body: JSON, replica_sets: Sequence[JSON]) -> int:
    status = model.parse_status(body.get("status"))
    steps = _steps(body) or []
    if not status.abort and (status.current_step_index or 0) >= len(steps):
        return 100
    canary = ((body.get("spec") or {}).get("strategy") or {}).get("canary") or {}
    if canary.get("trafficRouting"):
        weight = status.canary_weight
        return compute_set_weight(body) if weight is None else weight
    available = _int((body.get("status") or {}).get("availableReplicas"))
    canary_rs = [rs for rs in replica_sets if _hash(rs) == status.current_pod_hash]
    canary_available = sum(
        _int((rs.get("status") or {}).get("availableReplicas")) for rs in canary_rs
    )
    return canary_available * 100 // available if available else 0


def _hash(body: JSON) -> str:
    return str((_meta(body).get("labels") or {}).get(HASH_LABEL, ""))


def _revision(body: JSON) -> int:
    value = str((_meta(body).get("annotations") or {}).get(REVISION, ""))
    return int(value) if value.isdigit() else 0


def _owned_by(body: JSON, uid: str) -> bool:
    return any(ref.get("uid") == uid for ref in _meta(body).get("ownerReferences") or ())


def _pod_row(pod: JSON, now: datetime.datetime) -> Row:
    state = pod_states.compute_pod_state(pod)
    info = f"ready:{state.ready}" + (f",restarts:{state.restarts}" if state.restarts else "")
    meta = _meta(pod)
    age = format_age(meta.get("creationTimestamp"), now)
    return Row(str(meta.get("name", "")), "Pod", state.status, age, info)


def compute_replica_set_status(rs: JSON) -> str:
    """Argo's order: an unobserved generation, a ReplicaFailure, missing availability, then
    ScaledDown (spec 0) or Healthy."""
    spec_replicas = (rs.get("spec") or {}).get("replicas")
    status = rs.get("status") or {}
    if _int(_meta(rs).get("generation")) > _int(status.get("observedGeneration")):
        return "Progressing"
    if any(
        c.get("type") == "ReplicaFailure" and c.get("status") == "True"
        for c in status.get("conditions") or ()
    ):
        return "ReplicaFailure"
    if spec_replicas is not None and _int(status.get("availableReplicas")) < _int(spec_replicas):
        return "Progressing"
    return "ScaledDown" if spec_replicas is not None and _int(spec_replicas) == 0 else "Healthy"


def _replica_set_info(rs: JSON, body: JSON, now: datetime.datetime) -> str:
    """`stable`, `canary`/`active`/`preview`, `ping`/`pong`, then `delay:<left>`."""
    tags = list(roles.compute_roles(body, _hash(rs)))
    deadline = (_meta(rs).get("annotations") or {}).get(SCALE_DOWN_DEADLINE)
    if deadline:
        tags.append(f"delay:{roles.format_delay(deadline, now)}")
    return ",".join(tags)


def _rs_view(rs: JSON, pods: Sequence[JSON], body: JSON, now: datetime.datetime) -> ReplicaSetView:
    uid = str(_meta(rs).get("uid") or "")
    mine = [p for p in pods if uid and _owned_by(p, uid)]
    mine.sort(key=lambda p: (str(_meta(p).get("creationTimestamp", "")), _meta(p).get("name", "")))
    return ReplicaSetView(
        name=str(_meta(rs).get("name", "")),
        status=compute_replica_set_status(rs),
        age=format_age(_meta(rs).get("creationTimestamp"), now),
        info=_replica_set_info(rs, body, now),
        pods=tuple(_pod_row(p, now) for p in mine),
    )


def format_run_counts(run: JSON) -> str:
    """`✔ 3,✖ 1,? 0,⚠ 2` with only the non-zero parts (sums over the metric results)."""
    results = (run.get("status") or {}).get("metricResults") or ()
    parts = []
    for key, icon in (("successful", "✔"), ("failed", "✖"), ("inconclusive", "?"), ("error", "⚠")):
        total = sum(_int(r.get(key)) for r in results)
        if total:
            parts.append(f"{icon} {total}")
    return ",".join(parts)


def _run_row(run: JSON, now: datetime.datetime) -> Row:
    meta = _meta(run)
    return Row(
        name=str(meta.get("name", "")),
        kind="AnalysisRun",
        status=str((run.get("status") or {}).get("phase") or ""),
        age=format_age(meta.get("creationTimestamp"), now),
        info=format_run_counts(run),
    )


def _by_age(runs: Sequence[JSON]) -> list[JSON]:
    """Oldest first; of two made in the same second, the later name first (Argo's order)."""
    by_name = sorted(runs, key=lambda r: str(_meta(r).get("name", "")), reverse=True)
    return sorted(by_name, key=lambda r: str(_meta(r).get("creationTimestamp", "")))


def _revisions(
    body: JSON,
    replica_sets: Sequence[JSON],
    pods: Sequence[JSON],
    runs: Sequence[JSON],
    now: datetime.datetime,
) -> tuple[RevisionView, ...]:
    """Newest revision first; its sets by name, then its AnalysisRuns."""
    numbers = sorted({_revision(o) for o in (*replica_sets, *runs)}, reverse=True)
    by_name = sorted(replica_sets, key=lambda rs: str(_meta(rs).get("name", "")))
    by_age = _by_age(runs)
    return tuple(
        RevisionView(
            revision=n,
            replica_sets=tuple(
                _rs_view(rs, pods, body, now) for rs in by_name if _revision(rs) == n
            ),
            analysis_runs=tuple(_run_row(r, now) for r in by_age if _revision(r) == n),
        )
        for n in numbers
    )


def _containers(rs: JSON) -> Sequence[JSON]:
    return (((rs.get("spec") or {}).get("template") or {}).get("spec") or {}).get(
        "containers"
    ) or ()


def _images(replica_sets: Sequence[JSON], body: JSON) -> tuple[Any, ...]:
    """The images of every set with pods (status.replicas), tagged with that set's roles."""
    entries = [
        (str(container.get("image", "")), roles.compute_roles(body, _hash(rs)))
        for rs in replica_sets
        if _int((rs.get("status") or {}).get("replicas")) > 0
        for container in _containers(rs)
    ]
    return roles.merge_images(entries)


def _strategy(body: JSON) -> str:
    strategy = (body.get("spec") or {}).get("strategy") or {}
    if strategy.get("canary") is not None:
        return "Canary"
    return "BlueGreen" if strategy.get("blueGreen") is not None else ""


def _replicas(body: JSON) -> Replicas:
    spec, status = body.get("spec") or {}, body.get("status") or {}
    desired = spec.get("replicas")
    return Replicas(
        desired=1 if desired is None else _int(desired),
        current=_int(status.get("replicas")),
        updated=_int(status.get("updatedReplicas")),
        ready=_int(status.get("readyReplicas")),
        available=_int(status.get("availableReplicas")),
    )


def build_view(
    body: JSON,
    replica_sets: Sequence[JSON],
    pods: Sequence[JSON],
    runs: Sequence[JSON],
    now: datetime.datetime,
) -> RolloutView:
    """The read model of one Rollout and what it owns (ReplicaSets and runs by owner uid)."""
    uid = str(_meta(body).get("uid", ""))
    owned = [rs for rs in replica_sets if _owned_by(rs, uid)]
    own_runs = [r for r in runs if _owned_by(r, uid)]
    phase, message = compute_client_phase(body)
    status = model.parse_status(body.get("status"))
    steps = _steps(body)
    canary = steps is not None
    index = status.current_step_index
    step = f"{index}/{len(steps)}" if index is not None and steps else ""
    return RolloutView(
        name=str(_meta(body).get("name", "")),
        namespace=str(_meta(body).get("namespace", "")),
        status=phase,
        message=message,
        strategy=_strategy(body),
        age=format_age(_meta(body).get("creationTimestamp"), now),
        step=step if canary else None,
        set_weight=str(compute_set_weight(body)) if canary else None,
        actual_weight=str(compute_actual_weight(body, owned)) if canary else None,
        images=_images(owned, body),
        replicas=_replicas(body),
        revisions=_revisions(body, owned, pods, own_runs, now),
    )
