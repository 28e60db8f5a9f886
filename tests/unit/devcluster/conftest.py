"""Fixtures for the in-process devcluster tests: a store on a fake clock, and its controllers."""

from __future__ import annotations

import pytest

from rollouts.devcluster import simulation, store
from tests.unit.devcluster import clock as fake_clock


@pytest.fixture
def clock() -> fake_clock.FakeClock:
    return fake_clock.FakeClock()


@pytest.fixture
def objects(clock: fake_clock.FakeClock) -> store.Store:
    """An empty cluster (the four system namespaces only), seeded for repeatable names."""
    return store.Store(clock=clock, seed=1)


@pytest.fixture
def sim(objects: store.Store) -> simulation.Simulation:
    """The simulated controllers: pods are ready two seconds after they are scheduled, and
    images tagged `broken` never pull."""
    settings = simulation.Settings(pod_ready_delay=2.0, broken_image_pattern="*:broken")
    return simulation.Simulation(objects, settings)
