"""OpenSearch-only behaviour: versioned indices behind aliases, atomic swap, bulk retries, a down
cluster, and parity with the embedded backend on the dev corpus (the shared contract is in
test_search_contract.py). Needs the project's node: `make test` starts it (scripts/opensearch.sh)."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
import uuid

import pytest

from index.base import FACETS, IndexedPage, SearchQuery
from index.sqlite_fts import SqliteBackend
from pipeline.config import Settings
from pipeline.text import normalize
from test_search_contract import truth_pages

pytestmark = pytest.mark.opensearch


@pytest.fixture
def os_backend(opensearch_url, unique_prefix):
    from index.opensearch import OpenSearchBackend

    backend = OpenSearchBackend.from_settings(
        Settings(opensearch_url=opensearch_url, opensearch_index_prefix=unique_prefix)
    )
    yield backend
    backend.drop()
    backend.close()


def _pages(n: int, text: str, doc: str = "D", case: str = "2024-HS-0001") -> list[IndexedPage]:
    return [
        IndexedPage(
            case, f"{doc}{i // 4}", i % 4 + 1, "bien_ban_loi_khai", f"{text} trang {i}", source_file=f"{doc}.pdf"
        )
        for i in range(n)
    ]


def _aliases(backend) -> dict[str, list[str]]:
    return backend._live_indices()


def _indices(backend) -> list[str]:
    return sorted(backend.client.indices.get(index=f"{backend.prefix}-*"))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def test_first_use_creates_version_1_behind_aliases(os_backend):
    prefix = os_backend.prefix
    os_backend.index_pages(_pages(6, "biên bản ghi lời khai"))
    assert _aliases(os_backend) == {
        f"{prefix}-pages": [f"{prefix}-pages-v1"],
        f"{prefix}-documents": [f"{prefix}-documents-v1"],
    }
    mapping = os_backend.client.indices.get_mapping(index=f"{prefix}-pages")[f"{prefix}-pages-v1"]["mappings"]
    fields = mapping["properties"]
    for name, kind in (
        ("case_id", "keyword"),
        ("document_id", "keyword"),
        ("doc_type", "keyword"),
        ("number", "keyword"),
        ("date", "date"),
        ("persons", "keyword"),
        ("article", "integer"),
        ("seq", "integer"),
        ("source_file", "keyword"),
        ("text_exact", "text"),
        ("text_folded", "text"),
    ):
        assert fields[name]["type"] == kind, name
    # Core analysis only: the standard tokenizer and lowercase (folding happens in Python).
    settings = os_backend.client.indices.get_settings(index=f"{prefix}-pages-v1")[f"{prefix}-pages-v1"]
    assert settings["settings"]["index"]["analysis"]["analyzer"]["hoso_text"] == {
        "filter": ["lowercase"],
        "type": "custom",
        "tokenizer": "standard",
    }
    # One record per dossier document beside the pages: D0 has pages 1-4, D1 pages 1-2.
    doc = os_backend.client.get(index=f"{prefix}-documents", id="D1")["_source"]
    assert doc["pages"] == 2 and doc["case_id"] == "2024-HS-0001" and doc["source_files"] == ["D.pdf"]
    # Deterministic ids: the page's id, the folded text is indexed but not stored.
    page = os_backend.client.get(index=f"{prefix}-pages", id="D0:3")["_source"]
    assert page["text"] == "biên bản ghi lời khai trang 2" and "text_folded" not in page
    info = os_backend.info()
    assert info["pages"] == 6 and info["documents"] == 2 and info["health"] in ("green", "yellow")
    assert info["aliases"][f"{prefix}-pages"] == f"{prefix}-pages-v1" and info["version"].startswith("2.")


def test_rebuild_swaps_the_alias_with_no_empty_window(os_backend):
    prefix = os_backend.prefix
    os_backend.index_pages(_pages(40, "biên bản cũ"))
    seen: list[tuple[int, bool]] = []  # (total of "biên bản", and does "mới" match) during the rebuild
    stop = threading.Event()

    def searcher():
        while not stop.is_set():
            result = os_backend.search(SearchQuery("biên bản", limit=100))
            seen.append((result.total, any("mới" in h.snippet for h in result.hits)))

    def slow_pages():
        for page in _pages(60, "biên bản mới", doc="N"):
            time.sleep(0.01)
            yield page

    thread = threading.Thread(target=searcher)
    thread.start()
    try:
        assert os_backend.rebuild(slow_pages()) == 60
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join()
    assert len(seen) > 5
    # Every search saw either the whole old index or the whole new one: never empty, never half loaded.
    assert set(seen) <= {(40, False), (60, True)}, set(seen)
    assert seen[0] == (40, False) and seen[-1] == (60, True)
    assert seen == sorted(seen), "once swapped, never back"
    assert _aliases(os_backend)[f"{prefix}-pages"] == [f"{prefix}-pages-v2"]
    assert _indices(os_backend) == [f"{prefix}-documents-v2", f"{prefix}-pages-v2"]  # v1 deleted
    # The live index takes incremental writes again (refresh interval restored).
    os_backend.index_pages([IndexedPage("2024-HS-0001", "X", 1, "khac", "quyết định bổ sung")])
    assert os_backend.search(SearchQuery("bổ sung")).total == 1


def test_a_failed_rebuild_leaves_the_live_index_alone(os_backend):
    prefix = os_backend.prefix
    os_backend.index_pages(_pages(10, "biên bản cũ"))

    def broken():
        yield from _pages(600, "biên bản mới", doc="N")
        raise RuntimeError("catalog read failed")

    with pytest.raises(RuntimeError):
        os_backend.rebuild(broken())
    assert _aliases(os_backend)[f"{prefix}-pages"] == [f"{prefix}-pages-v1"]
    assert _indices(os_backend) == [f"{prefix}-documents-v1", f"{prefix}-pages-v1"]  # no half-built v2 left
    assert os_backend.search(SearchQuery("biên bản")).total == 10


def test_delete_documents_finds_every_page_by_terms_query(os_backend):
    # More pages than one scroll page (1000), in more documents than one terms chunk would need.
    pages = [IndexedPage("2024-HS-0001", "BIG", i, "khac", f"phụ lục bảng kê {i}") for i in range(1, 1201)]
    pages += _pages(8, "phụ lục giữ lại", doc="K")
    os_backend.index_pages(pages)
    os_backend.delete_documents(["BIG", "K0", "does-not-exist"])
    assert os_backend.search(SearchQuery("phụ lục", limit=50)).total == 4
    assert {h.document_id for h in os_backend.search(SearchQuery("phụ lục", limit=50)).hits} == {"K1"}
    assert os_backend.info()["documents"] == 1


def test_bulk_retries_rejections_and_connection_errors(os_backend, monkeypatch):
    from opensearchpy.exceptions import ConnectionError as OSConnectionError
    from opensearchpy.exceptions import TransportError

    import index.opensearch as mod

    monkeypatch.setattr(mod.time, "sleep", lambda s: None)
    os_backend.index_pages(_pages(1, "khởi tạo"))  # the indices exist
    real_bulk = os_backend.client.bulk
    failures = [TransportError(429, "es_rejected_execution_exception", {}), OSConnectionError("N/A", "reset", None)]
    calls = []

    def flaky_bulk(*args, **kwargs):
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return real_bulk(*args, **kwargs)

    monkeypatch.setattr(os_backend.client, "bulk", flaky_bulk)
    monkeypatch.setattr("opensearchpy.helpers.actions.time.sleep", lambda s: None)
    assert os_backend.index_pages(_pages(30, "bản kê tài sản")) == 30
    assert len(calls) >= 3
    assert os_backend.search(SearchQuery("bản kê")).total == 30


def test_a_down_cluster_fails_fast_with_a_plain_message():
    from index.opensearch import OpenSearchBackend, OpenSearchUnavailable

    backend = OpenSearchBackend.from_settings(Settings(opensearch_url=f"http://127.0.0.1:{closed_port()}"))
    started = time.monotonic()
    for call in (
        lambda: backend.index_pages(_pages(3, "x")),
        lambda: backend.delete_documents(["D0"]),
        lambda: backend.search(SearchQuery("x")),
        backend.info,
        lambda: backend.rebuild(_pages(3, "x")),
    ):
        with pytest.raises(OpenSearchUnavailable, match="cannot reach OpenSearch"):
            call()
    assert time.monotonic() - started < 10


def test_tls_and_basic_auth_reach_the_client():
    from index.opensearch import OpenSearchBackend

    backend = OpenSearchBackend.from_settings(
        Settings(
            opensearch_url="https://search.vks.local:9200",
            opensearch_user="hoso",
            opensearch_password="s3cret",
            opensearch_verify_certs=True,
            opensearch_ca_certs="/etc/ssl/vks-ca.pem",
            opensearch_index_prefix="vks",
        )
    )
    connection = backend.client.transport.connection_pool.get_connection()
    assert connection.use_ssl and connection.host == "https://search.vks.local:9200"
    assert connection.headers["authorization"].startswith("Basic ")
    assert backend.pages_alias == "vks-pages" and backend.url == "https://search.vks.local:9200"
    assert connection.pool.ca_certs == "/etc/ssl/vks-ca.pem" and connection.pool.cert_reqs == "CERT_REQUIRED"


# ---- parity with the embedded backend on the dev corpus ------------------------------------------

PARITY_QUERIES = [
    SearchQuery("khoi to vu an"),
    SearchQuery("khởi tố vụ án"),
    SearchQuery("Cướp giật tài sản"),
    SearchQuery('"cơ quan cảnh sát điều tra"'),
    SearchQuery('"khoi to bi can" quyết định'),
    SearchQuery("điều tra", doc_type="cao_trang"),
    SearchQuery("quyết định", date_from="2024-03", date_to="2024-06"),
    SearchQuery("bị can", facets=FACETS),
    SearchQuery("54/2024/HS-ST"),
    SearchQuery("Quảng Yên"),
    SearchQuery("nguyen"),
    SearchQuery("phuong"),
]


@pytest.fixture(scope="module")
def both_loaded(opensearch_url, truth):
    from index.opensearch import OpenSearchBackend

    pages = truth_pages(truth)
    sqlite_backend = SqliteBackend(sqlite3.connect(":memory:", isolation_level=None))
    sqlite_backend.index_pages(pages)
    os_backend = OpenSearchBackend.from_settings(
        Settings(opensearch_url=opensearch_url, opensearch_index_prefix=f"hoso-test-{uuid.uuid4().hex[:8]}")
    )
    os_backend.rebuild(pages)
    yield sqlite_backend, os_backend
    os_backend.drop()


@pytest.mark.parametrize("query", PARITY_QUERIES, ids=lambda q: q.text)
def test_both_backends_give_the_same_answers(both_loaded, query):
    sqlite_backend, os_backend = both_loaded
    query.limit = 1000
    a, b = sqlite_backend.search(query), os_backend.search(query)
    assert a.total == b.total and len(a.hits) == len(b.hits) == a.total

    def by_page(result):
        return {(h.document_id, h.seq): (h.exact, h.snippet, h.doc_type, h.case_id) for h in result.hits}

    # Same pages, same exact-diacritics flag, identical snippets (built in Python from the original text).
    assert by_page(a) == by_page(b)
    # Same tiers in the same order: exact matches first in both.
    assert [h.exact for h in a.hits] == [h.exact for h in b.hits] == sorted((h.exact for h in a.hits), reverse=True)
    assert a.facets == b.facets


def test_phrase_tier_and_top_hit_agree(both_loaded):
    sqlite_backend, os_backend = both_loaded
    query = SearchQuery("khoi to vu an hinh su", limit=5)
    top_a, top_b = sqlite_backend.search(query).hits, os_backend.search(query).hits
    assert normalize("khởi tố vụ án hình sự").lower() in top_a[0].snippet.lower().replace("<mark>", "").replace(
        "</mark>", ""
    )
    assert (top_a[0].document_id, top_a[0].seq) in {(h.document_id, h.seq) for h in top_b[:3]}
