"""Signing in to the web app and its API (issue 13, items 1 and 7): nothing without an account, session
cookies (HttpOnly, SameSite=Strict, Secure under TLS, stored hashed), session fixation, CSRF on the
sign-in and sign-out forms, idle timeout, lock-out, one refusal for every reason, bearer tokens for the
API only, a disabled account refused at once, and `hoso serve` on the network only once an admin exists."""

from __future__ import annotations

import hashlib
import socket
import statistics
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from conftest import REPO
from dossier_kit import cli
from pipeline.config import load_settings
from pipeline.store.catalog import Catalog
from web.app import create_app
from web.auth import REFUSED
from web.deps import SESSION_COOKIE
from web_kit import CASE_A, CLERK, LEADER, add_user, build_web_home, csrf_of, signed_in

PASSWORD = "mat-khau-kiem-sat-1"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = build_web_home(tmp_path_factory.mktemp("web-auth"))
    for name in ("ksv.an", "ksv.binh", "ksv.cuc", "ksv.dao", "ksv.em"):
        add_user(home, name, "prosecutor", "thuong", PASSWORD)
    return home


@pytest.fixture(scope="module")
def app(home):
    return create_app(load_settings(home=home))


@pytest.fixture
def client(app):
    """A fresh browser: no cookie."""
    with TestClient(app) as client:
        yield client


def catalog_of(home) -> Catalog:
    return Catalog(home / "catalog.sqlite")


def post_signin(client, name: str, password: str, *, next: str = "/"):
    token = csrf_of(client.get("/dang-nhap").text)
    form = {"name": name, "password": password, "csrf": token, "next": next}
    return client.post("/dang-nhap", data=form, follow_redirects=False)


def user_cmd(home, *args: str, stdin: str | None = None):
    from typer.testing import CliRunner

    from cli.main import app

    result = CliRunner().invoke(app, ["--home", str(home), "user", *args], input=stdin, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


# ---- nothing without an account ------------------------------------------------------------------------

PUBLIC = {"/dang-nhap", "/static"}


def routes(app):
    """Every route of the app, those of its included routers too."""
    for route in app.routes:
        included = getattr(route, "original_router", None)
        yield from included.routes if included is not None else [route]


def test_every_page_and_api_call_needs_an_account(app, client):
    checked = 0
    for route in routes(app):
        path = getattr(route, "path", "")
        if path in PUBLIC or not isinstance(route, APIRoute):
            continue
        url = path.replace("{page_id}", "A-QD47:1").replace("{case_id}", CASE_A).replace("{document_id}", "A-QD47")
        for method in route.methods - {"HEAD"}:
            answer = client.request(method, url, follow_redirects=False)
            if path.startswith("/api/"):
                assert answer.status_code == 401, (method, url, answer.status_code)
                assert answer.json()["error"]["name"] == "UNAUTHENTICATED" and answer.json()["error"]["code"] == 2
                assert answer.headers["www-authenticate"] == "Bearer"
            elif method == "GET":
                assert answer.status_code == 303, (method, url, answer.status_code)
                assert answer.headers["location"] == "/dang-nhap?next=" + quote(url, safe="")
            else:  # a form post: refused (no CSRF token) or sent to sign in, never done
                assert answer.status_code in (303, 403), (method, url, answer.status_code)
            checked += 1
    assert checked >= 20
    assert client.get("/static/app.css").status_code == 200
    signin = client.get("/dang-nhap")
    assert signin.status_code == 200 and "Tên đăng nhập" in signin.text and "Mật khẩu" in signin.text
    assert "Đăng xuất" not in signin.text and 'href="/cases"' not in signin.text  # no menu before signing in


def test_next_is_a_local_path_only(client):
    answer = post_signin(client, *LEADER, next=f"/cases/{CASE_A}?x=1")
    assert answer.headers["location"] == f"/cases/{CASE_A}?x=1"
    for outside in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        assert post_signin(client, *LEADER, next=outside).headers["location"] == "/"
        assert 'name="next" value="/"' in client.get("/dang-nhap", params={"next": outside}).text


# ---- the session ---------------------------------------------------------------------------------------


def test_sign_in_sets_a_private_session_cookie_stored_hashed(client, home):
    answer = post_signin(client, *LEADER)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie  # plain http here
    session = client.cookies[SESSION_COOKIE]
    assert len(session) == 43
    catalog = catalog_of(home)
    try:
        stored = [r[0] for r in catalog.db.execute("SELECT id_sha256 FROM web_sessions")]
    finally:
        catalog.close()
    assert hashlib.sha256(session.encode()).hexdigest() in stored and session not in stored
    page = client.get("/")
    assert page.status_code == 200 and LEADER[0] in page.text and "Lãnh đạo" in page.text and "Đăng xuất" in page.text


def test_under_tls_the_cookies_are_secure(app):
    with TestClient(app, base_url="https://testserver") as client:
        answer = post_signin(client, *LEADER)
    cookies = answer.headers.get_list("set-cookie")
    assert cookies and all("Secure" in c for c in cookies)


def test_a_cookie_planted_before_sign_in_is_not_the_session_after_it(client, home, app):
    client.cookies.set(SESSION_COOKIE, "planted-by-an-attacker-0123456789abcdefghijk", domain="testserver.local")
    assert client.get("/", follow_redirects=False).status_code == 303  # the planted id opens nothing
    post_signin(client, *LEADER)
    assert client.cookies[SESSION_COOKIE] != "planted-by-an-attacker-0123456789abcdefghijk"
    # A real session planted (a shared computer, a stolen fixation): signing in replaces and ends it.
    with TestClient(app) as victim:
        post_signin(victim, "ksv.an", PASSWORD)
        old = victim.cookies[SESSION_COOKIE]
        victim.get("/dang-nhap")
        post_signin(victim, "ksv.an", PASSWORD)
        assert victim.cookies[SESSION_COOKIE] != old
    with TestClient(app, cookies={SESSION_COOKIE: old}) as attacker:
        assert attacker.get("/", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session_and_needs_the_form_token(client):
    post_signin(client, *LEADER)
    session = client.cookies[SESSION_COOKIE]
    assert client.post("/dang-xuat", data={}, follow_redirects=False).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in
    token = csrf_of(client.get("/").text)
    answer = client.post("/dang-xuat", data={"csrf": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/dang-nhap"
    client.cookies.set(SESSION_COOKIE, session, domain="testserver.local")  # the old cookie, kept by whoever copied it
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/cases").status_code == 401


def test_the_sign_in_form_needs_its_token(client):
    client.get("/dang-nhap")
    answer = client.post("/dang-nhap", data={"name": LEADER[0], "password": LEADER[1]}, follow_redirects=False)
    assert answer.status_code == 403 and SESSION_COOKIE not in client.cookies


def test_an_idle_session_is_signed_out(client, home):
    post_signin(client, *LEADER)
    key = hashlib.sha256(client.cookies[SESSION_COOKIE].encode()).hexdigest()
    assert client.get("/cases", follow_redirects=False).status_code == 200
    catalog = catalog_of(home)
    try:
        idle = load_settings(home=home).web_session_idle_minutes * 60
        with catalog.transaction():
            catalog.session_seen(key, time.time() - idle + 30)  # used 29.5 minutes ago: still open
        assert client.get("/cases", follow_redirects=False).status_code == 200
        assert catalog.session_user(key)["last_seen"] > time.time() - 5  # ... and seen again now
        with catalog.transaction():
            catalog.session_seen(key, time.time() - idle - 1)
        answer = client.get("/cases", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/dang-nhap")
        assert catalog.session_user(key) is None  # ended, not merely refused
    finally:
        catalog.close()


# ---- refusals and the lock-out ---------------------------------------------------------------------------


def test_unknown_name_and_wrong_password_read_the_same_and_take_as_long(client):
    def refusal(name: str) -> tuple[str, float]:
        t0 = time.perf_counter()
        answer = post_signin(client, name, "not-the-password")
        took = time.perf_counter() - t0
        assert answer.status_code == 200 and SESSION_COOKIE not in client.cookies
        return answer.text.replace(name, "NAME"), took

    unknown, wrong = [], []
    for n in range(6):  # interleaved, so that the machine's load weighs on both alike
        unknown.append(refusal(f"khong.co.{n}"))
        wrong.append(refusal(("ksv.binh", "ksv.cuc")[n % 2]))  # 3 failures each: not locked
    assert {text for text, _ in unknown + wrong} == {unknown[0][0]} and REFUSED in unknown[0][0]
    ratio = statistics.median(t for _, t in unknown) / statistics.median(t for _, t in wrong)
    assert 1 / 3 < ratio < 3, ratio  # both check one argon2 hash (without it an unknown name is answered far sooner)


def test_lockout_after_five_failures_and_unlock(client, home):
    for _ in range(5):
        assert REFUSED in post_signin(client, "ksv.dao", "not-the-password").text
    locked = post_signin(client, "ksv.dao", PASSWORD)
    assert locked.status_code == 200 and REFUSED in locked.text  # the right password, still refused
    assert "locked" in user_cmd(home, "list")
    user_cmd(home, "unlock", "ksv.dao")
    assert post_signin(client, "ksv.dao", PASSWORD).status_code == 303


def test_sign_ins_are_recorded_without_the_password(client, monkeypatch):
    rows: list[dict] = []
    monkeypatch.setattr("ingest.audit.append", lambda settings, catalog, **row: rows.append(row))
    post_signin(client, "ai.do", "mat-khau-bi-lo-1")
    post_signin(client, *LEADER)
    client.post("/dang-xuat", data={"csrf": csrf_of(client.get("/").text)})
    signins = [r for r in rows if r["action"] == "signin"]
    assert [(r["who"], r["address"], r["detail"]["ok"]) for r in signins] == [
        ("ai.do", "testclient", False),
        (LEADER[0], "testclient", True),
    ]
    assert signins[0]["detail"]["reason"] == "unknown_name"
    assert [r["who"] for r in rows if r["action"] == "signout"] == [LEADER[0]]
    assert "mat-khau-bi-lo-1" not in repr(rows) and LEADER[1] not in repr(rows)


# ---- API tokens, disabled accounts -------------------------------------------------------------------


def test_a_token_works_on_the_api_only(client, home):
    token = user_cmd(home, "token", "ksv.em").strip()
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cases", headers=bearer).status_code == 200
    assert client.get("/cases", headers=bearer, follow_redirects=False).status_code == 303  # pages: sign in
    assert client.get("/api/v1/cases", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert client.get("/api/v1/cases", headers={"Authorization": f"Basic {token}"}).status_code == 401


def test_a_disabled_account_is_refused_at_once(app, home):
    token = user_cmd(home, "token", "ksv.an").strip()
    with TestClient(app) as browser:
        post_signin(browser, "ksv.an", PASSWORD)
        assert browser.get("/cases", follow_redirects=False).status_code == 200
        assert browser.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        user_cmd(home, "disable", "ksv.an")
        assert browser.get("/cases", follow_redirects=False).status_code == 303
        assert browser.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert REFUSED in post_signin(browser, "ksv.an", PASSWORD).text
        user_cmd(home, "enable", "ksv.an")
        assert browser.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_role_change_shows_at_once(app, home):
    with TestClient(app) as browser:
        signed_in(browser, *CLERK)
        assert "Văn thư" in browser.get("/").text
        user_cmd(home, "set", CLERK[0], "--role", "leader")
        try:
            assert "Lãnh đạo" in browser.get("/").text
        finally:
            user_cmd(home, "set", CLERK[0], "--role", "clerk")


def test_a_web_correction_is_recorded_under_the_account(app, home):
    with TestClient(app) as browser:
        signed_in(browser, *CLERK)
        token = csrf_of(browser.get("/review").text)
        browser.post("/review/A-CT12/field", data={"field": "date", "value": "04/05/2024", "csrf": token})
    catalog = catalog_of(home)
    try:
        last = catalog.corrections()[-1]
    finally:
        catalog.close()
    assert (last["document_id"], last["new"], last["who"]) == ("A-CT12", "2024-05-04", CLERK[0])


# ---- hoso serve on the network ----------------------------------------------------------------------------


def test_serve_on_the_network_only_once_an_admin_exists(tmp_path):
    home = build_web_home(tmp_path)
    refused = cli(home, "serve", "--host", "0.0.0.0", code=2)
    assert "no admin account" in refused.stderr and "hoso user add" in refused.stderr
    add_user(home, "quan.tri", "admin", "thuong", PASSWORD)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "--home", str(home), "serve", "--host", "0.0.0.0", "--port", str(port)],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        warning = server.stderr.readline()
    finally:
        server.terminate()
        server.wait(10)
    assert "WARNING" in warning and "TLS" in warning


def test_the_header_offers_only_the_pages_of_the_role(app):
    def links(name: str, password: str) -> set[str]:
        with TestClient(app) as browser:
            page = signed_in(browser, name, password).get("/").text
        return {href for href in ("/review", "/status", "/nhat-ky") if f'href="{href}"' in page}

    assert links("ksv.em", PASSWORD) == set()  # a prosecutor reads cases, nothing else
    assert links(*CLERK) == {"/review", "/status"}
    assert links(*LEADER) == {"/review", "/status"}
