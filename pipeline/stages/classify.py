"""Doc type of a document, from its title, subtitle and "Số:" symbol, driven by the taxonomy.

A type's `titles` in doc-types.toml are read as: entries in capitals are alternative
heading lines ("QUYẾT ĐỊNH", "ĐƠN KIẾN NGHỊ"); other entries are alternative lines
under the heading ("Khởi tố bị can"). The heading is matched at the start of the
title, the subtitle right after it, both fuzzily on folded text, so OCR noise is
tolerated while "Không khởi tố vụ án hình sự" can never pass for "Khởi tố vụ án hình
sự". Of the types that match, the one matching the most letters wins: "Phê chuẩn
quyết định khởi tố bị can" is qd_phe_chuan, the generic "QUYẾT ĐỊNH" alone is nothing.
The type code of the "Số:" line (QĐ in 12/QĐ-VKS-P2) supports or weakens the match.
"""
from __future__ import annotations

from dataclasses import dataclass

from .extract import split_number
from .layout import HEADER_LINES, is_caps, match_at, read_header, title_at, tokens
from ..models import Classification, PageText
from ..taxonomy import UNKNOWN, DocType
from ..text import fold

CONG_VAN = "cong_van"  # an official letter: no title, "Số: n/<agency>-<unit>" and a "V/v" subject
_FILLER = ["ve", "viec"]  # "QUYẾT ĐỊNH / Về việc khởi tố bị can"


@dataclass(frozen=True)
class TitleMatch:
    key: str
    letters: int  # letters of the taxonomy title matched: more is more specific
    quality: float  # 1 - edit distance / letters


def match_title(title: list[str], subtitle: list[str], taxonomy: dict[str, DocType]) -> TitleMatch | None:
    """The most specific taxonomy type whose heading (and subtitle) the title lines match."""
    toks = tokens(" ".join(title + subtitle))
    best: TitleMatch | None = None
    for doc_type in taxonomy.values():
        headings = [tokens(t) for t in doc_type.titles if is_caps(t)]
        subtitles = [tokens(t) for t in doc_type.titles if not is_caps(t)]
        for heading in headings:
            for start in (0, 1):  # one word may come first: "BẢN KẾT LUẬN GIÁM ĐỊNH"
                found = match_at(heading, toks, start)
                if not found:
                    continue
                end = start + found[0]
                if toks[end : end + 2] == _FILLER:
                    end += 2
                followers = _follow(subtitles, toks, end) if subtitles else [([], 0)]
                for phrase, distance in followers:
                    letters = len("".join(heading + phrase))
                    candidate = TitleMatch(doc_type.key, letters, 1 - (found[1] + distance) / letters)
                    if best is None or (candidate.letters, candidate.quality) > (best.letters, best.quality):
                        best = candidate
    return best


def _follow(subtitles: list[list[str]], toks: list[str], end: int) -> list[tuple[list[str], int]]:
    """The subtitle phrases matching right after the heading, with their edit distances."""
    return [(s, m[1]) for s in subtitles if (m := match_at(s, toks, end))]


def classify(pages: list[PageText], taxonomy: dict[str, DocType]) -> Classification:
    """Doc type key (UNKNOWN "khac" when unsure), confidence in [0, 1], title and subtitle as read."""
    if not pages:
        return Classification(UNKNOWN, 0.0)
    header = read_header(pages[0])
    title, subtitle = header.title, header.subtitle
    match = match_title(title, subtitle, taxonomy)
    if title and not subtitle and header.body < len(header.lines):
        # A speck or stamp beside the subtitle can make it look off-centre, hence body text;
        # the next line still only counts if a taxonomy subtitle starts it (a more specific match
        # than the heading alone: "QUYẾT ĐỊNH" + "Khởi tố bị can" over a bare "QUYẾT ĐỊNH").
        next_line = [header.lines[header.body].text]
        specific = match_title(title, next_line, taxonomy)
        if specific and (match is None or specific.letters > match.letters):
            match, subtitle = specific, next_line
    if match is None:
        # The title may sit below lines the header reader did not expect (a stamp, OCR junk).
        for i, line in enumerate(header.lines[: HEADER_LINES + 4]):
            if is_caps(line.text):
                found_title, found_subtitle, _ = title_at(header.lines, i)
                if match := match_title(found_title, found_subtitle, taxonomy):
                    title, subtitle = found_title, found_subtitle
                    break
    parts = split_number(header.number) if header.number else None
    symbol = parts.symbol if parts else None  # the printed symbol counts even when a pen's number does not read
    coded = _types_of_symbol(symbol, taxonomy)
    as_read = (" ".join(title) or None, " ".join(subtitle) or None)
    if match is not None:
        confidence = match.quality * _symbol_factor(taxonomy[match.key], symbol, coded)
        return Classification(match.key, round(confidence, 2), *as_read)
    if symbol and not coded and header.subject and CONG_VAN in taxonomy:
        return Classification(CONG_VAN, 0.8, as_read[0], header.subject)
    if len(coded) > 1 and header.subject:
        # A "V/v" subject marks a letter or notice, never a procedural act (taxonomy order < 90):
        # 345/TB-VKS with a V/v line is a Thông báo, not a Tin báo về tội phạm.
        coded = {key for key in coded if taxonomy[key].order >= 90}
    if len(coded) == 1:  # no title read, but the type code names one type (LTG, KLĐT...)
        return Classification(coded.pop(), 0.5, *as_read)
    return Classification(UNKNOWN, 0.0, *as_read)


def _types_of_symbol(symbol: str | None, taxonomy: dict[str, DocType]) -> set[str]:
    """Keys of the types whose code heads the ký hiệu: QĐ in QĐ-VKS-P2, HS-ST in HS-ST, TTr in TTr-UBND."""
    if symbol is None:
        return set()
    symbol = fold(symbol).upper()
    return {
        doc_type.key
        for doc_type in taxonomy.values()
        for code in (fold(c).upper() for c in doc_type.symbols)
        if symbol == code or symbol.startswith(code + "-")
    }


def _symbol_factor(doc_type: DocType, symbol: str | None, coded: set[str]) -> float:
    if symbol is None:
        # Biên bản and petitions often carry no số; a missing one is weak evidence.
        return 0.9 if doc_type.symbols else 1.0
    if coded:
        return 1.0 if doc_type.key in coded else 0.6  # the code names another type
    return 0.8 if doc_type.symbols else 0.9
