"""Object metadata validation as the apiserver runs it on every create and update (pure).

Names, namespaces, labels, annotations, owner references and finalizers follow the rules of
k8s.io/apimachinery's validation packages. The messages keep the apiserver's exact wording,
odd spacing included, because kubectl prints them verbatim and users search for them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from rollouts.devcluster import fielderrors
from rollouts.devcluster.fielderrors import FieldError

NameRule = Callable[[str, bool], list[str]]
"""Checks a name (or, when the flag is set, a generateName prefix) and returns messages."""

DNS1123_LABEL_MAX_LENGTH: Final = 63
DNS1123_SUBDOMAIN_MAX_LENGTH: Final = 253
DNS1035_LABEL_MAX_LENGTH: Final = 63
QUALIFIED_NAME_MAX_LENGTH: Final = 63
LABEL_VALUE_MAX_LENGTH: Final = 63
TOTAL_ANNOTATION_SIZE_LIMIT: Final = 256 * 1024
SUFFIX_ALPHABET: Final = "bcdfghjklmnpqrstvwxz2456789"
SUFFIX_LENGTH: Final = 5
MAX_GENERATED_BASE_LENGTH: Final = DNS1123_LABEL_MAX_LENGTH - SUFFIX_LENGTH
CRONJOB_NAME_MAX_LENGTH: Final = DNS1035_LABEL_MAX_LENGTH - 11

_LABEL_FMT: Final = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT: Final = _LABEL_FMT + r"(\." + _LABEL_FMT + ")*"
_DNS1035_FMT: Final = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_NAME_FMT: Final = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT: Final = "(" + _QUALIFIED_NAME_FMT + ")?"

_LABEL_MSG: Final = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_SUBDOMAIN_MSG: Final = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character"
)
_DNS1035_MSG: Final = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character"
)
_QUALIFIED_NAME_MSG: Final = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_LABEL_VALUE_MSG: Final = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character"
)

_FINALIZER_ORPHAN: Final = "orphan"
_FINALIZER_FOREGROUND: Final = "foregroundDeletion"
# Event objects may not own anything: the garbage collector would delete them with their owner.
_BANNED_OWNERS: Final = frozenset({("", "v1", "Event")})


# ------------------------------------------------------------------ string rules


def _byte_length(value: str) -> int:
    # Go measures strings in bytes, so a multi-byte character counts for more than one.
    return len(value.encode())


def _matches(fmt: str, value: str) -> bool:
    # fullmatch, not `$`: Go's `$` never matches before a trailing newline, Python's does.
    return re.fullmatch(fmt, value) is not None


def _regex_error(message: str, fmt: str, *examples: str) -> str:
    """The apiserver's RegexError text; the double space before `or` is theirs, kept on purpose."""
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def _max_length_error(limit: int) -> str:
    return f"must be no more than {limit} characters"


def is_dns1123_label(value: str) -> list[str]:
    """A DNS-1123 label: at most 63 lowercase alphanumerics or '-', alphanumeric at both ends."""
    errors: list[str] = []
    if _byte_length(value) > DNS1123_LABEL_MAX_LENGTH:
        errors.append(_max_length_error(DNS1123_LABEL_MAX_LENGTH))
    if not _matches(_LABEL_FMT, value):
        if _matches(_SUBDOMAIN_FMT, value):
            # a valid subdomain that is not a valid label can only be wrong by its dots
            errors.append("must not contain dots")
        else:
            errors.append(_regex_error(_LABEL_MSG, _LABEL_FMT, "my-name", "123-abc"))
    return errors


def is_dns1123_subdomain(value: str) -> list[str]:
    """A DNS-1123 subdomain: at most 253 characters of dot-separated DNS-1123 labels."""
    errors: list[str] = []
    if _byte_length(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errors.append(_max_length_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _matches(_SUBDOMAIN_FMT, value):
        errors.append(_regex_error(_SUBDOMAIN_MSG, _SUBDOMAIN_FMT, "example.com"))
    return errors


def is_dns1035_label(value: str) -> list[str]:
    """A DNS-1035 label: like a DNS-1123 label, but it must start with a letter."""
    errors: list[str] = []
    if _byte_length(value) > DNS1035_LABEL_MAX_LENGTH:
        errors.append(_max_length_error(DNS1035_LABEL_MAX_LENGTH))
    if not _matches(_DNS1035_FMT, value):
        errors.append(_regex_error(_DNS1035_MSG, _DNS1035_FMT, "my-name", "abc-123"))
    return errors


def _qualified_name_part(name: str) -> list[str]:
    errors: list[str] = []
    if not name:
        errors.append("name part must be non-empty")
    elif _byte_length(name) > QUALIFIED_NAME_MAX_LENGTH:
        errors.append("name part " + _max_length_error(QUALIFIED_NAME_MAX_LENGTH))
    if not _matches(_QUALIFIED_NAME_FMT, name):
        example = _regex_error(
            _QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"
        )
        errors.append("name part " + example)
    return errors


def _prefix_part(prefix: str) -> list[str]:
    if not prefix:
        return ["prefix part must be non-empty"]
    return ["prefix part " + msg for msg in is_dns1123_subdomain(prefix)]


def is_qualified_name(value: str) -> list[str]:
    """A qualified name: an optional DNS-1123 subdomain prefix and '/', then a name of up to 63
    alphanumerics, '-', '_' or '.', alphanumeric at both ends (label keys, finalizers)."""
    parts = value.split("/")
    if len(parts) > 2:
        example = _regex_error(
            _QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"
        )
        return [
            f"a qualified name {example} with an optional DNS subdomain prefix and '/' "
            "(e.g. 'example.com/MyName')"
        ]
    prefix_errors = _prefix_part(parts[0]) if len(parts) == 2 else []
    return prefix_errors + _qualified_name_part(parts[-1])


def is_valid_label_value(value: str) -> list[str]:
    """A label value: empty, or up to 63 alphanumerics, '-', '_' or '.', alphanumeric at both
    ends."""
    errors: list[str] = []
    if _byte_length(value) > LABEL_VALUE_MAX_LENGTH:
        errors.append(_max_length_error(LABEL_VALUE_MAX_LENGTH))
    if not _matches(_LABEL_VALUE_FMT, value):
        errors.append(
            _regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345")
        )
    return errors


def is_valid_path_segment_name(value: str) -> list[str]:
    """A name that is safe in a URL path: not '.' or '..', and no '/' or '%'."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in value]


# ------------------------------------------------------------------ name rules


def _mask_trailing_dash(name: str) -> str:
    # A generateName prefix may end in '-' because a suffix follows. The apiserver swaps the
    # end for a letter before checking, dropping one character too many; we do the same.
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    """The usual rule for object names: a DNS-1123 subdomain."""
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    """Names that become a single DNS label, such as namespaces."""
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    """Service names, which become DNS names that must start with a letter."""
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


def name_is_path_segment(name: str, prefix: bool) -> list[str]:
    """RBAC names, which may hold ':' and capitals but must still fit in a URL path."""
    if prefix:
        return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in name]
    return is_valid_path_segment_name(name)


def _cronjob_name(name: str, prefix: bool) -> list[str]:
    # the controller appends an 11-character suffix to the job names it derives
    errors = name_is_dns_subdomain(name, prefix)
    if not prefix and _byte_length(name) > CRONJOB_NAME_MAX_LENGTH:
        errors.append(_max_length_error(CRONJOB_NAME_MAX_LENGTH))
    return errors


NAME_RULES: Final[Mapping[str, NameRule]] = {
    "namespaces": name_is_dns_label,
    "services": name_is_dns1035_label,
    "pods": name_is_dns_subdomain,
    "configmaps": name_is_dns_subdomain,
    "secrets": name_is_dns_subdomain,
    "serviceaccounts": name_is_dns_subdomain,
    "endpoints": name_is_dns_subdomain,
    "events": name_is_dns_subdomain,
    "nodes": name_is_dns_subdomain,
    "persistentvolumeclaims": name_is_dns_subdomain,
    "deployments": name_is_dns_subdomain,
    "replicasets": name_is_dns_subdomain,
    "daemonsets": name_is_dns_subdomain,
    "jobs": name_is_dns_subdomain,
    "cronjobs": _cronjob_name,
    "horizontalpodautoscalers": name_is_dns_subdomain,
    "poddisruptionbudgets": name_is_dns_subdomain,
    "ingresses": name_is_dns_subdomain,
    "leases": name_is_dns_subdomain,
    "roles": name_is_path_segment,
    "rolebindings": name_is_path_segment,
    "clusterroles": name_is_path_segment,
    "clusterrolebindings": name_is_path_segment,
    "customresourcedefinitions": name_is_dns_subdomain,
    "customresource": name_is_dns_subdomain,
    "customresources": name_is_dns_subdomain,
}
"""Which rule each resource (by plural) applies to its names; others use DNS subdomains, as
custom resources do."""


def name_rule(resource: str) -> NameRule:
    """The name rule for a resource plural, a DNS-1123 subdomain when the table has none."""
    return NAME_RULES.get(resource, name_is_dns_subdomain)


def _crd_name_errors(name: str, crd_spec: Mapping[str, Any] | None) -> list[str]:
    if crd_spec is None:
        return []
    names = crd_spec.get("names") or {}
    if name != f"{names.get('plural', '')}.{crd_spec.get('group', '')}":
        return ['must be spec.names.plural+"."+spec.group']
    return []


def validate_name(
    resource: str, name: str, *, crd_spec: Mapping[str, Any] | None = None
) -> list[FieldError]:
    """Check `metadata.name` against the resource's rule (see `NAME_RULES`).

    A CustomResourceDefinition must also be named `<spec.names.plural>.<spec.group>`; pass its
    spec as `crd_spec` to check that too.
    """
    messages = name_rule(resource)(name, False)
    if resource == "customresourcedefinitions":
        messages += _crd_name_errors(name, crd_spec)
    return [fielderrors.invalid("metadata.name", name, msg) for msg in messages]


def generate_name_suffix(rng: random.Random) -> str:
    """Five characters from the apiserver's alphabet, which has no vowels so that generated
    names never spell words."""
    return "".join(rng.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))


def generate_name(base: str, rng: random.Random) -> str:
    """A name for `generateName: base`: the base cut to 58 characters, then a random suffix."""
    return base[:MAX_GENERATED_BASE_LENGTH] + generate_name_suffix(rng)


# ------------------------------------------------------------------ labels and annotations


def _not_a_string(path: str, value: Any) -> FieldError:
    # the apiserver's JSON decoding rejects these before validation; we still say where
    return fielderrors.invalid(path, value, "must be a string")


def validate_labels(labels: Any, path: str = "metadata.labels") -> list[FieldError]:
    """Label keys are qualified names; values are empty or up to 63 characters of the same
    alphabet. Errors name the whole map, as the apiserver's do."""
    if not isinstance(labels, Mapping):
        return [fielderrors.invalid(path, labels, "must be a map of strings")]
    errors: list[FieldError] = []
    for key, value in labels.items():
        errors += [fielderrors.invalid(path, key, msg) for msg in is_qualified_name(str(key))]
        if not isinstance(value, str):
            errors.append(_not_a_string(path, value))
            continue
        errors += [fielderrors.invalid(path, value, msg) for msg in is_valid_label_value(value)]
    return errors


def validate_annotations(annotations: Any, path: str = "metadata.annotations") -> list[FieldError]:
    """Annotation keys are qualified names in any case; keys and values together may take at
    most 256 KiB."""
    if not isinstance(annotations, Mapping):
        return [fielderrors.invalid(path, annotations, "must be a map of strings")]
    errors: list[FieldError] = []
    total = 0
    for key, value in annotations.items():
        errors += [
            fielderrors.invalid(path, key, msg) for msg in is_qualified_name(str(key).lower())
        ]
        if not isinstance(value, str):
            errors.append(_not_a_string(path, value))
            continue
        total += _byte_length(str(key)) + _byte_length(value)
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errors.append(fielderrors.too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errors


# ------------------------------------------------------------------ owners and finalizers


def _group_version(api_version: str) -> tuple[str, str]:
    """(group, version) as Go's ParseGroupVersion reads it; a malformed value has no version."""
    if api_version in ("", "/"):
        return "", ""
    if api_version.count("/") == 0:
        return "", api_version
    if api_version.count("/") == 1:
        group, version = api_version.split("/")
        return group, version
    return "", ""


def _owner_reference_errors(ref: Mapping[str, Any], path: str) -> list[FieldError]:
    api_version = str(ref.get("apiVersion") or "")
    kind = str(ref.get("kind") or "")
    group, version = _group_version(api_version)
    errors: list[FieldError] = []
    if not version:
        errors.append(
            fielderrors.invalid(f"{path}.apiVersion", api_version, "version must not be empty")
        )
    if not kind:
        errors.append(fielderrors.invalid(f"{path}.kind", kind, "kind must not be empty"))
    for key in ("name", "uid"):
        if not ref.get(key):
            value = str(ref.get(key) or "")
            errors.append(fielderrors.invalid(f"{path}.{key}", value, f"{key} must not be empty"))
    if (group, version, kind) in _BANNED_OWNERS:
        errors.append(
            fielderrors.invalid(
                path, dict(ref), f"{group}/{version}, Kind={kind} is disallowed from being an owner"
            )
        )
    return errors


def validate_owner_references(
    refs: Any, path: str = "metadata.ownerReferences"
) -> list[FieldError]:
    """Each reference needs apiVersion (with a version), kind, name and uid; at most one may set
    `controller: true`. Paths carry no index, as the apiserver's do not."""
    if not isinstance(refs, list):
        return [fielderrors.invalid(path, refs, "must be a list of owner references")]
    errors: list[FieldError] = []
    first_controller = ""
    for entry in refs:
        ref: Mapping[str, Any] = entry if isinstance(entry, Mapping) else {}
        errors += _owner_reference_errors(ref, path)
        if ref.get("controller") is not True:
            continue
        current = f"{ref.get('kind', '')}/{ref.get('name', '')}"
        if not first_controller:
            first_controller = current
            continue
        errors.append(
            fielderrors.invalid(
                path,
                refs,
                'Only one reference can have Controller set to true. Found "true" in references '
                f"for {first_controller} and {current}",
            )
        )
    return errors


def validate_finalizers(finalizers: Any, path: str = "metadata.finalizers") -> list[FieldError]:
    """Finalizers are qualified names, and `orphan` and `foregroundDeletion` exclude each
    other."""
    if not isinstance(finalizers, list):
        return [fielderrors.invalid(path, finalizers, "must be a list of strings")]
    errors: list[FieldError] = []
    for finalizer in finalizers:
        if not isinstance(finalizer, str):
            errors.append(_not_a_string(path, finalizer))
            continue
        messages = is_qualified_name(finalizer)
        errors += [fielderrors.invalid(path, finalizer, msg) for msg in messages]
    if _FINALIZER_ORPHAN in finalizers and _FINALIZER_FOREGROUND in finalizers:
        errors.append(
            fielderrors.invalid(
                path,
                finalizers,
                f"finalizer {_FINALIZER_ORPHAN} and {_FINALIZER_FOREGROUND} cannot be both set",
            )
        )
    return errors


# ------------------------------------------------------------------ the whole of metadata


def _text(meta: Mapping[str, Any], key: str) -> str:
    value = meta.get(key)
    return value if isinstance(value, str) else ""


def _name_errors(meta: Mapping[str, Any], rule: NameRule) -> list[FieldError]:
    errors: list[FieldError] = []
    generate_name = _text(meta, "generateName")
    if generate_name:
        errors += [
            fielderrors.invalid("metadata.generateName", generate_name, msg)
            for msg in rule(generate_name, True)
        ]
    name = _text(meta, "name")
    if name:
        errors += [fielderrors.invalid("metadata.name", name, msg) for msg in rule(name, False)]
    elif not generate_name:
        errors.append(fielderrors.required("metadata.name", "name or generateName is required"))
    return errors


def _namespace_errors(
    meta: Mapping[str, Any], *, namespaced: bool, url_namespace: str | None
) -> list[FieldError]:
    # For a cluster-scoped object the apiserver silently clears a namespace it was sent.
    if not namespaced:
        return []
    own = _text(meta, "namespace")
    if own and url_namespace and own != url_namespace:
        return [
            fielderrors.invalid(
                "metadata.namespace",
                own,
                "the namespace of the provided object does not match the namespace sent on the "
                "request",
            )
        ]
    namespace = own or url_namespace or ""
    if not namespace:
        return [fielderrors.required("metadata.namespace")]
    return [
        fielderrors.invalid("metadata.namespace", namespace, msg)
        for msg in name_is_dns_label(namespace, False)
    ]


def _generation_errors(meta: Mapping[str, Any]) -> list[FieldError]:
    generation = meta.get("generation")
    if isinstance(generation, int) and generation < 0:
        return [
            fielderrors.invalid(
                "metadata.generation", generation, "must be greater than or equal to 0"
            )
        ]
    return []


def validate_object_meta(
    meta: Mapping[str, Any],
    *,
    resource: str,
    namespaced: bool,
    url_namespace: str | None,
    crd_spec: Mapping[str, Any] | None = None,
) -> list[FieldError]:
    """Validate `metadata` as the apiserver does before storing an object.

    A name is required unless generateName is set (call this after generating the name, as the
    apiserver does, or before, to check the prefix alone). Names follow the resource's rule in
    `NAME_RULES`. A namespaced object needs a namespace, its own or the URL's, and the two must
    agree (the apiserver answers a mismatch with 400 before validating; we report it here too).
    Then labels, annotations, owner references and finalizers are checked.
    """
    rule = name_rule(resource)
    errors = _name_errors(meta, rule)
    if resource == "customresourcedefinitions" and _text(meta, "name"):
        errors += [
            fielderrors.invalid("metadata.name", _text(meta, "name"), msg)
            for msg in _crd_name_errors(_text(meta, "name"), crd_spec)
        ]
    errors += _namespace_errors(meta, namespaced=namespaced, url_namespace=url_namespace)
    errors += _generation_errors(meta)
    errors += validate_labels(meta.get("labels") or {})
    errors += validate_annotations(meta.get("annotations") or {})
    errors += validate_owner_references(meta.get("ownerReferences") or [])
    errors += validate_finalizers(meta.get("finalizers") or [])
    return errors
