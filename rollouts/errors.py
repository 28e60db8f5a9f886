"""The exceptions rollouts raises, as one tree.

    RolloutsError
      x SpecError      an invalid or unsupported spec (parse/validate); names the field
      x ClusterError   a Kubernetes API call failed
          + NotFound
          + Conflict   optimistic-concurrency loss (409): re-read and re-plan
      x TrafficRoutingError  the traffic router cannot carry out the weight asked for
      x MetricError    a misconfigured metric provider; failed queries are Measurements instead

Expected failures (a query that times out, a missing Service) are values or conditions, not
exceptions; these are for what the caller must handle.
"""

from __future__ import annotations


class RolloutsError(Exception):
    """Base of every error rollouts raises on purpose."""


class SpecError(RolloutsError):
    """A manifest that cannot be acted on; `field` is the path of the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class ClusterError(RolloutsError):
    """A Kubernetes API call failed."""


class NotFound(ClusterError):
    """The object does not exist (404)."""


class Conflict(ClusterError):
    """Someone else wrote first (409): re-read and re-plan, never retry blindly."""


class TrafficRoutingError(RolloutsError):
    """The traffic router cannot do what the Rollout asks (e.g. a foreign canary Ingress)."""


class MetricError(RolloutsError):
    """A metric provider is misconfigured (not a failed measurement)."""
