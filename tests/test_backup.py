"""A backup (scripts/backup.py) restored after the home and its catalog are lost: every file of record
verifies, the audit trail's chain and signed head hold, and searches find what they found before. On
an SQLite home and on a home whose catalog is on PostgreSQL (pg_dump / pg_restore of the test server)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import psycopg
import pytest

from conftest import REPO, postgres_schema
from dossier_kit import cli, cli_json
from web_kit import build_web_home

BACKUP = REPO / "scripts" / "backup.py"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def catalog_env(request, monkeypatch):
    """HOSO_CATALOG_URL for the in-process CLI and the backup script: unset, or a fresh schema."""
    monkeypatch.delenv("HOSO_CONFIG", raising=False)
    monkeypatch.delenv("HOSO_OPENSEARCH_URL", raising=False)
    if request.param == "sqlite":
        monkeypatch.delenv("HOSO_CATALOG_URL", raising=False)
        yield None
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        monkeypatch.setenv("HOSO_CATALOG_URL", url)
        yield url


def script(home, *args: str) -> None:
    subprocess.run([sys.executable, str(BACKUP), *args], check=True, env={**__import__("os").environ,
                   "HOSO_HOME": str(home)}, capture_output=True)  # fmt: skip


def test_a_restored_backup_verifies_and_finds_what_the_home_found(catalog_env, tmp_path):
    home = build_web_home(tmp_path / "site")
    found = cli_json(home, "search", "trộm cắp tài sản")["hits"]
    assert found and cli(home, "verify").exit_code == 0
    script(home, "backup", str(tmp_path / "backup"))
    # The machine is lost: the home and its catalog with it.
    shutil.rmtree(home)
    if catalog_env:
        schema = catalog_env.split("search_path%3D")[1]
        with psycopg.connect(catalog_env.split("?")[0], autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
    script(home, "restore", str(tmp_path / "backup"))
    cli(home, "reindex", "--recreate")
    assert cli(home, "verify").exit_code == 0  # originals, OCR'd PDFs, every dossier version
    assert cli_json(home, "audit", "verify")["ok"]
    again = cli_json(home, "search", "trộm cắp tài sản")["hits"]
    assert [(h["document_id"], h["page"]) for h in again] == [(h["document_id"], h["page"]) for h in found]
