"""Failures that end a command, each carrying its exit code (OCRmyPDF's `exceptions.py` is the model).

Any layer raises them; the one handler of the CLI (cli/main.py) prints the message, as JSON too
under `--json`, and exits with the code. The codes are documented in the README.
"""

from __future__ import annotations

import errno
import os
import pwd
import re
import shutil
import sqlite3
import stat
import sys
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # unexpected failure; the message says what happened
    USAGE = 2  # bad command line or configuration
    QUARANTINED = 3  # the command ran, but some input went to quarantine
    INTEGRITY = 4  # a check found missing, altered or orphaned files, or a damaged catalog
    NOT_FOUND = 5  # no such case, document or page
    MISSING_DEPENDENCY = 6  # a program or data file this machine needs is missing
    INDEX_UNAVAILABLE = 7  # the search index cannot be reached or does not match the config
    BUSY = 8  # another hoso process holds the work (lock)
    RESOURCE = 9  # the machine refused a write: disk full, quota, read-only home, no permission
    FORBIDDEN = 10  # the user's role or clearance does not allow this (web and API users; the CLI has every right)
    INTERRUPTED = 130  # Ctrl-C (SIGINT); the work in progress was rolled back


class HosoError(Exception):
    """A failure a person can act on: `str(error)` says what happened and what to do."""

    exit_code = ExitCode.ERROR


class UsageError(HosoError):
    exit_code = ExitCode.USAGE


class ConfigError(UsageError):
    """The configuration file or a HOSO_* variable is wrong."""


class IntegrityError(HosoError):
    exit_code = ExitCode.INTEGRITY


class NotFound(HosoError):
    """No such case, document, page or dossier (or none this user may see)."""

    exit_code = ExitCode.NOT_FOUND


class Forbidden(HosoError):
    """The user may not do this (their role), or not have this whole (a dossier with documents above
    their clearance). What they may not see at all answers `NotFound`, as if it did not exist."""

    exit_code = ExitCode.FORBIDDEN


class IndexUnavailable(HosoError):
    exit_code = ExitCode.INDEX_UNAVAILABLE


class Busy(HosoError):
    exit_code = ExitCode.BUSY


class ResourceError(HosoError):
    """The machine, not the input, is at fault: the disk is full, the home is read-only or not ours."""

    exit_code = ExitCode.RESOURCE


class Interrupted(HosoError):
    exit_code = ExitCode.INTERRUPTED


class Failed(HosoError):
    """A failure with a code chosen where it happens (e.g. the CLI's `fail`)."""

    def __init__(self, message: str, exit_code: ExitCode):
        super().__init__(message)
        self.exit_code = exit_code


# A full disk or quota, a read-only file system: never the input's fault.
_FULL_OR_READ_ONLY = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}
_NOT_PERMITTED = {errno.EACCES, errno.EPERM}
# sqlite3 result codes (primary code: the low byte of the extended one).
_SQLITE_RESOURCE = {
    3: "no permission",
    8: "the catalog is read-only",
    13: "the disk is full",
    14: "the catalog cannot be opened",
}
# PostgreSQL SQLSTATEs (a class: its first two characters) where the server or the way to it failed.
_POSTGRES_RESOURCE = {
    "08": "catalog unavailable: the connection to PostgreSQL failed",
    "57": "catalog unavailable: PostgreSQL is shutting down or refuses connections",
    "53": "the catalog's PostgreSQL is out of resources (disk, memory or connections)",
    "58": "the catalog's PostgreSQL failed to read or write its files",
    "25006": "the catalog is read-only",
    "42501": "no permission on the catalog",
}


def resource_error(exc: BaseException, home: Path | None = None) -> ResourceError | None:
    """`exc` as a ResourceError when the machine caused it, else None.

    A permission error counts only on a path inside `home` (an unreadable inbox file is the
    input's problem); catalog errors count when SQLite says full, read-only, no permission or
    cannot open.
    """
    if isinstance(exc, ResourceError):
        return exc
    if isinstance(exc, OSError) and exc.errno is not None:
        where = _file_name(exc.filename2 or exc.filename)  # a failed copy names its source, then its target
        if exc.errno in _FULL_OR_READ_ONLY or (exc.errno in _NOT_PERMITTED and _inside(where, home)):
            what = _ERRNO_WORDS.get(exc.errno, exc.strerror or "")
            return ResourceError(f"{what} (writing {where})" if where else what)
    if isinstance(exc, sqlite3.OperationalError):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in _SQLITE_RESOURCE:
            return ResourceError(f"{_SQLITE_RESOURCE[code & 0xFF]} ({exc})")
    if (what := _postgres_resource(exc)) is not None:
        return ResourceError(f"{what} ({first_line(exc)})")
    return None


def _postgres_resource(exc: BaseException) -> str | None:
    """What went wrong with the catalog's PostgreSQL server, or None (a fault of the statement or data)."""
    psycopg = sys.modules.get("psycopg")  # not imported: no PostgreSQL catalog, nor its errors
    if psycopg is None or not isinstance(exc, psycopg.Error):
        return None
    state = exc.sqlstate
    if state is None:  # raised by the client: no connection, or a connection lost
        return _POSTGRES_RESOURCE["08"] if isinstance(exc, psycopg.OperationalError) else None
    return _POSTGRES_RESOURCE.get(state) or _POSTGRES_RESOURCE.get(state[:2])


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


_ERRNO_WORDS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "no permission",
    errno.EPERM: "not permitted",
}


def why_unwritable(path: Path) -> str | None:
    """Why this process may not write `path` (or create it in its nearest existing folder); None if it may."""
    existing = Path(path).absolute()
    while not existing.exists():
        existing = existing.parent
    if os.access(existing, os.W_OK):  # for root too, a read-only mount says no
        return None
    if os.statvfs(existing).f_flag & os.ST_RDONLY:
        return f"{existing} is on a read-only file system"
    info = existing.stat()
    return (
        f"{existing} belongs to {_user(info.st_uid)} (mode {stat.filemode(info.st_mode)}) and this user "
        f"({_user(os.geteuid())}) may not write it"
    )


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


# With less free room than this (or than SCAN_ROOM times the scan's size: OCR decompresses every
# page image), a failure to read or write a scan is put down to the disk, not the scan.
LOW_SPACE_BYTES = 64 * 1024**2
SCAN_ROOM = 20


def low_on_space(path: Path, scan_size: int = 0) -> bool:
    try:
        return shutil.disk_usage(path).free < max(LOW_SPACE_BYTES, SCAN_ROOM * scan_size)
    except OSError:
        return False


def _file_name(filename: object) -> str | None:
    """pikepdf names the open file object, which reaches us from an OCR worker as its repr."""
    name = getattr(filename, "name", filename)
    if isinstance(name, str):
        found = re.fullmatch(r"<_io\.\w+ name='(.*)'>", name)
        return found[1] if found else name
    return None if name is None else str(name)


def _inside(path: object, home: Path | None) -> bool:
    if home is None or not path:
        return home is None
    try:
        Path(str(path)).absolute().relative_to(Path(home).absolute())
    except ValueError:
        return False
    return True
