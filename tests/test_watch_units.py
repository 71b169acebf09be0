"""Unit tests of the watcher's parts: stability, readability, ignore rules, locks, dead runs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from ingest.queue import BatchLock
from ingest.runs import processes_of, reap_dead_runs, run_alive, run_tmp_dir
from ingest.watch import HomeWatchLock, StabilityTracker, WatcherBusy, ignored, unreadable
from pipeline.store.catalog import Catalog


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def pdf_bytes() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (200, 300), 255).save(buffer, format="JPEG")
    return buffer.getvalue()


def tracker(**kw) -> tuple[StabilityTracker, Clock]:
    clock = Clock()
    args = dict(delay=1.0, give_up=60.0, quiet=3.0)
    args.update(kw)
    return StabilityTracker(args["delay"], args["give_up"], args["quiet"], clock=clock), clock


def test_a_growing_file_waits_until_size_and_mtime_stay_put(tmp_path):
    t, clock = tracker()
    data = pdf_bytes()
    f = tmp_path / "scan.pdf"
    f.write_bytes(data[:100])
    t.note(f, tmp_path)
    for chunk_end in (len(data) // 3, 2 * len(data) // 3, len(data)):
        assert t.due() == []
        clock.now += 0.9  # never a full second without change
        with open(f, "r+b") as fh:
            fh.seek(0, 2)
            fh.write(data[fh.tell() : chunk_end])
        assert t.due() == []
    clock.now += 0.5
    assert t.due() == []
    clock.now += 0.6
    [ready] = t.due()
    assert ready.files == [f] and ready.gave_up is None
    assert len(t) == 0


def test_stable_but_unreadable_waits_then_gives_up_with_a_reason(tmp_path):
    t, clock = tracker(give_up=30.0)
    f = tmp_path / "torn.pdf"
    f.write_bytes(pdf_bytes()[:300])  # no %%EOF: looks like a PDF still being written
    t.note(f, tmp_path)
    t.due()
    for _ in range(10):
        clock.now += 2.0
        assert t.due() == []
    clock.now += 15.0
    [ready] = t.due()
    assert "still unreadable" in ready.gave_up and "torn.pdf" in ready.gave_up


def test_a_torn_file_completed_later_goes_in_normally(tmp_path):
    t, clock = tracker(give_up=30.0)
    f = tmp_path / "late.pdf"
    data = pdf_bytes()
    f.write_bytes(data[:300])
    t.note(f, tmp_path)
    t.due()
    clock.now += 5
    assert t.due() == []
    f.write_bytes(data)  # the rest arrived after a long stall
    os.utime(f, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert t.due() == []
    clock.now += 1.5
    [ready] = t.due()
    assert ready.gave_up is None


def test_loose_pages_go_in_together_once_the_batch_is_quiet(tmp_path):
    t, clock = tracker(quiet=3.0)
    pages = [tmp_path / f"scan_p{n:03d}.jpg" for n in (1, 2)]
    for p in pages:
        p.write_bytes(jpeg_bytes())
        t.note(p, tmp_path)
    t.due()
    clock.now += 2.0
    assert t.due() == []  # each page is stable, the batch is not quiet yet
    late = tmp_path / "scan_p010.jpg"
    late.write_bytes(jpeg_bytes())
    t.note(late, tmp_path)
    t.due()
    clock.now += 2.0
    assert t.due() == []  # a new page restarted the quiet period
    clock.now += 1.5
    [ready] = t.due()
    assert [p.name for p in ready.files] == ["scan_p001.jpg", "scan_p002.jpg", "scan_p010.jpg"]


def test_a_file_that_vanishes_is_forgotten_and_held_files_wait(tmp_path):
    t, clock = tracker()
    gone, held = tmp_path / "gone.pdf", tmp_path / "held.pdf"
    gone.write_bytes(pdf_bytes())
    held.write_bytes(pdf_bytes())
    t.note(gone, tmp_path)
    t.note(held, tmp_path)
    t.due()
    gone.unlink()
    clock.now += 2
    assert t.due(lambda path, sig: path == held) == []
    assert len(t) == 1
    assert [r.files for r in t.due()] == [[held]]


def test_unreadable_tells_torn_from_complete(tmp_path):
    def put(name: str, data: bytes) -> Path:
        (tmp_path / name).write_bytes(data)
        return tmp_path / name

    assert unreadable(put("ok.pdf", pdf_bytes())) is None
    assert "end-of-file" in unreadable(put("torn.pdf", pdf_bytes()[:-40]))
    assert unreadable(put("ok.jpg", jpeg_bytes())) is None
    assert "cannot be decoded" in unreadable(put("torn.jpg", jpeg_bytes()[:200]))
    assert unreadable(put("empty.pdf", b"")) == "the file is empty"
    assert unreadable(put("notes.docx", b"PK\x03\x04 not a scan")) is None  # complete: the consumer refuses it
    enc = io.BytesIO()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(enc, encryption=pikepdf.Encryption(owner="o", user="u"))
    assert unreadable(put("locked.pdf", enc.getvalue())) is None  # complete: quarantined as encrypted
    buffer = io.BytesIO()
    Image.new("1", (100, 100), 1).save(buffer, format="TIFF", compression="group4")
    assert unreadable(put("g4.tif", buffer.getvalue())) is None
    assert unreadable(put("g4-torn.tif", buffer.getvalue()[:60])) is not None


def test_ignore_rules(tmp_path):
    root = tmp_path
    for name in (
        ".done/2024-HS-0001/a.pdf",
        "~$a.pdf",
        ".hidden.pdf",
        "scan.pdf.part",
        "x.tmp",
        "Thumbs.db",
        "2024-HS-0001/.partial/a.pdf",
    ):
        assert ignored(root / name, root), name
    assert not ignored(root / "2024-HS-0001" / "a.pdf", root)
    assert ignored(Path("/elsewhere/a.pdf"), root)


def test_one_watcher_per_home(tmp_path):
    first = HomeWatchLock(tmp_path)
    first.acquire()
    with pytest.raises(WatcherBusy, match=rf"already running on this home \(pid {os.getpid()} since "):
        HomeWatchLock(tmp_path).acquire()
    first.release()
    again = HomeWatchLock(tmp_path)
    again.acquire()
    again.release()


def test_a_batch_lock_is_held_once_and_freed_by_the_death_of_its_holder(tmp_path):
    first, second = BatchLock(tmp_path, "abc"), BatchLock(tmp_path, "abc")
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()
    # A worker killed while it holds the lock: the kernel frees it, so the batch can be taken again.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from ingest.queue import BatchLock\n"
                f"lock = BatchLock(__import__('pathlib').Path({str(tmp_path)!r}), 'abc')\n"
                "assert lock.acquire()\n"
                "print('held', flush=True); time.sleep(60)"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert not first.acquire()
    finally:
        holder.kill()
        holder.wait()
    assert first.acquire()
    first.release()


def test_dead_runs_are_reaped_live_ones_kept(tmp_path):
    tmp_root = tmp_path / "tmp"
    mine = run_tmp_dir(tmp_root)
    mine.mkdir(parents=True)
    assert run_alive(mine.name)
    dead = tmp_root / "run-999999-1"
    dead.mkdir()
    (dead / "ocr-x").mkdir()
    # An "orphan": a process whose TMPDIR is the dead run's folder, as a tesseract child would be.
    orphan = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], env={**os.environ, "TMPDIR": str(dead / "consumer-1")}
    )
    deadline = time.monotonic() + 10
    while orphan.pid not in processes_of(tmp_root) and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        report = reap_dead_runs(tmp_root)
        assert orphan.pid in report["killed"]
        assert orphan.wait(timeout=10) != 0
        assert not dead.exists() and mine.exists()
    finally:
        if orphan.poll() is None:
            orphan.kill()


def test_queue_stats(tmp_path):
    catalog = Catalog(tmp_path / "c.sqlite")
    now = time.time()
    a = catalog.add_file(path="a.pdf", paths=["a.pdf"], kind="pdf", size=1, sha256="a", case_id=None, folder=None)
    catalog.add_file(path="b.pdf", paths=["b.pdf"], kind="pdf", size=1, sha256="b", case_id=None, folder=None)
    c = catalog.add_file(path="c.pdf", paths=["c.pdf"], kind="pdf", size=1, sha256="c", case_id=None, folder=None)
    catalog.set_file_state(c, "done", pages=7)
    stats = catalog.queue_stats(now + 1)
    assert stats["queue_depth"] == 2
    assert stats["oldest_waiting"]["path"] == "a.pdf"
    assert (stats["files_per_hour"], stats["pages_per_hour"]) == (1, 7)
    assert catalog.queue_stats(now + 7200)["files_per_hour"] == 0
    catalog.set_file_state(a, "quarantined", reason="x")
    catalog.set_quarantine_folder(a, "/q/1")
    assert catalog.get_file(a).quarantine == "/q/1"
    catalog.close()
