"""OCR throughput: `hoso ingest` end to end vs a clerk running OCRmyPDF by hand.

Both run on the same files in this one run, so the ratio holds on any machine:

    python bench/ocr_throughput.py                 # three cases of ../shared/corpus/dev
    python bench/ocr_throughput.py --all           # the whole dev corpus
    python bench/ocr_throughput.py --cases 2024-HS-7001 2024-HS-7003

The anchor is `ocrmypdf -l vie --skip-text --rotate-pages --deskew` (PDF/A output, its default,
all cores) on each scan in turn; loose JPEG pages are first joined with img2pdf, as a clerk would.
Target: ratio (hoso pages/min ÷ ocrmypdf pages/min) ≥ 1.0.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.sources import discover  # noqa: E402
from pipeline.config import Settings  # noqa: E402

CORPUS = Path(os.environ.get("HOSO_SHARED", REPO.parent / "shared")) / "corpus" / "dev"
DEFAULT_CASES = ["2024-HS-7001", "2024-HS-7003", "2024-HS-7008"]
BIN = Path(sys.executable).parent  # img2pdf and ocrmypdf of the same environment, on PATH or not


def anchor(batches, work: Path) -> float:
    started = time.perf_counter()
    for n, batch in enumerate(batches):
        source = batch.paths[0]
        if batch.kind == "images":
            source = work / f"joined-{n}.pdf"
            subprocess.run([str(BIN / "img2pdf"), *map(str, batch.paths), "-o", str(source)], check=True)
        subprocess.run(
            [
                str(BIN / "ocrmypdf"),
                "-q",
                "-l",
                "vie",
                "--skip-text",
                "--rotate-pages",
                "--deskew",
                str(source),
                str(work / f"anchor-{n}.pdf"),
            ],
            check=True,
        )
    return time.perf_counter() - started


def hoso(paths: list[Path], home: Path) -> tuple[float, int]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "cli", "--home", str(home), "ingest", *map(str, paths), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 3):
        raise SystemExit(f"hoso ingest failed ({result.returncode}):\n{result.stderr}")
    files = json.loads(result.stdout)["files"]
    return seconds, sum(f["pages"] for f in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="*", default=DEFAULT_CASES)
    parser.add_argument("--all", action="store_true", help="every case of the dev corpus")
    args = parser.parse_args()
    inbox = CORPUS / "inbox"
    cases = sorted(p.name for p in inbox.iterdir()) if args.all else args.cases
    paths = [inbox / case for case in cases]
    batches = discover(paths, None, Settings().case_id_pattern)
    with tempfile.TemporaryDirectory(prefix="hoso-bench-") as tmp:
        work = Path(tmp)
        hoso_seconds, pages = hoso(paths, work / "home")
        anchor_seconds = anchor(batches, work)
    hoso_rate = pages / hoso_seconds * 60
    anchor_rate = pages / anchor_seconds * 60
    print(f"cases: {', '.join(cases)}  batches: {len(batches)}  pages: {pages}  cores: {os.cpu_count()}")
    print(f"ocrmypdf by hand : {anchor_seconds:7.1f} s  {anchor_rate:6.1f} pages/min")
    print(
        f"hoso ingest      : {hoso_seconds:7.1f} s  {hoso_rate:6.1f} pages/min  (archive, OCR, split, classify, "
        "dossier, index)"
    )
    print(f"ratio hoso/ocrmypdf: {hoso_rate / anchor_rate:.2f}  (target ≥ 1.0)")


if __name__ == "__main__":
    main()
