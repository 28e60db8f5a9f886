"""RolloutView → text: the `get rollout` header and tree (§4.1), the `list rollouts` table (§4.2).

Pure: colour is a parameter (the caller decides from the TTY), time is already in the view.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from rollouts.cli import readmodel as rm

OK, BAD, PROGRESSING, WAITING, WARNING, UNKNOWN, PAUSED, NEUTRAL = (
    "✔", "✖", "◌", "◷", "⚠", "?", "॥", "•",
)  # fmt: skip
_ICONS = {
    **dict.fromkeys(("Healthy", "Running", "Successful", "Completed", "Succeeded"), OK),
    **dict.fromkeys(("Degraded", "Failed", "CrashLoopBackOff", "ReplicaFailure"), BAD),
    **dict.fromkeys(("Progressing", "Pending", "ContainerCreating", "Terminating"), PROGRESSING),
    **dict.fromkeys(("Error", "ImagePullBackOff", "ErrImagePull", "InvalidSpec"), WARNING),
    **dict.fromkeys(("Inconclusive", "Unknown"), UNKNOWN),
    "Paused": PAUSED,
    "ScaledDown": NEUTRAL,
    "Waiting": WAITING,
}
ANALYSIS_RUN = "\u03b1"  # Greek alpha, as Argo draws AnalysisRuns
_RESET = "\033[0m"
_COLOURS = {
    OK: "\033[32m",
    BAD: "\033[31m",
    WARNING: "\033[31m",
    PROGRESSING: "\033[94m",
    WAITING: "\033[33m",
    UNKNOWN: "\033[33m",
    PAUSED: "\033[33m",
}
_TAG_COLOURS = {"canary": "\033[33m", "stable": "\033[32m", "active": "\033[32m"}


def status_icon(status: str) -> str:
    if status.startswith("Init:"):
        return PROGRESSING
    return _ICONS.get(status, UNKNOWN)


def format_status(status: str, *, color: bool) -> str:
    icon = status_icon(status)
    text = f"{icon} {status}"
    colour = _COLOURS.get(icon) if color else None
    return f"{colour}{text}{_RESET}" if colour else text


def _tag(tag: str, *, color: bool) -> str:
    colour = _TAG_COLOURS.get(tag) if color else None
    return f"{colour}{tag}{_RESET}" if colour else tag


def render_header(view: rm.RolloutView, *, color: bool = False) -> list[str]:
    lines = [
        f"{'Name:':<17}{view.name}",
        f"{'Namespace:':<17}{view.namespace}",
        f"{'Status:':<17}{format_status(view.status, color=color)}",
    ]
    if view.message:
        lines.append(f"{'Message:':<17}{view.message}")
    lines.append(f"{'Strategy:':<17}{view.strategy}")
    if view.step is not None:
        lines.append(f"{'  Step:':<17}{view.step}")
        lines.append(f"{'  SetWeight:':<17}{view.set_weight}")
        lines.append(f"{'  ActualWeight:':<17}{view.actual_weight}")
    for i, (image, tags) in enumerate(view.images):
        suffix = f" ({', '.join(_tag(t, color=color) for t in tags)})" if tags else ""
        lines.append(f"{'Images:' if i == 0 else '':<17}{image}{suffix}")
    r = view.replicas
    lines.append("Replicas:")
    for label, value in (
        ("Desired", r.desired),
        ("Current", r.current),
        ("Updated", r.updated),
        ("Ready", r.ready),
        ("Available", r.available),
    ):
        lines.append(f"{'  ' + label + ':':<17}{value}")
    return lines


@dataclasses.dataclass(frozen=True)
class _Line:
    name: str
    kind: str = ""
    status: str = ""
    age: str = ""
    info: str = ""


def _children(prefix: str, last: bool) -> tuple[str, str]:
    return prefix + ("└──" if last else "├──"), prefix + ("   " if last else "│  ")


def _item_lines(item: rm.ReplicaSetView | rm.Row, branch: str, indent: str) -> list[_Line]:
    if isinstance(item, rm.Row):
        return [
            _Line(
                f"{branch}{ANALYSIS_RUN} {item.name}", item.kind, item.status, item.age, item.info
            )
        ]
    lines = [_Line(f"{branch}⧉ {item.name}", "ReplicaSet", item.status, item.age, item.info)]
    for k, pod in enumerate(item.pods):
        pod_branch, _ = _children(indent, k == len(item.pods) - 1)
        lines.append(_Line(f"{pod_branch}□ {pod.name}", "Pod", pod.status, pod.age, pod.info))
    return lines


def _tree_lines(view: rm.RolloutView) -> list[_Line]:
    lines = [_Line(f"⟳ {view.name}", "Rollout", view.status, view.age)]
    for i, revision in enumerate(view.revisions):
        branch, indent = _children("", i == len(view.revisions) - 1)
        lines.append(_Line(f"{branch}# revision:{revision.revision}"))
        items: list[rm.ReplicaSetView | rm.Row] = [*revision.replica_sets, *revision.analysis_runs]
        for j, item in enumerate(items):
            lines.extend(_item_lines(item, *_children(indent, j == len(items) - 1)))
    return lines


def _columns(rows: Sequence[Sequence[str]], shown: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns, two spaces apart; `shown` is what prints (may carry colour)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row, printed in zip(rows, shown, strict=True):
        cells = [
            p + " " * (widths[i] - len(c) + 2)
            for i, (c, p) in enumerate(zip(row, printed, strict=True))
        ]
        out.append("".join(cells).rstrip())
    return out


def render_tree(view: rm.RolloutView, *, color: bool = False) -> list[str]:
    header = ("NAME", "KIND", "STATUS", "AGE", "INFO")
    lines = _tree_lines(view)
    plain = [header] + [
        (
            ln.name,
            ln.kind,
            format_status(ln.status, color=False) if ln.status else "",
            ln.age,
            ln.info,
        )
        for ln in lines
    ]
    shown = [header] + [
        (
            ln.name,
            ln.kind,
            format_status(ln.status, color=color) if ln.status else "",
            ln.age,
            ln.info,
        )
        for ln in lines
    ]
    return _columns(plain, shown)


def render_rollout(view: rm.RolloutView, *, color: bool = False) -> str:
    """The whole `get rollout` answer."""
    return (
        "\n".join([*render_header(view, color=color), "", *render_tree(view, color=color)]) + "\n"
    )


def list_row(view: rm.RolloutView) -> tuple[str, ...]:
    r = view.replicas
    return (
        view.name,
        view.strategy,
        view.status,
        view.step or "-",
        view.set_weight or "-",
        f"{r.ready}/{r.current}",
        str(r.desired),
        str(r.updated),
        str(r.available),
    )


LIST_HEADER = (
    "NAME",
    "STRATEGY",
    "STATUS",
    "STEP",
    "SET-WEIGHT",
    "READY",
    "DESIRED",
    "UP-TO-DATE",
    "AVAILABLE",
)


def render_list(views: Sequence[rm.RolloutView], *, all_namespaces: bool = False) -> str:
    header: tuple[str, ...] = LIST_HEADER
    rows = [list_row(v) for v in views]
    if all_namespaces:
        header = ("NAMESPACE", *header)
        rows = [(v.namespace, *row) for v, row in zip(views, rows, strict=True)]
    table = [header, *rows]
    return "\n".join(_columns(table, table)) + "\n"
