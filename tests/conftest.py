"""Shared fixtures: the dev corpus, a home OCRed once per session, search backends."""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import pytest

from ingest.consume import Consumer
from ingest.sources import discover
from pipeline.config import load_settings
from pipeline.store.catalog import Catalog

# Each test chooses its catalog (an SQLite home, or a fresh schema on HOSO_TEST_CATALOG_URL's server): a
# HOSO_CATALOG_URL of the shell running the tests would put every home in one database.
os.environ.pop("HOSO_CATALOG_URL", None)

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HOSO_SHARED", REPO.parent / "shared"))  # CI: ../shared
CORPUS = SHARED / "corpus" / "dev"
# A small slice of the dev corpus, OCRed once per session: a CCITT G4 TIFF and two PDFs.
FIXTURE_CASE = "2024-HS-7003"


def unavailable(message: str) -> NoReturn:
    """A test whose program, node or data is missing here is skipped; in CI (CI=true) the run fails."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: every test must run)", pytrace=False)
    pytest.skip(message)


def shared_or_skip(relative: str) -> Path:
    """A file or folder of ../shared (see `unavailable` when it is missing)."""
    path = SHARED / relative
    if not path.exists():
        unavailable(f"../shared/{relative} is not next to this checkout")
    return path


@functools.cache
def tesseract_missing() -> str | None:
    """Why Tesseract cannot read Vietnamese here, or None."""
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        return "Tesseract is not installed (scripts/install-deps.sh installs it)"
    languages = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True).stdout.split()
    missing = sorted({"vie", "osd"} - set(languages))
    return (
        f"Tesseract lacks the {'/'.join(missing)} language data (tesseract-ocr-vie, tesseract-ocr-osd)"
        if missing
        else None
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture: the session's OCRed home would otherwise fail in its own way first.
    if item.get_closest_marker("ocr") and (why := tesseract_missing()):
        unavailable(why)


def corpus_or_skip() -> Path:
    shared_or_skip("corpus/dev/truth.json")
    return CORPUS


@pytest.fixture(scope="session")
def truth() -> dict:
    return json.loads((corpus_or_skip() / "truth.json").read_text(encoding="utf-8"))


def hoso(home: Path, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real CLI in a child process, as a clerk would."""
    full_env = {
        **os.environ,
        "HOSO_HOME": str(home),
        "HOSO_OCR_JOBS": "1",
        "OMP_THREAD_LIMIT": "1",
        "HOSO_OPENSEARCH_URL": "",
        **(env or {}),
    }
    full_env = {k: v for k, v in full_env.items() if v != ""}
    result = subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=REPO, env=full_env, capture_output=True, text=True, timeout=900
    )
    if check and result.returncode != 0:
        raise AssertionError(f"hoso {' '.join(args)} exited {result.returncode}\n{result.stderr}\n{result.stdout}")
    return result


def hoso_json(home: Path, *args: str, **kwargs) -> dict:
    result = hoso(home, *args, "--json", **kwargs)
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def ocr_home(tmp_path_factory) -> dict:
    """A home with the fixture case ingested through real OCR (once per session)."""
    inbox = corpus_or_skip() / "inbox"
    home = tmp_path_factory.mktemp("ocr-home")
    report = hoso_json(home, "ingest", str(inbox / FIXTURE_CASE))
    return {"home": home, "report": report, "inbox": inbox}


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_url(variable: str, service: str) -> str:
    """The URL of a test server `make test` started and named in `variable` (see `unavailable` without)."""
    url = os.environ.get(variable)
    if not url:
        unavailable(f"no {service}: run through `make test`, which starts one (or set {variable})")
    return url


@pytest.fixture(scope="session")
def opensearch_url() -> str:
    return service_url("HOSO_TEST_OPENSEARCH_URL", "OpenSearch node")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return service_url("HOSO_TEST_CATALOG_URL", "PostgreSQL server")


@contextmanager
def postgres_schema(server_url: str) -> Iterator[str]:
    """A catalog URL of the test server with a schema of its own, dropped afterwards (a fresh catalog per
    test, without the cost of a database per test)."""
    import psycopg

    schema = f"hoso_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    parts = urlsplit(server_url)
    query = "&".join(filter(None, [parts.query, f"options=-csearch_path%3D{schema}"]))
    try:
        yield parts._replace(query=query).geturl()
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


CATALOGS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=CATALOGS)
def catalog_location(request, tmp_path) -> Iterator[str | Path]:
    """Where a new, empty catalog goes: an SQLite file, or a fresh schema on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield tmp_path / "catalog.sqlite"
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        yield url


def embedded_index(catalog: Catalog, home: Path):
    """The embedded search index of `catalog` as a home with it has it: in the SQLite catalog's file, or
    beside a PostgreSQL catalog in `home`/index.sqlite (index.open_backend)."""
    from index import open_backend
    from pipeline.config import Settings

    return open_backend(Settings(home=home, opensearch_url=None), catalog)


@pytest.fixture(scope="session")
def redis_url() -> str:
    return service_url("HOSO_TEST_REDIS_URL", "Redis (the test broker)")


@pytest.fixture
def unique_prefix() -> str:
    return f"hoso-test-{uuid.uuid4().hex[:8]}"


BACKENDS = ["sqlite", pytest.param("opensearch", marks=pytest.mark.opensearch)]


def index_backend(request: pytest.FixtureRequest, pages: list):
    """Yields a backend of `request.param` ("sqlite": in memory; "opensearch": a throw-away index on
    the test node) holding `pages`: for module fixtures parametrized over BACKENDS."""
    from index.sqlite_fts import SqliteBackend
    from pipeline.config import Settings

    if request.param == "sqlite":
        import sqlite3

        backend = SqliteBackend(sqlite3.connect(":memory:", isolation_level=None))
    else:
        from index.opensearch import OpenSearchBackend

        url = request.getfixturevalue("opensearch_url")
        prefix = f"hoso-test-{uuid.uuid4().hex[:8]}"
        backend = OpenSearchBackend.from_settings(Settings(opensearch_url=url, opensearch_index_prefix=prefix))
        request.addfinalizer(backend.drop)
    backend.index_pages(pages)
    yield backend
    backend.close()


QUEUED_SCAN = REPO / "samples" / "more" / "thong_bao.pdf"


@pytest.fixture
def consumer(tmp_path, monkeypatch):
    """A Consumer of a new home with one scan queued: `.scan`, a copy of QUEUED_SCAN in case folder
    2025-HS-0100, and `.ids`, its queue ids (`consumer.process(consumer.ids)` takes it)."""
    for key in ("HOSO_CONFIG", "HOSO_OPENSEARCH_URL"):
        monkeypatch.delenv(key, raising=False)
    settings = load_settings(home=tmp_path / "home", ocr_jobs=1)
    catalog = Catalog(settings.catalog)  # on PostgreSQL when the test set HOSO_CATALOG_URL
    inbox = tmp_path / "inbox" / "2025-HS-0100"
    inbox.mkdir(parents=True)
    shutil.copy(QUEUED_SCAN, inbox / QUEUED_SCAN.name)
    worker = Consumer(settings, catalog, None)
    worker.scan = inbox / QUEUED_SCAN.name
    worker.ids = worker.enqueue(discover([inbox.parent], None, settings.case_id_pattern))
    yield worker
    worker.close()
    catalog.close()


# ---- a broker with `hoso worker`s (the broker and scale-out fault tests) ------------------------------

_databases = iter(range(1, 16))


@pytest.fixture
def broker(redis_url, tmp_path):
    """A Redis database of its own, a home, and a way to start workers on it (all killed at the end)."""
    url = redis_url.rsplit("/", 1)[0] + f"/{next(_databases)}"
    subprocess.run(["redis-cli", "-u", url, "flushdb"], check=True, capture_output=True)
    workers: list[subprocess.Popen] = []

    class Broker:
        home = tmp_path / "home"
        env = {"HOSO_BROKER_URL": url, "HOSO_OCR_TIME_LIMIT": "20"}

        def start_worker(self, name: str, **env: str) -> subprocess.Popen:
            log = (tmp_path / f"{name}.log").open("w")
            worker = subprocess.Popen(
                [sys.executable, "-m", "cli", "worker", "--concurrency", "1", "--name", name],
                cwd=REPO,
                env={**os.environ, "HOSO_HOME": str(self.home), "OMP_THREAD_LIMIT": "1", **self.env, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed whole, as a machine going away
            )
            workers.append(worker)
            self.wait_for(lambda: name in self.worker_names(), f"worker {name} to answer")
            return worker

        def worker_names(self) -> list[str]:
            status = hoso_json(self.home, "status", env=self.env)
            return [w["name"].split("@")[0] for w in status["workers"] or []]

        def log(self, name: str) -> str:
            return (tmp_path / f"{name}.log").read_text()

        @staticmethod
        def wait_for(condition, what: str, seconds: float = 60.0) -> None:
            deadline = time.monotonic() + seconds
            while not condition():
                if time.monotonic() > deadline:
                    raise AssertionError(f"waited {seconds:.0f} s for {what}")
                time.sleep(0.2)

        @staticmethod
        def kill(worker: subprocess.Popen) -> None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)

    yield Broker()
    for worker in workers:
        if worker.poll() is None:
            Broker.kill(worker)


@pytest.fixture(scope="session")
def cluster():
    """Two OpenSearch nodes on 127.0.0.1 (tests/cluster_kit.py), started once for the run's cluster tests."""
    from cluster_kit import started_cluster

    with started_cluster() as nodes:
        yield nodes
