"""`kubectl create <kind>` against devcluster: kubectl sends these as protobuf, and the user sees
the object they asked for, read back with `kubectl get` as on a real cluster."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.conftest import Kubectl, wait_for

RBAC = "rbac.authorization.k8s.io"
SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "name")


@pytest.fixture
def unique(kubectl: Kubectl) -> Iterator[str]:
    """A name for cluster-scoped objects, which outlive the test's namespace: deleted after."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    yield name
    for kind in ("clusterrole", "clusterrolebinding"):
        kubectl("delete", kind, name, "--ignore-not-found", check=False)


def test_kubectl_create_deployment(kubectl: Kubectl, namespace: str):
    done = kubectl(
        "-n", namespace, "create", "deployment", "web", "--image=nginx:1.27", "--replicas=2",
        "--port=80",
    )  # fmt: skip

    assert done.stdout.strip() == "deployment.apps/web created"
    shown = yaml.safe_load(kubectl("-n", namespace, "get", "deploy", "web", "-o", "yaml").stdout)
    assert shown["spec"]["replicas"] == 2
    container = shown["spec"]["template"]["spec"]["containers"][0]
    assert (container["name"], container["image"]) == ("nginx", "nginx:1.27")
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert shown["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    wait_for(
        lambda: (
            kubectl("-n", namespace, "get", "deploy", "web").stdout.split()[5:7] == ["web", "2/2"]
        ),
        message="2/2 ready in kubectl get",
    )


def test_kubectl_create_deployment_with_a_command(kubectl: Kubectl, namespace: str):
    kubectl("-n", namespace, "create", "deployment", "sleeper", "--image=busybox", "--",
            "sleep", "3600")  # fmt: skip

    container = kubectl.json("-n", namespace, "get", "deploy", "sleeper")["spec"]["template"][
        "spec"
    ]["containers"][0]
    assert container["command"] == ["sleep", "3600"]


def test_kubectl_create_deployment_dry_run_server_shows_defaults_and_stores_nothing(
    kubectl: Kubectl, namespace: str
):
    shown = yaml.safe_load(
        kubectl(
            "-n", namespace, "create", "deployment", "dry", "--image=nginx", "--dry-run=server",
            "-o", "yaml",
        ).stdout
    )  # fmt: skip

    assert shown["spec"]["replicas"] == 1
    assert shown["spec"]["strategy"]["type"] == "RollingUpdate"
    assert shown["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "Always"
    missing = kubectl("-n", namespace, "get", "deploy", "dry", check=False)
    assert 'deployments.apps "dry" not found' in missing.stderr


def test_kubectl_create_deployment_output_yaml_is_the_stored_object(
    kubectl: Kubectl, namespace: str
):
    command = ("-n", namespace, "create", "deployment", "shown", "--image=nginx")
    printed = yaml.safe_load(kubectl(*command, "-o", "yaml").stdout)

    stored = kubectl.json("-n", namespace, "get", "deploy", "shown")
    assert printed["metadata"]["uid"] == stored["metadata"]["uid"]
    assert printed["spec"]["template"] == stored["spec"]["template"]


@pytest.mark.parametrize(
    ("args", "kind", "ports"),
    [
        pytest.param(
            ("clusterip", "svc", "--tcp=80:8080", "--tcp=443"),
            "ClusterIP",
            [
                {"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080},
                {"name": "443", "port": 443, "protocol": "TCP", "targetPort": 443},
            ],
            id="clusterip",
        ),
        pytest.param(
            ("nodeport", "svc", "--tcp=80:http", "--node-port=30080"),
            "NodePort",
            [{"name": "80-http", "port": 80, "protocol": "TCP", "targetPort": "http",
              "nodePort": 30080}],
            id="nodeport",
        ),
        pytest.param(
            ("loadbalancer", "svc", "--tcp=80:8080"),
            "LoadBalancer",
            [{"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080}],
            id="loadbalancer",
        ),
    ],
)  # fmt: skip
def test_kubectl_create_service(
    kubectl: Kubectl, namespace: str, args: tuple[str, ...], kind: str, ports: list[Any]
):
    done = kubectl("-n", namespace, "create", "service", *args)

    assert done.stdout.strip() == "service/svc created"
    service = kubectl.json("-n", namespace, "get", "service", "svc")
    assert service["spec"]["type"] == kind
    assert service["spec"]["ports"] == ports
    assert service["spec"]["selector"] == {"app": "svc"}


def test_kubectl_create_service_externalname(kubectl: Kubectl, namespace: str):
    kubectl("-n", namespace, "create", "service", "externalname", "ext",
            "--external-name=db.example.com")  # fmt: skip

    spec = kubectl.json("-n", namespace, "get", "service", "ext")["spec"]
    assert (spec["type"], spec["externalName"]) == ("ExternalName", "db.example.com")
    row = kubectl("-n", namespace, "get", "service", "ext").stdout.splitlines()[1]
    assert row.split()[:4] == ["ext", "ExternalName", "<none>", "db.example.com"]


def test_kubectl_create_ingress(kubectl: Kubectl, namespace: str):
    done = kubectl(
        "-n", namespace, "create", "ingress", "web", "--class=nginx",
        "--rule=foo.com/bar*=svc:8080,tls=my-cert", "--rule=bar.com/=svc2:http",
        "--annotation=team=web",
    )  # fmt: skip

    assert done.stdout.strip() == "ingress.networking.k8s.io/web created"
    ingress = kubectl.json("-n", namespace, "get", "ingress", "web")
    assert ingress["metadata"]["annotations"] == {"team": "web"}
    spec = ingress["spec"]
    assert spec["ingressClassName"] == "nginx"
    assert spec["tls"] == [{"hosts": ["foo.com"], "secretName": "my-cert"}]
    assert [(r["host"], r["http"]["paths"]) for r in spec["rules"]] == [
        ("foo.com", [{"path": "/bar", "pathType": "Prefix",
                      "backend": {"service": {"name": "svc", "port": {"number": 8080}}}}]),
        ("bar.com", [{"path": "/", "pathType": "Exact",
                      "backend": {"service": {"name": "svc2", "port": {"name": "http"}}}}]),
    ]  # fmt: skip


def test_kubectl_create_role(kubectl: Kubectl, namespace: str):
    kubectl("-n", namespace, "create", "role", "reader", "--verb=get,list",
            "--resource=pods,deployments.apps")  # fmt: skip

    rules = kubectl.json("-n", namespace, "get", "role", "reader")["rules"]
    assert rules == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list"]},
    ]


def test_kubectl_create_rolebinding(kubectl: Kubectl, namespace: str):
    kubectl("-n", namespace, "create", "rolebinding", "readers", "--role=reader",
            "--user=alice", "--group=devs", f"--serviceaccount={namespace}:robot")  # fmt: skip

    binding = kubectl.json("-n", namespace, "get", "rolebinding", "readers")
    assert binding["roleRef"] == {"apiGroup": RBAC, "kind": "Role", "name": "reader"}
    assert binding["subjects"] == [
        {"apiGroup": RBAC, "kind": "User", "name": "alice"},
        {"apiGroup": RBAC, "kind": "Group", "name": "devs"},
        {"kind": "ServiceAccount", "name": "robot", "namespace": namespace},
    ]
    row = kubectl("-n", namespace, "get", "rolebinding", "readers", "-o", "wide").stdout
    assert row.splitlines()[1].split()[:2] == ["readers", "Role/reader"]


def test_kubectl_create_clusterrole(kubectl: Kubectl, unique: str):
    done = kubectl("create", "clusterrole", unique, "--verb=get", "--resource=namespaces",
                   "--non-resource-url=/logs/*")  # fmt: skip

    assert done.stdout.strip() == f"clusterrole.{RBAC}/{unique} created"
    assert kubectl.json("get", "clusterrole", unique)["rules"] == [
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]},
        {"nonResourceURLs": ["/logs/*"], "verbs": ["get"]},
    ]


def test_kubectl_create_clusterrolebinding(kubectl: Kubectl, unique: str):
    kubectl("create", "clusterrolebinding", unique, "--clusterrole=view", "--user=bob")

    binding = kubectl.json("get", "clusterrolebinding", unique)
    assert binding["roleRef"] == {"apiGroup": RBAC, "kind": "ClusterRole", "name": "view"}
    assert binding["subjects"] == [{"apiGroup": RBAC, "kind": "User", "name": "bob"}]


def _content(obj: dict[str, Any]) -> dict[str, Any]:
    """An object without what the server sets on every write, to compare two creations."""
    meta = {k: v for k, v in obj["metadata"].items() if k not in SERVER_FIELDS}
    return {**obj, "metadata": meta, "status": {}}


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("deployment", "same", "--image=nginx", "--replicas=0"), id="deployment"),
        pytest.param(("service", "nodeport", "same", "--tcp=80:8080"), id="service"),
        pytest.param(("ingress", "same", "--rule=a.com/*=svc:80"), id="ingress"),
        pytest.param(("role", "same", "--verb=get", "--resource=pods"), id="role"),
        pytest.param(("rolebinding", "same", "--clusterrole=view", "--group=g"), id="rolebinding"),
    ],
)
def test_protobuf_and_json_creations_store_the_same_object(
    kubectl: Kubectl, namespace: str, args: tuple[str, ...]
):
    as_json = kubectl("-n", namespace, "create", *args, "--dry-run=client", "-o", "json").stdout
    twin = as_json.replace('"name": "same"', '"name": "twin"', 1)  # metadata.name comes first

    kubectl("-n", namespace, "create", *args)  # protobuf
    kubectl("-n", namespace, "create", "-f", "-", stdin=twin)  # JSON

    kind = args[0]
    from_protobuf = kubectl.json("-n", namespace, "get", kind, "same")
    from_json = kubectl.json("-n", namespace, "get", kind, "twin")
    assert _content(from_protobuf) == _content(from_json)
