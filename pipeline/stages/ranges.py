"""Page ranges: one large batch read on every core, its parts merged back in page order.

`split_job` cuts a large batch into `OcrJob`s over small PDFs holding pages a..b (pages copied
by QPDF, their images as they are), which any worker can take like any other job;
`merge_results` joins their `OcrResult`s into the one `run_ocr` gives for the whole batch: the
output PDFs appended in order, page numbers and `ocr_pages` shifted by each range's offset. No
page image is decoded or held here, and a range's pages wait in a file (`set_aside`) as soon as it
is back: memory stays flat in the batch's page count. Every page is judged and read on its own
in `run_ocr`, so a page reads the same in a range as in its whole batch.

A batch stays one job when it is small, or a PDF with a form: a signature covers the whole file,
and `run_ocr` reads signature widgets from the form before flattening it.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import overload

import pikepdf

from ..models import OcrJob, OcrResult, PageText
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
    # Never more ranges than pages: with many workers a range of none would be a reversed page range.
    ranges = min(count, workers * math.ceil(count / (size * workers)))
    bounds = [round(i * count / ranges) for i in range(ranges + 1)]
    parts = []
    for first, last in zip(bounds, bounds[1:], strict=False):
        part = folder / f"pages-{first + 1:05d}-{last:05d}.pdf"
        copy_pages([(source, f"{first + 1}-{last}")], part)
        parts.append(
            replace(job, kind="pdf", sources=[part], output_pdf=part.with_suffix(".ocr.pdf"), pages=(first + 1, last))
        )
    return parts


class PagesAside(Sequence[PageText]):
    """A batch's pages kept in its ranges' page files (one pickle per range, in page order) until it is
    filed: iterating reads one range at a time, so a long batch is never held whole in memory."""

    def __init__(self, ranges: list[tuple[Path, int]]):
        self.ranges = ranges  # (page file, its page count), in page order
        self.count = sum(count for _, count in ranges)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[PageText]:
        offset = 0
        for path, count in self.ranges:
            for page in pickle.loads(path.read_bytes()):
                yield replace(page, number=page.number + offset)
            offset += count

    @overload
    def __getitem__(self, index: int) -> PageText: ...
    @overload
    def __getitem__(self, index: slice) -> list[PageText]: ...
    def __getitem__(self, index):
        return list(self)[index]


def set_aside(result: OcrResult) -> OcrResult:
    """A range's result with its pages written beside its output PDF, out of memory until merged and filed."""
    if isinstance(result.pages, PagesAside):
        return result
    path = result.pdf.with_suffix(".pages")
    path.write_bytes(pickle.dumps(list(result.pages), protocol=pickle.HIGHEST_PROTOCOL))
    return replace(result, pages=PagesAside([(path, len(result.pages))]))


def merge_results(job: OcrJob, results: list[OcrResult]) -> OcrResult:
    """The batch's result from its ranges' results, in page order. The range PDFs are removed; the
    pages stay in the ranges' page files (`set_aside`), read whenever the merged pages are iterated,
    until whoever files the batch removes `range_dir(job)`."""
    if len(results) == 1 and results[0].pdf == job.output_pdf:
        return results[0]
    folder = range_dir(job)
    merged = folder / "merged.pdf"
    copy_pages([(result.pdf, "1-z") for result in results], merged)
    results = [set_aside(result) for result in results]
    ocr_pages, offset = [], 0
    for result in results:
        ocr_pages.extend(number + offset for number in result.ocr_pages)
        offset += len(result.pages)
    from .ocr import publish  # here: the dossier's `copy_pages` must not load OCRmyPDF

    job.output_pdf.parent.mkdir(parents=True, exist_ok=True)
    publish(merged, job.output_pdf)
    for pdf in folder.glob("*.pdf"):  # the ranges, as cut and as read (and a TIFF batch's joined PDF)
        pdf.unlink()
    return OcrResult(
        batch_id=job.batch_id,
        pdf=job.output_pdf,
        pages=PagesAside([r for result in results for r in result.pages.ranges]),
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
