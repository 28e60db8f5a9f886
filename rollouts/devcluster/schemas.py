"""What the apiextensions apiserver does to a custom resource with its CRD's structural schema.

On every write the apiserver runs three steps, in this order, and so do callers of this module:
`prune` drops fields the schema does not declare, `apply_defaults` fills in defaults (and drops
nulls the schema cannot hold), and `validate` checks the result, wording its errors as
kube-openapi and the apiextensions apiserver do. `structural_problems` says why a schema is not
structural, for a CRD's NonStructuralSchema condition.

Schemas are plain `openAPIV3Schema` dicts. Every function is pure: arguments are never changed.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime
import functools
import ipaddress
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from rollouts.devcluster import fielderrors
from rollouts.devcluster.fielderrors import ErrorType, FieldError

Schema = Mapping[str, Any]

PRESERVE_UNKNOWN_FIELDS: Final = "x-kubernetes-preserve-unknown-fields"
EMBEDDED_RESOURCE: Final = "x-kubernetes-embedded-resource"
INT_OR_STRING: Final = "x-kubernetes-int-or-string"
LIST_TYPE: Final = "x-kubernetes-list-type"
LIST_MAP_KEYS: Final = "x-kubernetes-list-map-keys"

# kube-openapi names the place of an error that has no field, such as a failed anyOf, by a
# nil field path, which prints like this.
NIL_FIELD: Final = "<nil>"

_META_FIELDS: Final = frozenset({"apiVersion", "kind", "metadata"})
# fmt: off
_OBJECT_META_FIELDS: Final = frozenset({
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields",
})
# fmt: on


# ------------------------------------------------------------------ paths


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _index_path(path: str, index: int) -> str:
    return f"{path}[{index}]"


def _field_schema(schema: Schema | None, key: str) -> tuple[bool, Schema | None]:
    """Whether `key` is declared at this level, and the schema of its value.

    `additionalProperties: true` declares every key but gives no schema for the values, so
    objects under it are emptied, as the apiserver's pruning does.
    """
    if schema is None:
        return False, None
    properties = schema.get("properties") or {}
    if key in properties:
        return True, properties[key]
    additional = schema.get("additionalProperties")
    if isinstance(additional, Mapping):
        return True, additional
    return additional is True, None


# ------------------------------------------------------------------ pruning


def prune(obj: Any, schema: Schema | None) -> tuple[Any, list[str]]:
    """Drop every field the schema does not declare; return the new object and the dotted paths
    of what was dropped, sorted (for `unknown field "spec.foo"` under fieldValidation=Strict).

    `x-kubernetes-preserve-unknown-fields: true` keeps unknown fields at that level and below,
    while declared fields below are still pruned by their own schemas. `additionalProperties`
    keeps every key of a map. The root is an embedded resource: apiVersion, kind and metadata are
    always kept, and unknown fields inside `metadata` are dropped as the apiserver's ObjectMeta
    decoding drops them; `x-kubernetes-embedded-resource` does the same at any depth.
    """
    root: dict[str, Any] = {**(schema or {}), EMBEDDED_RESOURCE: True}
    removed: list[str] = []
    pruned = _prune(copy.deepcopy(obj), root, "", removed)
    return pruned, sorted(removed)


def _prune(value: Any, schema: Schema | None, path: str, removed: list[str]) -> Any:
    if schema is not None and schema.get(PRESERVE_UNKNOWN_FIELDS) is True:
        return _skip_prune(value, schema, path, removed)
    if isinstance(value, dict):
        return _prune_object(value, schema, path, removed)
    if isinstance(value, list):
        items = schema.get("items") if schema is not None else None
        return [_prune(item, items, _index_path(path, i), removed) for i, item in enumerate(value)]
    return value


def _is_embedded_meta(schema: Schema | None, key: str, value: Any) -> bool:
    if schema is None or schema.get(EMBEDDED_RESOURCE) is not True:
        return False
    if key in ("apiVersion", "kind"):
        return isinstance(value, str)
    return key == "metadata" and isinstance(value, dict)


def _prune_object(
    value: dict[str, Any], schema: Schema | None, path: str, removed: list[str]
) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, child in value.items():
        where = _key_path(path, key)
        if _is_embedded_meta(schema, key, child):
            kept[key] = _coerce_meta(key, child, where, removed)
            continue
        declared, sub = _field_schema(schema, key)
        if declared:
            kept[key] = _prune(child, sub, where, removed)
        elif key not in _META_FIELDS or path:
            # a malformed apiVersion, kind or metadata at the root goes silently, as in kube
            removed.append(where)
    return kept


def _skip_prune(value: Any, schema: Schema, path: str, removed: list[str]) -> Any:
    """Keep unknown fields, but still prune the declared ones by their schemas."""
    if isinstance(value, dict):
        return {
            key: _skip_prune_field(schema, key, child, _key_path(path, key), removed)
            for key, child in value.items()
        }
    items = schema.get("items")
    if isinstance(value, list) and items is not None:
        return [
            _skip_prune(item, items, _index_path(path, i), removed) for i, item in enumerate(value)
        ]
    return value


def _skip_prune_field(schema: Schema, key: str, value: Any, where: str, removed: list[str]) -> Any:
    if schema.get(EMBEDDED_RESOURCE) is True and key in _META_FIELDS:
        return _coerce_meta(key, value, where, removed)
    declared, sub = _field_schema(schema, key)
    return _prune(value, sub, where, removed) if declared else value


def _coerce_meta(key: str, value: Any, where: str, removed: list[str]) -> Any:
    """An embedded `metadata` keeps only ObjectMeta's fields, whatever the schema says."""
    if key != "metadata" or not isinstance(value, dict):
        return value
    kept: dict[str, Any] = {}
    for name, child in value.items():
        if name in _OBJECT_META_FIELDS:
            kept[name] = child
        else:
            removed.append(_key_path(where, name))
    return kept


# ------------------------------------------------------------------ defaulting


def apply_defaults(obj: Any, schema: Schema | None) -> Any:
    """Fill in `default` values for missing fields, recursively, and return the new object.

    A default applies only where its parent object exists (and to every item of an array of
    objects). A null where the schema is not `nullable` takes the default if there is one;
    otherwise a null field is dropped, as the apiserver does, so that it counts as absent.
    Nulls inside arrays without a default are left for `validate` to reject.
    """
    return _default(copy.deepcopy(obj), schema)


def _has_default(schema: Schema | None) -> bool:
    # a `default: null` is no default at all to the apiserver
    return schema is not None and schema.get("default") is not None


def _not_nullable(schema: Schema | None) -> bool:
    return schema is not None and schema.get("nullable") is not True


def _default(value: Any, schema: Schema | None) -> Any:
    if schema is None:
        return value
    if isinstance(value, dict):
        return _default_object(value, schema)
    if isinstance(value, list):
        return _default_items(value, schema.get("items"))
    return value


def _default_object(value: dict[str, Any], schema: Schema) -> dict[str, Any]:
    present: dict[str, Any] = {}
    for key, child in value.items():
        sub = _field_schema(schema, key)[1]
        if child is not None or sub is None or not _not_nullable(sub):
            present[key] = child
        elif _has_default(sub):
            present[key] = copy.deepcopy(sub["default"])
        # else: a null the schema cannot hold and cannot default is dropped
    for key, sub in (schema.get("properties") or {}).items():
        if key not in present and _has_default(sub):
            present[key] = copy.deepcopy(sub["default"])
    return {key: _default(child, _field_schema(schema, key)[1]) for key, child in present.items()}


def _default_items(values: list[Any], items: Schema | None) -> list[Any]:
    if items is None:
        return values
    nulls_default = _not_nullable(items) and _has_default(items)
    return [
        _default(copy.deepcopy(items["default"]) if item is None and nulls_default else item, items)
        for item in values
    ]


# ------------------------------------------------------------------ validation: plumbing


@dataclass(frozen=True)
class _At:
    """Where a value sits, named as kube-openapi names it: `spec.replicas`, `spec.ports[0]`."""

    name: str = ""

    @property
    def field(self) -> str:
        return self.name or NIL_FIELD

    @property
    def quoted(self) -> str:
        return _quote(self.name)

    def key(self, key: str) -> _At:
        return _At(_key_path(self.name, key))

    def index(self, index: int) -> _At:
        return _At(_index_path(self.name, index))


Errors = list[FieldError]
_Checker = Callable[[Any, Schema, _At], Errors]
_Rule = Callable[[Any, Schema, _At], FieldError | None]


def _quote(text: str) -> str:
    """Go's %q for the strings we show: double quotes, with JSON's escapes."""
    return json.dumps(text, ensure_ascii=False)


def _go_number(number: float) -> str:
    """A bound as Go's %v prints a float64: `0`, `2.5`, `1e+21`."""
    if isinstance(number, int):
        return str(number)
    if number.is_integer() and abs(number) < 1e21:
        return str(int(number))
    return repr(number)


def _canonical(value: Any) -> str:
    # JSON text tells 1 from 1.0 and true from 1, as Go's DeepEqual and map keys do
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _too_many(field: str, actual: int, limit: int) -> FieldError:
    # kube renders this `Too many: 5: must have at most 3 items`; fielderrors has no TooMany
    # type, so the head reads `Invalid value` while the rest matches
    noun = "item" if limit == 1 else "items"
    return fielderrors.invalid(field, actual, f"must have at most {limit} {noun}")


def _duplicate(field: str, value: Any) -> FieldError:
    return FieldError(ErrorType.DUPLICATE, field, "", value, has_value=True)


def _composite(detail: str) -> FieldError:
    return fielderrors.invalid(NIL_FIELD, "", detail)


def _apply_rules(rules: Sequence[tuple[str, _Rule]], value: Any, schema: Schema, at: _At) -> Errors:
    errors: Errors = []
    for keyword, rule in rules:
        if schema.get(keyword) is None:
            continue
        error = rule(value, schema, at)
        if error is not None:
            errors.append(error)
    return errors


def validate(obj: Any, schema: Schema | None, *, path: str = "") -> list[FieldError]:
    """Check `obj` against the schema's value validations, with the apiserver's messages.

    Checked: `type` (integer takes whole numbers, not booleans; number takes both), `nullable`,
    `x-kubernetes-int-or-string`, `format` (the ones the apiserver knows; it drops others such
    as int32 and int64, so they check nothing), string, number, array and object limits,
    `enum`, `required`, `allOf`/`anyOf`/`oneOf`/`not`, and `x-kubernetes-list-type` set and map
    uniqueness. `x-kubernetes-validations` (CEL rules) are ignored.

    `path` names where `obj` sits when it is not the whole resource, such as `spec`. Errors of
    anyOf, oneOf, allOf and not have the field `<nil>` and name the place in their message, as
    the apiserver's do.
    """
    if schema is None:
        return []
    return _validate_node(obj, schema, _At(path)) + _list_type_errors(obj, schema, path)


def _validate_node(value: Any, schema: Schema, at: _At) -> Errors:
    # kube-openapi runs only the type and enum checks on a null
    checkers = _NULL_CHECKERS if value is None else _CHECKERS
    return [error for check in checkers for error in check(value, schema, at)]


# ------------------------------------------------------------------ validation: type


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    names = {int: "integer", float: "number", str: "string", list: "array", dict: "object"}
    return next((name for kind, name in names.items() if isinstance(value, kind)), "object")


def _expected_types(schema: Schema) -> tuple[str, ...]:
    if schema.get(INT_OR_STRING) is True:
        return ("integer", "string")
    declared = schema.get("type")
    if isinstance(declared, str):
        return (declared,) if declared else ()
    return tuple(declared) if isinstance(declared, list) else ()


def _type_matches(value: Any, actual: str, expected: tuple[str, ...]) -> bool:
    if actual in expected:
        return True
    if actual == "integer":
        return "number" in expected
    # a float with no fraction, such as 2.0, passes as an integer
    return actual == "number" and "integer" in expected and float(value).is_integer()


def _type_error(at: _At, type_name: str, actual: str) -> FieldError:
    detail = f"{at.name} in body must be of type {type_name}: {_quote(actual)}"
    return fielderrors.type_invalid(at.field, actual, detail)


def _go_format(value: Any) -> str:
    """The format kube-openapi infers from a decoded JSON value."""
    if _is_number(value):
        return "int64" if isinstance(value, int) else "float64"
    return ""


def _check_type(value: Any, schema: Schema, at: _At) -> Errors:
    expected = _expected_types(schema)
    fmt = _format(schema)
    if value is None:
        nullable = schema.get("nullable") is True
        return [] if not expected or nullable else [_type_error(at, ",".join(expected), "null")]
    actual = _json_type(value)
    if (not expected and not fmt) or _type_matches(value, actual, expected):
        return []
    if fmt and not isinstance(value, str | list):
        return [_type_error(at, fmt, _go_format(value))]
    if fmt and not {"integer", "number"} & set(expected):
        return []  # kube-openapi lets any string or array pass a formatted non-number type
    return [_type_error(at, ",".join(expected), actual)]


# ------------------------------------------------------------------ validation: formats


# fmt: off
_SUPPORTED_FORMATS: Final = frozenset({
    "bsonobjectid", "uri", "email", "hostname", "ipv4", "ipv6", "cidr", "mac", "uuid", "uuid3",
    "uuid4", "uuid5", "isbn", "isbn10", "isbn13", "creditcard", "ssn", "hexcolor", "rgbcolor",
    "byte", "password", "date", "duration", "datetime",
})
# fmt: on
_TIME_OF_DAY: Final = re.compile(r"(\d{2}):(\d{2}):(\d{2})(\.\d+)?(z|[+-]\d{2}:\d{2})")
_UUID: Final = re.compile(r"(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
_DATE: Final = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _format(schema: Schema) -> str:
    """The schema's format if the apiserver knows it; it blanks all others."""
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt.replace("-", "") in _SUPPORTED_FORMATS:
        return fmt
    return ""


def _is_date(text: str) -> bool:
    match = _DATE.fullmatch(text)
    if match is None:
        return False
    try:
        datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return False
    return True


def _is_date_time(text: str) -> bool:
    parts = text.lower().split("t")
    if len(parts) < 2 or not _is_date(parts[0]):
        return False
    clock = _TIME_OF_DAY.fullmatch(parts[1])
    if clock is None:
        return False
    hours, minutes, seconds = clock.group(1), clock.group(2), clock.group(3)
    return hours <= "23" and minutes <= "59" and seconds <= "59"


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _parses(parse: Callable[[str], object]) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        try:
            parse(text)
        except ValueError:
            return False
        return True

    return check


# Loosely: the formats users meet in CRDs are checked; the rest of what the apiserver knows
# (email, uri, hostname, isbn...) is accepted as written.
_FORMAT_CHECKS: Final[Mapping[str, Callable[[str], bool]]] = {
    "datetime": _is_date_time,
    "date": _is_date,
    "uuid": lambda text: _UUID.fullmatch(text) is not None,
    "byte": _is_base64,
    "ipv4": _parses(ipaddress.IPv4Address),
    "ipv6": _parses(ipaddress.IPv6Address),
    "cidr": _parses(lambda text: ipaddress.ip_network(text, strict=False)),
}


def _check_format(value: Any, schema: Schema, at: _At) -> Errors:
    fmt = _format(schema)
    if not fmt or not isinstance(value, str):
        return []
    check = _FORMAT_CHECKS.get(fmt.replace("-", ""))
    if check is None or check(value):
        return []
    detail = f"{at.name} in body must be of type {fmt}: {_quote(value)}"
    return [fielderrors.type_invalid(at.field, value, detail)]


# ------------------------------------------------------------------ validation: strings


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str] | str:
    """The compiled pattern, or why it does not compile. ASCII classes, as in Go's RE2."""
    try:
        return re.compile(pattern, re.ASCII)
    except re.error as err:
        return str(err)


def _max_length(value: str, schema: Schema, at: _At) -> FieldError | None:
    limit = int(schema["maxLength"])
    return fielderrors.too_long(at.field, limit) if len(value) > limit else None


def _min_length(value: str, schema: Schema, at: _At) -> FieldError | None:
    limit = int(schema["minLength"])
    if len(value) >= limit:
        return None
    return fielderrors.invalid(
        at.field, value, f"{at.name} in body should be at least {limit} chars long"
    )


def _pattern(value: str, schema: Schema, at: _At) -> FieldError | None:
    pattern = str(schema["pattern"])
    if not pattern:
        return None
    compiled = _compile(pattern)
    if isinstance(compiled, str):
        shown = f"{pattern}, but pattern is invalid: {compiled}"
    elif compiled.search(value) is None:
        shown = pattern
    else:
        return None
    return fielderrors.invalid(at.field, value, f"{at.name} in body should match '{shown}'")


_STRING_RULES: Final[Sequence[tuple[str, _Rule]]] = (
    ("maxLength", _max_length),
    ("minLength", _min_length),
    ("pattern", _pattern),
)


def _check_string(value: Any, schema: Schema, at: _At) -> Errors:
    if not isinstance(value, str):
        return []
    # kube-openapi reports only the first string rule a value breaks
    return _apply_rules(_STRING_RULES, value, schema, at)[:1]


# ------------------------------------------------------------------ validation: numbers


def _native_bound(value: int | float, bound: float) -> int | float:
    # kube-openapi compares an integer with the bound cut to an integer, toward zero
    return int(bound) if isinstance(value, int) else float(bound)


def _minimum(value: int | float, schema: Schema, at: _At) -> FieldError | None:
    bound = _native_bound(value, schema["minimum"])
    exclusive = schema.get("exclusiveMinimum") is True
    if value > bound or (value == bound and not exclusive):
        return None
    relation = "greater than" if exclusive else "greater than or equal to"
    return fielderrors.invalid(
        at.field, value, f"{at.name} in body should be {relation} {_go_number(bound)}"
    )


def _maximum(value: int | float, schema: Schema, at: _At) -> FieldError | None:
    bound = _native_bound(value, schema["maximum"])
    exclusive = schema.get("exclusiveMaximum") is True
    if value < bound or (value == bound and not exclusive):
        return None
    relation = "less than" if exclusive else "less than or equal to"
    return fielderrors.invalid(
        at.field, value, f"{at.name} in body should be {relation} {_go_number(bound)}"
    )


def _is_whole(number: float) -> bool:
    if not math.isfinite(number):
        return False
    nearest = round(number)
    return number == nearest or abs(number - nearest) <= 1e-9 * max(abs(number), 1.0)


def _is_multiple(value: int | float, factor: float) -> bool:
    if isinstance(value, int) and int(factor) != 0:
        return value % int(factor) == 0
    quotient = value * (1 / factor) if factor < 1 else value / factor
    return _is_whole(quotient)


def _multiple_of(value: int | float, schema: Schema, at: _At) -> FieldError | None:
    factor = schema["multipleOf"]
    shown = _go_number(_native_bound(value, factor))
    if factor < 0:
        return fielderrors.invalid(
            at.field, factor, f"factor MultipleOf declared for {at.name} must be positive: {shown}"
        )
    if factor == 0 or _is_multiple(value, factor):
        return None
    detail = f"{at.name} in body should be a multiple of {shown}"
    return fielderrors.invalid(at.field, value, detail)


_NUMBER_RULES: Final[Sequence[tuple[str, _Rule]]] = (
    ("multipleOf", _multiple_of),
    ("minimum", _minimum),
    ("maximum", _maximum),
)


def _check_number(value: Any, schema: Schema, at: _At) -> Errors:
    return _apply_rules(_NUMBER_RULES, value, schema, at) if _is_number(value) else []


# ------------------------------------------------------------------ validation: arrays


def _min_items(value: list[Any], schema: Schema, at: _At) -> FieldError | None:
    limit = int(schema["minItems"])
    if len(value) >= limit:
        return None
    return fielderrors.invalid(
        at.field, len(value), f"{at.name} in body should have at least {limit} items"
    )


def _max_items(value: list[Any], schema: Schema, at: _At) -> FieldError | None:
    limit = int(schema["maxItems"])
    return _too_many(at.field, len(value), limit) if len(value) > limit else None


def _unique_items(value: list[Any], schema: Schema, at: _At) -> FieldError | None:
    if schema["uniqueItems"] is not True or len({_canonical(v) for v in value}) == len(value):
        return None
    return fielderrors.invalid(at.field, "", f"{at.name} in body shouldn't contain duplicates")


_ARRAY_RULES: Final[Sequence[tuple[str, _Rule]]] = (
    ("minItems", _min_items),
    ("maxItems", _max_items),
    ("uniqueItems", _unique_items),
)


def _check_array(value: Any, schema: Schema, at: _At) -> Errors:
    if not isinstance(value, list):
        return []
    items = schema.get("items")
    errors: Errors = []
    if isinstance(items, Mapping):
        for i, item in enumerate(value):
            errors += _validate_node(item, items, at.index(i))
    return errors + _apply_rules(_ARRAY_RULES, value, schema, at)


# ------------------------------------------------------------------ validation: enum


def _enum_matches(value: Any, allowed: Any) -> bool:
    if _is_number(value) and _is_number(allowed):
        return bool(value == allowed)  # Go converts the value to the enum's numeric type
    return allowed is not None and _canonical(value) == _canonical(allowed)


def _enum_text(allowed: Any) -> str:
    return allowed if isinstance(allowed, str) else _canonical(allowed)


def _check_enum(value: Any, schema: Schema, at: _At) -> Errors:
    allowed = schema.get("enum")
    if not allowed:
        return []
    # kube-openapi never finds a null in an enum, even one that lists null
    if value is not None and any(_enum_matches(value, option) for option in allowed):
        return []
    return [fielderrors.not_supported(at.field, value, [_enum_text(o) for o in allowed])]


# ------------------------------------------------------------------ validation: objects


def _min_properties(value: dict[str, Any], schema: Schema, at: _At) -> FieldError | None:
    limit = int(schema["minProperties"])
    if len(value) >= limit:
        return None
    return fielderrors.invalid(
        at.field, len(value), f"{at.name} in body should have at least {limit} properties"
    )


def _max_properties(value: dict[str, Any], schema: Schema, at: _At) -> FieldError | None:
    limit = int(schema["maxProperties"])
    return _too_many(at.field, len(value), limit) if len(value) > limit else None


_SIZE_RULES: Final[Sequence[tuple[str, _Rule]]] = (
    ("minProperties", _min_properties),
    ("maxProperties", _max_properties),
)


def _additional_errors(value: dict[str, Any], schema: Schema, at: _At) -> Errors:
    declared = schema.get("properties") or {}
    extra = [key for key in value if key not in declared]
    additional = schema.get("additionalProperties")
    if additional is False:
        return [
            fielderrors.invalid(at.field, key, f"{at.name}.{key} in body is a forbidden property")
            for key in extra
        ]
    if not isinstance(additional, Mapping):
        return []
    return [error for key in extra for error in _validate_node(value[key], additional, at.key(key))]


def _property_errors(value: dict[str, Any], schema: Schema, at: _At) -> Errors:
    properties: Mapping[str, Schema] = schema.get("properties") or {}
    return [
        error
        for key, sub in properties.items()
        if key in value
        for error in _validate_node(value[key], sub, at.key(key))
    ]


def _required_errors(value: dict[str, Any], schema: Schema, at: _At) -> Errors:
    required: list[str] = schema.get("required") or []
    return [fielderrors.required(at.key(key).field) for key in required if key not in value]


def _check_object(value: Any, schema: Schema, at: _At) -> Errors:
    if not isinstance(value, dict):
        return []
    size_errors = _apply_rules(_SIZE_RULES, value, schema, at)
    if size_errors:
        return size_errors[:1]  # kube-openapi stops at an object whose size is out of range
    return (
        _additional_errors(value, schema, at)
        + _property_errors(value, schema, at)
        + _required_errors(value, schema, at)
    )


# ------------------------------------------------------------------ validation: junctors


def _fewest(results: list[Errors]) -> Errors:
    # kube-openapi shows the failures of the branch that came closest; fewest errors stands in
    # for its count of passed checks
    return min(results, key=len) if results else []


def _any_of(value: Any, schema: Schema, at: _At) -> Errors:
    results = [_validate_node(value, sub, at) for sub in schema["anyOf"]]
    if any(not result for result in results):
        return []
    return [_composite(f"{at.quoted} must validate at least one schema (anyOf)"), *_fewest(results)]


def _one_of(value: Any, schema: Schema, at: _At) -> Errors:
    results = [_validate_node(value, sub, at) for sub in schema["oneOf"]]
    passed = sum(1 for result in results if not result)
    if passed == 1:
        return []
    found = "Found none valid" if passed == 0 else f"Found {passed} valid alternatives"
    error = _composite(f"{at.quoted} must validate one and only one schema (oneOf). {found}")
    return [error, *(_fewest(results) if passed == 0 else [])]


def _all_of(value: Any, schema: Schema, at: _At) -> Errors:
    results = [_validate_node(value, sub, at) for sub in schema["allOf"]]
    errors = [error for result in results for error in result]
    passed = sum(1 for result in results if not result)
    if passed == len(results):
        return errors
    none = ". None validated" if passed == 0 else ""
    return [*errors, _composite(f"{at.quoted} must validate all the schemas (allOf){none}")]


def _not(value: Any, schema: Schema, at: _At) -> Errors:
    if _validate_node(value, schema["not"], at):
        return []
    return [_composite(f"{at.quoted} must not validate the schema (not)")]


_JUNCTORS: Final[Sequence[tuple[str, _Checker]]] = (
    ("anyOf", _any_of),
    ("oneOf", _one_of),
    ("allOf", _all_of),
    ("not", _not),
)


def _check_junctors(value: Any, schema: Schema, at: _At) -> Errors:
    return [
        error
        for keyword, check in _JUNCTORS
        if schema.get(keyword)
        for error in check(value, schema, at)
    ]


# kube-openapi's order: type, junctors, string, format, number, array, enum, object
_CHECKERS: Final[Sequence[_Checker]] = (
    _check_type,
    _check_junctors,
    _check_string,
    _check_format,
    _check_number,
    _check_array,
    _check_enum,
    _check_object,
)
_NULL_CHECKERS: Final[Sequence[_Checker]] = (_check_type, _check_enum)


# ------------------------------------------------------------------ validation: list types


def _first_repeats(values: Sequence[Any]) -> list[int]:
    """The index of the second occurrence of each repeated value, once per value."""
    seen: dict[str, int] = {}
    repeats: list[int] = []
    for i, value in enumerate(values):
        key = _canonical(value)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2:
            repeats.append(i)
    return repeats


def _map_key(item: Any, keys: Sequence[str]) -> dict[str, Any]:
    if not isinstance(item, dict):
        return {}
    return {key: item[key] for key in keys if key in item}


def _list_map_errors(values: list[Any], schema: Schema, path: str) -> Errors:
    for i, item in enumerate(values):
        if item is not None and not isinstance(item, dict):
            return [
                fielderrors.invalid(
                    _index_path(path, i), item, "must be an object for an array of list-type map"
                )
            ]
    identities = [_map_key(item, schema.get(LIST_MAP_KEYS) or []) for item in values]
    return [_duplicate(_index_path(path, i), identities[i]) for i in _first_repeats(identities)]


def _list_type_array(values: list[Any], schema: Schema, path: str) -> Errors:
    errors: Errors = []
    if schema.get(LIST_TYPE) == "set":
        errors += [_duplicate(_index_path(path, i), values[i]) for i in _first_repeats(values)]
    elif schema.get(LIST_TYPE) == "map":
        errors += _list_map_errors(values, schema, path)
    items = schema.get("items")
    if isinstance(items, Mapping):
        for i, item in enumerate(values):
            errors += _list_type_errors(item, items, _index_path(path, i))
    return errors


def _list_type_object(value: dict[str, Any], schema: Schema, path: str) -> Errors:
    errors: Errors = []
    additional = schema.get("additionalProperties")
    if isinstance(additional, Mapping):
        for key, child in value.items():
            errors += _list_type_errors(child, additional, f"{path}[{key}]")
    properties: Mapping[str, Schema] = schema.get("properties") or {}
    for key, child in value.items():
        if key in properties:
            errors += _list_type_errors(child, properties[key], _key_path(path, key))
    return errors


def _list_type_errors(value: Any, schema: Schema, path: str) -> Errors:
    """Sets may not repeat an item, and maps may not repeat a key; checked after the schema."""
    if isinstance(value, dict):
        return _list_type_object(value, schema, path)
    if isinstance(value, list):
        return _list_type_array(value, schema, path)
    return []


# ------------------------------------------------------------------ structural schemas


_JUNCTOR_KEYWORDS: Final = ("allOf", "anyOf", "oneOf")
# what a branch of allOf/anyOf/oneOf/not may not say, as only value validations belong there
_NOT_IN_JUNCTORS: Final = ("type", "description", "default", "nullable", "additionalProperties")


def structural_problems(schema: Schema | None, *, path: str = "openAPIV3Schema") -> list[str]:
    """Why a CRD version's schema is not structural, worded as the apiserver's condition message
    words it (`openAPIV3Schema.type: Required value: must not be empty at the root`); empty when
    it is structural.

    A structural schema gives every level a `type`, unless the level preserves unknown fields or
    is int-or-string; embedded resources are objects; `properties` and `additionalProperties`
    exclude each other; and allOf/anyOf/oneOf/not branches hold only value validations.
    """
    return _structural(schema or {}, path, "must not be empty at the root")


def _needs_type(schema: Schema) -> bool:
    exempt = (PRESERVE_UNKNOWN_FIELDS, INT_OR_STRING, EMBEDDED_RESOURCE)
    return not schema.get("type") and not any(schema.get(flag) is True for flag in exempt)


def _own_problems(schema: Schema, path: str, missing_type: str) -> list[str]:
    problems: list[str] = []
    if _needs_type(schema):
        problems.append(f"{path}.type: Required value: {missing_type}")
    if schema.get(EMBEDDED_RESOURCE) is True and schema.get("type") != "object":
        shown = _quote(str(schema.get("type") or ""))
        problems.append(
            f"{path}.type: Invalid value: {shown}: must be object if "
            "x-kubernetes-embedded-resource is true"
        )
    if schema.get("properties") and schema.get("additionalProperties") is not None:
        problems.append(
            f"{path}.additionalProperties: Forbidden: additionalProperties and "
            "properties are mutual exclusive"
        )
    return problems


def _children(schema: Schema, path: str) -> list[tuple[Schema, str, str]]:
    """The sub-schemas that must carry their own type, with their paths and the message."""
    children = [
        (sub, f"{path}.properties[{name}]", "must not be empty for specified object fields")
        for name, sub in (schema.get("properties") or {}).items()
    ]
    if isinstance(schema.get("items"), Mapping):
        children.append(
            (schema["items"], f"{path}.items", "must not be empty for specified array items")
        )
    if isinstance(schema.get("additionalProperties"), Mapping):
        children.append(
            (
                schema["additionalProperties"],
                f"{path}.additionalProperties",
                "must not be empty for specified object fields",
            )
        )
    return children


def _branches(schema: Schema, path: str) -> list[tuple[Schema, str]]:
    branches = [
        (branch, f"{path}.{keyword}[{i}]")
        for keyword in _JUNCTOR_KEYWORDS
        for i, branch in enumerate(schema.get(keyword) or [])
    ]
    if isinstance(schema.get("not"), Mapping):
        branches.append((schema["not"], f"{path}.not"))
    return branches


def _is_int_or_string_branch(schema: Schema, branch: Schema) -> bool:
    # controller-gen writes IntOrString as anyOf integer|string beside the flag; the
    # apiserver accepts exactly that form as structural
    return schema.get(INT_OR_STRING) is True and dict(branch) in (
        {"type": "integer"},
        {"type": "string"},
    )


def _structural(schema: Schema, path: str, missing_type: str) -> list[str]:
    problems = _own_problems(schema, path, missing_type)
    for sub, sub_path, message in _children(schema, path):
        problems += _structural(sub, sub_path, message)
    for branch, branch_path in _branches(schema, path):
        if not _is_int_or_string_branch(schema, branch):
            problems += _junctor_problems(branch, branch_path)
    return problems


def _junctor_problems(schema: Schema, path: str) -> list[str]:
    problems = [
        f"{path}.{keyword}: Forbidden: must be empty to be structural"
        for keyword in _NOT_IN_JUNCTORS
        if schema.get(keyword) is not None
    ]
    nested = [(sub, sub_path) for sub, sub_path, _ in _children(schema, path)]
    for sub, sub_path in nested + _branches(schema, path):
        problems += _junctor_problems(sub, sub_path)
    return problems
