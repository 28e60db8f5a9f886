"""Patch semantics of the embedded apiserver: merge patch, JSON patch, strategic merge patch."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from rollouts.devcluster.patching import (
    PatchError,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)


def _deployment(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"template": {"spec": {"containers": list(containers)}}, **spec},
    }


def _containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    return containers


def _template_patch(**pod_spec: Any) -> dict[str, Any]:
    return {"spec": {"template": {"spec": pod_spec}}}


APP = {"name": "app", "image": "app:1"}
SIDECAR = {"name": "sidecar", "image": "proxy:1"}


# --------------------------------------------------------------------------------------------
# JSON Merge Patch


# RFC 7386, Appendix A: (original, patch, result)
RFC7386_EXAMPLES = [
    pytest.param({"a": "b"}, {"a": "c"}, {"a": "c"}, id="replace-member"),
    pytest.param({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}, id="add-member"),
    pytest.param({"a": "b"}, {"a": None}, {}, id="null-removes-member"),
    pytest.param({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}, id="null-removes-only-it"),
    pytest.param({"a": ["b"]}, {"a": "c"}, {"a": "c"}, id="array-replaced-by-string"),
    pytest.param({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}, id="string-replaced-by-array"),
    pytest.param(
        {"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}, id="nested-merge"
    ),
    pytest.param({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}, id="arrays-never-merge"),
    pytest.param(["a", "b"], ["c", "d"], ["c", "d"], id="array-document"),
    pytest.param({"a": "b"}, ["c"], ["c"], id="array-patch-replaces-object"),
    pytest.param({"a": "foo"}, None, None, id="null-patch"),
    pytest.param({"a": "foo"}, "bar", "bar", id="string-patch"),
    pytest.param({"e": None}, {"a": 1}, {"e": None, "a": 1}, id="existing-null-kept"),
    pytest.param([1, 2], {"a": "b", "c": None}, {"a": "b"}, id="object-patch-on-array"),
    pytest.param({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}, id="nulls-in-new-object"),
]


@pytest.mark.parametrize(("original", "patch", "expected"), RFC7386_EXAMPLES)
def test_merge_patch_follows_the_rfc_7386_examples(original: Any, patch: Any, expected: Any):
    assert merge_patch(original, patch) == expected


def test_merge_patch_null_deletes_key():
    deployment = _deployment(APP, paused=True)

    patched = merge_patch(deployment, {"spec": {"paused": None}})

    assert "paused" not in patched["spec"]
    assert patched["spec"]["template"] == deployment["spec"]["template"]


def test_merge_patch_leaves_its_inputs_untouched_and_unshared():
    document = {"spec": {"replicas": 1, "selector": {"app": "web"}}}
    patch = {"spec": {"replicas": 3, "ports": [{"port": 80}]}}
    before = copy.deepcopy((document, patch))

    patched = merge_patch(document, patch)
    patched["spec"]["selector"]["app"] = "changed"
    patched["spec"]["ports"][0]["port"] = 8080

    assert (document, patch) == before


# --------------------------------------------------------------------------------------------
# JSON Patch


# RFC 6902, Appendix A: the examples that succeed, as (document, operations, result)
RFC6902_EXAMPLES = [
    pytest.param(
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux"}],
        {"baz": "qux", "foo": "bar"},
        id="a1-add-object-member",
    ),
    pytest.param(
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
        id="a2-add-array-element",
    ),
    pytest.param(
        {"baz": "qux", "foo": "bar"},
        [{"op": "remove", "path": "/baz"}],
        {"foo": "bar"},
        id="a3-remove-object-member",
    ),
    pytest.param(
        {"foo": ["bar", "qux", "baz"]},
        [{"op": "remove", "path": "/foo/1"}],
        {"foo": ["bar", "baz"]},
        id="a4-remove-array-element",
    ),
    pytest.param(
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
        id="a5-replace-value",
    ),
    pytest.param(
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
        id="a6-move-value",
    ),
    pytest.param(
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
        id="a7-move-array-element",
    ),
    pytest.param(
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2},
        ],
        {"baz": "qux", "foo": ["a", 2, "c"]},
        id="a8-test-success",
    ),
    pytest.param(
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
        id="a10-add-nested-object",
    ),
    pytest.param(
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
        {"foo": "bar", "baz": "qux"},
        id="a11-ignore-unknown-members",
    ),
    pytest.param(
        {"/": 9, "~1": 10},
        [{"op": "test", "path": "/~01", "value": 10}],
        {"/": 9, "~1": 10},
        id="a14-escape-ordering",
    ),
    pytest.param(
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
        id="a16-add-array-value",
    ),
]


@pytest.mark.parametrize(("document", "operations", "expected"), RFC6902_EXAMPLES)
def test_json_patch_follows_the_rfc_6902_examples(document: Any, operations: Any, expected: Any):
    assert json_patch(document, operations) == expected


# RFC 6902, Appendix A: the examples that must fail
RFC6902_ERRORS = [
    pytest.param({"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}], id="a9"),
    pytest.param({"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}], id="a12"),
    pytest.param({"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": "10"}], id="a15"),
]


@pytest.mark.parametrize(("document", "operations"), RFC6902_ERRORS)
def test_json_patch_rejects_the_rfc_6902_error_examples(document: Any, operations: Any):
    with pytest.raises(PatchError):
        json_patch(document, operations)


def test_json_patch_failed_test_names_the_path_like_the_apiserver():
    operations = [{"op": "test", "path": "/spec/replicas", "value": 2}]

    with pytest.raises(PatchError, match=r"^testing value /spec/replicas failed: test failed$"):
        json_patch({"spec": {"replicas": 3}}, operations)


def test_json_patch_add_under_a_missing_parent_names_the_path_like_the_apiserver():
    operations = [{"op": "add", "path": "/spec/foo/bar", "value": 1}]

    with pytest.raises(PatchError) as raised:
        json_patch({"spec": {}}, operations)

    assert str(raised.value) == (
        'add operation does not apply: doc is missing path: "/spec/foo/bar": missing value'
    )


JSON_PATCH_FAILURES = [
    pytest.param(
        {"spec": {}},
        [{"op": "remove", "path": "/spec/paused"}],
        "Unable to remove nonexistent key: paused",
        id="remove-missing-key",
    ),
    pytest.param(
        {"spec": {}},
        [{"op": "replace", "path": "/spec/paused", "value": True}],
        "replace operation does not apply: doc is missing key: /spec/paused",
        id="replace-missing-key",
    ),
    pytest.param(
        {"a": [1, 2]},
        [{"op": "add", "path": "/a/3", "value": 9}],
        "Unable to access invalid index: 3",
        id="add-beyond-end",
    ),
    pytest.param(
        {"a": [1, 2]},
        [{"op": "remove", "path": "/a/2"}],
        "Unable to access invalid index: 2",
        id="remove-past-end",
    ),
    pytest.param(
        {"a": [1, 2]},
        [{"op": "replace", "path": "/a/-", "value": 0}],
        "not a proper array index: '-'",
        id="replace-dash-index",
    ),
    pytest.param(
        {"a": [1, 2]},
        [{"op": "add", "path": "/a/01", "value": 0}],
        "not a proper array index: '01'",
        id="leading-zero-index",
    ),
    pytest.param(
        {"a": {}},
        [{"op": "move", "from": "/a/missing", "path": "/b"}],
        "Unable to remove nonexistent key: missing",
        id="move-from-missing",
    ),
    pytest.param(
        {"a": {}},
        [{"op": "copy", "from": "/x/y", "path": "/b"}],
        "copy operation does not apply: doc is missing from path: /x/y",
        id="copy-from-missing-parent",
    ),
    pytest.param(
        {"a": {"b": {}}},
        [{"op": "move", "from": "/a", "path": "/a/b/c"}],
        "/a is a prefix of /a/b/c",
        id="move-into-own-child",
    ),
    pytest.param(
        {"a": 1},
        [{"op": "test", "path": "/a", "value": True}],
        "testing value /a failed",
        id="true-is-not-one",
    ),
    pytest.param(
        {"a": 1},
        [{"op": "test", "path": "/b", "value": None}],
        "doc is missing key: /b",
        id="test-missing-member",
    ),
    pytest.param(
        {"a": "text"},
        [{"op": "add", "path": "/a/b", "value": 1}],
        'doc is missing path: "/a/b"',
        id="add-into-a-string",
    ),
]


@pytest.mark.parametrize(("document", "operations", "message"), JSON_PATCH_FAILURES)
def test_json_patch_reports_what_does_not_apply(document: Any, operations: Any, message: str):
    with pytest.raises(PatchError, match=message.replace("(", r"\(")):
        json_patch(document, operations)


MALFORMED_OPERATIONS = [
    pytest.param({"op": "add", "path": "/a", "value": 1}, "must be a list", id="not-a-list"),
    pytest.param(["add"], "must be an object", id="operation-not-an-object"),
    pytest.param([{"op": "frobnicate", "path": "/a"}], "Unexpected kind: frobnicate", id="op"),
    pytest.param([{"path": "/a", "value": 1}], "Unexpected kind: None", id="no-op"),
    pytest.param([{"op": "add", "value": 1}], "failed to decode path", id="no-path"),
    pytest.param([{"op": "add", "path": "/a"}], "missing value field", id="no-value"),
    pytest.param([{"op": "copy", "path": "/a"}], "missing from field", id="no-from"),
    pytest.param([{"op": "add", "path": "a", "value": 1}], "must be empty or start", id="ptr"),
    pytest.param([{"op": "add", "path": "/a~2", "value": 1}], "'~' must be followed", id="esc"),
    pytest.param([{"op": "remove", "path": ""}], "whole document", id="remove-root"),
]


@pytest.mark.parametrize(("operations", "message"), MALFORMED_OPERATIONS)
def test_json_patch_rejects_malformed_operations(operations: Any, message: str):
    with pytest.raises(PatchError, match=message):
        json_patch({"a": 0}, operations)


def test_json_patch_add_at_the_length_of_an_array_appends():
    patched = json_patch({"a": [1, 2]}, [{"op": "add", "path": "/a/2", "value": 3}])

    assert patched == {"a": [1, 2, 3]}


def test_json_patch_decodes_escaped_slashes_in_annotation_keys():
    document = {"metadata": {"annotations": {"example.com/owner": "a"}}}
    operations = [
        {"op": "replace", "path": "/metadata/annotations/example.com~1owner", "value": "b"}
    ]

    assert json_patch(document, operations)["metadata"]["annotations"] == {"example.com/owner": "b"}


def test_json_patch_compares_numbers_by_value():
    document = {"spec": {"replicas": 3}}

    assert json_patch(document, [{"op": "test", "path": "/spec/replicas", "value": 3.0}]) == (
        document
    )


def test_json_patch_with_an_empty_path_replaces_the_whole_document():
    patched = json_patch({"a": 1}, [{"op": "replace", "path": "", "value": {"b": 2}}])

    assert patched == {"b": 2}


def test_json_patch_copy_makes_an_independent_value():
    patched = json_patch({"a": {"x": [1]}}, [{"op": "copy", "from": "/a", "path": "/b"}])
    patched["b"]["x"].append(2)

    assert patched["a"] == {"x": [1]}


def test_json_patch_failure_leaves_the_document_untouched():
    document = {"spec": {"replicas": 1}}
    operations = [
        {"op": "replace", "path": "/spec/replicas", "value": 5},
        {"op": "test", "path": "/spec/replicas", "value": 1},
    ]

    with pytest.raises(PatchError):
        json_patch(document, operations)

    assert document == {"spec": {"replicas": 1}}


def test_json_patch_does_not_share_values_with_its_operations():
    value = {"name": "app"}

    patched = json_patch({"items": []}, [{"op": "add", "path": "/items/-", "value": value}])
    patched["items"][0]["name"] = "changed"

    assert value == {"name": "app"}


# --------------------------------------------------------------------------------------------
# Strategic merge patch: lists with merge keys


def test_strategic_merging_a_container_image_by_name_keeps_other_containers():
    deployment = _deployment(APP, SIDECAR)

    patched = strategic_merge_patch(
        deployment,
        _template_patch(containers=[{"name": "app", "image": "app:2"}]),
        kind="Deployment",
    )

    assert _containers(patched) == [{"name": "app", "image": "app:2"}, SIDECAR]


def test_strategic_new_container_without_an_order_goes_before_the_existing_ones():
    # The apiserver puts patch items that the live list lacks ahead of the live-only items.
    patched = strategic_merge_patch(
        _deployment(APP), _template_patch(containers=[SIDECAR]), kind="Deployment"
    )

    assert _containers(patched) == [SIDECAR, APP]


def test_strategic_patch_delete_directive_removes_one_container():
    patch = _template_patch(containers=[{"name": "sidecar", "$patch": "delete"}])

    patched = strategic_merge_patch(_deployment(APP, SIDECAR), patch, kind="Deployment")

    assert _containers(patched) == [APP]


def test_strategic_patch_replace_directive_in_a_list_replaces_the_list():
    patch = _template_patch(containers=[{"$patch": "replace"}, {"name": "new", "image": "n:1"}])

    patched = strategic_merge_patch(_deployment(APP, SIDECAR), patch, kind="Deployment")

    assert _containers(patched) == [{"name": "new", "image": "n:1"}]


def test_strategic_set_element_order_places_containers_as_kubectl_apply_asks():
    # kubectl apply: "app" keeps its place, "init" is added first, sidecar gets a new image.
    patch = _template_patch(
        **{
            "$setElementOrder/containers": [
                {"name": "init"},
                {"name": "app"},
                {"name": "sidecar"},
            ],
            "containers": [
                {"name": "init", "image": "init:1"},
                {"name": "sidecar", "image": "proxy:2"},
            ],
        }
    )

    patched = strategic_merge_patch(_deployment(APP, SIDECAR), patch, kind="Deployment")

    assert _containers(patched) == [
        {"name": "init", "image": "init:1"},
        APP,
        {"name": "sidecar", "image": "proxy:2"},
    ]


def test_strategic_set_element_order_alone_reorders_the_live_list():
    patch = _template_patch(
        **{"$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}]}
    )

    patched = strategic_merge_patch(_deployment(APP, SIDECAR), patch, kind="Deployment")

    assert _containers(patched) == [SIDECAR, APP]


def test_strategic_set_element_order_keeps_unlisted_live_items_in_their_place():
    extra = {"name": "extra", "image": "x:1"}
    patch = _template_patch(
        **{
            "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}],
            "containers": [{"name": "app", "image": "app:2"}],
        }
    )

    patched = strategic_merge_patch(_deployment(extra, APP, SIDECAR), patch, kind="Deployment")

    assert [c["name"] for c in _containers(patched)] == ["extra", "sidecar", "app"]


def test_strategic_set_element_order_must_name_every_patched_item():
    patch = _template_patch(
        **{
            "$setElementOrder/containers": [{"name": "app"}],
            "containers": [{"name": "other", "image": "o:1"}],
        }
    )

    with pytest.raises(PatchError, match=r"doesn't match \$setElementOrder list"):
        strategic_merge_patch(_deployment(APP), patch, kind="Deployment")


def test_strategic_merging_by_key_keeps_live_items_before_patched_ones_they_preceded():
    patch = _template_patch(containers=[{"name": "app", "image": "app:2"}])

    patched = strategic_merge_patch(_deployment(SIDECAR, APP), patch, kind="Deployment")

    assert _containers(patched) == [SIDECAR, {"name": "app", "image": "app:2"}]


def test_strategic_env_merges_by_name_inside_a_container():
    live = {"name": "app", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
    patch = _template_patch(containers=[{"name": "app", "env": [{"name": "B", "value": "3"}]}])

    patched = strategic_merge_patch(_deployment(live), patch, kind="Deployment")

    assert _containers(patched)[0]["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "3"},
    ]


def test_strategic_env_item_with_null_value_field_loses_that_field():
    live = {"name": "app", "env": [{"name": "A", "value": "1"}]}
    patch = _template_patch(containers=[{"name": "app", "env": [{"name": "A", "value": None}]}])

    patched = strategic_merge_patch(_deployment(live), patch, kind="Deployment")

    assert _containers(patched)[0]["env"] == [{"name": "A"}]


# (kind, live object, patch, field path, expected list at that path)
MERGE_KEYED_LISTS = [
    pytest.param(
        "Pod",
        {"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "h"}]}]}},
        {"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 443}]}]}},
        ("spec", "containers", 0, "ports"),
        [{"containerPort": 443}, {"containerPort": 80, "name": "h"}],
        id="container-ports-by-container-port",
    ),
    pytest.param(
        "Pod",
        {
            "spec": {
                "containers": [{"name": "a", "volumeMounts": [{"mountPath": "/d", "name": "x"}]}]
            }
        },
        {
            "spec": {
                "containers": [{"name": "a", "volumeMounts": [{"mountPath": "/d", "name": "y"}]}]
            }
        },
        ("spec", "containers", 0, "volumeMounts"),
        [{"mountPath": "/d", "name": "y"}],
        id="volume-mounts-by-mount-path",
    ),
    pytest.param(
        "Pod",
        {"spec": {"initContainers": [{"name": "i", "image": "i:1"}, {"name": "j"}]}},
        {"spec": {"initContainers": [{"name": "i", "image": "i:2"}]}},
        ("spec", "initContainers"),
        [{"name": "i", "image": "i:2"}, {"name": "j"}],
        id="init-containers-by-name",
    ),
    pytest.param(
        "Pod",
        {"spec": {"volumes": [{"name": "v", "emptyDir": {}}, {"name": "w", "emptyDir": {}}]}},
        {"spec": {"volumes": [{"name": "w", "$patch": "delete"}]}},
        ("spec", "volumes"),
        [{"name": "v", "emptyDir": {}}],
        id="volumes-by-name",
    ),
    pytest.param(
        "Pod",
        {"spec": {"imagePullSecrets": [{"name": "r1"}]}},
        {"spec": {"imagePullSecrets": [{"name": "r1"}, {"name": "r2"}]}},
        ("spec", "imagePullSecrets"),
        [{"name": "r1"}, {"name": "r2"}],
        id="image-pull-secrets-by-name",
    ),
    pytest.param(
        "Pod",
        {"spec": {"hostAliases": [{"ip": "10.0.0.1", "hostnames": ["a"]}]}},
        {"spec": {"hostAliases": [{"ip": "10.0.0.1", "hostnames": ["b"]}]}},
        ("spec", "hostAliases"),
        [{"ip": "10.0.0.1", "hostnames": ["b"]}],
        id="host-aliases-by-ip-with-atomic-hostnames",
    ),
    pytest.param(
        "Deployment",
        {
            "spec": {
                "template": {
                    "spec": {"topologySpreadConstraints": [{"topologyKey": "zone", "maxSkew": 1}]}
                }
            }
        },
        {
            "spec": {
                "template": {
                    "spec": {"topologySpreadConstraints": [{"topologyKey": "zone", "maxSkew": 2}]}
                }
            }
        },
        ("spec", "template", "spec", "topologySpreadConstraints"),
        [{"topologyKey": "zone", "maxSkew": 2}],
        id="topology-spread-by-topology-key",
    ),
    pytest.param(
        "Pod",
        {
            "status": {
                "conditions": [
                    {"type": "Ready", "status": "False"},
                    {"type": "Initialized", "status": "True"},
                ]
            }
        },
        {"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
        ("status", "conditions"),
        [{"type": "Ready", "status": "True"}, {"type": "Initialized", "status": "True"}],
        id="pod-conditions-by-type",
    ),
    pytest.param(
        "Deployment",
        {"status": {"conditions": [{"type": "Available", "status": "False"}]}},
        {"status": {"conditions": [{"type": "Available", "status": "True"}]}},
        ("status", "conditions"),
        [{"type": "Available", "status": "True"}],
        id="deployment-conditions-by-type",
    ),
    pytest.param(
        "ReplicaSet",
        {
            "spec": {
                "template": {"spec": {"containers": [{"name": "a", "image": "a:1"}, {"name": "b"}]}}
            }
        },
        {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a:2"}]}}}},
        ("spec", "template", "spec", "containers"),
        [{"name": "a", "image": "a:2"}, {"name": "b"}],
        id="replicaset-template-containers-by-name",
    ),
    pytest.param(
        "Service",
        {"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443, "targetPort": 8443}]}},
        {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}},
        ("spec", "ports"),
        [{"port": 80, "targetPort": 9090}, {"port": 443, "targetPort": 8443}],
        id="service-ports-by-port",
    ),
    pytest.param(
        "Namespace",
        {"status": {"conditions": [{"type": "A", "status": "True"}]}},
        {"status": {"conditions": [{"type": "A", "status": "False"}]}},
        ("status", "conditions"),
        [{"type": "A", "status": "False"}],
        id="namespace-conditions-by-type",
    ),
    pytest.param(
        "ServiceAccount",
        {"secrets": [{"name": "s1"}]},
        {"secrets": [{"name": "s1"}, {"name": "s2"}]},
        ("secrets",),
        [{"name": "s1"}, {"name": "s2"}],
        id="serviceaccount-secrets-by-name",
    ),
]


@pytest.mark.parametrize(("kind", "live", "patch", "path", "expected"), MERGE_KEYED_LISTS)
def test_strategic_lists_with_merge_keys_merge_item_by_item(
    kind: str, live: Any, patch: Any, path: tuple[Any, ...], expected: Any
):
    patched = strategic_merge_patch(live, patch, kind=kind)

    for step in path:
        patched = patched[step]
    assert patched == expected


def test_strategic_list_item_missing_its_merge_key_is_rejected():
    patch = _template_patch(containers=[{"image": "nameless:1"}])

    with pytest.raises(PatchError, match="does not contain declared merge key: name"):
        strategic_merge_patch(_deployment(APP), patch, kind="Deployment")


def test_strategic_delete_directive_without_the_merge_key_is_rejected():
    patch = _template_patch(containers=[{"$patch": "delete", "image": "app:1"}])

    with pytest.raises(PatchError, match="does not contain declared merge key: name"):
        strategic_merge_patch(_deployment(APP), patch, kind="Deployment")


def test_strategic_empty_list_leaves_a_merging_list_alone():
    patched = strategic_merge_patch(
        _deployment(APP), _template_patch(containers=[]), kind="Deployment"
    )

    assert _containers(patched) == [APP]


def test_strategic_null_clears_a_merging_list():
    patched = strategic_merge_patch(
        _deployment(APP), _template_patch(containers=None), kind="Deployment"
    )

    assert "containers" not in patched["spec"]["template"]["spec"]


# --------------------------------------------------------------------------------------------
# Strategic merge patch: atomic lists


ATOMIC_LISTS = [
    pytest.param(
        "Pod",
        {"spec": {"tolerations": [{"key": "a", "operator": "Exists"}]}},
        {"spec": {"tolerations": [{"key": "b", "operator": "Exists"}]}},
        id="pod-tolerations",
    ),
    pytest.param(
        "Pod",
        {"status": {"containerStatuses": [{"name": "a", "ready": True}, {"name": "b"}]}},
        {"status": {"containerStatuses": [{"name": "a", "ready": False}]}},
        id="pod-container-statuses",
    ),
    pytest.param(
        "Pod",
        {"spec": {"containers": [{"name": "a", "envFrom": [{"configMapRef": {"name": "x"}}]}]}},
        {"spec": {"containers": [{"name": "a", "envFrom": [{"secretRef": {"name": "y"}}]}]}},
        id="container-env-from",
    ),
    pytest.param(
        "Ingress",
        {"spec": {"rules": [{"host": "a.example"}, {"host": "b.example"}]}},
        {"spec": {"rules": [{"host": "c.example"}]}},
        id="ingress-rules",
    ),
    pytest.param(
        "Ingress",
        {"spec": {"tls": [{"hosts": ["a.example"], "secretName": "a"}]}},
        {"spec": {"tls": [{"hosts": ["b.example"], "secretName": "b"}]}},
        id="ingress-tls",
    ),
    pytest.param(
        "Service",
        {"status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}},
        {"status": {"loadBalancer": {"ingress": [{"ip": "5.6.7.8"}]}}},
        id="service-load-balancer-ingress",
    ),
    pytest.param(
        "Deployment",
        {"metadata": {"managedFields": [{"manager": "a"}, {"manager": "b"}]}},
        {"metadata": {"managedFields": [{"manager": "c"}]}},
        id="managed-fields",
    ),
    pytest.param(
        "Namespace",
        {"spec": {"finalizers": ["kubernetes", "other"]}},
        {"spec": {"finalizers": ["mine"]}},
        id="namespace-spec-finalizers",
    ),
]


@pytest.mark.parametrize(("kind", "live", "patch"), ATOMIC_LISTS)
def test_strategic_lists_without_a_strategy_are_replaced_whole(kind: str, live: Any, patch: Any):
    assert strategic_merge_patch(live, patch, kind=kind) == merge_patch(live, patch)


def test_strategic_unknown_kind_replaces_lists_but_merges_metadata_lists():
    live = {
        "kind": "Rollout",
        "metadata": {"finalizers": ["a"], "ownerReferences": [{"uid": "1", "name": "x"}]},
        "spec": {"steps": [{"setWeight": 20}, {"pause": {}}]},
    }
    patch = {
        "metadata": {"finalizers": ["b"], "ownerReferences": [{"uid": "2", "name": "y"}]},
        "spec": {"steps": [{"setWeight": 50}]},
    }

    patched = strategic_merge_patch(live, patch, kind="Rollout")

    assert patched["spec"]["steps"] == [{"setWeight": 50}]
    assert sorted(patched["metadata"]["finalizers"]) == ["a", "b"]
    assert [o["uid"] for o in patched["metadata"]["ownerReferences"]] == ["2", "1"]


def test_strategic_configmap_data_merges_like_a_map():
    live = {"kind": "ConfigMap", "data": {"a": "1", "b": "2"}}

    patched = strategic_merge_patch(live, {"data": {"b": None, "c": "3"}}, kind="ConfigMap")

    assert patched["data"] == {"a": "1", "c": "3"}


# --------------------------------------------------------------------------------------------
# Strategic merge patch: ObjectMeta


def test_strategic_finalizers_merge_as_a_set():
    live = {"metadata": {"finalizers": ["a", "b"]}}

    patched = strategic_merge_patch(live, {"metadata": {"finalizers": ["b", "c"]}}, kind="Pod")

    assert patched["metadata"]["finalizers"] == ["a", "b", "c"]


def test_strategic_delete_from_primitive_list_removes_finalizers():
    live = {"metadata": {"finalizers": ["a", "b", "c"]}}
    patch = {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b", "zzz"]}}

    patched = strategic_merge_patch(live, patch, kind="Deployment")

    assert patched["metadata"]["finalizers"] == ["a", "c"]


def test_strategic_finalizers_as_kubectl_apply_sends_them():
    live = {"metadata": {"finalizers": ["a", "b"]}}
    patch = {
        "metadata": {
            "$setElementOrder/finalizers": ["c", "a"],
            "$deleteFromPrimitiveList/finalizers": ["b"],
            "finalizers": ["c"],
        }
    }

    patched = strategic_merge_patch(live, patch, kind="ConfigMap")

    assert patched["metadata"]["finalizers"] == ["c", "a"]


def test_strategic_owner_references_merge_by_uid():
    live = {
        "metadata": {
            "ownerReferences": [
                {"uid": "u1", "kind": "ReplicaSet", "name": "web-1", "controller": True},
                {"uid": "u2", "kind": "Rollout", "name": "web"},
            ]
        }
    }
    patch = {"metadata": {"ownerReferences": [{"uid": "u1", "controller": False}]}}

    patched = strategic_merge_patch(live, patch, kind="Pod")

    assert patched["metadata"]["ownerReferences"] == [
        {"uid": "u1", "kind": "ReplicaSet", "name": "web-1", "controller": False},
        {"uid": "u2", "kind": "Rollout", "name": "web"},
    ]


def test_strategic_labels_merge_and_null_removes_one():
    live = {"metadata": {"labels": {"app": "web", "tier": "front", "old": "x"}}}
    patch = {"metadata": {"labels": {"tier": "back", "old": None, "new": "y"}}}

    patched = strategic_merge_patch(live, patch, kind="Service")

    assert patched["metadata"]["labels"] == {"app": "web", "tier": "back", "new": "y"}


# --------------------------------------------------------------------------------------------
# Strategic merge patch: map directives


def test_strategic_retain_keys_switching_to_recreate_drops_rolling_update():
    live = _deployment(
        APP, strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}}
    )
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}

    patched = strategic_merge_patch(live, patch, kind="Deployment")

    assert patched["spec"]["strategy"] == {"type": "Recreate"}


def test_strategic_retain_keys_with_an_explicit_null_as_kubectl_sends_it():
    live = _deployment(
        APP, strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}}
    )
    patch = {
        "spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": None, "type": "Recreate"}}
    }

    patched = strategic_merge_patch(live, patch, kind="Deployment")

    assert patched["spec"]["strategy"] == {"type": "Recreate"}


def test_strategic_retain_keys_merges_the_keys_it_keeps():
    live = _deployment(
        APP,
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
    )
    patch = {
        "spec": {
            "strategy": {
                "$retainKeys": ["type", "rollingUpdate"],
                "rollingUpdate": {"maxSurge": 2},
            }
        }
    }

    patched = strategic_merge_patch(live, patch, kind="Deployment")

    assert patched["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 2, "maxUnavailable": 0},
    }


def test_strategic_retain_keys_rejects_a_patch_setting_other_keys():
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {"maxSurge": 1}}}}

    live = _deployment(APP, strategy={"type": "Recreate"})

    with pytest.raises(PatchError, match="'rollingUpdate', which is not in \\$retainKeys"):
        strategic_merge_patch(live, patch, kind="Deployment")


def test_strategic_retain_keys_on_a_map_the_object_lacks_is_only_dropped():
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {"maxSurge": 1}}}}

    patched = strategic_merge_patch(_deployment(APP), patch, kind="Deployment")

    assert patched["spec"]["strategy"] == {"rollingUpdate": {"maxSurge": 1}}


def test_strategic_patch_replace_directive_on_a_map_replaces_it():
    live = _deployment(APP)
    live["spec"]["template"]["spec"]["nodeSelector"] = {"disk": "ssd", "zone": "a"}
    patch = _template_patch(nodeSelector={"$patch": "replace", "zone": "b"})

    patched = strategic_merge_patch(live, patch, kind="Deployment")

    assert patched["spec"]["template"]["spec"]["nodeSelector"] == {"zone": "b"}


def test_strategic_patch_delete_directive_on_a_map_empties_it():
    live = _deployment(APP)
    live["spec"]["template"]["spec"]["nodeSelector"] = {"disk": "ssd"}
    patch = _template_patch(nodeSelector={"$patch": "delete"})

    patched = strategic_merge_patch(live, patch, kind="Deployment")

    assert patched["spec"]["template"]["spec"]["nodeSelector"] == {}


def test_strategic_directive_on_a_map_the_object_lacks_leaves_no_trace():
    patch = _template_patch(nodeSelector={"$patch": "delete"})

    patched = strategic_merge_patch(_deployment(APP), patch, kind="Deployment")

    assert "nodeSelector" not in patched["spec"]["template"]["spec"]


def test_strategic_new_values_lose_their_nulls_and_directives():
    patch = _template_patch(
        securityContext={"runAsUser": 1000, "fsGroup": None, "$retainKeys": ["runAsUser"]}
    )

    patched = strategic_merge_patch(_deployment(APP), patch, kind="Deployment")

    assert patched["spec"]["template"]["spec"]["securityContext"] == {"runAsUser": 1000}


def test_strategic_null_for_an_absent_key_stores_nothing():
    patched = strategic_merge_patch(_deployment(APP), {"spec": {"paused": None}}, kind="Deployment")

    assert "paused" not in patched["spec"]


def test_strategic_change_of_type_replaces_the_value():
    live = {"spec": {"selector": "app=web"}}

    patched = strategic_merge_patch(live, {"spec": {"selector": {"app": "web"}}}, kind="Service")

    assert patched["spec"]["selector"] == {"app": "web"}


# --------------------------------------------------------------------------------------------
# Strategic merge patch: bad patches


BAD_STRATEGIC_PATCHES = [
    pytest.param(["not", "an", "object"], "must be an object", id="list-patch"),
    pytest.param({"spec": {"$patch": "merge"}}, "unknown patch type: merge", id="map-merge"),
    pytest.param({"spec": {"$patch": 3}}, "unknown patch type: 3", id="map-number"),
    pytest.param(
        _template_patch(containers=[{"name": "app", "$patch": "merge"}]),
        "merging lists cannot yet be specified",
        id="list-merge",
    ),
    pytest.param(
        _template_patch(containers=[{"name": "app", "$patch": "upsert"}]),
        "unknown patch type: upsert",
        id="list-unknown",
    ),
    pytest.param(
        {"spec": {"strategy": {"$retainKeys": "type"}}},
        "invalid patch format of retainKeys",
        id="retain-keys-not-a-list",
    ),
    pytest.param(
        _template_patch(**{"$setElementOrder/containers": {"name": "app"}}),
        "invalid patch format of setElementOrder list",
        id="order-not-a-list",
    ),
    pytest.param(
        {"metadata": {"$setElementOrder": ["a"]}},
        "invalid patch format of setElementOrder list",
        id="order-without-field",
    ),
    pytest.param(
        {"metadata": {"$deleteFromPrimitiveList/finalizers": "a"}},
        "invalid patch format of primitive list",
        id="delete-list-not-a-list",
    ),
    pytest.param(
        {"metadata": {"finalizers": ["a", 1]}},
        "list element types are not identical",
        id="mixed-finalizers",
    ),
    pytest.param(
        {"metadata": {"finalizers": [["a"]]}},
        "lists of lists are not supported",
        id="nested-finalizers",
    ),
    pytest.param(
        {"metadata": {"finalizers": [None]}},
        "list element types are not identical",
        id="null-finalizer",
    ),
]


@pytest.mark.parametrize(("patch", "message"), BAD_STRATEGIC_PATCHES)
def test_strategic_bad_patches_are_rejected_with_a_clear_message(patch: Any, message: str):
    live = _deployment(APP, strategy={"type": "Recreate"})
    live["metadata"]["finalizers"] = ["x"]

    with pytest.raises(PatchError, match=message):
        strategic_merge_patch(live, patch, kind="Deployment")


def test_strategic_objects_cannot_merge_into_a_set_of_primitives():
    live = {"metadata": {"finalizers": [{"name": "a"}]}}

    with pytest.raises(PatchError, match="cannot merge lists without merge key"):
        strategic_merge_patch(live, {"metadata": {"finalizers": [{"name": "b"}]}}, kind="Pod")


def test_strategic_merge_patch_leaves_its_inputs_untouched():
    live = _deployment(APP, SIDECAR, strategy={"type": "RollingUpdate", "rollingUpdate": {}})
    patch = {
        "spec": {
            "strategy": {"$retainKeys": ["type"], "type": "Recreate"},
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}],
                    "containers": [{"name": "app", "image": "app:9"}],
                }
            },
        }
    }
    before = copy.deepcopy((live, patch))

    patched = strategic_merge_patch(live, patch, kind="Deployment")
    _containers(patched)[0]["image"] = "mutated"

    assert (live, patch) == before
