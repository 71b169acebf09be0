"""The catalog store (issue 10, items 2 and 5): numbered migrations, homes made by the oldest hoso
upgraded without losing a row, and the revision that keeps the index's `indexed` flag exact."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from conftest import embedded_index
from index.base import SearchQuery
from index.feed import index_documents, rebuild_index
from pipeline.store.catalog import Catalog, DocumentRow, open_catalog
from pipeline.store.database import connect
from pipeline.store.migrations import MIGRATIONS, Migration, MigrationError, migrate

# The schema homes were made with at turn 1 (git show 6696b3d:pipeline/catalog.py): the same tables,
# columns and indexes, comments left out; meta said schema_version 1, as every home did until
# migrations were numbered.
TURN_1_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL, paths TEXT NOT NULL, kind TEXT NOT NULL, size INTEGER NOT NULL,
    sha256 TEXT NOT NULL, case_id TEXT, folder TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued','processing','done','duplicate','quarantined')),
    reason TEXT, pages INTEGER, documents INTEGER, worker TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS files_state ON files(state, created_at);
CREATE INDEX IF NOT EXISTS files_sha ON files(sha256);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, originals TEXT NOT NULL, ocr_pdf TEXT NOT NULL,
    ocr_sha256 TEXT NOT NULL, page_count INTEGER NOT NULL, signed INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS pages (
    batch_id TEXT NOT NULL REFERENCES batches(id), number INTEGER NOT NULL, text TEXT NOT NULL,
    width REAL, height REAL, words TEXT, confidence REAL, rotation INTEGER NOT NULL DEFAULT 0,
    blank INTEGER NOT NULL DEFAULT 0, barcodes TEXT, PRIMARY KEY (batch_id, number)
);
CREATE TABLE IF NOT EXISTS cases (id TEXT PRIMARY KEY, crime TEXT, article INTEGER, accused TEXT,
    created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS case_batches (
    case_id TEXT NOT NULL REFERENCES cases(id), batch_id TEXT NOT NULL REFERENCES batches(id),
    file_id INTEGER REFERENCES files(id), arrival REAL NOT NULL, PRIMARY KEY (case_id, batch_id)
);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, case_id TEXT, type TEXT NOT NULL, confidence REAL NOT NULL,
    number TEXT, date TEXT, issuer TEXT, title TEXT, subtitle TEXT, persons TEXT, crime TEXT, article INTEGER,
    review TEXT, position INTEGER, arrival REAL NOT NULL, indexed INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_case ON documents(case_id);
CREATE TABLE IF NOT EXISTS document_pages (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
    batch_id TEXT NOT NULL, number INTEGER NOT NULL, dossier_page INTEGER, but_luc INTEGER,
    PRIMARY KEY (document_id, seq)
);
CREATE INDEX IF NOT EXISTS document_pages_page ON document_pages(batch_id, number);
CREATE TABLE IF NOT EXISTS dossiers (
    case_id TEXT NOT NULL, version INTEGER NOT NULL, pdf TEXT NOT NULL, pdf_sha256 TEXT NOT NULL,
    manifest TEXT NOT NULL, manifest_sha256 TEXT NOT NULL, pages INTEGER NOT NULL,
    sealed INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL, PRIMARY KEY (case_id, version)
);
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY, document_id TEXT, field TEXT NOT NULL, old TEXT, new TEXT,
    who TEXT NOT NULL, at REAL NOT NULL
);
INSERT INTO meta(key, value) VALUES ('schema_version', '1');
"""
# What the hoso of later turns added to such a home when it opened it (ALTER TABLE, CREATE TABLE).
ISSUE_5 = [
    "ALTER TABLE files ADD COLUMN quarantine TEXT",
    "CREATE TABLE sealed_pages (case_id TEXT NOT NULL, batch_id TEXT NOT NULL, number INTEGER NOT NULL,"
    " but_luc INTEGER NOT NULL, version INTEGER NOT NULL, sealed_at REAL NOT NULL, who TEXT,"
    " PRIMARY KEY (case_id, batch_id, number))",
    *(
        f"ALTER TABLE corrections ADD COLUMN {c}"
        for c in ("batch_id TEXT", "number INTEGER", "case_id TEXT", "data TEXT")
    ),
    "ALTER TABLE pages ADD COLUMN turn INTEGER NOT NULL DEFAULT 0",
]
ISSUE_9 = [
    *ISSUE_5,
    *(f"ALTER TABLE pages ADD COLUMN {c} TEXT" for c in ("layer", "esignatures", "stamps")),
    *(
        f"ALTER TABLE documents ADD COLUMN {c} TEXT"
        for c in ("symbol", "month", "received", "classification_mark", "esignatures")
    ),
]
CASE = "2024-HS-0001"
BATCH = "b" * 64


def turn_1_home(path: Path) -> None:
    """A catalog as the turn-1 hoso left it: a case of one file, one batch of two pages, one
    document, a dossier, a correction."""
    db = sqlite3.connect(path)
    db.executescript(TURN_1_SCHEMA)
    db.execute(
        "INSERT INTO files VALUES (1, '/in/a.pdf', '[\"/in/a.pdf\"]', 'pdf', 10, ?, ?, NULL, 'done', NULL,"
        " 2, 1, NULL, 1.0, 2.0)",
        (BATCH, CASE),
    )
    db.execute(
        "INSERT INTO batches VALUES (?, 'pdf', ?, 'work/b.pdf', 'c', 2, 0, 1.0)",
        (BATCH, json.dumps([{"name": "a.pdf", "sha256": BATCH, "archive": "archive/b"}])),
    )
    db.executemany(
        "INSERT INTO pages VALUES (?, ?, ?, 595, 842, '[[\"khởi\", 1, 2, 3, 4]]', 91.5, 0, 0, '[]')",
        [(BATCH, 1, "QUYẾT ĐỊNH khởi tố vụ án"), (BATCH, 2, "trang hai")],
    )
    db.execute("INSERT INTO cases VALUES (?, 'Trộm cắp tài sản', 173, NULL, 1.0)", (CASE,))
    db.execute("INSERT INTO case_batches VALUES (?, ?, 1, 1.0)", (CASE, BATCH))
    db.execute(
        "INSERT INTO documents VALUES ('d1', ?, 'qd_khoi_to_vu_an', 0.9, '12/QĐ-CSĐT', '2024-05-02',"
        " NULL, 'QUYẾT ĐỊNH', NULL, '[]', NULL, 173, '[]', NULL, 1.0, 1, 1.0)",
        (CASE,),
    )
    db.executemany(
        "INSERT INTO document_pages VALUES ('d1', ?, ?, ?, ?, ?)", [(1, BATCH, 1, 3, 1), (2, BATCH, 2, 4, 2)]
    )
    db.execute("INSERT INTO dossiers VALUES (?, 1, 'd.pdf', 'p', 'm.json', 'm', 4, 0, 1.0)", (CASE,))
    db.execute("INSERT INTO corrections VALUES (1, 'd1', 'type', 'khac', 'qd_khoi_to_vu_an', 'lan', 1.0)")
    db.commit()
    db.close()


def columns(db: sqlite3.Connection) -> dict[str, set[str]]:
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: {r[1] for r in db.execute(f"PRAGMA table_info({t})")} for t in tables}


def migrations_of(db: sqlite3.Connection) -> list[tuple[int, str]]:
    return [tuple(r) for r in db.execute("SELECT version, name FROM schema_migrations ORDER BY version")]


def test_a_new_home_gets_every_migration_recorded_and_opening_it_again_changes_nothing(tmp_path):
    path = tmp_path / "catalog.sqlite"
    with open_catalog(path) as catalog:
        assert migrations_of(catalog.db) == [(m.version, m.name) for m in MIGRATIONS]
        assert catalog.get_meta("schema_version") is None  # schema_migrations says it now
        applied = [tuple(r) for r in catalog.db.execute("SELECT * FROM schema_migrations")]
        changes = catalog.db.total_changes
        assert migrate(catalog.db) == []
        assert catalog.db.total_changes == changes
    with open_catalog(path) as catalog:
        assert [tuple(r) for r in catalog.db.execute("SELECT * FROM schema_migrations")] == applied


@pytest.mark.parametrize("later", [[], ISSUE_5, ISSUE_9], ids=["turn 1", "opened by issue 5", "opened by issue 9"])
def test_a_turn_1_home_is_upgraded_step_by_step_and_keeps_every_row(tmp_path, later):
    old = tmp_path / "old" / "catalog.sqlite"
    old.parent.mkdir()
    turn_1_home(old)
    db = sqlite3.connect(old)
    for statement in later:
        db.execute(statement)
    db.commit()
    db.close()
    with open_catalog(tmp_path / "new.sqlite") as fresh:
        wanted = columns(fresh.db)
    with open_catalog(old) as catalog:
        assert migrations_of(catalog.db) == [(m.version, m.name) for m in MIGRATIONS]
        assert columns(catalog.db) == wanted
        assert catalog.get_meta("schema_version") is None

        (row,) = catalog.files()
        assert (row.path, row.sha256, row.case_id, row.state, row.pages, row.quarantine) == (
            "/in/a.pdf",
            BATCH,
            CASE,
            "done",
            2,
            None,
        )
        pages = catalog.batch_pages(BATCH)
        assert [p.text for p in pages] == ["QUYẾT ĐỊNH khởi tố vụ án", "trang hai"]
        assert pages[0].layer == "ocr" and pages[0].words[0].text == "khởi" and pages[0].stamps == []
        assert catalog.page_turns([BATCH]) == {}
        (doc,) = catalog.documents(CASE)
        assert (doc.id, doc.number, doc.date, doc.article, doc.indexed, doc.symbol, doc.esignatures) == (
            "d1",
            "12/QĐ-CSĐT",
            "2024-05-02",
            173,
            True,
            None,
            [],
        )
        assert doc.pages == [(BATCH, 1, 3, 1), (BATCH, 2, 4, 2)]
        assert catalog.case_info(CASE)["crime"] == "Trộm cắp tài sản"
        assert catalog.batches_of_case(CASE) == [BATCH]
        assert catalog.latest_dossier(CASE)["pages"] == 4
        (correction,) = catalog.corrections()
        assert (correction["field"], correction["new"], correction["batch_id"], correction["data"]) == (
            "type",
            "qd_khoi_to_vu_an",
            None,
            {},
        )

        # What later turns added works on the upgraded home.
        with catalog.transaction():
            catalog.set_page_turn(BATCH, 2, 90)
            catalog.seal_pages(CASE, 1, [(BATCH, 1, 1), (BATCH, 2, 2)], "lan")
            catalog.add_correction("d1", "number", "12/QĐ-CSĐT", "13/QĐ-CSĐT", "lan")
            catalog.put_document(doc)
        assert catalog.page_turns([BATCH]) == {(BATCH, 2): 90}
        assert catalog.sealed_pages(CASE) == {(BATCH, 1): 1, (BATCH, 2): 2}
        assert catalog.corrections([BATCH])[-1]["batch_id"] == BATCH and doc.revision == 1
        assert catalog.counts() == {"cases": 1, "documents": 1, "pages": 2, "unassigned": 0, "not_indexed": 0}


def test_a_failed_migration_rolls_back_and_says_which_step_failed(tmp_path):
    broken = Migration(
        len(MIGRATIONS) + 1,
        "probe table",
        (
            "CREATE TABLE probe (x INTEGER)",
            "INSERT INTO probe VALUES (1)",
            "INSERT INTO no_such_table VALUES (1)",
        ),
    )
    path = tmp_path / "catalog.sqlite"
    with open_catalog(path) as catalog:
        with pytest.raises(MigrationError, match=rf"migration {broken.version} \(probe table\) failed.*no_such_table"):
            migrate(catalog.db, (*MIGRATIONS, broken))
        assert not catalog.db.in_transaction
        assert catalog.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'probe'").fetchone() is None
        assert migrations_of(catalog.db)[-1][0] == MIGRATIONS[-1].version
        mended = Migration(broken.version, "probe table", broken.steps[:2])
        assert migrate(catalog.db, (*MIGRATIONS, mended)) == [mended.version]
        assert [tuple(r) for r in catalog.db.execute("SELECT x FROM probe")] == [(1,)]


def _document(doc_id: str, text_pages: list[int]) -> DocumentRow:
    return DocumentRow(
        id=doc_id,
        case_id=CASE,
        type="khac",
        confidence=0.5,
        arrival=1.0,
        pages=[(BATCH, n, None, None) for n in text_pages],
    )


def _home_with_pages(catalog) -> None:
    from pipeline.models import PageText

    with catalog.transaction():
        catalog.add_batch(
            batch_id=BATCH,
            kind="pdf",
            originals=[{"name": "a.pdf", "sha256": BATCH, "archive": "a"}],
            ocr_pdf="work/b.pdf",
            ocr_sha256="c",
            signed=False,
            pages=[
                PageText(number=n, text=f"trang số {n} khởi tố", width=1, height=1, words=[], confidence=90.0)
                for n in (1, 2, 3)
            ],
        )


class _WritesMeanwhile:
    """A backend that lets another writer change the catalog while the pages are on their way
    (after the first page)."""

    def __init__(self, inner, meanwhile):
        self.inner, self.meanwhile, self.name = inner, meanwhile, inner.name

    def _pages(self, pages):
        for n, page in enumerate(pages):
            if n == 1:
                self.meanwhile()
            yield page

    def replace_documents(self, document_ids, pages):
        return self.inner.replace_documents(document_ids, self._pages(pages))

    def rebuild(self, pages):
        return self.inner.rebuild(self._pages(pages))


def test_a_document_written_again_while_it_was_indexed_stays_not_indexed(catalog_location, tmp_path):
    with open_catalog(catalog_location) as catalog:
        _home_with_pages(catalog)
        first, second = _document("d1", [1]), _document("d2", [2, 3])
        with catalog.transaction():
            catalog.put_document(first)
            catalog.put_document(second)
        assert (first.revision, second.revision) == (1, 2)

        def rewrite_second():
            with catalog.transaction():
                catalog.put_document(_document("d2", [2]))

        backend = embedded_index(catalog, tmp_path)
        assert index_documents(catalog, _WritesMeanwhile(backend, rewrite_second), [first, second]) == 3
        assert {d.id: d.indexed for d in catalog.documents(CASE)} == {"d1": True, "d2": False}
        assert index_documents(catalog, backend, [d for d in catalog.documents(CASE) if not d.indexed]) == 1
        assert all(d.indexed for d in catalog.documents(CASE))
        assert backend.info()["pages"] == 2


def test_a_rebuild_does_not_hold_the_catalog_and_what_was_indexed_meanwhile_is_caught_up(catalog_location, tmp_path):
    with open_catalog(catalog_location) as catalog, open_catalog(catalog_location) as watcher:
        _home_with_pages(catalog)
        with catalog.transaction():
            catalog.put_document(_document("d1", [1, 2]))
        watcher_backend = embedded_index(watcher, tmp_path)

        def a_watcher_files_and_indexes_a_document():
            # Another process writes between the rebuild's transactions without waiting for it.
            watcher.db.execute("SET lock_timeout = 1" if watcher.dialect == "postgres" else "PRAGMA busy_timeout = 0")
            with watcher.transaction():
                watcher.put_document(_document("d2", [3]))
            index_documents(watcher, watcher_backend, [watcher.document("d2")])
            assert watcher.document("d2").indexed

        backend = embedded_index(catalog, tmp_path)
        documents, pages = rebuild_index(
            catalog,
            _WritesMeanwhile(backend, a_watcher_files_and_indexes_a_document),
            catalog.documents(all_cases=True),
        )
        assert (documents, pages) == (2, 3)
        assert all(d.indexed for d in catalog.documents(CASE))
        hits = backend.search(SearchQuery("khoi to", limit=10)).hits
        assert sorted((h.document_id, h.seq) for h in hits) == [("d1", 1), ("d1", 2), ("d2", 1)]


class _FailsHalfWay:
    """A backend that drops the documents, then cannot take their pages (a cluster going down)."""

    name = "failing"

    def __init__(self, inner):
        self.inner = inner

    def replace_documents(self, document_ids, pages):
        self.inner.delete_documents(document_ids)
        raise ConnectionError("the index went away")


def test_documents_the_index_dropped_and_did_not_take_back_are_not_indexed(catalog_location, tmp_path):
    with open_catalog(catalog_location) as catalog:
        _home_with_pages(catalog)
        with catalog.transaction():
            catalog.put_document(_document("d1", [1]))
        backend = embedded_index(catalog, tmp_path)
        index_documents(catalog, backend, catalog.documents(CASE))
        assert catalog.document("d1").indexed and backend.info()["pages"] == 1
        with pytest.raises(ConnectionError):
            index_documents(catalog, _FailsHalfWay(backend), catalog.documents(CASE))
        assert backend.info()["pages"] == 0 and not catalog.document("d1").indexed
        assert catalog.counts()["not_indexed"] == 1


def test_a_new_catalog_is_its_owners_only_and_doctor_warns_of_a_loose_one(tmp_path):
    from dossier_kit import cli_json

    home = tmp_path / "home"
    Catalog(home / "catalog.sqlite").close()
    assert (home / "catalog.sqlite").stat().st_mode & 0o777 == 0o600  # password, token, session hashes
    assert "warnings" not in cli_json(home, "doctor")["checks"]["secrets"]
    (home / "catalog.sqlite").chmod(0o644)
    warnings = cli_json(home, "doctor")["checks"]["secrets"]["warnings"]
    assert any("catalog.sqlite is 0o644 (chmod 600)" in w for w in warnings)


def test_a_new_catalog_file_another_process_is_writing_is_waited_for_not_refused(tmp_path):
    """Two processes starting on a fresh home (a watcher and the web app; two machines' watchers on the
    embedded index) race to put the new file in WAL mode. SQLite answers the one that finds the other
    writing "database is locked" at once, without its busy timeout: it must wait its turn instead."""
    path = tmp_path / "catalog.sqlite"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE setting_up(x)")
    other.execute("BEGIN IMMEDIATE")  # the other process, writing to the new file
    done = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    done.start()
    db = connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    done.join()
    db.close()
    other.close()
