"""Split the pages of a batch scan into documents.

A document starts on a page that opens with the official header (Quốc hiệu / tiêu ngữ
or a "Số: n/..." line near the top), with a taxonomy title, or with a petition's
"Kính gửi:", unless the page plainly continues the previous one (it opens mid-sentence
or further down a numbered list). After a page that ends with a signature block, any
title in capitals starts a document too. Separator sheets force a break: `HOSO:SEP`
between documents, `HOSO:CASE=<id>` before the pages of another case. Separator sheets
and blank pages are not part of any document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..models import PageText, Segment
from ..taxonomy import DocType, match_title
from ..text import has_text, is_caps, is_person_name, starts_with, tokens
from .layout import Line, PageLayout
from .separator import CASE_PREFIX, PRINTED_CODE, SEPARATOR

_PAGE_NUMBER = re.compile(r"[-–—(\s]*\d{1,3}[-–—)\s]*")
# "2.", "Điều 2.", "b)", "III." (a section in capitals, which could pass for a title)
_LIST_ITEM = re.compile(r"^(?:điều\s+)?(\d{1,2}|[ivx]{1,4})\s*[.)]\s|^([a-zđ])\)\s", re.IGNORECASE)


def split_batch(layouts: Iterable[PageLayout], taxonomy: dict[str, DocType]) -> list[Segment]:
    """Segments of consecutive pages, one per document, in page order.

    The first segment gets `continues_previous=True` when the batch opens on a page with no
    sign of a document start (the rest of a document whose first pages were another scan).
    """
    return [segment for segment, _ in documents_in(layouts, taxonomy)]


def documents_in(
    layouts: Iterable[PageLayout], taxonomy: dict[str, DocType]
) -> Iterator[tuple[Segment, list[PageLayout]]]:
    """split_batch's segments, each with its pages' layouts, as each one closes: a long batch is
    described one document at a time, never holding every page's layout."""
    segment: Segment | None = None
    kept: list[PageLayout] = []
    case_id: str | None = None
    forced = False  # a separator sheet came before: the next page starts a document
    previous: tuple[Line, ...] = ()  # the lines of the page before (blank pages and sheets aside)
    for layout in layouts:
        page = layout.page
        codes = page.barcodes + PRINTED_CODE.findall(page.text)
        cases = [code[len(CASE_PREFIX) :] for code in codes if code.startswith(CASE_PREFIX)]
        if cases or SEPARATOR in codes:
            case_id = cases[-1] if cases else case_id
            forced = True
            continue
        if is_blank(page):
            continue  # a blank back side says nothing about where documents start
        opens = _opens_document(layout, previous, taxonomy)
        if forced or opens or segment is None:
            if segment is not None:
                yield segment, kept
            segment, kept = Segment([page.number], case_id, continues_previous=not (forced or opens)), [layout]
        else:
            segment.pages.append(page.number)
            kept.append(layout)
        forced = False
        previous = layout.lines
    if segment is not None:
        yield segment, kept


def is_blank(page: PageText) -> bool:
    """Blank by the scanner's or OCR's word, or with fewer than three real words (speckle, a stamp)."""
    return page.blank or sum(1 for t in tokens(page.text) if len(t) >= 2 and t.isalpha()) < 3


def _opens_document(layout: PageLayout, previous: tuple[Line, ...], taxonomy: dict[str, DocType]) -> bool:
    if layout.national and layout.number is None and layout.place_date is None and _numbered(layout.lines):
        return False  # an annex (danh sách, phụ lục) under its own Quốc hiệu, numbered on from its document
    if layout.national or layout.number is not None:
        return True
    if _continues(layout.lines):
        return False
    if layout.title and match_title(layout.title, layout.subtitle, taxonomy):
        return True
    top = [line.text for line in layout.lines[:6]]
    if any(starts_with(text, "Kính gửi") for text in top):
        return True
    # After a signed page, a title in capitals (that is not itself a signature) opens a document.
    texts, before = _texts(layout.lines), _texts(previous)
    signed = any(_signature_at(before, i) for i in range(max(0, len(before) - 4), len(before)))
    return bool(layout.title) and signed and not _signature_at(texts, 0)


def _numbered(lines: tuple[Line, ...]) -> bool:
    """Nghị định 30 numbers pages from the second one on, centred at the top."""
    return bool(lines) and bool(_PAGE_NUMBER.fullmatch(lines[0].text)) and int(re.sub(r"\D", "", lines[0].text)) > 1


def _continues(lines: tuple[Line, ...]) -> bool:
    """The page goes on with the previous one: numbered at the top, mid-sentence or down a list."""
    if _numbered(lines):
        return True
    first = next((line.text for line in lines if has_text(line.text)), "")
    opening = first.lstrip("-–—•*“\"'( ")
    if opening[:1].islower():
        return True
    item = _LIST_ITEM.match(opening)
    return bool(item) and (item[1] or item[2]).lower() not in ("1", "i", "a")


def _signature_at(texts: list[str], i: int) -> bool:
    """A signature block at texts[i]: a role in capitals ('PHÓ VIỆN TRƯỞNG') over the signer's name."""
    return is_caps(texts[i]) and any(is_person_name(name) for name in texts[i + 1 : i + 3])


def _texts(lines: tuple[Line, ...]) -> list[str]:
    return [line.text for line in lines if has_text(line.text)]
