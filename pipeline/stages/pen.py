"""The header's blanks a pen filled in: the number before the symbol ("Số: 05/CT-UBND", "05" by
hand) and the day ("ngày 15 tháng 4 năm 2020", "15" by hand), read from the page image.

The page's OCR makes junk of pen digits ("Sóz⁄4G/QĐ-UBND") or reads them with too little
confidence to keep (`extract.MIN_WORD_CONFIDENCE`). Each blank is placed by the header's printed
words around it (after the "Số" label up to the symbol's slash; between "ngày" and "tháng" of
the place-and-date line), cut from the page with a margin (a digit cut in two reads as another:
"84" was read "34" cut at the blank's edge) and read by the register stamp's two field readers,
Tesseract's and the line model's (`stamps.read_pen_digits`): a value is kept only when both give
it, on the line or on its digits cut out from the print's letters beside them. On real-dev's 24
documents, 16 of the 41 blanks left to a person are so read, none wrongly.
"""

from __future__ import annotations

import re

import numpy as np
from PIL import Image

from ..models import PageText, PenReading, Word
from ..text import fold_with_offsets, words_over
from .stamps import READ_PX_PER_MM, read_pen_digits

SURE = 93.0  # digits the page's OCR read this confidently are its own (extract.MIN_WORD_CONFIDENCE)
BLANK_MM = (2.0, 40.0)  # a blank is this wide at least and at most
MARGIN_MM = 1.5  # the blank is cut this much wider on each side
ABOVE, BELOW = 0.8, 0.5  # pen digits rise above the printed line more than they drop under it (line heights)
HEADER = 0.3  # the header's "Số" line and date line lie in the top 30 % of a page…
LEFT, RIGHT = 0.45, 0.4  # … the "Số" label in its left column, the date line in its right
# "Số:" as OCR reads it ("Sô:", "S6:", "Só:" run into what follows), at a line's start: a number
# cited in a sentence ("Nghị quyết số 99/NQ-CP") is no header's.
_LABEL = re.compile(r"[\W_]{0,3}S\w{0,2}\s*[:;.,]?\s*")
_DATE_LINE = re.compile(r"ngay(.{1,12}?)thang.{1,12}?nam\W*\d{4}")

Blank = tuple[str, list[Word], float, float]  # field, the line's words, left and right (PDF points)


def header_blanks(page: PageText) -> list[Blank]:
    """The blanks of the page's NĐ 30 header whose digits its OCR is not sure of: after the "Số"
    label up to the symbol's slash (the left column's line that starts with the label), and
    between "ngày" and "tháng" of the place-and-date line (the right column's)."""
    if page.layer != "ocr":
        return []
    top = [w for w in page.words if w.bottom <= HEADER * page.height]
    found: list[Blank] = []
    number = next((b for w in top if (b := _number_blank(w, top, page.width)) is not None), None)
    day = next((b for w in top if (b := _day_blank(w, top, page.width)) is not None), None)
    for field, blank in (("number", number), ("day", day)):
        if blank is not None:
            found.append((field, *blank))
    return found


def read_header_pen(image: Image.Image, dpi: float, blanks: list[Blank]) -> list[PenReading]:
    """The pen-filled digits of `blanks` (`header_blanks`) that both readers give, from `image` (the
    page at `dpi`)."""
    grey = image.convert("L")
    found = []
    for field, line, left, right in blanks:
        box, value = _read(grey, dpi, line, left, right)
        if value is not None and value.strip("0") and (field == "number" or int(value) <= 31):
            found.append(PenReading(field, value, box))
    return found


def _line(first: Word, words: list[Word], x0: float, x1: float) -> list[Word]:
    """`first` and the words after it on its line, between x0 and x1."""
    middle = (first.top + first.bottom) / 2
    return sorted(
        (w for w in words if w.top <= middle <= w.bottom and first.x0 <= w.x0 and x0 <= w.x0 < x1),
        key=lambda w: w.x0,
    )


def _number_blank(label: Word, words: list[Word], width: float) -> tuple[list[Word], float, float] | None:
    """After the "Số" label starting a line of the left column up to the symbol's slash."""
    if label.x0 >= LEFT * width or not _LABEL.match(label.text):
        return None
    middle = (label.top + label.bottom) / 2
    if any(w.x1 <= label.x0 and w.top <= middle <= w.bottom for w in words):
        return None  # not the line's first word
    line = _line(label, words, 0.0, width / 2)
    text = " ".join(w.text for w in line)
    start = _LABEL.match(text).end()
    slash = text.find("/", start)
    if slash < 0 or not re.match(r"/[^\W\d_]", text[slash:]):
        return None
    return _blank(line, start, slash)


def _day_blank(first: Word, words: list[Word], width: float) -> tuple[list[Word], float, float] | None:
    """Between "ngày" and "tháng" of a place-and-date line in the right column."""
    if first.x0 < RIGHT * width:
        return None
    middle = (first.top + first.bottom) / 2
    if any(w.x1 <= first.x0 and w.x0 >= RIGHT * width and w.top <= middle <= w.bottom for w in words):
        return None  # not the line's first word
    line = _line(first, words, RIGHT * width, width)
    text = " ".join(w.text for w in line)
    folded, offsets = fold_with_offsets(text)
    found = _DATE_LINE.search(folded.lower())
    if found is None:
        return None
    return _blank(line, offsets[found.start(1)], offsets[found.end(1) - 1] + 1)


def _x_at(line: list[Word], offset: int) -> float:
    """Where the character at `offset` of the line's text lies (its words' texts joined by spaces)."""
    start = 0
    for word in line:
        end = start + len(word.text)
        if offset <= end:
            return word.x0 + max(0, offset - start) / max(len(word.text), 1) * (word.x1 - word.x0)
        start = end + 1
    return line[-1].x1


def _blank(line: list[Word], start: int, end: int) -> tuple[list[Word], float, float] | None:
    """The blank over text[start:end] of the line, when no word there holds digits read surely."""
    if any(re.search(r"\d", w.text) and (w.conf or 0.0) >= SURE for w in words_over(line, start, end)):
        return None
    left, right = _x_at(line, start), _x_at(line, end)
    if not BLANK_MM[0] <= (right - left) * 25.4 / 72.0 <= BLANK_MM[1]:
        return None
    return line, left, right


def _read(
    grey: Image.Image, dpi: float, line: list[Word], left: float, right: float
) -> tuple[tuple[float, float, float, float], str | None]:
    """The blank's box (PDF points) and the digits both readers give in it."""
    top = float(np.median([w.top for w in line]))
    bottom = float(np.median([w.bottom for w in line]))
    h, margin = bottom - top, MARGIN_MM * 72.0 / 25.4
    box = (left - margin, top - ABOVE * h, right + margin, bottom + BELOW * h)
    k = dpi / 72.0
    x0, y0, x1, y1 = (int(round(v * k)) for v in box)
    # within the page: PIL fills what lies beyond it black, which would read as ink
    crop = grey.crop((max(0, x0), max(0, y0), min(grey.width, x1), min(grey.height, y1)))
    scale = READ_PX_PER_MM / (dpi / 25.4)
    if scale > 1.1:
        crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.LANCZOS)
    a = np.asarray(crop).astype(np.float32)
    paper = float(np.percentile(a, 90))
    ink = Image.fromarray(np.clip(a * 255.0 / max(paper - 20.0, 1.0), 0, 255).astype(np.uint8))
    line_height = ink.height / (ABOVE + 1.0 + BELOW)
    value = read_pen_digits(ink, (0.0, float(ink.width), 0.25 * line_height, ink.height - 0.25 * line_height))
    return tuple(round(v, 1) for v in box), value
