"""OpenAPI v3 documents: `/openapi/v3` and `/openapi/v3/<api|apis/group>/<version>` (pure).

kubectl reads them before it writes: `apply` and `create` look for the `fieldValidation`
parameter on each kind's PATCH operation to decide whether the server validates fields (it
does here, so kubectl sends `fieldValidation=Strict` instead of validating on its side), and
for the patch content types a kind accepts. Custom resources get their CRD's openAPIV3Schema
as a component, which `kubectl explain` shows. Built-in kinds carry no component schema:
kubectl then builds strategic merge patches from its own compiled-in types, which are exact.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from rollouts.devcluster import kinds

JSON = dict[str, Any]
_PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json")
_STRATEGIC = "application/strategic-merge-patch+json"


def group_version_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _served(registry: kinds.Registry) -> dict[str, list[tuple[kinds.ResourceType, str]]]:
    out: dict[str, list[tuple[kinds.ResourceType, str]]] = {}
    for rtype in registry.all():
        for version in rtype.versions:
            out.setdefault(group_version_path(rtype.group, version), []).append((rtype, version))
    return out


def index(registry: kinds.Registry) -> JSON:
    """The `/openapi/v3` root: one entry per group version, with a content hash."""
    paths = {}
    for path in sorted(_served(registry)):
        digest = hashlib.sha512(_encode(document(registry, path) or {})).hexdigest().upper()
        paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest[:128]}"}
    return {"paths": paths}


def _encode(doc: JSON) -> bytes:
    return json.dumps(doc, sort_keys=True).encode()


def document(registry: kinds.Registry, path: str) -> JSON | None:
    """The OpenAPI document of one group version, or None when it is not served."""
    served = _served(registry).get(path)
    if not served:
        return None
    paths: JSON = {}
    schemas: JSON = {}
    for rtype, version in served:
        paths.update(_paths(rtype, version))
        name, schema = _component(rtype, version)
        if schema is not None:
            schemas[name] = schema
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _component(rtype: kinds.ResourceType, version: str) -> tuple[str, JSON | None]:
    reversed_group = ".".join(reversed(rtype.group.split(".")))
    name = f"{reversed_group}.{version}.{rtype.kind}"
    schema = rtype.schemas.get(version)
    if rtype.builtin or not schema:
        return name, None
    gvk = {"group": rtype.group, "version": version, "kind": rtype.kind}
    return name, {**schema, "x-kubernetes-group-version-kind": [gvk]}


def _query(name: str) -> JSON:
    return {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}


def _operation(rtype: kinds.ResourceType, version: str, action: str) -> JSON:
    op: JSON = {
        "operationId": f"{action}{rtype.kind}",
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {
            "group": rtype.group,
            "version": version,
            "kind": rtype.kind,
        },
        "responses": {"200": {"description": "OK"}},
    }
    if action in ("post", "put", "patch"):
        op["parameters"] = [_query("dryRun"), _query("fieldManager"), _query("fieldValidation")]
    if action == "patch":
        types = (*_PATCH_TYPES, _STRATEGIC) if rtype.builtin else _PATCH_TYPES
        op["requestBody"] = {
            "content": {t: {"schema": {"type": "object"}} for t in types},
            "required": True,
        }
    return op


def _paths(rtype: kinds.ResourceType, version: str) -> JSON:
    base = "/" + group_version_path(rtype.group, version)
    if rtype.namespaced:
        base += "/namespaces/{namespace}"
    collection = f"{base}/{rtype.plural}"
    item = f"{collection}/{{name}}"
    paths: JSON = {
        collection: {
            action: _operation(rtype, version, action) for action in ("get", "post", "delete")
        },
        item: {
            action: _operation(rtype, version, action)
            for action in ("get", "put", "patch", "delete")
        },
    }
    for sub in rtype.subresources:
        actions = ("post",) if sub == "eviction" else ("get", "put", "patch")
        paths[f"{item}/{sub}"] = {action: _operation(rtype, version, action) for action in actions}
    return paths
