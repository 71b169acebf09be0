"""The search page and `GET /api/v1/search`."""

from __future__ import annotations

from fastapi import APIRouter, Request

from .deps import render

router = APIRouter()


@router.get("/", include_in_schema=False)
def search_page(request: Request):
    return render(request, "search.html", {"title": "Tìm kiếm"})
