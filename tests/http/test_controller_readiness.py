"""/readyz over HTTP while the leader-election Lease cannot be used, and after it can.

The controller process runs against a devcluster of its own (a second controller on the
session's cluster would act on other tests' objects once it leads). devcluster authorizes
everything, so a missing namespace (404) is its failure; a 403 comes from a stub API server
that answers Lease requests with the Status a real apiserver sends.
"""

from __future__ import annotations

import asyncio
import json
import pathlib
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from kubernetes import client, config

from rollouts.controller import health, leader
from rollouts.devcluster import cluster, prometheus
from tests.conftest import wait_for

LEASES = "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"


def _readyz(port: int) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""  # not listening yet


def _unready_naming(port: int, text: str) -> str | None:
    """/readyz's body when it answers 503 naming `text` (it says "starting" at first)."""
    status, body = _readyz(port)
    return body if status == 503 and text in body else None


def _logged(log: pathlib.Path, event: str) -> list[dict[str, Any]]:
    lines = log.read_text(errors="replace").splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    return [entry for entry in entries if entry.get("event") == event]


@pytest.fixture
def own_cluster(tmp_path: pathlib.Path) -> Iterator[cluster.BackgroundCluster]:
    with cluster.BackgroundCluster(cluster.Options(kubeconfig=tmp_path / "kubeconfig")) as running:
        yield running


def test_readyz_is_503_naming_a_missing_lease_namespace_until_it_exists(
    own_cluster: cluster.BackgroundCluster, tmp_path: pathlib.Path
):
    kubeconfig = own_cluster.options.kubeconfig
    assert kubeconfig is not None
    port, log = prometheus.free_port(), tmp_path / "controller.log"
    command = [
        sys.executable, "-m", "rollouts", "controller",
        "--kubeconfig", str(kubeconfig),
        "--log-format", "json",
        "--metrics-port", "0",
        "--health-port", str(port),
        "--leader-election-lease-duration", "3",
        "--lease-namespace", "not-there-yet",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        body = wait_for(
            lambda: _unready_naming(port, "not-there-yet"),
            timeout=30,
            message="/readyz to name the missing namespace",
        )
        assert "lease: namespace not-there-yet does not exist" in body
        (said,) = _logged(log, "leader election lease unusable")
        assert said["level"] == "error"
        assert said["missing"] == "namespace not-there-yet"

        configuration = client.Configuration()
        config.load_kube_config(str(kubeconfig), client_configuration=configuration)
        with client.ApiClient(configuration) as api:
            client.CoreV1Api(api).create_namespace({"metadata": {"name": "not-there-yet"}})

        wait_for(lambda: _readyz(port) == (200, "ok\n"), timeout=10, message="/readyz ready")
        (fixed,) = _logged(log, "leader election lease usable again")
        assert fixed["level"] == "info"
        assert _readyz(port) == (200, "ok\n")
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "Traceback" not in log.read_text(errors="replace")


class ForbiddingApi:
    """An API server that answers Lease requests with 403 until `allow`, then keeps one Lease."""

    def __init__(self) -> None:
        self.allow = False
        self.lease: dict[str, Any] | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", LEASES + "{rest:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        namespace = request.match_info["namespace"]
        if not self.allow:
            verb = {"GET": "get", "POST": "create", "PATCH": "patch"}[request.method]
            message = (
                'leases.coordination.k8s.io "rollouts-controller" is forbidden: User '
                '"system:serviceaccount:ops:rollouts" cannot '
                f'{verb} resource "leases" in API group "coordination.k8s.io" in the '
                f'namespace "{namespace}"'
            )
            return _status(403, "Forbidden", message)
        if request.method == "POST":
            self.lease = await request.json()
            self.lease["metadata"]["resourceVersion"] = "1"
            return web.json_response(self.lease, status=201)
        if request.method == "GET" and self.lease is not None:
            return web.json_response(self.lease)
        return _status(404, "NotFound", 'leases.coordination.k8s.io "x" not found')


def _status(code: int, reason: str, message: str) -> web.Response:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    return web.json_response(body, status=code)


async def _forbidden_then_allowed() -> tuple[tuple[int, str], tuple[int, str]]:
    stub = ForbiddingApi()
    api_runner = web.AppRunner(stub.app(), access_log=None)
    await api_runner.setup()
    await web.TCPSite(api_runner, "127.0.0.1", 0).start()
    api = client.ApiClient(
        client.Configuration(host=f"http://127.0.0.1:{api_runner.addresses[0][1]}")
    )
    readiness = health.Readiness()
    probes = await health.serve(readiness, 0, host="127.0.0.1")
    port = probes.addresses[0][1]
    elector = leader.LeaseElector(
        api, namespace="ops", name="rollouts-controller", duration=1, readiness=readiness
    )
    electing = asyncio.create_task(elector.run())
    try:
        forbidden = await _until(port, lambda answer: answer[0] == 503)
        stub.allow = True
        allowed = await _until(port, lambda answer: answer[0] == 200)
        assert elector.leading.is_set()
    finally:
        electing.cancel()
        await probes.cleanup()
        await api_runner.cleanup()
        api.close()
    return forbidden, allowed


async def _until(port: int, done: Any) -> tuple[int, str]:
    for _ in range(200):
        answer = await asyncio.to_thread(_readyz, port)
        if done(answer):
            return answer
        await asyncio.sleep(0.05)
    raise AssertionError(f"/readyz never changed; last answer: {answer}")


def test_readyz_is_503_naming_the_forbidden_lease_rule_until_it_is_granted():
    forbidden, allowed = asyncio.run(_forbidden_then_allowed())

    assert forbidden[0] == 503
    assert "lease: forbidden to get Lease ops/rollouts-controller" in forbidden[1]
    assert (
        "Role in namespace ops granting leases.coordination.k8s.io get, create, patch"
        in (forbidden[1])
    )
    assert allowed == (200, "ok\n")
