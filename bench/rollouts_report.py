"""The tables of bench/rollouts.py: one per part, a column per run, each figure by its target."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]
Row = tuple[str, str, str]  # metric, target, measured
FIRST_WRITE_P99_TARGET_MS = 5000.0
WRITES_PER_PHASE_TARGET = 4
UPDATE_CPU_TARGET_S = 33.0 / 2  # the issue measured 33 s on a real API server
SWITCH_P99_TARGET_MS = 50.0
WRITES_PER_PROMOTION_TARGET = 3
REACTION_P99_TARGET_MS = 50.0
WRITES_PER_TRANSITION_TARGET = 3
RSS_TARGET_BYTES = 1 << 30
SHORT = {"Rollout status PATCH": "status PATCH"}


def latency(f: JSON) -> str:
    shown = "{p50_ms:.1f} / {p99_ms:.1f} / {max_ms:.1f} ms".format(**f)
    missing = f.get("without_answer")
    return f"{shown} ({missing} without)" if missing else shown


def seconds(f: JSON) -> str:
    return "{:.2f} / {:.2f} / {:.2f} s".format(
        f["p50_ms"] / 1e3, f["p99_ms"] / 1e3, f["max_ms"] / 1e3
    )


def writes(f: JSON) -> str:
    failed = f"; {f['failed']} failed" if f["failed"] else ""
    return f"{f['mean']:.2f} (min {f['min']}, max {f['max']}){failed}"


def kinds(f: JSON) -> str:
    return ", ".join(f"{n:.2g} {SHORT.get(k, k)}" for k, n in f["by_kind_mean"].items()) or "-"


def status_fields(f: JSON, top: int = 6) -> str:
    items = list(f["status_fields_mean"].items())[:top]
    return ", ".join(f"{k.removeprefix('status.')} {n:.2g}" for k, n in items) or "-"


def cpu(load: JSON) -> str:
    c = load["cpu_s"]
    return (
        f"{c['controller']:.1f} s ({load['cpu_percent']['controller']:.0f} %) / "
        f"{c['devcluster']:.1f} / {c['proxy']:.1f} / {c['bench']:.1f} s in {load['seconds']:.1f} s"
    )


def overhead_rows(r: JSON) -> list[Row]:
    o = r["proxy_overhead"]
    return [
        (
            "proxy: round trip direct / proxied, p50 (p99)",
            "",
            "{:.2f} ({:.2f}) / {:.2f} ({:.2f}) ms".format(
                o["direct"]["p50_ms"],
                o["direct"]["p99_ms"],
                o["proxied"]["p50_ms"],
                o["proxied"]["p99_ms"],
            ),
        )
    ]


def events_row(r: JSON) -> Row:
    e = r["events"]
    return (
        "Events after the warm-up: written / dropped (queue full)",
        "",
        f"{e['written']} / {e['dropped']}",
    )


def quiet_rows(q: JSON) -> list[Row]:
    by_kind = ", ".join(f"{n} {k}" for k, n in q["by_kind"].items())
    return [
        (
            f"writes in {q['seconds']:g} s with nothing changed",
            "0",
            f"{q['writes']}" + (f" ({by_kind})" if by_kind else ""),
        ),
        (
            "  Events / Lease writes / reads in it",
            "",
            "{events} / {lease_writes} / {reads}".format(**q),
        ),
        (
            "  controller CPU; reconciles",
            "",
            f"{q['load']['cpu_percent']['controller']:.1f} %; {q['load']['reconciles']}",
        ),
        ("  waited for queued Events before it", "", f"{q['waited_for_events_s']:.1f} s"),
    ]


def phase_rows(name: str, p: JSON, target: str, *, cpu_target: str = "") -> list[Row]:
    w = p["writes"]
    return [
        (f"{name}: first write p50 / p99 / max", "p99 ≤ 5 s", seconds(p["first_write"])),
        ("  writes per Rollout, besides Events", target, writes(w)),
        ("  which (mean per Rollout)", "", kinds(w)),
        ("  status fields set (per Rollout)", "", status_fields(w)),
        ("  Events written meanwhile (queued, 50/s)", "", f"{w['events_mean']:.2f}"),
        ("  step transitions (per Rollout)", "", f"{p['transitions']:.2f}")
        if "transitions" in p
        else ("", "", ""),
        ("  sending the N writes took", "", f"{p['sending_s']:.2f} s"),
        (
            "  until all reached: s; CPU controller / devcluster / proxy / bench",
            "",
            cpu(p["until_reached"]),
        ),
        ("  until settled (no write for 2 s): same", cpu_target, cpu(p["until_settled"])),
        (
            "  reconciles / reads per Rollout; reconcile wall time, mean",
            "",
            "{reconciles_per_rollout:.2f} / {reads_per_rollout:.2f}; "
            "{reconcile_mean_ms:.0f} ms".format(**p["until_settled"]),
        ),
    ]


def burst_rows(r: JSON) -> list[Row]:
    create = r["create"]
    return [
        *phase_rows("image change (all at once)", r["update"], "≤ 4", cpu_target="≤ 16.5 s ctl"),
        *phase_rows("promote (all at once)", r["promote"], "≤ 4"),
        *quiet_rows(r["quiet"]),
        (
            "N creates → all Healthy; controller CPU",
            "",
            f"{create['all_healthy_s']:.1f} s; {create['load']['cpu_s']['controller']:.1f} s",
        ),
        events_row(r),
        *overhead_rows(r),
        ("tracebacks in the controller log", "0", str(r["tracebacks"])),
        (
            "load average, 1 min: before / after",
            "",
            "{before:.1f} / {after:.1f}".format(**r["loadavg_1min"]),
        ),
    ]


def blue_green_rows(r: JSON) -> list[Row]:
    u, p = r["update"], r["promote"]
    return [
        ("image change (all at once): first write p50 / p99 / max", "", seconds(u["first_write"])),
        ("  writes per Rollout until BlueGreenPause", "", writes(u["writes"])),
        ("  which", "", kinds(u["writes"])),
        ("  Events written meanwhile (queued, 50/s)", "", f"{u['writes']['events_mean']:.2f}"),
        (
            "  until settled: CPU controller / devcluster / proxy / bench",
            "",
            cpu(u["until_settled"]),
        ),
        (
            f"promote (one at a time, {r['sample']}) → active Service switched",
            "p99 ≤ 50 ms",
            latency(p["switch_seen"]),
        ),
        ("  promote → controller's first write (proxy)", "", latency(p["first_write"])),
        ("  promote → Service PATCH arrived (proxy)", "", latency(p["service_patch"])),
        ("  promote → seen Healthy", "", latency(p["healthy_seen"])),
        ("writes per promotion, until Healthy", "", writes(p["writes_until_healthy"])),
        ("  which", "", kinds(p["writes_until_healthy"])),
        (
            "writes per promotion, with the delayed scale-down",
            "≤ 3",
            writes(p["writes_with_scale_down"]),
        ),
        ("  which", "", kinds(p["writes_with_scale_down"])),
        ("  status fields set (per promotion)", "", status_fields(p["writes_with_scale_down"])),
        ("  Events written meanwhile", "", f"{p['writes_with_scale_down']['events_mean']:.2f}"),
        ("  old ReplicaSets at 0 afterwards", str(r["sample"]), str(p["old_sets_at_zero"])),
        *quiet_rows(r["quiet"]),
        ("N creates → all Healthy", "", f"{r['create']['all_healthy_s']:.1f} s"),
        events_row(r),
        *overhead_rows(r),
        ("tracebacks in the controller log", "0", str(r["tracebacks"])),
        (
            "load average, 1 min: before / after",
            "",
            "{before:.1f} / {after:.1f}".format(**r["loadavg_1min"]),
        ),
    ]


def sequential_rows(r: JSON) -> list[Row]:
    u, p, m = r["update"], r["promote"], r["memory"]
    per_transition = [x["writes"]["mean"] / max(x["transitions"], 1e-9) for x in (u, p)]
    mib = 1 << 20
    return [
        (
            f"image change → first write ({r['sample']}, one at a time)",
            "p99 ≤ 50 ms",
            latency(u["first_write"]),
        ),
        ("  of it from the change seen in a watch", "", latency(u["seen_to_first_write"])),
        ("  writes per Rollout, update → paused at step 1", "", writes(u["writes"])),
        ("  which", "", kinds(u["writes"])),
        (
            "  per step transition",
            "≤ 3",
            f"{per_transition[0]:.2f} ({u['transitions']:.2f} transitions)",
        ),
        ("promote → first write", "p99 ≤ 50 ms", latency(p["first_write"])),
        ("  of it from the promote seen in a watch", "", latency(p["seen_to_first_write"])),
        ("  writes per Rollout, promote → Healthy", "", writes(p["writes"])),
        ("  which", "", kinds(p["writes"])),
        (
            "  per step transition",
            "≤ 3",
            f"{per_transition[1]:.2f} ({p['transitions']:.2f} transitions)",
        ),
        (
            "  Events besides, update / promote",
            "",
            f"{u['writes']['events_mean']:.1f} / {p['writes']['events_mean']:.1f}",
        ),
        ("writes after annotation-only changes", "0", writes(r["no_op"])),
        *quiet_rows(r["quiet"]),
        (
            "controller RSS: 0 Rollouts / all N Healthy",
            "",
            f"{m['baseline_bytes'] / mib:.0f} / {m['loaded_bytes'] / mib:.0f} MiB",
        ),
        ("RSS extrapolated to 10,000 Rollouts", "≤ 1 GiB", f"{m['at_10000_bytes'] / mib:.0f} MiB"),
        events_row(r),
        *overhead_rows(r),
        ("tracebacks in the controller log", "0", str(r["tracebacks"])),
        (
            "load average, 1 min: before / after",
            "",
            "{before:.1f} / {after:.1f}".format(**r["loadavg_1min"]),
        ),
    ]


ROWS = {"burst": burst_rows, "blue_green": blue_green_rows, "sequential": sequential_rows}
TITLES = {
    "burst": "burst: N basic canaries, every image changed at once, then every one promoted",
    "blue_green": "blue-green: N Rollouts, every image changed at once, a sample promoted singly",
    "sequential": "sequential: N basic canaries, a sample changed one at a time",
}


def met(part: str, r: JSON) -> dict[str, bool]:
    """The targets, judged on one run of a part."""
    quiet = r["quiet"]["writes"] == 0
    if part == "burst":
        u, p = r["update"], r["promote"]
        return {
            "first_write_p99": max(u["first_write"]["p99_ms"], p["first_write"]["p99_ms"])
            <= FIRST_WRITE_P99_TARGET_MS,
            "writes_per_phase": max(u["writes"]["max"], p["writes"]["max"])
            <= WRITES_PER_PHASE_TARGET,
            "update_cpu": u["until_settled"]["cpu_s"]["controller"] <= UPDATE_CPU_TARGET_S,
            "quiet": quiet,
        }
    if part == "blue_green":
        p = r["promote"]
        return {
            "switch_p99": p["switch_seen"]["p99_ms"] <= SWITCH_P99_TARGET_MS,
            "writes_per_promotion": p["writes_with_scale_down"]["max"]
            <= WRITES_PER_PROMOTION_TARGET,
            "quiet": quiet,
        }
    u, p = r["update"], r["promote"]
    return {
        "reaction_p99": max(u["first_write"]["p99_ms"], p["first_write"]["p99_ms"])
        <= REACTION_P99_TARGET_MS,
        "writes_per_transition": all(
            x["writes"]["mean"] <= WRITES_PER_TRANSITION_TARGET * x["transitions"] for x in (u, p)
        ),
        "no_writes_when_unchanged": quiet and r["no_op"]["max"] == 0,
        "rss_10000": r["memory"]["at_10000_bytes"] <= RSS_TARGET_BYTES,
    }


def print_table(part: str, runs: list[JSON]) -> None:
    columns = [[row for row in ROWS[part](r) if row[0]] for r in runs]
    header = ("metric", "target", *(f"run {i + 1}" for i in range(len(runs))))
    table = [header]
    for i, (metric, target, _) in enumerate(columns[0]):
        table.append((metric, target, *(column[i][2] for column in columns)))
    widths = [max(len(row[col]) for row in table) for col in range(len(header))]
    print(f"\n{TITLES[part]} (N = {runs[0]['rollouts']:,})\n")
    for i, row in enumerate(table):
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        if i == 0:
            print("  ".join("-" * width for width in widths))
    for i, r in enumerate(runs):
        verdicts = ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in met(part, r).items())
        print(f"run {i + 1}: targets met: {verdicts}")
    print()
