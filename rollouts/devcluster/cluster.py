"""Run devcluster: the store, the simulated controllers and the HTTP API, on one event loop.

`DevCluster` serves in the current event loop; `BackgroundCluster` runs one in a thread for
tests and benchmarks, which then talk to it only over HTTP, as any client would.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import pathlib
import threading
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import yaml
from aiohttp import web

from rollouts.devcluster import heap, server, simulation, store

# The argoproj.io CRDs, shipped in the package (the repository's crds/ links here, and deploy/
# installs them from here), so an installed devcluster serves them as a checkout does.
DEFAULT_CRDS: Traversable = resources.files("rollouts") / "crds"


class MissingCRDsError(FileNotFoundError):
    """The CRD directory is missing or holds no CRDs (a package built without its data?)."""


@dataclasses.dataclass(frozen=True)
class Options:
    """How to run the cluster."""

    host: str = "127.0.0.1"
    port: int = 0
    kubeconfig: pathlib.Path | None = None
    crds: Traversable | None = DEFAULT_CRDS  # None: start without CRDs
    settings: simulation.Settings = dataclasses.field(default_factory=simulation.Settings)
    history: int = 10_000  # changes kept per type for watches that resume


def read_documents(directory: Traversable) -> Iterator[dict[str, Any]]:
    """Every YAML document in a directory's *.yaml files, in name order.

    A missing or empty directory raises: silence would start a cluster that serves no
    Rollouts, and the first sign would be a puzzling 404 much later.
    """
    if not directory.is_dir():
        raise MissingCRDsError(f"no CRD directory at {directory}")
    files = sorted(
        (f for f in directory.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name
    )
    if not files:
        raise MissingCRDsError(f"no CRDs (*.yaml) in {directory}")
    for file in files:
        for doc in yaml.safe_load_all(file.read_text()):
            if doc:
                yield doc


def kubeconfig(address: str) -> dict[str, Any]:
    """A kubeconfig whose current context is this cluster, namespace `default`."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": "devcluster", "cluster": {"server": address}}],
        "users": [{"name": "devcluster", "user": {"token": "devcluster"}}],
        "contexts": [
            {
                "name": "devcluster",
                "context": {"cluster": "devcluster", "user": "devcluster", "namespace": "default"},
            }
        ],
        "current-context": "devcluster",
    }


class DevCluster:
    """One simulated cluster serving HTTP in the running event loop."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.store = store.Store(history=options.history)
        if options.crds is not None:
            self.store.load(read_documents(options.crds))
        self.simulation = simulation.Simulation(self.store, options.settings)
        self.address = ""
        self._runner: web.AppRunner | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> str:
        """Start serving; returns the address (http://127.0.0.1:PORT)."""
        self._runner = web.AppRunner(
            server.build_app(self.store),
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=0.5,
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, self.options.host, self.options.port).start()
        port = self._runner.addresses[0][1]
        self.address = f"http://{self.options.host}:{port}"
        self._task = asyncio.create_task(self.simulation.run_forever())
        if self.options.kubeconfig is not None:
            self.options.kubeconfig.parent.mkdir(parents=True, exist_ok=True)
            self.options.kubeconfig.write_text(yaml.safe_dump(kubeconfig(self.address)))
        return self.address

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._runner is not None:
            await self._runner.cleanup()


class BackgroundCluster:
    """A DevCluster on its own thread and event loop (for tests and benchmarks)."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.address = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="devcluster", daemon=True)
        self._cluster: DevCluster | None = None
        self._error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._cluster = DevCluster(self.options)
            self.address = self._loop.run_until_complete(self._cluster.start())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._cluster.stop())
        self._loop.close()

    def __enter__(self) -> BackgroundCluster:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


async def serve_forever(options: Options) -> None:
    """Serve until cancelled, printing where to find the cluster."""
    cluster = DevCluster(options)
    address = await cluster.start()
    # process-wide, so only here: a DevCluster in a test's process leaves its collector alone
    collector = asyncio.create_task(heap.reclaim_forever())
    print(f"devcluster serving the Kubernetes API at {address}", flush=True)
    if options.kubeconfig is not None:
        print(f"kubeconfig written to {options.kubeconfig}", flush=True)
        print(f"try: kubectl --kubeconfig {options.kubeconfig} get pods", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        collector.cancel()
        await cluster.stop()
