"""Benchmark AnalysisRuns against a real Prometheus: measurement lag and queries per interval.

With N AnalysisRuns (`--runs`, 200 by default) created at once, each with one Prometheus
metric (`interval` 1 s, `count` 15, `successCondition: result[0] >= 0`), devcluster in its
own process (as an API server is: `common.Devcluster`), the machine's Prometheus
(tests/prometheus.py's `PrometheusServer`, scraping a `MetricsTarget` that serves one series
per run) and the controller in its own process (`python -m rollouts controller`, as tests/e2e
starts it), it
measures at Prometheus, not from the runs' status (whose times have one-second precision):

- every query goes through `QueryLog`, a small HTTP proxy in front of Prometheus that records
  its arrival time (monotonic) and query string, then forwards it. Each run queries its own
  series (`bench_up{run="a-00042"}`), so each query is attributed to its run;
- lag, the issue's target: due -> taken, where "due" is Argo's, an interval after the last
  measurement (argo-rollouts-spec.md §3: `now > lastFinishedAt + interval`). The controller
  stamps a measurement with its reconcile's start, just before the query goes out, so
  arrival_k - arrival_(k-1) - interval is its due -> taken delay, give or take the jitter of
  that last step (p50/p99/max over all runs and k >= 1; negative is early);
- drift, for reference: how far measurement k is from a fixed grid, arrival_k - (start_r +
  k * interval) where start_r is the run's first query. Under Argo's rule each delay carries
  over to the measurements after it, so drift is the sum of the lags so far and grows with
  `count` (sessions 1-4 reported this figure as "lag" and the one above as "gap lag");
- queries per metric per interval: each gap between two queries of a run spans
  round(gap / interval) intervals (0: a query too early or twice; 2 or more: a missed
  interval); a run's gaps divided by the intervals they span, min/max over runs; also the
  early or duplicate queries and the missed intervals over all runs, and queries per
  measurement the run recorded (its status' `count`);
- queries per second taken, against the runs / interval needed: the sum over runs of
  (queries - 1) / (last - first);
- for reference: create -> first query latency; Prometheus's answer time as the proxy saw
  it; the controller's reconciles and their mean wall time (from its /metrics); CPU use of the
  controller, of devcluster, of this process (the proxy), of Prometheus and of everything
  else on the machine (/proc/stat), since all of them share the machine's cores.

The issue's targets: 200 concurrent runs with interval 1 s; lag p99 <= 100 ms; exactly 1
query per metric per interval. Run: `.venv/bin/python bench/analysis.py [--runs N] [--json]
[--analysis-workers N] [--workers N]` (without the worker options the controller's defaults).
"""

from __future__ import annotations

import pathlib
import sys

# Run as a file, this folder comes first on sys.path, and bench/rollouts.py would hide the
# `rollouts` package; the project's root goes there instead, for `tests.prometheus`.
if sys.path and pathlib.Path(sys.path[0]).resolve() == pathlib.Path(__file__).resolve().parent:
    sys.path.pop(0)
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import argparse
import contextlib
import dataclasses
import gc
import http.client
import http.server
import itertools
import json
import os
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

from bench import common
from tests import prometheus as helpers

JSON = dict[str, Any]
LOCALHOST = "127.0.0.1"
NAMESPACE = "bench-analysis"
WARMUP_NAMESPACE = "bench-analysis-warmup"
LEASE_NAMESPACE = "default"
LEASE_NAME = "rollouts-controller"
METRIC = "bench_up"
INTERVAL_S = 1.0
COUNT = 15  # measurements per run
WAIT_SECONDS = 60.0  # slack on top of a phase's expected duration
POLL_SECONDS = 0.2
LAG_P99_TARGET_MS = 100.0
QUERIES_PER_INTERVAL_TARGET = 1.0
RUNS_PATH = "/apis/argoproj.io/v1alpha1/namespaces/{namespace}/analysisruns"
COMPLETED = {"Successful", "Failed", "Error", "Inconclusive"}


# ---------------------------------------------------------------- the counting proxy


@dataclasses.dataclass(frozen=True)
class Query:
    arrived_ns: int  # time.monotonic_ns() when the proxy read the request
    query: str
    answer_ns: int  # how long Prometheus took to answer the forwarded request


class _Server(http.server.ThreadingHTTPServer):
    # http.server listens with a backlog of 5: more connections at once overflow it, and the
    # client's SYN is retried a second later, a stall that would be counted as the controller's
    request_queue_size = 1024
    daemon_threads = True


class QueryLog:
    """An HTTP proxy in front of Prometheus that records every query, then forwards it."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self._queries: list[Query] = []
        self._lock = threading.Lock()
        log = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            # keep-alive, as Prometheus offers it: the controller keeps its connections
            protocol_version = "HTTP/1.1"
            # headers and body are two writes: with Nagle's algorithm on a kept-alive
            # connection the body waits for the client's delayed ACK (40 ms). Go's servers,
            # Prometheus among them, set TCP_NODELAY too.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                arrived = time.monotonic_ns()
                status, content_type, body = log.forward(self.path, arrived)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server((LOCALHOST, 0), _Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self._server.server_address[1]}"

    def forward(self, path: str, arrived_ns: int) -> tuple[int, str, bytes]:
        params = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        answer = _forward(self.upstream + path)
        query = Query(arrived_ns, params.get("query", [""])[0], time.monotonic_ns() - arrived_ns)
        with self._lock:
            self._queries.append(query)
        return answer

    def queries(self) -> list[Query]:
        with self._lock:
            return list(self._queries)

    def count(self) -> int:
        with self._lock:
            return len(self._queries)

    def __enter__(self) -> QueryLog:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


_upstream = threading.local()  # one kept-alive connection to Prometheus per proxy thread


def _forward(url: str) -> tuple[int, str, bytes]:
    """GET `url` on this thread's connection; Prometheus's 4xx and 5xx are answers to relay."""
    parsed = urllib.parse.urlsplit(url)
    target = f"{parsed.path}?{parsed.query}" if parsed.query else parsed.path
    for attempt in (1, 2):
        connection = getattr(_upstream, "connection", None)
        if connection is None:
            connection = _upstream.connection = http.client.HTTPConnection(
                parsed.netloc, timeout=10
            )
        try:
            connection.request("GET", target)
            answer = connection.getresponse()
            return answer.status, answer.headers["Content-Type"], answer.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            _upstream.connection = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- clients


# ---------------------------------------------------------------- runs


def run_names(count: int) -> list[str]:
    return [f"a-{i:05d}" for i in range(count)]


def series(name: str) -> str:
    return f'{METRIC}{{run="{name}"}}'


def analysis_run(name: str, address: str, count: int) -> JSON:
    """One run of one Prometheus metric on its own series, always successful."""
    metric = {
        "name": "up",
        "interval": f"{INTERVAL_S:g}s",
        "count": count,
        "successCondition": "result[0] >= 0",
        "provider": {"prometheus": {"address": address, "query": series(name)}},
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {"name": name},
        "spec": {"metrics": [metric]},
    }


def create_namespace(api: common.Api, name: str) -> None:
    api.request("POST", "/api/v1/namespaces", {"metadata": {"name": name}})


def wait(condition: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(POLL_SECONDS)


def lease_held(api: common.Api) -> bool:
    path = f"/apis/coordination.k8s.io/v1/namespaces/{LEASE_NAMESPACE}/leases/{LEASE_NAME}"
    try:
        lease = api.request("GET", path)
    except RuntimeError:
        return False
    return bool((lease.get("spec") or {}).get("holderIdentity"))


def statuses(api: common.Api, namespace: str) -> dict[str, JSON]:
    """Every run's status in `namespace`, by name."""
    listed = api.request("GET", RUNS_PATH.format(namespace=namespace))
    return {item["metadata"]["name"]: item.get("status") or {} for item in listed["items"]}


def all_completed(api: common.Api, namespace: str, count: int) -> bool:
    done = [s for s in statuses(api, namespace).values() if s.get("phase") in COMPLETED]
    return len(done) >= count


def warm_up(api: common.Api, proxy: QueryLog) -> None:
    """The leader Lease held, and one run of 2 measurements done: imports and pools are up."""
    wait(lambda: lease_held(api), "the leader Lease", WAIT_SECONDS)
    create_namespace(api, WARMUP_NAMESPACE)
    runs = RUNS_PATH.format(namespace=WARMUP_NAMESPACE)
    api.request("POST", runs, analysis_run("warmup", proxy.url, 2))
    wait(lambda: all_completed(api, WARMUP_NAMESPACE, 1), "the warm-up run", WAIT_SECONDS)


def create_runs(api: common.Api, names: list[str], proxy: QueryLog, count: int) -> dict[str, int]:
    """POST every run, as fast as one connection goes; their send times, by name."""
    create_namespace(api, NAMESPACE)
    sent = {}
    for name in names:
        sent[name] = time.monotonic_ns()
        api.request(
            "POST", RUNS_PATH.format(namespace=NAMESPACE), analysis_run(name, proxy.url, count)
        )
    return sent


# ---------------------------------------------------------------- figures


def ms_summary(values_ms: list[float]) -> JSON:
    return {
        "count": len(values_ms),
        "min_ms": min(values_ms),
        "p50_ms": common.percentile(values_ms, 0.50),
        "p99_ms": common.percentile(values_ms, 0.99),
        "max_ms": max(values_ms),
    }


def arrivals_by_run(queries: list[Query], names: list[str]) -> dict[str, list[int]]:
    """Each run's query arrival times, in order (attributed by the series it queries)."""
    by_query = {series(name): name for name in names}
    found: dict[str, list[int]] = {name: [] for name in names}
    for query in queries:
        name = by_query.get(query.query)
        if name is not None:
            found[name].append(query.arrived_ns)
    return {name: sorted(times) for name, times in found.items()}


def lags_ms(arrivals: list[int], interval_ns: int) -> tuple[list[float], list[float]]:
    """(lag, drift) of measurements 1.. of one run, in ms."""
    start = arrivals[0]
    lag = [(b - a - interval_ns) / 1e6 for a, b in itertools.pairwise(arrivals)]
    drift = [(t - start - k * interval_ns) / 1e6 for k, t in enumerate(arrivals) if k]
    return lag, drift


def intervals(arrivals: list[int], interval_ns: int) -> list[int]:
    """How many intervals each gap between two queries spans, to the nearest whole one.

    0 is a query too early or twice (under half an interval after the one before it), 2 or
    more is a missed interval; the jitter of one query's way to the proxy changes neither.
    """
    return [round((b - a) / interval_ns) for a, b in itertools.pairwise(arrivals)]


def per_interval(
    by_run: dict[str, list[int]], run_statuses: dict[str, JSON], interval_ns: int
) -> JSON:
    ratios, per_measurement, duplicates, missed = [], [], 0, 0
    for name, arrivals in by_run.items():
        spans = intervals(arrivals, interval_ns)
        ratios.append(len(spans) / max(sum(spans), 1))
        duplicates += spans.count(0)
        missed += sum(span - 1 for span in spans if span > 1)
        results = run_statuses.get(name, {}).get("metricResults") or [{}]
        per_measurement.append(len(arrivals) / max(int(results[0].get("count", 0)), 1))
    return {
        "queries_per_interval_min": min(ratios),
        "queries_per_interval_max": max(ratios),
        "early_or_duplicate_queries": duplicates,
        "missed_intervals": missed,
        "queries_per_measurement_min": min(per_measurement),
        "queries_per_measurement_max": max(per_measurement),
    }


def rate(by_run: dict[str, list[int]]) -> float:
    """Measurements per second while the runs ran: each run's queries over its own span."""
    return sum(
        (len(a) - 1) / ((a[-1] - a[0]) / 1e9)
        for a in by_run.values()
        if len(a) > 1 and a[-1] > a[0]
    )


def analyse(
    names: list[str], queries: list[Query], sent: dict[str, int], run_statuses: dict[str, JSON]
) -> JSON:
    interval_ns = int(INTERVAL_S * 1e9)
    by_run = arrivals_by_run(queries, names)
    missing = [name for name, arrivals in by_run.items() if not arrivals]
    if missing:
        raise RuntimeError(f"{len(missing)} runs were never measured, e.g. {missing[0]}")
    lags: list[float] = []
    drifts: list[float] = []
    for arrivals in by_run.values():
        run_lags, run_drifts = lags_ms(arrivals, interval_ns)
        lags += run_lags
        drifts += run_drifts
    wanted = {series(name) for name in names}
    mine = [q for q in queries if q.query in wanted]
    return {
        "queries": len(mine),
        "queries_per_second": {"needed": len(names) / INTERVAL_S, "taken": rate(by_run)},
        "phases": sorted({str(s.get("phase")) for s in run_statuses.values()}),
        "lag": ms_summary(lags),
        "drift": ms_summary(drifts),
        "first_query": ms_summary([(by_run[n][0] - sent[n]) / 1e6 for n in names]),
        "prometheus_answer": ms_summary([q.answer_ns / 1e6 for q in mine]),
        **per_interval(by_run, run_statuses, interval_ns),
    }


# ---------------------------------------------------------------- the run


@dataclasses.dataclass(frozen=True)
class Settings:
    runs: int
    count: int
    controller_args: list[str]


@contextlib.contextmanager
def environment(
    settings: Settings,
) -> Iterator[tuple[common.Api, QueryLog, common.Controller, int]]:
    """Prometheus scraping one series per run, the proxy, devcluster and the controller."""
    names = run_names(settings.runs)
    with (
        tempfile.TemporaryDirectory(prefix="bench-analysis-") as home,
        helpers.MetricsTarget() as target,
    ):
        for name in names:
            target.set(METRIC, 1, {"run": name})
        target.set(METRIC, 1, {"run": "warmup"})
        with (
            helpers.PrometheusServer([target.address], workdir=pathlib.Path(home)) as server,
            QueryLog(server.url) as proxy,
        ):
            server.wait_for_sample(f"count({METRIC})", lambda v: v == [settings.runs + 1.0])
            kubeconfig = pathlib.Path(home) / "kubeconfig"
            with common.Devcluster(kubeconfig, pathlib.Path(home) / "devcluster.log") as dev:
                log = pathlib.Path(home) / "controller.log"
                controller = common.Controller(
                    kubeconfig, log, lease_namespace=LEASE_NAMESPACE, extra=settings.controller_args
                )
                controller.start()
                # a full collection of all the proxy and the poller built so far would stall
                # the proxy, a lag of the harness stamped on the controller's queries (the
                # controller freezes its own startup objects the same way)
                gc.freeze()
                api = common.Api(dev.address)
                try:
                    yield api, proxy, controller, dev.pid
                except BaseException:
                    print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
                    raise
                finally:
                    api.close()
                    controller.stop()


def machine_busy_seconds() -> float:
    """CPU time every core of the machine spent not idle, from /proc/stat."""
    fields = [int(v) for v in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def child_pid(command: str) -> int:
    """The pid of this process's child running `command` (Prometheus is started by us)."""
    for children in pathlib.Path("/proc/self/task").glob("*/children"):
        for pid in children.read_text().split():
            comm = pathlib.Path(f"/proc/{pid}/comm")
            if comm.exists() and comm.read_text().strip() == command:
                return int(pid)
    raise RuntimeError(f"no child process {command!r}")


@dataclasses.dataclass(frozen=True)
class Reading:
    """CPU clocks and the controller's counters at one moment."""

    at: float
    cpu_s: dict[str, float]  # controller, devcluster, bench (the proxy), prometheus, machine
    reconciles: int
    reconcile_s: float

    @classmethod
    def of(cls, controller: common.Controller, devcluster_pid: int, prometheus_pid: int) -> Reading:
        cpu = {
            "controller": controller.cpu_seconds(),
            "devcluster": common.cpu_seconds(devcluster_pid),
            "bench": common.cpu_seconds(os.getpid()),
            "prometheus": common.cpu_seconds(prometheus_pid),
            "machine": machine_busy_seconds(),
        }
        return cls(time.monotonic(), cpu, controller.reconciles(), controller.reconcile_seconds())


def load(before: Reading, after: Reading, measurements: int, controller: common.Controller) -> JSON:
    """How busy the controller and the machine were between two readings."""
    wall = after.at - before.at
    reconciles = after.reconciles - before.reconciles
    cpu = {name: 100 * (after.cpu_s[name] - before.cpu_s[name]) / wall for name in after.cpu_s}
    cpu["others"] = cpu["machine"] - sum(v for k, v in cpu.items() if k != "machine")
    return {
        "seconds": wall,
        "cpu_percent": cpu,
        "controller_cpu_ms_per_measurement": 10 * cpu["controller"] * wall / measurements,
        "reconciles_per_measurement": reconciles / measurements,
        "reconcile_mean_ms": 1000 * (after.reconcile_s - before.reconcile_s) / max(reconciles, 1),
        "controller_threads": controller.threads(),
        "tracebacks": controller.tracebacks(),
    }


def measure(settings: Settings) -> JSON:
    names = run_names(settings.runs)
    expected = settings.runs * settings.count
    mine = {series(name) for name in names}
    with environment(settings) as (api, proxy, controller, devcluster_pid):
        warm_up(api, proxy)
        prometheus_pid = child_pid("prometheus")
        before = Reading.of(controller, devcluster_pid, prometheus_pid)
        sent = create_runs(api, names, proxy, settings.count)
        wait(
            lambda: sum(q.query in mine for q in proxy.queries()) >= expected,
            "every measurement",
            WAIT_SECONDS + settings.count * INTERVAL_S,
        )
        wait(lambda: all_completed(api, NAMESPACE, settings.runs), "every run done", WAIT_SECONDS)
        after = Reading.of(controller, devcluster_pid, prometheus_pid)
        busy = load(before, after, expected, controller)
        results = analyse(names, proxy.queries(), sent, statuses(api, NAMESPACE))
    return {
        "runs": settings.runs,
        "count": settings.count,
        "interval_s": INTERVAL_S,
        "controller_args": settings.controller_args,
        "machine": common.machine(),
        **results,
        "load": busy,
    }


# ---------------------------------------------------------------- report


def verdict(met: bool) -> str:
    return "yes" if met else "NO"


def _latency(figures: JSON, *, low: bool = False) -> str:
    shown = "{p50_ms:.1f} / {p99_ms:.1f} / {max_ms:.1f} ms".format(**figures)
    return f"{figures['min_ms']:.1f} / {shown}" if low else shown


def _cpu(percent: JSON) -> str:
    parts = ("controller", "devcluster", "bench", "prometheus", "others")
    return (
        " / ".join(f"{percent[part]:.0f}" for part in parts)
        + f" % (of {100 * common.machine()['nproc']})"
    )


def target_rows(results: JSON) -> list[tuple[str, str, str, str]]:
    """The two rows the issue sets targets for: (metric, target, measured, met)."""
    lag = results["lag"]["p99_ms"]
    low, high = results["queries_per_interval_min"], results["queries_per_interval_max"]
    exact = low == high == QUERIES_PER_INTERVAL_TARGET
    return [
        (
            "lag due -> query, p99 (due: interval after the last)",
            f"<= {LAG_P99_TARGET_MS:g} ms",
            f"{lag:.1f} ms",
            verdict(lag <= LAG_P99_TARGET_MS),
        ),
        (
            "queries per metric per interval, min-max",
            "exactly 1",
            f"{low:.3f}-{high:.3f}",
            verdict(exact),
        ),
    ]


def other_rows(results: JSON) -> list[tuple[str, str, str, str]]:
    load = results["load"]
    figures = [
        ("lag min / p50 / p99 / max", _latency(results["lag"], low=True)),
        ("drift from a fixed grid min / p50 / p99 / max", _latency(results["drift"], low=True)),
        (
            "early or duplicate queries / missed intervals",
            f"{results['early_or_duplicate_queries']} / {results['missed_intervals']}",
        ),
        (
            "queries per measurement, min-max",
            f"{results['queries_per_measurement_min']:.3f}-{results['queries_per_measurement_max']:.3f}",
        ),
        ("create -> first query p50 / p99 / max", _latency(results["first_query"])),
        ("Prometheus answer via proxy p50 / p99 / max", _latency(results["prometheus_answer"])),
        ("CPU: controller / devcluster / bench / Prometheus / others", _cpu(load["cpu_percent"])),
        ("controller CPU per measurement", f"{load['controller_cpu_ms_per_measurement']:.1f} ms"),
        ("reconciles per measurement", f"{load['reconciles_per_measurement']:.2f}"),
        ("reconcile wall time, mean", f"{load['reconcile_mean_ms']:.1f} ms"),
        (
            "queries per second: needed / taken",
            "{needed:.0f} / {taken:.0f}".format(**results["queries_per_second"]),
        ),
        ("queries / run phases", f"{results['queries']} / {', '.join(results['phases'])}"),
        ("controller threads / tracebacks", f"{load['controller_threads']} / {load['tracebacks']}"),
    ]
    return [(metric, "", measured, "") for metric, measured in figures]


def print_table(results: JSON) -> None:
    table = [("metric", "target", "measured", "met"), *target_rows(results), *other_rows(results)]
    widths = [max(len(row[col]) for row in table) for col in range(4)]
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * width for width in widths))
    info = results["machine"]
    args = " ".join(results["controller_args"]) or "(defaults)"
    print(f"\n{results['runs']} runs x {results['count']} measurements; controller {args}")
    print(f"{info['python']}; nproc {info['nproc']}; {info['cpu']}; {info['platform']}")


def controller_args(args: argparse.Namespace) -> list[str]:
    extra = []
    if args.analysis_workers is not None:
        extra += ["--analysis-workers", str(args.analysis_workers)]
    if args.workers is not None:
        extra += ["--workers", str(args.workers)]
    return extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="concurrent AnalysisRuns (200)")
    parser.add_argument("--count", type=int, default=COUNT, help=f"measurements per run ({COUNT})")
    parser.add_argument("--analysis-workers", type=int, help="the controller's option")
    parser.add_argument("--workers", type=int, help="the controller's option")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.count < 2:
        parser.error("--runs must be at least 1 and --count at least 2")
    results = measure(Settings(args.runs, args.count, controller_args(args)))
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
