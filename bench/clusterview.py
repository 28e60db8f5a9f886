"""What a user would see from outside: Rollouts and Services, watched over HTTP as they change.

`ClusterView` lists and then watches one resource across all namespaces on a thread of its
own (a plain `http.client` connection straight to devcluster, not through the proxy), and keeps
for each object the history of its summary, each with the `time.monotonic_ns()` the event was
read at. The benchmark waits on it and reads transition times from it.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any, Generic, TypeVar

JSON = dict[str, Any]
S = TypeVar("S")
HASH_LABEL = "rollouts-pod-template-hash"
POLL_SECONDS = 0.05
RECONNECT_SECONDS = 0.2


@dataclasses.dataclass(frozen=True, slots=True)
class RolloutState:
    phase: str
    message: str
    step: int | None
    observed: bool  # status.observedGeneration is the current generation
    pod_hash: str  # status.currentPodHash
    stable_rs: str
    paused: bool  # status.pauseConditions is not empty

    @property
    def healthy(self) -> bool:
        return self.observed and self.phase == "Healthy" and self.stable_rs == self.pod_hash != ""

    @property
    def where(self) -> tuple[str, int | None, str]:
        """A change of any of these is a step transition."""
        return (self.pod_hash, self.step, self.stable_rs)


def rollout_state(body: JSON) -> RolloutState:
    status = body.get("status") or {}
    return RolloutState(
        phase=str(status.get("phase") or ""),
        message=str(status.get("message") or ""),
        step=status.get("currentStepIndex"),
        observed=str(status.get("observedGeneration")) == str(body["metadata"].get("generation")),
        pod_hash=str(status.get("currentPodHash") or ""),
        stable_rs=str(status.get("stableRS") or ""),
        paused=bool(status.get("pauseConditions")),
    )


def selector_hash(body: JSON) -> str:
    """The pod-template hash a Service selects ("" for none)."""
    return str(((body.get("spec") or {}).get("selector") or {}).get(HASH_LABEL) or "")


Key = tuple[str, str]  # namespace, name


class ClusterView(Generic[S]):
    """One resource, all namespaces: each object's summaries over time."""

    def __init__(self, address: str, path: str, summarize: Callable[[JSON], S]) -> None:
        parsed = urllib.parse.urlsplit(address)
        self._host, self._port = parsed.hostname or "", parsed.port or 80
        self.path = path
        self.summarize = summarize
        self.history: dict[Key, list[tuple[int, S]]] = {}
        self.changed = threading.Condition()
        self.events = 0
        self._stopping = False
        self._connection: http.client.HTTPConnection | None = None
        self._thread = threading.Thread(target=self._run, name=f"watch {path}", daemon=True)
        self._listed = threading.Event()

    def __enter__(self) -> ClusterView[S]:
        self._thread.start()
        if not self._listed.wait(30):
            raise TimeoutError(f"could not list {self.path}")
        return self

    def __exit__(self, *_: object) -> None:
        self._stopping = True
        connection = self._connection
        if connection is not None and connection.sock is not None:
            connection.sock.close()
        self._thread.join(timeout=5)

    # -- the watch thread

    def _run(self) -> None:
        while not self._stopping:
            try:
                self._list_and_watch()
            except (OSError, http.client.HTTPException, ValueError):
                if self._stopping:
                    return
                time.sleep(RECONNECT_SECONDS)

    def _get(self, query: str) -> http.client.HTTPResponse:
        self._connection = http.client.HTTPConnection(self._host, self._port, timeout=None)
        self._connection.request("GET", f"{self.path}?{query}")
        response = self._connection.getresponse()
        if response.status != 200:
            raise http.client.HTTPException(f"{self.path}: {response.status}")
        return response

    def _list_and_watch(self) -> None:
        listed = json.loads(self._get("").read())
        now = time.monotonic_ns()
        for item in listed["items"]:
            self._record(item, now)
        self._listed.set()
        rv = listed["metadata"]["resourceVersion"]
        while not self._stopping:
            response = self._get(f"watch=true&allowWatchBookmarks=true&resourceVersion={rv}")
            while line := response.readline():
                event = json.loads(line)
                body = event["object"]
                if event["type"] == "ERROR":
                    return  # expired: list again
                rv = body["metadata"].get("resourceVersion", rv)
                if event["type"] in ("ADDED", "MODIFIED"):
                    self._record(body, time.monotonic_ns())

    def _record(self, body: JSON, now: int) -> None:
        key = (body["metadata"].get("namespace", ""), body["metadata"]["name"])
        summary = self.summarize(body)
        with self.changed:
            self.events += 1
            history = self.history.setdefault(key, [])
            if not history or history[-1][1] != summary:
                history.append((now, summary))
            self.changed.notify_all()

    # -- reading, from the benchmark's threads

    def now(self, key: Key) -> S | None:
        with self.changed:
            history = self.history.get(key)
            return history[-1][1] if history else None

    def first(self, key: Key, reached: Callable[[S], bool], after_ns: int) -> int | None:
        """When `key` was first seen in a state `reached` accepts at or after `after_ns`."""
        with self.changed:
            for at, state in self.history.get(key, ()):
                if at >= after_ns and reached(state):
                    return at
        return None

    def changes(self, key: Key, after_ns: int, before_ns: int) -> list[S]:
        with self.changed:
            return [s for at, s in self.history.get(key, ()) if after_ns <= at < before_ns]

    def wait_for(self, key: Key, reached: Callable[[S], bool], what: str, timeout: float) -> int:
        """Wait until `key` is in a state `reached` accepts; when that was seen."""
        seen: list[int] = []

        def done() -> bool:
            history = self.history.get(key)
            if history and reached(history[-1][1]):
                seen.append(history[-1][0])
                return True
            return False

        with self.changed:
            if not self.changed.wait_for(done, timeout):
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        return seen[-1]

    def wait_all(
        self, keys: list[Key], reached: Callable[[S], bool], what: str, timeout: float
    ) -> None:
        """Wait until every one of `keys` is in a state `reached` accepts (polling: checking
        them all on every event would cost more than the events)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.changed:
                missing = [
                    k for k in keys if not (self.history.get(k) and reached(self.history[k][-1][1]))
                ]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"timed out after {timeout:.0f} s waiting for {what}: "
                    f"{len(missing)} not yet, e.g. {missing[0]} at {self.now(missing[0])}"
                )
            time.sleep(POLL_SECONDS)
