"""OCRmyPDF plugin of hoso's OCR stage (loaded by `pipeline.stages.ocr` as ``plugins=["pipeline.stages.ocr_plugin"]``).

- Keeps what Tesseract itself said about each page, from OCRmyPDF's own run (no second OCR):
  the page's hOCR (words, boxes, word confidences) and the orientation it turned the page by.
- Adds to that hOCR the lines of print Tesseract's page layout left out, each read on its own
  (`pipeline.stages.missed`), so they reach the text layer.
- Shows Tesseract a page image without stamp and seal ink (`pipeline.stages.stamps.suppress_stamp_ink`)
  on the pages hoso names; the output PDF keeps its colour.
- Renders a scan page no finer than its scan for OCR: a page with visible text (a flattened
  e-signature stamp) would otherwise be rendered at OCRmyPDF's vector DPI (400), a third more
  pixels for Tesseract to read and nothing more to see.

The settings travel in OCRmyPDF's options (`extra_attrs`, passed to worker processes too):
`hoso_capture` (folder for `NNNNNN.hocr` and `NNNNNN.turn`, page numbers from 1),
`hoso_scan_dpi` ({"page": dpi of its scan image}) and `hoso_suppress` (pages, from 1).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from ocrmypdf import hookimpl
from ocrmypdf.builtin_plugins import ghostscript as _ghostscript
from ocrmypdf.builtin_plugins import tesseract_ocr as _tesseract
from ocrmypdf.helpers import Resolution

try:
    from ocrmypdf.builtin_plugins import pypdfium as _pypdfium
except ImportError:  # pragma: no cover - pypdfium2 ships with OCRmyPDF 17
    _pypdfium = None

CAPTURE = "hoso_capture"
SCAN_DPI = "hoso_scan_dpi"
SUPPRESS = "hoso_suppress"

_PAGE_FILE = re.compile(r"^(\d{6})_")  # OCRmyPDF names a page's work files NNNNNN_<step> (page from 1)


def _setting(options, key: str, default=None):
    extra = getattr(options, "extra_attrs", None) or {}
    value = extra.get(key)
    return default if value is None else value


def _page_of(path) -> int | None:
    match = _PAGE_FILE.match(Path(path).name)
    return int(match[1]) if match else None


class HosoTesseract(_tesseract.TesseractOcrEngine):
    """OCRmyPDF's Tesseract engine, keeping each page's hOCR and orientation for hoso."""

    @staticmethod
    def get_orientation(input_file, options):
        found = _tesseract.TesseractOcrEngine.get_orientation(input_file, options)
        folder, page = _setting(options, CAPTURE), _page_of(input_file)
        if folder and page:
            # OCRmyPDF turns the page by the angle found when Tesseract is sure enough
            # (pipeline._pipeline.get_orientation_correction); record the same decision.
            turn = found.angle % 360 if found.confidence >= options.rotate_pages_threshold else 0
            (Path(folder) / f"{page:06d}.turn").write_text(
                json.dumps({"turn": turn, "angle": found.angle, "confidence": found.confidence})
            )
        return found

    @staticmethod
    def generate_hocr(input_file, output_hocr, output_text, options):
        _tesseract.TesseractOcrEngine.generate_hocr(input_file, output_hocr, output_text, options)
        _add_missed_lines(Path(input_file), Path(output_hocr), options)
        folder, page = _setting(options, CAPTURE), _page_of(output_hocr)
        if folder and page and Path(output_hocr).exists():
            shutil.copyfile(output_hocr, Path(folder) / f"{page:06d}.hocr")


def _add_missed_lines(image_file: Path, hocr_file: Path, options) -> None:
    """The lines of print Tesseract's page layout left out, read and added to the page's hOCR
    before OCRmyPDF makes its text layer of it (`pipeline.stages.missed`)."""
    from PIL import Image

    from .missed import with_missed_lines

    if not hocr_file.exists():
        return
    hocr = hocr_file.read_text(encoding="utf-8")
    with Image.open(image_file) as image:
        dpi = float((image.info.get("dpi") or (0, 0))[0] or 0)
        if dpi <= 0:
            return  # OCRmyPDF always gives its page image a resolution; without one, sizes mean nothing
        added = with_missed_lines(image, hocr, dpi, "+".join(options.languages))
    if added != hocr:
        hocr_file.write_text(added, encoding="utf-8")


@hookimpl
def get_ocr_engine(options):
    if options is not None and getattr(options, "ocr_engine", "auto") not in ("auto", "tesseract"):
        return None
    return HosoTesseract()


@hookimpl
def filter_ocr_image(page, image):
    image = _tesseract.filter_ocr_image(page, image)  # Tesseract's own size limits first
    if page.pageno + 1 not in set(_setting(page.options, SUPPRESS, [])):
        return image  # untouched: OCRmyPDF links the rendered file instead of writing it again
    from .stamps import suppress_stamp_ink

    dpi = image.info.get("dpi")
    clean = suppress_stamp_ink(image)
    if clean is None:
        return image
    if dpi and "dpi" not in clean.info:
        scale = clean.width / image.width
        clean.info["dpi"] = (dpi[0] * scale, dpi[1] * scale)
    return clean


@hookimpl
def rasterize_pdf_page(
    input_file,
    output_file,
    raster_device,
    raster_dpi,
    pageno,
    page_dpi,
    rotation,
    filter_vector,
    stop_on_soft_error,
    options,
    use_cropbox,
):
    scan = _setting(options, SCAN_DPI, {}).get(str(pageno))
    if scan and raster_dpi.to_scalar() > scan * 1.05:
        factor = scan / raster_dpi.to_scalar()
        raster_dpi = Resolution(raster_dpi.x * factor, raster_dpi.y * factor)
        if page_dpi is not None:
            page_dpi = Resolution(page_dpi.x * factor, page_dpi.y * factor)
    arguments = dict(
        input_file=input_file,
        output_file=output_file,
        raster_device=raster_device,
        raster_dpi=raster_dpi,
        pageno=pageno,
        page_dpi=page_dpi,
        rotation=rotation,
        filter_vector=filter_vector,
        stop_on_soft_error=stop_on_soft_error,
        options=options,
        use_cropbox=use_cropbox,
    )
    # The built-in order: pypdfium2 unless Ghostscript was asked for, then Ghostscript.
    if _pypdfium is not None:
        done = _pypdfium.rasterize_pdf_page(**arguments)
        if done is not None:
            return done
    return _ghostscript.rasterize_pdf_page(**arguments)
