"""The archive of originals (content-addressed by sha256) and the quarantine.

Originals are copied, never moved, and verified by hash before anything may
remove them from an inbox: the archive copy is the file of record.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from pipeline.hashing import sha256_file


class ArchiveError(Exception):
    """The archive copy could not be written or verified."""


def archive_path(archive_dir: Path, sha256: str, name: str) -> Path:
    suffix = Path(name).suffix.lower() or ".bin"
    return archive_dir / sha256[:2] / f"{sha256}{suffix}"


def archive_original(source: Path, archive_dir: Path, sha256: str | None = None) -> tuple[Path, str]:
    """Copy `source` into the archive (if not already there) and verify it. Returns (path, sha256)."""
    sha256 = sha256 or sha256_file(source)
    target = archive_path(archive_dir, sha256, source.name)
    if target.exists() and sha256_file(target) == sha256:
        return target, sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        shutil.copyfile(source, partial)
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
    except BaseException:  # e.g. the disk is full: no half copy stays behind
        partial.unlink(missing_ok=True)
        raise
    copied = sha256_file(partial)
    if copied != sha256:
        partial.unlink(missing_ok=True)
        raise ArchiveError(f"{source}: the file changed while it was copied (sha256 {sha256[:12]} → {copied[:12]})")
    os.replace(partial, target)
    target.chmod(0o444)
    return target, sha256


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
