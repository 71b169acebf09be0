"""The clerks' pages of the web app: /status with the quarantine and "Thử lại", /review with the CLI's
corrections (recorded under the clerk's account, dossier rebuilt, index updated), and their JSON under /api/v1.
Fast: the web kit's home (no OCR), documents to review, and a file quarantined by a real ingest; the corrections
build on each other in file order, on the one home of the module."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import REPO
from dossier_kit import cli, cli_json, tiny_home
from pipeline.config import load_settings
from pipeline.store.catalog import Catalog, DocumentRow
from test_watch_support import drop, scan_bytes
from web.app import create_app
from web_kit import CASE_A, CLERK, add_user, build_web_home, signed_in

PETITION = (
    "ĐƠN KHIẾU NẠI Kính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ninh. Tôi tên là Lê Văn Tám, trú tại "
    "phường Hà Tu, khiếu nại về việc chiếc thuyền đánh cá bị thu giữ."
)
ANNEX = "Bản kê tài sản thu giữ kèm theo: một thuyền đánh cá vỏ gỗ, hai lưới rê. Người lập bảng kê."
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def review_home(root: Path, *, opensearch_url: str | None = None, prefix: str | None = None) -> Path:
    """The web kit's home, with a document to review and a quarantined file."""
    home = build_web_home(root, opensearch_url=opensearch_url, prefix=prefix)
    # A document the review lists: type unknown, read with little confidence, number and date left empty;
    # two pages, so that it can be split.
    t = tiny_home(root)
    sha = t.batch("scan-r", [PETITION, ANNEX], case_id=CASE_A)
    with t.catalog.transaction():
        t.catalog.put_document(
            DocumentRow(
                id="A-DON1",
                case_id=CASE_A,
                type="khac",
                confidence=0.3,
                arrival=1_800_000_000,
                review=["number", "date"],
                pages=[(sha, 1, None, None), (sha, 2, None, None)],
            )
        )
    t.catalog.close()
    cli(home, "dossier", "rebuild", CASE_A)
    cli(home, "reindex", "--pending")
    # A file that is no scan at all: quarantined by a real ingest, with its reason.
    inbox = root / "inbox-bad" / CASE_A
    inbox.mkdir(parents=True)
    shutil.copy(REPO / "samples" / "bad" / "notes.docx", inbox / "notes.docx")
    cli(home, "ingest", str(inbox.parent), code=3)
    return home


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return review_home(tmp_path_factory.mktemp("clerk"))


@pytest.fixture(scope="module")
def client(home):
    with TestClient(create_app(load_settings(home=home))) as client:
        yield signed_in(client, *CLERK)


def csrf_of(client: TestClient, page: str) -> str:
    """The form token of a page (the cookie the same GET sets is kept by the client)."""
    return CSRF.search(client.get(page).text)[1]


def file_row(home: Path, name: str):
    catalog = Catalog(home / "catalog.sqlite", read_only=True)
    try:
        return next(r for r in catalog.files() if Path(r.path).name == name)
    finally:
        catalog.close()


def corrections(home: Path) -> list[dict]:
    catalog = Catalog(home / "catalog.sqlite", read_only=True)
    try:
        return catalog.corrections()
    finally:
        catalog.close()


# ---- status ---------------------------------------------------------------------------------------


def test_status_page_lists_the_quarantined_file_by_name_with_its_reason(client, home):
    page = client.get("/status")
    assert page.status_code == 200
    html = page.text
    row = file_row(home, "notes.docx")
    assert f'data-file-id="{row.id}"' in html
    assert "notes.docx" in html and "unsupported file type" in html
    assert str(home) not in html and str(home.parent) not in html  # names, never the server's paths
    assert f'name="file_id" value="{row.id}"' in html and "Thử lại tất cả" in html
    for label in ("Tệp theo trạng thái", "Văn bản chưa lập chỉ mục", "Hàng đợi", "Không chạy"):
        assert label in html


def test_status_page_shows_the_ocr_workers_and_their_jobs(client, monkeypatch):
    from ingest import access

    assert 'id="workers"' not in client.get("/status").text  # no broker: no such card
    workers = [
        {"name": "w1@may-ocr-1", "host": "may-ocr-1", "pid": 41, "jobs": [
            {"batch": "ab12cd34ef56", "pages": [9, 16], "case": None, "pid": 42, "since": 1.0}]},
        {"name": "w2@may-ocr-2", "host": "may-ocr-2", "pid": 51, "jobs": [
            {"batch": None, "pages": None, "case": "2024-HS-0123", "pid": 52, "since": 1.0}]},
        {"name": "w3@may-ocr-2", "host": "may-ocr-2", "pid": 61, "jobs": []},
    ]  # fmt: skip
    monkeypatch.setattr(access, "_broker_workers", lambda settings: workers)
    html = client.get("/status").text
    assert "w1@may-ocr-1 (tiến trình 41):\n      tệp ab12cd34ef56, trang 9–16" in html
    assert "dựng hồ sơ 2024-HS-0123" in html and "rảnh" in html
    monkeypatch.setattr(
        access, "_broker_workers", lambda settings: {"error": "the broker at redis://q does not answer"}
    )
    html = client.get("/status").text
    assert "Không liên lạc được" in html and "does not answer" in html


def test_status_api_has_the_cli_shape_with_file_names(client, home):
    data = client.get("/api/v1/status").json()
    cli_data = cli_json(home, "status")
    assert data.keys() == cli_data.keys()
    assert data["files"] == cli_data["files"] and data["pages"] == cli_data["pages"]
    assert [q["path"] for q in data["quarantine"]] == [Path(q["path"]).name for q in cli_data["quarantine"]]
    assert [q["path"] for q in data["quarantine"]] == ["notes.docx"]
    assert str(home.parent) not in client.get("/api/v1/status").text


def test_retry_needs_the_form_token(client, home):
    row = file_row(home, "notes.docx")
    refused = client.post("/status/retry", data={"file_id": row.id}, follow_redirects=False)
    assert refused.status_code == 403
    assert file_row(home, "notes.docx").updated_at == row.updated_at


def test_retry_of_a_file_not_in_quarantine_is_404(client, home):
    token = csrf_of(client, "/status")
    kept = file_row(home, "scan-a1.pdf")  # in the catalog, not quarantined
    for file_id in (kept.id, 99_999):
        answer = client.post("/status/retry", data={"file_id": file_id, "csrf": token})
        assert answer.status_code == 404
        assert f"not a quarantined file: {file_id}" in answer.text


def test_retry_requeues_and_processes_the_file_in_the_background(client, home):
    before = file_row(home, "notes.docx")
    answer = client.post(
        "/status/retry", data={"file_id": before.id, "csrf": csrf_of(client, "/status")}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/status"
    # Processed again (still no scan): quarantined anew, its copy moved to a new quarantine folder.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = file_row(home, "notes.docx")
        if now.state == "quarantined" and now.quarantine != before.quarantine:
            break
        time.sleep(0.1)
    assert now.state == "quarantined" and now.updated_at > before.updated_at
    assert now.quarantine != before.quarantine and not Path(before.quarantine).exists()
    assert (Path(now.quarantine) / "notes.docx").is_file()
    shown = client.get("/status").text
    assert "Đã xếp lại hàng đợi 1 tệp" in shown
    assert "Đã xếp lại hàng đợi" not in client.get("/status").text  # the message is shown once


# ---- review ---------------------------------------------------------------------------------------


def test_review_page_shows_what_needs_a_person(client):
    html = client.get("/review").text
    assert 'data-document-id="A-DON1"' in html
    assert "chưa rõ loại" in html and "độ tin cậy thấp" in html and "Số/ký hiệu, Ngày ban hành" in html
    assert 'href="/pages/A-DON1:1"' in html
    assert 'src="/api/v1/review/A-DON1/header.png"' in html
    for action in ("type", "field", "move", "split", "merge"):
        assert f'action="/review/A-DON1/{action}"' in html
    assert "Cáo trạng" in html  # doc types by their Vietnamese names


def test_review_page_shows_what_a_register_stamp_reader_read(client, home):
    # The stamp's number was read, its date not: the clerk sees the number and writes the date only.
    catalog = Catalog(home / "catalog.sqlite")
    try:
        doc = catalog.document("A-DON1")
        doc.received = {"number": "2352", "date": None}
        with catalog.transaction():
            catalog.put_document(doc)
    finally:
        catalog.close()
    html = client.get("/review").text
    assert "Dấu đến</th><td>số 2352, ngày ?" in html and "phần để trống giữ như đã đọc" in html


def test_header_picture_is_served_by_document_id(client):
    picture = client.get("/api/v1/review/A-DON1/header.png")
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG")
    missing = client.get("/api/v1/review/A-CT12/header.png")  # nothing of its header left to read
    assert missing.status_code == 404 and missing.json()["error"]["name"] == "NOT_FOUND"
    assert client.get("/api/v1/review/..%2F..%2Fcatalog.sqlite/header.png").status_code == 404


def test_review_api_is_the_cli_review_with_pictures_by_url(client, home):
    api = client.get("/api/v1/review").json()
    listed = cli_json(home, "review")
    for item in listed["documents"]:
        if "crops" in item:  # a path on the server for the CLI, the picture's URL on the web
            item["crops"] = {field: f"/api/v1/review/{item['id']}/header.png" for field in item["crops"]}
    assert api == listed
    assert [d["id"] for d in client.get("/api/v1/review", params={"case": "2025-HS-0007"}).json()["documents"]] == []


def test_a_refused_correction_shows_its_message(client):
    token = csrf_of(client, "/review")
    bad = client.post("/review/A-DON1/field", data={"field": "date", "value": "31/02/2024", "csrf": token})
    assert bad.status_code == 400 and "Không sửa được" in bad.text and "not a real date" in bad.text
    stamp = client.post("/review/A-DON1/field", data={"field": "received", "value": "12a, 21/03/2018", "csrf": token})
    assert stamp.status_code == 400 and "number is digits, not" in stamp.text
    gone = client.post("/review/A-NOPE/type", data={"key": "cao_trang", "csrf": token})
    assert gone.status_code == 404 and "no document A-NOPE" in gone.text
    assert client.post("/review/A-DON1/type", data={"key": "cao_trang"}).status_code == 403


def set_type_from_the_web(client: TestClient, home: Path) -> None:
    """Set A-DON1's type on the review page: recorded as van.thu, dossier rebuilt, index updated."""
    version = cli_json(home, "dossier", "show", CASE_A)["version"]
    answer = client.post(
        "/review/A-DON1/type",
        data={"key": "don_khieu_nai", "csrf": csrf_of(client, "/review"), "back": CASE_A},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == f"/review?case={CASE_A}"
    [last] = corrections(home)[-1:]
    assert (last["document_id"], last["field"], last["old"], last["new"], last["who"]) == (
        "A-DON1",
        "type",
        "khac",
        "don_khieu_nai",
        "van.thu",
    )
    assert cli_json(home, "dossier", "show", CASE_A)["version"] == version + 1
    hits = cli_json(home, "search", "thuyen danh ca", "--type", "don_khieu_nai")["hits"]
    assert {h["document_id"] for h in hits} == {"A-DON1"}
    follow = client.get(answer.headers["location"]).text
    assert "Đã đặt loại của A-DON1 là Đơn khiếu nại" in follow and "van.thu" in follow


def test_set_type_from_the_web_is_recorded_rebuilt_and_reindexed(client, home):
    set_type_from_the_web(client, home)


@pytest.mark.opensearch
def test_set_type_from_the_web_reindexes_opensearch(tmp_path, opensearch_url, unique_prefix):
    home = review_home(tmp_path, opensearch_url=opensearch_url, prefix=unique_prefix)
    with TestClient(create_app(load_settings(home=home))) as client:
        set_type_from_the_web(signed_in(client, *CLERK), home)


def test_set_a_field_with_a_vietnamese_date(client, home):
    token = csrf_of(client, "/review")
    client.post("/review/A-DON1/field", data={"field": "date", "value": "20/06/2024", "csrf": token})
    shown = next(d for d in cli_json(home, "dossier", "show", CASE_A)["documents"] if d["id"] == "A-DON1")
    assert shown["date"] == "2024-06-20"
    assert corrections(home)[-1]["who"] == "van.thu"


def test_split_from_the_web(client, home):
    answer = client.post("/review/A-DON1/split", data={"at": "2", "csrf": csrf_of(client, "/review")})
    assert answer.status_code == 200 and "Đã tách A-DON1 từ trang 2" in answer.text
    documents = cli_json(home, "dossier", "show", CASE_A)["documents"]
    first = next(d for d in documents if d["id"] == "A-DON1")
    assert first["dossier_pages"][0] == first["dossier_pages"][1]  # one page left
    assert corrections(home)[-1]["field"] == "split" and corrections(home)[-1]["who"] == "van.thu"


@pytest.mark.ocr
def test_retry_from_the_web_once_the_cause_is_fixed(tmp_path, monkeypatch):
    """Quarantined because every page is over the pixel limit; the admin raises it; "Thử lại" on the status
    page files the scan: OCRed, in its case's dossier, searchable."""
    home = tmp_path / "home"
    drop(tmp_path / "inbox" / CASE_A / "page.jpg", scan_bytes(21, "jpg"))
    monkeypatch.setenv("HOSO_MAX_PIXELS", "1000")
    cli(home, "ingest", str(tmp_path / "inbox"), code=3)
    monkeypatch.delenv("HOSO_MAX_PIXELS")
    add_user(home, CLERK[0], "clerk", "thuong", CLERK[1])
    with TestClient(create_app(load_settings(home=home))) as client:
        signed_in(client, *CLERK)
        [listed] = client.get("/api/v1/status").json()["quarantine"]
        assert listed["path"] == "page.jpg" and "limit" in listed["reason"]
        answer = client.post("/status/retry", data={"every": "true", "csrf": csrf_of(client, "/status")})
        assert answer.status_code == 200 and "Đã xếp lại hàng đợi 1 tệp" in answer.text
        deadline = time.monotonic() + 120
        while file_row(home, "page.jpg").state != "done" and time.monotonic() < deadline:
            time.sleep(0.2)
        status = client.get("/api/v1/status").json()
    assert status["quarantine"] == [] and status["files"]["done"] == 1
    assert cli_json(home, "dossier", "show", CASE_A)["version"] >= 1
    assert cli_json(home, "search", "khoi to vu an", "--case", CASE_A)["total"] >= 1


def test_move_to_another_case_from_the_web(client, home):
    answer = client.post("/review/A-DON1/move", data={"case": "2025-HS-0007", "csrf": csrf_of(client, "/review")})
    assert answer.status_code == 200 and "Đã chuyển A-DON1 sang vụ án 2025-HS-0007" in answer.text
    moved = [d for d in cli_json(home, "dossier", "show", "2025-HS-0007")["documents"] if d["type"] == "don_khieu_nai"]
    assert len(moved) == 1 and moved[0]["but_luc"] is not None
    assert corrections(home)[-1]["field"] == "case" and corrections(home)[-1]["who"] == "van.thu"
