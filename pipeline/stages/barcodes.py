"""Read the QR codes and barcodes on a page image (separator sheets: HOSO:SEP, HOSO:CASE=<id>)."""

from __future__ import annotations

from PIL import Image
from pyzbar import pyzbar


def decode_barcodes(image: Image.Image) -> list[str]:
    """Texts of the QR codes and barcodes on the page, top to bottom, each once.

    Any image mode works (bilevel TIFF pages, gray or colour JPEG); zbar finds
    symbols at any rotation, so a sheet fed sideways still reads.
    """
    found = sorted(pyzbar.decode(image.convert("L")), key=lambda symbol: (symbol.rect.top, symbol.rect.left))
    texts: list[str] = []
    for symbol in found:
        text = symbol.data.decode("utf-8", errors="replace").strip()
        if text and text not in texts:
            texts.append(text)
    return texts
