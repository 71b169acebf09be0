"""Listing by filters alone, paging, sorting, the six facets and số/ký hiệu typed in the box:
one set of expectations, every backend (the expected answers are worked out here from the pages)."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter

import pytest

from conftest import BACKENDS, index_backend
from dossier_kit import cli, cli_json
from index.base import FACETS, IndexedPage, SearchQuery
from index.query import FACET_LIMIT, make_snippet, parse_query
from index.sqlite_fts import SqliteBackend
from pipeline.config import Settings
from web_kit import CASE_A, CASE_B, build_web_home

# (document, case, type, number, date, persons, article, page texts)
DOCUMENTS = [
    # The OCR doubled the Đ of its own number: found through the extracted number only.
    (
        "Q47",
        "2024-HS-0123",
        "qd_phe_chuan",
        "47/QĐ-VKS-P2",
        "2024-03-15",
        ["Trần Văn Đức"],
        173,
        ["Số: 47/QĐĐ-VKS-P2 QUYẾT ĐỊNH phê chuẩn quyết định khởi tố bị can", "Nơi nhận: như trên"],
    ),
    (
        "HC1",
        "2024-HS-0123",
        "bien_ban_hoi_cung",
        None,
        "2024-03-20",
        ["Trần Văn Đức", "Nguyễn Văn Hòa"],
        173,
        ["BIÊN BẢN HỎI CUNG BỊ CAN theo Quyết định 47/QĐ-VKS-P2", "Bị can khai tiếp", "Bị can ký tên"],
    ),
    (
        "CT12",
        "2024-HS-0123",
        "cao_trang",
        "12/CT-VKS-P2",
        "2024-05-03",
        ["Trần Văn Đức"],
        173,
        ["CÁO TRẠNG truy tố bị can Trần Văn Đức"],
    ),
    ("K0", "2024-HS-0123", "khac", None, None, [], None, ["Bản kê tài liệu, không ngày"]),
    (
        "QD9",
        "2025-HS-0007",
        "qd_khoi_to_vu_an",
        "9/QĐ-CSĐT",
        "2025-01-02",
        ["Lê Thị Hoà"],
        174,
        ["QUYẾT ĐỊNH KHỞI TỐ VỤ ÁN HÌNH SỰ, bị hại bà Lê Thị Hoà"],
    ),
    (
        "KL1",
        "2025-HS-0007",
        "ket_luan_giam_dinh",
        None,
        "2025-02-10",
        ["Lê Thị Hoà"],
        174,
        ["KẾT LUẬN GIÁM ĐỊNH chữ ký", "Giám định viên"],
    ),
    ("CT3", "2025-HS-0007", "cao_trang", "3/CT-VKS", "2024-05-03", ["Lê Thị Hoà"], 174, ["CÁO TRẠNG truy tố bị can"]),
    ("U1", None, "khac", None, "2023-07-01", [], None, ["Đơn tố giác chưa xếp vào vụ án nào"]),
    # More số/ký hiệu than a facet shows.
    *[
        (f"BK{i:02d}", "2023-HS-0042", "bien_lai", f"{i}/BL", "2023-01-01", [], 171, ["Biên lai thu tiền"])
        for i in range(1, FACET_LIMIT + 6)
    ],
]
PAGES = [
    IndexedPage(case, doc, seq, doc_type, text, number=number, date=date, persons=persons, article=article)
    for doc, case, doc_type, number, date, persons, article, texts in DOCUMENTS
    for seq, text in enumerate(texts, 1)
]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request):
    yield from index_backend(request, PAGES)


def found(result) -> list[tuple[str, int]]:
    return [(h.document_id, h.seq) for h in result.hits]


def ordered(pages: list[IndexedPage], sort: str) -> list[tuple[str, int]]:
    """The order each sort promises: ties by document and page, pages without a date (or case) last."""

    def key(p: IndexedPage) -> tuple:
        dated = (p.date is None, p.date or "")
        return (p.case_id is None, p.case_id or "", *dated) if sort == "relevance" else dated

    pages = sorted(pages, key=lambda p: (p.document_id, p.seq))
    if sort == "-date":
        pages = sorted(pages, key=lambda p: p.date or "", reverse=True)  # stable: ties keep their order
        return [(p.document_id, p.seq) for p in sorted(pages, key=lambda p: p.date is None)]
    return [(p.document_id, p.seq) for p in sorted(pages, key=key)]


@pytest.mark.parametrize(
    "filters, keep",
    [
        ({"case_id": "2024-HS-0123"}, lambda p: p.case_id == "2024-HS-0123"),
        ({"doc_type": "cao_trang"}, lambda p: p.doc_type == "cao_trang"),
        ({"number": "12/CT-VKS-P2"}, lambda p: p.number == "12/CT-VKS-P2"),
        ({"person": "tran van duc"}, lambda p: "Trần Văn Đức" in p.persons),
        ({"article": 174}, lambda p: p.article == 174),
        ({"date_from": "2024", "date_to": "2024"}, lambda p: (p.date or "").startswith("2024")),
        ({"doc_type": "cao_trang", "date_from": "2024-05-03"}, lambda p: p.doc_type == "cao_trang"),
        ({"person": "Lê Thị Hoà", "doc_type": "khac"}, lambda p: False),
    ],
)
def test_filters_alone_list_every_page_they_keep_in_dossier_order(backend, filters, keep):
    result = backend.search(SearchQuery(limit=1000, **filters))
    expected = ordered([p for p in PAGES if keep(p)], "relevance")
    assert found(result) == expected and result.total == len(expected)
    assert all(h.score == 0 and not h.exact and h.snippet for h in result.hits)


def test_no_words_and_no_filter_find_nothing(backend):
    for text in ("", "  ", "(", '""'):
        result = backend.search(SearchQuery(text, facets=("type",)))
        assert (result.hits, result.total, result.facets) == ([], 0, {"type": {}})


@pytest.mark.parametrize("sort", ["relevance", "date", "-date"])
def test_sorts_order_by_date_then_document_and_page_with_undated_pages_last(backend, sort):
    listed = backend.search(SearchQuery(case_id="2024-HS-0123", sort=sort, limit=100))
    assert found(listed) == ordered([p for p in PAGES if p.case_id == "2024-HS-0123"], sort)
    # With words too: every page holding "bị can", sorted as asked.
    hits = backend.search(SearchQuery("bi can", sort=sort, limit=100))
    holding = [p for p in PAGES if "bị can" in p.text.lower()]
    assert hits.total == len(holding)
    if sort != "relevance":
        assert found(hits) == ordered(holding, sort)
        assert all(h.score == 0 for h in hits.hits)


@pytest.mark.parametrize("sort", ["relevance", "date", "-date"])
@pytest.mark.parametrize("text", ["", "bi can", "47/QĐ-VKS"])
def test_offset_pages_through_the_same_list(backend, text, sort):
    query = {"text": text, "sort": sort, "case_id": None if text else "2024-HS-0123"}
    whole = backend.search(SearchQuery(limit=100, **query))
    assert whole.total == len(whole.hits) > 1
    paged = []
    for offset in range(0, whole.total + 2, 2):
        part = backend.search(SearchQuery(limit=2, offset=offset, **query))
        assert part.total == whole.total
        paged += found(part)
    assert paged == found(whole)


def expected_facets(pages: list[IndexedPage], names=FACETS) -> dict[str, dict[str, int]]:
    values = {
        "type": lambda p: [p.doc_type],
        "case": lambda p: [p.case_id],
        "year": lambda p: [p.date[:4]] if p.date else [],
        "person": lambda p: set(p.persons),
        "number": lambda p: [p.number],
        "article": lambda p: [p.article],
    }
    out = {}
    for name in names:
        counts = Counter(str(v) for p in pages for v in values[name](p) if v is not None)
        numeric = name == "article"
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], int(kv[0]) if numeric else 0, kv[0]))
        out[name] = dict(ranked[:FACET_LIMIT])
    return out


def test_six_facets_count_pages_biggest_first_at_most_fifty(backend):
    listed = backend.search(SearchQuery(date_from="2000", facets=FACETS))
    dated = [p for p in PAGES if p.date]
    assert listed.total == len(dated)
    assert listed.facets == expected_facets(dated)
    assert list(listed.facets) == list(FACETS)
    assert len(listed.facets["number"]) == FACET_LIMIT
    assert listed.facets["person"] == {"Trần Văn Đức": 6, "Lê Thị Hoà": 4, "Nguyễn Văn Hòa": 3}

    words = backend.search(SearchQuery("bị can", facets=("article", "person")))
    assert list(words.facets) == ["article", "person"]
    assert words.facets == expected_facets([p for p in PAGES if "bị can" in p.text.lower()], ("article", "person"))


BY_NUMBER = {("Q47", 1)}  # its text says 47/QĐĐ-VKS-P2
IN_TEXT = {("HC1", 1)}  # cites 47/QĐ-VKS-P2


@pytest.mark.parametrize(
    "text, expected",
    [
        ("47/QĐ-VKS-P2", BY_NUMBER | IN_TEXT),
        ("47/qd-vks-p2", BY_NUMBER | IN_TEXT),
        ("47/QD-VKS-P2", BY_NUMBER | IN_TEXT),
        ("47/QĐ-VKS", BY_NUMBER | IN_TEXT),  # the beginning of a number finds it too
        ("Số 47/QĐ-VKS-P2", BY_NUMBER),  # the other words must be on the page
        ("phê chuẩn 47/QĐ-VKS-P2", BY_NUMBER),
    ],
)
def test_a_decision_number_finds_its_document_first_even_when_the_ocr_garbled_it(backend, text, expected):
    result = backend.search(SearchQuery(text, limit=20))
    assert found(result)[0] == ("Q47", 1), "its first page, through the extracted number"
    assert set(found(result)) == expected and result.total == len(expected)
    assert result.hits[0].score > result.hits[-1].score or len(expected) == 1


def test_a_decision_number_keeps_the_filters_and_the_other_words(backend):
    assert found(backend.search(SearchQuery("47/QĐ-VKS-P2", case_id="2025-HS-0007"))) == []
    assert found(backend.search(SearchQuery("47/QĐ-VKS-P2 giám định"))) == []
    assert found(backend.search(SearchQuery("12/ct-vks-p2"))) == [("CT12", 1)]
    assert found(backend.search(SearchQuery("47/QĐ-VKS-P2", sort="-date"))) == [("HC1", 1), ("Q47", 1)]
    assert found(backend.search(SearchQuery("48/QĐ-VKS-P2"))) == []


def test_bad_facet_or_sort_names_are_refused():
    with pytest.raises(ValueError, match="facet"):
        SearchQuery("x", facets=("type", "colour"))
    with pytest.raises(ValueError, match="sort"):
        SearchQuery("x", sort="size")


@pytest.mark.parametrize("width", [30, 45, 60, 80])
def test_snippets_start_and_end_at_word_boundaries(width):
    text = (
        "VIỆN KIỂM SÁT NHÂN DÂN TỈNH QUẢNG NINH BIÊN BẢN HỎI CUNG BỊ CAN Hôm nay hồi 8 giờ, bị can Trần Văn Đức "
        "khai nhận đã lấy trộm xe máy Honda Wave của ông Nguyễn Văn Hòa tại phường Hồng Hải."
    )
    page_words = set(text.split())
    for query in ("tran van duc", "bi can", "", "Hồng Hải"):
        snippet = make_snippet(text, parse_query(query), width=width)
        shown = re.sub("</?mark>", "", snippet).strip("…").split()
        assert shown[0] in page_words and shown[-1] in page_words, (query, snippet)


# ---- the command line ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return build_web_home(tmp_path_factory.mktemp("web"))


def test_cli_lists_by_filters_alone_with_offset_and_sort(home):
    listed = cli_json(home, "search", "--case", CASE_A)
    assert listed["total"] == 4 and [h["document_id"] for h in listed["hits"]] == ["A-QD47", "A-HC1", "A-HC1", "A-CT12"]
    assert [h["but_luc"] for h in listed["hits"]] == [1, 2, 3, 4]
    newest = cli_json(home, "search", "--from", "2024", "--sort", "-date", "--limit", "2", "--offset", "1")
    assert newest["total"] == 6 and [h["document_id"] for h in newest["hits"]] == ["B-QD9", "A-CT12"]
    cli(home, "search", "--type", "cao_trang")  # the human listing too


def test_cli_needs_words_or_a_filter(home):
    for args in ((), ("(",), ("--limit", "3")):
        result = cli(home, "search", *args, code=2)
        assert "give words to search for" in result.stderr
    assert "--sort must be one of" in cli(home, "search", "x", "--sort", "size", code=2).stderr


def test_cli_facets_count_all_six_and_numbers_find_their_document(home):
    result = cli_json(home, "search", "47/qd-vks-p2", "--facets")
    assert result["hits"][0]["document_id"] == "A-QD47" and result["hits"][0]["but_luc"] == 1
    assert list(result["facets"]) == list(FACETS)
    assert result["facets"]["number"] == {"47/QĐ-VKS-P2": 1} and result["facets"]["person"] == {"Trần Văn Đức": 1}
    assert result["facets"]["article"] == {"173": 1}
    listed = cli_json(home, "search", "--person", "le thi hoa", "--facets")
    assert listed["total"] == 2 and listed["facets"]["case"] == {CASE_B: 2}


# ---- indexes made before number_key existed ---------------------------------------------------------


def test_an_older_embedded_index_gains_number_keys():
    db = sqlite3.connect(":memory:", isolation_level=None)
    SqliteBackend(db).index_pages(PAGES)
    db.execute("DROP INDEX pages_meta_number")
    db.execute("ALTER TABLE pages_meta DROP COLUMN number_key")
    assert found(SqliteBackend(db).search(SearchQuery("47/qd-vks-p2")))[0] == ("Q47", 1)


@pytest.mark.opensearch
def test_an_older_opensearch_index_gains_number_keys(opensearch_url, unique_prefix):
    from opensearchpy import helpers

    from index.opensearch import ANALYSIS, DOCUMENT_MAPPING, PAGE_MAPPING, OpenSearchBackend, page_source

    backend = OpenSearchBackend.from_settings(
        Settings(opensearch_url=opensearch_url, opensearch_index_prefix=unique_prefix)
    )
    try:
        client = backend.client
        old = {**PAGE_MAPPING, "properties": {k: v for k, v in PAGE_MAPPING["properties"].items() if k != "number_key"}}
        for alias, mapping in ((backend.pages_alias, old), (backend.documents_alias, DOCUMENT_MAPPING)):
            client.indices.create(index=f"{alias}-v1", body={"settings": {"analysis": ANALYSIS}, "mappings": mapping})
            client.indices.put_alias(index=f"{alias}-v1", name=alias)
        sources = [({k: v for k, v in page_source(p).items() if k != "number_key"}, p.page_id) for p in PAGES[:6]]
        helpers.bulk(
            client, ({"_index": backend.pages_alias, "_id": i, "_source": s} for s, i in sources), refresh=True
        )

        backend.index_pages(PAGES[6:])  # the first write maps number_key and fills it in
        assert found(backend.search(SearchQuery("47/qd-vks-p2")))[0] == ("Q47", 1)
    finally:
        backend.drop()
