"""Exec credential plugins (client.authentication.k8s.io/v1 and v1beta1), run as kubectl runs them.

The command runs with its args and env added to ours, and KUBERNETES_EXEC_INFO holding an
ExecCredential whose spec says whether it may prompt (and, with provideClusterInfo, the
cluster). Its stderr is the user's (prompts, hints); its stdout is an ExecCredential whose
status holds a token or a client certificate and key (PEM). The plugin runs once per
command: an expirationTimestamp is not watched, so a long --watch outlives a short token.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Mapping
from typing import Any

from rollouts.cli import kubeconfig

JSON = dict[str, Any]
VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
EXEC_EXTENSION = "client.authentication.k8s.io/exec"
ConfigError = kubeconfig.ConfigError


def run(
    spec: JSON, cluster: JSON, environ: Mapping[str, str], terminal: bool
) -> tuple[str, tuple[bytes, bytes] | None]:
    """(token, (certificate PEM, key PEM) or None) from the plugin `spec` (user.exec)."""
    command, version = str(spec.get("command") or ""), str(spec.get("apiVersion") or "")
    if not command:
        raise ConfigError("exec: no command")
    if version not in VERSIONS:
        raise ConfigError(f'exec: apiVersion "{version}" is not supported ({command})')
    interactive = compute_interactive(str(spec.get("interactiveMode") or ""), terminal)
    info = build_exec_info(
        version, interactive, cluster if spec.get("provideClusterInfo") else None
    )
    env = {**environ, **build_env(spec), "KUBERNETES_EXEC_INFO": json.dumps(info)}
    stdout = _run([command, *(str(a) for a in spec.get("args") or ())], env, interactive, spec)
    return read_credential(stdout, version, command)


def compute_interactive(mode: str, terminal: bool) -> bool:
    """Never: no; Always: yes, and stdin must be a terminal; IfAvailable (default): if it is."""
    if mode == "Never":
        return False
    if mode == "Always" and not terminal:
        raise ConfigError("exec: the plugin needs a terminal (interactiveMode: Always)")
    if mode not in ("", "Always", "IfAvailable"):
        raise ConfigError(f'exec: unknown interactiveMode "{mode}"')
    return terminal


def build_env(spec: JSON) -> dict[str, str]:
    found = {}
    for item in spec.get("env") or ():
        if not isinstance(item, dict) or not item.get("name"):
            raise ConfigError("exec: every env entry needs a name and a value")
        found[str(item["name"])] = str(item.get("value") or "")
    return found


def build_exec_info(version: str, interactive: bool, cluster: JSON | None) -> JSON:
    """KUBERNETES_EXEC_INFO: an ExecCredential with the spec kubectl sends."""
    spec: JSON = {"interactive": interactive}
    if cluster is not None:
        spec["cluster"] = build_cluster_info(cluster)
    return {"apiVersion": version, "kind": "ExecCredential", "spec": spec}


def build_cluster_info(cluster: JSON) -> JSON:
    info: JSON = {"server": cluster.get("server")}
    for field in ("tls-server-name", "insecure-skip-tls-verify", "proxy-url"):
        if cluster.get(field):
            info[field] = cluster[field]
    authority = cluster.get("certificate-authority-data")
    if not authority and cluster.get("certificate-authority"):
        authority = base64.b64encode(_read(str(cluster["certificate-authority"]))).decode()
    if authority:
        info["certificate-authority-data"] = authority
    for extension in cluster.get("extensions") or ():
        if isinstance(extension, dict) and extension.get("name") == EXEC_EXTENSION:
            info["config"] = extension.get("extension")
    return info


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from exc


def _run(args: list[str], env: Mapping[str, str], interactive: bool, spec: JSON) -> str:
    import subprocess  # noqa: PLC0415  # only exec users need it: kept off every command's start

    try:
        done = subprocess.run(
            args, env=dict(env), stdout=subprocess.PIPE, check=False,
            stdin=None if interactive else subprocess.DEVNULL,
        )  # fmt: skip
    except FileNotFoundError as exc:
        hint = str(spec.get("installHint") or "").strip()
        raise ConfigError(
            f"exec: executable {args[0]} not found"
            + (f" ({' '.join(hint.split())})" if hint else "")
        ) from exc
    except OSError as exc:
        raise ConfigError(f"exec: {args[0]}: {exc.strerror or exc}") from exc
    if done.returncode != 0:
        raise ConfigError(f"exec: executable {args[0]} failed with exit code {done.returncode}")
    try:
        return done.stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"exec: {args[0]} wrote output that is not UTF-8") from exc


def read_credential(
    stdout: str, version: str, command: str
) -> tuple[str, tuple[bytes, bytes] | None]:
    """The token and client certificate of the plugin's ExecCredential."""
    try:
        credential = json.loads(stdout)
    except ValueError as exc:
        raise ConfigError(f"exec: {command} did not print an ExecCredential: {exc}") from exc
    if not isinstance(credential, dict) or credential.get("kind") != "ExecCredential":
        raise ConfigError(f"exec: {command} did not print an ExecCredential")
    if credential.get("apiVersion") != version:
        raise ConfigError(f"exec: {command} answered {credential.get('apiVersion')}, not {version}")
    status = credential.get("status")
    status = status if isinstance(status, dict) else {}
    token = str(status.get("token") or "")
    cert, key = status.get("clientCertificateData"), status.get("clientKeyData")
    if cert and key:
        return token, (str(cert).encode(), str(key).encode())
    if not token:
        raise ConfigError(f"exec: {command} returned neither a token nor a client certificate")
    return token, None


def stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()
