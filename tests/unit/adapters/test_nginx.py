"""The NGINX canary Ingress: its name, the desired object, the patch to reach it, read-back."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from rollouts.adapters import nginx
from rollouts.devcluster import patching

PREFIX = "nginx.ingress.kubernetes.io"
UID = "1f4c5a9e-0000-4000-8000-000000000001"
STABLE = "rollouts-demo-stable"
CANARY = "rollouts-demo-canary"


def _path(service: str, path: str = "/", port: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "path": path,
        "pathType": "Prefix",
        "backend": {"service": {"name": service, "port": port or {"number": 80}}},
    }


def _rule(host: str | None, *paths: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = {"http": {"paths": list(paths)}}
    return {"host": host, **rule} if host is not None else rule


def _stable_ingress(
    *rules: dict[str, Any],
    annotations: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "rollouts-demo-stable", "namespace": "default"}
    if annotations is not None:
        metadata["annotations"] = annotations
    if labels is not None:
        metadata["labels"] = labels
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata,
        "spec": {**spec, "rules": list(rules)},
    }


# The getting-started guide's Ingress: one host, `/` to the stable Service, class nginx.
GETTING_STARTED = _stable_ingress(
    _rule("rollouts-demo.local", _path(STABLE)),
    annotations={"kubernetes.io/ingress.class": "nginx"},
)


def _build(stable: dict[str, Any] = GETTING_STARTED, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "rollout_name": "rollouts-demo",
        "rollout_uid": UID,
        "namespace": "default",
        "stable_service": STABLE,
        "canary_service": CANARY,
        "weight": 5,
        **overrides,
    }
    return nginx.build_canary_ingress(stable, **arguments)


# --------------------------------------------------------------------------------------------
# Name


NAMES = [
    pytest.param(
        "rollouts-demo",
        "rollouts-demo-stable",
        "rollouts-demo-rollouts-demo-stable-canary",
        id="getting-started",
    ),
    pytest.param("r", "i" * 244, "r-" + "i" * 244 + "-canary", id="exactly-253-kept-whole"),
    pytest.param("r", "i" * 245, "r-" + "i" * 244 + "-canary", id="254-cut-before-suffix"),
    pytest.param("r" * 300, "stable", "r" * 246 + "-canary", id="long-rollout-name-cut"),
]


@pytest.mark.parametrize(("rollout", "stable", "expected"), NAMES)
def test_canary_ingress_name_is_rollout_and_stable_ingress_cut_to_fit(
    rollout: str, stable: str, expected: str
):
    name = nginx.canary_ingress_name(rollout, stable)

    assert name == expected
    assert len(name) <= nginx.MAX_NAME_LENGTH


# --------------------------------------------------------------------------------------------
# Desired canary Ingress


def test_getting_started_ingress_builds_the_guide_canary_ingress():
    assert _build() == {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": "rollouts-demo-rollouts-demo-stable-canary",
            "namespace": "default",
            "annotations": {
                "kubernetes.io/ingress.class": "nginx",
                f"{PREFIX}/canary": "true",
                f"{PREFIX}/canary-weight": "5",
            },
            "ownerReferences": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Rollout",
                    "name": "rollouts-demo",
                    "uid": UID,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {"rules": [_rule("rollouts-demo.local", _path(CANARY))]},
    }


RULES = [
    pytest.param(
        [_rule("a.local", _path(STABLE)), _rule("b.local", _path("other"))],
        [_rule("a.local", _path(CANARY))],
        id="only-rules-using-stable-kept",
    ),
    pytest.param(
        [_rule("a.local", _path("api", "/api"), _path(STABLE, "/"))],
        [_rule("a.local", _path("api", "/api"), _path(CANARY, "/"))],
        id="other-paths-of-a-stable-rule-kept",
    ),
    pytest.param(
        [_rule("a.local", _path(STABLE, "/")), _rule("b.local", _path(STABLE, "/b"))],
        [_rule("a.local", _path(CANARY, "/")), _rule("b.local", _path(CANARY, "/b"))],
        id="every-stable-rule-kept",
    ),
    pytest.param(
        [_rule(None, _path(STABLE, "/", {"name": "http"}))],
        [_rule(None, _path(CANARY, "/", {"name": "http"}))],
        id="hostless-rule-and-named-port",
    ),
    pytest.param(
        [{"host": "no-http.local"}, _rule("a.local", _path(STABLE))],
        [_rule("a.local", _path(CANARY))],
        id="rule-without-http-dropped",
    ),
]


@pytest.mark.parametrize(("stable_rules", "expected_rules"), RULES)
def test_canary_rules_are_the_stable_rules_pointed_at_the_canary_service(
    stable_rules: list[dict[str, Any]], expected_rules: list[dict[str, Any]]
):
    canary = _build(_stable_ingress(*stable_rules))

    assert canary["spec"]["rules"] == expected_rules


def test_tls_and_ingress_class_name_are_copied():
    tls = [{"hosts": ["rollouts-demo.local"], "secretName": "demo-tls"}]
    stable = _stable_ingress(
        _rule("rollouts-demo.local", _path(STABLE)), ingressClassName="nginx", tls=tls
    )

    spec = _build(stable)["spec"]

    assert spec["ingressClassName"] == "nginx"
    assert spec["tls"] == tls


def test_other_annotations_labels_and_default_backend_are_not_copied():
    stable = _stable_ingress(
        _rule("rollouts-demo.local", _path(STABLE)),
        annotations={f"{PREFIX}/rewrite-target": "/", "team": "web"},
        labels={"app": "rollouts-demo"},
        defaultBackend={"service": {"name": STABLE, "port": {"number": 80}}},
    )

    canary = _build(stable)

    assert canary["metadata"]["annotations"] == {
        f"{PREFIX}/canary": "true",
        f"{PREFIX}/canary-weight": "5",
    }
    assert "labels" not in canary["metadata"]
    assert set(canary["spec"]) == {"rules"}


CANARY_KEYS = {f"{PREFIX}/canary": "true", f"{PREFIX}/canary-weight": "5"}

ANNOTATIONS = [
    pytest.param(
        {"additional_annotations": {"canary-by-header": "X-Canary"}},
        {f"{PREFIX}/canary-by-header": "X-Canary", **CANARY_KEYS},
        id="additional-gets-the-prefix",
    ),
    pytest.param(
        {"additional_annotations": {f"{PREFIX}/canary-by-cookie": "c"}},
        {f"{PREFIX}/canary-by-cookie": "c", **CANARY_KEYS},
        id="additional-already-prefixed-kept",
    ),
    pytest.param(
        {
            "additional_annotations": {"canary-by-header": "X-Additional"},
            "canary_annotations": {f"{PREFIX}/canary-by-header": "X-Canary", "team": "web"},
        },
        {f"{PREFIX}/canary-by-header": "X-Canary", "team": "web", **CANARY_KEYS},
        id="canary-annotations-win-over-additional",
    ),
    pytest.param(
        {
            "additional_annotations": {"canary-weight": "99"},
            "canary_annotations": {f"{PREFIX}/canary": "false"},
        },
        CANARY_KEYS,
        id="weight-keys-win-over-both",
    ),
    pytest.param({}, CANARY_KEYS, id="no-weight-total-without-max"),
    pytest.param(
        {"max_traffic_weight": 1000},
        {**CANARY_KEYS, f"{PREFIX}/canary-weight-total": "1000"},
        id="weight-total-with-max",
    ),
    pytest.param(
        {"annotation_prefix": "custom.nginx.org", "additional_annotations": {"x": "1"}},
        {
            "custom.nginx.org/x": "1",
            "custom.nginx.org/canary": "true",
            "custom.nginx.org/canary-weight": "5",
        },
        id="custom-prefix",
    ),
]


@pytest.mark.parametrize(("overrides", "expected"), ANNOTATIONS)
def test_canary_annotations_are_layered_with_the_weight_last(
    overrides: dict[str, Any], expected: dict[str, str]
):
    stable = _stable_ingress(_rule("a.local", _path(STABLE)))

    assert _build(stable, **overrides)["metadata"]["annotations"] == expected


NO_STABLE_RULES = [
    pytest.param(_stable_ingress(_rule("a.local", _path("other"))), id="rules-for-other-service"),
    pytest.param(_stable_ingress(), id="no-rules"),
    pytest.param(_stable_ingress({"host": "a.local"}), id="rules-without-http"),
    pytest.param(
        _stable_ingress(defaultBackend={"service": {"name": STABLE, "port": {"number": 80}}}),
        id="default-backend-only",
    ),
]


@pytest.mark.parametrize("stable", NO_STABLE_RULES)
def test_stable_ingress_without_a_stable_rule_is_refused(stable: dict[str, Any]):
    with pytest.raises(ValueError, match=r"^ingress `rollouts-demo-stable` has no rules") as error:
        _build(stable)

    assert isinstance(error.value, nginx.NoStableRulesError)
    assert str(error.value) == (
        "ingress `rollouts-demo-stable` has no rules using service rollouts-demo-stable backend"
    )
    assert not nginx.stable_ingress_has_service(stable, STABLE)


def test_stable_ingress_has_service_when_any_rule_path_uses_it():
    stable = _stable_ingress(
        _rule("a.local", _path("other")), _rule("b.local", _path("api"), _path(STABLE, "/b"))
    )

    assert nginx.stable_ingress_has_service(stable, STABLE)
    assert not nginx.stable_ingress_has_service(stable, CANARY)


def test_building_leaves_the_stable_ingress_untouched_and_unshared():
    stable = _stable_ingress(_rule("a.local", _path(STABLE)), tls=[{"hosts": ["a.local"]}])
    before = copy.deepcopy(stable)

    canary = _build(stable)
    canary["spec"]["tls"][0]["hosts"].append("b.local")
    canary["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"]["number"] = 1

    assert stable == before


# --------------------------------------------------------------------------------------------
# Patch from the live canary Ingress


def _with(ingress: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The ingress with a merge patch applied: how tests describe a live object that drifted."""
    patched: dict[str, Any] = patching.merge_patch(ingress, patch)
    return patched


DESIRED = _build(weight=15)
LIVE = _build(weight=10)
DRIFTED_RULES = [_rule("rollouts-demo.local", _path(STABLE))]

PATCHES = [
    pytest.param(
        LIVE, {"metadata": {"annotations": {f"{PREFIX}/canary-weight": "15"}}}, id="weight-only"
    ),
    pytest.param(DESIRED, None, id="no-change"),
    pytest.param(
        _with(DESIRED, {"metadata": {"annotations": {"cert-manager.io/issuer": "x"}}}),
        None,
        id="foreign-annotations-kept",
    ),
    pytest.param(
        _with(DESIRED, {"metadata": {"labels": {"team": "web"}}}),
        {"metadata": {"labels": {"team": None}}},
        id="foreign-labels-removed",
    ),
    pytest.param(
        _with(DESIRED, {"spec": {"rules": DRIFTED_RULES, "defaultBackend": {"service": {}}}}),
        {"spec": {"rules": DESIRED["spec"]["rules"], "defaultBackend": None}},
        id="spec-drift-repaired",
    ),
    pytest.param(
        _with(DESIRED, {"metadata": {"annotations": {"kubernetes.io/ingress.class": None}}}),
        {"metadata": {"annotations": {"kubernetes.io/ingress.class": "nginx"}}},
        id="missing-annotation-restored",
    ),
    pytest.param(
        _with(DESIRED, {"metadata": {"labels": None, "annotations": None}, "spec": None}),
        {"metadata": {"annotations": DESIRED["metadata"]["annotations"]}, "spec": DESIRED["spec"]},
        id="empty-live-gets-everything",
    ),
]


@pytest.mark.parametrize(("live", "expected"), PATCHES)
def test_patch_takes_the_live_canary_ingress_to_the_desired_one(
    live: dict[str, Any], expected: dict[str, Any] | None
):
    patch = nginx.compute_ingress_patch(live, DESIRED)

    assert patch == expected
    patched = _with(live, patch or {})
    assert patched["spec"] == DESIRED["spec"]
    assert patched["metadata"].get("labels", {}) == {}
    assert patched["metadata"]["annotations"].items() >= DESIRED["metadata"]["annotations"].items()


def test_annotations_no_longer_desired_are_left_in_place():
    live = _build(weight=10, max_traffic_weight=1000)

    patch = nginx.compute_ingress_patch(live, _build(weight=10))

    assert patch is None


def test_explicit_nulls_in_the_live_object_count_as_absent():
    live = _with(DESIRED, {"spec": {"tls": None}})
    live["spec"]["defaultBackend"] = None
    live["metadata"]["labels"] = None

    assert nginx.compute_ingress_patch(live, DESIRED) is None


NESTED = [
    pytest.param({"service": {"name": "x", "port": None}}, None, id="nested-null-is-absent"),
    pytest.param(
        {"service": {"name": "y", "port": {"number": 80}}},
        {"spec": {"defaultBackend": {"service": {"name": "x", "port": None}}}},
        id="nested-keys-merged-one-by-one",
    ),
]


@pytest.mark.parametrize(("live_backend", "expected"), NESTED)
def test_nested_maps_are_patched_key_by_key(
    live_backend: dict[str, Any], expected: dict[str, Any] | None
):
    desired = {"spec": {"defaultBackend": {"service": {"name": "x"}}}}

    patch = nginx.compute_ingress_patch({"spec": {"defaultBackend": live_backend}}, desired)

    assert patch == expected


def test_patch_leaves_its_inputs_untouched_and_unshared():
    live = _with(DESIRED, {"spec": {"rules": DRIFTED_RULES}})
    before = copy.deepcopy((live, DESIRED))

    patch = nginx.compute_ingress_patch(live, DESIRED)
    assert patch is not None
    patch["spec"]["rules"][0]["host"] = "changed.local"

    assert (live, DESIRED) == before


# --------------------------------------------------------------------------------------------
# Ownership and read-back


def _owned_by(*references: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": "canary", "ownerReferences": list(references)}}


def _reference(uid: str, *, controller: bool | None = True) -> dict[str, Any]:
    reference: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "uid": uid,
    }
    return reference if controller is None else {**reference, "controller": controller}


OWNERSHIP = [
    pytest.param(_build(), True, id="built-by-this-rollout"),
    pytest.param(_owned_by(_reference(UID)), True, id="controller-reference-to-us"),
    pytest.param(_owned_by(_reference("other")), False, id="controlled-by-another"),
    pytest.param(
        _owned_by(_reference(UID, controller=False)), False, id="owner-but-not-controller"
    ),
    pytest.param(_owned_by(_reference(UID, controller=None)), False, id="controller-field-missing"),
    pytest.param(
        _owned_by(_reference(UID, controller=False), _reference("other")),
        False,
        id="another-is-the-controller",
    ),
    pytest.param(_owned_by(), False, id="no-owner-references"),
    pytest.param({"metadata": {"name": "canary"}}, False, id="no-metadata-owners"),
]


@pytest.mark.parametrize(("ingress", "expected"), OWNERSHIP)
def test_only_a_controller_reference_with_our_uid_counts_as_ours(
    ingress: dict[str, Any], expected: bool
):
    assert nginx.is_controlled_by(ingress, UID) is expected


def _annotated(annotations: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": "canary", "annotations": annotations}}


WEIGHTS = [
    pytest.param(_build(weight=20), PREFIX, 20, id="built-weight"),
    pytest.param(_annotated({f"{PREFIX}/canary-weight": "0"}), PREFIX, 0, id="zero"),
    pytest.param(
        _annotated({"custom.org/canary-weight": "7"}), "custom.org", 7, id="custom-prefix"
    ),
    pytest.param(_annotated({"custom.org/canary-weight": "7"}), PREFIX, None, id="other-prefix"),
    pytest.param(_annotated({}), PREFIX, None, id="absent"),
    pytest.param({"metadata": {"name": "canary"}}, PREFIX, None, id="no-annotations"),
    pytest.param({}, PREFIX, None, id="no-metadata"),
    pytest.param(_annotated({f"{PREFIX}/canary-weight": "ten"}), PREFIX, None, id="not-a-number"),
    pytest.param(_annotated({f"{PREFIX}/canary-weight": ""}), PREFIX, None, id="empty"),
    pytest.param(_annotated({f"{PREFIX}/canary-weight": "2.5"}), PREFIX, None, id="fraction"),
    pytest.param(_annotated({f"{PREFIX}/canary-weight": " 5"}), PREFIX, None, id="padded"),
    pytest.param(_annotated({f"{PREFIX}/canary-weight": 5}), PREFIX, None, id="not-a-string"),
]


@pytest.mark.parametrize(("ingress", "prefix", "expected"), WEIGHTS)
def test_weight_is_read_back_from_the_canary_weight_annotation(
    ingress: dict[str, Any], prefix: str, expected: int | None
):
    assert nginx.read_weight(ingress, prefix) == expected
