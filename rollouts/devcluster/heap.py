"""Keep devcluster's long-lived objects out of the cyclic collector's full passes.

Everything the store holds is acyclic JSON (dicts, lists, strings) that reference counting
frees as soon as a write replaces it. The cyclic collector still walks all of it in each full
collection, and with the watch history's 10,000 changes per type that walk stopped every
answer for 45-90 ms (measured in bench/analysis.py, twice in one 15-second run). A real API
server's collector runs beside its requests; this one stops them.

So whatever survives a young collection is frozen, and the full collections that follow have
next to nothing to walk. Reference counting still frees frozen objects. What freezing loses
is reclaiming cycles that die after they were frozen (a closed connection's, say), so
`reclaim_forever` hands the frozen objects back for one full collection every few minutes:
one pause per period, not one each time the old generation grows by a quarter.

Process-wide, so only the standalone `rollouts devcluster` uses it, not a devcluster that
shares a test's process.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any, Final

OLDEST_YOUNG: Final = 1  # what survives a collection of generations 0 and 1 would grow gen 2
RECLAIM_SECONDS: Final = 600.0


def freeze_survivors(phase: str, info: dict[str, Any]) -> None:
    """A `gc.callbacks` entry. Freezing is all it may do there: a collection started from a
    callback returns at once, as one is already running."""
    if phase == "stop" and info["generation"] == OLDEST_YOUNG:
        gc.freeze()


def reclaim() -> int:
    """One full collection over everything, frozen included; what it collected."""
    gc.unfreeze()
    collected = gc.collect()
    gc.freeze()
    return collected


async def reclaim_forever(every: float = RECLAIM_SECONDS) -> None:
    """Install `freeze_survivors` and `reclaim` every `every` seconds, until cancelled."""
    gc.callbacks.append(freeze_survivors)
    try:
        while True:
            await asyncio.sleep(every)
            reclaim()
    finally:
        gc.callbacks.remove(freeze_survivors)
        gc.unfreeze()
