"""Search backends: the embedded SQLite FTS5 default and OpenSearch for production.

Exactly one backend is active per home; the catalog remembers which, so a
changed configuration cannot silently search an empty index.

The embedded index lives in the SQLite catalog's file; beside a PostgreSQL catalog it has its own
file in the home (`index.sqlite`), so it serves one machine only: machines sharing a PostgreSQL
catalog need OpenSearch.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.config import Settings
from pipeline.errors import IndexUnavailable
from pipeline.store.catalog import Catalog

from .base import SearchBackend


class BackendMismatch(IndexUnavailable):
    """The configuration selects another backend than the one this home was indexed with."""


def wanted_backend(settings: Settings) -> str:
    return "opensearch" if settings.opensearch_url else "sqlite"


def embedded_index_path(settings: Settings, catalog: Catalog) -> Path | None:
    """The embedded index's own file, when the catalog is not an SQLite file it can live in."""
    return settings.home / "index.sqlite" if catalog.dialect == "postgres" else None


def open_backend(settings: Settings, catalog: Catalog, *, switch: bool = False) -> SearchBackend:
    wanted = wanted_backend(settings)
    active = catalog.get_meta("index_backend")
    if active and active != wanted and not switch:
        raise BackendMismatch(
            f"this home is indexed in {active}, but the configuration selects {wanted}; "
            "run `hoso reindex --recreate` to move the index"
        )
    if wanted == "opensearch":
        from .opensearch import OpenSearchBackend

        backend: SearchBackend = OpenSearchBackend.from_settings(settings)
    else:
        from .sqlite_fts import SqliteBackend

        own_file = embedded_index_path(settings, catalog)
        backend = SqliteBackend(catalog.db) if own_file is None else SqliteBackend.of_file(own_file)
    if active != wanted:
        catalog.set_meta("index_backend", wanted)
    return backend
