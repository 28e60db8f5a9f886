"""kubectl's protobuf bodies against devcluster: `kubectl create` of the core kinds works, and
bodies that cannot be read get a Status (the other kinds: test_devcluster_kubectl_create.py)."""

from __future__ import annotations

import base64
import json
import pathlib
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest

from rollouts.devcluster import cluster
from rollouts.devcluster.protobuf import CONTENT_TYPE, MAGIC
from tests.conftest import Kubectl

SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "name")


def _content(obj: dict[str, Any]) -> dict[str, Any]:
    """An object without what the server sets on every write, to compare two creations."""
    meta = {k: v for k, v in obj["metadata"].items() if k not in SERVER_FIELDS}
    return {**obj, "metadata": meta}


def test_kubectl_create_namespace(kubectl: Kubectl):
    name = f"proto-{uuid.uuid4().hex[:8]}"

    done = kubectl("create", "namespace", name)

    assert done.stdout.strip() == f"namespace/{name} created"
    created = kubectl.json("get", "namespace", name)
    assert (created["kind"], created["metadata"]["name"]) == ("Namespace", name)
    assert created["status"]["phase"] == "Active"
    kubectl("delete", "namespace", name, "--wait=false")


def test_kubectl_create_configmap_with_text_and_binary_data(
    kubectl: Kubectl, namespace: str, tmp_path: pathlib.Path
):
    blob = bytes([0, 1, 2, 0xFE, 0xFF])
    (tmp_path / "blob").write_bytes(blob)

    done = kubectl(
        "-n", namespace, "create", "configmap", "settings", "--from-literal=a=b",
        f"--from-file=blob={tmp_path / 'blob'}",
    )  # fmt: skip

    assert done.stdout.strip() == "configmap/settings created"
    created = kubectl.json("-n", namespace, "get", "configmap", "settings")
    assert created["metadata"]["namespace"] == namespace
    assert created["data"] == {"a": "b"}
    assert created["binaryData"] == {"blob": base64.b64encode(blob).decode()}


def test_a_configmap_created_from_protobuf_takes_labels_by_patch(kubectl: Kubectl, namespace: str):
    kubectl("-n", namespace, "create", "configmap", "labelled", "--from-literal=a=b")

    kubectl("-n", namespace, "label", "configmap", "labelled", "tier=web")

    created = kubectl.json("-n", namespace, "get", "configmap", "labelled")
    assert created["metadata"]["labels"] == {"tier": "web"}
    assert created["data"] == {"a": "b"}


def test_protobuf_and_json_creations_store_the_same_object(kubectl: Kubectl, namespace: str):
    args = ("create", "configmap", "same", "--from-literal=a=b", "--from-literal=c=d")
    as_json = kubectl("-n", namespace, *args, "--dry-run=client", "-o", "json").stdout
    kubectl("-n", namespace, *args)  # protobuf
    kubectl("-n", namespace, "create", "-f", "-", stdin=as_json.replace('"same"', '"same-json"'))

    from_protobuf = kubectl.json("-n", namespace, "get", "configmap", "same")
    from_json = kubectl.json("-n", namespace, "get", "configmap", "same-json")

    assert _content(from_protobuf) == _content(from_json)


def test_kubectl_create_configmap_dry_run_server_stores_nothing(kubectl: Kubectl, namespace: str):
    shown = kubectl.json(
        "-n", namespace, "create", "configmap", "dry", "--from-literal=a=b", "--dry-run=server"
    )

    assert shown["data"] == {"a": "b"}
    missing = kubectl("-n", namespace, "get", "configmap", "dry", check=False)
    assert missing.returncode != 0
    assert 'configmaps "dry" not found' in missing.stderr


def test_kubectl_create_secret_generic(kubectl: Kubectl, namespace: str):
    done = kubectl(
        "-n", namespace, "create", "secret", "generic", "creds", "--from-literal=a=b",
        "--from-literal=password=s3cr3t",
    )  # fmt: skip

    assert done.stdout.strip() == "secret/creds created"
    created = kubectl.json("-n", namespace, "get", "secret", "creds")
    assert created["type"] == "Opaque"
    assert created["data"] == {"a": "Yg==", "password": base64.b64encode(b"s3cr3t").decode()}


def test_kubectl_create_serviceaccount(kubectl: Kubectl, namespace: str):
    done = kubectl("-n", namespace, "create", "serviceaccount", "robot")

    assert done.stdout.strip() == "serviceaccount/robot created"
    created = kubectl.json("-n", namespace, "get", "serviceaccount", "robot")
    assert (created["kind"], created["metadata"]["name"]) == ("ServiceAccount", "robot")
    assert created["metadata"]["namespace"] == namespace


def _post(address: str, path: str, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{address}{path}", data=body, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as failure:
        return failure.code, json.loads(failure.read())


def _ld(number: int, payload: bytes) -> bytes:
    assert len(payload) < 128
    return bytes([number << 3 | 2, len(payload)]) + payload


@pytest.mark.parametrize(
    ("body", "content_type", "code", "reason", "message"),
    [
        pytest.param(
            MAGIC + _ld(1, _ld(1, b"v1") + _ld(2, b"ConfigMap")) + _ld(2, b"\x0a\x09x"),
            CONTENT_TYPE,
            400,
            "BadRequest",
            "couldn't decode the body: ConfigMap: field 1 claims 9 bytes",
            id="malformed-known-kind",
        ),
        pytest.param(
            b'{"kind": "ConfigMap"}',
            CONTENT_TYPE,
            400,
            "BadRequest",
            "magic bytes",
            id="json-labelled-protobuf",
        ),
        pytest.param(
            MAGIC + _ld(1, _ld(1, b"v1") + _ld(2, b"Node")) + _ld(2, b""),
            CONTENT_TYPE,
            415,
            "UnsupportedMediaType",
            "application/json, application/yaml (devcluster has no protobuf schema for v1 Node",
            id="kind-without-a-schema",
        ),
        pytest.param(
            MAGIC + _ld(1, _ld(1, b"v1") + _ld(2, b"Pod")) + _ld(2, b""),
            CONTENT_TYPE,
            400,
            "BadRequest",
            "the kind in the data (Pod) does not match the expected kind (ConfigMap)",
            id="another-kind",
        ),
        pytest.param(
            b"\xa1",
            "application/cbor",
            415,
            "UnsupportedMediaType",
            "accepted media types include: application/json, application/yaml",
            id="cbor",
        ),
    ],
)
def test_protobuf_bodies_that_cannot_be_read_get_a_status(  # noqa: PLR0917 - one row
    devcluster: cluster.BackgroundCluster,
    body: bytes,
    content_type: str,
    code: int,
    reason: str,
    message: str,
):
    status, answer = _post(
        devcluster.address, "/api/v1/namespaces/default/configmaps", body, content_type
    )

    assert (status, answer["reason"], answer["code"]) == (code, reason, code)
    assert message in answer["message"]


def test_a_protobuf_body_over_raw_http_creates_the_object(devcluster: cluster.BackgroundCluster):
    name = f"raw-{uuid.uuid4().hex[:8]}".encode()
    raw = _ld(1, _ld(1, name)) + _ld(2, _ld(1, b"k") + _ld(2, b"v"))
    body = MAGIC + _ld(1, _ld(1, b"v1") + _ld(2, b"ConfigMap")) + _ld(2, raw)

    status, created = _post(
        devcluster.address, "/api/v1/namespaces/default/configmaps", body, CONTENT_TYPE
    )

    assert status == 201
    assert (created["metadata"]["name"], created["data"]) == (name.decode(), {"k": "v"})


def test_an_eviction_in_protobuf_deletes_the_pod(devcluster: cluster.BackgroundCluster):
    name = f"evicted-{uuid.uuid4().hex[:8]}"
    pod = {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    pods = "/api/v1/namespaces/default/pods"
    _post(devcluster.address, pods, json.dumps(pod).encode(), "application/json")
    options = bytes([1 << 3, 0])  # DeleteOptions.gracePeriodSeconds = 0
    raw = _ld(1, _ld(1, name.encode()) + _ld(3, b"default")) + _ld(2, options)
    body = MAGIC + _ld(1, _ld(1, b"policy/v1") + _ld(2, b"Eviction")) + _ld(2, raw)

    status, answer = _post(devcluster.address, f"{pods}/{name}/eviction", body, CONTENT_TYPE)

    assert (status, answer["status"]) == (201, "Success")
    request = urllib.request.Request(f"{devcluster.address}{pods}/{name}")
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(request)
    assert gone.value.code == 404
