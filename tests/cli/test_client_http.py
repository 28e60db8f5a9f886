"""The plugin's client on the wire, against a scripted server: paths, headers, content types,
one kept-alive connection, and every failure as one rollouts.errors exception."""

from __future__ import annotations

import pathlib
import socket
from typing import Any

import pytest

from rollouts import __version__, errors
from rollouts.cli import client as kc
from rollouts.cli import main as cli
from tests.cli.fakeapi import FakeAPI, Request, status, write_kubeconfig

ROLLOUTS = "/apis/argoproj.io/v1alpha1/namespaces/team/rollouts"
ROLLOUT = {"metadata": {"name": "demo", "namespace": "team"}, "spec": {}}


def lists(request: Request) -> tuple[int, Any]:
    """A rollout `demo` in namespace `team`, and empty lists of everything else."""
    if request.method == "GET" and request.path == f"{ROLLOUTS}/demo":
        return 200, ROLLOUT
    if request.method == "GET":
        return 200, {"items": [], "metadata": {"resourceVersion": "7"}}
    return 200, ROLLOUT


def connect(api: FakeAPI, tmp_path: pathlib.Path, **user: Any) -> kc.Client:
    config = write_kubeconfig(tmp_path / "config", api.url, user=user, namespace="team")
    return kc.Client(kc.Target(kubeconfig=str(config)))


def test_get_rollout_reads_on_one_kept_alive_connection_with_json_headers(tmp_path) -> None:
    with FakeAPI(lists) as api:
        c = connect(api, tmp_path, token="abc")
        assert c.get_rollout("demo") == ROLLOUT
        assert c.list_owned() == ([], [], [])
        c.close()
    assert [r.path for r in api.requests] == [
        f"{ROLLOUTS}/demo",
        "/apis/apps/v1/namespaces/team/replicasets",
        "/api/v1/namespaces/team/pods",
        "/apis/argoproj.io/v1alpha1/namespaces/team/analysisruns",
    ]
    assert {r.connection for r in api.requests} == {1}
    for request in api.requests:
        assert request.headers["accept"] == "application/json"
        assert request.headers["user-agent"] == f"kubectl-rollouts/{__version__}"
        assert request.headers["authorization"] == "Bearer abc"


def test_all_namespaces_lists_rollouts_cluster_wide(tmp_path) -> None:
    with FakeAPI(lists) as api:
        config = write_kubeconfig(tmp_path / "config", api.url)
        c = kc.Client(kc.Target(kubeconfig=str(config)), all_namespaces=True)
        assert c.list_rollouts() == []
    assert api.requests[0].path == "/apis/argoproj.io/v1alpha1/rollouts"


def test_writes_name_their_content_type(tmp_path) -> None:
    with FakeAPI(lists) as api:
        c = connect(api, tmp_path)
        c.patch_spec("demo", {"spec": {"paused": True}})
        c.patch_status("demo", {"status": {"abort": True}})
        c.json_patch("demo", [{"op": "remove", "path": "/spec/paused"}])
        c.replace("demo", ROLLOUT)
    sent = [(r.method, r.path, r.headers["content-type"], r.body) for r in api.requests]
    assert sent == [
        ("PATCH", f"{ROLLOUTS}/demo", "application/merge-patch+json", {"spec": {"paused": True}}),
        ("PATCH", f"{ROLLOUTS}/demo/status", "application/merge-patch+json",
         {"status": {"abort": True}}),
        ("PATCH", f"{ROLLOUTS}/demo", "application/json-patch+json",
         [{"op": "remove", "path": "/spec/paused"}]),
        ("PUT", f"{ROLLOUTS}/demo", "application/json", ROLLOUT),
    ]  # fmt: skip


def test_a_status_patch_without_a_status_subresource_patches_the_object(tmp_path) -> None:
    def no_status(request: Request) -> tuple[int, Any]:
        if request.path.endswith("/status"):
            return 404, status(404, "the server could not find the requested resource")
        return lists(request)

    with FakeAPI(no_status) as api:
        connect(api, tmp_path).patch_status("demo", {"status": {"abort": True}})
    assert [(r.method, r.path) for r in api.requests] == [
        ("PATCH", f"{ROLLOUTS}/demo/status"),
        ("PATCH", f"{ROLLOUTS}/demo"),
    ]


@pytest.mark.parametrize(
    ("answer", "raised", "message"),
    [
        ((404, status(404, 'rollouts "demo" not found')), errors.NotFound,
         'rollout "demo" not found in namespace "team"'),
        ((409, status(409, "the object has been modified")), errors.Conflict,
         "the object has been modified"),
        ((403, status(403, 'rollouts "demo" is forbidden: User "bob"\ncannot get')),
         errors.ClusterError, '403 rollouts "demo" is forbidden: User "bob"'),
        ((502, b"<html>bad gateway</html>"), errors.ClusterError, "502 Bad Gateway"),
        ((200, b"<html>a login page</html>"), errors.ClusterError,
         "cannot reach the cluster: not JSON: Expecting value: line 1 column 1 (char 0)"),
    ],
)  # fmt: skip
def test_failures_are_rollouts_errors(tmp_path, answer, raised, message) -> None:
    with FakeAPI(lambda _: answer) as api, pytest.raises(raised) as caught:
        connect(api, tmp_path).get_rollout("demo")
    assert type(caught.value) is raised
    assert str(caught.value) == message


def test_a_conflict_on_replace_is_a_conflict(tmp_path) -> None:
    with FakeAPI(lambda _: (409, status(409, "stale"))) as api, pytest.raises(errors.Conflict):
        connect(api, tmp_path).replace("demo", ROLLOUT)


def test_a_connection_the_server_dropped_while_idle_is_opened_again(tmp_path) -> None:
    with FakeAPI(lists, hang_up=True) as api:
        c = connect(api, tmp_path)
        assert c.list_replica_sets() == []
        assert c.list_replica_sets() == []
    assert [r.connection for r in api.requests] == [1, 2]


def test_an_unreachable_server_is_one_line_and_exit_one(tmp_path, capsys) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    config = write_kubeconfig(tmp_path / "config", f"http://127.0.0.1:{port}")
    assert cli.main(["get", "rollout", "demo", "--kubeconfig", str(config)]) == 1
    assert capsys.readouterr().err == "error: cannot reach the cluster: Connection refused\n"
