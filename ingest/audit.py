"""The audit trail: who did what, when, from where; append-only and hash-chained (issue 13)."""

from __future__ import annotations

from pipeline.config import Settings
from pipeline.store.catalog import Catalog


def append(settings: Settings, catalog: Catalog, *, who: str, address: str, action: str, detail: dict) -> None:
    """Append one row to the audit trail."""
