"""`hoso watch` end to end: a real watcher process, real OCR on tiny 100 dpi pages."""

from __future__ import annotations

import hashlib
import os
import signal
import time
from pathlib import Path

import pytest

from test_watch_support import (
    WatchProcess,
    by_path,
    catalog_rows,
    drop,
    hoso,
    hoso_json,
    inbox_files,
    scan_bytes,
    wait_until,
)

pytestmark = pytest.mark.ocr

CASE = "2024-HS-0101"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_watched_inbox_end_to_end(tmp_path):
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    (inbox / CASE).mkdir(parents=True)
    slow, renamed, dup = scan_bytes(1), scan_bytes(2), scan_bytes(1)
    with WatchProcess(home, [inbox]) as watcher:
        # A scanner writing slowly, in chunks, each quicker than the stability delay.
        target = inbox / CASE / "slow.pdf"
        with open(target, "wb") as fh:
            for i in range(0, len(slow), len(slow) // 4 + 1):
                fh.write(slow[i : i + len(slow) // 4 + 1])
                fh.flush()
                time.sleep(0.15)
        # Temp name, then a rename into place.
        drop(inbox / CASE / "renamed.pdf", renamed)
        # A torn PDF next to good files; a .docx; loose JPEG pages; a file with no case folder.
        (inbox / CASE / "torn.pdf").write_bytes(renamed[: len(renamed) // 2])
        (inbox / CASE / "notes.docx").write_bytes(b"PK\x03\x04 not a scan")
        drop(inbox / CASE / "loose_p001.jpg", scan_bytes(3, "jpg"))
        drop(inbox / CASE / "loose_p002.jpg", scan_bytes(4, "jpg"))
        drop(inbox / "no-case.pdf", scan_bytes(5))
        # Hidden and temporary files are never touched.
        (inbox / CASE / ".hidden.pdf").write_bytes(slow)
        (inbox / CASE / "upload.pdf.part").write_bytes(slow)
        expected = {"slow.pdf", "renamed.pdf", "torn.pdf", "notes.docx", "loose_p001.jpg", "no-case.pdf"}
        records = watcher.wait_records(lambda rs: expected <= set(by_path(rs)), 120, "every file handled")
        # The same bytes dropped again under another name: a duplicate, not a second copy.
        drop(inbox / CASE / "again.pdf", dup)
        records = watcher.wait_records(lambda rs: "again.pdf" in by_path(rs), 60, "the duplicate")
        assert watcher.stop(signal.SIGTERM) == 0

    seen = by_path(records)
    assert all(len(v) == 1 for v in seen.values()), records  # one line per file, each file once
    status = {name: v[0]["status"] for name, v in seen.items()}
    assert status == {
        "slow.pdf": "done",
        "renamed.pdf": "done",
        "loose_p001.jpg": "done",
        "no-case.pdf": "done",
        "torn.pdf": "quarantined",
        "notes.docx": "quarantined",
        "again.pdf": "duplicate",
    }
    assert seen["loose_p001.jpg"][0]["pages"] == 2  # loose pages went in as one batch
    assert seen["no-case.pdf"][0]["case_id"] is None
    assert "still unreadable" in seen["torn.pdf"][0]["reason"]
    assert "unsupported" in seen["notes.docx"][0]["reason"]

    # The slowly written file went in complete: the archive holds exactly its final bytes.
    assert (home / "archive" / sha(slow)[:2] / f"{sha(slow)}.pdf").read_bytes() == slow
    # Done and duplicate files moved to .done/, bad ones to quarantine/; hidden ones stay.
    assert inbox_files(inbox) == [f"{CASE}/.hidden.pdf", f"{CASE}/upload.pdf.part"]
    done = sorted(str(p.relative_to(inbox / ".done")) for p in (inbox / ".done").rglob("*") if p.is_file())
    assert done == sorted(
        [
            f"{CASE}/again.pdf",
            f"{CASE}/loose_p001.jpg",
            f"{CASE}/loose_p002.jpg",
            f"{CASE}/renamed.pdf",
            f"{CASE}/slow.pdf",
            "no-case.pdf",
        ]
    )
    quarantined = {p.name for p in (home / "quarantine").rglob("*") if p.is_file() and "reason" not in p.name}
    assert quarantined == {"torn.pdf", "notes.docx"}

    state = hoso_json(home, "status")
    assert state["files"] == {"queued": 0, "processing": 0, "done": 4, "duplicate": 1, "quarantined": 2}
    assert state["queue_depth"] == 0 and state["oldest_waiting"] is None
    assert state["files_per_hour"] == 4 and state["pages_per_hour"] == 5
    hits = hoso_json(home, "search", "khoi to vu an co y gay thuong tich", "--case", CASE)["hits"]
    assert hits and hits[0]["case_id"] == CASE
    shown = hoso_json(home, "dossier", "show", CASE)
    shas = [s["sha256"] for d in shown["documents"] for s in d["sources"]]
    assert shas.count(sha(slow)) == 1 and shas.count(sha(renamed)) == 1


def test_polling_mode_without_inotify(tmp_path):
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    (inbox / CASE).mkdir(parents=True)
    with WatchProcess(
        home, [inbox], "--poll", "0.2", HOSO_WATCH_RESCAN_SECONDS="3600", HOSO_WATCH_AFTER_SUCCESS="delete"
    ) as watcher:
        wait_until(lambda: "polling" in watcher.stderr(), 60, "the watcher to start", on_fail=watcher.report)
        fds = [os.readlink(f) for f in Path(f"/proc/{watcher.pid}/fd").iterdir() if f.exists()]
        assert not any("inotify" in fd for fd in fds), fds
        drop(inbox / CASE / "polled.pdf", scan_bytes(6))
        records = watcher.wait_records(lambda rs: "polled.pdf" in by_path(rs), 60, "the polled file")
        assert by_path(records)["polled.pdf"][0]["status"] == "done"
        assert watcher.stop(signal.SIGINT) == 0
    assert inbox_files(inbox) == [] and not (inbox / ".done").exists()  # deleted once archived


def test_second_watcher_on_one_home_is_refused(tmp_path):
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    inbox.mkdir()
    with WatchProcess(home, [inbox]) as first:
        wait_until(lambda: "watching" in first.stderr(), 60, "the first watcher", on_fail=first.report)
        second = hoso(home, "watch", str(inbox), check=False)
        assert second.returncode == 8, second  # ExitCode.BUSY
        assert "already running" in second.stderr
    assert hoso(home, "watch", str(tmp_path / "missing"), check=False).returncode == 2


def test_stop_finishes_the_current_file_or_rolls_it_back(tmp_path):
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    (inbox / CASE).mkdir(parents=True)

    def processing():
        return any(r["state"] == "processing" for r in catalog_rows(home))

    # SIGINT with time to finish: the file being OCRed is completed, then the watcher exits.
    with WatchProcess(home, [inbox]) as watcher:
        drop(inbox / CASE / "finish.pdf", scan_bytes(7))
        wait_until(processing, 60, "OCR to start", on_fail=watcher.report)
        assert watcher.stop(signal.SIGINT) == 0
        assert by_path(watcher.records())["finish.pdf"][0]["status"] == "done"
    # SIGTERM with no time to finish: the file goes back to queued and stays in the inbox...
    with WatchProcess(home, [inbox], HOSO_WATCH_STOP_GRACE_SECONDS="0") as watcher:
        drop(inbox / CASE / "rollback.pdf", scan_bytes(8))
        wait_until(processing, 60, "OCR to start", on_fail=watcher.report)
        assert watcher.stop(signal.SIGTERM) == 0
        assert by_path(watcher.records())["rollback.pdf"][0]["status"] == "queued"
        # Cut off cleanly: no resource_tracker warning, no KeyError '/mp-…' traceback.
        assert "Traceback" not in watcher.stderr() and "resource_tracker" not in watcher.stderr()
    rows = {Path(r["path"]).name: r["state"] for r in catalog_rows(home)}
    assert rows == {"finish.pdf": "done", "rollback.pdf": "queued"}
    assert (inbox / CASE / "rollback.pdf").exists()
    # ...and the next start takes it up.
    with WatchProcess(home, [inbox]) as watcher:
        records = watcher.wait_records(lambda rs: "rollback.pdf" in by_path(rs), 60, "the resumed file")
        assert by_path(records)["rollback.pdf"][0]["status"] == "done"
    assert inbox_files(inbox) == []
