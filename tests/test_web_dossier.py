"""The case list, the dossier view, the document view, the dossier download and their API, over a
small home without OCR (tests/web_kit.py)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
import pytest
from fastapi.testclient import TestClient

from dossier_kit import cli_json
from pipeline.config import load_settings
from web.app import create_app
from web_kit import CASE_A, CASE_B, LEADER, build_web_home, signed_in


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return build_web_home(tmp_path_factory.mktemp("web-dossier"))


@pytest.fixture(scope="module")
def client(home):
    with TestClient(create_app(load_settings(home=home))) as client:
        yield signed_in(client, *LEADER)


def test_case_list_page_and_api(client, home):
    assert client.get("/api/v1/cases").json() == cli_json(home, "case", "list")
    html = client.get("/cases").text
    assert f'<a href="/cases/{CASE_A}">{CASE_A}</a>' in html and f'<a href="/cases/{CASE_B}">' in html
    row = html[html.index(f'data-case-id="{CASE_A}"') :]
    row = row[: row.index("</tr>")]
    assert re.findall(r'<td class="num">(\d+)</td>', row)[:3] == ["3", "4", "1"]  # documents, pages, version


def test_dossier_view_lists_every_document_in_dossier_order_with_its_but_luc(client, home):
    shown = cli_json(home, "dossier", "show", CASE_A)
    html = client.get(f"/cases/{CASE_A}").text
    toc = html[html.index('id="toc"') : html.index("</table>", html.index('id="toc"'))]
    entries = re.findall(r'<a class="toc-entry" href="([^"]+)" data-document-id="([^"]+)" data-but-luc="(\d+)">', toc)
    assert [(doc, int(bl)) for _, doc, bl in entries] == [(d["id"], d["but_luc"][0]) for d in shown["documents"]]
    assert [href for href, *_ in entries] == [f"/pages/{d['id']}:1" for d in shown["documents"]]
    assert ["A-QD47", "A-HC1", "A-CT12"] == [doc for _, doc, _ in entries]
    assert "Cáo trạng" in toc and "12/CT-VKS-P2" in toc and "03/05/2024" in toc and "2–3" in toc  # A-HC1's range


def test_dossier_view_shows_the_cover_the_versions_and_the_download(client):
    html = client.get(f"/cases/{CASE_A}").text
    cover = html[html.index('id="cover"') : html.index("</section>", html.index('id="cover"'))]
    assert "Trần Văn Đức" in cover and "Điều 173" in cover and "15/03/2024" in cover and "03/05/2024" in cover
    assert 'id="versions"' in html and "(hiện hành)" in html and "thêm 3" in html
    assert f'id="download-dossier" class="button" href="/cases/{CASE_A}/dossier.pdf"' in html


def test_download_is_the_current_dossier_pdf(client, home):
    response = client.get(f"/cases/{CASE_A}/dossier.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="{CASE_A}.pdf"'
    # A copy marked for its taker (tests/test_watermark.py), page for page the current dossier.
    with (
        pikepdf.open(io.BytesIO(response.content)) as copy,
        pikepdf.open(home / "dossiers" / CASE_A / f"{CASE_A}.pdf") as pdf,
    ):
        assert len(copy.pages) == len(pdf.pages)


def test_case_and_document_api_are_the_cli_json_without_home_paths(client, home):
    shown = cli_json(home, "dossier", "show", CASE_B)
    api = client.get(f"/api/v1/cases/{CASE_B}").json()
    assert api == {**shown, "dossier": f"/cases/{CASE_B}/dossier.pdf", "dossier_withheld": False}
    assert str(home) not in client.get(f"/api/v1/cases/{CASE_B}").text
    document = client.get("/api/v1/documents/A-CT12").json()
    assert document["case_id"] == CASE_A and document["number"] == "12/CT-VKS-P2" and document["but_luc"] == [4, 4]
    assert {k: v for k, v in document.items() if k != "case_id"} == next(
        d for d in cli_json(home, "dossier", "show", CASE_A)["documents"] if d["id"] == "A-CT12"
    )


def test_document_view_shows_its_fields_persons_and_pages(client):
    html = client.get("/documents/A-HC1").text
    assert "Biên bản hỏi cung bị can" in html and "20/03/2024" in html
    assert "Trần Văn Đức" in html and "bị can" in html
    assert '<a href="/pages/A-HC1:1">Bút lục 2</a>' in html and '<a href="/pages/A-HC1:2">Bút lục 3</a>' in html


@pytest.mark.parametrize(
    "url",
    [
        "/cases/2099-HS-0000",
        "/cases/2099-HS-0000/dossier.pdf",
        "/documents/NO-SUCH",
        "/cases/%2e%2e/dossier.pdf",
        "/cases/..%2F..%2Fcatalog.sqlite/dossier.pdf",
        "/cases/%2e%2e%2f%2e%2e%2fcatalog.sqlite",
        "/documents/..%2Fcatalog.sqlite",
    ],
)
def test_unknown_or_crafted_ids_are_404_pages_without_paths(client, home, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy" in response.text and str(home) not in response.text
    assert b"SQLite format" not in response.content


@pytest.mark.parametrize("url", ["/api/v1/cases/2099-HS-0000", "/api/v1/documents/NO-SUCH", "/api/v1/cases/%2e%2e"])
def test_unknown_ids_are_404_in_the_cli_error_shape(client, home, url):
    response = client.get(url)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == 5 and error["name"] == "NOT_FOUND" and str(home) not in error["message"]


def test_a_case_without_a_dossier_offers_no_download(client, home):
    pdf = Path(home, "dossiers", CASE_B, f"{CASE_B}.pdf")
    kept = pdf.read_bytes()
    pdf.unlink()
    try:
        assert client.get(f"/cases/{CASE_B}/dossier.pdf").status_code == 404
        assert client.get(f"/api/v1/cases/{CASE_B}").json()["dossier"] is None
        html = client.get(f"/cases/{CASE_B}").text
        assert "download-dossier" not in html and "Hồ sơ chưa được lập" in html
    finally:
        pdf.write_bytes(kept)
