"""The embedded default backend: SQLite FTS5 inside the catalog database.

One row per page: `exact` holds the NFC text (unicode61 with diacritics kept),
`folded` the same text folded in Python (unicode61 would not fold đ). Every
query runs on the folded column; rows whose exact column also matches rank
first.
"""
from __future__ import annotations

import sqlite3
from typing import Iterable

from pipeline.text import fold

from .base import Hit, IndexedPage, SearchQuery, SearchResult
from .query import ParsedQuery, make_snippet, parse_query

_TABLE = """
CREATE VIRTUAL TABLE IF NOT EXISTS page_fts USING fts5(
    exact, folded,
    page_id UNINDEXED, case_id UNINDEXED, document_id UNINDEXED, seq UNINDEXED, doc_type UNINDEXED,
    number UNINDEXED, date UNINDEXED, persons UNINDEXED, article UNINDEXED,
    tokenize = "unicode61 remove_diacritics 0"
)
"""


def _fts_expr(phrases: list[list[str]], column: str) -> str:
    """Every phrase quoted (FTS5 syntax characters in user input become plain text)."""
    quoted = " AND ".join('"' + " ".join(w.replace('"', '""') for w in phrase) + '"' for phrase in phrases)
    return f"{column} : ({quoted})"


class SqliteBackend:
    name = "sqlite"

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.db.execute(_TABLE)

    def index_pages(self, pages: Iterable[IndexedPage]) -> int:
        rows = [
            (p.text, fold(p.text), p.page_id, p.case_id, p.document_id, p.seq, p.doc_type, p.number, p.date,
             "\n".join(p.persons), p.article)
            for p in pages
        ]
        self.db.executemany("DELETE FROM page_fts WHERE page_id = ?", [(r[2],) for r in rows])
        self.db.executemany(
            "INSERT INTO page_fts(exact, folded, page_id, case_id, document_id, seq, doc_type, number, date,"
            " persons, article) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    def delete_documents(self, document_ids: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM page_fts WHERE document_id = ?", [(d,) for d in document_ids])

    def rebuild(self, pages: Iterable[IndexedPage]) -> int:
        # One transaction: readers keep seeing the old rows until COMMIT (WAL).
        started = not self.db.in_transaction
        if started:
            self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("DELETE FROM page_fts")
            count = self.index_pages(pages)
            self.db.execute("INSERT INTO page_fts(page_fts) VALUES ('optimize')")
        except BaseException:
            if started:
                self.db.execute("ROLLBACK")
            raise
        if started:
            self.db.execute("COMMIT")
        return count

    def _filters(self, query: SearchQuery) -> tuple[str, list]:
        clauses, args = [], []
        for column, value in (("case_id", query.case_id), ("doc_type", query.doc_type), ("number", query.number)):
            if value:
                clauses.append(f"{column} = ?")
                args.append(value)
        if query.article is not None:
            clauses.append("article = ?")
            args.append(query.article)
        if query.person:
            clauses.append("instr(lower(persons), lower(?)) > 0")
            args.append(query.person)
        if query.date_from:
            clauses.append("date >= ?")
            args.append(query.date_from)
        if query.date_to:
            clauses.append("date <= ?")
            args.append(query.date_to)
        return "".join(f" AND {c}" for c in clauses), args

    def search(self, query: SearchQuery) -> SearchResult:
        parsed = parse_query(query.text)
        if not parsed:
            return SearchResult(hits=[], total=0, facets={} if query.facets else None)
        where, args = self._filters(query)
        folded_expr = _fts_expr(parsed.folded_phrases, "folded")
        exact_expr = _fts_expr(parsed.phrases, "exact")
        # The whole query as one phrase: "khoi to vu an" should put "khởi tố vụ án" above
        # a page that merely holds the four words apart.
        phrase_expr = _fts_expr([[w for p in parsed.folded_phrases for w in p]], "folded")
        base = f"FROM page_fts WHERE page_fts MATCH ?{where}"
        rows = self.db.execute(
            "SELECT case_id, document_id, seq, doc_type, exact, bm25(page_fts, 0.0, 1.0) AS rank,"
            " rowid IN (SELECT rowid FROM page_fts WHERE page_fts MATCH ?) AS exact_hit,"
            " rowid IN (SELECT rowid FROM page_fts WHERE page_fts MATCH ?) AS phrase_hit "
            f"{base} ORDER BY exact_hit DESC, phrase_hit DESC, rank ASC, case_id, document_id, seq LIMIT ?",
            [exact_expr, phrase_expr, folded_expr, *args, query.limit],
        ).fetchall()
        total = self.db.execute(f"SELECT COUNT(*) {base}", [folded_expr, *args]).fetchone()[0]
        hits = [self._hit(row, parsed) for row in rows]
        facets = self._facets(base, [folded_expr, *args]) if query.facets else None
        return SearchResult(hits=hits, total=total, facets=facets)

    @staticmethod
    def _hit(row: sqlite3.Row, parsed: ParsedQuery) -> Hit:
        case_id, document_id, seq, doc_type, text, rank, exact_hit, phrase_hit = tuple(row)
        return Hit(
            case_id=case_id, document_id=document_id, seq=int(seq), doc_type=doc_type,
            # bm25 is negative, smaller is better; exact matches sit above every folded-only one.
            score=round(float(exact_hit) * 1000.0 + float(phrase_hit) * 100.0 - rank, 4),
            snippet=make_snippet(text, parsed), exact=bool(exact_hit),
        )

    def _facets(self, base: str, args: list) -> dict[str, dict[str, int]]:
        facets: dict[str, dict[str, int]] = {}
        for name, column in (("type", "doc_type"), ("case", "case_id"), ("year", "substr(date, 1, 4)")):
            rows = self.db.execute(
                f"SELECT {column} AS k, COUNT(*) {base} GROUP BY k ORDER BY COUNT(*) DESC, k", args
            ).fetchall()
            facets[name] = {str(k): n for k, n in rows if k}
        return facets

    def info(self) -> dict:
        pages = self.db.execute("SELECT COUNT(*) FROM page_fts").fetchone()[0]
        return {"backend": self.name, "pages": pages}

    def close(self) -> None:
        """The connection belongs to the catalog."""
