"""bench/wireproxy.py between a client and devcluster: requests pass through whole, on kept-alive
connections and in watch streams, and each is recorded with what it addresses and sets."""

from __future__ import annotations

import http.client
import json
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest

from bench import wirelog
from rollouts.devcluster import cluster

CONFIGMAPS = "/api/v1/namespaces/ns-a/configmaps"


@pytest.fixture
def proxy(tmp_path: pathlib.Path) -> Iterator[wirelog.WireProxy]:
    options = cluster.Options(kubeconfig=tmp_path / "kubeconfig", crds=None)
    with (
        cluster.BackgroundCluster(options) as running,
        wirelog.WireProxy(running.address, tmp_path / "kubeconfig", tmp_path) as started,
    ):
        yield started


def _call(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: Any = None,
    content_type: str = "application/json",
) -> tuple[int, Any]:
    payload = None if body is None else json.dumps(body).encode()
    connection.request(method, path, payload, {"Content-Type": content_type})
    answer = connection.getresponse()
    return answer.status, json.loads(answer.read())


def test_requests_pass_on_one_kept_alive_connection_and_each_is_recorded(
    proxy: wirelog.WireProxy,
):
    connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    assert _call(connection, "POST", "/api/v1/namespaces", {"metadata": {"name": "ns-a"}})[0] == 201
    created = {"metadata": {"name": "c", "annotations": {"a/b": "1"}}, "data": {"k": "v"}}
    assert _call(connection, "POST", CONFIGMAPS, created)[0] == 201
    patch = {"data": {"k": "w"}}
    status, patched = _call(
        connection, "PATCH", f"{CONFIGMAPS}/c", patch, "application/merge-patch+json"
    )
    assert (status, patched["data"]) == (200, {"k": "w"})
    assert _call(connection, "GET", f"{CONFIGMAPS}/missing")[0] == 404
    connection.close()

    proxy.log.settled()
    seen = [
        (r.method, r.namespace, r.resource, r.name, r.status, r.fields) for r in proxy.log.requests
    ]
    created_fields = ("metadata.name", "metadata.annotations[a/b]", "data.k")
    assert seen == [
        ("POST", "", "namespaces", "", 201, ("metadata.name",)),
        ("POST", "ns-a", "configmaps", "", 201, created_fields),
        ("PATCH", "ns-a", "configmaps", "c", 200, ("data.k",)),
        ("GET", "ns-a", "configmaps", "missing", 404, ()),
    ]  # fmt: skip
    assert [wirelog.write_kind(r) for r in proxy.log.writes("ns-a", 0)] == [
        "configmaps create",
        "configmaps PATCH data.k",
    ]


def test_a_watch_stream_passes_through_event_by_event(proxy: wirelog.WireProxy):
    writer = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    _call(writer, "POST", "/api/v1/namespaces", {"metadata": {"name": "ns-a"}})
    watcher = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    watcher.request("GET", f"{CONFIGMAPS}?watch=true&resourceVersion=0")
    stream = watcher.getresponse()
    assert stream.status == 200

    _call(writer, "POST", CONFIGMAPS, {"metadata": {"name": "c"}, "data": {"k": "v"}})
    first = json.loads(stream.readline())
    _call(writer, "DELETE", f"{CONFIGMAPS}/c")
    second = json.loads(stream.readline())
    watcher.close()
    writer.close()

    assert (first["type"], second["type"]) == ("ADDED", "DELETED")
    proxy.log.settled()
    watches = [r for r in proxy.log.requests if r.is_watch]
    assert [(r.method, r.resource, r.status) for r in watches] == [("GET", "configmaps", 200)]
    assert [r.counted for r in proxy.log.writes("ns-a", 0)] == [True, True]


def test_the_kubeconfig_it_writes_points_clients_at_the_proxy(proxy: wirelog.WireProxy):
    text = proxy.kubeconfig.read_text()
    assert proxy.address in text
