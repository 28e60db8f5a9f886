"""ListWatch against a cluster: the listing, then every change, across expiry and failures."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client, config

from rollouts.adapters import listwatch, sources
from rollouts.devcluster import cluster
from rollouts.model import refs
from tests.conftest import wait_for

Seen = list[tuple[str | None, str]]


def _run(name: str) -> dict[str, Any]:
    metric = {"name": "m", "provider": {"prometheus": {"address": "http://p:9090", "query": "up"}}}
    return {
        "apiVersion": refs.API_VERSION,
        "kind": "AnalysisRun",
        "metadata": {"name": name},
        "spec": {"metrics": [metric]},
    }


class Recorder:
    """What a ListWatch delivered, as (type, name), in order."""

    def __init__(self) -> None:
        self.seen: Seen = []
        self._lock = threading.Lock()

    def __call__(self, kind: str | None, body: dict[str, Any]) -> None:
        with self._lock:
            self.seen.append((kind, body["metadata"]["name"]))

    def after(self, count: int) -> Seen:
        with self._lock:
            return self.seen[count:]


class ConfigMaps:
    """A Source, and writes, for ConfigMaps of one namespace: a kind no controller touches.

    (The session's end-to-end controller reconciles every AnalysisRun it sees, and its status
    writes would add events these tests do not expect.) Each write has a timeout: a watch
    connection given back to the pool mid-stream would make the next request through the
    same client read the stream's rest, and wait for it to end.
    """

    def __init__(self, api: Any, namespace: str) -> None:
        self.core = client.CoreV1Api(api)
        self.namespace = namespace

    def list(self, **params: Any) -> Any:
        return self.core.list_namespaced_config_map(self.namespace, **params)

    def watch(self, **params: Any) -> Any:
        return self.core.list_namespaced_config_map(self.namespace, watch=True, **params)

    def create(self, name: str) -> None:
        body = {"metadata": {"name": name}, "data": {"k": "v"}}
        self.core.create_namespaced_config_map(self.namespace, body, _request_timeout=5)

    def change(self, name: str, value: str) -> None:
        body = {"data": {"k": value}}
        self.core.patch_namespaced_config_map(name, self.namespace, body, _request_timeout=5)

    def delete(self, name: str) -> None:
        self.core.delete_namespaced_config_map(name, self.namespace, _request_timeout=5)


@pytest.fixture
def watching() -> Iterator[list[listwatch.ListWatch]]:
    """ListWatches a test starts, stopped after it."""
    started: list[listwatch.ListWatch] = []
    yield started
    for each in started:
        each.stop()


def _start(
    watches: list[listwatch.ListWatch], source: listwatch.Source, recorder: Recorder
) -> listwatch.ListWatch:
    watch = listwatch.ListWatch(source, recorder, kind="objects")
    watches.append(watch)
    watch.start()
    assert watch.synced.wait(10), "the first listing"
    return watch


def test_the_listing_comes_first_then_every_change_in_order(
    api: Any, namespace: str, watching: list[listwatch.ListWatch]
):
    objects = ConfigMaps(api, namespace)
    objects.create("a")
    recorder = Recorder()

    _start(watching, objects, recorder)
    objects.create("b")
    objects.change("a", "w")
    objects.delete("b")

    expected = [(None, "a"), ("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "b")]
    wait_for(lambda: recorder.after(0) == expected, message=f"{expected}, got {recorder.seen}")


def test_analysis_runs_are_watched_in_their_namespace_only(
    api: Any, namespace: str, watching: list[listwatch.ListWatch]
):
    other = f"{namespace}-x"
    client.CoreV1Api(api).create_namespace({"metadata": {"name": other}})
    recorder = Recorder()
    _start(watching, sources.AnalysisRuns(api, namespace), recorder)

    _create_run(api, other, "elsewhere")
    _create_run(api, namespace, "here")

    wait_for(lambda: ("ADDED", "here") in recorder.after(0), message=str(recorder.seen))
    assert {name for _, name in recorder.after(0)} == {"here"}


def _create_run(api: Any, namespace: str, name: str) -> None:
    client.CustomObjectsApi(api).create_namespaced_custom_object(
        refs.GROUP, refs.VERSION, namespace, "analysisruns", _run(name)
    )


# ----------------------------------------------------- a history too short to resume from


@pytest.fixture(scope="module")
def short_history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A devcluster that keeps 3 changes per kind: a watch away longer must list again."""
    home = tmp_path_factory.mktemp("short-history")
    options = cluster.Options(kubeconfig=home / "kubeconfig", history=3)
    with cluster.BackgroundCluster(options):
        configuration = client.Configuration()
        config.load_kube_config(
            config_file=str(options.kubeconfig), client_configuration=configuration
        )
        with client.ApiClient(configuration) as api:
            client.CoreV1Api(api).create_namespace({"metadata": {"name": "lw"}})
            yield api


def test_back_after_its_version_expired_it_lists_again_and_reports_what_went_away(
    short_history: Any, watching: list[listwatch.ListWatch]
):
    objects = ConfigMaps(short_history, "lw")
    objects.create("kept")
    objects.create("gone")
    recorder = Recorder()
    watch = _start(watching, objects, recorder)
    watch.stop()
    wait_for(lambda: not any(t.name == "watch-objects" for t in threading.enumerate()))
    seen = len(recorder.seen)

    objects.delete("gone")
    for i in range(5):  # more changes than the server keeps
        objects.change("kept", f"change {i}")
    watch.start()

    wait_for(
        lambda: recorder.after(seen) == [("DELETED", "gone"), (None, "kept")],
        message=f"a deletion and a new listing, got {recorder.after(seen)}",
    )


# ------------------------------------------------------------------ failures


class FailingFirst:
    """A Source whose first watch request fails as a dropped connection would."""

    def __init__(self, inner: listwatch.Source) -> None:
        self.inner = inner
        self.failures = 0

    def list(self, **params: Any) -> Any:
        return self.inner.list(**params)

    def watch(self, **params: Any) -> Any:
        if not self.failures:
            self.failures += 1
            raise ConnectionResetError("connection reset by peer")
        return self.inner.watch(**params)


def test_a_failed_watch_is_tried_again_from_where_it_was(
    api: Any, namespace: str, watching: list[listwatch.ListWatch]
):
    objects = ConfigMaps(api, namespace)
    source = FailingFirst(objects)
    recorder = Recorder()
    _start(watching, source, recorder)

    objects.create("after-the-failure")

    wait_for(
        lambda: recorder.after(0) == [("ADDED", "after-the-failure")],
        message=str(recorder.seen),
    )
    assert source.failures == 1
