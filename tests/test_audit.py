"""The audit trail (issue 13): append-only, hash-chained, its head signed with a key outside the
catalog; whatever is edited, deleted or forged behind hoso's back, `hoso audit verify` finds."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import stat

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from dossier_kit import cli, cli_json
from ingest import audit
from ingest.access import Access, User
from pipeline.config import Settings, load_settings
from pipeline.errors import IntegrityError, UsageError
from pipeline.store.audit import AuditFilter
from pipeline.store.catalog import Catalog
from web.app import create_app
from web.deps import get_access
from web_kit import CASE_A, build_web_home


@pytest.fixture
def trail(tmp_path):
    """A home whose trail has rows 1–5."""
    settings = Settings(home=tmp_path / "home")
    catalog = Catalog(settings.catalog_path)
    for n in range(1, 6):
        audit.append(settings, catalog, who=f"u{n}", address="10.0.0.1", action="search", detail={"q": f"tìm {n}"})
    yield settings, catalog
    catalog.close()


def tamper(settings: Settings, sql: str, *params) -> None:
    """What someone with the database file (not hoso) can do: drop the triggers, change rows."""
    db = sqlite3.connect(settings.catalog_path, isolation_level=None)
    db.execute("DROP TRIGGER IF EXISTS audit_no_update")
    db.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    db.execute(sql, params)
    db.close()


def test_append_chains_rows_and_signs_the_head(trail):
    settings, catalog = trail
    verdict = audit.verify(settings, catalog)
    assert verdict.ok and verdict.rows == 5
    assert verdict.message == "5 rows, chain intact, head signed"
    rows = list(catalog.audit_chain())
    assert rows[0].prev_sha256 == audit.GENESIS
    assert all(b.prev_sha256 == a.sha256 for a, b in zip(rows, rows[1:], strict=False))
    head = json.loads(audit.head_path(settings).read_text())
    assert (head["id"], head["sha256"]) == (5, rows[-1].sha256)
    for path, mode in (
        (audit.secrets_dir(settings), 0o700),
        (audit.key_path(settings), 0o600),
        (audit.head_path(settings), 0o600),
    ):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path
    assert len(audit.key_path(settings).read_bytes()) == 32
    assert not str(audit.secrets_dir(settings)).startswith(str(settings.catalog_path))


def test_credentials_never_enter_the_trail(trail):
    settings, catalog = trail
    row = audit.append(
        settings,
        catalog,
        who="admin",
        address="cli",
        action="user.add",
        detail={"user": "lan", "password": "hunter2hunter2", "new_token": "abc", "nested": {"api_token": "x", "k": 1}},
    )
    assert json.loads(row.detail) == {"user": "lan", "nested": {"k": 1}}


def test_hoso_itself_cannot_change_or_delete_a_row(trail):
    _, catalog = trail
    for sql in ("UPDATE audit SET who = 'x' WHERE id = 1", "DELETE FROM audit WHERE id = 5"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            catalog.db.execute(sql)


def test_an_edited_row_is_named(trail):
    settings, catalog = trail
    tamper(settings, "UPDATE audit SET detail = ? WHERE id = 3", '{"q":"vô hại"}')
    verdict = audit.verify(settings, catalog)
    assert (verdict.ok, verdict.bad_row) == (False, 3)
    assert "edited" in verdict.problem


def test_a_rewritten_row_breaks_the_next_link(trail):
    settings, catalog = trail
    row = catalog.audit_row(3)
    forged = audit.AuditRow(**{**row.__dict__, "who": "someone else"})
    tamper(settings, "UPDATE audit SET who = ?, sha256 = ? WHERE id = 3", forged.who, audit.row_sha256(forged))
    verdict = audit.verify(settings, catalog)
    assert (verdict.ok, verdict.bad_row) == (False, 4)
    assert "row 3 was rewritten" in verdict.problem


def test_a_row_deleted_in_the_middle_fails_at_the_next(trail):
    settings, catalog = trail
    tamper(settings, "DELETE FROM audit WHERE id = 2")
    verdict = audit.verify(settings, catalog)
    assert (verdict.ok, verdict.bad_row) == (False, 3)
    assert "(2) were deleted" in verdict.problem


def test_rows_deleted_from_the_end_are_found_by_the_head(trail):
    settings, catalog = trail
    tamper(settings, "DELETE FROM audit WHERE id >= 4")
    verdict = audit.verify(settings, catalog)
    assert (verdict.ok, verdict.bad_row) == (False, 4)
    assert "rows 4–5 were deleted from the end" in verdict.problem
    tamper(settings, "DELETE FROM audit")
    assert "rows 1–5 were deleted" in audit.verify(settings, catalog).problem


def test_a_chain_rewritten_to_its_end_is_found_by_the_head(trail):
    """Whoever recomputes every hash after an edit still cannot sign the new head without the key."""
    settings, catalog = trail
    rows = list(catalog.audit_chain())
    prev = rows[2].prev_sha256
    for row in rows[2:]:
        forged = audit.AuditRow(**{**row.__dict__, "prev_sha256": prev, "detail": '{"q":"khác"}'})
        forged = audit.AuditRow(**{**forged.__dict__, "sha256": audit.row_sha256(forged)})
        tamper(
            settings, "UPDATE audit SET detail = ?, prev_sha256 = ?, sha256 = ? WHERE id = ?",
            forged.detail, forged.prev_sha256, forged.sha256, forged.id,
        )  # fmt: skip
        prev = forged.sha256
    verdict = audit.verify(settings, catalog)
    assert (verdict.ok, verdict.bad_row) == (False, 5)
    assert "not the row the head signed" in verdict.problem


def test_rows_added_without_the_key_are_not_signed(trail):
    settings, catalog = trail
    last = catalog.last_audit_row()
    extra = audit.AuditRow(6, last.at + 1, "ghost", "cli", "search", "{}", last.sha256, "")
    extra = audit.AuditRow(**{**extra.__dict__, "sha256": audit.row_sha256(extra)})
    tamper(settings, "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)", *extra.__dict__.values())
    verdict = audit.verify(settings, catalog)
    assert (verdict.ok, verdict.bad_row) == (False, 6)
    assert "not signed" in verdict.problem


def test_a_forged_head_fails(trail):
    settings, catalog = trail
    path = audit.head_path(settings)
    head = json.loads(path.read_text())
    path.write_text(json.dumps({**head, "id": 3, "sha256": catalog.audit_row(3).sha256}))
    verdict = audit.verify(settings, catalog)
    assert not verdict.ok and "forged" in verdict.problem
    path.unlink()
    assert "missing" in audit.verify(settings, catalog).problem


def test_a_missing_key_is_a_clear_failure_and_no_new_key_is_made(trail):
    settings, catalog = trail
    audit.key_path(settings).unlink()
    verdict = audit.verify(settings, catalog)
    assert not verdict.ok and "audit.key" in verdict.problem and "missing" in verdict.problem
    with pytest.raises(IntegrityError, match="key .* is missing"):
        audit.append(settings, catalog, who="u", address="cli", action="search", detail={})
    assert not audit.key_path(settings).exists()


def test_listing_filters_newest_first(trail):
    settings, catalog = trail
    audit.append(settings, catalog, who="cli:root", address="cli", action="cli", detail={"args": [CASE_A]})
    audit.append(settings, catalog, who="lan", address="10.0.0.2", action="page.view", detail={"case": CASE_A})
    audit.append(settings, catalog, who="lan", address="10.0.0.2", action="user.passwd", detail={"user": "lan"})
    audit.append(
        settings, catalog, who="lan", address="10.0.0.2", action="search", detail={"filters": {"case": CASE_A}}
    )
    found = audit.listing(catalog, AuditFilter(), limit=4)
    assert found["total"] == 9 and [r["id"] for r in found["rows"]] == [9, 8, 7, 6]
    assert [r["id"] for r in audit.listing(catalog, AuditFilter(case_id=CASE_A), limit=9)["rows"]] == [9, 7, 6]
    assert [r["id"] for r in audit.listing(catalog, AuditFilter(who="root"), limit=9)["rows"]] == [6]
    assert [r["id"] for r in audit.listing(catalog, AuditFilter(action="user."), limit=9)["rows"]] == [8]
    assert audit.listing(catalog, audit.day_filter(who=None, case_id=None, action=None, since="01/01/2999", until=None), limit=9)["total"] == 0  # fmt: skip
    with pytest.raises(UsageError, match="not a day"):
        audit.parse_day("31/02/2025")


def append_many(home: str, who: str, count: int) -> None:
    settings = Settings(home=home)
    catalog = Catalog(settings.catalog_path)
    for n in range(count):
        audit.append(settings, catalog, who=who, address="cli", action="search", detail={"n": n})
    catalog.close()


def test_concurrent_appenders_never_fork_the_chain(trail):
    settings, catalog = trail
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=append_many, args=(str(settings.home), f"p{i}", 50)) for i in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    verdict = audit.verify(settings, catalog)
    assert verdict.ok, verdict.message
    assert verdict.rows == 105
    assert json.loads(audit.head_path(settings).read_text())["id"] == 105


# ---- the command line and the web page, on a built home ------------------------------------------------


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return build_web_home(tmp_path_factory.mktemp("audit"))


def test_cli_data_commands_are_recorded_and_reads_are_not(home):
    login = User.from_environment().name
    rows = cli_json(home, "audit", "--action", "cli", "--limit", "100")["rows"]
    commands = [(r["who"], r["address"], r["detail"]["command"], r["detail"]["args"]) for r in rows]
    assert ("cli:" + login, "cli", "dossier rebuild", [CASE_A]) in commands  # from build_web_home
    before = cli_json(home, "audit", "--action", "cli")["total"]
    cli(home, "search", "khởi tố")
    cli(home, "dossier", "show", CASE_A)
    cli(home, "audit", "verify")
    assert cli_json(home, "audit", "--action", "cli")["total"] == before  # no `cli` row for a read...
    reads = cli_json(home, "audit", "--user", login, "--limit", "2")["rows"]
    assert [r["action"] for r in reads] == ["case.view", "search"]  # ...which Access records as what it read
    cli(home, "dossier", "rebuild", CASE_A)
    cli(home, "doc", "set-type", "NO-SUCH-DOC", "qd_khoi_to_vu_an", code=5)
    cli(home, "dossier", "nonsense", code=2)  # a bad command line ran nothing
    rows = cli_json(home, "audit", "--user", login, "--action", "cli", "--limit", "2")["rows"]
    assert [(r["detail"]["command"], r["detail"]["exit_code"]) for r in rows] == [
        ("doc set-type", 5),
        ("dossier rebuild", 0),
    ]
    assert cli_json(home, "audit", "verify")["ok"] is True


def test_cli_audit_verify_exits_4_naming_the_row(tmp_path):
    home = build_web_home(tmp_path)
    assert "rows, chain intact, head signed" in cli(home, "audit", "verify").stdout
    tamper(load_settings(home=home), "UPDATE audit SET who = 'nobody' WHERE id = 2")
    result = cli(home, "audit", "verify", code=4)
    assert "audit trail broken at row 2: edited" in result.stdout
    assert cli_json_code(home, "audit", "verify")["first_bad_row"] == 2


def cli_json_code(home, *args):
    return json.loads(cli(home, *args, "--json", code=None).stdout)


def client_as(home, user: User) -> TestClient:
    app = create_app(load_settings(home=home))

    def as_user(request: Request):
        with request.app.state.sessions.lease() as (catalog, backend):
            yield Access(request.app.state.settings, catalog, backend, user)

    app.dependency_overrides[get_access] = as_user
    return TestClient(app)


def test_admin_page_lists_filters_and_verifies(home):
    client = client_as(home, User("root", role="admin", address="127.0.0.1"))
    page = client.get("/nhat-ky")
    assert page.status_code == 200
    assert "Nhật ký truy cập" in page.text and 'href="/nhat-ky"' in page.text
    assert "cli:" in page.text and f"hoso dossier rebuild {CASE_A} → mã thoát 0" in page.text
    assert "Kiểm tra chuỗi" in page.text
    checked = client.get("/nhat-ky", params={"kiem-tra": "1", "action": "cli"})
    assert "Chuỗi nguyên vẹn" in checked.text
    filtered = client.get("/nhat-ky", params={"action": "audit.view", "user": "root"})
    assert "Xem nhật ký" in filtered.text and "dossier rebuild" not in filtered.text
    assert "filters: action=cli" in filtered.text
    api = client.get("/api/v1/audit", params={"user": "root", "limit": 2}).json()
    assert api["rows"][0]["who"] == "root" and api["rows"][0]["address"] == "127.0.0.1"
    assert api["rows"][0]["action"] == "audit.view"
    assert client.get("/api/v1/audit/verify").json()["ok"] is True
    assert client.get("/nhat-ky", params={"from": "99/99/2024"}).status_code == 400


@pytest.mark.parametrize("role", ["leader", "prosecutor", "clerk"])
def test_only_admins_see_the_trail(home, role):
    client = client_as(home, User("lan", role=role, clearance="toi_mat", address="10.0.0.9"))
    assert client.get("/nhat-ky").status_code == 404
    assert client.get("/api/v1/audit").status_code == 404
    assert client.get("/api/v1/audit/verify").status_code == 404
    assert client.get("/no-such-page").status_code == 404
