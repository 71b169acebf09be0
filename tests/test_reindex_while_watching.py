"""Item 5 of issue 10: `hoso reindex --recreate` on OpenSearch holds no catalog write lock while it
works, so a watcher keeps ingesting (real OCR, real OpenSearch) and nothing is lost."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from pipeline.config import Settings
from pipeline.models import PageText
from pipeline.store.catalog import DocumentRow, open_catalog
from test_watch_support import REPO, WatchProcess, by_path, drop, hoso_json, scan_bytes, wait_until, watch_env

pytestmark = [pytest.mark.ocr, pytest.mark.opensearch]

CASE = "2024-HS-0202"
LOCK_WAIT = 3.0  # seconds: longer than any short catalog transaction, far shorter than a rebuild


@pytest.fixture
def os_home(tmp_path, opensearch_url, unique_prefix):
    if not opensearch_url:
        pytest.skip("no OpenSearch node: set HOSO_TEST_OPENSEARCH_URL (make test starts one)")
    home = tmp_path / "home"
    home.mkdir()
    (home / "hoso.toml").write_text(
        f'opensearch_url = "{opensearch_url}"\nopensearch_index_prefix = "{unique_prefix}"\n', encoding="utf-8"
    )
    yield home
    from index.opensearch import OpenSearchBackend

    backend = OpenSearchBackend.from_settings(
        Settings(opensearch_url=opensearch_url, opensearch_index_prefix=unique_prefix)
    )
    backend.drop()
    backend.close()


def fill(home, documents: int, pages_each: int) -> None:
    """Documents straight into the catalog, so that a rebuild has work to do."""
    words = "khởi tố vụ án hình sự bị can cơ quan cảnh sát điều tra quyết định phê chuẩn viện kiểm sát".split()
    with open_catalog(home / "catalog.sqlite") as catalog, catalog.transaction():
        for d in range(documents):
            batch_id = f"{d:064x}"
            catalog.add_batch(
                batch_id=batch_id,
                kind="pdf",
                originals=[{"name": f"old_{d}.pdf", "sha256": batch_id}],
                ocr_pdf=f"work/{batch_id}.pdf",
                ocr_sha256=batch_id,
                signed=False,
                pages=[
                    PageText(number=p, text=" ".join(words[(d + p + i) % len(words)] for i in range(300)))
                    for p in range(1, pages_each + 1)
                ],
            )
            catalog.put_document(
                DocumentRow(
                    id=f"old-{d}",
                    case_id=None,
                    type="khac",
                    confidence=1.0,
                    arrival=float(d),
                    pages=[(batch_id, p, None, None) for p in range(1, pages_each + 1)],
                )
            )


def longest_lock_wait(home, until) -> float:
    """Take the catalog's write lock again and again until `until()`; the longest wait for it."""
    db = sqlite3.connect(home / "catalog.sqlite", timeout=LOCK_WAIT, isolation_level=None)
    longest = 0.0
    try:

        def probe():
            nonlocal longest
            started = time.monotonic()
            db.execute("BEGIN IMMEDIATE")  # "database is locked" after LOCK_WAIT seconds
            db.execute("COMMIT")
            longest = max(longest, time.monotonic() - started)
            return until()

        wait_until(probe, 300, "the watcher to take both files")
    finally:
        db.close()
    return longest


def test_a_watcher_keeps_ingesting_while_reindex_recreate_runs_on_opensearch(tmp_path, os_home):
    home, inbox = os_home, tmp_path / "inbox"
    (inbox / CASE).mkdir(parents=True)
    fill(home, documents=40, pages_each=50)
    assert hoso_json(home, "reindex")["pages"] == 2000
    names = ("first.pdf", "second.pdf")

    def reindex_recreate() -> subprocess.Popen:
        with open(tmp_path / f"reindex-{len(reindexes)}.err", "w") as err:  # the child keeps its own copy
            return subprocess.Popen(
                [sys.executable, "-m", "cli", "reindex", "--recreate", "--json"],
                cwd=REPO,
                env=watch_env(home),
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )

    reindexes: list[subprocess.Popen] = []
    with WatchProcess(home, [inbox]) as watcher:
        try:
            reindexes.append(reindex_recreate())
            for n, name in enumerate(names, 1):
                drop(inbox / CASE / name, scan_bytes(20 + n))

            # Reindexes run back to back while the watcher OCRs, files and indexes the two scans.
            def watcher_done() -> bool:
                done = set(names) & set(by_path(watcher.records()))
                if done != set(names) and reindexes[-1].poll() is not None:
                    reindexes.append(reindex_recreate())
                return done == set(names)

            longest = longest_lock_wait(home, watcher_done)
            outcomes = [(p.communicate(timeout=300)[0], p.returncode) for p in reindexes]
        finally:
            for process in reindexes:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=30)
        assert watcher.stop(signal.SIGTERM) == 0

    assert longest < LOCK_WAIT
    # A whole reindex ran, and another began, while the scans were on their way: side by side.
    assert len(reindexes) >= 2, "the scans were done before the first reindex ended: nothing ran side by side"
    assert all(code == 0 for _, code in outcomes), [
        (tmp_path / f"reindex-{i}.err").read_text() for i, (_, code) in enumerate(outcomes) if code
    ]
    records = by_path(watcher.records())
    assert [records[name][0]["status"] for name in names] == ["done", "done"], records

    # Nothing lost: every document of the catalog is indexed, in the live index.
    status = hoso_json(home, "status")
    assert status["files"]["done"] == 2 and status["documents"] == 42 and status["pages"] == 2002
    assert status["not_indexed"] == 0
    hits = hoso_json(home, "search", "khoi to vu an", "--case", CASE, "--limit", "10")["hits"]
    assert len({h["document_id"] for h in hits}) == 2
    assert hoso_json(home, "search", "bi can", "--limit", "1")["total"] == 2000
