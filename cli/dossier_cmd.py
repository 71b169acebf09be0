"""`hoso dossier show|export`: the e-dossier of a case."""
from __future__ import annotations

import shutil
from pathlib import Path

import typer

from ingest.consume import source_parts
from pipeline.catalog import Catalog, DocumentRow

from .context import emit_json, fail, home, out
from .exitcodes import ExitCode

app = typer.Typer(help="Show and export case dossiers.", no_args_is_help=True)


def dossier_documents(catalog: Catalog, case_id: str) -> list[DocumentRow]:
    """The case's documents in dossier order (documents not yet assembled last)."""
    documents = catalog.documents(case_id)
    return sorted(documents, key=lambda d: (d.pages[0][2] is None, d.pages[0][2] or 0, d.arrival))


def describe(catalog: Catalog, doc: DocumentRow, with_text: bool) -> dict:
    batches = {b: catalog.batch(b) for b in {b for b, *_ in doc.pages}}
    pages = [p[2] for p in doc.pages if p[2] is not None]
    data = {
        "id": doc.id, "type": doc.type, "number": doc.number, "date": doc.date, "title": doc.title,
        "dossier_pages": [pages[0], pages[-1]] if pages else None,
        "sources": [{"file": s.file, "sha256": s.sha256, "pages": list(s.pages)} for s in source_parts(doc, batches)],
    }
    if with_text:
        data["pages_text"] = catalog.page_texts([(b, n) for b, n, *_ in doc.pages])
    return data


@app.command("show")
def show(
    case_id: str = typer.Argument(..., metavar="CASE"),
    text: bool = typer.Option(False, "--text", help="Add every page's text."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """The documents of a case, in dossier order."""
    with home(need_backend=False) as (cfg, catalog, _):
        if not catalog.case_exists(case_id):
            fail(f"no case {case_id} in this home", ExitCode.NOT_FOUND)
        documents = [describe(catalog, d, text) for d in dossier_documents(catalog, case_id)]
        dossier = catalog.latest_dossier(case_id)
    if json_out:
        emit_json({"case_id": case_id, "dossier": dossier and dossier["pdf"], "documents": documents})
        return
    out.print(f"[bold]{case_id}[/] — {len(documents)} documents" + (f", {dossier['pdf']}" if dossier else ""))
    for n, doc in enumerate(documents, 1):
        pages = doc["dossier_pages"]
        span = f"p. {pages[0]}–{pages[1]}" if pages else "not assembled"
        out.print(f"{n:>3}. {span:<12} {doc['type']:<24} {doc['number'] or '':<18} {doc['date'] or '':<10} "
                  f"{doc['title'] or ''}", highlight=False)
        if text:
            for page_text in doc["pages_text"]:
                out.print(page_text, highlight=False)


@app.command("export")
def export(
    case_id: str = typer.Argument(..., metavar="CASE"),
    out_file: Path = typer.Option(..., "--out", help="Where to write the dossier PDF."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Copy the case's dossier PDF out of the home."""
    with home(need_backend=False) as (cfg, catalog, _):
        dossier = catalog.latest_dossier(case_id)
    if dossier is None:
        fail(f"no dossier for case {case_id} (ingest its scans first)", ExitCode.NOT_FOUND)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(dossier["pdf"], out_file)
    if json_out:
        emit_json({"case_id": case_id, "pdf": str(out_file), "sha256": dossier["pdf_sha256"], "pages": dossier["pages"]})
    else:
        out.print(f"wrote {out_file} ({dossier['pages']} pages)")
