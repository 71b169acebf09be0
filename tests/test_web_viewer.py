"""The page viewer and page images over HTTP (FastAPI's TestClient): PNGs drawn from the dossier and
cached by its sha256, word boxes over the words of the dossier page (unturned, rotated by the scan,
turned by a clerk), the viewer's DOM contract, jump by bút lục, and 404s that name no path."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

import pdfplumber
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from dossier_kit import cli, tiny_home
from pipeline.config import load_settings
from web.app import create_app
from web_kit import CASE_A, LEADER, add_user, build_web_home, signed_in


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return build_web_home(tmp_path_factory.mktemp("viewer"))


@pytest.fixture(scope="module")
def client(home) -> TestClient:
    with TestClient(create_app(load_settings(home=home))) as client:
        yield signed_in(client, *LEADER)


class Elements(HTMLParser):
    """Every element's tag and attributes, by id and in order."""

    def __init__(self, html: str):
        super().__init__()
        self.all: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.all.append((tag, dict(attrs)))

    def by_id(self, element_id: str) -> dict | None:
        return next((attrs for _, attrs in self.all if attrs.get("id") == element_id), None)

    def with_class(self, tag: str, cls: str) -> list[dict]:
        return [a for t, a in self.all if t == tag and cls in (a.get("class") or "").split()]


def dossier_pdf(home: Path, case_id: str) -> Path:
    return home / "dossiers" / case_id / f"{case_id}.pdf"


def chars_in(pdf: Path, dossier_page: int, box: dict) -> str:
    """The dossier page's characters whose centres lie inside `box`, sorted (pdfplumber's frame)."""
    with pdfplumber.open(pdf) as doc:
        chars = doc.pages[dossier_page - 1].chars
    inside = [
        c["text"]
        for c in chars
        if box["x0"] <= (c["x0"] + c["x1"]) / 2 <= box["x1"]
        and box["top"] <= (c["top"] + c["bottom"]) / 2 <= box["bottom"]
    ]
    return "".join(sorted(inside))


def assert_boxes_cover_their_words(pdf: Path, dossier_page: int, boxes: list[dict]) -> None:
    assert boxes
    for box in boxes:
        assert chars_in(pdf, dossier_page, box) == "".join(sorted(box["text"])), box


# ---- images ---------------------------------------------------------------------------------------------


def test_image_is_a_png_of_the_width_asked_clamped(client):
    for asked, width in ((300, 300), (5000, 2000), (10, 100)):
        response = client.get(f"/api/v1/pages/A-CT12:1/image?w={asked}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "PNG" and image.width == width
        assert abs(image.height / image.width - 841.89 / 595.28) < 0.01  # A4, as the dossier page


def test_second_request_is_served_from_the_cache_and_revalidates(client, home):
    first = client.get("/api/v1/pages/A-HC1:2/image?w=640")
    folder = next((home / "cache" / "pages" / CASE_A).iterdir())
    dossier_page = client.get("/api/v1/pages/A-HC1:2").json()["dossier_page"]
    cached = folder / f"{dossier_page}-640.png"
    assert cached.is_file() and cached.read_bytes() != first.content  # the drawing stays plain; the answer is marked
    stamp = cached.stat().st_mtime_ns
    again = client.get("/api/v1/pages/A-HC1:2/image?w=640")
    assert again.content == first.content and cached.stat().st_mtime_ns == stamp  # not drawn again
    etag = again.headers["etag"]
    assert "no-cache" in again.headers["cache-control"]
    unchanged = client.get("/api/v1/pages/A-HC1:2/image?w=640", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and not unchanged.content


def test_image_with_a_query_has_the_boxes_drawn(client):
    plain = Image.open(io.BytesIO(client.get("/api/v1/pages/A-CT12:1/image?w=1000").content)).convert("RGB")
    boxed = client.get("/api/v1/pages/A-CT12:1/image?w=1000&q=tran")
    assert boxed.headers["etag"] != client.get("/api/v1/pages/A-CT12:1/image?w=1000").headers["etag"]
    boxed = Image.open(io.BytesIO(boxed.content)).convert("RGB")
    box = client.get("/api/v1/pages/A-CT12:1/words?q=tran").json()["boxes"][0]
    scale = 1000 / 595.28
    # the outline runs just outside the word's box: orange there, white in the plain image
    x, y = round((box["x0"] + box["x1"]) / 2 * scale), round(box["top"] * scale) - 2
    assert min(plain.getpixel((x, y))) > 240  # paper
    red, green, blue = boxed.getpixel((x, y))
    assert red > 200 and green < 150 and blue < 100


# ---- word boxes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page_id", "query", "words"),
    [
        ("A-CT12:1", "tran van duc", ["Trần", "Văn", "Đức"]),
        ("A-QD47:1", "47/QĐ-VKS-P2", ["47/QĐ-VKS-P2"]),
        ("A-QD47:1", '"tran van duc" 47/qd-vks-p2', ["47/QĐ-VKS-P2", "Trần", "Văn", "Đức"]),
        ("A-HC1:1", "phưòng", ["phường"]),  # one OCR error in a long word
    ],
)
def test_word_boxes_lie_over_those_words_of_the_dossier_page(client, home, page_id, query, words):
    found = client.get(f"/api/v1/pages/{page_id}/words", params={"q": query}).json()
    assert [b["text"] for b in found["boxes"]] == words
    assert (round(found["width"]), round(found["height"])) == (595, 842)
    page = client.get(f"/api/v1/pages/{page_id}").json()
    assert_boxes_cover_their_words(dossier_pdf(home, CASE_A), page["dossier_page"], found["boxes"])


def test_no_boxes_without_a_query(client):
    assert client.get("/api/v1/pages/A-CT12:1/words").json()["boxes"] == []


@pytest.fixture(scope="module")
def turned(tmp_path_factory):
    """A case whose first page was scanned sideways (/Rotate 90 in the batch) and whose second a clerk turned."""
    t = tiny_home(tmp_path_factory.mktemp("turned"))
    case_id = "2024-HS-0099"
    t.batch(
        "sideways", ["QUYẾT ĐỊNH khởi tố bị can Phạm Văn Đông về tội Cố ý gây thương tích"], rotate=90, case_id=case_id
    )
    t.batch("upright", ["BIÊN BẢN lời khai của người làm chứng Hoàng Thị Mai tại trụ sở"], case_id=case_id)
    t.document("T-QD1", "qd_khoi_to_bi_can", "sideways", [1], date="2024-04-01", number="5/QĐ-CSĐT", case_id=case_id)
    t.document("T-BB1", "bien_ban_loi_khai", "upright", [1], date="2024-04-02", case_id=case_id)
    t.catalog.close()
    cli(t.home, "dossier", "rebuild", case_id)
    add_user(t.home, LEADER[0], "leader", "toi_mat", LEADER[1])
    with TestClient(create_app(load_settings(home=t.home))) as client:
        yield t.home, case_id, signed_in(client, *LEADER)


def test_boxes_follow_a_page_scanned_sideways_and_a_page_a_clerk_turned(turned):
    home, case_id, client = turned
    before = client.get("/api/v1/pages/T-BB1:1/image?w=400").headers["etag"]
    old_folder = next((home / "cache" / "pages" / case_id).iterdir())
    cli(home, "page", "rotate", "T-BB1:1", "--by", "90")  # rebuilds the dossier
    pdf = dossier_pdf(home, case_id)
    for page_id, query, words in (
        ("T-QD1:1", "pham van dong", ["Phạm", "Văn", "Đông"]),
        ("T-BB1:1", "hoang thi mai", ["Hoàng", "Thị", "Mai"]),
    ):
        page = client.get(f"/api/v1/pages/{page_id}").json()
        found = client.get(f"/api/v1/pages/{page_id}/words", params={"q": query}).json()
        assert [b["text"] for b in found["boxes"]] == words
        assert found["width"] > found["height"]  # A4 shown landscape, either way
        assert_boxes_cover_their_words(pdf, page["dossier_page"], found["boxes"])
        # and the rendered page has ink inside each box
        image = Image.open(io.BytesIO(client.get(f"/api/v1/pages/{page_id}/image?w=800").content)).convert("L")
        scale = image.width / found["width"]
        for box in found["boxes"]:
            crop = image.crop([round(v * scale) for v in (box["x0"], box["top"], box["x1"], box["bottom"])])
            assert min(crop.getdata()) < 100, (page_id, box)
    # the rebuilt dossier is drawn under a new key; the older drawings are gone
    after = client.get("/api/v1/pages/T-BB1:1/image?w=400").headers["etag"]
    assert after != before
    assert not old_folder.exists()
    assert [p.name for p in (home / "cache" / "pages" / case_id).iterdir()] == [after.strip('"').split("-")[0]]


# ---- the viewer page ---------------------------------------------------------------------------------


def test_viewer_has_the_contracts_elements(client):
    response = client.get("/pages/A-CT12:1", params={"q": "tran van duc"})
    assert response.status_code == 200
    html = Elements(response.text)
    viewer = html.by_id("viewer")
    page = client.get("/api/v1/pages/A-CT12:1").json()
    assert viewer["data-document-id"] == "A-CT12" and viewer["data-seq"] == "1"
    assert viewer["data-case-id"] == CASE_A and viewer["data-but-luc"] == "4"
    assert viewer["data-dossier-page"] == str(page["dossier_page"]) != "4"  # front matter comes first
    assert html.by_id("page-image")["src"] == "/api/v1/pages/A-CT12:1/image?w=1000"
    assert html.by_id("page-boxes")["viewbox"] == f"0 0 {page['width']} {page['height']}"
    rects = html.with_class("rect", "hit-box")
    assert len(rects) == 3
    words = client.get("/api/v1/pages/A-CT12:1/words", params={"q": "tran van duc"}).json()["boxes"]
    assert float(rects[0]["x"]) == words[0]["x0"] and float(rects[0]["y"]) == words[0]["top"]
    for element_id in (
        "page-text",
        "citation",
        "copy-citation",
        "jump-form",
        "but-luc",
        "zoom-in",
        "zoom-out",
        "print-page",
    ):
        assert html.by_id(element_id) is not None, element_id
    assert html.by_id("jump-form")["action"] == f"/cases/{CASE_A}/but-luc"
    assert html.by_id("prev-page")["href"] == "/pages/A-HC1:2?q=tran+van+duc"
    assert html.by_id("next-page") is None  # the last page of the dossier
    assert "Hồ sơ 2024-HS-0123, bút lục 4 — Cáo trạng số 12/CT-VKS-P2 ngày 03/05/2024</p>" in response.text
    assert "<mark>Trần</mark> <mark>Văn</mark> <mark>Đức</mark>" in response.text
    assert '<script src="/static/viewer.js">' in response.text and "style=" not in response.text


def test_previous_and_next_walk_the_dossier_in_order_across_documents(client):
    page_id, seen = "A-QD47:1", []
    while page_id:
        page = client.get(f"/api/v1/pages/{page_id}").json()
        seen.append((page_id, page["but_luc"], page["dossier_page"]))
        page_id = page["next"]
    assert [s[0] for s in seen] == ["A-QD47:1", "A-HC1:1", "A-HC1:2", "A-CT12:1"]
    assert [s[1] for s in seen] == [1, 2, 3, 4]
    assert [s[2] - seen[0][2] for s in seen] == [0, 1, 2, 3]
    assert client.get("/api/v1/pages/A-HC1:1").json()["prev"] == "A-QD47:1"


def test_jump_by_but_luc_redirects_to_that_page_keeping_the_query(client):
    response = client.get(f"/cases/{CASE_A}/but-luc", params={"but_luc": "3", "q": "xe máy"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/pages/A-HC1:2?q=xe+m%C3%A1y"
    assert client.get(f"/cases/{CASE_A}/but-luc?but_luc=99").status_code == 404
    for bad in ("abc", "²", "9" * 5000, "-1"):
        assert client.get(f"/cases/{CASE_A}/but-luc", params={"but_luc": bad}).status_code == 400, bad
    assert client.get("/cases/2099-HS-0001/but-luc?but_luc=1").status_code == 404


@pytest.mark.parametrize(
    "page_id",
    [
        "A-CT12:9",
        "A-CT12:0",
        "A-CT12:²",
        "A-CT12:" + "9" * 5000,
        "NO-SUCH:1",
        "A-CT12",
        "..:1",
        "..%2F..%2Fcatalog.sqlite:1",
        "%2e%2e%2fetc%2fpasswd:1",
    ],
)
def test_unknown_or_crafted_page_ids_are_404_without_a_path(client, home, page_id):
    for url in (f"/api/v1/pages/{page_id}", f"/api/v1/pages/{page_id}/image", f"/api/v1/pages/{page_id}/words"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["name"] == "NOT_FOUND"
        assert str(home) not in response.text and "/tmp" not in response.text
    page = client.get(f"/pages/{page_id}")
    assert page.status_code == 404 and str(home) not in page.text
    assert "Không tìm thấy" in page.text
