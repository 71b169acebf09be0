"""Doc type of a document, from its title, subtitle and "Số:" symbol, driven by the taxonomy.

The title lines are matched to the taxonomy's titles (`taxonomy.match_title`: the most specific
type wins, "Không khởi tố vụ án hình sự" never passes for "Khởi tố vụ án hình sự"). The type
code of the "Số:" line (QĐ in 12/QĐ-VKS-P2) supports or weakens the match.
"""

from __future__ import annotations

from ..models import Classification
from ..taxonomy import UNKNOWN, DocType, match_title
from ..text import fold, is_caps
from .layout import HEADER_LINES, PageLayout, split_number, title_at

CONG_VAN = "cong_van"  # an official letter: no title, "Số: n/<agency>-<unit>" and a "V/v" subject


def classify(layouts: list[PageLayout], taxonomy: dict[str, DocType]) -> Classification:
    """Doc type key (UNKNOWN "khac" when unsure), confidence in [0, 1], title and subtitle as read."""
    if not layouts:
        return Classification(UNKNOWN, 0.0)
    header = layouts[0]  # the first page's: its title and "Số:" line
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
