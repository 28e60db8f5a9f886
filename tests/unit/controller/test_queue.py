"""The work queue's contract: once per burst of adds, never two workers on a key, earliest
due time wins, and a due key wakes one idle worker, not all of them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rollouts.controller import queue

A = ("default", "a")
B = ("default", "b")
DEADLINE = 5.0  # seconds: a generous bound on what should take milliseconds


def run(test: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(test(), DEADLINE))


def test_a_key_added_many_times_before_it_is_taken_is_handed_out_once() -> None:
    async def scenario() -> tuple[queue.Key, int]:
        work = queue.WorkQueue()
        for _ in range(5):
            work.add(A)
        return await work.get(), len(work)

    assert run(scenario) == (A, 0)


def test_keys_come_out_in_due_order() -> None:
    async def scenario() -> list[queue.Key]:
        work = queue.WorkQueue()
        work.add(A, 0.05)
        work.add(B)
        return [await work.get(), await work.get()]

    assert run(scenario) == [B, A]


def test_a_delayed_key_is_not_handed_out_before_its_time() -> None:
    async def scenario() -> float:
        work = queue.WorkQueue()
        added = time.monotonic()
        work.add(A, 0.05)
        await work.get()
        return time.monotonic() - added

    assert run(scenario) >= 0.05


def test_the_earliest_due_time_wins_over_a_later_add() -> None:
    async def scenario() -> float:
        work = queue.WorkQueue()
        added = time.monotonic()
        work.add(A, 0.01)
        work.add(A, 10.0)
        await work.get()
        return time.monotonic() - added

    assert run(scenario) < 1.0


def test_an_earlier_add_brings_a_waiting_key_forward() -> None:
    async def scenario() -> float:
        work = queue.WorkQueue()
        work.add(A, 10.0)
        taker = asyncio.create_task(work.get())
        await asyncio.sleep(0)  # the worker waits, its timer set for 10 s
        added = time.monotonic()
        work.add(A)
        assert await taker == A
        return time.monotonic() - added

    assert run(scenario) < 1.0


def test_a_key_added_while_processed_comes_back_once_the_worker_is_done() -> None:
    async def scenario() -> list[object]:
        work = queue.WorkQueue()
        work.add(A)
        first = await work.get()
        work.add(A)
        work.add(A)
        second = asyncio.create_task(work.get())
        await asyncio.sleep(0.01)
        handed_while_busy = second.done()
        work.done(first)
        return [handed_while_busy, await second, len(work)]

    assert run(scenario) == [False, A, 0]


def test_one_due_key_wakes_one_of_many_idle_workers() -> None:
    async def scenario() -> tuple[int, int]:
        work = queue.WorkQueue()
        workers = [asyncio.create_task(work.get()) for _ in range(10)]
        await asyncio.sleep(0)
        work.add(A)
        work.add(B, 0.01)
        await asyncio.sleep(0.05)
        handed = [w.result() for w in workers if w.done()]
        for w in workers:
            w.cancel()
        return len(handed), len(set(handed))

    assert run(scenario) == (2, 2)


def test_a_worker_cancelled_while_waiting_gives_up_no_key() -> None:
    async def scenario() -> queue.Key:
        work = queue.WorkQueue()
        gone = asyncio.create_task(work.get())
        await asyncio.sleep(0)
        gone.cancel()
        await asyncio.sleep(0)
        work.add(A)
        return await work.get()

    assert run(scenario) == A


def test_a_key_handed_to_a_worker_cancelled_before_it_ran_is_queued_again() -> None:
    async def scenario() -> queue.Key:
        work = queue.WorkQueue()
        taker = asyncio.create_task(work.get())
        await asyncio.sleep(0)
        work.add(A)  # handed to the waiting worker, which has not run yet
        taker.cancel()
        await asyncio.gather(taker, return_exceptions=True)
        return await work.get()

    assert run(scenario) == A
