"""One exit code enum for every command (documented in the README); it lives with the errors that carry it."""

from __future__ import annotations

from pipeline.errors import ExitCode

__all__ = ["ExitCode"]
