"""Real papers first: page 1 of every real document of ../shared/corpus/real-dev, ingested through the
real CLI (real OCR), is found by the words of its labelled trích yếu — e-signed scans included, whose
only text layer was the signature stamp. Each file goes under a case of its own, so a hit names its file."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from conftest import hoso_json, shared_or_skip
from dossier_kit import cli_json
from pipeline.text import fold

pytestmark = pytest.mark.ocr

QUERY_WORDS = 8  # enough to single out a document, few enough that one OCR slip rarely spoils them all


def first_documents() -> list[tuple[str, dict]]:
    labels = json.loads(shared_or_skip("corpus/real-dev/labels.json").read_text(encoding="utf-8"))
    return [(item["file"], item["documents"][0]) for item in labels["items"]]


@pytest.fixture(scope="module")
def real_home(tmp_path_factory):
    corpus = shared_or_skip("corpus/real-dev")
    root = tmp_path_factory.mktemp("real-dev")
    cases = {}
    for n, (name, _) in enumerate(first_documents(), 1):
        case_id = f"2025-HS-{n:04d}"
        folder = root / "inbox" / case_id
        folder.mkdir(parents=True)
        subprocess.run(
            ["qpdf", "--empty", "--pages", str(corpus / name), "1", "--", str(folder / "p1.pdf")], check=True
        )
        cases[name] = case_id
    home = root / "home"
    report = hoso_json(home, "ingest", str(root / "inbox"), env={"HOSO_OCR_JOBS": "2"})
    return {"home": home, "cases": cases, "report": report}


def test_every_first_page_is_ingested(real_home):
    assert {f["status"] for f in real_home["report"]["files"]} == {"done"}


@pytest.mark.parametrize("name,document", first_documents(), ids=lambda v: v if isinstance(v, str) else "")
def test_page_one_is_found_by_its_subtitle(real_home, name, document):
    words = re.findall(r"\w+", fold(document["subtitle"]).lower())
    if words[:2] == ["ve", "viec"]:
        words = words[2:]
    query = " ".join(words[:QUERY_WORDS])
    case_id = real_home["cases"][name]
    result = cli_json(real_home["home"], "search", query, "--case", case_id)
    assert result["total"] >= 1, (name, query)
    assert result["hits"][0]["but_luc"] == 1


def test_e_signature_text_is_not_the_body(real_home):
    # The signature stamps' words ("Thời gian ký: ...") are facts of the document, not searchable page text.
    labels = json.loads(shared_or_skip("corpus/real-dev/labels.json").read_text(encoding="utf-8"))
    signed = [i["file"] for i in labels["items"] if i["kind"] == "scan" and i["text_layer_chars"] > 0]
    assert len(signed) >= 15
    for name in signed:
        assert (
            cli_json(real_home["home"], "search", '"thời gian ký"', "--case", real_home["cases"][name])["total"] == 0
        ), name
