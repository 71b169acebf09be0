"""OCR stage: one batch in, a PDF with a text layer and its per-page text out.

`run_ocr` takes a picklable `OcrJob` and touches only the files it names, so
any worker process — here a local process pool, later a queue consumer on
another machine — can run it. OCRmyPDF is not thread-safe: call it from
processes, never threads.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import ocrmypdf
import pdfplumber
from PIL import Image

from .barcodes import decode_barcodes
from .deskew import straighten
from .models import OcrJob, OcrResult, PageText, Word
from .normalize import BadInput, check_pdf, flatten_forms, images_to_pdf
from .text import is_good_vietnamese, normalize, vietnamese_score

BLANK_INK = 0.0005
LOOK_DPI = 72  # enough for ink coverage and an 80 mm separator QR code
SEPARATOR_PREFIX = "HOSO:"


def run_ocr(job: OcrJob) -> OcrResult:
    job.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"ocr-{job.batch_id[:12]}-", dir=job.tmp_dir) as tmp:
        source = Path(tmp) / "input.pdf"
        if job.kind == "pdf":
            shutil.copyfile(job.sources[0], source)
        elif job.kind in ("tiff", "images"):
            images_to_pdf(job.sources, source, job.max_pixels)
        else:
            raise BadInput(f"unsupported kind of file ({job.kind})")
        _, signed = check_pdf(source)
        flatten_forms(source)
        looks = inspect_pages(source)
        to_ocr = [n for n, look in enumerate(looks, 1) if look.needs_ocr]
        job.output_pdf.parent.mkdir(parents=True, exist_ok=True)
        partial = job.output_pdf.with_name(job.output_pdf.name + ".part")
        turns: dict[int, int] = {}
        if to_ocr:
            # Most pages arrive upright: read them without Tesseract's orientation pass (about a
            # quarter of the OCR time), then turn and read again only pages that came out as junk.
            level = Path(tmp) / "level.pdf"
            straighten(source, level, to_ocr)
            _ocrmypdf(job, level, partial, pages=to_ocr, redo=any(look.layer == "junk" for look in looks),
                      orient=False)
            misread = _misread_pages(partial, to_ocr)
            if misread:
                turned = Path(tmp) / "turned.pdf"
                turns = _ocrmypdf(job, partial, turned, pages=misread, redo=True, orient=True)
                os.replace(turned, partial)
        else:
            shutil.copyfile(source, partial)
        os.replace(partial, job.output_pdf)
    pages = extract_pages(job.output_pdf, looks, turns, ocred=set(to_ocr))
    return OcrResult(batch_id=job.batch_id, pdf=job.output_pdf, pages=pages, signed=signed, ocr_pages=to_ocr)


@dataclass
class PageLook:
    """What a page shows before OCR: its text layer, how much ink, which codes."""

    layer: str  # good (real Vietnamese text layer) | junk (legacy font, English OCR) | none
    ink: float  # share of pixels clearly darker than the paper
    barcodes: list[str]

    @property
    def blank(self) -> bool:
        # Show-through and speckle stay far below one line of text (~0.15% at 72 dpi).
        return self.ink < BLANK_INK and not self.barcodes and self.layer == "none"

    @property
    def separator(self) -> bool:
        return any(code.startswith(SEPARATOR_PREFIX) for code in self.barcodes)

    @property
    def needs_ocr(self) -> bool:
        return self.layer != "good" and not self.blank and not self.separator


def inspect_pages(pdf_path: Path) -> list[PageLook]:
    looks = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            text = page.extract_text() or ""
            if len(text.strip()) < 10:
                layer = "none"
            else:
                layer = "good" if is_good_vietnamese(text, min_tokens=3) else "junk"
            image = page.to_image(resolution=LOOK_DPI).original
            looks.append(PageLook(layer=layer, ink=ink_share(image), barcodes=decode_barcodes(image)))
    return looks


def ink_share(image: Image.Image) -> float:
    """Share of pixels at least 60 grey levels darker than the paper (its 90th percentile)."""
    histogram = image.convert("L").histogram()
    total = sum(histogram)
    seen, paper = 0, 255
    for level, count in enumerate(histogram):
        seen += count
        if seen >= 0.9 * total:
            paper = level
            break
    return sum(histogram[: max(paper - 60, 0)]) / total


def _misread_pages(pdf_path: Path, pages: list[int]) -> list[int]:
    """OCRed pages whose text does not read as Vietnamese (turned, or too poor to trust)."""
    with pdfplumber.open(pdf_path) as pdf:
        return [n for n in pages if not is_good_vietnamese(pdf.pages[n - 1].extract_text() or "", min_tokens=3)]


def _ocrmypdf(job: OcrJob, source: Path, output: Path, *, pages: list[int], redo: bool, orient: bool) -> dict[int, int]:
    """OCR the listed pages; returns {page: degrees turned}."""
    logger = logging.getLogger("ocrmypdf")
    logger.setLevel(logging.INFO)
    rotations = _RotationLog()
    logger.addHandler(rotations)
    try:
        ocrmypdf.ocr(
            source,
            output,
            language=job.languages.split("+"),
            # A junk text layer must go; otherwise keep pages that already read well.
            mode="force" if redo else "skip",
            pages=",".join(map(str, pages)),
            rotate_pages=orient,
            rotate_pages_threshold=5.0 if orient else None,
            deskew=False,  # pages were levelled by pipeline.deskew, at a fraction of the cost
            output_type="pdf",  # PDF/A comes once, for the whole dossier
            optimize=0,
            jobs=1,
            progress_bar=False,
            invalidate_digital_signatures=True,  # the signed original stays untouched in the archive
            max_image_mpixels=job.max_pixels / 1e6,
            tesseract_timeout=300,
        )
    except ocrmypdf.exceptions.EncryptedPdfError:
        raise BadInput("the PDF is encrypted; ask the sender for an unprotected copy") from None
    except ocrmypdf.exceptions.InputFileError as exc:
        raise BadInput(f"the file cannot be read as a scan ({exc})") from None
    except ocrmypdf.exceptions.DpiError as exc:
        raise BadInput(f"the scan has no usable resolution ({exc})") from None
    except Image.DecompressionBombError:
        raise BadInput(f"a page image has more pixels than the limit of {job.max_pixels:,}") from None
    finally:
        logger.removeHandler(rotations)
    return rotations.turns


class _RotationLog(logging.Handler):
    """Collects OCRmyPDF's per-page orientation decisions.

    OCRmyPDF re-renders a turned page upright instead of setting
    /Rotate, so its log line is the only record of the turn.
    """

    _LINE = re.compile(r"page is facing .* will rotate (\S)")
    _TURNS = {"⬏": 90, "↻": 180, "⬑": 270}

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.turns: dict[int, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        match = self._LINE.search(record.getMessage())
        page = getattr(record, "pageno", None)
        if match and page:
            self.turns[int(page)] = self._TURNS.get(match[1], 0)


def extract_pages(pdf_path: Path, looks: list[PageLook], turns: dict[int, int], ocred: set[int]) -> list[PageText]:
    """Normalized text and word boxes of every page (pdfplumber)."""
    pages = []
    with pdfplumber.open(pdf_path) as pdf:
        for number, (page, look) in enumerate(zip(pdf.pages, looks), 1):
            blank_or_separator = look.blank or look.separator
            words = [] if blank_or_separator else [
                Word(normalize(w["text"]), float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"]))
                for w in page.extract_words(keep_blank_chars=False, use_text_flow=False)
            ]
            text = "" if blank_or_separator else normalize(page.extract_text() or "")
            syllables, _ = vietnamese_score(text)
            pages.append(PageText(
                number=number, text=text, width=float(page.width), height=float(page.height), words=words,
                # Share of real Vietnamese syllables read: a page-level stand-in for OCR confidence.
                confidence=round(syllables * 100, 1) if number in ocred else None,
                rotation=turns.get(number, 0), blank=look.blank, barcodes=look.barcodes,
            ))
    return pages
