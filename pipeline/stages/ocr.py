"""OCR stage: one batch in, a PDF with a text layer and its per-page text out.

`run_ocr` takes a picklable `OcrJob` and touches only the files it names, so
any worker process — here a local process pool, later a queue consumer on
another machine — can run it. OCRmyPDF is not thread-safe: call it from
processes, never threads.

Every page is read. A page keeps its text layer only when that layer is real Vietnamese *and*
covers what the page shows (the ink of its 72 dpi render lies under the layer's words); a scan
whose only text is an e-signature stamp, a junk layer (TCVN3 fonts, English OCR without
diacritics) and a born-digital page drawn as glyph outlines all go to Tesseract. E-signature
widgets are read before the form is flattened: their facts go to `PageText.esignatures`, their
words stay out of the page text. Word confidences are Tesseract's own, from OCRmyPDF's run
(`pipeline.stages.ocr_plugin` keeps each page's hOCR).
"""

from __future__ import annotations

import bisect
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import ocrmypdf
import pdfplumber
from PIL import Image

from ..models import OcrJob, OcrResult, PageText, PenReading, Stamp, Word
from ..text import is_good_vietnamese, normalize
from . import stamps as stamp_reader
from .barcodes import decode_barcodes
from .deskew import straighten
from .esignature import SignatureWidget, esignatures, is_signing_text, read_signatures, stamp_in_text
from .normalize import BadInput, check_pdf, flatten_forms, images_to_pdf
from .ocr_plugin import CAPTURE, SCAN_DPI, SUPPRESS
from .pen import header_blanks, read_header_pen
from .separator import CODE_PREFIX
from .tesseract import hocr_words

BLANK_INK = 0.0005
LOOK_DPI = 72  # enough for ink coverage and an 80 mm separator QR code

# A text layer "covers" the page when at most this share of the page's ink (at LOOK_DPI, ruling
# lines left out) lies outside its words; a seal and a signature on a fully OCRed scan stay well
# under it, a scan carrying only an e-signature stamp's text is far over it.
UNCOVERED_INK = 0.25
UNCOVERED_MIN = 0.0015  # ...and that ink is at least about a line of text (share of the page's pixels)
WORD_MARGIN = 2.0  # points around each word of the layer that count as covered
RULE_RUN = 20  # pixels at LOOK_DPI (7 mm): longer straight runs of ink are rules, not letters
PAGE_IMAGE = 0.5  # an image covering this share of the page is the page (a scan), not a picture on it
VECTOR_OCR_DPI = 300  # pages drawn without a scan image are rendered for Tesseract at this resolution

# Coloured ink (stamps, seals): pixels whose channels differ by this much, and the share of them
# that makes a page worth a colour render for the stamp reader.
COLOUR_CHROMA = 70
COLOUR_INK = 0.001
# A faint violet register stamp can vanish into the paper at LOOK_DPI; on a colour scan the top of
# the page (where NĐ 30/2020 puts the number, MẬT marks and the "đến" stamp) is searched anyway.
TINT_CHROMA = 6
STAMP_TOP = 0.45
STAMP_DPI = 300

PLUGIN = "pipeline.stages.ocr_plugin"


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
        widgets = _signatures(source) if job.kind == "pdf" else {}
        flatten_forms(source)
        looks = inspect_pages(source, widgets)
        for number, look in enumerate(looks, 1):
            if look.text_stamps:
                widgets.setdefault(number, []).extend(look.text_stamps)
        to_ocr = [n for n, look in enumerate(looks, 1) if look.needs_ocr]
        job.output_pdf.parent.mkdir(parents=True, exist_ok=True)
        capture = Path(tmp) / "hocr"
        capture.mkdir()
        if to_ocr:
            # Most pages arrive upright: read them without Tesseract's orientation pass (about a
            # quarter of the OCR time), then turn and read again only pages that came out as junk.
            level = Path(tmp) / "level.pdf"
            straighten(source, level, to_ocr)
            current = level
            for mode, pages in _passes(looks, to_ocr):
                step = Path(tmp) / f"{mode}.pdf"
                _ocrmypdf(job, current, step, pages=pages, mode=mode, orient=False, looks=looks, capture=capture)
                current = step
            misread = _misread_pages(current, to_ocr, widgets)
            if misread:
                turned = Path(tmp) / "turned.pdf"
                # redo keeps the page as it is and sets /Rotate; only the text layer is read again.
                _ocrmypdf(job, current, turned, pages=misread, mode="redo", orient=True, looks=looks, capture=capture)
                current = turned
        else:
            current = source
        publish(current, job.output_pdf)
        pages = extract_pages(
            job.output_pdf, looks, _turns(capture), ocred=set(to_ocr), widgets=widgets, hocr_dir=capture, scans=source
        )
    return OcrResult(batch_id=job.batch_id, pdf=job.output_pdf, pages=pages, signed=signed, ocr_pages=to_ocr)


def publish(made: Path, output: Path) -> None:
    """Copy the finished PDF into place through a `.part` file that a failed copy (disk full) does not leave."""
    partial = output.with_name(output.name + ".part")
    try:
        shutil.copyfile(made, partial)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)


def _signatures(source: Path) -> dict[int, list[SignatureWidget]]:
    """The PDF's signature widgets; a form too odd to read costs its facts, never the scan."""
    try:
        return read_signatures(source)
    except Exception:  # pikepdf on a malformed form: the page is still read, the stamp words stay
        logging.getLogger(__name__).warning("signature fields of %s could not be read", source.name, exc_info=True)
        return {}


@dataclass
class PageLook:
    """What a page shows before OCR: its text layer, how much ink, which codes."""

    layer: str  # good (covers the page) | partial (Vietnamese, covers part) | junk (legacy font, English OCR) | none
    ink: float  # share of pixels clearly darker than the paper
    barcodes: list[str]
    uncovered: float = 0.0  # share of the ink outside the layer's words (good and partial layers)
    colour: float = 0.0  # share of pixels in clearly coloured ink (stamps, seals, coloured print)
    tinted: bool = False  # a colour scan (paper has some chroma), whatever its ink
    scan_dpi: float | None = None  # resolution of the image that covers the page (a scan), if any
    text_stamps: list[SignatureWidget] = field(default_factory=list)  # e-signature stamps drawn as page text

    @property
    def blank(self) -> bool:
        # Show-through and speckle stay far below one line of text (~0.15% at 72 dpi).
        return self.ink < BLANK_INK and not self.barcodes and self.layer == "none"

    @property
    def separator(self) -> bool:
        return any(code.startswith(CODE_PREFIX) for code in self.barcodes)

    @property
    def needs_ocr(self) -> bool:
        return self.layer != "good" and not self.blank and not self.separator


def inspect_pages(pdf_path: Path, widgets: dict[int, list[SignatureWidget]] | None = None) -> list[PageLook]:
    """Judge each page's text layer by what the page shows (a render at LOOK_DPI).

    The words an e-signature stamp draws are not the page's layer: a scan whose only text is
    such a stamp has no layer ("none") and is read.
    """
    looks = []
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            stamps = stamp_boxes(page, (widgets or {}).get(number, []))
            own = _without(page, stamps)
            text = own.extract_text() or ""
            if len(text.strip()) < 10:
                layer = "none"
            else:
                layer = "good" if is_good_vietnamese(text, min_tokens=3) else "junk"
            image = page.to_image(resolution=LOOK_DPI).original
            scan_dpi, pictures = _images(page)
            colour, tinted = colour_share(image)
            look = PageLook(
                layer=layer,
                ink=ink_share(image),
                barcodes=decode_barcodes(image),
                colour=colour,
                tinted=tinted,
                scan_dpi=scan_dpi,
            )
            if layer == "good":
                words = [(w["x0"], w["top"], w["x1"], w["bottom"]) for w in page.extract_words()]
                scale = image.width / float(page.width)
                look.uncovered, uncovered_pixels = uncovered_ink(image, words, pictures, scale)
                if look.uncovered > UNCOVERED_INK and uncovered_pixels > UNCOVERED_MIN:
                    look.layer = "partial"
                # signing stamps flattened into the page before it came (on a scan often its only
                # text): their words stay out of the page text, as a widget's would
                look.text_stamps = _text_stamps(page, own, number)
            looks.append(look)
    return looks


# A block of words that says what a signing stamp says is one when it is stamp-sized: at most
# this share of the page's width and height (a body paragraph is wider, a stamp ~37% of A4).
STAMP_BLOCK_WIDTH = 0.5
STAMP_BLOCK_HEIGHT = 0.15


def _text_stamps(page, own, number: int) -> list[SignatureWidget]:
    """Blocks of a partial layer's words that are e-signature stamps, as widgets would be."""
    found = []
    for box, text in _stamp_blocks(own.extract_words(), float(page.width), float(page.height)):
        stamp = stamp_in_text(number, _user_rect(page, box), text)
        if stamp is not None:
            found.append(stamp)
    return found


def _stamp_blocks(
    words: list[dict], width: float, height: float
) -> list[tuple[tuple[float, float, float, float], str]]:
    """(box, text) of the stamp-sized blocks of words that say what a signing stamp says.

    Words join a block when they are as close as the words and lines of one paragraph.
    """
    boxes = sorted(
        ((float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"]), str(w["text"])) for w in words),
        key=lambda b: b[1],
    )
    if not boxes:
        return []
    parent = list(range(len(boxes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tallest = max(b[3] - b[1] for b in boxes)
    for i, a in enumerate(boxes):
        size = a[3] - a[1]
        for j in range(i + 1, len(boxes)):
            b = boxes[j]
            if b[1] - a[3] > 0.8 * tallest:
                break  # sorted by top: every later word is further down
            across = max(b[0] - a[2], a[0] - b[2], 0.0)
            down = max(b[1] - a[3], a[1] - b[3], 0.0)
            if across <= 1.5 * size and down <= 0.8 * size:
                parent[root(i)] = root(j)
    blocks: dict[int, list[tuple]] = {}
    for i, box in enumerate(boxes):
        blocks.setdefault(root(i), []).append(box)
    found = []
    for block in blocks.values():
        x0, top = min(b[0] for b in block), min(b[1] for b in block)
        x1, bottom = max(b[2] for b in block), max(b[3] for b in block)
        if x1 - x0 > STAMP_BLOCK_WIDTH * width or bottom - top > STAMP_BLOCK_HEIGHT * height:
            continue
        block.sort(key=lambda b: (round(b[1]), b[0]))
        text = normalize(" ".join(b[4] for b in block))
        if is_signing_text(text):
            found.append(((x0 - WORD_MARGIN, top - WORD_MARGIN, x1 + WORD_MARGIN, bottom + WORD_MARGIN), text))
    return found


INK_CONTRAST = 60  # grey levels below the paper (its 90th percentile) that make a pixel ink


def ink_share(image: Image.Image) -> float:
    """Share of pixels at least INK_CONTRAST grey levels darker than the paper."""
    histogram = image.convert("L").histogram()
    total = sum(histogram)
    return sum(histogram[: max(_paper(histogram) - INK_CONTRAST, 0)]) / total


def _paper(histogram: list[int]) -> int:
    total, seen = sum(histogram), 0
    for level, count in enumerate(histogram):
        seen += count
        if seen >= 0.9 * total:
            return level
    return 255


def colour_share(image: Image.Image) -> tuple[float, bool]:
    """(share of pixels in clearly coloured ink — red and blue stamps and seals, not yellowed paper —,
    whether the page is a colour image at all: a grey or bilevel scan has no chroma anywhere)."""
    if image.mode not in ("RGB", "RGBA", "P", "CMYK"):
        return 0.0, False
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    chroma = pixels.max(axis=2) - pixels.min(axis=2)
    return float((chroma >= COLOUR_CHROMA).mean()), bool(np.percentile(chroma, 90) >= TINT_CHROMA)


def uncovered_ink(
    image: Image.Image,
    words: list[tuple[float, float, float, float]],
    pictures: list[tuple[float, float, float, float]],
    scale: float,
) -> tuple[float, float]:
    """(share of the page's ink outside the layer's words, that ink as a share of the page's pixels).

    Ink inside `pictures` (seal and signature images of a born-digital page) does not count, nor
    do long straight runs (table rules, underlines), which no text layer holds.
    """
    gray = image.convert("L")
    ink = np.asarray(gray, dtype=np.int16) < _paper(gray.histogram()) - INK_CONTRAST
    ink &= ~(_long_runs(ink, axis=1) | _long_runs(ink, axis=0))
    total = int(ink.sum())
    if total == 0:
        return 0.0, 0.0
    covered = np.zeros_like(ink)
    height, width = ink.shape
    for margin, boxes in ((WORD_MARGIN, words), (0.0, pictures)):
        for x0, top, x1, bottom in boxes:
            left, right = max(int((x0 - margin) * scale), 0), min(int((x1 + margin) * scale) + 1, width)
            upper, lower = max(int((top - margin) * scale), 0), min(int((bottom + margin) * scale) + 1, height)
            if left < right and upper < lower:
                covered[upper:lower, left:right] = True
    outside = int((ink & ~covered).sum())
    return outside / total, outside / ink.size


def _long_runs(mask: np.ndarray, axis: int) -> np.ndarray:
    """Pixels of `mask` that lie in a straight run of at least RULE_RUN along `axis`."""
    rows = mask if axis == 1 else mask.T
    length = rows.shape[1]
    if length < RULE_RUN:
        return np.zeros_like(mask)
    zeros = np.zeros((rows.shape[0], 1), dtype=np.int32)
    counts = np.concatenate([zeros, np.cumsum(rows, axis=1, dtype=np.int32)], axis=1)
    full = (counts[:, RULE_RUN:] - counts[:, :-RULE_RUN]) == RULE_RUN  # a run fills the window starting here
    starts = np.concatenate([zeros, np.cumsum(full, axis=1, dtype=np.int32)], axis=1)
    index = np.arange(length)
    first = np.maximum(index - RULE_RUN + 1, 0)  # windows starting in [first, last] hold pixel i
    last = np.minimum(index, length - RULE_RUN)
    runs = (starts[:, last + 1] - starts[:, first]) > 0
    return runs if axis == 1 else runs.T


def _images(page) -> tuple[float | None, list[tuple[float, float, float, float]]]:
    """(DPI of the image that is the page, boxes of the smaller pictures drawn on it)."""
    area = float(page.width) * float(page.height) or 1.0
    scan_dpi, pictures = None, []
    for image in page.images:
        x0, top, x1, bottom = (float(image[k]) for k in ("x0", "top", "x1", "bottom"))
        shown = max(x1 - x0, 0.0) * max(bottom - top, 0.0)
        if shown >= PAGE_IMAGE * area:
            source = image.get("srcsize") or (0, 0)
            dpis = [
                pixels * 72.0 / size
                for pixels, size in zip(source, (x1 - x0, bottom - top), strict=False)
                if size > 0 and pixels
            ]
            if dpis:
                scan_dpi = max(scan_dpi or 0.0, min(dpis))
        else:
            pictures.append((x0, top, x1, bottom))
    if scan_dpi is None and sum((b[2] - b[0]) * (b[3] - b[1]) for b in pictures) >= PAGE_IMAGE * area:
        pictures = []  # a scan cut into strips: its parts are the page, not pictures on it
    return scan_dpi, pictures


def _passes(looks: list[PageLook], to_ocr: list[int]) -> list[tuple[str, list[int]]]:
    """OCRmyPDF runs for the pages to read: `redo` keeps visible text (a flattened e-signature
    stamp, a born-digital page's own words) and the page as it is, and reads the rest; a junk
    layer must go, so its pages are read with `force` (rasterized, the old layer dropped)."""
    junk = [n for n in to_ocr if looks[n - 1].layer == "junk"]
    rest = [n for n in to_ocr if looks[n - 1].layer != "junk"]
    return [(mode, pages) for mode, pages in (("redo", rest), ("force", junk)) if pages]


def _misread_pages(pdf_path: Path, pages: list[int], widgets: dict[int, list[SignatureWidget]]) -> list[int]:
    """OCRed pages whose text does not read as Vietnamese (turned, or too poor to trust)."""
    misread = []
    with pdfplumber.open(pdf_path) as pdf:
        for n in pages:
            page = pdf.pages[n - 1]
            text = _without(page, stamp_boxes(page, widgets.get(n, []))).extract_text() or ""
            if not is_good_vietnamese(text, min_tokens=3):
                misread.append(n)
    return misread


def _ocrmypdf(
    job: OcrJob,
    source: Path,
    output: Path,
    *,
    pages: list[int],
    mode: str,
    orient: bool,
    looks: list[PageLook],
    capture: Path,
) -> None:
    """OCR the listed pages; the plugin leaves each page's hOCR and turn in `capture`."""
    try:
        ocrmypdf.ocr(
            source,
            output,
            language=job.languages.split("+"),
            mode=mode,
            pages=",".join(map(str, pages)),
            rotate_pages=orient,
            rotate_pages_threshold=5.0 if orient else None,
            deskew=False,  # pages were levelled by pipeline.stages.deskew, at a fraction of the cost
            output_type="pdf",  # PDF/A comes once, for the whole dossier
            optimize=0,
            jobs=1,
            progress_bar=False,
            invalidate_digital_signatures=True,  # the signed original stays untouched in the archive
            max_image_mpixels=job.max_pixels / 1e6,
            tesseract_timeout=300,
            plugins=[PLUGIN],
            **{
                CAPTURE: str(capture),
                SCAN_DPI: {str(n): looks[n - 1].scan_dpi or VECTOR_OCR_DPI for n in pages},
                SUPPRESS: [n for n in pages if looks[n - 1].colour >= COLOUR_INK],
            },
        )
    except ocrmypdf.exceptions.EncryptedPdfError:
        raise BadInput("the PDF is encrypted; ask the sender for an unprotected copy") from None
    except ocrmypdf.exceptions.InputFileError as exc:
        raise BadInput(f"the file cannot be read as a scan ({exc})") from None
    except ocrmypdf.exceptions.DpiError as exc:
        raise BadInput(f"the scan has no usable resolution ({exc})") from None
    except Image.DecompressionBombError:
        raise BadInput(f"a page image has more pixels than the limit of {job.max_pixels:,}") from None


def _turns(capture: Path) -> dict[int, int]:
    """{page: degrees (clockwise, as /Rotate counts) OCRmyPDF turned it}, as the plugin recorded.

    The plugin records OCRmyPDF's correction, which turns the page counter-clockwise.
    """
    turns = {}
    for path in capture.glob("*.turn"):
        turn = -int(json.loads(path.read_text()).get("turn", 0)) % 360
        if turn:
            turns[int(path.stem)] = turn
    return turns


def _shown_matrix(page) -> tuple[float, float, float, float, float, float]:
    """Default user space → the page as shown, as pdfminer draws it (before pdfplumber's flip)."""
    x0, y0, x1, y1 = (float(v) for v in page.page_obj.mediabox)
    rotate = page.rotation
    if rotate == 90:
        return 0, -1, 1, 0, -y0, x1
    if rotate == 180:
        return -1, 0, 0, -1, x1, y1
    if rotate == 270:
        return 0, 1, -1, 0, y1, -x0
    return 1, 0, 0, 1, -x0, -y0


def stamp_boxes(page, widgets: list[SignatureWidget]) -> list[tuple[float, float, float, float]]:
    """Boxes (x0, top, x1, bottom, pdfplumber's frame) of the page's e-signature stamps."""
    if not widgets:
        return []
    a, b, c, d, e, f = _shown_matrix(page)
    # as pdfplumber turns pdfminer's coordinates into its own (Page.process_object)
    left, top, height = float(page.mediabox[0]), float(page.mediabox[1]), float(page.height)
    boxes = []
    for widget in widgets:
        if not widget.stamp:
            continue
        wx0, wy0, wx1, wy1 = widget.rect
        points = [(a * x + c * y + e, b * x + d * y + f) for x in (wx0, wx1) for y in (wy0, wy1)]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        boxes.append((min(xs) + left, height - max(ys) + top, max(xs) + left, height - min(ys) + top))
    return boxes


def _user_rect(page, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A box of pdfplumber's frame back in default user space (the inverse of `stamp_boxes`)."""
    a, b, c, d, e, f = _shown_matrix(page)
    left, top, height = float(page.mediabox[0]), float(page.mediabox[1]), float(page.height)
    det = a * d - b * c
    points = []
    for x in (box[0], box[2]):
        for y in (box[1], box[3]):
            sx, sy = x - left - e, height - (y - top) - f
            points.append(((d * sx - c * sy) / det, (-b * sx + a * sy) / det))
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _inside(obj: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    x = (float(obj["x0"]) + float(obj["x1"])) / 2
    y = (float(obj["top"]) + float(obj["bottom"])) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def _without(page, boxes: list[tuple[float, float, float, float]]):
    """The page without the characters that lie inside `boxes`."""
    if not boxes:
        return page
    return page.filter(lambda obj: obj.get("object_type") != "char" or not _inside(obj, boxes))


@dataclass(frozen=True)
class _HocrWord:
    x0: float
    top: float
    x1: float
    bottom: float
    conf: float
    text: str


_HOCR_PAGE = re.compile(r"<div class=['\"]ocr_page['\"][^>]*>")
_BBOX = re.compile(r"\bbbox (\d+) (\d+) (\d+) (\d+)")


def read_hocr(path: Path, width: float, height: float) -> list[_HocrWord]:
    """Tesseract's words of a page with their confidences, boxes in points on the page as shown.

    The image Tesseract read is the page as shown once OCRmyPDF has turned it (its /Rotate
    applied, then the correction that OCRmyPDF also writes into /Rotate or draws anew), so the
    hOCR pixels map onto pdfplumber's frame by scale alone.
    """
    try:
        data = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    page = _HOCR_PAGE.search(data)
    box = _BBOX.search(page[0]) if page else None
    if not box:
        return []
    px0, py0, px1, py1 = (int(v) for v in box.groups())
    if px1 <= px0 or py1 <= py0:
        return []
    sx, sy = width / (px1 - px0), height / (py1 - py0)
    return [
        _HocrWord((w.x0 - px0) * sx, (w.top - py0) * sy, (w.x1 - px0) * sx, (w.bottom - py0) * sy, w.conf, w.text)
        for w in hocr_words(data)
        if w.text
    ]


def _confidences(words: list[dict], hocr: list[_HocrWord]) -> list[float | None]:
    """Tesseract's confidence of each pdfplumber word: the lowest of the hOCR words it holds."""
    if not hocr:
        return [None] * len(words)
    hocr = sorted(hocr, key=lambda w: w.top)
    tops = [w.top for w in hocr]
    tallest = max(w.bottom - w.top for w in hocr)
    found: list[float | None] = []
    for word in words:
        x0, top, x1, bottom = (float(word[k]) for k in ("x0", "top", "x1", "bottom"))
        best: list[float] = []
        fallback, fallback_overlap = None, 0.0
        for candidate in hocr[bisect.bisect_left(tops, top - tallest) : bisect.bisect_right(tops, bottom)]:
            wide = min(x1, candidate.x1) - max(x0, candidate.x0)
            high = min(bottom, candidate.bottom) - max(top, candidate.top)
            if wide <= 0 or high <= 0:
                continue
            overlap = wide * high
            own = max((candidate.x1 - candidate.x0) * (candidate.bottom - candidate.top), 1e-6)
            if overlap >= 0.5 * own:
                best.append(candidate.conf)
            elif overlap > fallback_overlap:
                fallback, fallback_overlap = candidate.conf, overlap
        found.append(min(best) if best else fallback)
    return found


def extract_pages(
    pdf_path: Path,
    looks: list[PageLook],
    turns: dict[int, int],
    ocred: set[int],
    widgets: dict[int, list[SignatureWidget]] | None = None,
    hocr_dir: Path | None = None,
    scans: Path | None = None,
) -> list[PageText]:
    """Normalized text and word boxes of every page (pdfplumber), Tesseract's word confidences,
    e-signatures and stamps. Words an e-signature stamp draws are left out.

    `scans`: the pages as they came, before levelling; a stamp's pen strokes read better there
    than after the page image was turned by a fraction of a degree and encoded again."""
    widgets = widgets or {}
    pages = []
    with pdfplumber.open(pdf_path) as pdf, pdfplumber.open(scans or pdf_path) as came:
        for number, (page, look) in enumerate(zip(pdf.pages, looks, strict=False), 1):
            # boxes differ by the levelling's fraction of a degree; a page Tesseract turned is read as turned
            scan = came.pages[number - 1] if scans and not turns.get(number) else page
            width, height = float(page.width), float(page.height)
            blank_or_separator = look.blank or look.separator
            signed = stamp_boxes(page, widgets.get(number, []))
            words: list[Word] = []
            text = ""
            # OCRmyPDF writes a page's words line by line: in that order a slightly turned page's
            # neighbouring lines never interleave letter by letter, as they do sorted by height
            flow = number in ocred
            if not blank_or_separator:
                own = _without(page, signed)
                raw = own.extract_words(keep_blank_chars=False, use_text_flow=flow)
                if number in ocred:
                    # a signing stamp that is only pixels (no widget, no text of its own):
                    # Tesseract read it, its words are no more the document's than a widget's
                    pixel_stamps = [box for box, _ in _stamp_blocks(raw, width, height)]
                    if pixel_stamps:
                        signed = signed + pixel_stamps
                        own = _without(page, signed)
                        raw = own.extract_words(keep_blank_chars=False, use_text_flow=flow)
                hocr = []
                if number in ocred and hocr_dir is not None:
                    hocr = read_hocr(hocr_dir / f"{number:06d}.hocr", width, height)
                confs = _confidences(raw, hocr) if number in ocred else [None] * len(raw)
                words = [
                    Word(
                        normalize(w["text"]),
                        float(w["x0"]),
                        float(w["top"]),
                        float(w["x1"]),
                        float(w["bottom"]),
                        conf=conf,
                    )
                    for w, conf in zip(raw, confs, strict=True)
                ]
                text = normalize(own.extract_text(use_text_flow=flow) or "")
            read = [w.conf for w in words if w.conf is not None]
            text_page = PageText(
                number=number,
                text=text,
                width=width,
                height=height,
                words=words,
                confidence=round(sum(read) / len(read), 1) if number in ocred and read else None,
                rotation=turns.get(number, 0),
                blank=look.blank,
                barcodes=look.barcodes,
                layer="none" if blank_or_separator else ("ocr" if number in ocred else "kept"),
                esignatures=esignatures(widgets.get(number, [])),
                stamps=[]
                if blank_or_separator
                else (
                    _stamps(page, scan, look, words, number in ocred, signed)
                    + [Stamp("esignature", "", box=tuple(round(v, 1) for v in box)) for box in signed]
                ),
            )
            text_page.pen = _pen(page, look, text_page)
            pages.append(text_page)
    return pages


def _pen(page, look: PageLook, text_page: PageText) -> list[PenReading]:
    """The header's pen-filled number and day the page's OCR words are not sure of, read from the
    page image (`pipeline.stages.pen`); none when the header has no such blank."""
    blanks = header_blanks(text_page)
    if not blanks:
        return []
    dpi = min(float(look.scan_dpi or STAMP_DPI), STAMP_DPI)
    try:
        return read_header_pen(_render(page, dpi), dpi, blanks)
    except Exception:  # a blank that cannot be read is left to a person; the page keeps its text
        logging.getLogger(__name__).warning("pen-filled header of page %s not read", page.page_number, exc_info=True)
        return []


def _render(page, dpi: float) -> Image.Image:
    """The page as an image for the stamp reader, smoothed as a viewer draws it: unsmoothed, a scan
    resampled by a pixel (1654 → 1655 px wide) breaks thin pen strokes, and a register stamp's
    handwritten number and date went unread (petitions-dev 002 p1)."""
    return page.to_image(resolution=dpi, antialias=True).original


def _stamps(
    page, scan, look: PageLook, words: list[Word], ocred: bool, signed: list[tuple[float, float, float, float]]
) -> list:
    """Register stamps and MẬT boxes: from a colour render where the page shows coloured ink (of
    its top on any other colour scan), else from the OCR words of the page, and from a grey render
    at the scan's resolution on a page without colour or when those words hint at a stamp. An
    e-signature stamp is none of them."""
    found = []
    # At the scan's own resolution: a register stamp's handwriting is lost at less, and resampled
    # pen strokes read worse at more.
    dpi = min(float(look.scan_dpi or STAMP_DPI), STAMP_DPI)
    try:
        if look.colour >= COLOUR_INK:
            image = _render(scan, dpi).convert("RGB")
            found = list(stamp_reader.find_stamps(image, dpi))
        elif look.tinted:
            top = scan.crop((0, 0, float(scan.width), float(scan.height) * STAMP_TOP))
            image = _render(top, dpi).convert("RGB")
            found = list(stamp_reader.find_stamps(image, dpi))  # same origin: boxes hold
        if not found and ocred:
            found = list(stamp_reader.stamps_in_words(words, float(page.width), float(page.height)))
            colourless = look.colour < COLOUR_INK and not look.tinted
            if colourless or stamp_reader.stamp_hint(words, float(page.height)):
                # a page without colour, or the stamp's own words are there: read its frame from the
                # page image (a bilevel scan's OCR often misses the stamp's broken print). A bilevel
                # frame's broken sides are found on one render and lost on the other as often: the
                # levelled page first (its words lie on it), then the page as it came (dev-real
                # 8004_2 p5's register stamp only there, 8007_3 p3's MẬT box only levelled).
                for render in (page, scan) if scan is not page else (page,):
                    from_image = stamp_reader.find_stamps_grey(_render(render, dpi).convert("L"), dpi, words)
                    if from_image:
                        found = from_image
                        break
    except Exception:  # a stamp that cannot be read must not cost the page its text
        logging.getLogger(__name__).warning("stamps of page %s could not be read", page.page_number, exc_info=True)
    return [
        stamp
        for stamp in found
        if stamp.box is None or not _inside(dict(zip(("x0", "top", "x1", "bottom"), stamp.box, strict=True)), signed)
    ]
