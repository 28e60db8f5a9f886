"""What a request asks for: the resource, namespace, name and subresource in its path, and the
representation its Accept header wants (pure)."""

from __future__ import annotations

import dataclasses
import enum

from rollouts.devcluster import apierrors, kinds


@dataclasses.dataclass(frozen=True)
class Target:
    """A resource URL such as /apis/apps/v1/namespaces/default/deployments/web/scale."""

    rtype: kinds.ResourceType
    version: str
    namespace: str | None
    name: str | None
    subresource: str | None


class Representation(enum.Enum):
    JSON = "json"
    TABLE = "table"
    AGGREGATED_DISCOVERY = "aggregated"
    PARTIAL_METADATA = "metadata"


def parse_target(registry: kinds.Registry, path: str) -> Target:
    """Resolve a resource path, or raise the 404 a real apiserver gives."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 3:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 4:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise apierrors.page_not_found()
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] not in ("status", "finalize"):
        namespace, rest = rest[1], rest[2:]
    rtype = registry.lookup(group, version, rest[0])
    if rtype is None or len(rest) > 3:
        raise apierrors.page_not_found()
    name = rest[1] if len(rest) >= 2 else None
    subresource = rest[2] if len(rest) == 3 else None
    if subresource is not None and subresource not in (*rtype.subresources, "finalize"):
        raise apierrors.page_not_found()
    if namespace is not None and not rtype.namespaced:
        raise apierrors.page_not_found()
    return Target(rtype, version, namespace, name, subresource)


def _media_params(item: str) -> tuple[str, dict[str, str]]:
    media, *params = [p.strip() for p in item.split(";")]
    values = {}
    for param in params:
        key, _, value = param.partition("=")
        values[key.strip()] = value.strip()
    return media, values


def representation(accept: str) -> Representation:
    """The first representation in `accept` that we serve: Table, aggregated discovery, or
    plain JSON (protobuf is not served; clients that ask for it also accept JSON)."""
    for item in accept.split(","):
        media, params = _media_params(item)
        if media not in ("application/json", "*/*", "application/*"):
            continue
        shape = params.get("as")
        if shape == "Table" and params.get("g") == "meta.k8s.io":
            return Representation.TABLE
        if shape == "APIGroupDiscoveryList" and params.get("v") == "v2":
            return Representation.AGGREGATED_DISCOVERY
        if shape == "PartialObjectMetadata" and params.get("g") == "meta.k8s.io":
            return Representation.PARTIAL_METADATA
        if shape is None:
            return Representation.JSON
    return Representation.JSON
