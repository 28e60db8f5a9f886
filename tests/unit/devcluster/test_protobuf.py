"""Kubernetes protobuf bodies read into the JSON the JSON API would carry.

The bodies are built by hand with the tiny encoder of `protoenc` (protobuf wire format:
varints, length-delimited fields, fixed 32/64-bit fields), plus three bodies captured from
kubectl 1.32. The other kinds are in test_protobuf_kinds.py.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from rollouts.devcluster import protobuf
from rollouts.devcluster.protobuf import MAGIC, ProtobufError, UnsupportedKindError, decode
from tests.unit.devcluster.protoenc import (
    b64,
    entry,
    envelope,
    fixed32,
    fixed64,
    gogo_meta,
    ld,
    num,
    time,
)

# --- bodies kubectl 1.32 sent: create namespace x; create secret generic s --from-literal=a=b
# --type=Opaque; create serviceaccount sa ---------------------------------------------------

KUBECTL_NAMESPACE = (
    b'k8s\x00\n\x0f\n\x02v1\x12\tNamespace\x12\x19\n\x11\n\x01x\x12\x00\x1a\x00"\x00*\x002\x00'
    b'8\x00B\x00\x12\x00\x1a\x02\n\x00\x1a\x00"\x00'
)
KUBECTL_SECRET = (
    b'k8s\x00\n\x0c\n\x02v1\x12\x06Secret\x12#\n\x11\n\x01s\x12\x00\x1a\x00"\x00*\x002\x008\x00'
    b'B\x00\x12\x06\n\x01a\x12\x01b\x1a\x06Opaque\x1a\x00"\x00'
)
KUBECTL_SERVICE_ACCOUNT = (
    b'k8s\x00\n\x14\n\x02v1\x12\x0eServiceAccount\x12\x14\n\x12\n\x02sa\x12\x00\x1a\x00"\x00*'
    b'\x002\x008\x00B\x00\x1a\x00"\x00'
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            KUBECTL_NAMESPACE,
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": "x"},
                "spec": {},
                "status": {},
            },
            id="namespace",
        ),
        pytest.param(
            KUBECTL_SECRET,
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "s"},
                "data": {"a": "Yg=="},
                "type": "Opaque",
            },
            id="secret",
        ),
        pytest.param(
            KUBECTL_SERVICE_ACCOUNT,
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}},
            id="serviceaccount",
        ),
    ],
)
def test_bodies_kubectl_sends_decode_to_the_json_it_would_send(
    body: bytes, expected: dict[str, Any]
):
    assert decode(body) == expected


def test_object_meta_decodes_every_described_field():
    owner = (
        ld(1, "Deployment")
        + ld(3, "web")
        + ld(4, "0d5d1bd2-uid")
        + ld(5, "apps/v1")
        + num(6, 1)
        + num(7, 0)
    )
    meta = (
        ld(1, "cm")
        + ld(2, "cm-")
        + ld(3, "team")
        + ld(4, "/api/v1/namespaces/team/configmaps/cm")
        + ld(5, "uid-1")
        + ld(6, "42")
        + num(7, 3)
        + time(8, 1_700_000_000, nanos=123)
        + time(9, 1_700_000_060)
        + num(10, 30)
        + entry(11, "app", "web")
        + entry(11, "tier", "front")
        + entry(12, "note", "hello, world")
        + ld(13, owner)
        + ld(14, "example.com/a")
        + ld(14, "example.com/b")
        + ld(17, ld(1, "kubectl") + ld(2, "Update"))
    )
    body = envelope(ld(1, meta), "ConfigMap")

    assert decode(body)["metadata"] == {
        "name": "cm",
        "generateName": "cm-",
        "namespace": "team",
        "selfLink": "/api/v1/namespaces/team/configmaps/cm",
        "uid": "uid-1",
        "resourceVersion": "42",
        "generation": 3,
        "creationTimestamp": "2023-11-14T22:13:20Z",
        "deletionTimestamp": "2023-11-14T22:14:20Z",
        "deletionGracePeriodSeconds": 30,
        "labels": {"app": "web", "tier": "front"},
        "annotations": {"note": "hello, world"},
        "ownerReferences": [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": "web",
                "uid": "0d5d1bd2-uid",
                "controller": True,
                "blockOwnerDeletion": False,
            }
        ],
        "finalizers": ["example.com/a", "example.com/b"],
    }


def test_empty_fields_are_left_out_as_omitempty_does():
    body = envelope(gogo_meta("x") + ld(3, ""), "Secret")

    assert decode(body) == {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}


def test_pointer_fields_keep_their_zero_values():
    meta = gogo_meta("x", num(10, 0))
    body = envelope(meta + num(4, 0), "ConfigMap")

    decoded = decode(body)

    assert decoded["immutable"] is False
    assert decoded["metadata"]["deletionGracePeriodSeconds"] == 0


def test_owner_reference_fields_without_omitempty_are_always_sent():
    body = envelope(gogo_meta("x", ld(13, ld(1, "ReplicaSet") + ld(3, "rs"))), "ConfigMap")

    assert decode(body)["metadata"]["ownerReferences"] == [
        {"kind": "ReplicaSet", "name": "rs", "uid": "", "apiVersion": ""}
    ]


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        pytest.param(ld(8, b""), None, id="empty-is-the-zero-time"),
        pytest.param(time(8, -62_135_596_800), None, id="go-zero-time"),
        pytest.param(ld(8, num(1, 0)), "1970-01-01T00:00:00Z", id="epoch"),
        pytest.param(time(8, 0, nanos=999_999_999), "1970-01-01T00:00:00Z", id="nanos-dropped"),
        pytest.param(time(8, -86_400), "1969-12-31T00:00:00Z", id="before-epoch"),
        pytest.param(time(8, 253_402_300_799), "9999-12-31T23:59:59Z", id="last-second"),
    ],
)
def test_times_are_rfc3339_in_whole_seconds(encoded: bytes, expected: str | None):
    meta = decode(envelope(ld(1, ld(1, "x") + encoded), "ConfigMap"))["metadata"]

    assert meta.get("creationTimestamp") == expected


def test_negative_integers_are_twos_complement():
    body = envelope(ld(1, ld(1, "x") + num(7, -5) + num(10, -1)), "ConfigMap")

    meta = decode(body)["metadata"]

    assert (meta["generation"], meta["deletionGracePeriodSeconds"]) == (-5, -1)


def test_namespace_spec_and_status():
    body = envelope(
        gogo_meta("team") + ld(2, ld(1, "kubernetes")) + ld(3, ld(1, "Active")), "Namespace"
    )

    assert decode(body) == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "team"},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def test_namespace_without_spec_or_status_still_has_them_as_go_structs():
    assert decode(envelope(ld(1, ld(1, "team")), "Namespace")) == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "team"},
        "spec": {},
        "status": {},
    }


def test_configmap_data_binary_data_and_immutable():
    binary = bytes([0, 1, 2, 0xFE, 0xFF])
    body = envelope(
        gogo_meta("cfg")
        + entry(2, "a", "b")
        + entry(2, "multi", "line 1\nline 2\n")
        + entry(3, "blob", binary)
        + num(4, 1),
        "ConfigMap",
    )

    assert decode(body) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg"},
        "data": {"a": "b", "multi": "line 1\nline 2\n"},
        "binaryData": {"blob": b64(binary)},
        "immutable": True,
    }


def test_secret_data_is_base64_and_string_data_is_text():
    body = envelope(
        gogo_meta("creds")
        + entry(2, "password", b"s3cr\xe9t\x00")
        + entry(2, "empty", b"")
        + ld(3, "kubernetes.io/basic-auth")
        + entry(4, "username", "admin")
        + num(5, 0),
        "Secret",
    )

    assert decode(body) == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds"},
        "data": {"password": b64(b"s3cr\xe9t\x00"), "empty": ""},
        "type": "kubernetes.io/basic-auth",
        "stringData": {"username": "admin"},
        "immutable": False,
    }


def test_service_account_references_and_automount():
    secret = ld(1, "Secret") + ld(2, "team") + ld(3, "token") + ld(4, "") + ld(5, "v1")
    body = envelope(
        gogo_meta("robot") + ld(2, secret) + ld(3, ld(1, "registry")) + ld(3, b"") + num(4, 0),
        "ServiceAccount",
    )

    assert decode(body) == {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "robot"},
        "secrets": [{"kind": "Secret", "namespace": "team", "name": "token", "apiVersion": "v1"}],
        "imagePullSecrets": [{"name": "registry"}, {}],
        "automountServiceAccountToken": False,
    }


def test_unknown_fields_of_every_wire_type_are_skipped():
    unknown = num(99, 7) + fixed64(98, 1) + fixed32(97, 2) + ld(96, b"\xff\xfe")
    body = envelope(ld(1, ld(1, "x") + unknown) + unknown + entry(2, "a", "b"), "ConfigMap")

    assert decode(body) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x"},
        "data": {"a": "b"},
    }


def test_repeated_singular_fields_and_map_keys_keep_the_last_value():
    body = envelope(
        ld(1, ld(1, "first") + ld(1, "last")) + entry(2, "k", "1") + entry(2, "k", "2"),
        "ConfigMap",
    )

    decoded = decode(body)

    assert (decoded["metadata"]["name"], decoded["data"]) == ("last", {"k": "2"})


def test_map_entries_without_key_or_value_default_to_empty():
    body = envelope(
        gogo_meta("x") + ld(2, ld(1, "only-key")) + ld(2, ld(2, "only-value")), "ConfigMap"
    )

    assert decode(body)["data"] == {"only-key": "", "": "only-value"}


def test_an_empty_raw_object_decodes_to_an_empty_object():
    assert decode(envelope(b"", "ConfigMap")) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {},
    }


def test_the_envelopes_content_encoding_and_type_are_ignored_as_the_apiserver_does():
    raw = gogo_meta("x")
    body = MAGIC + ld(1, ld(1, "v1") + ld(2, "ConfigMap")) + ld(2, raw) + ld(3, "") + ld(4, "x")

    assert decode(body)["metadata"] == {"name": "x"}


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        pytest.param("apiextensions.k8s.io/v1", "CustomResourceDefinition", id="crd"),
        pytest.param("v1", "Node", id="node"),
        pytest.param("apps/v1", "ConfigMap", id="right-kind-wrong-group"),
    ],
)
def test_kinds_without_a_schema_are_unsupported(api_version: str, kind: str):
    with pytest.raises(UnsupportedKindError) as failure:
        decode(envelope(ld(1, ld(1, "x")), kind, api_version))

    assert (failure.value.api_version, failure.value.kind) == (api_version, kind)
    assert f"cannot decode protobuf for {api_version} {kind}: no schema" in str(failure.value)
    assert isinstance(failure.value, ProtobufError)
    assert isinstance(failure.value, ValueError)


def _configmap(raw: bytes) -> bytes:
    return envelope(raw, "ConfigMap")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(b"", "magic bytes", id="empty"),
        pytest.param(b'{"kind": "ConfigMap"}', "magic bytes", id="json"),
        pytest.param(b"k8s", "magic bytes", id="short-magic"),
        pytest.param(MAGIC, "names no apiVersion and kind", id="empty-envelope"),
        pytest.param(MAGIC + ld(2, b""), "names no apiVersion and kind", id="no-type-meta"),
        pytest.param(MAGIC + ld(1, ld(2, "ConfigMap")), "no apiVersion", id="no-api-version"),
        pytest.param(MAGIC + b"\x0a", "cut short", id="truncated-key-length"),
        pytest.param(MAGIC + b"\x0a\x05ab", "claims 5 bytes, 2 remain", id="length-past-end"),
        pytest.param(MAGIC + b"\x08" + b"\xff" * 11, "past 10 bytes", id="varint-too-long"),
        pytest.param(MAGIC + b"\x08" + b"\xff" * 9 + b"\x7f", "overflows 64 bits", id="varint-65"),
        pytest.param(MAGIC + b"\x0b", "wire type 3", id="group-start"),
        pytest.param(MAGIC + b"\x0f", "wire type 7", id="wire-type-7"),
        pytest.param(MAGIC + b"\x02\x00", "field number 0", id="field-zero"),
        pytest.param(MAGIC + b"\x09\x01\x02", "cut short", id="truncated-fixed64"),
        pytest.param(MAGIC + b"\x0d\x01", "cut short", id="truncated-fixed32"),
        pytest.param(MAGIC + num(1, 5), "Unknown.typeMeta: wire type 0", id="type-meta-varint"),
        pytest.param(MAGIC + ld(1, num(2, 5)), "TypeMeta.kind", id="kind-varint"),
        pytest.param(
            MAGIC + ld(1, ld(1, "v1") + ld(2, b"\xff")),
            "TypeMeta.kind: not valid UTF-8",
            id="kind-utf8",
        ),
        pytest.param(
            _configmap(ld(1, num(1, 5))), "ObjectMeta.name: wire type 0", id="name-varint"
        ),
        pytest.param(
            _configmap(ld(1, ld(7, "3"))), "ObjectMeta.generation: wire type 2", id="gen-ld"
        ),
        pytest.param(_configmap(ld(1, b"\x0a\x09x")), "ObjectMeta: field 1 claims", id="meta-cut"),
        pytest.param(
            _configmap(ld(1, entry(11, "app", b"\xc3\x28"))),
            "ObjectMeta.labels['app']: not valid UTF-8",
            id="label-utf8",
        ),
        pytest.param(
            _configmap(ld(1, ld(11, num(1, 3)))), "ObjectMeta.labels key", id="label-key-varint"
        ),
        pytest.param(
            _configmap(ld(1, time(8, 1 << 62))), "out of range for a time", id="time-too-late"
        ),
        pytest.param(
            _configmap(ld(1, time(8, -(1 << 62)))), "out of range for a time", id="time-too-early"
        ),
        pytest.param(
            _configmap(ld(1, ld(8, ld(1, "x")))), "creationTimestamp.seconds", id="time-ld"
        ),
        pytest.param(_configmap(ld(1, ld(13, num(1, 1)))), "OwnerReference.kind", id="owner"),
    ],
)
def test_malformed_bodies_are_protobuf_errors(body: bytes, message: str):
    with pytest.raises(ProtobufError) as failure:
        decode(body)

    assert not isinstance(failure.value, UnsupportedKindError)
    assert message in str(failure.value)


def test_random_bytes_never_escape_as_anything_but_protobuf_errors():
    rng = random.Random(20240611)
    valid = KUBECTL_SECRET
    for _ in range(3000):
        choice = rng.random()
        if choice < 0.4:
            body = valid[: rng.randrange(len(valid))]
        elif choice < 0.8:
            mutated = bytearray(valid)
            for _ in range(rng.randint(1, 4)):
                mutated[rng.randrange(len(MAGIC), len(mutated))] = rng.randrange(256)
            body = bytes(mutated)
        else:
            raw = bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))
            body = envelope(raw, rng.choice(["ConfigMap", "Secret", "Namespace", "ServiceAccount"]))
        try:
            decoded = decode(body)
        except ProtobufError:
            continue
        assert isinstance(decoded, dict)
        assert decoded["kind"]


def test_supported_kinds_are_the_built_in_kinds_kubectl_create_sends():
    supported = protobuf.supported_kinds()

    for kind in (
        "v1 Namespace", "v1 ConfigMap", "v1 Secret", "v1 ServiceAccount", "v1 Service",
        "apps/v1 Deployment", "batch/v1 Job", "batch/v1 CronJob", "networking.k8s.io/v1 Ingress",
        "rbac.authorization.k8s.io/v1 Role", "rbac.authorization.k8s.io/v1 RoleBinding",
        "rbac.authorization.k8s.io/v1 ClusterRole",
        "rbac.authorization.k8s.io/v1 ClusterRoleBinding", "policy/v1 Eviction",
    ):  # fmt: skip
        assert kind in supported
