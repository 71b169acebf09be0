"""Lines of print that the page's OCR left out, read on their own and added to its hOCR.

Tesseract's page layout sometimes takes a stretch of a page for a picture and gives no words for
it at all. On dev-real that happens to body lines a register stamp's handwriting crosses: once the
stamp's own ink is suppressed, pen strokes over print look like an image, and 8002_3 p3 lost
"Ngày xét xử sơ thẩm: Tòa án …" and "với bị cáo Đoàn Văn Vân …" whole, though the page shows them.

So after the page's OCR, the ink its words do not cover is looked for in rows of glyph-sized
shapes: a line of print, at least MIN_GLYPHS shapes across MIN_SPAN_MM. Each such row is read as
one line (Tesseract, `--psm 7`) from the image the page's OCR saw, with the words it did read
painted out, and kept when Tesseract is sure of enough of it: its lines join the page's hOCR, so
the text layer, the page's words and search all have them. A signature, a seal or a picture is
no row of glyphs, or reads as nothing sure.
"""

from __future__ import annotations

import re

import numpy as np
from PIL import Image, ImageDraw

from .tesseract import hocr_words, read_images

WORK_DPI = 150.0  # rows of glyphs are looked for at no more than this resolution
READ_DPI = 300.0  # … and read at no less (a 200 dpi scan's x-height is small for Tesseract)
GLYPH_MM = (1.2, 6.0)  # a glyph's height (mm): a letter of 10–14 pt print, its marks apart
GLYPH_WIDE_MM = 8.0  # … and no wider (a rule, a signature's stroke or a picture is)
ROW_GAP = 4.0  # glyphs this many glyph heights apart at most are of one row
MIN_GLYPHS = 8
MIN_SPAN_MM = 40.0
ROW_PAD = (0.8, 0.6)  # a row's body is read with these shares of its height above (capitals, their marks) and below
COVER_MM = 0.5  # the ink this near a word read is that word's
SURE_CONF = 60.0  # a row is kept when Tesseract is this sure of words of two letters or digits at least …
SURE_SHARE = 0.5  # … of at least this share of its words …
MIN_SURE_WORDS = 3  # … and this many (a register stamp's "ĐẾN Ngày: 27/6/2024" reads as a few sure bits)

_LINE_CLASS = r"<span class=['\"]ocr_(?:line|header|textfloat|caption)['\"]"  # Tesseract's kinds of line
_LINE = re.compile(_LINE_CLASS + r".*?</span>\s*</span>\s*(?=" + _LINE_CLASS + r"|</p>)", re.S)
_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")
_SIZES = re.compile(r"(baseline -?[\d.]+|x_size|x_descenders|x_ascenders) (-?[\d.]+)")  # pixels, like a box
_BLOCK = re.compile(r"<div class=['\"]ocr_carea['\"][^>]*?title=['\"]bbox (\d+) (\d+)")


def missed_rows(
    image: Image.Image, covered: list[tuple[int, int, int, int]], dpi: float
) -> list[tuple[int, int, int, int]]:
    """Rows of glyph-sized ink (x0, y0, x1, y1 in `image`'s pixels) that no box of `covered` holds."""
    import cv2

    scale = min(1.0, WORK_DPI / dpi)
    grey = np.asarray(image.convert("L"))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    px_mm = dpi * scale / 25.4
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    margin = int(COVER_MM * px_mm)
    for x0, y0, x1, y1 in covered:
        top, left = max(0, int(y0 * scale) - margin), max(0, int(x0 * scale) - margin)
        ink[top : int(y1 * scale) + margin + 1, left : int(x1 * scale) + margin + 1] = 0
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    low, high = (v * px_mm for v in GLYPH_MM)
    glyphs = sorted(
        (int(x), int(y), int(w), int(h))
        for x, y, w, h, _ in stats[1:]
        if low <= h <= high and w <= GLYPH_WIDE_MM * px_mm
    )
    rows: list[list[tuple[int, int, int, int]]] = []
    for glyph in glyphs:
        x, y, w, h = glyph
        for row in rows:
            lx, ly, lw, lh = row[-1]
            size = max(h, lh)
            if x - (lx + lw) <= ROW_GAP * size and abs((y + h / 2) - (ly + lh / 2)) <= 0.6 * size:
                row.append(glyph)
                break
        else:
            rows.append([glyph])
    found = []
    for row in rows:
        x0, x1 = min(g[0] for g in row), max(g[0] + g[2] for g in row)
        # the row's body, from its glyphs' middling top to their middling bottom: a pen stroke or
        # a taller shape crossing the row does not stretch it into the next line
        y0, y1 = float(np.median([g[1] for g in row])), float(np.median([g[1] + g[3] for g in row]))
        if len(row) >= MIN_GLYPHS and x1 - x0 >= MIN_SPAN_MM * px_mm:
            found.append(tuple(int(round(v / scale)) for v in (x0, y0, x1, y1)))
    return found


def with_missed_lines(image: Image.Image, hocr: str, dpi: float, lang: str) -> str:
    """The page's hOCR (of `image`, at `dpi`) with the lines of print it left out read and added."""
    covered = [(w.x0, w.top, w.x1, w.bottom) for w in hocr_words(hocr)]
    rows = missed_rows(image, covered, dpi)
    if not rows:
        return hocr
    painted = image.convert("L")
    draw = ImageDraw.Draw(painted)
    for x0, y0, x1, y1 in covered:
        draw.rectangle((x0 - 2, y0 - 2, x1 + 2, y1 + 2), fill=255)
    crops, offsets = [], []
    zoom = max(1.0, READ_DPI / dpi)
    for x0, y0, x1, y1 in sorted(rows, key=lambda row: (row[1], row[0])):
        h = y1 - y0
        left, top = max(0, x0 - h), max(0, y0 - int(ROW_PAD[0] * h))
        crop = painted.crop((left, top, min(image.width, x1 + h), min(image.height, y1 + int(ROW_PAD[1] * h))))
        crops.append(crop.resize((round(crop.width * zoom), round(crop.height * zoom)), Image.LANCZOS))
        offsets.append((left, top))
    read = read_images(crops, lang, f"--psm 7 --dpi {round(dpi * zoom)}", ["hocr"])["hocr"]
    pages = re.split(r"<div class=['\"]ocr_page['\"]", read)[1:]
    found = []  # (row's top, its hOCR line)
    for page, (dx, dy) in zip(pages, offsets, strict=False):
        for line in _LINE.findall(page):
            words = hocr_words(line)
            sure = [w for w in words if w.conf >= SURE_CONF and sum(c.isalnum() for c in w.text) >= 2]
            if len(sure) >= MIN_SURE_WORDS and len(sure) >= SURE_SHARE * len(words):
                found.append((dy, _moved(line, dx, dy, zoom)))
    return _inserted(hocr, found)


def _inserted(hocr: str, lines: list[tuple[int, str]]) -> str:
    """`hocr` with each line (top, hOCR) added as a block of its own, before the first of the
    page's blocks that starts below it: the text layer, and the text read in its order, keep the
    page's order."""
    page_end = hocr.rfind("</div>")  # the page's own
    blocks = [(int(m[2]), m.start()) for m in _BLOCK.finditer(hocr)]
    at: dict[int, list[str]] = {}
    for i, (top, line) in enumerate(lines):
        where = next((start for block_top, start in blocks if block_top > top), page_end)
        at.setdefault(where, []).append(
            f"<div class='ocr_carea' id='hoso_missed_block_{i}'><p class='ocr_par' id='hoso_missed_par_{i}'>{line}</p></div>"
        )
    out, last = [], 0
    for where in sorted(at):
        out += [hocr[last:where], *at[where]]
        last = where
    return "".join([*out, hocr[last:]])


def _moved(line: str, dx: int, dy: int, zoom: float) -> str:
    """An hOCR line of a crop read `zoom` times its size, placed on the page: its boxes and sizes
    scaled back and moved by dx, dy; its ids made hoso's own."""

    def move(m: re.Match) -> str:
        x0, y0, x1, y1 = (int(v) for v in m.groups())
        return f"bbox {round(x0 / zoom) + dx} {round(y0 / zoom) + dy} {round(x1 / zoom) + dx} {round(y1 / zoom) + dy}"

    def size(m: re.Match) -> str:
        return f"{m[1]} {float(m[2]) / zoom:.2f}"

    line = _SIZES.sub(size, _BBOX.sub(move, line))
    return re.sub(r"id=(['\"])", r"id=\1hoso_missed_", line)
