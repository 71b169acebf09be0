"""Assemble a case's documents into its e-dossier: one PDF/A-2b with a cover, a Mục lục,
bút lục on every page, page labels and bookmarks, plus its manifest, kept by version.

Order of work (one PDF/A conversion per build):
  OCRed plain PDFs → pages in dossier order, each stamped with its bút lục →
  cover and Mục lục in front → bookmarks, /PageLabels, XMP → PDF/A-2b, validated.

Order of documents: procedural stage (`order` in doc-types.toml), then the
document's date, then arrival; a clerk's position (`hoso doc reorder`) wins.
Bút lục: content pages are numbered 1..N in that order, until the dossier is
sealed; from then on a sealed page keeps its number wherever it is, sealed
documents keep their order, and later documents come after them with the
next numbers.

Layout under the case's folder:
  versions/v0003/<case>.pdf, versions/v0003/manifest.json   every version, never rewritten
  <case>.pdf, manifest.json                                 the latest version (hard links)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..hashing import sha256_file
from ..models import Word
from ..taxonomy import DocType

# pikepdf and fpdf2 (and the modules drawing with them) are imported where a PDF is written:
# a plan (`hoso dossier show`, a clerk's corrections) needs neither, and they are slow to load.
if TYPE_CHECKING:
    import pikepdf

    from .pdfa import PdfaResult

MANIFEST_FORMAT = "hoso-dossier/2"
# Bumped when the way a dossier is drawn changes, so an unchanged case is rebuilt once.
LAYOUT_VERSION = 2


@dataclass
class SourcePart:
    """Where a run of a document's pages came from."""

    file: str  # original file name (for loose pages: the page file the run starts on)
    sha256: str
    pages: tuple[int, int]  # first, last page within the batch
    batch_id: str


@dataclass
class DossierDocument:
    id: str
    type: str
    number: str | None
    date: str | None
    title: str | None
    subtitle: str | None
    position: int | None
    arrival: float
    pages: list[tuple[str, int]]  # (batch_id, page within batch), in order
    sources: list[SourcePart] = field(default_factory=list)
    persons: list[dict] = field(default_factory=list)  # [{"name", "role"}]
    crime: str | None = None
    article: int | None = None


@dataclass
class PlannedPage:
    document_id: str
    seq: int  # page within the document
    batch_id: str
    number: int  # page within the batch
    but_luc: int
    frozen: bool  # numbered by a seal


@dataclass
class Plan:
    documents: list[DossierDocument]  # dossier order
    pages: list[PlannedPage]  # content pages, dossier order
    sealed_through: int | None = None  # the highest sealed bút lục
    late: set[str] = field(default_factory=set)  # documents that came after the seal

    def but_luc_of(self, document_id: str) -> tuple[int, int]:
        numbers = [p.but_luc for p in self.pages if p.document_id == document_id]
        return numbers[0], numbers[-1]


@dataclass
class CaseInfo:
    """What the cover says about the case."""

    unit: str
    crime: str | None = None
    article: int | None = None
    accused: list[str] = field(default_factory=list)
    victims: list[str] = field(default_factory=list)


@dataclass
class AssembledDossier:
    pdf: Path  # this version's PDF (under versions/)
    pdf_sha256: str
    manifest: Path  # this version's manifest
    manifest_sha256: str
    pages: int  # pages of the PDF, front matter included
    numbering: list[tuple[str, int, int, int | None]]  # (document id, seq, dossier page, bút lục)
    order: list[DossierDocument]
    version: int = 1
    front_pages: int = 0
    pdfa: PdfaResult | None = None
    changes: dict = field(default_factory=dict)
    build_key: str = ""


# ---- order and numbering --------------------------------------------------------------


def order_documents(documents: list[DossierDocument], taxonomy: dict[str, DocType]) -> list[DossierDocument]:
    """Procedural stage (taxonomy order), then document date, then arrival; clerk's positions win."""

    def stage(doc: DossierDocument) -> tuple:
        order = taxonomy[doc.type].order if doc.type in taxonomy else 99
        return (order, doc.date or "9999", doc.arrival, doc.id)

    automatic = sorted((d for d in documents if d.position is None), key=stage)
    for doc in sorted((d for d in documents if d.position is not None), key=lambda d: (d.position, stage(d))):
        automatic.insert(min(max(doc.position - 1, 0), len(automatic)), doc)
    return automatic


def plan_dossier(
    documents: list[DossierDocument],
    taxonomy: dict[str, DocType],
    frozen: dict[tuple[str, int], int] | None = None,
) -> Plan:
    """Dossier order and bút lục of every content page.

    `frozen` maps a sealed page (batch id, page within batch) to its bút lục.
    """
    frozen = frozen or {}
    if not frozen:
        ordered, late = order_documents(documents, taxonomy), set()
    else:
        sealed = [d for d in documents if any(p in frozen for p in d.pages)]
        sealed.sort(key=lambda d: (min(frozen[p] for p in d.pages if p in frozen), d.id))
        # A clerk's position counts in the whole dossier; the sealed part of it cannot move.
        others = [
            replace(d, position=max(1, d.position - len(sealed)) if d.position is not None else None)
            for d in documents
            if d not in sealed
        ]
        later = order_documents(others, taxonomy)
        ordered, late = sealed + later, {d.id for d in later}
    pages: list[PlannedPage] = []
    following = max(frozen.values(), default=0) + 1
    for doc in ordered:
        for seq, ref in enumerate(doc.pages, 1):
            if ref in frozen:
                pages.append(PlannedPage(doc.id, seq, ref[0], ref[1], frozen[ref], True))
            else:
                pages.append(PlannedPage(doc.id, seq, ref[0], ref[1], following, False))
                following += 1
    return Plan(ordered, pages, max(frozen.values()) if frozen else None, late)


# ---- names ----------------------------------------------------------------------------

_GENERIC_TITLES = {"quyet dinh", "thong bao", "bao cao", "lenh", "ket luan", "to trinh", "cong van"}


def _fold(text: str) -> str:
    from ..text import fold

    return fold(text).lower().strip()


def type_name(doc_type: str, taxonomy: dict[str, DocType]) -> str:
    name = taxonomy[doc_type].name if doc_type in taxonomy else doc_type
    return name.split(" (")[0]


def document_name(doc: DossierDocument, taxonomy: dict[str, DocType]) -> str:
    """Tên tài liệu for the Mục lục: the type's name, or heading + trích yếu ('Quyết định phê chuẩn ...')."""
    title = (doc.title or "").strip()
    subtitle = (doc.subtitle or "").strip()
    if subtitle and _fold(title) in _GENERIC_TITLES:
        heading = title[:1].upper() + title[1:].lower()
        return f"{heading} {subtitle[:1].lower()}{subtitle[1:]}"
    if doc.type in ("khac", "cong_van") or doc.type not in taxonomy:
        words = " ".join(part for part in (title, subtitle) if part)
        if words:
            return words[:1].upper() + words[1:] if not words.isupper() else words[:1] + words[1:].lower()
    return type_name(doc.type, taxonomy)


def bookmark_title(doc: DossierDocument, taxonomy: dict[str, DocType]) -> str:
    """'<type name> <số/ký hiệu> (<date>)'."""
    name = type_name(doc.type, taxonomy)
    if doc.type in ("khac", "cong_van") and doc.title:
        name = doc.title
    parts = [name]
    if doc.number:
        parts.append(doc.number)
    if doc.date:
        parts.append(f"({_vn_date(doc.date)})")
    return " ".join(parts)


def _vn_date(iso: str) -> str:
    from .frontmatter import vn_date

    return vn_date(iso)


# ---- the build --------------------------------------------------------------------------


def assemble(
    case_id: str,
    documents: list[DossierDocument],
    batch_pdfs: dict[str, Path],
    originals: list[dict],
    out_dir: Path,
    taxonomy: dict[str, DocType],
    *,
    version: int = 1,
    case: CaseInfo | None = None,
    frozen: dict[tuple[str, int], int] | None = None,
    seals: list[dict] | None = None,
    words: Callable[[str, int], list[Word] | None] | None = None,
    outputs: list[dict] | None = None,
    previous: dict | None = None,
    reason: str = "ingest",
    tmp_dir: Path | None = None,
    turns: dict[tuple[str, int], int] | None = None,
) -> AssembledDossier:
    """Write version `version` of the case's dossier and manifest, and make it the current one.

    `seals`: [{"at": epoch seconds, "version", "but_luc": [first, last]}], oldest first.
    `previous`: {"version", "manifest_sha256", "manifest": parsed manifest or None} of the version before.
    `turns`: {(batch id, page): degrees clockwise} a clerk turned pages by (`hoso page rotate`).
    """
    import pikepdf

    from ..stages.ranges import copy_pages
    from .folio import Stamper
    from .frontmatter import Cover, Seal, TocEntry
    from .frontmatter import render as render_front
    from .pdfa import save_pdfa

    case = case or CaseInfo(unit="Viện kiểm sát nhân dân")
    seals = seals or []
    plan = plan_dossier(documents, taxonomy, frozen)
    names = {d.id: document_name(d, taxonomy) for d in plan.documents}
    key = build_key(case_id, plan, case, seals, originals, outputs or [], names, turns)
    version_dir = version_folder(out_dir, version)
    version_dir.mkdir(parents=True, exist_ok=True)
    pdf_path = version_dir / f"{case_id}.pdf"
    built_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")

    entries = [
        TocEntry(n, names[d.id], d.number, d.date, plan.but_luc_of(d.id), d.id in plan.late)
        for n, d in enumerate(plan.documents, 1)
    ]
    dates = sorted(d.date for d in plan.documents if d.date)
    numbers = [p.but_luc for p in plan.pages]
    cover = Cover(
        unit=case.unit,
        case_id=case_id,
        crime=_crime_line(case),
        accused=case.accused,
        victims=case.victims,
        first_date=dates[0] if dates else None,
        last_date=dates[-1] if dates else None,
        documents=len(plan.documents),
        but_luc=(min(numbers), max(numbers)) if numbers else None,
        sheets=len(numbers),
        seals=[Seal(time.strftime("%Y-%m-%d", time.localtime(s["at"])), tuple(s["but_luc"])) for s in seals],
        version=version,
        built_at=built_at,
    )
    front, front_pages = render_front(cover, entries, content_pages=len(plan.pages))

    numbering = [(p.document_id, p.seq, front_pages + i, p.but_luc) for i, p in enumerate(plan.pages, 1)]
    first_page = {}
    for doc_id, _seq, page, _bl in numbering:
        first_page.setdefault(doc_id, page)

    # The scans' pages are copied by QPDF's job, lazily (a page image is read only as the dossier is
    # written): a pikepdf Pdf would hold every copied image in memory, however many pages.
    work = tmp_dir or version_dir
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pages-", dir=work) as tmp:
        scans = Path(tmp) / "pages.pdf"
        if plan.pages:
            copy_pages([(batch_pdfs[p.batch_id], str(p.number)) for p in plan.pages], scans)
        dossier = pikepdf.open(scans) if plan.pages else pikepdf.new()
        front_pdf = pikepdf.open(_bytes_io(front))
        try:
            for index, page in enumerate(front_pdf.pages):
                dossier.pages.insert(index, page)
            stamper = Stamper(dossier)
            for planned, page in zip(plan.pages, dossier.pages[len(front_pdf.pages) :], strict=True):
                turn = (turns or {}).get((planned.batch_id, planned.number))
                if turn:
                    page.obj.Rotate = (int(page.obj.get("/Rotate", 0)) + turn) % 360
                stamper.stamp(page, str(planned.but_luc), words(planned.batch_id, planned.number) if words else None)

            def decorate(pdf: pikepdf.Pdf) -> None:
                _decorate(pdf, case_id, plan, front_pages, first_page, taxonomy, case)

            decorate(dossier)
            pdfa = save_pdfa(dossier, pdf_path, redecorate=decorate, tmp_dir=tmp_dir)
        finally:
            dossier.close()
            front_pdf.close()
    pdf_sha = sha256_file(pdf_path)

    pages_of: dict[str, list[tuple[int, int]]] = {}
    for doc_id, _seq, page, bl in numbering:
        pages_of.setdefault(doc_id, []).append((page, bl))
    manifest = {
        "format": MANIFEST_FORMAT,
        "case_id": case_id,
        "version": version,
        "created_at": built_at,
        "reason": reason,
        "unit": case.unit,
        "build_key": key,
        "previous": (
            {"version": previous["version"], "manifest_sha256": previous["manifest_sha256"]} if previous else None
        ),
        "dossier": {
            "file": pdf_path.name,
            "sha256": pdf_sha,
            "pages": front_pages + len(numbering),
            "front_pages": front_pages,
            "content_pages": len(numbering),
            "but_luc": [min(numbers), max(numbers)] if numbers else None,
            "pdfa": pdfa.to_json(),
        },
        "sealed": {
            "through": plan.sealed_through,
            "seals": [
                {
                    "at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(s["at"])),
                    "version": s["version"],
                    "but_luc": list(s["but_luc"]),
                }
                for s in seals
            ],
        }
        if seals
        else None,
        "documents": [
            {
                "id": doc.id,
                "type": doc.type,
                "name": names[doc.id],
                "number": doc.number,
                "date": doc.date,
                "title": doc.title,
                "dossier_pages": [pages_of[doc.id][0][0], pages_of[doc.id][-1][0]],
                "but_luc": [pages_of[doc.id][0][1], pages_of[doc.id][-1][1]],
                "late": doc.id in plan.late,
                "pages": [
                    [p.batch_id, p.number, page, p.but_luc]
                    for p, (page, _) in zip(
                        [q for q in plan.pages if q.document_id == doc.id], pages_of[doc.id], strict=True
                    )
                ],
                "sources": [{"file": s.file, "sha256": s.sha256, "pages": list(s.pages)} for s in doc.sources],
            }
            for doc in plan.documents
        ],
        "originals": originals,
        "outputs": outputs or [],
    }
    manifest["changes"] = diff_manifests(previous.get("manifest") if previous else None, manifest, reason)
    manifest_path = version_dir / "manifest.json"
    partial = manifest_path.with_name("manifest.json.part")
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    partial.write_bytes(manifest_bytes)
    os.replace(partial, manifest_path)
    for path in (pdf_path, manifest_path):
        path.chmod(0o444)

    _link(pdf_path, out_dir / f"{case_id}.pdf")  # the current version
    _link(manifest_path, out_dir / "manifest.json")
    return AssembledDossier(
        pdf=pdf_path,
        pdf_sha256=pdf_sha,
        manifest=manifest_path,
        manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest(),
        pages=front_pages + len(numbering),
        numbering=numbering,
        order=plan.documents,
        version=version,
        front_pages=front_pages,
        pdfa=pdfa,
        changes=manifest["changes"],
        build_key=key,
    )


def version_folder(out_dir: Path, version: int) -> Path:
    return out_dir / "versions" / f"v{version:04d}"


def _bytes_io(data: bytes):
    import io

    return io.BytesIO(data)


def _crime_line(case: CaseInfo) -> str | None:
    if not case.crime:
        return None
    crime = case.crime[:1].upper() + case.crime[1:]
    if case.article and not re.search(r"\bĐiều\b", crime):
        crime += f" (Điều {case.article} Bộ luật Hình sự)"
    return crime


def _link(target: Path, link: Path) -> None:
    """Point `link` at `target` (a hard link; a copy where links are not possible), atomically."""
    partial = link.with_name(f".{link.name}.{os.getpid()}.part")
    partial.unlink(missing_ok=True)
    try:
        os.link(target, partial)
    except OSError:
        shutil.copyfile(target, partial)
    os.replace(partial, link)


def _decorate(
    pdf: pikepdf.Pdf,
    case_id: str,
    plan: Plan,
    front_pages: int,
    first_page: dict[str, int],
    taxonomy: dict[str, DocType],
    case: CaseInfo,
) -> None:
    """Bookmarks, page labels, document information and XMP."""
    import pikepdf

    if "/Outlines" in pdf.Root:
        del pdf.Root["/Outlines"]
    with pdf.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem("Bìa hồ sơ", 0))
        outline.root.append(pikepdf.OutlineItem("Mục lục", 1 if front_pages > 1 else 0))
        for doc in plan.documents:
            outline.root.append(pikepdf.OutlineItem(bookmark_title(doc, taxonomy), first_page[doc.id] - 1))

    nums: list = [0, pikepdf.Dictionary(S=pikepdf.Name.r)]
    previous = None
    for index, page in enumerate(plan.pages):
        if previous is None or page.but_luc != previous + 1:
            nums += [front_pages + index, pikepdf.Dictionary(S=pikepdf.Name.D, St=page.but_luc)]
        previous = page.but_luc
    pdf.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(nums))
    pdf.Root.PageMode = pikepdf.Name.UseOutlines
    pdf.Root.Lang = pikepdf.String("vi-VN")
    pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)

    title = f"Hồ sơ {case_id}"
    types = list(dict.fromkeys(d.type for d in plan.documents))
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = title
        meta["dc:description"] = case_id
        meta["dc:subject"] = types
        meta["dc:creator"] = [case.unit]
        meta["pdf:Keywords"] = ", ".join(types)
        meta["pdf:Producer"] = f"hoso (pikepdf {pikepdf.__version__})"
        meta["xmp:CreatorTool"] = "hoso"
    pdf.docinfo["/Title"] = title
    pdf.docinfo["/Subject"] = case_id
    pdf.docinfo["/Keywords"] = ", ".join(types)
    pdf.docinfo["/Author"] = case.unit
    pdf.docinfo["/Creator"] = "hoso"


# ---- identity and history -----------------------------------------------------------------


def build_key(
    case_id: str,
    plan: Plan,
    case: CaseInfo,
    seals: list[dict],
    originals: list[dict],
    outputs: list[dict],
    names: dict[str, str],
    turns: dict[tuple[str, int], int] | None = None,
) -> str:
    """A digest of everything a build depends on; equal keys draw equal dossiers."""
    data = {
        "layout": LAYOUT_VERSION,
        "case": case_id,
        "unit": case.unit,
        "crime": case.crime,
        "article": case.article,
        "accused": case.accused,
        "victims": case.victims,
        "seals": [[s["version"], list(s["but_luc"]), s["at"]] for s in seals],
        "documents": [[d.id, d.type, d.number, d.date, d.title, d.subtitle, names[d.id]] for d in plan.documents],
        "pages": [[p.document_id, p.seq, p.batch_id, p.number, p.but_luc] for p in plan.pages],
        "originals": sorted(o["sha256"] for o in originals),
        "outputs": sorted(o["sha256"] for o in outputs),
    }
    if turns:  # only when a page was turned, so the keys of untouched dossiers stay as they were
        data["turns"] = sorted([b, n, t] for (b, n), t in turns.items())
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def diff_manifests(before: dict | None, after: dict, reason: str) -> dict:
    """What changed from one version to the next, for `hoso dossier history`."""

    def brief(doc: dict) -> dict:
        return {
            "id": doc["id"],
            "name": doc.get("name") or doc["type"],
            "number": doc.get("number"),
            "but_luc": doc.get("but_luc"),
        }

    changes: dict = {"reason": reason}
    if before is None:
        changes["added"] = [brief(d) for d in after["documents"]]
        return changes
    old = {d["id"]: d for d in before.get("documents", [])}
    new = {d["id"]: d for d in after["documents"]}
    changes["added"] = [brief(d) for d in after["documents"] if d["id"] not in old]
    changes["removed"] = [brief(d) for d in before.get("documents", []) if d["id"] not in new]
    kept_old = {i: n for n, i in enumerate(i for i in old if i in new)}
    kept_new = [i for i in new if i in old]
    # Moved: the fewest documents whose move explains the new order (outside a longest run kept in order).
    stayed = _longest_increasing([kept_old[i] for i in kept_new])
    changes["moved"] = [brief(new[i]) for n, i in enumerate(kept_new) if n not in stayed]
    changes["renumbered"] = [
        {**brief(new[i]), "was": old[i].get("but_luc")}
        for i in kept_new
        if old[i].get("but_luc") is not None and old[i].get("but_luc") != new[i].get("but_luc")
    ]
    changes["edited"] = [
        brief(new[i])
        for i in kept_new
        if any(old[i].get(k) != new[i].get(k) for k in ("type", "number", "date", "title"))
        or [p[:2] for p in old[i].get("pages", [])] != [p[:2] for p in new[i]["pages"]]
    ]
    return {k: v for k, v in changes.items() if v or k == "reason"}


def _longest_increasing(values: list[int]) -> set[int]:
    """Indexes of a longest strictly increasing subsequence of `values` (patience sorting)."""
    import bisect

    tails: list[int] = []  # value at the end of the best run of each length
    tail_index: list[int] = []
    parent: list[int] = [-1] * len(values)
    for n, value in enumerate(values):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_index.append(n)
        else:
            tails[k] = value
            tail_index[k] = n
        parent[n] = tail_index[k - 1] if k else -1
    kept, n = set(), tail_index[-1] if tail_index else -1
    while n != -1:
        kept.add(n)
        n = parent[n]
    return kept
