"""`hoso dossier show|export|seal|history|rebuild`: the e-dossier of a case."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from pipeline.dossier.build import BuildResult, rebuild_dossier
from pipeline.dossier.build import history as dossier_history
from pipeline.dossier.integrity import BundleError, export_bundle
from pipeline.store.catalog import Catalog

from .context import DATE_READ, NUMBER_READ, access, as_read, emit_json, fail, home, out
from .exitcodes import ExitCode

app = typer.Typer(help="Show, export, seal and trace case dossiers.", no_args_is_help=True)


def _need_case(catalog: Catalog, case_id: str) -> None:
    if not catalog.case_exists(case_id):
        fail(f"no case {case_id} in this home", ExitCode.NOT_FOUND)


def _built(case_id: str, result: BuildResult) -> dict:
    """What `seal` and `rebuild` say of the version they leave."""
    return {
        "case_id": case_id,
        "version": result.version,
        "new_version": result.built,
        "pdf": str(result.pdf),
        "pages": result.pages,
    }


@app.command("show")
def show(
    case_id: str = typer.Argument(..., metavar="CASE"),
    text: bool = typer.Option(False, "--text", help="Add every page's text."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """The documents of a case, in dossier order, with their pages and bút lục."""
    with access(need_backend=False, reading=True) as acc:
        summary = acc.case(case_id, text=text)
    documents, dossier = summary["documents"], summary["version"]
    if json_out:
        emit_json(summary)
        return
    head = f"[bold]{case_id}[/] — {len(documents)} documents"
    if dossier:
        head += f", version {summary['version']}, {summary['pages']} pages: {summary['dossier']}"
    if summary["sealed"]:
        head += f" (sealed through bút lục {summary['sealed_through']})"
    out.print(head)
    for n, doc in enumerate(documents, 1):
        pages, numbers = doc["dossier_pages"], doc["but_luc"]
        span = f"p. {pages[0]}–{pages[1]}" if pages else "not assembled"
        bl = f"BL {numbers[0]}–{numbers[1]}" if numbers else ""
        out.print(
            f"{n:>3}. {span:<12} {bl:<12} {doc['type']:<24} {as_read(doc['number'], doc['symbol'], NUMBER_READ):<18} "
            f"{as_read(doc['date'], doc['month'], DATE_READ):<10} "
            f"{doc['title'] or ''}",
            highlight=False,
        )
        if text:
            for page_text in doc["pages_text"]:
                out.print(page_text, highlight=False)


@app.command("export")
def export(
    case_id: str = typer.Argument(..., metavar="CASE"),
    out_file: Path | None = typer.Option(
        None,
        "--out",
        help="Write a copy of the dossier PDF here, marked on every page 'Bản sao của cli:<login>' and the time.",
    ),
    bundle: Path | None = typer.Option(
        None,
        "--bundle",
        help="Write a zip with the archival dossier PDF (byte for byte, unmarked), its manifest and the "
        "originals (check it with `hoso verify --bundle`).",
    ),
    version: int | None = typer.Option(None, "--version", help="An earlier version (see `hoso dossier history`)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Copy the case's dossier PDF out of the home (marked with who took it), or write a verifiable bundle."""
    if out_file is None and bundle is None:
        fail("say where to write: --out FILE.pdf and/or --bundle FILE.zip", ExitCode.USAGE)
    result: dict = {"case_id": case_id}
    with access(need_backend=False) as acc:
        row = acc.dossier_version(case_id, version)
        result.update(version=row["version"], pages=row["pages"], sha256=row["pdf_sha256"])
        if out_file is not None:
            result["pdf_sha256"] = acc.export_dossier(case_id, out_file, row["version"])
            result["pdf"] = str(out_file)
        if bundle is not None:
            try:
                written = export_bundle(acc.settings, acc.catalog, case_id, bundle, row["version"])
            except BundleError as exc:
                fail(f"{exc}; nothing was exported (run `hoso verify {case_id}`)", ExitCode.INTEGRITY)
            acc.record("dossier.export", case=case_id, version=row["version"], bundle=True, sha256=written["sha256"])
            result["bundle"] = written["bundle"]
            result["bundle_sha256"] = written["sha256"]
            result["manifest_sha256"] = written["manifest_sha256"]
            result["files"] = written["files"]
    if json_out:
        emit_json(result)
        return
    if "pdf" in result:
        out.print(f"wrote {result['pdf']} (version {result['version']}, {result['pages']} pages, marked as your copy)")
    if "bundle" in result:
        out.print(
            f"wrote {result['bundle']}: dossier, manifest and {result['files'] - 2} originals; "
            f"manifest sha256 {result['manifest_sha256']}"
        )


@app.command("seal")
def seal(
    case_id: str = typer.Argument(..., metavar="CASE"),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Hand the dossier over: freeze its bút lục. Later documents get the next numbers, at the end."""
    with home(need_backend=False) as (cfg, catalog, _):
        _need_case(catalog, case_id)
        result = rebuild_dossier(cfg, catalog, case_id, seal=True)
        if result is None:
            fail(f"case {case_id} has no documents to seal", ExitCode.NOT_FOUND)
        seals = catalog.seals(case_id)
    data = {
        **_built(case_id, result),
        "sealed_through": max(s["but_luc"][1] for s in seals) if seals else None,
        "seals": seals,
    }
    if json_out:
        emit_json(data)
        return
    if result.built:
        out.print(f"sealed {case_id}: version {result.version}, bút lục 1–{data['sealed_through']} are frozen")
    else:
        out.print(f"{case_id} was already sealed through bút lục {data['sealed_through']}; nothing new to seal")


@app.command("rebuild")
def rebuild(
    case_id: str = typer.Argument(..., metavar="CASE"),
    force: bool = typer.Option(False, "--force", help="Make a new version even if nothing changed."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Assemble the case's dossier again (a new version only if something changed)."""
    with home(need_backend=False) as (cfg, catalog, _):
        _need_case(catalog, case_id)
        started = time.monotonic()
        result = rebuild_dossier(cfg, catalog, case_id, reason="rebuild", force=force)
        if result is None:
            fail(f"case {case_id} has no documents", ExitCode.NOT_FOUND)
    data = {
        **_built(case_id, result),
        "seconds": round(time.monotonic() - started, 3),
    }
    if result.assembled is not None and result.assembled.pdfa is not None:
        data["pdfa"] = result.assembled.pdfa.to_json()
    if json_out:
        emit_json(data)
    else:
        out.print(
            f"{case_id}: version {result.version}"
            + ("" if result.built else " (unchanged)")
            + f", {result.pages} pages, {data['seconds']} s"
        )


def _describe_changes(changes: dict) -> str:
    parts = []
    for key, word in (
        ("added", "+"),
        ("removed", "−"),
        ("moved", "moved "),
        ("renumbered", "renumbered "),
        ("edited", "edited "),
    ):
        items = changes.get(key) or []
        if items:
            names = ", ".join(f"{i['name']}{' ' + i['number'] if i.get('number') else ''}" for i in items[:3])
            more = f" and {len(items) - 3} more" if len(items) > 3 else ""
            parts.append(f"{word}{len(items)} ({names}{more})")
    return "; ".join(parts) or "no document changed"


@app.command("history")
def history(
    case_id: str = typer.Argument(..., metavar="CASE"),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Every version of the case's dossier and what changed in each."""
    with home(need_backend=False, reading=True) as (cfg, catalog, _):
        _need_case(catalog, case_id)
        versions = dossier_history(catalog, case_id, cfg)
    if json_out:
        emit_json({"case_id": case_id, "versions": versions})
        return
    out.print(f"[bold]{case_id}[/] — {len(versions)} versions")
    for v in versions:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(v["created_at"]))
        bl = v.get("but_luc")
        flags = " [bold]SEALED[/]" if v["sealed"] else ""
        if not v["manifest_intact"]:
            flags += " [bold red]manifest missing or altered[/]"
        changes = v.get("changes") or {}
        out.print(
            f"v{v['version']:<3} {when}  {changes.get('reason', ''):<8} {v['pages']:>4} pages"
            f"  {f'BL {bl[0]}–{bl[1]}' if bl else '':<11}{flags}  {_describe_changes(changes)}",
            highlight=False,
        )
