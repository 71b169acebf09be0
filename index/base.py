"""The interface every search backend implements, and the values it speaks in.

A backend indexes one record per dossier page and answers queries with
(document, page-within-document) hits; the CLI maps those to dossier page
numbers through the catalog, so renumbering a dossier never stales the index.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class IndexedPage:
    case_id: str | None
    document_id: str
    seq: int  # page within the document, 1-based
    doc_type: str
    text: str  # normalized NFC page text as OCRed
    number: str | None = None  # số/ký hiệu
    date: str | None = None  # ISO
    persons: list[str] = field(default_factory=list)
    article: int | None = None
    source_file: str | None = None
    batch_id: str | None = None
    batch_page: int | None = None
    classification: str = "thuong"  # the document's level (pipeline.secrecy): a Scope's clearance filter

    @property
    def page_id(self) -> str:
        """Deterministic id: re-indexing a page overwrites it, deletes need no query."""
        return f"{self.document_id}:{self.seq}"


# Facets a search can count (pages per value); `SearchQuery.facets` names some of them.
FACETS = ("type", "case", "year", "person", "number", "article")
DEFAULT_FACETS = ("type", "case", "year")
# The page field each facet counts; both backends store a page's metadata under these names.
FACET_FIELDS = {
    "type": "doc_type",
    "case": "case_id",
    "year": "year",
    "person": "persons",
    "number": "number",
    "article": "article",
}
SORTS = ("relevance", "date", "-date")  # date: oldest first; -date: newest first


@dataclass(frozen=True)
class Scope:
    """What the asking user may see. Every backend applies it inside its query (SQL, OpenSearch
    filter), never to a top-N afterwards, so hits, totals, facets and snippets all stay inside it."""

    cases: tuple[str, ...] | None = None  # None: every case; else only these
    unassigned: bool = True  # documents filed under no case
    clearance: str = "toi_mat"  # the highest classification level readable (pipeline.secrecy)


EVERYTHING = Scope()


@dataclass
class SearchQuery:
    text: str = ""  # no words: every page the filters keep (listing by filters alone)
    case_id: str | None = None
    doc_type: str | None = None
    number: str | None = None
    person: str | None = None
    article: int | None = None
    date_from: str | None = None  # ISO, inclusive
    date_to: str | None = None
    limit: int = 10
    offset: int = 0  # hits skipped, for paging
    sort: str = "relevance"  # one of SORTS; without words "relevance" is dossier order
    facets: tuple[str, ...] = ()  # names from FACETS to count; () counts none
    scope: Scope = EVERYTHING  # set by ingest.access from the user, never by the person searching

    def __post_init__(self) -> None:
        self.facets = tuple(dict.fromkeys(self.facets))
        unknown = [name for name in self.facets if name not in FACETS]
        if unknown:
            raise ValueError(f"unknown facet {unknown[0]!r} (known: {', '.join(FACETS)})")
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r} (known: {', '.join(SORTS)})")
        if self.offset < 0 or self.limit < 0:
            raise ValueError("offset and limit cannot be negative")

    @property
    def filtered(self) -> bool:
        """Does any filter narrow the pages? Then a query without words lists them all."""
        chosen = (self.case_id, self.doc_type, self.number, self.person, self.date_from, self.date_to)
        return any(chosen) or self.article is not None


@dataclass
class Hit:
    case_id: str | None
    document_id: str
    seq: int
    doc_type: str
    score: float  # 0 when sorted by date or listed without words
    snippet: str
    exact: bool  # every term matched with its diacritics (in the page's text)


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]] | None = None  # the names asked, in that order: {value: pages}


class SearchBackend(Protocol):
    name: str

    def index_pages(self, pages: Iterable[IndexedPage]) -> int:
        """Add or replace pages; returns how many were indexed."""

    def delete_documents(self, document_ids: Iterable[str]) -> None: ...

    def replace_documents(self, document_ids: list[str], pages: Iterable[IndexedPage]) -> int:
        """Drop these documents' pages, then index `pages` (theirs as they are now); returns how many."""

    def search(self, query: SearchQuery) -> SearchResult: ...

    def rebuild(self, pages: Iterable[IndexedPage]) -> int:
        """Build a fresh index from these pages and make it the live one."""

    def info(self) -> dict: ...

    def close(self) -> None: ...
