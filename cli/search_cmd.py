"""`hoso search`: find the page, open the dossier there."""

from __future__ import annotations

import typer

from index.base import SearchQuery
from index.query import MARK_CLOSE, MARK_OPEN, date_bounds

from .context import emit_json, fail, home, out
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
        with home(reading=True) as (cfg, catalog, backend):
            try:
                result = backend.search(
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
                        facets=facets,
                    )
                )
            except Exception as exc:
                fail(f"the {backend.name} index cannot be searched: {exc}", ExitCode.INDEX_UNAVAILABLE)
            hits = []
            places = catalog.dossier_pages([(hit.document_id, hit.seq) for hit in result.hits])
            for hit in result.hits:
                page, but_luc = places[(hit.document_id, hit.seq)]
                hits.append(
                    {
                        "case_id": hit.case_id,
                        "document_id": hit.document_id,
                        "doc_type": hit.doc_type,
                        "page": page,
                        "but_luc": but_luc,
                        "score": hit.score,
                        "snippet": hit.snippet,
                    }
                )
        if json_out:
            emit_json({"hits": hits, "total": result.total, **({"facets": result.facets} if facets else {})})
            return
        out.print(f"{result.total} pages found" + (f", showing {len(hits)}" if result.total > len(hits) else ""))
        if facets and result.facets:
            for name, counts in result.facets.items():
                shown = ", ".join(f"{key} {n}" for key, n in list(counts.items())[:10])
                out.print(f"  [bold]{name}[/]: {shown or '-'}", highlight=False)
        for hit in hits:
            where = f"page {hit['page']}" if hit["page"] else "not in a dossier yet"
            snippet = hit["snippet"].replace("[", "\\[").replace(MARK_OPEN, "[bold yellow]").replace(MARK_CLOSE, "[/]")
            out.print(f"[bold]{hit['case_id'] or 'unassigned'}[/] {where} · {hit['doc_type']} · {hit['document_id']}")
            out.print(f"  {snippet}", highlight=False)
