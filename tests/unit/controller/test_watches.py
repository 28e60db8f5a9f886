"""The controller's ListWatches: one per kind, each feeding its cache on the event loop."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from kubernetes import client

from rollouts.controller import main

KINDS = {
    "rollouts": "rollouts",
    "replicasets": "replica_sets",
    "services": "services",
    "ingresses": "ingresses",
    "deployments": "deployments",
    "analysistemplates": "analysis_templates",
    "clusteranalysistemplates": "cluster_analysis_templates",
    "analysisruns": "analysis_runs",
}


def _body(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "default", "uid": name, "resourceVersion": "1"},
        "spec": {},
    }


def test_each_kind_is_watched_once_and_its_events_reach_its_cache_on_the_loop():
    rt = main.build_runtime(client.ApiClient())
    loop = asyncio.new_event_loop()
    try:
        watches = main.watches(client.ApiClient(), rt, "default", loop)
        assert sorted(watch.kind for watch in watches) == sorted(KINDS)
        # delivered from other threads, as the watch threads do; applied only by the loop
        for watch in watches:
            thread = threading.Thread(target=watch.deliver, args=(None, _body(watch.kind)))
            thread.start()
            thread.join()
        assert all(len(getattr(rt.caches, cache)) == 0 for cache in KINDS.values())
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()

    for kind, cache in KINDS.items():
        assert getattr(rt.caches, cache).get("default", kind) is not None, kind
    assert len(rt.work) == 1  # the Rollout, listed
    assert len(rt.runs) == 1  # the run, to measure
