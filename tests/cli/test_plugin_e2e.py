"""`kubectl rollouts` against devcluster with the real controller: each command changes what
it should and the controller reacts."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import threading
from typing import Any

import pytest

from rollouts.cli import main as cli
from tests.conftest import Kubectl
from tests.e2e.conftest import Controller
from tests.e2e.rollouts import NEW_IMAGE, Rollouts, manifest

pytestmark = pytest.mark.usefixtures("controller")
VENV_BIN = pathlib.Path(sys.executable).parent
TWO_STEPS = [{"setWeight": 50}, {"pause": {}}]


class Plugin:
    """Calls `main(argv)` in-process for one namespace and keeps what it printed."""

    def __init__(self, kubeconfig: pathlib.Path, namespace: str, capsys: Any) -> None:
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = cli.main([*argv, "--kubeconfig", str(self.kubeconfig), "-n", self.namespace])
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def plugin(kubeconfig: pathlib.Path, namespace: str, capsys: Any) -> Plugin:
    return Plugin(kubeconfig, namespace, capsys)


@pytest.fixture
def world(kubectl: Kubectl, namespace: str) -> Rollouts:
    return Rollouts(kubectl, namespace)


def at_a_pause(world: Rollouts, plugin: Plugin) -> None:
    """A healthy 2-replica canary given a new image through `set image`, paused at 50%."""
    world.apply(manifest(replicas=2, steps=TWO_STEPS))
    world.wait(phase="Healthy")
    assert plugin("set", "image", "demo", f"app={NEW_IMAGE}")[:2] == (
        0,
        'rollout "demo" image updated\n',
    )
    world.wait(phase="Paused", message="CanaryPauseStep")


def test_promote_resumes_a_paused_canary_and_it_becomes_healthy(world, plugin) -> None:
    at_a_pause(world, plugin)
    code, out, _ = plugin("get", "rollout", "demo")
    assert code == 0
    assert "Status:          ॥ Paused" in out
    assert f"{NEW_IMAGE} (canary)" in out
    assert plugin("promote", "demo")[:2] == (0, "rollout 'demo' promoted\n")
    world.wait(phase="Healthy")
    assert world.get()["spec"]["template"]["spec"]["containers"][0]["image"] == NEW_IMAGE


def test_status_exits_zero_once_healthy_and_prints_each_change(world, plugin) -> None:
    at_a_pause(world, plugin)
    promoted = threading.Timer(0.5, world.promote)
    promoted.start()
    code, out, err = plugin("status", "demo", "--timeout", "30s")
    promoted.join()
    assert code == 0, (out, err)
    lines = out.splitlines()
    assert lines[0] == "Paused - CanaryPauseStep"
    assert lines[-1] == "Healthy"


def test_abort_degrades_status_exits_one_and_retry_resumes(world, plugin) -> None:
    at_a_pause(world, plugin)
    assert plugin("abort", "demo")[:2] == (0, "rollout 'demo' aborted\n")
    world.wait(phase="Degraded", message="RolloutAborted")
    code, out, err = plugin("status", "demo", "--timeout", "10s")
    assert code == 1
    assert out.startswith("Degraded - RolloutAborted")
    assert err.startswith("error: The rollout is in a degraded state with message: RolloutAborted")
    assert plugin("retry", "rollout", "demo")[:2] == (0, "rollout 'demo' retried\n")
    world.wait(phase="Paused", message="CanaryPauseStep")


def test_status_times_out_with_a_non_zero_exit(world, plugin) -> None:
    at_a_pause(world, plugin)
    code, out, err = plugin("status", "demo", "--timeout", "0.5s")
    assert (code, out) == (1, "Paused - CanaryPauseStep\n")
    assert err == "error: Rollout status watch exceeded timeout\n"


def test_promote_full_skips_the_remaining_steps(world, plugin) -> None:
    at_a_pause(world, plugin)
    assert plugin("promote", "demo", "--full")[:2] == (0, "rollout 'demo' fully promoted\n")
    world.wait(phase="Healthy")


def test_pause_sets_spec_paused_and_promote_lifts_it(world, plugin) -> None:
    world.apply(manifest(replicas=2, steps=TWO_STEPS))
    world.wait(phase="Healthy")
    assert plugin("pause", "demo")[:2] == (0, "rollout 'demo' paused\n")
    world.wait(phase="Paused", message="manually paused")
    assert plugin("promote", "demo")[0] == 0
    assert world.get()["spec"].get("paused") is False
    world.wait(phase="Healthy")


def test_restart_sets_restart_at_and_the_controller_restarts_the_pods(world, plugin) -> None:
    world.apply(manifest(replicas=2, steps=TWO_STEPS))
    world.wait(phase="Healthy")
    assert plugin("restart", "demo")[:2] == (0, "rollout 'demo' restarts in 0s\n")
    restart_at = world.get()["spec"]["restartAt"]
    assert world.wait(phase="Healthy")["restartedAt"] == restart_at


def test_undo_brings_back_the_previous_template_and_the_canary_starts_over(world, plugin) -> None:
    at_a_pause(world, plugin)
    world.promote()
    world.wait(phase="Healthy")
    assert plugin("undo", "demo")[:2] == (0, "rollout 'demo' undo\n")
    image = world.get()["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == manifest()["spec"]["template"]["spec"]["containers"][0]["image"]
    # the old template is a new update for the controller: it walks the steps again
    world.wait(phase="Paused", message="CanaryPauseStep")
    assert plugin("undo", "demo", "--to-revision", "3")[:2] == (
        0,
        "skipped rollback (current template already matches revision 3)\n",
    )


def test_undo_to_the_revision_running_is_skipped(world, plugin) -> None:
    world.apply(manifest(replicas=1, steps=TWO_STEPS))
    world.wait(phase="Healthy")
    # the ReplicaSet's template carries the server's defaults; the Rollout's still matches
    assert plugin("undo", "demo", "--to-revision", "1")[:2] == (
        0,
        "skipped rollback (current template already matches revision 1)\n",
    )
    assert world.get()["metadata"]["generation"] == 1


def test_list_rollouts_shows_each_rollout_and_its_namespace_with_all_namespaces(
    world, plugin, namespace
) -> None:
    world.apply(manifest(replicas=1, steps=TWO_STEPS))
    world.wait(phase="Healthy")
    code, out, _ = plugin("list", "rollouts")
    assert code == 0
    assert out.splitlines()[1].split()[:3] == ["demo", "Canary", "Healthy"]
    code, out, _ = plugin("list", "rollouts", "-A")
    assert any(line.split()[:2] == [namespace, "demo"] for line in out.splitlines())
    code, out, _ = plugin("get", "rollout", "demo", "-o", "json")
    assert json.loads(out)["status"] == "Healthy"


def test_get_rollout_watch_redraws_when_the_rollout_changes(world, plugin) -> None:
    at_a_pause(world, plugin)
    promoted = threading.Timer(0.7, world.promote)
    promoted.start()
    code, out, _ = plugin("get", "rollout", "demo", "--watch", "--timeout-seconds", "4")
    promoted.join()
    assert code == 0
    assert "॥ Paused" in out
    assert "Status:          ✔ Healthy" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["get", "rollout", "nope"], 'error: rollout "nope" not found in namespace'),
        (["promote", "nope"], 'error: rollout "nope" not found in namespace'),
        (["set", "image", "demo", "app"], "error: invalid image argument 'app'"),
        (["set", "image", "demo", "db=x:1"], 'error: unable to find container named "db"'),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_a_non_zero_exit(world, plugin, argv, message) -> None:
    world.apply(manifest(replicas=1, steps=TWO_STEPS))
    world.wait(phase="Healthy")
    code, out, err = plugin(*argv)
    assert code == 1
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_a_wrong_namespace_is_one_clear_line(plugin, kubeconfig, capsys) -> None:
    code = cli.main(["promote", "demo", "-n", "no-such-ns", "--kubeconfig", str(kubeconfig)])
    assert code == 1
    assert capsys.readouterr().err == 'error: rollout "demo" not found in namespace "no-such-ns"\n'


def test_an_unreachable_cluster_is_one_clear_line(tmp_path, capsys) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: gone\n"
        "clusters: [{name: gone, cluster: {server: 'http://127.0.0.1:9'}}]\n"
        "contexts: [{name: gone, context: {cluster: gone, user: me}}]\n"
        "users: [{name: me, user: {}}]\n"
    )
    assert cli.main(["list", "rollouts", "--kubeconfig", str(kubeconfig)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the cluster")
    assert err.count("\n") == 1


def test_kubectl_finds_the_plugin_on_path(kubectl: Kubectl, controller: Controller) -> None:
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        ["kubectl", "rollouts", "version", "--short"],
        capture_output=True, text=True, timeout=30, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("kubectl-rollouts: v")
