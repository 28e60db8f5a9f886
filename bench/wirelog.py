"""The controller's requests as `bench/wireproxy.py` recorded them: read, sorted and named.

`WireProxy` runs the proxy in its own process and writes a kubeconfig that points at it;
`RequestLog` reads its lines as they come. A write is a POST, PUT, PATCH or DELETE; Events and
Leases are counted apart (`write_kind` names them "Event ..." and "Lease ..."), and every other
write is named by what it does ("Rollout status PATCH", "RS create", "Service PATCH
spec.selector", ...), for the per-kind breakdown.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import pathlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any, Self

import yaml

from bench import common
from rollouts.devcluster.prometheus import free_port

ROOT = pathlib.Path(__file__).resolve().parents[1]
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
APART = frozenset({"events", "leases"})  # writes counted apart from the controller's own work
KINDS = {
    "rollouts": "Rollout",
    "replicasets": "RS",
    "services": "Service",
    "ingresses": "Ingress",
    "analysisruns": "AnalysisRun",
    "experiments": "Experiment",
    "events": "Event",
    "leases": "Lease",
    "pods": "Pod",
}
VERBS = {"POST": "create", "DELETE": "delete"}
# metadata a write names only to say which object it means, or as a precondition
IDENTITY_FIELDS = frozenset(
    {"metadata.name", "metadata.namespace", "metadata.resourceVersion", "metadata.uid"}
)
FLUSH_WAIT_SECONDS = 0.05  # a little over the proxy's flush period


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    time_ns: int  # when the proxy read its head (time.monotonic_ns(), system-wide)
    answer_ms: float  # until the answer's head came back through the proxy
    method: str
    path: str
    query: str
    status: int
    namespace: str
    resource: str
    name: str
    subresource: str
    fields: tuple[str, ...]
    agent: str

    @property
    def is_write(self) -> bool:
        return self.method in WRITES

    @property
    def counted(self) -> bool:
        """A write of the controller's own work: neither an Event nor a Lease."""
        return self.method in WRITES and self.resource not in APART

    @property
    def is_watch(self) -> bool:
        return "watch=true" in self.query or "watch=1" in self.query


def parse(line: str) -> Request:
    raw: dict[str, Any] = json.loads(line)
    return Request(
        time_ns=raw["time_ns"],
        answer_ms=raw.get("answer_ms", 0.0),
        method=raw["method"],
        path=raw["path"],
        query=raw.get("query", ""),
        status=raw.get("status", 0),
        namespace=raw.get("namespace", ""),
        resource=raw.get("resource", ""),
        name=raw.get("name", ""),
        subresource=raw.get("subresource", ""),
        fields=tuple(raw.get("fields") or ()),
        agent=raw.get("agent", ""),
    )


def write_kind(request: Request) -> str:
    """What a write does, in a few words: "Rollout status PATCH", "RS PATCH spec.replicas"."""
    kind = KINDS.get(request.resource, request.resource)
    verb = VERBS.get(request.method, request.method)
    if request.subresource:
        return f"{kind} {request.subresource} {verb}"
    if request.method in ("POST", "DELETE") or request.resource in APART:
        return f"{kind} {verb}"
    fields = sorted({_coarse(f) for f in request.fields} - IDENTITY_FIELDS)
    return f"{kind} {verb} {'+'.join(fields) or '(empty)'}"


def _coarse(field: str) -> str:
    """metadata.annotations[rollout.argoproj.io/revision] → metadata.annotations[revision]."""
    if "[" not in field:
        return field
    head, key = field[:-1].split("[", 1)
    return f"{head}[{key.rsplit('/', 1)[-1]}]"


class RequestLog:
    """The proxy's lines, read as they come; writes indexed by namespace."""

    def __init__(self, path: pathlib.Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self._writes: dict[str, list[Request]] = collections.defaultdict(list)

    def refresh(self) -> None:
        with self._lock:
            with self.path.open("rb") as f:
                f.seek(self._offset)
                data = f.read()
            self._offset += len(data)
            data = self._partial + data
            complete, _, self._partial = data.rpartition(b"\n")
            for line in complete.decode().splitlines() if complete else ():
                request = parse(line)
                self.requests.append(request)
                if request.is_write:
                    self._writes[request.namespace].append(request)

    def settled(self) -> None:
        """Read every line the proxy has recorded so far (it flushes every 10 ms)."""
        time.sleep(FLUSH_WAIT_SECONDS)
        self.refresh()

    def writes(self, namespace: str, after_ns: int, before_ns: int | None = None) -> list[Request]:
        """Writes addressed to `namespace` that arrived in [after_ns, before_ns), in order."""
        with self._lock:
            found = [
                r
                for r in self._writes.get(namespace, ())
                if r.time_ns >= after_ns and (before_ns is None or r.time_ns < before_ns)
            ]
        return sorted(found, key=lambda r: r.time_ns)

    def between(self, after_ns: int, before_ns: int | None = None) -> list[Request]:
        """Every request that arrived in [after_ns, before_ns)."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.time_ns >= after_ns and (before_ns is None or r.time_ns < before_ns)
            ]

    def last_write_ns(self, *, events: bool) -> int:
        """When the newest write (Leases never, Events if `events`) arrived; 0 if none."""
        with self._lock:
            return max(
                (
                    r.time_ns
                    for r in self.requests
                    if r.is_write and r.resource != "leases" and (events or r.resource != "events")
                ),
                default=0,
            )

    def wait_idle(self, idle_s: float, timeout: float, *, events: bool = False) -> float:
        """Wait until no write (Leases aside; Events only if `events`) came for `idle_s`.

        Returns how long it waited; a timeout is not an error: the writes are counted anyway.
        """
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            self.refresh()
            last = self.last_write_ns(events=events)
            if time.monotonic_ns() - last >= idle_s * 1e9:
                break
            time.sleep(0.1)
        return time.monotonic() - started


def by_kind(writes: Iterable[Request]) -> collections.Counter[str]:
    return collections.Counter(write_kind(w) for w in writes)


class WireProxy:
    """bench/wireproxy.py in its own process, and a kubeconfig that sends a client through it."""

    def __init__(self, upstream: str, kubeconfig: pathlib.Path, workdir: pathlib.Path) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.address = f"http://{common.LOCALHOST}:{self.port}"
        self.out = workdir / "requests.jsonl"
        self.stdout = workdir / "wireproxy.log"
        self.kubeconfig = workdir / "kubeconfig-via-proxy"
        config = yaml.safe_load(kubeconfig.read_text())
        for cluster in config["clusters"]:
            cluster["cluster"]["server"] = self.address
        self.kubeconfig.write_text(yaml.safe_dump(config))
        self.process: subprocess.Popen[bytes] | None = None
        self.log = RequestLog(self.out)

    def __enter__(self) -> Self:
        self.out.touch()
        command = [
            sys.executable, "-m", "bench.wireproxy",
            "--upstream", self.upstream, "--port", str(self.port), "--out", str(self.out),
        ]  # fmt: skip
        with self.stdout.open("ab") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection((common.LOCALHOST, self.port), timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError(f"wireproxy did not start; see {self.stdout}") from None
                time.sleep(0.05)

    def __exit__(self, *_: object) -> None:
        common.end(self.process)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid
