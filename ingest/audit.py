"""The audit trail: who did what, when, from where; append-only and hash-chained (issue 13).

Each row holds the sha256 of the row before it and of itself, so an edited row or a row deleted
in the middle breaks the chain. Rows deleted from the end leave an intact but shorter chain: the
head (last id and sha256) is therefore also kept in `<home>/secrets/audit.head`, signed with
HMAC-SHA256 under a key in `<home>/secrets/audit.key` — outside the catalog, so whoever can only
write the database cannot sign a new head. `verify` checks all of it.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Settings
from pipeline.errors import IntegrityError, UsageError
from pipeline.store.audit import AuditFilter, AuditRow
from pipeline.store.catalog import Catalog

GENESIS = "0" * 64  # the previous sha256 of the first row
# A detail key containing one of these is dropped: a credential never enters the trail.
CREDENTIAL_WORDS = ("password", "passwd", "token", "secret")
# How long `verify` waits for an appender between its commit and its signing of the head.
HEAD_WAIT_SECONDS = 1.0


def secrets_dir(settings: Settings) -> Path:
    return settings.home / "secrets"


def key_path(settings: Settings) -> Path:
    return secrets_dir(settings) / "audit.key"


def head_path(settings: Settings) -> Path:
    return secrets_dir(settings) / "audit.head"


# ---- rows ---------------------------------------------------------------------------------------


def scrub(value):
    """`value` without any entry whose key names a credential (at any depth)."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if not any(w in str(k).lower() for w in CREDENTIAL_WORDS)}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def canonical(detail: dict) -> str:
    return json.dumps(detail, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def row_sha256(row: AuditRow) -> str:
    """The sha256 of a row's fields and its link to the row before (a float's repr round-trips exactly)."""
    fields = [row.id, row.at, row.who, row.address, row.action, row.detail, row.prev_sha256]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def append(settings: Settings, catalog: Catalog, *, who: str, address: str, action: str, detail: dict) -> AuditRow:
    """Append one row to the audit trail and sign the new head.

    The previous row is read and the new one inserted in one write transaction, so concurrent
    processes (watcher, web, CLI) never fork the chain; the head is signed after the commit.
    """
    if catalog.db.in_transaction:
        # A rollback of the caller's transaction would take the row back after its head was signed.
        raise RuntimeError("audit.append inside a transaction: record after the change is committed")
    key = signing_key(settings, catalog)
    text = canonical(scrub(detail))
    with catalog.transaction():
        last = catalog.last_audit_row()
        row_id, prev = (last.id + 1, last.sha256) if last else (1, GENESIS)
        row = AuditRow(row_id, time.time(), who, address, action, text, prev, "")
        row = AuditRow(**{**row.__dict__, "sha256": row_sha256(row)})
        catalog.insert_audit_row(row)
    sign_head(settings, catalog, key, row)
    return row


# ---- the signed head ------------------------------------------------------------------------------


def signing_key(settings: Settings, catalog: Catalog) -> bytes:
    """The HMAC key, made (32 random bytes, 0600, in a 0700 folder) when the trail is still empty.

    Once rows exist a lost key is an integrity failure, not a reason to make a new one: a new key
    would sign whatever head the database holds.
    """
    path = key_path(settings)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if catalog.last_audit_row() is not None:
            raise IntegrityError(
                "the audit trail's key (secrets/audit.key under the home) is missing: restore it from the backup"
            ) from None
    folder = secrets_dir(settings)
    folder.mkdir(mode=0o700, exist_ok=True)
    folder.chmod(0o700)
    tmp = folder / f".audit.key.{secrets.token_hex(8)}"  # unique on a home machines share
    write_private(tmp, secrets.token_bytes(32), sync=True)
    try:
        os.link(tmp, path)  # atomic and never over a key another process made first
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_bytes()


def write_private(path: Path, data: bytes, *, sync: bool) -> None:
    """Write `data` to a new 0600 file (flushed to the disk if `sync`)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def head_hmac(key: bytes, row_id: int, sha256: str) -> str:
    return hmac.new(key, f"{row_id}:{sha256}".encode(), hashlib.sha256).hexdigest()


def read_head(settings: Settings) -> dict | None:
    try:
        return json.loads(head_path(settings).read_text())
    except FileNotFoundError:
        return None
    except ValueError:
        return {}  # unreadable: `verify` reports it as not signed


def sign_head(settings: Settings, catalog: Catalog, key: bytes, row: AuditRow) -> None:
    """Make `row` the signed head, unless a later row already is (appenders finish in any order).

    Appenders read and replace the head one at a time: on every machine sharing the home and a
    PostgreSQL catalog (a lock of its server: file locks may not hold across machines), else on this one.
    """
    if catalog.shares_locks:
        with catalog.held_lock("audit head"):
            _replace_head(settings, key, row)
        return
    with open(key_path(settings), "rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _replace_head(settings, key, row)


def _replace_head(settings: Settings, key: bytes, row: AuditRow) -> None:
    path = head_path(settings)
    head = read_head(settings)
    if head and isinstance(head.get("id"), int) and head["id"] >= row.id:
        return
    signed = {"id": row.id, "sha256": row.sha256, "hmac": head_hmac(key, row.id, row.sha256)}
    tmp = path.with_name(f".audit.head.{os.getpid()}")
    # No fsync (3–5 ms a request): the catalog commits without one too (WAL, synchronous=NORMAL),
    # so after a power cut rows and head are equally recent; the rename keeps the head whole.
    write_private(tmp, json.dumps(signed).encode(), sync=False)
    tmp.replace(path)


# ---- verification ---------------------------------------------------------------------------------


@dataclass
class Verdict:
    """What `hoso audit verify` found: the number of rows and, if the trail is broken, where first."""

    rows: int = 0
    bad_row: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def message(self) -> str:
        if self.ok:
            return f"{self.rows} rows, chain intact, head signed"
        where = f"row {self.bad_row}: " if self.bad_row is not None else ""
        return f"audit trail broken at {where}{self.problem}"

    def as_json(self) -> dict:
        return {"ok": self.ok, "rows": self.rows, "first_bad_row": self.bad_row, "problem": self.problem}


def verify(settings: Settings, catalog: Catalog) -> Verdict:
    """Walk the rows in id order (recomputing each sha256 and link), then check the signed head."""
    verdict = Verdict()
    expected_id, prev, last = 1, GENESIS, None
    for row in catalog.audit_chain():
        verdict.rows += 1
        if verdict.ok:
            if row.id != expected_id:
                gone = str(expected_id) if row.id == expected_id + 1 else f"{expected_id}–{row.id - 1}"
                verdict.bad_row, verdict.problem = row.id, f"the row(s) before it ({gone}) were deleted"
            elif row.prev_sha256 != prev:
                verdict.bad_row = row.id
                verdict.problem = (
                    f"its link to row {row.id - 1} is broken (row {row.id - 1} was rewritten, or this link)"
                )
            elif row_sha256(row) != row.sha256:
                verdict.bad_row, verdict.problem = row.id, "edited: its content no longer matches its sha256"
        expected_id, prev, last = row.id + 1, row.sha256, row
    if verdict.ok:
        check_head(settings, catalog, last, verdict)
    return verdict


def check_head(settings: Settings, catalog: Catalog, last: AuditRow | None, verdict: Verdict) -> None:
    """Is the trail's last row the one the signed head names? Finds rows deleted from the end, and
    rows written (or rewritten) by someone without the key."""
    head = read_head(settings)
    if head is None and last is None:
        return  # nothing recorded yet
    try:
        key = key_path(settings).read_bytes()
    except FileNotFoundError:
        verdict.problem = "the key (secrets/audit.key under the home) is missing: the head cannot be checked"
        return
    deadline = time.monotonic() + HEAD_WAIT_SECONDS
    while True:
        if not head:
            verdict.problem = "the signed head (secrets/audit.head under the home) is missing or unreadable"
            return
        head_id, head_sha = head.get("id"), head.get("sha256")
        if not isinstance(head_id, int) or not hmac.compare_digest(
            str(head.get("hmac", "")), head_hmac(key, head_id, str(head_sha))
        ):
            verdict.problem = "the signed head is forged (its HMAC does not match the key)"
            return
        signed = catalog.audit_row(head_id)
        if signed is None:
            current = catalog.last_audit_row()
            end = current.id if current else 0
            verdict.bad_row = end + 1
            verdict.problem = (
                f"rows {end + 1}–{head_id} were deleted from the end (the signed head names row {head_id})"
            )
            return
        if signed.sha256 != head_sha:
            verdict.bad_row = head_id
            verdict.problem = "it is not the row the head signed (the chain was rewritten up to it)"
            return
        if last is None or head_id >= last.id:  # beyond `last`: rows appended since the walk
            return
        if time.monotonic() > deadline:  # not an appender about to sign: rows added without the key
            verdict.bad_row = head_id + 1
            verdict.problem = f"rows {head_id + 1}–{last.id} come after the signed head (row {head_id}): not signed"
            return
        time.sleep(0.05)
        head = read_head(settings)


# ---- reading --------------------------------------------------------------------------------------


def as_dict(row: AuditRow) -> dict:
    return {
        "id": row.id,
        "at": row.at,
        "who": row.who,
        "address": row.address,
        "action": row.action,
        "detail": json.loads(row.detail),
    }


def listing(catalog: Catalog, where: AuditFilter, *, limit: int, offset: int = 0) -> dict:
    """`hoso audit --json` and /nhat-ky: {"rows": [...] newest first, "total"}."""
    rows, total = catalog.audit_rows(where, limit=limit, offset=offset)
    return {"rows": [as_dict(row) for row in rows], "total": total}


def parse_day(value: str) -> datetime.date:
    """A day as typed: 2025-03-01 or 01/03/2025."""
    text = value.strip()
    for shape in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, shape).date()
        except ValueError:
            pass
    raise UsageError(f"not a day: {value!r} (dd/mm/yyyy or YYYY-MM-DD)")


def day_filter(
    *, who: str | None, case_id: str | None, action: str | None, since: str | None, until: str | None
) -> AuditFilter:
    """The rows of `who`, `case_id`, `action` from the day `since` through the day `until` (local time)."""

    def start(day: datetime.date) -> float:
        return datetime.datetime.combine(day, datetime.time()).timestamp()

    return AuditFilter(
        who=who or None,
        case_id=case_id or None,
        action=action or None,
        since=start(parse_day(since)) if since else None,
        until=start(parse_day(until) + datetime.timedelta(days=1)) if until else None,
    )


def local_time(at: float) -> str:
    """dd/mm/yyyy HH:MM:SS, as the office reads it."""
    return datetime.datetime.fromtimestamp(at).strftime("%d/%m/%Y %H:%M:%S")
