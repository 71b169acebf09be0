"""`hoso review`, `hoso reprocess`, `hoso page rotate|delete`, `hoso case list|rename|merge`,
`hoso separator`: what needs a person, and a clerk's repairs (the `doc` ones are in doc_cmd)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .context import DATE_READ, NUMBER_READ, access, as_read, emit_json, err, fail, out
from .exitcodes import ExitCode

# ingest.repair loads the whole pipeline (OCRmyPDF, pikepdf, fpdf2): imported by the commands
# that repair, so that registering them does not slow every other command's start.
if TYPE_CHECKING:
    from ingest.repair import Change, Repair

JSON = typer.Option(False, "--json", help="Print one JSON object on stdout.")


def run_repair(action: Callable[[Repair], Change], json_out: bool) -> None:
    """Run one correction against the home, print what it did, exit with the right code."""
    with access() as acc:
        change = action(acc.repair())  # NotFound, CorrectionError: their own exit codes
    if json_out:
        emit_json(change.to_json())
    else:
        print_change(change)
    unread = change.extra.get("reread_failed", [])
    if unread:
        fail(
            "; ".join(
                f"scan {item['batch'][:12]}… could not be read again and keeps its old page texts: {item['reason']}"
                for item in unread
            )
            + " (`hoso verify` checks the archived originals)",
            ExitCode.ERROR,
        )
    failed = [d for d in change.dossiers if "error" in d]
    if failed:
        fail(
            "the correction is recorded, but the dossier of "
            + ", ".join(d["case_id"] for d in failed)
            + " could not be rebuilt: "
            + failed[0]["error"]
            + " (`hoso dossier rebuild CASE` once fixed)",
            ExitCode.ERROR,
        )
    if not change.indexed:
        fail(
            "the correction is recorded, but the search index could not follow; run `hoso reindex --pending`",
            ExitCode.INDEX_UNAVAILABLE,
        )


def print_change(change: Change) -> None:
    data = change.to_json()
    if data.get("unchanged"):
        out.print(f"{change.action}: nothing to change, it is so already")
        return
    for rec in change.corrections:
        out.print(
            f"{change.action}: {rec['field']} {rec['old'] or '∅'} → {rec['new'] or '∅'} "
            f"(correction #{rec['id']} by {rec['who']})",
            highlight=False,
            markup=False,
        )
    if change.action == "reprocess":
        if "reread_batches" in data:
            out.print(f"read again: {data['reread_pages']} pages of {data['reread_batches']} scans", highlight=False)
        replayed = data["replayed"]
        out.print(
            f"reprocessed {data['batches']} batches: {data['before']} → {data['after']} documents, "
            f"{len(data['added'])} new, {len(data['changed'])} changed, {len(change.removed)} gone; "
            f"{replayed['applied'] + replayed['satisfied']} replayed",
            highlight=False,
        )
        for item in replayed["skipped"]:
            err.print(
                f"correction #{item['id']} ({item['field']}) no longer applies: {item['reason']}",
                highlight=False,
                markup=False,
            )
    if change.documents:
        out.print("documents: " + ", ".join(change.documents[:20]) + (" …" if len(change.documents) > 20 else ""))
    if change.removed:
        out.print("gone: " + ", ".join(change.removed[:20]) + (" …" if len(change.removed) > 20 else ""))
    for dossier in change.dossiers:
        if "error" not in dossier:
            state = "new version" if dossier["built"] else "unchanged"
            out.print(f"dossier {dossier['case_id']}: version {dossier['version']} ({state})")


def register(app: typer.Typer) -> None:
    @app.command()
    def review(
        case: str | None = typer.Option(None, "--case", help="Only this case."),
        json_out: bool = JSON,
    ) -> None:
        """Documents that need a person: low confidence, type `khac`, no case, fields left empty."""
        with access(need_backend=False) as acc:
            documents = acc.review(case)
            review_confidence = acc.settings.review_confidence
        if json_out:
            emit_json({"documents": documents})
            return
        if not documents:
            out.print("nothing to review")
            return
        out.print(
            f"{len(documents)} documents to review (confidence below {review_confidence}, `khac`, "
            "no case, fields left empty):"
        )
        for doc in documents:
            where = doc["case_id"] or ("unassigned" + (f" (folder {doc['folder']!r})" if doc.get("folder") else ""))
            fields = f" empty: {', '.join(doc['fields'])}" if doc["fields"] else ""
            out.print(
                f"{doc['id']}  {where}  {doc['type']} ({doc['confidence']:.2f})  "
                f"{as_read(doc['number'], doc['symbol'], NUMBER_READ)}  {as_read(doc['date'], doc['month'], DATE_READ)}  {doc['title'] or ''}  [{', '.join(doc['reasons'])}]{fields}",
                highlight=False,
                markup=False,
            )
            if doc.get("duplicate_of"):
                out.print(f"    probably a rescan of {doc['duplicate_of']}, already in the case", highlight=False)
            if "received" in doc["fields"] and doc.get("received"):
                read = doc["received"]
                out.print(
                    f"    register stamp as read: number {read['number'] or '?'}, date {read['date'] or '?'}"
                    " (`hoso doc set ID received` keeps a part left empty)",
                    highlight=False,
                    markup=False,
                )
            if doc.get("crops"):
                out.print(f"    header to read: {next(iter(doc['crops'].values()))}", highlight=False, markup=False)
        out.print("fix with `hoso doc set-type|set|move|split|merge`, `hoso page rotate|delete`", highlight=False)

    @app.command()
    def reprocess(
        target: str | None = typer.Argument(
            None, metavar="[CASE|DOC]", help="A case or a document (its scans); everything if left out."
        ),
        ocr: bool = typer.Option(
            False,
            "--ocr",
            help="First OCR again the pages whose text layer was kept "
            "(read before every page was judged by what it shows).",
        ),
        json_out: bool = JSON,
    ) -> None:
        """Split, classify and extract again (current code and taxonomy; no OCR unless --ocr); corrections are
        replayed."""
        started = time.monotonic()

        def run(repair: Repair) -> Change:
            reread = repair.reread(target) if ocr else {}
            change = repair.reprocess(target)
            change.extra.update(reread)
            return _timed(change, started)

        run_repair(run, json_out)

    @app.command()
    def separator(
        out_file: Path = typer.Option(..., "--out", help="Where to write the PDF to print."),
        case: str | None = typer.Option(
            None, "--case", help="A case break: the pages after it belong to this case. Without it: a document break."
        ),
        copies: int = typer.Option(1, "--copies", min=1, max=500, help="How many sheets."),
        json_out: bool = JSON,
    ) -> None:
        """Print a separator sheet: a big QR code HOSO:SEP (or HOSO:CASE=<id>) to put between papers."""
        from pipeline.stages.separator import separator_pdf

        from .context import settings

        cfg = settings()
        if case is not None and not re.match(cfg.case_id_pattern, case):
            fail(f"case id {case!r} does not match the pattern {cfg.case_id_pattern}", ExitCode.USAGE)
        code = separator_pdf(out_file, case, unit=cfg.unit, copies=copies)
        if json_out:
            emit_json({"out": str(out_file), "code": code, "case_id": case, "pages": copies})
        else:
            out.print(
                f"wrote {out_file}: {copies} sheet(s) with {code}; print at 100% (no fit-to-page shrinking)",
                highlight=False,
                markup=False,
            )

    app.add_typer(page_app, name="page")
    app.add_typer(case_app, name="case")


def _timed(change: Change, started: float) -> Change:
    change.extra["seconds"] = round(time.monotonic() - started, 3)
    return change


# ---- hoso page ... -----------------------------------------------------------------------------

page_app = typer.Typer(help="Correct one page: turn it, take it out of its document.", no_args_is_help=True)
PAGE = typer.Argument(..., metavar="PAGE", help="<document id>:<page within the document>, as in search hits.")


@page_app.command("rotate")
def page_rotate(
    page_id: str = PAGE,
    by: int = typer.Option(..., "--by", help="Degrees clockwise: 90, 180 or 270."),
    json_out: bool = JSON,
) -> None:
    """Turn a page in the dossier (the scan and its text stay as they are)."""
    run_repair(lambda r: r.rotate(page_id, by), json_out)


@page_app.command("delete")
def page_delete(page_id: str = PAGE, json_out: bool = JSON) -> None:
    """Take a page out of its document and the dossier; it stays in the archive and its batch."""
    run_repair(lambda r: r.delete_page(page_id), json_out)


# ---- hoso case ... -------------------------------------------------------------------------------

case_app = typer.Typer(help="List, rename and merge cases; who works on them.", no_args_is_help=True)


@case_app.command("list")
def case_list(json_out: bool = JSON) -> None:
    """Every case: documents, pages, dossier version, sealing, documents to review."""
    with access(need_backend=False) as acc:
        data = acc.cases()
    if json_out:
        emit_json(data)
        return
    for case in data["cases"]:
        notes = []
        if case["sealed_through"]:
            notes.append(f"sealed through bút lục {case['sealed_through']}")
        if case["review"]:
            notes.append(f"{case['review']} to review")
        if case["merged_into"]:
            notes.append(f"now in {case['merged_into']}")
        version = f"v{case['version']}" if case["version"] else "no dossier"
        out.print(
            f"{case['id']:<16} {case['documents']:>4} documents {case['pages']:>5} pages  {version:<10} "
            + "; ".join(notes),
            highlight=False,
            markup=False,
        )
    out.print(f"unassigned documents: {data['unassigned']}")


@case_app.command("rename")
def case_rename(
    old: str = typer.Argument(..., metavar="OLD"),
    new: str = typer.Argument(..., metavar="NEW"),
    json_out: bool = JSON,
) -> None:
    """Give a case a new id: its files, documents and dossier go along (not for a sealed dossier)."""
    run_repair(lambda r: r.rename_case(old, new), json_out)


@case_app.command("merge")
def case_merge(
    source: str = typer.Argument(..., metavar="FROM"),
    into: str = typer.Argument(..., metavar="INTO"),
    json_out: bool = JSON,
) -> None:
    """Put every document of case FROM into case INTO (FROM keeps its dossier history)."""
    run_repair(lambda r: r.rename_case(source, into, merging=True), json_out)


# ---- who works on which case (issue 13) ------------------------------------------------------------

USER = typer.Argument(..., metavar="USER", help="An account's name (`hoso user list`).")


def assignment(action: str, case_id: str, user: str, json_out: bool) -> None:
    with access(need_backend=False) as acc:
        data = acc.assign(case_id, user) if action == "assign" else acc.unassign(case_id, user)
    if json_out:
        emit_json(data)
        return
    done = {"assign": ("assigned", "was assigned already"), "unassign": ("unassigned", "was not assigned")}[action]
    out.print(f"{case_id}: {user} {done[0] if data['changed'] else done[1]}", highlight=False, markup=False)
    if not data["case_exists"]:
        out.print(f"(no document is filed under {case_id} yet)", highlight=False, markup=False)


@case_app.command("assign")
def case_assign(case_id: str = typer.Argument(..., metavar="CASE"), user: str = USER, json_out: bool = JSON) -> None:
    """Give USER the case: a prosecutor sees the cases assigned to them, a clerk processes them."""
    assignment("assign", case_id, user, json_out)


@case_app.command("unassign")
def case_unassign(case_id: str = typer.Argument(..., metavar="CASE"), user: str = USER, json_out: bool = JSON) -> None:
    """Take the case from USER."""
    assignment("unassign", case_id, user, json_out)


@case_app.command("assignees")
def case_assignees(case_id: str = typer.Argument(..., metavar="CASE"), json_out: bool = JSON) -> None:
    """Who works on the case: user, role, assigned by whom and when."""
    with access(need_backend=False) as acc:
        rows = acc.assignments(case=case_id)
    if json_out:
        emit_json({"case_id": case_id, "assignees": rows})
        return
    if not rows:
        out.print(f"{case_id}: nobody is assigned")
    for row in rows:
        when = time.strftime("%d/%m/%Y %H:%M", time.localtime(row["assigned_at"]))
        out.print(
            f"{row['user']:<20} {row['role']:<11} by {row['assigned_by']} on {when}", highlight=False, markup=False
        )
