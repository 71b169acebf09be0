"""Review and repair: what needs a person, a clerk's corrections, and `hoso reprocess`.

Every correction goes the same way: in one catalog transaction the affected cases'
documents are loaded, changed in memory (pipeline.corrections), checked (sealed
dossiers, document ids), written back and recorded in `corrections` (who, when,
old → new, anchored by page); then the search index follows (entries of removed or
renamed documents deleted, changed documents indexed) and the affected dossiers are
rebuilt. `reprocess` re-runs split/classify/extract on the stored page texts (no OCR)
and replays the recorded corrections through the same functions.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from index.base import SearchBackend
from pipeline import corrections as ops
from pipeline import errors
from pipeline.config import Settings
from pipeline.corrections import CorrectionError, Outcome, Page, Workspace, first_page, page_refs
from pipeline.dossier.build import rebuild_dossier
from pipeline.dossier.build import who as default_who
from pipeline.errors import ExitCode
from pipeline.filing import NotDigitized, file_drafts
from pipeline.hashing import sha256_file
from pipeline.models import Classification, Metadata, OcrJob, PageRef, PageText
from pipeline.secrecy import rank
from pipeline.stages.correct import correct_page
from pipeline.stages.crops import header_crop
from pipeline.stages.documents import describe_document, find_documents
from pipeline.stages.layout import read_layout
from pipeline.store.catalog import Catalog, DocumentRow
from pipeline.taxonomy import UNKNOWN
from pipeline.text import fold, folded_words

from .consume import Consumer
from .petitions import register_scan

log = logging.getLogger("hoso.repair")

ROTATIONS = (90, 180, 270)
LOWERS_CLASSIFICATION = ("leader", "cli")  # roles (ingest.access.User) that may lower a document's level


def _agree(one: str | None, other: str | None) -> bool:
    """Two readings of a field that do not contradict each other (one may have gone unread)."""
    return one is None or other is None or one == other


def _same_people(one: DocumentRow, other: DocumentRow) -> bool:
    """The persons both name are the same, where both name any."""
    names = [{" ".join(fold(p.get("name") or "").lower().split()) for p in d.persons} - {""} for d in (one, other)]
    return not (names[0] and names[1]) or names[0] == names[1]


# A rescan reads differently at a few words; two papers of one template differ at names and amounts.
RESCAN_SIMILARITY = 0.9
RESCAN_SIMILARITY_UNNUMBERED = 0.98
# Read from the first page's header; a register stamp ("received") sits there too, in the top third.
HEADER_FIELDS = ("number", "symbol", "date", "issuer", "classification", "received")


class NotFound(CorrectionError, errors.NotFound):
    """No such document, page or case."""

    exit_code = ExitCode.NOT_FOUND


@dataclass
class Change:
    """What one correction (or a reprocess run) did."""

    action: str
    documents: list[str] = field(default_factory=list)  # ids of the documents written (new ids)
    removed: list[str] = field(default_factory=list)  # ids that no longer exist
    cases: list[str | None] = field(default_factory=list)  # cases whose dossier follows
    corrections: list[dict] = field(default_factory=list)  # rows recorded
    dossiers: list[dict] = field(default_factory=list)  # {"case_id", "version", "built"} or {"case_id", "error"}
    indexed: bool = True
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        data = asdict(self)
        extra = data.pop("extra")
        return {**data, **extra}


def parse_page_id(page_id: str) -> tuple[str, int]:
    """'<document id>:<seq>' (as in the index and `hoso search`) → (document id, seq)."""
    doc_id, sep, seq = page_id.rpartition(":")
    if not sep or not seq.isdigit() or int(seq) < 1:
        raise CorrectionError(f"page id {page_id!r} is not <document id>:<page within the document>")
    return doc_id, int(seq)


class Repair:
    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        backend: SearchBackend | None,
        *,
        who: str | None = None,
        role: str = "cli",
    ):
        self.settings = settings
        self.catalog = catalog
        self.backend = backend
        self.consumer = Consumer(settings, catalog, backend)  # its taxonomy and indexing
        self.taxonomy = self.consumer.taxonomy
        self.who = who or default_who()
        self.role = role  # who corrects: a clerk may raise a document's level, not lower it
        self._pages: dict[str, dict[int, PageText]] = {}

    # ---- lookups -------------------------------------------------------------------------

    def document(self, doc_id: str) -> DocumentRow:
        doc = self.catalog.document(doc_id)
        if doc is None:
            raise NotFound(f"no document {doc_id} (see `hoso review` or `hoso dossier show CASE`)")
        return doc

    def page(self, page_id: str) -> tuple[DocumentRow, int, Page]:
        doc_id, seq = parse_page_id(page_id)
        doc = self.document(doc_id)
        if seq > len(doc.pages):
            raise NotFound(f"document {doc_id} has {len(doc.pages)} pages, not {seq}")
        batch_id, number, *_ = doc.pages[seq - 1]
        return doc, seq, (batch_id, number)

    def check_case_id(self, case_id: str) -> None:
        if not re.match(self.settings.case_id_pattern, case_id):
            raise CorrectionError(f"case id {case_id!r} does not match the pattern {self.settings.case_id_pattern}")

    def page_texts(self, refs: list[Page]) -> list[PageText]:
        missing = list(dict.fromkeys(b for b, _ in refs if b not in self._pages))
        for batch_id, pages in self.catalog.pages_of_batches(missing).items():
            self._pages[batch_id] = {p.number: p for p in pages}
        return [self._pages[b][n] for b, n in refs]

    def describe(self, refs: list[Page]) -> tuple[Classification, Metadata]:
        """Classify and describe a run of pages with the current code and taxonomy."""
        return describe_document([read_layout(page) for page in self.page_texts(refs)], self.taxonomy)

    # ---- what needs a person ---------------------------------------------------------------

    def review(self, case_id: str | None = None) -> list[dict]:
        folders = self.catalog.unassigned_folders()
        listed = []
        documents = [d for d in self.catalog.documents(all_cases=True) if case_id is None or d.case_id == case_id]
        # The working PDFs of the first pages whose header a person is to read, in one query.
        ocr_pdfs = {
            b["id"]: Path(b["ocr_pdf"])
            for b in self.catalog.batches(
                list(
                    dict.fromkeys(
                        d.pages[0][0] for d in documents if d.pages and any(f in HEADER_FIELDS for f in d.review)
                    )
                )
            )
        }
        rescans = self.probable_rescans(documents)
        # A petition's documents are never filed under a case (the petitions register holds them).
        petitions = self.catalog.petitions_of_documents([d.id for d in documents if d.case_id is None])
        for doc in documents:
            reasons = []
            if doc.confidence < self.settings.review_confidence:
                reasons.append("low_confidence")
            if doc.type == UNKNOWN and doc.confidence < 1.0:  # a type a person chose has confidence 1
                reasons.append("khac")
            if doc.case_id is None and doc.id not in petitions:
                reasons.append("unassigned")
            if doc.review:
                reasons.append("empty_fields")
            if doc.id in rescans:
                reasons.append("probable_duplicate")
            if not reasons:
                continue
            item = {
                "id": doc.id,
                "case_id": doc.case_id,
                "type": doc.type,
                "confidence": round(doc.confidence, 3),
                "number": doc.number,
                "symbol": doc.symbol,
                "date": doc.date,
                "month": doc.month,
                "received": doc.received,  # what the register stamp reader read of it, a part left empty
                "title": doc.title,
                "reasons": reasons,
                "fields": list(doc.review),
                "pages": len(doc.pages),
            }
            if doc.id in rescans:
                item["duplicate_of"] = rescans[doc.id]
            crops = self._header_crops(doc, ocr_pdfs)
            if crops:
                item["crops"] = crops
            if doc.case_id is None:
                item["folder"] = next((folders[b] for b, *_ in doc.pages if folders.get(b)), None)
            listed.append(item)
        return listed

    def probable_rescans(self, documents: list[DocumentRow]) -> dict[str, str]:
        """{id: the earlier document it repeats} for documents that look like a rescan of a paper the case
        already holds: same case and type, no số/ký hiệu or date that differs (one reading may have missed
        it), from another scan, with nearly the same text. Only listed for review; two papers sharing a
        number but not a date (separate series), or two numbers of one day, never match."""
        groups: dict[tuple, list[DocumentRow]] = {}
        for doc in documents:
            if doc.case_id is not None and doc.pages:
                groups.setdefault((doc.case_id, doc.type), []).append(doc)
        found: dict[str, str] = {}
        for docs in groups.values():
            if len(docs) < 2:
                continue
            docs.sort(key=lambda d: d.arrival)
            texts: dict[str, str] | None = None
            for i, later in enumerate(docs):
                for earlier in docs[:i]:
                    if not (_agree(later.number, earlier.number) and _agree(later.date, earlier.date)):
                        continue
                    if not _same_people(later, earlier):
                        continue  # one template, other persons (a summons for each accused)
                    if not {b for b, *_ in later.pages}.isdisjoint(b for b, *_ in earlier.pages):
                        continue  # one scan: two papers, not a rescan
                    texts = texts or self._folded_texts(docs)
                    # Papers of one template with their numbers unread differ in a few names and amounts only.
                    alike = RESCAN_SIMILARITY if later.number and earlier.number else RESCAN_SIMILARITY_UNNUMBERED
                    if fuzz.ratio(texts[later.id], texts[earlier.id]) >= alike * 100:
                        found[later.id] = earlier.id
                        break
        return found

    def _folded_texts(self, docs: list[DocumentRow]) -> dict[str, str]:
        refs = [(b, n) for d in docs for b, n, *_ in d.pages]
        texts = iter(self.catalog.page_texts(refs))
        return {d.id: folded_words(" ".join(next(texts) for _ in d.pages)) for d in docs}

    def _header_crops(self, doc: DocumentRow, ocr_pdfs: dict[str, Path]) -> dict[str, str]:
        """{field: PNG of the first page's header} for the header fields left for a person to read."""
        fields = [f for f in doc.review if f in HEADER_FIELDS]
        if not fields or not doc.pages:
            return {}
        batch_id, number, *_ = doc.pages[0]
        pdf = ocr_pdfs[batch_id]
        out = self.settings.home / "review" / f"{doc.id}-header.png"
        try:
            crop = str(header_crop(pdf, number, out))
        except Exception as exc:  # the working copy is missing or unreadable: `hoso verify` says which
            log.warning("no header picture for %s: %s", doc.id, exc)
            return {}
        return {field: crop for field in fields}

    def cases(self) -> dict:
        merged_into = {c["old"]: c["new"] for c in self.catalog.corrections() if c["field"] in ops.CASE_WIDE}
        to_review: dict[str | None, int] = {}
        for item in self.review():
            to_review[item["case_id"]] = to_review.get(item["case_id"], 0) + 1
        rows = []
        for case_id in self.catalog.case_ids():
            docs = self.catalog.documents(case_id)
            latest = self.catalog.latest_dossier(case_id)
            seals = self.catalog.seals(case_id)
            rows.append(
                {
                    "id": case_id,
                    "documents": len(docs),
                    "pages": sum(len(d.pages) for d in docs),
                    "version": latest["version"] if latest else None,
                    "sealed_through": max(s["but_luc"][1] for s in seals) if seals else None,
                    "review": to_review.get(case_id, 0),
                    "merged_into": merged_into.get(case_id) if not docs else None,
                }
            )
        return {"cases": rows, "unassigned": len(self.catalog.documents(None))}

    # ---- one correction ---------------------------------------------------------------------

    def _change(
        self,
        action: str,
        cases: set[str | None],
        op: Callable[[Workspace], Outcome],
        record: Callable[[Workspace], list[dict]],
        *,
        links: Callable[[], None] | None = None,
    ) -> Change:
        """Load the cases' documents, apply `op`, check, write, record; then index and rebuild."""
        with self.catalog.transaction():
            before = [d for c in cases for d in self.catalog.documents(c)]
            ws = Workspace.of(before, self.describe)
            outcome = op(ws)
            if outcome.status == "skipped":
                raise CorrectionError(outcome.reason or "nothing to correct")
            if outcome.status == "satisfied":
                return Change(action, extra={"unchanged": True})
            self._check(before, ws)
            records = record(ws)
            removed = self._write(before, ws)
            if links is not None:
                links()
            change = Change(action, documents=[d.id for d in ws.changed()], removed=removed)
            change.corrections = self._recorded(
                [
                    self.catalog.add_correction(
                        rec["document_id"],
                        rec["field"],
                        rec["old"],
                        rec["new"],
                        self.who,
                        page=rec.get("page"),
                        case_id=rec.get("case_id"),
                        data=rec.get("data"),
                    )
                    for rec in records
                ]
            )
            touched = {d.case_id for d in before if d.id in removed} | {d.case_id for d in ws.changed()}
            change.cases = sorted(touched, key=lambda c: (c is None, c or ""))
        self._follow(change, ws.changed(), removed, reason=action)
        return change

    def _recorded(self, correction_ids: list[int]) -> list[dict]:
        """These corrections as recorded: id, document_id, field, old, new, who, at."""
        rows = {c["id"]: c for c in self.catalog.corrections()}
        return [
            {k: rows[i][k] for k in ("id", "document_id", "field", "old", "new", "who", "at")} for i in correction_ids
        ]

    def _check(self, before: list[DocumentRow], ws: Workspace) -> None:
        twice = ws.collisions()
        if twice:
            raise CorrectionError(
                f"the case already has this document ({', '.join(twice)}): the same pages "
                "were filed there too; nothing was changed"
            )
        cases = {d.case_id for d in before} | {d.case_id for d in ws.docs}
        for case_id in sorted(c for c in cases if c is not None):
            frozen = self.catalog.sealed_pages(case_id)
            problem = ops.sealed_problem(
                [d for d in before if d.case_id == case_id],
                [d for d in ws.docs if d.case_id == case_id],
                frozen,
                self.taxonomy,
            )
            if problem:
                through = max(frozen.values())
                raise CorrectionError(
                    f"the dossier of {case_id} is sealed (bút lục 1–{through} were handed over) and {problem}; "
                    "nothing was changed"
                )

    def _write(self, before: list[DocumentRow], ws: Workspace) -> list[str]:
        after_ids = {d.id for d in ws.docs}
        removed = [d.id for d in before if d.id not in after_ids]
        before_ids = {d.id for d in before}
        for doc in self.catalog.documents_by_id([d.id for d in ws.changed() if d.id not in before_ids]):
            raise CorrectionError(f"document {doc.id} exists already; nothing was changed")
        for doc_id in removed:
            self.catalog.delete_document(doc_id)
        for doc in ws.changed():
            self.catalog.put_document(doc)
        return removed

    def _follow(self, change: Change, changed: list[DocumentRow], removed: list[str], reason: str) -> None:
        """The index and the dossiers follow the catalog."""
        if self.backend is not None:
            try:
                if removed:
                    self.backend.delete_documents(removed)
            except Exception as exc:
                log.warning("could not delete %s from the index: %s", removed, exc)
                change.indexed = False
            fresh = self.catalog.documents_by_id([doc.id for doc in changed])
            change.indexed = self.consumer.index_documents(fresh) and change.indexed
        for case_id in change.cases:
            if case_id is None:
                continue
            try:
                result = rebuild_dossier(self.settings, self.catalog, case_id, taxonomy=self.taxonomy, reason=reason)
            except Exception as exc:
                log.exception("the dossier of %s could not be rebuilt", case_id)
                change.dossiers.append({"case_id": case_id, "error": f"{type(exc).__name__}: {exc}"})
                continue
            if result is not None:
                change.dossiers.append({"case_id": case_id, "version": result.version, "built": result.built})
            self.catalog.drop_case_if_unused(case_id)

    # ---- the commands ------------------------------------------------------------------------

    def set_type(self, doc_id: str, key: str) -> Change:
        if key not in self.taxonomy:
            raise CorrectionError(f"{key!r} is not a doc type of the taxonomy; one of: {', '.join(self.taxonomy)}")
        doc = self.document(doc_id)
        page = first_page(doc)
        return self._change(
            "set-type",
            {doc.case_id},
            lambda ws: ops.set_type(ws, page, key),
            lambda ws: [{"document_id": doc.id, "field": "type", "old": doc.type, "new": key, "page": page}],
        )

    def set_field(self, doc_id: str, field_name: str, raw: str, *, from_register: bool = False) -> Change:
        value = ops.parse_value(field_name, raw)
        doc = self.document(doc_id)
        page = first_page(doc)
        petition = self.catalog.petitions_of_documents([doc.id]).get(doc.id) if field_name == "received" else None
        if petition is not None and not from_register:
            raise CorrectionError(
                f"{doc_id} is the scan of petition {petition}: its received number and date are the register's; "
                f"correct them with `hoso petitions set {petition} --received-number N --received-date dd/mm/yyyy`"
            )
        old = getattr(doc, field_name)
        if field_name == "received" and not from_register and old and value is not None:
            # A part left empty stays as the stamp reader read it: the clerk writes the part it could not.
            value = {part: read if read is not None else old.get(part) for part, read in value.items()}
        if field_name == "classification" and rank(value) < rank(old) and self.role not in LOWERS_CLASSIFICATION:
            raise CorrectionError(
                f"only a leader (lãnh đạo) may lower the classification of {doc_id} ({old} → {value}); "
                "nothing was changed"
            )
        return self._change(
            f"set {field_name}",
            {doc.case_id},
            lambda ws: ops.set_field(ws, page, field_name, value),
            lambda ws: [
                {
                    "document_id": doc.id,
                    "field": field_name,
                    "old": ops.encode(old),
                    "new": ops.encode(value),
                    "page": page,
                }
            ],
        )

    def move(self, doc_id: str, case_id: str) -> Change:
        self.check_case_id(case_id)
        doc = self.document(doc_id)
        page = first_page(doc)
        return self._change(
            "move",
            {doc.case_id, case_id},
            lambda ws: ops.move(ws, page, case_id),
            lambda ws: [{"document_id": doc.id, "field": "case", "old": doc.case_id, "new": case_id, "page": page}],
            links=lambda: self._link(page[0], case_id),
        )

    def _link(self, batch_id: str, case_id: str) -> None:
        """The batch is (also) the case's now; an unassigned scan with no unassigned document left is
        no longer listed as unassigned (`hoso status`)."""
        self.catalog.ensure_case(case_id)
        file_id = next((f.id for f in self.catalog.files("done") if f.sha256 == batch_id), None)
        if file_id is not None:
            self.catalog.link_batch(case_id, batch_id, file_id)
        if not any(d.case_id is None for d in self.catalog.documents_touching([batch_id])):
            self.catalog.assign_files(batch_id, case_id)

    def split(self, doc_id: str, at: int) -> Change:
        doc = self.document(doc_id)
        if not 2 <= at <= len(doc.pages):
            raise CorrectionError(
                f"--at counts pages within the document: 2..{len(doc.pages)} for {doc_id} ({len(doc.pages)} pages)"
            )
        page = (doc.pages[at - 1][0], doc.pages[at - 1][1])

        def record(ws: Workspace) -> list[dict]:
            second = ws.starting_at(page)
            new_id = second.id if second else None
            return [
                {
                    "document_id": doc.id,
                    "field": "split",
                    "old": doc.id,
                    "new": f"{doc.id}, {new_id}",
                    "page": page,
                    "data": {"at": at},
                }
            ]

        return self._change("split", {doc.case_id}, lambda ws: ops.split(ws, page), record)

    def merge(self, first_id: str, second_id: str) -> Change:
        if first_id == second_id:
            raise CorrectionError("name two different documents")
        first, second = self.document(first_id), self.document(second_id)
        if first.case_id != second.case_id:
            raise CorrectionError(
                f"{first_id} is in {first.case_id or 'no case'} and {second_id} in "
                f"{second.case_id or 'no case'}: move one first (`hoso doc move`)"
            )
        anchor, other = first_page(first), first_page(second)
        return self._change(
            "merge",
            {first.case_id},
            lambda ws: ops.merge(ws, anchor, other),
            lambda ws: [
                {
                    "document_id": first.id,
                    "field": "merge",
                    "old": second.id,
                    "new": first.id,
                    "page": anchor,
                    "data": {"with": list(other)},
                }
            ],
        )

    def delete_page(self, page_id: str) -> Change:
        doc, seq, page = self.page(page_id)
        return self._change(
            "page delete",
            {doc.case_id},
            lambda ws: ops.delete_page(ws, page),
            lambda ws: [
                {
                    "document_id": doc.id,
                    "field": "page.delete",
                    "old": page_id,
                    "new": None,
                    "page": page,
                    "data": {"seq": seq},
                }
            ],
        )

    def rotate(self, page_id: str, by: int) -> Change:
        if by not in ROTATIONS:
            raise CorrectionError(f"--by takes {', '.join(map(str, ROTATIONS))} (degrees clockwise)")
        doc, seq, page = self.page(page_id)
        change = Change("page rotate", cases=[doc.case_id])
        with self.catalog.transaction():
            old = self.catalog.page_turns([page[0]]).get(page, 0)
            new = (old + by) % 360
            self.catalog.set_page_turn(page[0], page[1], new)
            rec_id = self.catalog.add_correction(
                doc.id, "page.rotate", old, new, self.who, page=page, case_id=doc.case_id, data={"seq": seq}
            )
        change.corrections += self._recorded([rec_id])
        change.extra["turn"] = new
        self._follow(change, [], [], reason=f"rotate {page_id}")
        return change

    def rename_case(self, old: str, new: str, *, merging: bool = False) -> Change:
        if old == new:
            raise CorrectionError("the two case ids are the same")
        if not self.catalog.case_exists(old):
            raise NotFound(f"no case {old}")
        if merging:
            if not self.catalog.case_exists(new):
                raise NotFound(f"no case {new} to merge into (to give {old} a new id: `hoso case rename`)")
        else:
            self.check_case_id(new)
            if self.catalog.case_exists(new):
                raise CorrectionError(
                    f"case {new} exists already: to put the documents of {old} into it, `hoso case merge {old} {new}`"
                )
        name = "case.merge" if merging else "case.rename"
        change = self._change(
            "case merge" if merging else "case rename",
            {old, new},
            lambda ws: ops.map_case(ws, old, new, merging=merging),
            lambda ws: [{"document_id": None, "field": name, "old": old, "new": new, "case_id": old}],
            links=lambda: self.catalog.move_case_links(old, new),
        )
        if change.extra.get("unchanged"):  # a case without documents: its files and links still move
            with self.catalog.transaction():
                self.catalog.move_case_links(old, new)
                rec_id = self.catalog.add_correction(None, name, old, new, self.who, case_id=old)
                self.catalog.drop_case_if_unused(old)
            change.extra.pop("unchanged")
            change.corrections += self._recorded([rec_id])
        return change

    # ---- reprocess -------------------------------------------------------------------------------

    def reread(self, target: str | None = None) -> dict:
        """OCR again the scans of a case, a document or everything whose pages kept a text layer
        (homes filled before every page was judged by what it shows), then `reprocess` them.

        OCR runs in the consumer's worker pool with no catalog transaction open; each scan's new page
        texts replace the old ones in one short transaction. A clerk's page turns are kept.
        """
        pending = []
        for batch_id in sorted(self._scope(target)):
            pages = self.catalog.batch_pages(batch_id, with_words=False)
            if any(p.layer == "kept" for p in pages):
                batch = self.catalog.batch(batch_id)
                job = OcrJob(
                    batch_id=batch_id,
                    kind=batch["kind"],
                    sources=[Path(o["archive"]) for o in batch["originals"]],
                    output_pdf=Path(batch["ocr_pdf"]),
                    languages=self.settings.languages,
                    max_pixels=self.settings.max_pixels,
                    tmp_dir=self.consumer.tmp_dir,
                )
                pending.append((job, self.consumer.submit_ocr(job)))
        read, failed = 0, []
        try:
            for job, future in pending:
                try:
                    result = future.result()
                except Exception as exc:  # that scan keeps its old pages; the others go on
                    log.exception("scan %s could not be read again", job.batch_id)
                    failed.append({"batch": job.batch_id, "reason": f"{type(exc).__name__}: {exc}"})
                    continue
                digest = sha256_file(result.pdf)
                with self.catalog.transaction():
                    self.catalog.replace_batch_pages(job.batch_id, digest, [correct_page(p) for p in result.pages])
                read += len(result.ocr_pages)
        except KeyboardInterrupt:
            self.consumer.abort()  # each scan is replaced in one transaction: the ones not read keep their pages
            raise
        finally:
            self.consumer.close()
        self._pages.clear()
        return {"reread_batches": len(pending) - len(failed), "reread_pages": read, "reread_failed": failed}

    def reprocess(self, target: str | None = None) -> Change:
        """Split, classify and extract the batches of a case, a document or everything again, from the
        stored page texts; then replay the recorded corrections of those batches.

        The work is done without holding the catalog's write lock (a watcher keeps filing scans
        meanwhile); the result is written only if what it was computed from did not change.
        """
        scope = self._scope(target)
        old = self.catalog.documents_touching(sorted(scope))
        files = [f for f in self.catalog.files("done") if f.sha256 in scope]
        missing = scope - {f.sha256 for f in files}
        if missing:
            raise CorrectionError(f"batch {sorted(missing)[0][:12]}… has no ingested file: it cannot be reprocessed")
        ws = Workspace(self._refile(files, old), self.describe)
        replayed = [(c, ops.apply(ws, c)) for c in self.catalog.corrections(sorted(scope))]
        cases = {d.case_id for d in old} | {d.case_id for d in ws.docs}
        basis = self._basis(scope, cases)
        old_ids = {d.id for d in old}
        untouched = [d for c in cases for d in self.catalog.documents(c) if d.id not in old_ids]
        full = Workspace(ws.docs + untouched)
        self._check(old + untouched, full)

        with self.catalog.transaction():
            if self._basis(scope, cases) != basis:
                raise CorrectionError(
                    "the catalog changed while reprocessing (a scan arrived or a correction was "
                    "made); nothing was changed, run it again"
                )
            for doc in old:
                self.catalog.delete_document(doc.id)
            for doc in ws.docs:
                doc.indexed = False
                doc.pages = [(b, n, None, None) for b, n, *_ in doc.pages]
                self.catalog.put_document(doc)
                for batch_id in dict.fromkeys(b for b, *_ in doc.pages):  # linked once the cases are final
                    file_id = next((f.id for f in files if f.sha256 == batch_id), None)
                    self.catalog.link_batch(doc.case_id, batch_id, file_id)
        before = {d.id: d for d in old}
        new_ids = [d.id for d in ws.docs]
        removed = [i for i in before if i not in set(new_ids)]
        change = Change(
            "reprocess", documents=new_ids, removed=removed, cases=sorted(cases, key=lambda c: (c is None, c or ""))
        )
        change.extra = {
            "target": target,
            "batches": len(scope),
            "files": len(files),
            "before": len(old),
            "after": len(ws.docs),
            "added": [i for i in new_ids if i not in before],
            "changed": [d.id for d in ws.docs if d.id in before and _gist(before[d.id]) != _gist(d)],
            "replayed": {
                "applied": sum(1 for _, o in replayed if o.status == "applied"),
                "satisfied": sum(1 for _, o in replayed if o.status in ("satisfied", "kept")),
                "skipped": [
                    {"id": c["id"], "field": c["field"], "document_id": c["document_id"], "reason": o.reason}
                    for c, o in replayed
                    if o.status == "skipped"
                ],
            },
        }
        self._follow(change, ws.docs, removed, reason="reprocess")
        for row in files:
            if row.purpose == "petition":  # a petition the new reading finds enters the register too
                register_scan(self.settings, self.catalog, row.sha256, datetime.date.fromtimestamp(row.created_at))
        return change

    def _basis(self, scope: set[str], cases: set[str | None]) -> tuple:
        """What a reprocess result was computed from: the documents involved, corrections, seals."""
        docs = self.catalog.documents_touching(sorted(scope)) + [d for c in cases for d in self.catalog.documents(c)]
        corrections = self.catalog.corrections()
        return (
            sorted({(d.id, repr(_gist(d)), d.arrival) for d in docs}),
            corrections[-1]["id"] if corrections else 0,
            sorted((c, sorted(self.catalog.sealed_pages(c).items())) for c in cases if c is not None),
            sorted(f.id for f in self.catalog.files("done") if f.sha256 in scope),
        )

    def _scope(self, target: str | None) -> set[str]:
        if target is None:
            scope = {b["id"] for b in self.catalog.batches()}
        elif self.catalog.document(target) is not None:
            scope = {b for b, *_ in self.catalog.document(target).pages}
        elif self.catalog.case_exists(target):
            scope = set(self.catalog.batches_of_case(target))
            scope |= {b for d in self.catalog.documents(target) for b, *_ in d.pages}
        else:
            raise NotFound(f"no case or document {target}")
        while True:  # a document spanning two scans brings the other scan along
            wider = scope | {b for d in self.catalog.documents_touching(sorted(scope)) for b, *_ in d.pages}
            if wider == scope:
                return scope
            scope = wider

    def _refile(self, files, old: list[DocumentRow]) -> list[DocumentRow]:
        """The automatic documents of these files, filed as ingest files them (pipeline.filing), keeping
        each document's arrival so the dossier order does not shift."""
        arrival_first = {first_page(d): d.arrival for d in old}
        arrival_page = {p: d.arrival for d in old for p in page_refs(d)}
        docs: list[DocumentRow] = []
        pages_of = self.catalog.pages_of_batches([row.sha256 for row in files])
        for row in files:
            pages = pages_of[row.sha256]
            self._pages[row.sha256] = {p.number: p for p in pages}

            def arrival(first: PageRef, k: int, row=row) -> float:
                page = (first.batch_id, first.number)
                if page in arrival_first:
                    return arrival_first[page]
                return arrival_page.get(page, row.updated_at) + 1e-6 * k

            try:
                filed = file_drafts(
                    row.sha256,
                    find_documents(row.sha256, pages, self.taxonomy),
                    row.case_id,
                    arrival=arrival,
                    previous=lambda case_id, docs=docs: next((d for d in reversed(docs) if d.case_id == case_id), None),
                    petition=row.purpose == "petition",
                )
            except NotDigitized as exc:
                raise CorrectionError(
                    f"{row.path} now reads as {exc}, page {exc.page.number}; nothing was reprocessed"
                ) from None
            docs += filed.new
        # A new reading never lowers a level by itself (a leader's recorded lowering is replayed after this).
        level = {first_page(d): d.classification for d in old}
        for doc in docs:
            was = level.get(first_page(doc))
            if was is not None and rank(was) > rank(doc.classification):
                doc.classification = was
                doc.review = list(dict.fromkeys([*doc.review, "classification"]))
        return docs


def _gist(doc: DocumentRow) -> tuple:
    return (
        doc.case_id,
        doc.type,
        doc.number,
        doc.symbol,
        doc.date,
        doc.month,
        doc.issuer,
        doc.title,
        doc.subtitle,
        doc.received,
        doc.classification_mark,
        doc.classification,
        doc.crime,
        doc.article,
        [(p["name"], p["role"]) for p in doc.persons],
        list(doc.review),
        doc.position,
        [(b, n) for b, n, *_ in doc.pages],
    )
