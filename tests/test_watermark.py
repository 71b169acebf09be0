"""Traceable copies (issue 13): every served dossier PDF, page image and export carries the mark of
who took it and when; the archival dossier, its manifest and the plain page drawings stay as they were."""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from pathlib import Path

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from PIL import Image, ImageChops

import ingest.audit
from dossier_kit import cli, cli_json
from ingest.access import Access, User
from pipeline.config import load_settings
from pipeline.dossier.watermark import XMP_NAMESPACE, mark_pdf
from pipeline.hashing import sha256_file
from web.app import create_app
from web.deps import get_access
from web_kit import CASE_A, build_web_home

MARK = "Bản sao của"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return build_web_home(tmp_path_factory.mktemp("watermark"))


@pytest.fixture(scope="module")
def client(home):
    """The web app with the signed-in user named by the test's `X-Test-User` header (until sign-in merges)."""
    app = create_app(load_settings(home=home))

    def signed_in(request: Request):
        sessions = request.app.state.sessions
        name = request.headers.get("x-test-user", "kiemsat1")
        with sessions.lease() as (catalog, backend):
            yield Access(sessions.settings, catalog, backend, User(name, role="leader", address="127.0.0.1"))

    app.dependency_overrides[get_access] = signed_in
    with TestClient(app) as client:
        yield client


@pytest.fixture
def audit(monkeypatch) -> list[dict]:
    """The rows `Access.record` appends (the audit trail itself is tested with it)."""
    rows: list[dict] = []
    monkeypatch.setattr(ingest.audit, "append", lambda settings, catalog, **row: rows.append(row))
    return rows  # with the CLI's generic row of each data-changing command (action "cli")


def archival(home: Path) -> Path:
    return home / "dossiers" / CASE_A / f"{CASE_A}.pdf"


def words(pdf_bytes_or_path) -> list[list[str]]:
    source = io.BytesIO(pdf_bytes_or_path) if isinstance(pdf_bytes_or_path, bytes) else pdf_bytes_or_path
    with pdfplumber.open(source) as pdf:
        return [[w["text"] for w in page.extract_words()] for page in pdf.pages]


def inked(pdf: Path | bytes, index: int, scale: float = 1.0) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        return document[index].render(scale=scale).to_pil().convert("L")
    finally:
        document.close()


# ---- the dossier PDF -----------------------------------------------------------------------------


def test_downloaded_dossier_is_marked_on_every_page_its_text_kept(client, home, audit):
    before = sha256_file(archival(home))
    response = client.get(f"/cases/{CASE_A}/dossier.pdf")
    assert response.status_code == 200 and "no-store" in response.headers["cache-control"]
    copy = response.content
    original_words, copy_words = words(archival(home)), words(copy)
    assert len(copy_words) == len(original_words) == 6
    for page, (theirs, ours) in enumerate(zip(original_words, copy_words, strict=True), 1):
        text = " ".join(ours)
        assert f"{MARK} kiemsat1 ·" in text and "· hoso" in text, page
        assert ours[: len(theirs)] == theirs, page  # the page's own words, untouched, then the mark's line
    with pikepdf.open(io.BytesIO(copy)) as pdf:
        assert str(pdf.docinfo["/HosoCopyTakenBy"]) == "kiemsat1"
        assert datetime.datetime.fromisoformat(str(pdf.docinfo["/HosoCopyTakenAt"]))
        meta = pdf.open_metadata()
        assert meta[f"{{{XMP_NAMESPACE}}}takenBy"] == "kiemsat1"
        assert str(pdf.docinfo["/Title"]) == f"Hồ sơ {CASE_A}"  # the dossier's own metadata stays
    [download] = [row for row in audit if row["action"] == "dossier.download"]
    assert download["who"] == "kiemsat1"
    assert download["detail"] == {"case": CASE_A, "version": 1, "sha256": hashlib.sha256(copy).hexdigest()}
    assert sha256_file(archival(home)) == before
    assert not list((home / "cache" / "copies").glob("*.pdf"))  # the copy was removed once sent
    assert cli_json(home, "verify", CASE_A)["problems"] == []


def test_mark_stays_clear_of_the_bút_lục_corners_and_keeps_black_ink_black(home, tmp_path):
    copy = tmp_path / "copy.pdf"
    mark_pdf(archival(home), copy, "kiemsat1", datetime.datetime(2025, 3, 15, 10, 5))
    for index in range(6):
        plain, marked = inked(archival(home), index), inked(copy, index)
        changed = ImageChops.difference(plain, marked).point(lambda v: 255 * (v > 8))
        x0, y0, x1, y1 = changed.getbbox()
        width, height = plain.size
        corner = 80  # points: the stamp is 12 pt in from the edge, 25 pt high and about 40 pt wide
        assert not (x1 > width - corner and y0 < corner), index  # top right (the bút lục)
        assert not (x0 < corner and y0 < corner), index  # top left
        assert x0 > corner and x1 < width - corner, index  # bottom corners too
        # Multiplied: the page's ink stays as dark under the mark (glyph edges aside: anti-aliasing).
        ink = plain.point(lambda v: 255 * (v < 150))
        faded = ImageChops.multiply(ink, marked.point(lambda v: 255 * (v > 170)))
        assert faded.histogram()[255] < ink.histogram()[255] / 100, index


def test_mark_is_upright_on_a_turned_page(home, tmp_path):
    turned = tmp_path / "turned.pdf"
    with pikepdf.open(archival(home)) as pdf:
        pdf.pages[2].obj["/Rotate"] = 90
        pdf.save(turned)
    copy = tmp_path / "copy.pdf"
    mark_pdf(turned, copy, "kiemsat1", datetime.datetime(2025, 3, 15, 10, 5))
    plain, marked = inked(turned, 2), inked(copy, 2)
    assert plain.width > plain.height  # displayed sideways
    bottom = (0, plain.height - 20, plain.width, plain.height)
    # The small line runs along the bottom of the page as displayed, centred.
    x0, _, x1, _ = ImageChops.difference(plain.crop(bottom), marked.crop(bottom)).getbbox()
    assert x0 > plain.width * 0.2 and x1 < plain.width * 0.8


# ---- page images ---------------------------------------------------------------------------------------


def test_page_image_is_marked_per_user_with_its_own_etag_the_drawing_stays_plain(client, home, audit):
    url = "/api/v1/pages/A-HC1:2/image?w=1000"
    first = client.get(url)
    dossier_page = client.get("/api/v1/pages/A-HC1:2").json()["dossier_page"]
    plain_file = next((home / "cache" / "pages" / CASE_A).glob(f"*/{dossier_page}-1000.png"))
    plain, stamp = plain_file.read_bytes(), plain_file.stat().st_mtime_ns
    other = client.get(url, headers={"x-test-user": "kiemsat2"})
    assert first.status_code == other.status_code == 200
    assert len({first.content, other.content, plain}) == 3
    assert first.headers["etag"] != other.headers["etag"]
    images = [row for row in audit if row["action"] == "page.image"]
    assert [row["detail"]["sha256"] for row in images] == [
        hashlib.sha256(r.content).hexdigest() for r in (first, other)
    ]
    assert [row["who"] for row in images] == ["kiemsat1", "kiemsat2"]
    assert images[0]["detail"]["page"] == "A-HC1:2" and images[0]["detail"]["width"] == 1000
    # The same copy again, from its cache, recorded once; the browser's copy revalidates (304) for its user only.
    again = client.get(url)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert len([row for row in audit if row["action"] == "page.image"]) == 2
    assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    assert (
        client.get(url, headers={"If-None-Match": first.headers["etag"], "x-test-user": "kiemsat2"}).status_code == 200
    )
    assert plain_file.read_bytes() == plain and plain_file.stat().st_mtime_ns == stamp
    # The mark is drawn where the paper is: grey on white, the ink left alone.
    shown = Image.open(io.BytesIO(first.content)).convert("L")
    drawn = Image.open(io.BytesIO(plain)).convert("L")
    changed = ImageChops.difference(drawn, shown)
    assert changed.getbbox() is not None
    assert (
        ImageChops.multiply(drawn.point(lambda v: 255 * (v < 100)), changed.point(lambda v: 255 * (v > 8))).getbbox()
        is None
    )


def test_thumbnail_and_outlined_page_are_marked_too(client):
    thumb = client.get("/api/v1/pages/A-CT12:1/image?w=160")
    boxed = client.get("/api/v1/pages/A-CT12:1/image?w=1000&q=tran")
    plain = client.get("/api/v1/pages/A-CT12:1/image?w=1000")
    assert Image.open(io.BytesIO(thumb.content)).width == 160
    assert boxed.headers["etag"] != plain.headers["etag"] and boxed.content != plain.content
    other = client.get("/api/v1/pages/A-CT12:1/image?w=160", headers={"x-test-user": "kiemsat2"})
    assert other.content != thumb.content


# ---- the command line --------------------------------------------------------------------------------------


def test_export_out_is_marked_for_the_cli_user_and_the_bundle_is_the_archival_dossier(
    home, tmp_path, monkeypatch, audit
):
    monkeypatch.setenv("HOSO_USER", "thuky1")
    out = tmp_path / "copy.pdf"
    bundle = tmp_path / "bundle.zip"
    exported = cli_json(home, "dossier", "export", CASE_A, "--out", str(out), "--bundle", str(bundle))
    assert exported["pdf_sha256"] == sha256_file(out) != exported["sha256"] == sha256_file(archival(home))
    assert all(f"{MARK} cli:thuky1 ·" in " ".join(page) for page in words(out))
    with pikepdf.open(out) as pdf:
        assert str(pdf.docinfo["/HosoCopyTakenBy"]) == "cli:thuky1"
    with zipfile.ZipFile(bundle) as zipped:
        inside = next(n for n in zipped.namelist() if n.endswith(f"{CASE_A}.pdf"))
        assert zipped.read(inside) == archival(home).read_bytes()
    cli(home, "verify", "--bundle", str(bundle))
    exports = [r for r in audit if r["action"] != "cli"]
    assert [(r["action"], r["who"], r["address"]) for r in exports] == [("dossier.export", "cli:thuky1", "cli")] * 2
    assert exports[0]["detail"]["sha256"] == exported["pdf_sha256"]
    assert exports[1]["detail"] == {"case": CASE_A, "version": 1, "bundle": True, "sha256": exported["bundle_sha256"]}
    assert not list(tmp_path.glob(".*.part"))
