"""Documents and their pages (which page of which batch, in document order)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from .database import Connection, Row, chunks, marks


@dataclass
class DocumentRow:
    id: str
    case_id: str | None
    type: str
    confidence: float
    arrival: float
    number: str | None = None
    date: str | None = None
    issuer: str | None = None
    title: str | None = None
    subtitle: str | None = None
    persons: list[dict] = field(default_factory=list)
    crime: str | None = None
    article: int | None = None
    review: list[str] = field(default_factory=list)
    position: int | None = None
    indexed: bool = False
    pages: list[tuple[str, int, int | None, int | None]] = field(default_factory=list)
    # (batch_id, number, dossier_page, but_luc) in document order
    symbol: str | None = None
    month: str | None = None
    received: dict | None = None
    classification_mark: str | None = None
    classification: str = "thuong"  # thuong | mat | toi_mat (pipeline.secrecy): who may read it
    esignatures: list[dict] = field(default_factory=list)
    revision: int = 0  # set by the catalog on each write (put_document); 0: never written


def _row_to_document(row: Row, pages: list[tuple]) -> DocumentRow:
    data = dict(row)
    data.pop("created_at")
    data["persons"] = json.loads(data["persons"] or "[]")
    data["review"] = json.loads(data["review"] or "[]")
    data["received"] = json.loads(data["received"]) if data["received"] else None
    data["esignatures"] = json.loads(data["esignatures"] or "[]")
    data["indexed"] = bool(data["indexed"])
    return DocumentRow(**data, pages=pages)


def _of_case(case_id: str | None) -> tuple[str, tuple]:
    """The condition on `case_id` of a case's documents, or of the unassigned ones (an index serves both)."""
    return ("case_id IS NULL", ()) if case_id is None else ("case_id = ?", (case_id,))


def _json_or_null(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


class Documents:
    db: Connection

    def put_document(self, doc: DocumentRow) -> None:
        """Insert or replace a document and its page list; `doc.revision` becomes its new revision."""
        self.db.execute("UPDATE document_revision SET last = last + 1")
        doc.revision = self.db.execute("SELECT last FROM document_revision").fetchone()[0]
        self.db.execute("DELETE FROM documents WHERE id = ?", (doc.id,))
        self.db.execute(
            "INSERT INTO documents(id, case_id, type, confidence, number, date, issuer, title, subtitle,"
            " symbol, month, received, classification_mark, classification, esignatures,"
            " persons, crime, article, review, position, arrival, indexed, revision, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc.id,
                doc.case_id,
                doc.type,
                doc.confidence,
                doc.number,
                doc.date,
                doc.issuer,
                doc.title,
                doc.subtitle,
                doc.symbol,
                doc.month,
                _json_or_null(doc.received),
                doc.classification_mark,
                doc.classification,
                json.dumps(doc.esignatures, ensure_ascii=False),
                json.dumps(doc.persons, ensure_ascii=False),
                doc.crime,
                doc.article,
                json.dumps(doc.review),
                doc.position,
                doc.arrival,
                int(doc.indexed),
                doc.revision,
                time.time(),
            ),
        )
        self.db.executemany(
            "INSERT INTO document_pages(document_id, seq, batch_id, number) VALUES (?, ?, ?, ?)",
            [(doc.id, seq, batch_id, number) for seq, (batch_id, number, *_rest) in enumerate(doc.pages, 1)],
        )

    def delete_document(self, document_id: str) -> None:
        self.db.execute("DELETE FROM documents WHERE id = ?", (document_id,))

    def document(self, document_id: str) -> DocumentRow | None:
        found = self._documents_where("id = ?", (document_id,))
        return found[0] if found else None

    def documents(self, case_id: str | None = None, *, all_cases: bool = False) -> list[DocumentRow]:
        if all_cases:
            return self._documents_where("1 = 1", (), order="case_id, arrival, id")
        return self._documents_where(*_of_case(case_id))

    def documents_by_id(self, document_ids: list[str]) -> list[DocumentRow]:
        """The documents of these ids that exist, in that order."""
        found = {
            d.id: d
            for ids in chunks(list(dict.fromkeys(document_ids)))
            for d in self._documents_where(f"id IN ({marks(ids)})", ids)
        }
        return [found[i] for i in document_ids if i in found]

    def last_document(self, case_id: str | None) -> DocumentRow | None:
        """The case's last document in arrival order (the one a continuing scan may extend)."""
        where, params = _of_case(case_id)
        found = self._documents_where(
            f"id = (SELECT id FROM documents WHERE {where} ORDER BY arrival DESC, id DESC LIMIT 1)", params
        )
        return found[0] if found else None

    def _documents_where(self, where: str, params: tuple | list, order: str = "arrival, id") -> list[DocumentRow]:
        """The documents matching `where`, with their pages: two queries, however many documents."""
        rows = self.db.execute(f"SELECT * FROM documents WHERE {where} ORDER BY {order}", params).fetchall()
        pages: dict[str, list[tuple]] = {}
        for doc_id, *page in self.db.execute(
            "SELECT document_id, batch_id, number, dossier_page, but_luc FROM document_pages"
            f" WHERE document_id IN (SELECT id FROM documents WHERE {where}) ORDER BY document_id, seq",
            params,
        ):
            pages.setdefault(doc_id, []).append(tuple(page))
        return [_row_to_document(r, pages.get(r["id"], [])) for r in rows]

    def documents_touching(self, batch_ids: list[str]) -> list[DocumentRow]:
        """Every document with a page in one of these batches (in the order of the batches, then pages)."""
        rank = {b: n for n, b in enumerate(batch_ids)}
        found: list[DocumentRow] = []
        for ids in chunks(batch_ids):
            found += self._documents_where(
                f"id IN (SELECT document_id FROM document_pages WHERE batch_id IN ({marks(ids)}))", ids
            )
        first = {d.id: min((rank[b], n) for b, n, *_ in d.pages if b in rank) for d in found}
        return sorted({d.id: d for d in found}.values(), key=lambda d: first[d.id])

    def case_has_documents(self, case_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM documents WHERE case_id = ? LIMIT 1", (case_id,)).fetchone() is not None

    def set_document_position(self, document_id: str, position: int | None) -> None:
        """A clerk's place for the document in its dossier (1-based); None: back to automatic order."""
        self.db.execute("UPDATE documents SET position = ? WHERE id = ?", (position, document_id))

    def set_indexed(self, document_ids: list[str], indexed: bool) -> None:
        self.db.executemany("UPDATE documents SET indexed = ? WHERE id = ?", [(int(indexed), d) for d in document_ids])

    def mark_all_unindexed(self) -> None:
        self.db.execute("UPDATE documents SET indexed = 0")

    def mark_indexed(self, revisions: dict[str, int]) -> int:
        """Mark indexed the documents still at these revisions ({document id: revision}); a document
        written again since keeps waiting for the index. Returns how many were marked."""
        cur = self.db.executemany(
            "UPDATE documents SET indexed = 1 WHERE id = ? AND revision = ?", list(revisions.items())
        )
        return cur.rowcount

    def document_counts(self) -> dict[str, int]:
        """Documents, their pages, and documents not indexed."""
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "documents": one("SELECT COUNT(*) FROM documents"),
            "pages": one("SELECT COUNT(*) FROM document_pages"),
            "not_indexed": one("SELECT COUNT(*) FROM documents WHERE indexed = 0"),
        }
