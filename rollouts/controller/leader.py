"""Leader election on a coordination.k8s.io Lease, so two controller replicas never both act.

Standby replicas keep their watches and caches warm and take over when the lease expires.
A leader that cannot renew in time stops acting (the process exits, as controller-runtime's
managers do) rather than risk two writers.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import socket
import time
from typing import Any

import structlog
from kubernetes import client

from rollouts import errors
from rollouts.adapters import kube

log = structlog.get_logger(__name__)
LEASE_SECONDS = 15
# The verbs this module uses, for deploy/rbac.yaml (checked by a contract test).
REQUIRED_RULES = (("coordination.k8s.io", "leases", ("get", "create", "patch")),)


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
        self, api: client.ApiClient, *, namespace: str, name: str, duration: float = LEASE_SECONDS
    ) -> None:
        self.coordination = client.CoordinationV1Api(api)
        self.namespace, self.name = namespace, name
        self.duration = max(duration, 1.0)
        self.renew_every = self.duration / 3
        self.identity = f"{socket.gethostname()}-{os.getpid()}"
        self.leading = asyncio.Event()

    def _spec(self, transitions: int) -> dict[str, Any]:
        now = _now()
        return {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": round(self.duration),
            "acquireTime": now,
            "renewTime": now,
            "leaseTransitions": transitions,
        }

    def try_acquire(self) -> bool:
        """One attempt to take or renew the lease (blocking I/O; run in a thread)."""
        try:
            lease = (
                kube.call(
                    lambda: self.coordination.read_namespaced_lease(
                        self.name, self.namespace, _preload_content=False
                    )
                )
                or {}
            )
        except errors.NotFound:
            body = {
                "metadata": {"name": self.name, "namespace": self.namespace},
                "spec": self._spec(0),
            }
            try:
                kube.call(
                    lambda: self.coordination.create_namespaced_lease(
                        self.namespace, kube.raw(body), _preload_content=False
                    )
                )
            except errors.Conflict:
                return False
            return True
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
            kube.call(
                lambda: self.coordination.patch_namespaced_lease(
                    self.name,
                    self.namespace,
                    body,
                    _content_type=kube.MERGE,
                    _preload_content=False,
                )
            )
        except errors.Conflict:
            return False
        return True

    async def run(self) -> None:
        """Acquire, then renew; exit the process once the lease may have passed to another."""
        renewed = 0.0
        while True:
            if await asyncio.to_thread(self._attempt):
                renewed = time.monotonic()
                if not self.leading.is_set():
                    log.info("leadership acquired", identity=self.identity, lease=self.name)
                    self.leading.set()
            elif self.leading.is_set() and time.monotonic() - renewed > (
                self.duration - self.renew_every
            ):
                log.info("leadership lost", identity=self.identity)
                os._exit(1)
            # the renewal cadence of the lease protocol, not a wait for a state change
            await asyncio.sleep(self.renew_every if self.leading.is_set() else self.renew_every / 2)

    def _attempt(self) -> bool:
        try:
            return self.try_acquire()
        except errors.ClusterError as exc:
            log.info("lease not renewed", error=str(exc))
            return False
