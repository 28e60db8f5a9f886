"""Metadata validation of the embedded apiserver: names, labels, annotations, owners."""

from __future__ import annotations

import random
from typing import Any

import pytest

from rollouts.devcluster.names import (
    SUFFIX_ALPHABET,
    generate_name,
    generate_name_suffix,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_label_value,
    validate_annotations,
    validate_labels,
    validate_name,
    validate_object_meta,
)

SUBDOMAIN_ERROR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    r"for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_ERROR = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1035_ERROR = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
QUALIFIED_NAME_ERROR = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
LABEL_VALUE_ERROR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def _meta_messages(meta: dict[str, Any], **kwargs: Any) -> list[str]:
    options: dict[str, Any] = {"resource": "pods", "namespaced": True, "url_namespace": "default"}
    options.update(kwargs)
    return [str(error) for error in validate_object_meta(meta, **options)]


# --------------------------------------------------------------------------------------------
# DNS names


@pytest.mark.parametrize(
    "name",
    ["a", "web", "my-app.example.com", "1-2-3", "a" * 253],
    ids=["one-letter", "word", "dotted", "digits", "longest"],
)
def test_a_good_subdomain_has_no_errors(name: str):
    assert is_dns1123_subdomain(name) == []


@pytest.mark.parametrize(
    "name",
    ["Web", "-web", "web-", "my_app", "web.", ".web", "", "a..b"],
    ids=[
        "capital",
        "leading-dash",
        "trailing-dash",
        "underscore",
        "trailing-dot",
        "leading-dot",
        "empty",
        "empty-label",
    ],
)
def test_a_bad_subdomain_gets_kubes_message(name: str):
    assert is_dns1123_subdomain(name) == [SUBDOMAIN_ERROR]


def test_a_subdomain_over_253_characters_is_too_long():
    assert is_dns1123_subdomain("a" * 254) == ["must be no more than 253 characters"]


@pytest.mark.parametrize("name", ["a", "web-1", "a" * 63], ids=["one-letter", "dashed", "longest"])
def test_a_good_label_has_no_errors(name: str):
    assert is_dns1123_label(name) == []


def test_a_bad_label_gets_kubes_message_with_its_double_space():
    assert is_dns1123_label("Web") == [LABEL_ERROR]


def test_a_label_with_dots_is_told_so_plainly():
    assert is_dns1123_label("a.b") == ["must not contain dots"]


def test_a_label_over_63_characters_is_too_long():
    assert is_dns1123_label("a" * 64) == ["must be no more than 63 characters"]


# --------------------------------------------------------------------------------------------
# Name rules by resource


NAME_RULE_CASES = [
    pytest.param("pods", "web.v1", [], id="pod-subdomain-with-dot"),
    pytest.param("namespaces", "team.a", ["must not contain dots"], id="namespace-is-a-label"),
    pytest.param("services", "1web", [DNS1035_ERROR], id="service-must-start-with-letter"),
    pytest.param("services", "web-1", [], id="service-good"),
    pytest.param("customresource", "Widget", [SUBDOMAIN_ERROR], id="custom-resource-subdomain"),
    pytest.param("somethingnew", "x.y", [], id="unknown-resource-uses-subdomain"),
    pytest.param("roles", "system:reader", [], id="rbac-allows-colons"),
    pytest.param("roles", "a/b", ["may not contain '/'"], id="rbac-forbids-slash"),
]


@pytest.mark.parametrize(("resource", "name", "messages"), NAME_RULE_CASES)
def test_each_resource_applies_its_own_name_rule(resource: str, name: str, messages: list[str]):
    assert [e.detail for e in validate_name(resource, name)] == messages


def test_a_bad_name_is_reported_on_metadata_name():
    (error,) = validate_name("pods", "Web")

    assert str(error) == f'metadata.name: Invalid value: "Web": {SUBDOMAIN_ERROR}'


def test_a_crd_must_be_named_plural_dot_group():
    spec = {"group": "example.com", "names": {"plural": "widgets"}}

    assert validate_name("customresourcedefinitions", "widgets.example.com", crd_spec=spec) == []
    assert [
        e.detail for e in validate_name("customresourcedefinitions", "w.example.com", crd_spec=spec)
    ] == ['must be spec.names.plural+"."+spec.group']


# --------------------------------------------------------------------------------------------
# Labels and annotations


@pytest.mark.parametrize(
    "key",
    ["app", "app.kubernetes.io/name", "example.com/My_Key", "a" * 63, "x/" + "a" * 63],
    ids=["plain", "prefixed", "mixed-case-name", "longest-name", "prefixed-longest-name"],
)
def test_a_good_label_key_has_no_errors(key: str):
    assert is_qualified_name(key) == []


BAD_KEYS = [
    pytest.param("-app", ["name part " + QUALIFIED_NAME_ERROR], id="leading-dash"),
    pytest.param("a" * 64, ["name part must be no more than 63 characters"], id="name-too-long"),
    pytest.param("/app", ["prefix part must be non-empty"], id="empty-prefix"),
    pytest.param("Example.com/app", ["prefix part " + SUBDOMAIN_ERROR], id="capital-prefix"),
    pytest.param(
        "", ["name part must be non-empty", "name part " + QUALIFIED_NAME_ERROR], id="empty"
    ),
    pytest.param(
        "a/b/c",
        [
            f"a qualified name {QUALIFIED_NAME_ERROR} with an optional DNS subdomain prefix "
            "and '/' (e.g. 'example.com/MyName')"
        ],
        id="two-slashes",
    ),
]


@pytest.mark.parametrize(("key", "messages"), BAD_KEYS)
def test_a_bad_label_key_gets_kubes_messages(key: str, messages: list[str]):
    assert is_qualified_name(key) == messages


@pytest.mark.parametrize(
    ("value", "messages"),
    [
        pytest.param("", [], id="empty-allowed"),
        pytest.param("v1.2_b-c", [], id="mixed"),
        pytest.param("a" * 63, [], id="longest"),
        pytest.param("a" * 64, ["must be no more than 63 characters"], id="too-long"),
        pytest.param("-x", [LABEL_VALUE_ERROR], id="leading-dash"),
        pytest.param("a b", [LABEL_VALUE_ERROR], id="space"),
    ],
)
def test_label_values_follow_the_label_value_rule(value: str, messages: list[str]):
    assert is_valid_label_value(value) == messages


def test_label_errors_name_the_whole_map():
    errors = validate_labels({"ok": "fine", "bad key": "x"})

    assert [str(e) for e in errors] == [
        f'metadata.labels: Invalid value: "bad key": name part {QUALIFIED_NAME_ERROR}'
    ]


def test_annotation_keys_are_checked_whatever_their_case():
    assert validate_annotations({"Example.COM/Some-Key": "x"}) == []


def test_annotations_may_take_at_most_256_kib_in_all():
    small = {"a": "x" * (256 * 1024 - 1)}
    large = {"a": "x" * (256 * 1024)}

    assert validate_annotations(small) == []
    assert [str(e) for e in validate_annotations(large)] == [
        "metadata.annotations: Too long: may not be more than 262144 bytes"
    ]


# --------------------------------------------------------------------------------------------
# Generated names


def test_a_generated_suffix_is_five_characters_of_kubes_alphabet():
    suffix = generate_name_suffix(random.Random(7))

    assert len(suffix) == 5
    assert set(suffix) <= set(SUFFIX_ALPHABET)


def test_generated_suffixes_are_deterministic_for_a_seeded_rng():
    first = [generate_name_suffix(random.Random(42)) for _ in range(2)]

    assert first[0] == first[1]
    assert generate_name_suffix(random.Random(43)) != first[0]


def test_a_long_generate_name_is_cut_to_58_characters_before_the_suffix():
    name = generate_name("x" * 70, random.Random(1))

    assert len(name) == 63
    assert name.startswith("x" * 58)
    assert not is_dns1123_label(name)


# --------------------------------------------------------------------------------------------
# Whole metadata


def test_an_object_without_name_or_generate_name_is_rejected():
    assert _meta_messages({}) == ["metadata.name: Required value: name or generateName is required"]


@pytest.mark.parametrize("prefix", ["web-", "web", "a-"], ids=["dash", "plain", "short-dash"])
def test_a_generate_name_stands_in_for_a_name(prefix: str):
    assert _meta_messages({"generateName": prefix}) == []


def test_a_bad_generate_name_is_reported_on_its_own_field():
    (message,) = _meta_messages({"generateName": "Web-"})

    assert message.startswith('metadata.generateName: Invalid value: "Web-": a lowercase RFC 1123')


def test_a_namespaced_object_takes_the_urls_namespace():
    assert _meta_messages({"name": "web"}, url_namespace="team-a") == []


def test_a_namespaced_object_without_any_namespace_needs_one():
    assert _meta_messages({"name": "web"}, url_namespace=None) == [
        "metadata.namespace: Required value"
    ]


def test_a_namespace_name_must_be_a_label():
    assert _meta_messages({"name": "web", "namespace": "Team"}, url_namespace=None) == [
        f'metadata.namespace: Invalid value: "Team": {LABEL_ERROR}'
    ]


def test_an_object_namespace_that_disagrees_with_the_url_is_rejected():
    (message,) = _meta_messages({"name": "web", "namespace": "a"}, url_namespace="b")

    assert message == (
        'metadata.namespace: Invalid value: "a": the namespace of the provided object does not '
        "match the namespace sent on the request"
    )


def test_a_cluster_scoped_object_ignores_a_namespace():
    meta = {"name": "team-a", "namespace": "whatever"}

    assert _meta_messages(meta, resource="namespaces", namespaced=False, url_namespace=None) == []


def test_metadata_labels_are_validated_with_the_object():
    assert _meta_messages({"name": "web", "labels": {"app": "-x"}}) == [
        f'metadata.labels: Invalid value: "-x": {LABEL_VALUE_ERROR}'
    ]


OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "u1"}


def test_a_well_formed_owner_reference_passes():
    assert _meta_messages({"name": "web", "ownerReferences": [{**OWNER, "controller": True}]}) == []


def test_owner_references_need_version_kind_name_and_uid():
    assert _meta_messages({"name": "web", "ownerReferences": [{"apiVersion": "apps/"}]}) == [
        'metadata.ownerReferences.apiVersion: Invalid value: "apps/": version must not be empty',
        'metadata.ownerReferences.kind: Invalid value: "": kind must not be empty',
        'metadata.ownerReferences.name: Invalid value: "": name must not be empty',
        'metadata.ownerReferences.uid: Invalid value: "": uid must not be empty',
    ]


def test_only_one_owner_reference_may_be_the_controller():
    refs = [{**OWNER, "controller": True}, {**OWNER, "name": "web-2", "controller": True}]

    (error,) = validate_object_meta(
        {"name": "web", "ownerReferences": refs},
        resource="pods",
        namespaced=True,
        url_namespace="default",
    )

    assert error.field == "metadata.ownerReferences"
    assert error.detail == (
        'Only one reference can have Controller set to true. Found "true" in references for '
        "ReplicaSet/web-1 and ReplicaSet/web-2"
    )


def test_an_event_may_not_own_anything():
    ref = {"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "u"}

    (error,) = validate_object_meta(
        {"name": "web", "ownerReferences": [ref]},
        resource="pods",
        namespaced=True,
        url_namespace="default",
    )

    assert error.detail == "/v1, Kind=Event is disallowed from being an owner"


@pytest.mark.parametrize(
    ("finalizers", "messages"),
    [
        pytest.param(["example.com/cleanup", "orphan"], [], id="qualified"),
        pytest.param(
            ["bad finalizer"],
            [
                'metadata.finalizers: Invalid value: "bad finalizer": name part '
                + QUALIFIED_NAME_ERROR
            ],
            id="space",
        ),
    ],
)
def test_finalizers_must_be_qualified_names(finalizers: list[str], messages: list[str]):
    assert _meta_messages({"name": "web", "finalizers": finalizers}) == messages


def test_orphan_and_foreground_deletion_exclude_each_other():
    errors = validate_object_meta(
        {"name": "web", "finalizers": ["orphan", "foregroundDeletion"]},
        resource="pods",
        namespaced=True,
        url_namespace="default",
    )

    assert [e.detail for e in errors] == [
        "finalizer orphan and foregroundDeletion cannot be both set"
    ]


def test_a_negative_generation_is_invalid():
    assert _meta_messages({"name": "web", "generation": -1}) == [
        "metadata.generation: Invalid value: -1: must be greater than or equal to 0"
    ]
