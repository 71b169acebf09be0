"""The audit trail's rows: appended, never changed (issue 13; the chain is ingest.audit's).

There is no update or delete here, and the catalog's triggers (migration 8) refuse both, so a row
can only be changed behind hoso's back, which `hoso audit verify` finds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .database import Connection, json_array_texts, json_text

AUDIT_COLUMNS = "id, at, who, address, action, detail, prev_sha256, sha256"
AUDIT_PAGE = 1000  # rows of the chain read at once


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: float
    who: str
    address: str
    action: str
    detail: str  # canonical JSON, exactly as hashed
    prev_sha256: str
    sha256: str


@dataclass(frozen=True)
class AuditFilter:
    """Which rows `hoso audit` and /nhat-ky list: each field narrows, None keeps all."""

    who: str | None = None  # an account's name; for the CLI `cli:<login>` or the login alone
    case_id: str | None = None  # rows naming the case: `case`, `case_id`, a search's `filters.case`, a CLI argument
    action: str | None = None  # exact, or a prefix ending in "." ("user." for every account change)
    since: float | None = None  # at >= since
    until: float | None = None  # at < until

    def where(self, db: Connection) -> tuple[str, list]:
        clauses, params = [], []
        if self.who:
            clauses.append("who IN (?, ?)")
            params += [self.who, f"cli:{self.who}"]
        if self.case_id:
            named = ", ".join(json_text(db, "detail", *path) for path in (["case"], ["case_id"], ["filters", "case"]))
            clauses.append(
                f"(? IN ({named}) OR EXISTS (SELECT 1 FROM {json_array_texts(db, 'detail', 'args')} WHERE value = ?))"
            )
            params += [self.case_id] * 2
        if self.action:
            if self.action.endswith("."):
                clauses.append("substr(action, 1, ?) = ?")
                params += [len(self.action), self.action]
            else:
                clauses.append("action = ?")
                params.append(self.action)
        if self.since is not None:
            clauses.append("at >= ?")
            params.append(self.since)
        if self.until is not None:
            clauses.append("at < ?")
            params.append(self.until)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


class AuditTrail:
    db: Connection

    def last_audit_row(self) -> AuditRow | None:
        row = self.db.execute(f"SELECT {AUDIT_COLUMNS} FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        return AuditRow(*row) if row else None

    def insert_audit_row(self, row: AuditRow) -> None:
        """Call inside the transaction that read `last_audit_row`, so that no other writer slips in between."""
        self.db.execute(
            f"INSERT INTO audit({AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row.id, row.at, row.who, row.address, row.action, row.detail, row.prev_sha256, row.sha256),
        )

    def audit_chain(self) -> Iterator[AuditRow]:
        """Every row in id order, a page at a time (a trail of years does not fit in memory at once,
        and psycopg reads a whole result before the first row)."""
        page = f"SELECT {AUDIT_COLUMNS} FROM audit{{}} ORDER BY id LIMIT {AUDIT_PAGE}"
        rows = self.db.execute(page.format("")).fetchall()  # from the lowest id, whatever it is
        while rows:
            yield from (AuditRow(*row) for row in rows)
            rows = self.db.execute(page.format(" WHERE id > ?"), (rows[-1][0],)).fetchall()

    def audit_rows(self, where: AuditFilter, *, limit: int, offset: int = 0) -> tuple[list[AuditRow], int]:
        """The rows `where` keeps, newest first, one page of them, and how many it keeps in all."""
        sql, params = where.where(self.db)
        total = self.db.execute(f"SELECT COUNT(*) FROM audit{sql}", params).fetchone()[0]
        rows = self.db.execute(
            f"SELECT {AUDIT_COLUMNS} FROM audit{sql} ORDER BY id DESC LIMIT ? OFFSET ?", [*params, limit, offset]
        )
        return [AuditRow(*row) for row in rows], total

    def audit_row(self, row_id: int) -> AuditRow | None:
        row = self.db.execute(f"SELECT {AUDIT_COLUMNS} FROM audit WHERE id = ?", (row_id,)).fetchone()
        return AuditRow(*row) if row else None
