"""Read the Nghị định 30/2020 layout of a page: two-column header, title, subtitle.

Official papers open with two columns side by side: on the left the agency lines
and "Số: 12/QĐ-VKS-P2", on the right the Quốc hiệu, the tiêu ngữ and
"Hạ Long, ngày 18 tháng 5 năm 2024"; then a title in capitals, often with a
subtitle line under it. Text read row by row interleaves the two columns
("VIỆN KIỂM SÁT NHÂN DÂN CỘNG HÒA XÃ HỘI..."), so the page is first put in
reading order, left column before right: by word boxes when OCR gave some,
else by cutting plain-text rows where a right-column phrase begins.

`read_layout` reads a page once into a `PageLayout` (its lines in reading order,
the header fields, title and subtitle); split, classify and extract all take that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import PageText, Word
from ..text import (
    edit_distance,
    find_phrase,
    fold,
    fold_with_offsets,
    has_text,
    is_abbreviation,
    is_caps,
    is_syllable,
    match_at,
    normalize,
    syllable_cuts,
    tokens,
)

HEADER_LINES = 12  # the header block and the title sit within the first lines of a page

_TOKEN = re.compile(r"\w+")
_NATIONAL = tokens("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
_MOTTO = tokens("Độc lập - Tự do - Hạnh phúc")
# A label then a number, a slash and a symbol; the label is "Số" as OCR reads it (SỐ, Sô, S6, Sl,
# 1ố...). The number may be blank, dots, or pen strokes OCR reads as junk ("Số:      /QĐ-UBND").
# Specks may come before the label ("_§ố:") and after the slash ("z//'KH-VP").
_NUMBER = re.compile(r"^[\W_]{0,3}([^\W_]\w{0,2})\s*[:;.,]?\s*(?=[^/]{0,20}/+[^\w\s/]?\s*(?:\d{4}\s*/+\s*)?[^\W\d_])")
# "<Place>, ngày 18 tháng 5 năm 2024" or "..., ngày 18/5/2024" on folded lowercase text, ending
# with the year; the day and month may be dots left for a hand to fill in.
# ("ngay" may run into what follows: "ngàyÂÖtháng"; "Ngày:" is a form label, as in register stamps.)
_DATE = r"ngay(?!\s*:).{0,40}?\d{4}"
_DATE_LINE_END = re.compile(rf"(?:{_DATE})\W*")
# ...or "ngày" itself garbled by the pen over it ("ngà3y", "ngà{yỆ"), the printed "tháng 12 năm 2024" intact.
_MONTH_END = r"thang\b.{0,12}?\bnam\s*\d{4}"
_PLACE_DATE = re.compile(rf"(?:\D{{0,40}}\b(?:{_DATE})|[^/:]{{0,50}}?\b{_MONTH_END})\W*")
_SUBJECT = re.compile(r"^v\s*/\s*v\b", re.IGNORECASE)
# A trích yếu "Về việc ..." under the title runs as wide as it needs: a subtitle however long.
_ABOUT = re.compile(r"ve\s*viec\b")


# --- reading order ------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """A line of the page in reading order; the box is None for lines of plain text.

    `words` are the OCR words the line was made of (with their confidences), in order; the
    line's text is their texts joined by single spaces.
    """

    text: str
    x0: float | None = None
    x1: float | None = None
    words: tuple[Word, ...] = ()


@dataclass
class Reading:
    """A page in reading order: lines before `left` (text above the header: e-signature and other
    stamps), the header's left column, its right column, then the rest from `body` on.

    `columns` is True when word boxes showed the two header columns (anchored on the Quốc hiệu),
    so `left` and `right` are known; otherwise both are empty ranges at 0 and `body` is 0.
    """

    lines: list[Line]
    left: range = range(0)
    right: range = range(0)
    columns: bool = False

    @property
    def body(self) -> int:
        return self.right.stop if self.columns else 0


def read_order(page: PageText) -> Reading:
    """The page in reading order; words inside the page's stamp boxes are left out, but for the
    Quốc hiệu and the tiêu ngữ a stamp is set over (a stamp has no such words of its own, and
    the header is found by them: dev-real 8001_1 p8's register stamp over "NGHĨA VIỆT NAM")."""
    if page.words:
        boxes = [s.box for s in page.stamps if s.box]
        stamped = {w for w in page.words if any(_inside(w, box) for box in boxes)}
        if stamped:
            stamped -= _header_phrases(page.words)
        words = [w for w in page.words if w not in stamped]
        return _lines_from_words(words, page.width) if words else Reading([])
    return Reading([Line(text) for text in _deinterleave([normalize(t).strip() for t in page.text.splitlines()])])


def _header_phrases(words: list[Word]) -> set[Word]:
    """The words of the Quốc hiệu and the tiêu ngữ among the first rows of a page."""
    found: set[Word] = set()
    for row in _rows(words)[: HEADER_LINES + 6]:
        for phrase in (_NATIONAL, _MOTTO):
            found.update(_phrase_words(phrase, row) or ())
    return found


def _inside(word: Word, box: tuple[float, float, float, float]) -> bool:
    """Most of the word lies in the stamp's box: a printed line the box's edge only grazes (a MẬT
    box right under the number, on a photo's slanted page) stays the page's."""
    across = min(word.x1, box[2]) - max(word.x0, box[0])
    down = min(word.bottom, box[3]) - max(word.top, box[1])
    area = (word.x1 - word.x0) * (word.bottom - word.top)
    return across > 0 and down > 0 and across * down >= STAMPED_SHARE * area


STAMPED_SHARE = 0.7


def _rows(words: list[Word]) -> list[list[Word]]:
    """Words grouped into rows, each sorted left to right, rows top to bottom.

    A word joins the row whose horizontally nearest word sits at its height, so a row follows
    a slightly skewed line across the page instead of drifting off it.
    """
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        middle, height = (word.top + word.bottom) / 2, word.bottom - word.top
        best: tuple[float, int] | None = None
        for k in range(len(rows) - 1, max(-1, len(rows) - 8), -1):
            near = min(rows[k], key=lambda r: max(r.x0 - word.x1, word.x0 - r.x1))
            near_height = near.bottom - near.top
            tolerance = 0.5 * max(min(height, near_height), 0.5 * max(height, near_height))
            distance = abs(middle - (near.top + near.bottom) / 2)
            if distance < tolerance and (best is None or distance < best[0]):
                best = (distance, k)
        if best is None:
            rows.append([word])
        else:
            rows[best[1]].append(word)
    rows = [sorted(row, key=lambda w: w.x0) for row in rows]
    return sorted(rows, key=_middle)


def _lines_from_words(words: list[Word], width: float) -> Reading:
    rows = _rows(words)
    columns = _header_columns(rows, width)
    if columns is None:
        return Reading([_line(ws) for ws in _centre_split(rows, width)])
    gutter, left_top, right_top, bottom, left_bottom = columns
    pre: list[Word] = []
    left: list[Word] = []
    right: list[Word] = []
    rest: list[Word] = []
    for word in words:
        x, y = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
        if x < gutter and left_top <= y <= left_bottom:
            left.append(word)
        elif x >= gutter and right_top <= y <= bottom:
            right.append(word)
        elif y < (left_top if x < gutter else right_top):
            pre.append(word)
        else:
            rest.append(word)
    left += _beside_title(rest, gutter, width)
    rest = [w for w in rest if w not in set(left)]
    parts = [[_line(ws) for ws in _rows(part)] for part in (pre, left, right, rest)]
    a, b, c = len(parts[0]), len(parts[0]) + len(parts[1]), len(parts[0]) + len(parts[1]) + len(parts[2])
    return Reading([line for part in parts for line in part], range(a, b), range(b, c), True)


def _header_columns(rows: list[list[Word]], width: float) -> tuple[float, float, float, float, float] | None:
    """(gutter x, left column top, right column top, band bottom, left column bottom) of the header.

    Anchored on the Quốc hiệu (else the tiêu ngữ) near the top: the right column starts with it
    and ends with the place/date line; the left column (agency, "Số:", a V/v subject, a MẬT mark)
    may run on below the date line. None when no anchor is found.
    """
    anchor = None
    for i, row in enumerate(rows[: HEADER_LINES + 6]):
        for phrase, margin in ((_NATIONAL, 0.02), (_MOTTO, 0.09)):
            found = _phrase_words(phrase, row)
            if found and (anchor is None or margin < anchor[2]):
                anchor = (i, found, margin)
        if anchor and anchor[2] == 0.02:
            break
    if anchor is None:
        return None
    i, found, margin = anchor
    gutter = found[0].x0 - margin * width
    if gutter < 0.25 * width:
        return None  # a centred phrase (a petition's Quốc hiệu): no left column
    height = sorted(w.bottom - w.top for w in found)[len(found) // 2]
    right_top = min(w.top for w in found) - 0.5 * height
    left_top = right_top - 2.5 * height
    bottom = max(w.bottom for w in rows[i] if w.x0 >= gutter)
    for k in range(i + 1, min(len(rows), i + 8)):
        if _middle(rows[k]) > right_top + 7 * height:
            break  # the date line sits two or three lines under the Quốc hiệu, never in the body
        text = fold(" ".join(w.text for w in rows[k] if (w.x0 + w.x1) / 2 >= gutter)).lower()
        if "ngay" in text or re.search(r"thang.*nam", text):
            date_row = [w for w in rows[k] if (w.x0 + w.x1) / 2 >= gutter]
            bottom = max(w.bottom for w in date_row)
            if not re.search(r"\d{4}\W*$", text) and k + 1 < len(rows):
                following = [w for w in rows[k + 1] if (w.x0 + w.x1) / 2 >= gutter]
                if following and re.search(r"\d{4}", " ".join(w.text for w in following)):
                    bottom = max(w.bottom for w in following)  # the year wrapped onto the next row
            break
        if _phrase_words(_MOTTO, rows[k]) or not any(w.x0 >= gutter for w in rows[k]):
            bottom = max([bottom] + [w.bottom for w in rows[k] if w.x0 >= gutter])
    # The left column runs on with rows that stay left of the gutter (V/v lines, a MẬT box).
    left_bottom = bottom
    for row in rows:
        if _middle(row) <= left_bottom:
            continue
        if max(w.x1 for w in row) > gutter + 0.02 * width or min(w.top for w in row) - left_bottom > 2.5 * height:
            break
        left_bottom = max(w.bottom for w in row)
    return gutter, left_top, right_top, bottom + 1, left_bottom + 1


def _middle(row: list[Word]) -> float:
    return sorted((w.top + w.bottom) / 2 for w in row)[len(row) // 2]


def _beside_title(words: list[Word], gutter: float, width: float) -> list[Word]:
    """Words left of the gutter beside or between the title and subtitle lines, apart from them: a
    MẬT box under the number, a register stamp. They belong with the left column, not the title.

    Looked for in the rows under the header down to the first line of body text (a row spanning
    most of the text width), at most six rows.
    """
    rows = _rows(words)
    if not rows:
        return []
    span = max(w.x1 for w in words) - min(w.x0 for w in words)
    found: list[Word] = []
    for row in rows[:6]:
        if (
            row[-1].x1 - row[0].x0 > 0.8 * span
            and max(b.x0 - a.x1 for a, b in zip(row, row[1:] or row, strict=False)) < 0.05 * width
        ):
            break  # body text
        found += [w for chunk in _chunks(row, width) if chunk[-1].x1 < gutter for w in chunk]
    return found


def _phrase_words(phrase: list[str], row: list[Word]) -> list[Word] | None:
    """The words of `row` where `phrase` (folded tokens) matches, or None."""
    owners: list[Word] = []
    toks: list[str] = []
    for word in row:
        for tok in tokens(word.text):
            toks.append(tok)
            owners.append(word)
    start = find_phrase(phrase, toks)
    if start is None:
        return None
    used = match_at(phrase, toks, start)
    assert used is not None
    return list(dict.fromkeys(owners[start : start + used[0]]))


def _centre_split(rows: list[list[Word]], width: float) -> list[list[Word]]:
    """No Quốc hiệu to anchor on: cut rows into chunks and put the left ones first near the top."""
    chunked = [_chunks(row, width) for row in rows]
    # The header band runs down to the last row near the top showing both columns side by side.
    centre = width / 2
    band = 0
    for i, chunks in enumerate(chunked[:HEADER_LINES]):
        if any(c[-1].x1 < centre for c in chunks) and any(c[0].x0 > centre for c in chunks):
            band = i + 1
    left = [c for chunks in chunked[:band] for c in chunks if (c[0].x0 + c[-1].x1) / 2 < centre]
    right = [c for chunks in chunked[:band] for c in chunks if (c[0].x0 + c[-1].x1) / 2 >= centre]
    body = [[w for c in chunks for w in c] for chunks in chunked[band:]]
    return left + right + body


def _chunks(row: list[Word], width: float) -> list[list[Word]]:
    """Cut a row where words are far apart: the gutter between the header columns."""
    chunks = [[row[0]]]
    for word in row[1:]:
        if word.x0 - chunks[-1][-1].x1 > 0.03 * width:
            chunks.append([word])
        else:
            chunks[-1].append(word)
    return chunks


def _line(words: list[Word]) -> Line:
    words = [Word(normalize(w.text), w.x0, w.top, w.x1, w.bottom, w.conf) for w in words]
    return Line(" ".join(w.text for w in words), words[0].x0, max(w.x1 for w in words), tuple(words))


def _deinterleave(rows: list[str]) -> list[str]:
    """Put plain-text header rows like 'TỈNH QUẢNG NINH Độc lập - Tự do - Hạnh phúc' in column order."""
    rows = [r for r in rows if r]
    cuts = [_right_column_start(r) for r in rows[:HEADER_LINES]]
    interleaved = [i for i, cut in enumerate(cuts) if cut]  # a right phrase after some left text
    if not interleaved:
        return rows
    band = interleaved[-1] + 1
    left: list[str] = []
    right: list[str] = []
    for row, cut in zip(rows[:band], cuts[:band], strict=False):
        if cut is None:
            left.append(row)
        else:
            if cut:
                left.append(row[:cut].strip())
            right.append(row[cut:].strip())
    return left + right + rows[band:]


def _right_column_start(row: str) -> int | None:
    """Where the Quốc hiệu, tiêu ngữ or place/date starts in a row (None if nowhere).

    Text before it must read as the left column (agency in capitals, "Số:", "V/v"), so prose
    that happens to quote "độc lập, tự do, hạnh phúc" is left alone.
    """
    spans = [(m.start(), fold(m.group()).lower()) for m in _TOKEN.finditer(row)]
    toks = [t for _, t in spans]
    found = [i for i in (find_phrase(_NATIONAL, toks), find_phrase(_MOTTO, toks)) if i is not None]
    cut = spans[found[0]][0] if found else _place_date_start(row, spans)
    left = row[:cut].strip() if cut else ""
    if cut and not (is_caps(left) or _header_line(left)[0] in ("number", "subject")):
        return None
    return cut


def _place_date_start(row: str, spans: list[tuple[int, str]]) -> int | None:
    """Start of a '<Place>, ngày ... năm 2024' ending the row: the capitalised words before 'ngày'."""
    for start, tok in spans:
        if tok == "ngay" and _DATE_LINE_END.fullmatch(fold(row[start:]).lower()):
            words = list(re.finditer(r"\S+", row[:start].rstrip(" ,")))
            while words and words[-1].group().istitle():  # "Quảng Yên", not "ĐIỀU TRA" or "115/QĐ"
                start = words.pop().start()
            return start
    return None


# --- the header block ---------------------------------------------------------------------


@dataclass(frozen=True)
class PageLayout:
    """A page's layout, read once per page: its lines in reading order, the header's fields, the
    title and subtitle (empty when absent). Split, classify and extract take this, with the page."""

    page: PageText
    lines: tuple[Line, ...]  # the page in reading order
    agency: tuple[str, ...] = ()  # left column above "Số:"
    number: str | None = None  # what follows the "Số:" label, as read
    national: bool = False  # Quốc hiệu or tiêu ngữ seen
    place_date: str | None = None  # "Hạ Long, ngày 18 tháng 5 năm 2024"
    subject: str | None = None  # "V/v ..." line of a công văn
    title: tuple[str, ...] = ()  # heading line(s) in capitals
    subtitle: tuple[str, ...] = ()  # e.g. "Khởi tố bị can"
    body: int = 0  # index in lines of the first line after the header, title and subtitle
    number_line: Line | None = None  # the "Số:" line (its words carry OCR confidences)
    date_line: Line | None = None  # the place/date line, rows of a wrapped one joined
    mark: str | None = None  # "MẬT" | "TỐI MẬT" | "TUYỆT MẬT" printed under the number


def read_layout(page: PageText) -> PageLayout:
    """The page in reading order, with its header block, title and subtitle."""
    reading = read_order(page)
    return _read_columns(page, reading) if reading.columns else _read_rows(page, reading.lines)


def _read_rows(page: PageText, lines: list[Line]) -> PageLayout:
    """The header of a page read as rows (plain text, or word boxes without two header columns)."""
    texts = [line.text for line in lines]
    national = False
    number = place_date = subject = None
    number_line = date_line = None
    agency: list[str] = []
    i = 0
    while i < min(len(texts), HEADER_LINES):
        text = texts[i]
        kind, value = _header_line(text)
        found_any = national or number is not None or place_date is not None
        if not has_text(text):
            pass
        elif kind == "national":
            national = True
        elif kind == "number":
            if number is None:
                number, number_line = value, lines[i]
        elif kind == "date":
            if place_date is None:
                place_date, date_line = value, lines[i]
        elif kind == "subject":
            subject = value
        elif subject and text[:1].islower() and not national:
            subject += " " + text  # the V/v line wrapped in the left column
        elif not found_any and is_caps(text) and len(agency) < 4:
            agency.append(text)
        elif not any(_header_line(t)[0] for t in texts[i + 1 : i + 3]):
            break  # else an unreadable line inside the header block is passed over
        i += 1
    if not (national or number is not None or place_date is not None):
        i, agency = 0, []  # capitals with no header after them are a title, not an agency
    return _titled(
        page,
        lines,
        i,
        agency=tuple(agency),
        number=number,
        national=national,
        place_date=place_date,
        subject=subject,
        number_line=number_line,
        date_line=date_line,
    )


def _read_columns(page: PageText, reading: Reading) -> PageLayout:
    """The header of a page whose two columns were told apart by their word boxes."""
    lines = reading.lines
    number = subject = mark = place_date = None
    number_line = date_line = None
    agency: list[str] = []
    left = [lines[k] for k in reading.left]
    k = 0
    while k < len(left):
        line = left[k]
        if number is None and _label_only(line.text) and k + 1 < len(left) and left[k + 1].text.startswith("/"):
            k += 1
            line = _joined(line, left[k])  # "Số:" and "/CT-UBND" on two rows, the blank between
        text = line.text
        kind, value = _header_line(text)
        if not has_text(text):
            pass
        elif kind == "number" and number is None:
            number, number_line = value, line
        elif kind == "subject" and subject is None:
            subject = value
        elif subject is not None and not is_caps(text):
            subject += " " + text  # the V/v line wrapped
        elif found_mark := secrecy_mark(text):
            mark = mark or found_mark
        elif number is None and subject is None and is_caps(text) and is_wordy(text):
            agency.append(text)
        k += 1
    right = [lines[k] for k in reading.right]
    for j, line in enumerate(right):
        kind, value = _header_line(line.text)
        if kind is None and j + 1 < len(right) and "ngay" in fold(line.text).lower():
            line = _joined(line, right[j + 1])  # "Quảng Ngãi, ngày" / "tháng 01 năm 2025"
            kind, value = _header_line(line.text)
        if kind == "date":
            place_date, date_line = value, line
            break
    return _titled(
        page,
        lines,
        reading.body,
        agency=tuple(agency),
        number=number,
        national=True,
        place_date=place_date,
        subject=subject,
        number_line=number_line,
        date_line=date_line,
        mark=mark,
    )


def _titled(page: PageText, lines: list[Line], start: int, **header) -> PageLayout:
    """The layout of a page whose header ends at lines[start]: the title and subtitle follow it."""
    title, subtitle, body = title_at(lines, start)
    return PageLayout(page, tuple(lines), title=tuple(title), subtitle=tuple(subtitle), body=body, **header)


def _label_only(text: str) -> bool:
    """A "Số:" label with at most a few marks after it (the number left blank or unreadable)."""
    label = re.match(r"(\w{1,3})\s*[:;.,]?", fold(text).lower())
    return bool(label) and edit_distance(label[1], "so", 1) <= 1 and "/" not in text and len(text) <= 12


def _joined(first: Line, second: Line) -> Line:
    words = first.words + second.words
    return Line(
        first.text + " " + second.text, min(first.x0 or 0, second.x0 or 0), max(first.x1 or 0, second.x1 or 0), words
    )


_MARKS = [(tokens(mark), mark) for mark in ("TUYỆT MẬT", "TỐI MẬT", "MẬT")]


def secrecy_mark(text: str) -> str | None:
    """'MẬT', 'TỐI MẬT' or 'TUYỆT MẬT' when the line is only that mark (diacritics may be lost)."""
    toks = tokens(text)
    for phrase, mark in _MARKS:
        if toks == phrase:
            return mark
    return None


def is_wordy(text: str) -> bool:
    """A line of real words: Vietnamese syllables or abbreviations (HĐND, VKSND), not OCR junk."""
    toks = [t for t in re.findall(r"[^\W\d_]+", text)]
    if not toks or not any(len(t) >= 3 for t in toks):
        return False
    good = sum(1 for t in toks if len(t) >= 2 and (_syllables(t) or is_abbreviation(t)))
    return good >= 0.75 * len(toks)


def _syllables(token: str) -> bool:
    """One Vietnamese syllable, or two that OCR ran together ('HƯNGYÊN')."""
    return is_syllable(token) or bool(syllable_cuts(token))


def _header_line(text: str) -> tuple[str | None, str]:
    """(national | number | date | subject | None, the value) for a line of the header block."""
    folded, offsets = fold_with_offsets(text)
    folded = folded.lower()
    toks = tokens(text)
    label = _NUMBER.match(folded)
    if match_at(_NATIONAL, toks, 0) or match_at(_MOTTO, toks, 0):
        return "national", text
    number = text[offsets[label.end()] :].strip() if label else ""
    if label and edit_distance(label[1], "so", 1) <= 1 and len(number) <= 30:  # not "Số 15/2024/QĐ-UBND ngày..."
        return "number", number
    if _PLACE_DATE.fullmatch(folded):
        return "date", text
    if _SUBJECT.match(folded):
        return "subject", text
    return None, text


# --- the number line taken apart -------------------------------------------------------------

_DASHES = str.maketrans({"\u2014": "-", "\u2013": "-", "\u2010": "-", "\u2011": "-", "\u2212": "-", "_": "-"})
# What follows "Số:" — n[/year]/SYMBOL[-UNIT...]: 155/QĐ-CSĐT, 54/2024/HS-ST, 12/QĐ-VKSKV3 —: anything (blank, dots, pen strokes read as junk), the year, the symbol.
_NUMBER_PARTS = re.compile(r"(?P<pre>.*?)/+[^\w\s/]?(?:(?P<year>\d{4})/+)?(?P<symbol>[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)*)")
_MIXED_CASE_CODES = {"TTR": "TTr"}  # Tờ trình (Nghị định 30/2020, Phụ lục III): the only code not in capitals


@dataclass(frozen=True)
class NumberParts:
    """What follows "Số:", taken apart: '54/2024/HS-ST' → digits '54', year '2024', symbol 'HS-ST'."""

    digits: str | None  # None when blank, dots or junk (a pen's number OCR could not read)
    year: str | None
    symbol: str

    @property
    def number(self) -> str | None:
        if self.digits is None:
            return None
        return "/".join([self.digits] + ([self.year] if self.year else []) + [self.symbol])


def split_number(raw: str, spaced: bool = False) -> NumberParts | None:
    """The parts of a "Số:" value, or None when no symbol reads cleanly.

    '389 / QĐÐ — CSĐT' → 389, QĐ-CSĐT; '0+ /CT-UBND' → no digits, CT-UBND; '204/2024/H S-ST' → None
    (words left after the number make it ambiguous: 'H' or 'HS-ST'?). `spaced`: the text is a kept
    text layer, whose letter-spaced digits ('5 6 5', an e-office form's font) are one number.
    """
    text = normalize(raw).translate(_DASHES)
    parts = text.split()
    while parts and not re.search(r"\w", parts[-1]):
        parts.pop()  # a speck after the symbol
    text = re.sub(r"\s*([/-])\s*", r"\1", " ".join(parts)).upper().strip(".,;: ")
    text = re.sub("Đ{2,}", "Đ", text)  # Tesseract reads a bold Đ as 'ĐÐ'; no ký hiệu doubles it
    found = _NUMBER_PARTS.fullmatch(text)
    if not found:
        return None
    symbol = "-".join(_MIXED_CASE_CODES.get(part, part) for part in found["symbol"].split("-"))
    pre = re.sub(r"(?<=\d) (?=\d)", "", found["pre"]) if spaced else found["pre"]
    digits = pre if re.fullmatch(r"\d{1,6}", pre) else None
    return NumberParts(digits, found["year"], symbol)


def title_at(lines: list[Line], i: int) -> tuple[list[str], list[str], int]:
    """(title lines in capitals, subtitle lines, index after them) starting at lines[i]."""
    while i < len(lines) and not has_text(lines[i].text):
        i += 1
    title: list[str] = []
    # "QUYẾT ĐỊNH:" (before Điều 1) and "QUYẾT NGHỊ:" head the operative part, not a document.
    while i < len(lines) and len(title) < 3 and is_caps(lines[i].text) and not lines[i].text.endswith(":"):
        title.append(lines[i].text)
        i += 1
    subtitle: list[str] = []
    # Centred lines from word boxes can be told from body text, so a subtitle may wrap once.
    most = 2 if lines and lines[0].x0 is not None else 1
    while (
        title
        and i < len(lines)
        and len(subtitle) < most
        and (_is_subtitle(lines[i], lines) or not subtitle and _ABOUT.match(fold(lines[i].text).lower()))
    ):
        subtitle.append(lines[i].text)
        i += 1
    return title, subtitle, i


def _is_subtitle(line: Line, lines: list[Line]) -> bool:
    """A short line under the title; a body line is long, punctuated or a 'Label:' line."""
    text = line.text
    if ":" in text or text.endswith((";", ".", ",")) or not (text[:1].isalpha() or text[:1] == "("):
        return False
    if line.x0 is None or line.x1 is None:
        return len(text) <= 0.75 * max(len(ln.text) for ln in lines)
    left = min(ln.x0 for ln in lines if ln.x0 is not None)
    right = max(ln.x1 for ln in lines if ln.x1 is not None)
    width = right - left
    return line.x1 - line.x0 < 0.7 * width and abs((line.x0 + line.x1 - left - right) / 2) < 0.05 * width
