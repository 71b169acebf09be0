"""What every command shares: the home, its settings, catalog and search backend, and output."""
from __future__ import annotations

import json
import logging
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import typer
from rich.console import Console

from index import BackendMismatch, open_backend
from index.base import SearchBackend
from pipeline.store.catalog import Catalog
from pipeline.config import Settings, load_settings

from .exitcodes import ExitCode

# Progress, logs and human output go to stderr/stdout through rich; --json prints one object on stdout.
err = Console(stderr=True)
out = Console()


@dataclass
class State:
    home: Path | None = None
    verbose: bool = False


state = State()


def settings() -> Settings:
    try:
        return load_settings(home=state.home)
    except Exception as exc:  # pydantic validation of the config file or HOSO_* variables
        fail(f"configuration error: {exc}", ExitCode.USAGE)


def setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO if state.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr,
    )


@contextmanager
def home(*, need_backend: bool = True, switch_backend: bool = False) -> Iterator[tuple[Settings, Catalog, SearchBackend | None]]:
    cfg = settings()
    catalog = Catalog(cfg.catalog_path)
    backend = None
    try:
        if need_backend:
            try:
                backend = open_backend(cfg, catalog, switch=switch_backend)
            except BackendMismatch as exc:
                fail(str(exc), ExitCode.INDEX_UNAVAILABLE)
        yield cfg, catalog, backend
    finally:
        if backend is not None:
            backend.close()
        catalog.close()


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")


def fail(message: str, code: ExitCode) -> None:
    err.print(f"[bold red]hoso:[/] {message}", highlight=False)
    raise typer.Exit(int(code))


NUMBER_READ, DATE_READ = "…/{}", "{}-…"  # the pen-filled part left for a person


def as_read(whole: str | None, known: str | None, shape: str) -> str:
    """A number or date for a person to see: whole, else what was read of it in `shape` ("…/QĐ-UBND", "2025-01-…")."""
    return whole or (shape.format(known) if known else "")
