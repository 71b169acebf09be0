"""Integrity: recompute what the catalog and the manifests promise, and say what is wrong.

`verify_home` checks a home: every original in the archive, every OCR output,
every dossier version's PDF and manifest (the manifest's own sha256 is in the
catalog), the current dossier files, and files nobody refers to (orphans).

`export_bundle` writes one case's dossier PDF, its manifest and its originals
to a zip; `verify_bundle` checks such a zip on any machine, with no catalog:
the manifest lists the sha256 of every file in it, and its own sha256 is
printed so it can be compared with the sending home's record (`hoso dossier
history`), and is compared automatically when the local catalog knows the case.
"""

from __future__ import annotations

import hashlib
import json
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from ..config import Settings
from ..errors import IntegrityError
from ..hashing import sha256_file
from ..store.catalog import Catalog
from .build import home_path

BUNDLE_FORMAT = "hoso-bundle/1"
BUNDLE_INFO = "hoso-bundle.json"


@dataclass
class Problem:
    problem: str  # missing | altered | orphaned
    kind: str  # original | ocr_output | dossier_pdf | manifest | current_pdf | current_manifest | history | catalog | file
    path: str
    case_id: str | None = None
    expected_sha256: str | None = None
    actual_sha256: str | None = None
    detail: str | None = None

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, kind: str, n: int = 1) -> None:
        self.checked[kind] = self.checked.get(kind, 0) + n

    def to_json(self) -> dict:
        return {"ok": self.ok, **self.extra, "checked": self.checked, "problems": [p.to_json() for p in self.problems]}


def _check_file(report: Report, kind: str, path: Path, expected: str, case_id: str | None = None) -> str | None:
    """Missing or altered? Returns the actual sha256 (None if missing)."""
    report.count(kind)
    if not path.is_file():
        report.problems.append(Problem("missing", kind, str(path), case_id, expected))
        return None
    actual = sha256_file(path)
    if actual != expected:
        report.problems.append(Problem("altered", kind, str(path), case_id, expected, actual))
    return actual


def _resolve(path: str, settings: Settings) -> Path:
    return home_path(settings, path).resolve()


# ---- a home -------------------------------------------------------------------------------


def verify_home(settings: Settings, catalog: Catalog, cases: list[str] | None = None) -> Report:
    report = Report()
    everything = not cases
    case_ids = catalog.case_ids() if everything else list(cases)
    report.extra["cases"] = case_ids

    integrity = catalog.integrity_check()
    report.count("catalog")
    if integrity != "ok":
        report.problems.append(Problem("altered", "catalog", str(settings.catalog_path), detail=integrity))

    # Originals and OCR outputs of the batches these cases use (all batches when no case is named).
    if everything:
        batch_ids = [b["id"] for b in catalog.batches()]
    else:
        batch_ids = list(dict.fromkeys(b for c in case_ids for d in catalog.documents(c) for b, *_ in d.pages))
    known_files: set[Path] = set()
    cases_of = catalog.cases_of_batches(batch_ids)
    for batch in catalog.batches(batch_ids):
        owner = next((c for c in cases_of[batch["id"]] if c in case_ids), None)
        for original in batch["originals"]:
            path = _resolve(original["archive"], settings)
            known_files.add(path)
            _check_file(report, "original", path, original["sha256"], owner)
        path = _resolve(batch["ocr_pdf"], settings)
        known_files.add(path)
        _check_file(report, "ocr_output", path, batch["ocr_sha256"], owner)

    for case_id in case_ids:
        _verify_case_dossiers(settings, catalog, case_id, report, everything)

    if everything:
        known_files |= _unbatched_arrivals(report, settings, catalog, known_files)
        _orphans(report, settings.archive_dir, known_files, "original")
        _orphans(report, settings.work_dir, known_files, "ocr_output", pattern="??/*.pdf")
        if settings.dossiers_dir.is_dir():
            known_cases = set(case_ids)
            for folder in sorted(settings.dossiers_dir.iterdir()):
                if folder.is_dir() and folder.name not in known_cases:
                    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                        report.problems.append(
                            Problem(
                                "orphaned",
                                "file",
                                str(path),
                                folder.name,
                                detail="in the dossiers folder of a case the catalog does not know",
                            )
                        )
    return report


def _unbatched_arrivals(report: Report, settings: Settings, catalog: Catalog, batched: set[Path]) -> set[Path]:
    """Archive copies and OCR outputs of arrivals that never became a batch: quarantined (an encrypted or
    damaged PDF is archived before it is found out) or held back (disk full). Their files rows know them."""
    waiting = [r for r in catalog.files() if r.state in ("quarantined", "queued", "processing")]
    contents = {r.sha256 for r in waiting}  # a single file's sha256 is the arrival's content id
    for row in waiting:
        if row.kind == "images":  # loose pages: the content id is of the pages' sha256s
            folder = Path(row.quarantine) if row.quarantine else None
            for page in map(Path, row.paths):
                copy = folder / page.name if folder is not None and (folder / page.name).is_file() else page
                if copy.is_file():
                    contents.add(sha256_file(copy))
    known: set[Path] = set()
    if settings.archive_dir.is_dir():
        for path in settings.archive_dir.glob("??/*"):
            if path.is_file() and path.name.split(".")[0] in contents and path.resolve() not in batched:
                known.add(path.resolve())
                _check_file(report, "original", path, path.name.split(".")[0])  # named by its sha256
    if settings.work_dir.is_dir():
        known |= {p.resolve() for p in settings.work_dir.glob("??/*.pdf") if p.stem in contents}
    return known


def _verify_case_dossiers(settings: Settings, catalog: Catalog, case_id: str, report: Report, everything: bool) -> None:
    rows = catalog.dossiers(case_id)
    folder = settings.dossiers_dir / case_id
    known: set[Path] = set()
    previous: dict | None = None
    for row in rows:
        pdf, manifest_path = _resolve(row["pdf"], settings), _resolve(row["manifest"], settings)
        known |= {pdf, manifest_path}
        _check_file(report, "dossier_pdf", pdf, row["pdf_sha256"], case_id)
        manifest_sha = _check_file(report, "manifest", manifest_path, row["manifest_sha256"], case_id)
        if manifest_sha is not None:
            try:
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            except ValueError:
                manifest = None
            if manifest is not None:
                listed = manifest.get("dossier", {}).get("sha256")
                if listed and listed != row["pdf_sha256"]:
                    report.problems.append(
                        Problem(
                            "altered",
                            "manifest",
                            str(manifest_path),
                            case_id,
                            row["pdf_sha256"],
                            listed,
                            "the manifest names another dossier PDF than the catalog",
                        )
                    )
                link = manifest.get("previous")
                if previous is not None and link and link.get("manifest_sha256") != previous["manifest_sha256"]:
                    report.problems.append(
                        Problem(
                            "altered",
                            "history",
                            str(manifest_path),
                            case_id,
                            previous["manifest_sha256"],
                            link.get("manifest_sha256"),
                            f"version {row['version']} does not follow version {previous['version']} as recorded",
                        )
                    )
        previous = row
    if rows:
        latest = rows[-1]
        for kind, path, expected in (
            ("current_pdf", folder / f"{case_id}.pdf", latest["pdf_sha256"]),
            ("current_manifest", folder / "manifest.json", latest["manifest_sha256"]),
        ):
            known.add(path.resolve())
            _check_file(report, kind, path, expected, case_id)
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if path.resolve() not in known and not path.name.endswith(".part"):
                report.problems.append(
                    Problem(
                        "orphaned", "file", str(path), case_id, detail="no dossier version of the catalog refers to it"
                    )
                )


def _orphans(report: Report, folder: Path, known: set[Path], kind: str, pattern: str = "**/*") -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.glob(pattern)):
        if path.is_file() and not path.name.endswith(".part") and path.resolve() not in known:
            report.problems.append(Problem("orphaned", kind, str(path), detail="no batch of the catalog refers to it"))


# ---- bundles --------------------------------------------------------------------------------


class BundleError(IntegrityError):
    """The bundle could not be written (a source file is missing or altered)."""


def _original_entry(case_id: str, original: dict) -> str:
    suffix = Path(original.get("name") or original.get("archive") or "").suffix.lower() or ".bin"
    return f"{case_id}/originals/{original['sha256']}{suffix}"


def export_bundle(settings: Settings, catalog: Catalog, case_id: str, out: Path, version: int | None = None) -> dict:
    """Zip the dossier PDF, manifest and originals of a version (the latest by default)."""
    rows = catalog.dossiers(case_id)
    row = next((r for r in rows if r["version"] == version), None) if version else (rows[-1] if rows else None)
    if row is None:
        raise LookupError(f"no dossier{f' version {version}' if version else ''} for case {case_id}")
    manifest_path, pdf_path = _resolve(row["manifest"], settings), _resolve(row["pdf"], settings)
    manifest_bytes = _read_verified(manifest_path, row["manifest_sha256"], "manifest")
    manifest = json.loads(manifest_bytes)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    entries = 0
    with zipfile.ZipFile(partial, "w") as zf:
        zf.writestr(f"{case_id}/manifest.json", manifest_bytes, compress_type=zipfile.ZIP_DEFLATED)
        _add_verified(zf, pdf_path, f"{case_id}/{pdf_path.name}", row["pdf_sha256"], "dossier PDF")
        entries += 2
        seen = set()
        for original in manifest.get("originals", []):
            if original["sha256"] in seen:
                continue
            seen.add(original["sha256"])
            _add_verified(
                zf,
                _resolve(original["archive"], settings),
                _original_entry(case_id, original),
                original["sha256"],
                f"original {original.get('name')}",
            )
            entries += 1
        info = {
            "format": BUNDLE_FORMAT,
            "case_id": case_id,
            "version": row["version"],
            "sealed": bool(row["sealed"]),
            "manifest": f"{case_id}/manifest.json",
            "manifest_sha256": row["manifest_sha256"],
            "dossier": f"{case_id}/{pdf_path.name}",
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "unit": settings.unit,
        }
        zf.writestr(
            BUNDLE_INFO, json.dumps(info, ensure_ascii=False, indent=2) + "\n", compress_type=zipfile.ZIP_DEFLATED
        )
    partial.replace(out)
    return {**info, "bundle": str(out), "files": entries, "sha256": sha256_file(out)}


def _read_verified(path: Path, expected: str, what: str) -> bytes:
    if not path.is_file():
        raise BundleError(f"the {what} {path} is missing")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != expected:
        raise BundleError(f"the {what} {path} was altered (sha256 differs from the record)")
    return data


def _add_verified(zf: zipfile.ZipFile, path: Path, name: str, expected: str, what: str) -> None:
    """Copy a file into the zip, hashing what is copied: a damaged file never leaves the home."""
    if not path.is_file():
        raise BundleError(f"the {what} ({path}) is missing")
    digest = hashlib.sha256()
    with open(path, "rb") as src, zf.open(zipfile.ZipInfo.from_file(path, name), "w", force_zip64=True) as dst:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            dst.write(chunk)
    if digest.hexdigest() != expected:
        raise BundleError(f"the {what} ({path}) was altered (sha256 differs from the record)")


def verify_bundle(path: Path, catalog: Catalog | None = None) -> Report:
    """Check a bundle on its own; with a catalog that knows the case, against its record too."""
    report = Report()
    report.extra["bundle"] = str(path)
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.problems.append(Problem("altered", "bundle", str(path), detail=f"not a readable zip: {exc}"))
        return report
    with zf:
        names = set(zf.namelist())
        expected: set[str] = set()

        def digest(name: str) -> str:
            with zf.open(name) as fh:
                return hashlib.file_digest(fh, "sha256").hexdigest()

        def check(kind: str, name: str, sha: str | None, case_id: str | None) -> None:
            expected.add(name)
            report.count(kind)
            if name not in names:
                report.problems.append(Problem("missing", kind, name, case_id, sha))
                return
            actual = digest(name)
            if sha is not None and actual != sha:
                report.problems.append(Problem("altered", kind, name, case_id, sha, actual))

        info = None
        if BUNDLE_INFO not in names:
            report.problems.append(
                Problem("missing", "bundle", BUNDLE_INFO, detail="the bundle's record of its manifest sha256 is gone")
            )
        else:
            expected.add(BUNDLE_INFO)
            try:
                info = json.loads(zf.read(BUNDLE_INFO))
            except ValueError:
                report.problems.append(Problem("altered", "bundle", BUNDLE_INFO, detail="not JSON"))
        manifests = [n for n in names if PurePosixPath(n).name == "manifest.json"]
        manifest_name = (info or {}).get("manifest") or (manifests[0] if len(manifests) == 1 else None)
        if manifest_name is None or manifest_name not in names:
            report.problems.append(Problem("missing", "manifest", manifest_name or "manifest.json"))
            return report
        case_id = (info or {}).get("case_id")
        check("manifest", manifest_name, (info or {}).get("manifest_sha256"), case_id)
        manifest_sha = digest(manifest_name)
        try:
            manifest = json.loads(zf.read(manifest_name))
        except ValueError:
            report.problems.append(Problem("altered", "manifest", manifest_name, case_id, detail="not JSON"))
            return report
        case_id = manifest.get("case_id", case_id)
        folder = str(PurePosixPath(manifest_name).parent)
        prefix = "" if folder == "." else folder + "/"
        report.extra.update({"case_id": case_id, "version": manifest.get("version"), "manifest_sha256": manifest_sha})

        dossier = manifest.get("dossier", {})
        pdf_name = prefix + dossier.get("file", f"{case_id}.pdf")
        check("dossier_pdf", pdf_name, dossier.get("sha256"), case_id)
        if pdf_name in names and dossier.get("pages"):
            pages = _pdf_pages(zf, pdf_name)
            if pages is not None and pages != dossier["pages"]:
                report.problems.append(
                    Problem(
                        "altered",
                        "dossier_pdf",
                        pdf_name,
                        case_id,
                        detail=f"{pages} pages, the manifest says {dossier['pages']}",
                    )
                )
        seen = set()
        for original in manifest.get("originals", []):
            if original["sha256"] in seen:
                continue
            seen.add(original["sha256"])
            check("original", prefix + _original_entry(case_id, original).split("/", 1)[1], original["sha256"], case_id)
        for name in sorted(names - expected):
            if not name.endswith("/"):
                report.problems.append(Problem("orphaned", "file", name, case_id, detail="not listed in the manifest"))

        if catalog is not None and case_id and catalog.case_exists(case_id):
            recorded = {r["version"]: r for r in catalog.dossiers(case_id)}
            row = recorded.get(manifest.get("version"))
            if row is None:
                report.extra["catalog"] = "this home has no record of this version"
            elif row["manifest_sha256"] == manifest_sha:
                report.extra["catalog"] = f"matches version {row['version']} recorded in this home"
            else:
                report.extra["catalog"] = "differs from the version recorded in this home"
                report.problems.append(
                    Problem(
                        "altered",
                        "manifest",
                        manifest_name,
                        case_id,
                        row["manifest_sha256"],
                        manifest_sha,
                        "not the manifest this home recorded for the version",
                    )
                )
    return report


def _pdf_pages(zf: zipfile.ZipFile, name: str) -> int | None:
    import io

    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(zf.read(name))) as pdf:
            return len(pdf.pages)
    except Exception:
        return None
