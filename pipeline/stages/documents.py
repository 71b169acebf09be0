"""Split a batch's pages into documents, then classify and describe each one."""
from __future__ import annotations

import hashlib
from dataclasses import asdict

from .classify import classify
from .extract import extract_metadata
from ..models import Classification, DocumentDraft, Metadata, PageRef, PageText
from .split import split_batch
from ..taxonomy import DocType


def find_documents(batch_id: str, pages: list[PageText], taxonomy: dict[str, DocType]) -> list[DocumentDraft]:
    by_number = {page.number: page for page in pages}
    drafts = []
    for segment in split_batch(pages, taxonomy):
        segment_pages = [by_number[n] for n in segment.pages]
        classification = classify(segment_pages, taxonomy)
        drafts.append(DocumentDraft(
            pages=[PageRef(batch_id, n) for n in segment.pages],
            classification=classification,
            metadata=extract_metadata(segment_pages, classification, taxonomy),
            case_id=segment.case_id,
            continues_previous=segment.continues_previous,
        ))
    return drafts


def document_id(case_id: str | None, first_page: PageRef) -> str:
    """Stable id: the same first page of the same case always names the same document."""
    key = f"{case_id or '-'}|{first_page.batch_id}|{first_page.number}"
    return "D" + hashlib.sha256(key.encode()).hexdigest()[:12]


def described(cls: Classification, meta: Metadata) -> dict:
    """A catalog document's descriptive fields (DocumentRow keywords) from what the stages found."""
    return dict(
        type=cls.doc_type, confidence=cls.confidence, title=cls.title, subtitle=cls.subtitle,
        number=meta.number, symbol=meta.symbol, date=meta.date, month=meta.month, issuer=meta.issuer,
        received=meta.received, classification_mark=meta.classification_mark,
        esignatures=[asdict(e) for e in meta.esignatures],
        persons=[{"name": p.name, "role": p.role} for p in meta.persons],
        crime=meta.crime, article=meta.article, review=list(meta.review),
    )
