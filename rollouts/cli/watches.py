"""Watch events from several sources, merged into one queue (one thread and connection each).

Each source is listed, then watched from the list's resourceVersion (with bookmarks). A watch
the server ends (timeoutSeconds) resumes from the last version seen; a 410 (the version is
too old, as a status or as an ERROR event) lists again. Listed objects arrive as ADDED
events, as from a watch without a version, so a reader also sees the state at the start.
close() shuts the sockets, so the threads end at once.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from rollouts import errors
from rollouts.cli import transport

JSON = dict[str, Any]
WATCH_SECONDS = 30  # timeoutSeconds of one watch request; then it resumes
QUICK_END = 1.0  # a watch that ends this soon with nothing (a proxy?) waits before the next


@dataclasses.dataclass(frozen=True)
class Source:
    """A collection to list and watch: its path and query (e.g. a fieldSelector)."""

    settings: transport.Settings
    path: str
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)


class Events:
    """The events of all sources in one queue; a failed watch is raised by next/drain."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self.queue: queue.Queue[Mapping[str, Any] | BaseException] = queue.Queue()
        self._stopped = threading.Event()
        self._followers = [_Follower(s, self.queue.put, self._stopped) for s in sources]
        self._threads = [threading.Thread(target=f.run, daemon=True) for f in self._followers]
        for thread in self._threads:
            thread.start()

    def next(self, timeout: float | None) -> Mapping[str, Any] | None:
        """The next event, or None after `timeout` seconds; a watch failure is raised."""
        try:
            item = self.queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(item, BaseException):
            raise item
        return item

    def drain(self) -> Iterator[Mapping[str, Any]]:
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stopped.set()
        for follower in self._followers:
            follower.transport.interrupt()  # a blocked read returns now
        for thread in self._threads:
            thread.join(timeout=5)


class _Follower:
    """One source: list, then watch and resume, on its own connection, until stopped."""

    def __init__(
        self,
        source: Source,
        put: Callable[[Mapping[str, Any] | BaseException], None],
        stopped: threading.Event,
    ) -> None:
        self.source = source
        self.put = put
        self.stopped = stopped
        self.transport = transport.Transport(source.settings)

    def run(self) -> None:
        try:
            self._follow()
        except Exception as exc:  # any failure ends this watch; the reader hears of it
            if not self.stopped.is_set():
                self.put(errors.ClusterError(f"watch failed: {exc}"))
        finally:
            self.transport.close()

    def _follow(self) -> None:
        version = self._list()
        while not self.stopped.is_set():
            started = time.monotonic()
            try:
                version, seen = self._watch(version)
            except transport.Gone:
                version, seen = self._list(), True
            if not seen and time.monotonic() - started < QUICK_END:
                self.stopped.wait(QUICK_END)

    def _list(self) -> str:
        found = self.transport.request("GET", self.source.path, self.source.params)
        for item in found.get("items") or ():
            self.put({"type": "ADDED", "object": item})
        return str((found.get("metadata") or {}).get("resourceVersion") or "")

    def _watch(self, version: str) -> tuple[str, bool]:
        """Follow one watch request: the version to resume from, and whether any event came."""
        query = {
            **self.source.params,
            "watch": "1",
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(WATCH_SECONDS),
            **({"resourceVersion": version} if version else {}),
        }
        seen = False
        read_timeout = WATCH_SECONDS + transport.REQUEST_TIMEOUT
        for event in self.transport.stream(self.source.path, query, read_timeout):
            if self.stopped.is_set():
                break
            body = event.get("object") or {}
            if event.get("type") == "ERROR":
                raise watch_error(body)
            version = str((body.get("metadata") or {}).get("resourceVersion") or version)
            seen = True
            if event.get("type") != "BOOKMARK":
                self.put(event)
        return version, seen


def watch_error(status: JSON) -> errors.ClusterError:
    """An ERROR event's Status: Gone for 410 (list again), else a failure."""
    code, message = status.get("code"), status.get("message") or status.get("reason") or ""
    if code == 410:  # Gone, as the HTTP status
        return transport.Gone(f"410 {message}")
    return errors.ClusterError(f"{code} {message}")
