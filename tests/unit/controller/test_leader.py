"""The elector against a fake of the client's Lease API: what it logs and what /readyz says.

The clock is the test's; each `_tick` is one attempt, as `LeaseElector.run` makes every
renew_every / 2 seconds while standing by.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
import urllib3
from kubernetes import client
from structlog import testing

from rollouts.controller import health, leader

NAMESPACE, NAME = "argo-rollouts", "rollouts-controller"


class Answer:
    def __init__(self, body: dict[str, Any]) -> None:
        self.data = json.dumps(body).encode()


def _status(code: int, message: str) -> client.ApiException:
    error = client.ApiException(status=code, reason={403: "Forbidden", 404: "Not Found"}[code])
    error.body = json.dumps({"kind": "Status", "code": code, "message": message})
    return error


class FakeLeases:
    """The three calls the elector makes; `fail[verb]` is raised instead of answering."""

    def __init__(self) -> None:
        self.lease: dict[str, Any] | None = None
        self.fail: dict[str, Exception] = {}
        self.version = 0

    def _check(self, verb: str) -> None:
        if verb in self.fail:
            raise self.fail[verb]

    def read_namespaced_lease(self, name: str, namespace: str, **_: Any) -> Answer:
        self._check("get")
        if self.lease is None:
            raise _status(404, f'leases.coordination.k8s.io "{name}" not found')
        return Answer(self.lease)

    def create_namespaced_lease(self, namespace: str, body: dict[str, Any], **_: Any) -> Answer:
        self._check("create")
        self.version += 1
        self.lease = {
            **body,
            "metadata": {**body["metadata"], "resourceVersion": str(self.version)},
        }
        return Answer(self.lease)

    def patch_namespaced_lease(
        self, name: str, namespace: str, body: dict[str, Any], **_: Any
    ) -> Answer:
        self._check("patch")
        assert self.lease is not None
        self.version += 1
        self.lease = {
            "metadata": {**self.lease["metadata"], "resourceVersion": str(self.version)},
            "spec": {**self.lease["spec"], **body["spec"]},
        }
        return Answer(self.lease)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def leases() -> FakeLeases:
    return FakeLeases()


@pytest.fixture
def elector(leases: FakeLeases, clock: Clock) -> leader.LeaseElector:
    made = leader.LeaseElector(
        client.ApiClient(), namespace=NAMESPACE, name=NAME, duration=15, clock=clock
    )
    made.coordination = leases  # type: ignore[assignment]
    return made


def _tick(elector: leader.LeaseElector, clock: Clock, seconds: float = 2.5) -> None:
    elector.observe(elector.attempt())
    clock.now += seconds


def _errors(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for entry in logs if entry["log_level"] == "error"]


def test_a_forbidden_lease_is_an_error_once_a_minute_and_readyz_says_which_rule(
    elector: leader.LeaseElector, leases: FakeLeases, clock: Clock
):
    leases.fail["get"] = _status(403, 'leases.coordination.k8s.io "x" is forbidden')

    with testing.capture_logs() as logs:
        for _ in range(48):  # two minutes of attempts, every 2.5 s
            _tick(elector, clock)

    said = _errors(logs)
    assert [entry["missing"] for entry in said] == [
        f"leases.coordination.k8s.io get in namespace {NAMESPACE}"
    ] * 2
    assert said[0]["event"] == "leader election lease unusable"
    assert not [entry for entry in logs if entry["event"] == "lease not renewed"]
    (reason,) = elector.readiness.reasons().values()
    assert f"forbidden to get Lease {NAMESPACE}/{NAME}" in reason
    assert "leases.coordination.k8s.io get, create, patch" in reason
    assert not elector.leading.is_set()


def test_once_the_rule_is_granted_readyz_is_ready_and_an_info_line_says_so(
    elector: leader.LeaseElector, leases: FakeLeases, clock: Clock
):
    leases.fail["create"] = _status(403, "forbidden")
    _tick(elector, clock)
    del leases.fail["create"]

    with testing.capture_logs() as logs:
        _tick(elector, clock)

    assert elector.readiness.reasons() == {}
    assert [entry["event"] for entry in logs] == [
        "leader election lease usable again",
        "leadership acquired",
    ]
    assert {entry["log_level"] for entry in logs} == {"info"}
    assert elector.leading.is_set()


def test_a_missing_namespace_names_the_namespace(
    elector: leader.LeaseElector, leases: FakeLeases, clock: Clock
):
    leases.fail["create"] = _status(404, f'namespaces "{NAMESPACE}" not found')

    with testing.capture_logs() as logs:
        _tick(elector, clock)

    (said,) = _errors(logs)
    assert said["missing"] == f"namespace {NAMESPACE}"
    (reason,) = elector.readiness.reasons().values()
    assert f"namespace {NAMESPACE} does not exist" in reason


def test_an_unreachable_api_server_is_retried_without_an_error_or_a_readiness_change(
    elector: leader.LeaseElector, leases: FakeLeases, clock: Clock
):
    leases.fail["create"] = _status(403, "forbidden")
    _tick(elector, clock)
    leases.fail["get"] = urllib3.exceptions.MaxRetryError(None, "/", "connection refused")

    with testing.capture_logs() as logs:
        _tick(elector, clock)

    assert [(entry["event"], entry["log_level"]) for entry in logs] == [
        ("lease not renewed", "info")
    ]
    assert list(elector.readiness.reasons()) == [leader.READINESS_SOURCE]  # still the 403


def test_a_renewal_forbidden_while_leading_is_reported_too(
    elector: leader.LeaseElector, leases: FakeLeases, clock: Clock
):
    _tick(elector, clock)
    assert elector.leading.is_set()
    leases.fail["patch"] = _status(403, "forbidden")

    with testing.capture_logs() as logs:
        _tick(elector, clock, seconds=1)

    (said,) = _errors(logs)
    assert said["missing"] == f"leases.coordination.k8s.io patch in namespace {NAMESPACE}"


def test_the_namespace_comes_from_the_environment_then_the_service_account_file(
    tmp_path: pathlib.Path,
):
    mounted = tmp_path / "namespace"
    mounted.write_text("from-file")
    absent = tmp_path / "absent"

    assert leader.observe_namespace("flag", {"POD_NAMESPACE": "env"}, mounted) == (
        "flag",
        "--lease-namespace",
    )
    assert leader.observe_namespace(None, {"POD_NAMESPACE": "env"}, mounted) == (
        "env",
        "POD_NAMESPACE",
    )
    assert leader.observe_namespace(None, {}, mounted) == ("from-file", "serviceaccount")
    assert leader.observe_namespace(None, {}, absent) == ("argo-rollouts", "default")


def test_readiness_lists_every_reason_and_is_ready_without_any():
    readiness = health.Readiness()
    readiness.set("lease", "forbidden")
    readiness.set("starting", "priming caches")
    readiness.set("starting", None)

    assert readiness.reasons() == {"lease": "forbidden"}
