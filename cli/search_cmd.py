"""`hoso search`: find the page, open the dossier there."""

from __future__ import annotations

import typer

from index.base import FACETS, SORTS, SearchQuery
from index.query import MARK_CLOSE, MARK_OPEN, date_bounds, parse_query

from .context import access, emit_json, fail, out
from .exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    @app.command()
    def search(
        query: str = typer.Argument(
            "", help='Words, with or without diacritics; "quoted phrases"; a số/ký hiệu. Optional with a filter.'
        ),
        case: str | None = typer.Option(None, "--case", help="Only this case."),
        doc_type: str | None = typer.Option(None, "--type", help="Only this doc type key."),
        number: str | None = typer.Option(None, "--number", help="Only documents with this số/ký hiệu."),
        person: str | None = typer.Option(None, "--person", help="Only documents naming this person."),
        article: int | None = typer.Option(None, "--article", help="Only this article of the Criminal Code."),
        date_from: str | None = typer.Option(None, "--from", help="Document date from (YYYY, YYYY-MM, YYYY-MM-DD)."),
        date_to: str | None = typer.Option(None, "--to", help="Document date up to (inclusive)."),
        facets: bool = typer.Option(False, "--facets", help=f"Also count the matching pages by {', '.join(FACETS)}."),
        limit: int = typer.Option(10, "--limit", min=1, max=1000),
        offset: int = typer.Option(0, "--offset", min=0, help="Skip this many hits (paging)."),
        sort: str = typer.Option(
            "relevance",
            "--sort",
            help="relevance (without words: case, date, document), date (oldest first) or -date (newest first).",
        ),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    ) -> None:
        """Search every page of every dossier, or list the pages the filters keep."""
        if sort not in SORTS:
            fail(f"--sort must be one of {', '.join(SORTS)}, not {sort!r}", ExitCode.USAGE)
        try:
            date_bounds(date_from, date_to)
        except ValueError as exc:
            fail(str(exc), ExitCode.USAGE)
        wanted = SearchQuery(
            text=query,
            case_id=case,
            doc_type=doc_type,
            number=number,
            person=person,
            article=article,
            date_from=date_from,
            date_to=date_to,
            limit=limit,
            offset=offset,
            sort=sort,
            facets=FACETS if facets else (),
        )
        if not parse_query(query) and not wanted.filtered:
            fail(
                "give words to search for (letters or digits), or a filter to list pages by "
                "(--case, --type, --number, --person, --article, --from, --to)",
                ExitCode.USAGE,
            )
        with access(reading=True) as acc:
            data = acc.search(wanted)
        hits, total = data["hits"], data["total"]
        if json_out:
            emit_json(data)
            return
        shown = f", showing {offset + 1}–{offset + len(hits)}" if hits and (offset or total > len(hits)) else ""
        out.print(f"{total} pages found{shown}")
        if data.get("facets"):
            for name, counts in data["facets"].items():
                values = ", ".join(f"{key} {n}" for key, n in list(counts.items())[:10])
                out.print(f"  [bold]{name}[/]: {values or '-'}", highlight=False)
        for hit in hits:
            if hit["petition_id"]:
                where = f"petition {hit['petition_id']}"
            elif hit["page"] is None:
                where = "not in a dossier yet"
            elif hit["but_luc"] is None:
                where = f"dossier page {hit['page']}"
            else:
                where = f"bút lục {hit['but_luc']} (dossier page {hit['page']})"
            snippet = hit["snippet"].replace("[", "\\[").replace(MARK_OPEN, "[bold yellow]").replace(MARK_CLOSE, "[/]")
            out.print(
                f"[bold]{hit['case_id'] or ('' if hit['petition_id'] else 'unassigned')}[/] {where} · {hit['doc_type']} · {hit['document_id']}"
            )
            out.print(f"  {snippet}", highlight=False)
