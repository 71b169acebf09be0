"""Batches and their pages: each distinct batch content that was OCRed, and what was read of each page."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict

from ..models import ESignature, PageText, PenReading, Stamp, Word
from .database import Connection, Row, chunks, marks, pair_marks


def _row_to_page(row: Row, with_words: bool) -> PageText:
    words = [Word(*w) for w in json.loads(row["words"] or "[]")] if with_words else []
    stamps = [
        Stamp(**{**s, "box": tuple(s["box"]) if s.get("box") else None}) for s in json.loads(row["stamps"] or "[]")
    ]
    return PageText(
        number=row["number"],
        text=row["text"],
        width=row["width"],
        height=row["height"],
        words=words,
        confidence=row["confidence"],
        rotation=row["rotation"],
        blank=bool(row["blank"]),
        barcodes=json.loads(row["barcodes"] or "[]"),
        # Pages read before issue 9 have no layer recorded: OCRed if they have a confidence.
        layer=row["layer"] or ("ocr" if row["confidence"] is not None else "none" if row["blank"] else "kept"),
        esignatures=[ESignature(**e) for e in json.loads(row["esignatures"] or "[]")],
        stamps=stamps,
        pen=[PenReading(r["field"], r["value"], tuple(r["box"])) for r in json.loads(row["pen"] or "[]")],
    )


class Batches:
    db: Connection

    def batch_exists(self, batch_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM batches WHERE id = ?", (batch_id,)).fetchone() is not None

    def add_batch(
        self,
        *,
        batch_id: str,
        kind: str,
        originals: list[dict],
        ocr_pdf: str,
        ocr_sha256: str,
        pages: Sequence[PageText],
        signed: bool,
    ) -> None:
        self.db.execute(
            "INSERT INTO batches(id, kind, originals, ocr_pdf, ocr_sha256, page_count, signed, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                batch_id,
                kind,
                json.dumps(originals, ensure_ascii=False),
                ocr_pdf,
                ocr_sha256,
                len(pages),
                int(signed),
                time.time(),
            ),
        )
        self._insert_pages(batch_id, pages)

    def _insert_pages(self, batch_id: str, pages: Iterable[PageText]) -> None:
        # A generator: one page's words are serialized at a time, whatever the batch's length.
        self.db.executemany(
            "INSERT INTO pages(batch_id, number, text, width, height, words, confidence, rotation, blank, barcodes,"
            " layer, esignatures, stamps, pen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    batch_id,
                    p.number,
                    p.text,
                    p.width,
                    p.height,
                    json.dumps([[w.text, w.x0, w.top, w.x1, w.bottom, w.conf] for w in p.words], ensure_ascii=False),
                    p.confidence,
                    p.rotation,
                    int(p.blank),
                    json.dumps(p.barcodes),
                    p.layer,
                    json.dumps([asdict(e) for e in p.esignatures], ensure_ascii=False),
                    json.dumps([asdict(s) for s in p.stamps], ensure_ascii=False),
                    json.dumps([asdict(r) for r in p.pen]),
                )
                for p in pages
            ),
        )

    def replace_batch_pages(self, batch_id: str, ocr_sha256: str, pages: list[PageText]) -> None:
        """A batch read again (`hoso reprocess --ocr`): new page texts; turns a clerk made are kept."""
        turns = dict(self.db.execute("SELECT number, turn FROM pages WHERE batch_id = ?", (batch_id,)).fetchall())
        self.db.execute("DELETE FROM pages WHERE batch_id = ?", (batch_id,))
        self._insert_pages(batch_id, pages)
        self.db.executemany(
            "UPDATE pages SET turn = ? WHERE batch_id = ? AND number = ?",
            [(turn, batch_id, number) for number, turn in turns.items() if turn],
        )
        self.db.execute("UPDATE batches SET ocr_sha256 = ? WHERE id = ?", (ocr_sha256, batch_id))

    def batch(self, batch_id: str) -> dict:
        row = dict(self.db.execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone())
        row["originals"] = json.loads(row["originals"])
        return row

    def batches(self, batch_ids: list[str] | None = None) -> list[dict]:
        """Every batch, oldest first; or these, in this order."""
        if batch_ids is None:
            rows = self.db.execute("SELECT * FROM batches ORDER BY created_at").fetchall()
        else:
            found = {
                r["id"]: r
                for ids in chunks(batch_ids)
                for r in self.db.execute(f"SELECT * FROM batches WHERE id IN ({marks(ids)})", ids)
            }
            rows = [found[b] for b in batch_ids if b in found]
        return [dict(r, originals=json.loads(r["originals"])) for r in rows]

    def batch_pages(self, batch_id: str, with_words: bool = True) -> list[PageText]:
        rows = self.db.execute("SELECT * FROM pages WHERE batch_id = ? ORDER BY number", (batch_id,))
        return [_row_to_page(r, with_words) for r in rows]

    def batch_page(self, batch_id: str, number: int) -> PageText | None:
        """One page of a batch, with its words (a page viewer needs no more)."""
        row = self.db.execute("SELECT * FROM pages WHERE batch_id = ? AND number = ?", (batch_id, number)).fetchone()
        return _row_to_page(row, True) if row else None

    def pages_of_batches(self, batch_ids: list[str], with_words: bool = True) -> dict[str, list[PageText]]:
        """{batch id: its pages in order} of these batches."""
        pages: dict[str, list[PageText]] = {b: [] for b in batch_ids}
        for ids in chunks(list(pages)):
            for row in self.db.execute(
                f"SELECT * FROM pages WHERE batch_id IN ({marks(ids)}) ORDER BY batch_id, number", ids
            ):
                pages[row["batch_id"]].append(_row_to_page(row, with_words))
        return pages

    def page_texts(self, refs: list[tuple[str, int]]) -> list[str]:
        """The texts of these pages (batch id, page within the batch), in that order."""
        texts: dict[tuple[str, int], str] = {}
        for chunk in chunks(list(dict.fromkeys(refs))):
            rows = self.db.execute(
                f"SELECT batch_id, number, text FROM pages WHERE (batch_id, number) IN {pair_marks(chunk)}",
                [v for ref in chunk for v in ref],
            )
            texts.update(((b, n), text) for b, n, text in rows)
        return [texts[tuple(ref)] for ref in refs]

    def set_page_turn(self, batch_id: str, number: int, turn: int) -> None:
        """A clerk's clockwise turn of a page (0/90/180/270), added to its /Rotate in the dossier."""
        self.db.execute("UPDATE pages SET turn = ? WHERE batch_id = ? AND number = ?", (turn % 360, batch_id, number))

    def page_turns(self, batch_ids: list[str]) -> dict[tuple[str, int], int]:
        """{(batch id, page): turn} of the turned pages of these batches."""
        turns = {}
        for ids in chunks(batch_ids):
            for batch_id, number, turn in self.db.execute(
                f"SELECT batch_id, number, turn FROM pages WHERE batch_id IN ({marks(ids)}) AND turn != 0", ids
            ):
                turns[(batch_id, number)] = turn
        return turns
