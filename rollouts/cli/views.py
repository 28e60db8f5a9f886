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
NONE = " "  # a status Argo has no icon for
ANALYSIS_RUN = "\u03b1"  # Greek alpha, as Argo draws AnalysisRuns
_ROLLOUT_ICONS = {
    "Progressing": PROGRESSING, "Error": WARNING, "InvalidSpec": WARNING, "Paused": PAUSED,
    "Healthy": OK, "Degraded": BAD, "Unknown": UNKNOWN, "ScaledDown": NEUTRAL,
}  # fmt: skip
_REPLICA_SET_ICONS = {
    "Progressing": PROGRESSING, "Healthy": OK, "ReplicaFailure": BAD, "ScaledDown": NEUTRAL,
}  # fmt: skip
_ANALYSIS_ICONS = {
    "Successful": OK, "Inconclusive": UNKNOWN, "Failed": BAD, "Error": WARNING,
    "Running": PROGRESSING, "Pending": WAITING,
}  # fmt: skip
_POD_ICONS = {
    **dict.fromkeys(("Pending", "Terminating", "ContainerCreating"), PROGRESSING),
    **dict.fromkeys(("Running", "Completed"), OK),
    **dict.fromkeys(("Failed", "InvalidImageName", "CrashLoopBackOff"), BAD),
    **dict.fromkeys(("ImagePullBackOff", "RegistryUnavailable"), WARNING),
    "Unknown": UNKNOWN,
}
_RESET = "\033[0m"
# Argo's colour table: icons, role tags, and the names of pending or running AnalysisRuns;
# anything else is still wrapped, in code 0, as Argo does
_COLOURS = {
    WAITING: 33, PROGRESSING: 94, WARNING: 31, UNKNOWN: 33, OK: 32, BAD: 31,
    "canary": 33, "stable": 32, "active": 32, "preview": 94, "ping": 94, "pong": 94,
    "Pending": 94, "Running": 94,
}  # fmt: skip
ROLES = ("canary", "stable", "active", "preview", "ping", "pong")


def pod_icon(status: str) -> str:
    if status.startswith("Init:"):
        return PROGRESSING
    if status.startswith(("Signal:", "ExitCode:")):
        return BAD
    if status.endswith("Error") or status.startswith("Err"):
        return WARNING
    return _POD_ICONS.get(status, NONE)


def status_icon(status: str, kind: str) -> str:
    """The icon Argo draws before a status of this kind of object."""
    if kind == "Pod":
        return pod_icon(status)
    table = {"ReplicaSet": _REPLICA_SET_ICONS, "AnalysisRun": _ANALYSIS_ICONS}
    return table.get(kind, _ROLLOUT_ICONS).get(status, NONE)


def paint(text: str, key: str, *, color: bool) -> str:
    """`text` in the colour Argo gives `key` (an icon, a tag or a run's status)."""
    return f"\033[{_COLOURS.get(key, 0)}m{text}{_RESET}" if color else text


def format_status(status: str, kind: str, *, color: bool) -> str:
    """`<icon> <status>`; only the icon is coloured."""
    icon = status_icon(status, kind)
    return f"{paint(icon, icon, color=color)} {status}"


def _paint_part(part: str) -> str:
    if part in ROLES:
        return paint(part, part, color=True)
    if part[:1] in (OK, BAD, UNKNOWN, WARNING):  # a run's count: `✖ 2`
        return paint(part[0], part[0], color=True) + part[1:]
    return part  # `delay:…`


def _paint_info(info: str, *, color: bool) -> str:
    """Role tags and the icons of run counts in their colours; pods' INFO stays plain."""
    if not color or not info or info.startswith("ready:"):
        return info
    return ",".join(_paint_part(part) for part in info.split(","))


def render_header(view: rm.RolloutView, *, color: bool = False) -> list[str]:
    lines = [
        f"{'Name:':<17}{view.name}",
        f"{'Namespace:':<17}{view.namespace}",
        f"{'Status:':<17}{format_status(view.status, 'Rollout', color=color)}",
    ]
    if view.message:
        lines.append(f"{'Message:':<17}{view.message}")
    lines.append(f"{'Strategy:':<17}{view.strategy}")
    if view.step is not None:
        lines.append(f"{'  Step:':<17}{view.step}")
        lines.append(f"{'  SetWeight:':<17}{view.set_weight}")
        lines.append(f"{'  ActualWeight:':<17}{view.actual_weight}")
    for i, (image, tags) in enumerate(view.images):
        suffix = f" ({', '.join(paint(t, t, color=color) for t in tags)})" if tags else ""
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
    """One row of the tree; `label` is drawn before the name, `painted` is the name as shown."""

    label: str
    name: str = ""
    kind: str = ""
    status: str | None = None
    age: str = ""
    info: str = ""
    painted: str | None = None

    def cells(self, *, color: bool) -> tuple[str, ...]:
        name = self.painted if color and self.painted is not None else self.name
        status = "" if self.status is None else format_status(self.status, self.kind, color=color)
        info = _paint_info(self.info, color=color)
        return (f"{self.label}{name}", self.kind, status, self.age, info)


def _children(prefix: str, last: bool) -> tuple[str, str]:
    return prefix + ("└──" if last else "├──"), prefix + ("   " if last else "│  ")


def _replica_set_lines(item: rm.ReplicaSetView, branch: str, indent: str) -> list[_Line]:
    painted = item.name
    for tag in item.info.split(","):  # Argo colours the name once per role, innermost first
        if tag in ROLES:
            painted = paint(painted, tag, color=True)
    lines = [
        _Line(f"{branch}⧉ ", item.name, "ReplicaSet", item.status, item.age, item.info, painted)
    ]
    for k, pod in enumerate(item.pods):
        pod_branch, _ = _children(indent, k == len(item.pods) - 1)
        lines.append(_Line(f"{pod_branch}□ ", pod.name, "Pod", pod.status, pod.age, pod.info))
    return lines


def _item_lines(item: rm.ReplicaSetView | rm.Row, branch: str, indent: str) -> list[_Line]:
    if isinstance(item, rm.ReplicaSetView):
        return _replica_set_lines(item, branch, indent)
    painted = paint(item.name, item.status, color=True)
    label = f"{branch}{ANALYSIS_RUN} "
    return [_Line(label, item.name, item.kind, item.status, item.age, item.info, painted)]


def _tree_lines(view: rm.RolloutView) -> list[_Line]:
    lines = [_Line("⟳ ", view.name, "Rollout", view.status, view.age)]
    for i, revision in enumerate(view.revisions):
        branch, indent = _children("", i == len(view.revisions) - 1)
        lines.append(_Line(f"{branch}# revision:{revision.revision}"))
        items: list[rm.ReplicaSetView | rm.Row] = [*revision.replica_sets, *revision.analysis_runs]
        for j, item in enumerate(items):
            lines.extend(_item_lines(item, *_children(indent, j == len(items) - 1)))
    return lines


def _columns(
    rows: Sequence[Sequence[str]], shown: Sequence[Sequence[str]], *, keep_trailing: bool = False
) -> list[str]:
    """Left-aligned columns two spaces apart, as Go's tabwriter lays them out; widths come from
    `rows`, `shown` is what prints (it may carry colour). The last cell is not aligned, and
    trailing blanks are cut unless `keep_trailing` (Argo's list pads its last value too)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row, printed in zip(rows, shown, strict=True):
        cells = [
            p + " " * (widths[i] - len(c) + 2)
            for i, (c, p) in enumerate(zip(row[:-1], printed[:-1], strict=True))
        ]
        line = "".join([*cells, printed[-1]])
        out.append(line if keep_trailing else line.rstrip())
    return out


def render_tree(view: rm.RolloutView, *, color: bool = False) -> list[str]:
    header = ("NAME", "KIND", "STATUS", "AGE", "INFO")
    lines = _tree_lines(view)
    plain = [header] + [ln.cells(color=False) for ln in lines]
    shown = [header] + [ln.cells(color=color) for ln in lines]
    return _columns(plain, shown)


def render_rollout(view: rm.RolloutView, *, color: bool = False) -> str:
    """The whole `get rollout` answer."""
    return (
        "\n".join([*render_header(view, color=color), "", *render_tree(view, color=color)]) + "\n"
    )


LIST_HEADER = (
    "NAME", "STRATEGY", "STATUS", "STEP", "SET-WEIGHT", "READY", "DESIRED", "UP-TO-DATE",
    "AVAILABLE",
)  # fmt: skip
# Argo pads each value to about its header's width before aligning the columns, so a table
# printed line by line under `--watch` stays roughly aligned; the last value too
_LIST_WIDTHS = (10, 9, 12, 4, 10, 5, 7, 10, 9)
_NAMESPACE_WIDTH = 9
_TIMESTAMP_WIDTH = 20


def list_row(view: rm.RolloutView) -> tuple[str, ...]:
    """The values of one line, unpadded (`-` for a step or weight a strategy does not have)."""
    r = view.replicas
    return (
        view.name,
        view.strategy or "unknown",
        view.status,
        view.step or "-",
        view.set_weight or "-",
        f"{r.ready}/{r.current}",
        str(r.desired),
        str(r.updated),
        str(r.available),
    )


def _padded(view: rm.RolloutView, namespace: bool, timestamp: str | None) -> tuple[str, ...]:
    cells = tuple(v.ljust(w) for v, w in zip(list_row(view), _LIST_WIDTHS, strict=True))
    if namespace:
        cells = (view.namespace.ljust(_NAMESPACE_WIDTH), *cells)
    return cells if timestamp is None else (timestamp.ljust(_TIMESTAMP_WIDTH), *cells)


def list_table(
    views: Sequence[rm.RolloutView], *, all_namespaces: bool = False, timestamp: str | None = None
) -> list[tuple[str, ...]]:
    """The header and the padded rows (NAMESPACE with -A, TIMESTAMP with --timestamps)."""
    header = ("NAMESPACE", *LIST_HEADER) if all_namespaces else LIST_HEADER
    if timestamp is not None:
        header = ("TIMESTAMP", *header)
    return [header, *(_padded(v, all_namespaces, timestamp) for v in views)]


def render_list(
    views: Sequence[rm.RolloutView], *, all_namespaces: bool = False, timestamp: str | None = None
) -> str:
    return render_table(list_table(views, all_namespaces=all_namespaces, timestamp=timestamp))


def render_table(table: Sequence[Sequence[str]]) -> str:
    return "\n".join(_columns(table, table, keep_trailing=True)) + "\n"


def render_list_line(
    table: Sequence[Sequence[str]],
    view: rm.RolloutView,
    *,
    all_namespaces: bool = False,
    timestamp: str | None = None,
) -> str:
    """One more row under `--watch`, aligned with the table printed first."""
    rows = [*table, _padded(view, all_namespaces, timestamp)]
    return _columns(rows, rows, keep_trailing=True)[-1]
