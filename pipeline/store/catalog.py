"""The catalog: the one store of record (SQLite in WAL mode now, PostgreSQL later).

Everything else — dossier PDFs, manifests, the search index — is derived from
what is here and can be rebuilt from it. Only this module speaks SQL to the
catalog tables; the embedded search index keeps its own FTS table in the same
database file (index/sqlite_fts.py).
"""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from ..models import ESignature, PageText, Stamp, Word

SCHEMA_VERSION = 1

FILE_STATES = ("queued", "processing", "done", "duplicate", "quarantined")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- One row per arrival of a batch (a file, or a group of loose pages): the queue.
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,              -- the file, or the first loose page
    paths TEXT NOT NULL,             -- JSON list of every file of the batch, in page order
    kind TEXT NOT NULL,              -- pdf | tiff | images | unsupported
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,            -- content id of the batch (see ingest.sources)
    case_id TEXT,                    -- NULL: unassigned
    folder TEXT,                     -- case folder name that did not match the pattern
    state TEXT NOT NULL CHECK (state IN ('queued','processing','done','duplicate','quarantined')),
    reason TEXT,
    pages INTEGER,
    documents INTEGER,
    worker TEXT,                     -- host:pid of the process working on it
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    quarantine TEXT                  -- folder under quarantine/ holding its copy, while quarantined
);
CREATE INDEX IF NOT EXISTS files_state ON files(state, created_at);
CREATE INDEX IF NOT EXISTS files_sha ON files(sha256);

-- One row per distinct batch content that was OCRed.
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,             -- sha256 of the content
    kind TEXT NOT NULL,
    originals TEXT NOT NULL,         -- JSON list of {"name", "sha256", "archive"} in page order
    ocr_pdf TEXT NOT NULL,           -- working PDF with a text layer, under the home
    ocr_sha256 TEXT NOT NULL,
    page_count INTEGER NOT NULL,
    signed INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS pages (
    batch_id TEXT NOT NULL REFERENCES batches(id),
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    width REAL, height REAL,
    words TEXT,                      -- JSON [[text, x0, top, x1, bottom, conf], ...]
    confidence REAL,
    rotation INTEGER NOT NULL DEFAULT 0,
    blank INTEGER NOT NULL DEFAULT 0,
    barcodes TEXT,
    layer TEXT,                      -- ocr | kept | none (see PageText.layer)
    esignatures TEXT,                -- JSON [{"signer", "signed_at"}]
    stamps TEXT,                     -- JSON [{"kind", "text", "number", "date", "mark", "box"}]
    PRIMARY KEY (batch_id, number)
);

CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY,
    crime TEXT, article INTEGER, accused TEXT,
    created_at REAL NOT NULL
);

-- A batch may belong to several cases (same bytes filed under two cases).
CREATE TABLE IF NOT EXISTS case_batches (
    case_id TEXT NOT NULL REFERENCES cases(id),
    batch_id TEXT NOT NULL REFERENCES batches(id),
    file_id INTEGER REFERENCES files(id),
    arrival REAL NOT NULL,
    PRIMARY KEY (case_id, batch_id)
);

CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,             -- stable: derived from case and first page
    case_id TEXT,                    -- NULL: unassigned
    type TEXT NOT NULL,
    confidence REAL NOT NULL,
    number TEXT, date TEXT, issuer TEXT, title TEXT, subtitle TEXT,
    symbol TEXT, month TEXT,         -- ký hiệu part and YYYY-MM, kept when number or day went unread
    received TEXT,                   -- JSON {"number", "date"} of the incoming-register stamp
    classification_mark TEXT,        -- MẬT | TỐI MẬT as marked on the paper
    esignatures TEXT,                -- JSON [{"signer", "signed_at"}]
    persons TEXT,                    -- JSON [{"name","role"}]
    crime TEXT, article INTEGER,
    review TEXT,                     -- JSON list of fields to check
    position INTEGER,                -- clerk's manual place in the dossier, NULL = automatic
    arrival REAL NOT NULL,
    indexed INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_case ON documents(case_id);

CREATE TABLE IF NOT EXISTS document_pages (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,            -- 1-based page within the document
    batch_id TEXT NOT NULL,
    number INTEGER NOT NULL,         -- page within the batch
    dossier_page INTEGER,            -- page in the case's dossier PDF, set by assembly
    but_luc INTEGER,
    PRIMARY KEY (document_id, seq)
);
CREATE INDEX IF NOT EXISTS document_pages_page ON document_pages(batch_id, number);

CREATE TABLE IF NOT EXISTS dossiers (
    case_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    pdf TEXT NOT NULL, pdf_sha256 TEXT NOT NULL,
    manifest TEXT NOT NULL, manifest_sha256 TEXT NOT NULL,
    pages INTEGER NOT NULL,
    sealed INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    PRIMARY KEY (case_id, version)
);

-- Every manual correction: who, when, old -> new. Reprocessing re-applies them.
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY,
    document_id TEXT, field TEXT NOT NULL, old TEXT, new TEXT,
    who TEXT NOT NULL, at REAL NOT NULL
);

-- Bút lục frozen by `hoso dossier seal`: a page of a batch keeps its number in the case for good.
CREATE TABLE IF NOT EXISTS sealed_pages (
    case_id TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    number INTEGER NOT NULL,         -- page within the batch
    but_luc INTEGER NOT NULL,
    version INTEGER NOT NULL,        -- the dossier version the seal made
    sealed_at REAL NOT NULL,
    who TEXT,
    PRIMARY KEY (case_id, batch_id, number)
);
"""


@dataclass
class FileRow:
    id: int
    path: str
    paths: list[str]
    kind: str
    size: int
    sha256: str
    case_id: str | None
    folder: str | None
    state: str
    reason: str | None
    pages: int | None
    documents: int | None
    created_at: float
    updated_at: float
    quarantine: str | None = None  # folder holding the quarantined copy


@dataclass
class DocumentRow:
    id: str
    case_id: str | None
    type: str
    confidence: float
    number: str | None
    date: str | None
    issuer: str | None
    title: str | None
    subtitle: str | None
    persons: list[dict]
    crime: str | None
    article: int | None
    review: list[str]
    position: int | None
    arrival: float
    indexed: bool
    pages: list[tuple[str, int, int | None, int | None]] = field(default_factory=list)
    # (batch_id, number, dossier_page, but_luc) in document order
    symbol: str | None = None
    month: str | None = None
    received: dict | None = None
    classification_mark: str | None = None
    esignatures: list[dict] = field(default_factory=list)


def _row_to_file(row: sqlite3.Row) -> FileRow:
    data = dict(row)
    data["paths"] = json.loads(data["paths"])
    data.pop("worker", None)
    return FileRow(**data)


class Catalog:
    """A connection to the catalog of one home."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA busy_timeout=30000")
        self._migrate()

    def _migrate(self) -> None:
        # executescript commits on its own; run it outside our transaction helper.
        self.db.executescript(_SCHEMA)
        columns = {r[1] for r in self.db.execute("PRAGMA table_info(files)")}
        if "quarantine" not in columns:  # catalogs made before `hoso retry` existed
            try:
                self.db.execute("ALTER TABLE files ADD COLUMN quarantine TEXT")
            except sqlite3.OperationalError:  # another process added it meanwhile
                pass
        # Review and repair (issue 5): a correction names the page its document started on, so it can
        # be replayed after `hoso reprocess`; a clerk's turn of a page is applied when a dossier is built.
        for table, column, decl in (
            ("corrections", "batch_id", "TEXT"), ("corrections", "number", "INTEGER"),
            ("corrections", "case_id", "TEXT"), ("corrections", "data", "TEXT"),
            ("pages", "turn", "INTEGER NOT NULL DEFAULT 0"),
            # Real documents (issue 9): how each page was read, e-signatures and stamps kept as facts.
            ("pages", "layer", "TEXT"), ("pages", "esignatures", "TEXT"), ("pages", "stamps", "TEXT"),
            ("documents", "symbol", "TEXT"), ("documents", "month", "TEXT"), ("documents", "received", "TEXT"),
            ("documents", "classification_mark", "TEXT"), ("documents", "esignatures", "TEXT"),
        ):
            if column not in {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}:
                try:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
                except sqlite3.OperationalError:  # another process added it meanwhile
                    pass
        self.db.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, so concurrent hoso processes serialize their writes."""
        if self.db.in_transaction:
            yield self.db
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def integrity_check(self) -> str:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0]

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # ---- the queue of arrived files -------------------------------------------------

    def add_file(
        self, *, path: str, paths: list[str], kind: str, size: int, sha256: str,
        case_id: str | None, folder: str | None,
    ) -> int:
        now = time.time()
        cur = self.db.execute(
            "INSERT INTO files(path, paths, kind, size, sha256, case_id, folder, state, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
            (path, json.dumps(paths, ensure_ascii=False), kind, size, sha256, case_id, folder, now, now),
        )
        return int(cur.lastrowid)

    def get_file(self, file_id: int) -> FileRow:
        return _row_to_file(self.db.execute("SELECT * FROM files WHERE id = ?", (file_id,)).fetchone())

    def files(self, state: str | None = None) -> list[FileRow]:
        if state is None:
            rows = self.db.execute("SELECT * FROM files ORDER BY id")
        else:
            rows = self.db.execute("SELECT * FROM files WHERE state = ? ORDER BY id", (state,))
        return [_row_to_file(r) for r in rows]

    def find_active_file(self, path: str, sha256: str) -> FileRow | None:
        """A queued or processing arrival of the same path and bytes (do not queue it twice)."""
        row = self.db.execute(
            "SELECT * FROM files WHERE path = ? AND sha256 = ? AND state IN ('queued','processing')",
            (path, sha256),
        ).fetchone()
        return _row_to_file(row) if row else None

    def set_file_state(
        self, file_id: int, state: str, *, reason: str | None = None, worker: str | None = None,
        pages: int | None = None, documents: int | None = None, case_id: str | None = None,
    ) -> None:
        assert state in FILE_STATES, state
        self.db.execute(
            "UPDATE files SET state = ?, reason = ?, worker = ?, updated_at = ?,"
            " pages = COALESCE(?, pages), documents = COALESCE(?, documents),"
            " case_id = COALESCE(?, case_id) WHERE id = ?",
            (state, reason, worker, time.time(), pages, documents, case_id, file_id),
        )

    def claim_file(self, file_id: int, worker: str) -> bool:
        """queued → processing, only if nobody else took it."""
        cur = self.db.execute(
            "UPDATE files SET state = 'processing', worker = ?, updated_at = ? WHERE id = ? AND state = 'queued'",
            (worker, time.time(), file_id),
        )
        return cur.rowcount == 1

    def set_quarantine_folder(self, file_id: int, folder: str | None) -> None:
        self.db.execute("UPDATE files SET quarantine = ? WHERE id = ?", (folder, file_id))

    def requeue_file(self, file_id: int, *, paths: list[str], kind: str, size: int, sha256: str) -> None:
        """A quarantined arrival goes back to `queued`, to be read from `paths` (its quarantine copy)."""
        self.db.execute(
            "UPDATE files SET state = 'queued', reason = NULL, worker = NULL, paths = ?, kind = ?, size = ?,"
            " sha256 = ?, updated_at = ? WHERE id = ? AND state = 'quarantined'",
            (json.dumps(paths, ensure_ascii=False), kind, size, sha256, time.time(), file_id),
        )

    def queue_stats(self, now: float | None = None) -> dict:
        """Queue depth (queued + processing), the oldest waiting file, files and pages done in the last hour."""
        now = time.time() if now is None else now
        depth = self.db.execute("SELECT COUNT(*) FROM files WHERE state IN ('queued','processing')").fetchone()[0]
        oldest = self.db.execute(
            "SELECT path, created_at FROM files WHERE state IN ('queued','processing') ORDER BY created_at LIMIT 1"
        ).fetchone()
        files, pages = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(pages), 0) FROM files WHERE state = 'done' AND updated_at >= ?",
            (now - 3600,),
        ).fetchone()
        return {
            "queue_depth": depth,
            "oldest_waiting": None if oldest is None else {
                "path": oldest[0], "since": oldest[1], "seconds": round(now - oldest[1], 1),
            },
            "files_per_hour": files,
            "pages_per_hour": pages,
        }

    def cases_without_current_dossier(self) -> list[str]:
        """Cases with documents whose pages have no place in a dossier yet (assembly did not finish)."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT d.case_id FROM documents d JOIN document_pages p ON p.document_id = d.id"
            " WHERE d.case_id IS NOT NULL AND p.dossier_page IS NULL ORDER BY d.case_id"
        )]

    def file_counts(self) -> dict[str, int]:
        counts = {state: 0 for state in FILE_STATES}
        for row in self.db.execute("SELECT state, COUNT(*) FROM files GROUP BY state"):
            counts[row[0]] = row[1]
        return counts

    def done_file_for(self, sha256: str, case_id: str | None) -> FileRow | None:
        row = self.db.execute(
            "SELECT * FROM files WHERE sha256 = ? AND state = 'done' AND case_id IS ? ORDER BY id LIMIT 1",
            (sha256, case_id),
        ).fetchone()
        return _row_to_file(row) if row else None

    # ---- batches and pages -----------------------------------------------------------

    def batch_exists(self, batch_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM batches WHERE id = ?", (batch_id,)).fetchone() is not None

    def add_batch(
        self, *, batch_id: str, kind: str, originals: list[dict], ocr_pdf: str, ocr_sha256: str,
        pages: list[PageText], signed: bool,
    ) -> None:
        self.db.execute(
            "INSERT INTO batches(id, kind, originals, ocr_pdf, ocr_sha256, page_count, signed, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (batch_id, kind, json.dumps(originals, ensure_ascii=False), ocr_pdf, ocr_sha256, len(pages),
             int(signed), time.time()),
        )
        self._insert_pages(batch_id, pages)

    def _insert_pages(self, batch_id: str, pages: list[PageText]) -> None:
        self.db.executemany(
            "INSERT INTO pages(batch_id, number, text, width, height, words, confidence, rotation, blank, barcodes,"
            " layer, esignatures, stamps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (batch_id, p.number, p.text, p.width, p.height,
                 json.dumps([[w.text, w.x0, w.top, w.x1, w.bottom, w.conf] for w in p.words], ensure_ascii=False),
                 p.confidence, p.rotation, int(p.blank), json.dumps(p.barcodes), p.layer,
                 json.dumps([asdict(e) for e in p.esignatures], ensure_ascii=False),
                 json.dumps([asdict(s) for s in p.stamps], ensure_ascii=False))
                for p in pages
            ],
        )

    def replace_batch_pages(self, batch_id: str, ocr_sha256: str, pages: list[PageText]) -> None:
        """A batch read again (`hoso reprocess --ocr`): new page texts; turns a clerk made are kept."""
        turns = dict(self.db.execute("SELECT number, turn FROM pages WHERE batch_id = ?", (batch_id,)).fetchall())
        self.db.execute("DELETE FROM pages WHERE batch_id = ?", (batch_id,))
        self._insert_pages(batch_id, pages)
        self.db.executemany("UPDATE pages SET turn = ? WHERE batch_id = ? AND number = ?",
                            [(turn, batch_id, number) for number, turn in turns.items() if turn])
        self.db.execute("UPDATE batches SET ocr_sha256 = ? WHERE id = ?", (ocr_sha256, batch_id))

    def batch(self, batch_id: str) -> dict:
        row = dict(self.db.execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone())
        row["originals"] = json.loads(row["originals"])
        return row

    def batches(self) -> list[dict]:
        return [self.batch(r[0]) for r in self.db.execute("SELECT id FROM batches ORDER BY created_at")]

    def batch_pages(self, batch_id: str, with_words: bool = True) -> list[PageText]:
        rows = self.db.execute("SELECT * FROM pages WHERE batch_id = ? ORDER BY number", (batch_id,))
        return [_row_to_page(r, with_words) for r in rows]

    def page_texts(self, refs: list[tuple[str, int]]) -> list[str]:
        return [
            self.db.execute("SELECT text FROM pages WHERE batch_id = ? AND number = ?", ref).fetchone()[0]
            for ref in refs
        ]

    # ---- cases -----------------------------------------------------------------------

    def ensure_case(self, case_id: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO cases(id, created_at) VALUES (?, ?)", (case_id, time.time()))

    def link_batch(self, case_id: str | None, batch_id: str, file_id: int) -> None:
        if case_id is None:
            return
        self.ensure_case(case_id)
        self.db.execute(
            "INSERT OR IGNORE INTO case_batches(case_id, batch_id, file_id, arrival) VALUES (?, ?, ?, ?)",
            (case_id, batch_id, file_id, time.time()),
        )

    def case_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM cases ORDER BY id")]

    def case_exists(self, case_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM cases WHERE id = ?", (case_id,)).fetchone() is not None

    def cases_of_batch(self, batch_id: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT case_id FROM case_batches WHERE batch_id = ?", (batch_id,))]

    # ---- documents -------------------------------------------------------------------

    def put_document(self, doc: DocumentRow) -> None:
        """Insert or replace a document and its page list."""
        self.db.execute("DELETE FROM documents WHERE id = ?", (doc.id,))
        self.db.execute(
            "INSERT INTO documents(id, case_id, type, confidence, number, date, issuer, title, subtitle,"
            " symbol, month, received, classification_mark, esignatures,"
            " persons, crime, article, review, position, arrival, indexed, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc.id, doc.case_id, doc.type, doc.confidence, doc.number, doc.date, doc.issuer, doc.title,
             doc.subtitle, doc.symbol, doc.month, _json_or_null(doc.received), doc.classification_mark,
             json.dumps(doc.esignatures, ensure_ascii=False),
             json.dumps(doc.persons, ensure_ascii=False), doc.crime, doc.article,
             json.dumps(doc.review), doc.position, doc.arrival, int(doc.indexed), time.time()),
        )
        self.db.executemany(
            "INSERT INTO document_pages(document_id, seq, batch_id, number) VALUES (?, ?, ?, ?)",
            [(doc.id, seq, batch_id, number) for seq, (batch_id, number, *_rest) in enumerate(doc.pages, 1)],
        )

    def delete_document(self, document_id: str) -> None:
        self.db.execute("DELETE FROM documents WHERE id = ?", (document_id,))

    def document(self, document_id: str) -> DocumentRow | None:
        row = self.db.execute("SELECT * FROM documents WHERE id = ?", (document_id,)).fetchone()
        return self._document(row) if row else None

    def documents(self, case_id: str | None = None, *, all_cases: bool = False) -> list[DocumentRow]:
        if all_cases:
            rows = self.db.execute("SELECT * FROM documents ORDER BY case_id, arrival, id")
        else:
            rows = self.db.execute(
                "SELECT * FROM documents WHERE case_id IS ? ORDER BY arrival, id", (case_id,)
            )
        return [self._document(r) for r in rows]

    def _document(self, row: sqlite3.Row) -> DocumentRow:
        data = dict(row)
        data.pop("created_at")
        data["persons"] = json.loads(data["persons"] or "[]")
        data["review"] = json.loads(data["review"] or "[]")
        data["received"] = json.loads(data["received"]) if data["received"] else None
        data["esignatures"] = json.loads(data["esignatures"] or "[]")
        data["indexed"] = bool(data["indexed"])
        pages = self.db.execute(
            "SELECT batch_id, number, dossier_page, but_luc FROM document_pages WHERE document_id = ? ORDER BY seq",
            (row["id"],),
        )
        return DocumentRow(**data, pages=[tuple(p) for p in pages])

    def set_dossier_pages(self, numbering: list[tuple[str, int, int, int | None]]) -> None:
        """[(document_id, seq, dossier_page, but_luc)] after assembly."""
        self.db.executemany(
            "UPDATE document_pages SET dossier_page = ?, but_luc = ? WHERE document_id = ? AND seq = ?",
            [(page, but_luc, doc_id, seq) for doc_id, seq, page, but_luc in numbering],
        )

    def dossier_page(self, document_id: str, seq: int) -> tuple[int | None, int | None]:
        """(page in the dossier PDF, bút lục) of a document's page."""
        row = self.db.execute(
            "SELECT dossier_page, but_luc FROM document_pages WHERE document_id = ? AND seq = ?", (document_id, seq)
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_indexed(self, document_ids: list[str], indexed: bool) -> None:
        self.db.executemany(
            "UPDATE documents SET indexed = ? WHERE id = ?", [(int(indexed), d) for d in document_ids]
        )

    def counts(self) -> dict[str, int]:
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "cases": one("SELECT COUNT(*) FROM cases"),
            "documents": one("SELECT COUNT(*) FROM documents"),
            "pages": one("SELECT COUNT(*) FROM document_pages"),
            "unassigned": one("SELECT COUNT(*) FROM files WHERE case_id IS NULL AND state = 'done'"),
            "not_indexed": one("SELECT COUNT(*) FROM documents WHERE indexed = 0"),
        }

    # ---- dossiers --------------------------------------------------------------------

    def add_dossier(
        self, *, case_id: str, pdf: str, pdf_sha256: str, manifest: str, manifest_sha256: str, pages: int,
    ) -> int:
        version = 1 + (self.db.execute(
            "SELECT COALESCE(MAX(version), 0) FROM dossiers WHERE case_id = ?", (case_id,)
        ).fetchone()[0])
        self.db.execute(
            "INSERT INTO dossiers(case_id, version, pdf, pdf_sha256, manifest, manifest_sha256, pages, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (case_id, version, pdf, pdf_sha256, manifest, manifest_sha256, pages, time.time()),
        )
        return version

    def latest_dossier(self, case_id: str) -> dict | None:
        row = self.db.execute(
            "SELECT * FROM dossiers WHERE case_id = ? ORDER BY version DESC LIMIT 1", (case_id,)
        ).fetchone()
        return dict(row) if row else None

    def dossiers(self, case_id: str | None = None) -> list[dict]:
        """Every dossier version (of one case, or of all), oldest first."""
        if case_id is None:
            rows = self.db.execute("SELECT * FROM dossiers ORDER BY case_id, version")
        else:
            rows = self.db.execute("SELECT * FROM dossiers WHERE case_id = ? ORDER BY version", (case_id,))
        return [dict(r) for r in rows]

    def next_dossier_version(self, case_id: str) -> int:
        return 1 + self.db.execute(
            "SELECT COALESCE(MAX(version), 0) FROM dossiers WHERE case_id = ?", (case_id,)
        ).fetchone()[0]

    def mark_dossier_sealed(self, case_id: str, version: int) -> None:
        self.db.execute("UPDATE dossiers SET sealed = 1 WHERE case_id = ? AND version = ?", (case_id, version))

    def seal_pages(self, case_id: str, version: int, pages: list[tuple[str, int, int]], who: str | None) -> int:
        """Freeze [(batch_id, page within batch, bút lục)]; pages sealed before keep their number."""
        now = time.time()
        cur = self.db.executemany(
            "INSERT OR IGNORE INTO sealed_pages(case_id, batch_id, number, but_luc, version, sealed_at, who)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(case_id, batch_id, number, but_luc, version, now, who) for batch_id, number, but_luc in pages],
        )
        return cur.rowcount

    def sealed_pages(self, case_id: str) -> dict[tuple[str, int], int]:
        """{(batch_id, page within batch): bút lục} frozen for the case."""
        return {
            (r[0], r[1]): r[2]
            for r in self.db.execute("SELECT batch_id, number, but_luc FROM sealed_pages WHERE case_id = ?", (case_id,))
        }

    def seals(self, case_id: str) -> list[dict]:
        """[{"version", "at", "who", "but_luc": [first, last], "pages"}] for each seal of the case, oldest first."""
        rows = self.db.execute(
            "SELECT version, MIN(sealed_at), MAX(who), MIN(but_luc), MAX(but_luc), COUNT(*) FROM sealed_pages"
            " WHERE case_id = ? GROUP BY version ORDER BY version",
            (case_id,),
        )
        return [{"version": r[0], "at": r[1], "who": r[2], "but_luc": [r[3], r[4]], "pages": r[5]} for r in rows]

    def case_info(self, case_id: str) -> dict | None:
        """The case row: crime, article, accused (as recorded for the whole case, if anyone did)."""
        row = self.db.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
        return dict(row) if row else None

    def set_document_position(self, document_id: str, position: int | None) -> None:
        """A clerk's place for the document in its dossier (1-based); None: back to automatic order."""
        self.db.execute("UPDATE documents SET position = ? WHERE id = ?", (position, document_id))

    def add_correction(
        self, document_id: str | None, field: str, old, new, who: str, *, page: tuple[str, int] | None = None,
        case_id: str | None = None, data: dict | None = None,
    ) -> int:
        """Record a manual correction (old → new, who, when).

        `page` (batch id, page within the batch) anchors it so `hoso reprocess` can replay it: the
        first page of the document as it was, by default, which survives a change of document id.
        """
        if document_id is not None and (page is None or case_id is None):
            row = self.db.execute(
                "SELECT d.case_id, p.batch_id, p.number FROM documents d LEFT JOIN document_pages p"
                " ON p.document_id = d.id AND p.seq = 1 WHERE d.id = ?", (document_id,),
            ).fetchone()
            if row is not None:
                case_id = case_id if case_id is not None else row[0]
                page = page if page is not None or row[1] is None else (row[1], row[2])
        cur = self.db.execute(
            "INSERT INTO corrections(document_id, field, old, new, who, at, batch_id, number, case_id, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (document_id, field, None if old is None else str(old), None if new is None else str(new), who,
             time.time(), page[0] if page else None, page[1] if page else None, case_id,
             json.dumps(data, ensure_ascii=False) if data else None),
        )
        return int(cur.lastrowid)

    def corrections(self, batch_ids: list[str] | None = None) -> list[dict]:
        """Corrections in the order they were made: all, or those anchored in these batches (or in
        `data["with"]`) plus the case-wide ones (rename, merge of cases)."""
        rows = [dict(r) for r in self.db.execute("SELECT * FROM corrections ORDER BY id")]
        for row in rows:
            row["data"] = json.loads(row["data"]) if row["data"] else {}
        if batch_ids is None:
            return rows
        wanted = set(batch_ids)
        return [r for r in rows if r["batch_id"] in wanted or (r["data"].get("with") or [None])[0] in wanted
                or (r["batch_id"] is None and r["field"].startswith("case."))]

    # ---- review and repair (issue 5) -----------------------------------------------------

    def set_page_turn(self, batch_id: str, number: int, turn: int) -> None:
        """A clerk's clockwise turn of a page (0/90/180/270), added to its /Rotate in the dossier."""
        self.db.execute("UPDATE pages SET turn = ? WHERE batch_id = ? AND number = ?", (turn % 360, batch_id, number))

    def page_turns(self, batch_ids: list[str]) -> dict[tuple[str, int], int]:
        """{(batch id, page): turn} of the turned pages of these batches."""
        turns = {}
        for batch_id in batch_ids:
            for number, turn in self.db.execute(
                "SELECT number, turn FROM pages WHERE batch_id = ? AND turn != 0", (batch_id,)
            ):
                turns[(batch_id, number)] = turn
        return turns

    def page_exists(self, batch_id: str, number: int) -> bool:
        return self.db.execute(
            "SELECT 1 FROM pages WHERE batch_id = ? AND number = ?", (batch_id, number)
        ).fetchone() is not None

    def documents_touching(self, batch_ids: list[str]) -> list[DocumentRow]:
        """Every document with a page in one of these batches."""
        ids: list[str] = []
        for batch_id in batch_ids:
            ids += [r[0] for r in self.db.execute(
                "SELECT DISTINCT document_id FROM document_pages WHERE batch_id = ?", (batch_id,)
            ) if r[0] not in ids]
        return [d for d in (self.document(i) for i in ids) if d is not None]

    def batches_of_case(self, case_id: str) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT batch_id FROM case_batches WHERE case_id = ? ORDER BY arrival", (case_id,)
        )]

    def unassigned_folders(self) -> dict[str, str | None]:
        """{batch id: folder name that did not match the case-id pattern (or None)} of unassigned files."""
        folders: dict[str, str | None] = {}
        for sha, folder in self.db.execute(
            "SELECT sha256, folder FROM files WHERE case_id IS NULL AND state = 'done' ORDER BY id"
        ):
            folders[sha] = folders.get(sha) or folder
        return folders

    def move_case_links(self, old: str, new: str) -> None:
        """Files and batches of case `old` belong to `new` from now on (rename or merge of cases)."""
        self.ensure_case(new)
        info = self.case_info(old) or {}
        self.db.execute(
            "UPDATE cases SET crime = COALESCE(crime, ?), article = COALESCE(article, ?),"
            " accused = COALESCE(accused, ?) WHERE id = ?",
            (info.get("crime"), info.get("article"), info.get("accused"), new),
        )
        self.db.execute("UPDATE files SET case_id = ? WHERE case_id = ?", (new, old))
        self.db.execute(
            "INSERT OR IGNORE INTO case_batches(case_id, batch_id, file_id, arrival)"
            " SELECT ?, batch_id, file_id, arrival FROM case_batches WHERE case_id = ?", (new, old),
        )
        self.db.execute("DELETE FROM case_batches WHERE case_id = ?", (old,))

    def assign_files(self, batch_id: str, case_id: str) -> None:
        """Unassigned files of this batch belong to `case_id` now (a clerk filed their documents)."""
        self.db.execute(
            "UPDATE files SET case_id = ?, updated_at = ? WHERE sha256 = ? AND case_id IS NULL AND state = 'done'",
            (case_id, time.time(), batch_id),
        )

    def drop_case_if_unused(self, case_id: str) -> bool:
        """Forget a case with no documents, files or dossier versions (a dossier's history is kept)."""
        used = self.db.execute(
            "SELECT (SELECT COUNT(*) FROM documents WHERE case_id = ?) + (SELECT COUNT(*) FROM dossiers"
            " WHERE case_id = ?) + (SELECT COUNT(*) FROM files WHERE case_id = ?)", (case_id, case_id, case_id),
        ).fetchone()[0]
        if used:
            return False
        self.db.execute("DELETE FROM case_batches WHERE case_id = ?", (case_id,))
        self.db.execute("DELETE FROM cases WHERE id = ?", (case_id,))
        return True


def _json_or_null(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _row_to_page(row: sqlite3.Row, with_words: bool) -> PageText:
    words = [Word(*w) for w in json.loads(row["words"] or "[]")] if with_words else []
    stamps = [Stamp(**{**s, "box": tuple(s["box"]) if s.get("box") else None})
              for s in json.loads(row["stamps"] or "[]")]
    return PageText(
        number=row["number"], text=row["text"], width=row["width"], height=row["height"], words=words,
        confidence=row["confidence"], rotation=row["rotation"], blank=bool(row["blank"]),
        barcodes=json.loads(row["barcodes"] or "[]"),
        # Pages read before issue 9 have no layer recorded: OCRed if they have a confidence.
        layer=row["layer"] or ("ocr" if row["confidence"] is not None else "none" if row["blank"] else "kept"),
        esignatures=[ESignature(**e) for e in json.loads(row["esignatures"] or "[]")], stamps=stamps,
    )


@contextmanager
def open_catalog(path: Path) -> Iterator[Catalog]:
    catalog = Catalog(path)
    try:
        yield catalog
    finally:
        catalog.close()
