"""`hoso watch` (watched scan folders) and `hoso retry` (quarantined files, once the cause is fixed)."""

from __future__ import annotations

import datetime as dt
import signal
import sys
from pathlib import Path

import typer

from pipeline.store.catalog import FileRow

from .context import access, emit_json, err, fail, home, out, settings
from .exitcodes import ExitCode

# ingest.consume and ingest.watch (OCRmyPDF, pikepdf, fpdf2) are imported by the commands
# themselves: registering them must not slow every other command's start.


def _line(record: dict) -> str:
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    name = record["path"]
    what = f"{record['status']:<11} {name}"
    if record["status"] in ("done", "duplicate"):
        what += f" · {record['case_id'] or 'unassigned'} · {record['documents']} documents, {record['pages']} pages"
    if record.get("reason"):
        what += f" · {record['reason']}"
    if record.get("moved_to"):
        what += f" → {record['moved_to']}"
    if record.get("note"):
        what += f" ({record['note']})"
    return f"{stamp} {what} ({record['seconds']:.1f} s)"


def register(app: typer.Typer) -> None:
    @app.command()
    def watch(
        dirs: list[Path] | None = typer.Argument(
            None, help="Folders to watch (default: watch_dirs and petitions_watch_dirs of the config)."
        ),
        poll: float | None = typer.Option(
            None, "--poll", metavar="SECONDS", help="Poll every SECONDS instead of inotify (network shares)."
        ),
        json_out: bool = typer.Option(False, "--json", help="One JSON line per file on stdout."),
    ) -> None:
        """Watch scan folders: every stable file becomes dossier pages, unattended (Ctrl-C stops)."""
        from ingest.watch import HomeWatchLock, Watcher

        cfg = settings()
        folders = list(dirs or [*cfg.watch_dirs, *cfg.petitions_watch_dirs])
        if not folders:
            fail(
                "name the folders to watch, or set watch_dirs (petitions_watch_dirs) in the configuration",
                ExitCode.USAGE,
            )
        missing = [str(d) for d in folders if not Path(d).is_dir()]
        if missing:
            fail(f"no such folder: {', '.join(missing)}", ExitCode.USAGE)
        poll = poll if poll is not None else cfg.watch_poll
        if poll is not None and poll <= 0:
            fail("--poll takes a number of seconds above 0", ExitCode.USAGE)
        # Machines sharing the home and a PostgreSQL catalog each run a watcher; else one per home.
        lock = HomeWatchLock(cfg.home, cfg.machine_name if cfg.catalog_url else None)
        lock.acquire()  # WatcherBusy: exit BUSY

        def emit(record: dict) -> None:
            if json_out:
                emit_json({"time": dt.datetime.now().astimezone().isoformat(timespec="seconds"), **record})
            else:
                out.print(_line(record), highlight=False, markup=False, soft_wrap=True)
            sys.stdout.flush()

        def say(text: str) -> None:
            err.print(f"hoso watch: {text}", highlight=False, markup=False)

        try:
            with home() as (cfg, catalog, backend):
                watcher = Watcher(cfg, catalog, backend, folders, poll=poll, emit=emit, say=say)
                for sig in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(sig, lambda *_: watcher.stop())
                code = watcher.run()
                say("stopped")
        finally:
            lock.release()
        if code:
            raise typer.Exit(int(ExitCode.ERROR))

    @app.command()
    def retry(
        paths: list[Path] | None = typer.Argument(
            None, help="Quarantined files (as `hoso status` lists them) or their quarantine folders."
        ),
        all_: bool = typer.Option(
            False,
            "--all",
            help="Every quarantined file, and every file held back (disk full, interrupted, or left "
            "`processing` by a process that is gone).",
        ),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    ) -> None:
        """Queue quarantined files again, from their quarantine copy, once the cause is fixed."""
        if not all_ and not paths:
            fail("name quarantined files (see `hoso status`) or use --all", ExitCode.USAGE)
        with access() as acc:
            if all_:
                acc.recover_stale()
            quarantined = acc.retryable()
            if all_:
                rows = quarantined
            else:
                rows, unknown = _select(quarantined, paths or [])
                if unknown:
                    fail(f"not a quarantined file: {', '.join(unknown)}", ExitCode.NOT_FOUND)
            outcomes = acc.retry([r.id for r in rows])
        if json_out:
            emit_json({"files": [o.to_json() for o in outcomes]})
        else:
            if not outcomes:
                out.print("nothing in quarantine")
            for o in outcomes:
                out.print(
                    f"{o.status:<11} {o.path}" + (f" · {o.reason}" if o.reason else ""), highlight=False, markup=False
                )
        if any(o.status == "quarantined" for o in outcomes):
            raise typer.Exit(int(ExitCode.QUARANTINED))
        if any(o.status == "processing" for o in outcomes):
            raise typer.Exit(int(ExitCode.BUSY))


def _select(rows: list[FileRow], args: list[Path]) -> tuple[list[FileRow], list[str]]:
    chosen: dict[int, FileRow] = {}
    unknown = []
    for arg in args:
        wanted = Path(arg).absolute()
        hits = [r for r in rows if _matches(r, str(arg), wanted)]
        if not hits:
            unknown.append(str(arg))
        for row in hits:
            chosen[row.id] = row
    return [chosen[i] for i in sorted(chosen)], unknown


def _matches(row: FileRow, text: str, wanted: Path) -> bool:
    for p in [row.path, *row.paths]:
        if text == p or wanted == Path(p).absolute():
            return True
    if row.quarantine:
        folder = Path(row.quarantine).absolute()
        return wanted == folder or folder in wanted.parents
    return False
