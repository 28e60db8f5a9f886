"""`kubectl rollouts` on a Rollout whose template is a Deployment's (spec.workloadRef),
against devcluster with the real controller: `set image` and `undo` change the Deployment,
and the controller rolls the change out as a new revision."""

from __future__ import annotations

import pytest

from tests.cli.test_plugin_e2e import Plugin, plugin, world
from tests.e2e.rollouts import NEW_IMAGE, Rollouts
from tests.e2e.test_workload_ref import deployment, referring

__all__ = ["plugin", "world"]
pytestmark = pytest.mark.usefixtures("controller")
OLD_IMAGE = "argoproj/rollouts-demo:blue"
REVISION = "rollout.argoproj.io/revision"


def _deployment_image(world: Rollouts) -> str:
    image: str = world.get("deployment", "demo")["spec"]["template"]["spec"]["containers"][0][
        "image"
    ]
    return image


def at_a_pause(world: Rollouts, plugin: Plugin) -> None:
    """A healthy Rollout of Deployment `demo`, given a new image through `set image`."""
    world.apply(deployment(), referring(scale_down="never"))
    world.wait(phase="Healthy")
    assert plugin("set", "image", "demo", f"app={NEW_IMAGE}") == (
        0,
        'deployment "demo" image updated\n',
        "",
    )
    world.wait(phase="Paused", message="CanaryPauseStep")


def test_set_image_updates_the_deployment_and_the_rollout_starts_a_revision(world, plugin):
    at_a_pause(world, plugin)
    assert _deployment_image(world) == NEW_IMAGE
    assert "template" not in world.get()["spec"]  # the Rollout itself is left alone
    assert world.get()["metadata"]["annotations"][REVISION] == "2"


def test_get_rollout_shows_the_images_of_the_replica_sets(world, plugin):
    at_a_pause(world, plugin)
    code, out, err = plugin("get", "rollout", "demo", "--no-color")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "Status:          ॥ Paused" in lines
    images = lines.index(f"Images:          {OLD_IMAGE} (stable)")
    assert lines[images + 1] == f"                 {NEW_IMAGE} (canary)"
    assert [line.split()[-1] for line in lines if "# revision:" in line] == [
        "revision:2",
        "revision:1",
    ]
    code, out, _ = plugin("list", "rollouts")
    assert out.splitlines()[1].split()[:5] == ["demo", "Canary", "Paused", "1/2", "50"]


def test_undo_brings_back_the_deployments_previous_template(world, plugin):
    at_a_pause(world, plugin)
    world.promote()
    world.wait(phase="Healthy")
    assert plugin("undo", "demo") == (0, "rollout 'demo' undo\n", "")
    assert _deployment_image(world) == OLD_IMAGE
    assert "template" not in world.get()["spec"]
    # the old template is a new update for the controller: it walks the steps again
    world.wait(phase="Paused", message="CanaryPauseStep")
    revision = world.get()["metadata"]["annotations"][REVISION]
    assert revision == "3"
    assert plugin("undo", "demo", "--to-revision", revision) == (
        0,
        f"skipped rollback (current template already matches revision {revision})\n",
        "",
    )


def test_a_missing_deployment_is_the_servers_not_found_and_get_still_shows(world, plugin):
    world.apply(referring())
    world.wait(phase="Degraded", message="InvalidSpec")
    code, out, err = plugin("set", "image", "demo", f"app={NEW_IMAGE}")
    assert (code, out, err) == (1, "", 'error: deployments.apps "demo" not found\n')
    code, out, err = plugin("undo", "demo")
    assert (code, err) == (1, "error: no rollout history found to undo to\n")
    code, out, _ = plugin("get", "rollout", "demo", "--no-color")
    assert code == 0
    assert "Status:          ✖ Degraded" in out
    assert 'deployments.apps "demo" not found' in out
