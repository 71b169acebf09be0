"""Signing in and out of the web app (issue 13): `/dang-nhap` and `/dang-xuat`.

A sign-in always opens a NEW session whose random id only the browser holds (as the HttpOnly,
SameSite=Strict cookie `hoso_session`; the catalog keeps its sha256): a cookie planted before the
sign-in is never adopted (session fixation). Every refusal reads the same, whatever its reason.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from ingest.access import Access
from ingest.accounts import sign_in

from .deps import SESSION_COOKIE, AccessDep, CsrfDep, Sessions, client_address, render, set_private_cookie

router = APIRouter(include_in_schema=False)

REFUSED = (
    "Không đăng nhập được: tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang bị khóa. "
    "Sau nhiều lần nhập sai, tài khoản bị khóa tạm thời; quản trị viên có thể mở khóa."
)


def local_path(target: str) -> str:
    """Where to go after signing in: a path of this site only (never `//host`, a scheme, a backslash)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and target.isprintable():
        return target
    return "/"


@router.get("/dang-nhap")
def signin_page(request: Request, next: str = "/"):
    return render(request, "signin.html", {"title": "Đăng nhập", "next": local_path(next)})


@router.post("/dang-nhap", dependencies=[CsrfDep])
def signin(request: Request, name: str = Form(""), password: str = Form(""), next: str = Form("/")):
    sessions: Sessions = request.app.state.sessions
    previous = request.cookies.get(SESSION_COOKIE)
    with sessions.lease() as (catalog, _):
        result = sign_in(sessions.settings, catalog, name.strip(), password, client_address(request), previous)
    if not result.ok:
        context = {"title": "Đăng nhập", "next": local_path(next), "name": name.strip(), "refused": REFUSED}
        return render(request, "signin.html", context)
    response = RedirectResponse(local_path(next), status_code=303)
    set_private_cookie(response, request, SESSION_COOKIE, result.session)
    return response


@router.post("/dang-xuat", dependencies=[CsrfDep])
def signout(request: Request, access: Access = AccessDep):
    access.accounts().sign_out(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/dang-nhap", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
