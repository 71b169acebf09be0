"""A home whose catalog is on PostgreSQL (HOSO_CATALOG_URL), end to end: real OCR ingest of a case
scan and of a petition, reprocess, search, dossier show, review, the audit trail, doctor, and the web
app's sign-in and search API — the subset of the end-to-end tests that runs again on PostgreSQL
(`make test`). Nothing of the catalog is in the home: no catalog.sqlite, only the embedded index's
own index.sqlite."""

from __future__ import annotations

import shutil

import psycopg
import pytest
from fastapi.testclient import TestClient

from conftest import QUEUED_SCAN, REPO, hoso_json, postgres_schema
from dossier_kit import cli_json
from ingest.consume import HELD
from pipeline.config import load_settings
from pipeline.hashing import sha256_file
from web.app import create_app
from web_kit import CASE_A, LEADER, build_web_home, signed_in

pytestmark = pytest.mark.postgres

SCAN_CASE = "2025-HS-0100"


@pytest.fixture(scope="module")
def catalog_url(postgres_url):
    with postgres_schema(postgres_url) as url:
        yield url


@pytest.fixture(scope="module")
def web_home(catalog_url, tmp_path_factory):
    """web_kit's home (no OCR), built with its catalog on PostgreSQL."""
    with pytest.MonkeyPatch.context() as env:
        env.delenv("HOSO_CONFIG", raising=False)
        env.delenv("HOSO_OPENSEARCH_URL", raising=False)
        env.setenv("HOSO_CATALOG_URL", catalog_url)
        yield build_web_home(tmp_path_factory.mktemp("pg-web"))


@pytest.fixture
def on_postgres(catalog_url, monkeypatch):
    """The in-process CLI and web app of this test read HOSO_CATALOG_URL."""
    monkeypatch.delenv("HOSO_CONFIG", raising=False)
    monkeypatch.setenv("HOSO_CATALOG_URL", catalog_url)
    return catalog_url


def _rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as db:
        return db.execute(sql).fetchall()


def test_the_home_holds_no_catalog_and_doctor_names_the_server(web_home, on_postgres):
    assert not (web_home / "catalog.sqlite").exists() and (web_home / "index.sqlite").is_file()
    assert _rows(on_postgres, "SELECT COUNT(*) FROM documents")[0][0] == 5
    report = cli_json(web_home, "doctor")["checks"]
    assert report["catalog"]["ok"] and report["catalog"]["url"] == on_postgres
    assert "this machine only" in report["index"]["warnings"][0]


def test_a_command_on_a_new_home_makes_the_home_as_an_sqlite_catalog_would(on_postgres, tmp_path):
    report = cli_json(tmp_path / "new", "doctor")["checks"]
    assert report["home"]["ok"] and report["catalog"]["ok"] and (tmp_path / "new").is_dir()


def test_doctor_warns_of_an_index_or_a_catalog_password_others_may_read(on_postgres, tmp_path):
    home = tmp_path / "home"
    assert "warnings" not in cli_json(home, "doctor")["checks"]["secrets"]  # index.sqlite is made 0600
    (home / "index.sqlite").chmod(0o644)
    with_password = on_postgres.replace("hoso@", "hoso:mat-khau@")  # the test server trusts 127.0.0.1: any password
    (home / "hoso.toml").write_text(f'catalog_url = "{with_password}"\n', encoding="utf-8")
    warnings = cli_json(home, "doctor")["checks"]["secrets"]["warnings"]
    assert any("index.sqlite is 0o644 (chmod 600)" in w for w in warnings)
    assert any("hoso.toml is 0o644 (chmod 600)" in w for w in warnings)


def test_search_dossier_review_and_audit_through_the_cli(web_home, on_postgres):
    accented = cli_json(web_home, "search", "trộm cắp tài sản")
    assert accented["total"] >= 2 and cli_json(web_home, "search", "trom cap tai san")["total"] == accented["total"]
    shown = cli_json(web_home, "dossier", "show", CASE_A)
    assert {d["id"] for d in shown["documents"]} == {"A-QD47", "A-HC1", "A-CT12"}
    assert isinstance(cli_json(web_home, "review")["documents"], list)
    verdict = cli_json(web_home, "audit", "verify")
    assert verdict["ok"] is True  # the chain the CLI's changes and reads added to in PostgreSQL


def test_the_web_app_signs_in_and_searches(web_home, on_postgres):
    with TestClient(create_app(load_settings(home=web_home))) as client:
        signed_in(client, *LEADER)
        found = client.get("/api/v1/search", params={"q": "tran van duc"}).json()
        assert found["total"] >= 3 and {h["case_id"] for h in found["hits"]} == {CASE_A}
    assert _rows(on_postgres, "SELECT COUNT(*) FROM audit WHERE action LIKE 'search%'")[0][0] >= 1


@pytest.mark.ocr
def test_ocr_ingest_of_a_case_scan_and_a_petition(postgres_url, tmp_path):
    """Through the real CLI in a child process, as a clerk runs it: Tesseract, then the PostgreSQL catalog."""
    with postgres_schema(postgres_url) as catalog_url:
        _ingest_and_file_a_petition(catalog_url, tmp_path)


def _ingest_and_file_a_petition(catalog_url: str, tmp_path) -> None:
    home, inbox = tmp_path / "home", tmp_path / "inbox" / SCAN_CASE
    inbox.mkdir(parents=True)
    shutil.copy(REPO / "samples" / "more" / "thong_bao.pdf", inbox)
    env = {"HOSO_CATALOG_URL": catalog_url}
    report = hoso_json(home, "ingest", str(inbox.parent), env=env)
    assert [(f["status"], f["case_id"]) for f in report["files"]] == [("done", SCAN_CASE)], report
    assert hoso_json(home, "search", "thong bao", env=env)["total"] >= 1
    documents = {d["id"] for d in hoso_json(home, "dossier", "show", SCAN_CASE, env=env)["documents"]}
    hoso_json(home, "reprocess", SCAN_CASE, env=env)
    assert {d["id"] for d in hoso_json(home, "dossier", "show", SCAN_CASE, env=env)["documents"]} == documents
    hoso_json(home, "ingest", str(REPO / "samples" / "more" / "don_khieu_nai.pdf"), "--petitions", env=env)
    petitions = hoso_json(home, "petitions", "list", env=env)["petitions"]
    assert len(petitions) == 1 and petitions[0]["type"] == "don_khieu_nai"
    assert not (home / "catalog.sqlite").exists()
    assert _rows(catalog_url, "SELECT COUNT(*) FROM petitions")[0][0] == 1


@pytest.mark.ocr
def test_a_server_lost_mid_ingest_holds_the_file_and_never_blames_it(postgres_url, monkeypatch, request):
    """The server ends the connection as the OCRed batch is about to be recorded: the file is held
    ("catalog unavailable"), queued again once the catalog answers, never quarantined; the original
    is untouched."""
    with postgres_schema(postgres_url) as url:
        monkeypatch.setenv("HOSO_CATALOG_URL", url)
        consumer = request.getfixturevalue("consumer")
        record = consumer.catalog.add_batch

        def server_gone(**batch):
            with psycopg.connect(postgres_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (consumer.catalog.db.conn.info.backend_pid,))
            return record(**batch)

        monkeypatch.setattr(consumer.catalog, "add_batch", server_gone)
        [outcome] = consumer.process(consumer.ids)
        assert outcome.status == "queued" and outcome.reason == HELD.format(consumer.resource_error), outcome
        assert str(consumer.resource_error).startswith("catalog unavailable")
        assert not any((consumer.settings.home / "quarantine").glob("*"))
        assert sha256_file(consumer.scan) == sha256_file(QUEUED_SCAN)
        assert _rows(url, "SELECT COUNT(*) FROM batches") == [(0,)]
        # The next statement connected again: the file went back to the queue, with the reason.
        assert [(f.state, f.reason, f.quarantine) for f in consumer.catalog.files()] == [
            ("queued", outcome.reason, None)
        ]
