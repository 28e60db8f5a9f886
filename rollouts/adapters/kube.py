"""KubeCluster: the controller's writes, through the kubernetes client (ports.Cluster).

Every write names its patch type (the client would otherwise guess), answers are applied to
the caches at once, 404 becomes errors.NotFound and 409 errors.Conflict. Creates are
idempotent: AlreadyExists means an earlier pass already did it.
"""

from __future__ import annotations

import base64
import datetime
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from kubernetes import client

from rollouts import errors
from rollouts.adapters import cache
from rollouts.core import observed as obs
from rollouts.model import refs

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"

# The verbs this adapter uses, for deploy/rbac.yaml (checked by a contract test).
REQUIRED_RULES = (
    ("apps", "replicasets", ("create", "get", "patch", "delete")),
    ("apps", "deployments/scale", ("patch",)),
    ("", "services", ("patch",)),
    ("", "events", ("create",)),
    ("", "pods", ("list", "patch")),
    ("", "secrets", ("get",)),
    ("", "pods/eviction", ("create",)),
    (refs.GROUP, "rollouts", ("patch",)),
    (refs.GROUP, "analysisruns", ("create", "delete", "patch")),
    (refs.GROUP, "analysisruns/status", ("patch",)),
    (refs.GROUP, "rollouts/status", ("patch",)),
)


def raw(body: Mapping[str, Any]) -> Any:
    """A plain JSON body for the client, whose signatures name its generated models."""
    return dict(body)


def call(request: Callable[[], Any]) -> dict[str, Any] | None:
    """Run one API request for its raw JSON answer, mapping errors to ours."""
    try:
        response = request()
    except client.ApiException as exc:
        if exc.status == 404:
            raise errors.NotFound(str(exc.reason)) from exc
        if exc.status == 409:
            raise errors.Conflict(_message(exc)) from exc
        raise errors.ClusterError(f"{exc.status} {_message(exc)}") from exc
    data = getattr(response, "data", b"")
    return json.loads(data) if data else None


def _message(exc: client.ApiException) -> str:
    try:
        return str(json.loads(exc.body or "{}").get("message") or exc.reason)
    except ValueError:
        return str(exc.reason)


class KubeCluster:
    """Implements ports.Cluster."""

    def __init__(self, api: client.ApiClient, caches: cache.Caches) -> None:
        self.apps = client.AppsV1Api(api)
        self.core = client.CoreV1Api(api)
        self.custom = client.CustomObjectsApi(api)
        self.networking = client.NetworkingV1Api(api)
        self.caches = caches

    def _seen(self, target: cache.ObjectCache, body: Mapping[str, Any] | None) -> None:
        if body is not None:
            target.apply("MODIFIED", body)

    def create_replica_set(self, namespace: str, body: Mapping[str, Any]) -> bool:
        name = body["metadata"]["name"]
        try:
            created = call(
                lambda: self.apps.create_namespaced_replica_set(
                    namespace, raw(body), _preload_content=False
                )
            )
        except errors.Conflict:
            # made by an earlier pass our cache had not seen yet: take it in now
            existing = call(
                lambda: self.apps.read_namespaced_replica_set(
                    name, namespace, _preload_content=False
                )
            )
            self._seen(self.caches.replica_sets, existing)
            return False
        self._seen(self.caches.replica_sets, created)
        return True

    def _patch_replica_set(self, namespace: str, name: str, patch: Mapping[str, Any]) -> None:
        patched = call(
            lambda: self.apps.patch_namespaced_replica_set(
                name, namespace, raw(patch), _content_type=MERGE, _preload_content=False
            )
        )
        self._seen(self.caches.replica_sets, patched)

    def set_replica_set_revision(
        self, namespace: str, name: str, *, revision: int, history: str
    ) -> None:
        annotations = {obs.REVISION: str(revision), obs.REVISION_HISTORY: history or None}
        self._patch_replica_set(namespace, name, {"metadata": {"annotations": annotations}})

    def scale_replica_set(
        self, namespace: str, name: str, *, replicas: int, desired_replicas: int
    ) -> None:
        annotations: dict[str, str | None] = {obs.DESIRED_REPLICAS: str(desired_replicas)}
        if replicas == 0:  # a set at 0 waits for nothing: its deadline goes in the same write
            annotations[obs.SCALE_DOWN_DEADLINE] = None
        self._patch_replica_set(
            namespace,
            name,
            {"metadata": {"annotations": annotations}, "spec": {"replicas": replicas}},
        )

    def set_scale_down_deadline(
        self, namespace: str, name: str, deadline: datetime.datetime | None
    ) -> None:
        value = (
            None
            if deadline is None
            else deadline.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        self._patch_replica_set(
            namespace, name, {"metadata": {"annotations": {obs.SCALE_DOWN_DEADLINE: value}}}
        )

    def set_pod_metadata(
        self,
        namespace: str,
        name: str,
        *,
        pod_hash: str,
        labels: Mapping[str, str | None],
        annotations: Mapping[str, str | None],
        record: str | None,
    ) -> None:
        """The ReplicaSet's template first (pods it makes from now on), then its pods."""
        meta: dict[str, Any] = {}
        if labels:
            meta["labels"] = dict(labels)
        if annotations:
            meta["annotations"] = dict(annotations)
        self._patch_replica_set(
            namespace,
            name,
            {
                "metadata": {"annotations": {obs.EPHEMERAL_METADATA: record}},
                "spec": {"template": {"metadata": meta}},
            },
        )
        for pod in self.list_pods(namespace, {"matchLabels": {obs.HASH_LABEL: pod_hash}}):
            self._patch_pod(namespace, str(pod["metadata"]["name"]), {"metadata": meta})

    def _patch_pod(self, namespace: str, name: str, patch: Mapping[str, Any]) -> None:
        try:
            call(
                lambda: self.core.patch_namespaced_pod(
                    name, namespace, raw(patch), _content_type=MERGE, _preload_content=False
                )
            )
        except errors.NotFound:
            return  # gone meanwhile: its replacement comes from the patched template

    def delete_replica_set(self, namespace: str, name: str) -> None:
        try:
            call(
                lambda: self.apps.delete_namespaced_replica_set(
                    name, namespace, propagation_policy="Background", _preload_content=False
                )
            )
        except errors.NotFound:
            return

    def evict_pod(self, namespace: str, name: str) -> None:
        body = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": name, "namespace": namespace},
        }
        try:
            call(
                lambda: self.core.create_namespaced_pod_eviction(
                    name, namespace, raw(body), _preload_content=False
                )
            )
        except errors.NotFound:
            return  # already gone
        except errors.ClusterError as exc:
            if not str(exc).startswith("429"):
                raise  # 429: a PodDisruptionBudget says not now; the next pass retries

    def list_pods(self, namespace: str, selector: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        labels = ",".join(
            f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())
        )
        listed = call(
            lambda: self.core.list_namespaced_pod(
                namespace, label_selector=labels, _preload_content=False
            )
        )
        return list((listed or {}).get("items") or ())

    def read_secret(self, namespace: str, name: str) -> Mapping[str, str] | None:
        try:
            found = (
                call(
                    lambda: self.core.read_namespaced_secret(
                        name, namespace, _preload_content=False
                    )
                )
                or {}
            )
        except errors.NotFound:
            return None
        return {
            key: base64.b64decode(value).decode(errors="replace")
            for key, value in (found.get("data") or {}).items()
        }

    def create_analysis_run(self, namespace: str, body: Mapping[str, Any]) -> None:
        try:
            created = call(
                lambda: self.custom.create_namespaced_custom_object(
                    refs.GROUP,
                    refs.VERSION,
                    namespace,
                    "analysisruns",
                    raw(body),
                    _preload_content=False,
                )
            )
        except errors.Conflict:
            return  # created by an earlier pass
        self._seen(self.caches.analysis_runs, created)

    def terminate_analysis_run(self, namespace: str, name: str) -> None:
        try:
            patched = call(
                lambda: self.custom.patch_namespaced_custom_object(
                    refs.GROUP,
                    refs.VERSION,
                    namespace,
                    "analysisruns",
                    name,
                    {"spec": {"terminate": True}},
                    _content_type=MERGE,
                    _preload_content=False,
                )
            )
        except errors.NotFound:
            return
        self._seen(self.caches.analysis_runs, patched)

    def delete_analysis_run(self, namespace: str, name: str) -> None:
        try:
            call(
                lambda: self.custom.delete_namespaced_custom_object(
                    refs.GROUP,
                    refs.VERSION,
                    namespace,
                    "analysisruns",
                    name,
                    _preload_content=False,
                )
            )
        except errors.NotFound:
            return

    def patch_analysis_run_status(
        self, namespace: str, name: str, status: Mapping[str, Any], *, resource_version: str
    ) -> Mapping[str, Any]:
        body = {"metadata": {"resourceVersion": resource_version}, "status": status}
        patched = call(
            lambda: self.custom.patch_namespaced_custom_object_status(
                refs.GROUP,
                refs.VERSION,
                namespace,
                "analysisruns",
                name,
                body,
                _content_type=MERGE,
                _preload_content=False,
            )
        )
        self._seen(self.caches.analysis_runs, patched)
        return patched or {}

    def switch_service(
        self, namespace: str, name: str, *, pod_hash: str, rollout_name: str, adopt: bool
    ) -> None:
        patch: dict[str, Any] = {"spec": {"selector": {obs.HASH_LABEL: pod_hash}}}
        if adopt:
            patch["metadata"] = {"annotations": {obs.MANAGED_BY: rollout_name}}
        patched = call(
            lambda: self.core.patch_namespaced_service(
                name, namespace, patch, _content_type=STRATEGIC, _preload_content=False
            )
        )
        self._seen(self.caches.services, patched)

    def patch_rollout_status(
        self, namespace: str, name: str, status: Mapping[str, Any], *, resource_version: str
    ) -> Mapping[str, Any]:
        body = {"metadata": {"resourceVersion": resource_version}, "status": status}
        patched = call(
            lambda: self.custom.patch_namespaced_custom_object_status(
                refs.GROUP,
                refs.VERSION,
                namespace,
                "rollouts",
                name,
                body,
                _content_type=MERGE,
                _preload_content=False,
            )
        )
        self._seen(self.caches.rollouts, patched)
        return patched or {}

    def annotate_rollout(
        self, namespace: str, name: str, annotations: Mapping[str, str | None]
    ) -> None:
        patch = {"metadata": {"annotations": dict(annotations)}}
        patched = call(
            lambda: self.custom.patch_namespaced_custom_object(
                refs.GROUP,
                refs.VERSION,
                namespace,
                "rollouts",
                name,
                patch,
                _content_type=MERGE,
                _preload_content=False,
            )
        )
        self._seen(self.caches.rollouts, patched)

    def scale_deployment(self, namespace: str, name: str, replicas: int) -> None:
        call(
            lambda: self.apps.patch_namespaced_deployment_scale(
                name,
                namespace,
                {"spec": {"replicas": replicas}},
                _content_type=MERGE,
                _preload_content=False,
            )
        )


class EventRecorder:
    """Implements ports.Recorder with core/v1 Events, as `kubectl describe` shows them."""

    def __init__(self, api: client.ApiClient, component: str = "rollouts-controller") -> None:
        self.core = client.CoreV1Api(api)
        self.component = component

    def event(self, ref: refs.ObjectRef, event: Any) -> None:
        now = datetime.datetime.now(datetime.UTC)
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {
            # named as client-go's recorders name them: <object>.<hex nanoseconds>
            "metadata": {"name": f"{ref.name}.{time.time_ns():x}", "namespace": ref.namespace},
            "involvedObject": {
                "apiVersion": ref.api_version,
                "kind": ref.kind,
                "name": ref.name,
                "namespace": ref.namespace,
                "uid": ref.uid,
            },
            "reason": event.reason,
            "message": event.message,
            "type": event.type,
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "source": {"component": self.component},
            "reportingComponent": self.component,
            "reportingInstance": self.component,
        }
        call(
            lambda: self.core.create_namespaced_event(
                ref.namespace, raw(body), _preload_content=False
            )
        )


class SystemClock:
    """Implements ports.Clock."""

    def now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC)
