"""The clerks' pages: `/status` (queue, quarantine with "Thử lại", index backlog, watcher) and
`/review` (the review queue with the CLI's corrections), and their JSON under /api/v1.

Files are shown by name and referred to by their catalog id, never by a server path. Every
correction goes through `Access.repair()`, so it is recorded in `corrections` as the CLI's are
(who = the signed-in account), and the dossier and index follow.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from pathlib import Path
from urllib.parse import quote, unquote, urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse

from ingest.access import Access, User
from pipeline import errors
from pipeline.config import Settings
from pipeline.corrections import CorrectionError

from .deps import AccessDep, CsrfDep, Sessions, render, type_name

log = logging.getLogger("hoso.web")

router = APIRouter()

FLASH_COOKIE = "hoso_flash"

FILE_STATES = {
    "queued": "Chờ xử lý",
    "processing": "Đang xử lý",
    "done": "Đã xong",
    "duplicate": "Trùng lặp",
    "quarantined": "Cách ly",
}
REASONS = {
    "low_confidence": "độ tin cậy thấp",
    "khac": "chưa rõ loại",
    "unassigned": "chưa có vụ án",
    "empty_fields": "còn trường trống",
    "probable_duplicate": "có thể là bản quét lại",
}
# The fields `hoso doc set` changes (pipeline.corrections.FIELDS), and the others a review may name.
FIELDS = {
    "number": "Số/ký hiệu",
    "date": "Ngày ban hành",
    "issuer": "Cơ quan ban hành",
    "title": "Tên loại (tiêu đề)",
    "subtitle": "Trích yếu",
    "crime": "Tội danh",
    "article": "Điều luật (BLHS)",
    "persons": "Người liên quan",
    "classification": "Độ mật (thuong, mat, toi_mat)",
    "received": "Số, ngày đến (số, dd/mm/yyyy)",
}
FIELD_NAMES = {**FIELDS, "symbol": "Ký hiệu", "month": "Tháng", "received": "Số, ngày đến"}


# ---- retries in the background ------------------------------------------------------------------


class Retries:
    """Processes requeued files in one background thread, one request's files after another, with the
    thread's own catalog connection and backend; the consumer's per-batch locks keep a `hoso watch`
    or `hoso ingest` from working on the same file."""

    def __init__(self, sessions: Sessions):
        self.sessions = sessions
        self.todo: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.waiting = 0  # files handed over and not yet processed
        self.thread: threading.Thread | None = None

    def submit(self, user: User, file_ids: list[int]) -> None:
        with self.lock:
            self.waiting += len(file_ids)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="hoso-web-retry", daemon=True)
                self.thread.start()
        self.todo.put((user, file_ids))

    def _run(self) -> None:
        while (item := self.todo.get()) is not None:
            user, file_ids = item
            try:
                with self.sessions.lease() as (catalog, backend):
                    Access(self.sessions.settings, catalog, backend, user).process_requeued(file_ids)
            except Exception:  # the files stay queued; `hoso retry --all` or a watcher's start takes them
                log.exception("retrying files %s failed", file_ids)
            finally:
                with self.lock:
                    self.waiting -= len(file_ids)

    def close(self, grace: float) -> None:
        """Stop after the run in progress (a file cut off by the process's end is recovered later)."""
        if self.thread is not None and self.thread.is_alive():
            self.todo.put(None)
            self.thread.join(grace)


_RUNNER_LOCK = threading.Lock()


def retries(request: Request) -> Retries:
    """The app's background retries (started by the first "Thử lại"; the app's lifespan stops them)."""
    state = request.app.state
    with _RUNNER_LOCK:
        runner = getattr(state, "retries", None)
        if runner is None:
            runner = state.retries = Retries(state.sessions)
    return runner


# ---- a message for the next page (after a 303) ----------------------------------------------------


def redirect(url: str, message: str, *, error: bool = False) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        FLASH_COOKIE, quote(("!" if error else "") + message), httponly=True, samesite="strict", path="/"
    )
    return response


def flash(request: Request) -> dict | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    text = unquote(raw)
    return {"text": text.removeprefix("!"), "error": text.startswith("!")}


def show(request: Request, template: str, context: dict, status: int = 200):
    """Render a clerk's page with the message left by the last form, then forget the message."""
    response = render(request, template, {"flash": flash(request), **context}, status=status)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def public(text: str | None, settings: Settings) -> str:
    """A reason or message as a visitor may see it: no server paths."""
    from .app import hide_paths  # web.app includes this module's router

    return hide_paths(text or "", settings)


# ---- status ---------------------------------------------------------------------------------------


def public_status(data: dict, settings: Settings) -> dict:
    """`hoso status --json` with each file by its name: a visitor sees ids and names, never the server's
    paths (an admin's script on the server has `hoso status --json` itself)."""

    def named(items: list[dict]) -> list[dict]:
        shown = [{**item, "path": Path(item["path"]).name} for item in items]
        for item in shown:
            if "reason" in item:
                item["reason"] = public(item["reason"], settings)
        return shown

    oldest = data["oldest_waiting"]
    return {
        **data,
        "unassigned": named(data["unassigned"]),
        "quarantine": named(data["quarantine"]),
        "held": named(data["held"]),
        "oldest_waiting": {**oldest, "path": Path(oldest["path"]).name} if oldest else None,
    }


def vn_time(value: float | str | None) -> str:
    """An epoch or ISO time as dd/mm/yyyy HH:MM, local time."""
    if value is None:
        return ""
    when = dt.datetime.fromtimestamp(value) if isinstance(value, int | float) else dt.datetime.fromisoformat(value)
    return when.astimezone().strftime("%d/%m/%Y %H:%M")


def vn_duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return f"{int(seconds)} giây"
    if minutes < 120:
        return f"{minutes} phút"
    return f"{minutes // 60} giờ {minutes % 60} phút"


@router.get("/status", include_in_schema=False)
def status_page(request: Request, access: Access = AccessDep):
    settings = access.settings
    data = public_status(access.status(), settings)
    files = [
        {
            "id": row.id,
            "name": Path(row.path).name,
            "held": row.state == "queued",
            "reason": public(row.reason, settings),
            "since": vn_time(row.updated_at),
        }
        for row in access.retryable()
    ]
    return show(
        request,
        "status.html",
        {
            "title": "Tình trạng",
            "status": data,
            "states": FILE_STATES,
            "retryable": files,
            "retrying": retries(request).waiting,
            "vn_time": vn_time,
            "vn_duration": vn_duration,
        },
    )


@router.post("/status/retry", include_in_schema=False, dependencies=[CsrfDep])
def retry(request: Request, file_id: int | None = Form(None), every: bool = Form(False), access: Access = AccessDep):
    """Requeue quarantined files (one, or every one) now; process them in the background."""
    if file_id is None and not every:
        raise HTTPException(400, "chọn một tệp để thử lại, hoặc thử lại tất cả")
    ids = [r.id for r in access.retryable()] if every else [file_id]
    if not ids:
        return redirect("/status", "Không có tệp nào bị cách ly.")
    queued, refused = access.requeue(ids)  # NotFound (404) for an id that is not quarantined
    if queued:
        retries(request).submit(access.user, queued)
    message = f"Đã xếp lại hàng đợi {len(queued)} tệp."
    if refused:
        names = ", ".join(Path(o.path).name for o in refused)
        message += f" Không thử lại được {len(refused)} tệp ({names}): bản sao trong khu cách ly không còn."
    return redirect("/status", message, error=bool(refused) and not queued)


@router.get("/api/v1/status", tags=["clerks"])
def status_api(access: Access = AccessDep) -> dict:
    """`hoso status --json`, each file by its name (no server paths)."""
    return public_status(access.status(), access.settings)


# ---- review ---------------------------------------------------------------------------------------


def crop_url(document_id: str) -> str:
    return f"/api/v1/review/{quote(document_id, safe='')}/header.png"


def review_documents(access: Access, case_id: str | None) -> list[dict]:
    """`hoso review --json`'s documents; the header pictures by their URL (an id), not a path."""
    documents = access.review(case_id)
    for item in documents:
        if "crops" in item:
            item["crops"] = {field: crop_url(item["id"]) for field in item["crops"]}
    return documents


@router.get("/review", include_in_schema=False)
def review_page(request: Request, case: str | None = None, access: Access = AccessDep):
    return review_view(request, access, case or None)


def review_view(request: Request, access: Access, case_id: str | None, *, error: str | None = None, status: int = 200):
    documents = review_documents(access, case_id)
    # The documents each one may be merged with: the others of its case, in dossier order.
    neighbours = {c: access.merge_choices(c) for c in dict.fromkeys(d["case_id"] for d in documents) if c}
    return show(
        request,
        "review.html",
        {
            "title": "Cần xem lại",
            "documents": documents,
            "case_filter": case_id,
            "neighbours": neighbours,
            "reasons": REASONS,
            "fields": FIELDS,
            "field_names": FIELD_NAMES,
            "error": error,
        },
        status=status,
    )


@router.get("/api/v1/review", tags=["clerks"])
def review_api(case: str | None = None, access: Access = AccessDep) -> dict:
    """`hoso review --json`: documents that need a person (header pictures by URL)."""
    return {"documents": review_documents(access, case or None)}


@router.get("/api/v1/review/{document_id}/header.png", tags=["clerks"])
def header_picture(document_id: str, access: Access = AccessDep):
    """The top of the document's first page, for the fields the review leaves to a person."""
    return FileResponse(access.header_crop(document_id), media_type="image/png")


def correct(request: Request, access: Access, action, back_case: str, done: str):
    """Run one correction as the CLI's `hoso doc ...` does; back to the review with what it did."""
    back = "/review" + (f"?{urlencode({'case': back_case})}" if back_case else "")
    try:
        change = action(access.repair())
    except CorrectionError as exc:  # refused: bad value, sealed pages, no such document
        status = 404 if isinstance(exc, errors.NotFound) else 400
        return review_view(
            request, access, back_case or None, error=public(f"Không sửa được: {exc}", access.settings), status=status
        )
    if change.extra.get("unchanged"):
        return redirect(back, f"{done}: không có gì thay đổi, văn bản đã như vậy.")
    numbers = ", ".join(f"#{c['id']}" for c in change.corrections)
    message = f"{done} (ghi sửa {numbers}, người sửa {access.user.name})."
    built = [d for d in change.dossiers if "error" not in d]
    if built:
        message += " Hồ sơ " + ", ".join(f"{d['case_id']} phiên bản {d['version']}" for d in built) + "."
    failed = [d["case_id"] for d in change.dossiers if "error" in d]
    if failed:
        message += f" Nhưng chưa dựng lại được hồ sơ {', '.join(failed)}: chạy `hoso dossier rebuild` khi đã khắc phục."
    if not change.indexed:
        message += " Nhưng chỉ mục tìm kiếm chưa cập nhật được: chạy `hoso reindex --pending`."
    return redirect(back, message, error=bool(failed) or not change.indexed)


REVIEW_FORM = {"include_in_schema": False, "dependencies": [CsrfDep]}


@router.post("/review/{document_id}/type", **REVIEW_FORM)
def set_type(
    request: Request, document_id: str, key: str = Form(...), back: str = Form(""), access: Access = AccessDep
):
    return correct(
        request,
        access,
        lambda r: r.set_type(document_id, key),
        back,
        f"Đã đặt loại của {document_id} là {type_name(key)}",
    )


@router.post("/review/{document_id}/field", **REVIEW_FORM)
def set_field(
    request: Request,
    document_id: str,
    field: str = Form(...),
    value: str = Form(""),
    back: str = Form(""),
    access: Access = AccessDep,
):
    what = FIELD_NAMES.get(field, field)
    done = f"Đã sửa {what} của {document_id}" if value.strip() else f"Đã xoá {what} của {document_id}"
    return correct(request, access, lambda r: r.set_field(document_id, field, value), back, done)


@router.post("/review/{document_id}/move", **REVIEW_FORM)
def move(request: Request, document_id: str, case: str = Form(...), back: str = Form(""), access: Access = AccessDep):
    case = case.strip()
    return correct(
        request, access, lambda r: r.move(document_id, case), back, f"Đã chuyển {document_id} sang vụ án {case}"
    )


@router.post("/review/{document_id}/split", **REVIEW_FORM)
def split(request: Request, document_id: str, at: int = Form(...), back: str = Form(""), access: Access = AccessDep):
    return correct(request, access, lambda r: r.split(document_id, at), back, f"Đã tách {document_id} từ trang {at}")


@router.post("/review/{document_id}/merge", **REVIEW_FORM)
def merge(request: Request, document_id: str, other: str = Form(...), back: str = Form(""), access: Access = AccessDep):
    return correct(
        request, access, lambda r: r.merge(document_id, other), back, f"Đã gộp {other} vào cuối {document_id}"
    )
