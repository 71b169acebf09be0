"""Dossiers: the versions built for each case, the place of each document page in them (dossier
page and bút lục), and the bút lục frozen by a seal."""

from __future__ import annotations

import time

from .database import Connection, chunks, pair_marks


class Dossiers:
    db: Connection

    def add_dossier(
        self,
        *,
        case_id: str,
        pdf: str,
        pdf_sha256: str,
        manifest: str,
        manifest_sha256: str,
        pages: int,
        build_key: str,
    ) -> int:
        version = self.next_dossier_version(case_id)
        self.db.execute(
            "INSERT INTO dossiers(case_id, version, pdf, pdf_sha256, manifest, manifest_sha256, pages, created_at,"
            " build_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (case_id, version, pdf, pdf_sha256, manifest, manifest_sha256, pages, time.time(), build_key),
        )
        return version

    def latest_dossier(self, case_id: str) -> dict | None:
        row = self.db.execute(
            "SELECT * FROM dossiers WHERE case_id = ? ORDER BY version DESC LIMIT 1", (case_id,)
        ).fetchone()
        return dict(row) if row else None

    def dossiers(self, case_id: str | None = None) -> list[dict]:
        """Every dossier version (of one case, or of all), oldest first."""
        if case_id is None:
            rows = self.db.execute("SELECT * FROM dossiers ORDER BY case_id, version")
        else:
            rows = self.db.execute("SELECT * FROM dossiers WHERE case_id = ? ORDER BY version", (case_id,))
        return [dict(r) for r in rows]

    def next_dossier_version(self, case_id: str) -> int:
        return (
            1
            + self.db.execute(
                "SELECT COALESCE(MAX(version), 0) FROM dossiers WHERE case_id = ?", (case_id,)
            ).fetchone()[0]
        )

    def case_has_dossiers(self, case_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM dossiers WHERE case_id = ? LIMIT 1", (case_id,)).fetchone() is not None

    def mark_dossier_sealed(self, case_id: str, version: int) -> None:
        self.db.execute("UPDATE dossiers SET sealed = 1 WHERE case_id = ? AND version = ?", (case_id, version))

    # ---- the place of each document page in its case's dossier --------------------------

    def set_dossier_pages(self, numbering: list[tuple[str, int, int, int | None]]) -> None:
        """[(document_id, seq, dossier_page, but_luc)] after assembly."""
        self.db.executemany(
            "UPDATE document_pages SET dossier_page = ?, but_luc = ? WHERE document_id = ? AND seq = ?",
            [(page, but_luc, doc_id, seq) for doc_id, seq, page, but_luc in numbering],
        )

    def dossier_page(self, document_id: str, seq: int) -> tuple[int | None, int | None]:
        """(page in the dossier PDF, bút lục) of a document's page."""
        return self.dossier_pages([(document_id, seq)])[(document_id, seq)]

    def dossier_pages(self, pages: list[tuple[str, int]]) -> dict[tuple[str, int], tuple[int | None, int | None]]:
        """{(document id, seq): (page in the dossier PDF, bút lục)} of these document pages (None, None: unknown)."""
        found = dict.fromkeys(pages, (None, None))
        for chunk in chunks(list(found)):
            rows = self.db.execute(
                "SELECT document_id, seq, dossier_page, but_luc FROM document_pages"
                f" WHERE (document_id, seq) IN {pair_marks(chunk)}",
                [v for ref in chunk for v in ref],
            )
            found.update(((doc_id, seq), (page, but_luc)) for doc_id, seq, page, but_luc in rows)
        return found

    def cases_without_current_dossier(self) -> list[str]:
        """Cases with documents whose pages have no place in a dossier yet (assembly did not finish)."""
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT d.case_id FROM documents d JOIN document_pages p ON p.document_id = d.id"
                " WHERE d.case_id IS NOT NULL AND p.dossier_page IS NULL ORDER BY d.case_id"
            )
        ]

    # ---- seals -------------------------------------------------------------------------

    def seal_pages(self, case_id: str, version: int, pages: list[tuple[str, int, int]], who: str | None) -> int:
        """Freeze [(batch_id, page within batch, bút lục)]; pages sealed before keep their number."""
        now = time.time()
        cur = self.db.executemany(
            "INSERT INTO sealed_pages(case_id, batch_id, number, but_luc, version, sealed_at, who)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [(case_id, batch_id, number, but_luc, version, now, who) for batch_id, number, but_luc in pages],
        )
        return cur.rowcount

    def sealed_pages(self, case_id: str) -> dict[tuple[str, int], int]:
        """{(batch_id, page within batch): bút lục} frozen for the case."""
        return {
            (r[0], r[1]): r[2]
            for r in self.db.execute("SELECT batch_id, number, but_luc FROM sealed_pages WHERE case_id = ?", (case_id,))
        }

    def seals(self, case_id: str) -> list[dict]:
        """[{"version", "at", "who", "but_luc": [first, last], "pages"}] for each seal of the case, oldest first."""
        rows = self.db.execute(
            "SELECT version, MIN(sealed_at), MAX(who), MIN(but_luc), MAX(but_luc), COUNT(*) FROM sealed_pages"
            " WHERE case_id = ? GROUP BY version ORDER BY version",
            (case_id,),
        )
        return [{"version": r[0], "at": r[1], "who": r[2], "but_luc": [r[3], r[4]], "pages": r[5]} for r in rows]
