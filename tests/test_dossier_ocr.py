"""The e-dossier of a really OCRed case (the session's `ocr_home`, no OCR of its own)."""

from __future__ import annotations

import json
from pathlib import Path

import pdfplumber
import pytest

from conftest import FIXTURE_CASE, hoso, hoso_json
from dossier_kit import labels, outline, stamp_text, toc_rows
from pipeline.dossier.pdfa import structural_check
from pipeline.text import normalize

pytestmark = pytest.mark.ocr


@pytest.fixture(scope="module")
def shown(ocr_home):
    return hoso_json(ocr_home["home"], "dossier", "show", FIXTURE_CASE)


@pytest.fixture(scope="module")
def manifest(shown):
    return json.loads((Path(shown["dossier"]).parent / "manifest.json").read_text(encoding="utf-8"))


def test_show_and_search_give_but_luc_beside_pages(ocr_home, shown, manifest, truth):
    front = manifest["dossier"]["front_pages"]
    docs = shown["documents"]
    pages = [p for d in docs for p in range(d["dossier_pages"][0], d["dossier_pages"][1] + 1)]
    assert pages == list(range(front + 1, front + 1 + len(pages))), "documents tile the dossier after the front matter"
    numbers = [n for d in docs for n in range(d["but_luc"][0], d["but_luc"][1] + 1)]
    assert numbers == list(range(1, len(pages) + 1))
    assert [d["type"] for d in docs] == ["qd_khoi_to_vu_an", "qd_khoi_to_bi_can", "qd_phe_chuan", "ban_an"]

    subtitle = next(
        d["subtitle"]
        for b in truth["batches"]
        if b["case_id"] == FIXTURE_CASE
        for d in b["documents"]
        if d["type"] == "qd_phe_chuan"
    )
    hit = hoso_json(ocr_home["home"], "search", normalize(subtitle), "--case", FIXTURE_CASE)["hits"][0]
    doc = next(d for d in docs if d["id"] == hit["document_id"])
    assert hit["page"] - doc["dossier_pages"][0] == hit["but_luc"] - doc["but_luc"][0]
    assert hit["but_luc"] == hit["page"] - front


def test_ocr_text_layer_survives_stamping_and_agrees_with_toc(ocr_home, shown, manifest, truth):
    pdf_path = Path(shown["dossier"])
    front = manifest["dossier"]["front_pages"]
    target = next(d for d in shown["documents"] if d["type"] == "qd_phe_chuan")
    index = target["dossier_pages"][0] - 1
    with pdfplumber.open(pdf_path) as pdf:
        text = normalize(pdf.pages[index].extract_text())
    for phrase in ("Phê chuẩn quyết định khởi tố bị can", "Bộ luật Tố tụng hình sự"):
        assert phrase in text, phrase
    assert stamp_text(pdf_path, index) == str(target["but_luc"][0])
    assert labels(pdf_path)[index] == str(target["but_luc"][0])
    rows = toc_rows(pdf_path, front)
    assert [(r.first, r.last) for r in rows] == [tuple(d["but_luc"]) for d in shown["documents"]]
    assert [m[1] + 1 for m in outline(pdf_path)[2:]] == [d["dossier_pages"][0] for d in shown["documents"]]


def test_real_dossier_is_pdfa_and_verifies(ocr_home, shown, manifest):
    assert manifest["dossier"]["pdfa"] == {"flavour": "2b", "method": "pikepdf", "validated": True}
    assert structural_check(Path(shown["dossier"])) == []
    assert hoso(ocr_home["home"], "verify", FIXTURE_CASE).returncode == 0
