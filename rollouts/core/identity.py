"""Which ReplicaSet is the Rollout's current one (Argo §2.1, its three lookup rules).

1. the set whose `rollouts-pod-template-hash` label is the template's hash;
2. (Argo's legacy Deployment-style hash: not produced by this controller, not looked for);
3. a set whose pod template, less what the controller put there (the hash label, the role's
   ephemeral metadata, the injected anti-affinity), is the Rollout's template once both carry
   the defaults the API server fills in.
Rule 3 is what makes `kubectl rollouts undo` reuse the old set: undo copies that set's
template, defaults included, into the Rollout, and its hash is then not the set's label.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from rollouts import model
from rollouts.core.observed import HASH_LABEL, Observed, ReplicaSetState

JSON = dict[str, Any]

# What the API server fills in when a pod template is stored (field: default), by object.
_POD_SPEC: dict[str, Any] = {
    "restartPolicy": "Always",
    "terminationGracePeriodSeconds": 30,
    "dnsPolicy": "ClusterFirst",
    "securityContext": {},
    "schedulerName": "default-scheduler",
}
_CONTAINER: dict[str, Any] = {
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "resources": {},
}
_PROBE = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def _pull_policy(image: str) -> str:
    tag = image.rsplit("/", 1)[-1]
    latest = "@" not in tag and (":" not in tag or tag.endswith(":latest"))
    return "Always" if latest else "IfNotPresent"


def _default_container(container: JSON) -> None:
    for key, value in _CONTAINER.items():
        container.setdefault(key, copy.deepcopy(value))
    container.setdefault("imagePullPolicy", _pull_policy(str(container.get("image", ""))))
    for port in container.get("ports") or ():
        port.setdefault("protocol", "TCP")
    for name in _PROBES:
        probe = container.get(name)
        if isinstance(probe, dict):
            for key, value in _PROBE.items():
                probe.setdefault(key, value)
            if isinstance(probe.get("httpGet"), dict):
                probe["httpGet"].setdefault("scheme", "HTTP")


def _with_defaults(template: Mapping[str, Any]) -> JSON:
    """The template as the API server stores it (the defaults our comparisons need)."""
    found: JSON = copy.deepcopy(dict(template))
    meta = found.setdefault("metadata", {})
    meta.pop("creationTimestamp", None)
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != HASH_LABEL}
    meta["labels"] = labels
    if not meta.get("annotations"):
        meta.pop("annotations", None)
    spec = found.setdefault("spec", {})
    spec.pop("serviceAccount", None)  # the deprecated alias of serviceAccountName
    for key, value in _POD_SPEC.items():
        spec.setdefault(key, copy.deepcopy(value))
    for container in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
        if isinstance(container, dict):
            _default_container(container)
    return found


def _without_injected(rs: ReplicaSetState) -> JSON:
    """The set's template less the role metadata and anti-affinity the controller added."""
    template: JSON = copy.deepcopy(dict(rs.template))
    meta = template.setdefault("metadata", {})
    extra = rs.ephemeral or model.PodMetadata()
    for part, keys in (("labels", extra.labels), ("annotations", extra.annotations)):
        kept = {k: v for k, v in (meta.get(part) or {}).items() if k not in keys}
        if kept or part in meta:
            meta[part] = kept
    spec = template.get("spec") or {}
    anti = (spec.get("affinity") or {}).get("podAntiAffinity")
    if isinstance(anti, dict):
        _drop_injected(spec, anti)
    return template


def _injected(term: Mapping[str, Any]) -> bool:
    selector = term.get("labelSelector") or {}
    return any(e.get("key") == HASH_LABEL for e in selector.get("matchExpressions") or ())


def _term(key: str, entry: Mapping[str, Any]) -> Mapping[str, Any]:
    """The pod affinity term of an entry (a preferred one wraps it with its weight)."""
    if key.startswith("preferred"):
        return entry.get("podAffinityTerm") or {}
    return entry


def _drop_injected(spec: JSON, anti: JSON) -> None:
    for key in (
        "preferredDuringSchedulingIgnoredDuringExecution",
        "requiredDuringSchedulingIgnoredDuringExecution",
    ):
        kept = [t for t in anti.get(key) or () if not _injected(_term(key, t))]
        if kept:
            anti[key] = kept
        else:
            anti.pop(key, None)
    affinity = spec["affinity"]
    if not anti:
        affinity.pop("podAntiAffinity")
    if not affinity:
        spec.pop("affinity")


def find_current(
    observed: Observed, template: Mapping[str, Any], pod_hash: str
) -> ReplicaSetState | None:
    """The Rollout's current set by Argo's rules: its hash, else an equivalent template."""
    by_hash = observed.replica_set(pod_hash)
    if by_hash is not None:
        return by_hash
    wanted = _with_defaults(template)
    for rs in sorted(observed.replica_sets, key=lambda r: r.revision, reverse=True):
        if rs.pod_hash and not rs.deleting and _with_defaults(_without_injected(rs)) == wanted:
            return rs
    return None


def current_hash(observed: Observed, template: Mapping[str, Any], pod_hash: str) -> str:
    """The hash the pass works with: the template's, or that of the set found equivalent."""
    found = find_current(observed, template, pod_hash)
    return found.pod_hash if found is not None else pod_hash
