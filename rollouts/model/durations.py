"""Durations as Argo Rollouts manifests write them: `30`, `"30"`, `"1m30s"`, `"500ms"`."""

from __future__ import annotations

import re

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_duration(value: object) -> float | None:
    """Seconds, from an int, a bare integer string (seconds) or a Go duration string.

    None when the value is not a duration at all; callers decide what that means.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(text)
    return _parse_go_duration(text)


def _parse_go_duration(text: str) -> float | None:
    sign = -1.0 if text.startswith("-") else 1.0
    text = text.lstrip("+-")
    position, total = 0, 0.0
    for match in _PART.finditer(text):
        if match.start() != position:
            return None
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if position != len(text) or position == 0:
        return None
    return sign * total


def format_duration(seconds: float) -> str:
    """The short form Argo prints in step names: `10s`, `1m30s`, `1h`."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs or not (hours or minutes) else "",
    ]
    return "".join(parts)
