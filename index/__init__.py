"""Search backends: the embedded SQLite FTS5 default and OpenSearch for production.

Exactly one backend is active per home; the catalog remembers which, so a
changed configuration cannot silently search an empty index.
"""

from __future__ import annotations

from pipeline.config import Settings
from pipeline.errors import IndexUnavailable
from pipeline.store.catalog import Catalog

from .base import SearchBackend


class BackendMismatch(IndexUnavailable):
    """The configuration selects another backend than the one this home was indexed with."""


def wanted_backend(settings: Settings) -> str:
    return "opensearch" if settings.opensearch_url else "sqlite"


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

        backend = SqliteBackend(catalog.db)
    if active != wanted:
        catalog.set_meta("index_backend", wanted)
    return backend
