"""Given/when/then helpers for end-to-end tests: apply, patch as the plugin does, wait."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml

from tests.conftest import Kubectl, wait_for

NEW_IMAGE = "argoproj/rollouts-demo:yellow"


def manifest(
    *,
    name: str = "demo",
    replicas: int = 5,
    steps: list[dict[str, Any]] | None = None,
    nginx: bool = False,
    image: str = "argoproj/rollouts-demo:blue",
    **extra: Any,
) -> dict[str, Any]:
    """A canary Rollout like Argo's getting-started ones."""
    canary: dict[str, Any] = {
        "steps": steps
        if steps is not None
        else [{"setWeight": 20}, {"pause": {}}, {"setWeight": 60}, {"pause": {"duration": 1}}]
    }
    if nginx:
        canary.update(
            canaryService=f"{name}-canary",
            stableService=f"{name}-stable",
            trafficRouting={"nginx": {"stableIngress": f"{name}-stable"}},
        )
    spec: dict[str, Any] = {
        "replicas": replicas,
        "revisionHistoryLimit": 2,
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": "app", "image": image}]},
        },
        "strategy": {"canary": canary},
    }
    spec.update(extra)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name},
        "spec": spec,
    }


def routing_objects(name: str = "demo") -> list[dict[str, Any]]:
    """The stable and canary Services and the stable Ingress of an NGINX canary."""

    def service(role: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": f"{name}-{role}"},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80}]},
        }

    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": f"{name}-stable"},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": f"{name}.local",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {
                                    "service": {"name": f"{name}-stable", "port": {"number": 80}}
                                },
                            }
                        ]
                    },
                }
            ],
        },
    }
    return [service("stable"), service("canary"), ingress]


class Rollouts:
    """One namespace's view: apply, change intent the way the plugin does, read state."""

    def __init__(self, kubectl: Kubectl, namespace: str) -> None:
        self.kubectl = kubectl
        self.namespace = namespace

    def apply(self, *objects: dict[str, Any]) -> None:
        self.kubectl("-n", self.namespace, "apply", "-f", "-", stdin=yaml.safe_dump_all(objects))

    def get(self, kind: str = "rollout", name: str = "demo") -> Any:
        return self.kubectl.json("-n", self.namespace, "get", kind, name)

    def status(self, name: str = "demo") -> dict[str, Any]:
        body = self.get("rollout", name)
        status = dict(body.get("status") or {})
        status["_observed"] = status.get("observedGeneration") == str(
            body["metadata"]["generation"]
        )
        return status

    def patch(self, body: dict[str, Any], *, name: str = "demo", status: bool = False) -> None:
        args = [
            "-n",
            self.namespace,
            "patch",
            "rollout",
            name,
            "--type",
            "merge",
            "-p",
            json.dumps(body),
        ]
        self.kubectl(*args, *(["--subresource=status"] if status else []))

    def set_image(self, image: str, name: str = "demo") -> None:
        body = self.get("rollout", name)
        spec = copy.deepcopy(body["spec"]["template"])
        spec["spec"]["containers"][0]["image"] = image
        self.patch({"spec": {"template": spec}}, name=name)

    def promote(self, name: str = "demo") -> None:
        self.patch({"status": {"pauseConditions": None}}, name=name, status=True)

    def wait(
        self, *, phase: str, name: str = "demo", message: str | None = None, timeout: float = 30
    ) -> dict[str, Any]:
        def reached() -> dict[str, Any] | None:
            status = self.status(name)
            if not status["_observed"] or status.get("phase") != phase:
                return None
            if message is not None and message not in str(status.get("message")):
                return None
            return status

        found: dict[str, Any] = wait_for(
            reached, timeout=timeout, every=0.1, message=f"phase {phase} {message or ''}"
        )
        return found

    def replica_sets(self) -> dict[str, tuple[int, int]]:
        """pod hash → (spec.replicas, available)."""
        items = self.kubectl.json("-n", self.namespace, "get", "replicasets")["items"]
        return {
            rs["metadata"]["labels"]["rollouts-pod-template-hash"]: (
                rs["spec"]["replicas"],
                (rs.get("status") or {}).get("availableReplicas", 0),
            )
            for rs in items
        }

    def selector_hash(self, service: str) -> str | None:
        found: str | None = self.get("service", service)["spec"]["selector"].get(
            "rollouts-pod-template-hash"
        )
        return found

    def canary_weight(self, name: str = "demo") -> str | None:
        ingress = self.get("ingress", f"{name}-{name}-stable-canary")
        found: str | None = ingress["metadata"]["annotations"].get(
            "nginx.ingress.kubernetes.io/canary-weight"
        )
        return found

    def events(self, name: str = "demo") -> list[str]:
        items = self.kubectl.json("-n", self.namespace, "get", "events")["items"]
        items.sort(key=lambda e: (e.get("lastTimestamp") or "", e["metadata"]["name"]))
        return [e["reason"] for e in items if e["involvedObject"]["name"] == name]

    def wait_for_event(self, reason: str, *, count: int = 1, name: str = "demo") -> list[str]:
        """The object's Event reasons, once `reason` is among them `count` times: the controller
        writes Events apart from the status, so one may land a moment after the status shows."""

        def seen() -> list[str] | None:
            reasons = self.events(name)
            return reasons if reasons.count(reason) >= count else None

        found: list[str] = wait_for(
            seen, timeout=10, every=0.1, message=f"{count} {reason} Event(s) on {name}"
        )
        return found
