"""A real Prometheus for the demo, tests and benchmarks, scraping a target whose values we set.

`MetricsTarget` serves /metrics in the text exposition format; `PrometheusServer` runs the
machine's Prometheus binary against it, scraping every second, and `wait_for_sample` polls the
HTTP API until a scrape shows what the test set, so no test sleeps for a guessed duration.
`FlakyProxy` stands in front of Prometheus and fails chosen requests, as a load balancer does
during a blip.
"""

from __future__ import annotations

import contextlib
import http.server
import math
import pathlib
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Self

import requests

PROMETHEUS_BINARY: Final = shutil.which("prometheus") or "/usr/bin/prometheus"
LOCALHOST: Final = "127.0.0.1"
_POLL_EVERY: Final = 0.05

# (status, content type, body) for a request path; what a _BackgroundServer serves.
Handler = Callable[[str, Mapping[str, str]], tuple[int, str, bytes]]


class PrometheusNotInstalledError(RuntimeError):
    """The binary is missing; tests fail rather than skip, since CI installs it."""


def free_port() -> int:
    """A port nothing listens on right now (also a handy closed port for failure tests)."""
    with socket.socket() as probe:
        probe.bind((LOCALHOST, 0))
        return int(probe.getsockname()[1])


def poll(check: Callable[[], Any], *, timeout: float, message: str) -> Any:
    """Calls `check` until it returns something truthy; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(_POLL_EVERY)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}; last: {last!r}")


# --------------------------------------------------------------------------------------------
# Small HTTP servers on 127.0.0.1:0


class _BackgroundServer:
    """http.server in a daemon thread, answering GETs with `handle(path, headers)`."""

    def __init__(self, handle: Handler, port: int = 0) -> None:
        class _Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Prometheus itself offers
            # headers and body are two writes: with Nagle's algorithm on a kept-alive
            # connection the body waits for the client's delayed ACK (40 ms). Go's servers,
            # Prometheus among them, set TCP_NODELAY too.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                status, content_type, body = handle(self.path, dict(self.headers.items()))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        class _Server(http.server.ThreadingHTTPServer):
            def process_request(self, request: Any, client_address: Any) -> None:
                with outer._lock:
                    outer.connections += 1
                    outer._open.add(request)
                super().process_request(request, client_address)

            def shutdown_request(self, request: Any) -> None:
                with outer._lock:
                    outer._open.discard(request)
                super().shutdown_request(request)

        outer = self
        self.connections = 0  # TCP connections accepted
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server = _Server((LOCALHOST, port), _Handler)
        # A short poll interval: shutdown() waits for serve_forever to notice (0.5 s by default).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def address(self) -> str:
        return f"{LOCALHOST}:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._lock:  # kept-alive connections too: a stopped server answers nobody
            for request in self._open:
                with contextlib.suppress(OSError):
                    request.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)


class MetricsTarget:
    """A scrape target: `set` a series, `clear` a metric; /metrics shows the current values."""

    def __init__(self) -> None:
        self._series: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        self._lock = threading.Lock()
        self._server = _BackgroundServer(self._serve)

    @property
    def address(self) -> str:
        """`host:port`, as a scrape config's `targets` wants it."""
        return self._server.address

    def set(self, name: str, value: float, labels: Mapping[str, str] | None = None) -> None:
        with self._lock:
            self._series[(name, tuple(sorted((labels or {}).items())))] = value

    def clear(self, name: str) -> None:
        """Stop exposing every series of `name`; Prometheus then marks them stale (no data)."""
        with self._lock:
            for key in [key for key in self._series if key[0] == name]:
                del self._series[key]

    def render(self) -> str:
        """The text exposition format, one line per series, grouped by metric name."""
        with self._lock:
            lines = [_sample_line(name, labels, v) for (name, labels), v in self._series.items()]
        return "".join(sorted(lines))

    def _serve(self, path: str, _: Mapping[str, str]) -> tuple[int, str, bytes]:
        if path.split("?", 1)[0] != "/metrics":
            return 404, "text/plain", b"not found\n"
        return 200, "text/plain; version=0.0.4", self.render().encode()

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _sample_line(name: str, labels: Iterable[tuple[str, str]], value: float) -> str:
    pairs = ",".join(f'{key}="{_escape(label)}"' for key, label in labels)
    series = f"{name}{{{pairs}}}" if pairs else name
    return f"{series} {_format_value(value)}\n"


def _escape(label: str) -> str:
    return label.replace("\\", r"\\").replace('"', r"\"").replace("\n", r"\n")


def _format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


class FlakyProxy:
    """Forwards GETs to Prometheus, but answers the first requests with the given statuses."""

    def __init__(self, upstream: str, failures: Sequence[int] = (), port: int = 0) -> None:
        self.upstream = upstream.rstrip("/")
        self.requests = 0
        self.headers: list[Mapping[str, str]] = []
        self._failures = list(failures)
        self._lock = threading.Lock()
        self._server = _BackgroundServer(self._serve, port)

    @property
    def url(self) -> str:
        return f"http://{self._server.address}"

    @property
    def connections(self) -> int:
        return self._server.connections

    def _serve(self, path: str, headers: Mapping[str, str]) -> tuple[int, str, bytes]:
        with self._lock:
            self.requests += 1
            self.headers.append(headers)
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return failure, "text/plain", f"flaky proxy says {failure}\n".encode()
        return _forward(self.upstream + path)

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.stop()


# straight to the upstream: a test may name this very proxy in $HTTP_PROXY
_DIRECT: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _forward(url: str) -> tuple[int, str, bytes]:
    try:
        with _DIRECT.open(url, timeout=10) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as error:  # 4xx and 5xx are answers to relay, not failures
        return error.code, error.headers["Content-Type"], error.read()


# --------------------------------------------------------------------------------------------
# The Prometheus server

_CONFIG: Final = """\
global:
  scrape_interval: {interval}
  scrape_timeout: {interval}
  evaluation_interval: {interval}
scrape_configs:
  - job_name: test
    static_configs:
      - targets: [{targets}]
"""


class PrometheusServer:
    """The machine's Prometheus on a free port, scraping `targets` every `interval`."""

    def __init__(
        self,
        targets: Sequence[str],
        *,
        workdir: pathlib.Path | None = None,
        interval: str = "1s",
        binary: str = PROMETHEUS_BINARY,
    ) -> None:
        self.binary = binary
        self.port = 0
        self._targets = targets
        self._interval = interval
        self._own_workdir = workdir is None
        self.workdir = workdir or pathlib.Path(tempfile.mkdtemp(prefix="prometheus-"))
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}"

    @property
    def log(self) -> str:
        """What Prometheus wrote (warnings and errors only), for failure messages."""
        path = self.workdir / "prometheus.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self, *, timeout: float = 30) -> Self:
        """Starts Prometheus; returns once it is ready and has scraped every target once.

        Prometheus 2.x hands new targets to its scrapers only every 5 s, so the first scrape
        comes a few seconds after `/-/ready`; waiting for it here keeps that out of the tests.
        """
        if not pathlib.Path(self.binary).exists():
            raise PrometheusNotInstalledError(
                f"Prometheus is not installed at {self.binary}: run `apt-get install prometheus`"
                " (CI installs it; these tests need a real Prometheus and do not skip)"
            )
        config = self.workdir / "prometheus.yml"
        targets = ", ".join(f'"{target}"' for target in self._targets)
        config.write_text(_CONFIG.format(interval=self._interval, targets=targets))
        # Another process may take the free port before Prometheus binds it: try a few.
        for _ in range(3):
            self.port = free_port()
            try:
                if self._launch(config, timeout):
                    self._wait_for_targets(timeout)
                    return self
            except BaseException:
                self.stop()  # __exit__ does not run when __enter__ raises
                raise
        raise RuntimeError(f"Prometheus did not start; its log:\n{self.log}")

    def _launch(self, config: pathlib.Path, timeout: float) -> bool:
        with (self.workdir / "prometheus.log").open("wb") as log:
            self._process = subprocess.Popen(
                [
                    self.binary,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={self.workdir / 'data'}",
                    f"--web.listen-address={LOCALHOST}:{self.port}",
                    "--log.level=warn",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = self._process
        poll(
            lambda: process.poll() is not None or self._ready(),
            timeout=timeout,
            message=f"Prometheus to be ready at {self.url}",
        )
        return process.poll() is None

    def _wait_for_targets(self, timeout: float) -> None:
        if self._targets:
            expected = [float(len(self._targets))]
            self.wait_for_sample("count(up == 1)", lambda v: v == expected, timeout=timeout)

    def _ready(self) -> bool:
        try:
            return requests.get(f"{self.url}/-/ready", timeout=1).ok
        except requests.ConnectionError:
            return False

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def values(self, query: str) -> list[float]:
        """The query's values now: one per series of a vector, or a scalar as `[value]`."""
        answer = requests.get(f"{self.url}/api/v1/query", params={"query": query}, timeout=5)
        body = answer.json()
        if body.get("status") != "success":
            raise AssertionError(f"query {query!r} failed: {body}")
        data = body["data"]
        if data["resultType"] == "scalar":
            return [float(data["result"][1])]
        if data["resultType"] == "vector":
            return [float(series["value"][1]) for series in data["result"]]
        raise AssertionError(f"query {query!r} gave a {data['resultType']}, not numbers")

    def wait_for_sample(
        self,
        query: str,
        predicate: Callable[[list[float]], bool] = bool,
        *,
        timeout: float = 15,
    ) -> list[float]:
        """Polls `query` until its values satisfy `predicate` (by default: any data at all)."""
        last: list[float] = []

        def satisfied() -> bool:
            nonlocal last
            last = self.values(query)
            return predicate(last)

        poll(satisfied, timeout=timeout, message=f"{query!r} to satisfy the predicate")
        return last
