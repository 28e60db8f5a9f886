"""Discovery documents: what `/api`, `/apis` and `/apis/<group>/<version>` answer (pure).

Two forms, as a real apiserver serves them: the legacy lists (APIVersions, APIGroupList,
APIResourceList) that kopf and older clients read, and the aggregated `apidiscovery.k8s.io/v2`
APIGroupDiscoveryList that kubectl asks for first, which saves it one request per group.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rollouts.devcluster import kinds

JSON = dict[str, Any]
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_BETA = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"


def _versions(types: Iterable[kinds.ResourceType]) -> list[str]:
    """Versions of a group, preferred (storage of the first type) first."""
    ordered: list[str] = []
    for rtype in types:
        for version in rtype.versions:
            if version not in ordered:
                ordered.append(version)
    return ordered


def api_versions(address: str) -> JSON:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def group(name: str, types: list[kinds.ResourceType]) -> JSON:
    versions = [{"groupVersion": f"{name}/{v}", "version": v} for v in _versions(types)]
    return {"name": name, "versions": versions, "preferredVersion": versions[0]}


def group_list(registry: kinds.Registry) -> JSON:
    groups = [group(name, types) for name, types in registry.groups().items() if name]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def resource_list(registry: kinds.Registry, group_name: str, version: str) -> JSON | None:
    """The APIResourceList of one group version, or None when it is not served."""
    types = [t for t in registry.groups().get(group_name, []) if version in t.versions]
    if not types:
        return None
    resources: list[JSON] = []
    for rtype in types:
        resources.append(_resource(rtype))
        resources.extend(_subresource(rtype, sub) for sub in rtype.subresources)
    group_version = f"{group_name}/{version}" if group_name else version
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }


def _resource(rtype: kinds.ResourceType) -> JSON:
    entry: JSON = {
        "name": rtype.plural,
        "singularName": rtype.singular,
        "namespaced": rtype.namespaced,
        "kind": rtype.kind,
        "verbs": list(kinds.ALL_VERBS),
    }
    if rtype.short_names:
        entry["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        entry["categories"] = list(rtype.categories)
    return entry


# subresources served as another kind: (group, version, kind, verbs)
_SUBRESOURCE_KINDS = {
    "scale": ("autoscaling", "v1", "Scale", ["get", "patch", "update"]),
    "eviction": ("policy", "v1", "Eviction", ["create"]),
}


def _subresource(rtype: kinds.ResourceType, sub: str) -> JSON:
    group, version, kind, verbs = _SUBRESOURCE_KINDS.get(
        sub, ("", "", rtype.kind, ["get", "patch", "update"])
    )
    entry: JSON = {
        "name": f"{rtype.plural}/{sub}",
        "singularName": "",
        "namespaced": rtype.namespaced,
        "kind": kind,
        "verbs": verbs,
    }
    if group:
        entry.update(group=group, version=version)
    return entry


def aggregated(registry: kinds.Registry, *, legacy: bool) -> JSON:
    """The APIGroupDiscoveryList for `/api` (legacy=True) or `/apis`."""
    items = []
    for name, types in registry.groups().items():
        if bool(name) == legacy:
            continue
        versions = [
            _aggregated_version(v, [t for t in types if v in t.versions]) for v in _versions(types)
        ]
        items.append({"metadata": {"name": name, "creationTimestamp": None}, "versions": versions})
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    }


def _aggregated_version(version: str, types: list[kinds.ResourceType]) -> JSON:
    resources = []
    for rtype in types:
        entry: JSON = {
            "resource": rtype.plural,
            "singularResource": rtype.singular,
            "responseKind": {"group": rtype.group, "version": version, "kind": rtype.kind},
            "scope": "Namespaced" if rtype.namespaced else "Cluster",
            "verbs": list(kinds.ALL_VERBS),
        }
        if rtype.short_names:
            entry["shortNames"] = list(rtype.short_names)
        if rtype.categories:
            entry["categories"] = list(rtype.categories)
        subs = [_aggregated_subresource(rtype, version, sub) for sub in rtype.subresources]
        if subs:
            entry["subresources"] = subs
        resources.append(entry)
    return {"version": version, "resources": resources, "freshness": "Current"}


def _aggregated_subresource(rtype: kinds.ResourceType, version: str, sub: str) -> JSON:
    group, other_version, kind, verbs = _SUBRESOURCE_KINDS.get(
        sub, (rtype.group, version, rtype.kind, ["get", "patch", "update"])
    )
    return {
        "subresource": sub,
        "responseKind": {"group": group, "version": other_version, "kind": kind},
        "verbs": verbs,
    }
