"""Benchmark the rollouts controller on devcluster: reaction latency, API writes, memory.

With N Rollouts (`--rollouts N`; by default one run with 100, then one with 1,000), each a
basic canary of 1 replica with the steps [setWeight 50, pause {}], one devcluster in a thread
(`BackgroundCluster`) and the controller in its own process (`python -m rollouts controller`,
as tests/e2e starts it), it measures:

- reaction latency: for a sample of the Rollouts (100 at most, evenly spread, one at a time
  with a short pause between them), the time from sending a write to the controller's first
  write for that Rollout. Two triggers: an image change (merge patch of spec.template), whose
  first answer is the new ReplicaSet; and a promote (the status patch
  `{"status":{"pauseConditions":null}}` that `kubectl rollouts promote` sends). p50/p99/max;
- API writes per step transition, per sampled Rollout: update → paused at step 1, and
  promote → Healthy. Writes are read from devcluster's change stream in process (a store
  listener), so every write counts, whoever sent it. The controller's are: ReplicaSet
  creates, deletes and spec or metadata patches, Service and Ingress changes, Rollout status
  writes and Events (counted apart). The simulated controllers write pods and ReplicaSet
  status, and the benchmark's own writes are known by their resourceVersion. A step
  transition is a status write that changes currentPodHash, currentStepIndex or stableRS
  (update → paused at step 1 is two: the update starts at step 0, then step 0 completes;
  promote → Healthy is one); the writes of a window are divided by its transitions;
- writes when nothing changed: in a quiet window with every Rollout left alone, and after an
  annotation-only patch of each sampled Rollout (a watch event that changes nothing the
  controller acts on, so it reconciles and must write nothing);
- controller RSS (VmRSS of the process) once all N Rollouts are Healthy, minus its RSS with
  0 Rollouts (after a warm-up Rollout has come and gone), per Rollout and extrapolated to
  10,000 Rollouts;
- for reference: time until all N are Healthy after N creates, the controller's CPU time, its
  reconciles (from its /metrics endpoint) and its idle CPU with N Rollouts.

The issue's targets: reaction p99 ≤ 50 ms at 1,000 Rollouts; ≤ 3 API writes per step
transition and 0 when nothing changed; 10,000 Rollouts in ≤ 1 GiB of controller RSS.
Run: `.venv/bin/python bench/rollouts.py [--rollouts N] [--json]`.
"""

from __future__ import annotations

import pathlib
import sys

# Run as a file, this folder comes first on sys.path, and this file's name would hide the
# `rollouts` package; the project's root goes there instead, for `bench.common`.
if sys.path and pathlib.Path(sys.path[0]).resolve() == pathlib.Path(__file__).resolve().parent:
    sys.path.pop(0)
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import argparse
import collections
import concurrent.futures
import contextlib
import dataclasses
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from bench import common
from rollouts.devcluster import cluster, simulation, store

JSON = dict[str, Any]
T = TypeVar("T")
MERGE_PATCH = "application/merge-patch+json"
NAMESPACE = "bench"
WARMUP_NAMESPACE = "bench-warmup"
LEASE_NAMESPACE = "default"
OLD_IMAGE = "argoproj/rollouts-demo:blue"
NEW_IMAGE = "argoproj/rollouts-demo:yellow"
STEPS: list[JSON] = [{"setWeight": 50}, {"pause": {}}]
POD_READY_DELAY = 0.05  # seconds; the simulated kubelet's, kept small
SAMPLE = 100  # Rollouts whose transitions are timed and counted
PACE_SECONDS = 0.05  # between two timed writes, so that they do not queue behind each other
SETTLE_SECONDS = 1.0  # after a wait, for trailing writes to land before counting
QUIET_SECONDS = 5.0  # the window in which nothing changes and nothing may be written
WAIT_SECONDS = 60.0  # the longest one write may wait for its answer
POLL_SECONDS = 0.02  # how often a wait for many Rollouts looks
REACTION_P99_TARGET_MS = 50.0
WRITES_PER_TRANSITION_TARGET = 3
RSS_TARGET_BYTES = 1 << 30
RSS_TARGET_ROLLOUTS = 10_000

RS_KEY = ("apps", "replicasets")
ROLLOUTS_KEY = ("argoproj.io", "rollouts")
EVENTS_KEY = ("", "events")
LEASES_KEY = ("coordination.k8s.io", "leases")
ROUTING_KEYS = {("", "services"): "service", ("networking.k8s.io", "ingresses"): "ingress"}
SIMULATED_KEYS = {("", "pods"), ("", "namespaces"), ("", "endpoints")}


# ---------------------------------------------------------------- the cluster's change stream


@dataclasses.dataclass(frozen=True)
class Write:
    """One write to the store that the controller (not the simulation) may have made."""

    rv: int
    at_ns: int  # time.monotonic_ns() when the store emitted it
    what: str  # replicaset-create, replicaset-patch, rollout-status, event, ...


@dataclasses.dataclass(frozen=True)
class RolloutState:
    phase: str
    step: int | None
    observed: bool  # status.observedGeneration is the current generation
    stable: bool  # status.stableRS is the current pod hash


def _rollout_state(body: JSON) -> RolloutState:
    status = body.get("status") or {}
    return RolloutState(
        phase=str(status.get("phase") or ""),
        step=status.get("currentStepIndex"),
        observed=status.get("observedGeneration") == str(body["metadata"].get("generation")),
        stable=bool(status.get("stableRS"))
        and status.get("stableRS") == status.get("currentPodHash"),
    )


def _step(body: JSON) -> tuple[Any, ...]:
    """Where a Rollout is in its update: a change of any of these is one step transition
    (an update starting at step 0, a step completed, the promotion at the end)."""
    status = body.get("status") or {}
    return tuple(status.get(k) for k in ("currentPodHash", "currentStepIndex", "stableRS"))


def _owner(body: JSON) -> str | None:
    for ref in body["metadata"].get("ownerReferences") or ():
        if ref.get("kind") == "Rollout" and ref.get("controller"):
            return str(ref["name"])
    return None


def _replica_set_write(change: store.Change) -> str | None:
    """What the controller did to a ReplicaSet; None for a status write (the simulation's)."""
    if change.type == "ADDED":
        return "replicaset-create"
    if change.type == "DELETED":
        return "replicaset-delete"
    old, new = change.previous or {}, change.object
    old_meta, new_meta = old.get("metadata") or {}, new["metadata"]
    if old.get("spec") != new.get("spec") or any(
        old_meta.get(field) != new_meta.get(field)
        for field in ("labels", "annotations", "ownerReferences", "finalizers")
    ):
        return "replicaset-patch"
    return None


class Ledger:
    """Every write of the cluster that concerns the controller, recorded as the store emits it.

    `on_change` runs on devcluster's event loop thread; the benchmark reads from its own.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.writes: dict[str, list[Write]] = collections.defaultdict(list)  # by Rollout name
        self.unattributed: list[Write] = []  # controller writes not tied to one Rollout
        self.states: dict[str, RolloutState] = {}
        self.mine: set[int] = set()  # resourceVersions of the benchmark's own writes
        self.lease_writes: list[Write] = []
        self.lease_held = False
        self.last_rv = 0
        self.emitted_ns: dict[int, int] = {}  # when each Rollout write was stored, by its rv
        # resourceVersions of the status writes that moved a Rollout to another step
        self.steps: dict[str, list[int]] = collections.defaultdict(list)

    def on_change(self, change: store.Change) -> None:
        now = time.monotonic_ns()
        if change.key in SIMULATED_KEYS:
            with self._changed:
                self.last_rv = change.resource_version
            return
        with self._changed:
            self.last_rv = change.resource_version
            self._record(change, now)
            self._changed.notify_all()

    def _record(self, change: store.Change, now: int) -> None:
        body, rv = change.object, change.resource_version
        if change.key == ROLLOUTS_KEY:
            self._rollout(change, now)
        elif change.key == RS_KEY:
            what = _replica_set_write(change)
            if what is not None:
                self._attribute(_owner(body), Write(rv, now, what))
        elif change.key == EVENTS_KEY:
            involved = body.get("involvedObject") or {}
            name = involved.get("name") if involved.get("kind") == "Rollout" else None
            self._attribute(name, Write(rv, now, "event"))
        elif change.key == LEASES_KEY:
            self.lease_writes.append(Write(rv, now, "lease"))
            self.lease_held = bool((body.get("spec") or {}).get("holderIdentity"))
        elif change.key in ROUTING_KEYS:
            self._attribute(None, Write(rv, now, ROUTING_KEYS[change.key]))
        else:
            self._attribute(None, Write(rv, now, f"{change.key[0]}/{change.key[1]}"))

    def _rollout(self, change: store.Change, now: int) -> None:
        name = change.object["metadata"]["name"]
        if change.type == "DELETED":
            self.states.pop(name, None)
            return
        self.states[name] = _rollout_state(change.object)
        self.emitted_ns[change.resource_version] = now
        previous = change.previous or {}
        if change.type == "ADDED" or previous.get("spec") != change.object.get("spec"):
            return  # creates and spec changes: only the benchmark makes them
        if previous.get("status") != change.object.get("status"):
            self._attribute(name, Write(change.resource_version, now, "rollout-status"))
            if _step(previous) != _step(change.object):
                self.steps[name].append(change.resource_version)
        else:
            self._attribute(name, Write(change.resource_version, now, "rollout-metadata"))

    def _attribute(self, rollout: str | None, write: Write) -> None:
        if rollout is None:
            self.unattributed.append(write)
        else:
            self.writes[rollout].append(write)

    # -- reading, from the benchmark's thread

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float) -> None:
        with self._changed:
            if not self._changed.wait_for(condition, timeout):
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")

    def first_write_after(self, rollout: str, rv: int, timeout: float = WAIT_SECONDS) -> Write:
        """The controller's first write for `rollout` after the benchmark's write `rv`."""
        found: list[Write] = []

        def written() -> bool:
            found[:] = [w for w in self.writes[rollout] if w.rv > rv and w.rv not in self.mine]
            return bool(found)

        self.wait_until(written, f"the controller's answer to {rollout}", timeout)
        return min(found, key=lambda w: w.rv)

    def controller_writes(self, rollout: str, after: int, upto: int) -> list[Write]:
        with self._changed:
            return [
                w for w in self.writes[rollout] if after < w.rv <= upto and w.rv not in self.mine
            ]

    def all_controller_writes(self, after: int, upto: int) -> list[Write]:
        with self._changed:
            every = [*self.unattributed, *(w for ws in self.writes.values() for w in ws)]
            return [w for w in every if after < w.rv <= upto and w.rv not in self.mine]

    def step_transitions(self, rollout: str, after: int, upto: int) -> int:
        with self._changed:
            return sum(1 for rv in self.steps[rollout] if after < rv <= upto)

    def rv(self) -> int:
        with self._changed:
            return self.last_rv

    def add_mine(self, rv: int) -> None:
        with self._changed:
            self.mine.add(rv)

    def wait_all(
        self, names: list[str], reached: Callable[[RolloutState], bool], what: str, timeout: float
    ) -> None:
        """Wait until every one of `names` is in a state `reached` accepts.

        It polls: checking N states on every change would slow devcluster's thread down.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                if all(n in self.states and reached(self.states[n]) for n in names):
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(POLL_SECONDS)


def healthy(state: RolloutState) -> bool:
    return state.observed and state.phase == "Healthy" and state.stable


def paused_at_first_pause(state: RolloutState) -> bool:
    return state.observed and state.phase == "Paused" and state.step == 1


def on_loop(running: cluster.BackgroundCluster, call: Callable[[], T]) -> T:
    """Run `call` on devcluster's event loop thread (the store is not thread-safe)."""
    done: concurrent.futures.Future[T] = concurrent.futures.Future()

    def run() -> None:
        try:
            done.set_result(call())
        except BaseException as exc:  # handed to the waiting thread
            done.set_exception(exc)

    running._loop.call_soon_threadsafe(run)
    return done.result(WAIT_SECONDS)


def subscribe(running: cluster.BackgroundCluster, ledger: Ledger) -> None:
    devcluster = running._cluster
    if devcluster is None:
        raise RuntimeError("devcluster did not start")
    on_loop(running, lambda: devcluster.store.subscribe(None, ledger.on_change))


# ---------------------------------------------------------------- clients


def rollouts_path(namespace: str, name: str = "", subresource: str = "") -> str:
    path = f"/apis/argoproj.io/v1alpha1/namespaces/{namespace}/rollouts"
    return "/".join(part for part in (path, name, subresource) if part)


def rollout(name: str) -> JSON:
    """A basic canary of 1 replica, as tests/e2e's manifest() makes them."""
    labels = {"app": name}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": OLD_IMAGE}]},
            },
            "strategy": {"canary": {"steps": STEPS}},
        },
    }


def rollout_names(count: int) -> list[str]:
    return [f"r-{i:05d}" for i in range(count)]


def sample(names: list[str], size: int) -> list[str]:
    """`size` names spread evenly over `names`."""
    size = min(size, len(names))
    return [names[i * len(names) // size] for i in range(size)]


def write_rv(answer: JSON) -> int:
    return int(answer["metadata"]["resourceVersion"])


def set_image(api: common.Api, name: str, image: str) -> int:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}}
    return write_rv(api.request("PATCH", rollouts_path(NAMESPACE, name), patch, MERGE_PATCH))


def promote(api: common.Api, name: str) -> int:
    """The status patch `kubectl rollouts promote` sends."""
    patch = {"status": {"pauseConditions": None}}
    path = rollouts_path(NAMESPACE, name, "status")
    return write_rv(api.request("PATCH", path, patch, MERGE_PATCH))


def annotate(api: common.Api, name: str, value: str) -> int:
    """A change that is no change to the controller: a metadata annotation."""
    patch = {"metadata": {"annotations": {"bench/touched": value}}}
    return write_rv(api.request("PATCH", rollouts_path(NAMESPACE, name), patch, MERGE_PATCH))


# ---------------------------------------------------------------- phases


@dataclasses.dataclass
class Bench:
    """What every phase uses: the cluster's address, the ledger, a client, the controller."""

    api: common.Api
    ledger: Ledger
    controller: common.Controller
    count: int
    devcluster_clock: int  # CPU clock of the thread devcluster serves and simulates on

    def cpu_now(self) -> tuple[float, float, float]:
        """Wall clock, controller CPU and devcluster CPU, in seconds."""
        return (
            time.monotonic(),
            self.controller.cpu_seconds(),
            time.clock_gettime(self.devcluster_clock),
        )

    @property
    def wait_all(self) -> float:
        """How long waiting for all N Rollouts may take."""
        return WAIT_SECONDS + 0.1 * self.count


def create_namespace(api: common.Api, name: str) -> None:
    api.request("POST", "/api/v1/namespaces", {"metadata": {"name": name}})


def warm_up(bench: Bench) -> None:
    """One Rollout created, walked to Healthy and deleted: imports, pools and watches are up."""
    bench.ledger.wait_until(lambda: bench.ledger.lease_held, "the leader Lease", WAIT_SECONDS)
    create_namespace(bench.api, WARMUP_NAMESPACE)
    bench.api.request("POST", rollouts_path(WARMUP_NAMESPACE), rollout("warmup"))
    bench.ledger.wait_all(["warmup"], healthy, "the warm-up Rollout", WAIT_SECONDS)
    bench.api.request("DELETE", rollouts_path(WARMUP_NAMESPACE, "warmup"))
    bench.ledger.wait_until(
        lambda: "warmup" not in bench.ledger.states, "the warm-up Rollout's deletion", WAIT_SECONDS
    )
    time.sleep(SETTLE_SECONDS)


def create_all(bench: Bench, names: list[str]) -> JSON:
    """POST every Rollout, then wait until all are Healthy."""
    create_namespace(bench.api, NAMESPACE)
    cpu, reconciles = bench.controller.cpu_seconds(), bench.controller.reconciles()
    started = time.perf_counter()
    for name in names:
        bench.api.request("POST", rollouts_path(NAMESPACE), rollout(name))
    posted = time.perf_counter() - started
    bench.ledger.wait_all(names, healthy, "every Rollout Healthy", bench.wait_all)
    return {
        "creates_s": posted,
        "all_healthy_s": time.perf_counter() - started,
        "controller_cpu_s": bench.controller.cpu_seconds() - cpu,
        "reconciles": bench.controller.reconciles() - reconciles,
    }


def quiet_window(bench: Bench) -> JSON:
    """Nothing changes for QUIET_SECONDS: what does the controller write, and burn?"""
    time.sleep(SETTLE_SECONDS)
    start_rv, cpu = bench.ledger.rv(), bench.controller.cpu_seconds()
    reconciles = bench.controller.reconciles()
    time.sleep(QUIET_SECONDS)
    writes = bench.ledger.all_controller_writes(start_rv, bench.ledger.rv())
    return {
        "seconds": QUIET_SECONDS,
        "writes": len(writes),
        "by_kind": dict(collections.Counter(w.what for w in writes)),
        "reconciles": bench.controller.reconciles() - reconciles,
        "controller_cpu_percent": 100 * (bench.controller.cpu_seconds() - cpu) / QUIET_SECONDS,
    }


@dataclasses.dataclass
class Reactions:
    """The benchmark's writes, one per Rollout, and the controller's first answers to them."""

    sent: dict[str, int] = dataclasses.field(default_factory=dict)  # Rollout -> rv written
    total_ns: list[int] = dataclasses.field(default_factory=list)  # from sending
    controller_ns: list[int] = dataclasses.field(default_factory=list)  # from being stored
    load: JSON = dataclasses.field(default_factory=dict)  # how busy both sides were meanwhile


def react(bench: Bench, names: list[str], send: Callable[[str], int]) -> Reactions:
    """Send one write per Rollout, one at a time; the time to the controller's first write."""
    reactions = Reactions()
    before = bench.cpu_now()
    for name in names:
        started = time.monotonic_ns()
        rv = send(name)
        bench.ledger.add_mine(rv)
        answer = bench.ledger.first_write_after(name, rv)
        reactions.sent[name] = rv
        reactions.total_ns.append(answer.at_ns - started)
        reactions.controller_ns.append(answer.at_ns - bench.ledger.emitted_ns[rv])
        time.sleep(PACE_SECONDS)
    reactions.load = load(before, bench.cpu_now())
    return reactions


def load(before: tuple[float, float, float], after: tuple[float, float, float]) -> JSON:
    """CPU use of the controller process and of devcluster's thread between two readings."""
    wall = after[0] - before[0]
    return {
        "seconds": wall,
        "controller_cpu_percent": 100 * (after[1] - before[1]) / wall,
        "devcluster_cpu_percent": 100 * (after[2] - before[2]) / wall,
    }


def transitions(bench: Bench, names: list[str]) -> JSON:
    """Update → paused at step 1, then promote → Healthy, on the sampled Rollouts."""
    reconciles = bench.controller.reconciles()
    updated = react(bench, names, lambda name: set_image(bench.api, name, NEW_IMAGE))
    bench.ledger.wait_all(names, paused_at_first_pause, "the pauses", bench.wait_all)
    time.sleep(SETTLE_SECONDS)
    promoted = react(bench, names, lambda name: promote(bench.api, name))
    bench.ledger.wait_all(names, healthy, "Healthy after promote", bench.wait_all)
    time.sleep(SETTLE_SECONDS)
    end = bench.ledger.rv()
    return {
        "sample": len(names),
        "update_latency": common.latency_summary(updated.total_ns),
        "update_latency_controller": common.latency_summary(updated.controller_ns),
        "promote_latency": common.latency_summary(promoted.total_ns),
        "promote_latency_controller": common.latency_summary(promoted.controller_ns),
        "update_load": updated.load,
        "promote_load": promoted.load,
        "update_writes": count_writes(bench.ledger, names, updated.sent, promoted.sent),
        "promote_writes": count_writes(
            bench.ledger, names, promoted.sent, dict.fromkeys(names, end)
        ),
        "reconciles": bench.controller.reconciles() - reconciles,
    }


def count_writes(
    ledger: Ledger, names: list[str], after: dict[str, int], upto: dict[str, int]
) -> JSON:
    """The controller's writes per Rollout between two of the benchmark's writes to it, and
    per step transition in that window."""
    per_rollout, per_transition, kinds = [], [], collections.Counter[str]()
    events, steps = [], []
    for name in names:
        writes = ledger.controller_writes(name, after[name], upto[name])
        api = [w for w in writes if w.what != "event"]
        per_rollout.append(len(api))
        events.append(len(writes) - len(api))
        kinds.update(w.what for w in api)
        steps.append(ledger.step_transitions(name, after[name], upto[name]))
        per_transition.append(len(api) / max(steps[-1], 1))
    return {
        "mean": sum(per_rollout) / len(per_rollout),
        "max": max(per_rollout),
        "transitions_mean": sum(steps) / len(steps),
        "per_transition_mean": sum(per_transition) / len(per_transition),
        "per_transition_max": max(per_transition),
        "events_mean": sum(events) / len(events),
        "by_kind_mean": {what: n / len(names) for what, n in sorted(kinds.items())},
    }


def no_op_changes(bench: Bench, names: list[str]) -> JSON:
    """An annotation on each sampled Rollout: a watch event, a reconcile, and no write."""
    reconciles = bench.controller.reconciles()
    start = bench.ledger.rv()
    for name in names:
        bench.ledger.add_mine(annotate(bench.api, name, str(time.monotonic_ns())))
        time.sleep(PACE_SECONDS / 5)
    time.sleep(SETTLE_SECONDS)
    writes = [
        w for name in names for w in bench.ledger.controller_writes(name, start, bench.ledger.rv())
    ]
    return {
        "changes": len(names),
        "writes": len(writes),
        "by_kind": dict(collections.Counter(w.what for w in writes)),
        "reconciles": bench.controller.reconciles() - reconciles,
    }


def memory(baseline: int, loaded: int, count: int) -> JSON:
    per_rollout = (loaded - baseline) / count
    return {
        "baseline_bytes": baseline,
        "loaded_bytes": loaded,
        "per_rollout_bytes": per_rollout,
        "at_10000_bytes": baseline + per_rollout * RSS_TARGET_ROLLOUTS,
    }


@contextlib.contextmanager
def running(count: int) -> Iterator[Bench]:
    """A devcluster with a ledger on its change stream and a controller attached to it."""
    with tempfile.TemporaryDirectory(prefix="bench-rollouts-") as home:
        kubeconfig = pathlib.Path(home) / "kubeconfig"
        options = cluster.Options(
            kubeconfig=kubeconfig,
            settings=simulation.Settings(pod_ready_delay=POD_READY_DELAY),
            history=max(10_000, 50 * count),
        )
        with cluster.BackgroundCluster(options) as devcluster:
            ledger = Ledger()
            subscribe(devcluster, ledger)
            controller = common.Controller(
                kubeconfig, pathlib.Path(home) / "controller.log", lease_namespace=LEASE_NAMESPACE
            )
            controller.start()
            api = common.Api(devcluster.address)
            thread = next(t for t in threading.enumerate() if t.name == "devcluster")
            clock = time.pthread_getcpuclockid(thread.ident or 0)
            try:
                yield Bench(api, ledger, controller, count, clock)
            except BaseException:
                print(controller.log.read_text(errors="replace")[-4000:], file=sys.stderr)
                raise
            finally:
                api.close()
                controller.stop()


def run(count: int) -> JSON:
    names = rollout_names(count)
    load_before = os.getloadavg()
    with running(count) as bench:
        warm_up(bench)
        baseline = bench.controller.rss_bytes()
        created = create_all(bench, names)
        quiet = quiet_window(bench)
        loaded = bench.controller.rss_bytes()
        sampled = sample(names, SAMPLE)
        walked = transitions(bench, sampled)
        no_op = no_op_changes(bench, sampled)
        quiet_after = quiet_window(bench)
        return {
            "rollouts": count,
            "create": created,
            "memory": memory(baseline, loaded, count),
            "quiet": quiet,
            **walked,
            "no_op": no_op,
            "quiet_after_transitions": quiet_after,
            "rss_at_end_bytes": bench.controller.rss_bytes(),
            "lease_writes_per_s": lease_rate(bench.ledger),
            "tracebacks": bench.controller.tracebacks(),
            # other work on the machine shows here: this benchmark alone keeps about 1 busy
            "loadavg_1min": {"before": load_before[0], "after": os.getloadavg()[0]},
        }


def lease_rate(ledger: Ledger) -> float:
    writes = ledger.lease_writes
    if len(writes) < 2:
        return 0.0
    return (len(writes) - 1) / ((writes[-1].at_ns - writes[0].at_ns) / 1e9)


# ---------------------------------------------------------------- report


def _latency(figures: JSON) -> str:
    return "{p50_ms:.1f} / {p99_ms:.1f} / {max_ms:.1f} ms".format(**figures)


def _writes(figures: JSON) -> str:
    return f"{figures['mean']:.2f} (max {figures['max']})"


def _per_transition(figures: JSON) -> str:
    return (
        f"{figures['per_transition_mean']:.2f} (max {figures['per_transition_max']:.2f}); "
        f"{figures['transitions_mean']:g} transitions"
    )


def _kinds(figures: JSON) -> str:
    short = {"replicaset": "RS", "rollout": "Rollout"}
    named = {
        " ".join(short.get(word, word) for word in what.split("-")): n
        for what, n in figures["by_kind_mean"].items()
    }
    return ", ".join(f"{n:g} {what}" for what, n in named.items())


def _mib(value: float) -> str:
    return f"{value / (1 << 20):.0f} MiB"


def _load(figures: JSON) -> str:
    return "{controller_cpu_percent:.0f} % / {devcluster_cpu_percent:.0f} %".format(**figures)


def rows(r: JSON) -> list[tuple[str, str, str]]:
    """(metric, target, measured) for one run."""
    memory, create, quiet = r["memory"], r["create"], r["quiet"]
    load = r["loadavg_1min"]
    events = (r["update_writes"]["events_mean"], r["promote_writes"]["events_mean"])
    return [
        (
            "image change → first write, p50 / p99 / max",
            "p99 ≤ 50 ms",
            _latency(r["update_latency"]),
        ),
        ("  of it from stored → first write", "", _latency(r["update_latency_controller"])),
        ("  CPU meanwhile: controller / devcluster", "", _load(r["update_load"])),
        ("promote → first write, p50 / p99 / max", "p99 ≤ 50 ms", _latency(r["promote_latency"])),
        ("  of it from stored → first write", "", _latency(r["promote_latency_controller"])),
        ("writes, update → paused at step 1: mean (max)", "", _writes(r["update_writes"])),
        ("  which", "", _kinds(r["update_writes"])),
        ("  per step transition: mean (max)", "≤ 3", _per_transition(r["update_writes"])),
        ("writes, promote → Healthy: mean (max)", "", _writes(r["promote_writes"])),
        ("  which", "", _kinds(r["promote_writes"])),
        ("  per step transition: mean (max)", "≤ 3", _per_transition(r["promote_writes"])),
        ("  Events besides, update / promote", "", "{:.1f} / {:.1f}".format(*events)),
        (f"writes in {QUIET_SECONDS:g} s with nothing changed", "0", str(quiet["writes"])),
        ("writes after annotation-only changes", "0", str(r["no_op"]["writes"])),
        ("  reconciles those changes caused", "", str(r["no_op"]["reconciles"])),
        ("writes in 5 s, after the transitions", "0", str(r["quiet_after_transitions"]["writes"])),
        ("controller RSS, 0 Rollouts", "", _mib(memory["baseline_bytes"])),
        ("controller RSS, all N Healthy", "", _mib(memory["loaded_bytes"])),
        ("RSS per Rollout", "", f"{memory['per_rollout_bytes'] / 1024:.1f} KiB"),
        ("RSS extrapolated to 10,000 Rollouts", "≤ 1 GiB", _mib(memory["at_10000_bytes"])),
        ("N creates → all Healthy", "", f"{create['all_healthy_s']:.1f} s"),
        (
            "  controller CPU; reconciles",
            "",
            f"{create['controller_cpu_s']:.1f} s; {create['reconciles']}",
        ),
        (
            "  trailing, 1-6 s after all Healthy: reconciles; CPU",
            "",
            f"{quiet['reconciles']}; {quiet['controller_cpu_percent']:.1f} %",
        ),
        (
            "controller CPU when idle (after the transitions)",
            "",
            f"{r['quiet_after_transitions']['controller_cpu_percent']:.1f} %",
        ),
        ("tracebacks in the controller log", "0", str(r["tracebacks"])),
        ("load average, 1 min: before / after", "", "{before:.1f} / {after:.1f}".format(**load)),
    ]


def met(results: JSON) -> dict[str, bool]:
    """The targets, judged on one run."""
    rss = results["memory"]["at_10000_bytes"]
    return {
        "reaction_p99": max(
            results["update_latency"]["p99_ms"], results["promote_latency"]["p99_ms"]
        )
        <= REACTION_P99_TARGET_MS,
        "writes_per_transition": max(
            results["update_writes"]["per_transition_max"],
            results["promote_writes"]["per_transition_max"],
        )
        <= WRITES_PER_TRANSITION_TARGET,
        "no_writes_when_unchanged": results["quiet"]["writes"] == 0
        and results["no_op"]["writes"] == 0,
        "rss_10000": rss <= RSS_TARGET_BYTES,
    }


def print_table(runs: list[JSON], info: JSON) -> None:
    header = ("metric", "target", *(f"N = {r['rollouts']:,}" for r in runs))
    columns = [rows(r) for r in runs]
    table = [header]
    for i, (metric, target, _) in enumerate(columns[0]):
        table.append((metric, target, *(column[i][2] for column in columns)))
    widths = [max(len(row[col]) for row in table) for col in range(len(header))]
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * width for width in widths))
    for r in runs:
        verdicts = ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in met(r).items())
        print(f"\nN = {r['rollouts']:,}: targets met: {verdicts}")
    print(f"\n{info['python']}; nproc {info['nproc']}; {info['cpu']}; {info['platform']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--rollouts", type=int, action="append", help="Rollouts to manage (default: 100, then 1000)"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    counts: list[int] = args.rollouts or [100, 1000]
    if min(counts) < 1:
        parser.error("--rollouts must be at least 1")
    runs = [run(count) for count in counts]
    info = common.machine()
    if args.json:
        json.dump(
            {"machine": info, "runs": [{**r, "met": met(r)} for r in runs]}, sys.stdout, indent=2
        )
        print()
    else:
        print_table(runs, info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
