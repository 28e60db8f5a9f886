"""A tiny kopf operator against devcluster must see creations, updates and deletions."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.conftest import wait_for

OPERATOR = textwrap.dedent("""\
    import kopf

    @kopf.on.startup()
    def configure(settings, **_):
        settings.posting.level = 40
        settings.watching.server_timeout = 10

    @kopf.on.create("example.com", "v1", "kopfpets")
    def created(patch, **_):
        patch.status["seen"] = "created"

    @kopf.on.update("example.com", "v1", "kopfpets")
    def updated(spec, patch, **_):
        patch.status["seen"] = f"updated to {{spec.get('size')}}"

    @kopf.on.delete("example.com", "v1", "kopfpets")
    def deleted(name, **_):
        with open({log!r}, "a") as log:
            log.write(f"deleted {{name}}\\n")
    """)

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "kopfpets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "kopfpets", "singular": "kopfpet", "kind": "KopfPet"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
            }
        ],
    },
}


@pytest.fixture
def operator(kubeconfig: Path, namespace: str, tmp_path: Path, api: Any):
    client.ApiextensionsV1Api(api).create_custom_resource_definition(CRD)
    log = tmp_path / "deleted.log"
    script = tmp_path / "operator.py"
    script.write_text(OPERATOR.format(log=str(log)))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kopf",
            "run",
            "--standalone",
            "--namespace",
            namespace,
            str(script),
        ],
        env={**os.environ, "KUBECONFIG": str(kubeconfig)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield log
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=15)
        assert "Traceback" not in output, output


def _pets(objects: Any, namespace: str) -> list[Any]:
    found: Any = objects.list_namespaced_custom_object("example.com", "v1", namespace, "kopfpets")
    return list(found["items"])


def _status(objects: Any, namespace: str) -> Any:
    pet = objects.get_namespaced_custom_object("example.com", "v1", namespace, "kopfpets", "rex")
    return pet.get("status", {}).get("seen")


def test_kopf_operator_sees_create_update_and_delete(operator: Path, namespace: str, api: Any):
    objects = client.CustomObjectsApi(api)

    objects.create_namespaced_custom_object(
        "example.com",
        "v1",
        namespace,
        "kopfpets",
        {
            "apiVersion": "example.com/v1",
            "kind": "KopfPet",
            "metadata": {"name": "rex"},
            "spec": {"size": 1},
        },
    )
    wait_for(lambda: _status(objects, namespace) == "created", timeout=20, message="create seen")

    objects.patch_namespaced_custom_object(
        "example.com", "v1", namespace, "kopfpets", "rex", {"spec": {"size": 2}}
    )
    wait_for(
        lambda: _status(objects, namespace) == "updated to 2", timeout=20, message="update seen"
    )

    objects.delete_namespaced_custom_object("example.com", "v1", namespace, "kopfpets", "rex")
    wait_for(
        lambda: operator.exists() and "deleted rex" in operator.read_text(),
        timeout=20,
        message="delete seen",
    )
    wait_for(lambda: not _pets(objects, namespace), message="finalizer released")
