"""From a kubeconfig's cluster and user to connection settings: TLS, and who we are.

Cluster: server (https or http), certificate-authority(-data), insecure-skip-tls-verify and
tls-server-name. proxy-url (and $HTTPS_PROXY) are not supported: the plugin connects
directly. User, in client-go's order: a token (token, tokenFile, the id-token of the legacy
oidc auth-provider) or username/password, and a client certificate; only when the user has
none of those, an exec credential plugin (client.authentication.k8s.io/v1 or v1beta1) gives
a token or a client certificate. Every failure is a kubeconfig.ConfigError.
"""

from __future__ import annotations

import base64
import binascii
import os
import ssl
import urllib.parse
from collections.abc import Mapping
from typing import Any

from rollouts.cli import exec_plugin, kubeconfig, transport

JSON = dict[str, Any]
Certificate = tuple[str | bytes, str | bytes]  # (certificate, key): file paths or PEM data
ConfigError = kubeconfig.ConfigError


def build_settings(
    selection: kubeconfig.Selection, environ: Mapping[str, str], *, interactive: bool = False
) -> transport.Settings:
    """Connection settings for the selected cluster and user (runs an exec plugin if any)."""
    cluster = selection.cluster
    scheme, host, port, prefix = parse_server(cluster.get("server"))
    authorization, certificate = build_identity(selection.user, cluster, environ, interactive)
    return transport.Settings(
        host=host,
        port=port,
        prefix=prefix,
        ssl_context=build_ssl_context(cluster, certificate) if scheme == "https" else None,
        server_hostname=str(cluster.get("tls-server-name") or "") or None,
        authorization=authorization,
    )


def parse_server(server: Any) -> tuple[str, str, int, str]:
    """(scheme, host, port, path prefix) of the cluster's server URL."""
    url = urllib.parse.urlsplit(str(server or ""))
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ConfigError(f"cluster server {server!r} is not an http(s) URL")
    try:
        port = url.port or (443 if url.scheme == "https" else 80)
    except ValueError as exc:
        raise ConfigError(f"cluster server {server!r}: {exc}") from exc
    return url.scheme, url.hostname, port, url.path.rstrip("/")


def build_identity(
    user: JSON, cluster: JSON, environ: Mapping[str, str], interactive: bool
) -> tuple[str | None, Certificate | None]:
    """(Authorization header, client certificate); the exec plugin only when neither is set."""
    authorization = build_authorization(user)
    certificate = _client_certificate(user)
    if authorization is None and certificate is None and user.get("exec"):
        spec = _mapping(user["exec"], "exec")
        token, certificate = exec_plugin.run(spec, cluster, environ, interactive)
        authorization = f"Bearer {token}" if token else None
    if authorization is not None and not (authorization.isascii() and authorization.isprintable()):
        raise ConfigError("the token holds characters a header cannot carry")
    return authorization, certificate


def _mapping(value: Any, field: str) -> JSON:
    if not isinstance(value, dict):
        raise ConfigError(f"{field}: expected a mapping")
    return value


def build_authorization(user: JSON) -> str | None:
    """The Authorization header of a token or username/password, or None."""
    token = _token(user)
    if token:
        return f"Bearer {token}"
    if user.get("username") or user.get("password"):
        pair = f"{user.get('username') or ''}:{user.get('password') or ''}"
        return "Basic " + base64.b64encode(pair.encode()).decode()
    return None


def _token(user: JSON) -> str:
    """tokenFile (read now), else token, else the legacy oidc auth-provider's id-token."""
    if user.get("tokenFile"):
        path = str(user["tokenFile"])
        try:
            with open(path, encoding="utf-8") as f:
                return f.read().strip()
        except OSError as exc:
            raise ConfigError(f"tokenFile {path}: {exc.strerror or exc}") from exc
    if user.get("token"):
        return str(user["token"])
    provider = _mapping(user.get("auth-provider") or {}, "auth-provider")
    if provider:
        config = _mapping(provider.get("config") or {}, "auth-provider config")
        if not config.get("id-token"):
            name = provider.get("name")
            raise ConfigError(
                f'auth-provider "{name}" without an id-token is not supported; '
                "use an exec credential plugin"
            )
        return str(config["id-token"])
    return ""


def _client_certificate(user: JSON) -> Certificate | None:
    """(certificate, key) as file paths (str) or PEM (bytes), or None."""
    cert = _pem_or_path(user, "client-certificate")
    key = _pem_or_path(user, "client-key")
    if (cert is None) != (key is None):
        raise ConfigError("client-certificate and client-key must be given together")
    return None if cert is None or key is None else (cert, key)


def _pem_or_path(entry: JSON, field: str) -> str | bytes | None:
    """`<field>-data` (base64 PEM, which wins, as in kubectl) or `<field>` (a path)."""
    data = entry.get(f"{field}-data")
    if data:
        try:
            return base64.b64decode(str(data), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ConfigError(f"{field}-data is not base64: {exc}") from exc
    path = entry.get(field)
    return str(path) if path else None


def build_ssl_context(cluster: JSON, certificate: Certificate | None) -> ssl.SSLContext:
    """Verify against the kubeconfig's CA (or the system's), unless insecure-skip-tls-verify."""
    authority = _pem_or_path(cluster, "certificate-authority")
    try:
        if isinstance(authority, bytes):
            context = ssl.create_default_context(cadata=_ascii(authority, "certificate-authority"))
        else:
            context = ssl.create_default_context(cafile=authority)
        # as kubectl (Go) checks: Python 3.13's strict X.509 rules refuse some cluster CAs
        context.verify_flags &= ~ssl.VERIFY_X509_STRICT
        if cluster.get("insecure-skip-tls-verify") is True:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if certificate is not None:
            _load_certificate(context, *certificate)
    except ssl.SSLError as exc:
        raise ConfigError(f"TLS: {transport.describe_ssl(exc)}") from exc
    except OSError as exc:
        raise ConfigError(f"{exc.filename or 'TLS'}: {exc.strerror or exc}") from exc
    return context


def _ascii(data: bytes, field: str) -> str:
    try:
        return data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{field}-data is not PEM") from exc


def _load_certificate(context: ssl.SSLContext, cert: str | bytes, key: str | bytes) -> None:
    """ssl reads certificates from files only: PEM data goes through a private temp file."""
    if isinstance(cert, str) and isinstance(key, str):
        context.load_cert_chain(cert, key)
        return
    import tempfile  # noqa: PLC0415  # only for certificate data, off the common import path

    pem = b"\n".join(_read_pem(part) for part in (cert, key))
    descriptor, path = tempfile.mkstemp(prefix="kubectl-rollouts-", suffix=".pem")  # 0600
    try:
        with os.fdopen(descriptor, "wb") as f:
            f.write(pem)
        context.load_cert_chain(path)
    finally:
        os.unlink(path)


def _read_pem(part: str | bytes) -> bytes:
    if isinstance(part, bytes):
        return part
    with open(part, "rb") as f:
        return f.read()
