"""Tables carry the columns and cells kube-apiserver 1.32 prints for `kubectl get`."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rollouts.devcluster import tables
from rollouts.devcluster.tables import TableError, build_table

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def ago(**delta: float) -> str:
    """An RFC 3339 timestamp the given time before NOW."""
    return (NOW - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def cells(resource: str, obj: dict[str, Any]) -> list[Any]:
    table = build_table([obj], resource=resource, printer_columns=None, now=NOW)
    row: list[Any] = table["rows"][0]["cells"]
    return row


def headers(resource: str, printer_columns: list[dict[str, Any]] | None = None) -> list[str]:
    table = build_table([], resource=resource, printer_columns=printer_columns, now=NOW)
    return [column["name"] for column in table["columnDefinitions"]]


def meta(name: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "shop", "creationTimestamp": ago(minutes=5), **more}


# --------------------------------------------------------------------------- durations


DURATIONS = [
    (-5, "<invalid>"),
    (-1.5, "0s"),
    (0, "0s"),
    (45, "45s"),
    (119.9, "119s"),
    (120, "2m"),
    (330, "5m30s"),
    (599, "9m59s"),
    (600, "10m"),
    (3 * 3600 - 1, "179m"),
    (3 * 3600, "3h"),
    (3 * 3600 + 15 * 60, "3h15m"),
    (8 * 3600 - 1, "7h59m"),
    (8 * 3600, "8h"),
    (30 * 3600, "30h"),
    (48 * 3600, "2d"),
    (3 * 86400 + 5 * 3600, "3d5h"),
    (8 * 86400, "8d"),
    (45 * 86400, "45d"),
    (730 * 86400, "2y"),
    (3 * 365 * 86400 + 45 * 86400, "3y45d"),
    (8 * 365 * 86400, "8y"),
    (10 * 365 * 86400 + 100 * 86400, "10y"),
]


@pytest.mark.parametrize(
    ("seconds", "shown"),
    DURATIONS,
    ids=[f"{seconds}s-reads-{shown.strip('<>')}".replace(".", "-") for seconds, shown in DURATIONS],
)
def test_durations_read_like_human_duration(seconds: float, shown: str) -> None:
    assert tables.human_duration(timedelta(seconds=seconds)) == shown


@pytest.mark.parametrize(
    ("timestamp", "shown"),
    [
        (None, "<unknown>"),
        ("", "<unknown>"),
        ("yesterday", "<unknown>"),
        ("2024-05-01T11:59:30Z", "30s"),
        ("2024-05-01T11:59:30.123456789Z", "29s"),
        ("2024-05-01T13:59:30+02:00", "30s"),
    ],
    ids=["absent", "empty", "malformed", "utc", "nanoseconds", "offset"],
)
def test_an_age_is_measured_to_now(timestamp: str | None, shown: str) -> None:
    assert tables.age(timestamp, NOW) == shown


# --------------------------------------------------------------------------- pods


def running_pod(**status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta("web-7d9f-abcde", labels={"app": "web"}),
        "spec": {"nodeName": "node-a", "containers": [{"name": "web", "image": "nginx:1.27"}]},
        "status": {
            "phase": "Running",
            "podIP": "10.244.0.7",
            "podIPs": [{"ip": "10.244.0.7"}],
            "conditions": [
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": "True"},
            ],
            "containerStatuses": [
                {
                    "name": "web",
                    "ready": True,
                    "restartCount": 0,
                    "started": True,
                    "state": {"running": {"startedAt": ago(minutes=5)}},
                }
            ],
            **status,
        },
    }


def test_a_ready_pod_prints_every_column() -> None:
    assert headers("pods") == [
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
        "IP",
        "Node",
        "Nominated Node",
        "Readiness Gates",
    ]
    assert cells("pods", running_pod()) == [
        "web-7d9f-abcde",
        "1/1",
        "Running",
        "0",
        "5m",
        "10.244.0.7",
        "node-a",
        "<none>",
        "<none>",
    ]


def test_a_pod_waiting_for_its_image_shows_the_waiting_reason() -> None:
    pod = running_pod(phase="Pending", podIP=None, podIPs=[])
    pod["status"]["containerStatuses"][0].update(
        ready=False,
        state={"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}},
    )
    assert cells("pods", pod)[1:6] == ["0/1", "ImagePullBackOff", "0", "5m", "<none>"]


def test_a_pod_being_deleted_is_terminating() -> None:
    pod = running_pod()
    pod["metadata"]["deletionTimestamp"] = ago(seconds=10)
    assert cells("pods", pod)[2] == "Terminating"


def test_a_pod_on_a_lost_node_being_deleted_is_unknown() -> None:
    pod = running_pod(reason="NodeLost")
    pod["metadata"]["deletionTimestamp"] = ago(seconds=10)
    assert cells("pods", pod)[2] == "Unknown"


def test_a_restarted_pod_shows_when_it_last_restarted() -> None:
    pod = running_pod()
    pod["status"]["containerStatuses"][0].update(
        restartCount=3,
        state={"waiting": {"reason": "CrashLoopBackOff"}},
        ready=False,
        lastState={"terminated": {"exitCode": 1, "finishedAt": ago(minutes=2)}},
    )
    assert cells("pods", pod)[1:4] == ["0/1", "CrashLoopBackOff", "3 (2m ago)"]


def test_a_finished_pod_is_completed_and_says_so_in_row_conditions() -> None:
    pod = running_pod(phase="Succeeded")
    pod["status"]["containerStatuses"][0].update(
        ready=False, state={"terminated": {"exitCode": 0, "reason": "Completed"}}
    )
    row = build_table([pod], resource="pods", printer_columns=None, now=NOW)["rows"][0]
    assert row["cells"][1:3] == ["0/1", "Completed"]
    assert row["conditions"] == [
        {
            "type": "Completed",
            "status": "True",
            "reason": "Succeeded",
            "message": "The pod has completed successfully.",
        }
    ]


def test_a_container_killed_without_a_reason_shows_its_exit_code() -> None:
    pod = running_pod(phase="Failed")
    pod["status"]["containerStatuses"][0].update(
        ready=False, state={"terminated": {"exitCode": 137}}
    )
    assert cells("pods", pod)[2] == "ExitCode:137"


def test_a_running_pod_has_no_row_conditions() -> None:
    row = build_table([running_pod()], resource="pods", printer_columns=None, now=NOW)["rows"][0]
    assert "conditions" not in row


def test_a_pod_stuck_in_an_init_container_shows_its_progress() -> None:
    pod = running_pod(phase="Pending")
    pod["spec"]["initContainers"] = [{"name": "migrate"}, {"name": "warm"}]
    pod["status"]["conditions"] = [{"type": "Initialized", "status": "False"}]
    pod["status"]["initContainerStatuses"] = [
        {"name": "migrate", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
        {"name": "warm", "state": {"waiting": {"reason": "PodInitializing"}}},
    ]
    pod["status"]["containerStatuses"][0].update(
        ready=False, state={"waiting": {"reason": "PodInitializing"}}
    )
    assert cells("pods", pod)[1:3] == ["0/1", "Init:1/2"]


def test_a_started_sidecar_counts_among_the_ready_containers() -> None:
    pod = running_pod()
    pod["spec"]["initContainers"] = [{"name": "proxy", "restartPolicy": "Always"}]
    pod["status"]["initContainerStatuses"] = [
        {
            "name": "proxy",
            "ready": True,
            "started": True,
            "restartCount": 1,
            "state": {"running": {}},
        },
    ]
    assert cells("pods", pod)[1:4] == ["2/2", "Running", "1"]


def test_readiness_gates_count_the_conditions_that_hold() -> None:
    pod = running_pod()
    pod["spec"]["readinessGates"] = [{"conditionType": "a/ok"}, {"conditionType": "b/ok"}]
    pod["status"]["conditions"].append({"type": "a/ok", "status": "True"})
    assert cells("pods", pod)[8] == "1/2"


# --------------------------------------------------------------------------- workloads


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta("web"),
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx:1.27"},
                        {"name": "log", "image": "fluent-bit:3"},
                    ]
                },
            },
        },
        "status": {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2},
    }


def test_a_deployment_with_two_of_three_ready_pods() -> None:
    assert headers("deployments") == [
        "Name",
        "Ready",
        "Up-to-date",
        "Available",
        "Age",
        "Containers",
        "Images",
        "Selector",
    ]
    assert cells("deployments", deployment()) == [
        "web",
        "2/3",
        3,
        2,
        "5m",
        "web,log",
        "nginx:1.27,fluent-bit:3",
        "app=web",
    ]


def test_a_new_deployment_defaults_to_one_replica_and_zero_counts() -> None:
    new = deployment()
    del new["spec"]["replicas"]
    new["status"] = {}
    assert cells("deployments", new)[1:4] == ["0/1", 0, 0]


def test_a_replica_set_prints_integer_counts() -> None:
    rs = deployment()
    rs["kind"] = "ReplicaSet"
    rs["metadata"]["name"] = "web-7d9f"
    rs["spec"]["selector"] = {"matchLabels": {"app": "web", "pod-template-hash": "7d9f"}}
    assert cells("replicasets", rs) == [
        "web-7d9f",
        3,
        3,
        2,
        "5m",
        "web,log",
        "nginx:1.27,fluent-bit:3",
        "app=web,pod-template-hash=7d9f",
    ]
    table = build_table([], resource="replicasets", printer_columns=None, now=NOW)
    assert [c["type"] for c in table["columnDefinitions"][1:4]] == ["integer"] * 3


# --------------------------------------------------------------------------- networking


def service(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta("web"),
        "spec": {
            "clusterIP": "10.96.12.34",
            "clusterIPs": ["10.96.12.34"],
            "selector": {"app": "web", "tier": "fe"},
            "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}],
            **spec,
        },
    }


@pytest.mark.parametrize(
    ("spec", "status", "shown"),
    [
        ({}, {}, ["ClusterIP", "10.96.12.34", "<none>", "80/TCP"]),
        (
            {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]},
            {},
            ["NodePort", "10.96.12.34", "<none>", "80:30080/TCP"],
        ),
        (
            {"type": "LoadBalancer", "ports": [{"port": 443}, {"port": 53, "protocol": "UDP"}]},
            {},
            ["LoadBalancer", "10.96.12.34", "<pending>", "443/TCP,53/UDP"],
        ),
        (
            {"type": "LoadBalancer"},
            {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}, {"hostname": "lb.example"}]}},
            ["LoadBalancer", "10.96.12.34", "203.0.113.9,lb.example", "80/TCP"],
        ),
        (
            {"clusterIP": "None", "clusterIPs": ["None"], "ports": []},
            {},
            ["ClusterIP", "None", "<none>", "<none>"],
        ),
        (
            {
                "type": "ExternalName",
                "externalName": "db.example",
                "clusterIP": "",
                "clusterIPs": [],
            },
            {},
            ["ExternalName", "<none>", "db.example", "80/TCP"],
        ),
    ],
    ids=[
        "cluster-ip",
        "node-port",
        "pending-load-balancer",
        "load-balancer",
        "headless",
        "external",
    ],
)
def test_a_service_prints_its_type_addresses_and_ports(
    spec: dict[str, Any], status: dict[str, Any], shown: list[str]
) -> None:
    svc = service(**spec)
    svc["status"] = status
    row = cells("services", svc)
    assert row[1:5] == shown
    assert row[5:] == ["5m", "app=web,tier=fe"]


def ingress(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": meta("web"),
        "spec": spec,
        "status": {"loadBalancer": {"ingress": [{"ip": "172.18.0.2"}]}},
    }


def test_an_ingress_with_tls_opens_both_ports() -> None:
    ing = ingress(
        ingressClassName="nginx",
        tls=[{"hosts": ["shop.example"], "secretName": "shop-tls"}],
        rules=[{"host": "shop.example"}, {"host": "api.example"}],
    )
    assert headers("ingresses") == ["Name", "Class", "Hosts", "Address", "Ports", "Age"]
    assert cells("ingresses", ing) == [
        "web",
        "nginx",
        "shop.example,api.example",
        "172.18.0.2",
        "80, 443",
        "5m",
    ]


def test_an_ingress_without_hosts_or_class() -> None:
    ing = ingress(rules=[{"http": {"paths": []}}])
    ing["status"] = {}
    assert cells("ingresses", ing)[1:5] == ["<none>", "*", "", "80"]


def test_an_ingress_with_many_hosts_shows_three() -> None:
    ing = ingress(rules=[{"host": f"h{i}.example"} for i in range(5)])
    assert cells("ingresses", ing)[2] == "h0.example,h1.example,h2.example + 2 more..."


@pytest.mark.parametrize(
    ("subsets", "shown"),
    [
        ([], "<none>"),
        (
            [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}], "ports": [{"port": 8080}]}],
            "10.0.0.1:8080,10.0.0.2:8080",
        ),
        (
            [{"addresses": [{"ip": f"10.0.0.{i}"} for i in range(1, 6)], "ports": [{"port": 80}]}],
            "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...",
        ),
        ([{"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 80}]}], "[fd00::1]:80"),
        ([{"addresses": [{"ip": "10.0.0.1"}]}], "10.0.0.1"),
    ],
    ids=["none", "two", "more-than-three", "ipv6", "headless"],
)
def test_endpoints_list_up_to_three_addresses(subsets: list[Any], shown: str) -> None:
    ep = {"metadata": meta("web"), "subsets": subsets}
    assert cells("endpoints", ep) == ["web", shown, "5m"]


# --------------------------------------------------------------------------- other kinds


def test_events_print_like_kubectl_get_events() -> None:
    event = {
        "metadata": meta("web-1.17c3"),
        "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{web}"},
        "reason": "BackOff",
        "message": 'Back-off pulling image "nginx:nope"\n',
        "type": "Warning",
        "source": {"component": "kubelet", "host": "node-a"},
        "firstTimestamp": ago(minutes=10),
        "lastTimestamp": ago(seconds=40),
        "count": 7,
    }
    assert headers("events")[:4] == ["Last Seen", "Type", "Reason", "Object"]
    assert cells("events", event) == [
        "40s",
        "Warning",
        "BackOff",
        "pod/web-1",
        "spec.containers{web}",
        "kubelet, node-a",
        'Back-off pulling image "nginx:nope"',
        "10m",
        7,
        "web-1.17c3",
    ]


def test_an_event_from_the_new_api_reads_its_event_time_and_controller() -> None:
    event = {
        "metadata": meta("rollout.1"),
        "involvedObject": {"kind": "Rollout"},
        "eventTime": "2024-05-01T11:59:00.000000Z",
        "reportingComponent": "rollouts-controller",
        "reportingInstance": "rollouts-0",
        "type": "Normal",
        "reason": "Promoted",
        "message": "step 2",
    }
    assert cells("events", event) == [
        "60s",
        "Normal",
        "Promoted",
        "rollout",
        "",
        "rollouts-controller, rollouts-0",
        "step 2",
        "60s",
        1,
        "rollout.1",
    ]


def test_an_event_read_through_events_k8s_io_prints_the_same() -> None:
    event = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": meta("web-1.17c3"),
        "regarding": {"kind": "Pod", "name": "web-1"},
        "note": "Started container web",
        "reason": "Started",
        "type": "Normal",
        "reportingController": "kubelet",
        "reportingInstance": "node-a",
        "deprecatedFirstTimestamp": ago(minutes=3),
        "deprecatedLastTimestamp": ago(minutes=1),
        "deprecatedCount": 2,
    }
    row = build_table([event], resource="events", printer_columns=None, now=NOW)["rows"][0]
    assert row["cells"] == [
        "60s",
        "Normal",
        "Started",
        "pod/web-1",
        "",
        "kubelet, node-a",
        "Started container web",
        "3m",
        2,
        "web-1.17c3",
    ]
    assert row["object"]["metadata"]["name"] == "web-1.17c3"


@pytest.mark.parametrize(
    ("resource", "obj", "shown"),
    [
        ("namespaces", {"metadata": meta("shop"), "status": {"phase": "Active"}}, ["Active"]),
        (
            "namespaces",
            {"metadata": meta("old"), "status": {"phase": "Terminating"}},
            ["Terminating"],
        ),
        (
            "configmaps",
            {"metadata": meta("cfg"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": ""}},
            [3],
        ),
        ("configmaps", {"metadata": meta("cfg")}, [0]),
        (
            "secrets",
            {
                "metadata": meta("tls"),
                "type": "kubernetes.io/tls",
                "data": {"tls.crt": "", "tls.key": ""},
            },
            ["kubernetes.io/tls", 2],
        ),
        ("secrets", {"metadata": meta("s")}, ["Opaque", 0]),
        ("serviceaccounts", {"metadata": meta("default"), "secrets": [{"name": "t"}]}, [1]),
        (
            "leases",
            {"metadata": meta("lock"), "spec": {"holderIdentity": "rollouts-0_abc"}},
            ["rollouts-0_abc"],
        ),
        ("leases", {"metadata": meta("lock"), "spec": {}}, [""]),
    ],
    ids=[
        "namespace",
        "terminating-namespace",
        "configmap-counts-binary-data",
        "empty-configmap",
        "tls-secret",
        "opaque-secret",
        "service-account",
        "held-lease",
        "free-lease",
    ],
)
def test_simple_kinds_print_their_one_or_two_facts(
    resource: str, obj: dict[str, Any], shown: list[Any]
) -> None:
    assert cells(resource, obj) == [obj["metadata"]["name"], *shown, "5m"]


def test_crds_print_their_creation_time_not_an_age() -> None:
    crd = {
        "metadata": {"name": "rollouts.argoproj.io", "creationTimestamp": "2024-04-30T10:00:00Z"}
    }
    assert headers("customresourcedefinitions") == ["Name", "Created At"]
    assert cells("customresourcedefinitions", crd) == [
        "rollouts.argoproj.io",
        "2024-04-30T10:00:00Z",
    ]


@pytest.mark.parametrize("resource", ["roles", "clusterroles"], ids=["role", "cluster-role"])
def test_a_built_in_kind_without_a_printer_gets_the_default_table(resource: str) -> None:
    role = {"metadata": {"name": "reader", "creationTimestamp": "2024-04-30T10:00:00Z"}}
    table = build_table([role], resource=resource, printer_columns=None, now=NOW)
    assert [(c["name"], c["type"]) for c in table["columnDefinitions"]] == [
        ("Name", "string"),
        ("Created At", "date"),
    ]
    assert table["rows"][0]["cells"] == ["reader", "2024-04-30T10:00:00Z"]


def test_a_role_binding_names_its_role_and_subjects() -> None:
    binding = {
        "metadata": meta("rollouts"),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
        "subjects": [
            {"kind": "ServiceAccount", "name": "rollouts", "namespace": "shop"},
            {"kind": "User", "name": "ada"},
            {"kind": "User", "name": "bob"},
            {"kind": "Group", "name": "devs"},
        ],
    }
    assert headers("rolebindings") == [
        "Name",
        "Role",
        "Age",
        "Users",
        "Groups",
        "ServiceAccounts",
    ]
    assert cells("clusterrolebindings", binding) == [
        "rollouts",
        "ClusterRole/edit",
        "5m",
        "ada, bob",
        "devs",
        "shop/rollouts",
    ]


@pytest.mark.parametrize(
    ("parameters", "shown"),
    [
        (None, "<none>"),
        ({"kind": "IngressParameters", "name": "lb"}, "IngressParameters/lb"),
        (
            {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "lb"},
            "IngressParameters.k8s.example.com/lb",
        ),
    ],
    ids=["none", "core", "grouped"],
)
def test_an_ingress_class_names_its_controller_and_parameters(
    parameters: dict[str, str] | None, shown: str
) -> None:
    spec: dict[str, Any] = {"controller": "k8s.io/ingress-nginx"}
    if parameters is not None:
        spec["parameters"] = parameters
    ic = {"metadata": meta("nginx"), "spec": spec}
    assert cells("ingressclasses", ic) == ["nginx", "k8s.io/ingress-nginx", shown, "5m"]


def test_column_definitions_carry_every_field() -> None:
    table = build_table([], resource="pods", printer_columns=None, now=NOW)
    name, ready = table["columnDefinitions"][:2]
    assert set(name) == {"name", "type", "format", "description", "priority"}
    assert (name["format"], name["priority"], name["type"]) == ("name", 0, "string")
    assert (ready["format"], ready["priority"]) == ("", 0)
    assert [c["priority"] for c in table["columnDefinitions"]] == [0] * 5 + [1] * 4


# --------------------------------------------------------------------------- custom resources

ROLLOUT_COLUMNS: list[dict[str, Any]] = [
    {"name": "Desired", "type": "integer", "jsonPath": ".spec.replicas"},
    {
        "name": "Ready",
        "type": "string",
        "jsonPath": '.status.conditions[?(@.type=="Healthy")].status',
    },
    {"name": "Phase", "type": "string", "jsonPath": ".status.phase", "priority": 1},
    {"name": "Weight", "type": "number", "jsonPath": ".status.canary.weight", "format": "float"},
    {"name": "Paused", "type": "boolean", "jsonPath": ".spec.paused"},
    {"name": "Started", "type": "date", "jsonPath": ".status.startedAt"},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]


def rollout(**status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": meta("checkout", labels={"app.kubernetes.io/name": "checkout"}),
        "spec": {
            "replicas": 4,
            "paused": False,
            "template": {"spec": {"containers": [{"image": "shop:1"}, {"image": "proxy:2"}]}},
        },
        "status": {
            "phase": "Progressing",
            "startedAt": ago(minutes=3, seconds=20),
            "canary": {"weight": 20},
            "conditions": [
                {"type": "Progressing", "status": "True"},
                {"type": "Healthy", "status": "False"},
            ],
            **status,
        },
    }


def test_custom_columns_follow_the_crds_printer_columns() -> None:
    table = build_table([rollout()], resource="rollouts", printer_columns=ROLLOUT_COLUMNS, now=NOW)
    definitions = table["columnDefinitions"]
    assert [c["name"] for c in definitions] == [
        "Name",
        "Desired",
        "Ready",
        "Phase",
        "Weight",
        "Paused",
        "Started",
        "Age",
    ]
    assert definitions[3]["priority"] == 1
    assert definitions[4]["format"] == "float"
    assert definitions[1]["description"] == "Custom resource column at .spec.replicas"
    assert table["rows"][0]["cells"] == [
        "checkout",
        4,
        "False",
        "Progressing",
        20.0,
        False,
        "3m20s",
        "5m",
    ]


def test_a_missing_value_leaves_a_null_cell() -> None:
    bare = rollout()
    bare["status"] = {}
    row = build_table([bare], resource="rollouts", printer_columns=ROLLOUT_COLUMNS, now=NOW)
    assert row["rows"][0]["cells"][2:7] == [None, None, None, False, None]


def test_a_crd_without_printer_columns_gets_an_age_column() -> None:
    table = build_table([rollout()], resource="rollouts", printer_columns=[], now=NOW)
    assert [(c["name"], c["type"]) for c in table["columnDefinitions"]] == [
        ("Name", "string"),
        ("Age", "date"),
    ]
    assert table["rows"][0]["cells"] == ["checkout", "5m"]


@pytest.mark.parametrize(
    ("column_type", "path", "cell"),
    [
        ("string", ".spec.replicas", "4"),
        ("string", ".spec.paused", "false"),
        ("string", ".status.canary", '{"weight":20}'),
        ("string", ".spec.template.spec.containers[*].image", "shop:1"),
        ("string", ".spec.template.spec.containers[-1].image", "proxy:2"),
        ("string", ".spec.template.spec.containers[5].image", None),
        ("string", ".metadata.labels.app\\.kubernetes\\.io/name", "checkout"),
        ("string", ".status.conditions[?(@.status!='True')].type", "Healthy"),
        ("string", ".status.conditions[?(@.reason)].type", None),
        ("string", ".status.conditions[?(@.status==1)].type", None),
        ("string", "..weight", None),
        ("integer", ".status.phase", None),
        ("integer", ".status.ratio", 2),
        ("number", ".spec.replicas", 4.0),
        ("boolean", ".spec.replicas", None),
        ("date", ".status.phase", "<invalid>"),
        ("date", ".spec.replicas", None),
    ],
    ids=[
        "string-of-integer",
        "string-of-boolean",
        "string-of-object-is-json",
        "wildcard-takes-first",
        "negative-index",
        "index-out-of-range",
        "escaped-dots",
        "filter-single-quotes",
        "filter-exists-without-match",
        "filter-mismatched-kinds",
        "unsupported-recursion",
        "integer-of-string",
        "integer-of-float-truncates",
        "number-of-integer",
        "boolean-of-integer",
        "date-unparseable",
        "date-of-number",
    ],
)
def test_a_custom_cell_is_typed_as_the_apiextensions_server_types_it(
    column_type: str, path: str, cell: Any
) -> None:
    obj = rollout(ratio=2.9)
    columns = [{"name": "X", "type": column_type, "jsonPath": path}]
    table = build_table([obj], resource="rollouts", printer_columns=columns, now=NOW)
    assert table["rows"][0]["cells"][1] == cell


# --------------------------------------------------------------------------- table shape


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("None", lambda obj: None),
        ("Object", lambda obj: obj),
        (
            "Metadata",
            lambda obj: {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": obj["metadata"],
            },
        ),
        (
            "",
            lambda obj: {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": obj["metadata"],
            },
        ),
    ],
    ids=["none", "object", "metadata", "unset-means-metadata"],
)
def test_rows_carry_the_object_as_include_object_asks(mode: str, expected: Any) -> None:
    pod = running_pod()
    row = build_table([pod], resource="pods", printer_columns=None, now=NOW, include_object=mode)
    assert row["rows"][0]["object"] == expected(pod)


def test_the_row_object_is_a_copy() -> None:
    pod = running_pod()
    original = copy.deepcopy(pod)
    table = build_table(
        [pod], resource="pods", printer_columns=None, now=NOW, include_object="Object"
    )
    table["rows"][0]["object"]["metadata"]["name"] = "changed"
    assert pod == original


def test_an_unknown_include_object_is_a_bad_request() -> None:
    with pytest.raises(TableError, match='unrecognized includeObject value: "Everything"'):
        build_table(
            [running_pod()],
            resource="pods",
            printer_columns=None,
            now=NOW,
            include_object="Everything",
        )


def test_an_empty_list_never_checks_include_object() -> None:
    table = build_table(
        [], resource="pods", printer_columns=None, now=NOW, include_object="Everything"
    )
    assert table["rows"] == []


def test_a_table_carries_list_metadata_and_headers() -> None:
    table = build_table(
        [running_pod()],
        resource="pods",
        printer_columns=None,
        now=NOW,
        resource_version="42",
        continue_token="abc",
    )
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert table["metadata"] == {"resourceVersion": "42", "continue": "abc"}
    assert len(table["columnDefinitions"]) == len(table["rows"][0]["cells"])


def test_a_watch_event_after_the_first_leaves_out_the_headers() -> None:
    table = build_table(
        [running_pod()], resource="pods", printer_columns=None, now=NOW, with_headers=False
    )
    assert table["columnDefinitions"] is None
    assert table["metadata"] == {}
    assert len(table["rows"]) == 1
