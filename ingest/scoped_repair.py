"""`ingest.repair.Repair` within a user's rights: the review lists, and the corrections touch, only the
documents and cases the user sees; each correction goes into the audit trail (issue 13).

Its own module: `ingest.repair` loads the whole pipeline, and only corrections need it."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.config import Settings
from pipeline.errors import Forbidden, NotFound
from pipeline.store.catalog import Catalog, DocumentRow

from .repair import Change, Repair
from .rights import ACTIONS, Rights


class ScopedRepair(Repair):
    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        backend,
        *,
        who: str,
        role: str,
        rights: Rights,
        record: Callable[..., None],
    ):
        super().__init__(settings, catalog, backend, who=who, role=role)
        self.rights = rights
        self.record = record  # Access.record
        self.unaudited: list[dict] = []

    def document(self, doc_id: str) -> DocumentRow:
        doc = super().document(doc_id)
        if not self.rights.sees(doc):  # answered as Repair.document answers a missing one
            raise NotFound(f"no document {doc_id} (see `hoso review` or `hoso dossier show CASE`)")
        return doc

    def review(self, case_id: str | None = None) -> list[dict]:
        listed = super().review(case_id)
        if self.rights.everything:
            return listed
        named = [item["id"] for item in listed] + [item["duplicate_of"] for item in listed if "duplicate_of" in item]
        seen = {d.id for d in self.catalog.documents_by_id(named) if self.rights.sees(d)}
        for item in listed:
            if item.get("duplicate_of") not in seen:  # a paper the user may not read is not named
                item.pop("duplicate_of", None)
        return [item for item in listed if item["id"] in seen]

    def rename_case(self, old: str, new: str, *, merging: bool = False) -> Change:
        if not self.rights.sees_case(old):
            raise NotFound(f"no case {old}")
        if merging and not self.rights.sees_case(new):
            raise NotFound(f"no case {new} to merge into (to give {old} a new id: `hoso case rename`)")
        return super().rename_case(old, new, merging=merging)

    def _scope(self, target: str | None) -> set[str]:
        """What `reprocess`/`reread` work on: a document or case the user sees; everything only for a
        user who sees everything."""
        if not self.rights.everything:
            if target is None:
                raise Forbidden(f"chỉ người xem được mọi hồ sơ mới {ACTIONS['correct']} toàn bộ kho")
            if self.catalog.document(target) is not None:
                self.document(target)
            elif not self.rights.sees_case(target):
                raise NotFound(f"no case or document {target}")
        return super()._scope(target)

    def _recorded(self, correction_ids: list[int]) -> list[dict]:
        recorded = super()._recorded(correction_ids)
        self.unaudited += recorded
        if not self.catalog.db.in_transaction:
            self._audit()
        return recorded

    def _follow(self, change: Change, changed: list[DocumentRow], removed: list[str], reason: str) -> None:
        self._audit()  # the corrections are committed by now
        super()._follow(change, changed, removed, reason)

    def _audit(self) -> None:
        """The audit rows of the corrections recorded, once their transaction is committed (an audit row
        is signed into the chain at once: a rollback must not be able to take it back)."""
        while self.unaudited:
            rec = self.unaudited.pop(0)
            self.record("correction", id=rec["id"], field=rec["field"], document=rec["document_id"])
