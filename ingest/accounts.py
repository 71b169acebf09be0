"""Accounts of the web app and its API (issue 13): argon2id passwords, sign-in with a lock-out,
web sessions with an idle timeout, personal API tokens.

What a visitor sends (a session cookie, a bearer token) is looked up by its sha256: the catalog
never holds a secret that signs in. No password, token or session id reaches the audit trail, a log
or an error message. There is no default account: the first admin is made by `hoso user add`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pipeline.config import Settings
from pipeline.errors import NotFound, UsageError
from pipeline.secrecy import levels
from pipeline.store.catalog import Catalog

from . import audit
from .access import User

if TYPE_CHECKING:
    from .access import Access

ROLES = ("admin", "leader", "prosecutor", "clerk")
MIN_PASSWORD = 10
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,62}")  # a login: no spaces, no ':' (the CLI is `cli:<login>`)
TYPED_NAME_KEPT = 64  # of what a failed sign-in typed as its name, the audit keeps this much
# Writing last_seen / last_used on every request would make each page view a write: once a minute
# (or 1/20 of the idle timeout, if shorter) is enough to time a session out.
TOUCH_SECONDS = 60.0

# argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane): about 60 ms a check on a loaded
# 2-CPU server, where argon2-cffi's default (64 MiB, 3 passes, 4 lanes) took 0.5 s, a cost each
# sign-in attempt, true or false, puts on the server. Hashes made with other parameters still verify
# and are re-made with these at the next sign-in.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@cache
def _dummy_hash() -> str:
    """What an unknown name's password is checked against, so that it takes as long as a known one's."""
    return HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"a password needs at least {MIN_PASSWORD} characters")
    return HASHER.hash(password)


def digest(secret: str) -> str:
    """How a session id or API token is stored and looked up."""
    return hashlib.sha256(secret.encode()).hexdigest()


def account_user(row: dict, address: str) -> User:
    return User(row["name"], role=row["role"], clearance=row["clearance"], address=address, id=row["id"])


# ---- signing in, and who a request comes from --------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """A sign-in's outcome. Refused for any `reason` with the same words: a visitor cannot tell an
    unknown name from a wrong password or a locked account."""

    reason: str  # ok | unknown_name | wrong_password | locked | disabled | no_password
    user: User | None = None
    session: str | None = None  # the new session's id (the cookie's value), only when ok

    @property
    def ok(self) -> bool:
        return self.reason == "ok"


def sign_in(
    settings: Settings, catalog: Catalog, name: str, password: str, address: str, previous: str | None = None
) -> SignIn:
    """Check a name and password; on success open a NEW web session (never one the visitor brought)
    and end the `previous` one of this browser, if any. Recorded in the audit trail, failed or not,
    under the name as typed."""
    row = catalog.user(name)
    stored = row["password_hash"] if row and row["password_hash"] else None
    try:  # one argon2 verification whatever the case: a refusal takes as long as any other
        matches = HASHER.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        matches = False
    now = time.time()
    locked = False
    if row is None:
        reason = "unknown_name"
    elif row["disabled"]:
        reason = "disabled"
    elif row["locked_until"] and row["locked_until"] > now:
        reason = "locked"
    elif stored is None:
        reason = "no_password"
    elif not matches:
        reason = "wrong_password"
        locked = catalog.failed_signin(row["id"], settings.web_lockout_failures, settings.web_lockout_minutes * 60)
    else:
        reason = "ok"
    detail: dict = {"ok": reason == "ok", "reason": reason}
    if locked:
        detail["locked_minutes"] = settings.web_lockout_minutes
    audit.append(settings, catalog, who=name[:TYPED_NAME_KEPT], address=address, action="signin", detail=detail)
    if reason != "ok":
        return SignIn(reason)
    session = secrets.token_urlsafe(32)
    with catalog.transaction():
        catalog.signed_in(row["id"])
        if HASHER.check_needs_rehash(stored):  # the hasher's parameters were raised since
            catalog.update_user(row["id"], password_hash=HASHER.hash(password))
        catalog.end_idle_sessions(now - settings.web_session_idle_minutes * 60)
        if previous:
            catalog.end_session(digest(previous))
        catalog.add_session(digest(session), row["id"], address)
    return SignIn(reason, account_user(row, address), session)


def session_user(settings: Settings, catalog: Catalog, session: str, address: str) -> User | None:
    """The account signed in with this session cookie, if the session is live; an idle one is ended."""
    if not session or len(session) > 100:
        return None
    key = digest(session)
    row = catalog.session_user(key)
    if row is None:
        return None
    now = time.time()
    idle = settings.web_session_idle_minutes * 60
    if now - row["last_seen"] > idle:
        catalog.end_session(key)
        return None
    if now - row["last_seen"] > min(TOUCH_SECONDS, idle / 20):
        catalog.session_seen(key, now)
    return account_user(row, address)


def token_user(catalog: Catalog, token: str, address: str) -> User | None:
    """The account holding this API token, if neither the token is revoked nor the account disabled."""
    if not token or len(token) > 100:
        return None
    row = catalog.token_user(digest(token))
    if row is None:
        return None
    now = time.time()
    if row["last_used"] is None or now - row["last_used"] > TOUCH_SECONDS:
        catalog.token_used(row["token_id"], now)
    return account_user(row, address)


# ---- what an admin does (`hoso user ...`) --------------------------------------------------------------


class Accounts:
    """The accounts as `access.user` changes them; each change recorded through `access.record`."""

    def __init__(self, access: Access):
        self.access = access
        self.catalog = access.catalog

    def list(self) -> list[dict]:
        """`hoso user list --json`: every account, without its password hash."""
        now = time.time()
        return [
            {
                "name": row["name"],
                "full_name": row["full_name"],
                "role": row["role"],
                "clearance": row["clearance"],
                "disabled": bool(row["disabled"]),
                "locked": bool(row["locked_until"] and row["locked_until"] > now),
                "failed_signins": row["failed_signins"],
                "password": row["password_hash"] is not None,
                "tokens": row["tokens"],
                "created_at": row["created_at"],
            }
            for row in self.catalog.users()
        ]

    def check_new(self, name: str, role: str, clearance: str) -> None:
        """Refuse a new account's name, role or clearance (before its password is asked for)."""
        if not NAME.fullmatch(name):
            raise UsageError(
                f"{name!r} is not a login name: 2 to 63 of a-z, 0-9, '.', '_', '-', starting with a letter or digit"
            )
        check_role(role)
        check_clearance(clearance)
        if self.catalog.user(name) is not None:
            raise UsageError(f"there is an account {name} already")

    def add(self, name: str, role: str, clearance: str, full_name: str | None, password: str) -> None:
        self.check_new(name, role, clearance)
        password_hash = hash_password(password)
        with self.catalog.transaction():
            self.check_new(name, role, clearance)  # again, inside the write: another `user add` may have won
            self.catalog.add_user(name, role, clearance, full_name, password_hash)
        self.access.record("user.add", user=name, role=role, clearance=clearance, full_name=full_name)

    def change(
        self, name: str, *, role: str | None = None, clearance: str | None = None, full_name: str | None = None
    ) -> dict:
        """Change an account's role, clearance or full name (at once, for its open sessions too)."""
        row = self.account(name)
        if role is not None:
            check_role(role)
        if clearance is not None:
            check_clearance(clearance)
        wanted = {"role": role, "clearance": clearance, "full_name": full_name}
        changes = {k: v for k, v in wanted.items() if v is not None and v != row[k]}
        if changes:
            self.catalog.update_user(row["id"], **changes)
            self.access.record("user.set", user=name, **{k: {"old": row[k], "new": v} for k, v in changes.items()})
        return changes

    def disable(self, name: str, disabled: bool = True) -> None:
        """Disable an account: its sessions end and its tokens stop working at once (or enable it again)."""
        row = self.account(name)
        with self.catalog.transaction():
            self.catalog.update_user(row["id"], disabled=int(disabled))
            ended = self.catalog.end_sessions(row["id"]) if disabled else 0
        self.access.record("user.disable" if disabled else "user.enable", user=name, sessions_ended=ended)

    def set_password(self, name: str, password: str) -> None:
        """A new password; the account's web sessions end (whoever knew the old one is signed out)."""
        row = self.account(name)
        password_hash = hash_password(password)
        with self.catalog.transaction():
            self.catalog.update_user(row["id"], password_hash=password_hash)
            self.catalog.signed_in(row["id"])
            ended = self.catalog.end_sessions(row["id"])
        self.access.record("user.passwd", user=name, sessions_ended=ended)

    def unlock(self, name: str) -> None:
        row = self.account(name)
        self.catalog.unlock_user(row["id"])
        self.access.record("user.unlock", user=name)

    def new_token(self, name: str) -> str:
        """A new personal API token of this account: returned once, stored as its sha256."""
        row = self.account(name)
        token = secrets.token_urlsafe(32)
        self.catalog.add_token(row["id"], digest(token))
        self.access.record("user.token", user=name)
        return token

    def revoke_tokens(self, name: str) -> int:
        row = self.account(name)
        revoked = self.catalog.revoke_tokens(row["id"])
        self.access.record("user.token_revoke", user=name, revoked=revoked)
        return revoked

    def sign_out(self, session: str) -> None:
        """End this web session (`access.user`'s own)."""
        self.catalog.end_session(digest(session))
        self.access.record("signout")

    def account(self, name: str) -> dict:
        row = self.catalog.user(name)
        if row is None:
            raise NotFound(f"no account {name}")
        return row


def check_role(role: str) -> None:
    if role not in ROLES:
        raise UsageError(f"no role {role!r}: one of {', '.join(ROLES)}")


def check_clearance(clearance: str) -> None:
    readable = [key for key, level in levels().items() if level.digitized]
    if clearance not in readable:
        raise UsageError(f"no clearance {clearance!r}: one of {', '.join(readable)}")
