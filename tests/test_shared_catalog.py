"""Machines sharing one PostgreSQL catalog take each batch once: its lock lives in the catalog's server
(an advisory lock held by the claiming connection), not in a home's `locks/` folder. Two homes on one
server stand for two machines; a closed connection for a process that died."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import QUEUED_SCAN, REPO, postgres_schema
from ingest.queue import claim, recover
from pipeline.store.catalog import Catalog

pytestmark = pytest.mark.postgres


@pytest.fixture
def catalog_url(postgres_url):
    with postgres_schema(postgres_url) as url:
        yield url


def queued_row(catalog: Catalog, path: str = "/srv/scans/a.pdf"):
    with catalog.transaction():
        file_id = catalog.add_file(path=path, paths=[path], kind="pdf", size=10, sha256="ab" * 32, case_id=None,
                                   folder=None)  # fmt: skip
    return catalog.get_file(file_id)


def test_a_batch_claimed_on_one_machine_is_not_taken_on_another_until_its_holder_dies(catalog_url, tmp_path):
    first, second = Catalog(catalog_url), Catalog(catalog_url)
    row = queued_row(first)
    lock = claim(first, tmp_path / "home-a" / "locks", row)
    assert lock is not None and first.get_file(row.id).state == "processing"
    # Another machine: its own home and locks folder, the same catalog.
    assert claim(second, tmp_path / "home-b" / "locks", second.get_file(row.id)) is None
    assert recover(second, tmp_path / "home-b" / "locks") == []  # a live holder's batch stays processing
    first.close()  # the holder dies: the server lets go of its lock with its connection
    taken = claim(second, tmp_path / "home-b" / "locks", second.get_file(row.id))
    assert taken is not None and second.get_file(row.id).state == "processing"
    taken.release()
    assert not (tmp_path / "home-a" / "locks").exists() and not (tmp_path / "home-b" / "locks").exists()
    second.close()


@pytest.mark.ocr
def test_two_homes_ingesting_the_same_scan_at_once_file_it_once(catalog_url, tmp_path):
    """Two `hoso ingest` of one scan on a shared folder, from two homes sharing the catalog, started together."""
    scan = tmp_path / "shared" / "2025-HS-0400" / QUEUED_SCAN.name
    scan.parent.mkdir(parents=True)
    shutil.copy(QUEUED_SCAN, scan)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "cli", "ingest", str(scan.parent.parent), "--json"],
            cwd=REPO,
            env={
                **os.environ,
                "HOSO_HOME": str(tmp_path / name),
                "HOSO_CATALOG_URL": catalog_url,
                "HOSO_OCR_JOBS": "1",
                "OMP_THREAD_LIMIT": "1",
            },  # fmt: skip
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("home-a", "home-b")
    ]
    outcomes = [json.loads(run.communicate(timeout=300)[0])["files"][0]["status"] for run in runs]
    assert sorted(outcomes) in (["done", "processing"], ["done", "duplicate"]), outcomes
    catalog = Catalog(catalog_url)
    try:
        assert len(catalog.batches()) == 1  # read once
        assert [f.state for f in catalog.files("done")] == ["done"]
        assert catalog.counts()["documents"] == 1
    finally:
        catalog.close()


def test_a_case_s_dossier_is_built_by_one_machine_at_a_time(catalog_url, tmp_path):
    from pipeline.config import load_settings
    from pipeline.dossier.build import case_lock

    first, second = Catalog(catalog_url), Catalog(catalog_url)
    settings = load_settings(home=tmp_path / "home-a", catalog_url=catalog_url)
    with case_lock(settings, first, "2025-HS-0401"):
        assert not second.try_lock("dossier 2025-HS-0401")  # the other machine waits for it
        assert second.try_lock("dossier 2025-HS-0402")  # another case does not
    assert second.try_lock("dossier 2025-HS-0401")
    assert not (tmp_path / "home-a" / "locks").exists()
    first.close()
    second.close()


def test_the_audit_head_is_replaced_under_the_catalog_s_lock_and_the_chain_holds(catalog_url, tmp_path):
    """Appenders on machines sharing the home sign the head one at a time by a lock of the catalog's server
    (file locks may not hold across machines): while another machine holds it, the head waits."""
    import threading

    from ingest import audit
    from pipeline.config import load_settings

    (tmp_path / "home").mkdir()
    settings = load_settings(home=tmp_path / "home", catalog_url=catalog_url)
    first, other_machine = Catalog(catalog_url), Catalog(catalog_url)
    audit.append(settings, first, who="a", address="cli", action="search", detail={"n": 0})
    assert other_machine.try_lock("audit head")
    appended = threading.Thread(
        target=audit.append, args=(settings, first), kwargs={"who": "a", "address": "cli", "action": "search", "detail": {"n": 1}}
    )  # fmt: skip
    appended.start()
    appended.join(1.0)
    assert appended.is_alive() and json.loads(audit.head_path(settings).read_text())["id"] == 1
    other_machine.unlock("audit head")
    appended.join(30)
    assert not appended.is_alive() and json.loads(audit.head_path(settings).read_text())["id"] == 2
    runs = [
        subprocess.Popen([sys.executable, "-c", APPEND_MANY, str(settings.home), catalog_url, who], cwd=REPO)
        for who in ("machine-a", "machine-b")
    ]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    verdict = audit.verify(settings, first)
    assert verdict.ok and verdict.rows == 2 + 2 * 40, verdict.message
    first.close()
    other_machine.close()


APPEND_MANY = """
import sys
from ingest import audit
from pipeline.config import load_settings
from pipeline.store.catalog import Catalog
home, url, who = sys.argv[1:]
settings = load_settings(home=home, catalog_url=url)
catalog = Catalog(url)
for n in range(40):
    audit.append(settings, catalog, who=who, address="cli", action="search", detail={"n": n})
"""
