"""Watch streams: `?watch=true` as newline-delimited JSON events, as a real apiserver sends.

A watch with no resourceVersion (or "0") starts with an ADDED event per existing object; one
with a version resumes after it, or gets a single ERROR event with a 410 `Expired` Status when
that history is gone, which tells informers to list again. Selectors are applied to both the
old and the new object of a change, so an object that stops matching arrives as DELETED.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

from aiohttp import web

from rollouts.devcluster import conversion, routes, selectors, store, tables

log = logging.getLogger(__name__)
JSON = dict[str, Any]
BOOKMARK_EVERY = 30.0
DEFAULT_TIMEOUT = 1800.0


class Filter:
    """Which objects a watch sees: namespace, label and field selectors."""

    def __init__(
        self,
        target: routes.Target,
        label: selectors.LabelSelector | None,
        field: selectors.FieldSelector | None,
    ) -> None:
        self.namespace = target.namespace
        self.label = label
        self.field = field

    def matches(self, obj: JSON | None) -> bool:
        if obj is None:
            return False
        meta = obj["metadata"]
        if self.namespace is not None and meta.get("namespace") != self.namespace:
            return False
        if self.label is not None and not self.label.matches(meta.get("labels")):
            return False
        return self.field is None or self.field.matches(obj)

    def event_type(self, change: store.Change) -> str | None:
        """The event this watch sees for a change, or None when it sees nothing."""
        now, before = self.matches(change.object), self.matches(change.previous)
        if change.type == "DELETED":
            return "DELETED" if before else None
        if now and before:
            return "MODIFIED"
        if now:
            return "ADDED"
        return "DELETED" if before else None


class Encoder:
    """Turns stored objects into the event objects this watch's client asked for."""

    def __init__(self, request: web.Request, target: routes.Target) -> None:
        self.target = target
        self.table = (
            routes.representation(request.headers.get("Accept", "")) is routes.Representation.TABLE
        )
        self.include_object = request.query.get("includeObject", "Metadata")
        self.headers_sent = False

    def line(self, event_type: str, obj: JSON) -> bytes:
        out = conversion.from_storage(self.target.rtype, self.target.version, obj)
        if self.table and event_type in ("ADDED", "MODIFIED", "DELETED"):
            out = self._as_table(out)
        return (
            json.dumps({"type": event_type, "object": out}, separators=(",", ":")).encode() + b"\n"
        )

    def _as_table(self, obj: JSON) -> JSON:
        columns = (
            None
            if self.target.rtype.builtin
            else list(self.target.rtype.printer_columns.get(self.target.version, ()))
        )
        table = tables.build_table(
            [obj],
            resource=self.target.rtype.plural,
            printer_columns=columns,
            now=datetime.datetime.now(datetime.UTC),
            include_object=self.include_object,
            resource_version=obj["metadata"].get("resourceVersion", ""),
            with_headers=not self.headers_sent,
        )
        self.headers_sent = True
        return table


def _bookmark(target: routes.Target, rv: int, *, initial_end: bool = False) -> JSON:
    meta: JSON = {"resourceVersion": str(rv)}
    if initial_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    return {
        "kind": target.rtype.kind,
        "apiVersion": target.rtype.api_version(target.version),
        "metadata": meta,
    }


def _expired(rv: str, oldest: int) -> JSON:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f"too old resource version: {rv} ({oldest})",
        "reason": "Expired",
        "code": 410,
    }


def _initial(objects: store.Store, target: routes.Target, flt: Filter) -> Iterator[JSON]:
    for obj in objects.list(target.rtype, target.namespace):
        if flt.matches(obj):
            yield obj


async def serve(
    request: web.Request,
    target: routes.Target,
    objects: store.Store,
    label: selectors.LabelSelector | None,
    field: selectors.FieldSelector | None,
) -> web.StreamResponse:
    """Stream events until the client goes away or `timeoutSeconds` pass."""
    stream = Stream(request, target, objects, Filter(target, label, field))
    unsubscribe = objects.subscribe(target.rtype.storage_key, stream.queue.put_nowait)
    try:
        await stream.response.prepare(request)
        start = await stream.start()
        if start is not None:
            await stream.follow(start)
    except ConnectionResetError:
        # Clients end watches by hanging up (informers resync, kubectl -w is interrupted): a
        # write to the closing connection is how the server learns it, not a failure.
        log.debug("watch client went away", extra={"path": request.path})
    finally:
        unsubscribe()
    return stream.response


def _event_line(event_type: str, obj: JSON) -> bytes:
    return json.dumps({"type": event_type, "object": obj}, separators=(",", ":")).encode() + b"\n"


class Stream:
    """One watch connection: what it has sent, and the changes queued for it."""

    def __init__(
        self, request: web.Request, target: routes.Target, objects: store.Store, flt: Filter
    ) -> None:
        self.request = request
        self.target = target
        self.objects = objects
        self.filter = flt
        self.encoder = Encoder(request, target)
        self.queue: asyncio.Queue[store.Change] = asyncio.Queue()
        self.response = web.StreamResponse(
            headers={"Content-Type": "application/json", "Cache-Control": "no-cache, private"}
        )
        self.response.enable_chunked_encoding()

    async def _send(self, chunk: bytes) -> None:
        if chunk:
            await self.response.write(chunk)

    def _lines(self, changes: list[store.Change]) -> Iterator[bytes]:
        for change in changes:
            event_type = self.filter.event_type(change)
            if event_type is not None:
                yield self.encoder.line(event_type, change.object)

    async def start(self) -> int | None:
        """Send what comes before live events; the version after which to follow, or None."""
        rv_text = self.request.query.get("resourceVersion", "")
        current = self.objects.resource_version
        send_initial = self.request.query.get("sendInitialEvents") == "true"
        if rv_text in ("", "0") or send_initial:
            initial = _initial(self.objects, self.target, self.filter)
            chunk = b"".join(self.encoder.line("ADDED", obj) for obj in initial)
            if send_initial:
                chunk += _event_line("BOOKMARK", _bookmark(self.target, current, initial_end=True))
            await self._send(chunk)
            return current
        since = int(rv_text) if rv_text.isdigit() else -1
        key = self.target.rtype.storage_key
        changes = self.objects.changes_since(key, since) if since >= 0 else None
        if changes is None:
            await self._send(_event_line("ERROR", _expired(rv_text, current)))
            return None
        await self._send(b"".join(self._lines(changes)))
        return max([since, *(c.resource_version for c in changes)])

    async def follow(self, after: int) -> None:
        """Forward live changes newer than `after`; bookmarks while idle, if asked for."""
        timeout = float(self.request.query.get("timeoutSeconds") or DEFAULT_TIMEOUT)
        deadline = time.monotonic() + timeout
        bookmarks = self.request.query.get("allowWatchBookmarks") == "true"
        last = after
        while (left := deadline - time.monotonic()) > 0:
            try:
                change = await asyncio.wait_for(self.queue.get(), min(left, BOOKMARK_EVERY))
            except TimeoutError:
                if bookmarks:
                    await self._send(_event_line("BOOKMARK", _bookmark(self.target, last)))
                continue
            batch = [change]
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            fresh = [c for c in batch if c.resource_version > after]
            if fresh:
                last = fresh[-1].resource_version
            await self._send(b"".join(self._lines(fresh)))
