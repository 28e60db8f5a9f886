"""`get rollout` and `list rollouts` text from fixed read models (golden files), and the
read model built from JSON."""

from __future__ import annotations

import datetime
import os
import pathlib
from typing import Any

import pytest

from rollouts.cli import readmodel as rm
from rollouts.cli import roles, views

DEMO = "argoproj/rollouts-demo"
NEW = "demo-65fb5ffc84"
GOLDEN = pathlib.Path(__file__).parent / "golden"
NOW = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.UTC)


def pods(
    prefix: str, count: int, status: str = "Running", ready: str = "1/1"
) -> tuple[rm.Row, ...]:
    suffixes = ("9wf5r", "6jfpt", "bx2kq", "lm4zd", "pq7tt")
    return tuple(
        rm.Row(f"{prefix}-{s}", "Pod", status, "7m", f"ready:{ready}") for s in suffixes[:count]
    )


REVISION_1 = rm.RevisionView(
    1,
    (rm.ReplicaSetView("demo-877894d5b", "Healthy", "9m", "stable", pods("demo-877894d5b", 4)),),
)
AT_A_PAUSE = rm.RolloutView(
    name="demo",
    namespace="shop",
    status="Paused",
    message="CanaryPauseStep",
    strategy="Canary",
    age="9m",
    step="1/4",
    set_weight="20",
    actual_weight="20",
    images=(
        ("argoproj/rollouts-demo:blue", ("stable",)),
        ("argoproj/rollouts-demo:yellow", ("canary",)),
    ),
    replicas=rm.Replicas(desired=5, current=5, updated=1, ready=5, available=5),
    revisions=(
        rm.RevisionView(
            2,
            (
                rm.ReplicaSetView(
                    "demo-65fb5ffc84", "Healthy", "7m", "canary", pods("demo-65fb5ffc84", 1)
                ),
            ),
            (rm.Row("demo-65fb5ffc84-2", "AnalysisRun", "Running", "7m", "✔ 2"),),
        ),
        REVISION_1,
    ),
)
MID_ABORT = rm.RolloutView(
    name="demo",
    namespace="shop",
    status="Degraded",
    message="RolloutAborted: Rollout aborted update to revision 2: "
    'Metric "errors" assessed Failed',
    strategy="Canary",
    age="9m",
    step="1/4",
    set_weight="0",
    actual_weight="0",
    images=((f"{DEMO}:bad", ("canary",)), (f"{DEMO}:blue", ("stable",))),
    replicas=rm.Replicas(desired=5, current=6, updated=1, ready=5, available=5),
    revisions=(
        rm.RevisionView(
            2,
            (
                rm.ReplicaSetView(
                    "demo-65fb5ffc84", "Progressing", "7m", "canary,delay:25s",
                    pods("demo-65fb5ffc84", 1, "Terminating", "0/1"),
                ),
            ),
            (rm.Row("demo-65fb5ffc84-2", "AnalysisRun", "Failed", "7m", "✔ 1,✖ 2"),),
        ),
        REVISION_1,
    ),
)  # fmt: skip
HEALTHY = rm.RolloutView(
    name="demo",
    namespace="shop",
    status="Healthy",
    message="",
    strategy="Canary",
    age="2h",
    step="4/4",
    set_weight="100",
    actual_weight="100",
    images=(("argoproj/rollouts-demo:yellow", ("stable",)),),
    replicas=rm.Replicas(desired=5, current=5, updated=5, ready=5, available=5),
    revisions=(
        rm.RevisionView(
            2,
            (rm.ReplicaSetView("demo-65fb5ffc84", "Healthy", "7m", "stable", pods(NEW, 5)),),
        ),
        rm.RevisionView(1, (rm.ReplicaSetView("demo-877894d5b", "ScaledDown", "2h", ""),)),
    ),
)  # fmt: skip


@pytest.mark.parametrize(
    ("view", "golden"),
    [(AT_A_PAUSE, "at-a-pause.txt"), (MID_ABORT, "mid-abort.txt"), (HEALTHY, "healthy.txt")],
)
def test_get_rollout_text_matches_the_golden_file(view: rm.RolloutView, golden: str) -> None:
    text = views.render_rollout(view, color=False)
    path = GOLDEN / golden
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_colour_wraps_only_the_status_symbols_and_tags() -> None:
    coloured = views.render_rollout(AT_A_PAUSE, color=True)
    # as Argo: only the icon, and an icon without a colour of its own in code 0
    assert "Status:          \033[0m॥\033[0m Paused\n" in coloured
    assert "argoproj/rollouts-demo:yellow (\033[33mcanary\033[0m)" in coloured
    assert "\033[32m✔\033[0m Running" in coloured
    assert "\033[" not in views.render_rollout(AT_A_PAUSE, color=False)


def test_list_rollouts_is_a_table_with_namespaces_under_all_namespaces() -> None:
    text = views.render_list([AT_A_PAUSE, HEALTHY], all_namespaces=True)
    # Argo pads each value to a minimum width first (the last one too), then aligns
    assert text.splitlines() == [
        "NAMESPACE  NAME        STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  "
        "UP-TO-DATE  AVAILABLE",
        "shop       demo        Canary     Paused        1/4   20          5/5    5        "
        "1           5        ",
        "shop       demo        Canary     Healthy       4/4   100         5/5    5        "
        "5           5        ",
    ]


def body(status: dict[str, Any], generation: int = 1, **canary: Any) -> dict[str, Any]:
    steps = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 60}, {"pause": {}}]
    return {
        "metadata": {"name": "demo", "namespace": "shop", "uid": "u1", "generation": generation},
        "spec": {"replicas": 5, "strategy": {"canary": {"steps": steps, **canary}}},
        "status": {"observedGeneration": "1", **status},
    }


def test_the_client_side_phase_waits_for_the_generation_and_for_an_unpause() -> None:
    paused = {"phase": "Paused", "message": "CanaryPauseStep"}
    assert rm.compute_client_phase(body(paused)) == ("Paused", "CanaryPauseStep")
    assert rm.compute_client_phase(body(paused, generation=2)) == (
        "Progressing",
        "waiting for rollout spec update to be observed",
    )
    resumed = {**paused, "controllerPause": True}
    assert rm.compute_client_phase(body(resumed)) == (
        "Progressing",
        "waiting for rollout to unpause",
    )


@pytest.mark.parametrize(
    ("status", "weight"),
    [
        ({"currentStepIndex": 1}, 20),
        ({"currentStepIndex": 3}, 60),
        ({"currentStepIndex": 4}, 100),
        ({"currentStepIndex": 3, "abort": True}, 0),
    ],
)
def test_set_weight_is_the_last_set_weight_step_reached(
    status: dict[str, Any], weight: int
) -> None:
    assert rm.compute_set_weight(body(status)) == weight


def test_actual_weight_of_a_routed_canary_is_the_weight_in_status() -> None:
    status = {"currentStepIndex": 1, "canary": {"weights": {"canary": {"weight": 7}}}}
    routed = body(status, trafficRouting={"nginx": {"stableIngress": "x"}})
    assert rm.compute_actual_weight(routed, []) == 7


def owned(kind: str, name: str, revision: int, owner: str = "u1", **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "metadata": {
            "name": name,
            "uid": f"uid-{name}",
            "creationTimestamp": "2024-05-01T11:55:00Z",
            "labels": {"rollouts-pod-template-hash": name.rsplit("-", 1)[-1]},
            "annotations": {"rollout.argoproj.io/revision": str(revision)},
            "ownerReferences": [{"uid": owner}],
        },
        **extra,
    }


def test_the_read_model_groups_what_the_rollout_owns_by_revision() -> None:
    status = {"currentPodHash": "b", "stableRS": "a", "currentStepIndex": 1, "availableReplicas": 5}
    stable = owned("ReplicaSet", "demo-a", 1, spec={"replicas": 4}, status={"availableReplicas": 4})
    canary = owned("ReplicaSet", "demo-b", 2, spec={"replicas": 1}, status={"availableReplicas": 1})
    stranger = owned("ReplicaSet", "other-c", 1, owner="u2", spec={"replicas": 1})
    pod = owned("Pod", "demo-b-x1", 0, owner="uid-demo-b", status={"phase": "Running"})
    pod["metadata"]["labels"] = {"rollouts-pod-template-hash": "b"}
    run = owned("AnalysisRun", "demo-b-2", 2, status={
        "phase": "Running", "metricResults": [{"successful": 2, "error": 1}]
    })  # fmt: skip
    view = rm.build_view(body(status), [stable, canary, stranger], [pod], [run], NOW)
    assert [r.revision for r in view.revisions] == [2, 1]
    newest = view.revisions[0]
    assert newest.replica_sets[0].info == "canary"
    assert newest.replica_sets[0].pods[0].status == "Running"
    assert newest.analysis_runs[0].info == "✔ 2,⚠ 1"
    assert view.revisions[1].replica_sets[0].name == "demo-a"
    assert view.actual_weight == "20"
    assert view.revisions[0].replica_sets[0].age == "5m"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-1, "0s"),
        (45, "45s"),
        (200, "3m20s"),
        (1800, "30m"),
        (5 * 3600, "5h"),
        (30 * 3600, "30h"),
        (9 * 86400, "9d"),
        (800 * 86400, "2y70d"),
    ],
)
def test_ages_read_like_kubectls(seconds: int, text: str) -> None:
    assert roles.format_seconds(seconds) == text


GUESTBOOK = rm.RolloutView(
    name="can-guestbook",
    namespace="test",
    status="Progressing",
    message="",
    strategy="Canary",
    age="1h",
    step="1/3",
    set_weight="10",
    replicas=rm.Replicas(desired=5, current=4, updated=3, ready=1, available=2),
)


def test_list_with_timestamps_and_namespaces_lines_up_as_argos() -> None:
    """The header and row of Argo's `--all-namespaces --timestamps` list test."""
    stamp = "2024-05-01T12:00:00Z"
    text = views.render_list([GUESTBOOK], all_namespaces=True, timestamp=stamp)
    header, row = text.splitlines()
    assert header == (
        "TIMESTAMP             NAMESPACE  NAME           STRATEGY   STATUS        STEP  "
        "SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE"
    )
    assert row.startswith(
        f"{stamp}  test       can-guestbook  Canary     Progressing   1/3   10          1/4    "
        "5        3           2"
    )


def test_a_watched_row_lines_up_with_the_table_printed_first() -> None:
    table = views.list_table([GUESTBOOK, HEALTHY])
    line = views.render_list_line(table, AT_A_PAUSE)
    assert line == views.render_table([*table, views.list_table([AT_A_PAUSE])[1]]).splitlines()[-1]
    assert line.index("Paused") == views.render_table(table).splitlines()[0].index("STATUS")
