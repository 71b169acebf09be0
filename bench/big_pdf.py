"""One big scanned PDF: `hoso ingest` on every core vs `ocrmypdf --jobs N`, and memory by page count.

A whole case file scanned as one PDF is made by repeating the pages of ../shared/corpus (dev-real
colour and grey scans, dev grey scans, bilevel G4 TIFF pages of both joined with img2pdf), mixed.

    python bench/big_pdf.py                  # 68 pages: hoso vs ocrmypdf, then hoso's RSS at 60 and 300 pages
    python bench/big_pdf.py --no-rss         # the throughput ratio only
    python bench/big_pdf.py --pages 68 --rss-pages 60 300 --jobs 2

Throughput: hoso ingest (fresh home, `ocr_jobs` = N) vs `ocrmypdf -l vie --skip-text
--rotate-pages --deskew --jobs N` on the same file in the same run; N = the cores. Target: ratio
(hoso pages/min ÷ ocrmypdf pages/min) ≥ 0.9.
Memory: peak RSS of the `hoso ingest` process and of its whole process tree (sampled with psutil
every 0.1 s), at each page count. Target: at 300 pages ≤ 1.2 × at 60.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

import pikepdf
import psutil

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("HOSO_SHARED", REPO.parent / "shared")) / "corpus"
BIN = Path(sys.executable).parent  # img2pdf and ocrmypdf of the same environment, on PATH or not
CASE = "2099-HS-0001"


def corpus_pages(work: Path) -> list[tuple[Path, int]]:
    """(PDF, page index) of every corpus scan page, the TIFFs joined into PDFs first."""
    sources = sorted((CORPUS / "dev-real" / "inbox").glob("*/*.pdf")) + sorted(
        (CORPUS / "dev" / "inbox").glob("*/*.pdf")
    )
    tiffs = sorted((CORPUS / "dev-real" / "inbox").glob("*/*.tif")) + sorted((CORPUS / "dev" / "inbox").glob("*/*.tif"))
    for n, tiff in enumerate(tiffs):
        joined = work / f"tiff-{n}.pdf"
        subprocess.run([str(BIN / "img2pdf"), str(tiff), "-o", str(joined)], check=True)
        sources.append(joined)
    pages = []
    for source in sources:
        with pikepdf.open(source) as pdf:
            pages.extend((source, i) for i in range(len(pdf.pages)))
    return pages


def big_pdf(pages: list[tuple[Path, int]], count: int, output: Path) -> Path:
    """`count` pages, taking the corpus pages in turn from file to file (colour, grey, bilevel mixed)."""
    by_file: dict[Path, list[int]] = {}
    for source, index in pages:
        by_file.setdefault(source, []).append(index)
    order = [
        (source, index)
        for round_ in range(max(map(len, by_file.values())))
        for source, indexes in by_file.items()
        if round_ < len(indexes)
        for index in [indexes[round_]]
    ]
    opened: dict[Path, pikepdf.Pdf] = {}
    with pikepdf.new() as pdf:
        for source, index in islice(cycle(order), count):
            if source not in opened:
                opened[source] = pikepdf.open(source)
            pdf.pages.append(opened[source].pages[index])
        pdf.save(output)
    for source in opened.values():
        source.close()
    return output


def hoso(scan: Path, home: Path, jobs: int) -> tuple[float, int, int, int]:
    """(seconds, pages, peak RSS of the hoso process, peak RSS of its process tree) of one ingest."""
    env = {**os.environ, "HOSO_HOME": str(home), "HOSO_OCR_JOBS": str(jobs)}
    for key in ("HOSO_CONFIG", "HOSO_OPENSEARCH_URL"):
        env.pop(key, None)
    started = time.perf_counter()
    run = subprocess.Popen(
        [sys.executable, "-m", "cli", "ingest", str(scan), "--case", CASE, "--json"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    top, tree = psutil.Process(run.pid), 0
    own = 0
    while run.poll() is None:
        try:
            sizes = [top.memory_info().rss] + [p.memory_info().rss for p in top.children(recursive=True)]
        except psutil.Error:  # a child ended while it was read
            continue
        own, tree = max(own, sizes[0]), max(tree, sum(sizes))
        time.sleep(0.1)
    stdout, stderr = run.communicate()
    seconds = time.perf_counter() - started
    if run.returncode not in (0, 3):
        raise SystemExit(f"hoso ingest failed ({run.returncode}):\n{stderr}")
    [outcome] = json.loads(stdout)["files"]
    if outcome["status"] != "done":
        raise SystemExit(f"hoso ingest did not file the scan: {outcome}")
    return seconds, outcome["pages"], own, tree


def ocrmypdf(scan: Path, output: Path, jobs: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "ocrmypdf"), "-q", "-l", "vie", "--skip-text", "--rotate-pages", "--deskew"]
        + ["--jobs", str(jobs), str(scan), str(output)],
        check=True,
    )
    return time.perf_counter() - started


def mib(size: int) -> str:
    return f"{size / 2**20:6.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=68, help="pages of the PDF both read (default 68)")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="OCR processes of each (default: the cores)"
    )
    parser.add_argument("--rss-pages", type=int, nargs=2, default=[60, 300], metavar=("SMALL", "LARGE"))
    parser.add_argument("--no-rss", action="store_true", help="skip the memory runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hoso-big-") as tmp:
        work = Path(tmp)
        pages = corpus_pages(work)
        scan = big_pdf(pages, args.pages, work / f"big-{args.pages}.pdf")
        load = os.getloadavg()[0]
        hoso_seconds, read, _, _ = hoso(scan, work / "home", args.jobs)
        anchor_seconds = ocrmypdf(scan, work / "anchor.pdf", args.jobs)
        hoso_rate, anchor_rate = read / hoso_seconds * 60, args.pages / anchor_seconds * 60
        print(f"one scanned PDF of {args.pages} pages ({len(pages)} corpus pages repeated), jobs: {args.jobs}")
        print(f"ocrmypdf --jobs {args.jobs}: {anchor_seconds:7.1f} s  {anchor_rate:6.1f} pages/min")
        print(
            f"hoso ingest     : {hoso_seconds:7.1f} s  {hoso_rate:6.1f} pages/min  (archive, OCR, split, classify, dossier, index)"
        )
        print(
            f"ratio hoso/ocrmypdf: {hoso_rate / anchor_rate:.2f}  (target ≥ 0.9)  load before: {load:.1f}, after: {os.getloadavg()[0]:.1f}"
        )
        if args.no_rss:
            return
        peaks = []
        for count in args.rss_pages:
            sized = big_pdf(pages, count, work / f"big-{count}.pdf")
            seconds, _, own, tree = hoso(sized, work / f"home-{count}", args.jobs)
            peaks.append((own, tree))
            print(
                f"hoso ingest of {count:4d} pages: {seconds:7.1f} s  peak RSS: hoso {mib(own)}, with its workers {mib(tree)}"
            )
        (own_small, tree_small), (own_large, tree_large) = peaks
        small, large = args.rss_pages
        print(
            f"peak RSS at {large} ÷ at {small} pages: hoso {own_large / own_small:.2f}, with its workers "
            f"{tree_large / tree_small:.2f}  (target ≤ 1.2)"
        )


if __name__ == "__main__":
    main()
