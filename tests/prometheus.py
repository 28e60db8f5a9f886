"""The local Prometheus helpers, under the name the tests use (they live beside devcluster)."""

from rollouts.devcluster.prometheus import (
    LOCALHOST,
    PROMETHEUS_BINARY,
    FlakyProxy,
    MetricsTarget,
    PrometheusNotInstalledError,
    PrometheusServer,
    free_port,
    poll,
)

__all__ = [
    "LOCALHOST",
    "PROMETHEUS_BINARY",
    "FlakyProxy",
    "MetricsTarget",
    "PrometheusNotInstalledError",
    "PrometheusServer",
    "free_port",
    "poll",
]
