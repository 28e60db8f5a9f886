"""The controller's own Prometheus metrics, served in the text exposition format."""

from __future__ import annotations

import dataclasses

from aiohttp import web


@dataclasses.dataclass
class Metrics:
    reconciles: dict[str, int] = dataclasses.field(default_factory=dict)
    reconcile_seconds: float = 0.0
    queue_depth: int = 0
    rollouts: int = 0

    def observe_reconcile(self, result: str, seconds: float) -> None:
        self.reconciles[result] = self.reconciles.get(result, 0) + 1
        self.reconcile_seconds += seconds

    def render(self) -> str:
        lines = [
            "# HELP rollouts_reconcile_total Rollout reconciles by result.",
            "# TYPE rollouts_reconcile_total counter",
            *(
                f'rollouts_reconcile_total{{result="{k}"}} {v}'
                for k, v in sorted(self.reconciles.items())
            ),
            "# HELP rollouts_reconcile_seconds_total Time spent reconciling.",
            "# TYPE rollouts_reconcile_seconds_total counter",
            f"rollouts_reconcile_seconds_total {self.reconcile_seconds:.6f}",
            "# HELP rollouts_queue_depth Rollouts waiting in the work queue.",
            "# TYPE rollouts_queue_depth gauge",
            f"rollouts_queue_depth {self.queue_depth}",
            "# HELP rollouts_managed Rollouts in the controller's cache.",
            "# TYPE rollouts_managed gauge",
            f"rollouts_managed {self.rollouts}",
        ]
        return "\n".join(lines) + "\n"


async def serve(stats: Metrics, port: int) -> web.AppRunner:
    """Serve /metrics on `port` (all interfaces, as a scrape target)."""

    async def handle(_: web.Request) -> web.Response:
        return web.Response(text=stats.render(), content_type="text/plain")

    app = web.Application()
    app.router.add_get("/metrics", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", port).start()
    return runner
