"""Assemble a case's documents into one dossier PDF with bookmarks, and its manifest."""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from .hashing import sha256_file
from .taxonomy import DocType


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


@dataclass
class AssembledDossier:
    pdf: Path
    pdf_sha256: str
    manifest: Path
    manifest_sha256: str
    pages: int
    numbering: list[tuple[str, int, int, int | None]]  # (document id, seq, dossier page, bút lục)
    order: list[DossierDocument]


def order_documents(documents: list[DossierDocument], taxonomy: dict[str, DocType]) -> list[DossierDocument]:
    """Procedural stage (taxonomy order), then document date, then arrival; clerk's positions win."""
    def stage(doc: DossierDocument) -> tuple:
        order = taxonomy[doc.type].order if doc.type in taxonomy else 99
        return (order, doc.date or "9999", doc.arrival, doc.id)

    automatic = sorted((d for d in documents if d.position is None), key=stage)
    for doc in sorted((d for d in documents if d.position is not None), key=lambda d: (d.position, stage(d))):
        automatic.insert(min(max(doc.position - 1, 0), len(automatic)), doc)
    return automatic


def bookmark_title(doc: DossierDocument, taxonomy: dict[str, DocType]) -> str:
    name = taxonomy[doc.type].name if doc.type in taxonomy else doc.type
    if doc.type in ("khac", "cong_van") and doc.title:
        name = doc.title
    parts = [name.split(" (")[0]]
    if doc.number:
        parts.append(doc.number)
    if doc.date:
        parts.append(f"({_vn_date(doc.date)})")
    return " ".join(parts)


def _vn_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def assemble(
    case_id: str,
    documents: list[DossierDocument],
    batch_pdfs: dict[str, Path],
    originals: list[dict],
    out_dir: Path,
    taxonomy: dict[str, DocType],
) -> AssembledDossier:
    """Write `<out_dir>/<case_id>.pdf` and `manifest.json` atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ordered = order_documents(documents, taxonomy)
    pdf_path = out_dir / f"{case_id}.pdf"
    numbering: list[tuple[str, int, int, int | None]] = []
    sources: dict[str, pikepdf.Pdf] = {}
    dossier = pikepdf.new()
    try:
        with dossier.open_outline() as outline:
            for doc in ordered:
                first = len(dossier.pages)
                for seq, (batch_id, number) in enumerate(doc.pages, 1):
                    if batch_id not in sources:
                        sources[batch_id] = pikepdf.open(batch_pdfs[batch_id])
                    dossier.pages.append(sources[batch_id].pages[number - 1])
                    numbering.append((doc.id, seq, len(dossier.pages), None))
                outline.root.append(pikepdf.OutlineItem(bookmark_title(doc, taxonomy), first))
        dossier.docinfo["/Title"] = f"Hồ sơ vụ án {case_id}"
        dossier.docinfo["/Subject"] = case_id
        partial = pdf_path.with_name(pdf_path.name + ".part")
        dossier.save(partial)
    finally:
        dossier.close()
        for pdf in sources.values():
            pdf.close()
    os.replace(partial, pdf_path)
    pdf_sha = sha256_file(pdf_path)
    pages_of = {}
    for doc_id, seq, page, _ in numbering:
        pages_of.setdefault(doc_id, []).append(page)
    manifest = {
        "case_id": case_id,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "dossier": {"file": pdf_path.name, "sha256": pdf_sha, "pages": len(numbering)},
        "documents": [
            {
                "id": doc.id, "type": doc.type, "number": doc.number, "date": doc.date, "title": doc.title,
                "dossier_pages": [pages_of[doc.id][0], pages_of[doc.id][-1]],
                "sources": [{"file": s.file, "sha256": s.sha256, "pages": list(s.pages)} for s in doc.sources],
            }
            for doc in ordered
        ],
        "originals": originals,
    }
    manifest_path = out_dir / "manifest.json"
    partial = manifest_path.with_name("manifest.json.part")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, manifest_path)
    return AssembledDossier(
        pdf=pdf_path, pdf_sha256=pdf_sha, manifest=manifest_path, manifest_sha256=sha256_file(manifest_path),
        pages=len(numbering), numbering=numbering, order=ordered,
    )
