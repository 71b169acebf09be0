"""The prosecutors' web app (`hoso serve`): server-rendered Vietnamese pages and the JSON API
under /api/v1, over the same home, settings and `ingest.access.Access` as the CLI.

Every asset ships in this package (office networks are often closed): no CDN, no Node build.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.config import Settings
from pipeline.errors import ExitCode, HosoError, resource_error

from . import audit, auth, clerk, dossier, petitions, search, viewer
from .deps import AccessDep, Sessions, SignInNeeded, render, use_taxonomy

STATIC = Path(__file__).parent / "static"

# The HTTP status of each exit code: scripts see the same failure in both.
HTTP_STATUS = {
    ExitCode.USAGE: 400,
    ExitCode.NOT_FOUND: 404,
    ExitCode.FORBIDDEN: 403,
    ExitCode.INTEGRITY: 409,
    ExitCode.BUSY: 409,
    ExitCode.INDEX_UNAVAILABLE: 503,
    ExitCode.MISSING_DEPENDENCY: 503,
    ExitCode.RESOURCE: 507,
}

SECURITY_HEADERS = {
    # No inline script or style: a snippet that slipped through escaping still runs nothing.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def create_app(settings: Settings) -> FastAPI:
    sessions = Sessions(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        retries = getattr(app.state, "retries", None)  # web/clerk.py's background "Thử lại"
        if retries is not None:
            retries.close(settings.watch_stop_grace_seconds)
        sessions.close()

    app = FastAPI(
        lifespan=lifespan,
        title="hoso",
        description="Hồ sơ vụ án điện tử: tìm kiếm, xem trang, trích dẫn bút lục.",
        docs_url=None,  # Swagger UI loads its script from a CDN: /api/docs is rendered here instead
        redoc_url=None,
        openapi_url=None,  # served below, to signed-in users only (like every page but the sign-in)
    )
    app.state.settings = settings
    app.state.sessions = sessions
    use_taxonomy(settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, search, viewer, dossier, clerk, audit, petitions):
        app.include_router(module.router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/api/openapi.json", include_in_schema=False, dependencies=[AccessDep])
    def openapi_schema() -> dict:
        return app.openapi()

    @app.get("/api/docs", include_in_schema=False, dependencies=[AccessDep])
    def api_docs(request: Request):
        """The API described from its OpenAPI schema, as a plain page (no script, nothing from a CDN)."""
        return render(request, "api_docs.html", {"title": "API", "api": app.openapi()})

    @app.exception_handler(HosoError)
    async def hoso_error(request: Request, exc: HosoError) -> Response:
        return error_response(request, exc)

    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(request: Request, exc: SignInNeeded) -> Response:
        """The API: 401 in the CLI's error shape, named UNAUTHENTICATED (code 2, a usage error: the
        caller sent no valid credentials). A page: to the sign-in page, then back here."""
        if request.url.path.startswith("/api/"):
            error = {"code": int(ExitCode.USAGE), "name": "UNAUTHENTICATED", "message": str(exc)}
            return JSONResponse({"error": error}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/dang-nhap?" + urlencode({"next": here}), status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = ExitCode.NOT_FOUND if exc.status_code == 404 else ExitCode.USAGE
        return error_response(request, HosoError(str(exc.detail)), code=code, status=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        message = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return error_response(request, HosoError(message or "bad request"), code=ExitCode.USAGE, status=400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        error = resource_error(exc) or HosoError(f"unexpected failure ({type(exc).__name__})")
        return error_response(request, error)

    return app


def error_response(
    request: Request, error: HosoError, *, code: ExitCode | None = None, status: int | None = None
) -> Response:
    """The CLI's error shape under /api, a Vietnamese error page elsewhere; never a path of the home."""
    code = ExitCode(code if code is not None else error.exit_code)
    status = status or HTTP_STATUS.get(code, 500)
    message = hide_paths(str(error), request.app.state.settings)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": {"code": int(code), "name": code.name, "message": message}}, status_code=status)
    return render(request, "error.html", {"status": status, "code": code.name, "message": message}, status=status)


def hide_paths(message: str, settings: Settings) -> str:
    """A message without the home's (or any absolute) file paths: ids are what a visitor may see."""
    message = re.sub(re.escape(str(settings.home)) + r"[^\s'\"),;]*", "…", message)
    return re.sub(r"(?<![\w.])/(?:[\w.\-]+/)+[\w.\-]*", "…", message)
