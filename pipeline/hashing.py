"""Content hashes: files are addressed and verified by sha256.

An arrival is read and hashed once; its digest is carried from there (`HashedFile`) instead
of reading the file again, and a copy is verified by hashing the bytes on their way.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_CHUNK = 1 << 20


@dataclass(frozen=True)
class HashedFile:
    """A file as it was read: its sha256, and its inode, size and mtime at that moment."""

    path: Path
    sha256: str
    identity: tuple[int, int, int]  # (inode, size, mtime_ns) of the file that was read

    @property
    def size(self) -> int:
        return self.identity[1]

    def unchanged(self) -> bool:
        """Is the file at `path` still the one that was hashed? One stat, no read: a file written
        or replaced since has another mtime or inode."""
        try:
            return _identity(os.stat(self.path)) == self.identity
        except OSError:
            return False


def hash_file(path: Path) -> HashedFile:
    with open(path, "rb") as fh:
        stat = os.fstat(fh.fileno())
        return HashedFile(Path(path), _digest(fh), _identity(stat))


def sha256_file(path: Path) -> str:
    return hash_file(path).sha256


def copy_file(source: Path, target: Path) -> HashedFile:
    """Copy `source` to `target` (flushed to disk), hashing the bytes as they pass: what was
    written is what the returned digest says, without reading either file again."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        stat = os.fstat(src.fileno())
        digest = _digest(src, dst)
        dst.flush()
        os.fsync(dst.fileno())
    return HashedFile(Path(source), digest, _identity(stat))


def _digest(source: BinaryIO, copy_to: BinaryIO | None = None) -> str:
    """The one place a file is read to be hashed (tests count the reads here)."""
    if copy_to is None:
        return hashlib.file_digest(source, "sha256").hexdigest()
    digest = hashlib.sha256()
    for chunk in iter(lambda: source.read(_CHUNK), b""):
        digest.update(chunk)
        copy_to.write(chunk)
    return digest.hexdigest()


def _identity(stat: os.stat_result) -> tuple[int, int, int]:
    return stat.st_ino, stat.st_size, stat.st_mtime_ns
