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
    petitions: str = "none"  # the petitions register: "all" of it, the petitions "assigned" to them, or "none"


# What each action is, as a refusal names it.
ACTIONS = {
    "review": "xem danh sách cần xem lại",
    "correct": "sửa văn bản",
    "status": "xem tình trạng xử lý",
    "retry": "thử lại tệp bị cách ly",
    "assign": "phân công vụ án",
    "assignments": "xem phân công vụ án",
    "petitions": "xem sổ thụ lý đơn",
    "petition_correct": "sửa, liên kết đơn",
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
    "cli": Role(True, True, frozenset(ACTIONS), petitions="all"),
    # Users, settings, the audit trail, the machine's state: no case content, no petition.
    "admin": Role(False, False, frozenset({"status", "retry", "assignments"}), content=False),
    # Lãnh đạo: every case of the unit, the documents not yet filed under one, the whole register.
    "leader": Role(True, True, frozenset(ACTIONS), petitions="all"),
    # The cases assigned to them, never a document with no case; the petitions assigned to them.
    "prosecutor": Role(False, False, frozenset({"petitions"}), petitions="assigned"),
    # Ingest, review and repair: the cases assigned to them for processing, documents with no case,
    # the whole register (classify, accept, return, transfer, correct and link its petitions).
    "clerk": Role(
        False,
        True,
        frozenset({"review", "correct", "status", "retry", "petitions", "petition_correct"}),
        petitions="all",
    ),
}
# Which workflow transitions a role takes is said by the workflow itself (pipeline/data/
# petition-workflow.toml, `Transition.roles`); a prosecutor takes theirs on petitions assigned to them only.
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
    petitions: str = "none"  # Role.petitions

    @classmethod
    def of(cls, role: str, clearance: str, user_id: int | None, catalog: Catalog) -> Rights:
        kind = ROLES.get(role, NO_ROLE)
        if not kind.content:
            cases: frozenset[str] | None = frozenset()
        elif kind.every_case:
            cases = None
        else:
            cases = frozenset(catalog.assigned_cases(user_id)) if user_id is not None else frozenset()
        return cls(cases, kind.unassigned and kind.content, clearance or THUONG, kind.actions, kind.petitions)

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

    def sees_petition(self, assignee: str | None, user: str) -> bool:
        """The register's entry assigned to `assignee`, read by `user` (a prosecutor: theirs only)."""
        return self.petitions == "all" or (self.petitions == "assigned" and assignee is not None and assignee == user)

    @property
    def scope(self) -> Scope:
        """The same rights as the search backends apply them inside their queries."""
        cases = None if self.cases is None else tuple(sorted(self.cases))
        return Scope(cases=cases, unassigned=self.unassigned, clearance=self.clearance)
