"""Throughput with 1, 2 and 3 OCR workers through the broker, and where a job's time goes.

    python bench/scale.py                          # three cases of ../shared/corpus/dev, 1 2 3 workers
    python bench/scale.py --all --workers 1 2 3 4  # the whole dev corpus

It starts its own Redis (scripts/redis.sh on port 6391, in a temp folder), then for each worker count a
fresh home and that many `hoso worker --concurrency 1` processes on this machine, and ingests the same
files through the broker (`ocr_jobs` = the workers). Printed per worker count: pages/min and the
speed-up over one worker in this run; per OCR job: queue latency (sent → started on a worker), OCR time
on the worker, result latency (done there → back); per batch: catalog time (inside catalog
transactions, filing pages and documents) and storage time (archiving the originals, hashing the OCR
output). Workers on one machine share its cores: past the cores, more workers add no pages/min.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import ingest.consume as consume  # noqa: E402
from index import open_backend  # noqa: E402
from ingest.broker import live_workers  # noqa: E402
from ingest.sources import discover  # noqa: E402
from pipeline.config import load_settings  # noqa: E402
from pipeline.store.catalog import Catalog  # noqa: E402

CORPUS = Path(os.environ.get("HOSO_SHARED", REPO.parent / "shared")) / "corpus" / "dev" / "inbox"
DEFAULT_CASES = ["2024-HS-7001", "2024-HS-7003", "2024-HS-7008"]
PORT = "6391"


class Clock:
    """Seconds spent inside the wrapped callables, summed."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, fn):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed

    def wrap_context(self, fn):
        @contextlib.contextmanager
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                with fn(*args, **kwargs) as value:
                    yield value
            finally:
                self.seconds += time.perf_counter() - started

        return timed


def run(workers: int, inboxes: list[Path], work: Path, broker: str) -> dict:
    home = work / f"home-{workers}"
    env = {**os.environ, "HOSO_HOME": str(home), "HOSO_BROKER_URL": broker, "OMP_THREAD_LIMIT": "1"}
    subprocess.run(["redis-cli", "-u", broker, "flushdb"], check=True, capture_output=True)
    settings = load_settings(home=home, broker_url=broker, ocr_jobs=workers)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "cli", "worker", "--concurrency", "1", "--name", f"w{n}"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for n in range(workers)
    ]
    try:
        deadline = time.monotonic() + 120
        while len(live_workers(settings)) < workers:
            if time.monotonic() > deadline:
                raise SystemExit(f"{workers} workers did not answer within 120 s")
            time.sleep(0.5)
        catalog_clock, storage_clock = Clock(), Clock()
        catalog = Catalog(settings.catalog_path)
        catalog.transaction = catalog_clock.wrap_context(catalog.transaction)
        consume.archive_originals = storage_clock.wrap(ARCHIVE)
        consume.sha256_file = storage_clock.wrap(SHA256)
        consumer = consume.Consumer(settings, catalog, open_backend(settings, catalog))
        consumer.keep_pool = True  # its broker client (and the jobs' timings) until close()
        started = time.perf_counter()
        ids = consumer.enqueue(discover(inboxes, None, settings.case_id_pattern))
        outcomes = consumer.process(ids)
        seconds = time.perf_counter() - started
        timings = consumer._broker.timings if consumer._broker else []
        consumer.close()
        catalog.close()
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            proc.wait()
    pages = sum(o.pages for o in outcomes if o.status == "done")
    batches = max(1, sum(o.status == "done" for o in outcomes))
    return {
        "workers": workers,
        "pages": pages,
        "seconds": seconds,
        "pages_per_min": pages / seconds * 60,
        "jobs": len(timings),
        "queue_ms": statistics.median(t[1] - t[0] for t in timings) * 1000 if timings else None,
        "ocr_s": statistics.median(t[2] - t[1] for t in timings) if timings else None,
        "result_ms": statistics.median(t[3] - t[2] for t in timings) * 1000 if timings else None,
        "catalog_ms_per_batch": catalog_clock.seconds / batches * 1000,
        "storage_ms_per_batch": storage_clock.seconds / batches * 1000,
    }


ARCHIVE, SHA256 = consume.archive_originals, consume.sha256_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all", action="store_true", help="the whole dev corpus")
    parser.add_argument("--cases", nargs="*", default=DEFAULT_CASES)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    cases = sorted(p.name for p in CORPUS.iterdir()) if args.all else args.cases
    with tempfile.TemporaryDirectory(prefix="hoso-scale-") as tmp:
        work = Path(tmp)
        redis_env = {**os.environ, "HOSO_REDIS_PORT": PORT, "HOSO_REDIS_DIR": str(work / "redis")}
        broker = subprocess.run(
            [str(REPO / "scripts" / "redis.sh"), "start"], env=redis_env, check=True, capture_output=True, text=True
        ).stdout.strip()
        try:
            results = []
            for workers in args.workers:
                inboxes = []
                for case in cases:  # each run reads its own copy: a home archives what it ingests
                    inbox = work / f"inbox-{workers}" / case
                    inbox.parent.mkdir(parents=True, exist_ok=True)
                    subprocess.run(["cp", "-r", str(CORPUS / case), str(inbox)], check=True)
                    inboxes.append(inbox.parent)
                results.append(run(workers, sorted(set(inboxes)), work, broker))
        finally:
            subprocess.run([str(REPO / "scripts" / "redis.sh"), "stop"], env=redis_env, capture_output=True)
    base = results[0]["pages_per_min"]
    print(f"dev corpus, {len(cases)} cases, {results[0]['pages']} pages, {os.cpu_count()} cores, broker Redis")
    print("workers  pages/min  speed-up  jobs  queue ms  OCR s/job  result ms  catalog ms/batch  storage ms/batch")
    for r in results:
        print(
            f"{r['workers']:7d}  {r['pages_per_min']:9.1f}  {r['pages_per_min'] / base:8.2f}  {r['jobs']:4d}"
            f"  {r['queue_ms'] or 0:8.0f}  {r['ocr_s'] or 0:9.2f}  {r['result_ms'] or 0:9.0f}"
            f"  {r['catalog_ms_per_batch']:16.0f}  {r['storage_ms_per_batch']:16.0f}"
        )


if __name__ == "__main__":
    main()
