"""The scale-out fault run on the whole dev corpus (issue 15, item 5): a clean ingest, then the same files
ingested again while the faults happen, and the two compared.

    python bench/scale_faults.py                   # the whole dev corpus, 3 workers
    python bench/scale_faults.py --cases 2024-HS-7001 2024-HS-7003

It starts its own servers on 127.0.0.1, in a temp folder: Redis (scripts/redis.sh, port 6392),
PostgreSQL (scripts/postgres.sh) and a two-node OpenSearch cluster (scripts/opensearch.sh cluster-start),
and for each run a fresh home, catalog schema and index prefix, three `hoso worker`s and one
`hoso ingest --json` of the corpus. During the second run, at 15 %, 35 %, 55 % and 75 % of the clean
run's time: one worker is killed (its process group) and another started, Redis restarts, PostgreSQL
restarts, and OpenSearch's second node stops (until the end). What a fault held is retried
(`hoso retry --all`). Printed: files done (each once), pages, `hoso verify`, and search recall — the
hits of every truth document's số/ký hiệu in its case — for both runs, and the queries whose hits differ.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HOSO_SHARED", REPO.parent / "shared")) / "corpus" / "dev"
WORKERS = 3
FAULT_AT = (0.15, 0.35, 0.55, 0.75)  # of the clean run's seconds: kill, broker, catalog, search node


def script(name: str, *args: str, env: dict) -> str:
    done = subprocess.run([str(REPO / "scripts" / name), *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"scripts/{name} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip()


def hoso(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO, env=env, capture_output=True, text=True)
    if check and done.returncode not in (0, 1, 3, 9):  # 3, 9: some file quarantined or held, reported below
        raise SystemExit(f"hoso {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done


class Servers:
    def __init__(self, work: Path):
        self.redis_env = {"HOSO_REDIS_PORT": "6392", "HOSO_REDIS_DIR": str(work / "redis")}
        self.postgres_env = {"HOSO_POSTGRES_DIR": str(work / "postgres")}
        self.cluster_env = {"HOSO_OPENSEARCH_CLUSTER_PORT": "9450", "HOSO_OPENSEARCH_CLUSTER_DIR": str(work / "os")}

    def start(self) -> None:
        self.broker = script("redis.sh", "start", env=self.redis_env)
        script("postgres.sh", "start", env=self.postgres_env)
        self.postgres = script("postgres.sh", "url", env=self.postgres_env)
        self.postgres_env["HOSO_POSTGRES_PORT"] = self.postgres.rsplit(":", 1)[1].split("/")[0]
        script("opensearch.sh", "cluster-start", "2", env=self.cluster_env)
        self.search = script("opensearch.sh", "cluster-url", "2", env=self.cluster_env)

    def stop(self) -> None:
        for name, env in (("opensearch.sh", self.cluster_env), ("postgres.sh", self.postgres_env)):
            with contextlib.suppress(SystemExit):
                script(name, "cluster-stop" if name == "opensearch.sh" else "stop", env=env)
        with contextlib.suppress(SystemExit):
            script("redis.sh", "stop", env=self.redis_env)

    def catalog(self, schema: str) -> str:
        import psycopg

        with psycopg.connect(self.postgres, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")
        return f"{self.postgres}?options=-csearch_path%3D{schema}"


class Run:
    """One home with its workers and one `hoso ingest` of the corpus."""

    def __init__(self, name: str, servers: Servers, corpus: Path, work: Path):
        self.home = work / f"home-{name}"
        self.corpus = corpus
        self.env = {
            **os.environ,
            "HOSO_HOME": str(self.home),
            "HOSO_BROKER_URL": servers.broker,
            "HOSO_CATALOG_URL": servers.catalog(f"hoso_{name}"),
            "HOSO_OPENSEARCH_URL": servers.search,
            "HOSO_OPENSEARCH_INDEX_PREFIX": f"hoso-{name}",
            "HOSO_OPENSEARCH_REPLICAS": "1",
            "HOSO_OCR_JOBS": str(WORKERS),
            "OMP_THREAD_LIMIT": "1",
            # A killed worker's job comes back after twice this (the broker's visibility timeout): above the
            # longest job of the corpus (an 8-page range, under a minute here), far below the default 30 min.
            "HOSO_OCR_TIME_LIMIT": "120",
        }
        self.workers: list[subprocess.Popen] = []
        self.logs = work / f"logs-{name}"
        self.logs.mkdir()

    def start_worker(self) -> None:
        n = len(self.workers) + 1
        log = (self.logs / f"w{n}.log").open("w")
        self.workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "cli", "worker", "--concurrency", "1", "--name", f"w{n}"],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        )

    def kill_worker(self) -> None:
        victim = next(w for w in self.workers if w.poll() is None)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()

    def ingest(self, faults=None) -> dict:
        try:
            for _ in range(WORKERS):
                self.start_worker()
            time.sleep(5)  # the workers' start (a late one only waits for its first job)
            started = time.monotonic()
            ingest = subprocess.Popen(
                [sys.executable, "-m", "cli", "ingest", str(self.corpus), "--json"],
                cwd=REPO, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            faulting = threading.Thread(target=faults, args=(started,)) if faults else None
            if faulting:
                faulting.start()
            out, err = ingest.communicate()
            if faulting:
                faulting.join()
            seconds = time.monotonic() - started
            outcomes = json.loads(out)["files"] if out.strip() else []
            held = [o for o in outcomes if o["status"] != "done"]
            retried = json.loads(hoso(self.env, "retry", "--all", "--json").stdout)["files"] if held else []
            status = json.loads(hoso(self.env, "status", "--json").stdout)
            verify = hoso(self.env, "verify", check=False).returncode
        finally:
            for worker in self.workers:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        return {"seconds": seconds, "held": held, "retried": retried, "status": status, "verify": verify, "log": err}

    def hits(self, case_id: str, number: str) -> list[tuple]:
        found = json.loads(hoso(self.env, "search", number, "--case", case_id, "--json").stdout)["hits"]
        return sorted((h["document_id"], h["seq"]) for h in found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="*", help="cases of the dev corpus (default: all)")
    args = parser.parse_args()
    truth = json.loads((SHARED / "truth.json").read_text(encoding="utf-8"))
    cases = set(args.cases or [b["case_id"] for b in truth["batches"]])
    queries = sorted(
        {
            (b["case_id"], d["number"])
            for b in truth["batches"]
            if b["case_id"] in cases
            for d in b["documents"]
            if d.get("number")
        }  # fmt: skip
    )
    with tempfile.TemporaryDirectory(prefix="hoso-faults-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)  # the servers run as their own users (postgres, opensearch) under it
        corpus = work / "inbox"
        corpus.mkdir()
        for case in sorted(cases):  # a copy: a home archives what it ingests, and moves nothing of shared/
            subprocess.run(["cp", "-r", str(SHARED / "inbox" / case), str(corpus / case)], check=True)
        servers = Servers(work)
        try:
            servers.start()
            clean = Run("clean", servers, corpus, work)
            clean_result = clean.ingest()
            faulted = Run("faulted", servers, corpus, work)
            done_faults: list[str] = []

            def faults(started: float) -> None:
                def at(share: float) -> None:
                    time.sleep(max(0.0, started + share * clean_result["seconds"] - time.monotonic()))

                at(FAULT_AT[0])
                faulted.kill_worker()
                faulted.start_worker()
                done_faults.append("worker killed")
                at(FAULT_AT[1])
                script("redis.sh", "restart", env=servers.redis_env)
                done_faults.append("broker restarted")
                at(FAULT_AT[2])
                script("postgres.sh", "stop", env=servers.postgres_env)
                script("postgres.sh", "start", env=servers.postgres_env)
                done_faults.append("catalog restarted")
                at(FAULT_AT[3])
                script("opensearch.sh", "node-stop", "2", env=servers.cluster_env)
                done_faults.append("search node 2 stopped")

            faulted_result = faulted.ingest(faults)
            differ = [(c, n) for c, n in queries if clean.hits(c, n) != faulted.hits(c, n)]
            recall = {
                name: sum(bool(run.hits(c, n)) for c, n in queries) / len(queries)
                for name, run in (("clean", clean), ("faulted", faulted))
            }
        finally:
            servers.stop()
    print(
        f"dev corpus, {len(cases)} cases, {WORKERS} workers, {os.cpu_count()} cores; faults: {', '.join(done_faults)}"
    )
    for name, result in (("clean", clean_result), ("faulted", faulted_result)):
        status = result["status"]
        print(
            f"{name:8s} {result['seconds']:6.0f} s  files {json.dumps(status['files'])}  pages {status['pages']}  "
            f"documents {status['documents']}  held {len(result['held'])} → retried done "
            f"{sum(o['status'] == 'done' for o in result['retried'])}  verify exit {result['verify']}  "
            f"recall {recall[name]:.3f} ({len(queries)} số/ký hiệu)"
        )
        for outcome in result["held"] + result["retried"]:
            print(f"    {outcome['status']}: {Path(outcome['path']).name}: {outcome.get('reason')}")
    print(f"queries whose hits differ: {len(differ)}" + (f" {differ[:10]}" if differ else ""))


if __name__ == "__main__":
    main()
