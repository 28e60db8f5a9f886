"""The devcluster store in process: the API verbs and metadata rules a client relies on."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.devcluster import apierrors, kinds, store
from tests.unit.devcluster import manifests as m

NS = "default"


def _widgets(objects: store.Store) -> kinds.ResourceType:
    """The type the Widget CRD serves, once the CRD is created."""
    objects.create(m.CRDS, m.widget_crd())
    rtype = objects.registry.by_key(("example.com", "widgets"))
    assert rtype is not None
    return rtype


def _merge(
    objects: store.Store, rtype: kinds.ResourceType, name: str, patch: Any, **kw: Any
) -> store.JSON:
    return objects.patch(
        rtype, namespace=NS, name=name, patch_type=store.MERGE_PATCH, patch=patch, **kw
    )


def _changes(objects: store.Store) -> list[store.Change]:
    seen: list[store.Change] = []
    objects.subscribe(None, seen.append)
    return seen


# --------------------------------------------------------------------------------------------
# Create


def test_create_sets_the_servers_metadata_and_the_type(objects, clock):
    clock.advance(5)
    body = {"metadata": {"name": "cm", "uid": "mine", "resourceVersion": "99"}, "data": {"a": "1"}}

    created = objects.create(m.CONFIGMAPS, body, namespace=NS)

    assert created["apiVersion"] == "v1"
    assert created["kind"] == "ConfigMap"
    assert created["metadata"]["uid"] not in ("", "mine")
    assert created["metadata"]["resourceVersion"] == str(objects.resource_version)
    assert created["metadata"]["creationTimestamp"] == "2024-01-01T12:00:05Z"
    assert created["metadata"]["namespace"] == NS
    assert objects.get(m.CONFIGMAPS, NS, "cm") == created


def test_generate_name_gets_a_random_five_character_suffix(objects):
    created = objects.create(m.CONFIGMAPS, {"metadata": {"generateName": "cm-"}}, namespace=NS)

    name = created["metadata"]["name"]
    assert name.startswith("cm-")
    assert len(name) == len("cm-") + 5
    assert created["metadata"]["generateName"] == "cm-"


def test_creating_an_existing_name_is_already_exists(objects):
    objects.create(m.CONFIGMAPS, m.configmap(), namespace=NS)

    with pytest.raises(apierrors.ApiError) as caught:
        objects.create(m.CONFIGMAPS, m.configmap(), namespace=NS)

    assert (caught.value.code, caught.value.reason) == (409, "AlreadyExists")
    assert caught.value.message == 'configmaps "cm" already exists'


def test_a_namespaced_object_needs_an_existing_namespace(objects):
    with pytest.raises(apierrors.ApiError) as caught:
        objects.create(m.CONFIGMAPS, m.configmap(), namespace="nowhere")

    assert (caught.value.code, caught.value.reason) == (404, "NotFound")
    assert caught.value.message == 'namespaces "nowhere" not found'


def test_a_terminating_namespace_refuses_new_objects(objects):
    objects.create(m.NAMESPACES, {"metadata": {"name": "shop"}})
    objects.delete(m.NAMESPACES, namespace=None, name="shop")

    with pytest.raises(apierrors.ApiError) as caught:
        objects.create(m.CONFIGMAPS, m.configmap(), namespace="shop")

    assert objects.get(m.NAMESPACES, None, "shop")["status"]["phase"] == "Terminating"
    assert (caught.value.code, caught.value.reason) == (403, "Forbidden")
    assert "because it is being terminated" in caught.value.message


# --------------------------------------------------------------------------------------------
# Update and patch


def test_an_update_with_a_stale_resource_version_is_a_conflict(objects):
    first = objects.create(m.CONFIGMAPS, m.configmap(), namespace=NS)
    _merge(objects, m.CONFIGMAPS, "cm", {"data": {"a": "1"}})

    with pytest.raises(apierrors.ApiError) as caught:
        objects.update(m.CONFIGMAPS, {**first, "data": {"a": "2"}}, namespace=NS, name="cm")

    assert (caught.value.code, caught.value.reason) == (409, "Conflict")
    assert "the object has been modified" in caught.value.message
    assert objects.get(m.CONFIGMAPS, NS, "cm")["data"] == {"a": "1"}


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda objects, cm: objects.update(m.CONFIGMAPS, cm, namespace=NS, name="cm"),
            id="update",
        ),
        pytest.param(
            lambda objects, cm: _merge(objects, m.CONFIGMAPS, "cm", {"data": {"a": "1"}}),
            id="merge-patch",
        ),
    ],
)
def test_a_write_that_changes_nothing_keeps_the_resource_version(objects, write):
    created = objects.create(m.CONFIGMAPS, {**m.configmap(), "data": {"a": "1"}}, namespace=NS)
    seen = _changes(objects)

    written = write(objects, created)

    assert written["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert objects.resource_version == int(created["metadata"]["resourceVersion"])
    assert seen == []


def test_generation_moves_with_the_spec_only(objects):
    objects.create(m.DEPLOYMENTS, m.deployment(), namespace=NS)

    labelled = _merge(objects, m.DEPLOYMENTS, "web", {"metadata": {"labels": {"team": "a"}}})
    scaled = _merge(objects, m.DEPLOYMENTS, "web", {"spec": {"replicas": 5}})
    status = _merge(
        objects, m.DEPLOYMENTS, "web", {"status": {"replicas": 5}}, subresource="status"
    )

    assert labelled["metadata"]["generation"] == 1
    assert scaled["metadata"]["generation"] == 2
    assert status["metadata"]["generation"] == 2
    assert status["status"] == {"replicas": 5}


def test_status_sent_to_the_main_resource_is_ignored(objects):
    objects.create(m.DEPLOYMENTS, m.deployment(), namespace=NS)
    _merge(objects, m.DEPLOYMENTS, "web", {"status": {"replicas": 1}}, subresource="status")

    written = _merge(objects, m.DEPLOYMENTS, "web", {"status": {"replicas": 9}})

    assert written["status"] == {"replicas": 1}
    assert int(written["metadata"]["resourceVersion"]) == objects.resource_version


def test_spec_sent_to_the_status_subresource_is_ignored(objects):
    objects.create(m.DEPLOYMENTS, m.deployment(replicas=3), namespace=NS)

    written = _merge(
        objects,
        m.DEPLOYMENTS,
        "web",
        {"spec": {"replicas": 9}, "status": {"replicas": 2}},
        subresource="status",
    )

    assert written["spec"]["replicas"] == 3
    assert written["status"] == {"replicas": 2}
    assert written["metadata"]["generation"] == 1


# --------------------------------------------------------------------------------------------
# Delete


def test_finalizers_hold_an_object_until_they_are_removed(objects, clock):
    objects.create(m.CONFIGMAPS, m.configmap(finalizers=["example.com/keep"]), namespace=NS)
    clock.advance(3)

    held, gone = objects.delete(m.CONFIGMAPS, namespace=NS, name="cm")
    _merge(objects, m.CONFIGMAPS, "cm", {"metadata": {"finalizers": None}})

    assert not gone
    assert held["metadata"]["deletionTimestamp"] == "2024-01-01T12:00:03Z"
    assert held["metadata"]["deletionGracePeriodSeconds"] == 0
    assert objects.peek(m.CONFIGMAPS, NS, "cm") is None


def test_no_new_finalizer_may_be_added_to_an_object_being_deleted(objects):
    objects.create(m.CONFIGMAPS, m.configmap(finalizers=["example.com/keep"]), namespace=NS)
    objects.delete(m.CONFIGMAPS, namespace=NS, name="cm")

    with pytest.raises(apierrors.ApiError) as caught:
        _merge(
            objects,
            m.CONFIGMAPS,
            "cm",
            {"metadata": {"finalizers": ["example.com/keep", "example.com/more"]}},
        )

    assert (caught.value.code, caught.value.reason) == (422, "Invalid")
    assert "no new finalizers can be added if the object is being deleted" in caught.value.message
    assert objects.get(m.CONFIGMAPS, NS, "cm")["metadata"]["finalizers"] == ["example.com/keep"]


@pytest.mark.parametrize(
    ("field", "label"),
    [
        pytest.param("uid", "UID", id="uid"),
        pytest.param("resourceVersion", "ResourceVersion", id="resource-version"),
    ],
)
def test_a_delete_whose_precondition_fails_is_a_conflict(objects, field, label):
    objects.create(m.CONFIGMAPS, m.configmap(), namespace=NS)

    with pytest.raises(apierrors.ApiError) as caught:
        objects.delete(m.CONFIGMAPS, namespace=NS, name="cm", preconditions={field: "other"})

    assert (caught.value.code, caught.value.reason) == (409, "Conflict")
    assert f"Precondition failed: {label} in precondition: other" in caught.value.message
    assert objects.peek(m.CONFIGMAPS, NS, "cm") is not None


def test_a_delete_whose_preconditions_hold_removes_the_object(objects):
    created = objects.create(m.CONFIGMAPS, m.configmap(), namespace=NS)
    meta = created["metadata"]

    _, gone = objects.delete(
        m.CONFIGMAPS,
        namespace=NS,
        name="cm",
        preconditions={"uid": meta["uid"], "resourceVersion": meta["resourceVersion"]},
    )

    assert gone
    assert objects.peek(m.CONFIGMAPS, NS, "cm") is None


# --------------------------------------------------------------------------------------------
# Watches


def test_subscribers_see_every_write_with_the_object_before_it(objects):
    seen = _changes(objects)

    objects.create(m.CONFIGMAPS, m.configmap(), namespace=NS)
    _merge(objects, m.CONFIGMAPS, "cm", {"data": {"a": "1"}})
    objects.delete(m.CONFIGMAPS, namespace=NS, name="cm")

    assert [c.type for c in seen] == ["ADDED", "MODIFIED", "DELETED"]
    assert seen[0].previous is None
    assert seen[1].previous == seen[0].object
    assert seen[1].object["data"] == {"a": "1"}
    assert seen[2].previous == seen[1].object
    assert [c.resource_version for c in seen] == sorted({c.resource_version for c in seen})


def test_an_unsubscribed_listener_hears_nothing_more(objects):
    seen: list[store.Change] = []
    unsubscribe = objects.subscribe(m.CONFIGMAPS.key, seen.append)

    objects.create(m.CONFIGMAPS, m.configmap("one"), namespace=NS)
    objects.create(m.SERVICES, _service(), namespace=NS)
    unsubscribe()
    objects.create(m.CONFIGMAPS, m.configmap("two"), namespace=NS)

    assert [c.object["metadata"]["name"] for c in seen] == ["one"]


def test_changes_since_a_version_are_the_later_writes_of_that_type(objects):
    start = objects.resource_version
    objects.create(m.CONFIGMAPS, m.configmap("one"), namespace=NS)
    middle = objects.resource_version
    objects.create(m.SERVICES, _service(), namespace=NS)
    objects.create(m.CONFIGMAPS, m.configmap("two"), namespace=NS)

    since_start = objects.changes_since(m.CONFIGMAPS.key, start)
    since_middle = objects.changes_since(m.CONFIGMAPS.key, middle)

    assert since_start is not None
    assert since_middle is not None
    assert [c.object["metadata"]["name"] for c in since_start] == ["one", "two"]
    assert [c.object["metadata"]["name"] for c in since_middle] == ["two"]


def test_changes_since_a_forgotten_version_are_none(clock):
    objects = store.Store(clock=clock, history=2)
    start = objects.resource_version
    for name in ("one", "two", "three"):
        objects.create(m.CONFIGMAPS, m.configmap(name), namespace=NS)

    assert objects.changes_since(m.CONFIGMAPS.key, start) is None
    assert objects.changes_since(m.CONFIGMAPS.key, objects.resource_version - 1) is not None


# --------------------------------------------------------------------------------------------
# Custom resources


def test_a_crd_serves_its_type_at_once(objects):
    widgets = _widgets(objects)

    created = objects.create(widgets, m.widget(size=2), namespace=NS)

    crd = objects.get(m.CRDS, None, "widgets.example.com")
    established = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
    assert established == {"NamesAccepted": "True", "Established": "True"}
    assert created["apiVersion"] == "example.com/v1"
    assert created["metadata"]["generation"] == 1
    assert created["spec"] == {"size": 2, "colour": "blue"}


@pytest.mark.parametrize(
    ("validation", "warnings"),
    [
        pytest.param("Warn", ['unknown field "spec.shape"'], id="warn"),
        pytest.param("Ignore", [], id="ignore"),
    ],
)
def test_unknown_fields_of_a_custom_resource_are_pruned(objects, validation, warnings):
    widgets = _widgets(objects)
    options = store.WriteOptions(field_validation=validation)

    created = objects.create(
        widgets, m.widget(size=2, shape="round"), namespace=NS, options=options
    )

    assert created["spec"] == {"size": 2, "colour": "blue"}
    assert options.warnings == warnings


def test_unknown_fields_are_refused_under_strict_validation(objects):
    widgets = _widgets(objects)

    with pytest.raises(apierrors.ApiError) as caught:
        objects.create(widgets, m.widget(size=2, shape="round"), namespace=NS)

    assert (caught.value.code, caught.value.reason) == (400, "BadRequest")
    assert caught.value.message == 'strict decoding error: unknown field "spec.shape"'
    assert objects.list(widgets, NS) == []


def test_a_custom_resource_breaking_its_schema_is_invalid(objects):
    widgets = _widgets(objects)

    with pytest.raises(apierrors.ApiError) as caught:
        objects.create(widgets, m.widget(size=0), namespace=NS)

    assert (caught.value.code, caught.value.reason) == (422, "Invalid")
    assert (
        "spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"
        in (caught.value.message)
    )


def test_the_status_of_a_new_custom_resource_is_only_set_through_its_subresource(objects):
    widgets = _widgets(objects)
    body = {**m.widget(size=1), "status": {"phase": "Ready"}}

    created = objects.create(widgets, body, namespace=NS)
    updated = _merge(objects, widgets, "w", {"status": {"phase": "Ready"}}, subresource="status")

    assert "status" not in created
    assert updated["status"] == {"phase": "Ready"}
    assert updated["metadata"]["generation"] == 1


def test_deleting_a_crd_removes_its_objects_and_its_type(objects):
    widgets = _widgets(objects)
    objects.create(widgets, m.widget(size=1), namespace=NS)
    seen = _changes(objects)

    objects.delete(m.CRDS, namespace=None, name="widgets.example.com")

    assert objects.registry.by_key(widgets.key) is None
    assert objects.list(widgets) == []
    assert [(c.type, c.object["kind"]) for c in seen] == [
        ("DELETED", "CustomResourceDefinition"),
        ("DELETED", "Widget"),
    ]


# --------------------------------------------------------------------------------------------
# Built-in kinds


def test_both_event_apis_read_and_write_the_same_events(objects):
    body = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": "pulled"},
        "regarding": {"kind": "Pod", "name": "web"},
        "note": "image pulled",
        "reason": "Pulled",
        "type": "Normal",
    }

    objects.create(m.EVENTS, body, namespace=NS)

    core = objects.get(m.CORE_EVENTS, NS, "pulled")
    assert (core["apiVersion"], core["kind"]) == ("v1", "Event")
    assert core["message"] == "image pulled"
    assert core["involvedObject"] == {"kind": "Pod", "name": "web"}
    assert objects.list(m.EVENTS, NS) == objects.list(m.CORE_EVENTS, NS)


def _service() -> dict[str, Any]:
    return {"metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}}


def test_the_built_in_kinds_get_the_apiservers_defaults(objects):
    deploy = objects.create(m.DEPLOYMENTS, m.deployment(), namespace=NS)
    service = objects.create(m.SERVICES, _service(), namespace=NS)
    pod = objects.create(m.PODS, m.pod(image="nginx"), namespace=NS)

    assert deploy["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    assert deploy["spec"]["revisionHistoryLimit"] == 10
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    container = pod["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "Always"
    assert container["terminationMessagePolicy"] == "File"
    assert pod["spec"]["terminationGracePeriodSeconds"] == 30
    assert pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param(
            {"selector": {"matchLabels": {"app": "other"}}},
            'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: '
            'map[string]string{"app":"web"}: `selector` does not match template `labels`',
            id="selector-not-matching-labels",
        ),
        pytest.param(
            {"replicas": -1},
            'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater '
            "than or equal to 0",
            id="negative-replicas",
        ),
    ],
)
def test_an_invalid_deployment_is_refused_with_the_apiservers_words(objects, spec, message):
    body = m.deployment()
    body["spec"].update(spec)

    with pytest.raises(apierrors.ApiError) as caught:
        objects.create(m.DEPLOYMENTS, body, namespace=NS)

    assert (caught.value.code, caught.value.reason) == (422, "Invalid")
    assert caught.value.message == message
    assert objects.list(m.DEPLOYMENTS, NS) == []


def test_secret_string_data_is_stored_as_base64_data(objects):
    secrets = objects.registry.by_key(("", "secrets"))

    stored = objects.create(
        secrets,
        {"metadata": {"name": "s"}, "stringData": {"password": "hunter2"}},
        namespace="default",
    )

    assert stored["data"] == {"password": "aHVudGVyMg=="}
    assert "stringData" not in stored
