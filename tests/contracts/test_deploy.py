"""deploy/: the install manifests render, apply, and grant exactly what the code calls.

`kubectl kustomize deploy/` renders the CRDs, the namespace, the RBAC and the controller and
nothing else; `kubectl apply -k deploy/` installs them on devcluster (which stores RBAC objects
but does not enforce them). The ClusterRole and the leader-election Role together grant the
set of (group, resource, verb) the code needs, no more and no less. That set is written out
below, and is also derived from the code: every kubernetes-client call in rollouts/adapters/,
rollouts/controller/ and rollouts/reconcilers/ (read from the source, each method's HTTP verb
and path taken from the client library), every kind the controller's ListWatches list and
watch, and kopf's own needs (kopf watches no kind of ours). A new call or watch fails these
tests until deploy/rbac.yaml (and the table) say so.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import collections
import importlib
import inspect
import pathlib
import re
import subprocess
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import yaml
from kubernetes import client

from rollouts.adapters import kube, nginx, sources
from rollouts.controller import leader, lease_rules, main, options
from tests.conftest import KUBECTL, Kubectl, wait_for

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CRDS = ROOT / "crds"
SCANNED = ("adapters", "controller", "reconcilers")

NAMESPACE = "argo-rollouts"
NAME = "rollouts-controller"

JSON = dict[str, Any]
Rule = tuple[str, str, str]  # (API group, resource, verb); "" is the core group

# The kinds controller/main.py watches, each through a ListWatch of adapters/sources.py.
WATCHED: frozenset[tuple[str, str]] = frozenset(
    {
        ("argoproj.io", "rollouts"),
        ("argoproj.io", "analysisruns"),
        ("argoproj.io", "analysistemplates"),
        ("argoproj.io", "clusteranalysistemplates"),
        ("apps", "replicasets"),
        ("apps", "deployments"),
        ("", "services"),
        ("networking.k8s.io", "ingresses"),
    }
)

# Every API call the controller's code makes, by the module that makes it.
CODE_RULES: frozenset[Rule] = frozenset(
    {
        # adapters/kube.py KubeCluster: create, scale, annotate and delete ReplicaSets; read
        # one back when a create finds it already made
        ("apps", "replicasets", "create"),
        ("apps", "replicasets", "get"),
        # adapters/kube.py KubeCluster: AnalysisRuns of step and background analysis
        ("argoproj.io", "analysisruns", "create"),
        ("argoproj.io", "analysisruns", "patch"),
        ("argoproj.io", "analysisruns", "delete"),
        ("argoproj.io", "analysisruns/status", "patch"),
        # adapters/sources.py: the ListWatches' LIST and WATCH of every kind the caches hold
        *((group, plural, verb) for group, plural in WATCHED for verb in ("list", "watch")),
        ("apps", "replicasets", "patch"),
        ("apps", "replicasets", "delete"),
        # adapters/kube.py KubeCluster.switch_service: the selector of the stable/canary Service
        ("", "services", "patch"),
        # adapters/kube.py KubeCluster.patch_rollout_status
        ("argoproj.io", "rollouts/status", "patch"),
        # adapters/kube.py KubeCluster.annotate_rollout: revision, workload generation
        ("argoproj.io", "rollouts", "patch"),
        # adapters/kube.py KubeCluster.scale_deployment: workloadRef.scaleDown
        ("apps", "deployments/scale", "patch"),
        # adapters/kube.py KubeCluster: restartAt lists the Rollout's pods and evicts old ones;
        # set_pod_metadata patches the canary/stable metadata onto running pods
        ("", "pods", "list"),
        ("", "pods", "patch"),
        ("", "pods/eviction", "create"),
        # adapters/kube.py KubeCluster.read_secret: secret-valued analysis args
        ("", "secrets", "get"),
        # adapters/kube.py EventRecorder
        ("", "events", "create"),
        # adapters/nginx.py NginxRouter: the canary Ingress
        ("networking.k8s.io", "ingresses", "create"),
        ("networking.k8s.io", "ingresses", "patch"),
        # controller/leader.py LeaseElector: read, create, renew the Lease
        ("coordination.k8s.io", "leases", "get"),
        ("coordination.k8s.io", "leases", "create"),
        ("coordination.k8s.io", "leases", "patch"),
    }
)

# What kopf itself does, whatever the handlers.
KOPF_RULES: frozenset[Rule] = frozenset(
    {
        # kopf/_core/reactor/observation.py resource_observer: CRDs, to notice new resources
        # (it runs with no resource handlers too; nothing of ours needs what it notices)
        ("apiextensions.k8s.io", "customresourcedefinitions", "list"),
        ("apiextensions.k8s.io", "customresourcedefinitions", "watch"),
        # observation.namespace_observer: only when run with --namespace, not cluster-wide
        ("", "namespaces", "list"),
        ("", "namespaces", "watch"),
        # kopf/_cogs/clients/events.py post_event: core/v1 Events about handled objects (none
        # now; adapters/kube.py EventRecorder needs the rule anyway)
        ("", "events", "create"),
    }
)

# Granted by the namespaced Role, in the Lease's namespace only.
LEASE_RULES: frozenset[Rule] = frozenset(
    rule for rule in CODE_RULES if rule[:2] == ("coordination.k8s.io", "leases")
)

EXPECTED_OBJECTS = {
    ("CustomResourceDefinition", "", "analysisruns.argoproj.io"),
    ("CustomResourceDefinition", "", "analysistemplates.argoproj.io"),
    ("CustomResourceDefinition", "", "clusteranalysistemplates.argoproj.io"),
    ("CustomResourceDefinition", "", "rollouts.argoproj.io"),
    ("Namespace", "", NAMESPACE),
    ("ServiceAccount", NAMESPACE, NAME),
    ("ClusterRole", "", NAME),
    ("ClusterRoleBinding", "", NAME),
    ("Role", NAMESPACE, f"{NAME}-leader-election"),
    ("RoleBinding", NAMESPACE, f"{NAME}-leader-election"),
    ("Deployment", NAMESPACE, NAME),
    ("Service", NAMESPACE, f"{NAME}-metrics"),
}


# ------------------------------------------------------------------ helpers


def _render() -> list[JSON]:
    if KUBECTL is None:
        pytest.fail("kubectl is not installed; the deploy contract tests need it")
    done = subprocess.run(
        [KUBECTL, "kustomize", str(DEPLOY)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, f"kubectl kustomize deploy/ failed:\n{done.stderr}"
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="module")
def rendered() -> list[JSON]:
    return _render()


def _one(docs: list[JSON], kind: str, name: str | None = None) -> JSON:
    (found,) = [d for d in docs if d["kind"] == kind and name in (None, d["metadata"]["name"])]
    return found


def _key(doc: JSON) -> tuple[str, str, str]:
    meta = doc["metadata"]
    return (doc["kind"], meta.get("namespace", ""), meta["name"])


def _granted(role: JSON) -> set[Rule]:
    return {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def _required_rules() -> set[Rule]:
    """What the modules declare next to their code (RBAC next to code, as kubebuilder does)."""
    declared = (
        *kube.REQUIRED_RULES,
        *sources.REQUIRED_RULES,
        *nginx.REQUIRED_RULES,
        *leader.REQUIRED_RULES,
    )
    return {(group, resource, verb) for group, resource, verbs in declared for verb in verbs}


def test_the_modules_declare_every_call_they_make():
    assert _required_rules() == set(CODE_RULES)


def _container(rendered: list[JSON]) -> JSON:
    pod = _one(rendered, "Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    return dict(container)


def _controller_args(rendered: list[JSON]) -> argparse.Namespace:
    """The container's args as `rollouts controller` parses them (unknown flags fail here)."""
    command, *flags = _container(rendered)["args"]
    assert command == "controller"
    parser = argparse.ArgumentParser()
    options.add_arguments(parser)
    return parser.parse_args(flags)


def _lease_namespace(rendered: list[JSON]) -> str:
    """The namespace the deployed controller puts its Lease in, by the controller's own rule.

    POD_NAMESPACE counts only as the downward API's metadata.namespace, the Deployment's
    namespace; no ServiceAccount file is read here (the pod's would name the same).
    """
    env = {var["name"]: var for var in _container(rendered).get("env", ())}
    pod_namespace = None
    if "POD_NAMESPACE" in env:
        assert env["POD_NAMESPACE"]["valueFrom"] == {
            "fieldRef": {"fieldPath": "metadata.namespace"}
        }
        pod_namespace = _one(rendered, "Deployment")["metadata"]["namespace"]
    namespace, _ = lease_rules.choose_namespace(
        _controller_args(rendered).lease_namespace, pod_namespace, None
    )
    return namespace


# -------------------------------------------- reading the client calls out of the source


def _rule_of_call(api: type, method: str, call: ast.Call, scope: dict[str, Any]) -> Rule:
    """The (group, resource, verb) a kubernetes-client call needs, from the client's own code.

    Each generated method has a `_<method>_serialize` that names its HTTP method and path
    template; placeholders such as {group} and {plural} (CustomObjectsApi) are the call's own
    arguments, evaluated in the calling module.
    """
    source = inspect.getsource(getattr(api, f"_{method}_serialize"))
    http = re.search(r"method='(\w+)'", source)
    path = re.search(r"resource_path='([^']+)'", source)
    assert http, f"{api.__name__}.{method}: no HTTP method in the client"
    assert path, f"{api.__name__}.{method}: no resource path in the client"
    bound = inspect.signature(getattr(api, method)).bind(
        None, *call.args, **{k.arg: k.value for k in call.keywords if k.arg}
    )

    def value(part: str) -> str:
        if not part.startswith("{"):
            return part
        node = bound.arguments[part.strip("{}")]
        return str(eval(compile(ast.Expression(node), "<call>", "eval"), scope))

    parts = path.group(1).strip("/").split("/")
    group = "" if parts[0] == "api" else value(parts[1])
    rest = parts[2:] if parts[0] == "api" else parts[3:]
    if rest[:2] == ["namespaces", "{namespace}"]:
        rest = rest[2:]  # a namespaced resource, not the namespaces themselves
    resource, named, subresource = value(rest[0]), len(rest) > 1, rest[2:]
    if subresource:
        resource = f"{resource}/{subresource[0]}"
    watching = "watch" in bound.arguments and value("{watch}") == "True"
    verb = {
        "GET": "get" if named else "watch" if watching else "list",
        "POST": "create",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete" if named else "deletecollection",
    }[http.group(1)]
    return (group, resource, verb)


def _api_class(node: ast.AST) -> type | None:
    """The client API class when the node is `client.<Something>Api(...)`."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "client"
        and node.func.attr.endswith("Api")
    ):
        api: type = getattr(client, node.func.attr)
        return api
    return None


def _client_calls(path: pathlib.Path) -> Iterator[tuple[str, Rule]]:
    """(where, rule) for every `self.<api>.<method>(...)` on a kubernetes-client API object.

    The API objects are found as `self.<attr> = client.<Something>Api(...)` in each class; an
    API object made any other way fails the scan rather than escape it.
    """
    module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    scope = vars(importlib.import_module(module_name))
    tree = ast.parse(path.read_text())
    seen: set[int] = set()
    for cls in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
        apis: dict[str, type] = {}
        for node in ast.walk(cls):
            api = _api_class(node.value) if isinstance(node, ast.Assign) else None
            if isinstance(node, ast.Assign) and api is not None:
                (target,) = node.targets
                assert isinstance(target, ast.Attribute), ast.unparse(node)
                apis[target.attr] = api
                seen.add(id(node.value))
        for node in ast.walk(cls):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Attribute)
                and isinstance(node.func.value.value, ast.Name)
                and node.func.value.value.id == "self"
                and node.func.value.attr in apis
            ):
                api = apis[node.func.value.attr]
                where = f"{module_name}.{cls.name}: {node.func.attr}"
                yield where, _rule_of_call(api, node.func.attr, node, scope)
    stray = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if _api_class(node) is not None and id(node) not in seen
    ]
    assert not stray, f"{path}: API objects the scan cannot follow: {stray}"


def _code_calls() -> dict[Rule, list[str]]:
    found: dict[Rule, list[str]] = collections.defaultdict(list)
    for package in SCANNED:
        for path in sorted((ROOT / "rollouts" / package).glob("*.py")):
            for where, rule in _client_calls(path):
                found[rule].append(where)
    return dict(found)


def _watched_kinds() -> set[tuple[str, str]]:
    """(group, resource) of every kind the controller's ListWatches watch, read from the code."""
    calls = _code_calls()
    rt = main.build_runtime(client.ApiClient())
    loop = asyncio.new_event_loop()
    built = main.watches(client.ApiClient(), rt, None, loop)
    loop.close()
    classes = {f"rollouts.adapters.sources.{type(watch.source).__name__}" for watch in built}
    return {
        (group, resource)
        for (group, resource, verb), where in calls.items()
        if verb == "watch" and any(w.split(":")[0] in classes for w in where)
    }


def _expand(rules: Iterable[Rule]) -> list[str]:
    """Rules as sorted lines, `core services patch`, for readable diffs."""
    return sorted(f"{group or 'core'} {resource} {verb}" for group, resource, verb in rules)


# ------------------------------------------------------------------ rendering


def test_the_kustomization_renders_the_crds_namespace_rbac_and_controller_and_nothing_else(
    rendered: list[JSON],
):
    keys = [_key(doc) for doc in rendered]

    assert sorted(keys) == sorted(EXPECTED_OBJECTS)


def test_the_crds_render_exactly_as_the_files_in_crds_hold_them(rendered: list[JSON]):
    files = {
        doc["metadata"]["name"]: doc
        for path in sorted(CRDS.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    }
    crds = {d["metadata"]["name"]: d for d in rendered if d["kind"] == "CustomResourceDefinition"}

    assert crds == files


def test_the_crd_kustomization_lists_every_crd_file():
    listed = yaml.safe_load((CRDS / "kustomization.yml").read_text())["resources"]

    assert sorted(listed) == sorted(path.name for path in CRDS.glob("*.yaml"))


# ------------------------------------------------------------------ applying


def test_applying_the_kustomization_installs_a_controller_deployment_that_becomes_available(
    kubectl: Kubectl,
):
    kubectl("apply", "-k", str(DEPLOY))
    again = kubectl("apply", "-k", str(DEPLOY)).stdout

    assert "configured" not in again, again
    assert "created" not in again, again
    deployment = kubectl.json("get", "deployment", NAME, "-n", NAMESPACE)
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "ghcr.io/rollouts/rollouts:0.1.0"
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == NAME
    wait_for(
        lambda: (
            kubectl.json("get", "deployment", NAME, "-n", NAMESPACE)
            .get("status", {})
            .get("availableReplicas")
        ),
        message="the controller Deployment to become available",
    )
    for kind, namespace, name in EXPECTED_OBJECTS:
        scope = ("-n", namespace) if namespace else ()
        kubectl("get", kind.lower(), name, *scope)


# ------------------------------------------------------------------ RBAC against the code


def test_the_table_of_api_calls_is_every_call_the_code_makes():
    calls = _code_calls()

    assert _expand(calls) == _expand(CODE_RULES), calls


def test_the_adapters_required_rules_are_calls_the_code_makes():
    assert _expand(_required_rules() - CODE_RULES) == []


def test_the_controller_watches_the_listed_kinds_through_its_list_watches():
    assert _watched_kinds() == WATCHED


def test_kopf_is_registered_for_the_process_only_and_watches_no_kind():
    # startup, cleanup and login handlers only: no event, change-detection, daemon, index or
    # webhook handlers, so kopf lists and watches none of our kinds and never patches them
    # (no finalizers, no progress annotations)
    registered = set(re.findall(r"kopf\.on\.(\w+)", inspect.getsource(main)))

    assert registered == {"startup", "cleanup", "login"}


def test_the_cluster_role_grants_exactly_what_the_code_and_kopf_use(rendered: list[JSON]):
    needed = (_required_rules() | CODE_RULES | KOPF_RULES) - LEASE_RULES

    granted = _granted(_one(rendered, "ClusterRole"))

    assert _expand(granted) == _expand(needed)


def test_the_cluster_role_has_no_wildcards_resource_names_or_urls(rendered: list[JSON]):
    role = _one(rendered, "ClusterRole")

    assert "*" not in {part for rule in _granted(role) for part in rule}
    for rule in role["rules"]:
        assert set(rule) == {"apiGroups", "resources", "verbs"}, rule


def test_the_role_grants_the_lease_rules_only_in_the_lease_namespace(rendered: list[JSON]):
    role = _one(rendered, "Role")

    assert _expand(_granted(role)) == _expand(LEASE_RULES)
    assert role["metadata"]["namespace"] == _lease_namespace(rendered)
    # get and patch only the controller's own Lease; create cannot be limited by name
    for rule in role["rules"]:
        if set(rule["verbs"]) & {"get", "patch", "update", "delete"}:
            assert rule.get("resourceNames") == [main.LEASE_NAME], rule
        else:
            assert rule["verbs"] == ["create"], rule


def test_the_bindings_give_both_roles_to_the_deployments_service_account(rendered: list[JSON]):
    account = _one(rendered, "ServiceAccount")
    subject = {
        "kind": "ServiceAccount",
        "name": account["metadata"]["name"],
        "namespace": account["metadata"]["namespace"],
    }
    pod = _one(rendered, "Deployment")["spec"]["template"]["spec"]

    assert pod["serviceAccountName"] == account["metadata"]["name"]
    assert _one(rendered, "Deployment")["metadata"]["namespace"] == subject["namespace"]
    for binding_kind, role_kind in (("ClusterRoleBinding", "ClusterRole"), ("RoleBinding", "Role")):
        binding = _one(rendered, binding_kind)
        role = _one(rendered, role_kind)
        assert binding["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": role_kind,
            "name": role["metadata"]["name"],
        }
        assert binding["subjects"] == [subject]
        assert binding["metadata"].get("namespace") == role["metadata"].get("namespace")


# ------------------------------------------------------------------ the controller itself


def test_the_controller_container_serves_metrics_and_healthz_on_the_ports_its_flags_name(
    rendered: list[JSON],
):
    args = _controller_args(rendered)
    container = _container(rendered)
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}

    assert args.log_format == "json"
    assert ports == {"metrics": args.metrics_port, "healthz": args.health_port}
    probe = container["livenessProbe"]["httpGet"]
    assert (probe["path"], ports[probe["port"]]) == ("/healthz", args.health_port)
    service = _one(rendered, "Service")
    (service_port,) = service["spec"]["ports"]
    assert (service_port["port"], ports[service_port["targetPort"]]) == (
        args.metrics_port,
        args.metrics_port,
    )
    pod_labels = _one(rendered, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()


def test_the_lease_namespace_is_the_pods_own_through_the_downward_api(rendered: list[JSON]):
    """No --lease-namespace: installed into another namespace, the Lease and its Role follow."""
    env = {var["name"]: var for var in _container(rendered).get("env", ())}

    assert _controller_args(rendered).lease_namespace is None
    assert env["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert _lease_namespace(rendered) == NAMESPACE


def test_the_controller_is_ready_only_when_readyz_says_so(rendered: list[JSON]):
    args = _controller_args(rendered)
    container = _container(rendered)
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}

    probe = container["readinessProbe"]["httpGet"]

    assert (probe["path"], ports[probe["port"]]) == ("/readyz", args.health_port)


def test_the_controller_runs_non_root_on_a_read_only_root_with_resources_set(
    rendered: list[JSON],
):
    deployment = _one(rendered, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = _container(rendered)

    assert deployment["spec"]["replicas"] == 1
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert set(container["resources"]) == {"requests", "limits"}


def test_the_image_runs_the_rollouts_command_as_the_deployments_user(rendered: list[JSON]):
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    joined = "\n".join(lines).replace("\\\n", " ")  # continuation lines
    instructions = {
        line.split()[0]: line.split(None, 1)[1] for line in joined.splitlines() if line.strip()
    }
    pod = _one(rendered, "Deployment")["spec"]["template"]["spec"]

    assert instructions["FROM"] == "python:3.11-slim"
    assert instructions["ENTRYPOINT"] == '["rollouts"]'
    assert instructions["CMD"] == '["controller"]'
    assert instructions["USER"] == f"{pod['securityContext']['runAsUser']}:" + str(
        pod["securityContext"]["runAsGroup"]
    )
    assert _container(rendered)["args"][0] == "controller"
