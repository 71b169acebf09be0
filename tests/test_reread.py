"""A home filled before every page was judged by what it shows: `hoso reprocess --ocr` reads again the
pages whose text layer was kept, and `hoso review` shows the header a person must read.

The scan is page 1 of a real e-signed Chỉ thị (../shared/corpus/real-dev): its only text layer is the
e-signature stamp; the number "04" and the day "15" are written by hand.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from conftest import shared_or_skip
from dossier_kit import CASE, UNIT, cli, cli_json, tiny_home
from index import open_backend
from ingest.consume import Consumer
from pipeline.store.catalog import Catalog

pytestmark = pytest.mark.ocr

REAL = "corpus/real-dev/files/qng_04-CT-UBND_20240315.pdf"
SUBTITLE = "tăng cường công tác phòng, chống tham nhũng"


@pytest.fixture(scope="module")
def old_home(tmp_path_factory):
    return filed_the_old_way(tmp_path_factory.mktemp("reread"))


def filed_the_old_way(root: Path) -> Path:
    """The scan filed as the old OCR stage filed it: its e-signature layer kept, page never OCRed."""
    source = shared_or_skip(REAL)
    inbox = root / "inbox" / CASE
    inbox.mkdir(parents=True)
    original = inbox / "chi_thi.pdf"
    subprocess.run(["qpdf", "--empty", "--pages", str(source), "1", "--", str(original)], check=True)
    t = tiny_home(root)
    (t.home / "hoso.toml").write_text(f'unit = "{UNIT}"\n', encoding="utf-8")
    backend = open_backend(t.settings, t.catalog)
    consumer = Consumer(t.settings, t.catalog, backend)
    sha, file_id = t.store_scan(original, case_id=CASE)
    with t.catalog.transaction():
        t.catalog.db.execute("UPDATE pages SET layer = NULL WHERE batch_id = ?", (sha,))  # as before issue 9
        pages = t.catalog.batch_pages(sha)
        count, cases = consumer.file_documents(t.catalog.get_file(file_id), pages)
        t.catalog.set_file_state(file_id, "done", pages=len(pages), documents=count)
    consumer.refresh_cases(cases)
    backend.close()
    t.catalog.close()
    return t.home


def test_an_old_home_kept_the_layer_and_finds_nothing(old_home):
    assert cli_json(old_home, "search", SUBTITLE)["hits"] == []


def test_reprocess_ocr_reads_the_page_and_review_shows_the_header(old_home):
    report = cli_json(old_home, "reprocess", "--ocr", CASE)
    assert (report["reread_batches"], report["reread_pages"]) == (1, 1)

    hits = cli_json(old_home, "search", SUBTITLE)["hits"]
    assert [h["page"] for h in hits][:1] and hits[0]["but_luc"] == 1

    doc = cli_json(old_home, "dossier", "show", CASE)["documents"][0]
    assert doc["type"] == "chi_thi"
    assert doc["symbol"] == "CT-UBND"
    assert doc["month"] == "2024-03"
    # The e-signature is kept as a fact, and its signing day (18/03) never becomes the document's date.
    assert any((e["signed_at"] or "").startswith("2024-03-18") for e in doc["esignatures"])
    assert doc["date"] in (None, "2024-03-15")
    assert doc["number"] in (None, "04/CT-UBND")  # the hand-written "04": read exactly, or left for review

    if doc["number"] is None or doc["date"] is None:
        item = next(i for i in cli_json(old_home, "review")["documents"] if i["id"] == doc["id"])
        crops = item["crops"]
        assert set(crops) == {f for f in ("number", "date") if doc[f] is None}
        with Image.open(next(iter(crops.values()))) as crop:
            width, height = crop.size
        assert width > 1000 and 0.3 < height / width < 0.6  # the top third of an A4 page at 150 dpi


def test_a_scan_that_cannot_be_read_again_keeps_its_pages_and_says_so(tmp_path):
    home = filed_the_old_way(tmp_path)
    before = cli_json(home, "dossier", "show", CASE)["documents"]
    shutil.rmtree(home / "archive")  # the archived original is gone (a disk replaced, a bad restore)
    result = cli(home, "reprocess", "--ocr", CASE, code=1)
    assert "could not be read again and keeps its old page texts" in " ".join(result.stderr.split())
    assert cli_json(home, "search", SUBTITLE)["hits"] == []
    assert cli_json(home, "dossier", "show", CASE)["documents"] == before  # the old reading stays filed
    catalog = Catalog(home / "catalog.sqlite")
    try:
        (batch,) = catalog.batches()
        assert [p.layer for p in catalog.batch_pages(batch["id"])] == ["kept"]  # still waiting to be read
    finally:
        catalog.close()
