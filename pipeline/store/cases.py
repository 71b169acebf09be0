"""Cases and the batches filed under them (a batch may belong to several cases)."""

from __future__ import annotations

import time

from .database import Connection, chunks, marks


class Cases:
    db: Connection

    def ensure_case(self, case_id: str) -> None:
        self.db.execute(
            "INSERT INTO cases(id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (case_id, time.time())
        )

    def link_batch(self, case_id: str | None, batch_id: str, file_id: int) -> None:
        if case_id is None:
            return
        self.ensure_case(case_id)
        self.db.execute(
            "INSERT INTO case_batches(case_id, batch_id, file_id, arrival) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (case_id, batch_id, file_id, time.time()),
        )

    def case_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM cases ORDER BY id")]

    def case_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]

    def case_exists(self, case_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM cases WHERE id = ?", (case_id,)).fetchone() is not None

    def cases_of_batches(self, batch_ids: list[str]) -> dict[str, list[str]]:
        """{batch id: the cases it is filed under} of these batches."""
        cases: dict[str, list[str]] = {b: [] for b in batch_ids}
        for ids in chunks(list(cases)):
            for case_id, batch_id in self.db.execute(
                f"SELECT case_id, batch_id FROM case_batches WHERE batch_id IN ({marks(ids)})", ids
            ):
                cases[batch_id].append(case_id)
        return cases

    def batches_of_case(self, case_id: str) -> list[str]:
        return [
            r[0]
            for r in self.db.execute("SELECT batch_id FROM case_batches WHERE case_id = ? ORDER BY arrival", (case_id,))
        ]

    def case_info(self, case_id: str) -> dict | None:
        """The case row: crime, article, accused (as recorded for the whole case, if anyone did)."""
        row = self.db.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
        return dict(row) if row else None

    def move_case_batches(self, old: str, new: str) -> None:
        """Case `new` takes the batches of `old`, and what `old` recorded that `new` did not."""
        self.ensure_case(new)
        info = self.case_info(old) or {}
        self.db.execute(
            "UPDATE cases SET crime = COALESCE(crime, ?), article = COALESCE(article, ?),"
            " accused = COALESCE(accused, ?) WHERE id = ?",
            (info.get("crime"), info.get("article"), info.get("accused"), new),
        )
        self.db.execute(
            "INSERT INTO case_batches(case_id, batch_id, file_id, arrival)"
            " SELECT ?, batch_id, file_id, arrival FROM case_batches WHERE case_id = ? ON CONFLICT DO NOTHING",
            (new, old),
        )
        self.db.execute("DELETE FROM case_batches WHERE case_id = ?", (old,))

    def delete_case(self, case_id: str) -> None:
        self.db.execute("DELETE FROM case_batches WHERE case_id = ?", (case_id,))
        self.db.execute("DELETE FROM cases WHERE id = ?", (case_id,))
