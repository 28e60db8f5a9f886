"""The real controller process against a cluster (devcluster unless --kubeconfig names one)."""

from __future__ import annotations

import pathlib
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import Kubectl


class Controller:
    """`rollouts controller` in its own process, as it runs in a cluster."""

    def __init__(self, kubeconfig: pathlib.Path, log: pathlib.Path, lease_namespace: str) -> None:
        self.kubeconfig = kubeconfig
        self.log = log
        self.lease_namespace = lease_namespace
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "rollouts",
                    "controller",
                    "--kubeconfig",
                    str(self.kubeconfig),
                    "--metrics-port",
                    "0",
                    "--health-port",
                    "0",
                    "--leader-election-lease-duration",
                    "2",
                    "--lease-namespace",
                    self.lease_namespace,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye, as when a node dies."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


CRDS = pathlib.Path(__file__).resolve().parents[2] / "crds"


@pytest.fixture(scope="session")
def controller(
    kubeconfig: pathlib.Path, kubectl: Kubectl, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Controller]:
    """One controller for the session's cluster; tests use their own namespaces.

    On a real cluster (--kubeconfig) the CRDs are applied first; devcluster starts with them.
    """
    kubectl("apply", "-k", str(CRDS))
    running = Controller(
        kubeconfig, tmp_path_factory.mktemp("controller") / "controller.log", "default"
    )
    running.start()
    yield running
    running.stop()
    assert "Traceback" not in running.output(), running.output()[-4000:]
