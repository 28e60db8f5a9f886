"""The standalone devcluster's collector policy: survivors frozen, cycles still reclaimed."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from rollouts.devcluster import heap


class Stored(dict[str, object]):
    """A stored body that a weak reference can watch (a plain dict cannot be one's target)."""


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


@pytest.fixture
def policy() -> Iterator[None]:
    gc.callbacks.append(heap.freeze_survivors)
    try:
        yield
    finally:
        gc.callbacks.remove(heap.freeze_survivors)
        gc.unfreeze()


@pytest.mark.usefixtures("policy")
def test_what_survives_a_young_collection_is_frozen_out_of_the_full_ones():
    kept = [{"metadata": {"name": f"run-{i}"}, "status": {"phase": "Running"}} for i in range(500)]
    gc.collect(heap.OLDEST_YOUNG)

    assert gc.get_freeze_count() >= len(kept)
    assert not any(obj is kept for obj in gc.get_objects(generation=2))


@pytest.mark.usefixtures("policy")
def test_reference_counting_still_frees_a_frozen_object():
    stored = Stored(spec={})
    gone = weakref.finalize(stored, lambda: None)
    gc.collect(heap.OLDEST_YOUNG)
    assert gc.get_freeze_count() > 0

    del stored

    assert not gone.alive


@pytest.mark.usefixtures("policy")
def test_a_cycle_that_died_after_it_was_frozen_is_reclaimed():
    node = Node()
    gone = weakref.finalize(node, lambda: None)
    gc.collect(heap.OLDEST_YOUNG)
    del node
    gc.collect()
    assert gone.alive  # frozen: a full collection does not see it

    heap.reclaim()

    assert not gone.alive


def test_reclaim_forever_installs_the_policy_and_takes_it_out_when_cancelled():
    async def scenario() -> tuple[bool, bool]:
        task = asyncio.create_task(heap.reclaim_forever(every=3600))
        await asyncio.sleep(0)
        installed = heap.freeze_survivors in gc.callbacks
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return installed, heap.freeze_survivors in gc.callbacks

    assert asyncio.run(scenario()) == (True, False)
    assert gc.get_freeze_count() == 0
