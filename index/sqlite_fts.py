"""The embedded default backend: SQLite FTS5 inside the catalog database (or, beside a PostgreSQL
catalog, in a file of its own: index/__init__.py).

Two tables per home, one row per page in each, sharing the row id:

* `pages_fts` (FTS5): `exact` holds the NFC text (unicode61 with diacritics
  kept), `folded` the same text folded in Python (unicode61 would not fold đ);
* `pages_meta`: the page's case, document, type, số/ký hiệu (and its folded
  `number_key`), date, persons, article and classification level — small rows,
  so filters, facets and listings never read page texts.

Plus `pages_vocab`, the folded words of 5+ letters ever indexed, where
OCR-tolerant matching looks for the neighbours of a query word.

Every query runs on the folded column, every word required. Ranking is by
tiers, each an FTS5 expression of its own, so a page set is ranked by BM25
only as far as the requested hits need (the costly part on a big home):

1. every word also matches with its diacritics (the `exact` column) and the
   whole query is a phrase; 2. exact; 3. whole-query phrase; 4. the other
   pages matching the words as typed; 5. pages matching only through a fuzzy
   neighbour of a long word (one edit, same first letter). Before them all, the
   first pages of the documents whose số/ký hiệu the query holds
   (`ParsedQuery.numbers`), whatever their OCR text says.

What the asker may see (`SearchQuery.scope`: cases, case-less pages, clearance)
is a clause on `pages_meta` in the SQL of every path beside the filters, so hits,
totals and facets never count a page outside it.

Without words (a filter given), or sorted by date, pages come in the order of
their metadata (`_ORDERS`), the same as in OpenSearch.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.store.database import chunks, connect, marks, transaction
from pipeline.text import fold, normalize

from .base import FACET_FIELDS, Hit, IndexedPage, Scope, SearchQuery, SearchResult
from .query import (
    FUZZY_MAX_EXPANSIONS,
    FUZZY_MIN_LETTERS,
    FUZZY_PREFIX,
    ParsedQuery,
    date_bounds,
    fuzzy_terms,
    make_snippet,
    number_key,
    number_key_range,
    order_facet,
    parse_query,
    person_words,
    readable_levels,
)

# Pages written per transaction: under a second of the write lock (bulk ~2,700 pages/s on 2 cores),
# about as fast as one transaction for everything (500 cost 5% of the bulk rate).
PAGES_PER_TRANSACTION = 2000


@dataclass(frozen=True)
class _Tables:
    """The names of one set of index tables: the live ones, or the next ones a rebuild fills."""

    fts: str
    meta: str
    vocab: str

    def create(self) -> list[str]:
        return [
            f"""CREATE VIRTUAL TABLE IF NOT EXISTS {self.fts} USING fts5(
                exact, folded, tokenize = "unicode61 remove_diacritics 0"
            )""",
            f"""CREATE TABLE IF NOT EXISTS {self.meta} (
                id INTEGER PRIMARY KEY,          -- = pages_fts.rowid
                page_id TEXT NOT NULL UNIQUE,    -- IndexedPage.page_id
                case_id TEXT, document_id TEXT NOT NULL, seq INTEGER NOT NULL, doc_type TEXT,
                number TEXT, date TEXT, year TEXT,
                number_key TEXT,                 -- index.query.number_key(number)
                persons TEXT,                    -- names, one per line
                persons_folded TEXT,             -- folded names, each ' word word ' on a line of its own
                article INTEGER,
                source_file TEXT, batch_id TEXT, batch_page INTEGER,
                classification TEXT              -- the document's level (pipeline.secrecy); NULL: not known yet
            )""",
            f"CREATE TABLE IF NOT EXISTS {self.vocab} (term TEXT PRIMARY KEY) WITHOUT ROWID",
        ]


_LIVE = _Tables("pages_fts", "pages_meta", "pages_vocab")
_NEXT = _Tables("pages_fts_next", "pages_meta_next", "pages_vocab_next")  # filled by rebuild, then renamed
# Columns index tables made by older versions lack, added on open.
_ADDED_COLUMNS = {"number_key", "classification"}
# Named indexes keep their name when their table is renamed: made on the live table, after a swap.
_LIVE_INDEXES = {
    "pages_meta_document": "CREATE INDEX IF NOT EXISTS pages_meta_document ON pages_meta(document_id)",
    "pages_meta_case": "CREATE INDEX IF NOT EXISTS pages_meta_case ON pages_meta(case_id)",
    "pages_meta_number": "CREATE INDEX IF NOT EXISTS pages_meta_number ON pages_meta(number_key)",
}

# Same tiers and constants as the OpenSearch backend (index/opensearch.py).
EXACT_BONUS, PHRASE_BONUS, STRICT_BONUS = 10_000.0, 1_000.0, 100.0
NUMBER_BONUS = 100_000.0  # a document found by the số/ký hiệu typed: its first page comes first
_SLACK = 20  # extra rows fetched per tier so BM25 ties are broken by (case, document, page) as in OpenSearch
_VOCAB_MIN = FUZZY_MIN_LETTERS - 1  # a neighbour of a 6-letter word may have 5

_HIT_COLUMNS = "m.id, m.case_id, m.document_id, m.seq, m.doc_type"  # a hit's rowid and metadata


def _tie(meta: tuple) -> tuple:
    """Equal scores: unassigned pages first, then by case, document, page (as OpenSearch sorts them)."""
    return (meta[0] is not None, meta[0] or "", meta[1], meta[2])


_TIES = "m.case_id IS NOT NULL, m.case_id, m.document_id, m.seq"  # _tie in SQL
# Orders without relevance: pages without a date last, ties by document and page (index/opensearch.py: _SORTS).
_ORDERS = {
    "relevance": "m.case_id IS NULL, m.case_id, m.date IS NULL, m.date, m.document_id, m.seq",  # no words: dossier order
    "date": "m.date IS NULL, m.date, m.document_id, m.seq",
    "-date": "m.date IS NULL, m.date DESC, m.document_id, m.seq",
}


# Folded tokens carry this private-use mark (a token character for unicode61), so the exact and
# the folded column never share a term: "an" (exact) and "\ue000an" (folded "an", "án", "ản" ...).
# Without it, `exact : khoi` would scan the whole doclist of the folded "khoi" for the column.
_MARK = "\ue000"
_TOKEN = re.compile(r"[^\W_]+")  # unicode61's token characters (letters, digits)


def _folded_column(folded: str) -> str:
    return " ".join(_MARK + t for t in _TOKEN.findall(folded.replace(_MARK, " ")))


def _quote(phrase: list[str]) -> str:
    """A phrase as an FTS5 string (FTS5 syntax characters in user input become plain text)."""
    return '"' + " ".join(w.replace('"', '""') for w in phrase) + '"'


def _fq(phrase: list[str]) -> str:
    """A folded phrase as an FTS5 string of marked tokens."""
    return _quote([_MARK + t for w in phrase for t in _TOKEN.findall(w)])


def _all(terms: list[str]) -> str:
    return f"({' AND '.join(terms)})"


def _year(date: str | None) -> str | None:
    return date[:4] if date and len(date) >= 4 and date[:4].isdigit() else None


def _persons_folded(persons: list[str]) -> str | None:
    return "\n" + "".join(f" {' '.join(person_words(p))} \n" for p in persons) if persons else None


def _osa_distance_le1(a: str, b: str) -> bool:
    """Are a and b at most one edit apart (insert, delete, substitute, swap two neighbours)?"""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        return a[i + 1 :] == b[i + 1 :] or (a[i + 2 :] == b[i + 2 :] and a[i : i + 2] == b[i : i + 2][::-1])
    return (a[i + 1 :] == b[i:]) if la > lb else (a[i:] == b[i + 1 :])


class SqliteBackend:
    name = "sqlite"
    # Pages of one ranking tier scored by BM25 at most (see search()); OpenSearch has no such bound.
    rank_window = 10_000

    def __init__(self, db: sqlite3.Connection, *, owns_connection: bool = False):
        """`db`: the SQLite catalog's connection (its tables live beside the catalog's), or, with
        `owns_connection`, one of the index's own file (see `of_file`), closed with the backend."""
        self.db = db
        self.owns_connection = owns_connection
        present = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        columns = {r[1] for r in db.execute(f"PRAGMA table_info({_LIVE.meta})")}
        if not present >= {_LIVE.fts, _LIVE.meta, _LIVE.vocab, *_LIVE_INDEXES} or not columns >= _ADDED_COLUMNS:
            with self._transaction():  # once per home: opening it for a search writes nothing
                for statement in _LIVE.create():
                    db.execute(statement)
                self._add_number_keys()
                self._add_classifications()
                for statement in _LIVE_INDEXES.values():
                    db.execute(statement)
        self._vocab: set[str] = set()  # words this process already put in pages_vocab (a cache)
        if self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'page_fts'").fetchone():
            self._migrate_v1()

    # ---- writing ------------------------------------------------------------------------------

    def _insert(self, pages: Iterable[IndexedPage], tables: _Tables = _LIVE, known: set[str] | None = None) -> int:
        """Add or replace pages in these tables, PAGES_PER_TRANSACTION at a time (or all in the caller's).

        `known`: the words already in the tables' vocabulary (by default this process's cache of the live one)."""
        count = 0
        batch: list[IndexedPage] = []
        known = self._vocab if known is None else known

        def flush() -> None:
            nonlocal batch
            batch = list({p.page_id: p for p in batch}.values())  # the same page twice: the last one wins
            if len(known) > 1_000_000:  # OCR noise makes many words: keep the cache bounded
                known.clear()
            old = self._meta_rows("page_id", [p.page_id for p in batch], tables)
            if old:
                self.db.executemany(f"DELETE FROM {tables.fts} WHERE rowid = ?", old)
                self.db.executemany(f"DELETE FROM {tables.meta} WHERE id = ?", old)
            new_terms: set[str] = set()
            fts_rows = []
            for p in batch:
                cur = self.db.execute(
                    f"INSERT INTO {tables.meta}(page_id, case_id, document_id, seq, doc_type, number, date, year,"
                    " number_key, persons, persons_folded, article, source_file, batch_id, batch_page,"
                    " classification) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        p.page_id,
                        p.case_id,
                        p.document_id,
                        p.seq,
                        p.doc_type,
                        p.number,
                        p.date,
                        _year(p.date),
                        number_key(p.number),
                        "\n".join(unicodedata.normalize("NFC", name) for name in p.persons),
                        _persons_folded(p.persons),
                        p.article,
                        p.source_file,
                        p.batch_id,
                        p.batch_page,
                        p.classification,
                    ),
                )
                text = normalize(p.text).replace(_MARK, " ")
                folded = fold(text).lower()
                fts_rows.append((cur.lastrowid, text, _folded_column(folded)))
                new_terms.update(w for w in _TOKEN.findall(folded) if len(w) >= _VOCAB_MIN and w.isalpha())
            self.db.executemany(f"INSERT INTO {tables.fts}(rowid, exact, folded) VALUES (?, ?, ?)", fts_rows)
            new_terms -= known
            if new_terms:
                self.db.executemany(f"INSERT OR IGNORE INTO {tables.vocab}(term) VALUES (?)", [(t,) for t in new_terms])
                known.update(new_terms)

        for page in pages:
            batch.append(page)
            if len(batch) >= PAGES_PER_TRANSACTION:
                with self._transaction():
                    flush()
                count += len(batch)
                batch = []
        if batch:
            with self._transaction():
                flush()
            count += len(batch)
        return count

    def index_pages(self, pages: Iterable[IndexedPage]) -> int:
        with self._transaction():
            return self._insert(pages)

    def delete_documents(self, document_ids: Iterable[str]) -> None:
        with self._transaction():
            ids = self._meta_rows("document_id", list(document_ids))
            self.db.executemany("DELETE FROM pages_fts WHERE rowid = ?", ids)
            self.db.executemany("DELETE FROM pages_meta WHERE id = ?", ids)

    def _meta_rows(self, column: str, values: list[str], tables: _Tables = _LIVE) -> list[tuple[int]]:
        """[(rowid,)] of the indexed pages whose `column` is one of `values`."""
        return [tuple(r) for r in self._where_in(f"SELECT id FROM {tables.meta}", column, values)]

    def _where_in(self, select: str, column: str, values: list) -> list[sqlite3.Row]:
        """The rows of `select` whose `column` is one of `values`: a query per 500 values."""
        rows: list[sqlite3.Row] = []
        for chunk in chunks(values):
            rows += self.db.execute(f"{select} WHERE {column} IN ({marks(chunk)})", chunk).fetchall()
        return rows

    def replace_documents(self, document_ids: list[str], pages: Iterable[IndexedPage]) -> int:
        with self._transaction():  # searches never see the documents half replaced
            self.delete_documents(document_ids)
            return self._insert(pages)

    def rebuild(self, pages: Iterable[IndexedPage]) -> int:
        """Fill a new set of tables beside the live one, PAGES_PER_TRANSACTION at a time, then swap them in
        in one short transaction: searches see the old index until then, and the catalog's other
        writers (a watcher) are never kept waiting for the whole rebuild."""
        with self._transaction():
            for table in (_NEXT.fts, _NEXT.meta, _NEXT.vocab):  # left by a rebuild that was cut off
                self.db.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in _NEXT.create():
                self.db.execute(statement)
        vocabulary: set[str] = set()
        count = self._insert(pages, _NEXT, vocabulary)
        with self._transaction():
            self.db.execute(f"INSERT INTO {_NEXT.fts}({_NEXT.fts}) VALUES ('optimize')")
        with self._transaction():
            for live, following in zip(
                (_LIVE.fts, _LIVE.meta, _LIVE.vocab), (_NEXT.fts, _NEXT.meta, _NEXT.vocab), strict=True
            ):
                self.db.execute(f"DROP TABLE {live}")
                self.db.execute(f"ALTER TABLE {following} RENAME TO {live}")
            for statement in _LIVE_INDEXES.values():
                self.db.execute(statement)
        self._vocab = vocabulary
        return count

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """The catalog's transaction (joining the caller's); a rollback empties the vocabulary cache,
        since what was added may be gone."""
        try:
            with transaction(self.db):
                yield
        except BaseException:
            self._vocab.clear()
            raise

    def _add_number_keys(self) -> None:
        """Index tables made before `number_key` existed: add the column and fill it from `number`."""
        if any(r[1] == "number_key" for r in self.db.execute(f"PRAGMA table_info({_LIVE.meta})")):
            return
        self.db.execute(f"ALTER TABLE {_LIVE.meta} ADD COLUMN number_key TEXT")
        numbers = [n for (n,) in self.db.execute(f"SELECT DISTINCT number FROM {_LIVE.meta} WHERE number IS NOT NULL")]
        self.db.executemany(
            f"UPDATE {_LIVE.meta} SET number_key = ? WHERE number = ?", [(number_key(n), n) for n in numbers]
        )

    def _add_classifications(self) -> None:
        """Index tables made before pages carried their document's level: add the column and fill it from
        the catalog's documents (the same database file). A page of no known document keeps NULL, which no
        narrower clearance reads (index.query.readable_levels) until it is indexed again."""
        if any(r[1] == "classification" for r in self.db.execute(f"PRAGMA table_info({_LIVE.meta})")):
            return
        self.db.execute(f"ALTER TABLE {_LIVE.meta} ADD COLUMN classification TEXT")
        if self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'documents' AND type = 'table'").fetchone():
            self.db.execute(
                f"UPDATE {_LIVE.meta} SET classification ="
                f" (SELECT d.classification FROM documents d WHERE d.id = {_LIVE.meta}.document_id)"
            )

    def _migrate_v1(self) -> None:
        """Catalogs indexed before pages_meta existed: move the rows of the old `page_fts` table over."""
        with self._transaction():
            if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'page_fts'").fetchone():
                return  # another process migrated meanwhile
            rows = self.db.execute(
                "SELECT exact, case_id, document_id, seq, doc_type, number, date, persons, article FROM page_fts"
            )
            self._insert(
                IndexedPage(
                    case_id=r[1],
                    document_id=r[2],
                    seq=int(r[3]),
                    doc_type=r[4],
                    text=r[0],
                    number=r[5],
                    date=r[6],
                    persons=[p for p in (r[7] or "").split("\n") if p],
                    article=int(r[8]) if r[8] is not None else None,
                )
                for r in rows.fetchall()
            )
            self.db.execute("DROP TABLE page_fts")

    # ---- searching ----------------------------------------------------------------------------

    def _filters(self, query: SearchQuery) -> tuple[str, list]:
        """The WHERE clauses on `m` (pages_meta) of the query's filters and of its scope: every path
        (ranked tiers, numbers, listings, counts and facets) runs with them."""
        clauses, args = self._scope(query.scope)
        for column, value in (("case_id", query.case_id), ("doc_type", query.doc_type), ("number", query.number)):
            if value:
                clauses.append(f"m.{column} = ?")
                args.append(value)
        if query.article is not None:
            clauses.append("m.article = ?")
            args.append(query.article)
        if query.person:
            # The wanted words in a row inside one name, diacritics and case ignored (as in OpenSearch).
            wanted = person_words(query.person)
            if wanted:
                clauses.append("instr(m.persons_folded, ?) > 0")
                args.append(f" {' '.join(wanted)} ")
            else:
                clauses.append("0")  # an empty name matches nobody
        lo, hi = date_bounds(query.date_from, query.date_to)
        if lo:
            clauses.append("m.date >= ?")
            args.append(lo)
        if hi:
            clauses.append("m.date <= ?")
            args.append(hi)
        return "".join(f" AND {c}" for c in clauses), args

    @staticmethod
    def _scope(scope: Scope) -> tuple[list[str], list]:
        """What the asking user may see, as clauses on `m`; none for a scope that narrows nothing."""
        clauses, args = [], []
        if scope.cases is not None:  # () keeps no case
            assigned = "m.case_id IN (SELECT value FROM json_each(?))"
            clauses.append(f"({assigned} OR m.case_id IS NULL)" if scope.unassigned else assigned)
            args.append(json.dumps(scope.cases))
        elif not scope.unassigned:
            clauses.append("m.case_id IS NOT NULL")
        levels = readable_levels(scope.clearance)
        if levels is not None:  # a NULL level (not known yet) is in no list
            clauses.append("m.classification IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(levels))
        return clauses, args

    def _neighbours(self, term: str) -> list[str]:
        """Indexed words one edit away from `term` with the same first letter(s), nearest first."""
        prefix = term[:FUZZY_PREFIX]
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        rows = self.db.execute(
            "SELECT term FROM pages_vocab WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?",
            (prefix, upper, len(term) - 1, len(term) + 1),
        )
        found = sorted(t for (t,) in rows if t != term and _osa_distance_le1(term, t))
        return found[: FUZZY_MAX_EXPANSIONS - 1]

    def expressions(self, parsed: ParsedQuery) -> dict[str, str | None]:
        """The FTS5 expressions of a query: folded AND (strict / with fuzzy neighbours), exact, whole phrase."""
        fuzzy = set(fuzzy_terms(parsed))
        strict, loose = [], []
        for phrase in parsed.folded_phrases:
            strict.append(_fq(phrase))
            alternatives = self._neighbours(phrase[0]) if len(phrase) == 1 and phrase[0] in fuzzy else []
            loose.append(
                "(" + " OR ".join(_fq([w]) for w in [phrase[0], *alternatives]) + ")" if alternatives else _fq(phrase)
            )
        whole = [w for phrase in parsed.folded_phrases for w in phrase]
        return {
            "strict": _all(strict),
            "loose": _all(loose) if loose != strict else None,
            "exact": _all([_quote(p) for p in parsed.phrases]),
            # One phrase: every match holds it already (no tier of its own).
            "phrase": _fq(whole) if len(whole) > 1 and len(parsed.phrases) > 1 else None,
        }

    def _tiers(self, ex: dict[str, str | None]) -> Iterator[tuple[str, float, bool]]:
        """(FTS5 expression, score bonus, exact) per tier, best first; tiers never overlap."""
        strict, exact, phrase = ex["strict"], ex["exact"], ex["phrase"]
        if phrase:
            yield f"({strict}) AND ({exact}) AND ({phrase})", EXACT_BONUS + PHRASE_BONUS + STRICT_BONUS, True
            yield f"(({strict}) AND ({exact})) NOT ({phrase})", EXACT_BONUS + STRICT_BONUS, True
            yield f"(({strict}) AND ({phrase})) NOT ({exact})", PHRASE_BONUS + STRICT_BONUS, False
            yield f"({strict}) NOT (({exact}) OR ({phrase}))", STRICT_BONUS, False
        else:
            yield f"({strict}) AND ({exact})", EXACT_BONUS + STRICT_BONUS, True
            yield f"({strict}) NOT ({exact})", STRICT_BONUS, False
        if ex["loose"]:
            yield f"({ex['loose']}) NOT ({strict})", 0.0, False

    def _by_rowid(self, select: str, rowids: list[int]) -> dict[int, tuple]:
        """{rowid: the other columns} of `select` (its first column the rowid) for these rows."""
        return {row[0]: tuple(row[1:]) for row in self._where_in(select, "rowid", rowids)}

    def _numbered(self, parsed: ParsedQuery) -> tuple[str, list] | None:
        """SELECT of the first pages found by the số/ký hiệu the query holds (`ParsedQuery.numbers`), or None."""
        selects, params = [], []
        for key, rest in parsed.numbers():
            lo, hi = number_key_range(key)
            sql = "SELECT id FROM pages_meta WHERE seq = 1 AND (number_key = ? OR (number_key >= ? AND number_key < ?))"
            params += [key, lo, hi]
            if rest:
                ex = self.expressions(ParsedQuery(rest))
                sql += " AND id IN (SELECT rowid FROM pages_fts WHERE pages_fts MATCH ?)"
                params.append(ex["loose"] or ex["strict"])
            selects.append(sql)
        return (" UNION ".join(selects), params) if selects else None

    def _found(
        self, ex: dict | None, numbered: tuple[str, list] | None, where: str, args: list, *, meta: bool
    ) -> tuple[str, list]:
        """FROM … WHERE … of every page a query finds (with `meta`: its pages_meta row as `m`)."""
        if ex is None:  # no words: every page the filters keep
            return f"FROM pages_meta m WHERE 1{where}", args
        match = ex["loose"] or ex["strict"]
        if numbered:
            sql, params = numbered
            return (
                "FROM pages_meta m WHERE (m.id IN (SELECT rowid FROM pages_fts WHERE pages_fts MATCH ?)"
                f" OR m.id IN ({sql})){where}",
                [match, *params, *args],
            )
        join = " JOIN pages_meta m ON m.id = f.rowid" if meta or where else ""
        return f"FROM pages_fts f{join} WHERE pages_fts MATCH ?{where}", [match, *args]

    def _exact(self, ex: dict, rowids: list[int]) -> set[int]:
        """Those of `rowids` where every word also matches with its diacritics."""
        found: set[int] = set()
        for chunk in chunks(rowids):
            found.update(
                r[0]
                for r in self.db.execute(
                    f"SELECT rowid FROM pages_fts WHERE pages_fts MATCH ? AND rowid IN ({marks(chunk)})",
                    [f"({ex['strict']}) AND ({ex['exact']})", *chunk],
                )
            )
        return found

    def _ranked(
        self, ex: dict, numbered: tuple[str, list] | None, where: str, args: list, wanted: int
    ) -> list[tuple[float, bool, int, tuple]]:
        """The `wanted` best (score, exact, rowid, meta): pages found by their số/ký hiệu, then the text tiers."""
        ranked: list[tuple[float, bool, int, tuple]] = []
        exclude, excluded = "", []
        if numbered:
            sql, params = numbered
            rows = self.db.execute(
                f"SELECT {_HIT_COLUMNS} FROM pages_meta m WHERE m.id IN ({sql}){where} ORDER BY {_TIES} LIMIT ?",
                [*params, *args, wanted],
            ).fetchall()
            exact = self._exact(ex, [r[0] for r in rows])
            ranked = [(NUMBER_BONUS + EXACT_BONUS * (r[0] in exact), r[0] in exact, r[0], tuple(r[1:])) for r in rows]
            exclude, excluded = f" AND f.rowid NOT IN ({sql})", params
        join = " JOIN pages_meta m ON m.id = f.rowid" if where else ""
        # Top hits, tier by tier: BM25 (folded column only) is computed for as few rows as possible.
        for expr, bonus, exact in self._tiers(ex):
            need = wanted - len(ranked)
            if need <= 0:
                break
            # BM25 costs about 2 µs a row: a tier of more than RANK_WINDOW pages is ranked on its
            # RANK_WINDOW most recently indexed pages (the whole tier is still counted in `total`).
            rows = self.db.execute(
                "SELECT id, rank FROM (SELECT f.rowid AS id, bm25(pages_fts, 0.0, 1.0) AS rank"
                f" FROM pages_fts f{join} WHERE pages_fts MATCH ?{where}{exclude} ORDER BY f.rowid DESC LIMIT ?)"
                " ORDER BY rank LIMIT ?",
                [expr, *args, *excluded, self.rank_window, need + _SLACK],
            ).fetchall()
            metas = self._by_rowid(f"SELECT {_HIT_COLUMNS} FROM pages_meta m", [r[0] for r in rows])
            tier = sorted(((rank, _tie(metas[rowid]), rowid) for rowid, rank in rows))[:need]
            ranked += [(bonus - rank, exact, rowid, metas[rowid]) for rank, _, rowid in tier]
        return ranked

    def _ordered(
        self, sort: str, ex: dict | None, numbered: tuple[str, list] | None, where: str, args: list, wanted: int
    ) -> list[tuple[float, bool, int, tuple]]:
        """The first `wanted` (score 0, exact, rowid, meta) in date order, or dossier order without words."""
        found, params = self._found(ex, numbered, where, args, meta=True)
        rows = self.db.execute(
            f"SELECT {_HIT_COLUMNS} {found} ORDER BY {_ORDERS[sort]} LIMIT ?", [*params, wanted]
        ).fetchall()
        exact = self._exact(ex, [r[0] for r in rows]) if ex else set()
        return [(0.0, r[0] in exact, r[0], tuple(r[1:])) for r in rows]

    def _counted(self, found: str, params: list, names: tuple[str, ...]) -> tuple[int, dict | None]:
        """The total of the pages found, and the facets named (pages per value), in one pass."""
        if not names:
            return self.db.execute(f"SELECT COUNT(*) {found}", params).fetchone()[0], None
        counts: dict[str, Counter] = {name: Counter() for name in names}
        total = 0
        columns = ", ".join(f"m.{FACET_FIELDS[name]}" for name in names)
        # Every page of a document carries the document's metadata (index.feed.pages_of, replaced together):
        # grouping by document is grouping by every facet at once, on a narrow key (twice as fast as by the six).
        for *values, n in self.db.execute(f"SELECT {columns}, COUNT(*) {found} GROUP BY m.document_id", params):
            total += n
            for name, value in zip(names, values, strict=True):
                if name == "person":  # a page naming two people counts for each
                    for person in set((value or "").split("\n")) - {""}:
                        counts[name][person] += n
                elif value is not None and value != "":
                    counts[name][value] += n
        return total, {name: order_facet(name, c) for name, c in counts.items()}

    def search(self, query: SearchQuery) -> SearchResult:
        parsed = parse_query(query.text)
        if not parsed and not query.filtered:  # nothing asked, nothing found
            return SearchResult(hits=[], total=0, facets={name: {} for name in query.facets} if query.facets else None)
        where, args = self._filters(query)
        ex = self.expressions(parsed) if parsed else None
        numbered = self._numbered(parsed) if parsed else None
        wanted = query.offset + query.limit
        if ex and query.sort == "relevance":
            found = self._ranked(ex, numbered, where, args, wanted)
        else:
            found = self._ordered(query.sort, ex, numbered, where, args, wanted)
        found = found[query.offset :]
        texts = self._by_rowid("SELECT rowid, exact FROM pages_fts", [rowid for _, _, rowid, _ in found])
        hits = [
            Hit(
                case_id=meta[0],
                document_id=meta[1],
                seq=int(meta[2]),
                doc_type=meta[3],
                score=round(score, 4),
                snippet=make_snippet(texts[rowid][0], parsed),
                exact=exact,
            )
            for score, exact, rowid, meta in found
        ]
        total, facets = self._counted(*self._found(ex, numbered, where, args, meta=bool(query.facets)), query.facets)
        return SearchResult(hits=hits, total=total, facets=facets)

    def info(self) -> dict:
        pages = self.db.execute("SELECT COUNT(*) FROM pages_meta").fetchone()[0]
        documents = self.db.execute("SELECT COUNT(DISTINCT document_id) FROM pages_meta").fetchone()[0]
        return {"backend": self.name, "pages": pages, "documents": documents}

    @classmethod
    def of_file(cls, path: Path) -> SqliteBackend:
        """The index in its own SQLite file (beside a PostgreSQL catalog), made 0600 like a catalog."""
        return cls(connect(path), owns_connection=True)

    def close(self) -> None:
        """The catalog's connection is the catalog's to close; the index's own file is closed here."""
        if self.owns_connection:
            self.db.close()
