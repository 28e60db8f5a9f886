"""A scripted API server for the plugin's HTTP tests: stdlib http.server, HTTP/1.1, optional TLS.

`answer(request)` decides each response: (status, JSON body) or a Stream of watch events.
Every request is recorded with the connection it came on and, under TLS, the client
certificate's common name, so tests pin what went over the wire.
"""

from __future__ import annotations

import dataclasses
import http.server
import itertools
import json
import pathlib
import ssl
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

import yaml

JSON = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    connection: int
    client_cn: str | None


@dataclasses.dataclass(frozen=True)
class Stream:
    """A watch answer: these events, then the end of the stream (or, with hold, none)."""

    events: list[JSON]
    hold: bool = False


Answer = tuple[int, Any] | Stream


class FakeAPI:
    """Serves on 127.0.0.1 (a free port) in a thread while in a `with` block."""

    def __init__(
        self,
        answer: Callable[[Request], Answer],
        ssl_context: ssl.SSLContext | None = None,
        *,
        hang_up: bool = False,
    ) -> None:
        self.answer = answer
        self.hang_up = hang_up  # close each connection after one answer, without saying so
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if ssl_context is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self._connections = itertools.count(1)

    def __enter__(self) -> FakeAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def next_connection(self) -> int:
        return next(self._connections)


def _handler(api: FakeAPI) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            self.connection_id = api.next_connection()

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            request = Request(
                method=self.command,
                path=url.path,
                query=dict(urllib.parse.parse_qsl(url.query)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=json.loads(raw) if raw else None,
                connection=self.connection_id,
                client_cn=_client_cn(self.connection),
            )
            api.requests.append(request)
            answer = api.answer(request)
            if isinstance(answer, Stream):
                self._stream(answer)
            else:
                self._send(*answer)

        def _send(self, status: int, body: Any) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = api.hang_up

        def _stream(self, stream: Stream) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for event in stream.events:
                line = json.dumps(event).encode() + b"\n"
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
            if stream.hold:
                api.stopping.wait(10)
            self.wfile.write(b"0\r\n\r\n")

        do_GET = do_PATCH = do_PUT = do_POST = _handle  # noqa: N815

    return Handler


def _client_cn(connection: Any) -> str | None:
    if not isinstance(connection, ssl.SSLSocket):
        return None
    cert = connection.getpeercert() or {}
    subject: Any = cert.get("subject", ())  # ((("commonName", "alice"),),)
    names = [value for rdn in subject for key, value in rdn if key == "commonName"]
    return str(names[0]) if names else None


def status(code: int, message: str) -> JSON:
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
            "message": message}  # fmt: skip


def write_kubeconfig(
    path: pathlib.Path,
    server: str,
    cluster: Mapping[str, Any] | None = None,
    user: Mapping[str, Any] | None = None,
    namespace: str | None = None,
) -> pathlib.Path:
    """One context `test` on cluster `test` as user `test`."""
    context: JSON = {"cluster": "test", "user": "test"}
    if namespace:
        context["namespace"] = namespace
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "test",
        "clusters": [{"name": "test", "cluster": {"server": server, **(cluster or {})}}],
        "contexts": [{"name": "test", "context": context}],
        "users": [{"name": "test", "user": dict(user or {})}],
    }
    path.write_text(yaml.safe_dump(document))
    return path
