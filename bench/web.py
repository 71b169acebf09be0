"""Web app benchmark: `hoso serve` at N pages, each figure beside a same-run baseline without the web layer.

    python bench/web.py [--pages 100000] [--backends sqlite,opensearch] [--url http://127.0.0.1:9200]
                        [--rounds 5] [--clients 20] [--seconds 60] [--think-ms 1000] [--json]

Builds its own home in a temporary folder: the web tests' small home (tests/web_kit.py: two cases
with real dossiers, so page images render from a real dossier PDF), plus N synthetic pages from
bench/search.py's generator put in the catalog as batches, documents and dossier places (bút lục),
then indexed the way `hoso reindex --recreate` does, in each backend in turn (OpenSearch under a
throw-away index prefix, dropped at the end). For each backend a real `hoso serve` child process
listens on a free loopback port, and this process is its client on 127.0.0.1 (one keep-alive
connection per client):

- search: `GET /api/v1/search?...` over a fixed mix (diacritic-free words, diacritics, phrases, a
  decision number, filters alone, facets, paging and date sort), beside the same queries run
  in-process on the same home through the raw backend (`backend.search`) and through
  `ingest.access.Access.search` (which also places hits by bút lục). The web answer's total and
  hits must be the in-process one's. The search page (`GET /?...`, HTML) is timed too.
- page image: `GET /api/v1/pages/{document_id}:{seq}/image?w=1000` (the viewer's) and `w=160` (the
  results' thumbnails), first render and cached, beside a raw pypdfium2 render + PNG encoding of
  the same dossier page (first) and `GET /static/app.css` from the same server (cached: the floor
  of any answer over HTTP). For each first render, the image files the server wrote under the home
  since the phase began are deleted.
- concurrency, on each backend: --clients clients for
  --seconds seconds, each running the search mix and waiting a random 0..2×--think-ms between
  requests (people reading results; --think-ms 0 saturates the server instead), bounded in
  requests too; no error allowed, p95 compared to the single-client p95 of the same run.

Each phase runs as two accounts: the leader (every case, cleared for Tối mật) and a prosecutor cleared
for thường and assigned one case in ten, with one document in twenty Mật, so the backends trim; the
search baselines run with the same rights, and `Access.search` is also timed without its audit row.
The concurrent clients alternate between the two accounts.

Targets at 100k pages (issue 12): search p95 ≤ 100 ms on OpenSearch, ≤ 200 ms embedded; page image
first render ≤ 300 ms, cached ≤ 20 ms (watermarked: issue 13); concurrent p95 ≤ 3× single-client p95 with no error.
`ingest.audit.append` (a search's audit row) is also timed alone. Progress goes to stderr; the
table (or --json) to stdout.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from bench.search import TRUTH, Corpus, opensearch_url, percentile  # noqa: E402
from index.base import IndexedPage, SearchQuery  # noqa: E402
from pipeline.models import PageText  # noqa: E402
from pipeline.store.catalog import Catalog, DocumentRow  # noqa: E402
from web_kit import CASE_A, LEADER  # noqa: E402

TARGETS_MS = {"sqlite": 200, "opensearch": 100}
IMAGE_FIRST_MS, IMAGE_CACHED_MS, CONCURRENT_RATIO = 300, 20, 3.0
FRONT_PAGES = 2  # cover and MỤC LỤC come first: a synthetic dossier page is its bút lục + 2
IMAGE_SUFFIXES = {".png", ".webp", ".jpg", ".jpeg"}
MAX_REQUESTS_PER_CLIENT = 20_000  # the soak stops at its deadline or here, whichever comes first
CASES_PER_ASSIGNED = 10  # the prosecutor is assigned one synthetic case in ten
DOCUMENTS_PER_SECRET = 20  # one synthetic document in twenty is Mật


@dataclass(frozen=True)
class Account:
    """An account the clients sign in as, and what it may see."""

    kind: str  # the report's name for its rows
    name: str
    password: str
    role: str
    clearance: str


# Every case, cleared for Tối mật: nothing to trim (web_kit makes it).
LEADER_ACCOUNT = Account("leader", *LEADER, "leader", "toi_mat")
# Cleared for thường, one case in ten (and the real dossier of CASE_A, so its pages render): the
# backends trim inside their queries (made by add_prosecutor).
PROSECUTOR_ACCOUNT = Account("prosecutor", "kiem.sat.vien", "mat-khau-kiem-sat-vien-1", "prosecutor", "thuong")
ACCOUNTS = (LEADER_ACCOUNT, PROSECUTOR_ACCOUNT)


def log(message: str) -> None:
    print(f"[web] {message}", file=sys.stderr, flush=True)


def ms_stats(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 0.5), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "max_ms": round(max(values), 1),
    }


def timed(fn, *args, **kwargs) -> tuple[object, float]:
    t0 = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, (time.perf_counter() - t0) * 1000


# ---- the home ----------------------------------------------------------------------------------


def add_synthetic_pages(catalog: Catalog, pages: Iterable[IndexedPage]) -> dict:
    """The generator's pages as the catalog holds ingested ones: one batch per case, its documents
    (one in DOCUMENTS_PER_SECRET Mật), and each page's place in the case's dossier (bút lục 1.. in
    generation order). No words are stored: only the real dossier's pages are ever rendered."""
    made = {"cases": 0, "documents": 0, "pages": 0}
    arrival = time.time()
    for case_id, case_pages in groupby(pages, key=lambda p: p.case_id):
        case_pages = list(case_pages)
        batch_id = f"bench-{case_id}"
        with catalog.transaction():
            catalog.ensure_case(case_id)
            catalog.add_batch(
                batch_id=batch_id,
                kind="pdf",
                originals=[{"name": f"{case_id}.pdf", "sha256": batch_id, "archive": ""}],
                ocr_pdf="",
                ocr_sha256=batch_id,
                pages=[PageText(n, p.text, words=[]) for n, p in enumerate(case_pages, 1)],
                signed=False,
            )
            catalog.db.execute(
                "INSERT INTO case_batches(case_id, batch_id, file_id, arrival) VALUES (?, ?, NULL, ?)",
                (case_id, batch_id, arrival),
            )
            number = 0
            places = []
            for document_id, doc_pages in groupby(case_pages, key=lambda p: p.document_id):
                doc_pages = list(doc_pages)
                first = doc_pages[0]
                arrival += 1
                catalog.put_document(
                    DocumentRow(
                        id=document_id,
                        case_id=case_id,
                        type=first.doc_type,
                        confidence=1.0,
                        arrival=arrival,
                        number=first.number,
                        date=first.date,
                        persons=[{"name": name, "role": "bi_can"} for name in first.persons],
                        article=first.article,
                        pages=[(batch_id, number + k, None, None) for k in range(1, len(doc_pages) + 1)],
                        classification="mat" if made["documents"] % DOCUMENTS_PER_SECRET == 1 else "thuong",
                    )
                )
                places += [
                    (document_id, p.seq, number + k + FRONT_PAGES, number + k) for k, p in enumerate(doc_pages, 1)
                ]
                number += len(doc_pages)
                made["documents"] += 1
            catalog.set_dossier_pages(places)
        made["cases"] += 1
        made["pages"] += number
        if made["cases"] % 100 == 0:
            log(f"catalog: {made['pages']} synthetic pages ...")
    return made


def build_home(root: Path, corpus: Corpus, pages: int) -> tuple[Path, dict]:
    from web_kit import build_web_home

    log("building the web tests' home (real dossiers) ...")
    home = build_web_home(root)
    log(f"adding {pages} synthetic pages to its catalog ...")
    catalog = Catalog(home / "catalog.sqlite")
    try:
        made, seconds = timed(add_synthetic_pages, catalog, corpus.pages(pages))
    finally:
        catalog.close()
    log(
        f"catalog: {made['pages']} pages, {made['documents']} documents, {made['cases']} cases in {seconds / 1000:.1f} s"
    )
    assigned = add_prosecutor(home)
    return home, {**made, "seconds": round(seconds / 1000, 1), "prosecutor_cases": assigned}


def add_prosecutor(home: Path) -> int:
    """PROSECUTOR_ACCOUNT, assigned CASE_A and one synthetic case in CASES_PER_ASSIGNED (through the
    catalog in one transaction: `hoso case assign` per case would take minutes); the cases assigned."""
    from web_kit import CASE_B, add_user

    account = PROSECUTOR_ACCOUNT
    add_user(home, account.name, account.role, account.clearance, account.password)
    catalog = Catalog(home / "catalog.sqlite")
    try:
        # In generation order, from the first: the query mix's case filters name the first case.
        synthetic = sorted(set(catalog.case_ids()) - {CASE_A, CASE_B}, key=lambda c: int(c.rsplit("-", 1)[1]))
        cases = [CASE_A, *synthetic[::CASES_PER_ASSIGNED]]
        user_id = catalog.user(account.name)["id"]
        with catalog.transaction():
            for case_id in cases:
                catalog.assign_case(case_id, user_id, "cli:bench")
        return len(cases)
    finally:
        catalog.close()


def configure(home: Path, url: str | None, prefix: str | None) -> None:
    """Point the home at OpenSearch (url) or back at the embedded index (None), as a clerk would."""
    config = home / "hoso.toml"
    if url:
        config.write_text(f'opensearch_url = "{url}"\nopensearch_index_prefix = "{prefix}"\n', encoding="utf-8")
    else:
        config.unlink(missing_ok=True)


def reindex(home: Path) -> dict:
    """`hoso reindex --recreate`'s path: every document of the catalog into a fresh index of the
    configured backend."""
    from index import open_backend
    from index.feed import rebuild_index
    from pipeline.config import load_settings

    settings = load_settings(home=home)
    catalog = Catalog(settings.catalog_path)
    backend = open_backend(settings, catalog, switch=True)
    try:
        (documents, pages), ms = timed(rebuild_index, catalog, backend, catalog.documents(all_cases=True))
    finally:
        backend.close()
        catalog.close()
    return {"documents": documents, "pages": pages, "seconds": round(ms / 1000, 1)}


# ---- the query mix -----------------------------------------------------------------------------


def query_mix(corpus: Corpus, pages: int) -> list[tuple[str, SearchQuery]]:
    """What prosecutors ask, drawn from the synthetic data so that every filter matches something."""
    sample = list(corpus.pages(min(pages, 400)))
    first = sample[0]
    numbered = next(p for p in sample if p.number)
    cao_trang = next((p.doc_type for p in sample if p.doc_type == "cao_trang"), first.doc_type)
    return [
        ("diacritic-free", SearchQuery("khoi to vu an")),
        ("diacritic-free", SearchQuery("cuop giat tai san")),
        ("diacritic-free", SearchQuery("dieu tra")),
        ("diacritic-free", SearchQuery("tran van duc")),
        ("diacritic", SearchQuery("giám định")),
        ("diacritic", SearchQuery("bị can")),
        ("phrase", SearchQuery('"co quan canh sat dieu tra"')),
        ("phrase", SearchQuery('"tham gia giao thông"')),
        ("number", SearchQuery("47/QĐ-VKS-P2")),
        ("number", SearchQuery(numbered.number)),
        ("filters only", SearchQuery(doc_type=cao_trang, date_from="2023", date_to="2024")),
        ("filters only", SearchQuery(case_id=first.case_id)),
        ("filters only", SearchQuery(person=first.persons[0], sort="-date")),
        ("filtered", SearchQuery("quyết định", case_id=first.case_id)),
        ("filtered", SearchQuery("bi can", article=first.article, date_from="2020")),
        ("facets", SearchQuery("dieu tra", facets=("type", "case", "year", "person", "number", "article"))),
        ("facets", SearchQuery(doc_type=cao_trang, facets=("type", "case", "year"))),
        ("paging", SearchQuery("bi can", offset=20, sort="-date")),
    ]


def search_params(query: SearchQuery) -> dict[str, str]:
    """The query as the API's (and the search page's) URL parameters."""
    values = {
        "q": query.text,
        "case": query.case_id,
        "type": query.doc_type,
        "number": query.number,
        "person": query.person,
        "article": query.article,
        "from": query.date_from,
        "to": query.date_to,
        "sort": None if query.sort == "relevance" else query.sort,
        "offset": query.offset or None,
        "facets": ",".join(query.facets) or None,
    }
    return {k: str(v) for k, v in values.items() if v not in (None, "")}


def answer_key(data: dict) -> tuple:
    """What the web answer must share with the in-process one: total and the hits' places."""
    return data["total"], [(h["document_id"], h["page"], h["but_luc"]) for h in data["hits"]]


# ---- the server and its clients -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(home: Path, logs: Path):
    """A real `hoso serve` child process on a free loopback port; yields its port."""
    script = Path(sys.executable).with_name("hoso")
    hoso = [str(script)] if script.exists() else [sys.executable, "-m", "cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}  # the home's hoso.toml decides
    port = free_port()
    with open(logs, "ab") as err:
        child = subprocess.Popen(
            [*hoso, "--home", str(home), "serve", "--port", str(port)], env=env, stdout=err, stderr=err, cwd=REPO
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if child.poll() is not None:
                raise RuntimeError(f"hoso serve exited {child.returncode}: {logs.read_text(errors='replace')[-2000:]}")
            probe = Client(port, account=None)
            try:
                if probe.get("/dang-nhap")[0] == 200:
                    break
            except OSError:
                pass
            finally:
                probe.close()
            if time.monotonic() > deadline:
                raise RuntimeError("hoso serve did not answer within 60 s")
            time.sleep(0.1)
        yield port
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


class Client:
    """One browser-like client: a keep-alive connection to the server on 127.0.0.1, signed in as
    `account` through the sign-in page, as a prosecutor's browser is."""

    def __init__(self, port: int, account: Account | None = LEADER_ACCOUNT):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        if account:
            self.sign_in(account)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[http.client.HTTPResponse, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # reconnects on the next request
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return response, data

    def sign_in(self, account: Account) -> None:
        _, page = self.request("GET", "/dang-nhap")
        csrf = re.search(rb'name="csrf" value="([^"]+)"', page)[1].decode()
        form = urlencode({"name": account.name, "password": account.password, "csrf": csrf, "next": "/"})
        response, _ = self.request("POST", "/dang-nhap", form)
        if response.status != 303 or "hoso_session" not in self.cookies:
            raise RuntimeError(f"cannot sign in as {account.name}: HTTP {response.status}")

    def get(self, path: str) -> tuple[int, bytes, float]:
        """(status, body, milliseconds from sending the request to the last byte of the answer)."""
        t0 = time.perf_counter()
        response, body = self.request("GET", path)
        return response.status, body, (time.perf_counter() - t0) * 1000

    def close(self) -> None:
        self.conn.close()


# ---- search --------------------------------------------------------------------------------------


def in_process(home: Path, account: Account):
    """(settings, catalog, backend, user) as the server builds them for `account`'s requests."""
    from index import open_backend
    from ingest.access import User
    from pipeline.config import load_settings

    settings = load_settings(home=home)
    catalog = Catalog(settings.catalog_path)
    backend = open_backend(settings, catalog)
    user = User(account.name, account.role, account.clearance, "127.0.0.1", catalog.user(account.name)["id"])
    return settings, catalog, backend, user


def search(home: Path, port: int, mix, rounds: int, account: Account) -> dict:
    """Each query in turn in this process on the same home, as `account` (the baselines): through the
    raw backend with the account's Scope, through `Access.search` and through `Access.search` without
    its audit row; then `GET /api/v1/search` and the search page. Interleaved, so that a change in the
    machine's load touches the web figure and its baselines alike."""
    from ingest.access import Access

    class Unrecorded(Access):
        def record(self, action: str, **detail) -> None:
            pass  # what Access.search costs without its audit row (ingest.audit.append)

    settings, catalog, backend, user = in_process(home, account)
    access = Access(settings, catalog, backend, user)
    unrecorded = Unrecorded(settings, catalog, backend, user)
    client = Client(port, account)
    times: dict[str, dict[str, list[float]]] = {"raw": {}, "access": {}, "unrecorded": {}, "api": {}, "page": {}}
    errors: list[str] = []
    differ: dict[str, dict] = {}
    totals: dict[str, int] = {}

    def get(what: str, kind: str, path: str) -> bytes | None:
        status, body, ms = client.get(path)
        if status != 200:
            errors.append(f"{status} {path}: {body[:200].decode(errors='replace')}")
            return None
        times[what].setdefault(kind, []).append(ms)
        return body

    try:
        for _, query in mix:  # warm-up: page cache, connections, the server's thread for this client
            access.search(query)
            client.get("/api/v1/search?" + urlencode(search_params(query)))
        for _ in range(rounds):
            for kind, query in mix:
                params = urlencode(search_params(query))
                times["raw"].setdefault(kind, []).append(timed(backend.search, replace(query, scope=access.scope))[1])
                times["unrecorded"].setdefault(kind, []).append(timed(unrecorded.search, query)[1])
                expected, ms = timed(access.search, query)
                times["access"].setdefault(kind, []).append(ms)
                totals[params] = expected["total"]
                body = get("api", kind, "/api/v1/search?" + params)
                if body is not None and answer_key(json.loads(body)) != answer_key(expected):
                    differ[params] = {"web_total": json.loads(body)["total"], "in_process_total": expected["total"]}
                get("page", kind, "/?" + params)
    finally:
        client.close()
        backend.close()
        catalog.close()
    every = lambda what: [v for vs in times[what].values() for v in vs]  # noqa: E731
    report = {
        "account": account.name,
        "scope": {
            "cases": None if access.scope.cases is None else len(access.scope.cases),
            "clearance": user.clearance,
        },
        "web": ms_stats(every("api")),
        "access": ms_stats(every("access")),
        "unrecorded": ms_stats(every("unrecorded")),
        "raw": ms_stats(every("raw")),
        "page_html": ms_stats(every("page")),
        "by_kind": {
            kind: {"web": ms_stats(times["api"].get(kind, [])), "raw": ms_stats(raw)}
            for kind, raw in times["raw"].items()
        },
        "errors": errors[:10],
        "error_count": len(errors),
        "answers_differ": differ,
        "totals": totals,
    }
    if report["web"]["n"]:
        report["ratio_p95_web_to_raw"] = round(report["web"]["p95_ms"] / report["raw"]["p95_ms"], 1)
    return report


def audit_append(home: Path, count: int = 200) -> dict:
    """`ingest.audit.append` alone, `count` times: a search's row, as Access.record writes it."""
    from ingest import audit

    settings, catalog, backend, user = in_process(home, PROSECUTOR_ACCOUNT)
    detail = {"q": "dieu tra", "filters": {"case_id": CASE_A}, "hits": 12}
    try:
        times = [
            timed(
                audit.append,
                settings,
                catalog,
                who=user.audit_name,
                address=user.address,
                action="search",
                detail=detail,
            )[1]
            for _ in range(count)
        ]
    finally:
        backend.close()
        catalog.close()
    return ms_stats(times)


# ---- page images ---------------------------------------------------------------------------------


@dataclass
class RealPage:
    """A page of the real dossiers: its API id and its place in the dossier PDF."""

    document_id: str
    seq: int
    pdf: Path
    index: int  # 0-based page of the dossier PDF


def real_pages(home: Path, account: Account = LEADER_ACCOUNT) -> list[RealPage]:
    """The real dossiers' pages `account` may see (the prosecutor: CASE_A's)."""
    from pipeline.config import load_settings
    from web_kit import SCANS

    settings = load_settings(home=home)
    catalog = Catalog(settings.catalog_path, read_only=True)
    try:
        found = []
        for _, case_id, _, documents in SCANS:
            if account.role == "prosecutor" and case_id != CASE_A:
                continue
            pdf = settings.dossiers_dir / case_id / f"{case_id}.pdf"
            for doc_id, _, pages, *_ in documents:
                for seq in range(1, len(pages) + 1):
                    dossier_page, _ = catalog.dossier_page(doc_id, seq)
                    found.append(RealPage(doc_id, seq, pdf, dossier_page - 1))
        return found
    finally:
        catalog.close()


def render_png(page: RealPage, width: int) -> bytes:
    """The baseline: what rendering the page costs without the web layer (pypdfium2 + PNG)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(page.pdf)
    try:
        pdf_page = pdf[page.index]
        image = pdf_page.render(scale=width / pdf_page.get_width()).to_pil()
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()
    finally:
        pdf.close()


@dataclass
class ImageTimes:
    first: list[float] = field(default_factory=list)
    cached: list[float] = field(default_factory=list)
    render: list[float] = field(default_factory=list)  # baseline of first
    static: list[float] = field(default_factory=list)  # baseline of cached: a static file, same server
    errors: list[str] = field(default_factory=list)
    cache_files: set[str] = field(default_factory=set)


def images(home: Path, port: int, width: int, rounds: int, account: Account, repeats: int = 10) -> dict:
    """First render (the server's cache files of the phase deleted before each) and cached, per page,
    each with `account`'s watermark."""
    pages = real_pages(home, account)
    before = {p for p in home.rglob("*") if p.is_file()}

    def written() -> list[Path]:
        return [p for p in home.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p not in before and p.is_file()]

    times = ImageTimes()
    client = Client(port, account)
    try:
        for _ in range(rounds):
            for page in pages:
                for path in written():
                    path.unlink(missing_ok=True)
                url = f"/api/v1/pages/{page.document_id}:{page.seq}/image?w={width}"
                status, body, ms = client.get(url)
                if status != 200:
                    times.errors.append(f"{status} {url}: {body[:200].decode(errors='replace')}")
                    continue
                times.first.append(ms)
                for _ in range(repeats):
                    times.cached.append(client.get(url)[2])
                times.render.append(timed(render_png, page, width)[1])
                times.static += [client.get("/static/app.css")[2] for _ in range(repeats)]
                times.cache_files.update(str(path.relative_to(home).parent) for path in written())
    finally:
        client.close()
    report = {
        "width": width,
        "pages": len(pages),
        "first": ms_stats(times.first),
        "cached": ms_stats(times.cached),
        "raw_render": ms_stats(times.render),
        "static_file": ms_stats(times.static),
        "cache_dirs": sorted(times.cache_files),
        "errors": times.errors[:10],
        "error_count": len(times.errors),
    }
    if times.first:
        report["ratio_p95_first_to_render"] = round(report["first"]["p95_ms"] / report["raw_render"]["p95_ms"], 1)
        report["ratio_p95_cached_to_static"] = round(report["cached"]["p95_ms"] / report["static_file"]["p95_ms"], 1)
    return report


# ---- concurrency -----------------------------------------------------------------------------------


def concurrency(
    port: int,
    urls: list[str],
    clients: int,
    seconds: float,
    think_ms: float,
    single_p95: dict[str, float | None],
    accounts: tuple[Account, ...] = ACCOUNTS,
) -> dict:
    """`clients` clients at once for `seconds`, signed in as `accounts` in turn, each going through
    `urls` with a random pause between requests; any answer but 200 is an error. Latencies overall
    and per account, each compared to that account's single-client p95 (`single_p95`)."""
    latencies: dict[str, list[float]] = {a.kind: [] for a in accounts}
    errors: list[str] = []
    lock = threading.Lock()
    deadline: list[float] = []
    # Every client's first request, all at once and untimed, makes the server start its threads (each
    # opens its catalog and backend on first use); the clock starts when all have their answer.
    start = threading.Barrier(clients + 1, action=lambda: deadline.append(time.monotonic() + seconds))

    def pause(rng: random.Random) -> None:
        if think_ms:
            time.sleep(min(rng.uniform(0, 2 * think_ms) / 1000, max(deadline[0] - time.monotonic(), 0)))

    def run(n: int) -> None:
        rng = random.Random(n)
        account = accounts[n % len(accounts)]
        client = Client(port, account=None)
        mine, failed = [], []
        try:
            try:
                client.sign_in(account)
                client.get(urls[n % len(urls)])
            except (OSError, http.client.HTTPException, RuntimeError):
                pass  # counted when it happens again in the timed run (a client not signed in gets 303s)
            start.wait()
            # Idle at the barrier for longer than the server's keep-alive (uvicorn: 5 s) while the
            # others signed in, the connection may be closed under it: the timed run starts on a new one.
            client.conn.close()
            pause(rng)  # people do not all click at the same moment
            for i in range(MAX_REQUESTS_PER_CLIENT):
                if time.monotonic() >= deadline[0]:
                    break
                url = urls[(n + i) % len(urls)]
                try:
                    status, _, ms = client.get(url)
                    if status == 200:
                        mine.append(ms)
                    else:
                        failed.append(f"{status} {url}")
                except (OSError, http.client.HTTPException) as exc:
                    failed.append(f"{type(exc).__name__} {url}")
                pause(rng)
        finally:
            client.close()
            with lock:
                latencies[account.kind].extend(mine)
                errors.extend(failed)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    started = time.monotonic()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    answered = sum(len(v) for v in latencies.values())
    report = {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "think_ms": think_ms,
        "requests": answered + len(errors),
        "per_second": round((answered + len(errors)) / elapsed, 1),
        **ms_stats([v for vs in latencies.values() for v in vs]),
        "by_account": {},
        "errors": errors[:10],
        "error_count": len(errors),
    }
    for i, account in enumerate(accounts):
        values = latencies[account.kind]
        row = {"clients": len(range(i, clients, len(accounts))), **ms_stats(values)}
        if values and single_p95.get(account.kind):
            row["ratio_p95_to_single"] = round(row["p95_ms"] / single_p95[account.kind], 2)
        report["by_account"][account.kind] = row
    return report


# ---- a run ---------------------------------------------------------------------------------------------


def run_backend(name: str, home: Path, mix, args, logs: Path, *, image_phase: bool) -> dict:
    """Search as each account, then (on the first backend: images do not depend on it) page images and
    the audit append alone, then concurrency with both accounts' clients."""
    report: dict = {"search": {}, "images": {}}
    log(f"[{name}] starting hoso serve ...")
    with serving(home, logs) as port:
        for account in ACCOUNTS:
            log(f"[{name}] search as the {account.kind}: {args.rounds} rounds of {len(mix)} queries ...")
            report["search"][account.kind] = s = search(home, port, mix, args.rounds, account)
            log(f"[{name}] {account.kind}: search p95 {s['web'].get('p95_ms')} ms, raw backend {s['raw']['p95_ms']} ms")
        if image_phase:
            for account in ACCOUNTS:
                for width in (1000, 160):
                    log(f"[{name}] page images as the {account.kind}, w={width} ...")
                    im = images(home, port, width, args.image_rounds, account)
                    report["images"].setdefault(account.kind, {})[width] = im
                    log(
                        f"[{name}] image first p95 {im['first'].get('p95_ms')} ms, cached {im['cached'].get('p95_ms')} ms"
                    )
            report["audit_append"] = audit_append(home)
        if args.seconds > 0:
            log(f"[{name}] {args.clients} clients for {args.seconds:.0f} s (think {args.think_ms:.0f} ms) ...")
            single = {kind: s["web"].get("p95_ms") for kind, s in report["search"].items()}
            urls = ["/api/v1/search?" + urlencode(search_params(q)) for _, q in mix]
            report["concurrency"] = c = concurrency(port, urls, args.clients, args.seconds, args.think_ms, single)
            log(f"[{name}] concurrent p95 {c.get('p95_ms')} ms, {c['error_count']} errors")
    return report


def verdict(value: float | None, target: float) -> str:
    return "n/a" if value is None else ("ok" if value <= target else "MISSED")


ROW = "{:<38} {:>9} {:>9}   {:<30} {:>9} {:>9}  {:>6}   {}"


def print_row(label, stats: dict, baseline: str = "", base: dict | None = None, ratio="", target="") -> None:
    base = base or {}
    print(
        ROW.format(
            label,
            stats.get("p50_ms", "-"),
            stats.get("p95_ms", "-"),
            baseline,
            base.get("p50_ms", ""),
            base.get("p95_ms", ""),
            ratio,
            target,
        )
    )


def print_search(name: str, kind: str, s: dict) -> None:
    web, target = s["web"], TARGETS_MS[name]
    scope = s["scope"]
    cases = "every case" if scope["cases"] is None else f"{scope['cases']} cases"
    print(f"  as the {kind} ({s['account']}: {cases}, clearance {scope['clearance']})")
    print_row(
        f"{name}: GET /api/v1/search",
        web,
        "backend.search in-process",
        s["raw"],
        s.get("ratio_p95_web_to_raw", "-"),
        f"p95 ≤ {target} ms: {verdict(web.get('p95_ms'), target)}",
    )
    print_row("", {}, "Access.search in-process", s["access"])
    print_row("", {}, "… without its audit row", s["unrecorded"])
    for kind_of_query, v in s["by_kind"].items():
        print_row(f"    {kind_of_query}", v["web"], "", v["raw"])
    print_row(f"{name}: GET /?… (search page)", s["page_html"], target="(no target)")
    if s["error_count"]:
        print(f"    {s['error_count']} errors, e.g. {s['errors'][0]}")
    if s["answers_differ"]:
        print(f"    answers differ from in-process: {s['answers_differ']}")


def print_images(kind: str, by_width: dict) -> None:
    for width, im in by_width.items():
        first, cached = im["first"], im["cached"]
        print_row(
            f"{kind}: image w={width} first",
            first,
            "pypdfium2 render + PNG",
            im["raw_render"],
            im.get("ratio_p95_first_to_render", "-"),
            f"p95 ≤ {IMAGE_FIRST_MS} ms: {verdict(first.get('p95_ms'), IMAGE_FIRST_MS)}",
        )
        print_row(
            f"{kind}: image w={width} cached",
            cached,
            "GET /static/app.css",
            im["static_file"],
            im.get("ratio_p95_cached_to_static", "-"),
            f"p95 ≤ {IMAGE_CACHED_MS} ms: {verdict(cached.get('p95_ms'), IMAGE_CACHED_MS)}",
        )
        if im["error_count"]:
            print(f"    {im['error_count']} errors, e.g. {im['errors'][0]}")
        elif not im["cache_dirs"]:
            print("    no image file was written under the home: no disk cache seen")


def print_concurrency(c: dict, searches: dict) -> None:
    for kind, row in c["by_account"].items():
        ratio = row.get("ratio_p95_to_single")
        ok = ratio is not None and ratio <= CONCURRENT_RATIO and not c["error_count"]
        print_row(
            f"{row['clients']} {kind} clients of {c['clients']} × {c['seconds']:.0f} s",
            row,
            "one client (above)",
            searches[kind]["web"],
            ratio if ratio is not None else "-",
            f"≤ {CONCURRENT_RATIO:g}×, no error: {'ok' if ok else 'MISSED'}",
        )
    print(
        f"    {c['requests']} requests ({c['per_second']}/s), p95 {c.get('p95_ms', '-')} ms, {c['error_count']} errors,"
        f" pause between a client's requests 0..{2 * c['think_ms']:.0f} ms"
        + (f"; e.g. {c['errors'][0]}" if c["error_count"] else "")
    )


def print_table(reports: dict) -> None:
    m = reports["machine"]
    home = reports["home"]
    print(
        f"{home['pages']} synthetic pages + the web tests' home; {m['cpus']} CPUs, "
        f"load average before {m['loadavg_before'][0]:.2f}, after {m['loadavg_after'][0]:.2f}"
    )
    print(
        f"catalog built in {home['seconds']} s; "
        + ", ".join(f"{b} indexed in {s} s" for b, s in reports["reindex"].items())
        + f"; the prosecutor is assigned {home['prosecutor_cases']} cases, 1 document in {DOCUMENTS_PER_SECRET} is Mật"
    )
    print(ROW.format("", "p50 ms", "p95 ms", "baseline (same run)", "p50 ms", "p95 ms", "×p95", "target"))
    for name in ("sqlite", "opensearch"):
        r = reports.get(name)
        if not r:
            continue
        for kind, s in r["search"].items():
            print_search(name, kind, s)
        for kind, by_width in r["images"].items():
            print_images(kind, by_width)
        if r.get("audit_append"):
            print_row("ingest.audit.append (a search's row)", r["audit_append"], target="(its cost per request)")
        if r.get("concurrency"):
            print_concurrency(r["concurrency"], r["search"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=100_000, help="synthetic pages (5000 for a smoke run)")
    parser.add_argument("--backends", default="sqlite,opensearch")
    parser.add_argument("--url", help="OpenSearch URL (default: HOSO_TEST_OPENSEARCH_URL or scripts/opensearch.sh url)")
    parser.add_argument("--rounds", type=int, default=5, help="times the search mix is run (after a warm-up)")
    parser.add_argument("--image-rounds", type=int, default=3, help="first renders of each real page")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60, help="length of the concurrent run (0: skip)")
    parser.add_argument("--think-ms", type=float, default=1000, help="mean pause between a client's requests")
    parser.add_argument("--keep", type=Path, help="build the home here and keep it (default: a temporary folder)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    args = parser.parse_args()
    if args.clients > 200 or args.seconds > 600:
        parser.error("bounded: at most 200 clients and 600 seconds")

    corpus = Corpus(json.loads(TRUTH.read_text(encoding="utf-8")))
    mix = query_mix(corpus, args.pages)
    wanted = [b for b in args.backends.split(",") if b]
    url = opensearch_url(args.url) if "opensearch" in wanted else None
    if "opensearch" in wanted and not url:
        log("opensearch skipped: no URL (start one with scripts/opensearch.sh start)")
        wanted.remove("opensearch")
    reports: dict = {"machine": {"cpus": os.cpu_count(), "loadavg_before": os.getloadavg()}, "reindex": {}}
    prefix = f"hoso-bench-web-{uuid.uuid4().hex[:6]}"

    root = args.keep or Path(tempfile.mkdtemp(prefix="hoso-bench-web-"))
    root.mkdir(parents=True, exist_ok=True)
    logs = root / "serve.log"
    try:
        home, reports["home"] = build_home(root, corpus, args.pages)
        for n, name in enumerate(wanted):
            configure(home, url if name == "opensearch" else None, prefix)
            log(f"[{name}] indexing the whole home ...")
            indexed = reindex(home)
            reports["reindex"][name] = indexed["seconds"]
            log(f"[{name}] {indexed['pages']} pages indexed in {indexed['seconds']} s")
            reports[name] = run_backend(name, home, mix, args, logs, image_phase=n == 0)
    finally:
        if url:
            from index.opensearch import OpenSearchBackend
            from pipeline.config import Settings

            backend = OpenSearchBackend.from_settings(Settings(opensearch_url=url, opensearch_index_prefix=prefix))
            backend.drop()
            backend.close()
        if not args.keep:
            import shutil

            shutil.rmtree(root, ignore_errors=True)
    reports["machine"]["loadavg_after"] = os.getloadavg()
    if args.json:
        print(json.dumps(reports, ensure_ascii=False, indent=1))
    else:
        print_table(reports)


if __name__ == "__main__":
    main()
