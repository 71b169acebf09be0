"""A watcher killed with SIGKILL at several points, restarted: every file ends in its dossier exactly once."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
from pathlib import Path

import pytest

from ingest.runs import processes_of
from test_watch_support import WatchProcess, catalog_rows, drop, hoso_json, inbox_files, scan_bytes, wait_until

pytestmark = pytest.mark.ocr

A, B = "2024-HS-0201", "2024-HS-0202"


def test_sigkill_at_several_points_then_restart(tmp_path):
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    files = {f"{A}/a1.pdf": scan_bytes(11), f"{A}/a2.pdf": scan_bytes(12), f"{B}/b1.pdf": scan_bytes(13)}
    for name, data in files.items():
        drop(inbox / name, data)

    def states() -> dict[str, str]:
        return {str(Path(r["path"]).relative_to(inbox)): r["state"] for r in catalog_rows(home)}

    # 1. Killed right after the stable files were queued, before any work.
    with WatchProcess(home, [inbox], HOSO_WATCH_CRASH_AT="enqueued") as watcher:
        assert watcher.proc.wait(timeout=120) == -signal.SIGKILL, watcher.report()
    assert states() and set(states().values()) == {"queued"}

    # 2. Killed after OCR, documents and dossiers, before the files left the inbox.
    with WatchProcess(home, [inbox], HOSO_WATCH_CRASH_AT="processed") as watcher:
        assert watcher.proc.wait(timeout=120) == -signal.SIGKILL, watcher.report()
    assert "done" in states().values()
    assert sorted(inbox_files(inbox)) == sorted(files)  # nothing left the inbox unfinished

    # 3. `kill -9` of the watcher alone in the middle of OCR: its workers are orphaned.
    files[f"{B}/b2.pdf"] = scan_bytes(14)
    drop(inbox / B / "b2.pdf", files[f"{B}/b2.pdf"])
    with WatchProcess(home, [inbox]) as watcher:
        wait_until(lambda: states().get(f"{B}/b2.pdf") == "processing", 120, "b2.pdf in OCR", on_fail=watcher.report)
        watcher.kill_main_only()
        orphans = set(processes_of(home / "tmp"))

        # 4. A clean run: resumes, cleans the dead runs' leftovers, finishes everything.
        with WatchProcess(home, [inbox]) as final:
            wait_until(lambda: "watching" in final.stderr(), 120, "the restart", on_fail=final.report)
            assert not orphans & set(processes_of(home / "tmp")), "orphans of the killed run survived"
            wait_until(
                lambda: inbox_files(inbox) == [] and set(states().values()) <= {"done", "duplicate"},
                120,
                "every file done",
                on_fail=final.report,
            )
            assert final.stop() == 0
    # Nothing of any run is left (multiprocessing's resource tracker may take a moment to exit).
    wait_until(
        lambda: not processes_of(home / "tmp"),
        15,
        "the last run's processes to exit",
        on_fail=lambda: str({pid: Path(f"/proc/{pid}/cmdline").read_bytes() for pid in processes_of(home / "tmp")}),
    )
    assert [p.name for p in (home / "tmp").iterdir()] == []

    rows = catalog_rows(home)
    assert not [r for r in rows if r["state"] not in ("done", "duplicate")]
    done = sorted(str(p.relative_to(inbox / ".done")) for p in (inbox / ".done").rglob("*") if p.is_file())
    assert done == sorted(files)
    for case in (A, B):
        shown = hoso_json(home, "dossier", "show", case)
        shas = [s["sha256"] for d in shown["documents"] for s in d["sources"]]
        for name, data in files.items():
            if name.startswith(case):
                assert shas.count(hashlib.sha256(data).hexdigest()) == 1, (name, shown)
        assert len(shas) == sum(1 for n in files if n.startswith(case))
    # No page is filed twice, and every page has its place in a current dossier.
    db = sqlite3.connect(home / "catalog.sqlite")
    assert db.execute("SELECT COUNT(*) FROM document_pages WHERE dossier_page IS NULL").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM documents WHERE indexed = 0").fetchone()[0] == 0
    db.close()


def test_a_queued_file_that_left_the_inbox_is_quarantined_not_dropped(tmp_path):
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    page = drop(inbox / A / "moved.pdf", scan_bytes(15))
    with WatchProcess(home, [inbox], HOSO_WATCH_CRASH_AT="enqueued") as watcher:
        assert watcher.proc.wait(timeout=120) == -signal.SIGKILL, watcher.report()
    page.rename(tmp_path / "elsewhere.pdf")  # a clerk took it away while the watcher was down
    with WatchProcess(home, [inbox]) as watcher:
        records = watcher.wait_records(lambda rs: rs, 60, "the queued file")
        watcher.stop()
    [record] = records
    assert record["status"] == "quarantined" and "is gone" in record["reason"]
    [row] = catalog_rows(home)
    assert row["state"] == "quarantined"
