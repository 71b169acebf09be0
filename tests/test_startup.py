"""The reading commands start fast: `hoso search`, `status` and `dossier show` never load the OCR
and PDF-writing libraries (how fast they start is measured by bench/search.py, not here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO
from dossier_kit import CASE, cli, tiny_home

HEAVY = ("ocrmypdf", "fpdf", "pikepdf", "numpy", "PIL", "pdfplumber", "onnxruntime")


@pytest.fixture
def home(tmp_path):
    kit = tiny_home(tmp_path)
    kit.batch("scan-1", ["QUYẾT ĐỊNH KHỞI TỐ VỤ ÁN HÌNH SỰ\nCơ quan Cảnh sát điều tra khởi tố vụ án."])
    kit.document("D1", "qd_khoi_to_vu_an", "scan-1", [1], date="2024-05-18")
    kit.catalog.close()
    cli(kit.home, "reindex")
    return kit.home


def run_alone(home, *args: str) -> tuple[dict, list[str]]:
    """One command in a fresh interpreter: its JSON output and the heavy libraries it loaded."""
    script = (
        "import json, sys\n"
        "from cli.main import app\n"
        f"code = app({['--home', str(home), *args, '--json']!r}, standalone_mode=False)\n"
        f"print(json.dumps([code, [m for m in {HEAVY!r} if m in sys.modules]]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    output, last = done.stdout.strip().rsplit("\n", 1)
    code, loaded = json.loads(last)
    assert code in (None, 0), (args, code, done.stderr)
    return json.loads(output), loaded


def test_search_loads_no_ocr_or_pdf_library(home):
    result, loaded = run_alone(home, "search", "khoi to vu an")
    assert [hit["document_id"] for hit in result["hits"]] == ["D1"]
    assert loaded == []


def test_status_loads_no_ocr_or_pdf_library(home):
    result, loaded = run_alone(home, "status")
    assert (result["documents"], result["pages"]) == (1, 1)
    assert loaded == []


def test_dossier_show_loads_no_ocr_or_pdf_library(home):
    result, loaded = run_alone(home, "dossier", "show", CASE, "--text")
    assert [doc["id"] for doc in result["documents"]] == ["D1"]
    assert "khởi tố vụ án" in result["documents"][0]["pages_text"][0]
    assert loaded == []
