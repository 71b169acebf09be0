"""The page viewer: a dossier page drawn from the PDF with the query's words outlined, its OCR text
beside it, previous/next in dossier order, jump to a bút lục, zoom, print, and its citation.
With the page's JSON, image and word boxes under /api/v1/pages/{document_id}:{seq}."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from index.highlight import marked_spans
from ingest.access import Access, split_page_id
from pipeline.dossier.render import DEFAULT_WIDTH, MAX_WIDTH, MIN_WIDTH
from pipeline.errors import UsageError

from .deps import AccessDep, render, type_name

router = APIRouter()

QueryText = Query("", max_length=500, description="the search's words: they are outlined on the page")


def page_url(page_id: str, q: str = "") -> str:
    return f"/pages/{page_id}" + (f"?{urlencode({'q': q})}" if q else "")


@router.get("/pages/{page_id}", include_in_schema=False)
def viewer(request: Request, page_id: str, q: str = QueryText, access: Access = AccessDep):
    page = access.page(*split_page_id(page_id), q=q.strip())
    name = type_name(page["doc_type"])
    context = {
        "title": f"Bút lục {page['but_luc']} · {page['case_id']}",
        "page": page,
        "q": q.strip(),
        "document_name": " ".join(filter(None, [name, f"số {page['number']}" if page["number"] else None])),
        "text": marked_spans(page["text"], q) if q.strip() else [(page["text"], False)],
        "image_width": DEFAULT_WIDTH,
        "image_height": round(DEFAULT_WIDTH * page["height"] / page["width"]),
        "prev_url": page_url(page["prev"], q.strip()) if page["prev"] else None,
        "next_url": page_url(page["next"], q.strip()) if page["next"] else None,
    }
    return render(request, "viewer.html", context)


@router.get("/cases/{case_id}/but-luc", include_in_schema=False)
def jump(case_id: str, but_luc: str = Query(...), q: str = QueryText, access: Access = AccessDep):
    """Bút lục N of the case → its page in the viewer (303, the query kept)."""
    but_luc = but_luc.strip()
    if not (but_luc.isascii() and but_luc.isdigit()) or len(but_luc) > 9:
        raise UsageError("bút lục phải là một số nguyên dương")
    document_id, seq = access.page_at_but_luc(case_id, int(but_luc))
    return RedirectResponse(page_url(f"{document_id}:{seq}", q.strip()), status_code=303)


@router.get("/api/v1/pages/{page_id}", tags=["trang"])
def page_json(page_id: str, q: str = QueryText, access: Access = AccessDep) -> dict:
    """A dossier page: case, document, seq, dossier page, bút lục, size in points, text, words,
    citation, previous/next page ids in dossier order; with `q`, the matched words as `boxes`."""
    return access.page(*split_page_id(page_id), q=q.strip())


@router.get(
    "/api/v1/pages/{page_id}/image",
    tags=["trang"],
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, 304: {"description": "unchanged (If-None-Match)"}},
)
def page_image(
    request: Request,
    page_id: str,
    w: int = Query(DEFAULT_WIDTH, description=f"width in pixels, {MIN_WIDTH}..{MAX_WIDTH}"),
    q: str = QueryText,
    access: Access = AccessDep,
) -> Response:
    """The page as a PNG drawn from the dossier PDF, marked with the user's name and the time; with
    `q`, its matched words outlined."""
    png, etag = access.served_page_image(
        *split_page_id(page_id), w, q.strip(), request.headers.get("if-none-match", "")
    )
    # The browser keeps the image but asks each time: a rebuilt dossier, another user or hour changes the tag.
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if png is None:
        return Response(status_code=304, headers=headers)
    return Response(png, media_type="image/png", headers=headers)


@router.get("/api/v1/pages/{page_id}/words", tags=["trang"])
def page_words(page_id: str, q: str = QueryText, access: Access = AccessDep) -> dict:
    """The words `q` matched on the page: {"width", "height", "boxes": [{"text", "x0", "top", "x1", "bottom"}]},
    in the dossier page's points (origin top-left, as displayed)."""
    return access.page_words(*split_page_id(page_id), q.strip())
