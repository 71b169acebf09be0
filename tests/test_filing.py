"""pipeline.filing: how a batch's drafted documents are filed (ingest and `hoso reprocess` share it)."""

from __future__ import annotations

from pipeline.filing import file_drafts
from pipeline.models import Classification, DocumentDraft, Metadata, PageRef
from pipeline.store.catalog import DocumentRow


def draft(batch: str, numbers: list[int], *, case_id: str | None = None, continues: bool = False) -> DocumentDraft:
    return DocumentDraft(
        pages=[PageRef(batch, n) for n in numbers],
        classification=Classification("khac", 0.5),
        metadata=Metadata(),
        case_id=case_id,
        continues_previous=continues,
    )


def earlier_document(case_id: str, batch: str) -> DocumentRow:
    return DocumentRow(
        id="D-earlier",
        case_id=case_id,
        type="cao_trang",
        confidence=0.9,
        arrival=1.0,
        indexed=True,
        pages=[(batch, 1, 3, 3)],
    )


def test_a_continuing_scan_extends_the_case_s_last_document_of_another_batch_once():
    earlier = earlier_document("2024-HS-0001", "A")
    asked = []

    def previous(case_id):
        asked.append(case_id)
        return earlier

    filed = file_drafts(
        "B",
        [draft("B", [1], continues=True), draft("B", [2], continues=True)],
        "2024-HS-0001",
        previous=previous,
        arrival=lambda first, k: 10.0 + k,
    )
    assert filed.extended == [earlier]
    assert earlier.pages == [("A", 1, 3, 3), ("B", 1, None, None)] and earlier.indexed is False
    # The second continuing draft follows a document that now ends in this batch: a document of its own.
    assert [(d.pages, d.arrival) for d in filed.new] == [([("B", 2, None, None)], 12.0)]
    assert asked == ["2024-HS-0001"] and filed.cases == ["2024-HS-0001"]


def test_a_separator_switches_the_case_and_a_first_draft_never_continues_its_own_batch():
    filed = file_drafts(
        "C",
        [draft("C", [1, 2]), draft("C", [3], case_id="2024-HS-0009"), draft("C", [4], continues=True)],
        "2024-HS-0001",
        previous=lambda case_id: None,
        arrival=lambda first, k: float(k),
    )
    assert filed.cases == ["2024-HS-0001", "2024-HS-0009"]
    assert [(d.case_id, [n for _, n, *_ in d.pages]) for d in filed.new] == [
        ("2024-HS-0001", [1, 2]),
        ("2024-HS-0009", [3]),
        ("2024-HS-0009", [4]),
    ]
    assert filed.extended == []
    assert len({d.id for d in filed.new}) == 3
