"""Pictures of what a person must read: the header of a document's first page, for `hoso review`.

A number or day written by hand that OCR could not read with confidence is left empty; the clerk
reads it from this crop of the working PDF instead of opening the whole scan.
"""

from __future__ import annotations

import os
from pathlib import Path

import pypdfium2

HEADER_SHARE = 0.36  # the NĐ 30/2020 header, title and trích yếu sit within the top third of a page
CROP_DPI = 150


def header_crop(pdf: Path, page_number: int, out: Path) -> Path:
    """Write a PNG of the top of `page_number` (1-based) of `pdf` to `out`, unless a fresh one exists."""
    if out.exists() and out.stat().st_mtime >= pdf.stat().st_mtime:
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[page_number - 1]
        image = page.render(scale=CROP_DPI / 72).to_pil()  # upright as displayed (/Rotate applied)
    finally:
        document.close()
    image = image.crop((0, 0, image.width, round(image.height * HEADER_SHARE)))
    partial = out.with_name(out.name + ".part")
    image.save(partial, format="PNG", optimize=True)
    os.replace(partial, out)
    return out
