"""Who may see what (issue 13): a user's rights, derived once from their role, clearance and the cases
assigned to them, and checked by `ingest.access.Access` on every read and change.

The README's "Who may see what" table says the same in prose; `ROLES` is that table.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.base import Scope
from pipeline.secrecy import THUONG, TOI_MAT, may_read
from pipeline.store.catalog import Catalog, DocumentRow


@dataclass(frozen=True)
class Role:
    every_case: bool  # every case of the unit; else only the cases assigned to the user
    unassigned: bool  # documents filed under no case
    actions: frozenset[str]  # what the role may do besides reading (ACTIONS)
    content: bool = True  # reads case content at all (an admin does not, assigned or not)


# What each action is, as a refusal names it.
ACTIONS = {
    "review": "xem danh sách cần xem lại",
    "correct": "sửa văn bản",
    "status": "xem tình trạng xử lý",
    "retry": "thử lại tệp bị cách ly",
    "assign": "phân công vụ án",
    "assignments": "xem phân công vụ án",
}

ROLE_NAMES = {
    "cli": "Dòng lệnh",
    "admin": "Quản trị",
    "leader": "Lãnh đạo",
    "prosecutor": "Kiểm sát viên",
    "clerk": "Văn thư",
}

ROLES = {
    # The server's command line: every right (audited as cli:<login>).
    "cli": Role(True, True, frozenset(ACTIONS)),
    # Users, settings, the audit trail, the machine's state: no case content.
    "admin": Role(False, False, frozenset({"status", "retry", "assignments"}), content=False),
    # Lãnh đạo: every case of the unit, and the documents not yet filed under one.
    "leader": Role(True, True, frozenset(ACTIONS)),
    # The cases assigned to them; never a document with no case.
    "prosecutor": Role(False, False, frozenset()),
    # Ingest, review and repair: the cases assigned to them for processing, and documents with no case.
    "clerk": Role(False, True, frozenset({"review", "correct", "status", "retry"})),
}
NO_ROLE = Role(False, False, frozenset(), content=False)  # an unknown role has no right at all


def may(role: str, action: str) -> bool:
    """Whether a role has one of the ACTIONS (the web shows only the pages a role may use)."""
    return action in ROLES.get(role, NO_ROLE).actions


@dataclass(frozen=True)
class Rights:
    cases: frozenset[str] | None  # None: every case
    unassigned: bool
    clearance: str
    actions: frozenset[str]

    @classmethod
    def of(cls, role: str, clearance: str, user_id: int | None, catalog: Catalog) -> Rights:
        kind = ROLES.get(role, NO_ROLE)
        if not kind.content:
            cases: frozenset[str] | None = frozenset()
        elif kind.every_case:
            cases = None
        else:
            cases = frozenset(catalog.assigned_cases(user_id)) if user_id is not None else frozenset()
        return cls(cases, kind.unassigned and kind.content, clearance or THUONG, kind.actions)

    @property
    def everything(self) -> bool:
        """Every case, every unfiled document, every level: nothing to trim."""
        return self.cases is None and self.unassigned and may_read(self.clearance, TOI_MAT)

    def sees_case(self, case_id: str | None) -> bool:
        if case_id is None:
            return self.unassigned
        return self.cases is None or case_id in self.cases

    def reads(self, doc: DocumentRow) -> bool:
        """The document's level is not above the user's clearance."""
        return may_read(self.clearance, doc.classification)

    def sees(self, doc: DocumentRow) -> bool:
        return self.sees_case(doc.case_id) and self.reads(doc)

    @property
    def scope(self) -> Scope:
        """The same rights as the search backends apply them inside their queries."""
        cases = None if self.cases is None else tuple(sorted(self.cases))
        return Scope(cases=cases, unassigned=self.unassigned, clearance=self.clearance)
