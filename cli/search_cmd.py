"""`hoso search`: find the page, open the dossier there."""
from __future__ import annotations

from typing import Optional

import typer

from index.base import SearchQuery
from index.query import MARK_CLOSE, MARK_OPEN

from .context import emit_json, fail, home, out
from .exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    @app.command()
    def search(
        query: str = typer.Argument(..., help='Words, with or without diacritics; "quoted phrases".'),
        case: Optional[str] = typer.Option(None, "--case", help="Only this case."),
        doc_type: Optional[str] = typer.Option(None, "--type", help="Only this doc type key."),
        limit: int = typer.Option(10, "--limit", min=1, max=1000),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    ) -> None:
        """Search every page of every dossier."""
        with home() as (cfg, catalog, backend):
            try:
                result = backend.search(SearchQuery(text=query, case_id=case, doc_type=doc_type, limit=limit))
            except Exception as exc:
                fail(f"the {backend.name} index cannot be searched: {exc}", ExitCode.INDEX_UNAVAILABLE)
            hits = []
            for hit in result.hits:
                page, but_luc = catalog.dossier_page(hit.document_id, hit.seq)
                hits.append({
                    "case_id": hit.case_id, "document_id": hit.document_id, "doc_type": hit.doc_type,
                    "page": page, "but_luc": but_luc, "score": hit.score, "snippet": hit.snippet,
                })
        if json_out:
            emit_json({"hits": hits, "total": result.total})
            return
        out.print(f"{result.total} pages found" + (f", showing {len(hits)}" if result.total > len(hits) else ""))
        for hit in hits:
            where = f"page {hit['page']}" if hit["page"] else "not in a dossier yet"
            snippet = hit["snippet"].replace("[", "\\[").replace(MARK_OPEN, "[bold yellow]").replace(MARK_CLOSE, "[/]")
            out.print(f"[bold]{hit['case_id'] or 'unassigned'}[/] {where} · {hit['doc_type']} · {hit['document_id']}")
            out.print(f"  {snippet}", highlight=False)
