"""`set image` and `undo` of a Rollout with a workloadRef, on the wire against a scripted
server: they read the Rollout and write the Deployment it names, as Argo's plugin does."""

from __future__ import annotations

import copy
import pathlib
from typing import Any

import pytest

from rollouts.cli import main as cli
from tests.cli.fakeapi import FakeAPI, Request, status, write_kubeconfig

ROLLOUT = "/apis/argoproj.io/v1alpha1/namespaces/team/rollouts/demo"
DEPLOYMENT = "/apis/apps/v1/namespaces/team/deployments/web"
REPLICA_SETS = "/apis/apps/v1/namespaces/team/replicasets"
HASH = "rollouts-pod-template-hash"


def rollout(kind: str = "Deployment") -> dict[str, Any]:
    return {
        "metadata": {"name": "demo", "namespace": "team", "uid": "u-1"},
        "spec": {
            "workloadRef": {"apiVersion": "apps/v1", "kind": kind, "name": "web"},
            "strategy": {"canary": {"steps": [{"pause": {}}]}},
        },
    }


def template(image: str, **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": "web", **labels}},
        "spec": {"containers": [{"name": "app", "image": image}]},
    }


def deployment(image: str = "web:2") -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "namespace": "team", "resourceVersion": "5"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": template(image)},
    }


def replica_set(revision: int, image: str, owner: str = "u-1") -> dict[str, Any]:
    return {
        "metadata": {
            "name": f"demo-{revision}",
            "annotations": {"rollout.argoproj.io/revision": str(revision)},
            "ownerReferences": [{"uid": owner, "kind": "Rollout", "name": "demo"}],
        },
        "spec": {"template": template(image, **{HASH: f"h{revision}"})},
    }


class Cluster:
    """A Rollout `demo` referring to Deployment `web`; `conflicts` PUTs answer 409 first."""

    def __init__(self, *, conflicts: int = 0, kind: str = "Deployment", web: bool = True) -> None:
        self.conflicts = conflicts
        self.rollout = rollout(kind)
        self.deployment = deployment() if web else None
        self.replica_sets = [
            replica_set(1, "web:1"),
            replica_set(2, "web:2"),
            replica_set(3, "web:3", owner="someone-else"),
        ]

    def answer(self, request: Request) -> tuple[int, Any]:
        if request.path == ROLLOUT and request.method == "GET":
            return 200, self.rollout
        if request.path == REPLICA_SETS and request.method == "GET":
            return 200, {"items": self.replica_sets}
        if request.path == DEPLOYMENT and self.deployment is None:
            return 404, status(404, 'deployments.apps "web" not found')
        if request.path == DEPLOYMENT and request.method == "GET":
            return 200, self.deployment
        if request.path == DEPLOYMENT and request.method == "PUT" and self.conflicts:
            self.conflicts -= 1
            return 409, status(409, "the object has been modified")
        if request.path == DEPLOYMENT and request.method in ("PUT", "PATCH"):
            return 200, self.deployment
        return 404, status(404, f"unexpected {request.method} {request.path}")


def run(tmp_path: pathlib.Path, cluster: Cluster, *argv: str) -> tuple[int, list[Request]]:
    with FakeAPI(cluster.answer) as api:
        config = write_kubeconfig(tmp_path / "config", api.url, namespace="team")
        code = cli.main([*argv, "--kubeconfig", str(config)])
    return code, api.requests


def test_set_image_updates_the_whole_deployment_and_names_it(tmp_path, capsys) -> None:
    code, requests = run(tmp_path, Cluster(), "set", "image", "demo", "app=web:3")
    assert (code, capsys.readouterr().out) == (0, 'deployment "web" image updated\n')
    assert [(r.method, r.path) for r in requests] == [
        ("GET", ROLLOUT),
        ("GET", DEPLOYMENT),
        ("PUT", DEPLOYMENT),
    ]
    expected = deployment("web:3")
    assert requests[-1].body == expected  # resourceVersion "5" kept: a stale write is a 409
    assert requests[-1].headers["content-type"] == "application/json"


def test_set_image_reads_both_again_after_a_conflict(tmp_path, capsys) -> None:
    code, requests = run(tmp_path, Cluster(conflicts=2), "set", "image", "demo", "*=web:3")
    assert (code, capsys.readouterr().out) == (0, 'deployment "web" image updated\n')
    assert [r.method for r in requests] == ["GET", "GET", "PUT"] * 3


def test_set_image_gives_up_after_three_conflicts(tmp_path, capsys) -> None:
    code, requests = run(tmp_path, Cluster(conflicts=3), "set", "image", "demo", "app=web:3")
    assert code == 1
    assert capsys.readouterr().err == "error: the object has been modified\n"
    assert [r.method for r in requests].count("PUT") == 3


def test_set_image_of_a_missing_deployment_is_the_servers_not_found(tmp_path, capsys) -> None:
    code, _ = run(tmp_path, Cluster(web=False), "set", "image", "demo", "app=web:3")
    assert code == 1
    assert capsys.readouterr().err == 'error: deployments.apps "web" not found\n'


def test_set_image_of_a_container_the_deployment_lacks_sends_nothing(tmp_path, capsys) -> None:
    code, requests = run(tmp_path, Cluster(), "set", "image", "demo", "db=x:1")
    assert code == 1
    assert capsys.readouterr().err == 'error: unable to find container named "db"\n'
    assert "PUT" not in [r.method for r in requests]


def test_undo_patches_the_deployments_template_with_the_previous_revision(tmp_path, capsys) -> None:
    code, requests = run(tmp_path, Cluster(), "undo", "demo")
    assert (code, capsys.readouterr().out) == (0, "rollout 'demo' undo\n")
    assert [(r.method, r.path) for r in requests] == [
        ("GET", ROLLOUT),
        ("GET", REPLICA_SETS),
        ("GET", DEPLOYMENT),
        ("PATCH", DEPLOYMENT),
    ]
    assert requests[-1].headers["content-type"] == "application/json-patch+json"
    assert requests[-1].body == [
        {"op": "replace", "path": "/spec/template", "value": template("web:1")}
    ]


def test_undo_to_the_deployments_own_template_is_skipped(tmp_path, capsys) -> None:
    code, requests = run(tmp_path, Cluster(), "undo", "demo", "--to-revision", "2")
    assert code == 0
    assert capsys.readouterr().out == (
        "skipped rollback (current template already matches revision 2)\n"
    )
    assert "PATCH" not in [r.method for r in requests]


def test_undo_only_counts_the_rollouts_own_replica_sets(tmp_path, capsys) -> None:
    code, _ = run(tmp_path, Cluster(), "undo", "demo", "--to-revision", "3")
    assert code == 1
    assert capsys.readouterr().err == "error: unable to find specified revision 3 in history\n"


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("ReplicaSet", "/apis/apps/v1/namespaces/team/replicasets/web"),
        ("PodTemplate", "/api/v1/namespaces/team/podtemplates/web"),
    ],
)
def test_undo_patches_the_other_kinds_argo_allows(tmp_path, capsys, kind, path) -> None:
    cluster = Cluster(kind=kind)
    answer = cluster.answer

    def other_kinds(request: Request) -> tuple[int, Any]:
        if request.path == path:
            return 200, copy.deepcopy(cluster.deployment)
        return answer(request)

    cluster.answer = other_kinds  # type: ignore[method-assign]
    code, requests = run(tmp_path, cluster, "undo", "demo")
    assert (code, capsys.readouterr().out) == (0, "rollout 'demo' undo\n")
    assert [(r.method, r.path) for r in requests][-2:] == [("GET", path), ("PATCH", path)]


def test_undo_of_an_unknown_kind_or_a_missing_deployment_says_which_revision_failed(
    tmp_path, capsys
) -> None:
    assert run(tmp_path, Cluster(kind="StatefulSet"), "undo", "demo")[0] == 1
    assert capsys.readouterr().err == (
        "error: failed restoring revision 0: workload of type StatefulSet is not supported\n"
    )
    assert run(tmp_path, Cluster(web=False), "undo", "demo", "--to-revision", "1")[0] == 1
    assert capsys.readouterr().err == (
        'error: failed restoring revision 1: deployments.apps "web" not found\n'
    )
