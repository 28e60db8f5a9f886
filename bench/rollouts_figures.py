"""Figures of bench/rollouts.py made from the proxy's records: first-write latency, writes per
Rollout and per kind in a phase, and a quiet window.

A phase of one Rollout is the time from the benchmark's write to it (an image change, a
promote) to the benchmark's next write to it, or to the end of the phase for all Rollouts. Its
writes are the controller's POST, PUT, PATCH and DELETE requests addressed to the Rollout's
namespace in that time, Events and Leases counted apart.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Iterable
from typing import Any

from bench import clusterview, common, wirelog
from bench.rollouts_harness import ROLLOUT, Harness, Reading

JSON = dict[str, Any]
FAILED = 300  # an answer at or above this status is a failed write (a 409 Conflict, say)


def ms_summary(values_ns: list[int]) -> JSON:
    if not values_ns:
        return {"count": 0, "p50_ms": float("nan"), "p99_ms": float("nan"), "max_ms": float("nan")}
    return common.latency_summary(values_ns)


def first_writes(log: wirelog.RequestLog, sent: dict[str, int]) -> JSON:
    """For each Rollout, the time from the benchmark's write to the controller's first write
    (Events and Leases aside) for that Rollout that arrived after it."""
    latencies, missing = [], []
    for ns, at in sent.items():
        first = next((w for w in log.writes(ns, at) if w.counted), None)
        if first is None:
            missing.append(ns)
        else:
            latencies.append(first.time_ns - at)
    return {**ms_summary(latencies), "without_answer": len(missing)}


def spread(values: list[int]) -> JSON:
    ordered = sorted(values)
    return {
        "mean": sum(ordered) / len(ordered),
        "min": ordered[0],
        "p50": common.percentile(ordered, 0.5),
        "max": ordered[-1],
    }


def phase_writes(log: wirelog.RequestLog, start: dict[str, int], end: dict[str, int] | int) -> JSON:
    """Writes per Rollout from `start[ns]` to `end[ns]` (or one end for all), and which."""
    counted, events, failed = [], [], 0
    kinds: collections.Counter[str] = collections.Counter()
    status_fields: collections.Counter[str] = collections.Counter()
    for ns, at in start.items():
        writes = log.writes(ns, at, end if isinstance(end, int) else end[ns])
        own = [w for w in writes if w.counted]
        counted.append(len(own))
        events.append(sum(1 for w in writes if w.resource == "events"))
        failed += sum(1 for w in own if w.status >= FAILED)
        kinds.update(wirelog.by_kind(own))
        for w in own:
            if w.resource == "rollouts" and w.subresource == "status":
                status_fields.update(f for f in w.fields if f.startswith("status."))
    count = len(start)
    return {
        "rollouts": count,
        **spread(counted),
        "failed": failed,
        "events_mean": sum(events) / count,
        "by_kind_mean": {k: n / count for k, n in kinds.most_common()},
        "status_fields_mean": {k: n / count for k, n in status_fields.most_common()},
    }


def transitions(
    view: clusterview.ClusterView[clusterview.RolloutState],
    start: dict[str, int],
    end: dict[str, int] | int,
) -> float:
    """Step transitions per Rollout, seen from outside: changes of (currentPodHash,
    currentStepIndex, stableRS) from `start` to `end`."""
    total = 0
    for ns, at in start.items():
        before = view.changes((ns, ROLLOUT), 0, at)
        where = before[-1].where if before else None
        for state in view.changes((ns, ROLLOUT), at, end if isinstance(end, int) else end[ns]):
            total += state.where != where
            where = state.where
    return total / len(start)


def requests_in(requests: Iterable[wirelog.Request]) -> JSON:
    """Reads and writes among `requests`, by what they are."""
    found = list(requests)
    return {
        "writes": sum(1 for r in found if r.counted),
        "events": sum(1 for r in found if r.is_write and r.resource == "events"),
        "lease_writes": sum(1 for r in found if r.is_write and r.resource == "leases"),
        "reads": sum(1 for r in found if r.method == "GET" and not r.is_watch),
        "watches": sum(1 for r in found if r.is_watch),
    }


def quiet_window(h: Harness, seconds: float, drain_s: float) -> JSON:
    """Nothing changes for `seconds`, after Events queued earlier went out (or `drain_s`
    passed): what does the controller send, and burn?"""
    drained = h.log.wait_idle(2.0, drain_s, events=True)
    before = h.reading()
    time.sleep(seconds)
    after = h.reading()
    h.log.settled()
    requests = h.log.between(before.at_ns, after.at_ns)
    return {
        "start_ns": before.at_ns,
        "seconds": seconds,
        "waited_for_events_s": drained,
        **requests_in(requests),
        "by_kind": dict(wirelog.by_kind(r for r in requests if r.counted)),
        "load": after.since(before),
    }


def phase_load(h: Harness, spaces: list[str], before: Reading, after: Reading) -> JSON:
    """CPU and requests of a phase, for every Rollout together."""
    load = after.since(before)
    requests = requests_in(h.log.between(before.at_ns, after.at_ns))
    return {
        **load,
        "requests": requests,
        "controller_cpu_ms_per_rollout": 1000 * load["cpu_s"]["controller"] / len(spaces),
        "reconciles_per_rollout": load["reconciles"] / len(spaces),
        "reads_per_rollout": requests["reads"] / len(spaces),
    }


def events(h: Harness, after_ns: int) -> JSON:
    """Events the controller wrote since `after_ns`, and those it dropped (its queue of 1,000
    was full; counted from its log) in its whole life."""
    h.log.settled()
    written = [r for r in h.log.between(after_ns) if r.is_write and r.resource == "events"]
    log = h.controller.log.read_text(errors="replace")
    return {"written": len(written), "dropped": log.count("event dropped")}
