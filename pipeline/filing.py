"""File a batch's drafted documents under their cases: ingest and `hoso reprocess` both file this way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .errors import HosoError
from .models import DocumentDraft, PageRef
from .secrecy import level_of_mark, levels
from .stages.documents import described, document_id
from .store.catalog import DocumentRow

# Why a batch holding a TUYỆT MẬT paper is quarantined, not filed (pipeline/data/secrecy.toml).
NOT_DIGITIZED = "tài liệu {mark}: không số hoá (Luật Bảo vệ bí mật nhà nước 2018)"


class NotDigitized(HosoError):
    """The batch holds a paper of a level hoso never digitizes (TUYỆT MẬT): none of it is filed."""

    def __init__(self, mark: str, page: PageRef):
        super().__init__(NOT_DIGITIZED.format(mark=mark))
        self.page = page  # the first page of that paper in its batch


@dataclass
class Filed:
    """What filing one batch gives: documents to write, and the cases the batch belongs to."""

    new: list[DocumentRow] = field(default_factory=list)  # in the batch's order
    extended: list[DocumentRow] = field(default_factory=list)  # earlier documents this batch continues
    cases: list[str | None] = field(default_factory=list)  # in the order the batch's documents reached them


def file_drafts(
    batch_id: str,
    drafts: list[DocumentDraft],
    case_id: str | None,
    *,
    previous: Callable[[str | None], DocumentRow | None],
    arrival: Callable[[PageRef, int], float],
    petition: bool = False,
) -> Filed:
    """The drafts of one batch as catalog documents.

    `case_id` is the arrival's case; a case separator sheet switches it for the drafts after it.
    A draft that continues the previous document joins the case's last document when that one
    ends in another batch (a document split across two scan files: `previous(case)` gives the
    case's last document filed before this batch, extended in place); else it is a document of
    its own. `arrival(first page, k)` dates the k-th draft (1-based), which orders the dossier.
    A draft marked TUYỆT MẬT files none of the batch (NotDigitized). A `petition` scan's documents
    are filed under no case (not even a separator sheet's) and continue no earlier scan: they are the
    petitions register's (issue 14), never a dossier's.
    """
    if petition:
        case_id = None
        drafts = [replace(d, case_id=None, continues_previous=False) for d in drafts]
    for draft in drafts:
        mark = draft.metadata.classification_mark
        if not levels()[level_of_mark(mark)].digitized:
            raise NotDigitized(mark, draft.pages[0])
    filed = Filed()
    last: dict[str | None, DocumentRow | None] = {}  # each case's last document, this batch's included
    for k, draft in enumerate(drafts, 1):
        case_id = draft.case_id or case_id
        if case_id not in filed.cases:
            filed.cases.append(case_id)
        refs = [(p.batch_id, p.number, None, None) for p in draft.pages]
        if draft.continues_previous:
            if case_id not in last:
                last[case_id] = previous(case_id)
            earlier = last[case_id]
            if earlier is not None and earlier.pages[-1][0] != batch_id:
                earlier.pages += refs
                earlier.indexed = False
                filed.extended.append(earlier)
                continue
        doc = DocumentRow(
            id=document_id(case_id, draft.pages[0]),
            case_id=case_id,
            **described(draft.classification, draft.metadata),
            arrival=arrival(draft.pages[0], k),
            pages=refs,
        )
        filed.new.append(doc)
        last[case_id] = doc
    return filed
