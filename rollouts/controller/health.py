"""The controller's probes: /healthz (the process answers) and /readyz (it can do its job).

Liveness and readiness differ on purpose: a controller that cannot use its Lease (RBAC, a
missing namespace) is alive, and restarting it would not help, but it is not ready, which
`kubectl rollout status` and the pod's Ready condition show.
"""

from __future__ import annotations

from aiohttp import web

STARTING = "starting"


class Readiness:
    """Why the controller is not ready, one reason per source; ready when there is none."""

    def __init__(self) -> None:
        self._reasons: dict[str, str] = {}

    def set(self, source: str, reason: str | None) -> None:
        """Record `source`'s reason for not being ready, or clear it with None."""
        if reason is None:
            self._reasons.pop(source, None)
        else:
            self._reasons[source] = reason

    def reasons(self) -> dict[str, str]:
        return dict(self._reasons)


def build_app(readiness: Readiness) -> web.Application:
    async def live(_: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def ready(_: web.Request) -> web.Response:
        reasons = readiness.reasons()
        if not reasons:
            return web.Response(text="ok\n")
        lines = "".join(f"{source}: {reason}\n" for source, reason in sorted(reasons.items()))
        return web.Response(status=503, text=f"not ready\n{lines}")

    app = web.Application()
    app.router.add_get("/healthz", live)
    app.router.add_get("/readyz", ready)
    return app


async def serve(readiness: Readiness, port: int, host: str = "0.0.0.0") -> web.AppRunner:
    """Serve both probes on `port` (all interfaces, for the kubelet); stop with cleanup()."""
    runner = web.AppRunner(build_app(readiness), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
