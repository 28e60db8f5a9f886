"""The local Prometheus helpers, under the name the tests use (they live beside devcluster)."""

from rollouts.devcluster.prometheus import (
    FlakyProxy,
    MetricsTarget,
    PrometheusNotInstalledError,
    PrometheusServer,
    free_port,
    poll,
)

__all__ = [
    "FlakyProxy",
    "MetricsTarget",
    "PrometheusNotInstalledError",
    "PrometheusServer",
    "free_port",
    "poll",
]
