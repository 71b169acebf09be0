"""Scale-out under faults (issue 15): machines sharing one home, one PostgreSQL catalog and one broker.

Real servers on 127.0.0.1 only, real `hoso worker`s and OCR, a few small pages; every wait has a deadline.
Two machines are simulated by two processes with their own `machine_name` on the shared home: nothing
but the catalog's server locks keeps them apart, as on two real machines."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import img2pdf
import pytest

from conftest import REPO, free_port, hoso, hoso_json, postgres_schema
from test_watch_support import WatchProcess, drop, page_lines, render, scan_bytes, wait_until

CASE = "2025-HS-0501"


@pytest.fixture
def catalog_url(postgres_url):
    with postgres_schema(postgres_url) as url:
        yield url


@pytest.mark.broker
@pytest.mark.postgres
@pytest.mark.ocr
def test_two_watchers_on_two_machines_never_take_the_same_file_twice(broker, catalog_url, tmp_path):
    broker.env["HOSO_CATALOG_URL"] = catalog_url
    broker.start_worker("w1")
    broker.start_worker("w2")
    inbox = tmp_path / "inbox"
    (inbox / CASE).mkdir(parents=True)
    env = {**broker.env, "HOSO_OCR_JOBS": "2"}
    names = [f"qd_{n}.pdf" for n in range(6)]
    with (
        WatchProcess(broker.home, [inbox], "--poll", "0.2", HOSO_MACHINE_NAME="may-a", **env) as first,
        WatchProcess(broker.home, [inbox], "--poll", "0.2", HOSO_MACHINE_NAME="may-b", **env) as second,
    ):
        for watcher in (first, second):
            wait_until(lambda w=watcher: "watching" in w.stderr(), 60, "the watcher to start", on_fail=watcher.report)
        watchers = hoso_json(broker.home, "status", env=env)["watchers"]
        assert sorted(w["machine"] for w in watchers) == ["may-a", "may-b"], watchers
        for n, name in enumerate(names):
            drop(inbox / CASE / name, scan_bytes(n))

        def done() -> list[dict]:
            records = [r for w in (first, second) for r in w.records() if r["status"] == "done"]
            return records if len(records) >= len(names) else []

        wait_until(done, 240, "every file done", on_fail=lambda: first.report() + second.report())
        records = [r for w in (first, second) for r in w.records()]
    taken = sorted(Path(r["path"]).name for r in records if r["status"] == "done")
    assert taken == names, records  # each file filed by one watcher, once
    assert sorted(p.name for p in (inbox / ".done" / CASE).iterdir()) == names
    assert not list((inbox / CASE).iterdir())
    status = hoso_json(broker.home, "status", env=env)
    assert status["files"].get("done") == len(names) and status["documents"] == len(names), status
    assert not any(n for state, n in status["files"].items() if state != "done"), status["files"]


# ---- a three-worker ingest through four faults ------------------------------------------------------------

# One file per phrase, page 1 naming it (tests/test_watch_support.py WORDS), page 2 a continuation.
PHRASES = {0: "trộm cắp", 2: "lừa đảo", 3: "tàng trữ", 4: "đánh bạc"}


def two_page_scan(n: int) -> bytes:
    pages = []
    for lines in (page_lines(n), [f"Trang 2 của quyết định số {100 + n}", "Nơi nhận: Viện kiểm sát nhân dân"]):
        buffer = io.BytesIO()
        render(lines, dpi=200).save(buffer, format="JPEG", quality=85, dpi=(200, 200))
        pages.append(buffer.getvalue())
    return img2pdf.convert(pages)


def server_script(name: str, *args: str, **env: str) -> None:
    done = subprocess.run([str(REPO / "scripts" / name), *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, f"{name} {' '.join(args)}: {done.stderr[-2000:]}"


@pytest.mark.broker
@pytest.mark.postgres
@pytest.mark.opensearch
@pytest.mark.cluster
@pytest.mark.ocr
def test_a_three_worker_ingest_through_a_killed_worker_and_restarts_files_everything_once(
    broker, catalog_url, cluster, redis_url, postgres_url, unique_prefix, tmp_path
):
    """While three workers read eight pages: one worker is killed mid-OCR (its process group), the broker
    restarts, PostgreSQL restarts, one OpenSearch node stops. Afterwards every file is done once (after
    `hoso retry --all` for what a fault held), the dossier verifies, and every phrase finds its page."""
    broker.env.update(
        HOSO_CATALOG_URL=catalog_url,
        HOSO_OPENSEARCH_URL=",".join(cluster.urls),
        HOSO_OPENSEARCH_INDEX_PREFIX=unique_prefix,
        HOSO_OPENSEARCH_REPLICAS="1",
    )
    workers = {name: broker.start_worker(name) for name in ("w1", "w2", "w3")}
    inbox = tmp_path / "inbox" / CASE
    inbox.mkdir(parents=True)
    scans = {n: drop(inbox / f"qd_{n}.pdf", two_page_scan(n)) for n in PHRASES}
    originals = {path: path.read_bytes() for path in scans.values()}
    env = {**broker.env, "HOSO_OCR_JOBS": "3", "HOSO_OCR_RANGE_PAGES": "1"}
    ingest = subprocess.Popen(
        [sys.executable, "-m", "cli", "ingest", str(inbox.parent), "--json"],
        cwd=REPO,
        env={**os.environ, "HOSO_HOME": str(broker.home), "OMP_THREAD_LIMIT": "1", **env},
        stdout=subprocess.PIPE,
        text=True,
    )
    node_stopped = False
    try:
        broker.wait_for(lambda: any("received" in broker.log(n) for n in workers), "a worker to take a job", 120)
        busy = next(n for n in workers if "received" in broker.log(n))
        broker.kill(workers.pop(busy))  # mid-OCR: its job was never acknowledged
        workers["w4"] = broker.start_worker("w4")
        redis_port = redis_url.rsplit(":", 1)[1].split("/")[0]
        server_script("redis.sh", "restart", HOSO_REDIS_PORT=redis_port)
        postgres_port = str(urlsplit(postgres_url).port)
        server_script("postgres.sh", "stop", HOSO_POSTGRES_PORT=postgres_port)
        server_script("postgres.sh", "start", HOSO_POSTGRES_PORT=postgres_port)
        cluster.node("stop", 2)
        node_stopped = True
        assert ingest.poll() is None, "the ingest ended before the faults were over: give it more pages"
        out, _ = ingest.communicate(timeout=600)
        outcomes = json.loads(out)["files"]
        held = [o for o in outcomes if o["status"] != "done"]
        # A fault of the machine (broker, catalog) holds a batch with the reason: never quarantined.
        assert all(o["status"] == "queued" and o["reason"] for o in held), held
        if held:
            retried = hoso_json(broker.home, "retry", "--all", env=env)["files"]
            assert all(o["status"] == "done" for o in retried), retried
        status = hoso_json(broker.home, "status", env=env)
        assert status["files"]["done"] == len(scans) and status["pages"] == 2 * len(scans), status
        assert not any(n for state, n in status["files"].items() if state != "done"), status["files"]
        assert hoso(broker.home, "verify", env=env).returncode == 0
        found = {}  # read with a node down: its replica answers
        for phrase in PHRASES.values():
            hits = hoso_json(broker.home, "search", phrase, "--case", CASE, env=env)["hits"]
            assert len(hits) == 1, (phrase, hits)  # its page, once
            found[phrase] = hits[0]["document_id"]
        assert len(set(found.values())) == len(PHRASES), found  # each in its own document
        pages = hoso_json(broker.home, "search", "--case", CASE, "--limit", "100", env=env)
        assert pages["total"] == 2 * len(scans), pages  # every page indexed, none twice
    finally:
        if ingest.poll() is None:
            ingest.kill()
        if node_stopped:
            cluster.node("start", 2)
    assert all(path.read_bytes() == data for path, data in originals.items() if path.exists())


@pytest.mark.broker
@pytest.mark.ocr
def test_a_watcher_files_by_itself_what_a_broker_down_held_once_it_is_back(broker, tmp_path):
    """Unattended: a scan arrives while the broker is down and is held with the reason; at a rescan after
    the broker is back, the watcher takes it again and files it, without `hoso retry`."""
    port = str(free_port())
    redis_env = {"HOSO_REDIS_PORT": port, "HOSO_REDIS_DIR": str(tmp_path / "redis")}
    broker.env["HOSO_BROKER_URL"] = f"redis://127.0.0.1:{port}/0"
    inbox = tmp_path / "inbox"
    (inbox / CASE).mkdir(parents=True)
    with WatchProcess(broker.home, [inbox], "--poll", "0.2", HOSO_WATCH_RESCAN_SECONDS="2", **broker.env) as watcher:
        wait_until(lambda: "watching" in watcher.stderr(), 60, "the watcher to start", on_fail=watcher.report)
        drop(inbox / CASE / "qd.pdf", scan_bytes(5))
        [held] = watcher.wait_records(lambda rs: rs, 120, "the held file")
        assert held["status"] == "queued" and "broker" in held["reason"], held
        try:
            server_script("redis.sh", "start", **redis_env)
            broker.start_worker("w1")
            records = watcher.wait_records(lambda rs: any(r["status"] == "done" for r in rs), 180, "the file done")
        finally:
            server_script("redis.sh", "stop", **redis_env)
    assert [r["status"] for r in records] == ["queued", "done"], records
    assert (inbox / ".done" / CASE / "qd.pdf").exists() and not (inbox / CASE / "qd.pdf").exists()
