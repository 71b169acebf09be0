"""Traceable copies (issue 13): every dossier PDF, page image and export that leaves the home carries
a visible mark "Bản sao của {who} · {dd/mm/yyyy HH:MM} · hoso", so that a copy found elsewhere names
who took it and when (the audit trail holds each copy's sha256).

PDF: one overlay per page size, drawn once with fpdf2 (a diagonal line across the middle and a small
line in the bottom margin, light grey, in the shipped DejaVu font) and stamped onto every page with
pikepdf as a shared Form XObject. The grey is multiplied into the page (blend mode Multiply), so black
ink stays black and the page's text is never hidden; the diagonal stays in the middle 60 % of the
page's diagonal and the margin line in the middle of the bottom edge, away from the corners where
the bút lục stamps are (folio.py). The page's own content streams and text layer are left as they
were, so the copy's text stays searchable. Who and when also go into the PDF's metadata (Info and
XMP). The archival dossier is only read: the copy is written to another file.

Images: the same words drawn with Pillow onto the cached plain drawing (render.py), darkening only
pixels lighter than the mark's grey (the page's ink stays on top); a thumbnail gets the diagonal alone.
"""

from __future__ import annotations

import datetime
import io
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf

from .folio import _display_to_user, _font

if TYPE_CHECKING:
    from PIL import Image, ImageFont

FONT_FILE = "data/DejaVuSans-Bold.ttf"
DIAGONAL_GREY = 200  # of 255: light, read against white paper, multiplied into the page
MARGIN_GREY = 120  # the small line in the margin is darker, to stay legible
DIAGONAL_SPAN = 0.6  # of the page's diagonal: the corners (bút lục stamps) stay clear
MARGIN_SIZE = 7.0  # points
MARGIN_BASELINE = 6.0  # points above the bottom edge
SMALL_IMAGE = 200  # pixels wide and less: a thumbnail, the diagonal alone
XMP_NAMESPACE = "https://hoso.vn/ns/copy/1.0/"  # who took the copy and when, in the XMP packet


def mark_text(who: str, when: datetime.datetime) -> str:
    """'Bản sao của kiemsat1 · 15/03/2025 10:05 · hoso'."""
    return f"Bản sao của {who} · {when:%d/%m/%Y %H:%M} · hoso"


def _font_path() -> Path:
    return Path(str(resources.files("pipeline").joinpath(FONT_FILE)))


# ---- PDF ---------------------------------------------------------------------------------------------


def _overlay(pdf: pikepdf.Pdf, text: str, width: float, height: float) -> pikepdf.Object:
    """A Form XObject in `pdf`, `width` × `height` points, with the mark as the page is displayed:
    the margin line as text (fpdf2, the font embedded: a copy's text names its taker), the diagonal
    as glyph outlines (folio's), which add nothing to the page's text when it is copied or extracted."""
    from fpdf import FPDF

    drawn = FPDF(unit="pt", format=(width, height))
    drawn.set_auto_page_break(False)
    drawn.set_margin(0)
    drawn.add_page()
    drawn.add_font("DejaVu", "B", str(_font_path()))
    drawn.set_font("DejaVu", "B", MARGIN_SIZE)
    drawn.set_text_color(MARGIN_GREY)
    with drawn.local_context(blend_mode="Multiply"):
        drawn.text((width - drawn.get_string_width(text)) / 2, height - MARGIN_BASELINE, text)
    with pikepdf.open(io.BytesIO(bytes(drawn.output()))) as overlay:
        page = overlay.pages[0]
        multiply = page.add_resource(
            pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, BM=pikepdf.Name.Multiply), pikepdf.Name.ExtGState
        )
        page.contents_add(pikepdf.Stream(overlay, _diagonal_ops(text, width, height, multiply)))
        return pdf.copy_foreign(page.as_form_xobject())


def _diagonal_ops(text: str, width: float, height: float, multiply: pikepdf.Name) -> bytes:
    """The text along the page's diagonal, centred, DIAGONAL_SPAN of its length, as filled outlines."""
    font = _font()
    size = DIAGONAL_SPAN * math.hypot(width, height) / font.width(text, 1)
    scale = size / font.units
    angle = math.atan2(height, width)
    cos, sin = math.cos(angle), math.sin(angle)
    # Start so that the line's middle (half its width along, a third of a capital up) is the page's.
    along, up = font.width(text, size) / 2, size * 0.35
    x, y = width / 2 - along * cos + up * sin, height / 2 - along * sin - up * cos
    grey = f"{DIAGONAL_GREY / 255:.3f}"
    ops = [f"q {multiply} gs {grey} {grey} {grey} rg {cos:.5f} {sin:.5f} {-sin:.5f} {cos:.5f} {x:.2f} {y:.2f} cm"]
    advance = 0.0
    for char in text:
        glyph = font.glyph(char)
        if glyph.path:
            ops.append(f"q {scale:.6f} 0 0 {scale:.6f} {advance:.2f} 0 cm\n{glyph.path.decode()}Q")
        advance += glyph.advance * scale
    ops.append("Q\n")
    return "\n".join(ops).encode()


class PdfMarker:
    """Stamps the mark onto the pages of one PDF: an overlay per page size, shared by the pages."""

    def __init__(self, pdf: pikepdf.Pdf, text: str):
        self.pdf = pdf
        self.text = text
        self._forms: dict[tuple[float, float], tuple[pikepdf.Name, pikepdf.Object]] = {}
        self._push = pikepdf.Stream(pdf, b"q\n")

    def _form(self, width: float, height: float) -> tuple[pikepdf.Name, pikepdf.Object]:
        key = (round(width, 2), round(height, 2))
        if key not in self._forms:
            name = pikepdf.Name(f"/HosoCopy{len(self._forms)}")
            self._forms[key] = (name, _overlay(self.pdf, self.text, *key))
        return self._forms[key]

    def stamp(self, page: pikepdf.Page) -> None:
        box = [float(v) for v in page.cropbox]
        x0, y0, width, height = box[0], box[1], box[2] - box[0], box[3] - box[1]
        rotation = int(page.obj.get("/Rotate", 0)) % 360
        shown = (height, width) if rotation in (90, 270) else (width, height)
        name, form = self._form(*shown)
        page.add_resource(form, pikepdf.Name.XObject, name, replace_existing=True)
        matrix = " ".join(f"{c:.4f}".rstrip("0").rstrip(".") for c in _display_to_user(rotation, x0, y0, width, height))
        draw = f"Q\n/Artifact <</Type /Pagination /Subtype /Watermark>> BDC q {matrix} cm {name} Do Q EMC\n"
        page.contents_add(self._push, prepend=True)
        page.contents_add(pikepdf.Stream(self.pdf, draw.encode()))


def mark_pdf(source: Path, target: Path, who: str, when: datetime.datetime) -> int:
    """Write `source` to `target` with the mark of `who` at `when` on every page and in its metadata;
    `source` is only read. Returns the number of pages."""
    with pikepdf.open(source) as pdf:
        marker = PdfMarker(pdf, mark_text(who, when))
        for page in pdf.pages:
            marker.stamp(page)
        stamp = when.astimezone().isoformat(timespec="seconds")
        pikepdf.models.metadata.PdfMetadata.register_xml_namespace(XMP_NAMESPACE, "hosocopy")
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta[f"{{{XMP_NAMESPACE}}}takenBy"] = who
            meta[f"{{{XMP_NAMESPACE}}}takenAt"] = stamp
            meta["xmp:MetadataDate"] = stamp
        pdf.docinfo["/HosoCopyTakenBy"] = who
        pdf.docinfo["/HosoCopyTakenAt"] = stamp
        pdf.save(target)
        return len(pdf.pages)


# ---- images ------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _image_font(size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(_font_path()), size)


@lru_cache(maxsize=16)  # the text changes every minute: a burst of one user's pages, up to ~1 MB each
def _mark_masks(text: str, width: int, height: int) -> list[tuple[Image.Image, int]]:
    """The mark's pixels ("1" masks) for an image `width` × `height`, each with its grey: the diagonal,
    and the margin line unless the image is a thumbnail. Kept: a user's next pages of that size reuse them."""
    from PIL import Image, ImageDraw

    probe = _image_font(100)
    size = max(6, int(100 * DIAGONAL_SPAN * math.hypot(width, height) / probe.getlength(text)))
    font = _image_font(size)
    left, top, right, bottom = font.getbbox(text)
    line = Image.new("L", (right - left + 2, bottom - top + 2), 0)
    ImageDraw.Draw(line).text((-left + 1, -top + 1), text, font=font, fill=255)
    line = line.rotate(math.degrees(math.atan2(height, width)), resample=Image.Resampling.BILINEAR, expand=True)
    diagonal = Image.new("1", (width, height), 0)
    diagonal.paste(
        1, ((width - line.width) // 2, (height - line.height) // 2), line.point(lambda v: 255 * (v > 96), "1")
    )
    masks = [(diagonal, DIAGONAL_GREY)]
    if width > SMALL_IMAGE:
        margin = Image.new("1", (width, height), 0)
        small = _image_font(max(8, round(width / 85)))
        ImageDraw.Draw(margin).text((width // 2, height - max(4, height // 150)), text, font=small, fill=1, anchor="ms")
        masks.append((margin, MARGIN_GREY))
    return masks


def mark_image(png: bytes, text: str) -> bytes:
    """The PNG with `text` drawn over it (the diagonal, and past a thumbnail's size the margin line),
    in grey wherever the page is lighter than that grey."""
    from PIL import Image, ImageChops

    from .render import _encode

    with Image.open(io.BytesIO(png)) as image:
        image.load()
    if image.mode != "P":
        image = image.convert("RGB")
    for mask, level in _mark_masks(text, image.width, image.height):
        if image.mode == "P":
            # The drawing keeps its palette: the nearest grey already in it, on pixels lighter than it.
            palette = image.getpalette() or []
            entries = [tuple(palette[i : i + 3]) for i in range(0, len(palette), 3)]
            grey = min(range(len(entries)), key=lambda i: sum((c - level) ** 2 for c in entries[i]))
            lighter = [255 * (sum(rgb) > 3 * level) for rgb in entries] + [0] * (256 - len(entries))
            image.paste(grey, mask=ImageChops.logical_and(mask, image.point(lighter, "1")))
        else:
            image.paste(ImageChops.darker(image, Image.new("RGB", image.size, (level,) * 3)), mask=mask)
    return _encode(image)
