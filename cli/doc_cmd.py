"""`hoso doc ...`: a clerk's corrections to one document: reorder, set-type, set, move, split, merge."""

from __future__ import annotations

import typer

from pipeline.dossier.build import rebuild_dossier, who

from .context import emit_json, fail, home, out
from .exitcodes import ExitCode

app = typer.Typer(
    help="Correct one document: its place in the dossier, type, fields, case, pages.", no_args_is_help=True
)


@app.command("reorder")
def reorder(
    document_id: str = typer.Argument(..., metavar="DOC", help="Document id (see `hoso dossier show CASE`)."),
    position: int | None = typer.Option(None, "--position", help="Its place in the dossier, 1 = first."),
    auto: bool = typer.Option(False, "--auto", help="Back to the automatic order (stage, date, arrival)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Put a document at a place of its case's dossier; the choice persists and the dossier is rebuilt."""
    if (position is None) == (not auto):
        fail("give --position N or --auto", ExitCode.USAGE)
    if position is not None and position < 1:
        fail("--position counts from 1", ExitCode.USAGE)
    with home(need_backend=False) as (cfg, catalog, _):
        doc = catalog.document(document_id)
        if doc is None:
            fail(f"no document {document_id}", ExitCode.NOT_FOUND)
        if doc.case_id is None:
            fail(f"{document_id} belongs to no case, so to no dossier", ExitCode.USAGE)
        frozen = catalog.sealed_pages(doc.case_id)
        if any((b, n) in frozen for b, n, *_ in doc.pages):
            fail(
                f"{document_id} is in the sealed part of the {doc.case_id} dossier: its bút lục are frozen "
                "and it cannot move",
                ExitCode.USAGE,
            )
        with catalog.transaction():
            catalog.set_document_position(document_id, position)
            catalog.add_correction(document_id, "position", doc.position, position, who())
        reason = f"reorder {document_id} to {position}" if position else f"reorder {document_id} to automatic"
        result = rebuild_dossier(cfg, catalog, doc.case_id, reason=reason)
        placed = catalog.document(document_id)
        order = [
            d.id
            for d in sorted(catalog.documents(doc.case_id), key=lambda d: (d.pages[0][2] is None, d.pages[0][2] or 0))
        ]
    numbers = [p[3] for p in placed.pages if p[3] is not None]
    pages = [p[2] for p in placed.pages if p[2] is not None]
    data = {
        "document_id": document_id,
        "case_id": doc.case_id,
        "requested": position,
        "position": order.index(document_id) + 1,
        "dossier_pages": [pages[0], pages[-1]] if pages else None,
        "but_luc": [numbers[0], numbers[-1]] if numbers else None,
        "version": result.version if result else None,
    }
    if json_out:
        emit_json(data)
        return
    bl = f", bút lục {numbers[0]}–{numbers[-1]}" if numbers else ""
    out.print(f"{document_id} is document {data['position']} of {doc.case_id}{bl} (dossier version {data['version']})")


# ---- review and repair (issue 5): every one is recorded and replayed by `hoso reprocess` ----------

DOC = typer.Argument(..., metavar="DOC", help="Document id (see `hoso review` or `hoso dossier show CASE`).")


@app.command("set-type")
def set_type(
    document_id: str = DOC,
    key: str = typer.Argument(..., metavar="KEY", help="A doc type key of the taxonomy (doc-types.toml)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Set the document's type (its confidence becomes 1: a person decided)."""
    from .review_cmd import run_repair

    run_repair(lambda r: r.set_type(document_id, key), json_out)


@app.command("set")
def set_field(
    document_id: str = DOC,
    field: str = typer.Argument(
        ...,
        metavar="FIELD",
        help="number, date, issuer, title, subtitle, crime, article, persons or classification.",
    ),
    value: str = typer.Argument(
        ...,
        metavar="VALUE",
        help="The value; '' clears it. date: YYYY-MM-DD or dd/mm/yyyy; persons: 'Name:role; Name:role'; "
        "classification: thuong, mat or toi_mat (who may read it; lowering it needs a leader).",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Set one field of the document's description (it leaves the review list), or its classification."""
    from .review_cmd import run_repair

    run_repair(lambda r: r.set_field(document_id, field, value), json_out)


@app.command("move")
def move(
    document_id: str = DOC,
    case: str = typer.Option(..., "--case", help="The case it belongs to (created if new)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Move the document to another case (or file an unassigned one); its id changes with the case."""
    from .review_cmd import run_repair

    run_repair(lambda r: r.move(document_id, case), json_out)


@app.command("split")
def split(
    document_id: str = DOC,
    at: int = typer.Option(..., "--at", help="The page within the document where the second document starts."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Cut the document in two; the second part is classified and described anew."""
    from .review_cmd import run_repair

    run_repair(lambda r: r.split(document_id, at), json_out)


@app.command("merge")
def merge(
    document_id: str = DOC,
    other_id: str = typer.Argument(..., metavar="DOC2", help="The document whose pages follow DOC's."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Join DOC2 to the end of DOC (same case); DOC's description is kept."""
    from .review_cmd import run_repair

    run_repair(lambda r: r.merge(document_id, other_id), json_out)
