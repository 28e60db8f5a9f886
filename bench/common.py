"""What the benchmarks share: the controller in its own process, and the machine they ran on."""

from __future__ import annotations

import http.client
import json
import math
import os
import pathlib
import platform
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Self, TypeVar

from rollouts.devcluster.prometheus import free_port

LOCALHOST = "127.0.0.1"
JSON = dict[str, Any]
Number = TypeVar("Number", int, float)


def percentile(values: list[Number], fraction: float) -> Number:
    """Nearest-rank percentile: the smallest value that `fraction` of the values are <=."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def latency_summary(latency_ns: list[int]) -> JSON:
    return {
        "count": len(latency_ns),
        "p50_ms": percentile(latency_ns, 0.50) / 1e6,
        "p99_ms": percentile(latency_ns, 0.99) / 1e6,
        "max_ms": max(latency_ns) / 1e6,
    }


class Api:
    """A plain keep-alive HTTP client to devcluster, so that its own cost stays small."""

    def __init__(self, address: str) -> None:
        parsed = urllib.parse.urlsplit(address)
        self.connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port)

    def request(
        self,
        method: str,
        path: str,
        body: JSON | None = None,
        content_type: str = "",
        *,
        raw: bool = False,
    ) -> Any:
        """The decoded JSON answer (the bytes when `raw`); an error status raises."""
        payload = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": content_type or "application/json"}
        self.connection.request(method, path, payload, headers)
        response = self.connection.getresponse()
        answer = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {answer[:300]!r}")
        return answer if raw else json.loads(answer)

    def close(self) -> None:
        self.connection.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def end(process: subprocess.Popen[bytes] | None) -> None:
    """Terminate a child that is still running; kill it if it does not stop in 10 s."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class Devcluster:
    """`rollouts devcluster` in its own process, as an API server is: the benchmark's own
    threads (a proxy, a poller) then do not share its interpreter and stall its answers."""

    def __init__(
        self, kubeconfig: pathlib.Path, log: pathlib.Path, *, extra: list[str] | None = None
    ) -> None:
        self.kubeconfig = kubeconfig
        self.log = log
        self.extra = list(extra or ())  # more of `rollouts devcluster`'s options
        self.port = free_port()
        self.address = f"http://{LOCALHOST}:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        command = [
            sys.executable, "-m", "rollouts", "devcluster",
            "--port", str(self.port), "--kubeconfig", str(self.kubeconfig),
            *self.extra,
        ]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.address}/healthz", timeout=1):
                    return self
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError(f"devcluster did not start; see {self.log}") from None
                time.sleep(0.05)

    def __exit__(self, *_: object) -> None:
        end(self.process)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


class Controller:
    """`rollouts controller` in its own process, as tests/e2e runs it, with a short Lease."""

    def __init__(
        self,
        kubeconfig: pathlib.Path,
        log: pathlib.Path,
        *,
        lease_namespace: str,
        extra: list[str] | None = None,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.log = log
        self.lease_namespace = lease_namespace
        self.extra = list(extra or ())
        self.metrics_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            sys.executable, "-m", "rollouts", "controller",
            "--kubeconfig", str(self.kubeconfig),
            "--metrics-port", str(self.metrics_port),
            "--health-port", "0",
            "--leader-election-lease-duration", "2",
            "--lease-namespace", self.lease_namespace,
            *self.extra,
        ]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        end(self.process)

    @property
    def pid(self) -> int:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"the controller is not running; see {self.log}")
        return self.process.pid

    def _proc_status(self, field: str) -> int:
        status = pathlib.Path(f"/proc/{self.pid}/status").read_text()
        found = re.search(rf"^{field}:\s+(\d+)", status, re.MULTILINE)
        if found is None:
            raise RuntimeError(f"no {field} in /proc/PID/status")
        return int(found.group(1))

    def rss_bytes(self) -> int:
        return self._proc_status("VmRSS") * 1024  # kB

    def threads(self) -> int:
        return self._proc_status("Threads")

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def _metrics(self) -> str:
        url = f"http://{LOCALHOST}:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            return str(response.read().decode())

    def reconciles(self) -> int:
        """Reconciles done so far (Rollouts and runs, every result), from its /metrics."""
        return sum(
            int(float(line.rsplit(" ", 1)[1]))
            for line in self._metrics().splitlines()
            if line.startswith("rollouts_reconcile_total{")
        )

    def reconcile_seconds(self) -> float:
        """Time spent in reconciles so far, waits for a thread included, from its /metrics."""
        found = re.search(
            r"^rollouts_reconcile_seconds_total (\S+)$", self._metrics(), re.MULTILINE
        )
        return float(found.group(1)) if found else 0.0

    def tracebacks(self) -> int:
        return self.log.read_text(errors="replace").count("Traceback")


def machine() -> dict[str, Any]:
    cpuinfo = pathlib.Path("/proc/cpuinfo")
    models = [
        line.split(":", 1)[1].strip()
        for line in (cpuinfo.read_text().splitlines() if cpuinfo.exists() else [])
        if line.startswith("model name")
    ]
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": models[0] if models else platform.processor(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
    }
