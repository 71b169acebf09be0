"""Numbered migrations of the catalog, each recorded in `schema_migrations` once applied.

Migration 1 is the whole schema a new home gets. Homes made before migrations were numbered
(their `meta` table says schema_version 1 whatever they hold) lack some of what 1 and 2–4 bring:
1 creates the tables they miss (`sealed_pages`), 2–4 add the columns they miss. A step that finds
its column already there (every home made by migration 1) does nothing, so each home takes
exactly the steps it needs. Each migration runs in its own transaction, so a failed one leaves
the catalog at the version before it.

One list serves SQLite and PostgreSQL: a step is written for SQLite and `database.ddl` gives its
column types PostgreSQL's spelling; what must differ more is a `PerDialect` step.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from ..errors import IntegrityError
from .database import Connection, ddl, dialect_of, table_columns, table_exists, transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AddColumn:
    """ALTER TABLE … ADD COLUMN, unless the table has the column already."""

    table: str
    column: str
    declaration: str

    def sql(self) -> str:
        return f"ALTER TABLE {self.table} ADD COLUMN {self.column} {self.declaration}"


@dataclass(frozen=True)
class PerDialect:
    """A step each database spells its own way (a plain step is written for SQLite; `ddl` adapts its types)."""

    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    steps: tuple[str | AddColumn | PerDialect, ...]


class MigrationError(IntegrityError):
    """A migration failed; it was rolled back and the catalog stays at the version before it."""


_CATALOG = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # schema_migrations says which version a home is at now.
    "DELETE FROM meta WHERE key = 'schema_version'",
    # One row per arrival of a batch (a file, or a group of loose pages): the queue.
    """CREATE TABLE IF NOT EXISTS files (
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
    )""",
    "CREATE INDEX IF NOT EXISTS files_state ON files(state, created_at)",
    "CREATE INDEX IF NOT EXISTS files_sha ON files(sha256)",
    # One row per distinct batch content that was OCRed.
    """CREATE TABLE IF NOT EXISTS batches (
        id TEXT PRIMARY KEY,             -- sha256 of the content
        kind TEXT NOT NULL,
        originals TEXT NOT NULL,         -- JSON list of {"name", "sha256", "archive"} in page order
        ocr_pdf TEXT NOT NULL,           -- working PDF with a text layer, under the home
        ocr_sha256 TEXT NOT NULL,
        page_count INTEGER NOT NULL,
        signed INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS pages (
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
        turn INTEGER NOT NULL DEFAULT 0, -- a clerk's clockwise turn, applied in the dossier
        PRIMARY KEY (batch_id, number)
    )""",
    """CREATE TABLE IF NOT EXISTS cases (
        id TEXT PRIMARY KEY,
        crime TEXT, article INTEGER, accused TEXT,
        created_at REAL NOT NULL
    )""",
    # A batch may belong to several cases (same bytes filed under two cases).
    """CREATE TABLE IF NOT EXISTS case_batches (
        case_id TEXT NOT NULL REFERENCES cases(id),
        batch_id TEXT NOT NULL REFERENCES batches(id),
        file_id INTEGER REFERENCES files(id),
        arrival REAL NOT NULL,
        PRIMARY KEY (case_id, batch_id)
    )""",
    """CREATE TABLE IF NOT EXISTS documents (
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
    )""",
    "CREATE INDEX IF NOT EXISTS documents_case ON documents(case_id)",
    """CREATE TABLE IF NOT EXISTS document_pages (
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,            -- 1-based page within the document
        batch_id TEXT NOT NULL,
        number INTEGER NOT NULL,         -- page within the batch
        dossier_page INTEGER,            -- page in the case's dossier PDF, set by assembly
        but_luc INTEGER,
        PRIMARY KEY (document_id, seq)
    )""",
    "CREATE INDEX IF NOT EXISTS document_pages_page ON document_pages(batch_id, number)",
    """CREATE TABLE IF NOT EXISTS dossiers (
        case_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        pdf TEXT NOT NULL, pdf_sha256 TEXT NOT NULL,
        manifest TEXT NOT NULL, manifest_sha256 TEXT NOT NULL,
        pages INTEGER NOT NULL,
        sealed INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        PRIMARY KEY (case_id, version)
    )""",
    # Every manual correction: who, when, old -> new, anchored to the page its document started on
    # (batch_id, number) so that `hoso reprocess` replays it. Reprocessing re-applies them.
    """CREATE TABLE IF NOT EXISTS corrections (
        id INTEGER PRIMARY KEY,
        document_id TEXT, field TEXT NOT NULL, old TEXT, new TEXT,
        who TEXT NOT NULL, at REAL NOT NULL,
        batch_id TEXT, number INTEGER, case_id TEXT,
        data TEXT                        -- JSON, what a structural correction needs to be replayed
    )""",
    # Bút lục frozen by `hoso dossier seal`: a page of a batch keeps its number in the case for good.
    """CREATE TABLE IF NOT EXISTS sealed_pages (
        case_id TEXT NOT NULL,
        batch_id TEXT NOT NULL,
        number INTEGER NOT NULL,         -- page within the batch
        but_luc INTEGER NOT NULL,
        version INTEGER NOT NULL,        -- the dossier version the seal made
        sealed_at REAL NOT NULL,
        who TEXT,
        PRIMARY KEY (case_id, batch_id, number)
    )""",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "catalog", _CATALOG),
    # Homes of turn 1, before `hoso retry`.
    Migration(2, "quarantine folder of a file", (AddColumn("files", "quarantine", "TEXT"),)),
    # Homes before review and repair (issue 5).
    Migration(
        3,
        "corrections anchored to a page; page turns",
        (
            AddColumn("corrections", "batch_id", "TEXT"),
            AddColumn("corrections", "number", "INTEGER"),
            AddColumn("corrections", "case_id", "TEXT"),
            AddColumn("corrections", "data", "TEXT"),
            AddColumn("pages", "turn", "INTEGER NOT NULL DEFAULT 0"),
        ),
    ),
    # Homes before real documents (issue 9): how each page was read, e-signatures and stamps as facts.
    Migration(
        4,
        "how pages were read; e-signatures and stamps",
        (
            AddColumn("pages", "layer", "TEXT"),
            AddColumn("pages", "esignatures", "TEXT"),
            AddColumn("pages", "stamps", "TEXT"),
            AddColumn("documents", "symbol", "TEXT"),
            AddColumn("documents", "month", "TEXT"),
            AddColumn("documents", "received", "TEXT"),
            AddColumn("documents", "classification_mark", "TEXT"),
            AddColumn("documents", "esignatures", "TEXT"),
        ),
    ),
    # Each write of a document takes the next revision, so that the index marks a document indexed
    # only if it was not written again while its pages were on their way (index.feed).
    Migration(
        5,
        "document revisions",
        (
            AddColumn("documents", "revision", "INTEGER NOT NULL DEFAULT 0"),
            "CREATE TABLE document_revision (last INTEGER NOT NULL)",
            "INSERT INTO document_revision(last) VALUES (0)",
        ),
    ),
    # An unchanged dossier is known by its build key (pipeline.dossier.assemble.build_key), not by
    # hashing its PDF; versions built before keep theirs in their manifest.
    Migration(6, "dossier build keys", (AddColumn("dossiers", "build_key", "TEXT"),)),
    # Who may see what (issue 13): accounts, their API tokens and web sessions, case assignments, the
    # documents' classification level, and the append-only, hash-chained audit trail.
    Migration(
        7,
        "accounts, case assignments, classification, audit",
        (
            """CREATE TABLE users (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                full_name TEXT,
                role TEXT NOT NULL CHECK (role IN ('admin','leader','prosecutor','clerk')),
                clearance TEXT NOT NULL DEFAULT 'thuong' CHECK (clearance IN ('thuong','mat','toi_mat')),
                password_hash TEXT,              -- argon2id; NULL: no web sign-in (tokens only)
                disabled INTEGER NOT NULL DEFAULT 0,
                failed_signins INTEGER NOT NULL DEFAULT 0,
                locked_until REAL,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            )""",
            """CREATE TABLE api_tokens (
                id INTEGER PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id),
                token_sha256 TEXT NOT NULL UNIQUE,  -- the token itself is shown once, never stored
                created_at REAL NOT NULL,
                last_used REAL,
                revoked INTEGER NOT NULL DEFAULT 0
            )""",
            """CREATE TABLE web_sessions (
                id_sha256 TEXT PRIMARY KEY,      -- the cookie's value is never stored
                user_id INTEGER NOT NULL REFERENCES users(id),
                created_at REAL NOT NULL,
                last_seen REAL NOT NULL,
                address TEXT
            )""",
            """CREATE TABLE case_assignments (
                case_id TEXT NOT NULL,
                user_id INTEGER NOT NULL REFERENCES users(id),
                assigned_by TEXT NOT NULL,
                assigned_at REAL NOT NULL,
                PRIMARY KEY (case_id, user_id)
            )""",
            "CREATE INDEX case_assignments_user ON case_assignments(user_id)",
            """CREATE TABLE audit (
                id INTEGER PRIMARY KEY,
                at REAL NOT NULL,
                who TEXT NOT NULL,               -- user name, `cli:<login>`, or what a failed sign-in typed
                address TEXT NOT NULL,           -- client IP, or "cli"
                action TEXT NOT NULL,
                detail TEXT NOT NULL,            -- JSON
                prev_sha256 TEXT NOT NULL,       -- the row before (64 zeros for the first)
                sha256 TEXT NOT NULL             -- of this row's fields and prev_sha256
            )""",
            AddColumn("documents", "classification", "TEXT NOT NULL DEFAULT 'thuong'"),
            "UPDATE documents SET classification = CASE classification_mark"
            " WHEN 'TỐI MẬT' THEN 'toi_mat' WHEN 'MẬT' THEN 'mat' ELSE 'thuong' END",
        ),
    ),
    # The audit trail is append-only: hoso itself can neither change nor delete a row (what is done
    # behind its back, triggers dropped, the hash chain finds: `hoso audit verify`).
    Migration(
        8,
        "append-only audit trail",
        (
            PerDialect(
                sqlite=(
                    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
                    " BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
                    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
                    " BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
                ),
                postgres=(
                    "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql"
                    " AS $$ BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$",
                    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
                    " FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
                    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
                    " FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
                    # TRUNCATE skips row triggers, so it is refused too.
                    "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit"
                    " FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
                ),
            ),
        ),
    ),
    # The petitions register (issue 14): a petition's scan is filed as ordinary documents with no
    # case (`files.purpose` says it came in as one); the register entry, its documents (the petition
    # and its attachments) and its workflow events live here, the due date stored so lists filter in SQL.
    Migration(
        9,
        "petitions register",
        (
            AddColumn("files", "purpose", "TEXT NOT NULL DEFAULT 'case'"),  # case | petition
            """CREATE TABLE petitions (
                id TEXT PRIMARY KEY,                 -- "P" + the id of its first document without the "D"
                document_id TEXT NOT NULL,           -- that first document
                type TEXT NOT NULL,                  -- a petition doc type (pipeline.petitions.PETITION_TYPES)
                petitioner TEXT,
                address TEXT,
                anonymous INTEGER NOT NULL DEFAULT 0,
                about TEXT,
                refers_to TEXT,                      -- as read: a case id or a decision number
                case_id TEXT,                        -- the link: a case the catalog holds, else NULL
                in_proceedings INTEGER NOT NULL DEFAULT 0,  -- a complaint inside criminal proceedings
                received_number TEXT,
                received_date TEXT,                  -- YYYY-MM-DD
                received_from_stamp INTEGER NOT NULL DEFAULT 0,
                status TEXT NOT NULL,                -- a workflow state (pipeline/data/petition-workflow.toml)
                assignee TEXT,                       -- an account name
                complexity TEXT,
                remote INTEGER NOT NULL DEFAULT 0,
                repeat_of TEXT,                      -- an earlier petition this one repeats
                recipients TEXT NOT NULL DEFAULT '[]',  -- JSON
                review TEXT NOT NULL DEFAULT '[]',   -- JSON: fields a clerk should check
                due_step TEXT,
                due_date TEXT,                       -- YYYY-MM-DD; NULL once final
                due_basis TEXT,
                created_at REAL NOT NULL,
                revision INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX petitions_due ON petitions(due_date)",
            "CREATE INDEX petitions_case ON petitions(case_id)",
            """CREATE TABLE petition_documents (
                petition_id TEXT NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
                document_id TEXT NOT NULL,
                position INTEGER NOT NULL,           -- 1: the petition itself, then its attachments
                PRIMARY KEY (petition_id, document_id)
            )""",
            "CREATE UNIQUE INDEX petition_documents_document ON petition_documents(document_id)",
            """CREATE TABLE petition_events (
                id INTEGER PRIMARY KEY,
                petition_id TEXT NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
                at TEXT NOT NULL,                    -- YYYY-MM-DD: the day it took effect
                action TEXT NOT NULL,                -- received | classified | a transition | corrected | linked
                state TEXT NOT NULL,                 -- the state after it
                actor TEXT NOT NULL,
                reason TEXT,
                detail TEXT NOT NULL DEFAULT '{}',   -- JSON
                recorded_at REAL NOT NULL
            )""",
            "CREATE INDEX petition_events_petition ON petition_events(petition_id, id)",
        ),
    ),
    # A header's pen-filled number and day, read from the page image by two readers (issue 9).
    Migration(10, "pen-filled header blanks", (AddColumn("pages", "pen", "TEXT"),)),
)


def _apply(db: Connection, step: str | AddColumn | PerDialect) -> None:
    if isinstance(step, AddColumn):
        if step.column not in table_columns(db, step.table):
            db.execute(ddl(db, step.sql()))
    elif isinstance(step, PerDialect):
        for statement in getattr(step, dialect_of(db)):
            db.execute(statement)
    else:
        db.execute(ddl(db, step))


def applied_versions(db: Connection) -> set[int]:
    if not table_exists(db, "schema_migrations"):
        return set()
    return {row[0] for row in db.execute("SELECT version FROM schema_migrations")}


def migrate(db: Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply the migrations this catalog has not had, in order; returns the versions applied.

    Nothing is written when the catalog is up to date. Another process migrating the same home
    at the same time is harmless: each migration checks again, inside its transaction, that it is
    still to be done.
    """
    if {m.version for m in migrations} <= applied_versions(db):
        return []
    with transaction(db):
        # The version is a plain key, never an identity: spelt so that `ddl` leaves it one.
        db.execute(
            ddl(
                db,
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)",
            )
        )
    done = []
    for migration in sorted(migrations, key=lambda m: m.version):
        try:
            with transaction(db):
                if migration.version in applied_versions(db):
                    continue
                for step in migration.steps:
                    _apply(db, step)
                db.execute(
                    "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, time.time()),
                )
        except Exception as exc:
            raise MigrationError(
                f"catalog migration {migration.version} ({migration.name}) failed and was rolled back: {exc}"
            ) from exc
        log.info("catalog migration %d (%s) applied", migration.version, migration.name)
        done.append(migration.version)
    return done
