"""The search page `/` and `GET /api/v1/search`, over a small home without OCR (tests/web_kit.py)."""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from dossier_kit import cli_json
from index.base import FACETS
from pipeline.config import load_settings
from web.app import create_app
from web_kit import CASE_A, CASE_B, LEADER, build_web_home, signed_in


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return build_web_home(tmp_path_factory.mktemp("web-search"))


@pytest.fixture(scope="module")
def client(home):
    with TestClient(create_app(load_settings(home=home))) as client:
        yield signed_in(client, *LEADER)


class Page(HTMLParser):
    """The parts of a search page the tests read: document groups, hit links, facet links, marks."""

    def __init__(self, html: str):
        super().__init__()
        self.groups: list[str] = []
        self.hits: list[tuple[str, str]] = []  # (document id of the group, href)
        self.thumbs: list[dict] = []
        self.facets: dict[str, dict[str, str]] = {}  # facet name → {value label: href}
        self.links: dict[str, str] = {}  # id → href
        self._facet: str | None = None
        self._href: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "article" and "doc-group" in a.get("class", ""):
            self.groups.append(a["data-document-id"])
        elif tag == "section" and a.get("data-facet"):
            self._facet = a["data-facet"]
            self.facets[self._facet] = {}
        elif tag == "a":
            if "hit" in a.get("class", "").split():
                self.hits.append((self.groups[-1], a["href"]))
            if a.get("id"):
                self.links[a["id"]] = a["href"]
            self._href, self._text = a.get("href"), []
        elif tag == "img" and a.get("class") == "thumb":
            self.thumbs.append(a)

    def handle_data(self, data):
        self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._facet and self._href:
            label = re.sub(r"\s+\d+$", "", " ".join("".join(self._text).split()))
            self.facets[self._facet][label] = self._href
        if tag == "aside":
            self._facet = None
        if tag == "a":
            self._href = None


def page(client, **params) -> tuple[int, str, Page]:
    response = client.get("/", params=params)
    return response.status_code, response.text, Page(response.text)


def test_diacritic_free_words_find_the_pages_with_marks(client):
    status, html, found = page(client, q="tran van duc")
    assert status == 200
    assert {"A-HC1", "A-CT12"} <= set(found.groups)
    assert "<mark>Trần</mark>" in html and "<mark>Đức</mark>" in html
    # each hit opens the viewer on its page, the query kept; its thumbnail is that page's image
    hits = dict((doc, href) for doc, href in found.hits)
    assert hits["A-CT12"] == "/pages/A-CT12:1?q=tran+van+duc"
    assert hits["A-HC1"] == "/pages/A-HC1:1?q=tran+van+duc"
    assert {t["src"] for t in found.thumbs} >= {"/api/v1/pages/A-CT12:1/image?w=160"}
    assert all(t.get("loading") == "lazy" and t.get("alt") for t in found.thumbs)
    # the group names the document by its Vietnamese type, number and date, and the hit its bút lục
    group = html[html.index('data-document-id="A-CT12"') :]
    group = group[: group.index("</article>")]
    assert "Cáo trạng số 12/CT-VKS-P2" in group and "03/05/2024" in group and "BL 4" in group and CASE_A in group


def test_a_decision_number_finds_its_document(client):
    _, html, found = page(client, q="47/QĐ-VKS-P2")
    assert found.groups[0] == "A-QD47"
    assert "<mark>47/QĐ-VKS-P2</mark>" in html


def test_hits_are_grouped_by_document_in_the_rank_of_their_best_hit(client):
    data = client.get("/api/v1/search", params={"q": "bị can", "limit": 20}).json()
    order = list(dict.fromkeys(h["document_id"] for h in data["hits"]))
    _, _, found = page(client, q="bị can")
    assert found.groups == order
    assert len(found.groups) == len(set(found.groups))  # one group per document
    per_document = {doc: sum(1 for d, _ in found.hits if d == doc) for doc in order}
    assert per_document["A-HC1"] == sum(1 for h in data["hits"] if h["document_id"] == "A-HC1")


def test_facets_show_page_counts_and_link_to_their_filter(client):
    _, html, found = page(client, q="tran van duc")
    types = found.facets["type"]
    assert "Cáo trạng" in types  # the Vietnamese name, not the key
    assert parse_qs(urlsplit(types["Cáo trạng"]).query) == {"q": ["tran van duc"], "type": ["cao_trang"]}
    year = parse_qs(urlsplit(found.facets["year"]["2024"]).query)
    assert year["from"] == ["01/01/2024"] and year["to"] == ["31/12/2024"]
    assert CASE_A in found.facets["case"]
    # following a facet link narrows the results to it
    _, _, narrowed = page(client, **{k: v[0] for k, v in parse_qs(urlsplit(types["Cáo trạng"]).query).items()})
    assert narrowed.groups == ["A-CT12"]


def test_the_form_keeps_the_whole_query_in_the_url(client):
    _, html, _ = page(client, q="trộm cắp", case=CASE_A, type="cao_trang", **{"from": "01/01/2024"}, sort="-date")
    assert 'value="trộm cắp"' in html
    assert f'<option value="{CASE_A}" selected>' in html
    assert '<option value="cao_trang" selected>' in html
    assert 'value="01/01/2024"' in html
    assert '<option value="-date" selected>' in html


def test_paging_links_carry_the_query_and_step_by_the_page_size(client, monkeypatch):
    import web.search

    assert web.search.PAGE_SIZE == 20
    monkeypatch.setattr(web.search, "PAGE_SIZE", 2)  # the small home has 3 pages for the query
    _, html, first = page(client, q="tran van duc")
    assert "kết quả 1–2 trong 3 trang" in html
    assert "prev-results" not in first.links
    following = parse_qs(urlsplit(first.links["next-results"]).query)
    assert following == {"q": ["tran van duc"], "offset": ["2"]}


def test_the_last_page_of_results_links_back(client, monkeypatch):
    import web.search

    monkeypatch.setattr(web.search, "PAGE_SIZE", 2)
    _, html, second = page(client, q="tran van duc", offset=2)
    assert "kết quả 3–3 trong 3 trang" in html
    assert "next-results" not in second.links
    assert urlsplit(second.links["prev-results"]).query == "q=tran+van+duc"


def test_a_bad_date_is_a_visible_message_not_a_failure(client):
    status, html, found = page(client, q="tran", **{"from": "31/02/2024"})
    assert status == 400
    assert 'id="search-message"' in html and "Ngày không hợp lệ" in html and "31/02/2024" in html
    assert found.groups == []
    status, html, _ = page(client, q="tran", to="hôm qua")
    assert status == 400 and "dd/mm/yyyy" in html


def test_dates_typed_dd_mm_yyyy_filter_the_documents(client):
    _, _, found = page(client, q="tran van duc", **{"from": "01/04/2024", "to": "31/12/2024"})
    assert found.groups == ["A-CT12"]


def test_the_empty_page_explains_and_no_results_says_so(client):
    status, html, found = page(client)
    assert status == 200 and 'id="results"' in html and "có hoặc không dấu" in html and found.groups == []
    status, html, found = page(client, q="khongcotrongtrangnao")
    assert status == 200 and "Không tìm thấy trang nào" in html and found.groups == []


def test_filters_alone_list_the_pages(client):
    _, _, found = page(client, type="cao_trang")
    assert found.groups == ["A-CT12"]
    _, _, found = page(client, case=CASE_B, sort="-date")
    assert found.groups == ["B-KL1", "B-QD9"]


# ---- the API -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, cli_args",
    [
        ({"q": "tran van duc"}, ["tran van duc"]),
        ({"q": '"trộm cắp tài sản"', "case": CASE_A}, ['"trộm cắp tài sản"', "--case", CASE_A]),
        ({"q": "47/QĐ-VKS-P2", "limit": 3}, ["47/QĐ-VKS-P2", "--limit", "3"]),
        ({"q": "tran", "from": "2024-04", "to": "2024"}, ["tran", "--from", "2024-04", "--to", "2024"]),
    ],
)
def test_api_search_is_the_cli_json(client, home, params, cli_args):
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 200
    assert response.json() == cli_json(home, "search", *cli_args)


def test_api_search_counts_the_facets_asked_for(client, home):
    every = ",".join(FACETS)
    data = client.get("/api/v1/search", params={"q": "tran van duc", "facets": every}).json()
    assert data["facets"] == cli_json(home, "search", "tran van duc", "--facets")["facets"]
    assert data["facets"]["type"]["cao_trang"] == 1
    some = client.get("/api/v1/search", params={"q": "tran van duc", "facets": "type,case"}).json()
    assert list(some["facets"]) == ["type", "case"]
    assert "facets" not in client.get("/api/v1/search", params={"q": "tran"}).json()


def test_api_search_takes_dates_as_typed(client):
    iso = client.get("/api/v1/search", params={"q": "tran van duc", "from": "2024-04-01"}).json()
    typed = client.get("/api/v1/search", params={"q": "tran van duc", "from": "01/04/2024"}).json()
    assert typed == iso and [h["document_id"] for h in typed["hits"]] == ["A-CT12"]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "tran", "facets": "type,colour"},
        {"q": "tran", "from": "31/02/2024"},
        {"q": "tran", "sort": "size"},
        {"q": "tran", "limit": 0},
        {"q": "tran", "limit": 201},
        {"q": "tran", "article": "một"},
    ],
)
def test_api_search_refuses_bad_parameters_in_the_cli_error_shape(client, params):
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 2 and error["name"] == "USAGE" and error["message"]


@pytest.mark.opensearch
def test_api_search_is_the_cli_json_on_opensearch(tmp_path_factory, opensearch_url):
    from index.opensearch import OpenSearchBackend

    prefix = f"hoso-test-{uuid.uuid4().hex[:8]}"
    home = build_web_home(tmp_path_factory.mktemp("web-search-os"), opensearch_url=opensearch_url, prefix=prefix)
    settings = load_settings(home=home)
    try:
        with TestClient(create_app(settings)) as client:
            signed_in(client, *LEADER)
            assert settings.opensearch_url == opensearch_url
            found = client.get("/api/v1/search", params={"q": "tran van duc", "facets": ",".join(FACETS)}).json()
            assert found == cli_json(home, "search", "tran van duc", "--facets")
            assert {"A-HC1", "A-CT12"} <= {h["document_id"] for h in found["hits"]}
            assert client.get("/api/v1/search", params={"q": "47/QĐ-VKS-P2"}).json() == cli_json(
                home, "search", "47/QĐ-VKS-P2"
            )
            assert Page(client.get("/", params={"q": "47/QĐ-VKS-P2"}).text).groups[0] == "A-QD47"
    finally:
        backend = OpenSearchBackend.from_settings(settings)
        backend.drop()
        backend.close()
