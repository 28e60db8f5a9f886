"""HTTP/1.1 to the API server on one kept-alive connection: JSON in and out, errors mapped.

Statuses become rollouts.errors: 404 NotFound, 409 Conflict, 410 Gone (list again), any other
non-2xx ClusterError("<code> <message of the Status>"); a server that cannot be reached (or
answers what is not JSON) is ClusterError("cannot reach the cluster: <reason>"). A watch is a
stream of newline-delimited JSON events on the same connection; interrupt() shuts its socket
from another thread, so a blocked read returns at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import json
import socket
import ssl
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

from rollouts import __version__, errors

JSON = dict[str, Any]
REQUEST_TIMEOUT = 15.0
USER_AGENT = f"kubectl-rollouts/{__version__}"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
# a kept-alive connection the server closed while idle fails at once: send again, once
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


@dataclasses.dataclass(frozen=True)
class Settings:
    """Where the API server is and how to talk to it (built by rollouts.cli.credentials)."""

    host: str
    port: int
    prefix: str = ""  # a server URL's path, e.g. behind a proxy
    ssl_context: ssl.SSLContext | None = None  # None: plain http
    server_hostname: str | None = None  # tls-server-name: the name the certificate must have
    authorization: str | None = None  # the Authorization header


class Gone(errors.ClusterError):
    """410: the resourceVersion asked for is too old; list again."""


class _HTTPSConnection(http.client.HTTPSConnection):
    """HTTPS whose certificate is checked against tls-server-name when one is set."""

    def __init__(self, settings: Settings, timeout: float) -> None:
        super().__init__(
            settings.host, settings.port, timeout=timeout, context=settings.ssl_context
        )
        self.server_hostname = settings.server_hostname or settings.host

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.server_hostname)  # type: ignore[attr-defined]


class Transport:
    """One connection to the API server, reopened when it closes; not for two threads at once."""

    def __init__(self, settings: Settings, timeout: float = REQUEST_TIMEOUT) -> None:
        self.settings = settings
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None
        self._answered = 0  # requests answered on the current connection
        self._lock = threading.Lock()
        self._interrupted = False

    def request(
        self,
        method: str,
        path: str,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> JSON:
        """One request; the answer's JSON object."""
        payload = None if body is None else json.dumps(body).encode()
        headers = self._headers({"Content-Type": content_type} if payload is not None else {})
        url = self._url(path, query)
        reused = self._answered > 0 and self._connection is not None and self._connection.sock
        with _reaching():
            try:
                status, reason, data = self._exchange(method, url, payload, headers)
            except STALE:
                if not reused:
                    raise
                # the server closed the kept-alive connection while it was idle: once more
                status, reason, data = self._exchange(method, url, payload, headers)
        return decode_answer(status, reason, data)

    def stream(self, path: str, query: Mapping[str, str], read_timeout: float) -> Iterator[JSON]:
        """The JSON lines of a watch until the server ends it (or interrupt())."""
        finished = False
        with _reaching():
            connection = self._connect()
            try:
                connection.request("GET", self._url(path, query), headers=self._headers({}))
                connection.sock.settimeout(read_timeout)  # set before the answer may close it
                response = connection.getresponse()
                if response.status != http.client.OK:
                    finished = True  # the error's body is read whole: the connection stays
                    decode_answer(response.status, response.reason, response.read())
                while line := response.readline():
                    if line.strip():
                        yield decode_event(line)
                finished = True
                self._answered += 1
            finally:
                if not finished:  # stopped half-way: the rest would garble the next answer
                    self._drop()
                elif connection.sock is not None:
                    connection.sock.settimeout(self.timeout)

    def interrupt(self) -> None:
        """From another thread: end a blocked read now, and refuse to connect again."""
        with self._lock:
            self._interrupted = True
            sock = self._connection.sock if self._connection is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the raw socket, also under TLS

    def close(self) -> None:
        self._drop()

    def _headers(self, extra: Mapping[str, str]) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **extra}
        if self.settings.authorization:
            headers["Authorization"] = self.settings.authorization
        return headers

    def _url(self, path: str, query: Mapping[str, str] | None) -> str:
        url = self.settings.prefix + path
        return f"{url}?{urllib.parse.urlencode(query)}" if query else url

    def _exchange(
        self, method: str, url: str, payload: bytes | None, headers: Mapping[str, str]
    ) -> tuple[int, str, bytes]:
        connection = self._connect()
        try:
            connection.request(method, url, payload, dict(headers))
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self._drop()
            raise
        self._answered += 1
        return response.status, response.reason, data

    def _connect(self) -> http.client.HTTPConnection:
        """The open connection, or a new one (OSError when the server cannot be reached)."""
        with self._lock:
            if self._interrupted:
                raise errors.ClusterError("cannot reach the cluster: the connection was closed")
            if self._connection is None:
                self._connection = self._new_connection()
            connection = self._connection
        if connection.sock is None:
            self._answered = 0
            try:
                connection.connect()
            except (OSError, http.client.HTTPException):
                self._drop()
                raise
        return connection

    def _new_connection(self) -> http.client.HTTPConnection:
        if self.settings.ssl_context is None:
            return http.client.HTTPConnection(
                self.settings.host, self.settings.port, timeout=self.timeout
            )
        return _HTTPSConnection(self.settings, self.timeout)

    def _drop(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
            self._answered = 0
        if connection is not None:
            connection.close()


@contextlib.contextmanager
def _reaching() -> Iterator[None]:
    """A server that cannot be reached (refused, timed out, TLS, garbled) as one ClusterError."""
    try:
        yield
    except (OSError, http.client.HTTPException) as exc:
        raise errors.ClusterError(f"cannot reach the cluster: {describe(exc)}") from exc


def decode_answer(status: int, reason: str, data: bytes) -> JSON:
    """A 2xx answer's JSON object; anything else as the matching rollouts.errors exception."""
    if 200 <= status < 300:
        try:
            found = json.loads(data) if data.strip() else {}
        except ValueError as exc:
            raise errors.ClusterError(f"cannot reach the cluster: not JSON: {exc}") from exc
        if not isinstance(found, dict):
            raise errors.ClusterError("cannot reach the cluster: the answer is not an object")
        return found
    message = status_message(reason, data)
    if status == http.client.NOT_FOUND:
        raise errors.NotFound(message)
    if status == http.client.CONFLICT:
        raise errors.Conflict(message)
    if status == http.client.GONE:
        raise Gone(f"{status} {message}")
    raise errors.ClusterError(f"{status} {message}")


def status_message(reason: str, data: bytes) -> str:
    """The `message` of a Status body, else the HTTP reason; one line."""
    try:
        found = json.loads(data)
    except ValueError:
        found = None
    message = found.get("message") if isinstance(found, dict) else None
    lines = str(message or reason or "").splitlines()
    return lines[0] if lines else ""


def decode_event(line: bytes) -> JSON:
    try:
        event = json.loads(line)
    except ValueError as exc:
        raise errors.ClusterError(
            f"cannot reach the cluster: a watch event is not JSON: {exc}"
        ) from exc
    if not isinstance(event, dict):
        raise errors.ClusterError("cannot reach the cluster: a watch event is not an object")
    return event


def describe(exc: BaseException) -> str:
    """A failed connection's reason, for one line (no errno, no traceback)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS: {describe_ssl(exc)}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).splitlines()
    return text[0] if text and text[0] else type(exc).__name__


def describe_ssl(exc: ssl.SSLError) -> str:
    """OpenSSL's words without the `(_ssl.c:1000)` of where in Python it was raised."""
    text = str(exc.args[1] if len(exc.args) > 1 else exc.reason or exc)
    return text.split(" (_ssl.c:", maxsplit=1)[0]
