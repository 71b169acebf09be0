"""The petitions register (sổ thụ lý đơn, issue 14): intake of a petition scan into register entries,
the entries as the CLI and the web show them, their due dates, and the monthly statistics.

A scan that came in as petitions (`hoso ingest --petitions`, `petitions_watch_dirs`) is filed as
ordinary documents with no case; `register_scan` then makes one entry per document of a petition
type, the documents that follow it in the scan being its attachments. The facts are read by
`pipeline.stages.petition`; the deadlines come from the rule table, the holiday calendar and the
workflow of `pipeline.petitions`, recomputed on every event. `ingest.access.Access` is the door
through which people read and change the register.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import logging
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pipeline.config import Settings
from pipeline.dossier.build import source_parts
from pipeline.errors import HosoError, UsageError
from pipeline.petitions import PETITION_TYPES
from pipeline.petitions.calendar import Calendar, load_calendar
from pipeline.petitions.rules import RuleBook, load_rules
from pipeline.petitions.workflow import Due, Event, Workflow, due_date, load_workflow
from pipeline.store.catalog import Catalog, DocumentRow
from pipeline.store.petitions import PetitionRow
from pipeline.text import fold, folded_words, normalize

log = logging.getLogger("hoso.petitions")

PACKAGED = ("petition-rules.toml", "holidays.toml", "petition-workflow.toml")
FINGERPRINT_KEY = "petition_register"  # catalog meta: the Register.fingerprint the stored due dates were made with
HOSO = "hoso"  # the actor of what hoso does itself (receiving and classifying a scan)
REPEAT_LIKENESS = 90  # % alike (folded text) for a petition of the same petitioner to be the same one again


@dataclass
class PetitionFilter:
    """What `hoso petitions list` (and the web's register) keeps."""

    overdue: bool = False
    due_within: int | None = None  # due from today through this many days ahead
    type: str | None = None
    status: str | None = None
    assignee: str | None = None
    case_id: str | None = None
    q: str | None = None  # words of the petitioner, address, what it is about or refers to, its number


@dataclass(frozen=True)
class Register:
    """The rule table, holiday calendar and workflow a home's register runs on."""

    rules: RuleBook
    calendar: Calendar
    workflow: Workflow
    fingerprint: str  # of the files they were read from: stored due dates made with others are stale

    def due(self, petition: PetitionRow, events: list[dict]) -> Due | None:
        """The step under way and the day it is due, from the petition's events (None once final)."""
        try:
            rule = self.rules.rule_for(
                petition.type, in_proceedings=petition.in_proceedings, anonymous=petition.anonymous
            )
        except (HosoError, KeyError):  # a type no rule covers (a scan that is not a petition)
            return None
        return due_date(rule, [as_event(e) for e in events], self.calendar)

    def set_due(self, petition: PetitionRow, events: list[dict]) -> None:
        due = self.due(petition, events)
        petition.due_step = due.step if due else None
        petition.due_date = due.date.isoformat() if due else None
        petition.due_basis = due.basis if due else None

    def final(self, state: str) -> bool:
        known = self.workflow.states.get(state)
        return bool(known and known.final)


def register_of(settings: Settings) -> Register:
    return _register(settings.petition_rules, settings.holidays)


def _register(rules: Path | None, holidays: Path | None) -> Register:
    sources = [_packaged()] + [path.read_bytes() for path in (rules, holidays) if path is not None and path.is_file()]
    return _loaded(rules, holidays, hashlib.sha256(b"\0".join(sources)).hexdigest()[:16])


@lru_cache(maxsize=1)
def _packaged() -> bytes:
    """The packaged rules, holidays and workflow (read once: they change only with hoso itself)."""
    return b"\0".join(resources.files("pipeline").joinpath(f"data/{name}").read_bytes() for name in PACKAGED)


@lru_cache(maxsize=4)
def _loaded(rules: Path | None, holidays: Path | None, fingerprint: str) -> Register:
    """Read again whenever an admin's file changes (a running `hoso serve` follows it)."""
    return Register(load_rules(rules), load_calendar(holidays), load_workflow(), fingerprint)


def refresh_due_dates(catalog: Catalog, register: Register) -> int:
    """Due dates computed again for every petition once the rules, holidays or workflow changed since they
    were stored (an admin edited `petition_rules` or `holidays`); the count of petitions whose due changed."""
    if catalog.read_only or catalog.get_meta(FINGERPRINT_KEY) == register.fingerprint:
        return 0
    changed = 0
    with catalog.transaction():
        rows = catalog.petitions()
        events = catalog.petition_events([r.id for r in rows])
        for row in rows:
            before = (row.due_step, row.due_date, row.due_basis)
            register.set_due(row, events.get(row.id, []))
            if (row.due_step, row.due_date, row.due_basis) != before:
                catalog.put_petition(row)
                changed += 1
        catalog.set_meta(FINGERPRINT_KEY, register.fingerprint)
    if changed:
        log.info("due dates of %d petitions computed again with the current rules and holidays", changed)
    return changed


def as_event(stored: dict) -> Event:
    return Event(stored["action"], datetime.date.fromisoformat(stored["at"]), stored["state"], stored["detail"])


def petition_id(document_id: str) -> str:
    """The register's id of the petition whose first document is `document_id` ("D…" → "P…")."""
    return "P" + document_id[1:]


# ---- intake ---------------------------------------------------------------------------------------


def register_scan(settings: Settings, catalog: Catalog, batch_id: str, arrived: datetime.date) -> list[str]:
    """Register the petitions of a filed petition scan; their ids, in the scan's order.

    Each document of a petition type is one petition; a document of another type that follows it
    is its attachment. A scan whose first document is of no petition type still gives a petition
    (of that type, "type" in its review). Registering again changes nothing.
    """
    from pipeline.stages.petition import petition_facts  # the pipeline's readers: intake only

    documents = [d for d in catalog.documents_touching([batch_id]) if d.pages and d.pages[0][0] == batch_id]
    groups: list[list[DocumentRow]] = []
    for doc in documents:
        if doc.case_id is not None:  # filed under a case after all (a clerk's move): not the register's
            continue
        if doc.type in PETITION_TYPES or not groups:
            groups.append([doc])
        else:
            groups[-1].append(doc)
    known = catalog.petitions_of_documents([d.id for d in documents])
    pages = {p.number: p for p in catalog.pages_of_batches([batch_id])[batch_id]}
    register = register_of(settings)
    ids = []
    for group in groups:
        first = group[0]
        ids.append(petition_id(first.id))
        if first.id in known:
            continue
        own = [pages[n] for b, n, *_ in first.pages if b == batch_id]
        facts = petition_facts(first.type, own, settings.case_id_pattern)
        petition = _entry(catalog, first, facts, arrived)
        petition.repeat_of = _repeat_of(catalog, petition, folded_words(" ".join(p.text or "" for p in own)))
        if petition.repeat_of:
            petition.review = _with(petition.review, "repeat")
        today = datetime.date.today()
        classified = "classified" if "classified" in register.workflow.states else petition.status
        events = [
            {"at": petition.received_date, "action": "received", "state": "received", "detail": {}},
            {"at": today.isoformat(), "action": "classified", "state": classified, "detail": {"type": first.type}},
        ]
        petition.status = classified
        register.set_due(petition, events)
        with catalog.transaction():
            if catalog.petition(petition.id) is not None:  # another process registered it meanwhile
                continue
            catalog.put_petition(petition)
            catalog.set_petition_documents(petition.id, [d.id for d in group])
            for event in events:
                catalog.add_petition_event(petition.id, actor=HOSO, **event)
    return ids


def _entry(catalog: Catalog, doc: DocumentRow, facts, arrived: datetime.date) -> PetitionRow:
    review = list(facts.review)
    if doc.type not in PETITION_TYPES:
        review = _with(review, "type")
    stamp = doc.received or {}
    if not (stamp.get("number") and stamp.get("date")):
        review = _with(review, "received")
    case_id = linked_case(catalog, facts.refers_to)
    if facts.refers_to and case_id is None:
        review = _with(review, "refers_to")
    if len(facts.recipients) > 1:
        review = _with(review, "sent_to_several")  # đơn gửi nhiều nơi
    return PetitionRow(
        id=petition_id(doc.id),
        document_id=doc.id,
        type=doc.type,
        status="received",
        petitioner=facts.petitioner,
        address=facts.address,
        anonymous=facts.anonymous,
        about=facts.about,
        refers_to=facts.refers_to,
        case_id=case_id,
        in_proceedings=facts.in_proceedings,
        received_number=stamp.get("number"),
        received_date=stamp.get("date") or arrived.isoformat(),
        received_from_stamp=bool(stamp.get("date")),
        recipients=list(facts.recipients),
        review=review,
    )


def _with(review: list[str], name: str) -> list[str]:
    return review if name in review else [*review, name]


def linked_case(catalog: Catalog, refers_to: str | None) -> str | None:
    """The case a reference names, when the catalog holds it: the case itself, or the one case of the
    documents bearing that number. Anything else (unknown, or several cases) links nothing."""
    if not refers_to:
        return None
    if catalog.case_exists(refers_to):
        return refers_to
    cases = catalog.cases_of_document_number(refers_to)
    return cases[0] if len(cases) == 1 else None


def _repeat_of(catalog: Catalog, petition: PetitionRow, text: str) -> str | None:
    """The earlier petition this one sends again: the same petitioner (folded), and the same reference
    or ≥ 90% the same text. Petitions naming nobody are never taken for one another."""
    from rapidfuzz import fuzz

    if not petition.petitioner:
        return None
    who = fold(petition.petitioner).lower()
    earlier = [p for p in catalog.petitions() if p.petitioner and fold(p.petitioner).lower() == who]
    reference = fold(petition.refers_to).lower() if petition.refers_to else None
    for other in earlier:
        if reference and other.refers_to and fold(other.refers_to).lower() == reference:
            return other.repeat_of or other.id
    documents = {d.id: d for d in catalog.documents_by_id([p.document_id for p in earlier])}
    shown = [(other, documents[other.document_id]) for other in earlier if other.document_id in documents]
    texts = iter(catalog.page_texts([(b, n) for _, doc in shown for b, n, *_ in doc.pages]))  # one query
    for other, doc in shown:
        if fuzz.ratio(text, folded_words(" ".join(next(texts) for _ in doc.pages))) >= REPEAT_LIKENESS:
            return other.repeat_of or other.id
    return None


# ---- what people see --------------------------------------------------------------------------------


def petition_json(
    petition: PetitionRow,
    documents: list[DocumentRow],
    batches: dict[str, dict],
    today: datetime.date,
    final: bool,
) -> dict:
    """One register entry as `hoso petitions list --json` prints it (the issue's keys first)."""
    due = (
        {"step": petition.due_step, "date": petition.due_date, "basis": petition.due_basis}
        if petition.due_date
        else None
    )
    return {
        "id": petition.id,
        "type": petition.type,
        "petitioner": petition.petitioner,
        "address": petition.address,
        "received": {"number": petition.received_number, "date": petition.received_date},
        "refers_to": petition.refers_to,
        "case_id": petition.case_id,
        "status": petition.status,
        "due": due,
        "overdue": bool(due and not final and petition.due_date < today.isoformat()),
        "review": list(petition.review),
        "sources": [
            {"file": s.file, "sha256": s.sha256, "pages": list(s.pages)}
            for doc in documents
            for s in source_parts(doc, batches)
        ],
        "anonymous": petition.anonymous,
        "about": petition.about,
        "repeat_of": petition.repeat_of,
        "recipients": list(petition.recipients),
        "assignee": petition.assignee,
        "complexity": petition.complexity,
        "remote": petition.remote,
        "in_proceedings": petition.in_proceedings,
        "received_from_stamp": petition.received_from_stamp,
        "document_id": petition.document_id,
        "documents": [
            {
                "id": doc.id,
                "type": doc.type,
                "title": doc.title,
                "pages": len(doc.pages),
                "role": "petition" if doc.id == petition.document_id else "attachment",
            }
            for doc in documents
        ],
    }


def matches(petition: PetitionRow, words: str) -> bool:
    """Every word of `words` (with or without diacritics) is in the entry's text fields."""
    fields = (petition.id, petition.petitioner, petition.address, petition.about, petition.refers_to)
    haystack = fold(normalize(" ".join(f for f in (*fields, petition.received_number) if f))).lower()
    return all(word in haystack for word in fold(normalize(words)).lower().split())


# ---- the monthly report ------------------------------------------------------------------------------

COUNTERS = (
    "received",
    "classified",
    "accepted",
    "returned",
    "transferred",
    "resolved_on_time",
    "resolved_late",
    "overdue_now",
)
_COUNTED_EVENTS = {"classified": "classified", "classify": "classified", "accept": "accepted"}
_COUNTED_EVENTS |= {"return": "returned", "transfer": "transferred"}


def month_bounds(month: str) -> tuple[datetime.date, datetime.date]:
    try:
        first = datetime.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise UsageError(f"not a month: {month!r} (YYYY-MM)") from None
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def monthly_report(
    register: Register,
    petitions: list[PetitionRow],
    events: dict[str, list[dict]],
    month: str,
    today: datetime.date,
    type_names: dict[str, str],
) -> dict:
    """Received, classified, accepted, returned, transferred, resolved on time or late in `month`, and
    overdue now: for the whole register, by type and by assignee."""
    first, last = month_bounds(month)
    totals: Counter = Counter()
    by_type: dict[str, Counter] = {}
    by_assignee: dict[str | None, Counter] = {}

    def count(petition: PetitionRow, counter: str) -> None:
        for tally in (totals, by_type.setdefault(petition.type, Counter())):
            tally[counter] += 1
        by_assignee.setdefault(petition.assignee, Counter())[counter] += 1

    for petition in petitions:
        history = events.get(petition.id, [])
        if petition.received_date and first.isoformat() <= petition.received_date <= last.isoformat():
            count(petition, "received")
        for n, event in enumerate(history):
            if not first.isoformat() <= event["at"] <= last.isoformat():
                continue
            if event["action"] in _COUNTED_EVENTS:
                count(petition, _COUNTED_EVENTS[event["action"]])
            elif event["action"] == "resolve":
                due = register.due(petition, history[:n])
                late = due is not None and event["at"] > due.date.isoformat()
                count(petition, "resolved_late" if late else "resolved_on_time")
        if not register.final(petition.status) and petition.due_date and petition.due_date < today.isoformat():
            count(petition, "overdue_now")

    def row(tally: Counter) -> dict:
        return {name: tally.get(name, 0) for name in COUNTERS}

    return {
        "month": month,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "totals": row(totals),
        "by_type": [
            {"type": key, "name": type_names.get(key, key), **row(tally)}
            for key, tally in sorted(
                by_type.items(), key=lambda kv: list(type_names).index(kv[0]) if kv[0] in type_names else 99
            )
        ],
        "by_assignee": [
            {"assignee": name, **row(tally)}
            for name, tally in sorted(by_assignee.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
        ],
    }


REPORT_HEADINGS = {
    "received": "Tiếp nhận",
    "classified": "Phân loại",
    "accepted": "Thụ lý",
    "returned": "Trả lại",
    "transferred": "Chuyển đơn",
    "resolved_on_time": "Giải quyết đúng hạn",
    "resolved_late": "Giải quyết quá hạn",
    "overdue_now": "Đang quá hạn",
}


def report_rows(report: dict) -> list[list]:
    """The report as one table: a heading row, the totals, then a row per type and per assignee."""
    rows: list[list] = [["Nhóm", "Mục", *(REPORT_HEADINGS[c] for c in COUNTERS)]]
    rows.append(["Tổng số", report["month"], *(report["totals"][c] for c in COUNTERS)])
    rows += [["Loại đơn", t["name"], *(t[c] for c in COUNTERS)] for t in report["by_type"]]
    rows += [
        ["Người giải quyết", a["assignee"] or "(chưa phân công)", *(a[c] for c in COUNTERS)]
        for a in report["by_assignee"]
    ]
    return rows


def write_report_csv(report: dict, path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:  # the BOM: Excel opens it as UTF-8
        csv.writer(fh).writerows(report_rows(report))


def write_report_xlsx(report: dict, path: Path, unit: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = f"Đơn {report['month']}"
    sheet.append([unit])
    sheet.append([f"Thống kê tiếp nhận, giải quyết đơn tháng {report['month']} ({report['from']} – {report['to']})"])
    sheet.append([])
    for row in report_rows(report):
        sheet.append(row)
    for cell in (sheet["A1"], sheet["A2"], *sheet[4]):
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 28
    book.save(path)
