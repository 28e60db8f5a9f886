"""The CLI's end-to-end tests reuse the session's controller process (tests/e2e)."""

from tests.e2e.conftest import controller

__all__ = ["controller"]
