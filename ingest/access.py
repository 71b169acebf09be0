"""The one door to a home's data for the CLI and the web app: search, cases, documents, pages,
status, review, and the corrections of `ingest.repair`, always on behalf of a `User`.

Both front ends build their answers here, so `hoso ... --json` and `/api/v1/...` give the same
shapes. Access control (accounts, case assignment, Mật/Tối mật) is to be checked here, in one
place: every method knows who asks.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from index.base import SearchBackend, SearchQuery
from pipeline.config import Settings
from pipeline.dossier.build import source_parts
from pipeline.errors import IndexUnavailable, NotFound
from pipeline.store.catalog import Catalog, DocumentRow, FileRow

from .runs import running_watcher

if TYPE_CHECKING:  # ingest.repair loads the whole pipeline (OCRmyPDF, pikepdf): only corrections need it
    from .consume import FileOutcome
    from .repair import Repair


@dataclass(frozen=True)
class User:
    """Who asks. `name` is what corrections record as their author."""

    name: str

    @classmethod
    def from_environment(cls) -> User:
        """The CLI's user: $HOSO_USER, else the account running the command."""
        return cls(os.environ.get("HOSO_USER") or getpass.getuser())

    @classmethod
    def web_client(cls, address: str) -> User:
        """A web visitor before accounts exist: known by the address the request came from."""
        return cls(f"web@{address}")


def dossier_documents(catalog: Catalog, case_id: str) -> list[DocumentRow]:
    """The case's documents in dossier order (documents not yet assembled last)."""
    documents = catalog.documents(case_id)
    return sorted(documents, key=lambda d: (d.pages[0][2] is None, d.pages[0][2] or 0, d.arrival))


def describe(doc: DocumentRow, batches: dict[str, dict], texts: dict[tuple[str, int], str] | None) -> dict:
    """A document as `dossier show` lists it, from its batches and (when asked for) its pages' texts."""
    pages = [p[2] for p in doc.pages if p[2] is not None]
    numbers = [p[3] for p in doc.pages if p[3] is not None]
    data = {
        "id": doc.id,
        "type": doc.type,
        "number": doc.number,
        "symbol": doc.symbol,
        "date": doc.date,
        "month": doc.month,
        "title": doc.title,
        "confidence": doc.confidence,
        "issuer": doc.issuer,
        "subtitle": doc.subtitle,
        "received": doc.received,
        "classification_mark": doc.classification_mark,
        "esignatures": doc.esignatures,
        "review": doc.review,
        "persons": [{"name": p.get("name"), "role": p.get("role")} for p in doc.persons],
        "crime": doc.crime,
        "article": doc.article,
        "dossier_pages": [pages[0], pages[-1]] if pages else None,
        "but_luc": [numbers[0], numbers[-1]] if numbers else None,
        "position": doc.position,
        "sources": [{"file": s.file, "sha256": s.sha256, "pages": list(s.pages)} for s in source_parts(doc, batches)],
    }
    if texts is not None:
        data["pages_text"] = [texts[(b, n)] for b, n, *_ in doc.pages]
        data["pages_but_luc"] = [p[3] for p in doc.pages]
    return data


class Access:
    """A home's data as `user` may see and change it."""

    def __init__(self, settings: Settings, catalog: Catalog, backend: SearchBackend | None, user: User):
        self.settings = settings
        self.catalog = catalog
        self.backend = backend
        self.user = user

    # ---- search ----------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> dict:
        """`hoso search --json`: {"hits": [...], "total", "facets"?}; each hit placed in its dossier."""
        if self.backend is None:
            raise IndexUnavailable("no search index is open")
        try:
            result = self.backend.search(query)
        except Exception as exc:
            raise IndexUnavailable(f"the {self.backend.name} index cannot be searched: {exc}") from exc
        places = self.catalog.dossier_pages([(hit.document_id, hit.seq) for hit in result.hits])
        hits = []
        for hit in result.hits:
            page, but_luc = places[(hit.document_id, hit.seq)]
            hits.append(
                {
                    "case_id": hit.case_id,
                    "document_id": hit.document_id,
                    "doc_type": hit.doc_type,
                    "page": page,
                    "but_luc": but_luc,
                    "score": hit.score,
                    "snippet": hit.snippet,
                }
            )
        data: dict = {"hits": hits, "total": result.total}
        if query.facets:
            data["facets"] = result.facets or {}
        return data

    # ---- cases and documents ---------------------------------------------------------------

    def need_case(self, case_id: str) -> None:
        if not self.catalog.case_exists(case_id):
            raise NotFound(f"no case {case_id} in this home")

    def case(self, case_id: str, *, text: bool = False) -> dict:
        """`hoso dossier show --json`: the case's documents in dossier order, its dossier and seals."""
        self.need_case(case_id)
        rows = dossier_documents(self.catalog, case_id)
        refs = [(b, n) for d in rows for b, n, *_ in d.pages]
        batches = {b["id"]: b for b in self.catalog.batches(list(dict.fromkeys(b for b, _ in refs)))}
        texts = dict(zip(refs, self.catalog.page_texts(refs), strict=True)) if text else None
        dossier = self.catalog.latest_dossier(case_id)
        seals = self.catalog.seals(case_id)
        current = self.current_dossier(case_id)
        return {
            "case_id": case_id,
            "dossier": (str(current) if current else dossier["pdf"]) if dossier else None,
            "version": dossier["version"] if dossier else None,
            "pages": dossier["pages"] if dossier else None,
            "sealed": bool(seals),
            "sealed_through": max(s["but_luc"][1] for s in seals) if seals else None,
            "documents": [describe(d, batches, texts) for d in rows],
        }

    def cases(self) -> dict:
        """`hoso case list --json`: every case with its documents, pages, dossier and review counts."""
        return self.repair().cases()

    def current_dossier(self, case_id: str) -> Path | None:
        """The case's current dossier PDF, if built."""
        path = self.settings.dossiers_dir / case_id / f"{case_id}.pdf"
        return path if path.is_file() else None

    def document_row(self, document_id: str) -> DocumentRow:
        doc = self.catalog.document(document_id)
        if doc is None:
            raise NotFound(f"no document {document_id}")
        return doc

    def document(self, document_id: str, *, text: bool = False) -> dict:
        """One document as `dossier show` lists it, with its case."""
        doc = self.document_row(document_id)
        refs = [(b, n) for b, n, *_ in doc.pages]
        batches = {b["id"]: b for b in self.catalog.batches(list(dict.fromkeys(b for b, _ in refs)))}
        texts = dict(zip(refs, self.catalog.page_texts(refs), strict=True)) if text else None
        return {"case_id": doc.case_id, **describe(doc, batches, texts)}

    # ---- what an admin watches -------------------------------------------------------------

    def status(self) -> dict:
        """`hoso status --json`: files by state, counts, index backlog, quarantine, watcher, queue."""
        catalog = self.catalog
        counts = catalog.counts()
        return {
            "files": catalog.file_counts(),
            "unassigned": [{"path": f.path, "folder": f.folder} for f in catalog.files("done") if f.case_id is None],
            "cases": counts["cases"],
            "documents": counts["documents"],
            "pages": counts["pages"],
            "not_indexed": counts["not_indexed"],
            "index": catalog.get_meta("index_backend") or "none yet",
            "quarantine": [{"path": f.path, "reason": f.reason} for f in catalog.files("quarantined")],
            # queued again with a reason: the disk was full, the run was interrupted (`hoso retry --all`)
            "held": [{"path": f.path, "reason": f.reason} for f in catalog.files("queued") if f.reason],
            "dossiers_not_built": catalog.cases_without_current_dossier(),
            "watcher": running_watcher(self.settings.home),  # {pid, since} of a live `hoso watch`, else null
            # queue_depth, oldest_waiting {path, since, seconds}, files_per_hour, pages_per_hour
            **catalog.queue_stats(),
        }

    # ---- review and corrections ------------------------------------------------------------

    def repair(self) -> Repair:
        """Corrections made by this user (recorded in `corrections`, replayed by `hoso reprocess`)."""
        from .repair import Repair

        return Repair(self.settings, self.catalog, self.backend, who=self.user.name)

    def review(self, case_id: str | None = None) -> list[dict]:
        """`hoso review --json`'s documents: low confidence, `khac`, no case, fields left empty."""
        return self.repair().review(case_id)

    # ---- clerks: the quarantine, retries, the review's header pictures (web/clerk.py, `hoso retry`) ----

    def retryable(self) -> list[FileRow]:
        """Quarantined files, and files the machine held back (`hoso retry --all` takes them all)."""
        from .retry import retryable

        return retryable(self.catalog)

    def requeue(self, file_ids: list[int]) -> tuple[list[int], list[FileOutcome]]:
        """Queue these retryable files again from their quarantine copy, without processing them.
        Returns (the ids queued, the outcomes of those that cannot be); NotFound for an id not retryable."""
        from .retry import Retry

        rows = self._retryable_rows(file_ids)
        requeued, refused = Retry(self.settings, self.catalog, self.backend).requeue(rows)
        return [r.id for r in requeued], refused

    def process_requeued(self, file_ids: list[int]) -> list[FileOutcome]:
        """Process files `requeue` queued (OCR, filing, dossiers, index): slow, the web runs it in the background."""
        from .retry import Retry

        return Retry(self.settings, self.catalog, self.backend).process(file_ids)

    def retry(self, file_ids: list[int]) -> list[FileOutcome]:
        """`hoso retry`: requeue these files and process them now."""
        from .retry import Retry

        retry = Retry(self.settings, self.catalog, self.backend)
        requeued, refused = retry.requeue(self._retryable_rows(file_ids))
        return refused + retry.process([r.id for r in requeued])

    def _retryable_rows(self, file_ids: list[int]) -> list[FileRow]:
        rows = {r.id: r for r in self.retryable()}
        missing = [str(i) for i in file_ids if i not in rows]
        if missing:
            raise NotFound(f"not a quarantined file: {', '.join(missing)}")
        return [rows[i] for i in dict.fromkeys(file_ids)]

    def header_crop(self, document_id: str) -> Path:
        """The picture of the document's first-page header, for a person to read the fields left empty
        there (as `hoso review` lists it); NotFound when the review asks for none."""
        doc = self.document_row(document_id)
        batches = self.catalog.batches([doc.pages[0][0]]) if doc.pages else []
        # The review's own crop (made and cached the same way for `hoso review`).
        crops = self.repair()._header_crops(doc, {b["id"]: Path(b["ocr_pdf"]) for b in batches})
        if not crops:
            raise NotFound(f"no header picture to read for {document_id}")
        return Path(next(iter(crops.values())))
