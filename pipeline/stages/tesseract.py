"""Tesseract on several small images in one run, for the stages that read parts of a page on their
own (a stamp, a field's line, a line the page's OCR left out): its start-up costs more than a
small crop does."""

from __future__ import annotations

import os
import subprocess
import tempfile

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
