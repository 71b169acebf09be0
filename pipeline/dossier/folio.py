"""Bút lục stamps: the page's number in the dossier, drawn in a corner of each content page.

The stamp is an overlay added after the page's own content streams, which are
left byte-for-byte as they were (only wrapped in q/Q so the stamp starts from a
clean graphics state). It is drawn as vector outlines of the packaged DejaVu
glyphs, not as text: the OCR text layer of the page stays the only text on it,
so copying or extracting the page's text never picks up the stamp, and the
dossier needs no extra font for it. The number is readable in viewers through
/PageLabels (see assemble.py).

The corner is chosen in the page as displayed (the page's /Rotate applied):
top right first, as a clerk writes a bút lục, then the other corners, the
first one where the stamp covers none of the page's OCR words.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pikepdf
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

from ..models import Word

FONT_FILE = "data/DejaVuSans-Bold.ttf"
CAPTION = "BÚT LỤC"
# Sizes in points, in the page as displayed.
MARGIN = 12.0
PAD = 3.0
CAPTION_SIZE = 5.2
NUMBER_SIZE = 11.0
HEIGHT = 25.0
MIN_WIDTH = 38.0
INK = (0.62, 0.06, 0.06)  # dark red, like a clerk's stamp
CORNERS = ("top-right", "bottom-right", "top-left", "bottom-left")


class _PdfPathPen(BasePen):
    """Records a glyph outline as PDF path operators, in font units."""

    def __init__(self, glyphset):
        super().__init__(glyphset)
        self.ops: list[str] = []
        self._last = (0.0, 0.0)

    def _moveTo(self, pt):
        self.ops.append(f"{pt[0]:g} {pt[1]:g} m")
        self._last = pt

    def _lineTo(self, pt):
        self.ops.append(f"{pt[0]:g} {pt[1]:g} l")
        self._last = pt

    def _curveToOne(self, p1, p2, p3):
        self.ops.append(f"{p1[0]:g} {p1[1]:g} {p2[0]:g} {p2[1]:g} {p3[0]:g} {p3[1]:g} c")
        self._last = p3

    def _qCurveToOne(self, p1, p2):
        # A quadratic Bézier as the cubic with the same shape.
        p0 = self._last
        c1 = (p0[0] + 2 / 3 * (p1[0] - p0[0]), p0[1] + 2 / 3 * (p1[1] - p0[1]))
        c2 = (p2[0] + 2 / 3 * (p1[0] - p2[0]), p2[1] + 2 / 3 * (p1[1] - p2[1]))
        self._curveToOne(tuple(round(v, 1) for v in c1), tuple(round(v, 1) for v in c2), p2)

    def _closePath(self):
        self.ops.append("h")


@dataclass(frozen=True)
class _Glyph:
    path: bytes  # PDF path operators in font units, ending in a fill
    advance: float  # font units
    bbox: tuple[float, float, float, float]


class _Font:
    def __init__(self) -> None:
        data = resources.files("pipeline").joinpath(FONT_FILE).read_bytes()
        self.font = TTFont(io.BytesIO(data), lazy=True)
        self.units = self.font["head"].unitsPerEm
        self.cmap = self.font.getBestCmap()
        self.glyphset = self.font.getGlyphSet()
        self.hmtx = self.font["hmtx"]
        self._glyphs: dict[str, _Glyph] = {}

    def glyph(self, char: str) -> _Glyph:
        if char not in self._glyphs:
            name = self.cmap.get(ord(char), ".notdef")
            pen = _PdfPathPen(self.glyphset)
            self.glyphset[name].draw(pen)
            head = self.font["head"]
            self._glyphs[char] = _Glyph(
                path=("\n".join(pen.ops) + "\nf\n").encode() if pen.ops else b"",
                advance=float(self.hmtx[name][0]),
                bbox=(head.xMin, head.yMin, head.xMax, head.yMax),
            )
        return self._glyphs[char]

    def width(self, text: str, size: float) -> float:
        return sum(self.glyph(c).advance for c in text) * size / self.units


@lru_cache(maxsize=1)
def _font() -> _Font:
    return _Font()


class Stamper:
    """Stamps pages of one output PDF; glyph outlines are shared Form XObjects in that PDF."""

    def __init__(self, pdf: pikepdf.Pdf):
        self.pdf = pdf
        self.font = _font()
        self._forms: dict[str, pikepdf.Object] = {}
        self._push = pikepdf.Stream(pdf, b"q\n")
        self._pop = pikepdf.Stream(pdf, b"\nQ\n")

    def _form(self, char: str) -> pikepdf.Object:
        if char not in self._forms:
            glyph = self.font.glyph(char)
            stream = pikepdf.Stream(self.pdf, glyph.path)
            stream["/Type"] = pikepdf.Name.XObject
            stream["/Subtype"] = pikepdf.Name.Form
            stream["/BBox"] = pikepdf.Array(list(glyph.bbox))
            self._forms[char] = self.pdf.make_indirect(stream)
        return self._forms[char]

    def size(self, label: str) -> tuple[float, float]:
        width = max(self.font.width(label, NUMBER_SIZE), self.font.width(CAPTION, CAPTION_SIZE)) + 2 * PAD + 4
        return max(MIN_WIDTH, width), HEIGHT

    def stamp(self, page: pikepdf.Page, label: str, words: list[Word] | None = None) -> str:
        """Draw `label` (the bút lục) in a free corner of `page`; returns the corner used."""
        box = [float(v) for v in page.cropbox]
        x0, y0, width, height = box[0], box[1], box[2] - box[0], box[3] - box[1]
        rotation = int(page.obj.get("/Rotate", 0)) % 360
        shown_w, shown_h = (height, width) if rotation in (90, 270) else (width, height)
        w, h = self.size(label)
        corner, (u, v), free = _choose_corner(shown_w, shown_h, w, h, words or [])
        matrix = _display_to_user(rotation, x0, y0, width, height)

        names: dict[str, str] = {}
        for char in set(label + CAPTION) - {" "}:
            name = pikepdf.Name(f"/HosoBL{ord(char):04X}")
            names[char] = str(page.add_resource(self._form(char), pikepdf.Name.XObject, name))
        ink = " ".join(f"{c:g}" for c in INK)
        ops = [
            "/Artifact <</Type /Pagination /Subtype /Header>> BDC",
            "q",
            " ".join(f"{c:.4f}".rstrip("0").rstrip(".") for c in matrix) + " cm",
            f"1 0 0 1 {u:.2f} {v:.2f} cm",
            f"{ink} RG 0.9 w",
            (f"1 1 1 rg 0 0 {w:.2f} {h:.2f} re B" if free else f"0 0 {w:.2f} {h:.2f} re S"),
            f"{ink} rg",
        ]
        ops += self._text_ops(CAPTION, CAPTION_SIZE, w, HEIGHT - PAD - CAPTION_SIZE * 0.78, names)
        ops += self._text_ops(label, NUMBER_SIZE, w, PAD + 1.2, names)
        ops += ["Q", "EMC"]
        page.contents_add(self._push, prepend=True)
        page.contents_add(self._pop)
        page.contents_add(pikepdf.Stream(self.pdf, ("\n".join(ops) + "\n").encode()))
        return corner

    def _text_ops(self, text: str, size: float, box_w: float, baseline: float, names: dict[str, str]) -> list[str]:
        scale = size / self.font.units
        x = (box_w - self.font.width(text, size)) / 2
        ops = []
        for char in text:
            glyph = self.font.glyph(char)
            if char != " ":
                ops.append(f"q {scale:.6f} 0 0 {scale:.6f} {x:.2f} {baseline:.2f} cm {names[char]} Do Q")
            x += glyph.advance * scale
        return ops


def _choose_corner(
    page_w: float,
    page_h: float,
    w: float,
    h: float,
    words: list[Word],
) -> tuple[str, tuple[float, float], bool]:
    """The first corner whose stamp box touches no OCR word: (name, lower-left in display coords, free?)."""
    spots = {
        "top-right": (page_w - MARGIN - w, page_h - MARGIN - h),
        "bottom-right": (page_w - MARGIN - w, MARGIN),
        "top-left": (MARGIN, page_h - MARGIN - h),
        "bottom-left": (MARGIN, MARGIN),
    }
    # Words come top-left based (pdfplumber); the stamp box is bottom-left based.
    boxes = [(wd.x0, page_h - wd.bottom, wd.x1, page_h - wd.top) for wd in words if wd.text.strip()]
    slack = 2.0
    for name in CORNERS:
        u, v = spots[name]
        if not any(
            bx0 < u + w + slack and bx1 > u - slack and by0 < v + h + slack and by1 > v - slack
            for bx0, by0, bx1, by1 in boxes
        ):
            return name, (u, v), True
    # Every corner has text in it: closer to the edge of the top right corner, without a white background.
    return "top-right", (page_w - 4 - w, page_h - 4 - h), False


def _display_to_user(rotation: int, x0: float, y0: float, width: float, height: float) -> tuple[float, ...]:
    """The matrix taking coordinates in the page as displayed to the page's own user space."""
    if rotation == 90:
        return (0, 1, -1, 0, x0 + width, y0)
    if rotation == 180:
        return (-1, 0, 0, -1, x0 + width, y0 + height)
    if rotation == 270:
        return (0, -1, 1, 0, x0, y0 + height)
    return (1, 0, 0, 1, x0, y0)
