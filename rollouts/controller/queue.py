"""WorkQueue: de-duplicating and delayed, one key at a time (client-go's workqueue contract).

A key added many times before it is taken is processed once. A key is never handed to two
workers at once: added while being processed, it comes back once the worker is done. Delayed
adds keep the earliest due time, so a timer never postpones a change that is already pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time

Key = tuple[str, str]


class WorkQueue:
    def __init__(self) -> None:
        self._due: dict[Key, float] = {}
        self._heap: list[tuple[float, int, Key]] = []
        self._seq = itertools.count()
        self._processing: set[Key] = set()
        self._again: dict[Key, float] = {}
        self._changed = asyncio.Event()

    def add(self, key: Key, delay: float = 0.0) -> None:
        """Process `key` after `delay` seconds (sooner if already due sooner)."""
        due = time.monotonic() + max(delay, 0.0)
        if key in self._processing:
            self._again[key] = min(due, self._again.get(key, due))
            return
        if key in self._due and self._due[key] <= due:
            return
        self._due[key] = due
        heapq.heappush(self._heap, (due, next(self._seq), key))
        self._changed.set()

    async def get(self) -> Key:
        """The next due key; waits for one."""
        while True:
            self._drop_stale()
            if self._heap:
                due, _, key = self._heap[0]
                wait = due - time.monotonic()
                if wait <= 0:
                    heapq.heappop(self._heap)
                    del self._due[key]
                    self._processing.add(key)
                    return key
            else:
                wait = None
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), wait)

    def _drop_stale(self) -> None:
        # entries superseded by an earlier due time for the same key
        while self._heap and self._due.get(self._heap[0][2]) != self._heap[0][0]:
            heapq.heappop(self._heap)

    def done(self, key: Key) -> None:
        """The worker finished `key`; re-add it if it changed meanwhile."""
        self._processing.discard(key)
        again = self._again.pop(key, None)
        if again is not None:
            self.add(key, again - time.monotonic())

    def __len__(self) -> int:
        return len(self._due)
