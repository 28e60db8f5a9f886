"""kubectl against devcluster: the commands users type must work as on a real cluster."""

from __future__ import annotations

import json
import textwrap
import threading

import pytest

from tests.conftest import Kubectl, wait_for

DEPLOYMENT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      labels: {app: web}
    spec:
      replicas: 3
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
          - name: web
            image: nginx:1.27
            ports:
            - containerPort: 80
    """)

WIDGETS_CRD = textwrap.dedent("""\
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata:
      name: widgets.example.com
    spec:
      group: example.com
      scope: Namespaced
      names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
      versions:
      - name: v1
        served: true
        storage: true
        subresources: {status: {}}
        additionalPrinterColumns:
        - {name: Size, type: integer, jsonPath: .spec.size}
        - {name: Phase, type: string, jsonPath: .status.phase}
        schema:
          openAPIV3Schema:
            type: object
            properties:
              spec:
                type: object
                properties:
                  size: {type: integer, minimum: 0}
                  color: {type: string, default: blue}
              status:
                type: object
                properties:
                  phase: {type: string}
    """)


def _available(kubectl: Kubectl, namespace: str, name: str) -> int:
    status = kubectl.json("-n", namespace, "get", "deployment", name).get("status", {})
    return int(status.get("availableReplicas", 0))


def test_applied_deployment_becomes_available_with_its_pods(kubectl: Kubectl, namespace: str):
    kubectl("-n", namespace, "apply", "-f", "-", stdin=DEPLOYMENT)

    wait_for(lambda: _available(kubectl, namespace, "web") == 3, message="3/3 available")

    pods = kubectl.json("-n", namespace, "get", "pods", "-l", "app=web")["items"]
    assert len(pods) == 3
    assert all(p["status"]["phase"] == "Running" for p in pods)
    table = kubectl("-n", namespace, "get", "deployment", "web").stdout
    assert table.split("\n")[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table.split("\n")[1].split()[:4] == ["web", "3/3", "3", "3"]


def test_reapplying_an_unchanged_manifest_changes_nothing(kubectl: Kubectl, namespace: str):
    kubectl("-n", namespace, "apply", "-f", "-", stdin=DEPLOYMENT)
    before = kubectl.json("-n", namespace, "get", "deployment", "web")["metadata"]

    out = kubectl("-n", namespace, "apply", "-f", "-", stdin=DEPLOYMENT).stdout

    assert "unchanged" in out
    after = kubectl.json("-n", namespace, "get", "deployment", "web")["metadata"]
    assert after["generation"] == before["generation"] == 1


def test_apply_with_a_new_image_rolls_the_deployment(kubectl: Kubectl, namespace: str):
    kubectl("-n", namespace, "apply", "-f", "-", stdin=DEPLOYMENT)
    kubectl(
        "-n", namespace, "apply", "-f", "-", stdin=DEPLOYMENT.replace("nginx:1.27", "nginx:1.28")
    )

    def rolled() -> bool:
        pods = kubectl.json("-n", namespace, "get", "pods", "-l", "app=web")["items"]
        images = {
            p["spec"]["containers"][0]["image"]
            for p in pods
            if "deletionTimestamp" not in p["metadata"]
        }
        return images == {"nginx:1.28"} and _available(kubectl, namespace, "web") == 3

    wait_for(rolled, message="every pod on the new image")
    sets = kubectl.json("-n", namespace, "get", "replicasets")["items"]
    assert sorted(rs["spec"]["replicas"] for rs in sets) == [0, 3]
    assert kubectl.json("-n", namespace, "get", "deployment", "web")["metadata"]["generation"] == 2


@pytest.mark.parametrize(
    ("patch_type", "patch"),
    [
        pytest.param("merge", '{"spec":{"replicas":1}}', id="merge"),
        pytest.param("json", '[{"op":"replace","path":"/spec/replicas","value":1}]', id="json"),
        pytest.param("strategic", '{"spec":{"replicas":1}}', id="strategic"),
    ],
)
def test_kubectl_patch_types_scale_a_deployment(
    kubectl: Kubectl, namespace: str, patch_type: str, patch: str
):
    kubectl("-n", namespace, "apply", "-f", "-", stdin=DEPLOYMENT)

    kubectl("-n", namespace, "patch", "deployment", "web", "--type", patch_type, "-p", patch)

    wait_for(
        lambda: len(kubectl.json("-n", namespace, "get", "pods")["items"]) == 1,
        message="scaled down to one pod",
    )


def test_strategic_patch_changes_one_container_by_name(kubectl: Kubectl, namespace: str):
    kubectl("-n", namespace, "apply", "-f", "-", stdin=DEPLOYMENT)
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}}}}

    kubectl("-n", namespace, "patch", "deployment", "web", "-p", json.dumps(patch))

    container = kubectl.json("-n", namespace, "get", "deployment", "web")["spec"]["template"][
        "spec"
    ]["containers"][0]
    assert container["image"] == "nginx:2"
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]


def test_deleting_a_deployment_collects_its_replica_sets_and_pods(kubectl: Kubectl, namespace: str):
    kubectl("-n", namespace, "apply", "-f", "-", stdin=DEPLOYMENT)
    wait_for(lambda: _available(kubectl, namespace, "web") == 3, message="3/3 available")

    kubectl("-n", namespace, "delete", "deployment", "web")

    wait_for(
        lambda: not kubectl.json("-n", namespace, "get", "replicasets")["items"],
        message="replica sets collected",
    )
    wait_for(
        lambda: not kubectl.json("-n", namespace, "get", "pods")["items"], message="pods collected"
    )


def test_crd_applied_at_run_time_is_served_with_its_printer_columns(
    kubectl: Kubectl, namespace: str
):
    kubectl("apply", "-f", "-", stdin=WIDGETS_CRD)
    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n"

    kubectl("-n", namespace, "apply", "-f", "-", stdin=widget)

    stored = kubectl.json("-n", namespace, "get", "widget", "w1")
    assert stored["spec"] == {"size": 3, "color": "blue"}
    lines = kubectl("-n", namespace, "get", "wd").stdout.splitlines()
    assert lines[0].split() == ["NAME", "SIZE", "PHASE"]
    assert lines[1].split() == ["w1", "3"]  # kubectl leaves a column with no value blank


def test_patch_through_the_status_subresource_sets_status_only(kubectl: Kubectl, namespace: str):
    kubectl("apply", "-f", "-", stdin=WIDGETS_CRD)
    kubectl(
        "-n",
        namespace,
        "apply",
        "-f",
        "-",
        stdin="apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2}\nspec: {size: 1}\n",
    )

    kubectl(
        "-n",
        namespace,
        "patch",
        "widget",
        "w2",
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status":{"phase":"Ready"},"spec":{"size":9}}',
    )

    stored = kubectl.json("-n", namespace, "get", "widget", "w2")
    assert stored["status"] == {"phase": "Ready"}
    assert stored["spec"]["size"] == 1
    assert stored["metadata"]["generation"] == 1


def test_custom_resource_breaking_its_schema_is_refused_with_the_field_named(
    kubectl: Kubectl, namespace: str
):
    kubectl("apply", "-f", "-", stdin=WIDGETS_CRD)
    bad = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w3}\nspec: {size: -1}\n"

    done = kubectl("-n", namespace, "apply", "-f", "-", stdin=bad, check=False)

    assert done.returncode != 0
    assert "spec.size" in done.stderr


def test_get_watch_prints_objects_as_they_are_created(kubectl: Kubectl, namespace: str):
    watcher = kubectl.popen("-n", namespace, "get", "configmaps", "-w", "--output-watch-events")
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.extend(iter(watcher.stdout.readline, "")), daemon=True
    )
    reader.start()
    try:
        kubectl(
            "-n",
            namespace,
            "apply",
            "-f",
            "-",
            stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\n",
        )

        seen = wait_for(
            lambda: [line for line in lines if "watched" in line],
            message="kubectl get -w to print the new configmap",
        )
        assert seen[0].split()[:2] == ["ADDED", "watched"]
    finally:
        watcher.kill()
        watcher.communicate()


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        pytest.param(
            ("get", "frobnicators"),
            None,
            "the server doesn't have a resource type",
            id="unknown-type",
        ),
        pytest.param(
            ("get", "deployment", "missing"),
            None,
            'deployments.apps "missing" not found',
            id="missing-object",
        ),
        pytest.param(
            ("apply", "-f", "-"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n",
            "a lowercase RFC 1123 subdomain",
            id="bad-name",
        ),
        pytest.param(
            ("apply", "-f", "-"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n",
            "name",
            id="no-name",
        ),
    ],
)
def test_bad_requests_get_the_apiservers_errors(
    kubectl: Kubectl, namespace: str, args: tuple[str, ...], stdin: str | None, expected: str
):
    done = kubectl("-n", namespace, *args, stdin=stdin, check=False)

    assert done.returncode != 0
    assert expected in done.stderr
