"""The three parts of bench/rollouts.py, each on a devcluster and a controller of its own.

- `sequential`: N canaries; a sample changed, then promoted, one at a time; annotation-only
  changes; memory. (What the benchmark measured before the burst, now counted by request.)
- `burst`: N canaries, every image changed at once, then every Rollout promoted at once.
- `blue_green`: N blue-green Rollouts, every image changed at once; then a sample promoted one
  at a time, watching the active Service switch.
Each ends with a quiet window. One Rollout per namespace throughout.
"""

from __future__ import annotations

import dataclasses
import pathlib
import time
from collections.abc import Callable
from typing import Any

from bench import clusterview
from bench import rollouts_figures as figures
from bench import rollouts_harness as harness
from bench.rollouts_harness import ROLLOUT, Harness

JSON = dict[str, Any]
State = clusterview.RolloutState
BLUE_GREEN_DELAY_DEFAULT = 30  # seconds: Argo's scaleDownDelaySeconds when unset
ANSWER_POLL_SECONDS = 0.002


@dataclasses.dataclass(frozen=True)
class Settings:
    rollouts: int
    sample: int = 100  # Rollouts changed one at a time (sequential, blue-green promotes)
    quiet_s: float = 60.0  # the window with nothing changed
    idle_s: float = 2.0  # no write for this long: a phase is over
    drain_s: float = 120.0  # the longest wait for queued Events before a quiet window
    pace_s: float = 0.05  # between two writes sent one at a time
    scale_down_delay: int | None = None  # blue-green; None: unset (Argo's 30 s)
    workdir: pathlib.Path | None = None  # keep the logs and the proxy's records here


def workdir(s: Settings, part: str) -> pathlib.Path | None:
    """A folder of its own for each run of a part, under `s.workdir`; None: a temporary one."""
    if s.workdir is None:
        return None
    path = s.workdir / f"{part}-{time.strftime('%H%M%S')}"
    path.mkdir(parents=True)
    return path


def healthy(state: State) -> bool:
    return state.healthy


def paused_at_pause_step(state: State) -> bool:
    return state.observed and state.phase == "Paused" and state.step == 1


def paused_before_promotion(state: State) -> bool:
    return state.observed and state.phase == "Paused" and state.message == "BlueGreenPause"


def keys(spaces: list[str]) -> list[tuple[str, str]]:
    return [(ns, ROLLOUT) for ns in spaces]


def wait_all(h: Harness, spaces: list[str], reached: Callable[[State], bool], what: str) -> None:
    h.rollouts.wait_all(keys(spaces), reached, what, harness.wait_all_seconds(len(spaces)))


def settle(h: Harness, s: Settings, count: int) -> float:
    """Until the controller has written nothing (Events aside) for `idle_s`."""
    return h.log.wait_idle(s.idle_s, harness.wait_all_seconds(count))


# ---------------------------------------------------------------- one at a time


def react(
    h: Harness, spaces: list[str], send: Callable[[str], harness.Send], pace: float
) -> dict[str, int]:
    """One write per Rollout, each once the controller answered the one before; when sent."""
    sent = {}
    for ns in spaces:
        at = sent[ns] = h.sender.one(send(ns))
        deadline = time.monotonic() + harness.WAIT_SECONDS
        while not any(w.counted for w in h.log.writes(ns, at)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no write of the controller's for {ns}")
            time.sleep(ANSWER_POLL_SECONDS)
            h.log.refresh()
        time.sleep(pace)
    return sent


def seen_then_written(
    h: Harness, sent: dict[str, int], changed: Callable[[State], bool]
) -> list[int]:
    """From the benchmark's watch seeing its own write to the controller's first write."""
    found = []
    for ns, at in sent.items():
        seen = h.rollouts.first((ns, ROLLOUT), changed, at)
        first = next((w for w in h.log.writes(ns, at) if w.counted), None)
        if seen is not None and first is not None:
            found.append(first.time_ns - seen)
    return found


def sequential(s: Settings) -> JSON:
    spaces = harness.namespaces("s", s.rollouts)
    sampled = harness.sample(spaces, s.sample)
    with harness.running(workdir(s, "sequential")) as h:
        overhead = harness.warm_up(h)
        started = time.monotonic_ns()
        baseline = h.controller.rss_bytes()
        created = harness.create_all(h, spaces, lambda: [harness.canary()], s.drain_s)
        loaded = h.controller.rss_bytes()
        before = h.reading()
        updated = react(h, sampled, harness.image_change, s.pace_s)
        wait_all(h, sampled, paused_at_pause_step, "the sample paused at step 1")
        settle(h, s, len(sampled))
        middle = h.reading()
        h.log.wait_idle(s.idle_s, s.drain_s, events=True)  # its Events out
        drained = h.reading()
        promoted = react(h, sampled, harness.promotion, s.pace_s)
        wait_all(h, sampled, healthy, "the sample Healthy after promote")
        settle(h, s, len(sampled))
        after = h.reading()
        h.log.settled()
        annotated = h.sender.all(harness.annotation(ns) for ns in sampled)
        settle(h, s, len(sampled))
        h.log.settled()
        no_op = figures.phase_writes(h.log, annotated, time.monotonic_ns())
        quiet = figures.quiet_window(h, s.quiet_s, s.drain_s)
        return {
            "rollouts": s.rollouts,
            "sample": len(sampled),
            "create": created,
            "memory": memory(baseline, loaded, s.rollouts),
            "update": {
                "first_write": figures.first_writes(h.log, updated),
                "seen_to_first_write": figures.ms_summary(
                    seen_then_written(h, updated, lambda st: not st.observed)
                ),
                "writes": figures.phase_writes(h.log, updated, promoted),
                "transitions": figures.transitions(h.rollouts, updated, promoted),
                "load": figures.phase_load(h, sampled, before, middle),
            },
            "promote": {
                "first_write": figures.first_writes(h.log, promoted),
                "seen_to_first_write": figures.ms_summary(
                    seen_then_written(h, promoted, lambda st: not st.paused)
                ),
                "writes": figures.phase_writes(h.log, promoted, after.at_ns),
                "transitions": figures.transitions(h.rollouts, promoted, after.at_ns),
                "load": figures.phase_load(h, sampled, drained, after),
            },
            "no_op": {"changes": len(sampled), **no_op},
            "quiet": quiet,
            "rss_at_end_bytes": h.controller.rss_bytes(),
            "events": figures.events(h, started),
            "proxy_overhead": overhead,
            "tracebacks": h.controller.tracebacks(),
        }


def memory(baseline: int, loaded: int, count: int) -> JSON:
    per_rollout = (loaded - baseline) / count
    return {
        "baseline_bytes": baseline,
        "loaded_bytes": loaded,
        "per_rollout_bytes": per_rollout,
        "at_10000_bytes": baseline + per_rollout * 10_000,
    }


# ---------------------------------------------------------------- all at once


def all_at_once(
    h: Harness,
    spaces: list[str],
    send: Callable[[str], harness.Send],
    reached: Callable[[State], bool],
    *,
    s: Settings,
    what: str,
) -> JSON:
    """Send one write to every Rollout at once; until every one reached a state, and settled."""
    before = h.reading()
    sent = h.sender.all(send(ns) for ns in spaces)
    sending = (time.monotonic_ns() - before.at_ns) / 1e9
    wait_all(h, spaces, reached, what)
    reached_at = h.reading()
    settle(h, s, len(spaces))
    settled = h.reading()
    # its Events (queued, written at 50/s) out before the next phase starts
    drained = h.log.wait_idle(s.idle_s, s.drain_s, events=True)
    return {
        "events_drained_s": drained,
        "sent": sent,
        "sending_s": sending,
        "until_reached": figures.phase_load(h, spaces, before, reached_at),
        "until_settled": figures.phase_load(h, spaces, before, settled),
        "settled_ns": settled.at_ns,
    }


def burst(s: Settings) -> JSON:
    spaces = harness.namespaces("c", s.rollouts)
    with harness.running(workdir(s, "burst")) as h:
        overhead = harness.warm_up(h)
        started = time.monotonic_ns()
        created = harness.create_all(h, spaces, lambda: [harness.canary()], s.drain_s)
        update = all_at_once(
            h, spaces, harness.image_change, paused_at_pause_step, s=s, what="every Rollout paused"
        )
        promote = all_at_once(
            h, spaces, harness.promotion, healthy, s=s, what="every Rollout Healthy after promote"
        )
        quiet = figures.quiet_window(h, s.quiet_s, s.drain_s)
        h.log.settled()
        updated, promoted = update.pop("sent"), promote.pop("sent")
        update |= {
            "first_write": figures.first_writes(h.log, updated),
            "writes": figures.phase_writes(h.log, updated, promoted),
            "transitions": figures.transitions(h.rollouts, updated, promoted),
        }
        promote |= {
            "first_write": figures.first_writes(h.log, promoted),
            "writes": figures.phase_writes(h.log, promoted, quiet["start_ns"]),
            "transitions": figures.transitions(h.rollouts, promoted, quiet["start_ns"]),
        }
        return {
            "rollouts": s.rollouts,
            "create": created,
            "update": update,
            "promote": promote,
            "quiet": quiet,
            "events": figures.events(h, started),
            "proxy_overhead": overhead,
            "tracebacks": h.controller.tracebacks(),
        }


# ---------------------------------------------------------------- blue-green


def blue_green(s: Settings) -> JSON:
    spaces = harness.namespaces("g", s.rollouts)
    sampled = harness.sample(spaces, s.sample)
    objects = [
        harness.service(f"{ROLLOUT}-active"),
        harness.service(f"{ROLLOUT}-preview"),
        harness.blue_green(scale_down_delay=s.scale_down_delay),
    ]
    with harness.running(workdir(s, "blue-green")) as h:
        overhead = harness.warm_up(h)
        started = time.monotonic_ns()
        created = harness.create_all(h, spaces, lambda: objects, s.drain_s)
        update = all_at_once(
            h,
            spaces,
            harness.image_change,
            paused_before_promotion,
            s=s,
            what="every BlueGreenPause",
        )
        promoted = promote_one_at_a_time(h, sampled, s)
        quiet = figures.quiet_window(h, s.quiet_s, s.drain_s)
        h.log.settled()
        updated = update.pop("sent")
        update |= {
            "first_write": figures.first_writes(h.log, updated),
            "writes": figures.phase_writes(h.log, updated, update["settled_ns"]),
        }
        return {
            "rollouts": s.rollouts,
            "sample": len(sampled),
            "scale_down_delay_s": s.scale_down_delay,
            "create": created,
            "update": update,
            "promote": promotion_figures(h, promoted),
            "quiet": quiet,
            "events": figures.events(h, started),
            "proxy_overhead": overhead,
            "tracebacks": h.controller.tracebacks(),
        }


@dataclasses.dataclass
class Promoted:
    sent: dict[str, int]  # namespace → when the promote was sent
    switched: dict[str, int]  # namespace → when the active Service was seen selecting the new set
    healthy: dict[str, int]  # namespace → when the Rollout was seen Healthy
    scaled_down_ns: int  # when the old sets' delayed scale-down was over (writes settled)
    old_sets_at_zero: int
    load_until_healthy: JSON
    load_with_scale_down: JSON


def promote_one_at_a_time(h: Harness, sampled: list[str], s: Settings) -> Promoted:
    """Promote each sampled Rollout once the previous one's active Service switched."""
    new_hash = {ns: (h.rollouts.now((ns, ROLLOUT)) or _missing(ns)).pod_hash for ns in sampled}
    before = h.reading()
    sent, switched = {}, {}
    for ns in sampled:
        sent[ns] = h.sender.one(harness.promotion(ns))
        switched[ns] = h.services.wait_for(
            (ns, f"{ROLLOUT}-active"),
            selects(new_hash[ns]),
            f"{ns}'s active Service to switch",
            harness.WAIT_SECONDS,
        )
        time.sleep(s.pace_s)
    wait_all(h, sampled, healthy, "the sample Healthy after promote")
    healthy_at = {ns: h.rollouts.first((ns, ROLLOUT), healthy, sent[ns]) or 0 for ns in sampled}
    until_healthy = h.reading()
    delay = BLUE_GREEN_DELAY_DEFAULT if s.scale_down_delay is None else s.scale_down_delay
    time.sleep(max(0.0, (max(sent.values()) - time.monotonic_ns()) / 1e9 + delay + 1))
    settle(h, s, len(sampled))
    scaled = h.reading()
    return Promoted(
        sent,
        switched,
        healthy_at,
        scaled.at_ns,
        sum(old_sets_at_zero(h, ns, new_hash[ns]) for ns in sampled),
        figures.phase_load(h, sampled, before, until_healthy),
        figures.phase_load(h, sampled, before, scaled),
    )


def selects(pod_hash: str) -> Callable[[str], bool]:
    return lambda selected: selected == pod_hash


def _missing(ns: str) -> State:
    raise RuntimeError(f"no Rollout seen in {ns}")


def old_sets_at_zero(h: Harness, ns: str, new_hash: str) -> bool:
    """Every ReplicaSet but the new one is scaled to 0."""
    listed = h.sender.api.request("GET", f"/apis/apps/v1/namespaces/{ns}/replicasets")
    old = [
        rs
        for rs in listed["items"]
        if rs["metadata"].get("labels", {}).get(clusterview.HASH_LABEL) != new_hash
    ]
    return bool(old) and all(rs["spec"].get("replicas") == 0 for rs in old)


def promotion_figures(h: Harness, p: Promoted) -> JSON:
    service_patch = {
        ns: next((w.time_ns - at for w in h.log.writes(ns, at) if w.resource == "services"), None)
        for ns, at in p.sent.items()
    }
    return {
        "switch_seen": figures.ms_summary([p.switched[ns] - at for ns, at in p.sent.items()]),
        "first_write": figures.first_writes(h.log, p.sent),
        "service_patch": figures.ms_summary([v for v in service_patch.values() if v is not None]),
        "healthy_seen": figures.ms_summary([p.healthy[ns] - at for ns, at in p.sent.items()]),
        "writes_until_healthy": figures.phase_writes(h.log, p.sent, p.healthy),
        "writes_with_scale_down": figures.phase_writes(h.log, p.sent, p.scaled_down_ns),
        "old_sets_at_zero": p.old_sets_at_zero,
        "load_until_healthy": p.load_until_healthy,
        "load_with_scale_down": p.load_with_scale_down,
    }
