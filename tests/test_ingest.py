"""The vertical slice end to end through the real CLI: real OCR on a small corpus case."""

from __future__ import annotations

import json

import pikepdf
import pytest

from conftest import FIXTURE_CASE, hoso, hoso_json
from pipeline.hashing import sha256_file
from pipeline.text import fold, normalize

pytestmark = pytest.mark.ocr


def fixture_batches(truth):
    return [b for b in truth["batches"] if b["case_id"] == FIXTURE_CASE]


def test_every_file_is_done_with_its_documents(ocr_home, truth):
    files = ocr_home["report"]["files"]
    assert {f["status"] for f in files} == {"done"}
    assert all(f["case_id"] == FIXTURE_CASE for f in files)
    expected_pages = sum(d["pages"][1] - d["pages"][0] + 1 for b in fixture_batches(truth) for d in b["documents"])
    assert sum(f["pages"] for f in files) == expected_pages


def test_dossier_show_lists_documents_with_sources(ocr_home, truth):
    shown = hoso_json(ocr_home["home"], "dossier", "show", FIXTURE_CASE, "--text")
    assert shown["case_id"] == FIXTURE_CASE
    docs = shown["documents"]
    expected = [d for b in fixture_batches(truth) for d in b["documents"]]
    assert len(docs) == len(expected)
    pages = [p for d in docs for p in range(d["dossier_pages"][0], d["dossier_pages"][1] + 1)]
    # The dossier opens with its cover and Mục lục (issue 6); the documents tile the pages after them.
    assert pages == list(range(pages[0], pages[0] + len(pages))), "documents tile the dossier in order"
    for doc in docs:
        assert set(doc) >= {"id", "type", "number", "date", "title", "dossier_pages", "sources", "pages_text"}
        assert len(doc["pages_text"]) == doc["dossier_pages"][1] - doc["dossier_pages"][0] + 1
        for source in doc["sources"]:
            archived = ocr_home["inbox"] / FIXTURE_CASE / source["file"]
            assert sha256_file(archived) == source["sha256"]
    assert {d["type"] for d in docs} == {d["type"] for d in expected}


def test_search_finds_truth_phrase_with_and_without_diacritics(ocr_home, truth):
    doc = next(d for d in (d for b in fixture_batches(truth) for d in b["documents"]) if d["type"] == "qd_phe_chuan")
    phrase = normalize(doc["subtitle"])  # e.g. "Phê chuẩn quyết định khởi tố bị can"
    for query in (phrase, fold(phrase).lower()):
        result = hoso_json(ocr_home["home"], "search", query)
        assert result["total"] >= 1, query
        top = result["hits"][0]
        assert top["case_id"] == FIXTURE_CASE
        assert top["doc_type"] == "qd_phe_chuan"
        assert "<mark>" in top["snippet"] and "Phê" in top["snippet"]
        shown = hoso_json(ocr_home["home"], "dossier", "show", FIXTURE_CASE)
        target = next(d for d in shown["documents"] if d["id"] == top["document_id"])
        assert target["dossier_pages"][0] <= top["page"] <= target["dossier_pages"][1]


def test_dossier_pdf_and_manifest_agree(ocr_home, tmp_path):
    home = ocr_home["home"]
    out = tmp_path / "hs.pdf"
    exported = hoso_json(home, "dossier", "export", FIXTURE_CASE, "--out", str(out))
    manifest = json.loads((home / "dossiers" / FIXTURE_CASE / "manifest.json").read_text(encoding="utf-8"))
    shown = hoso_json(home, "dossier", "show", FIXTURE_CASE)
    with pikepdf.open(out) as pdf:
        with pdf.open_outline() as outline:
            bookmarks = [item.title for item in outline.root]
        last_page = max(d["dossier_pages"][1] for d in shown["documents"])
        assert len(pdf.pages) >= last_page
    assert len(bookmarks) >= len(shown["documents"])
    assert exported["pdf_sha256"] == sha256_file(out)
    for original in manifest["originals"]:
        assert sha256_file(original["archive"]) == original["sha256"]
    assert [d["id"] for d in manifest["documents"]] == [d["id"] for d in shown["documents"]]


def test_same_bytes_again_is_a_duplicate_and_under_another_case_is_linked(ocr_home):
    home, inbox = ocr_home["home"], ocr_home["inbox"]
    one_file = inbox / FIXTURE_CASE / "scan_2024-HS-7003_2.pdf"
    again = hoso_json(home, "ingest", str(one_file), "--case", FIXTURE_CASE)
    assert [f["status"] for f in again["files"]] == ["duplicate"]
    other = hoso_json(home, "ingest", str(one_file), "--case", "2024-HS-9999")
    assert [f["status"] for f in other["files"]] == ["done"]
    assert other["files"][0]["documents"] >= 1
    assert len(hoso_json(home, "dossier", "show", "2024-HS-9999")["documents"]) >= 1
    status = hoso_json(home, "status")
    assert status["files"]["duplicate"] >= 1 and status["cases"] >= 2


def test_status_reports_catalog(ocr_home):
    status = hoso_json(ocr_home["home"], "status")
    assert set(status) >= {"files", "unassigned", "cases", "documents", "pages", "quarantine"}
    assert set(status["files"]) == {"queued", "processing", "done", "duplicate", "quarantined"}
    assert status["documents"] >= 4 and status["pages"] >= 4


def test_unknown_case_is_not_found(ocr_home):
    result = hoso(ocr_home["home"], "dossier", "show", "2099-HS-0000", check=False)
    assert result.returncode == 5
    assert "no case" in result.stderr


def test_reindex_rebuilds_the_embedded_index(ocr_home):
    before = hoso_json(ocr_home["home"], "search", "quyết định")["total"]
    rebuilt = hoso_json(ocr_home["home"], "reindex", "--recreate")
    assert rebuilt["pages"] >= 4
    assert hoso_json(ocr_home["home"], "search", "quyết định")["total"] == before


def test_doctor_checks_the_machine(ocr_home):
    report = hoso_json(ocr_home["home"], "doctor")
    assert report["ok"], report
    assert {"vie", "osd"} <= set(report["checks"]["tesseract"]["languages"])
    assert report["checks"]["handwriting"]["version"].endswith("2 models")  # both loaded, not only found
    assert report["checks"]["catalog"]["integrity_check"] == "ok"
