"""The petitions register (sổ thụ lý đơn, issue 14): one row per petition or crime report, the
documents it is made of (the petition and its attachments), and its workflow events.

A petition's scan is filed as ordinary documents with no case; the link to a case is the
petition's `case_id`, never the documents'. The due date of the step under way is stored with the
row (recomputed on each event by `ingest.petitions`), so that lists filter overdue and due-soon
petitions in SQL.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, fields

from .database import Connection, Row, chunks, marks


@dataclass
class PetitionRow:
    id: str
    document_id: str
    type: str
    status: str
    petitioner: str | None = None
    address: str | None = None
    anonymous: bool = False
    about: str | None = None
    refers_to: str | None = None
    case_id: str | None = None
    in_proceedings: bool = False
    received_number: str | None = None
    received_date: str | None = None  # YYYY-MM-DD
    received_from_stamp: bool = False
    assignee: str | None = None
    complexity: str | None = None
    remote: bool = False
    repeat_of: str | None = None
    recipients: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    due_step: str | None = None
    due_date: str | None = None  # YYYY-MM-DD
    due_basis: str | None = None
    created_at: float = 0.0
    revision: int = 0


_JSON = ("recipients", "review")
_FLAGS = ("anonymous", "in_proceedings", "received_from_stamp", "remote")
COLUMNS = tuple(f.name for f in fields(PetitionRow))


def _row_to_petition(row: Row) -> PetitionRow:
    data = dict(row)
    for name in _JSON:
        data[name] = json.loads(data[name] or "[]")
    for name in _FLAGS:
        data[name] = bool(data[name])
    return PetitionRow(**data)


def _stored(row: PetitionRow, name: str):
    value = getattr(row, name)
    if name in _JSON:
        return json.dumps(value, ensure_ascii=False)
    if name in _FLAGS:
        return int(value)
    return value


@dataclass(frozen=True)
class PetitionWhere:
    """What a register listing keeps; each part is a condition of the SQL (None: any)."""

    status: str | None = None
    type: str | None = None
    assignee: str | None = None
    case_id: str | None = None
    due_before: str | None = None  # due on a day before this one (YYYY-MM-DD): overdue
    due_from: str | None = None  # due on this day or later ...
    due_through: str | None = None  # ... and on or before this one: due within N days
    ids: tuple[str, ...] | None = None


class Petitions:
    db: Connection

    def put_petition(self, petition: PetitionRow) -> None:
        """Insert or update the petition's row; `petition.revision` becomes its new revision."""
        petition.revision += 1
        petition.created_at = petition.created_at or time.time()
        names = ", ".join(COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c not in ("id", "created_at"))
        self.db.execute(
            f"INSERT INTO petitions({names}) VALUES ({marks(list(COLUMNS))}) ON CONFLICT (id) DO UPDATE SET {updates}",
            [_stored(petition, c) for c in COLUMNS],
        )

    def petition(self, petition_id: str) -> PetitionRow | None:
        row = self.db.execute("SELECT * FROM petitions WHERE id = ?", (petition_id,)).fetchone()
        return _row_to_petition(row) if row else None

    def petition_ids_starting(self, prefix: str) -> list[str]:
        """Ids beginning with `prefix` (a clerk types the first characters of one)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self.db.execute("SELECT id FROM petitions WHERE id LIKE ? ESCAPE '\\' ORDER BY id", (f"{escaped}%",))
        return [r[0] for r in rows]

    def petitions(self, where: PetitionWhere | None = None) -> list[PetitionRow]:
        """The register's rows `where` keeps, oldest received first."""
        where = where or PetitionWhere()
        conditions, params = ["1 = 1"], []
        for column in ("status", "type", "assignee", "case_id"):
            value = getattr(where, column)
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        if where.due_before is not None:
            conditions.append("due_date < ?")
            params.append(where.due_before)
        if where.due_from is not None:
            conditions.append("due_date >= ?")
            params.append(where.due_from)
        if where.due_through is not None:
            conditions.append("due_date <= ?")
            params.append(where.due_through)
        if where.ids is not None:
            if not where.ids:
                return []
            found = []
            for ids in chunks(list(where.ids)):
                found += self._petitions_where(" AND ".join([*conditions, f"id IN ({marks(ids)})"]), [*params, *ids])
            return sorted(found, key=_received_order)
        return self._petitions_where(" AND ".join(conditions), params)

    def _petitions_where(self, where: str, params: list) -> list[PetitionRow]:
        rows = self.db.execute(
            f"SELECT * FROM petitions WHERE {where} ORDER BY received_date IS NULL, received_date, created_at, id",
            params,
        )
        return [_row_to_petition(r) for r in rows]

    def petition_counts(self) -> dict[str, int]:
        """{state: petitions in it}."""
        return {r[0]: r[1] for r in self.db.execute("SELECT status, COUNT(*) FROM petitions GROUP BY status")}

    def cases_of_document_number(self, number: str) -> list[str]:
        """The cases holding a document with this số/ký hiệu (a petition's reference to a decision)."""
        rows = self.db.execute(
            "SELECT DISTINCT case_id FROM documents WHERE number = ? AND case_id IS NOT NULL ORDER BY case_id",
            (number,),
        )
        return [r[0] for r in rows]

    # ---- the documents of a petition ------------------------------------------------------------

    def set_petition_documents(self, petition_id: str, document_ids: list[str]) -> None:
        """The petition is made of these documents, in this order (its own first)."""
        self.db.execute("DELETE FROM petition_documents WHERE petition_id = ?", (petition_id,))
        self.db.executemany(
            "INSERT INTO petition_documents(petition_id, document_id, position) VALUES (?, ?, ?)",
            [(petition_id, d, n) for n, d in enumerate(document_ids, 1)],
        )

    def petition_documents(self, petition_ids: list[str]) -> dict[str, list[str]]:
        """{petition id: its document ids in order} of these petitions."""
        found: dict[str, list[str]] = {p: [] for p in petition_ids}
        for ids in chunks(list(found)):
            for petition_id, document_id in self.db.execute(
                f"SELECT petition_id, document_id FROM petition_documents WHERE petition_id IN ({marks(ids)})"
                " ORDER BY petition_id, position",
                ids,
            ):
                found[petition_id].append(document_id)
        return found

    def petitions_of_documents(self, document_ids: list[str]) -> dict[str, str]:
        """{document id: the petition it belongs to} of these documents that belong to one."""
        found: dict[str, str] = {}
        for ids in chunks(list(dict.fromkeys(document_ids))):
            for document_id, petition_id in self.db.execute(
                f"SELECT document_id, petition_id FROM petition_documents WHERE document_id IN ({marks(ids)})", ids
            ):
                found[document_id] = petition_id
        return found

    # ---- events -----------------------------------------------------------------------------

    def add_petition_event(
        self,
        petition_id: str,
        *,
        at: str,
        action: str,
        state: str,
        actor: str,
        reason: str | None = None,
        detail: dict | None = None,
    ) -> int:
        cur = self.db.execute(
            "INSERT INTO petition_events(petition_id, at, action, state, actor, reason, detail, recorded_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (petition_id, at, action, state, actor, reason, json.dumps(detail or {}, ensure_ascii=False), time.time()),
        )
        return int(cur.fetchone()[0])

    def petition_events(self, petition_ids: list[str]) -> dict[str, list[dict]]:
        """{petition id: its events in the order they were recorded}."""
        found: dict[str, list[dict]] = {p: [] for p in petition_ids}
        for ids in chunks(list(found)):
            for row in self.db.execute(
                f"SELECT * FROM petition_events WHERE petition_id IN ({marks(ids)}) ORDER BY id", ids
            ):
                event = dict(row)
                event["detail"] = json.loads(event["detail"] or "{}")
                found[event.pop("petition_id")].append(event)
        return found

    def set_received_event_day(self, petition_id: str, day: str) -> None:
        """A clerk corrected the day the petition was received: its `received` event took effect then."""
        self.db.execute(
            "UPDATE petition_events SET at = ? WHERE petition_id = ? AND action = 'received'", (day, petition_id)
        )

    def petition_events_between(self, first: str, last: str) -> list[dict]:
        """Every event that took effect from `first` through `last` (YYYY-MM-DD), with its petition id."""
        rows = self.db.execute(
            "SELECT * FROM petition_events WHERE at >= ? AND at <= ? ORDER BY at, id", (first, last)
        ).fetchall()
        return [{**dict(r), "detail": json.loads(r["detail"] or "{}")} for r in rows]


def _received_order(petition: PetitionRow) -> tuple:
    return (petition.received_date is None, petition.received_date or "", petition.created_at, petition.id)
