"""The plugin's cluster access: kubeconfig, context and namespace, reads, patches and watches.

Every failure becomes an errors.RolloutsError with one line for the user: 404 NotFound, an
unreachable server, a bad kubeconfig. Answers are raw JSON (dicts), as the read model wants.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import urllib3
from kubernetes import client, config, watch

from rollouts import errors
from rollouts.adapters import kube
from rollouts.model import refs

JSON_PATCH = "application/json-patch+json"
REQUEST_TIMEOUT = 15.0
WATCH_SECONDS = 30


@dataclasses.dataclass(frozen=True)
class Target:
    """Where commands go: --kubeconfig, --context, -n (or the context's namespace)."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None


def _context_namespace(target: Target) -> str:
    try:
        contexts, active = config.list_kube_config_contexts(config_file=target.kubeconfig)  # type: ignore[no-untyped-call]
    except (config.ConfigException, OSError, TypeError):
        return "default"
    chosen = next((c for c in contexts or () if c.get("name") == target.context), active)
    return str(((chosen or {}).get("context") or {}).get("namespace") or "default")


def _request(request: Callable[[], Any]) -> dict[str, Any]:
    """kube.call, plus an unreachable server as one ClusterError line."""
    try:
        return kube.call(request) or {}
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise errors.ClusterError(f"cannot reach the cluster: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc).splitlines()[0]


class Client:
    """One cluster, one namespace (None with -A)."""

    def __init__(self, target: Target, *, all_namespaces: bool = False) -> None:
        configuration = client.Configuration()
        try:
            config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=target.kubeconfig,
                context=target.context,
                client_configuration=configuration,
            )
        except (config.ConfigException, OSError, TypeError) as exc:
            raise errors.ClusterError(f"cannot load kubeconfig: {_reason(exc)}") from exc
        configuration.retries = 0
        self.api = client.ApiClient(configuration)
        self.custom = client.CustomObjectsApi(self.api)
        self.apps = client.AppsV1Api(self.api)
        self.core = client.CoreV1Api(self.api)
        self.namespace = None if all_namespaces else target.namespace or _context_namespace(target)

    def close(self) -> None:
        self.api.close()  # type: ignore[no-untyped-call]

    @property
    def ns(self) -> str:
        return self.namespace or "default"

    def get_rollout(self, name: str) -> dict[str, Any]:
        try:
            return _request(
                lambda: self.custom.get_namespaced_custom_object(
                    refs.GROUP, refs.VERSION, self.ns, "rollouts", name, **_raw()
                )
            )
        except errors.NotFound as exc:
            raise errors.NotFound(f'rollout "{name}" not found in namespace "{self.ns}"') from exc

    def list_rollouts(self) -> list[dict[str, Any]]:
        if self.namespace is None:
            found = _request(
                lambda: self.custom.list_cluster_custom_object(
                    refs.GROUP, refs.VERSION, "rollouts", **_raw()
                )
            )
        else:
            found = self._list_custom("rollouts")
        return list(found.get("items") or ())

    def _list_custom(self, plural: str) -> dict[str, Any]:
        return _request(
            lambda: self.custom.list_namespaced_custom_object(
                refs.GROUP, refs.VERSION, self.ns, plural, **_raw()
            )
        )

    def list_owned(self) -> tuple[list[Any], list[Any], list[Any]]:
        """ReplicaSets, pods and AnalysisRuns of the namespace (the read model filters)."""
        rs = _request(lambda: self.apps.list_namespaced_replica_set(self.ns, **_raw()))
        pods = _request(lambda: self.core.list_namespaced_pod(self.ns, **_raw()))
        runs = self._list_custom("analysisruns")
        return [list(found.get("items") or ()) for found in (rs, pods, runs)]  # type: ignore[return-value]

    def list_replica_sets(self) -> list[Any]:
        rs = _request(lambda: self.apps.list_namespaced_replica_set(self.ns, **_raw()))
        return list(rs.get("items") or ())

    def patch_spec(self, name: str, patch: Mapping[str, Any]) -> None:
        _request(
            lambda: self.custom.patch_namespaced_custom_object(
                refs.GROUP, refs.VERSION, self.ns, "rollouts", name, kube.raw(patch),
                _content_type=kube.MERGE, **_raw(),
            )
        )  # fmt: skip

    def patch_status(self, name: str, patch: Mapping[str, Any]) -> None:
        """Through the status subresource; a plain patch when the CRD has none (Argo v0.9)."""
        try:
            _request(
                lambda: self.custom.patch_namespaced_custom_object_status(
                    refs.GROUP, refs.VERSION, self.ns, "rollouts", name, kube.raw(patch),
                    _content_type=kube.MERGE, **_raw(),
                )
            )  # fmt: skip
        except errors.NotFound:
            self.patch_spec(name, patch)

    def json_patch(self, name: str, operations: Sequence[Any]) -> None:
        _request(
            lambda: self.custom.patch_namespaced_custom_object(
                refs.GROUP, refs.VERSION, self.ns, "rollouts", name, list(operations),
                _content_type=JSON_PATCH, **_raw(),
            )
        )  # fmt: skip

    def replace(self, name: str, body: Mapping[str, Any]) -> None:
        _request(
            lambda: self.custom.replace_namespaced_custom_object(
                refs.GROUP, refs.VERSION, self.ns, "rollouts", name, kube.raw(body), **_raw()
            )
        )

    def watch_sources(self, name: str) -> list[Callable[..., Any]]:
        """List functions whose watch events mean: redraw (the Rollout, its RSs and pods)."""
        by_name = f"metadata.name={name}"

        def rollout(**kw: Any) -> Any:
            return self.custom.list_namespaced_custom_object(
                refs.GROUP, refs.VERSION, self.ns, "rollouts", field_selector=by_name, **kw
            )

        def replica_sets(**kw: Any) -> Any:
            return self.apps.list_namespaced_replica_set(self.ns, **kw)

        def pods(**kw: Any) -> Any:
            return self.core.list_namespaced_pod(self.ns, **kw)

        def runs(**kw: Any) -> Any:
            return self.custom.list_namespaced_custom_object(
                refs.GROUP, refs.VERSION, self.ns, "analysisruns", **kw
            )

        return [rollout, replica_sets, pods, runs]


def _raw() -> dict[str, Any]:
    return {"_preload_content": False, "_request_timeout": REQUEST_TIMEOUT}


class Events:
    """Watch events from several sources, merged into one queue (one thread per watch)."""

    def __init__(self, sources: Sequence[Callable[..., Any]]) -> None:
        self.queue: queue.Queue[Mapping[str, Any] | BaseException] = queue.Queue()
        self._stopped = threading.Event()
        self._watches = [watch.Watch() for _ in sources]  # type: ignore[no-untyped-call]
        self._threads = [
            threading.Thread(target=self._run, args=(source, w), daemon=True)
            for source, w in zip(sources, self._watches, strict=True)
        ]
        for thread in self._threads:
            thread.start()

    def _run(self, source: Callable[..., Any], w: watch.Watch) -> None:
        while not self._stopped.is_set():
            try:
                for event in w.stream(source, timeout_seconds=WATCH_SECONDS, deserialize=False):  # type: ignore[no-untyped-call]
                    self.queue.put(event)
                    if self._stopped.is_set():
                        return
            except Exception as exc:  # any failure ends this watch; the reader hears of it
                if not self._stopped.is_set():
                    self.queue.put(errors.ClusterError(f"watch failed: {_reason(exc)}"))
                return

    def next(self, timeout: float | None) -> Mapping[str, Any] | None:
        """The next event, or None after `timeout` seconds; a watch failure is raised."""
        try:
            item = self.queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(item, BaseException):
            raise item
        return item

    def drain(self) -> Iterator[Mapping[str, Any]]:
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stopped.set()
        for w in self._watches:
            w.stop()  # type: ignore[no-untyped-call]  # shuts the socket: the read returns
        for thread in self._threads:
            thread.join(timeout=5)
