"""Temp folders and child processes of one hoso run, and the cleanup of dead runs.

Every consumer works in `<home>/tmp/run-<pid>-<start>` and hands that folder to
its OCR workers as TMPDIR, so Tesseract and Ghostscript children inherit it.
A run whose process is gone (pid dead, or reused by another program: the start
time differs) is dead: its folder is removed and any process still carrying
its TMPDIR — a worker or a tesseract/gs child orphaned by `kill -9` — is killed.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import signal
import time
from pathlib import Path

import psutil

log = logging.getLogger("hoso.runs")

RUN_DIR = re.compile(r"^run-(?P<pid>\d+)-(?P<start>\d+)$")
# Temp entries left under <home>/tmp by anything else: removed once this old.
STALE_SECONDS = 6 * 3600
# Held by the one `hoso watch` of a home (ingest.watch.HomeWatchLock); it holds "pid N since ISO-TIME".
WATCH_LOCK = Path("locks") / "watch.lock"


def machine_watch_lock(machine: str) -> Path:
    """The lock of one machine's `hoso watch` in a home that machines share (with a PostgreSQL catalog)."""
    return WATCH_LOCK.with_name(f"watch-{machine}.lock")


def start_time(pid: int) -> int | None:
    """The process's start in hundredths of a second since boot: with its pid, it names one process.

    Counted from boot, unlike psutil's epoch time it stays put when the clock is set.
    """
    try:
        return round((psutil.Process(pid).create_time() - psutil.boot_time()) * 100)
    except psutil.Error:  # gone, or not ours to see
        return None


def run_tmp_dir(tmp_root: Path, pid: int | None = None) -> Path:
    """This process's own temp folder under the home (not created here)."""
    pid = pid or os.getpid()
    return tmp_root.absolute() / f"run-{pid}-{start_time(pid) or 0}"


def run_alive(name: str) -> bool:
    m = RUN_DIR.match(name)
    if not m:
        return False
    pid, start = int(m["pid"]), int(m["start"])
    return start_time(pid) == start


def processes_of(tmp_root: Path) -> dict[int, str]:
    """pid → run folder name, for every process whose TMPDIR is a run folder under `tmp_root`."""
    root = os.path.realpath(tmp_root) + os.sep
    found = {}
    # Another user's process, or one that died meanwhile, has environ None.
    for proc in psutil.process_iter(["environ"]):
        tmpdir = (proc.info["environ"] or {}).get("TMPDIR", "")
        if tmpdir and os.path.realpath(tmpdir).startswith(root):
            tmpdir = os.path.realpath(tmpdir)
            found[proc.pid] = tmpdir[len(root) :].split(os.sep)[0]
    return found


def kill_processes(pids: list[int]) -> list[int]:
    killed = []
    me = os.getpid()
    for pid in pids:
        if pid == me:
            continue
        try:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        except (ProcessLookupError, PermissionError):
            pass
    return killed


def kill_run(tmp_root: Path, run_name: str) -> list[int]:
    """Kill every process working in one run's temp folder (never the caller)."""
    return kill_processes([pid for pid, name in processes_of(tmp_root).items() if name == run_name])


def reap_dead_runs(tmp_root: Path) -> dict[str, list]:
    """Kill orphaned children of dead runs and remove their temp folders.

    Returns {"killed": [pids], "removed": [names]}.
    """
    report: dict[str, list] = {"killed": [], "removed": []}
    if not tmp_root.exists():
        return report
    dead = {name for name in set(processes_of(tmp_root).values()) if not run_alive(name)}
    for name in sorted(dead):
        report["killed"] += kill_run(tmp_root, name)
    if report["killed"]:
        _wait_gone(report["killed"])
    now = time.time()
    for entry in tmp_root.iterdir():
        if RUN_DIR.match(entry.name):
            stale = not run_alive(entry.name)
        else:  # not a run folder (older layout, a stray file): only once clearly abandoned
            try:
                stale = now - entry.lstat().st_mtime > STALE_SECONDS
            except FileNotFoundError:
                continue
        if stale:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            report["removed"].append(entry.name)
    if report["killed"] or report["removed"]:
        log.info("cleaned dead runs: killed %s, removed %s", report["killed"], report["removed"])
    return report


def _wait_gone(pids: list[int], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_running(p) for p in pids):
            return
        time.sleep(0.02)


def _running(pid: int) -> bool:
    """Alive and not a zombie: a killed child of ours stays a zombie until reaped, yet runs no more."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def running_watchers(home: Path) -> list[dict]:
    """{"pid", "since", "machine"} of each live `hoso watch` of this home: its one watcher, or one per
    machine of a home that machines share (machine None for the former)."""
    machines = sorted((home / WATCH_LOCK).parent.glob(machine_watch_lock("*").name))
    watchers = []
    for path in [home / WATCH_LOCK, *machines]:
        holder = _lock_holder(path)
        if holder is not None:
            machine = path.stem.removeprefix("watch-") if path.name != WATCH_LOCK.name else None
            watchers.append({**holder, "machine": machine})
    return watchers


def _lock_holder(path: Path) -> dict | None:
    """{"pid", "since"} written in a held watch lock, None when it is free or absent."""
    try:
        fd = os.open(path, os.O_RDONLY)  # a read-only home can be asked too
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:  # held: the watcher is alive
        m = re.match(r"pid (\d+)(?: since (\S+))?", os.read(fd, 200).decode(errors="replace"))
        return {"pid": int(m[1]) if m else None, "since": m[2] if m else None}
    finally:
        os.close(fd)
    return None
