"""`hoso search`: find the page, open the dossier there."""

from __future__ import annotations

import typer

from index.base import DEFAULT_FACETS, SearchQuery
from index.query import MARK_CLOSE, MARK_OPEN, date_bounds

from .context import access, emit_json, fail, out
from .exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    @app.command()
    def search(
        query: str = typer.Argument(..., help='Words, with or without diacritics; "quoted phrases".'),
        case: str | None = typer.Option(None, "--case", help="Only this case."),
        doc_type: str | None = typer.Option(None, "--type", help="Only this doc type key."),
        number: str | None = typer.Option(None, "--number", help="Only documents with this số/ký hiệu."),
        person: str | None = typer.Option(None, "--person", help="Only documents naming this person."),
        article: int | None = typer.Option(None, "--article", help="Only this article of the Criminal Code."),
        date_from: str | None = typer.Option(None, "--from", help="Document date from (YYYY, YYYY-MM, YYYY-MM-DD)."),
        date_to: str | None = typer.Option(None, "--to", help="Document date up to (inclusive)."),
        facets: bool = typer.Option(False, "--facets", help="Also count the matching pages by type, case, year."),
        limit: int = typer.Option(10, "--limit", min=1, max=1000),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    ) -> None:
        """Search every page of every dossier."""
        try:
            date_bounds(date_from, date_to)
        except ValueError as exc:
            fail(str(exc), ExitCode.USAGE)
        with access(reading=True) as acc:
            data = acc.search(
                SearchQuery(
                    text=query,
                    case_id=case,
                    doc_type=doc_type,
                    number=number,
                    person=person,
                    article=article,
                    date_from=date_from,
                    date_to=date_to,
                    limit=limit,
                    facets=DEFAULT_FACETS if facets else (),
                )
            )
        hits, total = data["hits"], data["total"]
        if json_out:
            emit_json(data)
            return
        out.print(f"{total} pages found" + (f", showing {len(hits)}" if total > len(hits) else ""))
        if data.get("facets"):
            for name, counts in data["facets"].items():
                shown = ", ".join(f"{key} {n}" for key, n in list(counts.items())[:10])
                out.print(f"  [bold]{name}[/]: {shown or '-'}", highlight=False)
        for hit in hits:
            where = f"page {hit['page']}" if hit["page"] else "not in a dossier yet"
            snippet = hit["snippet"].replace("[", "\\[").replace(MARK_OPEN, "[bold yellow]").replace(MARK_CLOSE, "[/]")
            out.print(f"[bold]{hit['case_id'] or 'unassigned'}[/] {where} · {hit['doc_type']} · {hit['document_id']}")
            out.print(f"  {snippet}", highlight=False)
