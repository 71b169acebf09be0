"""The durable work queue: catalog states plus a file lock (flock) per batch.

A worker holds the batch's lock while it works on it; the kernel releases the
lock when the worker dies, so a `processing` row whose lock can be taken was
left behind by a crash and goes back to `queued`.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from filelock import FileLock, Timeout

from pipeline.store.catalog import Catalog, FileRow


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class BatchLock:
    """Exclusive, non-blocking lock on one batch content id."""

    def __init__(self, locks_dir: Path, sha256: str):
        locks_dir.mkdir(parents=True, exist_ok=True)
        self.path = locks_dir / f"{sha256}.lock"
        # Held by the process, like the flock under it, whichever thread releases it.
        self._lock = FileLock(self.path, timeout=0, thread_local=False)

    def acquire(self) -> bool:
        try:
            self._lock.acquire()
        except Timeout:
            return False
        return True

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> BatchLock:
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
