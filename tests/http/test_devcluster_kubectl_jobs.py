"""Jobs and CronJobs with kubectl against devcluster: created, run to completion or failure,
waited for and printed as on a real cluster."""

from __future__ import annotations

import textwrap

import yaml

from tests.conftest import Kubectl, wait_for

FAILING_JOB = textwrap.dedent("""\
    apiVersion: batch/v1
    kind: Job
    metadata: {name: fails}
    spec:
      backoffLimit: 1
      template:
        metadata:
          annotations: {devcluster.rollouts.io/exit-code: "2"}
        spec:
          restartPolicy: Never
          containers: [{name: main, image: busybox, command: ["false"]}]
    """)


def _row(kubectl: Kubectl, namespace: str, *args: str) -> list[str]:
    return kubectl("-n", namespace, "get", *args).stdout.splitlines()[1].split()


def test_kubectl_create_job_runs_to_completion(kubectl: Kubectl, namespace: str):
    done = kubectl("-n", namespace, "create", "job", "pi", "--image=busybox", "--", "echo", "hi")
    assert done.stdout.strip() == "job.batch/pi created"

    waited = kubectl("-n", namespace, "wait", "--for=condition=complete", "job/pi", "--timeout=30s")

    assert waited.stdout.strip() == "job.batch/pi condition met"
    assert _row(kubectl, namespace, "job", "pi")[:3] == ["pi", "Complete", "1/1"]
    pod = kubectl.json("-n", namespace, "get", "pods", "-l", "job-name=pi")["items"][0]
    assert pod["spec"]["containers"][0]["command"] == ["echo", "hi"]
    assert _row(kubectl, namespace, "pods", "-l", "job-name=pi")[1:3] == ["0/1", "Completed"]


def test_a_created_job_reads_back_with_the_apiservers_defaults(kubectl: Kubectl, namespace: str):
    kubectl("-n", namespace, "create", "job", "pi", "--image=busybox", "--", "echo", "hi")

    job = yaml.safe_load(kubectl("-n", namespace, "get", "job", "pi", "-o", "yaml").stdout)

    uid = job["metadata"]["uid"]
    assert job["spec"]["backoffLimit"] == 6
    assert (job["spec"]["completions"], job["spec"]["parallelism"]) == (1, 1)
    assert job["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert job["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "pi"
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_a_failing_job_reaches_the_failed_condition(kubectl: Kubectl, namespace: str):
    kubectl("-n", namespace, "apply", "-f", "-", stdin=FAILING_JOB)

    kubectl("-n", namespace, "wait", "--for=condition=failed", "job/fails", "--timeout=30s")

    job = kubectl.json("-n", namespace, "get", "job", "fails")
    failed = next(c for c in job["status"]["conditions"] if c["type"] == "Failed")
    assert (failed["reason"], failed["message"]) == (
        "BackoffLimitExceeded",
        "Job has reached the specified backoff limit",
    )
    assert job["status"]["failed"] == 2
    assert _row(kubectl, namespace, "job", "fails")[:3] == ["fails", "Failed", "0/1"]
    pods = kubectl("-n", namespace, "get", "pods", "-l", "job-name=fails").stdout
    assert [line.split()[2] for line in pods.splitlines()[1:]] == ["Error", "Error"]


def test_a_job_restarting_always_is_refused_as_the_apiserver_words_it(
    kubectl: Kubectl, namespace: str
):
    manifest = FAILING_JOB.replace("restartPolicy: Never", "restartPolicy: Always")

    done = kubectl("-n", namespace, "create", "-f", "-", stdin=manifest, check=False)

    assert done.returncode != 0
    assert (
        'The Job "fails" is invalid: spec.template.spec.restartPolicy: Unsupported value: '
        '"Always": supported values: "OnFailure", "Never"'
    ) in done.stderr


def test_deleting_a_job_deletes_its_pods(kubectl: Kubectl, namespace: str):
    kubectl("-n", namespace, "create", "job", "pi", "--image=busybox")
    kubectl("-n", namespace, "wait", "--for=condition=complete", "job/pi", "--timeout=30s")

    kubectl("-n", namespace, "delete", "job", "pi")

    wait_for(
        lambda: kubectl("-n", namespace, "get", "pods", "-o", "name").stdout == "",
        message="the job's pods deleted",
    )


def test_kubectl_create_cronjob_and_a_job_from_it(kubectl: Kubectl, namespace: str):
    done = kubectl(
        "-n", namespace, "create", "cronjob", "nightly", "--image=busybox",
        "--schedule=0 3 * * *", "--", "date",
    )  # fmt: skip
    assert done.stdout.strip() == "cronjob.batch/nightly created"
    # the schedule's five fields split like the other cells
    assert _row(kubectl, namespace, "cronjob", "nightly")[:10] == [
        "nightly", "0", "3", "*", "*", "*", "<none>", "False", "0", "<none>",
    ]  # fmt: skip

    kubectl("-n", namespace, "create", "job", "by-hand", "--from=cronjob/nightly")
    kubectl("-n", namespace, "wait", "--for=condition=complete", "job/by-hand", "--timeout=30s")

    job = kubectl.json("-n", namespace, "get", "job", "by-hand")
    assert job["metadata"]["ownerReferences"][0]["name"] == "nightly"
    assert job["metadata"]["annotations"] == {"cronjob.kubernetes.io/instantiate": "manual"}
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["date"]


def test_kubectl_knows_jobs_and_cronjobs_from_discovery(kubectl: Kubectl):
    lines = kubectl("api-resources", "--api-group=batch").stdout.splitlines()

    assert [line.split() for line in lines[1:]] == [
        ["cronjobs", "cj", "batch/v1", "true", "CronJob"],
        ["jobs", "batch/v1", "true", "Job"],
    ]
