"""`hoso ingest`, `hoso status`, `hoso reindex`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from index.feed import index_documents, rebuild_index
from pipeline.errors import resource_error

from .context import access, emit_json, err, error_json, fail, home, out
from .exitcodes import ExitCode

# ingest.consume loads OCRmyPDF, pikepdf and fpdf2: only `hoso ingest` imports it, so that
# `hoso status` (and every command importing this module) starts fast.
if TYPE_CHECKING:
    from ingest.consume import FileOutcome


class BarProgress:
    """Pages done/total and the current file, on stderr (the consumer's `Progress`)."""

    def __init__(self, bar: Progress):
        self.bar = bar
        self.task = bar.add_task("", total=None, current="")

    def begin(self, total_pages: int) -> None:
        self.bar.update(self.task, total=total_pages or None)

    def file(self, path: str) -> None:
        self.bar.update(self.task, current=Path(path).name)

    def advance(self, pages: int) -> None:
        self.bar.advance(self.task, pages)

    def finished(self, outcome: FileOutcome) -> None: ...


def _bar() -> Progress:
    return Progress(
        TextColumn("[bold]pages"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}"),
        console=err,
        transient=True,
    )


def register(app: typer.Typer) -> None:
    @app.command()
    def ingest(
        paths: list[Path] = typer.Argument(..., help="Files or folders (recursively) of scans."),
        case: str | None = typer.Option(None, "--case", help="File every batch under this case id."),
        petitions: bool = typer.Option(
            False, "--petitions", help="Every scan is a petition or crime report: into the petitions register, no case."
        ),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    ) -> None:
        """Ingest scans: archive, OCR, split into documents, assemble dossiers, index."""
        from ingest.consume import Consumer
        from ingest.sources import discover

        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            fail(f"no such file or folder: {', '.join(missing)}", ExitCode.USAGE)
        if petitions and case is not None:
            fail("--petitions files no scan under a case: link a petition with `hoso petitions link`", ExitCode.USAGE)
        with home() as (cfg, catalog, backend):
            if case is not None and not re.match(cfg.case_id_pattern, case):
                fail(f"case id {case!r} does not match the pattern {cfg.case_id_pattern}", ExitCode.USAGE)
            batches = discover(paths, case, cfg.case_id_pattern, "petition" if petitions else "case")
            with _bar() as bar:
                consumer = Consumer(cfg, catalog, backend, BarProgress(bar))
                outcomes = consumer.process(consumer.enqueue(batches))
            touched = {o.case_id for o in outcomes if o.status == "done"}
            unbuilt = [c for c in catalog.cases_without_current_dossier() if c in touched]
        machine = consumer.resource_error  # the disk is full, the home read-only: nothing is quarantined for it
        if json_out:
            emit_json(
                {
                    "files": [o.to_json() for o in outcomes],
                    "dossiers_not_built": unbuilt,
                    **(error_json(machine) if machine else {}),
                }
            )
        else:
            _print_outcomes(outcomes)
        if machine:
            raise machine
        if unbuilt:
            # The scans are safe in the catalog and searchable; only the dossier PDF is behind.
            fail(
                f"the dossier of {', '.join(unbuilt)} could not be built (see the log above); "
                "fix the cause, then `hoso dossier rebuild CASE`",
                ExitCode.ERROR,
            )
        if any(o.status == "quarantined" for o in outcomes):
            raise typer.Exit(int(ExitCode.QUARANTINED))
        if any(o.status == "processing" for o in outcomes):
            raise typer.Exit(int(ExitCode.BUSY))

    @app.command()
    def status(json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout.")) -> None:
        """What the catalog holds: files by state, cases, documents, pages, quarantine."""
        with access(need_backend=False, reading=True) as acc:
            data = acc.status()
        if json_out:
            emit_json(data)
            return
        files = ", ".join(f"{n} {s}" for s, n in data["files"].items())
        out.print(f"files: {files}")
        out.print(
            f"cases: {data['cases']}  documents: {data['documents']}  pages: {data['pages']}  "
            f"index: {data['index']} ({data['not_indexed']} documents not indexed)"
        )
        oldest = data["oldest_waiting"]
        out.print(
            f"queue: {data['queue_depth']} waiting"
            + (f", oldest {oldest['path']} for {oldest['seconds']:.0f} s" if oldest else "")
            + f"  last hour: {data['files_per_hour']} files, {data['pages_per_hour']} pages"
        )
        for watcher in data["watchers"]:
            on = f" on {watcher['machine']}" if watcher["machine"] else ""
            out.print(f"watcher: pid {watcher['pid']}{on}, running since {watcher['since']}")
        if not data["watchers"]:
            out.print("watcher: none running")
        if isinstance(data["workers"], list):
            out.print(
                f"workers: {len(data['workers'])} answering" + ("" if data["workers"] else " (start `hoso worker`)")
            )
            for w in data["workers"]:
                jobs = "; ".join(
                    (f"dossier of {j['case']}" if j.get("case") else f"batch {j['batch']} pages {j['pages'] or 'all'}")
                    + f" since {j['since']}"
                    for j in w["jobs"]
                )
                out.print(f"  {w['name']} pid {w['pid']}: {jobs or 'idle'}")
        elif data["workers"]:
            out.print(f"[red]workers[/]: {data['workers']['error']}")
        for item in data["unassigned"]:
            folder = f" (folder {item['folder']!r} is not a case id)" if item["folder"] else ""
            out.print(f"[yellow]unassigned[/] {item['path']}{folder}")
        for item in data["quarantine"]:
            out.print(f"[red]quarantined[/] {item['path']}: {item['reason']}")
        for item in data["held"]:
            out.print(f"[yellow]held[/] {item['path']}: {item['reason']}")
        for case_id in data["dossiers_not_built"]:
            out.print(f"[red]dossier not built[/] {case_id}: `hoso dossier rebuild {case_id}` once the cause is fixed")

    @app.command()
    def reindex(
        recreate: bool = typer.Option(False, "--recreate", help="Build a fresh index and swap it in."),
        pending: bool = typer.Option(False, "--pending", help="Only documents not indexed yet."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    ) -> None:
        """Rebuild the search index from the catalog alone."""
        with home(switch_backend=recreate) as (cfg, catalog, backend):
            documents = catalog.documents(all_cases=True)
            if pending and not recreate:  # a fresh index holds every document
                documents = [d for d in documents if not d.indexed]
            total = sum(len(d.pages) for d in documents)
            with _bar() as bar:
                task = bar.add_task("", total=total, current="")

                def tracked(pages):
                    for page in pages:
                        bar.advance(task)
                        yield page

                try:
                    if recreate:
                        indexed, count = rebuild_index(catalog, backend, documents, tracked)
                    else:
                        indexed, count = len(documents), index_documents(catalog, backend, documents, tracked)
                except Exception as exc:
                    resource = resource_error(exc, cfg.home)  # a full disk is the machine's, not the index's
                    if resource is not None:
                        raise resource from exc
                    fail(f"the index could not be updated: {exc}", ExitCode.INDEX_UNAVAILABLE)
        if json_out:
            emit_json({"documents": indexed, "pages": count, "backend": backend.name})
        else:
            out.print(f"indexed {count} pages of {indexed} documents in {backend.name}")


def _print_outcomes(outcomes: list[FileOutcome]) -> None:
    table = Table(show_header=True, header_style="bold")
    for column in ("file", "status", "case", "documents", "pages", "reason"):
        table.add_column(column)
    petitions = any(o.petitions is not None for o in outcomes)
    if petitions:
        table.add_column("petitions")
    colors = {"done": "green", "duplicate": "cyan", "quarantined": "red", "processing": "yellow", "queued": "yellow"}
    for o in outcomes:
        table.add_row(
            Path(o.path).name,
            f"[{colors[o.status]}]{o.status}[/]",
            o.case_id or ("petitions" if o.petitions is not None else "unassigned"),
            str(o.documents),
            str(o.pages),
            o.reason or "",
            *([", ".join(o.petitions or [])] if petitions else []),
        )
    out.print(table)
