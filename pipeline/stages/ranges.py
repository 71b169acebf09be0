"""Page ranges: one large batch read on every core, its parts merged back in page order.

`split_job` cuts a large batch into `OcrJob`s over small PDFs holding pages a..b (pages copied
with pikepdf, their images as they are), which any worker can take like any other job;
`merge_results` joins their `OcrResult`s into the one `run_ocr` gives for the whole batch: the
output PDFs appended in order (pages copied lazily: no page image is decoded or held here), page
numbers and `ocr_pages` shifted by each range's offset. Every page is judged and read on its own
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
from .ocr import publish


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
        pdf = pikepdf.open(source)
    except pikepdf.PdfError:
        return [job]  # run_ocr says what is wrong with it, as for any batch
    with pdf:
        if "/AcroForm" in pdf.Root:
            return [job]
        count = len(pdf.pages)
        ranges = workers * math.ceil(count / (size * workers))
        bounds = [round(i * count / ranges) for i in range(ranges + 1)]
        parts = []
        for first, last in zip(bounds, bounds[1:], strict=False):
            part = folder / f"pages-{first + 1:05d}-{last:05d}.pdf"
            with pikepdf.new() as piece:
                piece.pages.extend(pdf.pages[first:last])
                piece.save(part)
            parts.append(
                replace(
                    job,
                    kind="pdf",
                    sources=[part],
                    output_pdf=part.with_suffix(".ocr.pdf"),
                    pages=(first + 1, last),
                )
            )
    return parts


def merge_results(job: OcrJob, results: list[OcrResult]) -> OcrResult:
    """The batch's result from its ranges' results, in page order; the range files are removed."""
    if len(results) == 1 and results[0].pdf == job.output_pdf:
        return results[0]
    folder = range_dir(job)
    merged = folder / "merged.pdf"
    pages, ocr_pages, offset = [], [], 0
    with pikepdf.open(results[0].pdf) as whole:
        opened = []
        try:
            for result in results[1:]:
                part = pikepdf.open(result.pdf)
                opened.append(part)
                whole.pages.extend(part.pages)
            whole.save(merged)
        finally:
            for part in opened:
                part.close()
    for result in results:
        pages.extend(replace(page, number=page.number + offset) for page in result.pages)
        ocr_pages.extend(number + offset for number in result.ocr_pages)
        offset += len(result.pages)
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


class RangeFailed(Exception):
    """A page range could not be read: its batch fails with the range's reason, naming its pages."""

    def __init__(self, pages: tuple[int, int], cause: Exception):
        self.where = f"page {pages[0]}" if pages[0] == pages[1] else f"pages {pages[0]}–{pages[1]}"
        self.cause = cause
        super().__init__(f"{self.where}: {cause}")
