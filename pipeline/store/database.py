"""The catalog's database: one connection, the one transaction helper, the home's meta values.

SQLite in WAL mode today; what is SQLite-only (pragmas, table introspection) stays in this module
so that a PostgreSQL store has one place to differ.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode: writes happen only inside `transaction`.

    A new catalog is readable by its owner only (0600; SQLite gives its -wal and -shm files the same
    mode): it holds the accounts' password, token and session hashes besides the case files' text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        with suppress(FileExistsError):  # another process made it first
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=30000")
    return db


def connect_read_only(path: Path) -> sqlite3.Connection:
    """The catalog of a home this process may not write (read-only mount, another user's home).

    `mode=ro` sees a concurrent writer's commits but needs the WAL's shared-memory file; where that
    cannot be created, `immutable=1` reads the file as it is (nobody can write there, or the
    reader takes a snapshot).
    """
    uri = path.absolute().as_uri()
    db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, isolation_level=None, check_same_thread=False)
    try:
        db.execute("SELECT COUNT(*) FROM meta").fetchone()
    except sqlite3.OperationalError:
        db.close()
        db = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on any exception), so concurrent hoso processes serialize
    their writes. Inside a transaction already, it joins it: the outermost one commits."""
    if db.in_transaction:
        yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    else:
        db.execute("COMMIT")


# Ids per `IN (...)` list: one query per this many rows, far below SQLite's and PostgreSQL's parameter limits.
CHUNK = 500


def chunks(items: list) -> Iterator[list]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def marks(items: list) -> str:
    return ", ".join("?" * len(items))


def pair_marks(pairs: list) -> str:
    """The right side of a row-value `IN` (SQLite 3.15+, PostgreSQL) for these pairs. As a SELECT from
    VALUES, SQLite looks the pairs up in the table's index; `IN (VALUES ...)` scans the whole table."""
    return f"(SELECT column1, column2 FROM (VALUES {', '.join(['(?, ?)'] * len(pairs))}))"


def table_exists(db: sqlite3.Connection, table: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None


def table_columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


class Database:
    """The connection every aggregate of the catalog works through (`self.db`)."""

    def __init__(self, path: Path, *, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        self.db = connect_read_only(self.path) if read_only else connect(self.path)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """See `transaction`: keep it short, never around a network call or long file work."""
        with transaction(self.db) as db:
            yield db

    def integrity_check(self) -> str:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0]

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
