"""Metadata of a document: số/ký hiệu, date, issuer, persons by role, crime and article.

Values are read where the layout puts them (the header for số, date and issuer) or from
the fixed procedural formulas of the body ("bị can Nguyễn Văn A", "về tội Trộm cắp tài
sản quy định tại Điều 173 Bộ luật Hình sự"). A value that does not read cleanly, or that
only a page OCR read with low confidence shows, is left empty and its field name goes to
`Metadata.review`: a wrong number or date in a dossier is worse than an empty one.
"""
from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TypeVar

from .header import name_words, page_lines, read_header, starts_with
from .models import Classification, Metadata, PageText, Person
from .text import fold, fold_with_offsets, normalize

T = TypeVar("T")

MIN_OCR_CONFIDENCE = 70.0  # PageText.confidence (0..100) under which a page's values are not trusted

_DASHES = str.maketrans({"\u2014": "-", "\u2013": "-", "\u2010": "-", "\u2011": "-", "\u2212": "-", "_": "-"})
# n[/year]/SYMBOL[-UNIT...]: 155/QĐ-CSĐT, 54/2024/HS-ST, 12/QĐ-VKSKV3
_NUMBER_FORM = re.compile(r"\d{1,6}(?:/\d{4})?/[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)*")
_DATE_WORDS = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_DATE_SLASHES = re.compile(r"ngay\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")

# Role words as they open a name in the procedural formulas, folded.
_ROLES = [("nguoi bi hai", "nguoi_bi_hai"), ("bi can", "bi_can"), ("bi cao", "bi_cao")]
_PETITIONER = [("toi ten la", "nguoi_lam_don"), ("nguoi lam don", "nguoi_lam_don")]
_BEFORE_NAMES = re.compile(r"\s*(?:doi voi|la|:)?\s*")
# A crime name ends at punctuation or where the sentence goes on: "... tài sản quy định tại Điều".
_CRIME_END = re.compile(r"\s+(?:quy dinh tai|theo|xay ra|lien quan|doi voi|ra truoc)\b")
_ARTICLE = re.compile(r"\bdieu\s*(\d{1,3})\s+(?:cua\s+)?(?:bo\s*luat\s*hinh\s*su|blhs)\b")


def normalize_number(raw: str) -> str | None:
    """'389 / QĐÐ - CSĐT' → '389/QĐ-CSĐT'; None when it does not read as one n[/year]/SYMBOL.

    Words left after the number make it ambiguous ('204/2024/H S-ST': 'H' or 'HS-ST'?), so None.
    """
    text = re.sub(r"\s*([/-])\s*", r"\1", normalize(raw).translate(_DASHES).upper())
    parts = [part.strip(".,;:") for part in text.split() if re.search(r"\w", part)]
    if len(parts) != 1:
        return None
    number = re.sub("Đ{2,}", "Đ", parts[0])  # Tesseract reads a bold Đ as 'ĐÐ'; no ký hiệu doubles it
    return number if _NUMBER_FORM.fullmatch(number) else None


def number_symbol(number: str) -> str:
    """The ký hiệu of a normalized number: '175/2024/HS-ST' → 'HS-ST'."""
    return number.rsplit("/", 1)[-1]


def parse_date(line: str) -> str | None:
    """ISO date of '..., ngày 18 tháng 5 năm 2024' or 'ngày 18/5/2024' (None if unreadable)."""
    folded = fold(line).lower()
    found = _DATE_WORDS.search(folded) or _DATE_SLASHES.search(folded)
    if not found:
        return None
    day, month, year = (int(g) for g in found.groups())
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def extract_metadata(pages: list[PageText], classification: Classification) -> Metadata:
    """Số, date and issuer from the first page's header; persons, crime and article from all pages."""
    meta = Metadata()
    if not pages:
        return meta
    header = read_header(pages[0])
    trusted = _trusted(pages[0])
    if header.number is not None:
        meta.number = _checked(normalize_number(header.number), trusted, "number", meta)
    if header.place_date is not None:
        meta.date = _checked(parse_date(header.place_date), trusted, "date", meta)
    elif header.national:
        _review(meta, "date")  # the Quốc hiệu block always holds a date line: it went unread
    if header.agency:
        meta.issuer = _checked(" ".join(header.agency), trusted, "issuer", meta)

    roles = _ROLES + (_PETITIONER if starts_with(classification.title or "", "ĐƠN") else [])
    found = {True: _Found(), False: _Found()}  # by whether OCR read the page with good confidence
    for page in pages:
        text = " ".join(line.text for line in page_lines(page))
        evidence = found[_trusted(page)]
        evidence.persons.update(_persons(text, roles))
        evidence.crimes.update(_crimes(text))
        evidence.articles.update(int(n) for n in _ARTICLE.findall(fold(text).lower()))
    meta.persons = _people(found, meta)
    meta.crime = _vote(found[True].crimes, found[False].crimes, "crime", meta)
    meta.article = _vote(found[True].articles, found[False].articles, "article", meta)
    return meta


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
