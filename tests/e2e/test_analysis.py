"""Canary analysis end to end: the controller, a real Prometheus, and a metrics target.

The target serves a success-rate gauge whose value the test sets; Prometheus scrapes it; the
Rollout's analysis step queries Prometheus through an AnalysisTemplate, and the controller
promotes or aborts on the result.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import prometheus as helpers
from tests.conftest import Kubectl
from tests.e2e.conftest import Controller
from tests.e2e.rollouts import NEW_IMAGE, Rollouts, manifest, routing_objects

STEPS = [
    {"setWeight": 20},
    {
        "analysis": {
            "templates": [{"templateName": "success-rate"}],
            "args": [{"name": "app", "value": "demo"}],
        }
    },
    {"setWeight": 60},
    {"pause": {}},
]


def template(address: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "success-rate"},
        "spec": {
            "args": [{"name": "app"}],
            "metrics": [
                {
                    "name": "success-rate",
                    "successCondition": "result[0] >= 0.95",
                    "failureLimit": 0,
                    "provider": {
                        "prometheus": {
                            "address": address,
                            "query": 'demo_success_rate{app="{{args.app}}"}',
                        }
                    },
                }
            ],
        },
    }


@pytest.fixture
def rollouts(controller: Controller, kubectl: Kubectl, namespace: str) -> Rollouts:
    return Rollouts(kubectl, namespace)


def _set_rate(target: helpers.MetricsTarget, server: helpers.PrometheusServer, rate: float) -> None:
    target.set("demo_success_rate", rate, labels={"app": "demo"})
    server.wait_for_sample(
        'demo_success_rate{app="demo"}',
        lambda values: bool(values) and values[0] == rate,
        timeout=15,
    )


def test_a_healthy_canary_passes_its_analysis_step(
    rollouts: Rollouts,
    metrics_target: helpers.MetricsTarget,
    prometheus: helpers.PrometheusServer,
):
    _set_rate(metrics_target, prometheus, 0.99)
    rollouts.apply(template(prometheus.url), manifest(steps=STEPS))
    rollouts.wait(phase="Healthy")

    rollouts.set_image(NEW_IMAGE)
    paused = rollouts.wait(phase="Paused", timeout=30)

    assert paused["currentStepIndex"] == 3
    runs = rollouts.kubectl.json("-n", rollouts.namespace, "get", "analysisruns")["items"]
    assert [run["status"]["phase"] for run in runs] == ["Successful"]
    assert runs[0]["metadata"]["labels"]["rollout-type"] == "Step"
    measured = runs[0]["status"]["metricResults"][0]["measurements"][0]
    assert measured["value"] == "[0.99]"


def test_a_failing_canary_is_aborted_and_traffic_goes_back_to_stable(
    rollouts: Rollouts,
    metrics_target: helpers.MetricsTarget,
    prometheus: helpers.PrometheusServer,
):
    _set_rate(metrics_target, prometheus, 0.5)
    rollouts.apply(
        template(prometheus.url), *routing_objects(), manifest(replicas=2, nginx=True, steps=STEPS)
    )
    stable = rollouts.wait(phase="Healthy")["stableRS"]

    rollouts.set_image(NEW_IMAGE)
    aborted = rollouts.wait(phase="Degraded", message="RolloutAborted", timeout=30)

    assert "Step-based analysis phase error/failed: " in aborted["message"]
    assert rollouts.canary_weight() == "0"
    assert rollouts.selector_hash("demo-canary") == stable
    rollouts.wait_for_event("AnalysisRunFailed")


def _template_with(name: str, **metric: Any) -> dict[str, Any]:
    body = {"name": name, "provider": {"prometheus": {"query": "vector(1)"}}}
    body.update(metric)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name},
        "spec": {"metrics": [body]},
    }


def _analysis_steps(template_name: str) -> list[dict[str, Any]]:
    return [
        {"setWeight": 20},
        {"analysis": {"templates": [{"templateName": template_name}]}},
        {"pause": {}},
    ]


def test_a_missing_template_is_invalid_spec_and_recovers_once_created(rollouts: Rollouts):
    rollouts.apply(manifest(steps=_analysis_steps("later")))

    invalid = rollouts.wait(phase="Degraded", message="InvalidSpec")
    rollouts.apply(_template_with("later"))
    healthy = rollouts.wait(phase="Healthy")

    assert "AnalysisTemplate 'later' not found" in invalid["message"]
    assert "steps[1].analysis.templates" in invalid["message"]
    assert all(c["type"] != "InvalidSpec" for c in healthy["conditions"])


def test_an_unreachable_prometheus_errors_the_run_and_aborts(rollouts: Rollouts):
    unreachable = _template_with("down", successCondition="result[0] == 1", consecutiveErrorLimit=0)
    unreachable["spec"]["metrics"][0]["provider"]["prometheus"]["address"] = (
        f"http://127.0.0.1:{helpers.free_port()}"
    )
    rollouts.apply(unreachable, manifest(steps=_analysis_steps("down")))
    rollouts.wait(phase="Healthy")

    rollouts.set_image(NEW_IMAGE)
    aborted = rollouts.wait(phase="Degraded", message="RolloutAborted", timeout=30)

    assert "Step-based analysis phase error/failed: " in aborted["message"]
    run = rollouts.kubectl.json("-n", rollouts.namespace, "get", "analysisruns")["items"][0]
    assert (
        "cannot reach prometheus" in run["status"]["metricResults"][0]["measurements"][0]["message"]
    )


def test_an_inconclusive_result_pauses_until_a_promote(
    rollouts: Rollouts, prometheus: helpers.PrometheusServer
):
    neither = _template_with(
        "unsure", successCondition="result > 10", failureCondition="result < 0"
    )
    neither["spec"]["metrics"][0]["provider"]["prometheus"]["address"] = prometheus.url
    neither["spec"]["metrics"][0]["provider"]["prometheus"]["query"] = "scalar(vector(5))"
    rollouts.apply(neither, manifest(steps=_analysis_steps("unsure")))
    rollouts.wait(phase="Healthy")

    rollouts.set_image(NEW_IMAGE)
    paused = rollouts.wait(phase="Paused", message="InconclusiveAnalysisRun", timeout=30)

    assert paused["currentStepIndex"] == 1
    assert (
        rollouts.kubectl.json("-n", rollouts.namespace, "get", "analysisruns")["items"][0][
            "status"
        ]["phase"]
        == "Inconclusive"
    )


def test_background_analysis_runs_beside_the_steps_and_aborts_on_failure(
    rollouts: Rollouts, prometheus: helpers.PrometheusServer
):
    failing = _template_with("background", successCondition="result[0] > 1", interval="1s", count=2)
    failing["spec"]["metrics"][0]["provider"]["prometheus"]["address"] = prometheus.url
    body = manifest(steps=[{"setWeight": 20}, {"pause": {}}])
    body["spec"]["strategy"]["canary"]["analysis"] = {
        "templates": [{"templateName": "background"}],
        "startingStep": 1,
    }
    rollouts.apply(failing, body)
    rollouts.wait(phase="Healthy")

    rollouts.set_image(NEW_IMAGE)
    aborted = rollouts.wait(phase="Degraded", message="RolloutAborted", timeout=30)

    assert "Background analysis phase error/failed: " in aborted["message"]
    labels = rollouts.kubectl.json("-n", rollouts.namespace, "get", "analysisruns")["items"][0][
        "metadata"
    ]["labels"]
    assert labels["rollout-type"] == "Background"


def test_a_secret_arg_is_used_in_the_query_and_never_stored(
    rollouts: Rollouts,
    metrics_target: helpers.MetricsTarget,
    prometheus: helpers.PrometheusServer,
):
    _set_rate(metrics_target, prometheus, 0.99)
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "app-name"},
        "stringData": {"app": "demo"},
    }
    hidden = template(prometheus.url)
    hidden["spec"]["args"] = [
        {"name": "app", "valueFrom": {"secretKeyRef": {"name": "app-name", "key": "app"}}}
    ]
    steps = [
        {"setWeight": 20},
        {"analysis": {"templates": [{"templateName": "success-rate"}]}},
        {"pause": {}},
    ]
    rollouts.apply(secret, hidden, manifest(steps=steps))
    rollouts.wait(phase="Healthy")

    rollouts.set_image(NEW_IMAGE)
    rollouts.wait(phase="Paused", timeout=30)

    run = rollouts.kubectl.json("-n", rollouts.namespace, "get", "analysisruns")["items"][0]
    measured = run["status"]["metricResults"][0]["measurements"][0]
    assert measured["value"] == "[0.99]"
    assert "demo" not in measured["metadata"]["ResolvedPrometheusQuery"]
    assert "*****" in measured["metadata"]["ResolvedPrometheusQuery"]
