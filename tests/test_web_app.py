"""The web app's frame (issue 12, item 10): loopback only, security headers, CSRF, errors in the
CLI's shape without paths. The pages themselves are tested in test_web_*.py, accounts and signing
in in test_web_auth.py."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from cli.serve_cmd import is_loopback
from dossier_kit import cli
from pipeline.config import load_settings
from pipeline.errors import NotFound
from web.app import create_app, hide_paths
from web.deps import CSRF_COOKIE, CsrfDep, parse_vn_date, vn_date
from web_kit import LEADER, build_web_home, signed_in


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return build_web_home(tmp_path_factory.mktemp("web-app"))


@pytest.fixture(scope="module")
def client(home):
    app = create_app(load_settings(home=home))
    probe = APIRouter()

    @probe.get("/api/v1/_probe/missing")
    def missing():
        raise NotFound(f"no document X in {home}/catalog.sqlite")

    @probe.post("/_probe/form", dependencies=[Depends(lambda: None), CsrfDep])
    def form():
        return {"ok": True}

    app.include_router(probe)
    with TestClient(app) as c:
        yield signed_in(c, *LEADER)


def test_serve_refuses_a_network_address(home):
    result = cli(home, "serve", "--host", "0.0.0.0", code=2)
    assert "127.0.0.1" in result.stderr
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert 'lang="vi"' in response.text


def test_errors_have_the_cli_shape_and_no_path(client, home):
    response = client.get("/api/v1/_probe/missing")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == 5 and error["name"] == "NOT_FOUND"
    assert str(home) not in error["message"] and "catalog.sqlite" not in error["message"]
    unknown = client.get("/api/v1/no-such-endpoint")
    assert unknown.status_code == 404 and unknown.json()["error"]["name"] == "NOT_FOUND"
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "Không tìm thấy" in page.text


def test_a_form_post_needs_the_visitors_csrf_token(client):
    client.get("/")  # sets the cookie
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    assert client.post("/_probe/form", data={}).status_code == 403
    assert client.post("/_probe/form", data={"csrf": "forged"}).status_code == 403
    assert client.post("/_probe/form", data={"csrf": token}).json() == {"ok": True}


def test_shipped_font_covers_vietnamese(client):
    from io import BytesIO

    from fontTools.ttLib import TTFont

    font = TTFont(BytesIO(client.get("/static/DejaVuSans.ttf").content))
    cmap = font.getBestCmap()
    assert all(ord(ch) in cmap for ch in "ệừĐđơưạảấầẩẫậắằẳẵặẹẻẽếềểễỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def test_dates_as_a_vietnamese_reader_writes_them():
    assert vn_date("2024-05-03") == "03/05/2024"
    assert vn_date("2024-05") == "05/2024"
    assert parse_vn_date("3/5/2024") == "2024-05-03"
    assert parse_vn_date("2024-05-03") == "2024-05-03"
    assert parse_vn_date("") is None


def test_paths_are_hidden_from_messages(home):
    settings = load_settings(home=home)
    message = hide_paths(f"cannot read {home}/dossiers/X.pdf nor /etc/passwd", settings)
    assert str(home) not in message and "/etc/passwd" not in message


def test_api_docs_need_no_cdn(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert "/api/v1/search" in response.text and "/api/v1/pages/{page_id}/image" in response.text
    assert "http://" not in response.text and "https://" not in response.text  # offline office networks
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "/api/v1/search" in client.get("/api/openapi.json").json()["paths"]
