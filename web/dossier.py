"""The case list, the dossier view (cover, MỤC LỤC, documents, versions, download), the document view,
and their API (`/api/v1/cases`, `/api/v1/cases/{id}`, `/api/v1/documents/{id}`)."""

from __future__ import annotations

import datetime

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from ingest.access import SECRET_DOSSIER, Access

from .deps import AccessDep, render

router = APIRouter()

# The fields `review` names (extraction left them unsure), as a clerk reads them.
REVIEW_FIELDS = {
    "type": "loại văn bản",
    "number": "số/ký hiệu",
    "symbol": "ký hiệu",
    "date": "ngày",
    "issuer": "cơ quan ban hành",
    "title": "trích yếu",
    "persons": "người tham gia tố tụng",
    "received": "dấu đến",
    "crime": "tội danh",
    "article": "điều luật",
    "classification": "độ mật",
}
# Why a dossier version was built (`changes.reason`); any other reason is a clerk's correction.
BUILD_REASONS = {"ingest": "tiếp nhận bản quét", "rebuild": "lập lại", "seal": "niêm phong", "reprocess": "xử lý lại"}
CHANGE_LABELS = {
    "added": "thêm",
    "removed": "bỏ",
    "moved": "chuyển chỗ",
    "renumbered": "đánh lại bút lục",
    "edited": "sửa",
}
ROLES = {  # pipeline.corrections.ROLES
    "bi_can": "bị can",
    "bi_cao": "bị cáo",
    "nguoi_bi_hai": "người bị hại",
    "nguoi_lam_don": "người làm đơn",
    "nguoi_lam_chung": "người làm chứng",
    "nguoi_lien_quan": "người có quyền lợi, nghĩa vụ liên quan",
    "nguoi_to_giac": "người tố giác",
    "nguoi_bao_chua": "người bào chữa",
}


def download_url(access: Access, case_id: str) -> str | None:
    """Where the case's current dossier PDF downloads from, if it is built and the user may have it whole."""
    if access.current_dossier(case_id) and access.whole_dossier_readable(case_id):
        return f"/cases/{case_id}/dossier.pdf"
    return None


def first_page_url(document: dict) -> str:
    return f"/pages/{document['id']}:1"


# ---- pages -------------------------------------------------------------------------------------------


@router.get("/cases", include_in_schema=False)
def case_list_page(request: Request, access: Access = AccessDep):
    return render(request, "cases.html", {"title": "Hồ sơ vụ án", **access.cases()})


@router.get("/cases/{case_id}", include_in_schema=False)
def dossier_page(request: Request, case_id: str, access: Access = AccessDep):
    case = access.case(case_id)
    history = access.dossier_history(case_id)["versions"]
    context = {
        "title": f"Hồ sơ {case_id}",
        "case": case,
        "cover": access.case_cover(case_id),
        "to_review": sum(1 for d in case["documents"] if d["review"]),
        "versions": [version_row(v) for v in reversed(history)],
        "download": download_url(access, case_id),
        "withheld": None if access.whole_dossier_readable(case_id) else SECRET_DOSSIER,
        "first_page_url": first_page_url,
        "review_fields": REVIEW_FIELDS,
    }
    return render(request, "dossier.html", context)


@router.get("/cases/{case_id}/dossier.pdf", include_in_schema=False)
def dossier_download(case_id: str, access: Access = AccessDep):
    # The id is found in the catalog before a path is built from it: `..` or `/` never reach the disk.
    # The copy carries the user's mark (its sha256 is in the audit trail) and is removed once sent.
    copy = access.served_dossier(case_id)
    return FileResponse(
        copy.path,
        media_type="application/pdf",
        filename=copy.filename,
        headers={"Cache-Control": "private, no-store"},
        background=BackgroundTask(copy.path.unlink, missing_ok=True),
    )


@router.get("/documents/{document_id}", include_in_schema=False)
def document_page(request: Request, document_id: str, access: Access = AccessDep):
    document = access.document(document_id)
    context = {
        "title": f"Văn bản {document['number'] or document_id}",
        "doc": document,
        "pages": [
            {"seq": seq, "but_luc": but_luc, "href": f"/pages/{document_id}:{seq}"}
            for seq, (*_, but_luc) in enumerate(access.document_row(document_id).pages, 1)
        ],
        "review_fields": REVIEW_FIELDS,
        "roles": ROLES,
    }
    return render(request, "document.html", context)


def version_row(version: dict) -> dict:
    """A dossier version as its table row shows it: when, why, what changed (in Vietnamese)."""
    changes = version.get("changes") or {}
    reason = changes.get("reason") or ""
    return {
        **version,
        "when": datetime.datetime.fromtimestamp(version["created_at"]).strftime("%d/%m/%Y %H:%M"),
        "reason": BUILD_REASONS.get(reason, "chỉnh sửa" if reason else ""),
        "changes": [
            {"label": label, "documents": changes[key]} for key, label in CHANGE_LABELS.items() if changes.get(key)
        ],
    }


# ---- API ---------------------------------------------------------------------------------------------


@router.get("/api/v1/cases", summary="Các vụ án (như `hoso case list --json`)")
def cases_api(access: Access = AccessDep) -> dict:
    return access.cases()


@router.get("/api/v1/cases/{case_id}", summary="Hồ sơ một vụ án (như `hoso dossier show --json`)")
def case_api(case_id: str, access: Access = AccessDep) -> dict:
    """The shape of `hoso dossier show --json`, but `dossier` is the PDF's download URL (null when not
    built, or withheld: `dossier_withheld`): the web never shows where the home keeps its files."""
    withheld = not access.whole_dossier_readable(case_id)
    return {**access.case(case_id), "dossier": download_url(access, case_id), "dossier_withheld": withheld}


@router.get("/api/v1/documents/{document_id}", summary="Một văn bản")
def document_api(document_id: str, access: Access = AccessDep) -> dict:
    return access.document(document_id)
