"""Quarantined files (and files the machine held back) go in again, from their quarantine copy,
once the cause is fixed: `hoso retry` and the clerks' status page share this.

Requeuing is quick and happens at once; processing is the consumer's usual run (per-batch locks,
OCR in worker processes), which the CLI waits for and the web app runs in the background.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.config import Settings
from pipeline.store.catalog import Catalog, FileRow

from .consume import Consumer, FileOutcome
from .sources import make_batch
from .watch import settle

STALE = "left processing by a hoso process that is gone (killed, or it could not write the catalog); queued again"


def retryable(catalog: Catalog) -> list[FileRow]:
    """Quarantined files, and queued files with a reason: held back by the machine (disk full) or an
    interruption."""
    held = [r for r in catalog.files("queued") if r.reason]
    return sorted(catalog.files("quarantined") + held, key=lambda r: r.id)


class Retry:
    def __init__(self, settings: Settings, catalog: Catalog, backend):
        self.settings = settings
        self.catalog = catalog
        self.consumer = Consumer(settings, catalog, backend)

    def requeue(self, rows: list[FileRow]) -> tuple[list[FileRow], list[FileOutcome]]:
        """Queue the rows again, each to be read from its quarantine copy (or its original, if back in place).
        Returns (the rows requeued, the outcomes of those that cannot be: no copy is left)."""
        pattern = re.compile(self.settings.case_id_pattern)
        requeued, refused = [], []
        for row in rows:
            copies, gone = _copies(row)
            if gone:
                reason = f"cannot retry: no copy of {', '.join(gone)} is left in quarantine"
                refused.append(FileOutcome(row.path, "quarantined", row.case_id, 0, 0, reason))
                continue
            # Kind, size and content id of what is there now; the case stays the row's own.
            self.consumer.requeue(row, make_batch(copies, copies[0].parent, row.case_id or "", pattern))
            requeued.append(row)
        return requeued, refused

    def process(self, file_ids: list[int]) -> list[FileOutcome]:
        """Process requeued files: archived, OCRed and filed, or quarantined again with the new reason."""
        rows = self.catalog.get_files(file_ids)
        results: dict[str, FileOutcome] = {}
        # A quarantine copy that fails again moves to its new folder; a held file is read from
        # where it arrived, which stays as it is.
        for move in (True, False):
            self.consumer.quarantine_move = move
            results |= {o.path: o for o in self.consumer.process([r.id for r in rows if bool(r.quarantine) == move])}
        outcomes = []
        for old in rows:
            row = self.catalog.get_file(old.id)
            outcome = results.get(row.path) or FileOutcome(row.path, row.state, row.case_id, 0, 0, row.reason)
            if outcome.status in ("done", "duplicate"):
                settle(self.catalog, self.settings, row, [], outcome.hashed)
            elif old.quarantine and old.quarantine != row.quarantine:
                _drop_if_empty(Path(old.quarantine))
            outcomes.append(outcome)
        return outcomes


def _copies(row: FileRow) -> tuple[list[Path], list[str]]:
    """The files to read again: the quarantine copy, else the original if it is back in place."""
    folder = Path(row.quarantine) if row.quarantine else None
    found, gone = [], []
    for p in map(Path, row.paths):
        if folder is not None and (folder / p.name).is_file():
            found.append(folder / p.name)
        elif p.is_file():
            found.append(p)
        else:
            gone.append(p.name)
    return found, gone


def _drop_if_empty(folder: Path) -> None:
    """A quarantine folder whose files moved on holds only its reason: remove it."""
    if folder.is_dir() and all(p.name.endswith(".reason.txt") for p in folder.iterdir()):
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()
