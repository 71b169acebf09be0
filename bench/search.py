"""Search benchmark: bulk load and query latency of both backends on N synthetic pages (no OCR).

    python bench/search.py [--pages 100000] [--url http://127.0.0.1:9200] [--rounds 5] [--json]
                           [--backends sqlite,opensearch]

Page texts are the dev corpus truth (../shared/corpus/dev/truth.json), cut into
lines, shuffled and recombined into N pages of about the corpus' page length;
metadata (case, document, type, number, date, persons, article) is drawn from
the corpus too, deterministically (seed 7). Both backends get the same pages in
one run: the embedded one in a temporary catalog file, OpenSearch at --url (else
HOSO_TEST_OPENSEARCH_URL, else `scripts/opensearch.sh url` when a node answers)
under a throw-away index prefix that is dropped at the end.

Prints, per backend: bulk pages/s (`rebuild`, the path `hoso reindex --recreate`
takes) and search latency p50/p95 over a fixed mix (diacritic, diacritic-free,
phrase, filtered, faceted, and scoped: a prosecutor's view, one case in ten assigned and
clearance thuong, applied inside the query), overall and per kind. One document in twenty
is Mật, one in 97 Tối mật. Targets at 100k pages:
OpenSearch p95 ≤ 50 ms, embedded p95 ≤ 150 ms.

First, the command's start-up: `hoso search` and `hoso status` p50, start to exit,
on a small home (200 pages, embedded index), beside `python -c pass` run alternately
in the same run (--startup-runs, 0 to skip), after one warm-up run of each.
Target: `hoso search` p50 ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from index.base import DEFAULT_FACETS, IndexedPage, Scope, SearchQuery  # noqa: E402
from pipeline.text import normalize  # noqa: E402

TRUTH = Path(os.environ.get("HOSO_SHARED", REPO.parent / "shared")) / "corpus" / "dev" / "truth.json"
SEED = 7
PAGES_PER_CASE = 200


class Corpus:
    """Lines and metadata of the dev corpus, recombined into as many pages as asked."""

    def __init__(self, truth: dict):
        self.lines: list[str] = []
        self.docs: list[dict] = []
        lengths = []
        for batch in truth["batches"]:
            for doc in batch["documents"]:
                self.docs.append(doc)
                for text in doc["text"]:
                    text = normalize(text)
                    lengths.append(len(text))
                    self.lines += [line for line in text.splitlines() if line.strip()]
        self.page_chars = int(statistics.mean(lengths))
        self.cases = truth["cases"]

    def pages(self, n: int) -> Iterator[IndexedPage]:
        rng = random.Random(SEED)
        made = 0
        case_no = 0
        while made < n:
            case_no += 1
            case = self.cases[case_no % len(self.cases)]
            year = rng.choice([2019, 2020, 2021, 2022, 2023, 2024, 2025])
            case_id = f"{year}-HS-{case_no:05d}"
            people = list(case["accused"]) + [case["victim"]]
            in_case = 0
            doc_no = 0
            while in_case < PAGES_PER_CASE and made < n:
                doc_no += 1
                template = rng.choice(self.docs)
                number = f"{rng.randint(1, 999)}/{template['number'].split('/', 1)[-1]}" if template["number"] else None
                date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                for seq in range(1, rng.randint(1, 8) + 1):
                    if in_case >= PAGES_PER_CASE or made >= n:
                        break
                    out, size = [], 0
                    while size < self.page_chars:
                        line = rng.choice(self.lines)
                        out.append(line)
                        size += len(line) + 1
                    yield IndexedPage(
                        case_id=case_id,
                        document_id=f"B{case_no:05d}-{doc_no:03d}",
                        seq=seq,
                        doc_type=template["type"],
                        text="\n".join(out),
                        number=number,
                        date=date,
                        persons=people,
                        article=case["article"],
                        source_file=f"{case_id}/scan{doc_no:03d}.pdf",
                        classification="mat" if doc_no % 20 == 0 else "toi_mat" if doc_no % 97 == 0 else "thuong",
                    )
                    made += 1
                    in_case += 1


def query_mix(corpus: Corpus, prosecutor: Scope) -> list[tuple[str, SearchQuery]]:
    case0 = f"2024-HS-{1:05d}"  # not necessarily 2024: filled in by main() from the data
    person = corpus.cases[1]["accused"][0]
    return [
        ("diacritic", SearchQuery("khởi tố vụ án")),
        ("diacritic", SearchQuery("Cướp giật tài sản")),
        ("diacritic", SearchQuery("bị can")),
        ("diacritic", SearchQuery("giám định")),
        ("diacritic-free", SearchQuery("khoi to vu an")),
        ("diacritic-free", SearchQuery("cuop giat tai san")),
        ("diacritic-free", SearchQuery("dieu tra")),
        ("diacritic-free", SearchQuery("tham gia giao thong duong bo")),
        ("phrase", SearchQuery('"cơ quan cảnh sát điều tra"')),
        ("phrase", SearchQuery('"tham gia giao thông"')),
        ("phrase", SearchQuery('"khoi to bi can" quyết định')),
        ("filtered", SearchQuery("quyết định", case_id=case0)),
        ("filtered", SearchQuery("dieu tra", doc_type="cao_trang", date_from="2023", date_to="2024")),
        ("filtered", SearchQuery("bị can", person=person, article=corpus.cases[1]["article"])),
        ("filtered", SearchQuery("tài sản", number="12/QĐ-CSĐT")),
        ("faceted", SearchQuery("khởi tố", facets=DEFAULT_FACETS)),
        ("faceted", SearchQuery("dieu tra", facets=DEFAULT_FACETS)),
        ("faceted", SearchQuery("cáo trạng", doc_type="cao_trang", facets=DEFAULT_FACETS)),
        ("scoped", SearchQuery("khởi tố vụ án", scope=prosecutor)),
        ("scoped", SearchQuery("dieu tra", scope=prosecutor)),
        ("scoped", SearchQuery('"cơ quan cảnh sát điều tra"', scope=prosecutor)),
        ("scoped", SearchQuery("bị can", facets=DEFAULT_FACETS, scope=prosecutor)),
        ("scoped", SearchQuery(doc_type="cao_trang", facets=DEFAULT_FACETS, scope=prosecutor)),
        ("scoped", SearchQuery("12/QĐ-CSĐT", scope=prosecutor)),
    ]


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def run_backend(name: str, backend, corpus: Corpus, n: int, rounds: int, mix) -> dict:
    print(f"[{name}] loading {n} pages ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    loaded = backend.rebuild(corpus.pages(n))
    load_s = time.perf_counter() - started
    print(f"[{name}] {loaded} pages in {load_s:.1f} s = {loaded / load_s:.0f} pages/s", file=sys.stderr, flush=True)
    for _, query in mix:  # warm-up: caches, JIT, page cache
        backend.search(query)
    latencies: dict[str, list[float]] = {}
    per_query: dict[str, list[float]] = {}
    totals = {}
    for _ in range(rounds):
        for kind, query in mix:
            t0 = time.perf_counter()
            result = backend.search(query)
            ms = (time.perf_counter() - t0) * 1000
            latencies.setdefault(kind, []).append(ms)
            per_query.setdefault(f"{kind}: {query.text}", []).append(ms)
            totals[(kind, query.text)] = result.total
    every = [v for vs in latencies.values() for v in vs]
    report = {
        "pages": loaded,
        "load_seconds": round(load_s, 2),
        "pages_per_second": round(loaded / load_s),
        "p50_ms": round(percentile(every, 0.5), 1),
        "p95_ms": round(percentile(every, 0.95), 1),
        "max_ms": round(max(every), 1),
        "by_kind": {
            k: {"p50_ms": round(percentile(v, 0.5), 1), "p95_ms": round(percentile(v, 0.95), 1)}
            for k, v in latencies.items()
        },
        "totals": {f"{k}: {q}": t for (k, q), t in totals.items()},
        "per_query_p50_ms": {k: round(percentile(v, 0.5), 1) for k, v in per_query.items()},
        "info": backend.info(),
    }
    return report


STARTUP_PAGES = 200
STARTUP_TARGET_MS = 300


def startup(corpus: Corpus, runs: int) -> dict:
    """p50 start-to-exit of `hoso search`, `hoso status` and `python -c pass`, alternated."""
    from index.sqlite_fts import SqliteBackend
    from pipeline.store.catalog import Catalog

    script = Path(sys.executable).with_name("hoso")
    hoso = [str(script)] if script.exists() else [sys.executable, "-m", "cli"]
    # The embedded index and no config file; bytecode cached as in an installed hoso (a shell's
    # PYTHONDONTWRITEBYTECODE would compile hoso's own modules again at every start).
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_") and k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="hoso-bench-startup-") as home:
        catalog = Catalog(Path(home) / "catalog.sqlite")
        SqliteBackend(catalog.db).rebuild(corpus.pages(STARTUP_PAGES))
        catalog.set_meta("index_backend", "sqlite")
        catalog.close()
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "hoso search": [*hoso, "--home", home, "search", "khoi to vu an"],
            "hoso status": [*hoso, "--home", home, "status"],
        }
        seconds: dict[str, list[float]] = {name: [] for name in commands}
        for argv in commands.values():  # warm-up: bytecode written, files in the page cache
            subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(runs):
            for name, argv in commands.items():
                t0 = time.perf_counter()
                subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                seconds[name].append(time.perf_counter() - t0)
    p50 = {name: statistics.median(v) * 1000 for name, v in seconds.items()}
    return {
        "pages": STARTUP_PAGES,
        "runs": runs,
        "p50_ms": {name: round(ms) for name, ms in p50.items()},
        "ratio_to_python": {name: round(ms / p50["python -c pass"], 1) for name, ms in p50.items()},
    }


def opensearch_url(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    if os.environ.get("HOSO_TEST_OPENSEARCH_URL"):
        return os.environ["HOSO_TEST_OPENSEARCH_URL"]
    script = REPO / "scripts" / "opensearch.sh"
    if subprocess.run([str(script), "status"], capture_output=True).returncode == 0:
        return subprocess.run([str(script), "url"], capture_output=True, text=True).stdout.strip()
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="times the whole query mix is run (after a warm-up)")
    parser.add_argument("--url", help="OpenSearch URL (default: HOSO_TEST_OPENSEARCH_URL or scripts/opensearch.sh url)")
    parser.add_argument("--backends", default="sqlite,opensearch")
    parser.add_argument("--startup-runs", type=int, default=15, help="runs of each command for start-up (0: skip)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--verbose", action="store_true", help="also print each query's median latency and total")
    args = parser.parse_args()

    corpus = Corpus(json.loads(TRUTH.read_text(encoding="utf-8")))
    # The case ids the generator makes (their years are drawn at random): a prosecutor is assigned one in ten.
    cases = list(dict.fromkeys(p.case_id for p in corpus.pages(args.pages)))
    mix = query_mix(corpus, Scope(cases=tuple(cases[::10]), unassigned=False, clearance="thuong"))
    mix = [(k, q if q.case_id is None else SearchQuery(q.text, case_id=cases[0])) for k, q in mix]
    reports: dict[str, dict] = {"machine": {"cpus": os.cpu_count(), "loadavg_before": os.getloadavg()}}
    wanted = args.backends.split(",")

    if args.startup_runs > 0:
        print(f"[startup] {args.startup_runs} runs of each command ...", file=sys.stderr, flush=True)
        reports["startup"] = startup(corpus, args.startup_runs)

    if "sqlite" in wanted:
        from index.sqlite_fts import SqliteBackend
        from pipeline.store.catalog import Catalog

        with tempfile.TemporaryDirectory(prefix="hoso-bench-search-") as tmp:
            catalog = Catalog(Path(tmp) / "catalog.sqlite")
            backend = SqliteBackend(catalog.db)
            reports["sqlite"] = run_backend("sqlite", backend, corpus, args.pages, args.rounds, mix)
            reports["sqlite"]["db_bytes"] = (Path(tmp) / "catalog.sqlite").stat().st_size
            catalog.close()

    if "opensearch" in wanted:
        url = opensearch_url(args.url)
        if not url:
            print("[opensearch] skipped: no URL (start one with scripts/opensearch.sh start)", file=sys.stderr)
        else:
            from index.opensearch import OpenSearchBackend
            from pipeline.config import Settings

            prefix = f"hoso-bench-{uuid.uuid4().hex[:6]}"
            backend = OpenSearchBackend.from_settings(Settings(opensearch_url=url, opensearch_index_prefix=prefix))
            try:
                reports["opensearch"] = run_backend("opensearch", backend, corpus, args.pages, args.rounds, mix)
            finally:
                backend.drop()
                backend.close()
    reports["machine"]["loadavg_after"] = os.getloadavg()

    if args.json:
        print(json.dumps(reports, ensure_ascii=False, indent=1))
        return
    print(
        f"{args.pages} pages, {args.rounds} rounds of {len(mix)} queries; "
        f"{os.cpu_count()} CPUs, load average before {reports['machine']['loadavg_before'][0]:.2f}, "
        f"after {reports['machine']['loadavg_after'][0]:.2f}"
    )
    if "startup" in reports:
        r = reports["startup"]
        search_ms = r["p50_ms"]["hoso search"]
        verdict = "ok" if search_ms <= STARTUP_TARGET_MS else "MISSED"
        print(f"start-up on a small home ({r['pages']} pages), p50 of {r['runs']} runs, start to exit:")
        for name, ms in r["p50_ms"].items():
            print(f"    {name:<15} {ms:>6} ms  {r['ratio_to_python'][name]:>5}× python -c pass")
        print(f"    (target: hoso search p50 ≤ {STARTUP_TARGET_MS} ms: {verdict})")
    targets = {"sqlite": 150, "opensearch": 50}
    for name in ("sqlite", "opensearch"):
        r = reports.get(name)
        if not r:
            continue
        verdict = "ok" if r["p95_ms"] <= targets[name] else "MISSED"
        print(
            f"{name:<11} bulk {r['pages_per_second']:>6} pages/s   search p50 {r['p50_ms']:>6} ms  "
            f"p95 {r['p95_ms']:>6} ms  (target p95 ≤ {targets[name]} ms: {verdict})"
        )
        for kind, v in r["by_kind"].items():
            print(f"    {kind:<15} p50 {v['p50_ms']:>6} ms  p95 {v['p95_ms']:>6} ms")
        if args.verbose:
            for key, ms in r["per_query_p50_ms"].items():
                print(f"        {ms:>7} ms  {r['totals'][key]:>6} pages  {key}")
    if "sqlite" in reports and "opensearch" in reports:
        differ = {
            k: (reports["sqlite"]["totals"][k], t)
            for k, t in reports["opensearch"]["totals"].items()
            if reports["sqlite"]["totals"].get(k) != t
        }
        print("totals agree between backends" if not differ else f"totals differ: {differ}")


if __name__ == "__main__":
    main()
