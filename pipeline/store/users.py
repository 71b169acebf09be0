"""Accounts, their API tokens and web sessions (issue 13).

Tokens and session ids are stored as their sha256 only: whoever reads the catalog cannot sign in
with what is stored. Passwords arrive here already hashed (argon2id, ingest/accounts.py).
"""

from __future__ import annotations

import time

from .database import Connection, transaction

ACCOUNT_FIELDS = ("full_name", "role", "clearance", "password_hash", "disabled")


class Users:
    db: Connection

    def add_user(self, name: str, role: str, clearance: str, full_name: str | None, password_hash: str | None) -> int:
        now = time.time()
        cur = self.db.execute(
            "INSERT INTO users(name, full_name, role, clearance, password_hash, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (name, full_name, role, clearance, password_hash, now, now),
        )
        return int(cur.fetchone()[0])

    def user(self, name: str) -> dict | None:
        row = self.db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return dict(row) if row else None

    def users(self) -> list[dict]:
        """Every account with its count of live API tokens, by name."""
        rows = self.db.execute(
            "SELECT u.*, (SELECT COUNT(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked = 0) AS tokens"
            " FROM users u ORDER BY u.name"
        )
        return [dict(r) for r in rows]

    def admin_count(self) -> int:
        """Accounts that can administer the web app (enabled admins)."""
        return self.db.execute("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0").fetchone()[0]

    def update_user(self, user_id: int, **fields) -> None:
        """Change some of ACCOUNT_FIELDS of an account."""
        unknown = set(fields) - set(ACCOUNT_FIELDS)
        if unknown:
            raise ValueError(f"not an account field: {', '.join(sorted(unknown))}")
        if fields:
            sets = ", ".join(f"{name} = ?" for name in fields)
            self.db.execute(
                f"UPDATE users SET {sets}, updated_at = ? WHERE id = ?", (*fields.values(), time.time(), user_id)
            )

    # ---- sign-in failures and the lock-out ---------------------------------------------------

    def failed_signin(self, user_id: int, lock_after: int, lock_seconds: float) -> bool:
        """Count a failed sign-in; the `lock_after`-th in a row locks the account for `lock_seconds`
        (and starts the count again). Returns whether it locked."""
        with transaction(self.db):
            self.db.execute("UPDATE users SET failed_signins = failed_signins + 1 WHERE id = ?", (user_id,))
            failures = self.db.execute("SELECT failed_signins FROM users WHERE id = ?", (user_id,)).fetchone()[0]
            if failures < lock_after:
                return False
            self.db.execute(
                "UPDATE users SET failed_signins = 0, locked_until = ? WHERE id = ?",
                (time.time() + lock_seconds, user_id),
            )
            return True

    def signed_in(self, user_id: int) -> None:
        """A good sign-in ends the run of failures."""
        self.db.execute("UPDATE users SET failed_signins = 0, locked_until = NULL WHERE id = ?", (user_id,))

    def unlock_user(self, user_id: int) -> None:
        self.signed_in(user_id)

    # ---- API tokens ----------------------------------------------------------------------------

    def add_token(self, user_id: int, token_sha256: str) -> None:
        self.db.execute(
            "INSERT INTO api_tokens(user_id, token_sha256, created_at) VALUES (?, ?, ?)",
            (user_id, token_sha256, time.time()),
        )

    def revoke_tokens(self, user_id: int) -> int:
        cur = self.db.execute("UPDATE api_tokens SET revoked = 1 WHERE user_id = ? AND revoked = 0", (user_id,))
        return cur.rowcount

    def token_user(self, token_sha256: str) -> dict | None:
        """The enabled account holding this live token, with the token's `last_used`."""
        row = self.db.execute(
            "SELECT u.*, t.id AS token_id, t.last_used FROM api_tokens t JOIN users u ON u.id = t.user_id"
            " WHERE t.token_sha256 = ? AND t.revoked = 0 AND u.disabled = 0",
            (token_sha256,),
        ).fetchone()
        return dict(row) if row else None

    def token_used(self, token_id: int, at: float) -> None:
        self.db.execute("UPDATE api_tokens SET last_used = ? WHERE id = ?", (at, token_id))

    # ---- web sessions --------------------------------------------------------------------------

    def add_session(self, id_sha256: str, user_id: int, address: str) -> None:
        now = time.time()
        self.db.execute(
            "INSERT INTO web_sessions(id_sha256, user_id, created_at, last_seen, address) VALUES (?, ?, ?, ?, ?)",
            (id_sha256, user_id, now, now, address),
        )

    def session_user(self, id_sha256: str) -> dict | None:
        """The enabled account of this session, with the session's `last_seen`."""
        row = self.db.execute(
            "SELECT u.*, s.last_seen FROM web_sessions s JOIN users u ON u.id = s.user_id"
            " WHERE s.id_sha256 = ? AND u.disabled = 0",
            (id_sha256,),
        ).fetchone()
        return dict(row) if row else None

    def session_seen(self, id_sha256: str, at: float) -> None:
        self.db.execute("UPDATE web_sessions SET last_seen = ? WHERE id_sha256 = ?", (at, id_sha256))

    def end_session(self, id_sha256: str) -> None:
        self.db.execute("DELETE FROM web_sessions WHERE id_sha256 = ?", (id_sha256,))

    def end_sessions(self, user_id: int) -> int:
        """Sign the account out everywhere (disabled, new password)."""
        return self.db.execute("DELETE FROM web_sessions WHERE user_id = ?", (user_id,)).rowcount

    def end_idle_sessions(self, seen_before: float) -> int:
        return self.db.execute("DELETE FROM web_sessions WHERE last_seen < ?", (seen_before,)).rowcount
