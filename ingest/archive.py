"""The archive of originals (content-addressed by sha256) and the quarantine.

Originals are copied, never moved, and verified by hash (while they are copied) before
anything may remove them from an inbox: the archive copy is the file of record.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.hashing import HashedFile, copy_file

from .sources import batch_sha256


class ArchiveError(Exception):
    """The archive copy could not be written or verified."""


@dataclass
class Archived:
    """An original in the archive."""

    path: Path  # the archive copy
    original: HashedFile | None  # the file as it was read for the copy; None: archived before, not read again


def archive_path(archive_dir: Path, sha256: str, name: str) -> Path:
    suffix = Path(name).suffix.lower() or ".bin"
    return archive_dir / sha256[:2] / f"{sha256}{suffix}"


def archive_originals(sources: list[Path], archive_dir: Path, batch_id: str) -> list[Archived]:
    """Copy a batch's files into the archive, each hashed while it is copied, and keep the copies only
    if together they are the batch that arrived (its content id `batch_id`): what was copied is
    verified without reading it again. A single file archived before is not copied again."""
    if len(sources) == 1:
        kept = archive_path(archive_dir, batch_id, sources[0].name)
        if kept.exists():
            return [Archived(kept, None)]
    archive_dir.mkdir(parents=True, exist_ok=True)
    partials = [archive_dir / f".{source.name}.{os.getpid()}-{n}.part" for n, source in enumerate(sources)]
    try:
        copied = [copy_file(source, partial) for source, partial in zip(sources, partials, strict=True)]
        digest = batch_sha256([c.sha256 for c in copied])
        if digest != batch_id:
            raise ArchiveError(
                f"{sources[0]}: the file changed after it arrived (sha256 {batch_id[:12]} → "
                f"{digest[:12]}); nothing of it was archived"
            )
        archived = []
        for partial, original in zip(partials, copied, strict=True):
            target = archive_path(archive_dir, original.sha256, original.path.name)
            target.parent.mkdir(exist_ok=True)
            os.replace(partial, target)
            target.chmod(0o444)
            archived.append(Archived(target, original))
        return archived
    finally:
        for partial in partials:
            partial.unlink(missing_ok=True)


def quarantine(sources: list[Path], quarantine_dir: Path, reason: str, *, move: bool = False) -> Path:
    """Put the batch's files under quarantine/ with a plain-words `.reason.txt`.

    Batch ingestion copies (the inbox stays as it was); the watcher moves.
    Returns the folder holding them.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = quarantine_dir / f"{stamp}-{sources[0].name}"
    n = 1
    while folder.exists():
        n += 1
        folder = quarantine_dir / f"{stamp}-{sources[0].name}-{n}"
    folder.mkdir(parents=True)
    try:
        for source in sources:
            if not source.exists():
                continue
            if move:
                shutil.move(source, folder / source.name)
            else:
                shutil.copy2(source, folder / source.name)
        lines = [f"reason: {reason}", "files:", *[f"  {s}" for s in sources]]
        (folder / f"{sources[0].name}.reason.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    except BaseException:  # e.g. the disk is full: what moved goes back, no half folder stays
        for source in sources:
            if move and not source.exists() and (folder / source.name).exists():
                shutil.move(folder / source.name, source)
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder
