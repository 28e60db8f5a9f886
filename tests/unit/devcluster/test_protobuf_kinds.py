"""The built-in kinds beyond the core four: bodies kubectl 1.32 sent for its `create`
subcommands (in protobuf_bodies/, each checked against kubectl's own `--dry-run=client -o json`
of the same command), and the JSON rules of Go's encoder that those kinds exercise: inlined
structs, IntOrString, Quantity, MicroTime, packed numbers, nil slices and pointers to zero."""

from __future__ import annotations

import pathlib
import random
from typing import Any

import pytest

from rollouts.devcluster.protobuf import ProtobufError, decode
from tests.unit.devcluster.protoenc import entry, envelope, gogo_meta, ld, num, time, varint

BODIES = pathlib.Path(__file__).parent / "protobuf_bodies"
RBAC = "rbac.authorization.k8s.io"


def _captured(name: str) -> dict[str, Any]:
    return decode((BODIES / f"{name}.bin").read_bytes())


def _container(**fields: Any) -> dict[str, Any]:
    return {**fields, "resources": {}}


def test_create_deployment_with_replicas_and_port():
    assert _captured("deployment") == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        _container(name="nginx", image="nginx:1.27", ports=[{"containerPort": 80}])
                    ]
                },
            },
            "strategy": {},
        },
        "status": {},
    }


def test_create_deployment_keeps_zero_replicas_and_the_command():
    spec = _captured("deployment-command")["spec"]

    assert spec["replicas"] == 0  # a pointer set to zero: not "unset", which would default to 1
    assert spec["template"]["spec"]["containers"] == [
        _container(name="busybox", image="busybox", command=["sleep", "3600"])
    ]


@pytest.mark.parametrize(
    ("name", "spec"),
    [
        pytest.param(
            "service-clusterip",
            {
                "ports": [
                    {"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080},
                    {"name": "443", "protocol": "TCP", "port": 443, "targetPort": 443},
                ],
                "selector": {"app": "web"},
                "type": "ClusterIP",
            },
            id="clusterip",
        ),
        pytest.param(
            "service-nodeport",
            {
                "ports": [
                    {
                        "name": "80-http",
                        "protocol": "TCP",
                        "port": 80,
                        "targetPort": "http",
                        "nodePort": 30080,
                    }
                ],
                "selector": {"app": "np"},
                "type": "NodePort",
            },
            id="nodeport-named-target",
        ),
        pytest.param(
            "service-loadbalancer",
            {
                "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
                "selector": {"app": "lb"},
                "type": "LoadBalancer",
            },
            id="loadbalancer",
        ),
        pytest.param(
            "service-externalname",
            {
                "ports": [{"name": "80", "protocol": "TCP", "port": 80, "targetPort": 80}],
                "selector": {"app": "ext"},
                "type": "ExternalName",
                "externalName": "example.com",
            },
            id="externalname",
        ),
    ],
)
def test_create_service(name: str, spec: dict[str, Any]):
    service = _captured(name)

    assert (service["apiVersion"], service["kind"]) == ("v1", "Service")
    assert service["spec"] == spec
    assert service["status"] == {"loadBalancer": {}}


def _backend(service: str, port: dict[str, Any]) -> dict[str, Any]:
    return {"service": {"name": service, "port": port}}


def test_create_ingress_with_rules_tls_class_and_default_backend():
    ingress = _captured("ingress")

    assert ingress["metadata"] == {"name": "web", "annotations": {"a": "b"}}
    assert ingress["spec"] == {
        "ingressClassName": "nginx",
        "defaultBackend": _backend("defsvc", {"number": 80}),
        "tls": [{"hosts": ["foo.com"], "secretName": "my-cert"}],
        "rules": [
            {
                "host": "foo.com",
                "http": {
                    "paths": [
                        {
                            "path": "/bar",
                            "pathType": "Prefix",
                            "backend": _backend("svc", {"number": 8080}),
                        }
                    ]
                },
            },
            {
                "host": "bar.com",
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Exact",
                            "backend": _backend("svc2", {"name": "http"}),
                        }
                    ]
                },
            },
        ],
    }


def test_create_role_with_verbs_resources_and_names():
    role = _captured("role")

    assert (role["kind"], role["metadata"]) == ("Role", {"name": "reader"})
    assert role["rules"] == [
        {"verbs": ["get", "list"], "apiGroups": [group], "resources": [resource],
         "resourceNames": ["x"]}
        for group, resource in (("", "pods"), ("apps", "deployments"))
    ]  # fmt: skip


def test_create_rolebinding_with_users_groups_and_service_accounts():
    binding = _captured("rolebinding")

    assert binding["subjects"] == [
        {"kind": "User", "apiGroup": RBAC, "name": "alice"},
        {"kind": "Group", "apiGroup": RBAC, "name": "devs"},
        {"kind": "ServiceAccount", "name": "robot", "namespace": "default"},
    ]
    assert binding["roleRef"] == {"apiGroup": RBAC, "kind": "Role", "name": "reader"}


def test_create_clusterrole_with_non_resource_urls():
    assert _captured("clusterrole")["rules"] == [{"verbs": ["get"], "nonResourceURLs": ["/logs/*"]}]


def test_an_aggregated_clusterrole_has_null_rules_as_go_writes_a_nil_slice():
    role = _captured("clusterrole-aggregated")

    assert role["rules"] is None
    assert role["aggregationRule"] == {
        "clusterRoleSelectors": [{"matchLabels": {"rbac.example.com/aggregate": "true"}}]
    }


def test_create_clusterrolebinding():
    binding = _captured("clusterrolebinding")

    assert binding["subjects"] == [{"kind": "User", "apiGroup": RBAC, "name": "bob"}]
    assert binding["roleRef"] == {"apiGroup": RBAC, "kind": "ClusterRole", "name": "cr"}


def test_create_job_with_a_command():
    assert _captured("job") == {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi"},
        "spec": {
            "template": {
                "metadata": {},
                "spec": {
                    "containers": [_container(name="pi", image="busybox", command=["echo", "hi"])],
                    "restartPolicy": "Never",
                },
            }
        },
        "status": {},
    }


def test_create_cronjob_with_schedule_and_restart_policy():
    cronjob = _captured("cronjob")

    assert cronjob["spec"] == {
        "schedule": "0 3 * * *",
        "jobTemplate": {
            "metadata": {"name": "nightly"},
            "spec": {
                "template": {
                    "metadata": {},
                    "spec": {
                        "containers": [
                            _container(name="nightly", image="busybox", command=["date"])
                        ],
                        "restartPolicy": "OnFailure",
                    },
                }
            },
        },
    }


# --- Go's JSON rules on hand-built bodies ------------------------------------------------


def _pod_spec(*fields: bytes) -> dict[str, Any]:
    """A Pod whose spec has `fields`, decoded; its spec."""
    spec: dict[str, Any] = decode(envelope(gogo_meta("p") + ld(2, b"".join(fields)), "Pod"))["spec"]
    return spec


def test_inlined_structs_merge_into_their_parent():
    volume = ld(1, "config") + ld(2, ld(19, ld(1, ld(1, "settings")) + num(3, 0o644)))
    secret_ref = ld(1, ld(1, "creds")) + ld(2, "password")
    env = ld(1, "PASSWORD") + ld(3, ld(4, secret_ref))
    probe = ld(1, ld(2, ld(1, "/healthz") + ld(2, num(1, 0) + num(2, 8080)))) + num(4, 5)
    container = ld(1, "app") + ld(2, "app:1") + ld(7, env) + ld(11, probe)

    spec = _pod_spec(ld(1, volume), ld(2, container))

    assert spec["volumes"] == [
        {"name": "config", "configMap": {"name": "settings", "defaultMode": 0o644}}
    ]
    assert spec["containers"][0]["env"] == [
        {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}}
    ]
    assert spec["containers"][0]["readinessProbe"] == {
        "httpGet": {"path": "/healthz", "port": 8080},
        "periodSeconds": 5,
    }


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        pytest.param(num(1, 0) + num(2, 25), 25, id="int"),
        pytest.param(num(1, 1) + ld(3, "25%"), "25%", id="string"),
        pytest.param(num(1, 0) + num(2, -1), -1, id="negative"),
        pytest.param(num(1, 0) + num(2, 0), 0, id="pointer-to-zero-is-kept"),
        pytest.param(b"", 0, id="empty-is-zero"),
    ],
)
def test_int_or_string_pointers(encoded: bytes, expected: int | str):
    rolling = ld(2, ld(1, encoded))  # strategy.rollingUpdate.maxUnavailable
    strategy = ld(4, ld(1, "RollingUpdate") + rolling)
    body = envelope(gogo_meta("d") + ld(2, strategy), "Deployment", "apps/v1")

    strategy = decode(body)["spec"]["strategy"]

    assert strategy["rollingUpdate"] == {"maxUnavailable": expected}


def test_a_zero_target_port_is_left_out_so_that_the_port_defaults_it():
    port = ld(1, "http") + ld(2, "TCP") + num(3, 80) + ld(4, num(1, 0) + num(2, 0))
    body = envelope(gogo_meta("s") + ld(2, ld(1, port)), "Service")

    assert decode(body)["spec"]["ports"] == [{"name": "http", "protocol": "TCP", "port": 80}]


def test_quantities_in_resource_maps_are_their_text():
    resources = entry(1, "cpu", ld(1, "500m")) + entry(2, "memory", ld(1, "64Mi"))
    container = ld(1, "app") + ld(2, "app:1") + ld(8, resources)

    spec = _pod_spec(ld(2, container))

    assert spec["containers"][0]["resources"] == {
        "limits": {"cpu": "500m"},
        "requests": {"memory": "64Mi"},
    }


def test_numbers_of_a_repeated_field_may_come_packed_or_one_by_one():
    groups = ld(4, varint(1000) + varint(2000)) + num(4, 3000)

    spec = _pod_spec(ld(14, groups))

    assert spec["securityContext"] == {"supplementalGroups": [1000, 2000, 3000]}


def test_micro_times_keep_microseconds():
    spec = ld(1, "holder") + num(2, 15) + time(4, 1_700_000_000, nanos=123_456_789)
    body = envelope(gogo_meta("lock") + ld(2, spec), "Lease", "coordination.k8s.io/v1")

    assert decode(body)["spec"] == {
        "holderIdentity": "holder",
        "leaseDurationSeconds": 15,
        "renewTime": "2023-11-14T22:13:20.123456Z",
    }


def test_pointers_to_false_and_zero_are_kept():
    body = _pod_spec(num(4, 0), num(21, 0), ld(2, ld(1, "app") + ld(2, "app:1")))

    assert body["terminationGracePeriodSeconds"] == 0
    assert body["automountServiceAccountToken"] is False


def test_an_absent_struct_is_written_with_its_fields_as_go_writes_it():
    body = envelope(gogo_meta("d"), "Deployment", "apps/v1")

    assert decode(body)["spec"] == {
        "selector": None,
        "template": {"metadata": {}, "spec": {"containers": None}},
        "strategy": {},
    }


def test_an_eviction_carries_its_delete_options():
    options = num(1, 0) + ld(2, ld(1, "uid-1")) + ld(4, "Foreground") + ld(5, "All")
    body = envelope(gogo_meta("web-1", ld(3, "team")) + ld(2, options), "Eviction", "policy/v1")

    assert decode(body) == {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "web-1", "namespace": "team"},
        "deleteOptions": {
            "gracePeriodSeconds": 0,
            "preconditions": {"uid": "uid-1"},
            "propagationPolicy": "Foreground",
            "dryRun": ["All"],
        },
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            envelope(ld(2, b"\x08"), "Deployment", "apps/v1"),
            "DeploymentSpec: a varint is cut short",
            id="spec-cut",
        ),
        pytest.param(
            envelope(ld(2, ld(3, ld(2, ld(2, num(1, 1))))), "Deployment", "apps/v1"),
            "Container.name: wire type 0",
            id="container-name-varint",
        ),
        pytest.param(
            envelope(ld(2, ld(1, ld(4, num(3, 1)))), "Service"),
            "ServicePort.targetPort.strVal: wire type 0",
            id="int-or-string-text-varint",
        ),
        pytest.param(
            envelope(ld(2, ld(14, ld(4, b"\xff"))), "Pod"),
            "PodSecurityContext.supplementalGroups: a varint is cut short",
            id="packed-cut",
        ),
    ],
)
def test_malformed_nested_fields_name_where_they_are(body: bytes, message: str):
    with pytest.raises(ProtobufError) as failure:
        decode(body)

    assert message in str(failure.value)


def test_mutated_kubectl_bodies_decode_or_fail_as_protobuf_errors():
    rng = random.Random(20241207)
    bodies = [path.read_bytes() for path in sorted(BODIES.glob("*.bin"))]
    for _ in range(2000):
        mutated = bytearray(rng.choice(bodies))
        for _ in range(rng.randint(1, 4)):
            mutated[rng.randrange(4, len(mutated))] = rng.randrange(256)
        try:
            decoded = decode(bytes(mutated))
        except ProtobufError:
            continue
        assert isinstance(decoded, dict)
