"""Tables of Jobs and CronJobs, as kube-apiserver 1.32 prints them for `kubectl get`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.devcluster.test_tables import ago, cells, headers, meta


def _condition(kind: str, status: str = "True") -> dict[str, Any]:
    return {"type": kind, "status": status}


def _job(spec: dict[str, Any] | None = None, **status: Any) -> dict[str, Any]:
    containers = [{"name": "main", "image": "busybox"}, {"name": "side", "image": "envoy"}]
    return {
        "metadata": meta("pi"),
        "spec": {
            "completions": 1,
            "parallelism": 1,
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}},
            "template": {"spec": {"containers": containers}},
            **(spec or {}),
        },
        "status": status,
    }


def test_job_and_cronjob_headers():
    assert headers("jobs") == [
        "Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector",
    ]  # fmt: skip
    assert headers("cronjobs") == [
        "Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age",
        "Containers", "Images", "Selector",
    ]  # fmt: skip


def test_a_complete_job_prints_how_long_it_took():
    job = _job(
        succeeded=1,
        startTime=ago(minutes=4),
        completionTime=ago(minutes=3, seconds=30),
        conditions=[_condition("SuccessCriteriaMet"), _condition("Complete")],
    )

    assert cells("jobs", job) == [
        "pi", "Complete", "1/1", "30s", "5m", "main,side", "busybox,envoy",
        "batch.kubernetes.io/controller-uid=u1",
    ]  # fmt: skip


def test_a_running_job_prints_how_long_it_has_run():
    assert cells("jobs", _job(active=1, startTime=ago(seconds=90)))[1:4] == [
        "Running",
        "0/1",
        "90s",
    ]


def test_a_job_not_started_has_no_duration():
    assert cells("jobs", _job())[3] == ""


@pytest.mark.parametrize(
    ("conditions", "deleting", "shown"),
    [
        pytest.param(["FailureTarget", "Failed"], False, "Failed", id="failed"),
        pytest.param(["FailureTarget"], False, "FailureTarget", id="failure-target"),
        pytest.param(["SuccessCriteriaMet"], False, "SuccessCriteriaMet", id="success-met"),
        pytest.param(["Suspended"], False, "Suspended", id="suspended"),
        pytest.param(["FailureTarget"], True, "Terminating", id="terminating"),
        pytest.param(["Complete"], True, "Complete", id="complete-wins-over-terminating"),
    ],
)
def test_a_jobs_status_is_its_first_condition_in_kubectls_order(
    conditions: list[str], deleting: bool, shown: str
):
    job = _job(conditions=[_condition(c) for c in conditions])
    if deleting:
        job["metadata"]["deletionTimestamp"] = ago(seconds=1)

    assert cells("jobs", job)[1] == shown


def test_a_false_condition_is_not_the_status():
    assert cells("jobs", _job(conditions=[_condition("Complete", "False")]))[1] == "Running"


@pytest.mark.parametrize(
    ("completions", "parallelism", "shown"),
    [
        pytest.param(5, 2, "2/5", id="completions"),
        pytest.param(None, 3, "2/1 of 3", id="work-queue"),
        pytest.param(None, 1, "2/1", id="single"),
    ],
)
def test_completions_read_as_kubectl_shows_them(
    completions: int | None, parallelism: int, shown: str
):
    job = _job({"completions": completions, "parallelism": parallelism}, succeeded=2)
    if completions is None:
        del job["spec"]["completions"]

    assert cells("jobs", job)[2] == shown


def _cronjob(**spec: Any) -> dict[str, Any]:
    template = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}
    return {
        "metadata": meta("nightly"),
        "spec": {"schedule": "0 3 * * *", "jobTemplate": template, **spec},
        "status": {},
    }


def test_a_cronjob_prints_its_schedule_and_runs():
    cronjob = _cronjob(suspend=False, timeZone="Europe/Paris")
    cronjob["status"] = {"active": [{"name": "a"}, {"name": "b"}], "lastScheduleTime": ago(hours=2)}

    assert cells("cronjobs", cronjob) == [
        "nightly", "0 3 * * *", "Europe/Paris", "False", 2, "120m", "5m", "c", "busybox", "<none>",
    ]  # fmt: skip


def test_a_cronjob_never_run_with_suspend_unset():
    assert cells("cronjobs", _cronjob())[2:6] == ["<none>", "<unset>", 0, "<none>"]
