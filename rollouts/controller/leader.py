"""Leader election on a coordination.k8s.io Lease, so two controller replicas never both act.

Standby replicas keep their watches and caches warm and take over when the lease expires.
A leader that cannot renew in time stops acting (the process exits, as controller-runtime's
managers do) rather than risk two writers. A Lease the controller may not use (RBAC, a
missing namespace) is an error log at most once a minute and a /readyz that says why.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import pathlib
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

import structlog
import urllib3
from kubernetes import client

from rollouts import errors
from rollouts.adapters import kube
from rollouts.controller import health, lease_rules

log = structlog.get_logger(__name__)
LEASE_SECONDS = 15
# The verbs this module uses, for deploy/rbac.yaml (checked by a contract test).
REQUIRED_RULES = (("coordination.k8s.io", "leases", lease_rules.VERBS),)
# where the kubelet mounts the pod's ServiceAccount namespace
SERVICE_ACCOUNT_NAMESPACE = pathlib.Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
READINESS_SOURCE = "lease"


def observe_namespace(
    flag: str | None,
    environ: Mapping[str, str] = os.environ,
    service_account: pathlib.Path = SERVICE_ACCOUNT_NAMESPACE,
) -> tuple[str, str]:
    """The Lease's namespace and its source (lease_rules.choose_namespace on what is here)."""
    try:
        mounted: str | None = service_account.read_text()
    except OSError:  # not in a pod, or no token mounted
        mounted = None
    return lease_rules.choose_namespace(flag, environ.get("POD_NAMESPACE"), mounted)


class LeaseCallFailed(errors.ClusterError):
    """A Lease request failed: which verb, and the HTTP status (None when there was none)."""

    def __init__(self, verb: str, status: int | None, message: str) -> None:
        super().__init__(message)
        self.verb, self.status = verb, status


def _status(exc: errors.ClusterError) -> int | None:
    # kube.call gives 404 and 409 types of their own and keeps the client's error, with its
    # status, as the cause of every other
    if isinstance(exc, errors.NotFound):
        return 404
    if isinstance(exc, errors.Conflict):
        return 409
    status = getattr(exc.__cause__, "status", None)
    return status if isinstance(status, int) else None


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _expired(lease: dict[str, Any]) -> bool:
    spec = lease.get("spec") or {}
    renewed = spec.get("renewTime")
    if not renewed:
        return True
    when = datetime.datetime.fromisoformat(str(renewed).replace("Z", "+00:00"))
    age = (datetime.datetime.now(datetime.UTC) - when).total_seconds()
    return age > int(spec.get("leaseDurationSeconds") or LEASE_SECONDS)


class LeaseElector:
    def __init__(
        self,
        api: client.ApiClient,
        *,
        namespace: str,
        name: str,
        duration: float = LEASE_SECONDS,
        readiness: health.Readiness | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.coordination = client.CoordinationV1Api(api)
        self.namespace, self.name = namespace, name
        self.duration = max(duration, 1.0)
        self.renew_every = self.duration / 3
        self.identity = f"{socket.gethostname()}-{os.getpid()}"
        self.leading = asyncio.Event()
        self.readiness = readiness if readiness is not None else health.Readiness()
        self.clock = clock
        self.renewed = -self.duration
        self.reporting = lease_rules.Reporting()

    def _spec(self, transitions: int) -> dict[str, Any]:
        now = _now()
        return {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": round(self.duration),
            "acquireTime": now,
            "renewTime": now,
            "leaseTransitions": transitions,
        }

    def _call(
        self,
        verb: str,
        request: Callable[[], Any],
        expected: tuple[type[errors.ClusterError], ...],
    ) -> dict[str, Any] | None:
        """kube.call, with any failure but the `expected` ones naming the verb that failed."""
        try:
            return kube.call(request)
        except expected:
            raise
        except errors.ClusterError as exc:
            raise LeaseCallFailed(verb, _status(exc), str(exc)) from exc

    def try_acquire(self) -> bool:
        """One attempt to take or renew the lease (blocking I/O; run in a thread)."""
        try:
            lease = (
                self._call(
                    "get",
                    lambda: self.coordination.read_namespaced_lease(
                        self.name, self.namespace, _preload_content=False
                    ),
                    (errors.NotFound,),
                )
                or {}
            )
        except errors.NotFound:
            return self._create()
        spec = lease.get("spec") or {}
        mine = spec.get("holderIdentity") == self.identity
        if not mine and not _expired(lease):
            return False
        new_spec = (
            dict(spec, renewTime=_now())
            if mine
            else self._spec(int(spec.get("leaseTransitions") or 0) + 1)
        )
        body = {
            "metadata": {"resourceVersion": lease["metadata"]["resourceVersion"]},
            "spec": new_spec,
        }
        try:
            self._call(
                "patch",
                lambda: self.coordination.patch_namespaced_lease(
                    self.name,
                    self.namespace,
                    body,
                    _content_type=kube.MERGE,
                    _preload_content=False,
                ),
                (errors.Conflict,),
            )
        except errors.Conflict:
            return False
        return True

    def _create(self) -> bool:
        body = {
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": self._spec(0),
        }
        try:
            self._call(
                "create",
                lambda: self.coordination.create_namespaced_lease(
                    self.namespace, kube.raw(body), _preload_content=False
                ),
                (errors.Conflict,),
            )
        except errors.Conflict:
            return False
        return True

    def attempt(self) -> lease_rules.Attempt:
        """try_acquire, its failures as values (blocking I/O; run in a thread)."""
        try:
            return lease_rules.Attempt(acquired=self.try_acquire())
        except LeaseCallFailed as exc:
            problem = lease_rules.classify_failure(exc.verb, exc.status, self.namespace, self.name)
            if problem is None:
                log.info("lease not renewed", verb=exc.verb, error=str(exc))
            return lease_rules.Attempt(problem=problem, reached=problem is not None)
        except (errors.ClusterError, urllib3.exceptions.HTTPError, OSError) as exc:
            # the API server unreachable or slow: the next attempt may do, and a leader that
            # keeps failing gives up its leadership below
            log.info("lease not renewed", error=str(exc))
            return lease_rules.Attempt(reached=False)

    async def run(self) -> None:
        """Acquire, then renew; exit the process once the lease may have passed to another."""
        while True:
            self.observe(await asyncio.to_thread(self.attempt))
            # the renewal cadence of the lease protocol, not a wait for a state change
            await asyncio.sleep(self.renew_every if self.leading.is_set() else self.renew_every / 2)

    def observe(self, attempt: lease_rules.Attempt) -> None:
        """Act on an attempt: leadership, the log, readiness."""
        now = self.clock()
        self._report(attempt, now)
        if attempt.acquired:
            self.renewed = now
            if not self.leading.is_set():
                log.info("leadership acquired", identity=self.identity, lease=self.name)
                self.leading.set()
        elif self.leading.is_set() and now - self.renewed > self.duration - self.renew_every:
            log.info("leadership lost", identity=self.identity)
            os._exit(1)

    def _report(self, attempt: lease_rules.Attempt, now: float) -> None:
        self.reporting, say = lease_rules.plan_report(self.reporting, attempt, now)
        problem = self.reporting.problem
        if say is lease_rules.Say.ERROR and problem is not None:
            log.error(
                "leader election lease unusable",
                problem=problem.kind,
                missing=problem.missing,
                reason=problem.reason,
                namespace=self.namespace,
                lease=self.name,
                repeats_every_s=lease_rules.REPEAT_EVERY,
            )
        elif say is lease_rules.Say.RECOVERED:
            log.info(
                "leader election lease usable again", namespace=self.namespace, lease=self.name
            )
        # after the log line, so whoever sees /readyz change finds the line written
        self.readiness.set(READINESS_SOURCE, problem.reason if problem else None)
