"""Stamps on a page, read on their own: incoming-register stamps ("ĐẾN Số: 1945 / Ngày: 30/8/24")
and MẬT / TỐI MẬT boxes; and their ink kept out of the body's OCR.

(Interface placeholder; the implementation follows.)
"""
from __future__ import annotations

from PIL import Image

from .models import Stamp, Word


def find_stamps(image: Image.Image, dpi: float) -> list[Stamp]:
    """Stamps found by colour on a page image (RGB, `dpi` dots per inch); boxes in PDF points."""
    return []


def suppress_stamp_ink(image: Image.Image) -> Image.Image:
    """The page image for the body's OCR only: stamp and seal ink (red, blue, violet) turned to paper."""
    return image


def stamps_in_words(words: list[Word], width: float, height: float) -> list[Stamp]:
    """Stamps found in the OCR words of a page that has no colour (bilevel or grey scans)."""
    return []
