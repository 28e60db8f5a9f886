"""QueuedRecorder: Events are written by a thread of their own, not by the reconcile that
records them.

A reconcile that completes an AnalysisRun records two Events. Written inside the reconcile,
they held its worker for two more API calls, and the measurements due behind it waited: in
bench/analysis.py the last measurement of 200 runs was taken 104 ms late at the median with
the Events written in line, 2 ms without them. client-go's recorders hand Events to a
broadcaster for the same reason.

An Event is a note for people, not state anything reads back, so when `capacity` Events are
already waiting a new one is dropped with a log line rather than hold a reconcile; a failed
write is logged and the next Event still goes out. `stop` writes what is queued (in order)
before it returns, unless that takes longer than its timeout.
"""

from __future__ import annotations

import queue
import threading
from typing import Final

import structlog

from rollouts import errors, model, ports
from rollouts.core import actions

log = structlog.get_logger(__name__)
CAPACITY: Final = 1000  # client-go's broadcaster buffers as many


class QueuedRecorder:
    """Implements ports.Recorder: queues each Event for `inner`, written by one thread."""

    def __init__(self, inner: ports.Recorder, *, capacity: int = CAPACITY) -> None:
        self.inner = inner
        # None asks the thread to stop, once what was queued before it is written
        self._queue: queue.Queue[tuple[model.ObjectRef, actions.Event] | None] = queue.Queue(
            capacity
        )
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
            self._thread = threading.Thread(target=self._write, name="rollouts-events", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Write what is queued, then end the thread; give up after `timeout` seconds."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            return  # the thread is a daemon; what is still queued is lost with the process
        thread.join(timeout)

    def _write(self) -> None:
        while (item := self._queue.get()) is not None:
            ref, event = item
            try:
                self.inner.event(ref, event)
            except errors.ClusterError as exc:
                log.warning("event not recorded", reason=event.reason, error=str(exc))
            except Exception:  # one bad write must not end the thread that writes them all
                log.exception("event not recorded", reason=event.reason)
