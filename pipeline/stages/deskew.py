"""Straighten leaning scans before OCR.

OCRmyPDF's --deskew doubles the OCR time of a page (it re-renders the page and
re-embeds it losslessly). A scan page is one image: turning that image in place
and re-encoding it once costs a fraction of that, and Tesseract then reads the
small header text (số/ký hiệu) as well as on a straight scan.
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pikepdf
from PIL import Image, ImageOps

COARSE_MAX, COARSE_STEP = 3.0, 0.5
FINE_STEP = 0.1
PROFILE_WIDTH = 1000  # pixels; enough to tell a tenth of a degree across a page
LEVEL = 0.15  # degrees; leaning less than this is left alone


def skew_degrees(image: Image.Image, around: float = 0.0, span: float = COARSE_MAX, step: float = COARSE_STEP) -> float:
    """Turn (counter-clockwise degrees) that makes the text lines level: the sharpest row profile."""
    ink = ImageOps.invert(image.convert("L"))  # turning fills with 0, i.e. paper
    best, best_sharpness = around, -1.0
    steps = round(span / step)
    for i in range(-steps, steps + 1):
        angle = around + i * step
        turned = ink.rotate(angle, resample=Image.BILINEAR)
        rows = turned.resize((1, turned.height), Image.BOX).tobytes()
        sharpness = sum((a - b) ** 2 for a, b in zip(rows, rows[1:], strict=False))
        if sharpness > best_sharpness:
            best, best_sharpness = angle, sharpness
    return best


def fine_skew(image: Image.Image) -> float:
    """Skew to a tenth of a degree: coarse search, then fine search around the best."""
    small = image.convert("L")
    if small.width > PROFILE_WIDTH:
        small = small.resize((PROFILE_WIDTH, round(small.height * PROFILE_WIDTH / small.width)), Image.BOX)
    coarse = skew_degrees(small)
    return round(skew_degrees(small, around=coarse, span=COARSE_STEP, step=FINE_STEP), 2)


def straighten(source: Path, output: Path, pages: list[int]) -> dict[int, float]:
    """Copy `source` to `output` with the scan image of each listed page levelled.

    Only pages that are one plain image (a scan) are touched. Returns {page: degrees turned}.
    """
    turned: dict[int, float] = {}
    with pikepdf.open(source) as pdf:
        for number in pages:
            image = _scan_image(pdf.pages[number - 1])
            if image is None:
                continue
            picture = pikepdf.PdfImage(image).as_pil_image()
            angle = fine_skew(picture)
            if abs(angle) < LEVEL:
                continue
            _replace(image, _turn(picture, angle))
            turned[number] = angle
        pdf.save(output)
    return turned


# Another image on a scanned page is at most this share of the scan's pixels: an e-signature stamp's
# seal or logo (a flattened signature field's), a QR code.
SMALL_IMAGE = 0.05


def _scan_image(page: pikepdf.Page) -> pikepdf.Stream | None:
    """The page's scan: its one image, or its one large image with only small ones beside it (a signed
    PDF's stamp images, drawn over the scan, stay as they are), if it is a plain gray, RGB or bilevel
    image without masks."""
    images = sorted(page.get_images().values(), key=_pixels, reverse=True)
    if not images or any(_pixels(other) > SMALL_IMAGE * _pixels(images[0]) for other in images[1:]):
        return None
    image = images[0]
    if image.get("/ImageMask") or "/SMask" in image or "/Mask" in image:
        return None
    if image.get("/ColorSpace") not in (pikepdf.Name.DeviceGray, pikepdf.Name.DeviceRGB):
        return None
    return image


def _pixels(image: pikepdf.Stream) -> int:
    return int(image.get("/Width", 0)) * int(image.get("/Height", 0))


def _turn(picture: Image.Image, angle: float) -> Image.Image:
    if picture.mode == "1":
        # Bilevel pages turn without grey edges, so they stay bilevel.
        return picture.rotate(angle, resample=Image.NEAREST, fillcolor=1)
    if picture.mode not in ("L", "RGB"):
        picture = picture.convert("RGB")
    white = 255 if picture.mode == "L" else (255, 255, 255)
    return picture.rotate(angle, resample=Image.BICUBIC, fillcolor=white)


def _replace(image: pikepdf.Stream, picture: Image.Image) -> None:
    """Write the turned picture into the same image object (same size, same place on the page)."""
    for key in ("/DecodeParms", "/Decode"):
        if key in image:
            del image[key]
    if picture.mode == "1":
        # PIL packs '1' rows with 1 = white, as DeviceGray at 1 bit per component reads them.
        image.write(zlib.compress(picture.tobytes(), 6), filter=pikepdf.Name.FlateDecode)
        image.BitsPerComponent = 1
        image.ColorSpace = pikepdf.Name.DeviceGray
        return
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=90, optimize=False)
    image.write(buffer.getvalue(), filter=pikepdf.Name.DCTDecode)
    image.BitsPerComponent = 8
    image.ColorSpace = pikepdf.Name.DeviceGray if picture.mode == "L" else pikepdf.Name.DeviceRGB
