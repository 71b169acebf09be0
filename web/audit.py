"""The admins' page of the audit trail, `/nhat-ky` (Nhật ký truy cập), and its JSON under /api/v1/audit.

Only an admin sees it (anyone else gets the 404 of a page that does not exist: `Access.may_read_audit`).
Looking at the trail is itself recorded, with the filters used.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request

from ingest.access import Access
from ingest.audit import day_filter, local_time

from .deps import AccessDep, render

router = APIRouter()

PAGE_ROWS = 50
FILTERS = {"user": "Người dùng", "case": "Vụ án", "action": "Thao tác", "from": "Từ ngày", "to": "Đến ngày"}
ACTIONS = {
    "signin": "Đăng nhập",
    "signout": "Đăng xuất",
    "search": "Tìm kiếm",
    "page.view": "Xem trang",
    "page.image": "Tải ảnh trang",
    "document.view": "Xem văn bản",
    "case.view": "Xem hồ sơ vụ án",
    "dossier.download": "Tải hồ sơ",
    "dossier.export": "Xuất bản sao",
    "correction": "Sửa dữ liệu",
    "case.assign": "Phân công vụ án",
    "case.unassign": "Thôi phân công",
    "cli": "Lệnh trên máy chủ",
    "audit.view": "Xem nhật ký",
}
SUMMARY_CHARS = 160


def action_label(action: str) -> str:
    if action in ACTIONS:
        return ACTIONS[action]
    return "Tài khoản" if action.startswith("user.") else action


def summary(action: str, detail: dict) -> str:
    """The detail in a line, cut at SUMMARY_CHARS (the JSON API has all of it): a CLI command as typed,
    anything else as `key: value; …`."""
    if action == "cli":
        typed = " ".join(["hoso", str(detail.get("command", "")), *map(str, detail.get("args", []))])
        text = f"{typed} → mã thoát {detail.get('exit_code')}"
    else:
        text = "; ".join(f"{key}: {shown(value)}" for key, value in sorted(detail.items()))
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def shown(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}={shown(v)}" for key, v in sorted(value.items()))
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value)
    return str(value)


def asked_filters(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip() for name in FILTERS}


def trail(access: Access, asked: dict[str, str], *, limit: int, offset: int) -> dict:
    where = day_filter(
        who=asked["user"], case_id=asked["case"], action=asked["action"], since=asked["from"], until=asked["to"]
    )
    found = access.audit_trail(where, limit=limit, offset=offset)
    access.record("audit.view", filters={name: value for name, value in asked.items() if value}, offset=offset)
    return found


@router.get("/nhat-ky", include_in_schema=False)
def audit_page(request: Request, access: Access = AccessDep, offset: int = Query(0, ge=0)):
    asked = asked_filters(request)
    verdict = access.audit_verdict() if request.query_params.get("kiem-tra") else None
    found = trail(access, asked, limit=PAGE_ROWS, offset=offset)
    rows = [
        {
            **row,
            "time": local_time(row["at"]),
            "label": action_label(row["action"]),
            "summary": summary(row["action"], row["detail"]),
        }
        for row in found["rows"]
    ]
    kept = {name: value for name, value in asked.items() if value}

    def page_url(at: int) -> str:
        return "/nhat-ky?" + urlencode({**kept, **({"offset": at} if at else {})})

    total = found["total"]
    return render(
        request,
        "audit.html",
        {
            "title": "Nhật ký truy cập",
            "user": access.user,
            "asked": asked,
            "filters": FILTERS,
            "actions": ACTIONS,
            "rows": rows,
            "total": total,
            "first": offset + 1 if rows else 0,
            "last": offset + len(rows),
            "previous": page_url(max(offset - PAGE_ROWS, 0)) if offset else None,
            "next": page_url(offset + PAGE_ROWS) if offset + PAGE_ROWS < total else None,
            "verdict": verdict,
            "verify_url": "/nhat-ky?" + urlencode({**kept, "kiem-tra": 1}),
        },
    )


@router.get("/api/v1/audit")
def audit_api(
    request: Request,
    access: Access = AccessDep,
    user: str = Query("", description="Only this account (or CLI login)."),
    case: str = Query("", description="Only rows about this case."),
    action: str = Query("", description="Only this action; 'user.' for every user.* action."),
    since: str = Query("", alias="from", description="From this day (dd/mm/yyyy or YYYY-MM-DD)."),
    until: str = Query("", alias="to", description="Through this day."),
    limit: int = Query(PAGE_ROWS, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict:
    """The audit trail, newest first (admins only): `{"rows": [{id, at, who, address, action, detail}], "total"}`."""
    asked = {"user": user, "case": case, "action": action, "from": since, "to": until}
    return trail(access, {k: v.strip() for k, v in asked.items()}, limit=limit, offset=offset)


@router.get("/api/v1/audit/verify")
def audit_verify_api(access: Access = AccessDep) -> dict:
    """`hoso audit verify --json`: {"ok", "rows", "first_bad_row", "problem"} (admins only)."""
    return access.audit_verdict().as_json()
