"""One exit code enum for every command (documented in the README)."""
from __future__ import annotations

from enum import IntEnum


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
