"""Accounts, their API tokens and web sessions (issue 13)."""

from __future__ import annotations

import sqlite3


class Users:
    db: sqlite3.Connection
