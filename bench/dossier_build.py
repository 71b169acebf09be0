"""Time a dossier build (assembly, stamps, front matter, PDF/A) for N pages of real OCR output.

    python bench/dossier_build.py [--pages 200] [--source HOME]

Takes the OCRed batch PDFs of an existing home (default: ingests the 2024-HS-7003
fixture case into a temporary home first), repeats their pages into a synthetic case
of N pages in 10-page batches, and times `pipeline.dossier.build.rebuild_dossier`: a
first build, an unchanged rebuild (skipped), and a forced rebuild. Checks the
result with pikepdf's PDF/A validator (always) and veraPDF (when installed).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pikepdf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.config import Settings  # noqa: E402
from pipeline.dossier.build import rebuild_dossier  # noqa: E402
from pipeline.dossier.pdfa import verapdf  # noqa: E402
from pipeline.hashing import sha256_file  # noqa: E402
from pipeline.store.catalog import Catalog, DocumentRow  # noqa: E402

TYPES = [
    "qd_khoi_to_vu_an",
    "qd_khoi_to_bi_can",
    "lenh_tam_giam",
    "bien_ban_loi_khai",
    "bien_ban_hoi_cung",
    "ket_luan_giam_dinh",
    "ket_luan_dieu_tra",
    "cao_trang",
    "ban_an",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--source", type=Path, help="a home with OCRed batches (default: ingest the fixture case)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hoso-bench-dossier-"))
    source = args.source
    if source is None:
        source = tmp / "source"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "cli",
                "--home",
                str(source),
                "ingest",
                str(REPO.parent / "shared/corpus/dev/inbox/2024-HS-7003"),
            ],
            check=True,
            cwd=REPO,
        )
    src = Catalog(source / "catalog.sqlite")
    pool = []  # (pdf, page number, PageText)
    for batch in src.batches():
        pdf = Path(batch["ocr_pdf"])
        pdf = pdf if pdf.is_absolute() else (source.parent / pdf if (source.parent / pdf).exists() else REPO / pdf)
        for page in src.batch_pages(batch["id"]):
            pool.append((pdf, page))
    src.close()

    home = tmp / "home"
    settings = Settings(home=home, unit="Viện kiểm sát nhân dân tỉnh Quảng Ninh")
    catalog = Catalog(settings.catalog_path)
    case = "2025-HS-9999"
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    made = 0
    with catalog.transaction():
        catalog.ensure_case(case)
        batch_no = 0
        while made < args.pages:
            batch_no += 1
            count = min(10, args.pages - made)
            picks = [pool[(made + i) % len(pool)] for i in range(count)]
            out = pikepdf.new()
            opened = {}
            for pdf, page in picks:
                opened.setdefault(pdf, pikepdf.open(pdf))
                out.pages.append(opened[pdf].pages[page.number - 1])
            out.docinfo["/Title"] = f"batch {batch_no}"
            path = settings.work_dir / f"batch{batch_no:04d}.pdf"
            out.save(path)
            for p in opened.values():
                p.close()
            sha = sha256_file(path)
            pages = [replace(page, number=n) for n, (_, page) in enumerate(picks, 1)]
            catalog.add_batch(
                batch_id=sha,
                kind="pdf",
                originals=[{"name": path.name, "sha256": sha, "archive": str(path)}],
                ocr_pdf=str(path),
                ocr_sha256=sha,
                pages=pages,
                signed=False,
            )
            # Documents of 1-3 pages.
            n = 1
            while n <= count:
                length = min(1 + (batch_no + n) % 3, count - n + 1)
                catalog.put_document(
                    DocumentRow(
                        id=f"D{batch_no:04d}{n:02d}",
                        case_id=case,
                        type=TYPES[(batch_no + n) % len(TYPES)],
                        confidence=1.0,
                        number=f"{batch_no}/QĐ-VKS",
                        date=f"2024-{1 + batch_no % 12:02d}-{1 + n:02d}",
                        arrival=time.time(),
                        pages=[(sha, k, None, None) for k in range(n, n + length)],
                    )
                )
                n += length
            made += count

    timings = {}
    for label, kwargs in (("first", {}), ("unchanged", {}), ("forced", {"force": True})):
        started = time.perf_counter()
        result = rebuild_dossier(settings, catalog, case, **kwargs)
        timings[label] = round(time.perf_counter() - started, 2)
    pdf = result.pdf
    vera = verapdf(pdf)
    report = {
        "pages": args.pages,
        "documents": len(catalog.documents(case)),
        "pdf_pages": result.pages,
        "pdf_mb": round(pdf.stat().st_size / 1e6, 1),
        "seconds": timings,
        "pages_per_second": round(args.pages / timings["forced"], 1),
        "pdfa": result.assembled.pdfa.to_json() if result.assembled else None,
        "verapdf": None if vera is None else ("pass" if vera[0] else "fail"),
    }
    print(json.dumps(report, ensure_ascii=False))
    catalog.close()


if __name__ == "__main__":
    main()
