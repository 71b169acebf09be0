"""Accounts on the command line (issue 13, item 1): `hoso user add|list|set|disable|enable|passwd|
unlock|token`. Passwords come from stdin or the terminal, never argv; argon2id hashes; tokens and
session ids stored as their sha256; every change recorded through Access.record without a secret."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
from typer.testing import CliRunner

from cli.main import app
from dossier_kit import cli, cli_json, tiny_home
from ingest import accounts
from pipeline.config import load_settings
from pipeline.errors import ConfigError
from pipeline.store.catalog import Catalog

PASSWORD = "mot-mat-khau-dai"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    t = tiny_home(tmp_path_factory.mktemp("accounts"))
    t.catalog.close()
    return t.home


@pytest.fixture
def recorded(monkeypatch) -> list[dict]:
    """What the account commands record in the audit trail (ingest.audit.append), in order; the CLI's
    generic row for every data-changing command (action "cli") is test_audit.py's."""
    rows: list[dict] = []

    def append(settings, catalog, **row):
        if row["action"] != "cli":
            rows.append(row)

    monkeypatch.setattr("ingest.audit.append", append)
    return rows


def user(home, *args: str, stdin: str | None = None, code: int = 0):
    result = CliRunner().invoke(app, ["--home", str(home), "user", *args], input=stdin, catch_exceptions=False)
    assert result.exit_code == code, (args, result.exit_code, result.output)
    return result


def row(home, name: str) -> dict:
    catalog = Catalog(home / "catalog.sqlite", read_only=True)
    try:
        return catalog.user(name)
    finally:
        catalog.close()


def test_add_reads_the_password_from_stdin_and_stores_an_argon2id_hash(home, recorded):
    user(home, "add", "an.nguyen", "--role", "prosecutor", "--full-name", "Nguyễn Văn An", stdin=PASSWORD + "\n")
    stored = row(home, "an.nguyen")
    assert stored["password_hash"].startswith("$argon2id$")
    assert accounts.HASHER.verify(stored["password_hash"], PASSWORD)
    assert (stored["role"], stored["clearance"], stored["full_name"]) == ("prosecutor", "thuong", "Nguyễn Văn An")
    assert PASSWORD.encode() not in (home / "catalog.sqlite").read_bytes()
    assert recorded[-1]["action"] == "user.add" and recorded[-1]["who"].startswith("cli:")
    assert recorded[-1]["detail"] == {
        "user": "an.nguyen",
        "role": "prosecutor",
        "clearance": "thuong",
        "full_name": "Nguyễn Văn An",
    }
    # No option takes a password: it would be in `ps` and the shell's history.
    refused = CliRunner().invoke(app, ["--home", str(home), "user", "add", "x1", "--role", "clerk", "--password", "p"])
    assert refused.exit_code == 2 and "--password" in refused.output


def test_add_refuses_a_short_password_a_bad_role_a_bad_name_and_a_twin(home):
    assert "at least 10 characters" in user(home, "add", "binh", "--role", "clerk", stdin="short\n", code=2).output
    assert "no role 'chief'" in user(home, "add", "binh", "--role", "chief", stdin=PASSWORD, code=2).output
    assert "no clearance" in user(home, "add", "binh", "--role", "clerk", "--clearance", "tuyet_mat", code=2).output
    assert "not a login name" in user(home, "add", "Bình An", "--role", "clerk", stdin=PASSWORD, code=2).output
    assert "no password on stdin" in user(home, "add", "binh", "--role", "clerk", stdin="", code=2).output
    user(home, "add", "binh", "--role", "clerk", stdin=PASSWORD)
    assert "already" in user(home, "add", "binh", "--role", "leader", stdin=PASSWORD, code=2).output
    assert row(home, "binh")["role"] == "clerk"


def test_list_shows_no_hash(home):
    user(home, "add", "cuong", "--role", "leader", "--clearance", "toi_mat", stdin=PASSWORD)
    listed = {u["name"]: u for u in cli_json(home, "user", "list")["users"]}
    assert listed["cuong"]["role"] == "leader" and listed["cuong"]["clearance"] == "toi_mat"
    assert listed["cuong"]["password"] is True and listed["cuong"]["disabled"] is False
    text = cli(home, "user", "list", "--json").stdout + cli(home, "user", "list").stdout
    assert "argon2" not in text and "password_hash" not in text


def test_set_changes_role_and_clearance_and_is_recorded(home, recorded):
    user(home, "add", "dung", "--role", "clerk", stdin=PASSWORD)
    user(home, "set", "dung", "--role", "prosecutor", "--clearance", "mat")
    assert (row(home, "dung")["role"], row(home, "dung")["clearance"]) == ("prosecutor", "mat")
    assert recorded[-1]["action"] == "user.set"
    assert recorded[-1]["detail"]["role"] == {"old": "clerk", "new": "prosecutor"}
    assert "no account nobody" in user(home, "set", "nobody", "--role", "clerk", code=5).output
    assert "no role" in user(home, "set", "dung", "--role", "chief", code=2).output


def test_token_is_shown_once_and_stored_as_its_sha256(home, recorded):
    user(home, "add", "giang", "--role", "prosecutor", stdin=PASSWORD)
    token = user(home, "token", "giang").stdout.strip()
    assert len(token) == 43
    db = sqlite3.connect(home / "catalog.sqlite")
    stored = [r[0] for r in db.execute("SELECT token_sha256 FROM api_tokens")]
    db.close()
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert token.encode() not in (home / "catalog.sqlite").read_bytes()
    assert all(token not in repr(r) for r in recorded) and recorded[-1]["action"] == "user.token"
    catalog = Catalog(home / "catalog.sqlite")
    try:
        assert accounts.token_user(catalog, token, "10.0.0.9").name == "giang"
        assert cli_json(home, "user", "token", "giang", "--revoke")["revoked"] == 1
        assert accounts.token_user(catalog, token, "10.0.0.9") is None
    finally:
        catalog.close()


def test_disable_passwd_unlock_enable(home, recorded):
    settings = load_settings(home=home)
    user(home, "add", "hoa", "--role", "clerk", stdin=PASSWORD)
    catalog = Catalog(settings.catalog_path)
    try:
        session = accounts.sign_in(settings, catalog, "hoa", PASSWORD, "10.0.0.1").session
        assert accounts.session_user(settings, catalog, session, "10.0.0.1").name == "hoa"
        user(home, "passwd", "hoa", stdin="mot-mat-khau-moi\n")
        assert accounts.session_user(settings, catalog, session, "10.0.0.1") is None  # signed out everywhere
        assert not accounts.sign_in(settings, catalog, "hoa", PASSWORD, "10.0.0.1").ok
        assert accounts.sign_in(settings, catalog, "hoa", "mot-mat-khau-moi", "10.0.0.1").ok
        for _ in range(settings.web_lockout_failures):
            assert accounts.sign_in(settings, catalog, "hoa", "wrong-password", "10.0.0.1").reason == "wrong_password"
        assert accounts.sign_in(settings, catalog, "hoa", "mot-mat-khau-moi", "10.0.0.1").reason == "locked"
        user(home, "unlock", "hoa")
        assert accounts.sign_in(settings, catalog, "hoa", "mot-mat-khau-moi", "10.0.0.1").ok
        user(home, "disable", "hoa")
        assert accounts.sign_in(settings, catalog, "hoa", "mot-mat-khau-moi", "10.0.0.1").reason == "disabled"
        user(home, "enable", "hoa")
        assert accounts.sign_in(settings, catalog, "hoa", "mot-mat-khau-moi", "10.0.0.1").ok
    finally:
        catalog.close()
    actions = [r["action"] for r in recorded]
    for action in ("user.passwd", "user.unlock", "user.disable", "user.enable", "signin"):
        assert action in actions
    assert not any(secret in repr(recorded) for secret in (PASSWORD, "mot-mat-khau-moi", "wrong-password"))
    failed = next(r for r in recorded if r["action"] == "signin" and not r["detail"]["ok"])
    assert (failed["who"], failed["address"]) == ("hoa", "10.0.0.1")


def test_lockout_settings_are_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("HOSO_WEB_LOCKOUT_FAILURES", "0")
    with pytest.raises(ConfigError, match="web_lockout_failures"):
        load_settings(home=tmp_path)
    monkeypatch.delenv("HOSO_WEB_LOCKOUT_FAILURES")
    settings = load_settings(home=tmp_path)
    assert (settings.web_session_idle_minutes, settings.web_lockout_failures, settings.web_lockout_minutes) == (
        30,
        5,
        15,
    )
