"""The catalog's database: one connection, the one transaction helper, the home's meta values.

Two dialects behind one interface. SQLite (the default: `<home>/catalog.sqlite`, WAL mode) or
PostgreSQL (`catalog_url`, psycopg 3), which several machines can share. The store's SQL is written
once, with `?` placeholders and what both accept; what differs (connecting, transactions, table
introspection, DDL types, JSON paths) is here and in `migrations`.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..errors import ResourceError, first_line

POSTGRES_SCHEMES = ("postgresql", "postgres")
LOCK_TIMEOUT = "30s"  # a PostgreSQL writer waits for the catalog's lock as long as SQLite's busy_timeout


class Connection(Protocol):
    """What the store uses of a connection: sqlite3's, or `PostgresConnection` (see `dialect_of`).
    Rows are read by column name or position, as tuples, or as dicts (`dict(row)`)."""

    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, params: Sequence = ...) -> Any: ...
    def executemany(self, sql: str, params: Sequence[Sequence]) -> Any: ...
    def close(self) -> None: ...


# A row of either database, read by column name or position (sqlite3.Row, or `_row_class`'s).
Row = Any


def dialect_of(db) -> str:
    """The connection's database, "postgres" or "sqlite" (any sqlite3 connection: the embedded index opens its own)."""
    return getattr(db, "dialect", "sqlite")


def is_postgres_url(location: str | Path) -> bool:
    return isinstance(location, str) and urlsplit(location).scheme in POSTGRES_SCHEMES


def printable_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


# ---- SQLite --------------------------------------------------------------------------------------


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
    _write_ahead_log(db)
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=30000")
    return db


def _write_ahead_log(db: sqlite3.Connection, seconds: float = 30.0) -> None:
    """WAL mode, which the file keeps once set. Two processes opening a new file at once may find it
    busy while the other one sets it, and SQLite answers that at once, without its busy timeout."""
    deadline = time.monotonic() + seconds
    while db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def connect_read_only(path: Path) -> sqlite3.Connection:
    """The catalog of a home this process may not write (read-only mount, another user's home).

    `mode=ro` sees a concurrent writer's commits but needs the WAL's shared-memory file; where that
    cannot be created, `immutable=1` reads the file as it is (nobody can write there, or the
    reader takes a snapshot).
    """
    uri = path.absolute().as_uri()
    options = {"uri": True, "isolation_level": None, "check_same_thread": False}
    db = sqlite3.connect(f"{uri}?mode=ro", timeout=30, **options)
    try:
        db.execute("SELECT COUNT(*) FROM meta").fetchone()
    except sqlite3.OperationalError:
        db.close()
        db = sqlite3.connect(f"{uri}?immutable=1", **options)
    db.row_factory = sqlite3.Row
    return db


# ---- PostgreSQL ----------------------------------------------------------------------------------


@functools.cache
def _row_class(names: tuple[str, ...]) -> type:
    """A tuple whose items are also found by column name, like sqlite3.Row (one class per column list)."""
    index = {name: i for i, name in enumerate(names)}

    class Row(tuple):
        __slots__ = ()

        def __getitem__(self, key):
            return tuple.__getitem__(self, index[key] if isinstance(key, str) else key)

        def keys(self) -> list[str]:
            return list(names)

    return Row


def _row_factory(cursor):
    return _row_class(tuple(column.name for column in cursor.description or ()))


@functools.lru_cache(maxsize=1024)
def _placeholders(sql: str) -> str:
    """`?` → `%s`, and a literal `%` doubled (the store's SQL has no `?` in a string literal)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresConnection:
    """A psycopg 3 connection in autocommit mode that speaks the store's SQL (`?` placeholders; rows
    by name and by position). Writes happen only inside `transaction`, which also takes the catalog's
    advisory lock, so writers serialize as they do on SQLite (read, then write on what was read).

    A connection the server dropped (a restart, the network) fails the statement under way, and the
    next statement outside a transaction connects again: a web server or a watcher outlives the
    outage. Inside a transaction it stays failed: what was written there is gone, and nothing after
    the failure may run outside it."""

    dialect = "postgres"

    def __init__(self, url: str, *, read_only: bool = False):
        self.url, self.read_only = url, read_only
        self.in_begin = False
        self.conn = self._connect()
        # One lock per catalog (database and schema): its writers wait for each other, other catalogs
        # on the same server do not.
        where = self.conn.execute("SELECT current_database(), current_schema()").fetchone()
        self.where = f"{where[0]}.{where[1]}"
        self.lock_key = self.named_lock_key("catalog writers")

    def named_lock_key(self, name: str) -> int:
        """The 64-bit advisory lock key of `name` in this catalog (other catalogs of the server have others)."""
        digest = hashlib.blake2b(f"hoso {self.where} {name}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    def _connect(self):
        import psycopg

        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10, application_name="hoso")
        except psycopg.OperationalError as exc:
            raise ResourceError(
                f"catalog unavailable: PostgreSQL at {printable_url(self.url)}: {first_line(exc)}"
            ) from None
        conn.row_factory = _row_factory
        # A writer waits for the lock as long as SQLite's busy_timeout lets it, then fails (never forever).
        conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        if self.read_only:
            conn.execute("SET default_transaction_read_only = on")
        return conn

    def _live(self):
        if self.conn.broken and not self.in_begin:
            self.conn = self._connect()
        return self.conn

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.in_begin or self._live().info.transaction_status != TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence | None = None):
        if params is None:
            return self._live().execute(sql)
        return self._live().execute(_placeholders(sql), params)

    def executemany(self, sql: str, params: Sequence[Sequence]):
        cursor = self._live().cursor()
        rows = iter(params)  # a generator stays one: a batch's pages are serialized one at a time
        first = next(rows, None)
        if first is not None:
            cursor.executemany(_placeholders(sql), itertools.chain([first], rows))
        return cursor

    @contextmanager
    def begin(self) -> Iterator[None]:
        with self._live().transaction():
            self.in_begin = True
            try:
                self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (self.lock_key,))
                yield
            finally:
                self.in_begin = False
        if self.conn.broken:  # psycopg skips the COMMIT of a lost connection without a word
            raise ResourceError("catalog unavailable: the connection to PostgreSQL was lost; nothing was committed")

    def close(self) -> None:
        self.conn.close()


# ---- both ----------------------------------------------------------------------------------------


def open_connection(location: str | Path, *, read_only: bool = False) -> Connection:
    """The catalog at `location`: a PostgreSQL URL, or the path of an SQLite file."""
    if is_postgres_url(location):
        return PostgresConnection(str(location), read_only=read_only)
    return connect_read_only(Path(location)) if read_only else connect(Path(location))


@contextmanager
def transaction(db: Connection) -> Iterator[Connection]:
    """One writer at a time: BEGIN IMMEDIATE on SQLite, the catalog's advisory lock on PostgreSQL;
    COMMIT, or ROLLBACK on any exception. Inside a transaction already, it joins it: the outermost
    one commits."""
    if db.in_transaction:
        yield db
        return
    if dialect_of(db) == "postgres":
        with db.begin():
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
    return f"(SELECT column1, column2 FROM (VALUES {', '.join(['(?, ?)'] * len(pairs))}) AS pairs)"


def json_text(db: Connection, column: str, *path: str) -> str:
    """The SQL expression of the text at `path` in the JSON held by a TEXT column."""
    if dialect_of(db) == "postgres":
        return f"({column}::jsonb #>> '{{{','.join(path)}}}')"
    return f"json_extract({column}, '$.{'.'.join(path)}')"


def json_array_texts(db: Connection, column: str, key: str) -> str:
    """A FROM item: one row per element of the array at `key` of the JSON in `column`, as `value`."""
    if dialect_of(db) == "postgres":
        return f"jsonb_array_elements_text({column}::jsonb -> '{key}') AS elements(value)"
    return f"json_each({column}, '$.{key}')"


def table_exists(db: Connection, table: str) -> bool:
    if dialect_of(db) == "postgres":
        sql = "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
    else:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return db.execute(sql, (table,)).fetchone() is not None


def table_columns(db: Connection, table: str) -> set[str]:
    if dialect_of(db) == "postgres":
        rows = db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = ?",
            (table,),
        )
        return {row[0] for row in rows}
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


# SQLite's column types as PostgreSQL spells them: INTEGER is 64-bit in SQLite (file sizes, ids) and
# REAL is a double (time.time() stamps): PostgreSQL's INTEGER and REAL are 32-bit.
_POSTGRES_TYPES = (
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
)


def ddl(db: Connection, statement: str) -> str:
    """A CREATE/ALTER statement written for SQLite, in the connection's dialect."""
    if dialect_of(db) == "postgres":
        for pattern, replacement in _POSTGRES_TYPES:
            statement = pattern.sub(replacement, statement)
    return statement


class Database:
    """The connection every aggregate of the catalog works through (`self.db`)."""

    def __init__(self, location: str | Path, *, read_only: bool = False):
        self.location = location if is_postgres_url(location) else Path(location)
        self.read_only = read_only
        self.db: Connection = open_connection(self.location, read_only=read_only)

    @property
    def dialect(self) -> str:
        return dialect_of(self.db)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """See `transaction`: keep it short, never around a network call or long file work."""
        with transaction(self.db) as db:
            yield db

    @property
    def shares_locks(self) -> bool:
        """Locks live in the catalog (`try_lock`): it is a server that several machines may share."""
        return self.dialect == "postgres"

    def try_lock(self, name: str) -> bool:
        """Take the lock `name` now or say no (PostgreSQL only: a session advisory lock). It is held until
        `unlock`, or until this connection ends: a process that dies, on any machine, lets go of it."""
        return bool(self.db.execute("SELECT pg_try_advisory_lock(?)", (self.db.named_lock_key(name),)).fetchone()[0])

    def unlock(self, name: str) -> None:
        self.db.execute("SELECT pg_advisory_unlock(?)", (self.db.named_lock_key(name),))

    @contextmanager
    def held_lock(self, name: str) -> Iterator[None]:
        """The lock `name` (as `try_lock`), waited for as long as it takes, held for the block. Not taken
        inside a transaction: a session's lock outlives it, and the wait must not hold the writers' lock."""
        key = self.db.named_lock_key(name)
        self.db.execute("SET lock_timeout = 0")  # a dossier build may take minutes; wait for it
        try:
            self.db.execute("SELECT pg_advisory_lock(?)", (key,))
        finally:
            self.db.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        try:
            yield
        finally:
            self.db.execute("SELECT pg_advisory_unlock(?)", (key,))

    def integrity_check(self) -> str:
        """SQLite's own check of the file; a PostgreSQL server keeps its files itself ("ok" once it answers)."""
        if self.dialect == "postgres":
            self.db.execute("SELECT 1").fetchone()
            return "ok"
        return self.db.execute("PRAGMA integrity_check").fetchone()[0]

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
