"""The durable work queue: catalog states plus a lock per batch.

A worker holds the batch's lock while it works on it; the lock goes when the worker dies, so a
`processing` row whose lock can be taken was left behind by a crash and goes back to `queued`. On
one machine (an SQLite catalog) the lock is a file lock (flock, released by the kernel); with a
PostgreSQL catalog, which several machines may share, it is an advisory lock of the catalog's server
(released when the holder's connection ends), so machines see each other's locks.
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


class CatalogBatchLock:
    """The batch's lock in a catalog several machines share (`Catalog.try_lock`), non-blocking."""

    def __init__(self, catalog: Catalog, sha256: str):
        self.catalog = catalog
        self.name = f"batch {sha256}"

    def acquire(self) -> bool:
        return self.catalog.try_lock(self.name)

    def release(self) -> None:
        self.catalog.unlock(self.name)

    def __enter__(self) -> CatalogBatchLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def batch_lock(catalog: Catalog, locks_dir: Path, sha256: str) -> BatchLock | CatalogBatchLock:
    return CatalogBatchLock(catalog, sha256) if catalog.shares_locks else BatchLock(locks_dir, sha256)


def claim(catalog: Catalog, locks_dir: Path, row: FileRow) -> BatchLock | CatalogBatchLock | None:
    """Lock the batch and mark the row `processing`; None if another process (on any machine sharing
    the catalog) has it."""
    lock = batch_lock(catalog, locks_dir, row.sha256)
    if not lock.acquire():
        return None
    if catalog.get_file(row.id).state == "processing":
        # We hold its lock, so the worker that left it `processing` died (or could not write the catalog).
        catalog.set_file_state(row.id, "queued", reason=row.reason)
    if not catalog.claim_file(row.id, worker_id()):
        lock.release()
        return None
    return lock


def recover(catalog: Catalog, locks_dir: Path, reason: str | None = None) -> list[int]:
    """Requeue `processing` rows whose worker died (their lock is free), with `reason`."""
    requeued = []
    for row in catalog.files("processing"):
        lock = batch_lock(catalog, locks_dir, row.sha256)
        if lock.acquire():
            try:
                catalog.set_file_state(row.id, "queued", reason=reason)
                requeued.append(row.id)
            finally:
                lock.release()
    return requeued
