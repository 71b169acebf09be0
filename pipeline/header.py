"""Read the Nghị định 30/2020 layout of a page: two-column header, title, subtitle.

Official papers open with two columns side by side: on the left the agency lines
and "Số: 12/QĐ-VKS-P2", on the right the Quốc hiệu, the tiêu ngữ and
"Hạ Long, ngày 18 tháng 5 năm 2024"; then a title in capitals, often with a
subtitle line under it. Text read row by row interleaves the two columns
("VIỆN KIỂM SÁT NHÂN DÂN CỘNG HÒA XÃ HỘI..."), so the page is first put in
reading order, left column before right: by word boxes when OCR gave some,
else by cutting plain-text rows where a right-column phrase begins.

Also home of the small text-shape helpers the split, classify and extract
stages share (folded tokens, fuzzy phrase match, capitals, person names).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .models import PageText, Word
from .text import fold, fold_with_offsets, normalize

HEADER_LINES = 12  # the header block and the title sit within the first lines of a page

_TOKEN = re.compile(r"\w+")


# --- text-shape helpers -------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """Folded lowercase word tokens: 'Số: 12/QĐ' → ['so', '12', 'qd'].

    Tesseract often doubles a bold Đ ('QUYẾT ĐÐỊNH'); no Vietnamese word has 'đđ', so it is undone.
    """
    return _TOKEN.findall(re.sub("d{2,}", "d", fold(text).lower()))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of short strings, or limit + 1 as soon as it must exceed `limit`.

    Only the band of cells within `limit` of the diagonal can stay under the limit.
    """
    over = limit + 1
    if abs(len(a) - len(b)) > limit:
        return over
    previous = [j if j <= limit else over for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        current = [i if i <= limit else over] + [over] * len(b)
        for j in range(max(1, i - limit), min(len(b), i + limit) + 1):
            cost = previous[j - 1] + (ca != b[j - 1])
            cost = previous[j] + 1 if previous[j] + 1 < cost else cost
            current[j] = current[j - 1] + 1 if current[j - 1] + 1 < cost else cost
        if min(current) > limit:
            return over
        previous = current
    return min(previous[-1], over)


def match_at(phrase: list[str], toks: list[str], i: int) -> tuple[int, int] | None:
    """Fuzzy match of folded `phrase` tokens at toks[i]: (tokens used, edit distance) or None.

    Compared without spaces over n-1..n+1 tokens, so OCR that splits or merges words
    ('QUY ẾT', 'khởitố') still matches; one edit is allowed per six letters.
    """
    target = "".join(phrase)
    allowed = len(target) // 6
    best: tuple[int, int] | None = None
    for used in (len(phrase), len(phrase) - 1, len(phrase) + 1):
        if used < 1 or i + used > len(toks):
            continue
        distance = edit_distance(target, "".join(toks[i : i + used]), allowed)
        if distance <= allowed and (best is None or distance < best[1]):
            best = (used, distance)
    return best


def find_phrase(phrase: list[str], toks: list[str]) -> int | None:
    """Token index where `phrase` matches `toks` best (the earliest of equals), or None."""
    found = [(m[1], i) for i in range(len(toks)) if (m := match_at(phrase, toks, i))]
    return min(found)[1] if found else None


def starts_with(text: str, phrase: str) -> bool:
    """Does `text` begin with `phrase`, up to OCR noise and diacritics?"""
    return match_at(tokens(phrase), tokens(text), 0) is not None


def is_caps(text: str) -> bool:
    """A line in capitals (titles, agency names, signature roles)."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def name_words(words: list[str]) -> int:
    """How many leading words form a personal name: 'Nguyễn Thị Hải đã ...' → 3 (0 if none).

    A Vietnamese name is two to six capitalised words ('Trịnh Công An', 'Nguyễn Văn A').
    """
    count = 0
    while count < len(words) and count < 6 and words[count].isalpha() and words[count].istitle():
        count += 1
    return count if count >= 2 else 0


def is_person_name(text: str) -> bool:
    """A line holding only a personal name (the signer under a signature block)."""
    words = text.split()
    return 2 <= len(words) <= 6 and name_words(words) == len(words)


def has_text(text: str) -> bool:
    """A line with at least one real word (not a rule '-----' or stamp speckle)."""
    return any(len(t) >= 2 and not t.isdigit() for t in tokens(text))


_NATIONAL = tokens("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
_MOTTO = tokens("Độc lập - Tự do - Hạnh phúc")
# A label then a number with a slash; the label is "Số" as OCR reads it (SỐ, Sô, S6, Sl, 1ố...).
_NUMBER = re.compile(r"^(\w{1,3})\s*[:;.,]?\s*(?=[\w ]*\d[\w ]*/)")
# "<Place>, ngày 18 tháng 5 năm 2024" or "..., ngày 18/5/2024" on folded lowercase text, ending
# with the year; the day and month may be dots left for a hand to fill in.
_DATE = r"ngay\b.{0,40}?\d{4}"
_DATE_LINE_END = re.compile(rf"(?:{_DATE})\W*")
_PLACE_DATE = re.compile(rf"\D{{0,40}}\b(?:{_DATE})\W*")
_SUBJECT = re.compile(r"^v\s*/\s*v\b", re.IGNORECASE)


# --- reading order ------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """A line of the page in reading order; the box is None for lines of plain text."""

    text: str
    x0: float | None = None
    x1: float | None = None


def page_lines(page: PageText) -> list[Line]:
    """The page's lines with the two header columns one after the other, never interleaved."""
    if page.words:
        return _lines_from_words(page.words, page.width)
    return [Line(text) for text in _deinterleave([normalize(t).strip() for t in page.text.splitlines()])]


def _lines_from_words(words: list[Word], width: float) -> list[Line]:
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        middle = (word.top + word.bottom) / 2
        for row in reversed(rows[-3:]):
            if abs(middle - (row[0].top + row[0].bottom) / 2) < 0.5 * (word.bottom - word.top):
                row.append(word)
                break
        else:
            rows.append([word])
    chunked = [_chunks(sorted(row, key=lambda w: w.x0), width) for row in rows]
    # The header band runs down to the last row near the top showing both columns side by side.
    centre = width / 2
    band = 0
    for i, chunks in enumerate(chunked[:HEADER_LINES]):
        if any(c[-1].x1 < centre for c in chunks) and any(c[0].x0 > centre for c in chunks):
            band = i + 1
    left = [c for chunks in chunked[:band] for c in chunks if (c[0].x0 + c[-1].x1) / 2 < centre]
    right = [c for chunks in chunked[:band] for c in chunks if (c[0].x0 + c[-1].x1) / 2 >= centre]
    body = [[w for c in chunks for w in c] for chunks in chunked[band:]]
    return [_line(ws) for ws in left + right + body]


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
    return Line(normalize(" ".join(w.text for w in words)), words[0].x0, max(w.x1 for w in words))


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
    for row, cut in zip(rows[:band], cuts[:band]):
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


@dataclass
class Header:
    lines: list[Line]  # the page in reading order
    agency: list[str] = field(default_factory=list)  # left column above "Số:"
    number: str | None = None  # what follows the "Số:" label, as read
    national: bool = False  # Quốc hiệu or tiêu ngữ seen
    place_date: str | None = None  # "Hạ Long, ngày 18 tháng 5 năm 2024"
    subject: str | None = None  # "V/v ..." line of a công văn
    title: list[str] = field(default_factory=list)  # heading line(s) in capitals
    subtitle: list[str] = field(default_factory=list)  # e.g. "Khởi tố bị can"
    body: int = 0  # index in lines of the first line after the header, title and subtitle


def read_header(page: PageText) -> Header:
    """The header block, title and subtitle at the top of a page (empty fields when absent)."""
    lines = page_lines(page)
    header = Header(lines=lines)
    texts = [line.text for line in lines]
    agency: list[str] = []
    i = 0
    while i < min(len(texts), HEADER_LINES):
        text = texts[i]
        kind, value = _header_line(text)
        if not has_text(text):
            pass
        elif kind == "national":
            header.national = True
        elif kind == "number":
            header.number = header.number or value
        elif kind == "date":
            header.place_date = header.place_date or value
        elif kind == "subject":
            header.subject = value
        elif header.subject and text[:1].islower() and not header.national:
            header.subject += " " + text  # the V/v line wrapped in the left column
        elif not _found_any(header) and is_caps(text) and len(agency) < 4:
            agency.append(text)
        elif not any(_header_line(t)[0] for t in texts[i + 1 : i + 3]):
            break  # else an unreadable line inside the header block is passed over
        i += 1
    if not _found_any(header):
        i = 0  # capitals with no header after them are a title, not an agency
    else:
        header.agency = agency
    header.title, header.subtitle, header.body = title_at(lines, i)
    return header


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


def title_at(lines: list[Line], i: int) -> tuple[list[str], list[str], int]:
    """(title lines in capitals, subtitle lines, index after them) starting at lines[i]."""
    while i < len(lines) and not has_text(lines[i].text):
        i += 1
    title: list[str] = []
    while i < len(lines) and len(title) < 3 and is_caps(lines[i].text):
        title.append(lines[i].text)
        i += 1
    subtitle: list[str] = []
    # Centred lines from word boxes can be told from body text, so a subtitle may wrap once.
    most = 2 if lines and lines[0].x0 is not None else 1
    while title and i < len(lines) and len(subtitle) < most and _is_subtitle(lines[i], lines):
        subtitle.append(lines[i].text)
        i += 1
    return title, subtitle, i


def _found_any(header: Header) -> bool:
    return header.national or header.number is not None or header.place_date is not None


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
