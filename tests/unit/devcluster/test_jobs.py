"""Jobs in process: the apiserver's defaults and rules, and the simulated Job controller and
kubelet running them to completion or failure on a fake clock (pods are ready 2 s after they
are scheduled, and pods that run to completion exit 2 s later)."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.devcluster import apierrors, completion, simulation, store
from tests.unit.devcluster import clock as fake_clock
from tests.unit.devcluster import manifests as m

NS = "default"
JSON = dict[str, Any]


def _run(objects: store.Store, sim: simulation.Simulation, name: str = "pi", **spec: Any) -> JSON:
    objects.create(m.JOBS, m.job(name, **spec), namespace=NS)
    sim.settle()
    return objects.get(m.JOBS, NS, name)


def _conditions(job: JSON) -> dict[str, tuple[str, str, str]]:
    return {
        c["type"]: (c["status"], c["reason"], c["message"])
        for c in job["status"].get("conditions") or ()
    }


def _pods(objects: store.Store) -> list[JSON]:
    return objects.list(m.PODS, NS)


def _statuses(objects: store.Store, name: str = "pi") -> list[JSON]:
    """The Job's status after each of its status writes from now on."""
    seen: list[JSON] = []

    def record(change: store.Change) -> None:
        status = change.object.get("status")
        if change.object["metadata"]["name"] == name and status:
            seen.append(status)

    objects.subscribe(m.JOBS.key, record)
    return seen


COMPLETED = ("True", "CompletionsReached", "Reached expected number of succeeded pods")
BACKOFF = ("True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE = ("True", "DeadlineExceeded", "Job was active longer than specified deadline")


# --------------------------------------------------------------------------------------------
# what the apiserver stores


def test_a_job_gets_the_apiservers_defaults_labels_and_generated_selector(objects):
    job = objects.create(m.JOBS, m.job(), namespace=NS)

    uid = job["metadata"]["uid"]
    spec = job["spec"]
    assert {k: spec[k] for k in ("completions", "parallelism", "backoffLimit")} == {
        "completions": 1,
        "parallelism": 1,
        "backoffLimit": 6,
    }
    assert (spec["completionMode"], spec["suspend"]) == ("NonIndexed", False)
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    assert "manualSelector" not in spec
    assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    labels = {
        "batch.kubernetes.io/controller-uid": uid,
        "controller-uid": uid,
        "batch.kubernetes.io/job-name": "pi",
        "job-name": "pi",
    }
    assert spec["template"]["metadata"]["labels"] == labels
    assert job["metadata"]["labels"] == labels


def test_parallelism_alone_leaves_completions_unset(objects):
    spec = objects.create(m.JOBS, m.job(parallelism=3), namespace=NS)["spec"]

    assert "completions" not in spec
    assert spec["parallelism"] == 3


def test_a_cronjob_gets_the_apiservers_defaults(objects):
    spec = objects.create(m.CRONJOBS, m.cronjob(), namespace=NS)["spec"]

    assert {k: spec[k] for k in ("concurrencyPolicy", "suspend")} == {
        "concurrencyPolicy": "Allow",
        "suspend": False,
    }
    assert (spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (3, 1)
    assert spec["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"] == "ClusterFirst"
    assert "completions" not in spec["jobTemplate"]["spec"]


@pytest.mark.parametrize(
    ("kind", "body", "message"),
    [
        pytest.param(
            m.JOBS,
            m.job(restart="Always"),
            'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: '
            '"OnFailure", "Never"',
            id="job-restart-always",
        ),
        pytest.param(
            m.JOBS,
            m.job(backoffLimit=-1),
            "spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0",
            id="negative-backoff-limit",
        ),
        pytest.param(
            m.JOBS,
            m.job(selector={"matchLabels": {"app": "x"}}),
            "spec.selector: Invalid value",
            id="selector-without-manual-selector",
        ),
        pytest.param(
            m.CRONJOBS,
            m.cronjob(schedule="every day"),
            'spec.schedule: Invalid value: "every day": expected exactly 5 fields, found 2',
            id="cron-schedule",
        ),
        pytest.param(
            m.CRONJOBS,
            m.cronjob(schedule="61 * * * *"),
            "spec.schedule: Invalid value",
            id="cron-minute-out-of-range",
        ),
        pytest.param(
            m.CRONJOBS,
            m.cronjob(timeZone="Mars/Olympus"),
            'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone',
            id="cron-time-zone",
        ),
        pytest.param(
            m.CRONJOBS,
            m.cronjob(jobTemplate={"spec": m.job_spec(restart="Always")}),
            "spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value",
            id="cron-restart-always",
        ),
    ],
)
def test_jobs_and_cronjobs_the_apiserver_refuses_are_422(objects, kind, body, message):
    with pytest.raises(apierrors.ApiError) as refused:
        objects.create(kind, body, namespace=NS)

    assert refused.value.code == 422
    assert message in refused.value.message


def test_a_manual_selector_is_kept_when_it_matches_the_template(objects):
    body = m.job(manualSelector=True, selector={"matchLabels": {"app": "x"}})
    body["spec"]["template"]["metadata"]["labels"] = {"app": "x"}

    job = objects.create(m.JOBS, body, namespace=NS)

    assert job["spec"]["selector"] == {"matchLabels": {"app": "x"}}
    assert job["spec"]["template"]["metadata"]["labels"] == {"app": "x"}


def test_a_jobs_selector_cannot_change(objects):
    objects.create(m.JOBS, m.job(), namespace=NS)

    with pytest.raises(apierrors.ApiError) as refused:
        objects.patch(
            m.JOBS,
            namespace=NS,
            name="pi",
            patch_type=store.MERGE_PATCH,
            patch={"spec": {"selector": {"matchLabels": {"other": "x"}}}},
        )

    assert "field is immutable" in refused.value.message


# --------------------------------------------------------------------------------------------
# running


def test_a_job_runs_its_pod_to_completion(objects, sim, clock):
    statuses = _statuses(objects)

    job = _run(objects, sim)

    assert clock() == fake_clock.T0.replace(second=4)  # ready after 2 s, done 2 s later
    status = job["status"]
    assert (status["startTime"], status["completionTime"]) == (
        "2024-01-01T12:00:00Z",
        "2024-01-01T12:00:04Z",
    )
    assert (status["succeeded"], status["ready"], status["terminating"]) == (1, 0, 0)
    assert "active" not in status
    assert [c["type"] for c in status["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    assert _conditions(job)["Complete"] == COMPLETED
    assert [(s.get("active"), s.get("ready"), s.get("succeeded")) for s in statuses] == [
        (1, 0, None),
        (1, 1, None),
        (None, 0, 1),
    ]


def test_a_jobs_pod_is_controlled_by_it_and_completes_with_exit_code_zero(objects, sim):
    job = _run(objects, sim)

    [pod] = _pods(objects)
    assert pod["metadata"]["name"].startswith("pi-")
    assert pod["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "name": "pi",
            "uid": job["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert pod["metadata"]["labels"]["job-name"] == "pi"
    assert pod["status"]["phase"] == "Succeeded"
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (0, "Completed")
    ready = next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "PodCompleted")


def test_completions_run_parallelism_pods_at_a_time(objects, sim):
    most_running = []
    objects.subscribe(
        m.PODS.key,
        lambda _: most_running.append(
            sum(1 for p in _pods(objects) if p["status"].get("phase") in ("Pending", "Running"))
        ),
    )

    job = _run(objects, sim, completions=5, parallelism=2)

    assert max(most_running) == 2
    assert job["status"]["succeeded"] == 5
    assert len(_pods(objects)) == 5
    assert _conditions(job)["Complete"] == COMPLETED


def test_without_completions_the_first_success_completes_the_job(objects, sim):
    job = _run(objects, sim, parallelism=3)

    assert job["status"]["succeeded"] == 3
    assert _conditions(job)["Complete"][0] == "True"


def test_a_failing_pod_is_replaced_until_the_backoff_limit_then_the_job_fails(objects, sim):
    statuses = _statuses(objects)

    job = _run(objects, sim, exit_code=3, backoffLimit=2)

    pods = _pods(objects)
    assert [p["status"]["phase"] for p in pods] == ["Failed"] * 3
    exit_codes = {
        p["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] for p in pods
    }
    assert exit_codes == {3}
    assert job["status"]["failed"] == 3
    assert "completionTime" not in job["status"]
    assert [c["type"] for c in job["status"]["conditions"]] == ["FailureTarget", "Failed"]
    assert _conditions(job) == {"FailureTarget": BACKOFF, "Failed": BACKOFF}
    assert max(s.get("failed", 0) for s in statuses if "conditions" not in s) == 2


def test_with_restart_on_failure_restarts_count_against_the_backoff_limit(objects, sim):
    job = _run(objects, sim, exit_code=1, restart="OnFailure", backoffLimit=2)

    assert _conditions(job)["Failed"] == BACKOFF
    assert "failed" not in job["status"]  # the pod never failed: it restarted, then was stopped
    assert _pods(objects) == []


def test_a_pod_restarting_on_failure_keeps_its_restart_count(objects, sim, clock):
    objects.create(m.JOBS, m.job(exit_code=1, restart="OnFailure"), namespace=NS)
    sim.run_until(fake_clock.T0.replace(second=10))  # started, exited, restarted, ready again

    [pod] = _pods(objects)
    container = pod["status"]["containerStatuses"][0]
    assert pod["status"]["phase"] == "Running"
    assert container["restartCount"] == 2
    assert container["lastState"]["terminated"]["exitCode"] == 1


def test_a_pod_whose_image_never_pulls_keeps_the_job_running(objects, sim, clock):
    objects.create(m.JOBS, m.job(image="busybox:broken"), namespace=NS)
    sim.run_until(fake_clock.T0.replace(minute=5))

    job = objects.get(m.JOBS, NS, "pi")
    assert (job["status"]["active"], job["status"]["ready"]) == (1, 0)
    assert "conditions" not in job["status"]
    [pod] = _pods(objects)
    waiting = pod["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["reason"] == "ImagePullBackOff"


def test_an_active_deadline_fails_the_job_and_stops_its_pods(objects, sim, clock):
    job = _run(objects, sim, image="busybox:broken", activeDeadlineSeconds=30)

    assert _conditions(job) == {"FailureTarget": DEADLINE, "Failed": DEADLINE}
    failed_at = job["status"]["conditions"][1]["lastTransitionTime"]
    assert failed_at >= "2024-01-01T12:00:30Z"
    assert _pods(objects) == []


def test_a_suspended_job_runs_no_pods_until_it_is_resumed(objects, sim):
    suspended = _run(objects, sim, suspend=True)
    assert _pods(objects) == []
    assert _conditions(suspended)["Suspended"] == ("True", "JobSuspended", "Job suspended")

    objects.patch(
        m.JOBS,
        namespace=NS,
        name="pi",
        patch_type=store.MERGE_PATCH,
        patch={"spec": {"suspend": False}},
    )
    sim.settle()

    resumed = objects.get(m.JOBS, NS, "pi")
    assert _conditions(resumed)["Suspended"] == ("False", "JobResumed", "Job resumed")
    assert _conditions(resumed)["Complete"] == COMPLETED


# --------------------------------------------------------------------------------------------
# deleting


def test_deleting_a_job_in_the_background_deletes_its_pods(objects, sim):
    _run(objects, sim)

    objects.delete(m.JOBS, namespace=NS, name="pi", propagation="Background")
    sim.settle()

    assert _pods(objects) == []


def test_deleting_a_job_without_propagation_orphans_its_pods_with_a_warning(objects, sim):
    _run(objects, sim)
    options = store.WriteOptions()

    objects.delete(m.JOBS, namespace=NS, name="pi", options=options)
    sim.settle()

    [pod] = _pods(objects)
    assert "ownerReferences" not in pod["metadata"]
    assert options.warnings == [store.JOB_ORPHAN_WARNING]
    assert objects.list(m.JOBS, NS) == []


@pytest.mark.parametrize(
    ("annotations", "code"),
    [
        pytest.param({}, 0, id="none"),
        pytest.param({completion.EXIT_CODE_ANNOTATION: "0"}, 0, id="zero"),
        pytest.param({completion.EXIT_CODE_ANNOTATION: "137"}, 137, id="number"),
        pytest.param({completion.EXIT_CODE_ANNOTATION: "boom"}, 1, id="not-a-number"),
    ],
)
def test_the_exit_code_annotation(annotations: dict[str, str], code: int):
    assert completion.exit_code({"metadata": {"annotations": annotations}}) == code


def test_pods_that_restart_always_never_exit(objects, sim):
    objects.create(m.PODS, m.pod(), namespace=NS)

    sim.settle()

    assert objects.get(m.PODS, NS, "p")["status"]["phase"] == "Running"


def test_a_strategic_patch_merges_a_cronjobs_containers_by_name(objects):
    body = m.cronjob()
    containers = body["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    containers.append({"name": "side", "image": "envoy"})
    objects.create(m.CRONJOBS, body, namespace=NS)
    patch = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {
        "containers": [{"name": "main", "image": "busybox:2"}]}}}}}}  # fmt: skip

    patched = objects.patch(
        m.CRONJOBS, namespace=NS, name="nightly", patch_type=store.STRATEGIC_PATCH, patch=patch
    )

    merged = patched["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in merged] == [("main", "busybox:2"), ("side", "envoy")]
