"""Accuracy of OCR, split, classify and extract on the shared corpora, against what they say is right.

    python bench/accuracy.py                                  # every corpus, real OCR (the pipeline's run_ocr)
    python bench/accuracy.py --corpus all --source truth      # dev and dev-real from their truth text: no OCR
    python bench/accuracy.py --corpus real-dev --jobs 1 --cache /tmp/hoso-acc
    python bench/accuracy.py --corpus dev --cases 2024-HS-7001 2024-HS-7003 --json
    python bench/accuracy.py --corpus dev-real --cache /tmp/hoso-acc --baseline ocrmypdf --jobs 1

Corpora (../shared/corpus, or $HOSO_SHARED/corpus):
- `dev`: synthetic case files, truth.json with each document's type, số, date and page text;
- `dev-real`: the same with what real scans have (colour, seals, register stamps, MẬT boxes);
  its truth adds per document `received` {number, date} and `classification_mark`;
- `real-dev`: real administrative papers, labels.json read by eye, and for some pages their text read
  by eye (bench/truth/real-dev/<file stem>.p<N>.txt; see its README): OCR only, word error on those
  pages alone; its two drafts (number and date printed blank) count for type and issuer only;
- `petitions-dev`: a clerk's intake stack of petitions and tin báo (register stamps as on dev-real);
  its truth adds per document the petitioner, their address and what it refers to (a case id, a
  decision number, or null).

Each batch (a scan as it arrives) is read — OCR, or the exact truth text (with dev-real's register
stamps and MẬT marks given as `PageText.stamps`, as a perfect stamp reader would) — then split, classified
and described by `pipeline.stages.documents.find_documents`, as ingest does. Truth documents are matched to
the found documents by their first page; a document whose start was missed counts as wrong in every
measure. Measured per corpus:
- pages OCRed (`PageText.layer` "ocr", checked against `OcrResult.ocr_pages`: a page Tesseract
  never read is not OCRed whatever its layer says), kept (a text layer that covers the page) and
  none (blank, separator); on real-dev every page not OCRed is listed with its reason, and a kept
  layer counts as a real reason only on a born-digital file, "none" only on a labelled near-blank
  back page;
- boundaries: precision / recall / F1 of document starts;
- type accuracy; số/ký hiệu exact (`number`); symbol exact (the ký hiệu, after the last "/");
  date exact; month exact (the truth date's YYYY-MM against `month`); issuer exact where the truth
  has one (folded, upper-cased, "/" and punctuation ignored); on dev-real received number and date
  exact (over documents with a register stamp) and MẬT/TỐI MẬT mark accuracy (over all documents);
  the classification level (thuong | mat | toi_mat) stored from the mark, and apart the secret documents
  stored at a lower level than theirs (the dangerous error: a missed start counts the level of the
  document holding its first page);
- petitions-dev: petitioner, address and refers-to exact, as `pipeline.stages.petition.petition_facts`
  reads them from a petition's pages (a null truth must give null), and the wrong links: refers-to
  values stored that are wrong (a clerk's link would follow them; unknown must be flagged instead);
- fields left for review (`Metadata.review`, and `PetitionFacts.review` on petitions), in all and per field;
- silent wrong: stored values (not empty; a type other than "khac") of number, symbol, date, type,
  issuer, received number/date, petitioner and refers-to that are wrong, and their share of the stored values (a register
  stamp stored on a document without one is wrong; the values of documents the splitter made up
  are counted apart);
- order-free word error of the page text (OCR only; every page of dev and dev-real, the pages of
  real-dev that have truth text): per page max(missing, extra) words of the two bags of words,
  summed, over the truth words;
- the searchable text (OCR only) as Tesseract read it, after the OCR post-correction that ingest
  applies (`pipeline.stages.correct`; every measure above is taken on the corrected pages, as ingest
  files them) and, with `--baseline ocrmypdf`, as plain `ocrmypdf -l vie --skip-text --rotate-pages
  --deskew --jobs 1` reads the same files (`--force-ocr` instead of `--skip-text` on real-dev, whose
  e-signed scans carry a text layer of stamps only: skipping it would OCR nothing; images through
  img2pdf first; its text extracted by pdfplumber, as the OCR stage does; cached under --cache):
  the pages and words with truth text, word error, the share of tokens that are
  neither a Vietnamese syllable nor a known code, page 1 holding the subtitle (real-dev), our corrected
  word error ÷ ocrmypdf's (target ≤ 0.6), and the corrections made most often;
- real-dev, OCR only: the share of scanned files whose page 1 holds ≥ 80% of the words of the
  labelled subtitle (folded) — page 1 is OCRed and searchable.
Targets are printed next to the measures. Mistakes name documents by file and page only (real-dev
holds personal names: subtitles are never printed).

--cache keeps each batch's OCR, keyed by its files' sha256, the OCR languages and the source of the
OCR stage (pipeline/stages/ocr.py, stamps.py, what they import, pipeline/models.py and the
handwriting models of pipeline/data/models), so a
changed OCR stage is read again while changes to the later stages (the post-correction among them)
re-run in seconds; and plain ocrmypdf's page texts, keyed by the files, its options and version.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import pickle
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.sources import sniff  # noqa: E402
from pipeline.config import Settings  # noqa: E402
from pipeline.models import DocumentDraft, OcrJob, PageText, Stamp  # noqa: E402
from pipeline.petitions import PETITION_TYPES  # noqa: E402
from pipeline.secrecy import level_of_mark, rank  # noqa: E402
from pipeline.stages.correct import correct_page, is_known  # noqa: E402
from pipeline.stages.documents import described, find_documents  # noqa: E402
from pipeline.stages.normalize import images_to_pdf  # noqa: E402
from pipeline.stages.ocr import run_ocr  # noqa: E402
from pipeline.stages.petition import PetitionFacts, petition_facts  # noqa: E402
from pipeline.taxonomy import load_taxonomy  # noqa: E402
from pipeline.text import fold, normalize, words  # noqa: E402

SHARED = Path(os.environ.get("HOSO_SHARED", REPO.parent / "shared")) / "corpus"
REAL_DEV_TRUTH = REPO / "bench" / "truth" / "real-dev"  # page text of real-dev read by eye
CORPORA = ("dev", "dev-real", "real-dev", "petitions-dev")
TEXT_CORPORA = ("dev", "dev-real", "petitions-dev")  # with page text: --source truth works on them

# (measure, ">=" or "<=", target) per corpus.
TARGETS: dict[str, list[tuple[str, str, float]]] = {
    "dev": [
        ("boundary_f1", ">=", 0.99),
        ("type_accuracy", ">=", 0.98),
        ("number_exact", ">=", 0.97),
        ("date_exact", ">=", 0.97),
    ],
    "dev-real": [
        ("boundary_f1", ">=", 0.99),
        ("type_accuracy", ">=", 0.98),
        ("number_exact", ">=", 0.97),
        ("date_exact", ">=", 0.97),
        ("received_number_exact", ">=", 0.95),
        ("received_date_exact", ">=", 0.95),
        ("mark_accuracy", ">=", 0.98),
        ("level_accuracy", ">=", 0.98),
        ("secret_lowered", "<=", 0),
    ],
    "real-dev": [
        ("pages_read", ">=", 1.0),
        ("page1_subtitle", ">=", 1.0),
        ("type_accuracy", ">=", 0.9),
        ("symbol_exact", ">=", 0.95),
        ("month_exact", ">=", 0.95),
        ("silent_wrong_share", "<=", 0.02),
    ],
    "petitions-dev": [
        ("type_accuracy", ">=", 0.98),
        ("received_number_exact", ">=", 0.95),
        ("received_date_exact", ">=", 0.95),
        ("petitioner_exact", ">=", 0.95),
        ("refers_to_exact", ">=", 0.95),
        ("wrong_links", "<=", 0),
    ],
}
# Field measures: (name in the report, field compared).
FIELD_MEASURES = [
    ("type_accuracy", "type"),
    ("number_exact", "number"),
    ("symbol_exact", "symbol"),
    ("date_exact", "date"),
    ("month_exact", "month"),
    ("issuer_exact", "issuer"),
    ("received_number_exact", "received_number"),
    ("received_date_exact", "received_date"),
    ("mark_accuracy", "mark"),
    ("level_accuracy", "level"),
    ("petitioner_exact", "petitioner"),
    ("address_exact", "address"),
    ("refers_to_exact", "refers_to"),
]
SILENT_FIELDS = (
    "number",
    "symbol",
    "date",
    "type",
    "issuer",
    "received_number",
    "received_date",
    "petitioner",
    "refers_to",
)
RECEIVED_FIELDS = ("received_number", "received_date")  # measured only where the truth has a stamp
SUBTITLE_SHARE = 0.8  # page 1 must hold this share of the subtitle's words
WORD_ERROR_VS_OCRMYPDF = 0.6  # --baseline ocrmypdf: our corrected word error ÷ plain ocrmypdf's


# ---------------------------------------------------------------------------------------------
# What the corpora say


@dataclass
class TruthDoc:
    """One document as its corpus describes it. A value None is not measured; "" means none is printed."""

    first: int
    last: int
    type: str
    number: str | None
    date: str | None
    issuer: str | None = None
    received: dict | None = None  # dev-real: {"number", "date"} of the register stamp
    mark: str | None = None  # dev-real: "" (no mark) | "MẬT" | "TỐI MẬT"; None elsewhere (not measured)
    level: str | None = None  # dev-real: thuong | mat | toi_mat; None elsewhere (not measured)
    has_received: bool = False  # the corpus tells register stamps (dev-real)
    subtitle: str | None = None  # real-dev: for the page-1 check only, never printed
    text: list[str] | None = None  # page texts (dev, dev-real)
    stamps: dict[int, list[Stamp]] = field(default_factory=dict)  # dev-real: truth stamps by page, for --source truth
    draft: bool = False  # real-dev: number and date printed blank
    petitioner: str | None = None  # petitions-dev: the petitioner ("" none: anonymous); None elsewhere (not measured)
    address: str | None = None  # petitions-dev: the petitioner's address ("" none: an agency)
    refers_to: str | None = None  # petitions-dev: a case id or decision number ("" refers to none)


@dataclass
class TruthBatch:
    name: str  # file name, as reports show it
    case_id: str | None
    sources: list[Path]
    documents: list[TruthDoc]
    kind: str | None = None  # real-dev: scan | born_digital
    blank_backs: bool = False  # real-dev: near-blank back pages with a seal ghost are labelled
    page_truth: dict[int, str] = field(default_factory=dict)  # real-dev: text read by eye, by page number

    def truth_texts(self) -> dict[int, str]:
        """The page texts the truth gives, by page number: the pages word error is measured on."""
        texts = {doc.first + i: text for doc in self.documents for i, text in enumerate(doc.text or [])}
        return texts | self.page_truth


def load_corpus(name: str, root: Path = SHARED, page_truth: Path = REAL_DEV_TRUTH) -> list[TruthBatch]:
    if name == "real-dev":
        labels = json.loads((root / name / "labels.json").read_text(encoding="utf-8"))
        return [real_dev_batch(item, root / name, page_truth) for item in labels["items"]]
    truth = json.loads((root / name / "truth.json").read_text(encoding="utf-8"))
    return [
        truth_batch(
            batch, root / name, received=name in ("dev-real", "petitions-dev"), petitions=name == "petitions-dev"
        )
        for batch in truth["batches"]
    ]


def truth_batch(batch: dict, folder: Path, received: bool, petitions: bool = False) -> TruthBatch:
    docs = []
    for doc in batch["documents"]:
        docs.append(
            TruthDoc(
                first=doc["pages"][0],
                last=doc["pages"][-1],
                type=doc["type"],
                number=doc["number"] or "",
                date=doc["date"] or "",
                received=doc.get("received") if received else None,
                mark=(doc.get("classification_mark") or "") if received else None,
                level=(doc.get("classification") or level_of_mark(doc.get("classification_mark")))
                if received
                else None,
                has_received=received,
                text=doc["text"],
                stamps=truth_stamps(doc, batch.get("page_marks")) if received else {},
                petitioner=(doc.get("petitioner") or "") if petitions else None,
                address=(doc.get("petitioner_address") or "") if petitions else None,
                refers_to=(doc.get("refers_to") or "") if petitions else None,
            )
        )
    return TruthBatch(
        name=Path(batch["files"][0]).name,
        case_id=batch.get("case_id"),
        sources=[folder / f for f in batch["files"]],
        documents=docs,
    )


def truth_stamps(doc: dict, page_marks: list[list[str]] | None) -> dict[int, list[Stamp]]:
    """The stamps of a dev-real document as a perfect stamp reader would give them, by page of the batch.

    The truth text holds the body only; with --source truth these stand in for `PageText.stamps`. A
    stamp sits on the first page of the document that `page_marks` marks with it (else the first page).
    """
    first, last = doc["pages"][0], doc["pages"][-1]

    def page_of(mark: str) -> int:
        marked = [
            n for n in range(first, last + 1) if page_marks and n <= len(page_marks) and mark in page_marks[n - 1]
        ]
        return marked[0] if marked else first

    stamps: dict[int, list[Stamp]] = {}
    if doc.get("received"):
        stamps.setdefault(page_of("received_stamp"), []).append(
            Stamp(
                kind="received",
                text=doc.get("received_stamp") or "",
                number=doc["received"].get("number"),
                date=doc["received"].get("date"),
            )
        )
    if doc.get("classification_mark"):
        mark = doc["classification_mark"]
        stamps.setdefault(page_of("classification_mark"), []).append(Stamp(kind="classification", text=mark, mark=mark))
    return stamps


def real_dev_batch(item: dict, folder: Path, page_truth: Path = REAL_DEV_TRUTH) -> TruthBatch:
    return TruthBatch(
        name=Path(item["file"]).name,
        case_id=None,
        sources=[folder / item["file"]],
        documents=[real_dev_doc(doc) for doc in item["documents"]],
        kind=item["kind"],
        blank_backs="blank_page_seal_ghost" in item.get("phenomena", []),
        page_truth=real_dev_page_truth(Path(item["file"]).stem, page_truth),
    )


def real_dev_page_truth(stem: str, folder: Path) -> dict[int, str]:
    """The pages of a real-dev file whose text was read by eye: `<stem>.p<N>.txt` → {N: text}."""
    texts = {}
    for path in folder.glob(f"{stem}.p*.txt"):
        page = path.name.removeprefix(f"{stem}.p").removesuffix(".txt")
        if page.isdigit():
            texts[int(page)] = path.read_text(encoding="utf-8")
    return texts


def real_dev_doc(doc: dict) -> TruthDoc:
    """A real-dev label as a truth document; a draft (number printed blank) has no number or date to measure."""
    draft = doc["number"] is None
    return TruthDoc(
        first=doc["pages"][0],
        last=doc["pages"][-1],
        type=doc["generic_type"],
        number=None if draft else doc["number"],
        date=None if draft else (doc["date"] or ""),
        issuer=doc.get("issuer") or None,
        subtitle=doc.get("subtitle"),
        draft=draft,
    )


# ---------------------------------------------------------------------------------------------
# Scoring helpers (pure)


def symbol_of(number: str | None) -> str | None:
    """The ký hiệu of a số/ký hiệu: '47/QĐ-UBND' → 'QĐ-UBND', '54/2024/HS-ST' → 'HS-ST'; '' → ''."""
    if number is None:
        return None
    return number.rsplit("/", 1)[-1] if number else ""


def issuer_key(issuer: str | None) -> str:
    """An issuer folded for comparison: no marks, đ→d, upper case, '/' and punctuation ignored, spaces collapsed."""
    return " ".join(re.sub(r"[\W_]+", " ", fold(issuer or "").upper()).split())


def expected(doc: TruthDoc) -> dict[str, str | None]:
    """What the pipeline should store for a truth document; None: not measured."""
    want: dict[str, str | None] = {
        "type": doc.type,
        "number": doc.number,
        "symbol": symbol_of(doc.number),
        "date": doc.date,
        "month": None if doc.date is None else doc.date[:7],
        "issuer": doc.issuer,
        "received_number": None,
        "received_date": None,
        "mark": doc.mark,
        "level": doc.level,
        "petitioner": doc.petitioner,
        "address": doc.address,
        "refers_to": doc.refers_to,
    }
    if doc.has_received:
        want["received_number"] = (doc.received or {}).get("number") or ""
        want["received_date"] = (doc.received or {}).get("date") or ""
    return want


def observed(draft: DocumentDraft, facts: PetitionFacts | None = None) -> dict[str, str | None]:
    """What the pipeline stored for a document (and the register for a petition), by the field names of `expected`."""
    meta = draft.metadata
    received = meta.received or {}
    return {
        "type": draft.classification.doc_type,
        "number": meta.number,
        "symbol": meta.symbol,
        "date": meta.date,
        "month": meta.month,
        "issuer": meta.issuer,
        "received_number": received.get("number"),
        "received_date": received.get("date"),
        "mark": meta.classification_mark,
        "level": described(draft.classification, meta)["classification"],  # as filing stores it
        "petitioner": facts.petitioner if facts else None,
        "address": facts.address if facts else None,
        "refers_to": facts.refers_to if facts else None,
    }


def same(name: str, got: str | None, want: str | None) -> bool:
    if name == "issuer":
        return issuer_key(got) == issuer_key(want)
    return (got or "") == (want or "")


def stored(name: str, got: str | None) -> bool:
    """A value the dossier shows as known: not empty, and for the type anything but "khac"."""
    return bool(got) and not (name == "type" and got == "khac")


def silent_wrong(got: dict[str, str | None] | None, want: dict[str, str | None]) -> dict[str, tuple[int, int]]:
    """Per field of SILENT_FIELDS: (wrong stored values, stored values) of one document (measured fields only)."""
    out = {}
    for name in SILENT_FIELDS:
        if want[name] is None or got is None or not stored(name, got[name]):
            continue
        out[name] = (0 if same(name, got[name], want[name]) else 1, 1)
    return out


def measured(name: str, want: dict[str, str | None]) -> bool:
    """Does this field's measure count the document? Received fields: only where the truth has a stamp."""
    if name in RECEIVED_FIELDS:
        return bool(want[name])
    return want[name] is not None


def subtitle_share(subtitle: str, page_text: str) -> float:
    """Share of the subtitle's (distinct, folded) words found on the page."""
    wanted = set(words(fold(subtitle).lower()))
    if not wanted:
        return 1.0
    found = set(words(fold(page_text).lower()))
    return len(wanted & found) / len(wanted)


def page_reason(page: PageText, batch: TruthBatch, layer: str | None = None) -> tuple[str, bool]:
    """Why a page was not OCRed (its `layer`, by default the page's own), and whether that is a real reason."""
    layer = layer or page.layer
    if layer == "kept":
        return (
            ("kept text layer (born-digital)", True)
            if batch.kind in (None, "born_digital")
            else ("kept text layer on a scan", False)
        )
    if page.barcodes:
        return "separator", True
    if page.blank or layer == "none":
        if batch.kind is None or (batch.blank_backs and page.number > 1):
            return "blank", True
        return "blank, but not labelled blank", False
    return layer, False


def effective_layer(page: PageText, ocred: list[int] | None) -> tuple[str, bool]:
    """The page's layer checked against the pages Tesseract read: (layer, whether the two disagree).

    A page that says "ocr" (PageText's default) though Tesseract never read it kept its text layer
    ("kept"), or had none ("none": blank, separator, no text).
    """
    if ocred is None:
        return page.layer, False
    read = page.number in ocred
    if page.layer == "ocr" and not read:
        return ("none" if page.blank or page.barcodes or not page.text.strip() else "kept"), True
    return page.layer, page.layer != "ocr" and read


def bag_difference(truth: str, read: str) -> tuple[int, int]:
    """(truth words missing from the reading, words read that the truth lacks), order ignored."""
    want, got = Counter(words(truth)), Counter(words(read))
    return sum((want - got).values()), sum((got - want).values())


def word_errors(batch: TruthBatch, texts: dict[int, str]) -> tuple[int, int]:
    """(word errors, truth words) of a batch's page texts by page number, on the pages with truth text:
    per page max(missing, extra)."""
    errors = truth_words = 0
    for number, text in batch.truth_texts().items():
        errors += max(bag_difference(text, texts.get(number, "")))
        truth_words += len(words(text))
    return errors, truth_words


def unknown_tokens(text: str) -> tuple[int, int]:
    """(tokens of letters that are neither a syllable nor a known code, tokens of letters) of a text."""
    letters = [t for t in words(text) if t.isalpha()]
    return sum(not is_known(t) for t in letters), len(letters)


def ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def met(value: float | None, op: str, target: float) -> bool:
    if value is None:
        return False
    return value >= target if op == ">=" else value <= target


# ---------------------------------------------------------------------------------------------
# Reading the pages


def facts_of(draft: DocumentDraft, by_number: dict[int, PageText]) -> PetitionFacts | None:
    """What the register reads from a document found as a petition (None for any other type)."""
    if draft.classification.doc_type not in PETITION_TYPES:
        return None
    pages = [by_number[ref.number] for ref in draft.pages]
    return petition_facts(draft.classification.doc_type, pages, Settings().case_id_pattern)


def truth_pages(batch: TruthBatch) -> list[PageText]:
    """The batch's pages from the truth text, with the truth stamps (dev-real) as read perfectly."""
    return [
        PageText(doc.first + i, text, stamps=list(doc.stamps.get(doc.first + i, [])))
        for doc in batch.documents
        for i, text in enumerate(doc.text or [])
    ]


def _imports(path: Path) -> set[Path]:
    """The pipeline modules a pipeline module imports (relative or `pipeline.` imports)."""
    found = set()
    package = path.parent.relative_to(REPO).parts  # e.g. ("pipeline", "stages")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
            elif (node.module or "").startswith("pipeline"):
                base = []
            else:
                continue
            module = base + [part for part in (node.module or "").split(".") if part]
            names = [module] if node.module else [module + [alias.name] for alias in node.names]
            for name in names:
                candidate = REPO.joinpath(*name).with_suffix(".py")
                if candidate.exists():
                    found.add(candidate)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pipeline."):
                    candidate = REPO / (alias.name.replace(".", "/") + ".py")
                    if candidate.exists():
                        found.add(candidate)
    return found


def ocr_code_hash() -> str:
    """sha256 of the OCR stage's source: pipeline/stages/ocr.py, stamps.py, what they import, models.py,
    and the handwriting models they run (pipeline/data/models)."""
    pipeline = REPO / "pipeline"
    todo = [pipeline / "stages" / "ocr.py", pipeline / "stages" / "stamps.py", pipeline / "models.py"]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen or not path.exists():
            continue
        seen.add(path)
        todo.extend(_imports(path) - seen)
    seen.update((pipeline / "data" / "models").glob("*.onnx"))
    digest = hashlib.sha256()
    for path in sorted(seen):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_key(sources: list[Path], languages: str, code: str) -> str:
    content = b"".join(hashlib.sha256(p.read_bytes()).digest() for p in sources) + languages.encode()
    return hashlib.sha256(content + code.encode() + CACHE_FORMAT).hexdigest()


# What reading a batch gave: its pages, the pages Tesseract read (OcrResult.ocr_pages; None for the
# truth text) and the error that stopped the OCR stage, if any.
Reading = tuple[list[PageText], "list[int] | None", "str | None"]
CACHE_FORMAT = b"pages+ocr_pages"


def ocr_pages(sources: list[Path], cache: Path | None, code: str) -> Reading:
    """A batch's pages as the OCR stage reads them (from the cache when it has them), or the error."""
    settings = Settings()
    key = cache_key(sources, settings.languages, code)
    cached = cache / f"{key}.pickle" if cache else None
    if cached and cached.exists():
        kept = pickle.loads(cached.read_bytes())
        return kept["pages"], kept["ocr_pages"], None
    kind = {"image": "images"}.get(sniff(sources[0]), sniff(sources[0]))
    try:
        with tempfile.TemporaryDirectory(prefix="hoso-accuracy-") as tmp:
            job = OcrJob(
                batch_id=key,
                kind=kind,
                sources=sources,
                output_pdf=Path(tmp) / "out.pdf",
                languages=settings.languages,
                max_pixels=settings.max_pixels,
                tmp_dir=Path(tmp),
            )
            result = run_ocr(job)
    except Exception as exc:  # noqa: BLE001 - one batch failing is a measure, not the end of the bench
        return [], None, f"{type(exc).__name__}: {exc}"
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        part = cached.with_suffix(".part")
        part.write_bytes(pickle.dumps({"pages": result.pages, "ocr_pages": list(result.ocr_pages)}))
        os.replace(part, cached)
    return result.pages, list(result.ocr_pages), None


OCRMYPDF = str(Path(sys.executable).parent / "ocrmypdf")
# real-dev's e-signed scans carry a text layer of the signature stamps only: --skip-text would keep
# it and OCR nothing, so there the baseline OCRs every page.
FORCE_OCR_CORPORA = ("real-dev",)


def ocrmypdf_flags(corpus: str) -> list[str]:
    """Plain ocrmypdf's options for a corpus (besides `--jobs 1 -q`)."""
    text_layers = "--force-ocr" if corpus in FORCE_OCR_CORPORA else "--skip-text"
    return ["-l", "vie", text_layers, "--rotate-pages", "--deskew"]


def ocrmypdf_texts(sources: list[Path], cache: Path | None, flags: list[str]) -> list[str]:
    """The page texts plain ocrmypdf gives a batch (`ocrmypdf FLAGS --jobs 1`; images through img2pdf
    first), as pdfplumber extracts them (as the OCR stage does) and normalized; cached by the files'
    sha256 and the flags."""
    version = subprocess.run([OCRMYPDF, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    key = cache_key(sources, " ".join(flags), f"ocrmypdf {version}")
    cached = cache / f"ocrmypdf-{key}.json" if cache else None
    if cached and cached.exists():
        return json.loads(cached.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="hoso-accuracy-ocrmypdf-") as tmp:
        source = sources[0]
        if sniff(source) != "pdf":
            source = Path(tmp) / "in.pdf"
            images_to_pdf(sources, source, Settings().max_pixels)
        out = Path(tmp) / "out.pdf"
        subprocess.run([OCRMYPDF, *flags, "--jobs", "1", "-q", str(source), str(out)], check=True)
        with pdfplumber.open(out) as pdf:
            texts = [normalize(page.extract_text() or "") for page in pdf.pages]
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    return texts


# ---------------------------------------------------------------------------------------------
# Scoring a corpus


@dataclass
class _Tally:
    right: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    silent: dict[str, list[int]] = field(default_factory=lambda: {n: [0, 0] for n in SILENT_FIELDS})
    review: Counter = field(default_factory=Counter)


def score(corpus: str, batches: list[TruthBatch], read: list[Reading], ocr: bool) -> dict:
    taxonomy = load_taxonomy()
    tally = _Tally()
    found_starts = true_starts = right_starts = 0
    documents = drafts_count = review_documents = 0
    errors = truth_words = 0
    layers: Counter = Counter()
    not_ocred: list[dict] = []
    real_reason = mismatched = 0
    subtitle_files = subtitle_found = 0
    subtitle_missed: list[dict] = []
    extra_values = 0
    secret = lowered = 0
    mistakes: list[dict] = []
    for batch, (pages, ocred, error) in zip(batches, read, strict=True):
        name = batch.name
        if error:
            mistakes.append({"file": name, "page": None, "error": f"not read: {error}"})
        by_number = {page.number: page for page in pages}
        drafts = find_documents(batch.name, pages, taxonomy) if pages else []
        found = {draft.pages[0].number: draft for draft in drafts}
        starts = {doc.first for doc in batch.documents}
        found_starts += len(found)
        true_starts += len(starts)
        right_starts += len(starts & set(found))
        for start in sorted(set(found) - starts):
            got = observed(found[start])
            values = {k: v for k, v in got.items() if k in SILENT_FIELDS and stored(k, v)}
            extra_values += len(values)
            mistakes.append(
                {
                    "file": name,
                    "page": start,
                    "error": "extra document start",
                    "got": values,
                    "review": found[start].metadata.review,
                }
            )
        facts = {start: facts_of(draft, by_number) for start, draft in found.items()}
        for start, draft in found.items():
            flagged = draft.metadata.review + (facts[start].review if facts[start] else [])
            tally.review.update(flagged)
            review_documents += bool(flagged)
        for doc in batch.documents:
            documents += 1
            drafts_count += doc.draft
            want = expected(doc)
            draft = found.get(doc.first)
            got = observed(draft, facts[doc.first]) if draft else None
            for measure, name_ in FIELD_MEASURES:
                if measured(name_, want):
                    tally.total[measure] += 1
                    tally.right[measure] += got is not None and same(name_, got[name_], want[name_])
            if rank(doc.level) > 0:
                secret += 1
                holder = next((d for d in drafts if doc.first in (p.number for p in d.pages)), None)
                level = observed(holder)["level"] if holder else None
                if rank(level) < rank(doc.level):
                    lowered += 1
                    mistakes.append({"file": name, "page": doc.first, "error": f"{doc.level} stored as {level}"})
            for name_, (wrong, count) in silent_wrong(got, want).items():
                tally.silent[name_][0] += wrong
                tally.silent[name_][1] += count
            if got is None:
                mistakes.append({"file": name, "page": doc.first, "error": "missed document start"})
                continue
            differ = [n for n in want if want[n] is not None and not same(n, got[n], want[n])]
            if differ:
                mistakes.append(
                    {
                        "file": name,
                        "page": doc.first,
                        "error": "metadata",
                        "got": {n: got[n] for n in differ},
                        "want": {n: want[n] for n in differ},
                        "review": draft.metadata.review + (facts[doc.first].review if facts[doc.first] else []),
                    }
                )
        if ocr:
            layer_of = {}
            for page in pages:
                layer, mismatch = effective_layer(page, ocred)
                layer_of[page.number] = layer
                layers[layer] += 1
                mismatched += mismatch
                if layer == "ocr":
                    real_reason += 1
                    continue
                reason, real = page_reason(page, batch, layer)
                real_reason += real
                not_ocred.append({"file": name, "page": page.number, "layer": layer, "reason": reason, "real": real})
            wrong, said = word_errors(batch, {page.number: page.text for page in pages})
            errors += wrong
            truth_words += said
            if batch.kind == "scan" and batch.documents and batch.documents[0].subtitle:
                subtitle_files += 1
                share = subtitle_share(batch.documents[0].subtitle, by_number[1].text if 1 in by_number else "")
                subtitle_found += share >= SUBTITLE_SHARE
                if share < SUBTITLE_SHARE:
                    subtitle_missed.append(
                        {"file": name, "page": 1, "share": round(share, 2), "layer": layer_of.get(1)}
                    )

    pages_total = sum(layers.values())
    report: dict = {
        "corpus": corpus,
        "source": "ocr" if ocr else "truth",
        "batches": len(batches),
        "documents": documents,
        "drafts": drafts_count,
        "boundary_precision": ratio(right_starts, found_starts),
        "boundary_recall": ratio(right_starts, true_starts),
    }
    p, r = report["boundary_precision"], report["boundary_recall"]
    report["boundary_f1"] = round(2 * p * r / (p + r), 4) if p + r else 0.0
    counts = {}
    for measure, _ in FIELD_MEASURES:
        total = tally.total[measure]
        report[measure] = ratio(tally.right[measure], total) if total else None
        if total:
            counts[measure] = [tally.right[measure], total]
    report["counts"] = counts
    report["pages"] = (
        {"total": pages_total, "ocr": layers["ocr"], "kept": layers["kept"], "none": layers["none"]} if ocr else None
    )
    report["pages_read"] = ratio(real_reason, pages_total) if ocr and pages_total else None
    report["layer_mismatch"] = mismatched if ocr else None
    report["pages_not_ocred"] = not_ocred if ocr else None
    report["word_error"] = ratio(errors, truth_words) if ocr and truth_words else None
    report["page1_subtitle"] = ratio(subtitle_found, subtitle_files) if subtitle_files else None
    report["page1_subtitle_files"] = [subtitle_found, subtitle_files] if subtitle_files else None
    report["page1_subtitle_missed"] = subtitle_missed if subtitle_files else None
    report["review"] = {
        "entries": sum(tally.review.values()),
        "documents": review_documents,
        "by_field": dict(sorted(tally.review.items())),
    }
    wrong = sum(w for w, _ in tally.silent.values())
    stored_values = sum(n for _, n in tally.silent.values())
    report["silent_wrong"] = {
        "wrong": wrong,
        "stored": stored_values,
        "by_field": {k: v for k, v in tally.silent.items() if v[1]},
        "extra_start_values": extra_values,
    }
    report["silent_wrong_share"] = ratio(wrong, stored_values)
    report["wrong_links"] = tally.silent["refers_to"][0] if tally.total["refers_to_exact"] else None
    report["secret_documents"] = secret if corpus == "dev-real" else None
    report["secret_lowered"] = lowered if corpus == "dev-real" else None
    targets = {}
    for measure, op, target in TARGETS.get(corpus, []):
        if measure in ("pages_read", "page1_subtitle", "word_error") and not ocr:
            continue
        targets[measure] = {
            "op": op,
            "target": target,
            "value": report[measure],
            "met": met(report[measure], op, target),
        }
    report["targets"] = targets
    report["targets_met"] = all(t["met"] for t in targets.values())
    report["mistakes"] = mistakes
    return report


def text_measures(
    batches: list[TruthBatch],
    raw: list[Reading],
    corrected: list[Reading],
    baseline: list[list[str]] | None,
    baseline_flags: list[str] | None = None,
) -> dict:
    """The searchable text as the OCR stage read it, after post-correction, and as plain ocrmypdf reads it
    (with `baseline_flags`): word error (on the pages with truth text), the share of unknown tokens (neither
    a syllable nor a known code), page 1 holding the labelled subtitle (real-dev scans); and the corrections
    made most often."""
    readings = {
        "read": [{p.number: p.text for p in pages} for pages, _, _ in raw],
        "corrected": [{p.number: p.text for p in pages} for pages, _, _ in corrected],
    }
    if baseline is not None:
        readings["ocrmypdf"] = [dict(enumerate(texts, 1)) for texts in baseline]
    out: dict = {
        "truth_pages": sum(len(batch.truth_texts()) for batch in batches),
        "truth_words": sum(len(words(text)) for batch in batches for text in batch.truth_texts().values()),
        "ocrmypdf_flags": baseline_flags,
    }
    for name, texts in readings.items():
        errors = said = unknown = tokens = subtitle_files = subtitle_found = 0
        for batch, by_number in zip(batches, texts, strict=True):
            wrong, truth = word_errors(batch, by_number)
            errors, said = errors + wrong, said + truth
            for text in by_number.values():
                bad, all_ = unknown_tokens(text)
                unknown, tokens = unknown + bad, tokens + all_
            if batch.kind == "scan" and batch.documents and batch.documents[0].subtitle:
                subtitle_files += 1
                subtitle_found += subtitle_share(batch.documents[0].subtitle, by_number.get(1, "")) >= SUBTITLE_SHARE
        out[name] = {
            "word_error": ratio(errors, said) if said else None,
            "unknown_share": ratio(unknown, tokens),
            "page1_subtitle": [subtitle_found, subtitle_files] if subtitle_files else None,
        }
    if baseline is not None and out["ocrmypdf"]["word_error"]:
        out["vs_ocrmypdf"] = round((out["corrected"]["word_error"] or 0) / out["ocrmypdf"]["word_error"], 3)
    changes: Counter = Counter()
    for (before, _, _), (after, _, _) in zip(raw, corrected, strict=True):
        for page_before, page_after in zip(before, after, strict=True):
            for w0, w1 in zip(page_before.words, page_after.words, strict=True):
                if w0.text != w1.text:
                    changes[f"{w0.text} → {w1.text}"] += 1
    out["words_corrected"] = sum(changes.values())
    out["top_corrections"] = changes.most_common(12)
    return out


# ---------------------------------------------------------------------------------------------
# Printing


LABELS = {
    "pages_read": "pages OCRed or kept for a reason",
    "boundary_precision": "boundary precision",
    "boundary_recall": "boundary recall",
    "boundary_f1": "boundary F1",
    "type_accuracy": "type",
    "number_exact": "số/ký hiệu exact",
    "symbol_exact": "symbol exact",
    "date_exact": "date exact",
    "month_exact": "month exact",
    "issuer_exact": "issuer exact",
    "received_number_exact": "received number exact",
    "received_date_exact": "received date exact",
    "mark_accuracy": "MẬT/TỐI MẬT mark",
    "level_accuracy": "classification level",
    "petitioner_exact": "petitioner exact",
    "address_exact": "address exact",
    "refers_to_exact": "refers-to exact",
    "wrong_links": "wrong links (refers-to)",
    "secret_lowered": "secret stored at a lower level",
    "word_error": "word error (order-free)",
    "word_error_vs_ocrmypdf": "  corrected ÷ plain ocrmypdf's",
    "page1_subtitle": "page 1 holds its subtitle",
    "silent_wrong_share": "silent wrong",
}


def print_report(report: dict) -> None:
    head = f"== {report['corpus']} ({report['source']}): {report['batches']} batches, {report['documents']} documents"
    if report["drafts"]:
        head += f" ({report['documents'] - report['drafts']} documents besides the {report['drafts']} drafts)"
    print(head + " ==")
    targets = report["targets"]

    def row(key: str, value: str) -> None:
        t = targets.get(key)
        mark = f"{'≥' if t['op'] == '>=' else '≤'} {t['target']:.2f}  {'ok' if t['met'] else 'MISSED'}" if t else ""
        print(f"  {LABELS.get(key, key):<34} {value:<22} {mark}")

    pages = report["pages"]
    if pages:
        total = pages["total"]
        print(
            f"  {'pages OCRed / kept / none':<34} {pages['ocr']}/{total} · {pages['kept']}/{total} · "
            f"{pages['none']}/{total}"
        )
        row("pages_read", f"{report['pages_read']:.4f}")
        if report["layer_mismatch"]:
            print(
                f"  {'  PageText.layer ≠ OcrResult.ocr_pages':<34} {report['layer_mismatch']} pages "
                "(the pages Tesseract read decide)"
            )
    for key in ("boundary_precision", "boundary_recall", "boundary_f1"):
        row(key, f"{report[key]:.4f}")
    for key, _ in FIELD_MEASURES:
        if report[key] is not None:
            right, total = report["counts"][key]
            row(key, f"{report[key]:.4f} ({right}/{total})")
    if report["wrong_links"] is not None:
        stored_refs = report["silent_wrong"]["by_field"].get("refers_to", [0, 0])[1]
        row("wrong_links", f"{report['wrong_links']} of {stored_refs} stored")
    if report["secret_lowered"] is not None:
        row("secret_lowered", f"{report['secret_lowered']} of {report['secret_documents']} secret documents")
    if report["page1_subtitle"] is not None:
        found, files = report["page1_subtitle_files"]
        row("page1_subtitle", f"{report['page1_subtitle']:.4f} ({found}/{files} scans)")
    silent = report["silent_wrong"]
    row("silent_wrong_share", f"{report['silent_wrong_share']:.4f} ({silent['wrong']}/{silent['stored']} stored)")
    if silent["by_field"]:
        print(
            f"  {'  by field (wrong/stored)':<34} "
            + ", ".join(f"{k} {w}/{n}" for k, (w, n) in silent["by_field"].items())
        )
    if silent["extra_start_values"]:
        print(f"  {'  values on extra document starts':<34} {silent['extra_start_values']}")
    review = report["review"]
    by_field = ", ".join(f"{k} {n}" for k, n in review["by_field"].items()) or "-"
    print(f"  {'fields left for review':<34} {review['entries']} in {review['documents']} documents: {by_field}")
    text = report.get("text")
    if text:
        names = [n for n in ("read", "corrected", "ocrmypdf") if n in text]
        print(f"  {'OCR text':<34} {' · '.join(names)}")
        if text["ocrmypdf_flags"]:
            print(f"  {'  plain ocrmypdf run as':<34} ocrmypdf {' '.join(text['ocrmypdf_flags'])} --jobs 1")
        if text["read"]["word_error"] is not None:
            print(f"  {'  pages / words with truth text':<34} {text['truth_pages']} / {text['truth_words']}")
            row("word_error", " · ".join(f"{text[n]['word_error']:.4f}" for n in names))
        print(
            f"  {'  tokens neither syllable nor code':<34} "
            + " · ".join(f"{text[n]['unknown_share']:.4f}" for n in names)
        )
        if text["read"]["page1_subtitle"]:
            print(
                f"  {'  page 1 holds its subtitle':<34} "
                + " · ".join("{}/{}".format(*text[n]["page1_subtitle"]) for n in names)
            )
        if "vs_ocrmypdf" in text:
            row("word_error_vs_ocrmypdf", f"{text['vs_ocrmypdf']:.3f}")
        top = ", ".join(f"{change} ×{n}" for change, n in text["top_corrections"])
        print(f"  {'  words corrected':<34} {text['words_corrected']}: {top}")
    print("  targets met" if report["targets_met"] else "  TARGETS NOT MET")
    if report["pages_not_ocred"] and report["corpus"] == "real-dev":
        print("  pages not OCRed:")
        for page in report["pages_not_ocred"]:
            real = "" if page["real"] else "  (NOT a real reason)"
            print(f"    - {page['file']} p{page['page']}: {page['reason']}{real}")
    for missed in report["page1_subtitle_missed"] or []:
        print(f"  - {missed['file']} p1: {missed['share']:.0%} of the subtitle's words (layer {missed['layer']})")
    for mistake in report["mistakes"]:
        where = f"{mistake['file']} p{mistake['page']}" if mistake["page"] else mistake["file"]
        detail = ""
        if "want" in mistake:
            detail = "; ".join(f"{k}: {mistake['got'][k]!r} ≠ {mistake['want'][k]!r}" for k in mistake["want"])
        elif mistake.get("got"):
            detail = "got " + json.dumps(mistake["got"], ensure_ascii=False)
        review_fields = f"  [review: {', '.join(mistake['review'])}]" if mistake.get("review") else ""
        print(f"  - {where}: {mistake['error']}{': ' + detail if detail else ''}{review_fields}")


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=(*CORPORA, "all"), default="all")
    parser.add_argument("--source", choices=("ocr", "truth"), default="ocr")
    parser.add_argument("--cases", nargs="*", help="only these case ids (or file names containing these words)")
    parser.add_argument("--jobs", type=int, default=max(1, min(os.cpu_count() or 1, 4)))
    parser.add_argument("--cache", type=Path, help="folder keeping OCR results between runs")
    parser.add_argument(
        "--baseline",
        choices=("ocrmypdf",),
        help="also read each batch with plain ocrmypdf (cached under --cache): word error against ours",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    corpora = list(CORPORA) if args.corpus == "all" else [args.corpus]
    if args.source == "truth":
        if args.corpus == "real-dev":
            parser.error("real-dev has page text for a few pages only: --source ocr only")
        skipped = [c for c in corpora if c not in TEXT_CORPORA]
        if skipped:
            print(f"--source truth: skipping {', '.join(skipped)} (no page text)", file=sys.stderr)
        corpora = [c for c in corpora if c in TEXT_CORPORA]
    code = ocr_code_hash()
    reports = {}
    for corpus in corpora:
        batches = [
            b
            for b in load_corpus(corpus)
            if not args.cases or b.case_id in args.cases or any(c in b.name for c in args.cases)
        ]
        started = time.monotonic()
        if args.source == "truth":
            read = [(truth_pages(b), None, None) for b in batches]
        else:
            with ProcessPoolExecutor(args.jobs) as pool:
                read = list(
                    pool.map(
                        ocr_pages, [b.sources for b in batches], [args.cache] * len(batches), [code] * len(batches)
                    )
                )
        seconds = time.monotonic() - started
        raw = read
        if args.source == "ocr":
            read = [([correct_page(page) for page in pages], ocred, error) for pages, ocred, error in raw]
        report = score(corpus, batches, read, ocr=args.source == "ocr")
        report["read_seconds"] = round(seconds, 1)
        if args.source == "ocr":
            baseline = flags = None
            if args.baseline:
                flags = ocrmypdf_flags(corpus)
                with ProcessPoolExecutor(args.jobs) as pool:
                    baseline = list(
                        pool.map(
                            ocrmypdf_texts,
                            [b.sources for b in batches],
                            [args.cache] * len(batches),
                            [flags] * len(batches),
                        )
                    )
            report["text"] = text_measures(batches, raw, read, baseline, flags)
            if "vs_ocrmypdf" in report["text"]:
                value = report["text"]["vs_ocrmypdf"]
                report["targets"]["word_error_vs_ocrmypdf"] = {
                    "op": "<=",
                    "target": WORD_ERROR_VS_OCRMYPDF,
                    "value": value,
                    "met": met(value, "<=", WORD_ERROR_VS_OCRMYPDF),
                }
                report["targets_met"] = all(t["met"] for t in report["targets"].values())
        reports[corpus] = report
        if not args.json:
            print_report(report)
            print()
    if args.json:
        print(
            json.dumps(
                {"corpora": reports, "targets_met": all(r["targets_met"] for r in reports.values())},
                ensure_ascii=False,
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
