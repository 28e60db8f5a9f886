"""Fixtures shared by the test layers: a devcluster served over HTTP, and clients for it."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kubernetes import client, config

from rollouts.devcluster import cluster, simulation
from rollouts.devcluster import prometheus as prometheus_helpers

KUBECTL = shutil.which("kubectl")


class Kubectl:
    """Runs the real kubectl against one cluster, with a private discovery cache."""

    def __init__(self, kubeconfig: pathlib.Path, cache: pathlib.Path) -> None:
        self.kubeconfig = kubeconfig
        self.cache = cache

    def __call__(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        if KUBECTL is None:
            pytest.fail("kubectl is not installed; the devcluster contract tests need it")
        command = [
            KUBECTL,
            "--kubeconfig",
            str(self.kubeconfig),
            "--cache-dir",
            str(self.cache),
            *args,
        ]
        done = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env={**os.environ, "KUBECTL_COMMAND_HEADERS": "false"},
        )
        if check and done.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed:\n{done.stderr}")
        return done

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "-o", "json").stdout)

    def popen(self, *args: str) -> subprocess.Popen[str]:
        assert KUBECTL is not None
        return subprocess.Popen(
            [KUBECTL, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def wait_for(
    condition: Callable[[], Any],
    *,
    timeout: float = 10.0,
    every: float = 0.02,
    message: str = "condition",
) -> Any:
    """Poll `condition` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {message}; last value: {last!r}")


@pytest.fixture(scope="session")
def devcluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[cluster.BackgroundCluster]:
    """One devcluster for the session (tests use their own namespaces or names)."""
    home = tmp_path_factory.mktemp("devcluster")
    options = cluster.Options(
        kubeconfig=home / "kubeconfig",
        settings=simulation.Settings(pod_ready_delay=0.05, broken_image_pattern="*:broken"),
    )
    with cluster.BackgroundCluster(options) as running:
        yield running


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--kubeconfig",
        metavar="PATH",
        default=None,
        help="run the cluster tests against this (real) cluster instead of devcluster",
    )


@pytest.fixture(scope="session")
def kubeconfig(request: pytest.FixtureRequest) -> pathlib.Path:
    """The cluster under test: devcluster, or the one --kubeconfig names (opt-in)."""
    given = request.config.getoption("--kubeconfig")
    if given:
        return pathlib.Path(given)
    running: cluster.BackgroundCluster = request.getfixturevalue("devcluster")
    assert running.options.kubeconfig is not None
    return running.options.kubeconfig


@pytest.fixture(scope="session")
def kubectl(kubeconfig: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(kubeconfig, tmp_path_factory.mktemp("kubectl-cache"))


@pytest.fixture(scope="session")
def api(kubeconfig: pathlib.Path) -> Any:
    """A `kubernetes.client.ApiClient` for the session's devcluster."""
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    with client.ApiClient(configuration) as api_client:
        yield api_client


@pytest.fixture
def namespace(api: Any, request: pytest.FixtureRequest) -> str:
    """A fresh namespace named after the test."""
    words = "".join(c if c.isalnum() else "-" for c in request.node.name.lower())
    name = f"t-{words[:48].strip('-')}-{uuid.uuid4().hex[:5]}"
    client.CoreV1Api(api).create_namespace({"metadata": {"name": name}})
    return name


@pytest.fixture(scope="module")
def metrics_target() -> Iterator[prometheus_helpers.MetricsTarget]:
    """A /metrics endpoint whose samples the test sets (one per test module)."""
    with prometheus_helpers.MetricsTarget() as target:
        yield target


@pytest.fixture(scope="module")
def prometheus(
    metrics_target: prometheus_helpers.MetricsTarget, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[prometheus_helpers.PrometheusServer]:
    """A real Prometheus (Debian's) scraping `metrics_target` every second."""
    workdir = tmp_path_factory.mktemp("prometheus")
    with prometheus_helpers.PrometheusServer([metrics_target.address], workdir=workdir) as server:
        yield server
