"""The petitions register in the web app (issue 14): `/don` (sổ thụ lý: filters, counts, due-soon and
overdue marked), `/don/{id}` (a petition: facts, timeline, scan, its path on the process diagram, the
actions this user may take now and corrections), `/don/so-do` (the process diagram with live counts),
and their JSON under /api/v1/petitions in the CLI's `--json` shapes.

Everything goes through `ingest.access.Access` (rights checked there: leaders and clerks read the whole
register, a prosecutor the petitions assigned to them, an admin none); actions and corrections are
forms with the CSRF token, as the clerks' pages are (web/clerk.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from ingest.access import Access
from ingest.audit import parse_day
from ingest.petitions import PetitionFilter
from pipeline.dossier import render
from pipeline.dossier.build import home_path
from pipeline.dossier.render import MAX_WIDTH, MIN_WIDTH, DossierFile, clamp_width
from pipeline.errors import Forbidden, HosoError, NotFound, UsageError
from pipeline.petitions import PETITION_TYPES
from pipeline.petitions.workflow import Transition, Workflow, WorkflowError, load_workflow

from . import diagram
from .clerk import public, redirect, show
from .deps import TEMPLATES, AccessDep, CsrfDep, type_name, vn_date

router = APIRouter()

DUE_SOON_DAYS = 5  # a due date this many days away or fewer is marked "sắp đến hạn"
WIDTH = 900  # the scan's pages on a petition's page, in pixels

# What the register's "review" names (fields intake did not read with confidence), as a clerk reads them.
REVIEW_FIELDS = {
    "type": "loại đơn",
    "petitioner": "người làm đơn",
    "address": "địa chỉ",
    "refers_to": "vụ án/quyết định được nêu",
    "received": "số, ngày đến",
    "received_number": "số đến",
    "received_date": "ngày đến",
    "about": "nội dung",
    "recipients": "nơi nhận",
    "repeat": "đơn lặp lại",
    "sent_to_several": "gửi nhiều nơi",
}
# The facts a clerk corrects (`hoso petitions set`), as the form names them.
CORRECTABLE = {
    "petitioner": "Người làm đơn / cơ quan gửi",
    "address": "Địa chỉ",
    "refers_to": "Vụ án, quyết định được nêu",
    "received_number": "Số đến",
    "received_date": "Ngày đến (dd/mm/yyyy)",
    "type": "Loại đơn",
}


def field_of(review_flag: str) -> str:
    """The corrected field that settles a review flag ("received": its number, the date has a default)."""
    return "received_number" if review_flag == "received" else review_flag


# Events that are not a transition of the workflow.
EVENT_LABELS = {
    "received": "Tiếp nhận",
    "classified": "Phân loại",
    "corrected": "Sửa thông tin",
    "linked": "Liên kết vụ án",
}
NEEDS = {  # a transition's required fields (Transition.needs), as its form asks for them
    "reason": "Lý do",
    "to": "Chuyển đến (cơ quan)",
    "assignee": "Người được phân công (tên đăng nhập)",
    "complexity": "Mức độ",
    "result": "Kết quả giải quyết",
}
COMPLEXITY = {"complex": "phức tạp", "especially_complex": "đặc biệt phức tạp"}
DETAIL_LABELS = {
    "complexity": "mức độ",
    "remote": "vùng sâu, vùng xa",
    "result": "kết quả",
    "assignee": "phân công",
    "to": "chuyển đến",
    "field": "trường",
    "old": "cũ",
    "new": "mới",
    "case_id": "vụ án",
    "type": "loại",
}


def petition_state(key: str | None) -> str:
    """A workflow state's Vietnamese label (the `petition_state` filter of the templates)."""
    state = load_workflow().states.get(key or "")
    return state.label if state else (key or "")


TEMPLATES.env.filters["petition_state"] = petition_state


# ---- due dates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueMark:
    """How a petition's due date is shown: a class for the colour and a word for print and colour-blind readers."""

    kind: str  # "overdue" | "soon" | "" (in time)
    word: str  # "Quá hạn 3 ngày", "Còn 2 ngày", "Hôm nay"…


def due_mark(petition: dict, today: dt.date) -> DueMark | None:
    due = petition.get("due")
    if not due or not due.get("date"):
        return None
    days = (dt.date.fromisoformat(due["date"]) - today).days
    if petition.get("overdue") or days < 0:
        return DueMark("overdue", f"Quá hạn {-days} ngày" if days < 0 else "Quá hạn")
    if days <= DUE_SOON_DAYS:
        return DueMark("soon", "Đến hạn hôm nay" if days == 0 else f"Sắp đến hạn: còn {days} ngày")
    return DueMark("", f"Còn {days} ngày")


# ---- the register ---------------------------------------------------------------------------------


@dataclass
class Asked:
    """The register's filters as the URL holds them."""

    type: str = ""
    status: str = ""
    assignee: str = ""
    overdue: bool = False
    due_within: str = ""
    q: str = ""
    case: str = ""

    @classmethod
    def of(cls, request: Request) -> Asked:
        p = request.query_params
        return cls(
            **{name: p.get(name, "").strip() for name in ("type", "status", "assignee", "due_within", "q", "case")},
            overdue=p.get("overdue", "") not in ("", "0"),
        )

    def where(self) -> PetitionFilter:
        if self.due_within and not (self.due_within.isascii() and self.due_within.isdigit()):
            raise UsageError(f"«đến hạn trong» phải là một số ngày: {self.due_within!r}")
        return PetitionFilter(
            overdue=self.overdue,
            due_within=int(self.due_within) if self.due_within else None,
            type=self.type or None,
            status=self.status or None,
            assignee=self.assignee or None,
            case_id=self.case or None,
            q=self.q or None,
        )

    @property
    def params(self) -> dict[str, str]:
        values = {**self.__dict__, "overdue": "1" if self.overdue else ""}
        return {k: v for k, v in values.items() if v}

    @property
    def any(self) -> bool:
        return bool(self.params)


def register_rows(petitions: list[dict], today: dt.date) -> list[dict]:
    return [{**p, "mark": due_mark(p, today)} for p in petitions]


@router.get("/don", include_in_schema=False)
def register_page(request: Request, access: Access = AccessDep):
    asked = Asked.of(request)
    flow = load_workflow()
    listed = access.petitions(asked.where())["petitions"]
    counts = access.petition_counts()
    today = dt.date.today()
    rows = register_rows(listed, today)
    context = {
        "title": "Sổ thụ lý đơn",
        "asked": asked,
        "rows": rows,
        "counts": diagram.state_counts(flow, counts),
        "total": sum(counts.values()),
        "overdue": sum(1 for r in rows if r["mark"] and r["mark"].kind == "overdue"),
        "soon": sum(1 for r in rows if r["mark"] and r["mark"].kind == "soon"),
        "due_soon_days": DUE_SOON_DAYS,
        "types": {key: type_name(key) for key in PETITION_TYPES},
        "states": {key: state.label for key, state in flow.states.items()},
        "assignees": sorted({p["assignee"] for p in listed if p.get("assignee")} | {asked.assignee} - {""}),
        "review_fields": REVIEW_FIELDS,
        "state_url": lambda key: "/don?" + urlencode({**asked.params, "status": key}),
    }
    return show(request, "petitions.html", context)


# ---- the process diagram --------------------------------------------------------------------------


def diagram_svg(access: Access, path: list[str] | None = None) -> str:
    return diagram.process_svg(load_workflow(), access.settings.cache_dir, access.petition_counts(), path=path)


@router.get("/don/so-do", include_in_schema=False)
def diagram_page(request: Request, access: Access = AccessDep):
    flow = load_workflow()
    counts = access.petition_counts()
    context = {
        "title": "Sơ đồ quy trình giải quyết đơn",
        "svg": diagram.process_svg(flow, access.settings.cache_dir, counts),
        "counts": diagram.state_counts(flow, counts),
        "total": sum(counts.values()),
        "transitions": flow.transitions,
        "states": flow.states,
        "needs": NEEDS,
        "today": dt.date.today().isoformat(),
    }
    return show(request, "petition_diagram.html", context)


# ---- one petition ---------------------------------------------------------------------------------


def timeline(petition: dict, flow: Workflow) -> list[dict]:
    """The petition's events, oldest first, each with its Vietnamese verb and the state it left the petition in."""
    verbs = {t.action: t.label for t in flow.transitions} | EVENT_LABELS
    return [
        {
            **event,
            "verb": verbs.get(event["action"], event["action"]),
            "state_label": petition_state(event.get("state")),
            "details": [
                (DETAIL_LABELS.get(key, key), detail_value(key, value))
                for key, value in (event.get("detail") or {}).items()
                if value not in (None, "", False)
            ],
        }
        for event in petition.get("events", [])
    ]


def detail_value(key: str, value) -> str:
    if key == "complexity":
        return COMPLEXITY.get(value, str(value))
    if key == "type":
        return type_name(value)
    if key == "field":
        return CORRECTABLE.get(value, DETAIL_LABELS.get(value, value)).split(" (")[0]
    if value is True:
        return "có"
    return str(value)


def action_forms(petition: dict) -> list[dict]:
    """The transitions this user may take now, each with the fields its form asks for."""
    return [
        {**action, "fields": [(need, NEEDS.get(need, need)) for need in action.get("needs", ())]}
        for action in petition.get("actions", [])
    ]


def scan_places(access: Access, petition_id: str) -> list[tuple[str, str, int]]:
    """(document id, batch id, page in batch) of each page of the petition's scan: its documents in order."""
    catalog = access.catalog
    documents = catalog.documents_by_id(catalog.petition_documents([petition_id])[petition_id])
    return [(doc.id, batch_id, number) for doc in documents for batch_id, number, *_ in doc.pages]


def scan_pages(access: Access, petition_id: str) -> list[dict]:
    """The scan's pages as the petition's page shows them, numbered 1.. across its documents."""
    base = f"/don/{quote(petition_id, safe='')}/trang"
    return [
        {"n": n, "document_id": document_id, "src": f"{base}/{n}.png?w={WIDTH}"}
        for n, (document_id, *_) in enumerate(scan_places(access, petition_id), 1)
    ]


def petition_view(request: Request, access: Access, petition_id: str, *, error: str | None = None, status: int = 200):
    flow = load_workflow()
    petition = access.petition(petition_id)
    today = dt.date.today()
    context = {
        "title": f"Đơn {petition['id']}",
        "p": petition,
        "mark": due_mark(petition, today),
        "events": timeline(petition, flow),
        "actions": action_forms(petition),
        "pages": scan_pages(access, petition["id"]),
        "width": WIDTH,
        "svg": diagram_svg(access, petition.get("path") or [petition["status"]]),
        "review_fields": REVIEW_FIELDS,
        "correctable": CORRECTABLE,
        "preselect": next((field_of(flag) for flag in petition["review"] if field_of(flag) in CORRECTABLE), None),
        "types": {key: type_name(key) for key in PETITION_TYPES},
        "complexity": COMPLEXITY,
        "error": error,
    }
    return show(request, "petition.html", context, status=status)


@router.get("/don/{petition_id}", include_in_schema=False)
def petition_page(request: Request, petition_id: str, access: Access = AccessDep):
    return petition_view(request, access, petition_id)


def refused(request: Request, access: Access, petition_id: str, what: str, reason: str, exc: HosoError | None = None):
    """The petition's page again, saying in Vietnamese why `what` was not done, with the HTTP status of the
    refusal (403 for a role's, 400 otherwise). A petition this user may not read stays a 404 (the page)."""
    status = 403 if isinstance(exc, Forbidden) else 400
    message = public(f"Không thực hiện được «{what}»: {reason}", access.settings)
    return petition_view(request, access, petition_id, error=message, status=status)


def petition_url(petition_id: str) -> str:
    return f"/don/{quote(petition_id, safe='')}"


def why_not(exc: HosoError, transition: Transition, state: str, given: dict[str, str]) -> str:
    """Why the register refused a transition, in Vietnamese (its own messages are the CLI's, in English)."""
    flow = load_workflow()
    if isinstance(exc, Forbidden):
        return str(exc)  # already Vietnamese: the account, its role, the verb
    if isinstance(exc, WorkflowError) and transition not in flow.allowed(state):
        options = [t.label for t in flow.allowed(state)]
        here = f"đơn đang ở bước «{petition_state(state)}»"
        if not options:
            return f"{here}, đã kết thúc: không còn thao tác nào"
        return f"{here}: chỉ có thể {', '.join(options)}"
    if isinstance(exc, WorkflowError):
        return f"luật không cho phép ({exc})"  # e.g. one extension more than the rule allows, naming the clause
    if isinstance(exc, NotFound) and given.get("assignee"):
        return f"không có tài khoản «{given['assignee']}»"
    return str(exc)


@router.post("/don/{petition_id}/xu-ly", include_in_schema=False, dependencies=[CsrfDep])
def act(
    request: Request,
    petition_id: str,
    action: str = Form(...),
    at: str = Form(""),
    reason: str = Form(""),
    to: str = Form(""),
    assignee: str = Form(""),
    complexity: str = Form(""),
    remote: bool = Form(False),
    result: str = Form(""),
    access: Access = AccessDep,
):
    """One transition of the workflow (accept, return, transfer, assign, extend, resolve) as the CLI's
    `hoso petitions ACTION ID ...`; a refusal shows the petition again with the reason in Vietnamese."""
    transition = next((t for t in load_workflow().transitions if t.action == action), None)
    if transition is None:
        raise UsageError(f"không có thao tác {action!r}")
    given = {"reason": reason, "to": to, "assignee": assignee, "complexity": complexity, "result": result}
    given = {name: value.strip() for name, value in given.items()}
    missing = [NEEDS[name].split(" (")[0].lower() for name in transition.needs if not given[name]]
    if missing:
        return refused(request, access, petition_id, transition.label, f"cần nhập {', '.join(missing)}")
    try:
        day = audit_day(at)
    except UsageError:
        return refused(request, access, petition_id, transition.label, f"ngày «{at}» không hợp lệ (dd/mm/yyyy)")
    try:
        done = access.petition_act(
            petition_id, action, at=day, remote=remote or None, **{k: v or None for k, v in given.items()}
        )
    except HosoError as exc:
        state = access.petition_entry(petition_id).status  # NotFound: the page of a missing petition
        return refused(request, access, petition_id, transition.label, why_not(exc, transition, state, given), exc)
    message = f"Đã {transition.label.lower()} đơn {done['id']}: {petition_state(done['status']).lower()}"
    if done["due"]:
        message += f"; {done['due']['step']} đến hạn {vn_date(done['due']['date'])}"
    return redirect(petition_url(done["id"]), message + ".")


def audit_day(typed: str) -> dt.date | None:
    """The day a form gives (dd/mm/yyyy or YYYY-MM-DD); None when left empty (today)."""
    return parse_day(typed) if typed.strip() else None


def correction_refused(exc: HosoError, field: str, value: str) -> str:
    """Why a correction was refused, in Vietnamese."""
    if isinstance(exc, Forbidden):
        return str(exc)
    if isinstance(exc, NotFound) and field == "case_id":
        return f"không có vụ án «{value}» trong kho (đơn chỉ liên kết được với vụ án đã có)"
    if field == "type":
        return f"«{value}» không phải một loại đơn ({', '.join(PETITION_TYPES)})"
    if field == "received_date":
        return "ngày đến không xoá được" if not value else f"ngày «{value}» không hợp lệ (dd/mm/yyyy)"
    return str(exc)


def corrected(request: Request, access: Access, petition_id: str, field: str, value: str, what: str):
    """One correction through `Access.petition_correct` (an event and an audit row), back to the petition."""
    value = value.strip()
    try:
        done = access.petition_correct(petition_id, **{field: value or None})
    except HosoError as exc:
        access.petition_entry(petition_id)  # NotFound: the page of a missing petition
        return refused(request, access, petition_id, what, correction_refused(exc, field, value), exc)
    if not done["changes"]:
        return redirect(petition_url(done["id"]), f"{what}: không có gì thay đổi.")
    changed = ", ".join(CORRECTABLE.get(c["field"], "liên kết vụ án").split(" (")[0].lower() for c in done["changes"])
    return redirect(petition_url(done["id"]), f"Đã sửa đơn {done['id']}: {changed}.")


@router.post("/don/{petition_id}/sua", include_in_schema=False, dependencies=[CsrfDep])
def correct(
    request: Request, petition_id: str, field: str = Form(...), value: str = Form(""), access: Access = AccessDep
):
    """A fact corrected (`hoso petitions set`): recorded with who and when, the due date recomputed."""
    if field not in CORRECTABLE:
        raise UsageError(f"không sửa được trường {field!r} của đơn")
    return corrected(request, access, petition_id, field, value, f"Sửa {CORRECTABLE[field].split(' (')[0].lower()}")


@router.post("/don/{petition_id}/lien-ket", include_in_schema=False, dependencies=[CsrfDep])
def link(request: Request, petition_id: str, case: str = Form(""), access: Access = AccessDep):
    """Link the petition to a case of the catalog (`hoso petitions link`), or unlink it (empty)."""
    return corrected(request, access, petition_id, "case_id", case, "Liên kết vụ án")


@router.get("/don/{petition_id}/trang/{n}.png", include_in_schema=False)
def scan_page(
    request: Request,
    petition_id: str,
    n: int,
    w: int = Query(WIDTH, description=f"width in pixels, {MIN_WIDTH}..{MAX_WIDTH}"),
    access: Access = AccessDep,
) -> Response:
    """Page `n` of the petition's scan (its documents in order), drawn from the scan's working PDF by the
    viewer's code, with the user's mark. The petition is checked first: one this user may not read is a
    404, like a missing one (a petition's documents have no case, so the dossier viewer's rights do not fit)."""
    png, etag = scan_image(access, petition_id, n, w, request.headers.get("if-none-match", ""))
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if png is None:
        return Response(status_code=304, headers=headers)
    return Response(png, media_type="image/png", headers=headers)


def scan_image(access: Access, petition_id: str, n: int, width: int, if_none_match: str) -> tuple[bytes | None, str]:
    """(PNG, ETag) of page `n` of the petition's scan; None for the PNG when the browser's copy is current.
    The plain drawing is cached for everyone (render.page_image); the marked copy is drawn per answer, and
    its tag names the user and the hour, as the viewer's page images do."""
    from pipeline.dossier.watermark import mark_image, mark_text

    petition_id = access.petition_entry(petition_id).id  # NotFound unless this user reads the petition
    places = scan_places(access, petition_id)
    if not 1 <= n <= len(places):
        raise NotFound(f"petition {petition_id} has no page {n}")
    _, batch_id, number = places[n - 1]
    batch = access.catalog.batch(batch_id)
    scan = DossierFile(f"petitions/{batch_id[:16]}", home_path(access.settings, batch["ocr_pdf"]), batch["ocr_sha256"])
    width = clamp_width(width)
    now = dt.datetime.now()
    who = hashlib.sha256(access.user.audit_name.encode()).hexdigest()[:8]
    etag = f'"{scan.key}-{number}-{width}-{who}-{now:%Y%m%d%H}"'
    if etag in if_none_match:
        return None, etag
    drawing = render.page_image(scan, number, width, access.settings.cache_dir)
    png = mark_image(drawing.read_bytes(), mark_text(access.user.audit_name, now))
    access.record("petition.page", petition=petition_id, page=n, sha256=hashlib.sha256(png).hexdigest())
    return png, etag


# ---- API ------------------------------------------------------------------------------------------


@router.get("/api/v1/petitions", tags=["đơn"], summary="Sổ thụ lý đơn (như `hoso petitions list --json`)")
def petitions_api(
    request: Request,
    type: str = Query("", description="loại đơn (taxonomy key)"),
    status: str = Query("", description="trạng thái (workflow state)"),
    assignee: str = Query(""),
    overdue: bool = Query(False),
    due_within: str = Query("", description="days"),
    q: str = Query("", max_length=500),
    case: str = Query(""),
    access: Access = AccessDep,
) -> dict:
    return access.petitions(Asked.of(request).where())


@router.get(
    "/api/v1/petitions/diagram.svg",
    tags=["đơn"],
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
    summary="Sơ đồ quy trình (SVG), số đơn ở mỗi bước; với `petition`, đường đi của đơn đó",
)
def diagram_api(
    petition: str = Query("", description="a petition id: its path highlighted"), access: Access = AccessDep
):
    path = (access.petition(petition).get("path") or None) if petition else None
    return Response(diagram.standalone(diagram_svg(access, path)), media_type="image/svg+xml")


@router.get("/api/v1/petitions/{petition_id}", tags=["đơn"], summary="Một đơn (như `hoso petitions show --json`)")
def petition_api(petition_id: str, access: Access = AccessDep) -> dict:
    return access.petition(petition_id)
