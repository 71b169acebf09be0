"""Bad and odd inputs: quarantined with a reason, the batch goes on, originals untouched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pikepdf
import pytest

from conftest import REPO, hoso, hoso_json
from pipeline.hashing import sha256_file

pytestmark = pytest.mark.ocr
SAMPLES = REPO / "samples"

BAD = {
    "empty.pdf": "empty",
    "corrupt.pdf": "damaged",
    "encrypted.pdf": "encrypted",
    "notes.docx": "unsupported file type",
    "huge.png": "pixels",
}


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    inbox = tmp_path_factory.mktemp("inbox") / "2025-HS-0100"
    inbox.mkdir()
    for name in BAD:
        shutil.copy(SAMPLES / "bad" / name, inbox / name)
    shutil.copy(SAMPLES / "more" / "thong_bao.pdf", inbox / "thong_bao.pdf")  # one good scan among them
    before = {p.name: sha256_file(p) for p in inbox.iterdir()}
    home = tmp_path_factory.mktemp("home")
    result = hoso(home, "ingest", str(inbox), "--json", check=False)
    return {
        "home": home,
        "inbox": inbox,
        "before": before,
        "result": result,
        "report": {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]},
    }


def test_exit_code_says_some_input_was_quarantined(bad_run):
    assert bad_run["result"].returncode == 3, bad_run["result"].stderr


def test_each_bad_file_is_quarantined_with_a_plain_reason(bad_run):
    for name, words in BAD.items():
        outcome = bad_run["report"][name]
        assert outcome["status"] == "quarantined", outcome
        assert words in outcome["reason"], outcome


def test_the_good_file_in_the_same_batch_goes_through(bad_run):
    assert bad_run["report"]["thong_bao.pdf"]["status"] == "done"
    assert hoso_json(bad_run["home"], "search", "thông báo", "--case", "2025-HS-0100")["total"] >= 1


def test_originals_stay_byte_identical_and_quarantine_keeps_copies(bad_run):
    after = {p.name: sha256_file(p) for p in bad_run["inbox"].iterdir()}
    assert after == bad_run["before"]
    quarantine = bad_run["home"] / "quarantine"
    for name in BAD:
        [folder] = [f for f in quarantine.iterdir() if f.name.endswith(name)]
        assert sha256_file(folder / name) == bad_run["before"][name]
        reason = (folder / f"{name}.reason.txt").read_text(encoding="utf-8")
        assert BAD[name] in reason


def test_status_lists_the_quarantine(bad_run):
    status = hoso_json(bad_run["home"], "status")
    assert status["files"]["quarantined"] == len(BAD)
    assert {Path(q["path"]).name for q in status["quarantine"]} == set(BAD)


@pytest.fixture(scope="module")
def odd_run(tmp_path_factory):
    inbox = tmp_path_factory.mktemp("odd") / "2025-HS-0002"
    shutil.copytree(SAMPLES / "inbox" / "2025-HS-0002", inbox)
    for name in ("signed.pdf", "legacy_tcvn3.pdf", "english_ocr.pdf"):
        shutil.copy(SAMPLES / "bad" / name, inbox / name)
    before = {p.name: sha256_file(p) for p in inbox.iterdir()}
    home = tmp_path_factory.mktemp("home")
    report = hoso_json(home, "ingest", str(inbox))
    return {
        "home": home,
        "inbox": inbox,
        "before": before,
        "report": {Path(f["path"]).name: f for f in report["files"]},
    }


def test_odd_but_valid_inputs_are_ingested(odd_run):
    assert {f["status"] for f in odd_run["report"].values()} == {"done"}, odd_run["report"]
    assert {p.name: sha256_file(p) for p in odd_run["inbox"].iterdir()} == odd_run["before"]


def test_signed_original_is_archived_untouched_and_recorded(odd_run):
    manifest = json.loads((odd_run["home"] / "dossiers" / "2025-HS-0002" / "manifest.json").read_text("utf-8"))
    signed = [o for o in manifest["originals"] if o["name"] == "signed.pdf"]
    assert signed and signed[0]["signed"] is True
    assert sha256_file(signed[0]["archive"]) == odd_run["before"]["signed.pdf"]
    with pikepdf.open(signed[0]["archive"]) as pdf:
        assert "/AcroForm" in pdf.Root


def test_junk_text_layers_are_read_again(odd_run):
    shown = hoso_json(odd_run["home"], "dossier", "show", "2025-HS-0002", "--text")
    texts = "\n".join(t for d in shown["documents"] for t in d["pages_text"])
    assert "Céng" not in texts and "CONG HOA XA HOI" not in texts  # TCVN3 junk and English OCR are gone
    assert texts.count("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") >= 4


def test_blank_page_is_dropped_and_upside_down_page_is_read(odd_run):
    shown = hoso_json(odd_run["home"], "dossier", "show", "2025-HS-0002", "--text")
    from_scan_1 = [d for d in shown["documents"] if d["sources"][0]["file"] == "scan_2025-HS-0002_1.pdf"]
    pages = sorted(p for d in from_scan_1 for s in d["sources"] for p in range(s["pages"][0], s["pages"][1] + 1))
    assert pages == [1, 3], "the blank page 2 is not in the dossier"
    upside_down = next(d for d in from_scan_1 if d["sources"][0]["pages"][0] == 3)
    assert "Không khởi tố" in upside_down["pages_text"][0] or "không khởi tố" in upside_down["pages_text"][0]


def test_png_with_alpha_is_flattened_on_white(odd_run):
    assert odd_run["report"]["scan_2025-HS-0002_2.png"]["pages"] == 1
    assert hoso_json(odd_run["home"], "search", "thong bao", "--case", "2025-HS-0002")["total"] >= 1


def test_a_dossier_that_cannot_be_built_is_reported_and_rebuilt_later(tmp_path):
    inbox = tmp_path / "inbox" / "2025-HS-0101"
    inbox.mkdir(parents=True)
    shutil.copy(SAMPLES / "more" / "thong_bao.pdf", inbox / "thong_bao.pdf")
    home = tmp_path / "home"
    blocker = home / "dossiers" / "2025-HS-0101"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where the case's dossier folder should be")
    result = hoso(home, "ingest", str(inbox), "--json", check=False)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["files"][0]["status"] == "done" and report["dossiers_not_built"] == ["2025-HS-0101"]
    assert "dossier rebuild" in result.stderr
    assert hoso_json(home, "status")["dossiers_not_built"] == ["2025-HS-0101"]
    assert hoso_json(home, "search", "thông báo")["total"] >= 1  # the scan is safe and searchable
    blocker.unlink()
    hoso(home, "dossier", "rebuild", "2025-HS-0101")
    assert hoso_json(home, "status")["dossiers_not_built"] == []
