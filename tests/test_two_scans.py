"""Two papers scanned as two files and ingested together stay two documents (issue 11, item 3): the
second file's first page is a new paper with its own title, not the continuation of the paper before it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import hoso, hoso_json

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "more"


@pytest.mark.ocr
def test_an_arrest_warrant_does_not_swallow_the_interrogation_record_scanned_after_it(tmp_path):
    home = tmp_path / "home"
    hoso(
        home, "ingest", str(SAMPLES / "lenh_bat.pdf"), str(SAMPLES / "bien_ban_hoi_cung.pdf"), "--case", "2025-HS-0003"
    )
    documents = hoso_json(home, "dossier", "show", "2025-HS-0003")["documents"]
    assert [d["type"] for d in documents] == ["lenh_bat", "bien_ban_hoi_cung"]
    assert [d["but_luc"] for d in documents] == [[1, 1], [2, 2]]
    assert [d["sources"][0]["file"] for d in documents] == ["lenh_bat.pdf", "bien_ban_hoi_cung.pdf"]
    assert documents[0]["number"] == "07/LB-CSĐT"
