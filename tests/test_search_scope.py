"""What a user may see is trimmed inside each backend's query (issue 13): hits, totals, facets and
snippets never come from a page outside `SearchQuery.scope`, however many forbidden pages rank above
the allowed ones, and no filter or query text widens it. One set of expectations, both backends;
the pages go in through `index_pages` (no OCR, no dossier), once per backend."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import BACKENDS, index_backend
from index.base import EVERYTHING, FACET_FIELDS, FACETS, IndexedPage, Scope, SearchQuery
from index.query import order_facet
from index.sqlite_fts import SqliteBackend
from pipeline.config import Settings
from pipeline.secrecy import may_read
from pipeline.store.catalog import Catalog, DocumentRow

MINE, OTHER = "2024-HS-0001", "2024-HS-0999"
# The words every forbidden page repeats: they rank far above the one allowed page holding them once.
WORDS = "tang vật xe máy phương tiện"
SECRET_PHRASE = "kế hoạch trinh sát chuyên án Hoa Sen"

ALLOWED = IndexedPage(
    MINE,
    "ALLOW",
    1,
    "ket_luan_dieu_tra",
    "Kết luận điều tra: tang vật là chiếc xe máy, phương tiện của bị can.",
    number="5/KL-CSĐT",
    date="2024-03-01",
    persons=["Nguyễn Văn An"],
    article=173,
)
FORBIDDEN = [
    # 500 pages of a case not assigned to the prosecutor ...
    *[
        IndexedPage(
            OTHER,
            f"OTHER{d:02d}",
            seq,
            "cao_trang",
            f"{WORDS} " * 20,
            number=f"{d}/CT-VKS",
            date="2025-06-01",  # after the allowed page (sort -date)
            persons=["Lê Văn Bình"],
            article=999,
        )
        for d in range(50)
        for seq in range(1, 11)
    ],
    # ... and 500 Mật pages of the prosecutor's own case.
    *[
        IndexedPage(
            MINE,
            f"MAT{d:02d}",
            seq,
            "bao_cao",
            f"{WORDS} " * 20,
            number=f"{d}/BC-MAT",
            date="2023-01-01",  # before it (sort date, listing)
            persons=["Trần Thị Cúc"],
            article=168,
            classification="mat",
        )
        for d in range(50)
        for seq in range(1, 11)
    ],
]
EXTRA = [
    IndexedPage(MINE, "SECRET", 1, "ke_hoach", f"Kế hoạch: {SECRET_PHRASE}.", number="1/KH-MAT", classification="mat"),
    IndexedPage(OTHER, "NUM77", 1, "qd_khac", "Sô 77/QĐĐ-VKS chữ mờ", number="77/QĐ-VKS", date="2023-02-02"),
    IndexedPage(MINE, "NUM78", 1, "qd_khac", "văn bản chữ mờ", number="78/QĐ-VKS", classification="toi_mat"),
    IndexedPage(None, "LOOSE", 1, "don_to_giac", f"Đơn tố giác: {WORDS}.", date="2024-01-01"),
]
PAGES = [ALLOWED, *FORBIDDEN, *EXTRA]

PROSECUTOR = Scope(cases=(MINE,), unassigned=False, clearance="thuong")
SCOPES = [
    PROSECUTOR,
    Scope(clearance="thuong"),
    Scope(clearance="mat"),
    Scope(cases=()),
    Scope(cases=(), unassigned=False),
    Scope(unassigned=False),
    Scope(cases=(OTHER, MINE), unassigned=False, clearance="mat"),
    Scope(cases=("2020-HS-0000",), clearance="toi_mat"),
    EVERYTHING,
]
QUERIES = [
    SearchQuery(WORDS),
    SearchQuery("phuonh tien"),  # only through a fuzzy neighbour (the last tier)
    SearchQuery('"xe máy" tang vật'),  # the phrase tiers
    SearchQuery("77/QĐ-VKS"),  # the số/ký hiệu path
    SearchQuery("78/qd-vks"),
    SearchQuery(SECRET_PHRASE),
    SearchQuery(WORDS, sort="-date"),
    SearchQuery(date_from="2020"),  # listing by filters alone
    SearchQuery(case_id=MINE),
    SearchQuery(WORDS, person="Lê Văn Bình"),
]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request):
    yield from index_backend(request, PAGES)


def scoped(query: SearchQuery, scope: Scope, **changes) -> SearchQuery:
    fields = {**query.__dict__, "scope": scope, **changes}
    return SearchQuery(**fields)


def visible(page: IndexedPage, scope: Scope) -> bool:
    if page.case_id is None:
        in_case = scope.unassigned
    else:
        in_case = scope.cases is None or page.case_id in scope.cases
    return in_case and may_read(scope.clearance, page.classification)


def facet_counts(pages: list[IndexedPage]) -> dict[str, dict[str, int]]:
    """Each facet's counts over these pages, as the backends order and cut them."""
    out = {}
    for name in FACETS:
        counts: Counter = Counter()
        for p in pages:
            value = (p.date or "")[:4] or None if name == "year" else getattr(p, FACET_FIELDS[name])
            for v in value if isinstance(value, list) else [value]:
                if v is not None:
                    counts[v] += 1
        out[name] = order_facet(name, counts)
    return out


def ids(result) -> list[str]:
    return [f"{h.document_id}:{h.seq}" for h in result.hits]


BY_ID = {p.page_id: p for p in PAGES}


# ---- 1,000 forbidden pages above the allowed one ----------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(WORDS),
        SearchQuery("phuonh tien"),
        SearchQuery('"xe máy" tang vật'),
        SearchQuery(WORDS, sort="date"),
        SearchQuery(WORDS, sort="-date"),
        SearchQuery(date_from="2020"),
    ],
    ids=["tiers", "fuzzy", "phrase", "date", "-date", "listing"],
)
def test_the_allowed_page_is_found_below_a_thousand_forbidden_ones(backend, query):
    unscoped = backend.search(scoped(query, EVERYTHING, limit=10))
    assert unscoped.total > 1000 and "ALLOW:1" not in ids(unscoped), "the forbidden pages rank above"
    result = backend.search(scoped(query, PROSECUTOR, limit=10, facets=FACETS))
    assert ids(result) == ["ALLOW:1"] and result.total == 1
    assert result.facets == {
        "type": {"ket_luan_dieu_tra": 1},
        "case": {MINE: 1},
        "year": {"2024": 1},
        "person": {"Nguyễn Văn An": 1},
        "number": {"5/KL-CSĐT": 1},
        "article": {"173": 1},
    }
    assert backend.search(scoped(query, PROSECUTOR, limit=10, offset=1)).hits == []


def test_a_thuong_reader_searching_the_exact_phrase_of_a_mat_document_finds_no_trace(backend):
    for scope in (Scope(clearance="thuong"), PROSECUTOR):
        result = backend.search(SearchQuery(f'"{SECRET_PHRASE}"', facets=FACETS, scope=scope))
        assert (result.hits, result.total) == ([], 0)
        assert result.facets == {name: {} for name in FACETS}
    found = backend.search(SearchQuery(f'"{SECRET_PHRASE}"', scope=Scope(clearance="mat")))
    assert ids(found) == ["SECRET:1"] and "Hoa Sen" in found.hits[0].snippet


def test_no_case_at_all_and_no_case_less_pages(backend):
    assert ids(backend.search(SearchQuery(WORDS, scope=Scope(cases=())))) == ["LOOSE:1"]
    for query in (SearchQuery(WORDS), SearchQuery(date_from="2020"), SearchQuery("77/QĐ-VKS")):
        nothing = backend.search(scoped(query, Scope(cases=(), unassigned=False), facets=FACETS))
        assert (nothing.hits, nothing.total, nothing.facets) == ([], 0, {name: {} for name in FACETS})
    everything = backend.search(SearchQuery(WORDS, limit=2000))
    assigned = backend.search(SearchQuery(WORDS, limit=2000, scope=Scope(unassigned=False)))
    assert "LOOSE:1" in ids(everything) and "LOOSE:1" not in ids(assigned)
    assert assigned.total == everything.total - 1


@pytest.mark.parametrize(
    "filters",
    [
        {"case_id": OTHER},
        {"doc_type": "cao_trang"},
        {"number": "7/CT-VKS"},
        {"person": "Lê Văn Bình"},
        {"article": 999},
    ],
)
def test_listing_by_a_filter_stays_inside_the_scope(backend, filters):
    assert backend.search(SearchQuery(**filters)).total > 0
    result = backend.search(SearchQuery(**filters, facets=FACETS, scope=PROSECUTOR))
    assert (result.hits, result.total, result.facets) == ([], 0, {name: {} for name in FACETS})


def test_a_number_typed_in_the_box_finds_only_documents_in_scope(backend):
    assert ids(backend.search(SearchQuery("77/QĐ-VKS")))[0] == "NUM77:1"
    assert backend.search(SearchQuery("77/QĐ-VKS", scope=PROSECUTOR)).total == 0
    assert backend.search(SearchQuery("77/QĐ-VKS", sort="date", scope=PROSECUTOR)).total == 0
    mine = Scope(cases=(MINE,), unassigned=False, clearance="mat")
    assert backend.search(SearchQuery("78/QĐ-VKS", scope=mine)).total == 0  # Tối mật
    assert ids(backend.search(SearchQuery("78/QĐ-VKS", scope=Scope(cases=(MINE,)))))[0] == "NUM78:1"


# ---- every scope, every path: exactly the visible part of the unscoped answer ---------------------------


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q.text or 'listing'}|{q.sort}")
def test_every_scope_gets_exactly_the_visible_part_of_the_answer(backend, query):
    everything = backend.search(scoped(query, EVERYTHING, limit=2000))
    assert everything.total == len(everything.hits)
    score = {f"{h.document_id}:{h.seq}": h.score for h in everything.hits}
    for scope in SCOPES:
        expected = [i for i in ids(everything) if visible(BY_ID[i], scope)]
        result = backend.search(scoped(query, scope, limit=20, facets=FACETS))
        assert result.total == len(expected), scope
        # The best of the visible pages, as they ranked unscoped (equal scores in any order).
        assert set(ids(result)) <= set(expected) and len(result.hits) == len(expected[:20]), scope
        assert [h.score for h in result.hits] == [score[i] for i in expected[:20]], scope
        assert result.facets == facet_counts([BY_ID[i] for i in expected]), scope


# ---- injection through every filter and the query text ----------------------------------------------------

PAYLOADS = [
    "' OR 1=1 --",
    "') OR ('1'='1",
    '" OR ""="',
    "case_id:*",
    "*",
    "?",
    "\\",
    "{",
    "[* TO *]",
    "NEAR(tang vật)",
    "tang OR cao",
    "tang*",
    "-mật",
    "^tang",
    "text: tang",
    "folded:tang",
    "exact : vật",
    '"',
    "tang) OR (xe",
    "%",
    "_",
    "2024-HS-0999' --",
    "\x00",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_through_filters_and_text_never_widens_the_scope(backend, payload):
    queries = [SearchQuery(payload), SearchQuery(f"{WORDS} {payload}"), SearchQuery(f"{payload} {WORDS}")]
    queries += [SearchQuery(WORDS, **{field: payload}) for field in ("case_id", "doc_type", "number", "person")]
    queries += [SearchQuery(**{field: payload}) for field in ("case_id", "doc_type", "number", "person")]
    for query in queries:
        result = backend.search(scoped(query, PROSECUTOR, limit=50, facets=FACETS))
        assert set(ids(result)) <= {"ALLOW:1"} and result.total == len(result.hits), query
        assert all(set(counts) <= set(facet_counts([ALLOWED])[name]) for name, counts in result.facets.items())
    # A scope holding odd case ids keeps to them too.
    odd = Scope(cases=(payload,), unassigned=False, clearance="toi_mat")
    assert backend.search(SearchQuery(WORDS, scope=odd)).total == 0


@pytest.mark.parametrize("payload", ["' OR 1=1 --", "2024' OR '1", "*", "[2020 TO *]"])
def test_dates_that_are_no_dates_are_refused_not_run(backend, payload):
    with pytest.raises(ValueError):
        backend.search(SearchQuery(WORDS, date_from=payload, scope=PROSECUTOR))


# ---- from the catalog: the document's level goes with its pages --------------------------------------------


def test_the_feed_gives_each_page_its_documents_level(tmp_path):
    from dossier_kit import tiny_home
    from index.feed import index_documents

    t = tiny_home(tmp_path)
    t.batch("scan", ["Báo cáo thường kỳ về vụ án", f"Phụ lục: {SECRET_PHRASE}"])
    t.document("PLAIN", "bao_cao", "scan", [1])
    t.document("SECRET", "ke_hoach", "scan", [2])
    secret = t.catalog.document("SECRET")
    secret.classification = "mat"
    with t.catalog.transaction():
        t.catalog.put_document(secret)
    backend = SqliteBackend(t.catalog.db)
    index_documents(t.catalog, backend, t.catalog.documents(all_cases=True))
    query = f'"{SECRET_PHRASE}"'
    assert backend.search(SearchQuery(query, scope=Scope(clearance="thuong"))).total == 0
    assert ids(backend.search(SearchQuery(query, scope=Scope(clearance="mat")))) == ["SECRET:1"]
    assert backend.search(SearchQuery("báo cáo thường kỳ", scope=Scope(clearance="thuong"))).total == 1
    t.catalog.close()


# ---- indexes made before pages carried their level ---------------------------------------------------------


def test_an_older_embedded_index_gains_levels_from_the_catalog(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite")
    with catalog.transaction():
        for page in (ALLOWED, EXTRA[0]):
            catalog.put_document(
                DocumentRow(page.document_id, page.case_id, page.doc_type, 1.0, 0.0, classification=page.classification)
            )
    SqliteBackend(catalog.db).index_pages([ALLOWED, EXTRA[0], EXTRA[3]])  # LOOSE: no such document in the catalog
    catalog.db.execute("ALTER TABLE pages_meta DROP COLUMN classification")

    backend = SqliteBackend(catalog.db)
    thuong = Scope(clearance="thuong")
    assert ids(backend.search(SearchQuery(date_from="2000", scope=thuong))) == ["ALLOW:1"]
    assert backend.search(SearchQuery(f'"{SECRET_PHRASE}"', scope=Scope(clearance="mat"))).total == 1
    # A page of unknown level: only a reader of the highest level sees it until it is indexed again.
    assert backend.search(SearchQuery("đơn tố giác", scope=Scope(clearance="mat"))).total == 0
    assert backend.search(SearchQuery("đơn tố giác")).total == 1
    backend.index_pages([EXTRA[3]])
    assert backend.search(SearchQuery("đơn tố giác", scope=thuong)).total == 1
    catalog.close()


@pytest.mark.opensearch
def test_an_older_opensearch_index_hides_pages_without_a_level_until_reindexed(opensearch_url, unique_prefix):
    from opensearchpy import helpers

    from index.opensearch import ANALYSIS, DOCUMENT_MAPPING, PAGE_MAPPING, OpenSearchBackend, page_source

    def without_level(mapping: dict) -> dict:
        return {**mapping, "properties": {k: v for k, v in mapping["properties"].items() if k != "classification"}}

    backend = OpenSearchBackend.from_settings(
        Settings(opensearch_url=opensearch_url, opensearch_index_prefix=unique_prefix)
    )
    try:
        client = backend.client
        for alias, mapping in ((backend.pages_alias, PAGE_MAPPING), (backend.documents_alias, DOCUMENT_MAPPING)):
            index = f"{alias}-v1"
            client.indices.create(
                index=index, body={"settings": {"analysis": ANALYSIS}, "mappings": without_level(mapping)}
            )
            client.indices.put_alias(index=index, name=alias)
        old = [ALLOWED, EXTRA[0]]
        sources = [({k: v for k, v in page_source(p).items() if k != "classification"}, p.page_id) for p in old]
        helpers.bulk(
            client, ({"_index": backend.pages_alias, "_id": i, "_source": s} for s, i in sources), refresh=True
        )

        thuong = Scope(clearance="thuong")
        assert backend.search(SearchQuery(date_from="2000", scope=thuong)).total == 0  # the level not even mapped
        assert backend.search(SearchQuery(date_from="2000")).total == 1
        backend.index_pages([EXTRA[3]])  # the first write maps the level
        assert ids(backend.search(SearchQuery(date_from="2000", scope=thuong))) == ["LOOSE:1"]
        assert backend.search(SearchQuery(f'"{SECRET_PHRASE}"', scope=Scope(clearance="mat"))).total == 0
        assert backend.search(SearchQuery(f'"{SECRET_PHRASE}"')).total == 1  # the highest clearance reads all
        backend.index_pages(old)  # what `hoso reindex` does
        assert sorted(ids(backend.search(SearchQuery(date_from="2000", scope=thuong)))) == ["ALLOW:1", "LOOSE:1"]
        assert backend.search(SearchQuery(f'"{SECRET_PHRASE}"', scope=Scope(clearance="mat"))).total == 1
    finally:
        backend.drop()
