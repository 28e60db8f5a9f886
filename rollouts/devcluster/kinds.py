"""The resource types devcluster serves: the built-in catalog and types made from CRDs.

A resource type is identified by (group, plural) whatever version a request names: like a real
apiserver, objects are stored once and served at every version of their group (custom resources
with the `None` conversion strategy only change `apiVersion`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclasses.dataclass(frozen=True)
class ScalePaths:
    """Where a type keeps its replica count and selector, for the `scale` subresource."""

    spec_replicas: str = ".spec.replicas"
    status_replicas: str = ".status.replicas"
    label_selector: str | None = ".status.selector"


@dataclasses.dataclass(frozen=True)
class ResourceType:
    """One kind of object the API serves, with the facts discovery and storage need."""

    group: str
    versions: tuple[str, ...]
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    status: bool = False
    scale: ScalePaths | None = None
    tracks_generation: bool = False
    builtin: bool = True
    # per version: the CRD's openAPIV3Schema and additionalPrinterColumns
    schemas: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    printer_columns: Mapping[str, tuple[dict[str, Any], ...]] = dataclasses.field(
        default_factory=dict
    )
    # subresources beyond status and scale (pods/eviction)
    extra_subresources: tuple[str, ...] = ()
    # for types that share storage with another (events.k8s.io/v1 Event ↔ core/v1 Event)
    stored_as: tuple[str, str] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.group, self.plural)

    @property
    def storage_key(self) -> tuple[str, str]:
        return self.stored_as or self.key

    @property
    def storage_version(self) -> str:
        return self.versions[0]

    def api_version(self, version: str | None = None) -> str:
        version = version or self.storage_version
        return f"{self.group}/{version}" if self.group else version

    @property
    def resource_name(self) -> str:
        """`deployments.apps` style, as used in error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def subresources(self) -> tuple[str, ...]:
        return (
            (("status",) if self.status else ())
            + (("scale",) if self.scale else ())
            + self.extra_subresources
        )


def _core(kind: str, plural: str, **kw: Any) -> ResourceType:
    return ResourceType(
        group="", versions=("v1",), kind=kind, plural=plural, singular=kind.lower(), **kw
    )


def _apps(kind: str, plural: str, **kw: Any) -> ResourceType:
    return ResourceType(
        group="apps", versions=("v1",), kind=kind, plural=plural, singular=kind.lower(), **kw
    )


def _typed(group: str, kind: str, plural: str, **kw: Any) -> ResourceType:
    return ResourceType(
        group=group, versions=("v1",), kind=kind, plural=plural, singular=kind.lower(), **kw
    )


_WORKLOAD = {"categories": ("all",), "status": True, "tracks_generation": True}

BUILTINS: tuple[ResourceType, ...] = (
    _core("Namespace", "namespaces", namespaced=False, short_names=("ns",), status=True),
    _core(
        "Pod",
        "pods",
        namespaced=True,
        short_names=("po",),
        categories=("all",),
        status=True,
        extra_subresources=("eviction",),
    ),
    _core(
        "Service",
        "services",
        namespaced=True,
        short_names=("svc",),
        categories=("all",),
        status=True,
    ),
    _core("Endpoints", "endpoints", namespaced=True, short_names=("ep",)),
    _core("ConfigMap", "configmaps", namespaced=True, short_names=("cm",)),
    _core("Secret", "secrets", namespaced=True),
    _core("ServiceAccount", "serviceaccounts", namespaced=True, short_names=("sa",)),
    _core("Event", "events", namespaced=True, short_names=("ev",)),
    _apps(
        "Deployment",
        "deployments",
        namespaced=True,
        short_names=("deploy",),
        scale=ScalePaths(),
        **_WORKLOAD,
    ),
    _apps(
        "ReplicaSet",
        "replicasets",
        namespaced=True,
        short_names=("rs",),
        scale=ScalePaths(),
        **_WORKLOAD,
    ),
    _typed("batch", "Job", "jobs", namespaced=True, **_WORKLOAD),
    _typed("batch", "CronJob", "cronjobs", namespaced=True, short_names=("cj",), **_WORKLOAD),
    _typed(
        "networking.k8s.io",
        "Ingress",
        "ingresses",
        namespaced=True,
        short_names=("ing",),
        status=True,
        tracks_generation=True,
    ),
    _typed("networking.k8s.io", "IngressClass", "ingressclasses", namespaced=False),
    _typed("coordination.k8s.io", "Lease", "leases", namespaced=True),
    _typed(
        "events.k8s.io",
        "Event",
        "events",
        namespaced=True,
        short_names=("ev",),
        stored_as=("", "events"),
    ),
    _typed(
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        namespaced=False,
        short_names=("crd", "crds"),
        status=True,
        tracks_generation=True,
        categories=("api-extensions",),
    ),
    _typed("rbac.authorization.k8s.io", "Role", "roles", namespaced=True),
    _typed("rbac.authorization.k8s.io", "RoleBinding", "rolebindings", namespaced=True),
    _typed("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", namespaced=False),
    _typed(
        "rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings", namespaced=False
    ),
)

# Preferred order of groups in discovery, as a real apiserver lists them.
GROUP_ORDER = (
    "",
    "apiregistration.k8s.io",
    "apps",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "flowcontrol.apiserver.k8s.io",
)


def from_crd(crd: Mapping[str, Any]) -> ResourceType:
    """The resource type a CustomResourceDefinition declares (its served versions only)."""
    spec = crd["spec"]
    names = spec["names"]
    served = [v for v in spec.get("versions", []) if v.get("served", True)]
    storage = [v["name"] for v in served if v.get("storage")]
    versions = tuple(storage + [v["name"] for v in served if v["name"] not in storage])
    subresources = _merged_subresources(served)
    scale = subresources.get("scale")
    return ResourceType(
        group=spec["group"],
        versions=versions,
        kind=names["kind"],
        plural=names["plural"],
        singular=names.get("singular") or names["kind"].lower(),
        namespaced=spec.get("scope", "Namespaced") == "Namespaced",
        short_names=tuple(names.get("shortNames") or ()),
        categories=tuple(names.get("categories") or ()),
        status="status" in subresources,
        scale=_scale_paths(scale) if scale is not None else None,
        tracks_generation=True,
        builtin=False,
        schemas={v["name"]: (v.get("schema") or {}).get("openAPIV3Schema") for v in served},
        printer_columns={v["name"]: tuple(v.get("additionalPrinterColumns") or ()) for v in served},
    )


def _merged_subresources(versions: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    # Subresources are per version in apiextensions/v1; a type we serve has one set.
    merged: dict[str, Any] = {}
    for version in versions:
        merged.update(version.get("subresources") or {})
    return merged


def _scale_paths(scale: Mapping[str, Any]) -> ScalePaths:
    return ScalePaths(
        spec_replicas=scale.get("specReplicasPath", ".spec.replicas"),
        status_replicas=scale.get("statusReplicasPath", ".status.replicas"),
        label_selector=scale.get("labelSelectorPath"),
    )


class Registry:
    """The types served now: the built-ins plus whatever CRDs are established."""

    def __init__(self, builtins: Iterable[ResourceType] = BUILTINS) -> None:
        self._builtins = {t.key: t for t in builtins}
        self._custom: dict[tuple[str, str], ResourceType] = {}

    def all(self) -> list[ResourceType]:
        return [*self._builtins.values(), *self._custom.values()]

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        found = self._builtins.get((group, plural)) or self._custom.get((group, plural))
        if found is None or version not in found.versions:
            return None
        return found

    def by_key(self, key: tuple[str, str]) -> ResourceType | None:
        return self._builtins.get(key) or self._custom.get(key)

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        for rtype in self.all():
            if rtype.group == group and rtype.kind == kind and version in rtype.versions:
                return rtype
        return None

    def register(self, rtype: ResourceType) -> None:
        self._custom[rtype.key] = rtype

    def unregister(self, key: tuple[str, str]) -> None:
        self._custom.pop(key, None)

    def groups(self) -> dict[str, list[ResourceType]]:
        """Types by group, groups in the order discovery lists them."""
        grouped: dict[str, list[ResourceType]] = {}
        for rtype in self.all():
            grouped.setdefault(rtype.group, []).append(rtype)
        known = [g for g in GROUP_ORDER if g in grouped]
        extra = sorted(g for g in grouped if g not in GROUP_ORDER)
        return {g: grouped[g] for g in known + extra}
