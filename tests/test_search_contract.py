"""One contract, every backend: the same queries must give the same answers.

The page texts come from the dev corpus truth (no OCR needed).
"""

from __future__ import annotations

import sqlite3

import pytest

from index.base import DEFAULT_FACETS, IndexedPage, SearchQuery
from index.query import MARK_CLOSE, MARK_OPEN
from index.sqlite_fts import SqliteBackend
from pipeline.config import Settings
from pipeline.text import normalize


def _sqlite_backend(request):
    return SqliteBackend(sqlite3.connect(":memory:", isolation_level=None))


def _opensearch_backend(request):
    url = request.getfixturevalue("opensearch_url")
    from index.opensearch import OpenSearchBackend

    prefix = request.getfixturevalue("unique_prefix")
    backend = OpenSearchBackend.from_settings(Settings(opensearch_url=url, opensearch_index_prefix=prefix))
    request.addfinalizer(backend.drop)
    return backend


@pytest.fixture(params=["sqlite", pytest.param("opensearch", marks=pytest.mark.opensearch)])
def backend(request):
    make = {"sqlite": _sqlite_backend, "opensearch": _opensearch_backend}[request.param]
    backend = make(request)
    yield backend
    backend.close()


def truth_pages(truth: dict, cases: set[str] | None = None) -> list[IndexedPage]:
    pages = []
    for b, batch in enumerate(truth["batches"]):
        if cases and batch["case_id"] not in cases:
            continue
        for d, doc in enumerate(batch["documents"]):
            for seq, text in enumerate(doc["text"], 1):
                pages.append(
                    IndexedPage(
                        case_id=batch["case_id"],
                        document_id=f"D{b:02d}{d:02d}",
                        seq=seq,
                        doc_type=doc["type"],
                        text=normalize(text),
                        number=doc["number"] or None,
                        date=doc["date"],
                    )
                )
    return pages


@pytest.fixture
def loaded(backend, truth):
    backend.index_pages(truth_pages(truth))
    return backend


def test_diacritic_free_query_finds_accented_text(loaded, truth):
    result = loaded.search(SearchQuery("khoi to vu an", limit=50))
    types = {hit.doc_type for hit in result.hits}
    assert "qd_khoi_to_vu_an" in types
    assert result.total >= sum(1 for b in truth["batches"] for d in b["documents"] if d["type"] == "qd_khoi_to_vu_an")
    for hit in result.hits:
        assert MARK_OPEN in hit.snippet
        plain = hit.snippet.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")
        assert plain.strip("…") and any(ch in plain for ch in "ởốụáạ"), "snippets show the original diacritics"


def test_same_query_with_and_without_diacritics_finds_same_pages(loaded):
    accented = loaded.search(SearchQuery("Cướp giật tài sản", limit=200))
    folded = loaded.search(SearchQuery("cuop giat tai san", limit=200))
    assert accented.total > 0
    assert {(h.document_id, h.seq) for h in accented.hits} <= {(h.document_id, h.seq) for h in folded.hits}


def test_d_bar_folds_to_d(loaded):
    result = loaded.search(SearchQuery("dieu tra", limit=5))
    assert result.total > 0
    assert any("Điều" in h.snippet or "điều" in h.snippet for h in result.hits)


def test_exact_diacritics_rank_above_folded_only_matches(backend):
    backend.index_pages(
        [
            IndexedPage("2024-HS-0001", "Dfold", 1, "khac", "Ông ấy khơi tô lại bức tường, khơi tô mãi"),
            IndexedPage("2024-HS-0001", "Dexact", 1, "qd_khoi_to_vu_an", "Quyết định khởi tố vụ án hình sự"),
        ]
    )
    hits = backend.search(SearchQuery("khởi tố")).hits
    assert [h.document_id for h in hits] == ["Dexact", "Dfold"]
    assert hits[0].exact and not hits[1].exact


def test_tone_placement_and_icelandic_eth_in_queries(backend):
    backend.index_pages(
        [IndexedPage("2024-HS-0001", "D1", 1, "ban_an", normalize("Phiên tòa hòa giải tại Đông Triều"))]
    )
    assert backend.search(SearchQuery("phiên toà hoà giải")).total == 1
    assert backend.search(SearchQuery("\u00d0ông Triều")).total == 1


SYNTAX_PAGES = {
    "Dnumber": "Bản án số 54/2024/HS-ST của Tòa án nhân dân",
    "Dquote": "một câu unbalanced quote trong văn bản",
    "Dops": "các từ and or not đứng riêng",
    "Dnear": "near a b ở đây",
    "Dkhoi": "Quyết định khởi tố vụ án",
    "Dcol": "col value trong bảng",
    "Dstart": "start ở đầu",
    "Dab": "a b tách rời",
    "Dx": "ký hiệu x riêng",
    "D100": "đạt 100 phần trăm",
    "Dvks": "Số: 12/QĐ-VKS-P2 Hạ Long",
    "Dother": "Biên bản lời khai của người làm chứng",
}


@pytest.mark.parametrize(
    "query, found",
    [
        ("54/2024/HS-ST", {"Dnumber"}),
        ('"unbalanced quote', {"Dquote"}),
        ("AND OR NOT", {"Dops"}),
        ("NEAR(a b", {"Dnear"}),
        ("khởi*", {"Dkhoi"}),
        ("-tố", {"Dkhoi"}),
        ("col:value", {"Dcol"}),
        ("^start", {"Dstart"}),
        ("(", set()),
        (")", set()),
        ('""', set()),
        ("a'b", {"Dab", "Dnear"}),
        ("{x}", {"Dx"}),
        ("100%", {"D100"}),
        ("Số: 12/QĐ-VKS-P2", {"Dvks"}),
    ],
)
def test_query_syntax_never_raises(backend, query, found):
    """Operators and punctuation of FTS5 or OpenSearch are no syntax here: a query finds the pages
    holding its words, and a query without words finds nothing."""
    backend.index_pages([IndexedPage("2024-HS-0001", doc, 1, "khac", text) for doc, text in SYNTAX_PAGES.items()])
    result = backend.search(SearchQuery(query))
    assert {h.document_id for h in result.hits} == found
    assert result.total == len(found)


def test_number_query_finds_its_document(loaded, truth):
    doc = next(d for b in truth["batches"] for d in b["documents"] if d["type"] == "ban_an")
    result = loaded.search(SearchQuery(doc["number"], limit=50))
    assert result.total >= 1
    assert any(h.doc_type == "ban_an" for h in result.hits)


def test_phrase_query_requires_adjacent_words(backend):
    backend.index_pages(
        [
            IndexedPage("2024-HS-0001", "Dphrase", 1, "khac", "khởi tố vụ án"),
            IndexedPage("2024-HS-0001", "Dscattered", 1, "khac", "vụ việc đã khởi sự, án tố"),
        ]
    )
    assert [h.document_id for h in backend.search(SearchQuery('"khởi tố vụ án"')).hits] == ["Dphrase"]


def test_filters_by_case_and_type(loaded, truth):
    case_id = truth["batches"][0]["case_id"]
    result = loaded.search(SearchQuery("quyết định", case_id=case_id, limit=100))
    assert result.total > 0 and all(h.case_id == case_id for h in result.hits)
    result = loaded.search(SearchQuery("quyết định", doc_type="cao_trang", limit=100))
    assert result.total > 0 and all(h.doc_type == "cao_trang" for h in result.hits)


def test_limit_and_total(loaded):
    result = loaded.search(SearchQuery("điều", limit=3))
    assert len(result.hits) == 3 and result.total > 3


def test_facets_count_by_type_case_and_year(loaded):
    result = loaded.search(SearchQuery("cáo trạng", limit=1, facets=DEFAULT_FACETS))
    assert result.facets is not None
    assert sum(result.facets["type"].values()) == result.total
    assert result.facets["type"].get("cao_trang", 0) >= 1
    assert "2024" in result.facets["year"]


def test_delete_documents_and_rebuild(backend):
    pages = [IndexedPage("2024-HS-0001", f"D{i}", 1, "khac", f"biên bản số {i} ghi lời khai") for i in range(3)]
    backend.index_pages(pages)
    backend.delete_documents(["D0"])
    assert {h.document_id for h in backend.search(SearchQuery("biên bản", limit=10)).hits} == {"D1", "D2"}
    backend.rebuild(pages[:1])
    assert {h.document_id for h in backend.search(SearchQuery("biên bản", limit=10)).hits} == {"D0"}


def test_reindexing_a_page_replaces_it(backend):
    backend.index_pages([IndexedPage("2024-HS-0001", "D1", 1, "khac", "trang cũ")])
    backend.index_pages([IndexedPage("2024-HS-0001", "D1", 1, "khac", "trang mới")])
    assert backend.search(SearchQuery("trang")).total == 1
    assert backend.search(SearchQuery("mới")).total == 1


def test_whole_query_as_phrase_ranks_first(backend):
    backend.index_pages(
        [
            IndexedPage(
                "2024-HS-0001",
                "Dapart",
                1,
                "khac",
                "vụ việc này, vụ kia, vụ nọ: an ninh, tố giác, khởi công, an toàn, vụ án khác",
            ),
            IndexedPage("2024-HS-0001", "Dphrase", 1, "qd_khoi_to_vu_an", "Quyết định khởi tố vụ án hình sự"),
        ]
    )
    assert backend.search(SearchQuery("khoi to vu an")).hits[0].document_id == "Dphrase"


# ---- OCR tolerance, filters and facets (issue 3): the same answers from every backend ----------

OCR_PAGES = [
    ("Dok", "Trụ sở tại phường Mạo Khê, thị xã Đông Triều"),
    ("Docr", "Trụ sở tại phnờng Mạo Khê, thị xã Đông Triều"),  # OCR read "ư" as "n": one edit
    ("Dother", "phnờng Hà Lầm, thành phố Hạ Long"),  # the OCR error, but not the other words
    ("Dnone", "Trụ sở tại xã Mạo Khê"),
    ("Dnumber", "Biên lai số 123456, thu tiền tạm ứng án phí"),
]


def test_fuzzy_tolerates_one_ocr_error_in_a_long_word_without_flooding(backend):
    backend.index_pages([IndexedPage("2024-HS-0001", d, 1, "khac", normalize(t)) for d, t in OCR_PAGES])
    for query in ("phường Mạo Khê", "phuong mao khe"):
        result = backend.search(SearchQuery(query))
        # The page with the typo is found, ranks below the correct one, and a page lacking
        # the other words (Dother) or the long word (Dnone) is not dragged in.
        assert [h.document_id for h in result.hits] == ["Dok", "Docr"], query
        assert result.total == 2
    alone = backend.search(SearchQuery("phường", limit=10))
    assert alone.hits[0].document_id == "Dok"
    assert {h.document_id for h in alone.hits} == {"Dok", "Docr", "Dother"}


def test_no_fuzzy_for_short_words_or_numbers(backend):
    backend.index_pages([IndexedPage("2024-HS-0001", d, 1, "khac", normalize(t)) for d, t in OCR_PAGES])
    assert backend.search(SearchQuery("Mạo Khá")).total == 0  # "kha" vs "khe": too short to guess
    assert backend.search(SearchQuery("123457")).total == 0
    assert backend.search(SearchQuery("123456")).total == 1


FILTER_PAGES = [
    IndexedPage(
        "2024-HS-0001",
        "DA",
        1,
        "cao_trang",
        "bị can bị truy tố",
        number="12/CT-VKS",
        date="2023-05-02",
        persons=["Nguyễn Văn An", "Lê Thị Bình"],
        article=173,
    ),
    IndexedPage(
        "2024-HS-0002",
        "DB",
        1,
        "ban_an",
        "bị can bị tuyên phạt",
        number="54/2024/HS-ST",
        date="2024-11-30",
        persons=["Trần Văn Anh"],
        article=171,
    ),
    IndexedPage("2024-HS-0002", "DC", 1, "ban_an", "bị can vắng mặt"),
]


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"number": "54/2024/HS-ST"}, {"DB"}),
        ({"number": "54/2024"}, set()),  # số/ký hiệu is matched whole
        ({"person": "nguyen van an"}, {"DA"}),
        ({"person": "Văn An"}, {"DA"}),  # not "Văn Anh": whole words of one name, in a row
        ({"person": "TRẦN VĂN ANH"}, {"DB"}),
        ({"person": "văn"}, {"DA", "DB"}),
        ({"person": "An Lê"}, set()),  # never across two names
        ({"article": 171}, {"DB"}),
        ({"date_from": "2024"}, {"DB"}),
        ({"date_to": "2023-12"}, {"DA"}),
        ({"date_from": "2023-05-02", "date_to": "2023-05-02"}, {"DA"}),
        ({"date_from": "2023", "date_to": "2024"}, {"DA", "DB"}),
        ({"case_id": "2024-HS-0002", "doc_type": "ban_an"}, {"DB", "DC"}),
    ],
)
def test_filters(backend, filters, expected):
    backend.index_pages(FILTER_PAGES)
    result = backend.search(SearchQuery("bị can", limit=10, **filters))
    assert {h.document_id for h in result.hits} == expected
    assert result.total == len(expected)


def test_bad_dates_are_refused(backend):
    with pytest.raises(ValueError):
        backend.search(SearchQuery("bị can", date_from="05/2024"))


def test_facets_follow_the_filters(backend):
    backend.index_pages(FILTER_PAGES)
    result = backend.search(SearchQuery("bị can", case_id="2024-HS-0002", facets=DEFAULT_FACETS))
    assert result.facets == {"type": {"ban_an": 2}, "case": {"2024-HS-0002": 2}, "year": {"2024": 1}}
    assert backend.search(SearchQuery("bị can")).facets is None
    assert backend.search(SearchQuery("không có", facets=DEFAULT_FACETS)).facets == {"type": {}, "case": {}, "year": {}}


# ---- embedded backend only ------------------------------------------------------------------------


def test_embedded_index_of_an_older_catalog_is_migrated():
    """Catalogs indexed before pages_meta existed (one `page_fts` table) keep their index."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute(
        "CREATE VIRTUAL TABLE page_fts USING fts5(exact, folded, page_id UNINDEXED, case_id UNINDEXED,"
        " document_id UNINDEXED, seq UNINDEXED, doc_type UNINDEXED, number UNINDEXED, date UNINDEXED,"
        ' persons UNINDEXED, article UNINDEXED, tokenize = "unicode61 remove_diacritics 0")'
    )
    db.execute(
        "INSERT INTO page_fts VALUES ('Quyết định khởi tố vụ án', 'Quyet dinh khoi to vu an', 'D1:1',"
        " '2024-HS-0001', 'D1', 1, 'qd_khoi_to_vu_an', '12/QĐ', '2024-01-02', 'Nguyễn Văn An', 173)"
    )
    backend = SqliteBackend(db)
    assert db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'page_fts'").fetchone()[0] == 0
    result = backend.search(SearchQuery("khoi to", person="van an", article=173, date_from="2024"))
    assert [(h.document_id, h.seq, h.exact) for h in result.hits] == [("D1", 1, False)]
    assert backend.info()["pages"] == 1


def test_a_snippet_marks_a_number_typed_into_the_forms_blank():
    from index.query import make_snippet, parse_query

    text = "ỦY BAN NHÂN DÂN Số: 1 1 /TB-UBND Quảng Ngãi, ngày 1 2 tháng 01"
    assert "<mark>1 1 /TB-UBND</mark>" in make_snippet(text, parse_query("11/TB-UBND"))
    assert "<mark>" not in make_snippet(text, parse_query("12"))  # a lone number is matched as typed
    assert "<mark>" not in make_snippet("Số: 147/QĐ-VKS-P2", parse_query("47/QĐ-VKS-P2"))
