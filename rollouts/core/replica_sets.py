"""The ReplicaSets a Rollout owns, as the controller writes them: the body of a new one
(Argo §2.1), and the role metadata moved onto a set's template and pods (§2.13). Shared by both
strategies."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from rollouts import model
from rollouts.core import actions, hashing
from rollouts.core.observed import (
    DESIRED_REPLICAS,
    EPHEMERAL_METADATA,
    HASH_LABEL,
    REVISION,
    REVISION_HISTORY,
    Observed,
)


def _anti_affinity(
    rollout: model.Rollout, template: Mapping[str, Any], stable_hash: str
) -> dict[str, Any]:
    """The template's pod spec with the strategy's anti-affinity to the stable pods added."""
    rule = rollout.spec.strategy.anti_affinity
    spec = dict(template.get("spec") or {})
    affinity = dict(spec.get("affinity") or {})
    anti = dict(affinity.get("podAntiAffinity") or {})
    term: dict[str, Any] = {
        "labelSelector": {
            "matchExpressions": [{"key": HASH_LABEL, "operator": "In", "values": [stable_hash]}]
        },
        "namespaces": [rollout.namespace],
        "topologyKey": "kubernetes.io/hostname",
    }
    key, entry = "requiredDuringSchedulingIgnoredDuringExecution", term
    if rule is not None and rule.weight is not None:
        key = "preferredDuringSchedulingIgnoredDuringExecution"
        entry = {"weight": rule.weight, "podAffinityTerm": term}
    anti[key] = [*(anti.get(key) or ()), entry]
    affinity["podAntiAffinity"] = anti
    spec["affinity"] = affinity
    return spec


def build_replica_set(
    rollout: model.Rollout,
    *,
    pod_hash: str,
    revision: int,
    replicas: int,
    ephemeral: model.PodMetadata | None = None,
    stable_hash: str = "",
) -> dict[str, Any]:
    """The ReplicaSet for the Rollout's current template (Argo §2.1), its pods carrying the
    role's `ephemeral` metadata (§2.13) and, while a different stable set runs, the strategy's
    anti-affinity to its pods; the pod-template hash includes neither."""
    template = dict(rollout.spec.template)
    if rollout.spec.strategy.anti_affinity is not None and stable_hash not in ("", pod_hash):
        template["spec"] = _anti_affinity(rollout, template, stable_hash)
    meta = dict(template.get("metadata") or {})
    extra = ephemeral or model.PodMetadata()
    meta["labels"] = {**(meta.get("labels") or {}), **extra.labels, HASH_LABEL: pod_hash}
    if extra.annotations:
        meta["annotations"] = {**(meta.get("annotations") or {}), **extra.annotations}
    template["metadata"] = meta
    selector = dict(rollout.spec.selector)
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: pod_hash}
    skipped = {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        REVISION_HISTORY,
        DESIRED_REPLICAS,
        EPHEMERAL_METADATA,
    }
    annotations = {k: v for k, v in rollout.annotations.items() if k not in skipped}
    annotations.update({REVISION: str(revision), DESIRED_REPLICAS: str(rollout.replicas)})
    if ephemeral is not None:
        annotations[EPHEMERAL_METADATA] = recorded(ephemeral)
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": hashing.replica_set_name(rollout.name, pod_hash),
            "namespace": rollout.namespace,
            "labels": dict(meta["labels"]),
            "annotations": annotations,
            "ownerReferences": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Rollout",
                    "name": rollout.name,
                    "uid": rollout.uid,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": replicas,
            "minReadySeconds": rollout.spec.min_ready_seconds,
            "selector": selector,
            "template": template,
        },
    }


def compute_pod_metadata(
    observed: Observed,
    role: Callable[[str], model.PodMetadata | None],
    template: Mapping[str, Any],
) -> list[actions.SetPodMetadata]:
    """Move each set's role metadata (by pod hash) to what its role is now: on its template
    and its pods."""
    template_meta = template.get("metadata") or {}
    found = []
    for rs in observed.replica_sets:
        if rs.deleting:
            continue
        had, want = rs.ephemeral or model.PodMetadata(), role(rs.pod_hash)
        if had == (want or model.PodMetadata()):
            continue
        found.append(
            actions.SetPodMetadata(
                name=rs.name,
                pod_hash=rs.pod_hash,
                labels=_moved(had.labels, want.labels if want else {}, template_meta.get("labels")),
                annotations=_moved(
                    had.annotations,
                    want.annotations if want else {},
                    template_meta.get("annotations"),
                ),
                record=recorded(want) if want else None,
            )
        )
    return found


def recorded(metadata: model.PodMetadata) -> str:
    """The ephemeral-metadata annotation's value: the metadata given, as JSON."""
    return json.dumps(metadata.to_json(), sort_keys=True)


def _moved(
    had: Mapping[str, str], want: Mapping[str, str], base: Mapping[str, str] | None
) -> dict[str, str | None]:
    """A merge patch from `had` to `want`; a key given up goes back to the template's value."""
    patch: dict[str, str | None] = {k: (base or {}).get(k) for k in had if k not in want}
    patch.update({k: v for k, v in want.items() if had.get(k) != v})
    return patch
