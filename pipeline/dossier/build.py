"""A case's e-dossier from the catalog: (re)build a version, seal it, describe its history.

The catalog is the store of record; this module reads what a build needs from
it, calls `assemble`, and records the result (version row, dossier page and
bút lục of every document page, sealed numbers). One build per case at a time
(a lock file per case), and no new version when nothing it depends on changed.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..hashing import sha256_file
from ..models import Word
from ..store.catalog import Catalog, DocumentRow
from ..taxonomy import DocType, load_taxonomy
from ..text import fold
from .assemble import (
    AssembledDossier,
    CaseInfo,
    DossierDocument,
    SourcePart,
    assemble,
    build_key,
    document_name,
    plan_dossier,
    version_folder,
)

log = logging.getLogger("hoso.dossier")

# Where the case's crime is best stated, first to last.
_CRIME_SOURCES = ("cao_trang", "ket_luan_dieu_tra", "ban_an", "qd_khoi_to_bi_can", "qd_phe_chuan", "qd_khoi_to_vu_an")


@dataclass
class BuildResult:
    case_id: str
    version: int
    built: bool  # False: nothing changed since `version`, no new version was made
    pdf: Path
    pages: int
    sealed: bool = False
    assembled: AssembledDossier | None = None


def who() -> str:
    return os.environ.get("HOSO_USER") or getpass.getuser()


@contextmanager
def case_lock(settings: Settings, catalog: Catalog, case_id: str) -> Iterator[None]:
    """Only one process builds a case's dossier at a time: on any machine sharing a PostgreSQL catalog
    (a lock of its server), else on this one (a file lock in the home)."""
    if catalog.shares_locks:
        with catalog.held_lock(f"dossier {case_id}"):
            yield
        return
    from filelock import FileLock  # slow to import, and commands that only read a dossier never lock

    folder = settings.home / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(folder / f"dossier-{case_id}.lock"):
        yield


def home_path(settings: Settings, path: str | Path) -> Path:
    """A path as the catalog recorded it: absolute, since Settings resolves the home, or else
    relative to the home."""
    p = Path(path)
    return p if p.is_absolute() else settings.home / p


def source_parts(doc: DocumentRow, batches: dict[str, dict]) -> list[SourcePart]:
    """Runs of consecutive pages per batch, named by the original file they start in."""
    parts: list[SourcePart] = []
    for batch_id, number, *_ in doc.pages:
        originals = batches[batch_id]["originals"]
        original = originals[number - 1] if len(originals) > 1 else originals[0]
        last = parts[-1] if parts else None
        if last is not None and last.batch_id == batch_id and last.pages[1] == number - 1:
            last.pages = (last.pages[0], number)
        else:
            parts.append(
                SourcePart(file=original["name"], sha256=original["sha256"], pages=(number, number), batch_id=batch_id)
            )
    return parts


def dossier_document(doc: DocumentRow, batches: dict[str, dict]) -> DossierDocument:
    return DossierDocument(
        id=doc.id,
        type=doc.type,
        number=doc.number,
        date=doc.date,
        title=doc.title,
        subtitle=doc.subtitle,
        position=doc.position,
        arrival=doc.arrival,
        pages=[(b, n) for b, n, *_ in doc.pages],
        sources=source_parts(doc, batches),
        persons=doc.persons,
        crime=doc.crime,
        article=doc.article,
    )


def case_info(catalog: Catalog, case_id: str, documents: list[DossierDocument], unit: str) -> CaseInfo:
    """Crime and persons for the cover: the case row if someone recorded them, else the documents'."""
    info = CaseInfo(unit=unit)
    row = catalog.case_info(case_id) or {}
    rank = {t: n for n, t in enumerate(_CRIME_SOURCES)}
    crimes = Counter(d.crime for d in documents if d.crime)
    if row.get("crime"):
        info.crime, info.article = row["crime"], row.get("article")
    elif crimes:
        best = {}
        for doc in documents:
            if doc.crime:
                best[doc.crime] = min(best.get(doc.crime, 99), rank.get(doc.type, 50))
        info.crime = max(crimes, key=lambda c: (crimes[c], -best[c]))
        articles = Counter(d.article for d in documents if d.article and d.crime == info.crime) or Counter(
            d.article for d in documents if d.article
        )
        info.article = articles.most_common(1)[0][0] if articles else None
    info.accused = _names(row.get("accused"), documents, ("bi_can", "bi_cao"))
    info.victims = _names(None, documents, ("nguoi_bi_hai",))
    return info


def _names(recorded, documents: list[DossierDocument], roles: tuple[str, ...]) -> list[str]:
    if recorded:
        try:
            value = json.loads(recorded)
        except (TypeError, ValueError):
            value = recorded
        return [value] if isinstance(value, str) else [str(v) for v in value]
    seen: dict[str, str] = {}
    for doc in documents:
        for person in doc.persons:
            if person.get("role") in roles and person.get("name"):
                seen.setdefault(fold(person["name"]).lower(), person["name"])
    return list(seen.values())


def rebuild_dossier(
    settings: Settings,
    catalog: Catalog,
    case_id: str,
    *,
    taxonomy: dict[str, DocType] | None = None,
    reason: str = "ingest",
    force: bool = False,
    seal: bool = False,
) -> BuildResult | None:
    """Build the case's dossier if anything it depends on changed (always when sealing or forced).

    `seal`: freeze every page's bút lục in this build; the new version is the sealed one.
    Returns None when the case has no documents.
    """
    taxonomy = taxonomy or load_taxonomy(settings.taxonomy)
    with case_lock(settings, catalog, case_id):
        rows = catalog.documents(case_id)
        if not rows and (seal or catalog.latest_dossier(case_id) is None):
            return None  # a case whose documents all moved away gets an empty version instead
        batch_ids = list(dict.fromkeys(b for d in rows for b, *_ in d.pages))
        batches = {b["id"]: b for b in catalog.batches(batch_ids)}
        turns = catalog.page_turns(batch_ids)  # pages a clerk turned (`hoso page rotate`)
        documents = [dossier_document(d, batches) for d in rows]
        frozen = catalog.sealed_pages(case_id)
        seals = catalog.seals(case_id)
        case = case_info(catalog, case_id, documents, settings.unit)
        originals = [dict(o, signed=bool(info["signed"])) for info in batches.values() for o in info["originals"]]
        outputs = [
            {"batch": b, "file": Path(info["ocr_pdf"]).name, "sha256": info["ocr_sha256"]}
            for b, info in batches.items()
        ]
        latest = catalog.latest_dossier(case_id)
        plan = plan_dossier(documents, taxonomy, frozen)

        version = catalog.next_dossier_version(case_id)
        if seal:
            if not plan.pages:
                return None
            newly = [(p.batch_id, p.number, p.but_luc) for p in plan.pages if not p.frozen]
            if not newly and latest is not None and not force:  # every page is sealed already
                return BuildResult(case_id, latest["version"], False, Path(latest["pdf"]), latest["pages"], True)
            numbers = [bl for *_, bl in newly] or [p.but_luc for p in plan.pages]
            seals = seals + [
                {
                    "version": version,
                    "at": _now(),
                    "who": who(),
                    "but_luc": [min(numbers), max(numbers)],
                    "pages": len(newly),
                }
            ]
        elif not force and latest is not None:
            names = {d.id: document_name(d, taxonomy) for d in plan.documents}
            key = build_key(case_id, plan, case, seals, originals, outputs, names, turns)
            if _recorded_key(settings, latest) == key and _present(settings, latest):
                # Nothing changed: the pages keep the places the latest version gave them (after its
                # front pages, which are all its pages but the content ones, the same now).
                front = latest["pages"] - len(plan.pages)
                with catalog.transaction():
                    catalog.set_dossier_pages(
                        [(p.document_id, p.seq, front + i, p.but_luc) for i, p in enumerate(plan.pages, 1)]
                    )
                return BuildResult(
                    case_id, latest["version"], False, Path(latest["pdf"]), latest["pages"], bool(latest["sealed"])
                )

        previous_manifest = _read_manifest(settings, latest)

        def words(batch_id: str, number: int) -> list[Word] | None:
            """A page's words and stamp boxes, read when its bút lục is placed: the bút lục goes where no
            word is, nor a stamp (an e-signature's words are not the page's). One page at a time, so a
            case's length does not weigh on memory."""
            page = catalog.batch_page(batch_id, number)
            return page.words + [Word(s.kind, *s.box) for s in page.stamps if s.box] if page else None

        out_dir = (settings.dossiers_dir / case_id).absolute()
        try:
            built = assemble(
                case_id,
                documents,
                {b: home_path(settings, info["ocr_pdf"]) for b, info in batches.items()},
                originals,
                out_dir,
                taxonomy,
                version=version,
                case=case,
                frozen=frozen,
                seals=seals,
                words=words,
                outputs=outputs,
                previous=(
                    {
                        "version": latest["version"],
                        "manifest_sha256": latest["manifest_sha256"],
                        "manifest": previous_manifest,
                    }
                    if latest
                    else None
                ),
                reason="seal" if seal else reason,
                tmp_dir=settings.tmp_dir,
                turns=turns,
            )
        except BaseException:  # e.g. the disk filled up: no half-written version the catalog never recorded
            shutil.rmtree(version_folder(out_dir, version), ignore_errors=True)
            raise
        with catalog.transaction():
            catalog.set_dossier_pages(built.numbering)
            recorded = catalog.add_dossier(
                case_id=case_id,
                pdf=str(built.pdf),
                pdf_sha256=built.pdf_sha256,
                manifest=str(built.manifest),
                manifest_sha256=built.manifest_sha256,
                pages=built.pages,
                build_key=built.build_key,
            )
            assert recorded == version, (recorded, version)
            if seal:
                catalog.seal_pages(case_id, version, newly, seals[-1]["who"])
                catalog.mark_dossier_sealed(case_id, version)
        log.info("dossier %s v%d: %d pages (%s)", case_id, version, built.pages, built.pdfa.method)
        return BuildResult(case_id, version, True, built.pdf, built.pages, seal, built)


def _now() -> float:
    import time

    return time.time()


def _read_manifest(settings: Settings | None, row: dict | None) -> dict | None:
    if row is None:
        return None
    try:
        path = home_path(settings, row["manifest"]) if settings else Path(row["manifest"])
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _recorded_key(settings: Settings, row: dict) -> str | None:
    """The build key of a dossier version: recorded with its row (before that, only in its manifest)."""
    return row["build_key"] or (_read_manifest(settings, row) or {}).get("build_key")


def _present(settings: Settings, row: dict) -> bool:
    """Are the version's files there? Their bytes were hashed as they were written; `hoso verify`
    checks them against those digests (a build does not read the whole PDF again to decide)."""
    return home_path(settings, row["pdf"]).exists() and home_path(settings, row["manifest"]).exists()


def history(catalog: Catalog, case_id: str, settings: Settings | None = None) -> list[dict]:
    """Every version of the case's dossier, oldest first, with what changed in it."""
    versions = []
    for row in catalog.dossiers(case_id):
        manifest = _read_manifest(settings, row)
        path = home_path(settings, row["manifest"]) if settings else Path(row["manifest"])
        intact = manifest is not None and sha256_file(path) == row["manifest_sha256"]
        entry = {
            "version": row["version"],
            "created_at": row["created_at"],
            "pages": row["pages"],
            "sealed": bool(row["sealed"]),
            "pdf": row["pdf"],
            "pdf_sha256": row["pdf_sha256"],
            "manifest": row["manifest"],
            "manifest_sha256": row["manifest_sha256"],
            "manifest_intact": intact,
        }
        if manifest is not None:
            entry["documents"] = len(manifest.get("documents", []))
            entry["but_luc"] = manifest.get("dossier", {}).get("but_luc")
            entry["pdfa"] = manifest.get("dossier", {}).get("pdfa")
            entry["changes"] = manifest.get("changes", {})
        versions.append(entry)
    return versions
