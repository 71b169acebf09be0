"""Who may see what, through the real routes of the web app and its API: the request's Access is that
of an account (the dependency `get_access` overridden, as sign-in will provide it), so the rules of
ingest.access are checked where a browser or a script meets them."""

from __future__ import annotations

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from ingest.access import SECRET_DOCUMENT, SECRET_DOSSIER, Access
from pipeline.config import load_settings
from rights_kit import SECRET_ID, SECRET_NUMBER, UNFILED_ID, build_rights_home, user_of
from web.app import create_app
from web.deps import CSRF_COOKIE, get_access
from web_kit import CASE_A, CASE_B


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = create_app(load_settings(home=build_rights_home(tmp_path_factory.mktemp("web-rights"))))
    with TestClient(app):  # the lifespan closes the per-thread catalogs at the end
        yield app


@pytest.fixture
def signed_in(app):
    """signed_in(name) → a client whose every request is that account's."""
    clients = []

    def make(name: str) -> TestClient:
        def access(request: Request):
            with request.app.state.sessions.lease() as (catalog, backend):
                yield Access(request.app.state.settings, catalog, backend, user_of(catalog, name, "testclient"))

        app.dependency_overrides[get_access] = access
        client = TestClient(app)
        clients.append(client)
        return client

    yield make
    app.dependency_overrides.clear()
    for client in clients:
        client.close()


def same_as_missing(client: TestClient, url: str, probe: str, missing: str) -> None:
    """The forbidden URL answers exactly as the same URL with a missing id: 404, the same body."""
    forbidden, absent = client.get(url), client.get(url.replace(probe, missing))
    assert forbidden.status_code == absent.status_code == 404, url
    assert forbidden.text.replace(probe, "?") == absent.text.replace(missing, "?"), url


def test_a_prosecutor_guessing_urls_of_a_case_not_theirs_gets_404s_like_missing_ids(signed_in):
    client = signed_in("kiemsat_b")
    for url, probe, missing in [
        ("/api/v1/documents/A-QD47", "A-QD47", "A-NOPE"),
        ("/documents/A-QD47", "A-QD47", "A-NOPE"),
        ("/api/v1/pages/A-HC1:2", "A-HC1", "A-NOPE"),
        ("/api/v1/pages/A-HC1:2/image?w=160", "A-HC1", "A-NOPE"),
        ("/api/v1/pages/A-HC1:2/words?q=xe", "A-HC1", "A-NOPE"),
        ("/pages/A-QD47:1", "A-QD47", "A-NOPE"),
        (f"/api/v1/cases/{CASE_A}", CASE_A, "2099-HS-0001"),
        (f"/cases/{CASE_A}", CASE_A, "2099-HS-0001"),
        (f"/cases/{CASE_A}/dossier.pdf", CASE_A, "2099-HS-0001"),
        (f"/cases/{CASE_A}/but-luc?but_luc=2", CASE_A, "2099-HS-0001"),
        (f"/api/v1/documents/{UNFILED_ID}", UNFILED_ID, "U-NOPE"),  # no case: never a prosecutor's
    ]:
        same_as_missing(client, url, probe, missing)
    assert [c["id"] for c in client.get("/api/v1/cases").json()["cases"]] == [CASE_B]
    page = client.get("/").text  # the case filter offers only their case
    assert f'value="{CASE_B}"' in page and CASE_A not in page
    assert client.get("/api/v1/pages/B-QD9:1/image?w=160").headers["content-type"] == "image/png"


def test_a_prosecutor_has_no_clerks_pages_and_cannot_correct(signed_in):
    client = signed_in("kiemsat_b")
    for url in ("/review", "/api/v1/review", "/status", "/api/v1/status", "/api/v1/review/B-QD9/header.png"):
        assert client.get(url).status_code == 403, url
    assert client.get("/api/v1/status").json()["error"]["name"] == "FORBIDDEN"
    client.get("/cases")  # the CSRF cookie
    answer = client.post(
        "/review/B-QD9/field", data={"field": "title", "value": "x", "csrf": client.cookies[CSRF_COOKIE]}
    )
    assert answer.status_code == 403 and "không có quyền" in answer.text


def test_a_thuong_reader_sees_tai_lieu_mat_and_no_whole_dossier(signed_in):
    client = signed_in("kiemsat_a")
    html = client.get(f"/cases/{CASE_A}").text
    row = html[html.index('<tr class="masked"') : html.index("</tr>", html.index('<tr class="masked"'))]
    assert SECRET_DOCUMENT in row and '<td class="num">5</td>' in row and "href" not in row
    assert SECRET_NUMBER not in html and SECRET_ID not in html
    assert SECRET_DOSSIER in html and 'id="download-dossier"' not in html
    api = client.get(f"/api/v1/cases/{CASE_A}").json()
    assert api["dossier"] is None and api["dossier_withheld"] is True
    assert [d["title"] for d in api["documents"] if d.get("masked")] == [SECRET_DOCUMENT]
    refused = client.get(f"/cases/{CASE_A}/dossier.pdf")
    assert refused.status_code == 403 and SECRET_DOSSIER in refused.text
    same_as_missing(client, f"/api/v1/pages/{SECRET_ID}:1/image?w=160", SECRET_ID, "A-NOPE")
    same_as_missing(client, f"/pages/{SECRET_ID}:1", SECRET_ID, "A-NOPE")
    assert client.get(f"/cases/{CASE_A}/but-luc?but_luc=5").status_code == 404


def test_a_leader_cleared_for_mat_downloads_the_dossier(signed_in):
    client = signed_in("lanhdao")
    assert client.get(f"/cases/{CASE_A}/dossier.pdf").headers["content-type"] == "application/pdf"
    assert SECRET_NUMBER in client.get(f"/cases/{CASE_A}").text


def test_an_admin_sees_the_status_and_no_case(signed_in):
    client = signed_in("quantri")
    assert client.get("/api/v1/cases").json() == {"cases": [], "unassigned": 0}
    assert client.get("/status").status_code == 200
    assert client.get(f"/cases/{CASE_B}").status_code == 404
    assert client.get("/api/v1/documents/B-QD9").status_code == 404


def test_a_clerk_reviews_their_cases_and_the_documents_with_no_case(signed_in):
    client = signed_in("thuky")
    listed = {d["id"]: d["case_id"] for d in client.get("/api/v1/review").json()["documents"]}
    assert UNFILED_ID in listed and set(listed.values()) <= {CASE_A, None}
    assert client.get("/review").status_code == 200
    assert client.get("/api/v1/documents/B-KL1").status_code == 404


def test_search_page_and_api_show_a_prosecutor_nothing_of_another_case(signed_in):
    client = signed_in("kiemsat_b")
    found = client.get("/api/v1/search", params={"q": "Trần Văn Đức", "facets": "case,type,person"}).json()
    assert found["total"] == 0 and found["hits"] == [] and not any(found["facets"].values())
    html = client.get("/", params={"q": "Trần Văn Đức"}).text
    assert "A-QD47" not in html and CASE_A not in html
