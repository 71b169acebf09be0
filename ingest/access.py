"""The one door to a home's data for the CLI and the web app: search, cases, documents, pages,
status, review, and the corrections of `ingest.repair`, always on behalf of a `User`.

Both front ends build their answers here, so `hoso ... --json` and `/api/v1/...` give the same
shapes. Access control (roles, case assignment, Mật/Tối mật: `ingest.rights`) is checked here, in
one place: every method knows who asks. What a user may not see answers `NotFound` exactly as a
missing id does; a document above their clearance in a case they see is listed only as
"Tài liệu mật" with its bút lục (`masked`).
"""

from __future__ import annotations

import datetime
import getpass
import hashlib
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from index.base import Scope, SearchBackend, SearchQuery
from index.highlight import matched_words
from pipeline.config import Settings
from pipeline.dossier import render
from pipeline.dossier.assemble import type_name, version_folder
from pipeline.dossier.build import case_info, dossier_document, home_path, source_parts
from pipeline.dossier.build import history as dossier_history
from pipeline.dossier.render import DossierFile, clamp_width
from pipeline.errors import Forbidden, IndexUnavailable, NotFound, UsageError, resource_error
from pipeline.hashing import sha256_file
from pipeline.petitions import PETITION_TYPES
from pipeline.petitions.workflow import Transition
from pipeline.petitions.workflow import path as workflow_path
from pipeline.secrecy import TOI_MAT, may_read
from pipeline.store.audit import AuditFilter
from pipeline.store.catalog import Catalog, DocumentRow, FileRow
from pipeline.store.petitions import PetitionRow, PetitionWhere
from pipeline.taxonomy import load_taxonomy
from pipeline.text import normalize

from . import audit
from .petitions import (
    PetitionFilter,
    Register,
    as_event,
    linked_case,
    monthly_report,
    petition_json,
    refresh_due_dates,
    register_of,
)
from .petitions import matches as petition_matches
from .rights import ACTIONS, ROLE_NAMES, Rights
from .runs import running_watchers

if TYPE_CHECKING:  # ingest.repair loads the whole pipeline (OCRmyPDF, pikepdf): only corrections need it
    from .accounts import Accounts
    from .consume import FileOutcome
    from .scoped_repair import ScopedRepair

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class User:
    """Who asks, and from where. The server's command line (`role` "cli") has every right; a web or
    API user has an account's role and clearance (issue 13)."""

    name: str  # the account's name; for the CLI the login (or $HOSO_USER)
    role: str = "cli"  # admin | leader | prosecutor | clerk, or "cli"
    clearance: str = "toi_mat"  # the highest classification level this user may read (pipeline.secrecy)
    address: str = "cli"  # the client's IP address, or "cli"
    id: int | None = None  # the account's row in `users`; None for the CLI

    @classmethod
    def from_environment(cls) -> User:
        """The CLI's user: $HOSO_USER, else the account running the command."""
        return cls(os.environ.get("HOSO_USER") or getpass.getuser())

    @property
    def audit_name(self) -> str:
        """The name the audit trail records: `cli:<login>` for the command line."""
        return f"cli:{self.name}" if self.role == "cli" else self.name


def dossier_documents(catalog: Catalog, case_id: str) -> list[DocumentRow]:
    """The case's documents in dossier order (documents not yet assembled last)."""
    documents = catalog.documents(case_id)
    return sorted(documents, key=lambda d: (d.pages[0][2] is None, d.pages[0][2] or 0, d.arrival))


def but_luc_range(doc: DocumentRow) -> list[int] | None:
    numbers = [p[3] for p in doc.pages if p[3] is not None]
    return [numbers[0], numbers[-1]] if numbers else None


def headline(doc: DocumentRow) -> dict:
    """What names a document in a list: id, type, số/ký hiệu, date (and the parts read), title."""
    fields = ("id", "type", "number", "symbol", "date", "month", "title")
    return {name: getattr(doc, name) for name in fields}


def describe(doc: DocumentRow, batches: dict[str, dict], texts: dict[tuple[str, int], str] | None) -> dict:
    """A document as `dossier show` lists it, from its batches and (when asked for) its pages' texts."""
    pages = [p[2] for p in doc.pages if p[2] is not None]
    data = {
        **headline(doc),
        "confidence": doc.confidence,
        "issuer": doc.issuer,
        "subtitle": doc.subtitle,
        "received": doc.received,
        "classification_mark": doc.classification_mark,
        "classification": doc.classification,
        "esignatures": doc.esignatures,
        "review": doc.review,
        "persons": [{"name": p.get("name"), "role": p.get("role")} for p in doc.persons],
        "crime": doc.crime,
        "article": doc.article,
        "dossier_pages": [pages[0], pages[-1]] if pages else None,
        "but_luc": but_luc_range(doc),
        "position": doc.position,
        "sources": [{"file": s.file, "sha256": s.sha256, "pages": list(s.pages)} for s in source_parts(doc, batches)],
    }
    if texts is not None:
        data["pages_text"] = [texts[(b, n)] for b, n, *_ in doc.pages]
        data["pages_but_luc"] = [p[3] for p in doc.pages]
    return data


SECRET_DOCUMENT = "Tài liệu mật"
SECRET_DOSSIER = "Hồ sơ có tài liệu mật vượt quá mức được xem: không tải được bản PDF toàn bộ"


def masked(doc: DocumentRow) -> dict:
    """A document above the reader's clearance, in a dossier they see: describe()'s shape, telling
    only that a document of this level occupies these bút lục (no id, type, number, date, persons)."""
    hidden = ("id", "type", "number", "symbol", "date", "month", "confidence", "issuer", "subtitle", "received")
    hidden += ("classification_mark", "esignatures", "crime", "article", "dossier_pages", "position")
    return {
        **dict.fromkeys(hidden),
        "title": SECRET_DOCUMENT,
        "masked": True,
        "classification": doc.classification,
        "but_luc": but_luc_range(doc),
        "review": [],
        "persons": [],
        "sources": [],
    }


class Access:
    """A home's data as `user` may see and change it."""

    def __init__(self, settings: Settings, catalog: Catalog, backend: SearchBackend | None, user: User):
        self.settings = settings
        self.catalog = catalog
        self.backend = backend
        self.user = user
        self.rights = Rights.of(user.role, user.clearance, user.id, catalog)

    @property
    def scope(self) -> Scope:
        """What this user's searches may find (the backends apply it inside their queries)."""
        return self.rights.scope

    def need(self, action: str) -> None:
        """Refuse an action this user's role does not have (reads of what they may not see are NotFound)."""
        if action not in self.rights.actions:
            role = ROLE_NAMES.get(self.user.role, self.user.role)
            raise Forbidden(f"Tài khoản {self.user.name} ({role}) không có quyền {ACTIONS[action]}")

    # ---- the audit trail ---------------------------------------------------------------------

    def record(self, action: str, **detail) -> None:
        """Append what this user did to the audit trail: who, when, from where, `action`, `detail`
        (a key naming a password or token is dropped). Call it once the change is committed.

        A web request that cannot be recorded fails (nothing is served unaudited); the server's own
        command line reading a home it cannot write (`hoso search` on a read-only mount) warns instead.
        """
        try:
            audit.append(
                self.settings,
                self.catalog,
                who=self.user.audit_name,
                address=self.user.address,
                action=action,
                detail=detail,
            )
        except Exception as exc:  # the machine's fault (disk, catalog server) is only warned of, below
            if self.user.role != "cli" or resource_error(exc, self.settings.home) is None:
                raise
            log.warning("not recorded in the audit trail (%s): %s", action, resource_error(exc, self.settings.home))

    def audit_trail(self, where: AuditFilter, *, limit: int, offset: int = 0) -> dict:
        """The audit trail's rows `where` keeps, newest first: for admins only (and the server's CLI)."""
        self.may_read_audit()
        return audit.listing(self.catalog, where, limit=limit, offset=offset)

    def audit_verdict(self) -> audit.Verdict:
        """`hoso audit verify`: is the chain intact and its head signed?"""
        self.may_read_audit()
        return audit.verify(self.settings, self.catalog)

    def may_read_audit(self) -> None:
        if self.user.role not in ("admin", "cli"):
            raise NotFound("no such page")

    def accounts(self) -> Accounts:
        """The accounts as this user changes them (`hoso user ...`), each change recorded."""
        from .accounts import Accounts

        return Accounts(self)

    # ---- search ----------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> dict:
        """`hoso search --json`: {"hits": [...], "total", "facets"?}; each hit placed in its dossier
        (`page`, `but_luc`) and in its document (`seq`: the page id `{document_id}:{seq}` of the viewer,
        `/api/v1/pages/...` and `hoso page ...`)."""
        if self.backend is None:
            raise IndexUnavailable("no search index is open")
        query.scope = self.scope  # whatever the caller set: the rights are this user's
        try:
            result = self.backend.search(query)
        except Exception as exc:
            raise IndexUnavailable(f"the {self.backend.name} index cannot be searched: {exc}") from exc
        self._check_trimmed([hit.document_id for hit in result.hits])
        places = self.catalog.dossier_pages([(hit.document_id, hit.seq) for hit in result.hits])
        petitions = self.catalog.petitions_of_documents([hit.document_id for hit in result.hits])
        hits = []
        for hit in result.hits:
            page, but_luc = places[(hit.document_id, hit.seq)]
            hits.append(
                {
                    "case_id": hit.case_id,
                    "petition_id": petitions.get(hit.document_id),  # a petition's scan is in no case
                    "document_id": hit.document_id,
                    "seq": hit.seq,
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
        filters = ("case_id", "doc_type", "number", "person", "article", "date_from", "date_to")
        chosen = {name: getattr(query, name) for name in filters if getattr(query, name) not in (None, "")}
        self.record("search", q=query.text, filters=chosen, hits=result.total)
        return data

    def _check_trimmed(self, document_ids: list[str]) -> None:
        """A hit outside the user's rights means the backend did not apply the scope: refuse the whole
        answer (its total and facets cannot be trusted either) rather than hide that hit."""
        if self.rights.everything or not document_ids:
            return
        for doc in self.catalog.documents_by_id(list(dict.fromkeys(document_ids))):
            if not self.rights.sees(doc):
                raise IndexUnavailable(
                    f"the {self.backend.name} index answered outside this user's rights: "
                    "its scope filter is missing (update hoso, then `hoso reindex`)"
                )

    # ---- cases and documents ---------------------------------------------------------------

    def need_case(self, case_id: str) -> None:
        if not self.rights.sees_case(case_id) or not self.catalog.case_exists(case_id):
            raise NotFound(f"no case {case_id} in this home")

    def case(self, case_id: str, *, text: bool = False) -> dict:
        """`hoso dossier show --json`: the case's documents in dossier order (those above the user's
        clearance `masked`), its dossier and seals."""
        self.need_case(case_id)
        rows = dossier_documents(self.catalog, case_id)
        refs = [(b, n) for d in rows if self.rights.reads(d) for b, n, *_ in d.pages]
        batches = {b["id"]: b for b in self.catalog.batches(list(dict.fromkeys(b for b, _ in refs)))}
        texts = dict(zip(refs, self.catalog.page_texts(refs), strict=True)) if text else None
        dossier = self.catalog.latest_dossier(case_id)
        seals = self.catalog.seals(case_id)
        current = self.current_dossier(case_id)
        self.record("case.view", case=case_id)
        return {
            "case_id": case_id,
            "dossier": (str(current) if current else dossier["pdf"]) if dossier else None,
            "version": dossier["version"] if dossier else None,
            "pages": dossier["pages"] if dossier else None,
            "sealed": bool(seals),
            "sealed_through": max(s["but_luc"][1] for s in seals) if seals else None,
            "documents": [describe(d, batches, texts) if self.rights.reads(d) else masked(d) for d in rows],
            "petitions": self.case_petitions(case_id),  # linked to the case, never inside its dossier
        }

    def cases(self) -> dict:
        """`hoso case list --json`: every case the user sees, with its documents, pages, dossier and
        review counts; and how many documents with no case they may read."""
        data = self._repair().cases()
        if self.rights.everything:
            return data
        unassigned = sum(map(self.rights.reads, self.catalog.documents(None))) if self.rights.unassigned else 0
        return {"cases": [c for c in data["cases"] if self.rights.sees_case(c["id"])], "unassigned": unassigned}

    def current_dossier(self, case_id: str) -> Path | None:
        """The case's current dossier PDF, if built."""
        path = self.settings.dossiers_dir / case_id / f"{case_id}.pdf"
        return path if path.is_file() else None

    def document_row(self, document_id: str) -> DocumentRow:
        doc = self.catalog.document(document_id)
        if doc is None or not self.rights.sees(doc):
            raise NotFound(f"no document {document_id}")
        return doc

    def document(self, document_id: str, *, text: bool = False) -> dict:
        """One document as `dossier show` lists it, with its case."""
        doc = self.document_row(document_id)
        self.record("document.view", document=document_id, case=doc.case_id)
        refs = [(b, n) for b, n, *_ in doc.pages]
        batches = {b["id"]: b for b in self.catalog.batches(list(dict.fromkeys(b for b, _ in refs)))}
        texts = dict(zip(refs, self.catalog.page_texts(refs), strict=True)) if text else None
        return {"case_id": doc.case_id, **describe(doc, batches, texts)}

    # ---- search and dossiers (the web app's search page and dossier view) -------------------

    def case_ids(self) -> list[str]:
        """Every case id the user sees, for a filter's choices."""
        return [case_id for case_id in self.catalog.case_ids() if self.rights.sees_case(case_id)]

    def documents_brief(self, document_ids: list[str]) -> dict[str, dict]:
        """{id: case, type, số/ký hiệu, date, title, bút lục range} of these documents, in one catalog
        lookup (a page of search results names many documents)."""
        brief = {}
        for doc in filter(self.rights.sees, self.catalog.documents_by_id(document_ids)):
            brief[doc.id] = {**headline(doc), "case_id": doc.case_id, "but_luc": but_luc_range(doc)}
        return brief

    def case_cover(self, case_id: str) -> dict:
        """What the dossier's cover says of the case (crime, article, accused, victims: recorded for
        the case, else read from its documents) and the dates of its first and last documents."""
        self.need_case(case_id)
        rows = [d for d in self.catalog.documents(case_id) if self.rights.reads(d)]
        batches = {b["id"]: b for b in self.catalog.batches(list(dict.fromkeys(b for d in rows for b, *_ in d.pages)))}
        info = case_info(self.catalog, case_id, [dossier_document(d, batches) for d in rows], self.settings.unit)
        dates = sorted(d.date for d in rows if d.date)
        articles = Counter(d.article for d in rows if d.article)
        return {
            "case_id": case_id,
            "crime": info.crime,
            "article": info.article or (articles.most_common(1)[0][0] if articles else None),
            "accused": info.accused,
            "victims": info.victims,
            "first_date": dates[0] if dates else None,
            "last_date": dates[-1] if dates else None,
        }

    def dossier_history(self, case_id: str) -> dict:
        """`hoso dossier history --json`: every version of the case's dossier and what changed in it
        (a document above the user's clearance named only "Tài liệu mật")."""
        self.need_case(case_id)
        versions = dossier_history(self.catalog, case_id, self.settings)
        if not self.rights.everything:
            for version in versions:
                version["changes"] = self._masked_changes(version.get("changes") or {})
        return {"case_id": case_id, "versions": versions}

    def _masked_changes(self, changes: dict) -> dict:
        """A version's changes, each document the user may not read as "Tài liệu mật" and its bút lục;
        one no longer in the catalog is of a level unknown now, shown only to the highest clearance."""
        named = [entry["id"] for entries in changes.values() if isinstance(entries, list) for entry in entries]
        level = {d.id: d.classification for d in self.catalog.documents_by_id(list(dict.fromkeys(named)))}

        def shown(entry: dict) -> dict:
            if may_read(self.rights.clearance, level.get(entry["id"], TOI_MAT)):
                return entry
            return {**entry, "id": None, "name": SECRET_DOCUMENT, "number": None}

        return {key: [shown(e) for e in v] if isinstance(v, list) else v for key, v in changes.items()}

    def whole_dossier_readable(self, case_id: str) -> bool:
        """May the user have the case's whole dossier PDF: no document in it above their clearance?"""
        return all(self.rights.reads(d) for d in self.catalog.documents(case_id))

    def dossier_pdf(self, case_id: str) -> Path:
        """The case's current dossier PDF; the id is looked up in the catalog before any path is built.
        Refused (Forbidden, saying why) when it holds a document above the user's clearance."""
        self.need_case(case_id)
        path = self.current_dossier(case_id)
        if path is None:
            raise NotFound(f"case {case_id} has no dossier yet")
        if not self.whole_dossier_readable(case_id):
            raise Forbidden(SECRET_DOSSIER)
        return path  # what leaves the home is a marked copy, recorded with its sha256 (served_dossier)

    # ---- what an admin watches -------------------------------------------------------------

    def status(self) -> dict:
        """`hoso status --json`: files by state, counts, index backlog, quarantine, watcher, queue."""
        self.need("status")
        catalog = self.catalog
        counts = catalog.counts()
        return {
            "files": catalog.file_counts(),
            "unassigned": [
                {"path": f.path, "folder": f.folder}
                for f in catalog.files("done")
                if f.case_id is None and f.purpose != "petition"  # petitions are never filed under a case
            ],
            "cases": counts["cases"],
            "documents": counts["documents"],
            "pages": counts["pages"],
            "not_indexed": counts["not_indexed"],
            "index": catalog.get_meta("index_backend") or "none yet",
            "quarantine": [{"path": f.path, "reason": f.reason} for f in catalog.files("quarantined")],
            # queued again with a reason: the disk was full, the run was interrupted (`hoso retry --all`)
            "held": [{"path": f.path, "reason": f.reason} for f in catalog.files("queued") if f.reason],
            "dossiers_not_built": catalog.cases_without_current_dossier(),
            "watchers": running_watchers(self.settings.home),  # [{pid, since, machine}] of each live `hoso watch`
            # queue_depth, oldest_waiting {path, since, seconds}, files_per_hour, pages_per_hour
            **catalog.queue_stats(),
            "workers": _broker_workers(self.settings),
        }

    # ---- review and corrections ------------------------------------------------------------

    def repair(self) -> ScopedRepair:
        """Corrections made by this user (recorded in `corrections`, replayed by `hoso reprocess`, and
        in the audit trail), on the documents they see."""
        self.need("correct")
        return self._repair()

    def _repair(self) -> ScopedRepair:
        from .scoped_repair import ScopedRepair

        # The role also decides whether a document's classification may be lowered (a leader's call).
        return ScopedRepair(
            self.settings,
            self.catalog,
            self.backend,
            who=self.user.name,
            role=self.user.role,
            rights=self.rights,
            record=self.record,
        )

    def review(self, case_id: str | None = None) -> list[dict]:
        """`hoso review --json`'s documents the user sees: low confidence, `khac`, no case, fields left empty."""
        self.need("review")
        return self._repair().review(case_id)

    def merge_choices(self, case_id: str) -> list[dict]:
        """The documents of the case a document of it may be merged with (those the user reads), in
        dossier order: headline and bút lục range."""
        return [
            {**headline(d), "but_luc": but_luc_range(d)}
            for d in dossier_documents(self.catalog, case_id)
            if self.rights.sees(d)
        ]

    # ---- pages: the page viewer ------------------------------------------------------------
    # A page is `{document id}:{seq}`, placed in its case's current dossier; its image and the
    # boxes of its words are in that dossier page's frame (PDF points, origin top-left, as shown).

    def page(self, document_id: str, seq: int, q: str = "") -> dict:
        """One dossier page: place, size, text, words, its document's facts, citation, neighbours;
        with `q`, the words it matched as `boxes`."""
        doc, place = self._placed(document_id, seq)
        dossier = self.dossier_file(doc.case_id)
        width, height, words = self._shown_words(dossier, place)
        order = self._dossier_order(doc.case_id)
        at = order.index((document_id, seq))
        self.record("page.view", page=f"{document_id}:{seq}", case=doc.case_id)
        return {
            "id": f"{document_id}:{seq}",
            "case_id": doc.case_id,
            "document_id": document_id,
            "seq": seq,
            "pages": len(doc.pages),
            "dossier_page": place[2],
            "but_luc": place[3],
            "dossier_version": self.catalog.latest_dossier(doc.case_id)["version"],
            "width": width,
            "height": height,
            "doc_type": doc.type,
            "number": doc.number,
            "date": doc.date,
            "title": doc.title,
            "citation": citation(doc, place[3], self.settings),
            "prev": "{}:{}".format(*order[at - 1]) if at > 0 else None,
            "next": "{}:{}".format(*order[at + 1]) if at + 1 < len(order) else None,
            "text": self.catalog.page_texts([place[:2]])[0],
            "words": [dict(zip(WORD_KEYS, word, strict=True)) for word in words],
            **({"boxes": [dict(zip(WORD_KEYS, words[i], strict=True)) for i in matched_words(words, q)]} if q else {}),
        }

    def page_at_but_luc(self, case_id: str, but_luc: int) -> tuple[str, int]:
        """(document id, seq) of the case's page stamped with this bút lục."""
        self.need_case(case_id)
        for doc in filter(self.rights.reads, dossier_documents(self.catalog, case_id)):
            for seq, (_, _, _, number) in enumerate(doc.pages, 1):
                if number == but_luc:
                    return doc.id, seq
        raise NotFound(f"case {case_id} has no bút lục {but_luc}")

    def page_words(self, document_id: str, seq: int, q: str) -> dict:
        """{"width", "height", "boxes": [{"text", "x0", "top", "x1", "bottom"}]}: the words `q` matched."""
        doc, place = self._placed(document_id, seq)
        width, height, words = self._shown_words(self.dossier_file(doc.case_id), place)
        matched = matched_words(words, q) if q.strip() else []
        return {
            "width": width,
            "height": height,
            "boxes": [dict(zip(WORD_KEYS, words[i], strict=True)) for i in matched],
        }

    def page_image(self, document_id: str, seq: int, width: int | None, q: str = "") -> PageImage:
        """The page drawn `width` px wide (clamped) from the dossier, the words `q` matched to be outlined."""
        doc, place = self._placed(document_id, seq)
        dossier = self.dossier_file(doc.case_id)
        width = clamp_width(width)
        path = render.page_image(dossier, place[2], width, self.settings.cache_dir)
        tag = f"{dossier.key}-{place[2]}-{width}"
        if not q.strip():
            return PageImage(path, tag)
        found = self.page_words(document_id, seq, q)
        boxes = [(b["x0"], b["top"], b["x1"], b["bottom"]) for b in found["boxes"]]
        digest = hashlib.sha256(repr(boxes).encode()).hexdigest()[:12]
        return PageImage(path, f"{tag}-{digest}", boxes, found["width"])

    def dossier_file(self, case_id: str) -> DossierFile:
        """The case's latest dossier version (its own file under versions/, whose sha256 the catalog holds)."""
        latest = self.catalog.latest_dossier(case_id)
        pdf = (
            version_folder(self.settings.dossiers_dir / case_id, latest["version"]) / f"{case_id}.pdf"
            if latest
            else None
        )
        if pdf is None or not pdf.is_file():
            raise NotFound(f"the dossier of case {case_id} is not built (`hoso dossier rebuild {case_id}`)")
        return DossierFile(case_id, pdf, latest["pdf_sha256"])

    def _placed(self, document_id: str, seq: int) -> tuple[DocumentRow, tuple[str, int, int, int | None]]:
        """The document and (batch id, page in batch, dossier page, bút lục) of its page `seq`."""
        doc = self.catalog.document(document_id)
        if (
            doc is None
            or not self.rights.sees(doc)
            or doc.case_id is None
            or not 1 <= seq <= len(doc.pages)
            or doc.pages[seq - 1][2] is None
        ):
            raise NotFound(f"no page {document_id}:{seq} in a dossier")
        return doc, doc.pages[seq - 1]

    def _dossier_order(self, case_id: str) -> list[tuple[str, int]]:
        """The case's placed pages the user reads as (document id, seq), in dossier order (across documents)."""
        pages = [
            (place[2], doc.id, seq)
            for doc in filter(self.rights.reads, self.catalog.documents(case_id))
            for seq, place in enumerate(doc.pages, 1)
            if place[2] is not None
        ]
        return [(doc_id, seq) for _, doc_id, seq in sorted(pages)]

    def _shown_words(self, dossier: DossierFile, place: tuple) -> tuple[float, float, list[tuple]]:
        """The dossier page's (width, height) and its words [(text, x0, top, x1, bottom)] in that frame."""
        batch_id, number, dossier_page, _ = place
        stored = self.catalog.batch_page(batch_id, number)
        turn = self.catalog.page_turns([batch_id]).get((batch_id, number), 0)
        width, height = render.page_size(dossier.pdf, dossier_page)
        if stored is None:
            return width, height, []
        turned = (stored.height, stored.width) if turn % 180 else (stored.width, stored.height)
        sx, sy = width / turned[0], height / turned[1]  # 1 unless the dossier page was resized
        words = []
        for w in stored.words:
            x0, top, x1, bottom = render.turn_box((w.x0, w.top, w.x1, w.bottom), stored.width, stored.height, turn)
            words.append((w.text, round(x0 * sx, 2), round(top * sy, 2), round(x1 * sx, 2), round(bottom * sy, 2)))
        return width, height, words

    # ---- clerks: the quarantine, retries, the review's header pictures (web/clerk.py, `hoso retry`) ----

    def recover_stale(self) -> list[int]:
        """Queue again, with the reason, the files left `processing` by a hoso process that is gone
        (killed, or the catalog could not be written when it held the file back): `hoso retry --all`
        then takes them. A file a live process has keeps its lock and is left alone."""
        from .queue import recover
        from .retry import STALE

        self.need("retry")
        return recover(self.catalog, self.settings.home / "locks", reason=STALE)

    def retryable(self) -> list[FileRow]:
        """Quarantined files, and files the machine held back (`hoso retry --all` takes them all)."""
        from .retry import retryable

        self.need("retry")
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

        self.need("retry")
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
        self.need("review")
        doc = self.document_row(document_id)
        batches = self.catalog.batches([doc.pages[0][0]]) if doc.pages else []
        # The review's own crop (made and cached the same way for `hoso review`).
        crops = self._repair()._header_crops(doc, {b["id"]: Path(b["ocr_pdf"]) for b in batches})
        if not crops:
            raise NotFound(f"no header picture to read for {document_id}")
        return Path(next(iter(crops.values())))

    # ---- who works on which case (`hoso case assign|unassign|assignees`) -----------------------

    def assignments(self, *, user: str | None = None, case: str | None = None) -> list[dict]:
        """[{case_id, user, role, assigned_by, assigned_at}], narrowed to a user or a case."""
        self.need("assignments")
        user_id = self._account(user) if user is not None else None
        return self.catalog.assignments(user_id=user_id, case_id=case)

    def assign(self, case_id: str, user: str) -> dict:
        """Give the user the case (a case not filled yet may be assigned ahead: its id is checked)."""
        return self._assignment("case.assign", case_id, user)

    def unassign(self, case_id: str, user: str) -> dict:
        return self._assignment("case.unassign", case_id, user)

    def _assignment(self, action: str, case_id: str, user: str) -> dict:
        self.need("assign")
        if not re.match(self.settings.case_id_pattern, case_id):
            raise UsageError(f"case id {case_id!r} does not match the pattern {self.settings.case_id_pattern}")
        user_id = self._account(user)
        with self.catalog.transaction():
            if action == "case.assign":
                changed = self.catalog.assign_case(case_id, user_id, self.user.audit_name)
            else:
                changed = self.catalog.unassign_case(case_id, user_id)
        if changed:
            self.record(action, case=case_id, user=user)
        return {"case_id": case_id, "user": user, "changed": changed, "case_exists": self.catalog.case_exists(case_id)}

    def _account(self, name: str) -> int:
        account = self.catalog.user(name)  # disabled or not
        if account is None:
            raise NotFound(f"no user {name!r} (`hoso user list`)")
        return account["id"]

    # ---- served copies: what leaves the home carries its taker's mark (issue 13) --------------
    # A dossier PDF, a page image or an export is marked "Bản sao của {who} · {time} · hoso" for the
    # user who takes it (pipeline.dossier.watermark); the archival files and the plain page drawings
    # are only read, and each copy's sha256 goes into the audit trail. The watermark module loads
    # pikepdf: imported where a copy is made, so that searching loads no PDF library.

    def served_dossier(self, case_id: str) -> ServedCopy:
        """The case's current dossier as this user takes it: a marked copy written under the home's
        cache (the caller removes it once sent), recorded as `dossier.download` with its sha256."""
        source = self.dossier_pdf(case_id)
        version = self.catalog.latest_dossier(case_id)["version"]
        folder = self.settings.cache_dir / "copies"
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.pdf"):  # left by a server stopped while sending
            if time.time() - stale.stat().st_mtime > STALE_COPY_SECONDS:
                stale.unlink(missing_ok=True)
        target = folder / f"{uuid.uuid4().hex}.pdf"
        sha256 = self._marked_pdf(source, target)
        self.record("dossier.download", case=case_id, version=version, sha256=sha256)
        return ServedCopy(target, sha256, f"{case_id}.pdf")

    def dossier_version(self, case_id: str, version: int | None = None) -> dict:
        """The catalog's row of the case's dossier `version` (else its latest)."""
        self.need_case(case_id)
        rows = self.catalog.dossiers(case_id)
        row = next((r for r in rows if r["version"] == version), None) if version else (rows[-1] if rows else None)
        if row is None:
            what = f"version {version} of the dossier" if version else "dossier"
            raise NotFound(f"no {what} for case {case_id} (ingest its scans first)")
        return row

    def export_dossier(self, case_id: str, target: Path, version: int | None = None) -> str:
        """`hoso dossier export --out`: the dossier (its latest or an earlier `version`) written to
        `target` with this user's mark, recorded as `dossier.export`; the copy's sha256."""
        row = self.dossier_version(case_id, version)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.part")
        sha256 = self._marked_pdf(home_path(self.settings, row["pdf"]), partial)
        os.replace(partial, target)
        self.record("dossier.export", case=case_id, version=row["version"], sha256=sha256)
        return sha256

    def served_page_image(
        self, document_id: str, seq: int, width: int | None, q: str = "", if_none_match: str = ""
    ) -> tuple[bytes | None, str]:
        """(PNG, ETag) of the page drawn for this user: the plain drawing (`page_image`, cached for
        everyone) with their mark. The marked image is kept per user, page, width, outlined words and
        hour (drawing it costs about as much as the whole cached answer may); its ETag names the user
        and the hour, so a browser cache shared by two users never shows one's copy to the other.
        None for the PNG when `if_none_match` holds that tag. A copy is recorded (`page.image`, with its
        sha256) when it is drawn, not each time it is sent again: the page view itself is recorded by
        the viewer, and an audit row per thumbnail or revalidation would queue every image behind the
        catalog's write lock."""
        image = self.page_image(document_id, seq, width, q)
        now = datetime.datetime.now()
        who = hashlib.sha256(self.user.audit_name.encode()).hexdigest()[:16]
        etag = f'"{image.etag}-{who[:8]}-{now:%Y%m%d%H}"'
        if etag in if_none_match:
            return None, etag
        hours = self.settings.cache_dir / "copies" / "pages"
        path = hours / f"{now:%Y%m%d%H}" / who / f"{image.etag}.png"
        if path.is_file():
            return path.read_bytes(), etag
        from pipeline.dossier.watermark import mark_image, mark_text

        png = mark_image(image.png(), mark_text(self.user.audit_name, now))
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(png)
            os.replace(partial, path)
        except FileNotFoundError:
            pass  # at the turn of the hour another request removed this folder: the copy is sent uncached
        for older in hours.iterdir():  # the last hour's copies are never asked for again
            if older != path.parents[1] and older.is_dir():
                shutil.rmtree(older, ignore_errors=True)
        self.record(
            "page.image", page=f"{document_id}:{seq}", width=clamp_width(width), sha256=hashlib.sha256(png).hexdigest()
        )
        return png, etag

    def _marked_pdf(self, source: Path, target: Path) -> str:
        """`source` copied to `target` with this user's mark; the copy's sha256."""
        from pipeline.dossier.watermark import mark_pdf

        try:
            mark_pdf(source, target, self.user.audit_name, datetime.datetime.now())
            return sha256_file(target)
        except BaseException:
            target.unlink(missing_ok=True)
            raise

    # ---- the petitions register (issue 14; ingest.petitions) -----------------------------------
    # Leaders and clerks read the whole register, a prosecutor the petitions assigned to them, an
    # admin none of it. Which workflow action a role takes is the workflow's word (Transition.roles);
    # a prosecutor takes theirs on the petitions assigned to them only. Every action and correction
    # is an event of the petition and a row of the audit trail.

    def petitions(self, where: PetitionFilter) -> dict:
        """`hoso petitions list --json`: {"petitions": [...]}, oldest received first."""
        self.need("petitions")
        self._register()
        today = datetime.date.today()
        assignee = where.assignee
        if self.rights.petitions != "all":
            if assignee not in (None, self.user.name):
                return {"petitions": []}
            assignee = self.user.name
        within = today + datetime.timedelta(days=where.due_within) if where.due_within is not None else None
        rows = self.catalog.petitions(
            PetitionWhere(
                status=where.status,
                type=where.type,
                assignee=assignee,
                case_id=where.case_id,
                due_before=today.isoformat() if where.overdue else None,
                due_from=today.isoformat() if within else None,
                due_through=within.isoformat() if within else None,
            )
        )
        if where.q:
            rows = [r for r in rows if petition_matches(r, where.q)]
        return {"petitions": self._petitions_json(rows)}

    def petition(self, petition_id: str) -> dict:
        """`hoso petitions show --json`: the entry, its events, the states it went through (`path`) and
        the actions this user may take on it now."""
        row = self.petition_entry(petition_id)
        self.record("petition.view", petition=row.id, case=row.case_id)
        return self._petition_shown(row)

    def petition_act(
        self,
        petition_id: str,
        action: str,
        *,
        at: datetime.date | None = None,
        reason: str | None = None,
        to: str | None = None,
        assignee: str | None = None,
        complexity: str | None = None,
        remote: bool | None = None,
        result: str | None = None,
    ) -> dict:
        """Take a workflow action (accept, return, transfer, assign, extend, resolve, ...) on the petition,
        effective `at` (today by default); its due date is computed again. A transition the state does not
        allow is a UsageError naming those it does; one the user's role may not take, Forbidden."""
        row = self.petition_entry(petition_id)
        register = self._register()
        transition = register.workflow.transition(row.status, action)
        if not self._may_take(transition, row):
            role = ROLE_NAMES.get(self.user.role, self.user.role)
            raise Forbidden(f"Tài khoản {self.user.name} ({role}) không được {transition.label.lower()} đơn {row.id}")
        given = {"reason": reason, "to": to, "assignee": assignee, "complexity": complexity, "result": result}
        missing = [name for name in transition.needs if given.get(name) in (None, "")]
        if missing:
            raise UsageError(f"{transition.label} ({action}) needs {', '.join('--' + m for m in missing)}")
        if assignee is not None:
            self._account(assignee)  # NotFound: no such user
        detail = {k: v for k, v in {**given, "remote": remote}.items() if v is not None and k != "reason"}
        day = at or datetime.date.today()
        if row.received_date and day.isoformat() < row.received_date:
            # an extension dated before receipt would not count against the law's limit on extensions
            raise UsageError(
                f"{transition.label} on {day.isoformat()}: before {row.id} was received ({row.received_date})"
            )
        if day > datetime.date.today():
            raise UsageError(f"{transition.label} on {day.isoformat()}: a day still to come")
        events = self.catalog.petition_events([row.id])[row.id]
        event = {"at": day.isoformat(), "action": action, "state": transition.target, "detail": detail}
        row.status = transition.target
        row.assignee = assignee if assignee is not None else row.assignee
        row.complexity = complexity if complexity is not None else row.complexity
        row.remote = remote if remote is not None else row.remote
        register.set_due(row, [*events, event])
        with self.catalog.transaction():
            self.catalog.put_petition(row)
            self.catalog.add_petition_event(row.id, actor=self.user.audit_name, reason=reason, **event)
        self.record(
            f"petition.{action}", petition=row.id, case=row.case_id, at=day.isoformat(), reason=reason, **detail
        )
        return self._petition_shown(row)

    def petition_correct(self, petition_id: str, **fields) -> dict:
        """A clerk's corrections of the entry: petitioner, address, refers_to, case_id (the link: a case
        the catalog holds; None unlinks), received_number, received_date (YYYY-MM-DD or dd/mm/yyyy),
        type (a petition type). Each changed field leaves the review, is an event and an audit row;
        the due date is computed again. Returns the entry and "changes" [{field, old, new}]."""
        self.need("petition_correct")
        row = self.petition_entry(petition_id)
        unknown = sorted(set(fields) - set(PETITION_FIELDS))
        if unknown:
            raise UsageError(f"cannot set {', '.join(unknown)} of a petition (only {', '.join(PETITION_FIELDS)})")
        changes = []
        for name, raw in fields.items():
            new = self._petition_value(name, raw)
            old = getattr(row, name)
            if new == old:
                continue
            setattr(row, name, new)
            row.review = [f for f in row.review if f != PETITION_FIELDS[name]]
            changes.append({"field": name, "old": old, "new": new})
            if name == "petitioner" and new:
                row.anonymous = False
            if name == "refers_to" and row.case_id is None and "case_id" not in fields:
                linked = linked_case(self.catalog, new)
                if linked is not None and self.rights.sees_case(linked):
                    changes.append({"field": "case_id", "old": None, "new": linked})
                    row.case_id = linked
        if not changes:
            return {**self._petition_shown(row), "changes": []}
        register = self._register()
        today = datetime.date.today().isoformat()
        with self.catalog.transaction():
            if any(c["field"] == "received_date" for c in changes):
                self.catalog.set_received_event_day(row.id, row.received_date)
            for change in changes:
                self.catalog.add_petition_event(
                    row.id,
                    at=today,
                    action="linked" if change["field"] == "case_id" else "corrected",
                    state=row.status,
                    actor=self.user.audit_name,
                    detail=change,
                )
            register.set_due(row, self.catalog.petition_events([row.id])[row.id])
            self.catalog.put_petition(row)
        for change in changes:
            self.record("petition.correct", petition=row.id, case=row.case_id, **change)
        if any(c["field"] == "type" for c in changes):
            # the scan's document is that type too: searches, facets and `hoso reprocess` say so
            self._repair().set_type(row.document_id, row.type)
        if any(c["field"] in ("received_number", "received_date") for c in changes):
            # … and its register stamp reads so: `hoso review` no longer lists it
            self._repair().set_field(
                row.document_id, "received", f"{row.received_number or ''}, {row.received_date}", from_register=True
            )
        return {**self._petition_shown(row), "changes": changes}

    def petition_counts(self) -> dict[str, int]:
        """{state: petitions this user sees in it}, every workflow state in display order (the diagram)."""
        self.need("petitions")
        counts = Counter(r.status for r in self._petitions_seen())
        return {state: counts.get(state, 0) for state in self._register().workflow.states}

    def petitions_report(self, month: str) -> dict:
        """`hoso petitions report --month YYYY-MM`: received, classified, accepted, returned, transferred,
        resolved on time or late that month, and overdue now; in all, by type and by assignee."""
        self.need("petitions")
        rows = self._petitions_seen()
        taxonomy = load_taxonomy(self.settings.taxonomy)
        return monthly_report(
            self._register(),
            rows,
            self.catalog.petition_events([r.id for r in rows]),
            month,
            datetime.date.today(),
            {key: taxonomy[key].name for key in PETITION_TYPES if key in taxonomy},
        )

    def case_petitions(self, case_id: str) -> list[dict]:
        """The petitions linked to a case (`dossier show --json` "petitions"), those this user reads."""
        if "petitions" not in self.rights.actions:
            return []
        return self._petitions_json(
            [r for r in self.catalog.petitions(PetitionWhere(case_id=case_id)) if self._reads(r)]
        )

    def _reads(self, row: PetitionRow) -> bool:
        return self.rights.sees_petition(row.assignee, self.user.name)

    def _register(self) -> Register:
        """The register's rules, holidays and workflow; stored due dates follow a change of them."""
        register = register_of(self.settings)
        refresh_due_dates(self.catalog, register)
        return register

    def _petitions_seen(self) -> list[PetitionRow]:
        self._register()
        if self.rights.petitions == "all":
            return self.catalog.petitions()
        return self.catalog.petitions(PetitionWhere(assignee=self.user.name))

    def petition_entry(self, petition_id: str) -> PetitionRow:
        """The petition of this id, or of the one id this user sees that begins with it (≥ 5 characters).
        Not recorded: it checks, for a page of the petition's scan or a refused form; reading the entry
        itself is `petition`."""
        self.need("petitions")
        self._register()
        row = self.catalog.petition(petition_id)
        if row is not None and self._reads(row):
            return row
        if len(petition_id) < PREFIX_LENGTH:
            raise NotFound(f"no petition {petition_id}")
        rows = [
            r for r in map(self.catalog.petition, self.catalog.petition_ids_starting(petition_id)) if self._reads(r)
        ]
        if len(rows) > 1:
            raise UsageError(f"{petition_id} begins several petitions: {', '.join(r.id for r in rows)}")
        if not rows:
            raise NotFound(f"no petition {petition_id}")
        return rows[0]

    def _petitions_json(self, rows: list[PetitionRow]) -> list[dict]:
        docs_of = self.catalog.petition_documents([r.id for r in rows])
        documents = {d.id: d for d in self.catalog.documents_by_id([i for ids in docs_of.values() for i in ids])}
        batch_ids = list(dict.fromkeys(b for d in documents.values() for b, *_ in d.pages))
        batches = {b["id"]: b for b in self.catalog.batches(batch_ids)}
        register, today = self._register(), datetime.date.today()
        return [
            petition_json(
                r, [documents[i] for i in docs_of[r.id] if i in documents], batches, today, register.final(r.status)
            )
            for r in rows
        ]

    def _petition_shown(self, row: PetitionRow) -> dict:
        register = self._register()
        events = self.catalog.petition_events([row.id])[row.id]
        return {
            **self._petitions_json([row])[0],
            "events": [
                {
                    "at": e["at"],
                    "action": e["action"],
                    "state": e["state"],
                    "actor": e["actor"],
                    "reason": e["reason"],
                    "detail": e["detail"],
                    "recorded_at": datetime.datetime.fromtimestamp(e["recorded_at"]).isoformat(timespec="seconds"),
                }
                for e in events
            ],
            "path": workflow_path([as_event(e) for e in events]),
            "actions": [
                {"action": t.action, "label": t.label, "target": t.target, "needs": list(t.needs)}
                for t in register.workflow.allowed(row.status)
                if self._may_take(t, row)
            ],
        }

    def _may_take(self, transition: Transition, row: PetitionRow) -> bool:
        if self.user.role == "cli":
            return True
        if self.user.role == "prosecutor":
            return "prosecutor" in transition.roles and row.assignee == self.user.name
        return self.user.role in transition.roles

    def _petition_value(self, name: str, raw):
        """A corrected field's value as stored (checked)."""
        value = raw.strip() if isinstance(raw, str) else raw
        if value in (None, ""):
            if name in ("type", "received_date"):
                raise UsageError(f"a petition's {name} cannot be cleared")
            return None
        value = normalize(value)
        if name == "type" and value not in PETITION_TYPES:
            raise UsageError(f"{value!r} is not a petition type ({', '.join(PETITION_TYPES)})")
        if name == "received_date":
            return audit.parse_day(value).isoformat()
        if name == "case_id" and not (self.catalog.case_exists(value) and self.rights.sees_case(value)):
            raise NotFound(f"no case {value} in this home (a petition links only to a case the catalog holds)")
        return value


STALE_COPY_SECONDS = 3600

# What a clerk corrects of a petition (Access.petition_correct), and the review flag each settles.
PETITION_FIELDS = {
    "petitioner": "petitioner",
    "address": "address",
    "refers_to": "refers_to",
    "case_id": "refers_to",
    "received_number": "received",
    "received_date": "received",
    "type": "type",
}
PREFIX_LENGTH = 5  # a petition may be named by the first characters of its id, this many at least


@dataclass(frozen=True)
class ServedCopy:
    """A marked copy of a dossier, written for one answer."""

    path: Path
    sha256: str
    filename: str


WORD_KEYS = ("text", "x0", "top", "x1", "bottom")


@dataclass(frozen=True)
class PageImage:
    drawing: Path  # the page's cached drawing (never shown to a visitor: ids, not paths)
    etag: str  # changes with the dossier version, the page, the width and the boxes drawn
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    page_width: float = 0.0

    def png(self) -> bytes:
        """The PNG's bytes, boxes drawn (only now: a browser revalidating its copy needs the tag alone)."""
        return render.with_boxes(self.drawing, self.boxes, self.page_width) if self.boxes else self.drawing.read_bytes()


def split_page_id(page_id: str) -> tuple[str, int]:
    """'<document id>:<seq>' → (document id, seq); anything else is no page (NotFound)."""
    document_id, sep, seq = page_id.rpartition(":")
    if not sep or not document_id or not (seq.isascii() and seq.isdigit()) or len(seq) > 9 or int(seq) < 1:
        raise NotFound(f"no page {page_id!r}")
    return document_id, int(seq)


def citation(doc: DocumentRow, but_luc: int | None, settings: Settings) -> str:
    """'Hồ sơ 2024-HS-0123, bút lục 57 — Cáo trạng số 12/CT-VKS-P2 ngày 03/05/2024' (unknown parts left out)."""
    from pipeline.dossier.frontmatter import vn_date

    head = f"Hồ sơ {doc.case_id}" + (f", bút lục {but_luc}" if but_luc is not None else "")
    name = (
        doc.title
        if doc.type in ("khac", "cong_van") and doc.title
        else type_name(doc.type, load_taxonomy(settings.taxonomy))
    )
    name += f" số {doc.number}" if doc.number else ""
    name += f" ngày {vn_date(doc.date)}" if doc.date else ""
    return f"{head} — {name}"


def _broker_workers(settings: Settings) -> list[dict] | dict | None:
    """The broker's live OCR workers (ingest.broker.live_workers): None without a broker, {"error"} when
    it does not answer (a fact to show, not a failed status)."""
    if not settings.broker_url:
        return None
    from .broker import live_workers, not_answering  # Celery is loaded only where a broker is configured

    try:
        return live_workers(settings)
    except Exception as exc:
        return {"error": not_answering(settings, exc)}
