"""Which part each ReplicaSet plays, as Argo's plugin names it (pure).

A canary's sets are `stable` or `canary` (and `ping`/`pong` with ping-pong routing); a
blue-green's are `stable` and, by the hashes in status.blueGreen, `active` or `preview`.
The same tags label the Images lines of the header, merged per image by Argo's rule.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

JSON = Mapping[str, Any]
# the order Argo lists a set's tags in, in the INFO column and after an image alike
ORDER = ("canary", "stable", "active", "preview", "ping", "pong")


def _object(value: Any) -> JSON:
    return value if isinstance(value, Mapping) else {}


def _text(section: JSON, key: str) -> str:
    return str(section.get(key) or "")


def _canary_roles(canary: JSON, status: JSON, pod_hash: str) -> list[str]:
    ping_pong = canary.get("pingPong") is not None
    stable_is_ping = _object(status.get("canary")).get("stablePingPong") == "ping"
    if _text(status, "stableRS") == pod_hash:
        return ["stable", *((("ping" if stable_is_ping else "pong"),) if ping_pong else ())]
    if _text(status, "currentPodHash") == pod_hash:
        return ["canary", *((("pong" if stable_is_ping else "ping"),) if ping_pong else ())]
    return []


def _blue_green_roles(status: JSON, pod_hash: str) -> list[str]:
    selectors = _object(status.get("blueGreen"))
    roles = ["stable"] if _text(status, "stableRS") == pod_hash else []
    # a set both Services select is only `active`: what serves is what matters
    if _text(selectors, "activeSelector") == pod_hash:
        roles.append("active")
    elif _text(selectors, "previewSelector") == pod_hash:
        roles.append("preview")
    return roles


def compute_roles(rollout: JSON, pod_hash: str) -> tuple[str, ...]:
    """The tags of the set with this pod-template hash, in Argo's order.

    As Argo does, a set without a hash label ("") is compared too: it matches a status
    field that is still empty.
    """
    strategy = _object(_object(rollout.get("spec")).get("strategy"))
    status = _object(rollout.get("status"))
    roles: list[str] = []
    if strategy.get("canary") is not None:
        roles += _canary_roles(_object(strategy["canary"]), status, pod_hash)
    if strategy.get("blueGreen") is not None:
        roles += _blue_green_roles(status, pod_hash)
    return tuple(roles)


def merge_images(
    entries: Iterable[tuple[str, tuple[str, ...]]],
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """One line per image, sorted by image; an image seen more than once (several sets or
    containers) gets the union of its tags sorted alphabetically, Argo's merge rule, so
    `(stable, active)` of one set reads `(active, stable)` when another set runs it too."""
    merged: dict[str, tuple[str, ...]] = {}
    for image, tags in entries:
        if image in merged:
            merged[image] = tuple(sorted({*merged[image], *tags}))
        else:
            merged[image] = tags
    return tuple(sorted(merged.items()))


def format_delay(deadline: Any, now: datetime.datetime) -> str:
    """The `scale-down-deadline` annotation as time left: `passed` once it is behind us,
    "" when it is not an RFC 3339 time (Argo then prints a bare `delay:`)."""
    try:
        when = datetime.datetime.fromisoformat(str(deadline).replace("Z", "+00:00"))
    except ValueError:
        return ""
    if when.tzinfo is None:
        return ""
    if when < now:
        return "passed"
    return format_seconds(int((when - now).total_seconds()))


def format_seconds(seconds: int) -> str:
    """Kubernetes' HumanDuration, as kubectl prints ages (`45s`, `3m20s`, `5h`, `7d`, `2y`)."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 120:
        return f"{max(seconds, 0)}s"
    minutes, hours = seconds // 60, seconds // 3600
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        return f"{days // 365}y{days % 365}d" if days % 365 else f"{days // 365}y"
    return f"{days // 365}y"
