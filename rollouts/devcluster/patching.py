"""Applying PATCH bodies to stored objects, with the semantics a real kube-apiserver gives them.

Three patch formats are served: JSON Merge Patch (RFC 7386), JSON Patch (RFC 6902) and
Kubernetes strategic merge patch. Everything here is a pure function over JSON-like values
(dict, list, str, int, float, bool, None): inputs are never mutated and results never share
containers with them.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable
from typing import Any, Final, NamedTuple

JSON = Any


class PatchError(ValueError):
    """The patch cannot be applied: it is malformed, or it does not fit the document."""


# --------------------------------------------------------------------------------------------
# JSON Merge Patch (RFC 7386)


def merge_patch(document: JSON, patch: JSON) -> JSON:
    """Apply a JSON Merge Patch.

    An object patch merges into the document key by key, recursively: `null` removes a key, any
    other value replaces or merges into it. A patch that is not an object replaces the whole
    document, and so do arrays at any depth: lists are never merged.
    """
    return _merge_patch(copy.deepcopy(document), patch)


def _merge_patch(target: JSON, patch: JSON) -> JSON:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result


# --------------------------------------------------------------------------------------------
# JSON Patch (RFC 6902)
#
# Error messages follow the library the apiserver uses (evanphx/json-patch), so clients and
# people see the wording they would see against a real cluster.

_INDEX = re.compile(r"0|[1-9][0-9]*")
_BAD_ESCAPE = re.compile(r"~(?![01])")

_MISSING_PARENT: Final = {
    "add": 'add operation does not apply: doc is missing path: "{}": missing value',
    "remove": 'remove operation does not apply: doc is missing path: "{}": missing value',
    "replace": "replace operation does not apply: doc is missing path: {}: missing value",
    "test": "test operation does not apply: is missing path: {}: missing value",
    "move": "move operation does not apply: doc is missing destination path: {}: missing value",
    "copy": "copy operation does not apply: doc is missing destination path: {}: missing value",
}
_MISSING_SOURCE: Final = "{} operation does not apply: doc is missing from path: {}: missing value"


class _Location(NamedTuple):
    """Where a pointer leads: the container holding the target, and the target's token."""

    parent: JSON
    token: str
    path: str


def json_patch(document: JSON, operations: JSON) -> JSON:
    """Apply a JSON Patch: a list of operations, each applied to the result of the one before.

    Operations are `add`, `remove`, `replace`, `move`, `copy` and `test`, addressed by JSON
    Pointers (RFC 6901, with `~1` for `/` and `~0` for `~`). Adding to an array inserts before
    the index, and the index may equal the array's length or be `-` to append; every other
    array index must name an existing element. The whole patch fails if any operation does.
    """
    if not isinstance(operations, list):
        raise PatchError(f"a JSON patch must be a list of operations, not {_kind(operations)}")
    result = copy.deepcopy(document)
    for operation in operations:
        result = _apply_operation(result, operation)
    return result


def _apply_operation(document: JSON, operation: JSON) -> JSON:
    if not isinstance(operation, dict):
        raise PatchError(f"a JSON patch operation must be an object, not {_kind(operation)}")
    name = operation.get("op")
    handler = _OPERATIONS.get(name) if isinstance(name, str) else None
    if handler is None:
        raise PatchError(f"Unexpected kind: {name}")
    if not isinstance(operation.get("path"), str):
        raise PatchError(f"{name} operation failed to decode path: missing value")
    return handler(document, operation)


def _op_add(document: JSON, operation: dict[str, Any]) -> JSON:
    value = copy.deepcopy(_operand(operation, "value"))
    return _insert(document, operation["path"], value, op="add")


def _op_remove(document: JSON, operation: dict[str, Any]) -> JSON:
    _delete(document, operation["path"], op="remove")
    return document


def _op_replace(document: JSON, operation: dict[str, Any]) -> JSON:
    value = copy.deepcopy(_operand(operation, "value"))
    path = operation["path"]
    if path == "":
        return value
    where = _locate(document, path, op="replace")
    where.parent[_existing_key(where, op="replace")] = value
    return document


def _op_move(document: JSON, operation: dict[str, Any]) -> JSON:
    source, path = _source(operation), operation["path"]
    if source == path:
        return document
    if path.startswith(source + "/"):
        raise PatchError(f"move operation does not apply: {source} is a prefix of {path}")
    value = _delete(document, source, op="move", source=True)
    return _insert(document, path, value, op="move")


def _op_copy(document: JSON, operation: dict[str, Any]) -> JSON:
    value = copy.deepcopy(_read(document, _source(operation), op="copy", source=True))
    return _insert(document, operation["path"], value, op="copy")


def _op_test(document: JSON, operation: dict[str, Any]) -> JSON:
    path = operation["path"]
    expected = _operand(operation, "value")
    if not _json_equal(_read(document, path, op="test"), expected):
        raise PatchError(f"testing value {path} failed: test failed")
    return document


_OPERATIONS: Final[dict[str, Callable[[JSON, dict[str, Any]], JSON]]] = {
    "add": _op_add,
    "remove": _op_remove,
    "replace": _op_replace,
    "move": _op_move,
    "copy": _op_copy,
    "test": _op_test,
}


def _operand(operation: dict[str, Any], field: str) -> JSON:
    # RFC 6902 makes "value" mandatory; the Go library would silently use null instead.
    if field not in operation:
        raise PatchError(f"{operation['op']} operation, missing {field} field: missing value")
    return operation[field]


def _source(operation: dict[str, Any]) -> str:
    source = operation.get("from")
    if not isinstance(source, str):
        raise PatchError(
            f"{operation['op']} operation failed to decode from: "
            "operation, missing from field: missing value"
        )
    return source


def _pointer_tokens(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}: it must be empty or start with '/'")
    tokens = path[1:].split("/")
    if any(_BAD_ESCAPE.search(token) for token in tokens):
        raise PatchError(f"invalid JSON pointer {path!r}: '~' must be followed by '0' or '1'")
    # "~01" means "~1" literally, so "~1" is decoded before "~0" (RFC 6901 section 4).
    return [token.replace("~1", "/").replace("~0", "~") for token in tokens]


def _locate(document: JSON, path: str, *, op: str, source: bool = False) -> _Location:
    """The container the last token of `path` lives in, which must exist."""
    tokens = _pointer_tokens(path)
    if not tokens:
        raise PatchError(f"{op} operation does not apply to the whole document")
    missing = _MISSING_SOURCE.format(op, path) if source else _MISSING_PARENT[op].format(path)
    node = document
    for token in tokens[:-1]:
        node = _child(node, token)
        if node is _ABSENT:
            raise PatchError(missing)
    if not isinstance(node, dict | list):
        raise PatchError(missing)
    return _Location(node, tokens[-1], path)


_ABSENT: Final = object()


def _child(node: JSON, token: str) -> JSON:
    if isinstance(node, dict):
        return node.get(token, _ABSENT)
    if isinstance(node, list) and _INDEX.fullmatch(token) and int(token) < len(node):
        return node[int(token)]
    return _ABSENT


def _existing_key(where: _Location, *, op: str) -> str | int:
    """The key or index of a member that must already exist in its container."""
    if not isinstance(where.parent, dict):
        return _array_index(where, op=op, limit=len(where.parent) - 1)
    if where.token not in where.parent:
        raise PatchError(
            f"{op} operation does not apply: doc is missing key: {where.path}: missing value"
        )
    return where.token


def _array_index(where: _Location, *, op: str, limit: int) -> int:
    if not _INDEX.fullmatch(where.token):
        raise PatchError(
            f"error in {op} for path: '{where.path}': value was not a proper "
            f"array index: '{where.token}'"
        )
    index = int(where.token)
    if index > limit:
        raise PatchError(
            f"error in {op} for path: '{where.path}': Unable to access invalid "
            f"index: {index}: invalid index referenced"
        )
    return index


def _read(document: JSON, path: str, *, op: str, source: bool = False) -> JSON:
    if path == "":
        return document
    where = _locate(document, path, op=op, source=source)
    return where.parent[_existing_key(where, op=op)]


def _insert(document: JSON, path: str, value: JSON, *, op: str) -> JSON:
    if path == "":
        return value
    where = _locate(document, path, op=op)
    if isinstance(where.parent, dict):
        where.parent[where.token] = value
    elif where.token == "-":
        where.parent.append(value)
    else:
        where.parent.insert(_array_index(where, op=op, limit=len(where.parent)), value)
    return document


def _delete(document: JSON, path: str, *, op: str, source: bool = False) -> JSON:
    where = _locate(document, path, op=op, source=source)
    if isinstance(where.parent, dict) and where.token not in where.parent:
        raise PatchError(
            f"error in {op} for path: '{path}': Unable to remove nonexistent "
            f"key: {where.token}: missing value"
        )
    return where.parent.pop(_existing_key(where, op=op))


def _json_equal(left: JSON, right: JSON) -> bool:
    """Equality as JSON sees it: `1 == 1.0`, but `true != 1` and `"1" != 1`."""
    if _kind(left) != _kind(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_json_equal, left, right))
    return bool(left == right)


def _kind(value: JSON) -> str:
    """The JSON type of a value, as used in error messages and type comparisons."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dict | list | str):
        return _KIND_NAMES[type(value)]
    return "null"


_KIND_NAMES: Final[dict[type, str]] = {dict: "object", list: "array", str: "string"}


# --------------------------------------------------------------------------------------------
# Strategic merge patch
#
# Maps merge as in a JSON merge patch. Lists replace, unless the API type declares them
# `patchStrategy: merge`: then lists of objects merge item by item, matched on the
# `patchMergeKey`, and lists of primitives merge as sets. The table below records those
# declarations (the struct tags of k8s.io/api) for the kinds devcluster serves; a field it does
# not name has no declaration, so objects under it merge and lists under it replace.
# The `retainKeys` strategy (Deployment's spec.strategy, Pod volumes) needs no entry: the
# apiserver honours a `$retainKeys` directive wherever a patch carries one.


class _Field(NamedTuple):
    """How one field patches: the schema of its value (or of its list's items), its list rule."""

    schema: str = ""
    merge: bool = False
    key: str = ""  # patchMergeKey; empty on a merging list means a set of primitives


def _by(key: str, schema: str = "") -> _Field:
    return _Field(schema, merge=True, key=key)


_SET: Final = _Field(merge=True)
_META: Final = _Field("ObjectMeta")
_PLAIN: Final = _Field()

_SCHEMAS: Final[dict[str, dict[str, _Field]]] = {
    "ObjectMeta": {"finalizers": _SET, "ownerReferences": _by("uid")},
    "Object": {"metadata": _META},
    "Deployment": {
        "metadata": _META,
        "spec": _Field("WorkloadSpec"),
        "status": _Field("WorkloadStatus"),
    },
    "ReplicaSet": {
        "metadata": _META,
        "spec": _Field("WorkloadSpec"),
        "status": _Field("WorkloadStatus"),
    },
    "WorkloadSpec": {"template": _Field("PodTemplateSpec")},
    "Job": {"metadata": _META, "spec": _Field("WorkloadSpec"), "status": _Field("JobStatus")},
    "JobStatus": {"conditions": _by("type")},
    "CronJob": {"metadata": _META, "spec": _Field("CronJobSpec")},
    "CronJobSpec": {"jobTemplate": _Field("JobTemplateSpec")},
    "JobTemplateSpec": {"metadata": _META, "spec": _Field("WorkloadSpec")},
    "WorkloadStatus": {"conditions": _by("type")},
    "PodTemplateSpec": {"metadata": _META, "spec": _Field("PodSpec")},
    "Pod": {"metadata": _META, "spec": _Field("PodSpec"), "status": _Field("PodStatus")},
    "PodSpec": {
        "volumes": _by("name"),
        "initContainers": _by("name", "Container"),
        "containers": _by("name", "Container"),
        "ephemeralContainers": _by("name", "Container"),
        "imagePullSecrets": _by("name"),
        "hostAliases": _by("ip"),
        "topologySpreadConstraints": _by("topologyKey"),
        "resourceClaims": _by("name"),
        "schedulingGates": _by("name"),
    },
    "Container": {
        "ports": _by("containerPort"),
        "env": _by("name"),
        "volumeMounts": _by("mountPath"),
        "volumeDevices": _by("devicePath"),
    },
    "PodStatus": {
        "conditions": _by("type"),
        "podIPs": _by("ip"),
        "hostIPs": _by("ip"),
        "resourceClaimStatuses": _by("name"),
    },
    "Service": {
        "metadata": _META,
        "spec": _Field("ServiceSpec"),
        "status": _Field("ServiceStatus"),
    },
    "ServiceSpec": {"ports": _by("port")},
    "ServiceStatus": {"conditions": _by("type")},
    # networking/v1 declares every Ingress list atomic: rules, tls, paths, loadBalancer.ingress.
    "Ingress": {"metadata": _META},
    "Namespace": {"metadata": _META, "status": _Field("NamespaceStatus")},
    "NamespaceStatus": {"conditions": _by("type")},
    "ServiceAccount": {"metadata": _META, "secrets": _by("name")},
}

# Kinds with a schema of their own; any other kind is only known to have ObjectMeta.
_KINDS: Final = frozenset(
    {
        "Deployment", "ReplicaSet", "Job", "CronJob", "Pod", "Service", "Ingress", "Namespace",
        "ServiceAccount",
    }
)  # fmt: skip

_PATCH: Final = "$patch"
_RETAIN_KEYS: Final = "$retainKeys"
_DELETE_FROM: Final = "$deleteFromPrimitiveList"
_ORDER: Final = "$setElementOrder"
_DROP: Final = object()  # marks a value that a `$patch` directive leaves no trace of


def strategic_merge_patch(document: JSON, patch: JSON, *, kind: str) -> JSON:
    """Apply a Kubernetes strategic merge patch to an object of the given kind.

    Objects merge recursively and `null` deletes a key. Lists declared mergeable merge by their
    merge key (lists of objects) or as sets (lists of primitives); other lists are replaced.
    Directives: `$patch: replace` (on an object or as a list item), `$patch: delete` (an
    object becomes `{}`; a list item deletes the item with the same merge key),
    `$retainKeys: [...]` (drop the object's other keys), `$deleteFromPrimitiveList/<field>` and
    `$setElementOrder/<field>` (the order `kubectl apply` wants a merged list in).
    """
    if not isinstance(document, dict):
        raise PatchError(f"invalid JSON document: expected an object, not {_kind(document)}")
    if not isinstance(patch, dict):
        raise PatchError(
            f"invalid JSON document: a strategic merge patch must be an object, not {_kind(patch)}"
        )
    schema = kind if kind in _KINDS else "Object"
    return _merge_map(copy.deepcopy(document), copy.deepcopy(patch), schema)


def _field(schema: str, name: str) -> _Field:
    return _SCHEMAS.get(schema, {}).get(name, _PLAIN)


def _merge_map(original: dict[str, Any], patch: dict[str, Any], schema: str) -> JSON:
    if _PATCH in patch:
        return _map_directive(patch)
    result, rest = _retain_keys(original, patch)
    result, rest = _apply_element_orders(result, rest, schema)
    for key, value in rest.items():
        if key.startswith(_DELETE_FROM):
            result = _delete_from_primitive_list(result, key, value)
        elif value is None:
            result.pop(key, None)
        else:
            _store(result, key, _merge_value(result.get(key, _DROP), value, _field(schema, key)))
    return result


def _store(target: dict[str, Any], key: str, value: JSON) -> None:
    if value is _DROP:
        target.pop(key, None)
    else:
        target[key] = value


def _merge_value(original: JSON, patch: JSON, field: _Field) -> JSON:
    if isinstance(original, dict) and isinstance(patch, dict):
        return _merge_map(original, patch, field.schema)
    if isinstance(original, list) and isinstance(patch, list):
        return _merge_list(original, patch, field)
    # A new key, or a change of type: the patch value is taken, less what only means something
    # to a merge (directives, nulls), as the apiserver's removeDirectives/discard-nulls do.
    return _clean(patch)


def _clean(value: JSON) -> JSON:
    if isinstance(value, dict):
        if _PATCH in value:
            return _DROP
        pairs = ((k, _clean(v)) for k, v in value.items() if v is not None and not _directive(k))
        return {k: v for k, v in pairs if v is not _DROP}
    if isinstance(value, list):
        return [item for item in map(_clean, value) if item is not _DROP]
    return value


def _directive(key: str) -> bool:
    return key in (_PATCH, _RETAIN_KEYS) or key.startswith((_DELETE_FROM + "/", _ORDER + "/"))


def _map_directive(patch: dict[str, Any]) -> JSON:
    directive = patch[_PATCH]
    if directive == "replace":
        return _clean({k: v for k, v in patch.items() if k != _PATCH})
    if directive == "delete":
        # The apiserver empties the object rather than removing its key.
        return {}
    raise PatchError(f"unknown patch type: {directive} in map: {_show(patch)}")


def _retain_keys(
    original: dict[str, Any], patch: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Drop the original's keys that `$retainKeys` does not list; the patch may set no others."""
    rest = dict(patch)
    if _RETAIN_KEYS not in rest:
        return dict(original), rest
    retained = rest.pop(_RETAIN_KEYS)
    if not isinstance(retained, list):
        raise PatchError(f"invalid patch format of retainKeys: {_show(retained)} is not a list")
    keep = {key for key in retained if isinstance(key, str)}
    stray = [k for k, v in rest.items() if v is not None and not _directive(k) and k not in keep]
    if stray:
        raise PatchError(
            f"invalid patch format of retainKeys: patch sets {stray[0]!r}, which "
            f"is not in $retainKeys {_show(retained)}"
        )
    return {k: v for k, v in original.items() if k in keep}, rest


def _list_field_name(directive_key: str, prefix: str, what: str) -> str:
    head, slash, name = directive_key.partition("/")
    if head != prefix or not slash:
        raise PatchError(f"invalid patch format of {what}: {directive_key!r}")
    return name


def _delete_from_primitive_list(
    original: dict[str, Any], directive_key: str, values: JSON
) -> dict[str, Any]:
    name = _list_field_name(directive_key, _DELETE_FROM, "primitive list")
    if not isinstance(values, list):
        raise PatchError(
            f"invalid patch format of primitive list: {directive_key} must be a "
            f"list, not {_kind(values)}"
        )
    current = original.get(name)
    if not isinstance(current, list):
        return original
    doomed = {_identity(value) for value in values}
    return {**original, name: [item for item in current if _identity(item) not in doomed]}


def _merge_list(original: list[Any], patch: list[Any], field: _Field) -> list[Any]:
    if not field.merge:
        cleaned: list[Any] = _clean(patch)
        return cleaned
    if not original and not patch:
        return original
    if _element_kind([*original, *patch]) != "object":
        merged = _unique([*original, *patch])
        return _enforce_order(merged, order=patch, server=original, key="")
    if not field.key:
        raise PatchError("cannot merge lists without merge key for type map")
    server, items = _list_directives(original, patch, key=field.key)
    merged = _merge_items(server, items, key=field.key, schema=field.schema)
    return _enforce_order(merged, order=items, server=server, key=field.key)


def _element_kind(items: list[Any]) -> str:
    kinds = {_kind(item) for item in items}
    if "array" in kinds:
        raise PatchError("lists of lists are not supported")
    if len(kinds) > 1:
        raise PatchError(f"list element types are not identical: {_show(items)}")
    return kinds.pop()


def _list_directives(
    original: list[Any], patch: list[Any], *, key: str
) -> tuple[list[Any], list[Any]]:
    """Apply the `$patch` items of a merging list: the original that is left, the other items."""
    server, items, replace = list(original), [], False
    for item in patch:
        directive = item.get(_PATCH, _DROP)
        if directive is _DROP:
            items.append(item)
        elif directive == "delete":
            match = _merge_key_value(item, key)
            server = [entry for entry in server if not _has_key_value(entry, key, match)]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise PatchError("merging lists cannot yet be specified in the patch")
        else:
            raise PatchError(f"unknown patch type: {directive} in map: {_show(item)}")
    return (_clean(items), []) if replace else (server, items)


def _merge_key_value(item: JSON, key: str) -> JSON:
    if not isinstance(item, dict):
        raise PatchError(f"expected a map, but received a {_kind(item)}: {_show(item)}")
    if key not in item:
        raise PatchError(f"map: {_show(item)} does not contain declared merge key: {key}")
    return item[key]


def _has_key_value(entry: JSON, key: str, value: JSON) -> bool:
    return isinstance(entry, dict) and key in entry and _same(entry[key], value)


def _merge_items(server: list[Any], items: list[Any], *, key: str, schema: str) -> list[Any]:
    """Merge each patch item into the original item with its merge key, or append it."""
    merged = list(server)
    for item in items:
        value = _merge_key_value(item, key)
        found = next((i for i, e in enumerate(merged) if _has_key_value(e, key, value)), None)
        if found is None:
            merged.append(_clean(item))
        else:
            merged[found] = _merge_map(merged[found], item, schema)
    return merged


def _apply_element_orders(
    original: dict[str, Any], patch: dict[str, Any], schema: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Merge each list named by a `$setElementOrder/<field>` now, and put it in that order."""
    result, rest = original, dict(patch)
    for directive_key in [k for k in patch if k.startswith(_ORDER)]:
        order = rest.pop(directive_key)
        name = _list_field_name(directive_key, _ORDER, "setElementOrder list")
        merged = _ordered_list(
            result.get(name, _DROP), rest.pop(name, _DROP), order, field=_field(schema, name)
        )
        _store(result, name, merged)
    return result, rest


def _ordered_list(original: JSON, patch: JSON, order: JSON, *, field: _Field) -> JSON:
    for value in (original, patch, order):
        if value is not _DROP and not isinstance(value, list):
            raise PatchError(
                f"invalid patch format of setElementOrder list: expected a list, "
                f"but received a {_kind(value)}"
            )
    _check_order(patch if patch is not _DROP else [], order, key=field.key)
    if patch is _DROP:
        merged = original
    elif original is _DROP:
        merged = _clean(patch)
    else:
        merged = _merge_list(original, patch, field)
    if merged is _DROP:
        return _DROP
    server = original if original is not _DROP else []
    return _enforce_order(merged, order=order, server=server, key=field.key)


def _check_order(patch: list[Any], order: list[Any], *, key: str) -> None:
    """The patch's items must all appear in the order list, in the same relative order."""
    if not order:
        return
    items = [item for item in patch if not (isinstance(item, dict) and _PATCH in item)]
    position = 0
    for wanted in order:
        if position < len(items) and _same(_ident(items[position], key), _ident(wanted, key)):
            position += 1
    if position < len(items):
        raise PatchError(
            f"the order in patch list:\n{_show(patch)}\n doesn't match "
            f"{_ORDER} list:\n{_show(order)}"
        )


def _enforce_order(
    merged: list[Any], *, order: list[Any], server: list[Any], key: str
) -> list[Any]:
    """Order a merged list the way the apiserver does.

    Items named in `order` keep that order among themselves; the others keep their order in
    the original (`server`). The two runs are then interleaved: an original-only item goes
    before a named item only when the original list already had it earlier.
    """
    wanted = _positions(order, key)
    before = _positions(server, key)
    named = sorted(
        (i for i in merged if _identity(_ident(i, key)) in wanted),
        key=lambda i: wanted[_identity(_ident(i, key))],
    )
    others = sorted(
        (i for i in merged if _identity(_ident(i, key)) not in wanted),
        key=lambda i: before.get(_identity(_ident(i, key)), len(before)),
    )
    return _interleave(others, named, before, key=key)


def _interleave(
    others: list[Any], named: list[Any], before: dict[Any, int], *, key: str
) -> list[Any]:
    result: list[Any] = []
    i = j = 0
    while i < len(others) and j < len(named):
        mine = before.get(_identity(_ident(others[i], key)))
        theirs = before.get(_identity(_ident(named[j], key)))
        if mine is not None and theirs is not None and mine < theirs:
            result.append(others[i])
            i += 1
        else:
            result.append(named[j])
            j += 1
    return result + others[i:] + named[j:]


def _positions(items: Iterable[Any], key: str) -> dict[Any, int]:
    positions: dict[Any, int] = {}
    for index, item in enumerate(items):
        positions.setdefault(_identity(_ident(item, key)), index)
    return positions


def _ident(item: JSON, key: str) -> JSON:
    """What names a list item: its merge key's value, or the item itself for primitives."""
    if not key:
        return item
    return _merge_key_value(item, key)


def _identity(value: JSON) -> Any:
    # A hashable stand-in that keeps JSON's distinctions (true is not 1) and its sameness
    # (1 is 1.0).
    if isinstance(value, dict | list):
        return ("json", json.dumps(value, sort_keys=True))
    return (_kind(value), value)


def _same(left: JSON, right: JSON) -> bool:
    return bool(_identity(left) == _identity(right))


def _unique(items: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    unique = []
    for item in items:
        if _identity(item) not in seen:
            seen.add(_identity(item))
            unique.append(item)
    return unique


def _show(value: JSON) -> str:
    return json.dumps(value, sort_keys=True, default=str)
