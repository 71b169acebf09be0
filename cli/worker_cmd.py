"""`hoso worker`: take OCR and dossier-assembly jobs from the broker named by `broker_url` (see ingest.broker)."""

from __future__ import annotations

import os

import typer

from .context import fail, settings
from .exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    @app.command()
    def worker(
        concurrency: int = typer.Option(
            max(1, os.cpu_count() or 1), "--concurrency", "-c", min=1, help="OCR processes (default: the cores)."
        ),
        name: str | None = typer.Option(None, "--name", help="This worker's name (default: celery@HOSTNAME)."),
    ) -> None:
        """Read OCR jobs and build dossiers that `hoso ingest`, `hoso watch` and `hoso reprocess` send through the broker, until
        stopped (SIGTERM or Ctrl-C finishes the jobs in hand; a job cut off runs again on another worker).
        Every machine mounts the home at the same path; the broker is `broker_url` (HOSO_BROKER_URL)."""
        cfg = settings()
        if not cfg.broker_url:
            fail("no broker configured: set broker_url in hoso.toml or HOSO_BROKER_URL (e.g. redis://HOST:6379/0)",
                 ExitCode.USAGE)  # fmt: skip
        from ingest.broker import run_worker  # Celery is loaded by this command only

        run_worker(cfg, concurrency, f"{name}@%h" if name else None)
