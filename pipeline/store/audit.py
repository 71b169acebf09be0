"""The audit trail's rows: appended, never changed (issue 13; the chain is ingest.audit's)."""

from __future__ import annotations

import sqlite3


class AuditTrail:
    db: sqlite3.Connection
