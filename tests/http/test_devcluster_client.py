"""The `kubernetes` Python client against devcluster: the API contract verb by verb."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client import ApiException

from rollouts.devcluster import cluster
from tests.conftest import wait_for


def _configmap(name: str, **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels}, "data": {"k": "v"}}


def test_update_with_a_stale_resource_version_is_a_conflict(api: Any, namespace: str):
    core = client.CoreV1Api(api)
    created = core.create_namespaced_config_map(namespace, _configmap("cm"))
    core.patch_namespaced_config_map("cm", namespace, {"data": {"k": "w"}})

    with pytest.raises(ApiException) as failure:
        core.replace_namespaced_config_map("cm", namespace, created)

    assert failure.value.status == 409
    assert json.loads(failure.value.body)["reason"] == "Conflict"


def test_resource_version_moves_on_writes_only(api: Any, namespace: str):
    core = client.CoreV1Api(api)
    created = core.create_namespaced_config_map(namespace, _configmap("cm"))

    same = core.patch_namespaced_config_map("cm", namespace, {"data": {"k": "v"}})
    changed = core.patch_namespaced_config_map("cm", namespace, {"data": {"k": "w"}})

    assert same.metadata.resource_version == created.metadata.resource_version
    assert int(changed.metadata.resource_version) > int(created.metadata.resource_version)


def test_list_filters_by_label_and_field_selector(api: Any, namespace: str):
    core = client.CoreV1Api(api)
    for name, tier in (("a", "web"), ("b", "db"), ("c", "web")):
        core.create_namespaced_config_map(namespace, _configmap(name, tier=tier))

    by_label = core.list_namespaced_config_map(namespace, label_selector="tier=web")
    by_field = core.list_namespaced_config_map(namespace, field_selector="metadata.name!=a")

    assert [c.metadata.name for c in by_label.items] == ["a", "c"]
    assert [c.metadata.name for c in by_field.items] == ["b", "c"]


def test_list_pages_with_limit_and_continue(api: Any, namespace: str):
    core = client.CoreV1Api(api)
    for i in range(5):
        core.create_namespaced_config_map(namespace, _configmap(f"cm{i}"))

    first = core.list_namespaced_config_map(namespace, limit=2)
    second = core.list_namespaced_config_map(namespace, limit=2, _continue=first.metadata._continue)
    third = core.list_namespaced_config_map(namespace, limit=2, _continue=second.metadata._continue)

    names = [c.metadata.name for page in (first, second, third) for c in page.items]
    assert names == [f"cm{i}" for i in range(5)]
    assert not third.metadata._continue


def test_watch_from_a_resource_version_sees_later_changes_in_order(api: Any, namespace: str):
    core = client.CoreV1Api(api)
    start = core.list_namespaced_config_map(namespace).metadata.resource_version
    core.create_namespaced_config_map(namespace, _configmap("w"))
    core.patch_namespaced_config_map("w", namespace, {"data": {"k": "2"}})
    core.delete_namespaced_config_map("w", namespace)

    events = []
    for event in watch.Watch().stream(
        core.list_namespaced_config_map, namespace, resource_version=start, timeout_seconds=2
    ):
        events.append((event["type"], event["object"].metadata.name))
        if len(events) == 3:
            break

    assert events == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]


def test_watch_from_a_forgotten_resource_version_says_expired(tmp_path):
    options = cluster.Options(kubeconfig=tmp_path / "kubeconfig", history=3)
    with cluster.BackgroundCluster(options) as small:
        for i in range(6):
            _post(small.address, "/api/v1/namespaces/default/configmaps", _configmap(f"c{i}"))
        with urllib.request.urlopen(
            f"{small.address}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1"
            "&timeoutSeconds=1"
        ) as answer:
            first = json.loads(answer.readline())

    assert first["type"] == "ERROR"
    assert first["object"]["code"] == 410
    assert first["object"]["reason"] == "Expired"


def test_watch_with_a_selector_sees_an_object_leave_as_deleted(api: Any, namespace: str):
    core = client.CoreV1Api(api)
    core.create_namespaced_config_map(namespace, _configmap("sel", tier="web"))
    start = core.list_namespaced_config_map(namespace).metadata.resource_version
    core.patch_namespaced_config_map("sel", namespace, {"metadata": {"labels": {"tier": "db"}}})

    stream = watch.Watch().stream(
        core.list_namespaced_config_map,
        namespace,
        label_selector="tier=web",
        resource_version=start,
        timeout_seconds=2,
    )
    event = next(iter(stream))

    assert event["type"] == "DELETED"


def test_generation_moves_on_spec_changes_only(api: Any, namespace: str):
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment(
        namespace,
        {
            "metadata": {"name": "g"},
            "spec": {
                "replicas": 0,
                "selector": {"matchLabels": {"app": "g"}},
                "template": {
                    "metadata": {"labels": {"app": "g"}},
                    "spec": {"containers": [{"name": "c", "image": "i:1"}]},
                },
            },
        },
    )

    labelled = apps.patch_namespaced_deployment(
        "g", namespace, {"metadata": {"labels": {"x": "y"}}}
    )
    scaled = apps.patch_namespaced_deployment("g", namespace, {"spec": {"replicas": 1}})

    assert labelled.metadata.generation == 1
    assert scaled.metadata.generation == 2


def test_scale_subresource_reads_and_sets_replicas(api: Any, namespace: str):
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment(
        namespace,
        {
            "metadata": {"name": "s"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "s"}},
                "template": {
                    "metadata": {"labels": {"app": "s"}},
                    "spec": {"containers": [{"name": "c", "image": "i:1"}]},
                },
            },
        },
    )

    apps.patch_namespaced_deployment_scale("s", namespace, {"spec": {"replicas": 4}})
    scale = apps.read_namespaced_deployment_scale("s", namespace)

    assert scale.spec.replicas == 4
    assert scale.status.selector == "app=s"


def test_object_with_a_finalizer_waits_until_the_finalizer_is_removed(api: Any, namespace: str):
    core = client.CoreV1Api(api)
    body = _configmap("held")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    core.create_namespaced_config_map(namespace, body)

    core.delete_namespaced_config_map("held", namespace)
    marked = core.read_namespaced_config_map("held", namespace)
    core.patch_namespaced_config_map("held", namespace, {"metadata": {"finalizers": None}})

    assert marked.metadata.deletion_timestamp is not None
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_config_map("held", namespace)
    assert gone.value.status == 404


def _owned_configmap(name: str, owner: Any, *, block: bool = False) -> dict[str, Any]:
    body = _configmap(name)
    body["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "name": owner.metadata.name,
            "uid": owner.metadata.uid,
            "blockOwnerDeletion": block,
        }
    ]
    return body


@pytest.mark.parametrize(
    ("policy", "dependent_survives"),
    [
        pytest.param("Background", False, id="background"),
        pytest.param("Foreground", False, id="foreground"),
        pytest.param("Orphan", True, id="orphan"),
    ],
)
def test_delete_propagation_policies(
    api: Any, namespace: str, policy: str, dependent_survives: bool
):
    core = client.CoreV1Api(api)
    owner = core.create_namespaced_config_map(namespace, _configmap("owner"))
    core.create_namespaced_config_map(namespace, _owned_configmap("dep", owner, block=True))

    core.delete_namespaced_config_map("owner", namespace, propagation_policy=policy)

    def settled() -> bool:
        names = {c.metadata.name for c in core.list_namespaced_config_map(namespace).items}
        return "owner" not in names and (("dep" in names) == dependent_survives)

    wait_for(settled, message=f"{policy} deletion done")
    if dependent_survives:
        assert core.read_namespaced_config_map("dep", namespace).metadata.owner_references is None


def test_deleting_a_namespace_removes_what_it_holds(api: Any):
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": "doomed"}})
    core.create_namespaced_config_map("doomed", _configmap("x"))

    core.delete_namespace("doomed")

    wait_for(
        lambda: "doomed" not in {n.metadata.name for n in core.list_namespace().items},
        message="namespace gone",
    )
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_config_map("doomed", _configmap("y"))
    assert refused.value.status == 404


def test_events_recorded_through_either_api_are_listed_by_both(api: Any, namespace: str):
    events = client.EventsV1Api(api)
    events.create_namespaced_event(
        namespace,
        {
            "metadata": {"name": "e1"},
            "eventTime": "2026-11-23T00:00:00.000000Z",
            "reportingController": "rollouts",
            "reportingInstance": "rollouts-1",
            "action": "Scale",
            "reason": "ScalingReplicaSet",
            "note": "scaled",
            "type": "Normal",
            "regarding": {"kind": "Rollout", "name": "demo", "namespace": namespace},
        },
    )

    core_event = client.CoreV1Api(api).read_namespaced_event("e1", namespace)

    assert core_event.message == "scaled"
    assert core_event.involved_object.name == "demo"
    assert core_event.reporting_component == "rollouts"


def test_lease_can_be_taken_for_leader_election(api: Any, namespace: str):
    leases = client.CoordinationV1Api(api)
    leases.create_namespaced_lease(
        namespace,
        {
            "metadata": {"name": "leader"},
            "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15},
        },
    )

    taken = leases.patch_namespaced_lease("leader", namespace, {"spec": {"holderIdentity": "b"}})

    assert taken.spec.holder_identity == "b"


def _post(
    address: str, path: str, body: Any, content_type: str = "application/json", method: str = "POST"
) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{address}{path}", data=data, method=method, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as failure:
        return failure.code, json.loads(failure.read())


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "code", "reason"),
    [
        pytest.param(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            b"{not json",
            "application/json",
            400,
            "BadRequest",
            id="malformed-json",
        ),
        pytest.param(
            "POST",
            "/api/v1/namespaces/default/frobs",
            {},
            "application/json",
            404,
            "NotFound",
            id="unknown-type",
        ),
        pytest.param(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            {"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
            "application/json",
            400,
            "BadRequest",
            id="wrong-api-version",
        ),
        pytest.param(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            {"metadata": {"name": "Not_DNS"}},
            "application/json",
            422,
            "Invalid",
            id="bad-name",
        ),
        pytest.param(
            "POST",
            "/api/v1/namespaces/nowhere/configmaps",
            {"metadata": {"name": "x"}},
            "application/json",
            404,
            "NotFound",
            id="missing-namespace",
        ),
        pytest.param(
            "PATCH",
            "/api/v1/namespaces/default/configmaps/none",
            {},
            "application/merge-patch+json",
            404,
            "NotFound",
            id="patch-missing",
        ),
        pytest.param(
            "PATCH",
            "/api/v1/namespaces/default/configmaps/any",
            {},
            "text/plain",
            415,
            "UnsupportedMediaType",
            id="unknown-patch-type",
        ),
    ],
)
def test_bad_requests_get_a_status_with_the_real_code_and_reason(  # noqa: PLR0917 - one row
    devcluster: cluster.BackgroundCluster,
    method: str,
    path: str,
    body: Any,
    content_type: str,
    code: int,
    reason: str,
):
    status, answer = _post(devcluster.address, path, body, content_type, method)

    assert (status, answer["kind"], answer["code"], answer["reason"]) == (
        code,
        "Status",
        code,
        reason,
    )


def test_a_patch_that_does_not_apply_is_unprocessable(devcluster: cluster.BackgroundCluster):
    _post(
        devcluster.address,
        "/api/v1/namespaces/default/configmaps",
        {"metadata": {"name": "patchme"}},
    )

    status, answer = _post(
        devcluster.address,
        "/api/v1/namespaces/default/configmaps/patchme",
        [{"op": "remove", "path": "/data/missing"}],
        "application/json-patch+json",
        "PATCH",
    )

    assert status == 422
    assert answer["reason"] == "Invalid"


def test_strategic_merge_patch_on_a_custom_resource_is_unsupported(
    devcluster: cluster.BackgroundCluster,
):
    _post(
        devcluster.address,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        {
            "metadata": {"name": "gadgets.example.com"},
            "spec": {
                "group": "example.com",
                "scope": "Namespaced",
                "names": {"plural": "gadgets", "kind": "Gadget"},
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
        },
    )
    _post(
        devcluster.address,
        "/apis/example.com/v1/namespaces/default/gadgets",
        {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}},
    )

    status, answer = _post(
        devcluster.address,
        "/apis/example.com/v1/namespaces/default/gadgets/g",
        {"spec": {}},
        "application/strategic-merge-patch+json",
        "PATCH",
    )

    assert (status, answer["reason"]) == (415, "UnsupportedMediaType")


def test_devcluster_keeps_serving_after_bad_requests(devcluster: cluster.BackgroundCluster):
    for _ in range(3):
        _post(devcluster.address, "/api/v1/namespaces/default/configmaps", b"\xff\xfe")

    with urllib.request.urlopen(f"{devcluster.address}/version") as answer:
        assert json.loads(answer.read())["major"] == "1"


def test_evicting_a_pod_deletes_it_gracefully(api: Any, namespace: str):
    core = client.CoreV1Api(api)
    core.create_namespaced_pod(
        namespace,
        {"metadata": {"name": "victim"}, "spec": {"containers": [{"name": "c", "image": "i:1"}]}},
    )
    wait_for(
        lambda: core.read_namespaced_pod("victim", namespace).status.phase == "Running",
        message="pod running",
    )

    core.create_namespaced_pod_eviction(
        "victim",
        namespace,
        {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "victim"}},
    )

    wait_for(
        lambda: (
            "victim" not in {p.metadata.name for p in core.list_namespaced_pod(namespace).items}
        ),
        message="pod gone",
    )
