"""CronJobs in process: the simulated CronJob controller creating Jobs on the schedule, on a
fake clock that starts at 12:00:00 (Jobs take 4 s to complete)."""

from __future__ import annotations

import datetime
from typing import Any

from rollouts.devcluster import cronplan, simulation, store
from tests.unit.devcluster import clock as fake_clock
from tests.unit.devcluster import manifests as m

NS = "default"
JSON = dict[str, Any]


def _at(minute: int, second: int = 0) -> datetime.datetime:
    return fake_clock.T0.replace(minute=minute, second=second)


def _minutes(when: datetime.datetime) -> int:
    return int(when.timestamp()) // 60


def _jobs(objects: store.Store) -> dict[str, JSON]:
    return {j["metadata"]["name"]: j for j in objects.list(m.JOBS, NS)}


def _cronjob(objects: store.Store) -> JSON:
    return objects.get(m.CRONJOBS, NS, "nightly")


def _create(objects: store.Store, sim: simulation.Simulation, **spec: Any) -> None:
    objects.create(m.CRONJOBS, m.cronjob(**spec), namespace=NS)
    sim.run_due(fake_clock.T0)


def test_a_cronjob_creates_a_job_at_each_scheduled_minute(objects, sim):
    _create(objects, sim, schedule="*/5 * * * *")

    sim.run_until(_at(4, 59))
    assert _jobs(objects) == {}

    sim.run_until(_at(5, 1))
    name = f"nightly-{_minutes(_at(5))}"
    job = _jobs(objects)[name]
    cronjob = _cronjob(objects)
    assert job["metadata"]["ownerReferences"][0]["name"] == "nightly"
    assert job["metadata"]["annotations"][cronplan.SCHEDULED_ANNOTATION] == "2024-01-01T12:05:00Z"
    assert cronjob["status"]["lastScheduleTime"] == "2024-01-01T12:05:00Z"
    assert [ref["name"] for ref in cronjob["status"]["active"]] == [name]


def test_a_finished_job_leaves_the_active_list_and_sets_the_last_success(objects, sim):
    _create(objects, sim, schedule="*/5 * * * *")

    sim.run_until(_at(5, 30))

    status = _cronjob(objects)["status"]
    assert "active" not in status
    assert status["lastSuccessfulTime"] == "2024-01-01T12:05:04Z"


def test_only_the_latest_missed_run_is_made_up(objects, sim, clock):
    _create(objects, sim, schedule="* * * * *")
    clock.advance_to(_at(10, 30))  # the controller slept through ten runs

    sim.run_until(_at(10, 31))

    assert list(_jobs(objects)) == [f"nightly-{_minutes(_at(10))}"]


def test_finished_jobs_beyond_the_history_limit_are_deleted(objects, sim):
    _create(objects, sim, schedule="* * * * *", successfulJobsHistoryLimit=2)

    sim.run_until(_at(5, 30))

    assert sorted(_jobs(objects)) == [f"nightly-{_minutes(_at(n))}" for n in (4, 5)]


def test_forbid_skips_runs_while_a_job_still_runs(objects, sim):
    stuck = {"spec": m.job_spec(image="busybox:broken")}
    _create(objects, sim, schedule="* * * * *", concurrencyPolicy="Forbid", jobTemplate=stuck)

    sim.run_until(_at(3, 30))

    assert list(_jobs(objects)) == [f"nightly-{_minutes(_at(1))}"]


def test_replace_stops_the_running_job_for_the_new_one(objects, sim):
    stuck = {"spec": m.job_spec(image="busybox:broken")}
    _create(objects, sim, schedule="* * * * *", concurrencyPolicy="Replace", jobTemplate=stuck)

    sim.run_until(_at(3, 30))

    assert list(_jobs(objects)) == [f"nightly-{_minutes(_at(3))}"]


def test_a_suspended_cronjob_creates_nothing(objects, sim):
    _create(objects, sim, schedule="* * * * *", suspend=True)

    sim.run_until(_at(3))

    assert _jobs(objects) == {}


def test_a_run_later_than_the_starting_deadline_is_skipped(objects, sim, clock):
    _create(objects, sim, schedule="0 * * * *", startingDeadlineSeconds=60)
    clock.advance_to(fake_clock.T0.replace(hour=13, minute=5))

    sim.run_until(fake_clock.T0.replace(hour=13, minute=6))

    assert _jobs(objects) == {}


def test_deleting_a_cronjob_deletes_its_jobs_and_their_pods(objects, sim):
    _create(objects, sim, schedule="* * * * *")
    sim.run_until(_at(1, 30))

    objects.delete(m.CRONJOBS, namespace=NS, name="nightly", propagation="Background")
    sim.run_until(_at(2, 30))

    assert _jobs(objects) == {}
    assert objects.list(m.PODS, NS) == []
