"""Which user works on which case (hoso case assign; issue 13): a prosecutor sees the cases assigned
to them, a clerk the cases assigned to them for processing."""

from __future__ import annotations

import time

from .database import Connection


class Assignments:
    db: Connection

    def assign_case(self, case_id: str, user_id: int, by: str) -> bool:
        """Assign the case to the user; False if it was already."""
        cursor = self.db.execute(
            "INSERT INTO case_assignments(case_id, user_id, assigned_by, assigned_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (case_id, user_id, by, time.time()),
        )
        return cursor.rowcount == 1

    def unassign_case(self, case_id: str, user_id: int) -> bool:
        """Take the case from the user; False if it was not theirs."""
        cursor = self.db.execute("DELETE FROM case_assignments WHERE case_id = ? AND user_id = ?", (case_id, user_id))
        return cursor.rowcount == 1

    def assigned_cases(self, user_id: int) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT case_id FROM case_assignments WHERE user_id = ? ORDER BY case_id", (user_id,)
            )
        ]

    def assignments(self, *, user_id: int | None = None, case_id: str | None = None) -> list[dict]:
        """[{case_id, user, role, assigned_by, assigned_at}], by case then user; narrowed by either."""
        where, args = [], []
        if user_id is not None:
            where.append("a.user_id = ?")
            args.append(user_id)
        if case_id is not None:
            where.append("a.case_id = ?")
            args.append(case_id)
        rows = self.db.execute(
            "SELECT a.case_id, u.name AS user, u.role, a.assigned_by, a.assigned_at"
            " FROM case_assignments a JOIN users u ON u.id = a.user_id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY a.case_id, u.name",
            args,
        )
        return [dict(r) for r in rows]

    def move_case_assignments(self, old: str, new: str) -> None:
        """The users of case `old` work on `new` (a rename or merge of cases)."""
        self.db.execute(
            "INSERT INTO case_assignments(case_id, user_id, assigned_by, assigned_at)"
            " SELECT ?, user_id, assigned_by, assigned_at FROM case_assignments WHERE case_id = ? ON CONFLICT DO NOTHING",
            (new, old),
        )
        self.db.execute("DELETE FROM case_assignments WHERE case_id = ?", (old,))
