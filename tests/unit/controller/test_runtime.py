"""The runtime's AnalysisRun events: which ones queue a run for measuring."""

from __future__ import annotations

import asyncio
import copy
from typing import Any, cast

import pytest

from rollouts import model, ports
from rollouts.adapters import cache
from rollouts.controller import runtime

KEY = ("default", "run")


def _run(version: int, count: int = 0) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {"name": "run", "namespace": "default", "resourceVersion": str(version)},
        "spec": {"metrics": [{"name": "up", "interval": "1s", "count": 3}]},
        "status": {"phase": "Running", "metricResults": [{"name": "up", "count": count}]},
    }


def _taken(rt: runtime.Runtime) -> runtime.Runtime:
    """The run's queued key handed to a worker and done with, as after its reconcile."""
    assert asyncio.run(rt.runs.get()) == KEY
    rt.runs.done(KEY)
    assert len(rt.runs) == 0
    return rt


@pytest.fixture
def rt() -> runtime.Runtime:
    # run events touch the caches and the queues only
    return runtime.Runtime(caches=cache.Caches(), io=cast(ports.Ports, None))


@pytest.mark.parametrize("event", ["ADDED", None])
def test_a_new_or_listed_run_is_queued(rt: runtime.Runtime, event: str | None):
    rt.on_analysis_run(event, _run(1))

    assert len(rt.runs) == 1


def test_a_change_of_its_status_alone_queues_nothing(rt: runtime.Runtime):
    """The worker's own status write coming back: its next measurement has its timer."""
    rt.on_analysis_run("ADDED", _run(1))
    _taken(rt)

    rt.on_analysis_run("MODIFIED", _run(2, count=1))

    assert len(rt.runs) == 0
    assert rt.caches.analysis_runs.get(*KEY) == _run(2, count=1)


@pytest.mark.parametrize(
    "change",
    [
        lambda body: body["spec"].update(terminate=True),
        lambda body: body["metadata"].update(deletionTimestamp="2026-01-01T00:00:00Z"),
        lambda body: body["metadata"].update(labels={"rollout-type": "Step"}),
    ],
    ids=["terminate", "deleting", "labels"],
)
def test_a_change_of_spec_or_metadata_is_queued(rt: runtime.Runtime, change: Any):
    rt.on_analysis_run("ADDED", _run(1))
    _taken(rt)
    changed = copy.deepcopy(_run(2))
    change(changed)

    rt.on_analysis_run("MODIFIED", changed)

    assert len(rt.runs) == 1


def test_a_run_deleted_and_created_again_is_queued(rt: runtime.Runtime):
    rt.on_analysis_run("ADDED", _run(1))
    _taken(rt)
    rt.on_analysis_run("DELETED", _run(2))

    rt.on_analysis_run("ADDED", _run(3))

    assert len(rt.runs) == 1
    assert KEY in rt.run_versions


def _parsed(version: int) -> model.AnalysisRun:
    body = _run(version)
    body["spec"]["metrics"][0]["provider"] = {"prometheus": {"query": "up"}}
    return model.parse_analysis_run(body)


def test_a_run_parsed_at_one_version_is_not_used_at_another(rt: runtime.Runtime):
    parsed = _parsed(2)
    rt.parsed_runs.keep(parsed, "2")

    assert rt.parsed_runs.get(*KEY, "2") is parsed
    assert rt.parsed_runs.get(*KEY, "3") is None  # changed by someone else: parsed again


def test_a_deleted_run_is_no_longer_kept_parsed(rt: runtime.Runtime):
    rt.on_analysis_run("ADDED", _run(1))
    rt.parsed_runs.keep(_parsed(1), "1")

    rt.on_analysis_run("DELETED", _run(1))

    assert rt.parsed_runs.get(*KEY, "1") is None
