"""Metadata of a document: số/ký hiệu, date, issuer, persons by role, crime and article.

Values are read where the layout puts them (the header for số, date and issuer) or from
the fixed procedural formulas of the body ("bị can Nguyễn Văn A", "về tội Trộm cắp tài
sản quy định tại Điều 173 Bộ luật Hình sự"). A value that does not read cleanly, or that
only a page OCR read with low confidence shows, is left empty and its field name goes to
`Metadata.review`: a wrong number or date in a dossier is worse than an empty one.

Real papers print "Số:      /QĐ-UBND" and "Quảng Ngãi, ngày     tháng 01 năm 2025" and fill
the number and the day by pen. What is printed is kept whenever it reads cleanly — the
symbol (ký hiệu) and the month and year — while the whole number and the full date are
stored only when their digits read cleanly *and* Tesseract was sure of the words carrying
them (`MIN_WORD_CONFIDENCE`): pen digits come out as junk ("Sóz⁄4G") or, worse, as wrong
digits with middling confidence. A kept born-digital text layer (no confidence) is trusted.
Register stamps, "Căn cứ … số 88/CP ngày …" citations and e-signature times are never the
document's: only the "Số:" line of the header's left column and the "<Place>, ngày …" line
of its right column are read, and words inside stamp boxes are left out.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TypeVar

from ..models import Classification, ESignature, Metadata, PageText, Person
from ..secrecy import level_of_mark, rank
from ..taxonomy import DocType, load_taxonomy
from ..text import (
    edit_distance,
    fold,
    fold_with_offsets,
    is_abbreviation,
    is_syllable,
    name_words,
    starts_with,
    syllable_cuts,
    tokens,
    words_over,
)
from .layout import Line, NumberParts, PageLayout, split_number

T = TypeVar("T")

# Thresholds measured on our own Tesseract 5 `vie` reading (300 dpi, image_to_data) of real-dev
# (22 scans of real papers, numbers and days filled by pen), dev-real and dev (synthetic, printed).
#
# PageText.confidence (Tesseract's mean word confidence, 0..100) under which a page's values are
# not trusted: pages read upright average 88.7-95.4 on real-dev, 90.1-96.3 on dev-real, 94.1-95.7
# on dev; a page read upside down averaged 41.
MIN_OCR_CONFIDENCE = 70.0
# Word.conf the words carrying digits must reach, by how likely a pen wrote them. Digits a pen may
# have filled in — the number when it stands apart from its "/SYMBOL" (a blank was left for it),
# and the day: pen digits that OCR read as plain digits came at 0-90 on real-dev, every one wrong
# ("11" read "44" at 90, "89" read "88" at 30, "24" read "84" at 41); printed days read at 95-97.
MIN_WORD_CONFIDENCE = 93.0
# The printed month and year of the date line: 88-96 on real-dev (one month at 69, left for
# review), 94-97 on dev-real and dev.
MIN_PRINTED_CONFIDENCE = 85.0
# A number typed against its symbol in one word ("155/QĐ-CSĐT"): that word's confidence is its
# hardest letter's (a Đ), 34-92 for right readings on dev and dev-real; pen digits that ran into
# the symbol read at 0-42 on real-dev, never as plain digits. A floor, not a proof.
MIN_TYPED_NUMBER_CONFIDENCE = 30.0

# The parts of a date line, each checked on its own: the day is often left blank for a pen.
_DATE_PARTS = re.compile(r"ngay(?P<day>.*?)thang(?P<month>.*?)nam(?P<year>\s*\d{4})")
_DATE_SLASHED = re.compile(r"ngay(?P<day>\s*\d{1,2})\s*[/.-](?P<month>\s*\d{1,2})\s*[/.-](?P<year>\s*\d{4})")
# The day's place unreadable (pen over "ngày", "tháng" cut): the printed month still ends the line.
_MONTH_YEAR = re.compile(r"(?P<day>)(?:thang|\b)(?P<month>\s*\d{1,2})\s*nam(?P<year>\s*\d{4})\W*$")
# A second line of the agency that continues its name (a place, a level), not a unit under it.
_CONTINUATION = [
    tokens(t)
    for t in (
        "TỈNH",
        "THÀNH PHỐ",
        "TP",
        "HUYỆN",
        "QUẬN",
        "THỊ XÃ",
        "XÃ",
        "PHƯỜNG",
        "THỊ TRẤN",
        "KHU VỰC",
        "TỐI CAO",
        "CẤP CAO",
        "TẠI",
        "NHÂN DÂN",
        "TRUNG ƯƠNG",
    )
]

# Role words as they open a name in the procedural formulas, folded.
_ROLES = [("nguoi bi hai", "nguoi_bi_hai"), ("bi can", "bi_can"), ("bi cao", "bi_cao")]
_PETITIONER = [("toi ten la", "nguoi_lam_don"), ("nguoi lam don", "nguoi_lam_don")]
_BEFORE_NAMES = re.compile(r"\s*(?:doi voi|la|:)?\s*")
# A crime name ends at punctuation or where the sentence goes on: "... tài sản quy định tại Điều".
_CRIME_END = re.compile(r"\s+(?:quy dinh tai|theo|xay ra|lien quan|doi voi|ra truoc)\b")
_ARTICLE = re.compile(r"\bdieu\s*(\d{1,3})\s+(?:cua\s+)?(?:bo\s*luat\s*hinh\s*su|blhs)\b")


@dataclass(frozen=True)
class DateParts:
    """The parts of a date line that read cleanly and surely (None for the others)."""

    year: int | None
    month: int | None
    day: int | None
    unsure_month: int | None = None  # plain digits 1-12 under a sure year, read with too little confidence

    @property
    def month_iso(self) -> str | None:
        return f"{self.year:04d}-{self.month:02d}" if self.year and self.month and 1 <= self.month <= 12 else None

    @property
    def iso(self) -> str | None:
        if not (self.year and self.month and self.day):
            return None
        try:
            return datetime.date(self.year, self.month, self.day).isoformat()
        except ValueError:
            return None


def read_date(text: str, line: Line | None = None) -> DateParts:
    """Day, month and year of '<Place>, ngày 18 tháng 5 năm 2024' (or 'ngày 18/5/2024'), each kept
    only when it is plain digits and, with `line`'s OCR words, read with confidence."""
    folded, offsets = fold_with_offsets(text)
    folded = folded.lower()
    found = _DATE_PARTS.search(folded) or _DATE_SLASHED.search(folded) or _MONTH_YEAR.search(folded)
    if not found:
        return DateParts(None, None, None)
    values: dict[str, int | None] = {}
    unsure: int | None = None
    for part, digits in (("day", 2), ("month", 2), ("year", 4)):
        value = found[part].strip(" .,")
        if _kept(line, text, found.start(part), found.end(part)):
            value = re.sub(r"(?<=\d) (?=\d)", "", value)  # a kept layer's letter-spaced '0 8'
        clean = re.fullmatch(rf"\d{{1,{digits}}}", value) is not None and (digits == 2 or len(value) == 4)
        start, end = found.start(part), found.end(part)
        span = (offsets[start], offsets[end - 1] + 1) if end > start else (0, 0)
        need = MIN_WORD_CONFIDENCE if part == "day" else MIN_PRINTED_CONFIDENCE
        values[part] = int(value) if clean and _sure(line, text, *span, need) else None
        if part == "month" and clean and values[part] is None and 1 <= int(value) <= 12:
            unsure = int(value)
    if values["year"] is None:
        values["month"] = unsure = None  # a month without its year says nothing
    return DateParts(values["year"], values["month"], values["day"], unsure)


def _signed_then(year: int, month: int, esignatures: list[ESignature]) -> bool:
    """An e-signature was made in that month or the next (papers are signed within days of their
    date): independent evidence for a printed month OCR read as plain digits but unsurely."""
    following = (year + month // 12, month % 12 + 1)
    return any(
        sig.signed_at and (int(sig.signed_at[:4]), int(sig.signed_at[5:7])) in ((year, month), following)
        for sig in esignatures
    )


def _sure(line: Line | None, text: str, start: int, end: int, need: float) -> bool:
    """Did OCR read the words of text[start:end] with confidence `need`? (No words or no confidence: yes.)"""
    confs = [w.conf for w in _words_at(line, text, start, end) if w.conf is not None]
    return not confs or min(confs) >= need


def _kept(line: Line | None, text: str, start: int, end: int) -> bool:
    """Are the words of text[start:end] those of a kept text layer (exact, no OCR confidence)?"""
    found = _words_at(line, text, start, end)
    return bool(found) and all(w.conf is None for w in found)


def _words_at(line: Line | None, text: str, start: int, end: int) -> list:
    """The words of `line` that carry text[start:end] (`text` is line.text, or ends with it)."""
    if line is None or not line.words:
        return []
    shift = len(text) - len(line.text)  # text may be a value cut from the end of the line's text
    return words_over(list(line.words), start - shift, end - shift)


def number_sure(layout: PageLayout) -> bool:
    """Did OCR read the digits of the number with confidence? The words that carry digits before
    a slash count ('155/QĐ-CSĐT', '44', 'Số:0+'), the year after the first slash does not; digits
    typed against their symbol in one word need less than digits standing on their own."""
    line = layout.number_line
    if line is None or not line.words or layout.number is None:
        return True
    start = len(line.text) - len(layout.number)
    position = 0
    for word in line.words:
        left, right = position, position + len(word.text)
        position = right + 1
        if right <= start or word.conf is None:
            continue
        head, slash, _ = line.text[max(left, start) : right].partition("/")
        if not any(c.isdigit() for c in head):
            continue
        typed = bool(slash) and head[-1:].isdigit()
        if word.conf < (MIN_TYPED_NUMBER_CONFIDENCE if typed else MIN_WORD_CONFIDENCE):
            return False
    return True


def misread_code(symbol: str, doc_type: str, taxonomy: dict[str, DocType]) -> bool:
    """A symbol whose type code is one letter off the code of the document's own type, and no
    code at all: 'TIR-UBND' on a TỜ TRÌNH (TTr), 'QD-UBND' on a QUYẾT ĐỊNH (QĐ)."""
    if doc_type not in taxonomy:
        return False
    known = {c.upper() for t in taxonomy.values() for c in t.symbols}
    segments = symbol.upper().split("-")
    for code in taxonomy[doc_type].symbols:
        head = "-".join(segments[: code.count("-") + 1])
        if head not in known and edit_distance(head, code.upper(), 1) <= 1:
            return True
    return False


def issuer(agency: tuple[str, ...]) -> str | None:
    """The issuing body from the agency lines above "Số:", specks at the line ends dropped.

    A line that continues the name above it (a place or level: "TỈNH QUẢNG NGÃI", "KHU VỰC 3")
    joins it with a space; a unit under a parent body is set off with " / ":
    "HĐND TỈNH HƯNG YÊN / VĂN PHÒNG", "CÔNG AN TỈNH QUẢNG NINH / CƠ QUAN CẢNH SÁT ĐIỀU TRA".
    """
    lines = []
    for text in agency:
        if _NUMBER_LABEL.match(fold(text).lower()):
            continue  # a "Số: /2025NQ-HĐND" left blank on a draft is no agency line
        text = _parted(text)
        if text is None:
            return None  # a word OCR garbled: a person reads the issuer from the header picture
        words = text.split()
        while words and not re.search(r"[^\W\d_]", words[0]):
            words.pop(0)
        while words and not re.search(r"[^\W_]", words[-1]):  # "KHU VỰC 3" keeps its 3
            words.pop()
        if words:
            lines.append(" ".join(words))
    if not lines:
        return None
    name = lines[0]
    for text in lines[1:]:
        toks = tokens(text)
        continues = any(toks[: len(c)] == c for c in _CONTINUATION)
        name += (" " if continues else " / ") + text
    return name


_NUMBER_LABEL = re.compile(r"s[o0-9]?\s*[:;]")


def _parted(line: str) -> str | None:
    """The agency line with words OCR ran together parted where exactly one cut makes two syllables
    ('HƯNGYÊN' → 'HƯNG YÊN'); None when a word is neither a syllable, an abbreviation nor such a pair."""
    words = []
    for word in line.split():
        letters = re.sub(r"[^\w]|[\d_]", "", word)
        if not letters or is_syllable(letters) or is_abbreviation(letters):
            words.append(word)
            continue
        cuts = syllable_cuts(word)
        if len(cuts) != 1:
            return None
        words += [word[: cuts[0]], word[cuts[0] :]]
    return " ".join(words)


def extract_metadata(
    layouts: list[PageLayout], classification: Classification, taxonomy: dict[str, DocType] | None = None
) -> Metadata:
    """Số, date and issuer from the first page's header; persons, crime and article from all pages.

    Also what stamps and e-signatures state (never taken for the document's own number or date):
    the first page's register stamp, a MẬT / TỐI MẬT mark, the signatures of every page.
    """
    meta = Metadata()
    if not layouts:
        return meta
    header = layouts[0]  # the first page's: its header holds the số, date and issuer
    first = header.page
    trusted = _trusted(first)
    signed = list(dict.fromkeys(sig for layout in layouts for sig in layout.page.esignatures))
    if header.number is not None:
        line = header.number_line
        parts = split_number(
            header.number,
            _kept(line, line.text, len(line.text) - len(header.number), len(line.text)) if line else False,
        )
        if parts is not None and misread_code(parts.symbol, classification.doc_type, taxonomy or load_taxonomy()):
            parts = None
        if parts is not None and trusted:
            meta.symbol = parts.symbol
        number = parts.number if parts is not None and number_sure(header) else None
        if number is None and parts is not None and (pen := _pen(first, "number")):
            number = NumberParts(pen, parts.year, parts.symbol).number  # the symbol printed, the digits by hand
        meta.number = _checked(number, trusted, "number", meta)
    if header.place_date is not None:
        date = read_date(header.place_date, header.date_line)
        meta.month = date.month_iso if trusted else None
        if meta.month is None and trusted and date.unsure_month and _signed_then(date.year, date.unsure_month, signed):
            meta.month = f"{date.year:04d}-{date.unsure_month:02d}"
        if date.iso is None and date.month_iso and (pen := _pen(first, "day")):
            date = DateParts(date.year, date.month, int(pen))  # month and year printed, the day by hand
        meta.date = _checked(date.iso, trusted, "date", meta)
    elif header.national:
        _review(meta, "date")  # the Quốc hiệu block always holds a date line: it went unread
    if header.agency:
        meta.issuer = _checked(issuer(header.agency), trusted, "issuer", meta)
    received = next((s for s in first.stamps if s.kind == "received"), None)
    if received is not None:
        meta.received = {"number": received.number, "date": received.date}
        if received.number is None or received.date is None:
            _review(meta, "received")  # a stamp was seen, its handwriting not read surely
    meta.classification_mark = _classification_mark(first, header.mark, trusted, meta)
    meta.esignatures = signed

    roles = _ROLES + (_PETITIONER if starts_with(classification.title or "", "ĐƠN") else [])
    found = {True: _Found(), False: _Found()}  # by whether OCR read the page with good confidence
    for layout in layouts:
        text = " ".join(line.text for line in layout.lines)
        evidence = found[_trusted(layout.page)]
        evidence.persons.update(_persons(text, roles))
        evidence.crimes.update(_crimes(text))
        evidence.articles.update(int(n) for n in _ARTICLE.findall(fold(text).lower()))
    meta.persons = _people(found, meta)
    meta.crime = _vote(found[True].crimes, found[False].crimes, "crime", meta)
    meta.article = _vote(found[True].articles, found[False].articles, "article", meta)
    return meta


def _pen(page: PageText, field: str) -> str | None:
    """The header's `field` written by pen, as read from the page image by two readers (`stages.pen`)."""
    return next((r.value for r in page.pen if r.field == field), None)


def _classification_mark(first: PageText, printed: str | None, trusted: bool, meta: Metadata) -> str | None:
    """The MẬT / TỐI MẬT mark of the document: the highest of what the stamp reader and the header's
    text read. A doubt never lowers the level: when the two disagree, or only a poorly read page
    text shows a mark, the higher mark stands and a person confirms it ("classification" in review)."""
    stamped = next((s.mark for s in first.stamps if s.kind == "classification" and s.mark), None)
    marks = [m for m in (stamped, printed) if m]
    if len(set(marks)) > 1 or (printed and not stamped and not trusted):
        _review(meta, "classification")
    return max(marks, key=lambda m: rank(level_of_mark(m)), default=None)


@dataclass
class _Found:
    persons: Counter[tuple[str, str]] = field(default_factory=Counter)  # (name, role)
    crimes: Counter[str] = field(default_factory=Counter)
    articles: Counter[int] = field(default_factory=Counter)


def _trusted(page: PageText) -> bool:
    return page.confidence is None or page.confidence >= MIN_OCR_CONFIDENCE


def _checked(value: str | None, trusted: bool, name: str, meta: Metadata) -> str | None:
    """The value if it read cleanly on a trusted page; else None and `name` sent to review."""
    if value is not None and trusted:
        return value
    _review(meta, name)
    return None


def _review(meta: Metadata, name: str) -> None:
    if name not in meta.review:
        meta.review.append(name)


def _vote(trusted: Counter[T], untrusted: Counter[T], name: str, meta: Metadata) -> T | None:
    """The value most often stated on trusted pages; review when only untrusted pages state one."""
    if trusted:
        return trusted.most_common(1)[0][0]
    if untrusted:
        _review(meta, name)
    return None


def _people(found: dict[bool, _Found], meta: Metadata) -> list[Person]:
    """One person per name and role, as most often spelled; OCR variants in a tie go to review."""
    spellings: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for (name, role), count in found[True].persons.items():
        spellings.setdefault((fold(name).lower(), role), []).append((count, name))
    persons = []
    for (_, role), variants in spellings.items():
        variants.sort(key=lambda v: -v[0])
        if len(variants) > 1 and variants[0][0] == variants[1][0]:
            _review(meta, "persons")  # 'Đinh Văn Việt' once, 'Đỉnh Văn Việt' once: which?
        else:
            persons.append(Person(variants[0][1], role))
    if any((fold(name).lower(), role) not in spellings for name, role in found[False].persons):
        _review(meta, "persons")
    return persons


def _persons(text: str, roles: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every (name, role) stated: 'bị can Nguyễn Thị Hải, Đoàn Hữu Giang' → two bi_can."""
    folded, offsets = fold_with_offsets(text)
    folded = folded.lower()
    found: list[tuple[str, str]] = []
    for words, role in roles:
        for hit in re.finditer(rf"\b{words}\b", folded):
            start = _BEFORE_NAMES.match(folded, hit.end()).end()  # type: ignore[union-attr]
            if start < len(folded):
                found += [(name, role) for name in _names(text[offsets[start] :])]
    return found


def _names(text: str) -> list[str]:
    """Names listed at the start of `text`: 'Nguyễn Thị Hải, Đoàn Hữu Giang đã ...' → both."""
    words = re.findall(r"[^\W\d_]+|\S", text[:200])
    names: list[str] = []
    i = 0
    while count := name_words(words[i:]):
        names.append(" ".join(words[i : i + count]))
        i += count
        if i >= len(words) or words[i] not in (",", "và"):
            break
        i += 1
    return names


def _crimes(text: str) -> list[str]:
    """Crime names after 'tội': 'về tội Cướp giật tài sản quy định tại...' → 'Cướp giật tài sản'."""
    folded, offsets = fold_with_offsets(text)
    folded = folded.lower()
    found = []
    for hit in re.finditer(r"\btoi\s+", folded):
        if text[offsets[hit.start()]] != "t":
            continue  # "Tôi" (I) opening a sentence, not the formula "tội"
        rest = text[offsets[hit.end()] :] if hit.end() < len(folded) else ""
        if rest.startswith(("“", '"')):
            quoted = re.match(r".([^”\"]{3,120})[”\"]", rest)
            if quoted:
                found.append(quoted.group(1).strip())
            continue
        if not rest[:1].isupper():
            continue  # "tội phạm", "tôi là": not a crime name
        clause = re.split(r"[.,;:()“”\"\d]", rest[:160])[0]
        folded_clause, clause_offsets = fold_with_offsets(clause)
        end = _CRIME_END.search(folded_clause.lower())
        crime = clause[: clause_offsets[end.start()]] if end else clause
        words = crime.split()
        if 1 <= len(words) <= 16:
            found.append(" ".join(words))
    return found
