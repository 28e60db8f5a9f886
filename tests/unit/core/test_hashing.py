"""Pod-template and step hashes: Argo's test vectors and the Go `encoding/json` rules behind."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts.core import hashing

# repo:test/e2e/canary_test.go; the exact bytes are quoted in argo-rollouts-spec.md §2.1.
SCALEDOWNDELAY_JSON = (
    '{"metadata":{"labels":{"app":"canary-scaledowndelay"}},"spec":{"containers":[{"name":'
    '"canary-scaledowndelay","image":"nginx:1.19-alpine","ports":[{"name":"http","containerPort"'
    ':80,"protocol":"TCP"}],"resources":{"requests":{"cpu":"5m","memory":"16Mi"}}}]}}'
)


def nginx_template(app: str, **spec: Any) -> dict[str, Any]:
    """The e2e template shape, keys deliberately out of Go order."""
    container = {
        "resources": {"requests": {"memory": "16Mi", "cpu": "5m"}},
        "ports": [{"protocol": "TCP", "containerPort": 80, "name": "http"}],
        "image": "nginx:1.19-alpine",
        "name": app,
    }
    return {"spec": {**spec, "containers": [container]}, "metadata": {"labels": {"app": app}}}


# repo:utils/hash/hash_test.go: what Argo <= 1.8 produced (with "creationTimestamp":null).
RED_TEMPLATE = {
    "spec": {
        "securityContext": {},
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "containers": [
            {
                "terminationMessagePath": "/dev/termination-log",
                "imagePullPolicy": "Always",
                "image": "red",
                "name": "red",
            }
        ],
    },
    "metadata": {"labels": {"name": "red"}},
}


@pytest.mark.parametrize(
    ("template", "legacy", "expected"),
    [
        pytest.param(nginx_template("canary-scaledowndelay"), False, "674d8cf959", id="e2e-nginx"),
        pytest.param(
            nginx_template(
                "dynamic-stable-scale",
                readinessGates=[{"conditionType": "argoproj.io/e2e-readiness"}],
            ),
            False,
            "6b56c8cdb4",
            id="e2e-readiness-gate",
        ),
        pytest.param(
            nginx_template("canary-scaledowndelay"), True, "66597877b7", id="e2e-nginx-legacy"
        ),
        pytest.param(RED_TEMPLATE, True, "7bb4fbc896", id="unit-test-template-legacy"),
    ],
)
def test_pod_template_hash_matches_argo(
    template: dict[str, Any], legacy: bool, expected: str
) -> None:
    assert hashing.compute_pod_template_hash(template, legacy_creation_timestamp=legacy) == expected


def test_encoder_writes_the_exact_bytes_go_writes() -> None:
    encoded = hashing.to_pod_template_json(nginx_template("canary-scaledowndelay"))
    assert encoded == SCALEDOWNDELAY_JSON


def test_creation_timestamp_is_omitted_but_would_change_the_hash() -> None:
    template = nginx_template("canary-scaledowndelay")
    template["metadata"]["creationTimestamp"] = None
    with_null = SCALEDOWNDELAY_JSON.replace('{"labels"', '{"creationTimestamp":null,"labels"')

    assert "creationTimestamp" not in hashing.to_pod_template_json(template)
    assert hashing.compute_pod_template_hash(template) == "674d8cf959"
    assert hashing.compute_safe_hash(with_null.encode()) == "66597877b7"


def test_legacy_mode_writes_creation_timestamp_null_in_field_order() -> None:
    encoded = hashing.to_pod_template_json(RED_TEMPLATE, legacy_creation_timestamp=True)
    assert encoded.startswith('{"metadata":{"creationTimestamp":null,"labels":')


def test_collision_count_appends_eight_little_endian_bytes() -> None:
    template = nginx_template("canary-scaledowndelay")
    data = SCALEDOWNDELAY_JSON.encode() + (3).to_bytes(4, "little") + bytes(4)

    assert hashing.compute_pod_template_hash(template, 3) == hashing.compute_safe_hash(data)
    assert hashing.compute_pod_template_hash(template, 0) != "674d8cf959"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({}, '"spec":{"containers":null}', id="absent-required-slice-is-null"),
        pytest.param({"containers": []}, '"spec":{"containers":[]}', id="empty-required-slice"),
        pytest.param(
            {"containers": [{"name": "a"}]},
            '"containers":[{"name":"a","resources":{}}]',
            id="struct-value-always-written",
        ),
        pytest.param(
            {"containers": [], "hostNetwork": False, "dnsPolicy": "", "volumes": []},
            '"spec":{"containers":[]}',
            id="omitempty-zeros-dropped",
        ),
        pytest.param(
            {"containers": [], "automountServiceAccountToken": False, "priority": 0},
            '"automountServiceAccountToken":false,"priority":0',
            id="pointer-zeros-kept",
        ),
        pytest.param(
            {"containers": [{"name": "a", "ports": [{"containerPort": 80.0, "hostPort": 0}]}]},
            '"ports":[{"containerPort":80}]',
            id="integral-float-is-an-int",
        ),
        pytest.param(
            {"containers": [{"name": "a", "resources": {"limits": {"cpu": 1, "memory": "1Gi"}}}]},
            '"resources":{"limits":{"cpu":"1","memory":"1Gi"}}',
            id="quantity-number-becomes-string",
        ),
        pytest.param(
            {"containers": [{"name": "a", "readinessProbe": {"grpc": {"port": 9}}}]},
            '"readinessProbe":{"grpc":{"port":9,"service":null}}',
            id="grpc-service-not-omitempty",
        ),
        pytest.param(
            {"containers": [{"name": "a", "livenessProbe": {"httpGet": {"path": "/"}}}]},
            '"livenessProbe":{"httpGet":{"path":"/","port":0}}',
            id="int-or-string-zero-port",
        ),
        pytest.param(
            {
                "containers": [
                    {
                        "name": "a",
                        "env": [{"valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}}],
                    }
                ]
            },
            '"env":[{"name":"","valueFrom":{"resourceFieldRef":{"resource":"limits.cpu",'
            '"divisor":"0"}}}]',
            id="quantity-struct-and-required-string",
        ),
        pytest.param(
            {"nodeSelector": {"b": "2", "a": "1"}, "containers": []},
            '"spec":{"containers":[],"nodeSelector":{"a":"1","b":"2"}}',
            id="map-keys-sorted",
        ),
    ],
)
def test_go_json_rules(spec: dict[str, Any], expected: str) -> None:
    assert expected in hashing.to_pod_template_json({"spec": spec})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("a<b>&c", r'"a\u003cb\u003e\u0026c"', id="html-escaped"),
        pytest.param("line\u2028sep", r'"line\u2028sep"', id="line-separator-escaped"),
        pytest.param("tab\there\x01", r'"tab\there\u0001"', id="control-characters"),
        pytest.param("café ☕", '"café ☕"', id="utf8-kept"),
        pytest.param('q"b\\', r'"q\"b\\"', id="quote-and-backslash"),
    ],
)
def test_strings_are_escaped_as_go_does(value: str, expected: str) -> None:
    encoded = hashing.to_pod_template_json({"metadata": {"annotations": {"k": value}}})
    assert f'"annotations":{{"k":{expected}}}' in encoded


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(1.5, "1.5", id="fraction"),
        pytest.param(1e21, "1e+21", id="large-exponent"),
        pytest.param(1.5e-7, "1.5e-7", id="small-exponent"),
        pytest.param(100.0, "100", id="integral"),
    ],
)
def test_unknown_fields_follow_known_ones_sorted_with_go_floats(
    value: float, expected: str
) -> None:
    encoded = hashing.to_pod_template_json(
        {"spec": {"zz": {"b": value, "a": None}, "aa": True, "containers": []}}
    )
    assert encoded.endswith(f'"containers":[],"aa":true,"zz":{{"a":null,"b":{expected}}}}}}}')


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        pytest.param([{"pause": {}}, {"pause": {}}], "79c9b9f6bf", id="two-pauses"),
        pytest.param([{"pause": {}}], "6b9b86fbd5", id="one-pause"),
        pytest.param(None, "5ffbfbbd64", id="no-steps"),
    ],
)
def test_step_hash_matches_argo(steps: list[dict[str, Any]] | None, expected: str) -> None:
    assert hashing.compute_step_hash(steps) == expected


def test_empty_step_list_hashes_as_an_empty_array() -> None:
    assert hashing.to_steps_json([]) == "[]"
    assert hashing.compute_step_hash([]) == hashing.compute_safe_hash(b"[]")


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        pytest.param(
            {"pause": {"duration": "1h"}, "setWeight": 20},
            '{"setWeight":20,"pause":{"duration":"1h"}}',
            id="canary-step-field-order",
        ),
        pytest.param({"pause": {"duration": 30}}, '{"pause":{"duration":30}}', id="int-duration"),
        pytest.param(
            {"analysis": {"templates": [{"templateName": "t"}]}},
            '{"analysis":{"templates":[{"templateName":"t"}],"analysisRunMetadata":{}}}',
            id="analysis-metadata-always-written",
        ),
        pytest.param(
            {"setCanaryScale": {"matchTrafficWeight": False, "replicas": 0}},
            '{"setCanaryScale":{"replicas":0}}',
            id="set-canary-scale",
        ),
        pytest.param(
            {"setHeaderRoute": {"match": [{"headerName": "h"}], "name": "r"}},
            '{"setHeaderRoute":{"name":"r","match":[{"headerName":"h","headerValue":null}]}}',
            id="header-value-not-omitempty",
        ),
        pytest.param(
            {"plugin": {"config": {"z": 1, "a": [2]}, "name": "p"}},
            '{"plugin":{"name":"p","config":{"z":1,"a":[2]}}}',
            id="raw-plugin-config-keeps-order",
        ),
    ],
)
def test_steps_are_written_in_argo_field_order(step: dict[str, Any], expected: str) -> None:
    assert hashing.to_steps_json([step]) == f"[{expected}]"


def test_replica_set_name_is_rollout_dash_hash() -> None:
    assert hashing.replica_set_name("guestbook", "674d8cf959") == "guestbook-674d8cf959"


labels = st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=4)


@settings(max_examples=100, deadline=None)
@given(labels=labels, image=st.text(max_size=12), collision=st.none() | st.integers(0, 2**31))
def test_hash_ignores_input_key_order_and_uses_the_safe_alphabet(
    labels: dict[str, str], image: str, collision: int | None
) -> None:
    template = {"metadata": {"labels": labels}, "spec": {"containers": [{"image": image}]}}
    reordered = json.loads(json.dumps(template, sort_keys=True))
    reordered["metadata"]["labels"] = dict(reversed(list(labels.items())))

    first = hashing.compute_pod_template_hash(template, collision)
    assert first == hashing.compute_pod_template_hash(reordered, collision)
    assert 1 <= len(first) <= 10
    assert set(first) <= set("456789bcdf")
