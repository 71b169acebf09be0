"""Split a batch's pages into documents, then classify and describe each one."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict

from ..models import Classification, DocumentDraft, Metadata, PageRef, PageText
from ..secrecy import level_of_mark
from ..taxonomy import DocType
from .classify import classify
from .extract import extract_metadata
from .layout import PageLayout, read_layout
from .split import documents_in


def find_documents(batch_id: str, pages: Iterable[PageText], taxonomy: dict[str, DocType]) -> list[DocumentDraft]:
    """The batch's documents, read in one pass over its pages (a list, or a stream from the catalog):
    each page's layout is read once, for every stage, and held only until its document is described."""
    drafts = []
    for segment, layouts in documents_in((read_layout(page) for page in pages), taxonomy):
        classification, metadata = describe_document(layouts, taxonomy)
        drafts.append(
            DocumentDraft(
                pages=[PageRef(batch_id, n) for n in segment.pages],
                classification=classification,
                metadata=metadata,
                case_id=segment.case_id,
                continues_previous=segment.continues_previous,
            )
        )
    return drafts


def describe_document(layouts: list[PageLayout], taxonomy: dict[str, DocType]) -> tuple[Classification, Metadata]:
    """The doc type of a document's pages, then what they say (number, date, issuer, persons...)."""
    classification = classify(layouts, taxonomy)
    return classification, extract_metadata(layouts, classification, taxonomy)


def document_id(case_id: str | None, first_page: PageRef) -> str:
    """Stable id: the same first page of the same case always names the same document."""
    key = f"{case_id or '-'}|{first_page.batch_id}|{first_page.number}"
    return "D" + hashlib.sha256(key.encode()).hexdigest()[:12]


def described(cls: Classification, meta: Metadata) -> dict:
    """A catalog document's descriptive fields (DocumentRow keywords) from what the stages found."""
    return dict(
        type=cls.doc_type,
        confidence=cls.confidence,
        title=cls.title,
        subtitle=cls.subtitle,
        number=meta.number,
        symbol=meta.symbol,
        date=meta.date,
        month=meta.month,
        issuer=meta.issuer,
        received=meta.received,
        classification_mark=meta.classification_mark,
        classification=level_of_mark(meta.classification_mark),  # who may read it: set here, once
        esignatures=[asdict(e) for e in meta.esignatures],
        persons=[{"name": p.name, "role": p.role} for p in meta.persons],
        crime=meta.crime,
        article=meta.article,
        review=list(meta.review),
    )
