"""QueuedRecorder: a reconcile hands its Events over and goes on; one thread writes them."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from structlog import testing

from rollouts import errors, model
from rollouts.adapters import event_queue
from rollouts.core import actions

REF = model.ObjectRef("default", "demo")


class Written:
    """The inner recorder: keeps what it was given; can be held, or fail on one reason."""

    def __init__(self, *, fail_on: str = "") -> None:
        self.reasons: list[str] = []
        self.fail_on = fail_on
        self.released = threading.Event()
        self.released.set()
        self.writing = threading.Event()

    def event(self, ref: model.ObjectRef, event: actions.Event) -> None:
        self.writing.set()
        assert self.released.wait(10), "the test never released the writer"
        if event.reason == self.fail_on:
            raise errors.ClusterError(f"events is forbidden: {event.reason}")
        self.reasons.append(event.reason)


@pytest.fixture
def written() -> Written:
    return Written()


@pytest.fixture
def recorder(written: Written) -> Iterator[event_queue.QueuedRecorder]:
    queued = event_queue.QueuedRecorder(written, capacity=3)
    queued.start()
    yield queued
    written.released.set()
    queued.stop()


def test_events_are_written_in_the_order_they_were_recorded(
    recorder: event_queue.QueuedRecorder, written: Written
):
    for reason in ("RolloutStepCompleted", "RolloutPaused", "RolloutResumed"):
        recorder.event(REF, actions.Event(reason, "m"))

    recorder.stop()

    assert written.reasons == ["RolloutStepCompleted", "RolloutPaused", "RolloutResumed"]


def test_recording_returns_while_the_write_is_still_waiting_on_the_api(
    recorder: event_queue.QueuedRecorder, written: Written
):
    written.released.clear()

    recorder.event(REF, actions.Event("AnalysisRunSuccessful", "m"))
    recorder.event(REF, actions.Event("MetricSuccessful", "m"))

    assert written.writing.wait(10)
    assert written.reasons == []
    written.released.set()
    recorder.stop()
    assert written.reasons == ["AnalysisRunSuccessful", "MetricSuccessful"]


def test_a_failed_write_is_logged_and_the_next_event_still_goes_out():
    written = Written(fail_on="Forbidden")
    recorder = event_queue.QueuedRecorder(written)
    recorder.start()

    with testing.capture_logs() as logs:
        recorder.event(REF, actions.Event("Forbidden", "m"))
        recorder.event(REF, actions.Event("RolloutCompleted", "m"))
        recorder.stop()

    assert written.reasons == ["RolloutCompleted"]
    assert [(e["event"], e["reason"]) for e in logs] == [("event not recorded", "Forbidden")]
    assert "forbidden" in logs[0]["error"]


def test_when_the_queue_is_full_a_new_event_is_dropped_with_a_log_line(
    recorder: event_queue.QueuedRecorder, written: Written
):
    written.released.clear()
    recorder.event(REF, actions.Event("First", "m"))
    assert written.writing.wait(10)  # taken off the queue, held in the write

    with testing.capture_logs() as logs:
        for reason in ("Second", "Third", "Fourth", "Dropped"):
            recorder.event(REF, actions.Event(reason, "m"))

    assert [(e["event"], e["reason"]) for e in logs] == [
        ("event dropped: too many waiting to be written", "Dropped")
    ]
    written.released.set()
    recorder.stop()
    assert written.reasons == ["First", "Second", "Third", "Fourth"]


def test_events_recorded_before_start_are_written_once_it_starts(written: Written):
    recorder = event_queue.QueuedRecorder(written)
    recorder.event(REF, actions.Event("NewReplicaSetCreated", "m"))
    assert written.reasons == []

    recorder.start()
    recorder.stop()

    assert written.reasons == ["NewReplicaSetCreated"]


def test_a_burst_goes_out_at_once_and_the_rest_at_the_rate():
    bucket = event_queue.TokenBucket(rate=10, burst=3, now=100.0)

    waits = [bucket.take(100.0) for _ in range(5)]

    assert waits == [0.0, 0.0, 0.0, pytest.approx(0.1), pytest.approx(0.2)]


def test_an_idle_writer_earns_back_its_burst_and_no_more():
    bucket = event_queue.TokenBucket(rate=10, burst=2, now=0.0)
    for _ in range(2):
        bucket.take(0.0)

    waits = [bucket.take(60.0) for _ in range(3)]

    assert waits == [0.0, 0.0, pytest.approx(0.1)]


def test_stopping_writes_what_waits_for_its_turn_at_once(written: Written):
    recorder = event_queue.QueuedRecorder(written, rate=0.001, burst=1)  # one, then 1000 s apart
    recorder.start()
    for reason in ("RolloutStepCompleted", "RolloutPaused", "RolloutResumed"):
        recorder.event(REF, actions.Event(reason, "m"))

    recorder.stop(timeout=5)  # paced, the third would be written 2000 s from now

    assert written.reasons == ["RolloutStepCompleted", "RolloutPaused", "RolloutResumed"]
