"""The `scale` subresource: an autoscaling/v1 Scale view of a workload's replicas."""

from __future__ import annotations

from typing import Any

from rollouts.devcluster import apierrors, patching, routes, selectors, store

JSON = dict[str, Any]


def _read(obj: JSON, path: str | None) -> Any:
    value: Any = obj
    for part in (path or "").strip(".").split("."):
        if not part:
            continue
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _selector_string(obj: JSON, target: routes.Target) -> str:
    paths = target.rtype.scale
    assert paths is not None
    if target.rtype.builtin:
        raw = (obj.get("spec") or {}).get("selector") or {}
        return selectors.label_selector_from_object(raw).to_string()
    value = _read(obj, paths.label_selector)
    return value if isinstance(value, str) else ""


def scale_of(target: routes.Target, obj: JSON) -> JSON:
    """The Scale object for a workload (Deployment, ReplicaSet, or a CRD with scale)."""
    paths = target.rtype.scale
    assert paths is not None
    meta = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": _read(obj, paths.spec_replicas) or 0},
        "status": {
            "replicas": _read(obj, paths.status_replicas) or 0,
            "selector": _selector_string(obj, target),
        },
    }


def set_scale(
    target: routes.Target, objects: store.Store, body: Any, options: store.WriteOptions
) -> JSON:
    """Write a Scale's spec.replicas into its workload; returns the new Scale."""
    assert target.name is not None
    assert target.rtype.scale is not None
    replicas = ((body or {}).get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise apierrors.ApiError(
            422,
            "Invalid",
            f'Scale.autoscaling "{target.name}" is invalid: '
            f"spec.replicas: Invalid value: {replicas}: must be greater "
            "than or equal to 0",
        )
    current = objects.get(target.rtype, target.namespace, target.name)
    sent_rv = ((body or {}).get("metadata") or {}).get("resourceVersion")
    if sent_rv and sent_rv != current["metadata"]["resourceVersion"]:
        raise apierrors.conflict(target.rtype.plural, target.name, target.rtype.group)
    path = target.rtype.scale.spec_replicas.strip(".").split(".")
    patch: JSON = {}
    cursor = patch
    for part in path[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[path[-1]] = replicas
    updated = objects.patch(
        target.rtype,
        namespace=target.namespace,
        name=target.name,
        patch_type=store.MERGE_PATCH,
        patch=patch,
        options=options,
    )
    return scale_of(target, updated)


def patch_scale(
    target: routes.Target,
    objects: store.Store,
    patch_type: str,
    patch: Any,
    options: store.WriteOptions,
) -> JSON:
    """Apply a patch to the Scale view, then write it back."""
    assert target.name is not None
    current = scale_of(target, objects.get(target.rtype, target.namespace, target.name))
    try:
        if patch_type == store.JSON_PATCH:
            new = patching.json_patch(current, patch)
        elif patch_type in (store.MERGE_PATCH, store.STRATEGIC_PATCH):
            new = patching.merge_patch(current, patch)
        else:
            raise apierrors.unsupported_media_type(
                patch_type, [store.JSON_PATCH, store.MERGE_PATCH]
            )
    except patching.PatchError as exc:
        raise apierrors.ApiError(422, "Invalid", str(exc)) from exc
    return set_scale(target, objects, new, options)
