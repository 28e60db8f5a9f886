"""WorkQueue: de-duplicating and delayed, one key at a time (client-go's workqueue contract).

A key added many times before it is taken is processed once. A key is never handed to two
workers at once: added while being processed, it comes back once the worker is done. Delayed
adds keep the earliest due time, so a timer never postpones a change that is already pending.

A due key goes to one waiting worker, and one loop timer stands for the earliest delayed key.
Waking every idle worker on each add (and each of them re-arming its own timeout) cost more
than the reconciles themselves with 30 analysis workers and 200 measurements a second.
"""

from __future__ import annotations

import asyncio
import collections
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
        self._waiters: collections.deque[asyncio.Future[Key]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None

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
        self._dispatch()

    async def get(self) -> Key:
        """The next due key; waits for one."""
        key = self._take_due()
        if key is not None:
            return key
        waiter: asyncio.Future[Key] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._dispatch()
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                # handed a key just as the worker was cancelled: it is still owed a pass
                self.done(waiter.result())
                self.add(waiter.result())
            raise

    def done(self, key: Key) -> None:
        """The worker finished `key`; re-add it if it changed meanwhile."""
        self._processing.discard(key)
        again = self._again.pop(key, None)
        if again is not None:
            self.add(key, again - time.monotonic())

    def __len__(self) -> int:
        return len(self._due)

    def _take_due(self) -> Key | None:
        self._drop_stale()
        if not self._heap or self._heap[0][0] > time.monotonic():
            return None
        _, _, key = heapq.heappop(self._heap)
        del self._due[key]
        self._processing.add(key)
        return key

    def _dispatch(self) -> None:
        """Hand due keys to waiting workers; time the next due key if a worker still waits."""
        while self._waiters:
            waiter = self._waiters[0]
            if waiter.done():  # cancelled while waiting
                self._waiters.popleft()
                continue
            key = self._take_due()
            if key is None:
                break
            self._waiters.popleft()
            waiter.set_result(key)
        self._drop_stale()
        if not self._waiters or not self._heap:
            return
        due = self._heap[0][0]
        if self._timer is not None:
            if self._timer.when() <= due:
                return
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_at(due, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._dispatch()

    def _drop_stale(self) -> None:
        # entries superseded by an earlier due time for the same key
        while self._heap and self._due.get(self._heap[0][2]) != self._heap[0][0]:
            heapq.heappop(self._heap)
