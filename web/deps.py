"""What every page and API call shares: the `Access` of the visitor, templates, CSRF tokens."""

from __future__ import annotations

import datetime
import hmac
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import Depends, Form, HTTPException, Request, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from index import open_backend
from index.base import SearchBackend
from index.query import MARK_CLOSE, MARK_OPEN
from ingest import accounts
from ingest.access import Access, User
from ingest.rights import ROLE_NAMES, may
from pipeline.config import Settings
from pipeline.errors import ExitCode, HosoError, why_unwritable
from pipeline.store.catalog import Catalog
from pipeline.taxonomy import load_taxonomy

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
CSRF_COOKIE = "hoso_csrf"
SESSION_COOKIE = "hoso_session"


class Sessions:
    """Catalog connections and search backends, opened on first use and reused (an OpenSearch client
    is not rebuilt per request), each leased to one request at a time. Not one per thread: FastAPI
    runs a request's dependencies and its endpoint in different threads of its pool, so a thread's
    connection would serve two requests at once (one's audit row inside the other's transaction)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.idle: list[tuple[Catalog, SearchBackend]] = []
        self.opened: list[tuple[Catalog, SearchBackend]] = []
        self.lock = threading.Lock()

    @contextmanager
    def lease(self) -> Iterator[tuple[Catalog, SearchBackend]]:
        """A catalog and backend no other request uses until this one gives them back."""
        with self.lock:
            opened = self.idle.pop() if self.idle else None
        if opened is None:
            cfg = self.settings
            read_only = why_unwritable(cfg.catalog_path) is not None or why_unwritable(cfg.home) is not None
            catalog = Catalog(cfg.catalog, read_only=read_only and cfg.catalog_exists())
            opened = (catalog, open_backend(cfg, catalog))
            with self.lock:
                self.opened.append(opened)
        try:
            yield opened
        finally:
            with self.lock:
                self.idle.append(opened)

    def close(self) -> None:
        with self.lock:
            for catalog, backend in self.opened:
                backend.close()
                catalog.close()
            self.opened.clear()
            self.idle.clear()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class SignInNeeded(HosoError):
    """No account signed in: a page sends the visitor to the sign-in page, the API answers 401."""

    exit_code = ExitCode.USAGE


def signed_in_user(request: Request, catalog: Catalog) -> User | None:
    """The account this request comes from: a bearer token (on /api/ only, for scripts), else the
    session cookie. A disabled account, a revoked token, an idle session: nobody."""
    address = client_address(request)
    if request.url.path.startswith("/api/"):
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            return accounts.token_user(catalog, token.strip(), address)
    session = request.cookies.get(SESSION_COOKIE, "")
    return accounts.session_user(request.app.state.settings, catalog, session, address) if session else None


def get_access(request: Request) -> Iterator[Access]:
    """The signed-in account's `Access`; SignInNeeded without one."""
    sessions: Sessions = request.app.state.sessions
    with sessions.lease() as (catalog, backend):
        user = signed_in_user(request, catalog)
        if user is None:
            raise SignInNeeded(
                "sign in first: a session from /dang-nhap, or `Authorization: Bearer` with a `hoso user token`"
            )
        request.state.user = user
        yield Access(sessions.settings, catalog, backend, user)


AccessDep = Depends(get_access)


# ---- CSRF: a random token in a SameSite=Strict cookie, echoed by every form (double submit) ----------


def csrf_token(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) != 43:
        token = request.state.__dict__.setdefault("new_csrf", secrets.token_urlsafe(32))
    return token


def check_csrf(request: Request, csrf: str = Form("")) -> None:
    """Refuse a form post whose token is not the visitor's cookie (a page of another site cannot read it)."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf):
        raise HTTPException(403, "Biểu mẫu đã hết hạn: hãy tải lại trang rồi thử lại.")


CsrfDep = Depends(check_csrf)


# ---- templates ---------------------------------------------------------------------------------------


def set_private_cookie(response: Response, request: Request, name: str, value: str) -> None:
    """A cookie no script reads and no other site's request carries; Secure when the visitor came over
    TLS (behind a reverse proxy: when uvicorn trusts its X-Forwarded-Proto, see `hoso serve --proxy`)."""
    secure = request.url.scheme == "https"
    response.set_cookie(name, value, httponly=True, samesite="strict", secure=secure, path="/")


def render(request: Request, template: str, context: dict, *, status: int = 200):
    token = csrf_token(request)
    me = getattr(request.state, "user", None)
    response = TEMPLATES.TemplateResponse(request, template, {"csrf": token, "me": me, **context}, status_code=status)
    if request.cookies.get(CSRF_COOKIE) != token:
        set_private_cookie(response, request, CSRF_COOKIE, token)
    return response


def vn_date(value: str | None) -> str:
    """ISO (or YYYY-MM) as a Vietnamese reader writes it: 03/05/2024, 05/2024."""
    if not value:
        return ""
    try:
        return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        parts = value.split("-")
        return "/".join(reversed(parts)) if all(p.isdigit() for p in parts) else value


def parse_vn_date(value: str | None) -> str | None:
    """dd/mm/yyyy, mm/yyyy or yyyy (as typed in a form) → ISO YYYY-MM-DD, YYYY-MM or YYYY; '' → None."""
    value = (value or "").strip()
    if not value:
        return None
    parts = value.replace("-", "/").replace(".", "/").split("/")
    if not all(p.isdigit() for p in parts) or len(parts) > 3:
        raise HTTPException(400, f"ngày không hợp lệ: {value!r} (dd/mm/yyyy)")
    if len(parts[0]) == 4:  # already ISO
        return value.replace("/", "-")
    return "-".join(p.zfill(2) for p in reversed(parts))


def snippet_html(snippet: str) -> Markup:
    """A snippet escaped, with only its match marks kept as <mark>."""
    return Markup(
        str(escape(snippet)).replace(str(escape(MARK_OPEN)), "<mark>").replace(str(escape(MARK_CLOSE)), "</mark>")
    )


_TAXONOMY = load_taxonomy()


def use_taxonomy(settings: Settings) -> None:
    """The doc type names of the home's taxonomy (an admin may have added types)."""
    _TAXONOMY.clear()
    _TAXONOMY.update(load_taxonomy(settings.taxonomy))


def type_name(key: str | None) -> str:
    """A doc type's Vietnamese name (short form, without the taxonomy's explanations in brackets)."""
    if not key:
        return ""
    doc_type = _TAXONOMY.get(key)
    return doc_type.name.split(" (")[0] if doc_type else key


def type_names() -> dict[str, str]:
    return {key: type_name(key) for key in _TAXONOMY}


TEMPLATES.env.filters.update(vn_date=vn_date, snippet=snippet_html, type_name=type_name)
TEMPLATES.env.globals.update(type_names=type_names, role_names=ROLE_NAMES, may=may)
