"""Which cluster and user, as kubectl picks them: kubeconfig files, merged, then one context.

--kubeconfig PATH, else $KUBECONFIG (a list; files that do not exist are skipped), else
~/.kube/config. Several files merge as kubectl merges them: the first file to set a cluster,
context or user of a name wins, and so does the first current-context. Relative file paths
in a file (certificates, keys, tokenFile, an exec command with a slash) are relative to that
file. With no kubeconfig at all inside a pod, the service account (in-cluster config).

This module only finds and reads; rollouts.cli.credentials turns the chosen cluster and user
into a connection. Every failure is a ConfigError whose message is the reason.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

JSON = dict[str, Any]
SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
SECTIONS = {"clusters": "cluster", "contexts": "context", "users": "user"}
# fields holding a file path, per section, resolved against the kubeconfig's directory
PATH_FIELDS = {
    "clusters": ("certificate-authority",),
    "users": ("client-certificate", "client-key", "tokenFile"),
}


class ConfigError(Exception):
    """A kubeconfig that cannot be used; the message is the reason, for one line."""


@dataclasses.dataclass(frozen=True)
class Merged:
    """Named entries of all files (the first file's wins) and the current context."""

    clusters: Mapping[str, JSON]
    contexts: Mapping[str, JSON]
    users: Mapping[str, JSON]
    current_context: str = ""


@dataclasses.dataclass(frozen=True)
class Selection:
    """The cluster and user entries to use (paths absolute) and the namespace."""

    cluster: JSON
    user: JSON
    namespace: str
    context: str = ""


def load(
    path: str | None,
    context: str | None,
    namespace: str | None,
    environ: Mapping[str, str],
    service_account: str = SERVICE_ACCOUNT,
) -> Selection:
    """Read the kubeconfig (or the service account) and pick the context (I/O)."""
    files = find_files(path, environ)
    documents = [read_document(f) for f in files if path or os.path.isfile(f)]
    if not any(documents) and not path and in_cluster_possible(environ):
        return observe_in_cluster(environ, namespace, service_account)
    if not any(documents):
        listed = ", ".join(files)
        raise ConfigError(f"no kubeconfig found ({listed}) and not running in a cluster")
    return select(merge(documents), context, namespace)


def find_files(path: str | None, environ: Mapping[str, str]) -> list[str]:
    """The files to read, in merge order (which may not exist, but for an explicit one)."""
    if path:
        return [path]
    listed = [p for p in environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    if listed:
        return list(dict.fromkeys(listed))
    home = environ.get("HOME") or os.path.expanduser("~")
    return [os.path.join(home, ".kube", "config")]


def read_document(path: str) -> JSON:
    """One kubeconfig file, its relative paths made absolute."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise ConfigError(f"{exc.filename or path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text") from exc
    document = parse_document(text, path)
    return resolve_paths(document, os.path.dirname(os.path.abspath(path)))


def parse_document(text: str, source: str) -> JSON:
    """JSON or YAML text as a mapping (an empty file is an empty one)."""
    if not text.strip():
        return {}
    try:
        found = json.loads(text) if text.lstrip().startswith("{") else _load_yaml(text, source)
    except ValueError as exc:
        raise ConfigError(f"{source}: invalid JSON: {exc}") from exc
    if found is None:
        return {}
    if not isinstance(found, dict):
        raise ConfigError(f"{source}: not a kubeconfig (expected a mapping)")
    return found


def _load_yaml(text: str, source: str) -> Any:
    """PyYAML, imported only here (most kubeconfigs are YAML), with libyaml when present."""
    import yaml  # noqa: PLC0415  # kept off the import path of commands that need no YAML

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # a safe loader (C or Python)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {_yaml_problem(exc)}") from exc


def _yaml_problem(exc: Exception) -> str:
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def resolve_paths(document: JSON, base: str) -> JSON:
    """The document with each relative file path joined to `base` (as kubectl does)."""
    resolved = dict(document)
    for section, inner in SECTIONS.items():
        resolved[section] = [
            {"name": name, inner: _resolve_entry(section, entry, base)}
            for name, entry in _entries(document, section, inner)
        ]
    return resolved


def _resolve_entry(section: str, entry: JSON, base: str) -> JSON:
    entry = dict(entry)
    for field in PATH_FIELDS.get(section, ()):
        if isinstance(entry.get(field), str) and entry[field]:
            entry[field] = os.path.join(base, os.path.expanduser(entry[field]))
    plugin = entry.get("exec") if section == "users" else None
    if isinstance(plugin, dict) and _relative_with_slash(plugin.get("command")):
        entry["exec"] = {**plugin, "command": os.path.join(base, plugin["command"])}
    return entry


def _relative_with_slash(command: Any) -> bool:
    """kubectl resolves an exec command only when it is a path, not a name to find on PATH."""
    return isinstance(command, str) and "/" in command and not os.path.isabs(command)


def _entries(document: JSON, section: str, inner: str) -> Iterable[tuple[str, JSON]]:
    """(name, entry) of a `clusters`/`contexts`/`users` list, checking its shape."""
    listed = document.get(section) or []
    if not isinstance(listed, list):
        raise ConfigError(f"{section}: expected a list")
    for item in listed:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ConfigError(f"{section}: every entry needs a name")
        entry = item.get(inner) or {}
        if not isinstance(entry, dict):
            raise ConfigError(f'{section} "{item["name"]}": {inner} must be a mapping')
        yield item["name"], entry


def merge(documents: Sequence[JSON]) -> Merged:
    """Files in order: the first to set a name, or the current context, wins (kubectl's rule)."""
    found: dict[str, dict[str, JSON]] = {section: {} for section in SECTIONS}
    current = ""
    for document in documents:
        for section, inner in SECTIONS.items():
            for name, entry in _entries(document, section, inner):
                found[section].setdefault(name, entry)
        current = current or str(document.get("current-context") or "")
    return Merged(found["clusters"], found["contexts"], found["users"], current)


def select(merged: Merged, context: str | None, namespace: str | None) -> Selection:
    """The context asked for (or the current one), its cluster, user and namespace."""
    name = context or merged.current_context
    if not name:
        raise ConfigError("no current context (set current-context or pass --context)")
    if name not in merged.contexts:
        raise ConfigError(f'context "{name}" not found')
    chosen = merged.contexts[name]
    cluster_name = str(chosen.get("cluster") or "")
    if cluster_name not in merged.clusters:
        raise ConfigError(f'cluster "{cluster_name}" of context "{name}" not found')
    user = merged.users.get(str(chosen.get("user") or ""), {})  # none: anonymous, as kubectl
    return Selection(
        cluster=merged.clusters[cluster_name],
        user=user,
        namespace=namespace or str(chosen.get("namespace") or "default"),
        context=name,
    )


def in_cluster_possible(environ: Mapping[str, str]) -> bool:
    return bool(environ.get("KUBERNETES_SERVICE_HOST") and environ.get("KUBERNETES_SERVICE_PORT"))


def observe_in_cluster(
    environ: Mapping[str, str], namespace: str | None, service_account: str
) -> Selection:
    """The pod's service account: its token, CA and namespace."""
    host, port = environ["KUBERNETES_SERVICE_HOST"], environ["KUBERNETES_SERVICE_PORT"]
    host = f"[{host}]" if ":" in host else host
    cluster = {
        "server": f"https://{host}:{port}",
        "certificate-authority": os.path.join(service_account, "ca.crt"),
    }
    user = {"tokenFile": os.path.join(service_account, "token")}
    try:
        with open(os.path.join(service_account, "namespace"), encoding="utf-8") as f:
            own = f.read().strip()
    except OSError:
        own = ""
    return Selection(cluster, user, namespace or own or "default", context="in-cluster")
