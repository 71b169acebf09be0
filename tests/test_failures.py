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
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingest.consume import Consumer
from ingest.queue import claim
from ingest.sources import discover
from pipeline.config import load_settings
from pipeline.dossier.build import rebuild_dossier
from pipeline.errors import ExitCode
from pipeline.hashing import sha256_file
from pipeline.stages.normalize import BadInput
from pipeline.store.catalog import Catalog

from conftest import REPO, hoso, hoso_json
from dossier_kit import CASE, cli, tiny_home

SAMPLES = REPO / "samples"
SCAN = SAMPLES / "more" / "thong_bao.pdf"


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
    [line] = [l for l in result.stderr.splitlines() if l.strip()]  # one plain line, not pydantic's report
    assert "review_confidence" in line and str(home / "hoso.toml") in line and "'high'" in line

    (home / "hoso.toml").unlink()
    plain_env.setenv("HOSO_OCR_JOBS", "x")
    assert "HOSO_OCR_JOBS" in cli(home, "status", code=ExitCode.USAGE).stderr
    plain_env.delenv("HOSO_OCR_JOBS")

    missing = tmp_path / "etc" / "hoso.toml"
    plain_env.setenv("HOSO_CONFIG", str(missing))
    result = cli(home, "status", "--json", code=ExitCode.USAGE)
    assert "HOSO_CONFIG" in json_error(result)["message"] and str(missing) in result.stderr


def test_status_shows_a_live_watcher(tmp_path):
    home = tmp_path / "home"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    assert hoso_json(home, "status")["watcher"] is None
    env = {**os.environ, "HOSO_HOME": str(home), "HOSO_OCR_JOBS": "1", "OMP_THREAD_LIMIT": "1"}
    env.pop("HOSO_OPENSEARCH_URL", None)
    watcher = subprocess.Popen([sys.executable, "-m", "cli", "watch", str(inbox), "--poll", "1"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert "watching" in watcher.stderr.readline()
        seen = hoso_json(home, "status")["watcher"]
        assert seen["pid"] == watcher.pid and seen["since"].startswith(time.strftime("%Y-"))
        assert f"pid {watcher.pid}" in hoso(home, "status").stdout
    finally:
        watcher.send_signal(2)
        watcher.wait(timeout=60)
    assert hoso_json(home, "status")["watcher"] is None
