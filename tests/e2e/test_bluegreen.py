"""Blue-green rollouts end to end: the controller process, a cluster, kubectl, our plugin and a
real Prometheus for the promotion analyses.

Each test changes intent as users do and waits for what a user looks at: phase and message,
which set each Service selects, ReplicaSet sizes, Events.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from typing import Any

import pytest

from rollouts.cli import main as cli
from tests import prometheus as helpers
from tests.conftest import Kubectl, wait_for
from tests.e2e.conftest import Controller
from tests.e2e.rollouts import NEW_IMAGE, Rollouts, manifest
from tests.e2e.test_analysis import _set_rate, template

ACTIVE, PREVIEW = "demo-active", "demo-preview"


@pytest.fixture
def rollouts(controller: Controller, kubectl: Kubectl, namespace: str) -> Rollouts:
    return Rollouts(kubectl, namespace)


Plugin = Callable[..., None]


@pytest.fixture
def plugin(kubeconfig: pathlib.Path, namespace: str) -> Plugin:
    """Our kubectl plugin, in process, as `kubectl rollouts ... -n <namespace>`."""

    def run(*argv: str) -> None:
        assert cli.main([*argv, "--kubeconfig", str(kubeconfig), "-n", namespace]) == 0

    return run


def blue_green(replicas: int = 2, **strategy: Any) -> dict[str, Any]:
    body = manifest(replicas=replicas)
    body["spec"]["strategy"] = {
        "blueGreen": {"activeService": ACTIVE, "previewService": PREVIEW, **strategy}
    }
    return body


def services(*names: str) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name},
            "spec": {"selector": {"app": "demo"}, "ports": [{"port": 80}]},
        }
        for name in names
    ]


def _selectors(rollouts: Rollouts) -> tuple[str | None, str | None]:
    return rollouts.selector_hash(ACTIVE), rollouts.selector_hash(PREVIEW)


def _deployed(rollouts: Rollouts, body: dict[str, Any]) -> str:
    rollouts.apply(*services(ACTIVE, PREVIEW), body)
    status = rollouts.wait(phase="Healthy")
    assert _selectors(rollouts) == (status["stableRS"], status["stableRS"])
    return str(status["stableRS"])


def test_manual_promotion_switches_active_then_scales_the_old_side_down(
    rollouts: Rollouts, plugin: Plugin
):
    blue = _deployed(rollouts, blue_green(autoPromotionEnabled=False, scaleDownDelaySeconds=2))

    rollouts.set_image(NEW_IMAGE)
    paused = rollouts.wait(phase="Paused", message="BlueGreenPause")
    green = paused["currentPodHash"]
    before = (_selectors(rollouts), rollouts.replica_sets())
    plugin("promote", "demo")
    done = rollouts.wait(phase="Healthy")

    assert before == ((blue, green), {blue: (2, 2), green: (2, 2)})
    assert paused["blueGreen"] == {"activeSelector": blue, "previewSelector": green}
    assert done["stableRS"] == green
    assert _selectors(rollouts) == (green, green)
    wait_for(
        lambda: rollouts.replica_sets()[blue] == (0, 0),
        timeout=15,
        message="the old active set scaled down after its delay",
    )
    reasons = rollouts.wait_for_event("SwitchService", count=3)
    assert "RolloutCompleted" in reasons


def test_auto_promotion_switches_once_the_new_side_is_available(rollouts: Rollouts):
    _deployed(rollouts, blue_green())
    rollouts.set_image(NEW_IMAGE)
    done = rollouts.wait(phase="Healthy", message="")
    wait_for(
        lambda: (
            rollouts.status()["stableRS"] == rollouts.status()["currentPodHash"]
            and _selectors(rollouts) == (done["currentPodHash"], done["currentPodHash"])
        ),
        timeout=20,
        message="active and preview on the new set",
    )


def test_an_abort_keeps_active_on_the_stable_side(rollouts: Rollouts, plugin: Plugin):
    blue = _deployed(rollouts, blue_green(autoPromotionEnabled=False, abortScaleDownDelaySeconds=1))
    rollouts.set_image(NEW_IMAGE)
    green = rollouts.wait(phase="Paused", message="BlueGreenPause")["currentPodHash"]
    plugin("abort", "demo")
    aborted = rollouts.wait(phase="Degraded", message="RolloutAborted")

    assert aborted["message"] == "RolloutAborted: Rollout aborted update to revision 2"
    assert rollouts.selector_hash(ACTIVE) == blue
    wait_for(
        lambda: rollouts.replica_sets()[green][0] == 0,
        timeout=15,
        message="the preview side scaled down after abortScaleDownDelaySeconds",
    )


def test_a_missing_active_service_is_invalid_until_it_exists(rollouts: Rollouts):
    rollouts.apply(*services(PREVIEW), blue_green())
    invalid = rollouts.wait(phase="Degraded", message="InvalidSpec")

    assert invalid["message"] == (
        'InvalidSpec: The Rollout "demo" is invalid: spec.strategy.blueGreen.activeService: '
        f'Invalid value: "{ACTIVE}": services "{ACTIVE}" not found'
    )
    assert rollouts.replica_sets() == {}
    rollouts.wait_for_event("InvalidSpec")
    rollouts.apply(*services(ACTIVE))
    rollouts.wait(phase="Healthy", timeout=40)


def test_the_same_service_twice_is_invalid(rollouts: Rollouts):
    body = blue_green()
    body["spec"]["strategy"]["blueGreen"]["previewService"] = ACTIVE
    rollouts.apply(*services(ACTIVE), body)
    invalid = rollouts.wait(phase="Degraded", message="InvalidSpec")

    assert (
        "This rollout uses the same service for the active and preview services"
        in (invalid["message"])
    )
    assert rollouts.replica_sets() == {}


def _analysis(name: str = "success-rate") -> dict[str, Any]:
    return {"templates": [{"templateName": name}], "args": [{"name": "app", "value": "demo"}]}


def test_a_failing_pre_promotion_analysis_aborts_before_the_switch(
    rollouts: Rollouts,
    metrics_target: helpers.MetricsTarget,
    prometheus: helpers.PrometheusServer,
):
    _set_rate(metrics_target, prometheus, 0.5)
    rollouts.apply(template(prometheus.url))
    blue = _deployed(rollouts, blue_green(prePromotionAnalysis=_analysis()))

    rollouts.set_image(NEW_IMAGE)
    aborted = rollouts.wait(phase="Degraded", message="RolloutAborted", timeout=40)

    assert "Blue/green pre-promotion analysis phase error/failed: " in aborted["message"]
    assert rollouts.selector_hash(ACTIVE) == blue
    runs = rollouts.kubectl.json("-n", rollouts.namespace, "get", "analysisruns")["items"]
    assert [run["metadata"]["name"].endswith("-pre") for run in runs] == [True]
    assert runs[0]["metadata"]["labels"]["rollout-type"] == "PrePromotion"


def test_a_failing_post_promotion_analysis_switches_active_back(
    rollouts: Rollouts,
    metrics_target: helpers.MetricsTarget,
    prometheus: helpers.PrometheusServer,
):
    _set_rate(metrics_target, prometheus, 0.5)
    rollouts.apply(template(prometheus.url))
    blue = _deployed(rollouts, blue_green(postPromotionAnalysis=_analysis()))

    rollouts.set_image(NEW_IMAGE)
    aborted = rollouts.wait(phase="Degraded", message="RolloutAborted", timeout=40)

    assert "Blue/green post-promotion analysis phase error/failed: " in aborted["message"]
    wait_for(
        lambda: rollouts.selector_hash(ACTIVE) == blue,
        timeout=15,
        message="the active Service back on the old stable set",
    )
    assert rollouts.status()["stableRS"] == blue


def test_a_passing_pre_promotion_analysis_lets_the_switch_happen(
    rollouts: Rollouts,
    metrics_target: helpers.MetricsTarget,
    prometheus: helpers.PrometheusServer,
):
    _set_rate(metrics_target, prometheus, 0.99)
    rollouts.apply(template(prometheus.url))
    _deployed(rollouts, blue_green(prePromotionAnalysis=_analysis()))

    rollouts.set_image(NEW_IMAGE)
    green = wait_for(
        lambda: (
            (s := rollouts.status())["stableRS"] == s["currentPodHash"]
            and s.get("phase") == "Healthy"
            and s["currentPodHash"]
        ),
        timeout=40,
        message="promoted after a successful pre-promotion run",
    )
    assert rollouts.selector_hash(ACTIVE) == green
    runs = rollouts.kubectl.json("-n", rollouts.namespace, "get", "analysisruns")["items"]
    assert [run["status"]["phase"] for run in runs] == ["Successful"]
