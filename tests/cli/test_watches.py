"""Watches on the wire, against a scripted server: list, then watch from the list's version;
resume after the server ends a watch; list again on 410; close() at once."""

from __future__ import annotations

import time
from typing import Any

import pytest

from rollouts import errors
from rollouts.cli import client as kc
from rollouts.cli import watches
from tests.cli.fakeapi import FakeAPI, Request, Stream, status, write_kubeconfig
from tests.conftest import wait_for

PODS = "/api/v1/namespaces/team/pods"


def pod(name: str, version: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "resourceVersion": version}}


def event(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "object": obj}


class Script:
    """Answers for the pods collection: lists in turn, and watches by resourceVersion."""

    def __init__(self, lists: list[dict[str, Any]], watches: dict[str, Any]) -> None:
        self.lists = lists
        self.watches = watches

    def __call__(self, request: Request) -> Any:
        if request.query.get("watch") != "1":
            return 200, self.lists.pop(0)
        return self.watches.get(request.query.get("resourceVersion"), Stream([], hold=True))


def follow(api: FakeAPI, tmp_path) -> watches.Events:
    config = write_kubeconfig(tmp_path / "config", api.url, namespace="team")
    c = kc.Client(kc.Target(kubeconfig=str(config)))
    (source,) = [s for s in c.watch_sources("demo") if s.path == PODS]
    return watches.Events([source])


def received(events: watches.Events, count: int) -> list[Any]:
    return [events.next(5) for _ in range(count)]


def watched_versions(api: FakeAPI) -> list[str | None]:
    return [r.query.get("resourceVersion") for r in api.requests if r.query.get("watch")]


def test_a_watch_starts_at_the_list_and_resumes_where_it_ended(tmp_path) -> None:
    script = Script(
        lists=[{"items": [pod("a", "3")], "metadata": {"resourceVersion": "5"}}],
        watches={"5": Stream([event("MODIFIED", pod("a", "6")), event("BOOKMARK", pod("", "8"))])},
    )
    with FakeAPI(script) as api:
        events = follow(api, tmp_path)
        try:
            assert received(events, 2) == [event("ADDED", pod("a", "3")),
                                           event("MODIFIED", pod("a", "6"))]  # fmt: skip
            wait_for(lambda: watched_versions(api) == ["5", "8"], message="a watch from 8")
        finally:
            started = time.monotonic()
            events.close()
            assert time.monotonic() - started < 1.0
    assert list(events.drain()) == []  # the bookmark moved the version, and was no event
    first = next(r for r in api.requests if r.query.get("watch"))
    assert first.query == {
        "watch": "1",
        "allowWatchBookmarks": "true",
        "timeoutSeconds": str(watches.WATCH_SECONDS),
        "resourceVersion": "5",
    }


@pytest.mark.parametrize(
    "expired",
    [Stream([event("ERROR", status(410, "too old resource version: 5 (9)"))]),
     (410, status(410, "too old resource version: 5 (9)"))],
    ids=["error event", "http status"],
)  # fmt: skip
def test_an_expired_version_lists_again_and_watches_from_there(tmp_path, expired) -> None:
    script = Script(
        lists=[
            {"items": [pod("a", "3")], "metadata": {"resourceVersion": "5"}},
            {"items": [pod("b", "9")], "metadata": {"resourceVersion": "9"}},
        ],
        watches={"5": expired},
    )
    with FakeAPI(script) as api:
        events = follow(api, tmp_path)
        try:
            assert received(events, 2) == [event("ADDED", pod("a", "3")),
                                           event("ADDED", pod("b", "9"))]  # fmt: skip
            wait_for(lambda: watched_versions(api) == ["5", "9"], message="a watch from 9")
        finally:
            events.close()


def test_a_failed_watch_is_raised_to_the_reader(tmp_path) -> None:
    script = Script(
        lists=[{"items": [], "metadata": {"resourceVersion": "5"}}],
        watches={"5": Stream([event("ERROR", status(500, "etcd is gone"))])},
    )
    with FakeAPI(script) as api:
        events = follow(api, tmp_path)
        try:
            with pytest.raises(errors.ClusterError, match=r"^watch failed: 500 etcd is gone$"):
                events.next(5)
        finally:
            events.close()
