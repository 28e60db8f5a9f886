"""NGINX traffic routing: a canary Ingress beside the stable one, carrying the canary weight.

ingress-nginx splits traffic when a second Ingress for the same host and path is annotated
`canary: "true"` with a `canary-weight`. The pure part below builds that canary Ingress from the
stable one and computes the merge patch from the live object to it; the adapter writes only when
the patch is not empty, so a steady rollout never writes (Argo's `nginx.go` does the same:
build desired, diff, patch if modified).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from kubernetes import client

from rollouts import errors, model
from rollouts.adapters import cache, kube
from rollouts.core import actions
from rollouts.model import conditions

DEFAULT_ANNOTATION_PREFIX: Final = "nginx.ingress.kubernetes.io"
INGRESS_CLASS_ANNOTATION: Final = "kubernetes.io/ingress.class"
CANARY_SUFFIX: Final = "-canary"
# Object names are DNS subdomains, which Kubernetes caps at 253 characters.
MAX_NAME_LENGTH: Final = 253

_ROLLOUT_API_VERSION: Final = "argoproj.io/v1alpha1"
# What Go's strconv.Atoi accepts, so a weight Argo can read back is one we can read back too.
_INTEGER: Final = re.compile(r"[+-]?[0-9]+")


class NoStableRulesError(ValueError):
    """The stable Ingress routes nothing to the stable Service, so there is no traffic to split."""

    def __init__(self, stable_ingress: str, stable_service: str) -> None:
        super().__init__(
            f"ingress `{stable_ingress}` has no rules using service {stable_service} backend"
        )
        self.stable_ingress = stable_ingress
        self.stable_service = stable_service


# --------------------------------------------------------------------------------------------
# Building the desired canary Ingress (pure)


def canary_ingress_name(rollout_name: str, stable_ingress_name: str) -> str:
    """The canary Ingress is `<rollout>-<stable ingress>-canary`.

    The `<rollout>-<stable ingress>` part is cut so the whole name fits in 253 characters; the
    `-canary` suffix is always kept whole.
    """
    prefix = f"{rollout_name}-{stable_ingress_name}"
    return prefix[: MAX_NAME_LENGTH - len(CANARY_SUFFIX)] + CANARY_SUFFIX


def build_canary_ingress(
    stable_ingress: Mapping[str, Any],
    *,
    rollout_name: str,
    rollout_uid: str,
    namespace: str,
    stable_service: str,
    canary_service: str,
    weight: int,
    annotation_prefix: str = DEFAULT_ANNOTATION_PREFIX,
    additional_annotations: Mapping[str, str] | None = None,
    canary_annotations: Mapping[str, str] | None = None,
    max_traffic_weight: int | None = None,
) -> dict[str, Any]:
    """The canary Ingress that sends `weight` of the stable Ingress's traffic to the canary.

    Only the rules with a path backed by the stable Service are cloned, with those backends
    renamed to the canary Service; other paths of such a rule are kept as they are. From the
    stable Ingress only `spec.tls`, `spec.ingressClassName` and the `kubernetes.io/ingress.class`
    annotation are copied: its other annotations, labels and default backend belong to the
    stable route. The Rollout is the controller owner, so garbage collection removes the
    Ingress with it. Raises NoStableRulesError when no rule uses the stable Service.
    """
    stable_name = str(_mapping(stable_ingress.get("metadata")).get("name", ""))
    stable_spec = _mapping(stable_ingress.get("spec"))
    rules = [
        _canary_rule(rule, stable_service=stable_service, canary_service=canary_service)
        for rule in _rules(stable_ingress)
        if _rule_uses_service(rule, stable_service)
    ]
    if not rules:
        raise NoStableRulesError(stable_name, stable_service)
    spec: dict[str, Any] = {}
    for field in ("ingressClassName", "tls"):
        if stable_spec.get(field) is not None:
            spec[field] = copy.deepcopy(stable_spec[field])
    spec["rules"] = rules
    annotations = _canary_annotations(
        stable_ingress,
        annotation_prefix=annotation_prefix,
        weight=weight,
        additional_annotations=additional_annotations or {},
        canary_annotations=canary_annotations or {},
        max_traffic_weight=max_traffic_weight,
    )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": canary_ingress_name(rollout_name, stable_name),
            "namespace": namespace,
            "annotations": annotations,
            "ownerReferences": [_controller_reference(rollout_name, rollout_uid)],
        },
        "spec": spec,
    }


def stable_ingress_has_service(stable_ingress: Mapping[str, Any], stable_service: str) -> bool:
    """A stable Ingress can carry a canary only if some rule has a path backed by the Service."""
    return any(_rule_uses_service(rule, stable_service) for rule in _rules(stable_ingress))


def _canary_annotations(
    stable_ingress: Mapping[str, Any],
    *,
    annotation_prefix: str,
    weight: int,
    additional_annotations: Mapping[str, str],
    canary_annotations: Mapping[str, str],
    max_traffic_weight: int | None,
) -> dict[str, str]:
    """Annotation layers, later wins: ingress class, additional, canary, then the weight keys.

    The ingress class must match the stable Ingress or a different controller would serve the
    canary. Additional keys are short names under the prefix; canary keys are used verbatim.
    The weight keys come last so no user annotation can override what the rollout decided.
    """
    stable_annotations = _mapping(_mapping(stable_ingress.get("metadata")).get("annotations"))
    annotations: dict[str, str] = {}
    if INGRESS_CLASS_ANNOTATION in stable_annotations:
        annotations[INGRESS_CLASS_ANNOTATION] = stable_annotations[INGRESS_CLASS_ANNOTATION]
    for key, value in additional_annotations.items():
        prefixed = key if key.startswith(annotation_prefix) else f"{annotation_prefix}/{key}"
        annotations[prefixed] = value
    annotations.update(canary_annotations)
    annotations[f"{annotation_prefix}/canary"] = "true"
    annotations[f"{annotation_prefix}/canary-weight"] = str(weight)
    if max_traffic_weight is not None:
        annotations[f"{annotation_prefix}/canary-weight-total"] = str(max_traffic_weight)
    return annotations


def _controller_reference(rollout_name: str, rollout_uid: str) -> dict[str, Any]:
    return {
        "apiVersion": _ROLLOUT_API_VERSION,
        "kind": "Rollout",
        "name": rollout_name,
        "uid": rollout_uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _rules(ingress: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for rule in _mapping(ingress.get("spec")).get("rules") or []:
        if isinstance(rule, Mapping):
            yield rule


def _paths(rule: Mapping[str, Any]) -> list[Any]:
    paths = _mapping(rule.get("http")).get("paths")
    return list(paths) if isinstance(paths, list) else []


def _backend_service(path: Any) -> str | None:
    if not isinstance(path, Mapping):
        return None
    name = _mapping(_mapping(path.get("backend")).get("service")).get("name")
    return name if isinstance(name, str) else None


def _rule_uses_service(rule: Mapping[str, Any], service: str) -> bool:
    return any(_backend_service(path) == service for path in _paths(rule))


def _canary_rule(
    rule: Mapping[str, Any], *, stable_service: str, canary_service: str
) -> dict[str, Any]:
    """A deep copy of the rule in which only the stable Service's name becomes the canary's."""
    canary_rule = copy.deepcopy(dict(rule))
    for path in canary_rule["http"]["paths"]:
        if _backend_service(path) == stable_service:
            path["backend"]["service"]["name"] = canary_service
    return canary_rule


# --------------------------------------------------------------------------------------------
# Comparing with and reading the live canary Ingress (pure)


def compute_ingress_patch(
    live: Mapping[str, Any], desired: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The JSON merge patch (RFC 7386) taking the live canary Ingress to the desired one.

    Desired annotations are merged over the live ones: live keys absent from the desired object
    stay, because other controllers (cert-manager, external-dns…) annotate Ingresses too.
    Labels and spec are ours alone and are made equal to the desired ones, keys only in the
    live object being removed with null. None when nothing differs, so nothing is written.
    """
    live_metadata = _mapping(live.get("metadata"))
    desired_metadata = _mapping(desired.get("metadata"))
    live_annotations = _mapping(live_metadata.get("annotations"))
    metadata: dict[str, Any] = {}
    annotations = {
        key: value
        for key, value in _mapping(desired_metadata.get("annotations")).items()
        if live_annotations.get(key) != value
    }
    if annotations:
        metadata["annotations"] = annotations
    labels = _merge_diff(
        _mapping(live_metadata.get("labels")), _mapping(desired_metadata.get("labels"))
    )
    if labels:
        metadata["labels"] = labels
    patch: dict[str, Any] = {"metadata": metadata} if metadata else {}
    spec = _merge_diff(_mapping(live.get("spec")), _mapping(desired.get("spec")))
    if spec:
        patch["spec"] = spec
    return patch or None


def is_controlled_by(ingress: Mapping[str, Any], rollout_uid: str) -> bool:
    """An object is controlled by the owner named in its `controller: true` owner reference.

    Kubernetes allows at most one such reference; a canary Ingress controlled by anything else
    (or by nothing) is not ours to modify.
    """
    references = _mapping(ingress.get("metadata")).get("ownerReferences") or []
    controller = next(
        (ref for ref in references if isinstance(ref, Mapping) and ref.get("controller") is True),
        None,
    )
    return controller is not None and controller.get("uid") == rollout_uid


def read_weight(
    ingress: Mapping[str, Any], annotation_prefix: str = DEFAULT_ANNOTATION_PREFIX
) -> int | None:
    """The weight the live canary Ingress carries in `<prefix>/canary-weight`.

    None when the annotation is missing or is not a decimal integer: the cluster then has no
    weight we can trust, and the caller treats it as one to set.
    """
    annotations = _mapping(_mapping(ingress.get("metadata")).get("annotations"))
    value = annotations.get(f"{annotation_prefix}/canary-weight")
    if not isinstance(value, str) or _INTEGER.fullmatch(value) is None:
        return None
    return int(value)


def _merge_diff(live: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The merge patch turning `live` into `desired`: maps merge key by key, lists are replaced.

    A null value counts as an absent key, as it does in a merge patch; otherwise a live object
    serialised with explicit nulls would be "repaired" on every reconcile.
    """
    patch: dict[str, Any] = {
        key: None for key, value in live.items() if value is not None and desired.get(key) is None
    }
    for key, want in desired.items():
        have = live.get(key)
        if want is None or have == want:
            continue
        if isinstance(have, Mapping) and isinstance(want, Mapping):
            nested = _merge_diff(have, want)
            if nested:
                patch[key] = nested
        else:
            patch[key] = copy.deepcopy(want)
    return patch


def _mapping(value: Any) -> Mapping[str, Any]:
    """Missing and null fields read as empty, so lookups can chain through optional levels."""
    return value if isinstance(value, Mapping) else {}


# --------------------------------------------------------------------------------------------
# I/O: the TrafficRouter adapter over the cluster (reads the stable and canary Ingresses,
# creates or patches the canary) belongs below this line, using only the pure functions above.


# The verbs this adapter uses, for deploy/rbac.yaml (checked by a contract test).
REQUIRED_RULES = (("networking.k8s.io", "ingresses", ("create", "patch")),)


class NginxRouter:
    """Implements ports.TrafficRouter with NGINX canary Ingresses (one per stable Ingress).

    Builds the desired canary Ingress, compares it with the live one from the cache, and
    writes only what differs (usually just the weight annotation).
    """

    def __init__(self, api: client.ApiClient, ingresses: cache.ObjectCache) -> None:
        self.networking = client.NetworkingV1Api(api)
        self.ingresses = ingresses

    def set_weight(self, rollout: model.Rollout, weight: int) -> list[actions.Event]:
        events = []
        for stable_name in _nginx(rollout).stable_ingresses:
            desired = self._desired(rollout, stable_name, weight)
            name = desired["metadata"]["name"]
            live = self.ingresses.get(rollout.namespace, name)
            if live is None:
                self._create(rollout.namespace, desired)
                events.append(
                    actions.Event(
                        conditions.EVENT_CREATING_INGRESS,
                        f"Creating canary ingress `{name}` with weight `{weight}`",
                    )
                )
                continue
            if not is_controlled_by(live, rollout.uid):
                raise errors.TrafficRoutingError(
                    f"canary ingress `{name}` controlled by different object"
                )
            patch = compute_ingress_patch(live, desired)
            if patch is not None:
                self._patch(rollout.namespace, name, patch)
                events.append(
                    actions.Event(
                        conditions.EVENT_PATCHING_INGRESS,
                        f"Updating Ingress `{name}` to desiredWeight '{weight}'",
                    )
                )
        return events

    def _desired(self, rollout: model.Rollout, stable_name: str, weight: int) -> dict[str, Any]:
        strategy = rollout.canary
        assert strategy is not None
        routing = strategy.traffic_routing
        assert routing is not None
        nginx = _nginx(rollout)
        stable = self.ingresses.get(rollout.namespace, stable_name)
        if stable is None:
            raise errors.TrafficRoutingError(f"stable ingress `{stable_name}` not found")
        return build_canary_ingress(
            stable,
            rollout_name=rollout.name,
            rollout_uid=rollout.uid,
            namespace=rollout.namespace,
            stable_service=str(strategy.stable_service),
            canary_service=str(strategy.canary_service),
            weight=weight,
            annotation_prefix=nginx.annotation_prefix,
            additional_annotations=nginx.additional_ingress_annotations,
            canary_annotations=nginx.canary_ingress_annotations,
            max_traffic_weight=routing.max_traffic_weight,
        )

    def _create(self, namespace: str, desired: dict[str, Any]) -> None:
        try:
            created = kube.call(
                lambda: self.networking.create_namespaced_ingress(
                    namespace, kube.raw(desired), _preload_content=False
                )
            )
        except errors.Conflict:
            # another pass created it first: patch it to the desired state instead
            self._patch(
                namespace,
                desired["metadata"]["name"],
                {
                    "metadata": {"annotations": desired["metadata"]["annotations"]},
                    "spec": desired["spec"],
                },
            )
            return
        if created is not None:
            self.ingresses.apply("ADDED", created)

    def _patch(self, namespace: str, name: str, patch: dict[str, Any]) -> None:
        patched = kube.call(
            lambda: self.networking.patch_namespaced_ingress(
                name, namespace, patch, _content_type=kube.MERGE, _preload_content=False
            )
        )
        if patched is not None:
            self.ingresses.apply("MODIFIED", patched)


def _nginx(rollout: model.Rollout) -> model.NginxRouting:
    routing = rollout.canary.traffic_routing if rollout.canary else None
    if routing is None or routing.nginx is None:
        raise errors.TrafficRoutingError("the Rollout has no NGINX traffic routing")
    return routing.nginx
