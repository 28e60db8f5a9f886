"""Logging: structlog with constant messages and key/value context, one format for all.

kopf's and the libraries' stdlib logging goes through the same formatter, as JSON in a cluster
and key=value on a terminal.
"""

from __future__ import annotations

import logging
import sys

import structlog

# canonical keys, so log queries work across modules
ROLLOUT = "rollout"
NAMESPACE = "namespace"
STEP = "step"
WEIGHT = "weight"
ACTION = "action"
DURATION_MS = "duration_ms"


def configure(log_format: str = "console", level: int = logging.INFO) -> None:
    """Set up structlog and route stdlib logging (kopf, aiohttp) through it."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("kubernetes").setLevel(logging.WARNING)
    # kopf logs every handled watch event at info; ours are plumbing, not news
    logging.getLogger("kopf.objects").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
