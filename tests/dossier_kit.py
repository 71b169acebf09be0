"""Tiny dossiers without OCR: page PDFs with a real text layer (fpdf2), rows put straight
into the catalog, and readers for what a built dossier shows (Mục lục, bookmarks, stamps,
page labels). Shared by test_dossier*.py and test_verify.py."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pdfplumber
import pikepdf
from fpdf import FPDF
from PIL import Image

from ingest.archive import archive_originals
from pipeline.config import Settings
from pipeline.dossier.folio import CAPTION, _font
from pipeline.hashing import sha256_file
from pipeline.models import PageText, Word
from pipeline.store.catalog import Catalog, DocumentRow

FONT = str(resources.files("pipeline").joinpath("data/DejaVuSerif.ttf"))
UNIT = "Viện kiểm sát nhân dân tỉnh Quảng Ninh"
CASE = "2024-HS-0042"


def page_pdf(path: Path, texts: list[str], *, rotate: int = 0, core_font: bool = False) -> None:
    """A PDF with one page per text, the text drawn as real (selectable) text, like an OCR layer."""
    pdf = FPDF(unit="pt", format="A4")
    if core_font:
        pdf.set_font("Helvetica", size=12)  # not embedded: not PDF/A as it is
    else:
        pdf.add_font("Serif", "", FONT)
        pdf.set_font("Serif", size=12)
    for text in texts:
        pdf.add_page()
        pdf.set_xy(72, 110)
        pdf.multi_cell(450, 16, text)
    pdf.output(str(path))
    with pikepdf.open(path, allow_overwriting_input=True) as doc:
        if rotate:
            for page in doc.pages:
                page.obj.Rotate = rotate
        doc.save(path)


@dataclass
class TinyHome:
    settings: Settings
    catalog: Catalog
    arrivals: int = 0
    batches: dict[str, str] = field(default_factory=dict)  # name → batch id

    @property
    def home(self) -> Path:
        return self.settings.home

    def store_scan(
        self,
        original: Path,
        *,
        case_id: str | None,
        folder: str | None = None,
        confidence: float | None = None,
        purpose: str = "case",
    ) -> tuple[str, int]:
        """What ingest records for a born-digital scan, without OCR: archive copy, working PDF,
        page texts and a queued file row linked to the case. Returns (batch id, file id)."""
        sha = sha256_file(original)
        archived = archive_originals([original], self.settings.archive_dir, sha)[0].path
        work = self.settings.work_dir / sha[:2]
        work.mkdir(parents=True, exist_ok=True)
        ocr_pdf = work / f"{sha}.pdf"
        ocr_pdf.write_bytes(original.read_bytes())
        with pdfplumber.open(ocr_pdf) as pdf:
            pages = [
                PageText(
                    n,
                    page.extract_text(),
                    float(page.width),
                    float(page.height),
                    [Word(w["text"], w["x0"], w["top"], w["x1"], w["bottom"]) for w in page.extract_words()],
                    confidence=confidence,
                )
                for n, page in enumerate(pdf.pages, 1)
            ]
        with self.catalog.transaction():
            self.catalog.add_batch(
                batch_id=sha,
                kind="pdf",
                originals=[{"name": original.name, "path": str(original), "sha256": sha, "archive": str(archived)}],
                ocr_pdf=str(ocr_pdf),
                ocr_sha256=sha256_file(ocr_pdf),
                pages=pages,
                signed=False,
            )
            file_id = self.catalog.add_file(
                path=str(original),
                paths=[str(original)],
                kind="pdf",
                size=original.stat().st_size,
                sha256=sha,
                case_id=case_id,
                folder=folder,
                purpose=purpose,
            )
            self.catalog.link_batch(case_id, sha, file_id)
        return sha, file_id

    def batch(
        self, name: str, texts: list[str], *, rotate: int = 0, core_font: bool = False, case_id: str = CASE
    ) -> str:
        """A batch as if it had been scanned, archived and OCRed: original in the archive, PDF in work/."""
        inbox = self.home.parent / "inbox"
        inbox.mkdir(parents=True, exist_ok=True)
        original = inbox / f"{name}.pdf"
        page_pdf(original, texts, rotate=rotate, core_font=core_font)
        sha, _ = self.store_scan(original, case_id=case_id)
        self.batches[name] = sha
        return sha

    def document(
        self,
        doc_id: str,
        doc_type: str,
        batch: str,
        pages: list[int],
        *,
        date: str | None = None,
        number: str | None = None,
        title: str | None = None,
        subtitle: str | None = None,
        persons: list[dict] | None = None,
        crime: str | None = None,
        article: int | None = None,
        case_id: str = CASE,
    ) -> None:
        self.arrivals += 1
        with self.catalog.transaction():
            self.catalog.put_document(
                DocumentRow(
                    id=doc_id,
                    case_id=case_id,
                    type=doc_type,
                    confidence=1.0,
                    number=number,
                    date=date,
                    title=title,
                    subtitle=subtitle,
                    persons=persons or [],
                    crime=crime,
                    article=article,
                    arrival=1_700_000_000 + self.arrivals,
                    pages=[(self.batches.get(batch, batch), n, None, None) for n in pages],
                )
            )


def tiny_home(root: Path) -> TinyHome:
    settings = Settings(home=root / "home", unit=UNIT)
    return TinyHome(settings, Catalog(settings.catalog))


def cli(home: Path, *args: str, code: int | None = 0):
    """The real `hoso` command, in this process (much faster than a child process per call)."""
    from typer.testing import CliRunner

    from cli.main import app

    result = CliRunner().invoke(app, ["--home", str(home), *args], catch_exceptions=False)
    if code is not None:
        assert result.exit_code == code, (args, result.exit_code, result.stdout, result.stderr)
    return result


def cli_json(home: Path, *args: str) -> dict:
    return json.loads(cli(home, *args, "--json").stdout)


# ---- reading a built dossier ------------------------------------------------------------------


@dataclass
class TocRow:
    stt: int
    number: str
    date: str
    first: int
    last: int
    text: str


def toc_rows(pdf_path: Path, front_pages: int) -> list[TocRow]:
    """The Mục lục's rows as a reader sees them: by the row's STT and its two bút lục cells."""
    rows: list[TocRow] = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages[1:front_pages]:
            for table in page.extract_tables():
                for cells in table:
                    if not cells or not cells[0] or not str(cells[0]).strip().isdigit():
                        continue
                    stt, name, number, date, first, last = (c or "" for c in cells)
                    rows.append(
                        TocRow(
                            int(stt),
                            number.replace("\n", ""),
                            date.replace("\n", ""),
                            int(first),
                            int(last),
                            name.replace("\n", " "),
                        )
                    )
    return rows


def outline(pdf_path: Path) -> list[tuple[str, int]]:
    """(title, 0-based page index) of every top-level bookmark."""
    with pikepdf.open(pdf_path) as pdf:
        index = {page.objgen: n for n, page in enumerate(pdf.pages)}
        with pdf.open_outline() as tree:
            return [(item.title, index[item.destination[0].objgen]) for item in tree.root]


def labels(pdf_path: Path) -> list[str]:
    with pikepdf.open(pdf_path) as pdf:
        return [page.label for page in pdf.pages]


def stamp_text(pdf_path: Path, page_index: int) -> str | None:
    """Read the bút lục stamp back from the page's last content stream: its glyph forms, in order."""
    font = _font()
    by_path = {}
    for char in set(CAPTION + "0123456789") - {" "}:
        by_path[font.glyph(char).path] = char
    with pikepdf.open(pdf_path) as pdf:
        page = pdf.pages[page_index]
        contents = page.obj.Contents
        last = contents[-1] if isinstance(contents, pikepdf.Array) else contents
        ops = last.read_bytes().decode("latin-1")
        if "/Artifact" not in ops:
            return None
        xobjects = page.obj.Resources.XObject
        text = ""
        for name in re.findall(r"(/HosoBL\w+) Do", ops):
            text += by_path.get(xobjects[name].read_bytes(), "?")
    caption = CAPTION.replace(" ", "")
    assert text.startswith(caption), text
    return text[len(caption) :]


INK = (158, 15, 15)  # the stamp's red, as rendered


def ink_corner(pdf_path: Path, page_index: int, tmp: Path) -> str | None:
    """Where the stamp's red ink is on the page as displayed: 'top-right', ..., or None."""
    out = tmp / f"render-{page_index}"
    subprocess.run(
        ["pdftoppm", "-r", "24", "-f", str(page_index + 1), "-l", str(page_index + 1), "-png", str(pdf_path), str(out)],
        check=True,
    )
    image = Image.open(next(tmp.glob(f"render-{page_index}*.png"))).convert("RGB")
    w, h = image.size
    reds = [
        (x, y)
        for y in range(h)
        for x in range(w)
        if (lambda p: p[0] > 110 and p[1] < 90 and p[2] < 90)(image.getpixel((x, y)))
    ]
    if not reds:
        return None
    x = sum(p[0] for p in reds) / len(reds)
    y = sum(p[1] for p in reds) / len(reds)
    return ("top" if y < h / 2 else "bottom") + "-" + ("left" if x < w / 2 else "right")
