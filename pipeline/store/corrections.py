"""Corrections: every manual change (who, when, old → new), replayed by `hoso reprocess`."""

from __future__ import annotations

import json
import time

from .database import Connection


class Corrections:
    db: Connection

    def record_correction(
        self,
        document_id: str | None,
        field: str,
        old,
        new,
        who: str,
        *,
        page: tuple[str, int] | None,
        case_id: str | None,
        data: dict | None,
    ) -> int:
        """Record a correction anchored at `page` (batch id, page within the batch) as given."""
        cur = self.db.execute(
            "INSERT INTO corrections(document_id, field, old, new, who, at, batch_id, number, case_id, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                document_id,
                field,
                None if old is None else str(old),
                None if new is None else str(new),
                who,
                time.time(),
                page[0] if page else None,
                page[1] if page else None,
                case_id,
                json.dumps(data, ensure_ascii=False) if data else None,
            ),
        )
        return int(cur.fetchone()[0])

    def corrections(self, batch_ids: list[str] | None = None) -> list[dict]:
        """Corrections in the order they were made: all, or those anchored in these batches (or in
        `data["with"]`) plus the case-wide ones (rename, merge of cases)."""
        rows = [dict(r) for r in self.db.execute("SELECT * FROM corrections ORDER BY id")]
        for row in rows:
            row["data"] = json.loads(row["data"]) if row["data"] else {}
        if batch_ids is None:
            return rows
        wanted = set(batch_ids)
        return [
            r
            for r in rows
            if r["batch_id"] in wanted
            or (r["data"].get("with") or [None])[0] in wanted
            or (r["batch_id"] is None and r["field"].startswith("case."))
        ]
