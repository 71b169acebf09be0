"""`hoso retry`: quarantined files go back in from their quarantine copy once the cause is fixed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from test_watch_support import WatchProcess, by_path, drop, hoso, hoso_json, inbox_files, scan_bytes

pytestmark = pytest.mark.ocr

CASE = "2024-HS-0301"
TINY_LIMIT = {"HOSO_MAX_PIXELS": "1000"}  # every page is "too big": the cause a clerk's admin fixes


def quarantine_folders(home: Path) -> list[Path]:
    root = home / "quarantine"
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []


def test_retry_after_batch_ingest(tmp_path):
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    page = drop(inbox / CASE / "page.jpg", scan_bytes(21, "jpg"))
    report = hoso_json(home, "ingest", str(inbox), check=False, env=TINY_LIMIT)
    assert [f["status"] for f in report["files"]] == ["quarantined"]
    assert len(quarantine_folders(home)) == 1

    # Still broken: it stays quarantined (exit 3), listed once, its copy moved to a new folder.
    again = hoso(home, "retry", "--all", "--json", check=False, env=TINY_LIMIT)
    assert again.returncode == 3
    assert len(hoso_json(home, "status")["quarantine"]) == 1
    assert len(quarantine_folders(home)) == 1

    # Fixed: done, not a duplicate; the quarantine copy is gone once archived.
    fixed = hoso_json(home, "retry", "--all")
    assert [(f["status"], f["case_id"], f["pages"]) for f in fixed["files"]] == [("done", CASE, 1)]
    status = hoso_json(home, "status")
    assert status["quarantine"] == [] and status["files"]["done"] == 1
    assert quarantine_folders(home) == []
    sha = hashlib.sha256(page.read_bytes()).hexdigest()
    assert (home / "archive" / sha[:2] / f"{sha}.jpg").exists()
    assert page.exists()  # batch ingest never touches the inbox
    assert hoso_json(home, "search", "khoi to vu an", "--case", CASE)["total"] >= 1
    assert hoso_json(home, "retry", "--all")["files"] == []


def test_retry_a_file_the_watcher_quarantined(tmp_path):
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    (inbox / CASE).mkdir(parents=True)
    with WatchProcess(home, [inbox], **TINY_LIMIT) as watcher:
        drop(inbox / CASE / "big.jpg", scan_bytes(22, "jpg"))
        records = watcher.wait_records(lambda rs: "big.jpg" in by_path(rs), 60, "the quarantine")
        assert by_path(records)["big.jpg"][0]["status"] == "quarantined"
        assert "limit" in by_path(records)["big.jpg"][0]["reason"]
        watcher.stop()
    assert inbox_files(inbox) == []  # the watcher moved it out: not retried forever

    assert hoso(home, "retry", check=False).returncode == 2
    assert hoso(home, "retry", str(inbox / CASE / "other.jpg"), check=False).returncode == 5
    [listed] = hoso_json(home, "status")["quarantine"]
    fixed = hoso_json(home, "retry", listed["path"])
    assert [(f["status"], f["case_id"]) for f in fixed["files"]] == [("done", CASE)]
    assert quarantine_folders(home) == []
    shown = hoso_json(home, "dossier", "show", CASE)
    assert [s["file"] for d in shown["documents"] for s in d["sources"]] == ["big.jpg"]
