"""The durable work queue: catalog states plus an fcntl lock per batch.

A worker holds the batch's lock while it works on it; the kernel releases the
lock when the worker dies, so a `processing` row whose lock can be taken was
left behind by a crash and goes back to `queued`.
"""
from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path

from pipeline.store.catalog import Catalog, FileRow


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class BatchLock:
    """Exclusive, non-blocking lock on one batch content id."""

    def __init__(self, locks_dir: Path, sha256: str):
        locks_dir.mkdir(parents=True, exist_ok=True)
        self.path = locks_dir / f"{sha256}.lock"
        self._fd: int | None = None

    def acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "BatchLock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def claim(catalog: Catalog, locks_dir: Path, row: FileRow) -> BatchLock | None:
    """Lock the batch and mark the row `processing`; None if another process has it."""
    lock = BatchLock(locks_dir, row.sha256)
    if not lock.acquire():
        return None
    if catalog.get_file(row.id).state == "processing":
        # We hold its lock, so the worker that left it `processing` died (or could not write the catalog).
        catalog.set_file_state(row.id, "queued", reason=row.reason)
    if not catalog.claim_file(row.id, worker_id()):
        lock.release()
        return None
    return lock


def recover(catalog: Catalog, locks_dir: Path) -> list[int]:
    """Requeue `processing` rows whose worker died (their lock is free)."""
    requeued = []
    for row in catalog.files("processing"):
        lock = BatchLock(locks_dir, row.sha256)
        if lock.acquire():
            try:
                catalog.set_file_state(row.id, "queued")
                requeued.append(row.id)
            finally:
                lock.release()
    return requeued
