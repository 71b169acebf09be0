"""bench/web.py's harness on a small home: synthetic pages placed by bút lục in the catalog, its query
mix matching them, the prosecutor it signs in as (few cases, some documents Mật), the real dossier
pages it renders, and a real `hoso serve` child driven by several clients at once, then stopped."""

from __future__ import annotations

import importlib.util
import socket
import sys
from pathlib import Path

import pytest

from index import open_backend
from ingest.access import Access, User
from pipeline.config import load_settings
from pipeline.store.catalog import Catalog

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_web", REPO / "bench" / "web.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_web"] = bench  # dataclasses look their module up
_spec.loader.exec_module(bench)

PAGES = 600

pytestmark = pytest.mark.skipif(not bench.TRUTH.is_file(), reason="needs the dev corpus truth (shared/)")


@pytest.fixture(scope="module")
def corpus():
    import json

    return bench.Corpus(json.loads(bench.TRUTH.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def home(tmp_path_factory, corpus) -> Path:
    home, made = bench.build_home(tmp_path_factory.mktemp("bench-web"), corpus, PAGES)
    assert made["pages"] == PAGES and made["cases"] == 3
    assert made["prosecutor_cases"] == 2  # the web tests' case A and the first synthetic case
    assert bench.reindex(home)["pages"] == PAGES + 6  # and the web tests' home's six
    return home


@pytest.fixture()
def access(home):
    settings = load_settings(home=home)
    catalog = Catalog(settings.catalog_path)
    backend = open_backend(settings, catalog)
    yield Access(settings, catalog, backend, User("test"))
    backend.close()
    catalog.close()


def test_synthetic_hits_are_placed_by_but_luc(access):
    hits = access.search(bench.SearchQuery("dieu tra", limit=50))["hits"]
    synthetic = [h for h in hits if h["document_id"].startswith("B0")]
    assert synthetic
    assert all(h["page"] == h["but_luc"] + bench.FRONT_PAGES for h in synthetic)


def test_the_query_mix_finds_pages(access, corpus):
    # Listing by filters alone, and a number found through the documents' metadata rather than the
    # page text, are the backends' part of the issue: here only what the page texts hold.
    for kind, query in bench.query_mix(corpus, PAGES):
        if query.text and kind != "number":
            assert access.search(query)["total"] > 0, (kind, query)


def test_the_prosecutor_sees_a_trimmed_home(home, access, corpus):
    settings, catalog, backend, user = bench.in_process(home, bench.PROSECUTOR_ACCOUNT)
    try:
        prosecutor = Access(settings, catalog, backend, user)
        assert prosecutor.scope.cases == tuple(sorted(catalog.assigned_cases(user.id)))
        secret = {d.id for d in catalog.documents(all_cases=True) if d.classification == "mat"}
        assert len(secret) == pytest.approx(len(catalog.documents(all_cases=True)) / bench.DOCUMENTS_PER_SECRET, abs=2)
        query = bench.SearchQuery("dieu tra", limit=1000)
        everything = access.search(query)
        mine = prosecutor.search(bench.SearchQuery("dieu tra", limit=1000))
        assert 0 < mine["total"] < everything["total"]
        assert {h["case_id"] for h in mine["hits"]} <= set(prosecutor.scope.cases)
        assert secret & {h["document_id"] for h in everything["hits"]}
        assert not secret & {h["document_id"] for h in mine["hits"]}
        # the query mix's case filters name a case of theirs
        assert all(q.case_id in prosecutor.scope.cases for _, q in bench.query_mix(corpus, PAGES) if q.case_id)
    finally:
        backend.close()
        catalog.close()


def test_real_pages_are_rendered_from_the_dossiers(home):
    pages = bench.real_pages(home)
    assert len(pages) == 6
    assert {p.document_id for p in bench.real_pages(home, bench.PROSECUTOR_ACCOUNT)} == {"A-QD47", "A-HC1", "A-CT12"}
    assert all(bench.render_png(p, 160).startswith(b"\x89PNG") for p in pages[:2])


def test_clients_at_once_against_a_real_server(home, tmp_path):
    with bench.serving(home, tmp_path / "serve.log") as port:
        report = bench.concurrency(port, ["/", "/static/app.css"], 4, 1.0, 20, {})
        assert report["requests"] >= 8 and report["error_count"] == 0
        assert {k: r["clients"] for k, r in report["by_account"].items()} == {"leader": 2, "prosecutor": 2}
        assert all(r["n"] >= 4 for r in report["by_account"].values())  # both signed in: 200s only
        assert bench.concurrency(port, ["/no-such-page"], 2, 0.2, 0, {})["error_count"] > 0
    with pytest.raises(OSError):  # stopped: nothing listens any more
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_concurrent_searches_each_audited_without_error(home, corpus, tmp_path):
    """Searches append audit rows: clients at once, none waiting, must never share a catalog
    connection's transaction (a 500 'cannot start a transaction within a transaction')."""
    from urllib.parse import urlencode

    urls = ["/api/v1/search?" + urlencode(bench.search_params(q)) for _, q in bench.query_mix(corpus, PAGES)]
    with bench.serving(home, tmp_path / "serve.log") as port:
        report = bench.concurrency(port, urls, 8, 4.0, 0, {})
    assert report["error_count"] == 0, report["errors"]
    assert report["requests"] >= 100
