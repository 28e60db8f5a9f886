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
    return format_seconds(max(0, int((now - then).total_seconds())))


def format_seconds(seconds: int) -> str:
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if hours < 3:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if days < 2:
        return f"{hours}h"
    if days < 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    return f"{days}d"


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


def compute_pod_status(pod: JSON) -> str:
    """kubectl's STATUS column, in short: deleting, a waiting/terminated reason, or the phase."""
    if _meta(pod).get("deletionTimestamp"):
        return "Terminating"
    status = pod.get("status") or {}
    reason = str(status.get("reason") or status.get("phase") or "Unknown")
    for container in status.get("containerStatuses") or ():
        state = container.get("state") or {}
        waiting = (state.get("waiting") or {}).get("reason")
        terminated = (state.get("terminated") or {}).get("reason")
        if waiting or terminated:
            return str(waiting or terminated)
    return reason


def _pod_row(pod: JSON, now: datetime.datetime) -> Row:
    statuses = (pod.get("status") or {}).get("containerStatuses") or ()
    total = len(((pod.get("spec") or {}).get("containers")) or ()) or len(statuses)
    ready = sum(1 for c in statuses if c.get("ready"))
    restarts = sum(_int(c.get("restartCount")) for c in statuses)
    info = f"ready:{ready}/{total}" + (f",restarts:{restarts}" if restarts else "")
    meta = _meta(pod)
    age = format_age(meta.get("creationTimestamp"), now)
    return Row(str(meta.get("name", "")), "Pod", compute_pod_status(pod), age, info)


def compute_replica_set_status(rs: JSON) -> str:
    spec_replicas = _int((rs.get("spec") or {}).get("replicas"))
    status = rs.get("status") or {}
    if spec_replicas == 0:
        return "ScaledDown"
    observed = _int(status.get("observedGeneration"))
    if _int(status.get("availableReplicas")) < spec_replicas or observed < _int(
        _meta(rs).get("generation")
    ):
        return "Progressing"
    failed = any(c.get("type") == "ReplicaFailure" for c in status.get("conditions") or ())
    return "ReplicaFailure" if failed else "Healthy"


def _replica_set_info(rs: JSON, rollout_status: model.RolloutStatus, now: datetime.datetime) -> str:
    tags = _tags(_hash(rs), rollout_status)
    deadline = (_meta(rs).get("annotations") or {}).get(SCALE_DOWN_DEADLINE)
    if deadline:
        left = -1
        try:
            when = datetime.datetime.fromisoformat(str(deadline).replace("Z", "+00:00"))
            left = int((when - now).total_seconds())
        except ValueError:
            pass
        tags = (*tags, f"delay:{format_seconds(left)}" if left > 0 else "delay:passed")
    return ",".join(tags)


def _tags(pod_hash: str, status: model.RolloutStatus) -> tuple[str, ...]:
    if not pod_hash:
        return ()
    if pod_hash == status.stable_rs:
        return ("stable",)
    if pod_hash == status.current_pod_hash:
        return ("canary",)
    return ()


def _rs_view(
    rs: JSON, pods: Sequence[JSON], status: model.RolloutStatus, now: datetime.datetime
) -> ReplicaSetView:
    uid, pod_hash = _meta(rs).get("uid"), _hash(rs)
    mine = [
        p for p in pods if (uid and _owned_by(p, str(uid))) or (pod_hash and _hash(p) == pod_hash)
    ]
    mine.sort(key=lambda p: (str(_meta(p).get("creationTimestamp", "")), _meta(p).get("name", "")))
    return ReplicaSetView(
        name=str(_meta(rs).get("name", "")),
        status=compute_replica_set_status(rs),
        age=format_age(_meta(rs).get("creationTimestamp"), now),
        info=_replica_set_info(rs, status, now),
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
        status=str((run.get("status") or {}).get("phase") or "Pending"),
        age=format_age(meta.get("creationTimestamp"), now),
        info=format_run_counts(run),
    )


def _revisions(
    body: JSON,
    replica_sets: Sequence[JSON],
    pods: Sequence[JSON],
    runs: Sequence[JSON],
    now: datetime.datetime,
) -> tuple[RevisionView, ...]:
    status = model.parse_status(body.get("status"))
    numbers = sorted({_revision(o) for o in (*replica_sets, *runs)}, reverse=True)
    return tuple(
        RevisionView(
            revision=n,
            replica_sets=tuple(
                _rs_view(rs, pods, status, now) for rs in replica_sets if _revision(rs) == n
            ),
            analysis_runs=tuple(
                _run_row(r, now)
                for r in sorted(runs, key=lambda r: str(_meta(r).get("creationTimestamp", "")))
                if _revision(r) == n
            ),
        )
        for n in numbers
    )


def _images(replica_sets: Sequence[JSON], status: model.RolloutStatus) -> tuple[Any, ...]:
    tagged: dict[str, list[str]] = {}
    for rs in replica_sets:
        if _int((rs.get("spec") or {}).get("replicas")) <= 0:
            continue
        pod_spec = ((rs.get("spec") or {}).get("template") or {}).get("spec") or {}
        for container in pod_spec.get("containers") or ():
            tags = tagged.setdefault(str(container.get("image", "")), [])
            tags.extend(t for t in _tags(_hash(rs), status) if t not in tags)
    order = ("canary", "stable", "active", "preview", "ping", "pong")
    return tuple(
        (image, tuple(sorted(tags, key=order.index))) for image, tags in sorted(tagged.items())
    )


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
    return RolloutView(
        name=str(_meta(body).get("name", "")),
        namespace=str(_meta(body).get("namespace", "")),
        status=phase,
        message=message,
        strategy="Canary" if canary else "BlueGreen",
        age=format_age(_meta(body).get("creationTimestamp"), now),
        step=(f"{index}/{len(steps)}" if index is not None else "") if steps is not None else None,
        set_weight=str(compute_set_weight(body)) if canary else None,
        actual_weight=str(compute_actual_weight(body, owned)) if canary else None,
        images=_images(owned, status),
        replicas=_replicas(body),
        revisions=_revisions(body, owned, pods, own_runs, now),
    )
