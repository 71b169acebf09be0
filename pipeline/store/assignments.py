"""Which user works on which case (hoso case assign; issue 13)."""

from __future__ import annotations

import sqlite3


class Assignments:
    db: sqlite3.Connection
