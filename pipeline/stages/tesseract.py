"""Tesseract on several small images in one run, for the stages that read parts of a page on their
own (a stamp, a field's line, a line the page's OCR left out): its start-up costs more than a
small crop does. And the words of Tesseract's hOCR, as the OCR stage and those stages read them."""

from __future__ import annotations

import html
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass

from PIL import Image

SUFFIXES = {"tsv": ".tsv", "hocr": ".hocr", "makebox": ".box"}  # Tesseract's output configs → its files
TIMEOUT_S = 120


def read_images(images: list[Image.Image], lang: str, config: str, outputs: list[str]) -> dict[str, str]:
    """Tesseract's `outputs` ("tsv", "hocr", "makebox") for `images` read as the pages of one run,
    by name. A run that fails gives empty outputs: a part of a page that cannot be read is simply
    not read, and the page's own OCR goes on."""
    import pytesseract

    with tempfile.TemporaryDirectory(prefix="hoso-tesseract-") as tmp:
        names = []
        for i, image in enumerate(images):
            name = os.path.join(tmp, f"{i:03d}.png")
            image.save(name)
            names.append(name)
        listing = os.path.join(tmp, "images.txt")
        with open(listing, "w", encoding="utf-8") as out:
            out.write("\n".join(names) + "\n")
        base = os.path.join(tmp, "out")
        try:
            subprocess.run(
                [pytesseract.pytesseract.tesseract_cmd, listing, base, "-l", lang, *config.split(), *outputs],
                capture_output=True,
                timeout=TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            pass
        return {output: _read_text(base + SUFFIXES[output]) for output in outputs}


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


@dataclass(frozen=True)
class HocrWord:
    """A word of Tesseract's hOCR: its box in the pixels of the image read, confidence and text."""

    x0: int
    top: int
    x1: int
    bottom: int
    conf: float
    text: str  # unescaped, without markup; may be empty


_HOCR_WORD = re.compile(
    r"<span class=['\"]ocrx_word['\"][^>]*?title=['\"]bbox (\d+) (\d+) (\d+) (\d+); x_wconf (\d+)[^>]*>(.*?)</span>",
    re.S,
)
_TAG = re.compile(r"<[^>]+>")


def hocr_words(hocr: str) -> list[HocrWord]:
    """The words of an hOCR text (a page's, or a part of one such as a line), in order."""
    return [
        HocrWord(*(int(v) for v in m.groups()[:4]), float(m[5]), html.unescape(_TAG.sub("", m[6])).strip())
        for m in _HOCR_WORD.finditer(hocr)
    ]
