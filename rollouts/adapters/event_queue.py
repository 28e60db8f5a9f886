"""QueuedRecorder: Events are written by a thread of their own, at a bounded rate, not by the
reconcile that records them.

A reconcile that completes an AnalysisRun records two Events. Written inside the reconcile,
they held its worker for two more API calls, and the measurements due behind it waited: in
bench/analysis.py the last measurement of 200 runs was taken 104 ms late at the median with
the Events written in line, 2 ms without them. client-go's recorders hand Events to a
broadcaster for the same reason.

Written by one thread as fast as it could, the 400 Events of 200 runs completing together
still took 0.6-0.8 ms of the interpreter each, in the second those runs' last measurements
were due (88 ms late at the median in one run). So the writer keeps to `rate` Events a second
after a `burst`, as client-go's clients keep to a QPS: a burst of Events is late by seconds,
which a person reading them does not notice, and measurements are not.

An Event is a note for people, not state anything reads back, so when `capacity` Events are
already waiting a new one is dropped with a log line rather than hold a reconcile; a failed
write is logged and the next Event still goes out. `stop` writes what is queued (in order,
no longer paced) before it returns, unless that takes longer than its timeout.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Final

import structlog

from rollouts import errors, model, ports
from rollouts.core import actions

log = structlog.get_logger(__name__)
CAPACITY: Final = 1000  # client-go's broadcaster buffers as many
RATE: Final = 50.0  # Events a second, once a burst is spent
BURST: Final = 25


class TokenBucket:
    """`burst` takes at once, then `rate` a second; `take` says how long to wait first."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._at = now

    def take(self, now: float) -> float:
        """Take one token (the wait is already counted): seconds to wait before using it."""
        self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


class QueuedRecorder:
    """Implements ports.Recorder: queues each Event for `inner`, written by one thread."""

    def __init__(
        self,
        inner: ports.Recorder,
        *,
        capacity: int = CAPACITY,
        rate: float = RATE,
        burst: int = BURST,
    ) -> None:
        self.inner = inner
        # None asks the thread to stop, once what was queued before it is written
        self._queue: queue.Queue[tuple[model.ObjectRef, actions.Event] | None] = queue.Queue(
            capacity
        )
        self._bucket = TokenBucket(rate, burst, time.monotonic())
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def event(self, ref: model.ObjectRef, event: actions.Event) -> None:
        try:
            self._queue.put_nowait((ref, event))
        except queue.Full:
            log.warning(
                "event dropped: too many waiting to be written",
                reason=event.reason,
                object=f"{ref.namespace}/{ref.name}",
                waiting=self._queue.maxsize,
            )

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping.clear()
            self._thread = threading.Thread(target=self._write, name="rollouts-events", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Write what is queued, then end the thread; give up after `timeout` seconds."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()  # no more pacing: what is left goes out now
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            return  # the thread is a daemon; what is still queued is lost with the process
        thread.join(timeout)

    def _write(self) -> None:
        while (item := self._queue.get()) is not None:
            wait = self._bucket.take(time.monotonic())
            if wait > 0:
                self._stopping.wait(wait)
            ref, event = item
            try:
                self.inner.event(ref, event)
            except errors.ClusterError as exc:
                log.warning("event not recorded", reason=event.reason, error=str(exc))
            except Exception:  # one bad write must not end the thread that writes them all
                log.exception("event not recorded", reason=event.reason)
