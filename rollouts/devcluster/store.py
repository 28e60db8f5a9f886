"""The object store behind devcluster: every verb of the Kubernetes API, in process.

It keeps objects per resource type, one global `resourceVersion` counter, a bounded history of
changes per type for watches that resume from a version, and indexes of owner references and
uids for garbage collection. The HTTP server is a thin layer over it, and scenario tests can
drive it directly without HTTP.

Stored objects are never mutated in place: every write stores a new dict. Watch events and
history can therefore hold references, and callers get copies.

The store is not thread-safe: use it from one thread (the server's event loop).
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import datetime
import itertools
import random
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from rollouts.devcluster import (
    apierrors,
    checks,
    conversion,
    defaults,
    fielderrors,
    kinds,
    lifecycle,
    names,
    patching,
    schemas,
    selectors,
)

JSON = dict[str, Any]
Objects = list[JSON]
ObjectKey = tuple[str | None, str]  # (namespace, name)
CRD_KEY = ("apiextensions.k8s.io", "customresourcedefinitions")
NAMESPACES_KEY = ("", "namespaces")
PODS_KEY = ("", "pods")
JOBS_KEY = ("batch", "jobs")
JOB_ORPHAN_WARNING = (
    "child pods are preserved by default when jobs are deleted; set "
    "propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress "
    "this warning"
)

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"


@dataclasses.dataclass(frozen=True)
class Change:
    """One write, as watches see it. `previous` lets a watch with a selector tell an object
    that stopped matching (it gets DELETED) from one that started (ADDED)."""

    type: str  # ADDED | MODIFIED | DELETED
    key: tuple[str, str]
    object: JSON
    previous: JSON | None
    resource_version: int


Listener = Callable[[Change], None]
Dependents = list[tuple[tuple[str, str], JSON]]
Changes = list[Change]
Errors = list[fielderrors.FieldError]


@dataclasses.dataclass
class WriteOptions:
    """Per-request knobs of a write."""

    dry_run: bool = False
    field_validation: str = "Strict"  # Strict | Warn | Ignore, as the query parameter
    warnings: list[str] = dataclasses.field(default_factory=list)


class Store:
    """All objects of the cluster and the API verbs over them."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime.datetime] | None = None,
        history: int = 10_000,
        seed: int | None = None,
        registry: kinds.Registry | None = None,
    ) -> None:
        self.registry = registry or kinds.Registry()
        self.clock = clock or (lambda: datetime.datetime.now(datetime.UTC))
        self._rv = itertools.count(1)
        self.resource_version = 0
        self._objects: dict[tuple[str, str], dict[ObjectKey, JSON]] = collections.defaultdict(dict)
        self._history: dict[tuple[str, str], collections.deque[Change]] = {}
        self._history_size = history
        self._forgotten: dict[tuple[str, str], int] = collections.defaultdict(int)
        self._listeners: dict[tuple[str, str] | None, list[Listener]] = collections.defaultdict(
            list
        )
        self._by_uid: dict[str, tuple[tuple[str, str], ObjectKey]] = {}
        self._dependents: dict[str, set[tuple[tuple[str, str], ObjectKey]]] = (
            collections.defaultdict(set)
        )
        self.rng = random.Random(seed)
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.create(self.registry.by_key(NAMESPACES_KEY), {"metadata": {"name": ns}})  # type: ignore[arg-type]

    # ------------------------------------------------------------------ reads

    def get(self, rtype: kinds.ResourceType, namespace: str | None, name: str) -> JSON:
        """A copy of one object as seen at the type's storage version."""
        return copy.deepcopy(self._stored(rtype, namespace, name))

    def peek(self, rtype: kinds.ResourceType, namespace: str | None, name: str) -> JSON | None:
        """The stored object itself (do not mutate), or None."""
        return self._objects[rtype.storage_key].get((self._ns(rtype, namespace), name))

    def list(
        self,
        rtype: kinds.ResourceType,
        namespace: str | None = None,
        *,
        label_selector: selectors.LabelSelector | None = None,
        field_selector: selectors.FieldSelector | None = None,
    ) -> Objects:
        """Stored objects (do not mutate) in key order, filtered; namespace None is all."""
        table = self._objects[rtype.storage_key]
        found = []
        for (ns, _), obj in sorted(table.items(), key=lambda item: (item[0][0] or "", item[0][1])):
            if namespace is not None and rtype.namespaced and ns != namespace:
                continue
            if label_selector is not None and not label_selector.matches(
                obj["metadata"].get("labels")
            ):
                continue
            if field_selector is not None and not field_selector.matches(obj):
                continue
            found.append(obj)
        return found

    def by_uid(self, uid: str) -> JSON | None:
        where = self._by_uid.get(uid)
        return None if where is None else self._objects[where[0]].get(where[1])

    def dependents(self, uid: str) -> Dependents:
        """Objects whose ownerReferences name `uid`, with their storage keys."""
        out = []
        for key, objkey in sorted(self._dependents.get(uid, ()), key=str):
            obj = self._objects[key].get(objkey)
            if obj is not None:
                out.append((key, obj))
        return out

    # ----------------------------------------------------------------- writes

    def create(
        self,
        rtype: kinds.ResourceType,
        body: JSON,
        *,
        namespace: str | None = None,
        options: WriteOptions | None = None,
    ) -> JSON:
        """Store a new object; the server sets uid, resourceVersion and timestamps."""
        options = options or WriteOptions()
        self._check_type_meta(rtype, body)
        body = conversion.to_storage(rtype, body)
        rtype = self._storage_type(rtype)
        meta = body.get("metadata") or {}
        namespace = self._create_namespace(rtype, meta, namespace)
        name = meta.get("name") or ""
        if not name and meta.get("generateName"):
            name = meta["generateName"] + names.generate_name_suffix(self.rng)
        self._check_meta(rtype, {**meta, "name": name}, namespace, body)
        if (namespace, name) in self._objects[rtype.storage_key]:
            raise apierrors.already_exists(rtype.plural, name, rtype.group)
        obj = lifecycle.stamp_new(
            rtype, body, name=name, namespace=namespace, uid=str(uuid.uuid4()), now=self.clock()
        )
        obj = self._admit(rtype, obj, None, options)
        if options.dry_run:
            return conversion.from_storage(rtype, rtype.storage_version, obj)
        return copy.deepcopy(self._write(rtype, obj, None))

    def update(
        self,
        rtype: kinds.ResourceType,
        body: JSON,
        *,
        namespace: str | None,
        name: str,
        subresource: str | None = None,
        options: WriteOptions | None = None,
    ) -> JSON:
        """Replace an object (PUT); a stale `metadata.resourceVersion` is a 409."""
        options = options or WriteOptions()
        current = self._stored(rtype, namespace, name)
        self._check_type_meta(rtype, body)
        body = conversion.to_storage(rtype, body)
        rtype = self._storage_type(rtype)
        meta = body.get("metadata") or {}
        self._check_identity(rtype, meta, namespace, name)
        sent_rv = meta.get("resourceVersion")
        if sent_rv and sent_rv != current["metadata"]["resourceVersion"]:
            raise apierrors.conflict(rtype.plural, name, rtype.group)
        new = lifecycle.compose_update(rtype, current, body, subresource)
        return copy.deepcopy(self._replace(rtype, current, new, subresource, options))

    def patch(
        self,
        rtype: kinds.ResourceType,
        *,
        namespace: str | None,
        name: str,
        patch_type: str,
        patch: Any,
        subresource: str | None = None,
        options: WriteOptions | None = None,
    ) -> JSON:
        """Apply a merge, JSON or strategic-merge patch to an object."""
        current = self._stored(rtype, namespace, name)
        patched = self._patched(rtype, current, patch_type, patch)
        rtype = self._storage_type(rtype)
        meta = patched.get("metadata") or {}
        self._check_identity(rtype, meta, namespace, name)
        sent_rv = meta.get("resourceVersion")
        if sent_rv and sent_rv != current["metadata"]["resourceVersion"]:
            raise apierrors.conflict(rtype.plural, name, rtype.group)
        new = lifecycle.compose_update(rtype, current, patched, subresource)
        return copy.deepcopy(
            self._replace(rtype, current, new, subresource, options or WriteOptions())
        )

    def delete(
        self,
        rtype: kinds.ResourceType,
        *,
        namespace: str | None,
        name: str,
        propagation: str | None = None,
        preconditions: JSON | None = None,
        grace_seconds: int | None = None,
        options: WriteOptions | None = None,
    ) -> tuple[JSON, bool]:
        """Delete, or mark for deletion; returns the object and whether it is gone."""
        options = options or WriteOptions()
        rtype = self._storage_type(rtype)
        current = self._stored(rtype, namespace, name)
        self._check_preconditions(rtype, current, preconditions or {})
        if propagation is None and rtype.storage_key == JOBS_KEY:
            # batch/v1 keeps the legacy default of orphaning a Job's pods, and says so
            propagation = "Orphan"
            options.warnings.append(JOB_ORPHAN_WARNING)
        meta = dict(current["metadata"])
        finalizer = {"Orphan": "orphan", "Foreground": "foregroundDeletion"}.get(propagation or "")
        if (
            finalizer
            and self.dependents(meta["uid"])
            and finalizer not in meta.get("finalizers", [])
        ):
            meta["finalizers"] = [*meta.get("finalizers", []), finalizer]
        if self._delete_now(rtype, {**current, "metadata": meta}, grace_seconds):
            if not options.dry_run:
                self._remove(rtype, current)
            return copy.deepcopy(current), True
        if "deletionTimestamp" not in meta:
            meta["deletionTimestamp"] = lifecycle.timestamp(self._deletion_time(rtype, current))
            meta["deletionGracePeriodSeconds"] = self._grace(rtype, current, grace_seconds)
        elif grace_seconds is not None and grace_seconds < meta["deletionGracePeriodSeconds"]:
            meta["deletionGracePeriodSeconds"] = grace_seconds  # the kubelet's final delete
        new = {**current, "metadata": meta}
        if rtype.storage_key == NAMESPACES_KEY:
            new["status"] = {**(current.get("status") or {}), "phase": "Terminating"}
        if options.dry_run or lifecycle.same_content(current, new):
            return copy.deepcopy(new), False
        return copy.deepcopy(self._write(rtype, new, current)), False

    # --------------------------------------------------------------- watches

    def subscribe(self, key: tuple[str, str] | None, listener: Listener) -> Callable[[], None]:
        """Call `listener` after every write of type `key` (None: every type)."""
        self._listeners[key].append(listener)
        return lambda: self._listeners[key].remove(listener)

    def changes_since(self, key: tuple[str, str], resource_version: int) -> Changes | None:
        """Changes after `resource_version`, or None when some were already forgotten."""
        if resource_version < self._forgotten[key]:
            return None
        history = self._history.get(key, ())
        return [c for c in history if c.resource_version > resource_version]

    # ------------------------------------------------------------ internals

    def _stored(self, rtype: kinds.ResourceType, namespace: str | None, name: str) -> JSON:
        obj = self.peek(rtype, namespace, name)
        if obj is None:
            raise apierrors.not_found(rtype.plural, name, rtype.group)
        return obj

    def _storage_type(self, rtype: kinds.ResourceType) -> kinds.ResourceType:
        """The type whose rules apply to what is stored (core Event for events.k8s.io)."""
        if rtype.stored_as is None:
            return rtype
        stored = self.registry.by_key(rtype.stored_as)
        assert stored is not None
        return stored

    @staticmethod
    def _ns(rtype: kinds.ResourceType, namespace: str | None) -> str | None:
        return namespace if rtype.namespaced else None

    def _check_type_meta(self, rtype: kinds.ResourceType, body: JSON) -> None:
        if not isinstance(body, dict):
            raise apierrors.bad_request("the body of the request must be a JSON object")
        api_version = body.get("apiVersion")
        if api_version and api_version.rpartition("/")[0] != rtype.group:
            raise apierrors.bad_request(
                f"the API version in the data ({api_version}) does not match the expected API "
                f"version ({rtype.api_version()})"
            )
        kind = body.get("kind")
        if kind and kind != rtype.kind:
            raise apierrors.bad_request(
                f"the kind in the data ({kind}) does not match the expected kind ({rtype.kind})"
            )

    def _create_namespace(
        self, rtype: kinds.ResourceType, meta: JSON, namespace: str | None
    ) -> str | None:
        if not rtype.namespaced:
            return None
        namespace = namespace or meta.get("namespace")
        if meta.get("namespace") and meta["namespace"] != namespace:
            raise apierrors.bad_request(
                "the namespace of the provided object does not match the namespace sent on the "
                "request"
            )
        if not namespace:
            raise apierrors.bad_request("a namespace must be given for a namespaced resource")
        ns_obj = self._objects[NAMESPACES_KEY].get((None, namespace))
        if ns_obj is None:
            raise apierrors.not_found("namespaces", namespace)
        if "deletionTimestamp" in ns_obj["metadata"]:
            raise apierrors.forbidden(
                f'{rtype.plural}{"." + rtype.group if rtype.group else ""} "{meta.get("name", "")}"'
                f" is forbidden: unable to create new content in namespace {namespace} because it"
                " is being terminated"
            )
        return str(namespace)

    def _check_meta(
        self, rtype: kinds.ResourceType, meta: JSON, namespace: str | None, body: JSON
    ) -> None:
        errors = names.validate_object_meta(
            meta,
            resource=rtype.plural if rtype.builtin else "customresource",
            namespaced=rtype.namespaced,
            url_namespace=namespace,
        )
        if errors:
            raise apierrors.invalid(rtype.kind, meta.get("name", ""), rtype.group, errors)

    def _check_identity(
        self, rtype: kinds.ResourceType, meta: JSON, namespace: str | None, name: str
    ) -> None:
        if meta.get("name") and meta["name"] != name:
            raise apierrors.bad_request(
                f"the name of the object ({meta['name']}) does not match the name on the URL "
                f"({name})"
            )
        if rtype.namespaced and meta.get("namespace") and meta["namespace"] != namespace:
            raise apierrors.bad_request(
                "the namespace of the provided object does not match the namespace sent on the "
                "request"
            )

    def _check_preconditions(
        self, rtype: kinds.ResourceType, current: JSON, preconditions: JSON
    ) -> None:
        meta = current["metadata"]
        for field, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
            wanted = preconditions.get(field)
            if wanted and wanted != meta[field]:
                raise apierrors.conflict(
                    rtype.plural,
                    meta["name"],
                    rtype.group,
                    why=f"Precondition failed: {label} in precondition: {wanted}, {label} in "
                    f"object meta: {meta[field]}",
                )

    def _patched(
        self, rtype: kinds.ResourceType, current: JSON, patch_type: str, patch: Any
    ) -> JSON:
        document = conversion.from_storage(rtype, rtype.storage_version, current)
        try:
            if patch_type == MERGE_PATCH:
                result = patching.merge_patch(document, patch)
            elif patch_type == JSON_PATCH:
                result = patching.json_patch(document, patch)
            elif patch_type == STRATEGIC_PATCH and rtype.builtin:
                result = patching.strategic_merge_patch(document, patch, kind=rtype.kind)
            else:
                accepted = [JSON_PATCH, MERGE_PATCH] + ([STRATEGIC_PATCH] if rtype.builtin else [])
                raise apierrors.unsupported_media_type(patch_type, accepted)
        except patching.PatchError as exc:
            raise apierrors.ApiError(422, "Invalid", str(exc)) from exc
        if not isinstance(result, dict):
            raise apierrors.bad_request("the patch did not produce a JSON object")
        return conversion.to_storage(rtype, result)

    def _replace(
        self,
        rtype: kinds.ResourceType,
        current: JSON,
        new: JSON,
        subresource: str | None,
        options: WriteOptions,
    ) -> JSON:
        meta = new.get("metadata") or {}
        namespace = current["metadata"].get("namespace")
        self._check_meta(rtype, {**meta, "name": current["metadata"]["name"]}, namespace, new)
        added = lifecycle.with_new_finalizers_refused(current, new)
        if added:
            raise apierrors.invalid(
                rtype.kind,
                current["metadata"]["name"],
                rtype.group,
                [checks.forbidden_finalizers(added)],
            )
        # the whole object is admitted on every write, /status included, as the apiserver does
        new = self._admit(rtype, new, current, options)
        new = lifecycle.bump_generation(rtype, current, new)
        if lifecycle.same_content(current, new) or options.dry_run:
            return new if options.dry_run else current
        if lifecycle.is_deletion_done(new) and not self._deletion_blocked(rtype, new):
            self._remove(rtype, new)
            return new
        return self._write(rtype, new, current)

    def _admit(
        self, rtype: kinds.ResourceType, obj: JSON, current: JSON | None, options: WriteOptions
    ) -> JSON:
        """Defaults, pruning and validation: what admission does before storage."""
        if rtype.builtin:
            obj = defaults.apply_defaults(rtype.storage_key, obj)
            errors = checks.validate(rtype.storage_key, obj, current)
        else:
            obj, errors = self._admit_custom(rtype, obj, options)
        if rtype.key == CRD_KEY and not errors:
            errors = checks.validate_crd_against(self.registry, obj)
        if errors:
            raise apierrors.invalid(
                rtype.kind, obj["metadata"].get("name", ""), rtype.group, errors
            )
        return obj

    def _admit_custom(
        self, rtype: kinds.ResourceType, obj: JSON, options: WriteOptions
    ) -> tuple[JSON, Errors]:
        schema = rtype.schemas.get(rtype.storage_version)
        if not schema:
            return obj, []
        obj, removed = schemas.prune(obj, schema)
        if removed and options.field_validation == "Strict":
            shown = ", ".join(f'unknown field "{p}"' for p in removed)
            raise apierrors.bad_request(f"strict decoding error: {shown}")
        if removed and options.field_validation == "Warn":
            options.warnings.extend(f'unknown field "{p}"' for p in removed)
        obj = schemas.apply_defaults(obj, schema)
        return obj, list(schemas.validate(obj, schema))

    def _delete_now(
        self, rtype: kinds.ResourceType, current: JSON, grace_seconds: int | None
    ) -> bool:
        meta = current["metadata"]
        if meta.get("finalizers"):
            return False
        if rtype.storage_key == NAMESPACES_KEY:
            return False  # the namespace controller empties it first
        if rtype.storage_key == PODS_KEY:
            return self._grace(rtype, current, grace_seconds) == 0
        return True

    def _grace(self, rtype: kinds.ResourceType, current: JSON, grace_seconds: int | None) -> int:
        if rtype.storage_key != PODS_KEY:
            return 0
        if not current.get("spec", {}).get("nodeName"):
            return 0  # never scheduled: nothing to stop
        if grace_seconds is not None:
            return grace_seconds
        return int(current.get("spec", {}).get("terminationGracePeriodSeconds", 30))

    def _deletion_time(self, rtype: kinds.ResourceType, current: JSON) -> datetime.datetime:
        return self.clock() + datetime.timedelta(seconds=self._grace(rtype, current, None))

    @staticmethod
    def _deletion_blocked(rtype: kinds.ResourceType, obj: JSON) -> bool:
        """A pod waits for its kubelet, a namespace for the namespace controller."""
        if rtype.storage_key == PODS_KEY:
            return bool(obj["metadata"].get("deletionGracePeriodSeconds"))
        if rtype.storage_key == NAMESPACES_KEY:
            return bool((obj.get("spec") or {}).get("finalizers"))
        return False

    def _write(self, rtype: kinds.ResourceType, obj: JSON, previous: JSON | None) -> JSON:
        rv = next(self._rv)
        self.resource_version = rv
        obj = {**obj, "metadata": {**obj["metadata"], "resourceVersion": str(rv)}}
        key = rtype.storage_key
        objkey = (obj["metadata"].get("namespace"), obj["metadata"]["name"])
        self._objects[key][objkey] = obj
        self._index(key, objkey, obj, previous)
        self._emit(Change("MODIFIED" if previous else "ADDED", key, obj, previous, rv))
        if key == CRD_KEY:
            self._sync_crd(obj)
        return obj

    def _remove(self, rtype: kinds.ResourceType, obj: JSON) -> None:
        rv = next(self._rv)
        self.resource_version = rv
        key = rtype.storage_key
        objkey = (obj["metadata"].get("namespace"), obj["metadata"]["name"])
        previous = self._objects[key].pop(objkey)
        gone = {**obj, "metadata": {**obj["metadata"], "resourceVersion": str(rv)}}
        self._index(key, objkey, None, previous)
        self._emit(Change("DELETED", key, gone, previous, rv))
        if key == CRD_KEY:
            self._drop_custom_type(gone)

    def _index(
        self, key: tuple[str, str], objkey: ObjectKey, obj: JSON | None, previous: JSON | None
    ) -> None:
        for old in (previous["metadata"].get("ownerReferences") or ()) if previous else ():
            self._dependents[old["uid"]].discard((key, objkey))
        if previous is not None:
            self._by_uid.pop(previous["metadata"]["uid"], None)
        if obj is None:
            return
        self._by_uid[obj["metadata"]["uid"]] = (key, objkey)
        for ref in obj["metadata"].get("ownerReferences") or ():
            self._dependents[ref["uid"]].add((key, objkey))

    def _emit(self, change: Change) -> None:
        history = self._history.get(change.key)
        if history is None:
            history = self._history[change.key] = collections.deque()
        if len(history) >= self._history_size:
            self._forgotten[change.key] = history.popleft().resource_version
        history.append(change)
        for listener in [*self._listeners.get(change.key, ()), *self._listeners.get(None, ())]:
            listener(change)

    def _sync_crd(self, crd: JSON) -> None:
        """Serve the type a CRD declares, and mark it established as its controller would."""
        rtype = kinds.from_crd(crd)
        self.registry.register(rtype)
        status = checks.crd_status(crd, lifecycle.timestamp(self.clock()))
        if crd.get("status") != status and "deletionTimestamp" not in crd["metadata"]:
            self._write(self.registry.by_key(CRD_KEY), {**crd, "status": status}, crd)  # type: ignore[arg-type]

    def _drop_custom_type(self, crd: JSON) -> None:
        key = (crd["spec"]["group"], crd["spec"]["names"]["plural"])
        rtype = self.registry.by_key(key)
        if rtype is None:
            return
        for obj in list(self._objects[key].values()):
            self._remove(rtype, obj)
        self.registry.unregister(key)

    def load(self, documents: Iterable[JSON]) -> None:
        """Create each document (a CRD directory at start-up, say), by its apiVersion/kind."""
        for doc in documents:
            rtype = self.registry.by_kind(doc.get("apiVersion", ""), doc.get("kind", ""))
            if rtype is None:
                raise ValueError(f"unknown kind {doc.get('apiVersion')}/{doc.get('kind')}")
            self.create(rtype, doc, namespace=(doc.get("metadata") or {}).get("namespace"))
