"""Files: one row per arrival of a batch (a file, or a group of loose pages) — the ingest queue."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from .database import Connection, Row, chunks, marks

FILE_STATES = ("queued", "processing", "done", "duplicate", "quarantined")


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
    purpose: str = "case"  # case | petition (never filed under a case: the petitions register)


def _row_to_file(row: Row) -> FileRow:
    data = dict(row)
    data["paths"] = json.loads(data["paths"])
    data.pop("worker", None)
    return FileRow(**data)


class Files:
    db: Connection

    def add_file(
        self,
        *,
        path: str,
        paths: list[str],
        kind: str,
        size: int,
        sha256: str,
        case_id: str | None,
        folder: str | None,
        purpose: str = "case",
    ) -> int:
        now = time.time()
        cur = self.db.execute(
            "INSERT INTO files(path, paths, kind, size, sha256, case_id, folder, purpose, state, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?) RETURNING id",
            (path, json.dumps(paths, ensure_ascii=False), kind, size, sha256, case_id, folder, purpose, now, now),
        )
        return int(cur.fetchone()[0])

    def get_file(self, file_id: int) -> FileRow:
        return _row_to_file(self.db.execute("SELECT * FROM files WHERE id = ?", (file_id,)).fetchone())

    def files(self, state: str | None = None) -> list[FileRow]:
        if state is None:
            rows = self.db.execute("SELECT * FROM files ORDER BY id")
        else:
            rows = self.db.execute("SELECT * FROM files WHERE state = ? ORDER BY id", (state,))
        return [_row_to_file(r) for r in rows]

    def get_files(self, file_ids: list[int]) -> list[FileRow]:
        """These file rows, in this order."""
        found = {
            r["id"]: _row_to_file(r)
            for ids in chunks(list(dict.fromkeys(file_ids)))
            for r in self.db.execute(f"SELECT * FROM files WHERE id IN ({marks(ids)})", ids)
        }
        return [found[i] for i in file_ids]

    def active_files(self, paths: list[str]) -> dict[tuple[str, str], int]:
        """{(path, sha256): file id} of the queued or processing arrivals at these paths (not to queue twice)."""
        active: dict[tuple[str, str], int] = {}
        for chunk in chunks(list(dict.fromkeys(paths))):
            for file_id, path, sha256 in self.db.execute(
                f"SELECT id, path, sha256 FROM files WHERE path IN ({marks(chunk)})"
                " AND state IN ('queued','processing') ORDER BY id",
                chunk,
            ):
                active.setdefault((path, sha256), file_id)
        return active

    def set_file_state(
        self,
        file_id: int,
        state: str,
        *,
        reason: str | None = None,
        worker: str | None = None,
        pages: int | None = None,
        documents: int | None = None,
        case_id: str | None = None,
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
            "SELECT COUNT(*), CAST(COALESCE(SUM(pages), 0) AS BIGINT) FROM files WHERE state = 'done' AND updated_at >= ?",
            (now - 3600,),
        ).fetchone()
        return {
            "queue_depth": depth,
            "oldest_waiting": None
            if oldest is None
            else {
                "path": oldest[0],
                "since": oldest[1],
                "seconds": round(now - oldest[1], 1),
            },
            "files_per_hour": files,
            "pages_per_hour": pages,
        }

    def file_counts(self) -> dict[str, int]:
        counts = {state: 0 for state in FILE_STATES}
        for row in self.db.execute("SELECT state, COUNT(*) FROM files GROUP BY state"):
            counts[row[0]] = row[1]
        return counts

    def unassigned_file_count(self) -> int:
        """Files stored without a case (petitions are never filed under one: not counted)."""
        return self.db.execute(
            "SELECT COUNT(*) FROM files WHERE case_id IS NULL AND state = 'done' AND purpose = 'case'"
        ).fetchone()[0]

    def done_file_for(self, sha256: str, case_id: str | None) -> FileRow | None:
        case = "case_id IS NULL" if case_id is None else "case_id = ?"
        row = self.db.execute(
            f"SELECT * FROM files WHERE sha256 = ? AND state = 'done' AND {case} ORDER BY id LIMIT 1",
            (sha256,) if case_id is None else (sha256, case_id),
        ).fetchone()
        return _row_to_file(row) if row else None

    def unassigned_folders(self) -> dict[str, str | None]:
        """{batch id: folder name that did not match the case-id pattern (or None)} of unassigned files."""
        folders: dict[str, str | None] = {}
        for sha, folder in self.db.execute(
            "SELECT sha256, folder FROM files WHERE case_id IS NULL AND state = 'done' ORDER BY id"
        ):
            folders[sha] = folders.get(sha) or folder
        return folders

    def assign_files(self, batch_id: str, case_id: str) -> None:
        """Unassigned files of this batch belong to `case_id` now (a clerk filed their documents)."""
        self.db.execute(
            "UPDATE files SET case_id = ?, updated_at = ? WHERE sha256 = ? AND case_id IS NULL AND state = 'done'",
            (case_id, time.time(), batch_id),
        )

    def move_files_to_case(self, old: str, new: str) -> None:
        """Files of case `old` belong to `new` (rename or merge of cases)."""
        self.db.execute("UPDATE files SET case_id = ? WHERE case_id = ?", (new, old))

    def case_has_files(self, case_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM files WHERE case_id = ? LIMIT 1", (case_id,)).fetchone() is not None
