"""Accuracy of split, classify and extract on the dev corpus, against its truth.json.

    python bench/accuracy.py                       # real OCR of every batch (the pipeline's run_ocr)
    python bench/accuracy.py --source truth        # the truth text itself: the stages alone, no OCR
    python bench/accuracy.py --cases 2024-HS-7001 2024-HS-7003 --jobs 2 --cache /tmp/hoso-acc --json

Each batch of ../shared/corpus/dev is read (OCR, or its exact truth text), split with
split_batch, then every segment classified and described, as ingest does. Measured:
- boundaries: precision / recall / F1 of document starts (batch, first page);
- type accuracy, and exact-match rate of số/ký hiệu and of the date, over truth documents
  (a document whose start was missed counts as wrong);
- order-free word error of the page text: per page, max(missing, extra) words of the two
  bags of words, summed over pages, over the truth words (OCR only).
Targets on this corpus: boundary F1 ≥ 0.99, type ≥ 0.98, number and date ≥ 0.97.
--cache keeps each batch's OCR (keyed by its files' sha256 and the OCR languages) so changes to
the stages re-run in seconds; empty it after changing the OCR stage.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import sys
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.sources import sniff  # noqa: E402
from pipeline.classify import classify  # noqa: E402
from pipeline.config import Settings  # noqa: E402
from pipeline.extract import extract_metadata  # noqa: E402
from pipeline.models import OcrJob, PageText  # noqa: E402
from pipeline.ocr import run_ocr  # noqa: E402
from pipeline.split import split_batch  # noqa: E402
from pipeline.taxonomy import load_taxonomy  # noqa: E402
from pipeline.text import words  # noqa: E402

CORPUS = Path(os.environ.get("HOSO_SHARED", REPO.parent / "shared")) / "corpus" / "dev"
TARGETS = {"boundary_f1": 0.99, "type_accuracy": 0.98, "number_exact": 0.97, "date_exact": 0.97}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", choices=("ocr", "truth"), default="ocr")
    parser.add_argument("--cases", nargs="*", help="only these case ids")
    parser.add_argument("--jobs", type=int, default=max(1, min(os.cpu_count() or 1, 4)))
    parser.add_argument("--cache", type=Path, help="folder keeping OCR results between runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    truth = json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))
    batches = [b for b in truth["batches"] if not args.cases or b["case_id"] in args.cases]
    if args.source == "truth":
        read = [truth_pages(b) for b in batches]
    else:
        with ProcessPoolExecutor(args.jobs) as pool:
            read = list(pool.map(ocr_pages, batches, [args.cache] * len(batches)))
    report = score(batches, read, ocr=args.source == "ocr")
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_report(report)


def truth_pages(batch: dict) -> list[PageText]:
    return [PageText(doc["pages"][0] + i, text) for doc in batch["documents"] for i, text in enumerate(doc["text"])]


def ocr_pages(batch: dict, cache: Path | None) -> list[PageText]:
    """The batch's pages as the OCR stage reads them (from the cache when it has them)."""
    sources = [CORPUS / f for f in batch["files"]]
    settings = Settings()
    content = b"".join(hashlib.sha256(p.read_bytes()).digest() for p in sources) + settings.languages.encode()
    key = hashlib.sha256(content).hexdigest()
    cached = cache / f"{key}.pickle" if cache else None
    if cached and cached.exists():
        return pickle.loads(cached.read_bytes())
    kind = {"image": "images"}.get(sniff(sources[0]), sniff(sources[0]))
    with tempfile.TemporaryDirectory(prefix="hoso-accuracy-") as tmp:
        job = OcrJob(batch_id=key, kind=kind, sources=sources, output_pdf=Path(tmp) / "out.pdf",
                     languages=settings.languages, max_pixels=settings.max_pixels, tmp_dir=Path(tmp))
        pages = run_ocr(job).pages
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(pickle.dumps(pages))
    return pages


def score(batches: list[dict], read: list[list[PageText]], ocr: bool) -> dict:
    taxonomy = load_taxonomy()
    found_starts = true_starts = right_starts = 0
    documents = types = numbers = dates = 0
    errors = truth_words = 0
    mistakes: list[dict] = []
    for batch, pages in zip(batches, read):
        name = Path(batch["files"][0]).name
        by_number = {page.number: page for page in pages}
        segments = {s.pages[0]: s for s in split_batch(pages, taxonomy)}
        starts = {doc["pages"][0] for doc in batch["documents"]}
        found_starts += len(segments)
        true_starts += len(starts)
        right_starts += len(starts & set(segments))
        for start in sorted(set(segments) - starts):
            mistakes.append({"batch": name, "page": start, "error": "extra document start"})
        for doc in batch["documents"]:
            documents += 1
            segment = segments.get(doc["pages"][0])
            if segment is None:
                mistakes.append({"batch": name, "page": doc["pages"][0], "error": "missed document start"})
                continue
            segment_pages = [by_number[n] for n in segment.pages]
            classification = classify(segment_pages, taxonomy)
            meta = extract_metadata(segment_pages, classification)
            got = {"type": classification.doc_type, "number": meta.number or "", "date": meta.date}
            want = {"type": doc["type"], "number": doc["number"], "date": doc["date"]}
            types += got["type"] == want["type"]
            numbers += got["number"] == want["number"]
            dates += got["date"] == want["date"]
            if got != want:
                mistakes.append({"batch": name, "page": doc["pages"][0], "error": "metadata", "got": got, "want": want,
                                 "review": meta.review})
        if ocr:
            for doc in batch["documents"]:
                for number, text in enumerate(doc["text"], doc["pages"][0]):
                    missing, extra = bag_difference(text, by_number[number].text)
                    errors += max(missing, extra)
                    truth_words += len(words(text))
    report = {
        "batches": len(batches), "documents": documents,
        "boundary_precision": ratio(right_starts, found_starts), "boundary_recall": ratio(right_starts, true_starts),
        "type_accuracy": ratio(types, documents), "number_exact": ratio(numbers, documents),
        "date_exact": ratio(dates, documents),
        "word_error": ratio(errors, truth_words) if ocr else None,
        "mistakes": mistakes,
    }
    p, r = report["boundary_precision"], report["boundary_recall"]
    report["boundary_f1"] = round(2 * p * r / (p + r), 4) if p + r else 0.0
    report["targets_met"] = all(report[k] >= v for k, v in TARGETS.items())
    return report


def bag_difference(truth: str, read: str) -> tuple[int, int]:
    """(truth words missing from the reading, words read that the truth lacks), order ignored."""
    want, got = Counter(words(truth)), Counter(words(read))
    return sum((want - got).values()), sum((got - want).values())


def ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def print_report(report: dict) -> None:
    print(f"{report['batches']} batches, {report['documents']} documents")
    for key in ("boundary_precision", "boundary_recall", "boundary_f1", "type_accuracy", "number_exact",
                "date_exact", "word_error"):
        if report[key] is not None:
            target = f"  (target ≥ {TARGETS[key]})" if key in TARGETS else ""
            print(f"  {key:<20} {report[key]:.4f}{target}")
    print("  targets met" if report["targets_met"] else "  TARGETS NOT MET")
    for mistake in report["mistakes"]:
        print("  -", json.dumps(mistake, ensure_ascii=False))


if __name__ == "__main__":
    main()
