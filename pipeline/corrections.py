"""A clerk's corrections to the documents found in the scans, as operations that can be replayed.

Every correction is recorded in the catalog (who, when, old → new) and anchored by a
page — (batch id, page within the batch) — which is stable, unlike document ids (an id
is derived from the case and the first page, so it changes when a document is moved,
split or loses its first page). `hoso reprocess` re-runs split/classify/extract, then
replays every correction of those batches, in the order they were made, through the
very functions the live commands use (`apply`), so a correction means the same thing
both times.

What each recorded `field` means, and how it replays:

  type, position, number, date, issuer, title, subtitle, crime, article, persons, classification
        the document that starts on the anchor page gets the new value
  case  the document that starts on the anchor page moves to case `new`
  split a document starts on the anchor page (the part before it stays a document)
  merge the document that starts on page `data["with"]` joins the one holding the anchor page
        (neither lowers a classification: the pages keep the higher level they had)
  page.delete   the anchor page is taken out of its document (it stays in the archive)
  page.rotate   the anchor page is turned (kept on the page itself: nothing to replay)
  case.rename, case.merge   every document of case `old` belongs to case `new`

A correction whose document is not there any more (the new splitter cut the pages
differently) is not forced on another document: replay reports it as skipped.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .dossier.assemble import DossierDocument, plan_dossier
from .errors import UsageError
from .models import Classification, Metadata, PageRef
from .secrecy import TUYET_MAT, levels, rank
from .stages.documents import described, document_id
from .store.catalog import DocumentRow
from .taxonomy import DocType
from .text import fold

Page = tuple[str, int]  # (batch id, page within the batch)
# Describe a run of pages as a new document: classification and metadata (split).
Describe = Callable[[list[Page]], tuple[Classification, Metadata]]

# Fields `hoso doc set` may change, and what they hold.
FIELDS = {
    "number": "số/ký hiệu, e.g. 155/QĐ-CSĐT",
    "date": "issue date: YYYY-MM-DD or dd/mm/yyyy",
    "issuer": "issuing agency",
    "title": "title line, e.g. QUYẾT ĐỊNH",
    "subtitle": "trích yếu under the title, e.g. Khởi tố bị can",
    "crime": "the crime named, e.g. Trộm cắp tài sản",
    "article": "its article of the Bộ luật Hình sự (a number)",
    "persons": "'Name:role; Name:role' (roles: bi_can, bi_cao, nguoi_bi_hai, nguoi_lam_don, ...), or JSON",
    "classification": "who may read it: thuong, mat or toi_mat (or the mark: MẬT, TỐI MẬT); lowering needs a leader",
    "received": "the register stamp (dấu đến): 'NUMBER, dd/mm/yyyy', e.g. '2352, 21/03/2018' (a part left empty stays as read)",
}
ROLES = (
    "bi_can",
    "bi_cao",
    "nguoi_bi_hai",
    "nguoi_lam_don",
    "nguoi_lam_chung",
    "nguoi_lien_quan",
    "nguoi_to_giac",
    "nguoi_bao_chua",
)
CASE_WIDE = ("case.rename", "case.merge")


class CorrectionError(UsageError):
    """A correction that cannot be made (bad value, no such document, sealed pages)."""


class Skipped(Exception):
    """A recorded correction that no longer applies (replay goes on without it)."""


@dataclass
class Outcome:
    status: str  # applied | satisfied (already so) | kept (stored elsewhere) | skipped
    reason: str | None = None


# ---- values ------------------------------------------------------------------------------


def parse_value(field_name: str, raw: str | None):
    """A clerk's value for `field_name`, checked; '' or None clears the field."""
    if field_name in ("type", "case"):
        command = "set-type DOC KEY" if field_name == "type" else "move DOC --case ID"
        raise CorrectionError(f"the {field_name} is set with `hoso doc {command}`")
    if field_name not in FIELDS:
        raise CorrectionError(f"unknown field {field_name!r}; one of: {', '.join(FIELDS)}")
    raw = None if raw is None else raw.strip()
    if field_name == "classification":
        return parse_level(raw or "")
    if not raw:
        return [] if field_name == "persons" else None
    if field_name == "date":
        return parse_date(raw)
    if field_name == "article":
        match = re.fullmatch(r"(?:điều\s*)?(\d{1,3})", raw, re.IGNORECASE)
        if not match:
            raise CorrectionError(f"article must be a number (Điều of the Bộ luật Hình sự), not {raw!r}")
        return int(match[1])
    if field_name == "persons":
        return parse_persons(raw)
    if field_name == "received":
        return parse_received(raw)
    return raw


def parse_received(raw: str) -> dict:
    """'2352, 21/03/2018' (or '2352', ', 21/03/2018') → {"number": "2352", "date": "2018-03-21"}."""
    number, _, when = (part.strip() for part in raw.partition(","))
    if number and not re.fullmatch(r"\d{1,6}", number):
        raise CorrectionError(f"received: the register's number is digits, not {number!r}; write 'NUMBER, dd/mm/yyyy'")
    return {"number": number or None, "date": parse_date(when) if when else None}


def parse_level(raw: str) -> str:
    """A level as its key, its name or its mark ('toi_mat', 'Tối mật', 'TỐI MẬT') → its key."""
    key = "_".join(fold(raw).lower().replace("_", " ").split())
    if key == TUYET_MAT:
        raise CorrectionError("a TUYỆT MẬT paper is not digitized: take it out of hoso, do not give it a level")
    if key not in levels():
        keys = [k for k, level in levels().items() if level.digitized]
        raise CorrectionError(f"classification must be one of {', '.join(keys)}, not {raw!r}")
    return key


def parse_date(raw: str) -> str:
    """'2024-05-18' or '18/05/2024' (also 18-5-2024, 18.5.2024) → '2024-05-18'."""
    raw = raw.strip()
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", raw)
    dmy = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", raw)
    if iso:
        year, month, day = map(int, iso.groups())
    elif dmy:
        day, month, year = map(int, dmy.groups())
    else:
        raise CorrectionError(f"date {raw!r} is neither YYYY-MM-DD nor dd/mm/yyyy")
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError as exc:
        raise CorrectionError(f"date {raw!r} is not a real date ({exc})") from None


def parse_persons(raw: str) -> list[dict]:
    """'Nguyễn Văn An:bi_can; Lê Thị Bình:nguoi_bi_hai' or a JSON list of {"name", "role"}."""
    if raw.lstrip().startswith("["):
        try:
            items = json.loads(raw)
        except ValueError as exc:
            raise CorrectionError(f"persons: not valid JSON ({exc})") from None
        pairs = [(str(i.get("name", "")), str(i.get("role", ""))) for i in items if isinstance(i, dict)]
    else:
        pairs = []
        for part in filter(None, (p.strip() for p in raw.split(";"))):
            name, sep, role = part.rpartition(":")
            if not sep:
                raise CorrectionError(f"persons: {part!r} has no role; write 'Name:role'")
            pairs.append((name, role))
    persons = []
    for name, role in pairs:
        name, role = " ".join(name.split()), role.strip()
        if not name:
            raise CorrectionError("persons: a name is empty")
        if role not in ROLES:
            raise CorrectionError(f"persons: unknown role {role!r}; one of: {', '.join(ROLES)}")
        persons.append({"name": name, "role": role})
    return persons


def encode(value) -> str | None:
    """How a value is written in the corrections table (old/new are text)."""
    if value is None:
        return None
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def decode(field_name: str, text: str | None):
    if field_name == "persons":
        return json.loads(text) if text else []
    if field_name in ("article", "position"):
        return int(text) if text not in (None, "") else None
    return text


# ---- the documents being corrected -------------------------------------------------------


def first_page(doc: DocumentRow) -> Page:
    return (doc.pages[0][0], doc.pages[0][1])


def page_refs(doc: DocumentRow) -> list[Page]:
    return [(b, n) for b, n, *_ in doc.pages]


def page_key(page: Page) -> str:
    return f"{page[0][:12]}…:{page[1]}"


@dataclass
class Workspace:
    """Documents edited in memory; written back to the catalog only once every check passed."""

    docs: list[DocumentRow]
    describe: Describe | None = None  # classify + extract a run of pages (needed by split)
    touched: set[int] = field(default_factory=set)  # id() of documents changed

    @classmethod
    def of(cls, docs: list[DocumentRow], describe: Describe | None = None) -> Workspace:
        return cls(copy.deepcopy(docs), describe)

    def starting_at(self, page: Page) -> DocumentRow | None:
        return next((d for d in self.docs if d.pages and first_page(d) == page), None)

    def containing(self, page: Page) -> DocumentRow | None:
        return next((d for d in self.docs if page in page_refs(d)), None)

    def touch(self, doc: DocumentRow, *, reid: bool = False) -> None:
        doc.indexed = False
        doc.pages = [(b, n, None, None) for b, n, *_ in doc.pages]
        if reid:
            doc.id = document_id(doc.case_id, PageRef(*first_page(doc)))
        self.touched.add(id(doc))

    def remove(self, doc: DocumentRow) -> None:
        self.docs = [d for d in self.docs if d is not doc]
        self.touched.discard(id(doc))

    def changed(self) -> list[DocumentRow]:
        return [d for d in self.docs if id(d) in self.touched]

    def collisions(self) -> list[str]:
        seen, twice = set(), []
        for doc in self.docs:
            if doc.id in seen:
                twice.append(doc.id)
            seen.add(doc.id)
        return twice


# ---- operations (live and replayed) ----------------------------------------------------------


def _starting(ws: Workspace, page: Page) -> DocumentRow:
    doc = ws.starting_at(page)
    if doc is None:
        raise Skipped(f"no document starts on page {page_key(page)} any more")
    return doc


def set_type(ws: Workspace, page: Page, key: str) -> Outcome:
    doc = _starting(ws, page)
    # A type a person chose is certain: it leaves the review list.
    if doc.type == key and doc.confidence >= 1.0:
        return Outcome("satisfied")
    doc.type, doc.confidence = key, 1.0
    ws.touch(doc)
    return Outcome("applied")


def set_field(ws: Workspace, page: Page, field_name: str, value) -> Outcome:
    doc = _starting(ws, page)
    before = (getattr(doc, field_name), list(doc.review))
    setattr(doc, field_name, value)
    doc.review = [f for f in doc.review if f != field_name]  # a person looked at it
    if (getattr(doc, field_name), doc.review) == before:
        return Outcome("satisfied")
    ws.touch(doc)
    return Outcome("applied")


def higher(level: str, other: str) -> str:
    """Of two levels, the higher: pages split off or merged keep the level they had (only a leader lowers one)."""
    return max(level, other, key=rank)


def set_position(ws: Workspace, page: Page, position: int | None) -> Outcome:
    doc = _starting(ws, page)
    if doc.position == position:
        return Outcome("satisfied")
    doc.position = position
    ws.touch(doc)
    return Outcome("applied")


def move(ws: Workspace, page: Page, case_id: str | None) -> Outcome:
    doc = _starting(ws, page)
    if doc.case_id == case_id:
        return Outcome("satisfied")
    doc.case_id, doc.position = case_id, None  # a place in another dossier means nothing here
    ws.touch(doc, reid=True)
    return Outcome("applied")


def split(ws: Workspace, page: Page) -> Outcome:
    """A new document starts on `page`; the pages before it stay the old document."""
    doc = ws.containing(page)
    if doc is None:
        raise Skipped(f"page {page_key(page)} is in no document")
    refs = page_refs(doc)
    at = refs.index(page)
    if at == 0:
        return Outcome("satisfied")
    if ws.describe is None:
        raise CorrectionError("splitting needs the page texts")
    tail = refs[at:]
    fields = described(*ws.describe(tail))
    fields["classification"] = higher(doc.classification, fields["classification"])
    second = DocumentRow(
        id="",
        case_id=doc.case_id,
        **fields,
        arrival=doc.arrival + 1e-6,
        pages=[(b, n, None, None) for b, n in tail],
    )
    doc.pages = doc.pages[:at]
    ws.touch(doc)
    ws.docs.insert(ws.docs.index(doc) + 1, second)
    ws.touch(second, reid=True)
    return Outcome("applied")


def merge(ws: Workspace, page: Page, other: Page) -> Outcome:
    """The document starting on `other` joins the end of the one holding `page`."""
    first = ws.containing(page)
    if first is None:
        raise Skipped(f"page {page_key(page)} is in no document")
    if other in page_refs(first):
        return Outcome("satisfied")
    second = _starting(ws, other)
    if first.case_id != second.case_id:
        raise Skipped("the two documents are in different cases now")
    first.pages = first.pages + second.pages
    first.classification = higher(first.classification, second.classification)
    first.review = list(dict.fromkeys(first.review + second.review))
    for person in second.persons:
        if person not in first.persons:
            first.persons.append(person)
    ws.remove(second)
    ws.touch(first)
    return Outcome("applied")


def delete_page(ws: Workspace, page: Page) -> Outcome:
    doc = ws.containing(page)
    if doc is None:
        return Outcome("satisfied")
    doc.pages = [p for p in doc.pages if (p[0], p[1]) != page]
    if not doc.pages:
        ws.remove(doc)
        return Outcome("applied")
    ws.touch(doc, reid=True)
    return Outcome("applied")


def map_case(ws: Workspace, old: str, new: str, *, merging: bool, before: float | None = None) -> Outcome:
    """Every document of case `old` goes to `new`; a document `new` already has (same bytes, same
    first page) is not taken twice. `before`: only documents that arrived before then (a replayed
    rename leaves alone what was filed under the old id after it)."""
    moving = [d for d in ws.docs if d.case_id == old and (before is None or d.arrival < before)]
    if not moving:
        return Outcome("satisfied")
    staying = {d.id for d in ws.docs if d.case_id != old}
    for doc in moving:
        doc.case_id = new
        if merging:
            doc.position = None
        ws.touch(doc, reid=True)
        if doc.id in staying:
            ws.remove(doc)  # the same document was filed under both cases
    return Outcome("applied")


def apply(ws: Workspace, correction: dict) -> Outcome:
    """Replay one recorded correction (a row of the corrections table)."""
    name, new = correction["field"], correction["new"]
    page = (correction["batch_id"], correction["number"]) if correction["batch_id"] else None
    try:
        if name in CASE_WIDE:
            return map_case(ws, correction["old"], new, merging=name == "case.merge", before=correction["at"])
        if page is None:
            raise Skipped("it names no page")
        if name == "type":
            return set_type(ws, page, new)
        if name == "position":
            return set_position(ws, page, decode(name, new))
        if name == "case":
            return move(ws, page, new)
        if name == "split":
            return split(ws, page)
        if name == "merge":
            return merge(ws, page, tuple(correction["data"]["with"]))
        if name == "page.delete":
            return delete_page(ws, page)
        if name == "page.rotate":
            return Outcome("kept")
        if name in FIELDS:
            return set_field(ws, page, name, decode(name, new))
        raise Skipped(f"unknown correction {name!r}")
    except Skipped as exc:
        return Outcome("skipped", str(exc))


# ---- sealed dossiers ---------------------------------------------------------------------------


def sealed_part(docs: list[DocumentRow], frozen: dict[Page, int], taxonomy: dict[str, DocType]) -> list:
    """The handed-over part of a case's dossier as the next build would draw it: the bút lục of
    each page up to the last sealed one (None for an unsealed page in between)."""
    if not frozen:
        return []
    plan = plan_dossier(
        [
            DossierDocument(
                id=f"{n}:{d.id}",
                type=d.type,
                number=d.number,
                date=d.date,
                title=d.title,
                subtitle=d.subtitle,
                position=d.position,
                arrival=d.arrival,
                pages=page_refs(d),
            )
            for n, d in enumerate(docs)
        ],
        taxonomy,
        frozen,
    )
    numbers = [p.but_luc if p.frozen else None for p in plan.pages]
    last = max((i for i, n in enumerate(numbers) if n is not None), default=-1)
    return numbers[: last + 1]


def sealed_problem(
    before: list[DocumentRow], after: list[DocumentRow], frozen: dict[Page, int], taxonomy: dict[str, DocType]
) -> str | None:
    """Why a change may not be made to a sealed dossier, or None: its sealed pages must all stay, in
    their order, with nothing new between them."""
    if not frozen:
        return None
    was, will = sealed_part(before, frozen, taxonomy), sealed_part(after, frozen, taxonomy)
    if was == will:
        return None
    kept = {p for d in after for p in page_refs(d)}
    lost = sorted(
        bl for page, bl in frozen.items() if page not in kept and page in {p for d in before for p in page_refs(d)}
    )
    if lost:
        return f"it would take sealed bút lục {', '.join(map(str, lost[:10]))} out of the dossier"
    return "it would change the order of the sealed pages or put other pages between them"
