"""The catalog: the one store of record (SQLite in WAL mode in the home, or PostgreSQL: `catalog_url`).

Everything else — dossier PDFs, manifests, the search index — is derived from
what is here and can be rebuilt from it. Only the modules of this package speak
SQL to the catalog tables, each aggregate in its own module (files, batches,
cases, documents, dossiers, corrections, users, assignments, audit, petitions), the schema in `migrations`; the
embedded search index keeps its own FTS tables in the SQLite catalog's file, or beside a PostgreSQL
catalog in `<home>/index.sqlite` (index/__init__.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .assignments import Assignments
from .audit import AuditTrail
from .batches import Batches
from .cases import Cases
from .corrections import Corrections
from .database import Database
from .documents import DocumentRow, Documents
from .dossiers import Dossiers
from .files import FILE_STATES, FileRow, Files
from .migrations import migrate
from .petitions import Petitions
from .users import Users

__all__ = ["Catalog", "DocumentRow", "FILE_STATES", "FileRow", "open_catalog"]


class Catalog(
    Database, Files, Batches, Cases, Documents, Dossiers, Corrections, Users, Assignments, AuditTrail, Petitions
):
    """A connection to the catalog of one home, migrated to the current schema on opening.

    The aggregates' methods are all here; what spans several aggregates is below."""

    def __init__(self, location: str | Path, *, read_only: bool = False):
        """`location`: a PostgreSQL URL, or the path of an SQLite file."""
        super().__init__(location, read_only=read_only)
        if not read_only:
            migrate(self.db)

    def counts(self) -> dict[str, int]:
        documents = self.document_counts()
        return {
            "cases": self.case_count(),
            "documents": documents["documents"],
            "pages": documents["pages"],
            "unassigned": self.unassigned_file_count(),
            "not_indexed": documents["not_indexed"],
        }

    def add_correction(
        self,
        document_id: str | None,
        field: str,
        old,
        new,
        who: str,
        *,
        page: tuple[str, int] | None = None,
        case_id: str | None = None,
        data: dict | None = None,
    ) -> int:
        """Record a manual correction (old → new, who, when).

        `page` (batch id, page within the batch) anchors it so `hoso reprocess` can replay it: the
        first page of the document as it was, by default, which survives a change of document id.
        """
        if document_id is not None and (page is None or case_id is None):
            doc = self.document(document_id)
            if doc is not None:
                case_id = case_id if case_id is not None else doc.case_id
                page = page if page is not None or not doc.pages else doc.pages[0][:2]
        return self.record_correction(document_id, field, old, new, who, page=page, case_id=case_id, data=data)

    def move_case_links(self, old: str, new: str) -> None:
        """Files and batches of case `old` belong to `new` from now on (rename or merge of cases)."""
        self.move_case_batches(old, new)
        self.move_files_to_case(old, new)
        self.move_case_assignments(old, new)

    def drop_case_if_unused(self, case_id: str) -> bool:
        """Forget a case with no documents, files or dossier versions (a dossier's history is kept)."""
        if self.case_has_documents(case_id) or self.case_has_dossiers(case_id) or self.case_has_files(case_id):
            return False
        self.delete_case(case_id)
        return True


@contextmanager
def open_catalog(location: str | Path) -> Iterator[Catalog]:
    catalog = Catalog(location)
    try:
        yield catalog
    finally:
        catalog.close()
