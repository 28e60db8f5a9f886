"""`get rollout` and `list rollouts` of blue-green Rollouts, from raw objects to text.

The objects follow the situation of Argo's own blue-green plugin test (`bluegreen-demo`,
paused before promotion with three sets across revisions 8, 10 and 11), so the golden files
`bluegreen-*.txt` are the text Argo's plugin prints for it; the others are the stages the
controller goes through (§2.14), checked against its real output in test_plugin_bluegreen.
"""

from __future__ import annotations

import copy
import datetime
import os
import pathlib
import re
from collections.abc import Sequence
from typing import Any

import pytest

from rollouts.cli import readmodel as rm
from rollouts.cli import roles, views

GOLDEN = pathlib.Path(__file__).parent / "golden"
NOW = datetime.datetime(2024, 5, 8, 12, 0, 0, tzinfo=datetime.UTC)
WEEK_AGO = "2024-05-01T12:00:00Z"
ROLLOUT_UID = "uid-rollout"
BLUE, GREEN, RED = "6cbccd9f99", "74b948fccb", "746d5fddf6"
POD_SUFFIXES = {BLUE: ("gk78v", "kxj8g", "t2d4f"), GREEN: ("5jz59", "mkhrl", "vvj2t")}

JSON = dict[str, Any]


def rollout(status: JSON, **strategy: Any) -> JSON:
    return {
        "metadata": {
            "name": "bluegreen-demo",
            "namespace": "jesse-test",
            "uid": ROLLOUT_UID,
            "generation": 410,
            "creationTimestamp": WEEK_AGO,
        },
        "spec": {
            "replicas": 3,
            "strategy": {
                "blueGreen": {
                    "activeService": "bg-active",
                    "previewService": "bg-preview",
                    **strategy,
                }
            },
        },
        "status": {"observedGeneration": "410", **status},
    }


def paused_status() -> JSON:
    """Argo's fixture: revision 11 (green) up behind the preview Service, waiting to be promoted."""
    return {
        "phase": "Paused",
        "message": "BlueGreenPause",
        "pauseConditions": [{"reason": "BlueGreenPause", "startTime": WEEK_AGO}],
        "controllerPause": True,
        "currentPodHash": GREEN,
        "stableRS": BLUE,
        "blueGreen": {"activeSelector": BLUE, "previewSelector": GREEN},
        "replicas": 6,
        "updatedReplicas": 3,
        "readyReplicas": 6,
        "availableReplicas": 3,
    }


def replica_set(pod_hash: str, revision: int, image: str, replicas: int) -> JSON:
    return {
        "metadata": {
            "name": f"bluegreen-demo-{pod_hash}",
            "uid": f"uid-{pod_hash}",
            "generation": 1,
            "creationTimestamp": WEEK_AGO,
            "labels": {"rollouts-pod-template-hash": pod_hash},
            "annotations": {"rollout.argoproj.io/revision": str(revision)},
            "ownerReferences": [{"uid": ROLLOUT_UID}],
        },
        "spec": {
            "replicas": replicas,
            "template": {"spec": {"containers": [{"name": "bluegreen-demo", "image": image}]}},
        },
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
        },
    }


def pod(pod_hash: str, suffix: str) -> JSON:
    return {
        "metadata": {
            "name": f"bluegreen-demo-{pod_hash}-{suffix}",
            "creationTimestamp": WEEK_AGO,
            "labels": {"rollouts-pod-template-hash": pod_hash},
            "ownerReferences": [{"uid": f"uid-{pod_hash}"}],
        },
        "spec": {"containers": [{"name": "bluegreen-demo"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [{"ready": True, "state": {"running": {}}, "restartCount": 0}],
        },
    }


def analysis_run(pod_hash: str, revision: int, kind: str, phase: str, **counts: int) -> JSON:
    return {
        "metadata": {
            "name": f"bluegreen-demo-{pod_hash}-{revision}-{kind}",
            "creationTimestamp": WEEK_AGO,
            "annotations": {"rollout.argoproj.io/revision": str(revision)},
            "ownerReferences": [{"uid": ROLLOUT_UID}],
        },
        "status": {"phase": phase, "metricResults": [{"name": "success-rate", **counts}]},
    }


def world() -> tuple[list[JSON], list[JSON]]:
    """Argo's three sets: blue active and stable, green in preview, red scaled down."""
    sets = [
        replica_set(GREEN, 11, "argoproj/rollouts-demo:green", 3),
        replica_set(BLUE, 10, "argoproj/rollouts-demo:blue", 3),
        replica_set(RED, 8, "argoproj/rollouts-demo:red", 0),
    ]
    pods = [pod(h, s) for h, suffixes in POD_SUFFIXES.items() for s in suffixes]
    return sets, pods


def render(body: JSON, sets: list[JSON], pods: list[JSON], runs: Sequence[JSON] = ()) -> str:
    return views.render_rollout(rm.build_view(body, sets, pods, runs, NOW))


def assert_golden(text: str, name: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def with_deadline(sets: list[JSON], deadline: datetime.datetime) -> list[JSON]:
    """Argo's delay variants: the green set waits to be scaled down and has lost its hash
    label, so it is no longer the preview."""
    changed = copy.deepcopy(sets)
    meta = changed[0]["metadata"]
    meta["annotations"]["scale-down-deadline"] = deadline.strftime("%Y-%m-%dT%H:%M:%SZ")
    del meta["labels"]["rollouts-pod-template-hash"]
    return changed


def test_paused_before_promotion_reads_as_argos_plugin_prints_it() -> None:
    sets, pods = world()
    assert_golden(render(rollout(paused_status()), sets, pods), "bluegreen-paused.txt")


@pytest.mark.parametrize(
    ("deadline", "golden"),
    [
        # Argo's test sets it 4 h ahead, truncated to the second, and reads it a moment later
        (NOW + datetime.timedelta(hours=4, seconds=-1), "bluegreen-delay.txt"),
        (NOW - datetime.timedelta(hours=1), "bluegreen-delay-passed.txt"),
    ],
)
def test_a_set_waiting_to_scale_down_shows_the_time_left(
    deadline: datetime.datetime, golden: str
) -> None:
    sets, pods = world()
    assert_golden(render(rollout(paused_status()), with_deadline(sets, deadline), pods), golden)


def promoted_status() -> JSON:
    """Promoted, the post-promotion analysis running: active on green, stable still blue."""
    return {
        **paused_status(),
        "phase": "Progressing",
        "message": "waiting for analysis to complete",
        "pauseConditions": None,
        "controllerPause": False,
        "blueGreen": {
            "activeSelector": GREEN,
            "previewSelector": GREEN,
            "prePromotionAnalysisRunStatus": {
                "name": f"bluegreen-demo-{GREEN}-11-pre",
                "status": "Successful",
            },
            "postPromotionAnalysisRunStatus": {
                "name": f"bluegreen-demo-{GREEN}-11-post",
                "status": "Running",
            },
        },
        "readyReplicas": 3,
    }


def test_post_promotion_analysis_under_its_revision_with_the_old_side_waiting() -> None:
    sets, pods = world()
    sets[1]["metadata"]["annotations"]["scale-down-deadline"] = "2024-05-08T12:00:25Z"
    runs = [
        analysis_run(GREEN, 11, "post", "Running", successful=1),
        analysis_run(GREEN, 11, "pre", "Successful", successful=3, inconclusive=1),
    ]
    body = rollout(promoted_status(), prePromotionAnalysis={}, postPromotionAnalysis={})
    assert_golden(render(body, sets, pods, runs), "bluegreen-post-analysis.txt")


def test_an_aborted_update_is_degraded_with_the_preview_set_and_its_failed_run() -> None:
    sets, pods = world()
    status = {
        **paused_status(),
        "phase": "Degraded",
        "message": "RolloutAborted: Rollout aborted update to revision 11: "
        "Blue/green pre-promotion analysis phase error/failed: "
        'Metric "success-rate" assessed Failed due to failed (2) > failureLimit (1)',
        "abort": True,
        "pauseConditions": None,
        "controllerPause": False,
    }
    runs = [analysis_run(GREEN, 11, "pre", "Failed", successful=1, failed=2, error=1)]
    assert_golden(render(rollout(status), sets, pods, runs), "bluegreen-aborted.txt")


def test_the_header_has_no_step_or_weights_and_lists_images_by_role() -> None:
    sets, pods = world()
    view = rm.build_view(rollout(paused_status()), sets, pods, [], NOW)
    assert (view.strategy, view.step, view.set_weight, view.actual_weight) == (
        "BlueGreen",
        None,
        None,
        None,
    )
    assert view.images == (
        ("argoproj/rollouts-demo:blue", ("stable", "active")),
        ("argoproj/rollouts-demo:green", ("preview",)),
    )


def test_a_set_both_services_select_is_only_active() -> None:
    body = rollout(
        {"stableRS": BLUE, "blueGreen": {"activeSelector": BLUE, "previewSelector": BLUE}}
    )
    assert roles.compute_roles(body, BLUE) == ("stable", "active")
    assert roles.compute_roles(body, GREEN) == ()


def test_an_image_run_by_two_sets_merges_their_tags_alphabetically() -> None:
    """Argo's merge rule: one set's tags keep the role order, a merged line is sorted."""
    sets, pods = world()
    sets[0]["spec"]["template"]["spec"]["containers"][0]["image"] = "argoproj/rollouts-demo:blue"
    view = rm.build_view(rollout(paused_status()), sets, pods, [], NOW)
    assert view.images == (("argoproj/rollouts-demo:blue", ("active", "preview", "stable")),)


def test_scaled_down_sets_bring_no_image() -> None:
    sets, pods = world()
    sets[0]["status"]["replicas"] = 0
    view = rm.build_view(rollout(paused_status()), sets, pods, [], NOW)
    assert [image for image, _ in view.images] == ["argoproj/rollouts-demo:blue"]


def test_list_rollouts_shows_blue_green_without_step_or_weight_as_argo_pads_it() -> None:
    """Argo's list test: every value padded to its minimum width, the last one too."""
    status = {
        "phase": "Progressing",
        "replicas": 4,
        "readyReplicas": 1,
        "updatedReplicas": 3,
        "availableReplicas": 2,
    }
    body = rollout(status)
    body["metadata"]["name"] = "bg-guestbook"
    body["spec"]["replicas"] = 5
    text = views.render_list([rm.build_view(body, [], [], [], NOW)])
    assert text == (
        "NAME          STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  "
        "AVAILABLE\n"
        "bg-guestbook  BlueGreen  Progressing   -     -           1/4    5        3           "
        "2        \n"
    )


def test_colour_follows_argo_icons_tags_and_role_coloured_names() -> None:
    sets, pods = world()
    view = rm.build_view(rollout(paused_status()), sets, pods, [], NOW)
    text = views.render_rollout(view, color=True)
    assert "Status:          \033[0m॥\033[0m Paused\n" in text
    assert "argoproj/rollouts-demo:blue (\033[32mstable\033[0m, \033[32mactive\033[0m)" in text
    assert "\033[94mbluegreen-demo-74b948fccb\033[0m" in text
    assert "\033[32m\033[32mbluegreen-demo-6cbccd9f99\033[0m\033[0m" in text
    assert "\033[32mstable\033[0m,\033[32mactive\033[0m" in text
    # without its escapes, the coloured text is the plain one: colour moves no column
    assert re.sub("\033\\[[0-9]+m", "", text) == views.render_rollout(view, color=False)
