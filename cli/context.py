"""What every command shares: the home, its settings, catalog and search backend, and output."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from index import open_backend
from index.base import SearchBackend
from ingest.access import Access, User
from pipeline.config import Settings, load_settings
from pipeline.errors import ExitCode, Failed, HosoError, ResourceError, why_unwritable
from pipeline.store.catalog import Catalog

# Progress, logs and human output go to stderr/stdout through rich; --json prints one object on stdout.
err = Console(stderr=True)
out = Console()


@dataclass
class State:
    home: Path | None = None
    verbose: bool = False
    json_emitted: bool = False  # a command prints one JSON object: an error after it adds none


state = State()


def settings() -> Settings:
    return load_settings(home=state.home)


def setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO if state.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@contextmanager
def home(
    *, need_backend: bool = True, switch_backend: bool = False, reading: bool = False
) -> Iterator[tuple[Settings, Catalog, SearchBackend | None]]:
    """The home's settings, catalog and search backend.

    A command that only reads (`reading`) still works where the home cannot be written (a read-only
    mount, another user's home); any other command is refused with the path and the reason.
    """
    cfg = settings()
    unwritable = why_unwritable(cfg.catalog_path) or why_unwritable(cfg.home)
    if unwritable is None:
        cfg.home.mkdir(parents=True, exist_ok=True)  # an SQLite catalog makes it; a PostgreSQL one does not
        catalog = Catalog(cfg.catalog)
    elif reading and cfg.catalog_exists():
        err.print(f"hoso: reading only: {escape(unwritable)}", highlight=False, soft_wrap=True)
        catalog = Catalog(cfg.catalog, read_only=True)
    else:
        raise ResourceError(f"the home {cfg.home} cannot be written: {unwritable}")
    backend = None
    try:
        if need_backend:
            backend = open_backend(cfg, catalog, switch=switch_backend)
        yield cfg, catalog, backend
    finally:
        if backend is not None:
            backend.close()
        catalog.close()


@contextmanager
def access(*, need_backend: bool = True, reading: bool = False) -> Iterator[Access]:
    """The home's data as the user running the command may see and change it (see `home`)."""
    with home(need_backend=need_backend, reading=reading) as (cfg, catalog, backend):
        yield Access(cfg, catalog, backend, User.from_environment())


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    state.json_emitted = True


def fail(message: str, code: ExitCode) -> None:
    """End the command: the handler of cli/main.py prints the message and exits with `code`."""
    raise Failed(message, code)


def error_json(error: HosoError) -> dict:
    code = ExitCode(error.exit_code)
    return {"error": {"code": int(code), "name": code.name, "message": str(error)}}


def report_error(error: HosoError, json_out: bool) -> None:
    """The message on stderr; under --json also the error object on stdout, unless the command printed its own."""
    err.print(f"[bold red]hoso:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    if json_out and not state.json_emitted:
        emit_json(error_json(error))


NUMBER_READ, DATE_READ = "…/{}", "{}-…"  # the pen-filled part left for a person


def as_read(whole: str | None, known: str | None, shape: str) -> str:
    """A number or date for a person to see: whole, else what was read of it in `shape` ("…/QĐ-UBND", "2025-01-…")."""
    return whole or (shape.format(known) if known else "")
