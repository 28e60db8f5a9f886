"""A watch client that goes away mid-stream is normal: devcluster must end the stream quietly.

devcluster runs as `rollouts devcluster` does for `make demo`, in its own process, so that what
it writes to stderr (aiohttp's "Error handling request" tracebacks) is what a user would see.
"""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest

DISCONNECTS = 12
# a process of its own to start, and a dozen watches to open and drop
pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def devcluster_process() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A devcluster subprocess, as `make demo` starts one, and its address."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rollouts", "devcluster", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert "serving the Kubernetes API at" in first, first
    try:
        yield first.split()[-1], process
    finally:
        if process.poll() is None:
            process.terminate()
        process.communicate(timeout=10)


def _keep_writing(address: str, stop: threading.Event) -> None:
    """Create ConfigMaps as fast as one client can, so watches always have events to send."""
    count = 0
    while not stop.is_set():
        body = {"metadata": {"name": f"cm-{count}"}, "data": {"padding": "x" * 2000}}
        request = urllib.request.Request(
            f"{address}/api/v1/namespaces/default/configmaps",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:
            answer.read()
        count += 1


def _watch_and_leave(address: str, *, reset: bool) -> None:
    """Start a watch, read its first bytes, and hang up (with a TCP reset if `reset`)."""
    host, port = address.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"GET /api/v1/namespaces/default/configmaps?watch=true HTTP/1.1\r\n"
            b"Host: devcluster\r\n\r\n"
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        time.sleep(0.02)  # events keep coming meanwhile
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_watch_clients_leaving_mid_stream_log_no_errors(
    devcluster_process: tuple[str, subprocess.Popen[str]],
):
    address, process = devcluster_process
    stop = threading.Event()
    writer = threading.Thread(target=_keep_writing, args=(address, stop))
    writer.start()
    try:
        for attempt in range(DISCONNECTS):
            _watch_and_leave(address, reset=attempt % 2 == 1)
        time.sleep(0.3)  # let the server notice the last one
    finally:
        stop.set()
        writer.join(timeout=10)

    assert process.poll() is None, "devcluster exited"
    process.terminate()
    _, stderr = process.communicate(timeout=10)
    assert "Traceback" not in stderr
    assert " ERROR " not in stderr
