"""Page ranges: one large batch read on every core, its parts merged back in page order.

`split_job` cuts a large batch into `OcrJob`s over small PDFs holding pages a..b (pages copied
by QPDF, their images as they are), which any worker can take like any other job;
`merge_results` joins their `OcrResult`s into the one `run_ocr` gives for the whole batch: the
output PDFs appended in order, page numbers and `ocr_pages` shifted by each range's offset. No
page image is decoded or held here: memory stays flat in the batch's page count. Every page is judged and read on its own
in `run_ocr`, so a page reads the same in a range as in its whole batch.

A batch stays one job when it is small, or a PDF with a form: a signature covers the whole file,
and `run_ocr` reads signature widgets from the form before flattening it.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import replace
from pathlib import Path

import pikepdf

from ..models import OcrJob, OcrResult
from .normalize import images_to_pdf


def range_dir(job: OcrJob) -> Path:
    """Where a split batch's range PDFs and their OCR outputs live until they are merged."""
    return job.tmp_dir / f"ranges-{job.batch_id[:16]}"


def split_job(job: OcrJob, pages: int, size: int, workers: int = 1) -> list[OcrJob]:
    """The batch's page-range jobs, or `[job]` when it is read as one.

    A batch of more than two ranges of `size` pages is cut into ranges of at most `size` pages, as
    many as a multiple of `workers`, and of equal length (within a page), so that no worker is left
    alone with a long last range. Images (TIFF, loose pages) become one PDF first, as `run_ocr`
    would make it.
    """
    if job.pages is not None or pages <= 2 * size:
        return [job]
    folder = range_dir(job)
    folder.mkdir(parents=True, exist_ok=True)
    source = job.sources[0]
    if job.kind in ("tiff", "images"):
        source = folder / "batch.pdf"
        images_to_pdf(job.sources, source, job.max_pixels)
    try:
        with pikepdf.open(source) as pdf:
            if "/AcroForm" in pdf.Root:
                return [job]
            count = len(pdf.pages)
    except pikepdf.PdfError:
        return [job]  # run_ocr says what is wrong with it, as for any batch
    ranges = workers * math.ceil(count / (size * workers))
    bounds = [round(i * count / ranges) for i in range(ranges + 1)]
    parts = []
    for first, last in zip(bounds, bounds[1:], strict=False):
        part = folder / f"pages-{first + 1:05d}-{last:05d}.pdf"
        copy_pages([(source, f"{first + 1}-{last}")], part)
        parts.append(
            replace(job, kind="pdf", sources=[part], output_pdf=part.with_suffix(".ocr.pdf"), pages=(first + 1, last))
        )
    return parts


def merge_results(job: OcrJob, results: list[OcrResult]) -> OcrResult:
    """The batch's result from its ranges' results, in page order; the range files are removed."""
    if len(results) == 1 and results[0].pdf == job.output_pdf:
        return results[0]
    folder = range_dir(job)
    merged = folder / "merged.pdf"
    copy_pages([(result.pdf, "1-z") for result in results], merged)
    pages, ocr_pages, offset = [], [], 0
    for result in results:
        pages.extend(replace(page, number=page.number + offset) for page in result.pages)
        ocr_pages.extend(number + offset for number in result.ocr_pages)
        offset += len(result.pages)
    from .ocr import publish  # here: the dossier's `copy_pages` must not load OCRmyPDF

    job.output_pdf.parent.mkdir(parents=True, exist_ok=True)
    publish(merged, job.output_pdf)
    shutil.rmtree(folder, ignore_errors=True)
    return OcrResult(
        batch_id=job.batch_id,
        pdf=job.output_pdf,
        pages=pages,
        signed=any(result.signed for result in results),
        ocr_pages=ocr_pages,
    )


def copy_pages(sources: list[tuple[Path, str]], output: Path) -> None:
    """A PDF of these pages (qpdf's page ranges: "3", "1-8", "1-z" for all) of these PDFs, in order.

    QPDF's own job copies the pages lazily, one image stream at a time while it writes; a pikepdf
    `Pdf` copies every foreign image into memory first (immediate copy), which grows with pages.
    """
    pikepdf.Job(
        [
            "qpdf",
            "--empty",
            "--pages",
            *(str(a) for source, pages in sources for a in (source, pages)),
            "--",
            str(output),
        ]
    ).run()


class RangeFailed(Exception):
    """A page range could not be read: its batch fails with the range's reason, naming its pages."""

    def __init__(self, pages: tuple[int, int], cause: Exception):
        self.where = f"page {pages[0]}" if pages[0] == pages[1] else f"pages {pages[0]}–{pages[1]}"
        self.cause = cause
        super().__init__(f"{self.where}: {cause}")
