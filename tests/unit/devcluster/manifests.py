"""Resource types and object builders for the in-process devcluster tests."""

from __future__ import annotations

import copy
from typing import Any

from rollouts.devcluster import kinds

JSON = dict[str, Any]


def _builtin(group: str, plural: str) -> kinds.ResourceType:
    return next(t for t in kinds.BUILTINS if t.key == (group, plural))


NAMESPACES = _builtin("", "namespaces")
PODS = _builtin("", "pods")
SERVICES = _builtin("", "services")
CONFIGMAPS = _builtin("", "configmaps")
CORE_EVENTS = _builtin("", "events")
EVENTS = _builtin("events.k8s.io", "events")
DEPLOYMENTS = _builtin("apps", "deployments")
REPLICASETS = _builtin("apps", "replicasets")
CRDS = _builtin("apiextensions.k8s.io", "customresourcedefinitions")
JOBS = _builtin("batch", "jobs")
CRONJOBS = _builtin("batch", "cronjobs")


def pod_template(image: str = "nginx:1.25", labels: JSON | None = None) -> JSON:
    return {
        "metadata": {"labels": labels or {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": image}]},
    }


def deployment(
    name: str = "web", *, replicas: int = 3, image: str = "nginx:1.25", **spec: Any
) -> JSON:
    """A Deployment selecting `app: web`; extra keyword arguments go into its spec."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": pod_template(image),
            **copy.deepcopy(spec),
        },
    }


def replica_set(name: str = "web", *, replicas: int = 3, image: str = "nginx:1.25") -> JSON:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": pod_template(image),
        },
    }


def pod(name: str = "p", *, image: str = "nginx:1.25", **meta: Any) -> JSON:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, **meta},
        "spec": {"containers": [{"name": "web", "image": image}]},
    }


def job_spec(
    *,
    image: str = "busybox",
    restart: str = "Never",
    exit_code: int | None = None,
    **spec: Any,
) -> JSON:
    """A Job's spec of one container; `exit_code` sets the annotation its pods exit with."""
    annotations = {} if exit_code is None else {"devcluster.rollouts.io/exit-code": str(exit_code)}
    return {
        "template": {
            "metadata": {"annotations": annotations},
            "spec": {
                "restartPolicy": restart,
                "containers": [{"name": "main", "image": image, "command": ["true"]}],
            },
        },
        **copy.deepcopy(spec),
    }


def job(name: str = "pi", **kwargs: Any) -> JSON:
    """A Job; keyword arguments go to `job_spec`."""
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": job_spec(**kwargs),
    }


def cronjob(name: str = "nightly", schedule: str = "*/5 * * * *", **spec: Any) -> JSON:
    """A CronJob running `job_spec()`; extra keyword arguments go into its spec."""
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name},
        "spec": {
            "schedule": schedule,
            "jobTemplate": {"spec": job_spec()},
            **copy.deepcopy(spec),
        },
    }


def configmap(name: str = "cm", **meta: Any) -> JSON:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **meta}}


WIDGET_SCHEMA: JSON = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "size": {"type": "integer", "minimum": 1},
                "colour": {"type": "string", "default": "blue"},
            },
        },
        "status": {"type": "object", "properties": {"phase": {"type": "string"}}},
    },
}


def widget_crd(schema: JSON | None = None) -> JSON:
    """A namespaced CRD `widgets.example.com`, v1, with a status subresource."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": schema or WIDGET_SCHEMA},
                    "subresources": {"status": {}},
                }
            ],
        },
    }


def widget(name: str = "w", **spec: Any) -> JSON:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": name},
        "spec": spec,
    }
