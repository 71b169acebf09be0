"""Failures an admin meets (issue 10): each ends with a plain message, the right exit code,
nothing stuck in `processing` and nothing lost.

Disk full is injected as OSError(ENOSPC) at each write point (archive copy, OCR output, dossier,
catalog), and met for real on a small tmpfs where this machine lets the test mount one.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import QUEUED_SCAN, REPO, hoso, hoso_json
from dossier_kit import CASE, cli, tiny_home
from ingest.consume import Consumer
from ingest.queue import claim, recover
from ingest.retry import STALE, retryable
from ingest.sources import discover
from pipeline.dossier.build import rebuild_dossier
from pipeline.errors import ExitCode, why_unwritable
from pipeline.hashing import sha256_file
from pipeline.stages.normalize import BadInput
from pipeline.store.catalog import Catalog

SAMPLES = REPO / "samples"
SCAN = QUEUED_SCAN  # the scan the `consumer` fixture queues


def disk_full(where: Path | str = "/x") -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(where))


def catalog_full() -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError("database or disk is full")
    exc.sqlite_errorcode = 13  # SQLITE_FULL, as sqlite3 sets it
    return exc


def json_error(result) -> dict:
    """The one JSON object a failed `--json` command prints, checked against its exit code."""
    code = getattr(result, "returncode", getattr(result, "exit_code", None))
    [line] = result.stdout.splitlines()
    error = json.loads(line)["error"]
    assert error["code"] == code and error["name"] == ExitCode(code).name
    return error


def files_of(home: Path) -> list[sqlite3.Row]:
    db = sqlite3.connect(home / "catalog.sqlite")
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT * FROM files ORDER BY id").fetchall()
    finally:
        db.close()


def parts_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.part")] if folder.exists() else []


# ---- --json on errors, configuration ------------------------------------------------------------


@pytest.fixture
def plain_env(monkeypatch):
    for key in ("HOSO_CONFIG", "HOSO_OPENSEARCH_URL", "HOSO_OCR_JOBS", "HOSO_REVIEW_CONFIDENCE"):
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def test_every_failed_command_prints_one_json_error(tmp_path, plain_env):
    home = tmp_path / "home"
    cases = [
        (("dossier", "show", "2024-HS-9999"), ExitCode.NOT_FOUND, "no case 2024-HS-9999"),
        (("search", "x", "--from", "2024-13"), ExitCode.USAGE, "not a date"),
        (("search", "x", "--limit", "0"), ExitCode.USAGE, "--limit"),  # click's own parsing
        (("ingest", str(tmp_path / "nowhere")), ExitCode.USAGE, "no such file or folder"),
        (("doc", "set-type", "NOPE", "cao_trang"), ExitCode.NOT_FOUND, "no document NOPE"),
        (("retry",), ExitCode.USAGE, "--all"),
    ]
    for args, code, words in cases:
        result = cli(home, *args, "--json", code=code)
        assert words in json_error(result)["message"], (args, result.stdout)
        assert words in result.stderr, (args, result.stderr)  # the person reads stderr
    # Without --json, nothing goes to stdout.
    assert cli(home, "dossier", "show", "2024-HS-9999", code=ExitCode.NOT_FOUND).stdout == ""
    # Through the real command line too.
    result = hoso(home, "dossier", "show", "2024-HS-9999", "--json", check=False)
    assert json_error(result)["name"] == "NOT_FOUND" and "Traceback" not in result.stderr


def test_configuration_mistakes_name_the_file_or_variable(tmp_path, plain_env):
    home = tmp_path / "home"
    home.mkdir()
    (home / "hoso.toml").write_text("review_confidnce = 0.5\n", "utf-8")
    message = json_error(cli(home, "status", "--json", code=ExitCode.USAGE))["message"]
    assert str(home / "hoso.toml") in message and "'review_confidnce'" in message and "review_confidence" in message

    (home / "hoso.toml").write_text('review_confidence = "high"\n', "utf-8")
    result = cli(home, "status", code=ExitCode.USAGE)
    [line] = [text for text in result.stderr.splitlines() if text.strip()]  # one plain line, not pydantic's report
    assert "review_confidence" in line and str(home / "hoso.toml") in line and "'high'" in line

    (home / "hoso.toml").unlink()
    plain_env.setenv("HOSO_OCR_JOBS", "x")
    assert "HOSO_OCR_JOBS" in cli(home, "status", code=ExitCode.USAGE).stderr
    plain_env.delenv("HOSO_OCR_JOBS")

    missing = tmp_path / "etc" / "hoso.toml"
    plain_env.setenv("HOSO_CONFIG", str(missing))
    result = cli(home, "status", "--json", code=ExitCode.USAGE)
    assert "HOSO_CONFIG" in json_error(result)["message"] and str(missing) in result.stderr


# ---- quarantine and verify ----------------------------------------------------------------------


def test_a_quarantined_file_does_not_fail_verify(tmp_path):
    home = tmp_path / "home"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("encrypted.pdf", "corrupt.pdf"):
        shutil.copy(SAMPLES / "bad" / name, inbox / name)
    assert hoso(home, "ingest", str(inbox), check=False).returncode == ExitCode.QUARANTINED
    report = hoso_json(home, "verify")
    assert report["ok"], report["problems"]
    assert report["checked"]["original"] == 2  # the archive copies of the quarantined files, checked
    # They are still checked: an altered archive copy is found.
    [copy] = [p for p in (home / "archive").rglob("*.pdf") if p.stem == sha256_file(inbox / "corrupt.pdf")]
    copy.chmod(0o644)
    copy.write_bytes(copy.read_bytes() + b"%tampered")
    result = hoso(home, "verify", "--json", check=False)
    assert result.returncode == ExitCode.INTEGRITY
    [problem] = json.loads(result.stdout)["problems"]
    assert problem["problem"] == "altered" and problem["path"] == str(copy.resolve())


# ---- disk full, injected at each write point -----------------------------------------------------


def ocr_fails_with(consumer: Consumer, monkeypatch, exc: Exception) -> None:
    """The OCR worker's answer, without running it (the OCR stage's own writes are tested below)."""

    def submit(job):
        future = Future()
        future.set_exception(exc)
        return future

    monkeypatch.setattr(consumer, "submit_ocr", submit)


def assert_held(consumer: Consumer, outcomes, words: str) -> None:
    """Queued again with the reason, nothing quarantined or half-written, the original untouched."""
    [outcome] = outcomes
    assert outcome.status == "queued" and words in outcome.reason, outcome
    [row] = consumer.catalog.files()
    assert row.state == "queued" and words in row.reason and row.quarantine is None
    assert consumer.resource_error is not None and consumer.resource_error.exit_code == ExitCode.RESOURCE
    home = consumer.settings.home
    assert not parts_under(home) and not any((home / "quarantine").glob("*"))
    assert sha256_file(consumer.scan) == sha256_file(SCAN)


def test_disk_full_while_archiving(consumer, monkeypatch):
    def copy_half(source, target):
        Path(target).write_bytes(Path(source).read_bytes()[:1000])
        raise disk_full(target)

    monkeypatch.setattr("ingest.archive.copy_file", copy_half)
    assert_held(consumer, consumer.process(consumer.ids), "the disk is full")
    assert not any(p.is_file() for p in (consumer.settings.archive_dir).rglob("*"))


def test_a_full_disk_ends_the_run_and_holds_the_files_not_started(consumer, monkeypatch):
    shutil.copy(SAMPLES / "more" / "cong_van.pdf", consumer.scan.parent / "cong_van.pdf")
    ids = consumer.enqueue(discover([consumer.scan.parent.parent], None, consumer.settings.case_id_pattern))
    copies = []

    def no_room(source, target):
        copies.append(source)
        raise disk_full(target)

    monkeypatch.setattr("ingest.archive.copy_file", no_room)
    outcomes = consumer.process(ids)
    assert len(copies) == 1  # the second file was not tried
    assert [o.status for o in outcomes] == ["queued", "queued"] and "not started" in outcomes[1].reason
    held = consumer.catalog.files("queued")
    assert len(held) == 2 and all("the disk is full" in r.reason for r in held)  # what `hoso retry --all` takes


def test_disk_full_while_writing_the_ocr_output(consumer, monkeypatch):
    ocr_fails_with(consumer, monkeypatch, disk_full(consumer.settings.work_dir / "ab" / "x.pdf.part"))
    assert_held(consumer, consumer.process(consumer.ids), "the disk is full")


def test_a_scan_unreadable_on_a_nearly_full_disk_is_not_blamed(consumer, monkeypatch):
    # OCRmyPDF out of temp space reports the input as unreadable; its temp files are gone by now.
    ocr_fails_with(consumer, monkeypatch, BadInput("the file cannot be read as a scan (truncated)"))
    monkeypatch.setattr("ingest.consume.low_on_space", lambda path, scan_size: True)
    assert_held(consumer, consumer.process(consumer.ids), "nearly full")


def test_an_unreadable_scan_with_room_to_spare_is_quarantined(consumer, monkeypatch):
    ocr_fails_with(consumer, monkeypatch, BadInput("the file cannot be read as a scan (truncated)"))
    monkeypatch.setattr("ingest.consume.low_on_space", lambda path, scan_size: False)
    [outcome] = consumer.process(consumer.ids)
    assert outcome.status == "quarantined" and consumer.resource_error is None


def test_disk_full_while_copying_a_bad_scan_into_quarantine(consumer, monkeypatch):
    ocr_fails_with(consumer, monkeypatch, BadInput("the PDF is encrypted with a password"))
    monkeypatch.setattr("ingest.consume.low_on_space", lambda path, scan_size: False)

    def copy_half(source, target):
        Path(target).write_bytes(b"%PDF")
        raise disk_full(target)

    monkeypatch.setattr("ingest.archive.shutil.copy2", copy_half)
    assert_held(consumer, consumer.process(consumer.ids), "the disk is full")  # no half quarantine folder either


def test_disk_full_in_the_catalog(consumer, monkeypatch):
    def full(*args, **kwargs):
        raise catalog_full()

    monkeypatch.setattr(Catalog, "done_file_for", full)
    assert_held(consumer, consumer.process(consumer.ids), "the disk is full")


def test_a_row_the_catalog_could_not_requeue_is_taken_back_by_the_next_run(consumer, monkeypatch):
    def full(*args, **kwargs):
        raise catalog_full()

    monkeypatch.setattr(Catalog, "done_file_for", full)
    monkeypatch.setattr(Catalog, "set_file_state", full)
    [outcome] = consumer.process(consumer.ids)
    assert outcome.status == "queued"
    monkeypatch.undo()
    [row] = consumer.catalog.files()
    assert row.state == "processing"  # the catalog could not be written at all…
    lock = claim(consumer.catalog, consumer.locks_dir, row)  # …but its lock is free: the next run takes it
    assert lock is not None and consumer.catalog.get_file(row.id).state == "processing"
    lock.release()
    # …and so does `hoso retry --all`, where the outcome's reason sends the admin: queued again with why.
    assert recover(consumer.catalog, consumer.locks_dir, reason=STALE) == [row.id]
    assert [(r.id, r.state, r.reason) for r in retryable(consumer.catalog)] == [(row.id, "queued", STALE)]


def test_disk_full_while_writing_the_ocr_output_file(tmp_path, monkeypatch):
    from pipeline.stages.ocr import publish

    made = tmp_path / "made.pdf"
    made.write_bytes(b"%PDF-1.7 " * 1000)
    output = tmp_path / "work" / "out.pdf"
    output.parent.mkdir()

    def copy_half(source, target):
        Path(target).write_bytes(b"%PDF")
        raise disk_full(target)

    monkeypatch.setattr("pipeline.stages.ocr.shutil.copyfile", copy_half)
    with pytest.raises(OSError):
        publish(made, output)
    assert list(output.parent.iterdir()) == []


def test_disk_full_while_writing_a_dossier(tmp_path, monkeypatch):
    t = tiny_home(tmp_path)
    t.batch("scan-1", ["QUYẾT ĐỊNH khởi tố vụ án hình sự.", "CÁO TRẠNG truy tố bị can."])
    t.document("D1", "qd_khoi_to_vu_an", "scan-1", [1, 2], date="2024-04-18")
    rebuild_dossier(t.settings, t.catalog, CASE)

    def save_half(pdf, path, **kwargs):
        Path(path).write_bytes(b"%PDF-1.7 half")
        raise disk_full(path)

    monkeypatch.setattr("pipeline.dossier.pdfa.save_pdfa", save_half)  # assemble imports it when it writes
    result = cli(t.home, "dossier", "rebuild", CASE, "--force", "--json", code=ExitCode.RESOURCE)
    assert "the disk is full" in json.loads(result.stdout)["error"]["message"]
    monkeypatch.undo()
    assert [d["version"] for d in t.catalog.dossiers(CASE)] == [1]
    assert not (t.home / "dossiers" / CASE / "versions" / "v0002").exists()
    assert cli(t.home, "verify", "--json").exit_code == 0


def test_disk_full_while_reindexing_is_the_machines_fault(tmp_path, monkeypatch):
    t = tiny_home(tmp_path)
    t.batch("scan-1", ["QUYẾT ĐỊNH khởi tố vụ án hình sự."])
    t.document("D1", "qd_khoi_to_vu_an", "scan-1", [1], date="2024-04-18")

    def no_room(self, *args, **kwargs):
        raise disk_full(t.home / "catalog.sqlite")

    monkeypatch.setattr("index.sqlite_fts.SqliteBackend.replace_documents", no_room)
    result = cli(t.home, "reindex", "--json", code=ExitCode.RESOURCE)  # not INDEX_UNAVAILABLE
    assert "the disk is full" in json.loads(result.stdout)["error"]["message"]
    monkeypatch.undo()
    assert not t.catalog.document("D1").indexed  # left for `hoso reindex --pending`


# ---- disk full and read-only homes for real (root, where mounting is permitted) -------------------


def _mount(*args: str) -> str | None:
    """None when mounted, else why not."""
    if os.geteuid() != 0:
        return "mounting a file system needs root"
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    return (
        None
        if result.returncode == 0
        else f"this container does not permit `mount {' '.join(args)}`: {result.stderr.strip()}"
    )


@contextmanager
def small_tmpfs(where: Path, size: str):
    where.mkdir(parents=True, exist_ok=True)
    refused = _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where))
    if refused:
        pytest.skip(refused)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_disk_full_for_real_while_archiving(tmp_path):
    inbox = tmp_path / "inbox" / "2025-HS-0100"
    inbox.mkdir(parents=True)
    big = inbox / "big.pdf"  # more than the disk holds: damaged, but the archive copy fails first
    big.write_bytes(b"%PDF-1.4\n" + os.urandom(3 * 1024 * 1024))
    before = sha256_file(big)
    with small_tmpfs(tmp_path / "disk", "2m") as disk:
        home = disk / "home"
        result = hoso(home, "ingest", str(inbox.parent), "--json", check=False)
        assert result.returncode == ExitCode.RESOURCE, result.stderr
        assert "Traceback" not in result.stderr and "disk is full" in result.stderr
        report = json.loads(result.stdout)
        [outcome] = report["files"]
        assert outcome["status"] == "queued" and report["error"]["name"] == "RESOURCE"
        assert not parts_under(home) and sha256_file(big) == before
        [row] = files_of(home)
        assert row["state"] == "queued" and "disk is full" in row["reason"]
        [held] = hoso_json(home, "status")["held"]
        assert held["path"] == str(big) and "disk is full" in held["reason"]
        # Room made: `hoso retry --all` takes the held file, which now goes where it belongs.
        subprocess.run(["mount", "-o", "remount,size=1g", str(disk)], check=True)  # tmpfs takes only what it uses
        retried = hoso_json(home, "retry", "--all", check=False)
        assert [f["status"] for f in retried["files"]] == ["quarantined"]
        assert "damaged" in retried["files"][0]["reason"]
        assert sha256_file(big) == before  # copied to quarantine, the inbox as it was
        assert hoso_json(home, "verify")["ok"]


@pytest.mark.ocr
def test_disk_full_for_real_while_ocring(tmp_path):
    scan = SAMPLES / "inbox" / "2025-HS-0001" / "scan_2025-HS-0001_1.pdf"
    inbox = tmp_path / "inbox" / "2025-HS-0001"
    inbox.mkdir(parents=True)
    shutil.copy(scan, inbox / scan.name)
    with small_tmpfs(tmp_path / "disk", "3m") as disk:  # room for the archive copy, not for OCR
        home = disk / "home"
        result = hoso(home, "ingest", str(inbox.parent), "--json", check=False)
        assert result.returncode == ExitCode.RESOURCE, result.stderr
        assert "Traceback" not in result.stderr and "cannot be read as a scan" not in result.stdout
        [outcome] = json.loads(result.stdout)["files"]
        assert outcome["status"] == "queued", outcome
        assert not parts_under(home) and not any((home / "quarantine").glob("*"))
        assert sha256_file(inbox / scan.name) == sha256_file(scan)
        subprocess.run(["mount", "-o", "remount,size=1g", str(disk)], check=True)
        retried = hoso_json(home, "retry", "--all")
        assert [f["status"] for f in retried["files"]] == ["done"]
        assert hoso_json(home, "verify")["ok"]


@pytest.fixture
def read_only_home(tmp_path):
    """A home with a built dossier, seen through a read-only mount (root) or without write permission."""
    t = tiny_home(tmp_path / "rw")
    t.batch("scan-1", ["QUYẾT ĐỊNH khởi tố vụ án hình sự."])
    t.document("D1", "qd_khoi_to_vu_an", "scan-1", [1], date="2024-04-18")
    rebuild_dossier(t.settings, t.catalog, CASE)
    cli(t.home, "reindex")
    t.catalog.close()
    if os.geteuid() != 0:
        for path in [t.home, *t.home.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        yield t.home
        for path in [t.home, *t.home.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)
        return
    # The home mounted read-only onto itself: the paths the catalog recorded stay the same.
    refused = _mount("--bind", str(t.home), str(t.home)) or _mount("-o", "remount,bind,ro", str(t.home))
    if refused:
        subprocess.run(["umount", "-l", str(t.home)], check=False)
        pytest.skip(refused)
    yield t.home
    subprocess.run(["umount", "-l", str(t.home)], check=False)


def test_a_read_only_home_can_still_be_read(read_only_home):
    home = read_only_home
    assert hoso_json(home, "status")["documents"] == 1
    assert hoso_json(home, "search", "khoi to")["total"] == 1
    assert hoso_json(home, "dossier", "show", CASE)["case_id"] == CASE
    assert hoso_json(home, "verify")["ok"]
    doctor = hoso(home, "doctor", "--json", check=False)
    checks = json.loads(doctor.stdout)["checks"]
    assert not checks["home"]["ok"] and checks["catalog"]["ok"]
    if all(c["ok"] for name, c in checks.items() if name != "home"):
        assert doctor.returncode == ExitCode.RESOURCE


def test_a_read_only_home_refuses_writes_saying_why(read_only_home, tmp_path):
    home = read_only_home
    for args in (("ingest", str(SCAN)), ("dossier", "rebuild", CASE), ("reindex",)):
        result = hoso(home, *args, "--json", check=False)
        assert result.returncode == ExitCode.RESOURCE, (args, result.stderr)
        message = json_error(result)["message"]
        assert str(home) in message and ("read-only file system" in message or "may not write" in message)
        assert "Traceback" not in result.stderr and "OperationalError" not in result.stderr


def test_a_home_of_another_user_is_refused_naming_its_owner_and_mode(tmp_path, monkeypatch):
    import pwd

    # Root may write anywhere: what another user meets is played by os.access saying no.
    monkeypatch.setattr("pipeline.errors.os.access", lambda path, mode: False)
    why = why_unwritable(tmp_path / "home" / "catalog.sqlite")  # the nearest existing folder is named
    assert why.startswith(f"{tmp_path} belongs to {pwd.getpwuid(tmp_path.stat().st_uid).pw_name} (mode drwx")
    assert why.endswith("may not write it")


# ---- Ctrl-C during OCR, the watcher in `hoso status` ---------------------------------------------


@pytest.mark.ocr
def test_ctrl_c_during_ocr_rolls_back_cleanly(tmp_path):
    home = tmp_path / "home"
    # Three pages on one OCR worker: several seconds of OCR, so the signal lands during it.
    scan = SAMPLES / "inbox" / "2025-HS-0002" / "scan_2025-HS-0002_1.pdf"
    env = {**os.environ, "HOSO_HOME": str(home), "HOSO_OCR_JOBS": "1", "OMP_THREAD_LIMIT": "1"}
    env.pop("HOSO_OPENSEARCH_URL", None)
    # Its own session, so that the signal goes to the whole group, as a terminal's Ctrl-C does.
    run = subprocess.Popen(
        [sys.executable, "-m", "cli", "ingest", str(scan)],
        cwd=REPO,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        # Ctrl-C as a terminal gives it, even when this test runs in the background (where the shell
        # ignores SIGINT, and an ignored signal stays ignored across exec).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any((home / "tmp").glob("run-*/consumer-*/ocr-*")):
        time.sleep(0.2)
    assert run.poll() is None, "the OCR never started"
    time.sleep(0.5)
    os.killpg(run.pid, 2)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == ExitCode.INTERRUPTED
    lines = [line for line in stderr.splitlines() if line.strip() and "diacritics" not in line]
    assert len(lines) == 1 and "interrupted" in lines[0] and "rolled back" in lines[0], stderr
    [row] = files_of(home)
    assert row["state"] == "queued"
    assert not list((home / "tmp").glob("run-*"))  # its workers and temp folder are gone


def test_status_shows_a_live_watcher(tmp_path):
    home = tmp_path / "home"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    assert hoso_json(home, "status")["watchers"] == []
    env = {**os.environ, "HOSO_HOME": str(home), "HOSO_OCR_JOBS": "1", "OMP_THREAD_LIMIT": "1"}
    env.pop("HOSO_OPENSEARCH_URL", None)
    watcher = subprocess.Popen(
        [sys.executable, "-m", "cli", "watch", str(inbox), "--poll", "1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "watching" in watcher.stderr.readline()
        [seen] = hoso_json(home, "status")["watchers"]
        assert seen["pid"] == watcher.pid and seen["since"].startswith(time.strftime("%Y-"))
        assert f"pid {watcher.pid}" in hoso(home, "status").stdout
    finally:
        watcher.send_signal(2)
        watcher.wait(timeout=60)
    assert hoso_json(home, "status")["watchers"] == []
