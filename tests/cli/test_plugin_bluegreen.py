"""`kubectl rollouts` on blue-green Rollouts, against devcluster and the real controller: what
`get rollout` draws at each stage, and what each command changes where blue-green differs
from canary."""

from __future__ import annotations

import pathlib
import queue
import re
import subprocess
import sys
import threading
from typing import Any

import pytest

from tests import prometheus as helpers
from tests.cli.test_plugin_e2e import Plugin, plugin
from tests.e2e.rollouts import NEW_IMAGE, Rollouts, manifest
from tests.e2e.test_analysis import _set_rate, template

__all__ = ["plugin"]
pytestmark = pytest.mark.usefixtures("controller")
ACTIVE, PREVIEW = "demo-active", "demo-preview"
OLD_IMAGE = "argoproj/rollouts-demo:blue"


@pytest.fixture
def world(kubectl: Any, namespace: str) -> Rollouts:
    return Rollouts(kubectl, namespace)


def blue_green(**strategy: Any) -> list[dict[str, Any]]:
    """A 2-replica blue-green Rollout with its two Services, gated by hand by default."""
    body = manifest(replicas=2)
    body["spec"]["strategy"] = {
        "blueGreen": {
            "activeService": ACTIVE,
            "previewService": PREVIEW,
            "autoPromotionEnabled": False,
            **strategy,
        }
    }
    services = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name},
            "spec": {"selector": {"app": "demo"}, "ports": [{"port": 80}]},
        }
        for name in (ACTIVE, PREVIEW)
    ]
    return [*services, body]


def at_the_gate(world: Rollouts, plugin: Plugin, **strategy: Any) -> dict[str, Any]:
    """Healthy on blue, then green through `set image`, paused before the switch."""
    world.apply(*blue_green(**strategy))
    world.wait(phase="Healthy")
    assert plugin("set", "image", "demo", f"app={NEW_IMAGE}")[:2] == (
        0,
        'rollout "demo" image updated\n',
    )
    return world.wait(phase="Paused", message="BlueGreenPause")


def tree(out: str) -> dict[str, tuple[str, str]]:
    """ReplicaSet name → (status, INFO) from `get rollout` text."""
    rows = re.findall(r"⧉ (\S+)\s+ReplicaSet\s+\S (\S+)\s+\S+ *(\S*)", out)
    return {name: (status, info) for name, status, info in rows}


def test_get_rollout_draws_preview_and_active_sets_at_the_gate(world, plugin) -> None:
    paused = at_the_gate(world, plugin)
    blue, green = paused["stableRS"], paused["currentPodHash"]
    code, out, _ = plugin("get", "rollout", "demo")

    assert code == 0
    assert out.splitlines()[2:6] == [
        "Status:          ॥ Paused",
        "Message:         BlueGreenPause",
        "Strategy:        BlueGreen",
        f"Images:          {OLD_IMAGE} (stable, active)",
    ]
    assert f"                 {NEW_IMAGE} (preview)\n" in out
    assert "Step:" not in out
    assert "Weight:" not in out
    assert tree(out) == {
        f"demo-{green}": ("Healthy", "preview"),
        f"demo-{blue}": ("Healthy", "stable,active"),
    }
    assert out.index("# revision:2") < out.index(f"demo-{green}") < out.index("# revision:1")


def test_promote_switches_and_the_old_set_shows_its_scale_down_delay(world, plugin) -> None:
    paused = at_the_gate(world, plugin)
    blue, green = paused["stableRS"], paused["currentPodHash"]
    assert plugin("promote", "demo")[:2] == (0, "rollout 'demo' promoted\n")
    world.wait(phase="Healthy")
    out = plugin("get", "rollout", "demo")[1]

    assert f"Images:          {OLD_IMAGE}\n" in out  # still up, no longer any role
    assert f"                 {NEW_IMAGE} (stable, active)\n" in out
    assert tree(out)[f"demo-{green}"] == ("Healthy", "stable,active")
    assert re.fullmatch(r"delay:(\d+s|passed)", tree(out)[f"demo-{blue}"][1])


def test_promote_with_nothing_paused_changes_nothing_and_says_promoted(world, plugin) -> None:
    world.apply(*blue_green())
    before = world.wait(phase="Healthy")
    version = world.get()["metadata"]["resourceVersion"]

    assert plugin("promote", "demo")[:2] == (0, "rollout 'demo' promoted\n")
    assert plugin("promote", "demo", "--full")[:2] == (0, "rollout 'demo' fully promoted\n")
    assert world.get()["metadata"]["resourceVersion"] == version
    assert world.status()["stableRS"] == before["stableRS"]


def test_promote_full_passes_the_gate(world, plugin) -> None:
    at_the_gate(world, plugin)
    assert plugin("promote", "demo", "--full")[:2] == (0, "rollout 'demo' fully promoted\n")
    done = world.wait(phase="Healthy")
    assert done["stableRS"] == done["currentPodHash"]
    assert world.selector_hash(ACTIVE) == done["currentPodHash"]


def test_abort_is_degraded_for_status_and_retry_brings_back_the_gate(world, plugin) -> None:
    paused = at_the_gate(world, plugin)
    assert plugin("abort", "demo")[:2] == (0, "rollout 'demo' aborted\n")
    world.wait(phase="Degraded", message="RolloutAborted")

    code, out, err = plugin("status", "demo", "--timeout", "10s")
    assert code == 1
    assert out == "Degraded - RolloutAborted: Rollout aborted update to revision 2\n"
    assert err == (
        "error: The rollout is in a degraded state with message: "
        "RolloutAborted: Rollout aborted update to revision 2\n"
    )
    assert world.selector_hash(ACTIVE) == paused["stableRS"]
    assert plugin("retry", "rollout", "demo")[:2] == (0, "rollout 'demo' retried\n")
    world.wait(phase="Paused", message="BlueGreenPause")


def test_status_follows_the_gate_to_healthy(world, plugin) -> None:
    at_the_gate(world, plugin)
    promoted = threading.Timer(0.5, world.promote)
    promoted.start()
    code, out, err = plugin("status", "demo", "--timeout", "30s")
    promoted.join()
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Paused - BlueGreenPause"
    assert lines[-1] == "Healthy"
    assert plugin("status", "demo", "--no-watch")[:2] == (0, "Healthy\n")


def test_undo_brings_back_the_blue_template(world, plugin) -> None:
    at_the_gate(world, plugin)
    plugin("promote", "demo")
    world.wait(phase="Healthy")
    assert plugin("undo", "demo")[:2] == (0, "rollout 'demo' undo\n")

    image = world.get()["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == OLD_IMAGE
    world.wait(phase="Paused", message="BlueGreenPause")
    assert plugin("undo", "demo", "--to-revision", "3")[:2] == (
        0,
        "skipped rollback (current template already matches revision 3)\n",
    )


def test_restart_replaces_the_active_pods(world, plugin) -> None:
    world.apply(*blue_green())
    world.wait(phase="Healthy")
    assert plugin("restart", "demo")[:2] == (0, "rollout 'demo' restarts in 0s\n")
    restart_at = world.get()["spec"]["restartAt"]
    assert world.wait(phase="Healthy")["restartedAt"] == restart_at


def test_list_rollouts_has_no_step_or_weight_for_blue_green(world, plugin) -> None:
    at_the_gate(world, plugin)
    code, out, _ = plugin("list", "rollouts")
    assert code == 0
    assert out.splitlines()[1].split() == [
        "demo", "BlueGreen", "Paused", "-", "-", "2/4", "2", "2", "2",
    ]  # fmt: skip


def test_get_rollout_watch_redraws_through_the_switch(world, plugin) -> None:
    at_the_gate(world, plugin)
    promoted = threading.Timer(0.7, world.promote)
    promoted.start()
    code, out, _ = plugin("get", "rollout", "demo", "--watch", "--timeout-seconds", "5")
    promoted.join()
    assert code == 0
    assert "Message:         BlueGreenPause" in out
    assert "Status:          ✔ Healthy" in out
    assert re.search(r"stable,active\n", out.rsplit("Name:", 1)[-1])


def runs(out: str) -> dict[str, tuple[str, str]]:
    """AnalysisRun name → (status, INFO) from `get rollout` text."""
    rows = re.findall(r"\u03b1 (\S+)\s+AnalysisRun\s+\S (\S+)\s+\S+ *(.*)", out)
    return {name: (status, info.strip()) for name, status, info in rows}


def test_pre_and_post_promotion_runs_show_under_their_revision(
    world: Rollouts,
    plugin: Plugin,
    metrics_target: helpers.MetricsTarget,
    prometheus: helpers.PrometheusServer,
) -> None:
    _set_rate(metrics_target, prometheus, 0.99)
    world.apply(template(prometheus.url))
    analysis = {
        "templates": [{"templateName": "success-rate"}],
        "args": [{"name": "app", "value": "demo"}],
    }
    green = at_the_gate(
        world, plugin, prePromotionAnalysis=analysis, postPromotionAnalysis=analysis
    )["currentPodHash"]
    pre, post = f"demo-{green}-2-pre", f"demo-{green}-2-post"
    out = plugin("get", "rollout", "demo")[1]
    assert runs(out) == {pre: ("Successful", "✔ 1")}
    assert out.index("# revision:2") < out.index(pre) < out.index("# revision:1")

    plugin("promote", "demo")
    world.wait(phase="Healthy", timeout=40)
    out = plugin("get", "rollout", "demo")[1]
    assert runs(out) == {pre: ("Successful", "✔ 1"), post: ("Successful", "✔ 1")}
    assert out.index(f"⧉ demo-{green}") < out.index(pre) < out.index(post)


def _lines_into(stream: Any, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def test_list_rollouts_watch_prints_a_line_when_a_row_changes(world, plugin, kubeconfig, namespace):
    """The executable, as kubectl runs it, until it is stopped (Argo's watch has no end)."""
    at_the_gate(world, plugin)
    command = [
        str(pathlib.Path(sys.executable).parent / "kubectl-rollouts"),
        *("list", "rollouts", "--watch", "--kubeconfig", str(kubeconfig), "-n", namespace),
    ]
    lines: queue.Queue[str] = queue.Queue()
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as watching:
        assert watching.stdout is not None
        reader = threading.Thread(target=_lines_into, args=(watching.stdout, lines))
        reader.start()
        try:
            table = [lines.get(timeout=10), lines.get(timeout=10)]
            world.promote()
            changes = [lines.get(timeout=20).split()[2]]
            while changes[-1] != "Healthy":
                changes.append(lines.get(timeout=20).split()[2])
        finally:
            watching.terminate()
        reader.join(timeout=5)

    assert table[0].split()[:2] == ["NAME", "STRATEGY"]
    assert table[1].split()[:4] == ["demo", "BlueGreen", "Paused", "-"]
    assert table[1].endswith("        \n")  # AVAILABLE padded as Argo pads it
    assert changes[-1] == "Healthy"
    assert "Paused" not in changes
