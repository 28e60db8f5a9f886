"""A counting HTTP proxy: every request a client sends to an API server, one JSON line each.

Run in a process of its own (`python -m bench.wireproxy --upstream URL --port P --out FILE`),
so that it shares no interpreter with the API server, the controller or the benchmark. Each
client connection gets a connection of its own to the upstream, so keep-alive, chunked answers
and long-lived watch streams pass through as bytes: the proxy parses only the framing (where a
request and its answer end) and never re-encodes a body. Per request it writes one line when
the answer's head arrives:

    {"time_ns": ..., "answer_ms": ..., "method": "PATCH", "path": "...", "query": "...",
     "status": 200, "group": "argoproj.io", "namespace": "b-00042", "resource": "rollouts",
     "name": "r", "subresource": "status", "fields": ["status.phase", ...],
     "body_name": "", "agent": "OpenAPI-Generator/..."}

`time_ns` is `time.monotonic_ns()` when the request's head was read (the system-wide
CLOCK_MONOTONIC, so the benchmark can compare it with its own clock), `answer_ms` how long the
upstream took to send the answer's head. For writes (POST, PUT, PATCH, DELETE) `fields` names
what the body sets, two levels deep ("spec.replicas", "metadata.annotations[key]", the paths of
a JSON patch), and `body_name` the name a POST creates. Lines are flushed every 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import gc
import json
import signal
import sys
import time
import urllib.parse
from typing import Any, TextIO

HEAD_END = b"\r\n\r\n"
LINE_END = b"\r\n"
READ_LIMIT = 1 << 20  # the longest head or chunk-size line accepted
PIECE = 1 << 16  # bytes relayed at a time
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FLUSH_SECONDS = 0.01
NAMED_KEYS = frozenset({"annotations", "labels"})  # metadata maps whose keys are named too
NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})

Record = dict[str, Any]


def address(path: str) -> tuple[str, str, str, str, str]:
    """(group, namespace, resource, name, subresource) that an API path addresses."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"]:
        group, rest = "", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, rest = parts[1], parts[3:]
    else:
        return "", "", "", "", ""
    namespace = ""
    if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] not in NAMESPACE_SUBRESOURCES:
        namespace, rest = rest[1], rest[2:]
    rest += [""] * (3 - len(rest))
    return group, namespace, rest[0], rest[1], rest[2]


def body_fields(body: Any) -> list[str]:
    """What a write's JSON body sets: "top.second" paths, keys of labels and annotations named."""
    if isinstance(body, list):  # a JSON patch
        return [str(op.get("path", "")) for op in body if isinstance(op, dict)]
    if not isinstance(body, dict):
        return []
    fields = []
    for top, value in body.items():
        if top in ("apiVersion", "kind"):
            continue
        if not isinstance(value, dict) or not value:
            fields.append(top)
            continue
        for second, inner in value.items():
            if second in NAMED_KEYS and isinstance(inner, dict) and inner:
                fields.extend(f"{top}.{second}[{key}]" for key in inner)
            else:
                fields.append(f"{top}.{second}")
    return fields


def describe(method: str, target: str, headers: dict[str, str], body: bytes) -> Record:
    """The record of one request, all but its answer."""
    path, _, query = target.partition("?")
    group, namespace, resource, name, subresource = address(path)
    record: Record = {
        "method": method,
        "path": path,
        "query": urllib.parse.unquote(query),
        "group": group,
        "namespace": namespace,
        "resource": resource,
        "name": name,
        "subresource": subresource,
        "agent": headers.get("user-agent", "").split(" ", 1)[0],
    }
    if method in WRITES and body:
        with contextlib.suppress(ValueError):
            parsed = json.loads(body)
            record["fields"] = body_fields(parsed)
            if method == "POST" and isinstance(parsed, dict):
                metadata = parsed.get("metadata") or {}
                record["body_name"] = metadata.get("name") or metadata.get("generateName") or ""
    return record


def parse_head(head: bytes) -> tuple[list[str], dict[str, str]]:
    """The first line's words and the headers (names lower-cased) of a request or an answer."""
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return lines[0].split(" ", 2), headers


async def relay_chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    """Relay a chunked body as it comes (a watch stream's events one by one); its payload."""
    payload = bytearray()
    while True:
        size_line = await reader.readuntil(LINE_END)
        size = int(size_line.split(b";", 1)[0], 16)
        if size == 0:
            trailer = size_line
            while True:
                line = await reader.readuntil(LINE_END)
                trailer += line
                if line == LINE_END:
                    break
            writer.write(trailer)
            await writer.drain()
            return bytes(payload)
        data = await reader.readexactly(size + 2)
        writer.write(size_line + data)
        await writer.drain()
        if len(payload) < READ_LIMIT:
            payload += data[:-2]


async def relay_length(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, length: int
) -> None:
    while length > 0:
        data = await reader.read(min(length, PIECE))
        if not data:
            raise asyncio.IncompleteReadError(b"", length)
        writer.write(data)
        length -= len(data)
        await writer.drain()


async def relay_until_eof(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(PIECE):
        writer.write(data)
        await writer.drain()


class Proxy:
    """Accepts client connections and pairs each with a connection to the upstream."""

    def __init__(self, upstream: str, out: TextIO) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.out = out

    def emit(self, record: Record) -> None:
        self.out.write(json.dumps(record, separators=(",", ":")) + "\n")

    async def flush_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            self.out.flush()

    async def serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            upstream_r, upstream_w = await asyncio.open_connection(
                self.host, self.port, limit=READ_LIMIT
            )
        except OSError:
            client_w.close()
            return
        pending: collections.deque[Record] = collections.deque()
        tasks = [
            asyncio.create_task(self.requests(client_r, upstream_w, pending)),
            asyncio.create_task(self.answers(upstream_r, client_w, pending)),
        ]
        with contextlib.suppress(Exception):
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
        for writer in (client_w, upstream_w):
            writer.close()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task

    async def requests(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        pending: collections.deque[Record],
    ) -> None:
        """Client → upstream: each request recorded, then passed on whole."""
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = await reader.readuntil(HEAD_END)
                arrived = time.monotonic_ns()
                words, headers = parse_head(head)
                body = b""
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    writer.write(head)
                    body = await relay_chunked(reader, writer)
                else:
                    length = int(headers.get("content-length") or 0)
                    body = await reader.readexactly(length) if length else b""
                    writer.write(head + body)
                record = describe(words[0], words[1] if len(words) > 1 else "", headers, body)
                record["time_ns"] = arrived
                pending.append(record)
                await writer.drain()

    async def answers(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        pending: collections.deque[Record],
    ) -> None:
        """Upstream → client: each answer's head completes its request's record."""
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = await reader.readuntil(HEAD_END)
                now = time.monotonic_ns()
                words, headers = parse_head(head)
                status = int(words[1])
                writer.write(head)
                record: Record = pending.popleft() if pending else {"method": "?"}
                if status == 100:
                    pending.appendleft(record)
                    continue
                record["status"] = status
                record["answer_ms"] = round((now - record.get("time_ns", now)) / 1e6, 3)
                self.emit(record)
                await self.relay_answer(reader, writer, status, record["method"], headers)

    async def relay_answer(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        status: int,
        method: str,
        headers: dict[str, str],
    ) -> None:
        if status == 101:  # switched protocols: bytes both ways from here
            await relay_until_eof(reader, writer)
        elif status in (204, 304) or method == "HEAD":
            await writer.drain()
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            await relay_chunked(reader, writer)
        elif "content-length" in headers:
            await relay_length(reader, writer, int(headers["content-length"]))
        else:
            await relay_until_eof(reader, writer)


async def serve(upstream: str, port: int, out: TextIO) -> None:
    proxy = Proxy(upstream, out)
    server = await asyncio.start_server(
        proxy.serve, "127.0.0.1", port, limit=READ_LIMIT, backlog=1024
    )
    flusher = asyncio.create_task(proxy.flush_forever())
    serving = asyncio.current_task()
    assert serving is not None
    # the benchmark ends the proxy with SIGTERM: stop serving, and flush what is recorded
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, serving.cancel)
    gc.freeze()  # what exists now lives as long as the process: no collection walks it again
    print(f"wireproxy listening on 127.0.0.1:{port}", flush=True)
    try:
        async with server:
            with contextlib.suppress(asyncio.CancelledError):
                await server.serve_forever()
    finally:
        flusher.cancel()
        out.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--upstream", required=True, help="http://HOST:PORT of the API server")
    parser.add_argument("--port", type=int, required=True, help="port to listen on")
    parser.add_argument("--out", required=True, help="file to append the JSON lines to")
    args = parser.parse_args(argv)
    with open(args.out, "a", buffering=1 << 16) as out, contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.upstream, args.port, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
