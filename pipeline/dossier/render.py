"""A page of a case's dossier as an image (pypdfium2), for the web viewer: drawn once per width and
kept under `<home>/cache/pages/<case>/<dossier sha256 prefix>/<page>-<width>.png`.

The dossier's sha256 is in the key, so a rebuilt dossier is never served from an older drawing;
writing into a new version's folder removes the folders of the older ones. Files are written to a
temporary name and renamed, so a reader never sees half an image.

Coordinates: a page's OCR words are stored in its working (batch) page as pdfplumber shows it
(the page's /Rotate applied, origin top-left, PDF points). Assembly puts that very page into the
dossier, with the same boxes, turned further only by a clerk's `hoso page rotate`; `turn_box`
follows that turn, and `page_size` reads the dossier page's own size, so that anything else that
might resize it (Ghostscript's PDF/A route) is followed too.
"""

from __future__ import annotations

import io
import os
import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

# Pillow and PDFium load where a page is drawn: the CLI's commands that only read the catalog need neither.
if TYPE_CHECKING:
    from PIL import Image

MIN_WIDTH, MAX_WIDTH, DEFAULT_WIDTH = 100, 2000, 1000
BOX_INK = (232, 89, 12)  # the viewer's outline colour (app.css --box)

# PDFium is not thread-safe; the web server renders from a pool of threads.
_PDFIUM = threading.Lock()


@dataclass(frozen=True)
class DossierFile:
    """One built version of a case's dossier."""

    case_id: str
    pdf: Path
    sha256: str

    @property
    def key(self) -> str:
        return self.sha256[:16]


def clamp_width(width: int | None) -> int:
    return DEFAULT_WIDTH if not width else min(MAX_WIDTH, max(MIN_WIDTH, int(width)))


def cache_folder(cache_dir: Path, dossier: DossierFile) -> Path:
    return cache_dir / "pages" / dossier.case_id / dossier.key


def page_image(dossier: DossierFile, page: int, width: int, cache_dir: Path) -> Path:
    """PNG of dossier page `page` (1-based) `width` pixels wide, drawn now or earlier."""
    folder = cache_folder(cache_dir, dossier)
    path = folder / f"{page}-{width}.png"
    if path.is_file():
        return path
    data = _png(dossier.pdf, page, width)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{path.name}.{os.getpid()}.{threading.get_ident()}.part"
    partial.write_bytes(data)
    os.replace(partial, path)
    for older in folder.parent.iterdir():
        if older != folder and older.is_dir():
            shutil.rmtree(older, ignore_errors=True)
    return path


@lru_cache(maxsize=4096)
def page_size(pdf: Path, page: int) -> tuple[float, float]:
    """(width, height) in points of a dossier page as displayed (its /Rotate applied).

    Kept per file and page: a version's file is never rewritten, and a viewer asking need not
    wait behind the renders holding PDFium."""
    import pypdfium2 as pdfium

    with _PDFIUM:
        document = pdfium.PdfDocument(pdf)
        try:
            return tuple(document[page - 1].get_size())
        finally:
            document.close()


def _png(pdf: Path, page: int, width: int) -> bytes:
    import pypdfium2 as pdfium
    from PIL import Image

    with _PDFIUM:
        document = pdfium.PdfDocument(pdf)
        try:
            shown = document[page - 1]
            image = shown.render(scale=width / shown.get_width(), draw_annots=True).to_pil()
        finally:
            document.close()
    # A colour scan as a 24-bit PNG takes ~200 ms to write and weighs 1-2 MB; in 255 colours (one left
    # free for the boxes' ink) ~20 ms and a fifth of that, and it reads the same on screen.
    return _encode(image.convert("RGB").quantize(255, method=Image.Quantize.FASTOCTREE))


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)  # higher levels shrink a scan little, for several times the time
    return out.getvalue()


def with_boxes(png: Path, boxes: Iterable[tuple[float, float, float, float]], page_width: float) -> bytes:
    """The image with `boxes` (x0, top, x1, bottom in the page's points) outlined."""
    from PIL import Image, ImageDraw

    with Image.open(png) as image:
        image.load()
    scale = image.width / page_width
    pen = max(2, round(image.width / 500))
    draw = ImageDraw.Draw(image)
    for x0, top, x1, bottom in boxes:
        draw.rectangle(
            [x0 * scale - pen, top * scale - pen, x1 * scale + pen, bottom * scale + pen], outline=BOX_INK, width=pen
        )
    return _encode(image)


def turn_box(
    box: tuple[float, float, float, float], width: float, height: float, turn: int
) -> tuple[float, float, float, float]:
    """A box (x0, top, x1, bottom) of a `width` × `height` page, on that page turned `turn` degrees clockwise."""
    x0, top, x1, bottom = box
    turn %= 360
    if turn == 90:
        return height - bottom, x0, height - top, x1
    if turn == 180:
        return width - x1, height - bottom, width - x0, height - top
    if turn == 270:
        return top, width - x1, bottom, width - x0
    return box
