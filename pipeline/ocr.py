"""OCR stage: one batch in, a PDF with a text layer and its per-page text out.

`run_ocr` takes a picklable `OcrJob` and touches only the files it names, so
any worker process — here a local process pool, later a queue consumer on
another machine — can run it. OCRmyPDF is not thread-safe: call it from
processes, never threads.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import ocrmypdf
import pdfplumber
import pikepdf
from PIL import Image

from .models import OcrJob, OcrResult, PageText, Word
from .normalize import BadInput, check_pdf, images_to_pdf
from .text import is_good_vietnamese, normalize, vietnamese_score

# Fewer words than this and a page is blank, unless it carries a barcode.
BLANK_WORDS = 3


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
        layer = _text_layer_quality(source)
        to_ocr = [n for n, quality in enumerate(layer, 1) if quality != "good"]
        job.output_pdf.parent.mkdir(parents=True, exist_ok=True)
        partial = job.output_pdf.with_name(job.output_pdf.name + ".part")
        if to_ocr:
            _ocrmypdf(job, source, partial, pages=to_ocr, redo="junk" in layer)
        else:
            shutil.copyfile(source, partial)
        os.replace(partial, job.output_pdf)
        rotations = _rotations(source, job.output_pdf)
    pages = extract_pages(job.output_pdf, rotations, ocred=set(to_ocr))
    return OcrResult(batch_id=job.batch_id, pdf=job.output_pdf, pages=pages, signed=signed, ocr_pages=to_ocr)


def _text_layer_quality(pdf_path: Path) -> list[str]:
    """Per page: 'good' Vietnamese text layer, 'junk' (legacy font, English OCR) or 'none'."""
    qualities = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            text = page.extract_text() or ""
            if len(text.strip()) < 10:
                qualities.append("none")
            else:
                qualities.append("good" if is_good_vietnamese(text, min_tokens=3) else "junk")
    return qualities


def _ocrmypdf(job: OcrJob, source: Path, output: Path, *, pages: list[int], redo: bool) -> None:
    logging.getLogger("ocrmypdf").setLevel(logging.ERROR)
    try:
        ocrmypdf.ocr(
            source,
            output,
            language=job.languages.split("+"),
            # A junk text layer must go; otherwise keep pages that already read well.
            mode="force" if redo else "skip",
            pages=",".join(map(str, pages)),
            rotate_pages=True,
            rotate_pages_threshold=5.0,
            deskew=True,
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


def _rotations(before: Path, after: Path) -> list[int]:
    """Degrees each page was turned by OCR (upside-down and sideways scans)."""
    with pikepdf.open(before) as a, pikepdf.open(after) as b:
        return [
            (int(pb.obj.get("/Rotate", 0)) - int(pa.obj.get("/Rotate", 0))) % 360
            for pa, pb in zip(a.pages, b.pages)
        ]


def extract_pages(pdf_path: Path, rotations: list[int] | None = None, ocred: set[int] | None = None) -> list[PageText]:
    """Normalized text and word boxes of every page (pdfplumber)."""
    from .barcodes import decode_barcodes

    pages = []
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            words = [
                Word(normalize(w["text"]), float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"]))
                for w in page.extract_words(keep_blank_chars=False, use_text_flow=False)
            ]
            text = normalize(page.extract_text() or "")
            barcodes: list[str] = []
            if len(words) < 40:  # separator sheets carry a code and little text
                barcodes = decode_barcodes(page.to_image(resolution=100).original)
            syllables, _ = vietnamese_score(text)
            pages.append(PageText(
                number=number, text=text, width=float(page.width), height=float(page.height), words=words,
                confidence=round(syllables * 100, 1) if ocred is None or number in ocred else None,
                rotation=(rotations or [0] * number)[number - 1] if rotations else 0,
                blank=len(words) < BLANK_WORDS and not barcodes,
                barcodes=barcodes,
            ))
    return pages
