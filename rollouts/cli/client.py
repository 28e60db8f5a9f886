"""The plugin's cluster access: kubeconfig, context and namespace, reads, patches and watches.

A small HTTP client of its own (kubeconfig, credentials, transport, watches), not the
generated `kubernetes` package, whose import alone takes longer than a command may. Every
failure becomes an errors.RolloutsError with one line for the user: 404 NotFound, an
unreachable server, a bad kubeconfig. Answers are raw JSON (dicts), as the read model wants.
"""

from __future__ import annotations

import dataclasses
import os
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from rollouts import errors
from rollouts.cli import credentials, exec_plugin, kubeconfig, transport, watches
from rollouts.model import refs

JSON = dict[str, Any]
ARGO = f"/apis/{refs.GROUP}/{refs.VERSION}"
APPS = "/apis/apps/v1"
CORE = "/api/v1"
# what a Rollout's tree is made of besides the Rollout: ReplicaSets, pods, AnalysisRuns
OWNED = ((APPS, "replicasets"), (CORE, "pods"), (ARGO, "analysisruns"))
# what a spec.workloadRef may name, as Argo's `undo` patches it (`set image`: Deployments only)
WORKLOADS = {
    "Deployment": (APPS, "deployments"),
    "ReplicaSet": (APPS, "replicasets"),
    "PodTemplate": (CORE, "podtemplates"),
}


@dataclasses.dataclass(frozen=True)
class Target:
    """Where commands go: --kubeconfig, --context, -n (or the context's namespace)."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None


def load_settings(target: Target) -> tuple[transport.Settings, str]:
    """The connection settings and namespace of the target (may run an exec plugin)."""
    try:
        selection = kubeconfig.load(target.kubeconfig, target.context, target.namespace, os.environ)
        settings = credentials.build_settings(
            selection, os.environ, interactive=exec_plugin.stdin_is_terminal()
        )
    except kubeconfig.ConfigError as exc:
        raise errors.ClusterError(f"cannot load kubeconfig: {exc}") from exc
    return settings, selection.namespace


def build_path(api: str, plural: str, namespace: str | None, *rest: str) -> str:
    """`/apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>[/<subresource>]]`."""
    parts = [*(("namespaces", namespace) if namespace else ()), plural, *rest]
    return "/".join([api, *(urllib.parse.quote(p, safe="") for p in parts)])


def _by_name(name: str | None) -> dict[str, str]:
    return {"fieldSelector": f"metadata.name={name}"} if name else {}


class Client:
    """One cluster, one namespace (None with -A), one kept-alive connection."""

    def __init__(self, target: Target, *, all_namespaces: bool = False) -> None:
        self.settings, namespace = load_settings(target)
        self.http = transport.Transport(self.settings)
        self.namespace = None if all_namespaces else namespace

    def close(self) -> None:
        self.http.close()

    @property
    def ns(self) -> str:
        return self.namespace or "default"

    def _rollout(self, name: str, *subresource: str) -> str:
        return build_path(ARGO, "rollouts", self.ns, name, *subresource)

    def _items(
        self, api: str, plural: str, namespace: str | None, params: Mapping[str, str] | None = None
    ) -> list[Any]:
        found = self.http.request("GET", build_path(api, plural, namespace), params)
        return list(found.get("items") or ())

    def get_rollout(self, name: str) -> JSON:
        try:
            return self.http.request("GET", self._rollout(name))
        except errors.NotFound as exc:
            raise errors.NotFound(f'rollout "{name}" not found in namespace "{self.ns}"') from exc

    def list_rollouts(self, name: str | None = None) -> list[JSON]:
        """The namespace's Rollouts (every namespace's with -A), or the one of that name."""
        return self._items(ARGO, "rollouts", self.namespace, _by_name(name))

    def rollouts_source(self, name: str | None = None) -> watches.Source:
        """The same Rollouts, to watch (`list rollouts --watch`)."""
        path = build_path(ARGO, "rollouts", self.namespace)
        return watches.Source(self.settings, path, _by_name(name))

    def list_owned(self) -> tuple[list[Any], list[Any], list[Any]]:
        """ReplicaSets, pods and AnalysisRuns of the namespace (the read model filters)."""
        replica_sets, pods, runs = (self._items(api, plural, self.ns) for api, plural in OWNED)
        return replica_sets, pods, runs

    def list_replica_sets(self) -> list[Any]:
        return self._items(APPS, "replicasets", self.ns)

    def patch_spec(self, name: str, patch: Mapping[str, Any]) -> None:
        self.http.request("PATCH", self._rollout(name), None, dict(patch), transport.MERGE_PATCH)

    def patch_status(self, name: str, patch: Mapping[str, Any]) -> None:
        """Through the status subresource; a plain patch when the CRD has none (Argo v0.9)."""
        try:
            path = self._rollout(name, "status")
            self.http.request("PATCH", path, None, dict(patch), transport.MERGE_PATCH)
        except errors.NotFound:
            self.patch_spec(name, patch)

    def json_patch(self, name: str, operations: Sequence[Any]) -> None:
        self.http.request(
            "PATCH", self._rollout(name), None, list(operations), transport.JSON_PATCH
        )

    def replace(self, name: str, body: Mapping[str, Any]) -> None:
        self.http.request("PUT", self._rollout(name), None, dict(body))

    def _workload(self, kind: str, name: str) -> str:
        if kind not in WORKLOADS:
            raise errors.RolloutsError(f"workload of type {kind} is not supported")
        return build_path(*WORKLOADS[kind], self.ns, name)

    def get_workload(self, kind: str, name: str) -> JSON:
        """The object a spec.workloadRef names (NotFound: the server's `deployments.apps …`)."""
        return self.http.request("GET", self._workload(kind, name))

    def replace_workload(self, kind: str, name: str, body: Mapping[str, Any]) -> None:
        self.http.request("PUT", self._workload(kind, name), None, dict(body))

    def json_patch_workload(self, kind: str, name: str, operations: Sequence[Any]) -> None:
        path = self._workload(kind, name)
        self.http.request("PATCH", path, None, list(operations), transport.JSON_PATCH)

    def watch_sources(self, name: str) -> list[watches.Source]:
        """What to watch for a redraw: the Rollout, then its namespace's RSs, pods and runs."""
        return [
            watches.Source(
                self.settings,
                build_path(ARGO, "rollouts", self.ns),
                {"fieldSelector": f"metadata.name={name}"},
            ),
            *(
                watches.Source(self.settings, build_path(api, plural, self.ns))
                for api, plural in OWNED
            ),
        ]
