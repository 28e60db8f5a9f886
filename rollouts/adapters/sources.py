"""The Sources of the controller's ListWatches: each kind's LIST and WATCH requests.

One small class per kind, in one namespace or in all when the namespace is None (cluster-scoped
ClusterAnalysisTemplates are always listed cluster-wide). Each request is written out with the
client's method and the resource's name literal, so the RBAC contract test reads it from here.
"""

from __future__ import annotations

from typing import Any

from kubernetes import client

from rollouts.model import refs

# The verbs these Sources use, for deploy/rbac.yaml (checked by a contract test).
REQUIRED_RULES = (
    (refs.GROUP, "rollouts", ("list", "watch")),
    (refs.GROUP, "analysisruns", ("list", "watch")),
    (refs.GROUP, "analysistemplates", ("list", "watch")),
    (refs.GROUP, "clusteranalysistemplates", ("list", "watch")),
    ("apps", "replicasets", ("list", "watch")),
    ("apps", "deployments", ("list", "watch")),
    ("", "services", ("list", "watch")),
    ("networking.k8s.io", "ingresses", ("list", "watch")),
)


class Rollouts:
    def __init__(self, api: client.ApiClient, namespace: str | None) -> None:
        self.custom = client.CustomObjectsApi(api)
        self.namespace = namespace

    def list(self, **params: Any) -> Any:
        if self.namespace:
            return self.custom.list_namespaced_custom_object(
                refs.GROUP, refs.VERSION, self.namespace, "rollouts", **params
            )
        return self.custom.list_cluster_custom_object(
            refs.GROUP, refs.VERSION, "rollouts", **params
        )

    def watch(self, **params: Any) -> Any:
        if self.namespace:
            return self.custom.list_namespaced_custom_object(
                refs.GROUP, refs.VERSION, self.namespace, "rollouts", watch=True, **params
            )
        return self.custom.list_cluster_custom_object(
            refs.GROUP, refs.VERSION, "rollouts", watch=True, **params
        )


class AnalysisRuns:
    def __init__(self, api: client.ApiClient, namespace: str | None) -> None:
        self.custom = client.CustomObjectsApi(api)
        self.namespace = namespace

    def list(self, **params: Any) -> Any:
        if self.namespace:
            return self.custom.list_namespaced_custom_object(
                refs.GROUP, refs.VERSION, self.namespace, "analysisruns", **params
            )
        return self.custom.list_cluster_custom_object(
            refs.GROUP, refs.VERSION, "analysisruns", **params
        )

    def watch(self, **params: Any) -> Any:
        if self.namespace:
            return self.custom.list_namespaced_custom_object(
                refs.GROUP, refs.VERSION, self.namespace, "analysisruns", watch=True, **params
            )
        return self.custom.list_cluster_custom_object(
            refs.GROUP, refs.VERSION, "analysisruns", watch=True, **params
        )


class AnalysisTemplates:
    def __init__(self, api: client.ApiClient, namespace: str | None) -> None:
        self.custom = client.CustomObjectsApi(api)
        self.namespace = namespace

    def list(self, **params: Any) -> Any:
        if self.namespace:
            return self.custom.list_namespaced_custom_object(
                refs.GROUP, refs.VERSION, self.namespace, "analysistemplates", **params
            )
        return self.custom.list_cluster_custom_object(
            refs.GROUP, refs.VERSION, "analysistemplates", **params
        )

    def watch(self, **params: Any) -> Any:
        if self.namespace:
            return self.custom.list_namespaced_custom_object(
                refs.GROUP, refs.VERSION, self.namespace, "analysistemplates", watch=True, **params
            )
        return self.custom.list_cluster_custom_object(
            refs.GROUP, refs.VERSION, "analysistemplates", watch=True, **params
        )


class ClusterAnalysisTemplates:
    """Cluster-scoped: all of them, whatever the namespace."""

    def __init__(self, api: client.ApiClient, namespace: str | None = None) -> None:
        self.custom = client.CustomObjectsApi(api)

    def list(self, **params: Any) -> Any:
        return self.custom.list_cluster_custom_object(
            refs.GROUP, refs.VERSION, "clusteranalysistemplates", **params
        )

    def watch(self, **params: Any) -> Any:
        return self.custom.list_cluster_custom_object(
            refs.GROUP, refs.VERSION, "clusteranalysistemplates", watch=True, **params
        )


class ReplicaSets:
    def __init__(self, api: client.ApiClient, namespace: str | None) -> None:
        self.apps = client.AppsV1Api(api)
        self.namespace = namespace

    def list(self, **params: Any) -> Any:
        if self.namespace:
            return self.apps.list_namespaced_replica_set(self.namespace, **params)
        return self.apps.list_replica_set_for_all_namespaces(**params)

    def watch(self, **params: Any) -> Any:
        if self.namespace:
            return self.apps.list_namespaced_replica_set(self.namespace, watch=True, **params)
        return self.apps.list_replica_set_for_all_namespaces(watch=True, **params)


class Deployments:
    def __init__(self, api: client.ApiClient, namespace: str | None) -> None:
        self.apps = client.AppsV1Api(api)
        self.namespace = namespace

    def list(self, **params: Any) -> Any:
        if self.namespace:
            return self.apps.list_namespaced_deployment(self.namespace, **params)
        return self.apps.list_deployment_for_all_namespaces(**params)

    def watch(self, **params: Any) -> Any:
        if self.namespace:
            return self.apps.list_namespaced_deployment(self.namespace, watch=True, **params)
        return self.apps.list_deployment_for_all_namespaces(watch=True, **params)


class Services:
    def __init__(self, api: client.ApiClient, namespace: str | None) -> None:
        self.core = client.CoreV1Api(api)
        self.namespace = namespace

    def list(self, **params: Any) -> Any:
        if self.namespace:
            return self.core.list_namespaced_service(self.namespace, **params)
        return self.core.list_service_for_all_namespaces(**params)

    def watch(self, **params: Any) -> Any:
        if self.namespace:
            return self.core.list_namespaced_service(self.namespace, watch=True, **params)
        return self.core.list_service_for_all_namespaces(watch=True, **params)


class Ingresses:
    def __init__(self, api: client.ApiClient, namespace: str | None) -> None:
        self.networking = client.NetworkingV1Api(api)
        self.namespace = namespace

    def list(self, **params: Any) -> Any:
        if self.namespace:
            return self.networking.list_namespaced_ingress(self.namespace, **params)
        return self.networking.list_ingress_for_all_namespaces(**params)

    def watch(self, **params: Any) -> Any:
        if self.namespace:
            return self.networking.list_namespaced_ingress(self.namespace, watch=True, **params)
        return self.networking.list_ingress_for_all_namespaces(watch=True, **params)
