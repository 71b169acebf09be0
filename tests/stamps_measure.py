"""Measure pipeline.stages.stamps on ../shared/corpus/dev-real or petitions-dev (not a test; run it by hand).

    OMP_THREAD_LIMIT=1 .venv/bin/python tests/stamps_measure.py [--corpus dev-real|petitions-dev] [--all|--stamped] [--only CASE] [--colour-only|--grey-only] [--words-only]
    OMP_THREAD_LIMIT=1 .venv/bin/python tests/stamps_measure.py --real-dev

Colour pages go through find_stamps (the whole page: the OCR stage hands over only the top of a
colour page with little colour); grey and bilevel pages through stamps_in_words and
find_stamps_grey, fed with the words pytesseract reads on the whole page at the file's dpi (cached
under /tmp), which are not the OCR stage's words. Pages of the
documents whose truth has `received` or `classification` are read, plus every other page with
--all (a sample without stamps otherwise: one page in three). Prints per page what was found and
precision/recall of the received number, received date and classification mark, colour and
grey/bilevel apart, and the time find_stamps took per colour page.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from pipeline.models import Word  # noqa: E402
from pipeline.stages.stamps import find_stamps, find_stamps_grey, stamp_hint, stamps_in_words  # noqa: E402

SHARED = Path(os.environ.get("HOSO_SHARED", Path(__file__).resolve().parents[2] / "shared"))
CORPUS = SHARED / "corpus" / "dev-real"
MARK = {"mat": "MẬT", "toi_mat": "TỐI MẬT"}


def page_images(batch: dict):
    """(page number, PIL image, dpi) of every page of a batch, as a renderer would hand them over."""
    files = [CORPUS / f for f in batch["files"]]
    dpi = float(batch["dpi"])
    if files[0].suffix.lower() == ".pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(files[0]))
        for i in range(len(pdf)):
            image = pdf[i].render(scale=dpi / 72.0).to_pil()
            yield i + 1, image.convert("RGB") if batch["colour"] == "rgb" else image.convert("L"), dpi
    elif files[0].suffix.lower() in (".tif", ".tiff"):
        with Image.open(files[0]) as tif:
            for i in range(getattr(tif, "n_frames", 1)):
                tif.seek(i)
                yield i + 1, tif.copy(), dpi
    else:
        for i, f in enumerate(files):
            yield i + 1, Image.open(f).convert("RGB"), dpi


def ocr_words(image: Image.Image, dpi: float, key: str) -> list[Word]:
    """Tesseract's words of the whole page in PDF points (cached: a 300 dpi page takes a while)."""
    import pytesseract

    cache = Path("/tmp/hoso-stamps-words") / (hashlib.sha1(key.encode()).hexdigest() + ".json")
    if cache.exists():
        return [Word(**w) for w in json.loads(cache.read_text())]
    data = pytesseract.image_to_data(image, lang="vie", config="--psm 3", output_type=pytesseract.Output.DICT)
    k = 72.0 / dpi
    words = []
    for i, text in enumerate(data["text"]):
        if not text.strip():
            continue
        x, y, w, h = data["left"][i], data["top"][i], data["width"][i], data["height"][i]
        words.append(
            Word(
                text=text.strip(), x0=x * k, top=y * k, x1=(x + w) * k, bottom=(y + h) * k, conf=float(data["conf"][i])
            )
        )
    cache.parent.mkdir(exist_ok=True)
    cache.write_text(json.dumps([w.__dict__ for w in words], ensure_ascii=False))
    return words


class Score:
    def __init__(self) -> None:
        self.tp = self.fp = self.truth = 0

    def add(self, predicted, truth) -> str:
        self.truth += truth is not None
        if predicted is None:
            return "" if truth is None else "miss"
        if predicted == truth:
            self.tp += 1
            return "ok"
        self.fp += 1
        return "WRONG"

    def __str__(self) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / self.truth if self.truth else 1.0
        return f"precision {p:.3f} ({self.tp}/{self.tp + self.fp})  recall {r:.3f} ({self.tp}/{self.truth})"


def real_dev(dpi: float = 200.0) -> None:
    """Every page of ../shared/corpus/real-dev through find_stamps: what it reports (e-signature
    boxes and red seals must not come out as register stamps)."""
    import pypdfium2 as pdfium

    times = []
    for path in sorted((SHARED / "corpus" / "real-dev" / "files").glob("*.pdf")):
        pdf = pdfium.PdfDocument(str(path))
        for i in range(len(pdf)):
            image = pdf[i].render(scale=dpi / 72.0).to_pil().convert("RGB")
            t = time.perf_counter()
            found = find_stamps(image, dpi)
            times.append(time.perf_counter() - t)
            # and the way of pages without colour, on the same page: words, then the image
            words = ocr_words(image, dpi, f"real-dev/{path.name}#{i + 1}@{dpi}")
            found_grey = find_stamps_grey(image.convert("L"), dpi, words)
            if found or found_grey:
                print(
                    f"{path.name} p{i + 1}: colour {[(s.kind, s.number, s.date, s.mark, s.box) for s in found]} "
                    f"grey {[(s.kind, s.number, s.date, s.mark, s.box) for s in found_grey]}",
                    flush=True,
                )
    times.sort()
    print(f"{len(times)} pages, find_stamps median {times[len(times) // 2]:.2f} s, max {times[-1]:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--all", action="store_true", help="every page, not a sample of the unstamped ones")
    parser.add_argument("--only", help="case id or file name part")
    parser.add_argument("--stamped", action="store_true", help="only the pages with a stamp or mark (quick)")
    parser.add_argument("--colour-only", action="store_true")
    parser.add_argument("--grey-only", action="store_true")
    parser.add_argument("--words-only", action="store_true", help="grey pages: stamps_in_words alone, no image")
    parser.add_argument(
        "--real-dev", action="store_true", help="run on real-dev instead (no truth: prints what is found)"
    )
    parser.add_argument("--corpus", choices=("dev-real", "petitions-dev"), default="dev-real")
    args = parser.parse_args()
    global CORPUS
    CORPUS = SHARED / "corpus" / args.corpus
    if args.real_dev:
        real_dev()
        return
    truth = json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))
    scores = {(kind, field): Score() for kind in ("colour", "grey") for field in ("number", "date", "mark")}
    false_stamps = {"colour": 0, "grey": 0}
    times: list[float] = []
    grey_times: list[float] = []
    hinted = [0]
    seq = 0
    for batch in truth["batches"]:
        if args.only and args.only not in (batch["case_id"] or "") and not any(args.only in f for f in batch["files"]):
            continue
        docs = {}
        for doc in batch["documents"]:
            for p in range(doc["pages"][0], doc["pages"][1] + 1):
                docs[p] = doc
        kind = "colour" if batch["colour"] == "rgb" else "grey"
        if args.colour_only and kind != "colour" or args.grey_only and kind == "colour":
            continue
        for number, image, dpi in page_images(batch):
            marks = batch["page_marks"][number - 1]
            doc = docs[number]
            want_received = doc["received"] if "received_stamp" in marks else None
            want_mark = MARK[doc["classification"]] if "classification_mark" in marks else None
            seq += 1
            if want_received is None and want_mark is None and (args.stamped or not args.all and seq % 3):
                continue
            t = time.perf_counter()
            if kind == "colour":
                found = find_stamps(image, dpi)
                times.append(time.perf_counter() - t)
            else:
                w_pt, h_pt = image.width * 72 / dpi, image.height * 72 / dpi
                words = ocr_words(image, dpi, f"{batch['files'][0]}#{number}")
                t = time.perf_counter()
                if args.words_only:
                    found = stamps_in_words(words, w_pt, h_pt)
                else:  # as the OCR stage does on a page without colour: the words, then the image
                    found = stamps_in_words(words, w_pt, h_pt)
                    hinted[0] += stamp_hint(words, h_pt)
                    found = find_stamps_grey(image, dpi, words) or found
                    grey_times.append(time.perf_counter() - t)
            received = next((s for s in found if s.kind == "received"), None)
            mark = next((s.mark for s in found if s.kind == "classification"), None)
            if received is not None and want_received is None:
                false_stamps[kind] += 1
            verdicts = [
                scores[kind, "number"].add(
                    received.number if received else None, want_received["number"] if want_received else None
                ),
                scores[kind, "date"].add(
                    received.date if received else None, want_received["date"] if want_received else None
                ),
                scores[kind, "mark"].add(mark, want_mark),
            ]
            name = Path(batch["files"][min(number, len(batch["files"])) - 1 if len(batch["files"]) > 1 else 0]).name
            print(
                f"{name} p{number} [{kind}] want {want_received} {want_mark} | got "
                f"{[(s.kind, s.number, s.date, s.mark) for s in found]} {' '.join(v for v in verdicts if v)}",
                flush=True,
            )
    for kind in ("colour", "grey"):
        print(f"\n{kind}: received stamps on pages without one: {false_stamps[kind]}")
        for field in ("number", "date", "mark"):
            print(f"  {field:6s} {scores[kind, field]}")
    if times:
        times.sort()
        print(f"\nfind_stamps per colour page: median {times[len(times) // 2]:.2f} s, max {times[-1]:.2f} s")
    if grey_times:
        grey_times.sort()
        print(f"grey pages whose words hint at a stamp: {hinted[0]} of {len(grey_times)}")
        print(
            f"stamps per grey page (words, then find_stamps_grey): median {grey_times[len(grey_times) // 2]:.2f} s, max {grey_times[-1]:.2f} s"
        )


if __name__ == "__main__":
    main()
