"""ListWatch: one kind's objects, listed and then watched through the kubernetes client.

Every watch of the controller is one of these, a thread per kind (the kinds' requests are in
adapters/sources.py). They replaced kopf's watches: kopf's per-event pipeline (a worker task
per object, handler state and kwargs, logging) cost 0.48 ms of CPU per event against 0.16 ms for
this loop, and under one GIL that CPU delays the reconciles and the measurements. AnalysisRuns
came first (each measurement is an event, an echo of the controller's own status write), then
Rollouts and ReplicaSets (a burst of 1,000 changed Rollouts spent 43 % of the controller's CPU
in kopf), and with them the rest.

This is an informer's loop, in a thread of its own: LIST for the objects and a resourceVersion,
WATCH from that version with bookmarks (which keep it fresh while nothing changes), WATCH again
from the last version seen when the server ends the stream, LIST again when the server no
longer has that version (410 Expired) and report the objects that went away meanwhile as
deleted. Errors back off and retry; the thread never stops on its own.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import structlog
from kubernetes import client
from kubernetes.watch.watch import iter_resp_lines

log = structlog.get_logger(__name__)

Body = dict[str, Any]
Deliver = Callable[[str | None, Body], object]
Key = tuple[str, str]
SERVER_TIMEOUT = 300  # seconds a watch request asks the server to keep its stream open
CONNECT_TIMEOUT = 10.0
READ_SLACK = 30.0  # beyond the server's timeout: a stream silent that long is dead
MIN_BACKOFF, MAX_BACKOFF = 0.5, 30.0
BRIEF = 1.0  # a stream that ends sooner, having brought nothing, counts as a failure


class Source(Protocol):
    """The kind's LIST and WATCH requests; each returns the raw (unread) HTTP response."""

    def list(self, **params: Any) -> Any: ...

    def watch(self, **params: Any) -> Any: ...


class ExpiredError(Exception):
    """The server no longer keeps the version the watch asked to start from."""


class WatchError(Exception):
    """The stream carried an ERROR event other than 410 Expired."""


class ListWatch:
    """Keep `deliver` told of every change to one kind, from a thread of its own.

    `deliver(type, body)` gets None for each object of a LIST, then ADDED, MODIFIED or DELETED
    as the watch reports them, always from this thread; `synced` is set once the first LIST has
    been delivered.
    """

    def __init__(self, source: Source, deliver: Deliver, *, kind: str) -> None:
        self.source = source
        self.deliver = deliver
        self.kind = kind
        self.synced = threading.Event()
        self._stopping = threading.Event()
        self._known: dict[Key, Body] = {}
        self._version: str | None = None
        self._response: Any = None

    def start(self) -> threading.Thread:
        """Run in a new thread; after a stop, from where it stopped (version, known objects)."""
        self._stopping.clear()
        thread = threading.Thread(target=self.run, name=f"watch-{self.kind}", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stopping.set()
        response = self._response
        sock = getattr(getattr(response, "connection", None), "sock", None)
        if sock is not None:
            # a read blocked on the socket returns only when the socket is shut (both ways:
            # shutting only the read side does not wake it)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                if self._version is None:
                    self._relist()
                if self._watch_once():
                    failures = 0
                    continue
                error = "the stream ended at once, with nothing"
            except ExpiredError as exc:
                log.info("watch expired, listing again", kind=self.kind, reason=str(exc))
                self._version = None
                continue
            except client.ApiException as exc:
                if exc.status == 410:
                    self._version = None
                    continue
                error = f"{exc.status} {exc.reason}"
            except Exception as exc:  # connection refused or reset, a timeout, a bad line
                error = f"{type(exc).__name__}: {exc}"
            if self._stopping.is_set():
                return
            failures += 1
            delay = min(MIN_BACKOFF * 2 ** (failures - 1), MAX_BACKOFF)
            log.warning("watch failed", kind=self.kind, error=error, retry_in=delay)
            self._stopping.wait(delay)

    def _relist(self) -> None:
        listing = json.loads(self.source.list(_preload_content=False).data)
        items: list[Body] = listing.get("items") or []
        fresh = {_key(item): item for item in items}
        for key, body in self._known.items():
            if key not in fresh:
                self.deliver("DELETED", body)
        for item in items:
            self.deliver(None, item)
        self._known = fresh
        self._version = str(listing["metadata"]["resourceVersion"])
        self.synced.set()

    def _watch_once(self) -> bool:
        """Stream events until the server ends the stream; whether it brought anything."""
        started = time.monotonic()
        brought = False
        response = self._response = self.source.watch(
            resource_version=self._version,
            allow_watch_bookmarks=True,
            timeout_seconds=SERVER_TIMEOUT,
            _preload_content=False,
            _request_timeout=(CONNECT_TIMEOUT, SERVER_TIMEOUT + READ_SLACK),
        )
        try:
            if self._stopping.is_set():  # stopped before the response was there to shut
                return True
            for line in iter_resp_lines(response):  # type: ignore[no-untyped-call]
                if self._stopping.is_set():
                    break
                if line:
                    self._take(json.loads(line))
                    brought = True
        finally:
            self._response = None
            # closed, not returned to the pool: a stream left mid-way (stopped, an ERROR
            # event) would hand its unread rest to the next request on that connection
            response.close()
            response.release_conn()
        return brought or time.monotonic() - started >= BRIEF

    def _take(self, event: Body) -> None:
        kind, body = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            message = f"{body.get('code')} {body.get('reason')}: {body.get('message')}"
            raise ExpiredError(message) if body.get("code") == 410 else WatchError(message)
        version = (body.get("metadata") or {}).get("resourceVersion")
        if version:
            self._version = str(version)
        if kind == "BOOKMARK":
            return
        key = _key(body)
        if kind == "DELETED":
            self._known.pop(key, None)
        else:
            self._known[key] = body
        self.deliver(kind, body)


def _key(body: Body) -> Key:
    meta = body.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name")))
