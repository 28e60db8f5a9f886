"""The Services and Ingresses a Rollout names, checked against those of the same file.

As `kubectl argo rollouts lint` does with Argo's referenced-resource rules: each selector key
of a named Service (but the pod-template-hash one) must be a template label with that value,
and each NGINX stable Ingress must route a rule path to the stable Service. An object the file
does not hold is no problem: the file need not hold everything. The one exception is the
Deployment a workloadRef names (find_workload): the template to check is in it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from rollouts import model

JSON = Mapping[str, Any]
Problem = tuple[str, str]  # (field, message)
HASH_LABEL = "rollouts-pod-template-hash"  # the controller adds it; no template carries it
CANARY = "spec.strategy.canary"
BLUE_GREEN = "spec.strategy.blueGreen"
NGINX = f"{CANARY}.trafficRouting.nginx"
_SERVICE_GROUPS = ("",)
_INGRESS_GROUPS = ("networking.k8s.io", "extensions")


def check_references(rollout: model.Rollout, documents: Sequence[JSON]) -> list[Problem]:
    """What is wrong with the Services and Ingresses of `documents` that `rollout` names."""
    namespace = _namespace(rollout.raw)
    problems = []
    for field, name in _services(rollout.spec.strategy):
        service = _find(documents, "Service", _SERVICE_GROUPS, name, namespace)
        if service is not None:
            labels = {**_template_labels(rollout), **_role_labels(rollout, field)}
            problems += [(field, message) for message in _selector_problems(labels, service)]
    for field, name in _stable_ingresses(rollout):
        ingress = _find(documents, "Ingress", _INGRESS_GROUPS, name, namespace)
        if ingress is not None:
            problems += [(field, message) for message in _ingress_problems(rollout, ingress)]
    return problems


def find_workload(body: JSON, documents: Sequence[JSON]) -> JSON | None:
    """The Deployment of `documents` that the Rollout manifest's spec.workloadRef names."""
    ref = _mapping(_mapping(body.get("spec")).get("workloadRef"))
    name = str(ref.get("name") or "")
    return _find(documents, "Deployment", ("apps",), name, _namespace(body)) if name else None


def _services(strategy: model.Strategy) -> Iterator[tuple[str, str]]:
    named: tuple[tuple[str, str | None], ...]
    if isinstance(strategy, model.CanaryStrategy):
        named = (
            (f"{CANARY}.canaryService", strategy.canary_service),
            (f"{CANARY}.stableService", strategy.stable_service),
        )
    else:
        named = (
            (f"{BLUE_GREEN}.activeService", strategy.active_service),
            (f"{BLUE_GREEN}.previewService", strategy.preview_service),
        )
    return ((field, str(name)) for field, name in named if name)


def _stable_ingresses(rollout: model.Rollout) -> Iterator[tuple[str, str]]:
    canary = rollout.canary
    nginx = canary.traffic_routing.nginx if canary and canary.traffic_routing else None
    if nginx is None:
        return iter(())
    if _raw_nginx(rollout).get("stableIngress"):
        return iter([(f"{NGINX}.stableIngress", nginx.stable_ingresses[0])])
    return ((f"{NGINX}.stableIngresses[{i}]", n) for i, n in enumerate(nginx.stable_ingresses))


def _raw_nginx(rollout: model.Rollout) -> JSON:
    """The manifest's nginx block: the parsed one keeps the names, not which field held them."""
    raw: JSON = rollout.raw
    for key in ("spec", "strategy", "canary", "trafficRouting", "nginx"):
        raw = _mapping(raw.get(key))
    return raw


def _template_labels(rollout: model.Rollout) -> JSON:
    return _mapping(_mapping(rollout.spec.template.get("metadata")).get("labels"))


def _role_labels(rollout: model.Rollout, field: str) -> JSON:
    """The canaryMetadata/stableMetadata labels the controller puts on that Service's pods."""
    canary = rollout.canary
    if canary is None:
        return {}
    role = canary.canary_metadata if field.endswith("canaryService") else canary.stable_metadata
    return role.labels if role else {}


def _selector_problems(labels: JSON, service: JSON) -> Iterator[str]:
    name = _name(service)
    for key, value in _mapping(_mapping(service.get("spec")).get("selector")).items():
        if key != HASH_LABEL and (key not in labels or labels[key] != value):
            yield f"Service {_quote(name)} has unmatch label {_quote(key)} in rollout"


def _ingress_problems(rollout: model.Rollout, ingress: JSON) -> Iterator[str]:
    stable = str((rollout.canary and rollout.canary.stable_service) or "")
    if stable not in _backend_services(ingress):
        yield f"ingress `{_name(ingress)}` has no rules using service {stable} backend"


def _backend_services(ingress: JSON) -> set[str]:
    """Backend Service of each rule path (networking/v1 `service.name`, v1beta1 `serviceName`)."""
    names = set()
    for rule in _list(_mapping(ingress.get("spec")).get("rules")):
        for path in _list(_mapping(_mapping(rule).get("http")).get("paths")):
            backend = _mapping(_mapping(path).get("backend"))
            names.add(str(_mapping(backend.get("service")).get("name") or ""))
            names.add(str(backend.get("serviceName") or ""))
    return names - {""}


def _find(
    documents: Sequence[JSON], kind: str, groups: tuple[str, ...], name: str, namespace: str
) -> JSON | None:
    """The object of that kind and name; a namespace left out matches any (`apply -n`)."""
    for document in documents:
        if document.get("kind") != kind or _group(document) not in groups:
            continue
        other = _namespace(document)
        if _name(document) == name and (not namespace or not other or other == namespace):
            return document
    return None


def _group(document: JSON) -> str:
    group, _, version = str(document.get("apiVersion") or "").rpartition("/")
    return group if version else "?"


def _name(document: JSON) -> str:
    return str(_mapping(document.get("metadata")).get("name") or "")


def _namespace(document: JSON) -> str:
    return str(_mapping(document.get("metadata")).get("namespace") or "")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _mapping(value: Any) -> JSON:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
