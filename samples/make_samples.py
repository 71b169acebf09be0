#!/usr/bin/env python3
"""Deterministic generator of small synthetic scans of Vietnamese procuracy case files.

Run ``python samples/make_samples.py`` (from the repo root) to regenerate everything under
``samples/`` (inbox/, more/, bad/, truth.json). The output is byte-for-byte reproducible with
the same fonts and library versions: every random choice comes from ``random.Random`` seeded
with ``SEED`` and a per-page key, and PDFs are written without dates and with static IDs.

The module is also a small library that tests can import to make pages on the fly::

    from samples.make_samples import render_page, render_document, example_document
    img = render_page(["QUYẾT ĐỊNH", "Khởi tố vụ án hình sự"], dpi=100)
    images, texts = render_document("qd_khoi_to_vu_an", dpi=100, noise=False)
    doc = example_document("cao_trang")          # a Doc with type/number/date/title/...
    write_scan("/tmp/x.pdf", images, dpi=100)     # .pdf / .tif / .jpg / .png by suffix

Layout follows Nghị định 30/2020/NĐ-CP: A4, margins 20/20/30/15 mm, two-column header
(agency + "Số:" on the left, national title + motto + place/date on the right), centred bold
title and subtitle, 13 pt body with first-line indent, "Nơi nhận" + signature block.
Page text (``Page.text``) is the exact text drawn, one visual line per line, left column before
right column, continuation pages starting with their page number.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import struct
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

SAMPLES_DIR = Path(__file__).resolve().parent
SEED = 20250301
DEFAULT_DPI = 150

# --------------------------------------------------------------------------------------------
# Page geometry (millimetres, y grows downwards, baselines)
# --------------------------------------------------------------------------------------------
PAGE_W_MM, PAGE_H_MM = 210.0, 297.0
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20.0, 20.0, 30.0, 15.0
TEXT_W = PAGE_W_MM - MARGIN_LEFT - MARGIN_RIGHT
BODY_PT = 13.0
HEADER_PT = 12.0
TITLE_PT = 14.0
LINE_FACTOR = 1.32  # line height / font size
FIRST_INDENT = 12.7  # mm
PARA_GAP = 0.8  # mm between paragraphs
LEFT_COL_CX = 62.0  # centre of the left header column
RIGHT_COL_CX = 147.0  # centre of the right header column
MM_PER_PT = 25.4 / 72.0

# --------------------------------------------------------------------------------------------
# Fonts: Noto Serif (full Vietnamese coverage), DejaVu Serif as a fallback.
# --------------------------------------------------------------------------------------------
_FONT_FILES = {
    "": ["noto/NotoSerif-Regular.ttf", "dejavu/DejaVuSerif.ttf"],
    "b": ["noto/NotoSerif-Bold.ttf", "dejavu/DejaVuSerif-Bold.ttf"],
    "i": ["noto/NotoSerif-Italic.ttf", "dejavu/DejaVuSerif-Italic.ttf"],
    "bi": ["noto/NotoSerif-BoldItalic.ttf", "dejavu/DejaVuSerif-BoldItalic.ttf"],
}
_FONT_ROOTS = ["/usr/share/fonts/truetype", "/usr/share/fonts/TTF", "/usr/local/share/fonts"]
_REF_PX = 1000.0


@cache
def font_path(style: str = "") -> str:
    for rel in _FONT_FILES[style]:
        for root in _FONT_ROOTS:
            p = os.path.join(root, rel)
            if os.path.exists(p):
                return p
            p = os.path.join(root, os.path.basename(rel))
            if os.path.exists(p):
                return p
    raise FileNotFoundError(
        f"no serif font with Vietnamese glyphs for style {style!r}: install fonts-noto-core or fonts-dejavu-core"
    )


@cache
def _font(style: str, px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(style), px, layout_engine=ImageFont.Layout.BASIC)


def text_width_mm(text: str, size_pt: float, style: str = "") -> float:
    """Width of ``text`` in mm, measured on a large reference size (dpi independent)."""
    return _font(style, _REF_PX).getlength(text) / _REF_PX * size_pt * MM_PER_PT


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


# --------------------------------------------------------------------------------------------
# Page model
# --------------------------------------------------------------------------------------------
@dataclass
class TextLine:
    """One drawn line of text. ``x`` is the left edge, centre or right edge (see ``align``)."""

    text: str
    x: float
    y: float  # baseline, mm from the top edge
    size: float = BODY_PT
    style: str = ""  # "", "b", "i", "bi"
    align: str = "left"  # left | center | right

    def left_mm(self) -> float:
        w = text_width_mm(self.text, self.size, self.style)
        return {"left": self.x, "center": self.x - w / 2, "right": self.x - w}[self.align]

    def width_mm(self) -> float:
        return text_width_mm(self.text, self.size, self.style)


@dataclass
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.25  # mm


@dataclass
class Scribble:
    """A hand signature: a smooth polyline through ``points`` (mm)."""

    points: list
    width: float = 0.45


@dataclass
class Picture:
    """A bilevel/grey image placed with its top-left corner at (x, y), ``w`` mm wide."""

    image: Image.Image
    x: float
    y: float
    w: float


@dataclass
class Page:
    lines: list = field(default_factory=list)
    marks: list = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines if line.text)


# --------------------------------------------------------------------------------------------
# Flow blocks and the paginating layout engine
# --------------------------------------------------------------------------------------------
@dataclass
class CL:
    """A column line: text, style, size, extra gap (mm) *before* the line."""

    text: str
    style: str = ""
    size: float = HEADER_PT
    gap: float = 0.0


@dataclass
class Para:
    text: str
    indent: float = FIRST_INDENT  # first-line indent, mm
    size: float = BODY_PT
    style: str = ""
    align: str = "left"  # left | center | right
    hang: float = 0.0  # left offset of every line, mm
    gap: float = PARA_GAP  # space before, mm


@dataclass
class Columns:
    """Two top-aligned columns (header, signature, 'Nơi nhận'); kept on one page.

    ``left_cx``/``right_cx`` are column centres; a column whose lines should be flush left
    gives ``left_x`` instead. Rules are drawn under the lines listed in ``rule_under``
    (("L"|"R", index, length_mm or None = line width)). A scribble is drawn in the gap
    before the right (or left) line index given in ``sign_before``.
    """

    left: list
    right: list
    left_cx: float = LEFT_COL_CX
    right_cx: float = RIGHT_COL_CX
    left_x: float | None = None
    rule_under: tuple = ()
    sign_before: tuple = ()  # (("R", idx), ("L", idx))
    gap: float = 0.0


@dataclass
class Space:
    mm: float


@dataclass
class PageBreak:
    pass


@dataclass
class Doc:
    type: str
    number: str
    date: str  # ISO yyyy-mm-dd
    title: str
    subtitle: str
    blocks: list
    key: str = ""  # stable id, also the noise seed key

    def truth(self, first_page: int = 1, pages: Sequence[Page] | None = None) -> dict:
        pages = pages if pages is not None else layout_document(self)
        return {
            "type": self.type,
            "number": self.number,
            "date": self.date,
            "title": self.title,
            "subtitle": self.subtitle,
            "pages": [first_page, first_page + len(pages) - 1],
            "text": [p.text for p in pages],
        }


def _lh(size: float) -> float:
    return size * LINE_FACTOR * MM_PER_PT


def wrap(text: str, width_mm: float, size: float, style: str = "", first_width_mm: float | None = None) -> list[str]:
    """Greedy word wrap on measured widths."""
    words = text.split()
    lines: list[str] = []
    cur = ""
    limit = first_width_mm if first_width_mm is not None else width_mm
    for w in words:
        cand = w if not cur else cur + " " + w
        if not cur or text_width_mm(cand, size, style) <= limit:
            cur = cand
        else:
            lines.append(cur)
            cur = w
            limit = width_mm
    if cur:
        lines.append(cur)
    return lines


class Layout:
    def __init__(self, page_numbers: bool = True):
        self.pages: list[Page] = []
        self.page_numbers = page_numbers
        self.y = 0.0
        self.new_page()

    @property
    def page(self) -> Page:
        return self.pages[-1]

    def new_page(self) -> None:
        self.pages.append(Page())
        self.y = MARGIN_TOP
        if self.page_numbers and len(self.pages) > 1:
            self.page.lines.append(
                TextLine(str(len(self.pages)), PAGE_W_MM / 2 + 7.5, MARGIN_TOP - 6.0, BODY_PT, "", "center")
            )

    def room(self) -> float:
        return PAGE_H_MM - MARGIN_BOTTOM - self.y

    def fresh(self) -> bool:
        return self.y <= MARGIN_TOP + 0.01

    def add(self, block) -> None:
        if isinstance(block, PageBreak):
            self.new_page()
        elif isinstance(block, Space):
            self.y += block.mm
        elif isinstance(block, Para):
            self._para(block)
        elif isinstance(block, Columns):
            self._columns(block)
        else:
            raise TypeError(block)

    def _para(self, p: Para) -> None:
        text = nfc(p.text)
        width = TEXT_W - p.hang
        if p.align == "left":
            lines = wrap(text, width, p.size, p.style, width - p.indent)
        else:
            lines = wrap(text, width, p.size, p.style)
        lh = _lh(p.size)
        if not self.fresh():
            self.y += p.gap
        for i, ln in enumerate(lines):
            if self.room() < lh:
                self.new_page()
            base = self.y + lh * 0.78
            if p.align == "left":
                x = MARGIN_LEFT + p.hang + (p.indent if i == 0 else 0.0)
                tl = TextLine(ln, x, base, p.size, p.style, "left")
            elif p.align == "center":
                tl = TextLine(ln, MARGIN_LEFT + p.hang + width / 2, base, p.size, p.style, "center")
            else:
                tl = TextLine(ln, PAGE_W_MM - MARGIN_RIGHT, base, p.size, p.style, "right")
            self.page.lines.append(tl)
            self.y += lh

    def _col_height(self, col: list) -> float:
        return sum(_lh(c.size) + c.gap for c in col)

    def _columns(self, c: Columns) -> None:
        h = max(self._col_height(c.left), self._col_height(c.right))
        if not self.fresh():
            self.y += c.gap
        if self.room() < h:
            self.new_page()
        top = self.y
        placed = {}
        for side, col, cx in (("L", c.left, c.left_cx), ("R", c.right, c.right_cx)):
            y = top
            for i, cl in enumerate(col):
                y += cl.gap
                lh = _lh(cl.size)
                base = y + lh * 0.78
                if side == "L" and c.left_x is not None:
                    tl = TextLine(nfc(cl.text), c.left_x, base, cl.size, cl.style, "left")
                else:
                    tl = TextLine(nfc(cl.text), cx, base, cl.size, cl.style, "center")
                if cl.text:
                    self.page.lines.append(tl)
                placed[(side, i)] = (tl, y)
                y += lh
        for side, idx, length in c.rule_under:
            tl, _ = placed[(side, idx)]
            w = length if length else tl.width_mm()
            x0 = tl.left_mm() + (tl.width_mm() - w) / 2
            yy = tl.y + tl.size * MM_PER_PT * 0.55
            self.page.marks.append(Rule(x0, yy, x0 + w, yy))
        for side, idx in c.sign_before:
            tl, ytop = placed[(side, idx)]
            prev_bottom = placed[(side, idx - 1)][0].y + 2.0 if idx > 0 else ytop - 18
            self.page.marks.append(
                _scribble_points(
                    tl.x if tl.align == "center" else tl.left_mm() + tl.width_mm() / 2,
                    (prev_bottom + ytop + tl.size * MM_PER_PT) / 2,
                    tl.text,
                )
            )
        self.y = top + h


def _scribble_points(cx: float, cy: float, key: str) -> Scribble:
    """A cursive-looking signature: a run of loops plus an underline flourish."""
    rng = random.Random(f"{SEED}:sig:{key}")
    w = rng.uniform(22.0, 30.0)
    loops = rng.randint(4, 6)
    r = rng.uniform(2.2, 3.2)
    slant = rng.uniform(0.25, 0.45)
    pts = []
    n = 240
    for k in range(n):
        t = k / (n - 1)
        env = 0.55 + 0.45 * math.sin(math.pi * t) + 0.3 * math.sin(7.1 * t + rng.random() * 0.01)
        yy = -r * env * math.sin(2 * math.pi * loops * t)
        xx = cx - w / 2 + w * t + r * 0.9 * math.cos(2 * math.pi * loops * t) - slant * yy
        pts.append((xx, cy + yy))
    # flourish: back under the name, ending with a tick
    pts += [(cx + w / 2 + 1.5, cy + 1.0), (cx + w / 4, cy + 3.2), (cx - w / 3, cy + 4.4), (cx - w / 2 - 1.0, cy + 4.0)]
    return Scribble(pts)


def layout_blocks(blocks: Iterable, page_numbers: bool = True) -> list[Page]:
    lay = Layout(page_numbers=page_numbers)
    for b in blocks:
        lay.add(b)
    pages = lay.pages
    while len(pages) > 1 and not pages[-1].lines:
        pages.pop()
    return pages


def layout_document(doc: Doc) -> list[Page]:
    return layout_blocks(doc.blocks)


# --------------------------------------------------------------------------------------------
# Rendering and scan noise
# --------------------------------------------------------------------------------------------
def _px(mm: float, dpi: float) -> float:
    return mm / 25.4 * dpi


def page_size_px(dpi: float) -> tuple[int, int]:
    return round(_px(PAGE_W_MM, dpi)), round(_px(PAGE_H_MM, dpi))


def draw_page(page: Page, dpi: float = DEFAULT_DPI, ink: int = 0) -> Image.Image:
    """Render a Page to a clean 8-bit grey image (white paper, black antialiased text)."""
    img = Image.new("L", page_size_px(dpi), 255)
    d = ImageDraw.Draw(img)
    for tl in page.lines:
        f = _font(tl.style, tl.size * dpi / 72.0)
        x = _px(tl.left_mm(), dpi)
        d.text((x, _px(tl.y, dpi)), tl.text, font=f, fill=ink, anchor="ls")
    for m in page.marks:
        if isinstance(m, Rule):
            d.line(
                [(_px(m.x1, dpi), _px(m.y1, dpi)), (_px(m.x2, dpi), _px(m.y2, dpi))],
                fill=ink,
                width=max(1, round(_px(m.width, dpi))),
            )
        elif isinstance(m, Scribble):
            pts = [(_px(x, dpi), _px(y, dpi)) for x, y in m.points]
            d.line(pts, fill=ink + 40, width=max(1, round(_px(m.width, dpi))), joint="curve")
        elif isinstance(m, Picture):
            wpx = round(_px(m.w, dpi))
            hpx = round(wpx * m.image.height / m.image.width)
            im = m.image.convert("L").resize((wpx, hpx), Image.NEAREST)
            img.paste(im, (round(_px(m.x, dpi)), round(_px(m.y, dpi))))
    return img


def scanify(
    img: Image.Image,
    rng: random.Random,
    *,
    skew: float | None = None,
    speckle: float = 1.0,
    blur: float = 0.6,
    paper: int = 246,
    ink: int = 28,
    bleed: Page | None = None,
    dpi: float = DEFAULT_DPI,
) -> Image.Image:
    """Make a clean render look scanned: paper tone, uneven light, skew, blur, speckle.

    ``skew`` in degrees (None: a random angle in ±0.5°, 0: none). ``bleed``: a page whose
    mirrored text shows faintly through (a thin paper's back side). Returns mode "L".
    """
    w, h = img.size
    if bleed is not None:
        back = draw_page(bleed, dpi).transpose(Image.FLIP_LEFT_RIGHT)
        back = back.filter(ImageFilter.GaussianBlur(1.5)).point(lambda v: 255 - (255 - v) // 16)
        img = ImageChops.multiply(img, back)
    # ink/paper levels
    img = img.point(lambda v: ink + (paper - ink) * v // 255)
    # uneven illumination: a coarse random field, smoothly upscaled
    cw, ch = 8, 11
    field_ = Image.frombytes("L", (cw, ch), bytes(rng.randrange(246, 256) for _ in range(cw * ch)))
    field_ = field_.resize((w, h), Image.BICUBIC)
    img = ImageChops.multiply(img, field_.point(lambda v: min(255, v + 4)))
    if skew is None:
        skew = rng.uniform(-0.5, 0.5)
    if skew:
        img = img.rotate(skew, resample=Image.BICUBIC, expand=False, fillcolor=paper)
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur * dpi / 150))
    if speckle:
        d = ImageDraw.Draw(img)
        n = int(speckle * w * h / 40000)
        for _ in range(n):
            x, y = rng.randrange(w), rng.randrange(h)
            r = rng.choice((0.5, 0.5, 0.8, 1.0, 1.3)) * dpi / 150
            g = rng.randrange(20, 120) if rng.random() < 0.7 else rng.randrange(150, 210)
            d.ellipse((x - r, y - r, x + r, y + r), fill=g)
        # a few short hairs / scratches
        for _ in range(int(speckle * 3)):
            x, y = rng.randrange(w), rng.randrange(h)
            ang = rng.uniform(0, math.pi)
            ln = rng.uniform(4, 14) * dpi / 150
            d.line((x, y, x + ln * math.cos(ang), y + ln * math.sin(ang)), fill=rng.randrange(60, 140), width=1)
    return img


def to_bilevel(img: Image.Image, threshold: int = 150) -> Image.Image:
    return img.point(lambda v: 255 if v > threshold else 0).convert("1", dither=Image.NONE)


def _page_from_strings(strings: Sequence) -> Page:
    blocks = []
    for s in strings:
        if isinstance(s, (Para, Columns, Space, PageBreak)):
            blocks.append(s)
        else:
            blocks.append(Para(str(s), indent=0.0, gap=0.0))
    pages = layout_blocks(blocks, page_numbers=False)
    if len(pages) != 1:
        raise ValueError("lines do not fit on one page")
    return pages[0]


def render_page(
    spec,
    *,
    dpi: float = DEFAULT_DPI,
    noise: bool = False,
    seed: int | str = 0,
    skew: float | None = None,
    bilevel: bool = False,
    rotate: int = 0,
    speckle: float = 1.0,
) -> Image.Image:
    """Render one page to a PIL image.

    ``spec`` is a ``Page``, or a sequence of strings (each laid out as a left-aligned line,
    wrapped if too long) and/or flow blocks (``Para``, ``Columns``, ``Space``).
    ``noise`` adds scan artefacts (seeded by ``seed``); ``bilevel`` returns mode "1";
    ``rotate`` turns the final page by 90/180/270 degrees (counter-clockwise).
    """
    page = spec if isinstance(spec, Page) else _page_from_strings(spec)
    img = draw_page(page, dpi)
    if noise:
        img = scanify(img, random.Random(f"{SEED}:{seed}"), skew=skew, dpi=dpi, speckle=speckle)
    elif skew:
        img = img.rotate(skew, resample=Image.BICUBIC, fillcolor=255)
    if rotate:
        img = img.rotate(rotate, expand=True)
    if bilevel:
        img = to_bilevel(img)
    return img


def page_text(spec) -> str:
    """The truth text of what ``render_page(spec)`` draws."""
    page = spec if isinstance(spec, Page) else _page_from_strings(spec)
    return page.text


def render_document(
    doc,
    *,
    dpi: float = DEFAULT_DPI,
    noise: bool = True,
    seed: int | str | None = None,
    bilevel: bool = False,
    skew: float | None = None,
) -> tuple[list, list]:
    """Render a ``Doc`` (or a taxonomy key, see ``example_document``) to page images.

    Returns ``(images, texts)`` with one exact truth text per page.
    """
    if isinstance(doc, str):
        doc = example_document(doc)
    pages = layout_document(doc)
    images = []
    for i, p in enumerate(pages):
        key = f"{seed if seed is not None else doc.key}:{i}"
        images.append(render_page(p, dpi=dpi, noise=noise, seed=key, bilevel=bilevel, skew=skew))
    return images, [p.text for p in pages]


# --------------------------------------------------------------------------------------------
# Building blocks of Nghị định 30/2020 documents
# --------------------------------------------------------------------------------------------
NATIONAL = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
POLICE = ("CÔNG AN TỈNH QUẢNG NINH", "CƠ QUAN CẢNH SÁT ĐIỀU TRA")
VKS = ("VIỆN KIỂM SÁT NHÂN DÂN", "TỈNH QUẢNG NINH")
COURT = ("TÒA ÁN NHÂN DÂN", "TỈNH QUẢNG NINH")
FORENSIC = ("SỞ Y TẾ TỈNH QUẢNG NINH", "TRUNG TÂM PHÁP Y")


def vn_date(iso: str, place: str | None = None) -> str:
    """'2025-03-05' -> 'Hạ Long, ngày 05 tháng 3 năm 2025' (ND30: 0-pad days < 10, months < 3)."""
    y, m, d = (int(x) for x in iso.split("-"))
    s = f"ngày {d:02d} tháng {m:02d} năm {y}" if m < 3 else f"ngày {d:02d} tháng {m} năm {y}"
    return f"{place}, {s}" if place else s


def official_header(
    agency: Sequence[str], number: str | None, place_date: str | None, vv: Sequence[str] = ()
) -> Columns:
    left = [CL(agency[0]), CL(agency[1], "b")]
    if number:
        left.append(CL(f"Số: {number}", "", 13, gap=2.2))
    for i, line in enumerate(vv):
        left.append(CL(line, "", 12, gap=0.8 if i == 0 else 0.0))
    right = [CL(NATIONAL, "b"), CL(MOTTO, "b", 13)]
    if place_date:
        right.append(CL(place_date, "i", 13, gap=2.2))
    return Columns(left, right, rule_under=(("L", 1, 22.0), ("R", 1, None)))


def motto_header(place_date: str | None = None) -> list:
    blocks = [
        Columns(
            [],
            [CL(NATIONAL, "b", 13), CL(MOTTO, "b", 13)],
            right_cx=MARGIN_LEFT + TEXT_W / 2,
            rule_under=(("R", 1, None),),
        )
    ]
    if place_date:
        blocks.append(Para(place_date, 0, 13, "i", "right", gap=4.0))
    return blocks


def titles(title: str, subtitle: str = "", *extra: str, gap: float = 9.0) -> list:
    out = [Para(title, 0, TITLE_PT, "b", "center", gap=gap)]
    if subtitle:
        out.append(Para(subtitle, 0, BODY_PT, "b", "center", gap=0.3))
    for e in extra:
        out.append(Para(e, 0, BODY_PT, "b", "center", gap=3.5))
    out.append(Space(4.0))
    return out


def P(text: str, **kw) -> Para:
    return Para(text, **kw)


def H(text: str) -> Para:
    """A centred bold inline heading such as 'QUYẾT ĐỊNH:'."""
    return Para(text, 0, BODY_PT, "b", "center", gap=1.8)


def signature(
    titles_: Sequence[str],
    name: str,
    recipients: Sequence[str] = (),
    left: tuple | None = None,
    note: str | None = None,
) -> Columns:
    """Signature block: right column = titles + signed name; left = 'Nơi nhận' or a 2nd signer.

    ``left``: (titles, name) of a second signer, drawn centred in the left column.
    ``note``: an italic line under the right titles, e.g. '(Ký, ghi rõ họ tên)'.
    """
    right = [CL(t, "b", 13) for t in titles_]
    if note:
        right.append(CL(note, "i", 12))
    right.append(CL(name, "b", 13, gap=21.0))
    sign = [("R", len(right) - 1)]
    if left is not None:
        ltitles, lname = left
        lcol = [CL(t, "b", 13) for t in ltitles]
        lcol += [CL("", "", 12)] * (len(right) - 1 - len(lcol))
        lcol.append(CL(lname, "b", 13, gap=21.0))
        sign.append(("L", len(lcol) - 1))
        return Columns(lcol, right, left_cx=LEFT_COL_CX - 2, sign_before=tuple(sign), gap=7.0)
    lcol = []
    if recipients:
        lcol = [CL("Nơi nhận:", "bi", 12)] + [CL(r, "", 11) for r in recipients]
    return Columns(lcol, right, left_x=MARGIN_LEFT, sign_before=tuple(sign), gap=7.0)


def petition_signature(place_date: str, role: str, name: str) -> Columns:
    right = [
        CL(place_date, "i", 13),
        CL(role, "b", 13),
        CL("(Ký và ghi rõ họ tên)", "i", 12),
        CL(name, "b", 13, gap=19.0),
    ]
    return Columns([], right, sign_before=(("R", 3),), gap=6.0)


# --------------------------------------------------------------------------------------------
# The cases and their documents (all names, numbers and facts are invented)
# --------------------------------------------------------------------------------------------
CASES = [
    {
        "case_id": "2025-HS-0001",
        "crime": "Trộm cắp tài sản",
        "article": 173,
        "year": 2025,
        "accused": ["Nguyễn Văn Hùng"],
        "victim": "Trần Thị Lan",
        "place": "Hạ Long",
        "ward": "Bãi Cháy",
        "prosecutor": "Phạm Thị Thu Hà",
        "investigator": "Đỗ Minh Tuấn",
        "opened": [10, 3],
    },
    {
        "case_id": "2025-HS-0002",
        "crime": "Lừa đảo chiếm đoạt tài sản",
        "article": 174,
        "year": 2025,
        "accused": ["Hoàng Văn Dũng"],
        "victim": "Lê Văn Thành",
        "place": "Cẩm Phả",
        "ward": "Cẩm Thủy",
        "prosecutor": None,
        "investigator": None,
        "opened": None,
    },
    {
        "case_id": "2025-HS-0003",
        "crime": "Cố ý gây thương tích",
        "article": 134,
        "year": 2025,
        "accused": ["Vũ Đức Mạnh"],
        "victim": "Đinh Văn Sơn",
        "place": "Uông Bí",
        "ward": "Quang Trung",
        "prosecutor": "Ngô Thị Hằng",
        "investigator": "Lương Văn Khải",
        "opened": [5, 3],
    },
]

_HUNG = (
    "Nguyễn Văn Hùng; giới tính: nam; sinh ngày 12 tháng 8 năm 1995 tại Quảng Ninh; nơi cư "
    "trú: tổ 5, khu 3, phường Hà Khánh, thành phố Hạ Long, tỉnh Quảng Ninh; nghề nghiệp: lao "
    "động tự do; quốc tịch: Việt Nam; dân tộc: Kinh; tôn giáo: không."
)
_MANH = (
    "Vũ Đức Mạnh; giới tính: nam; sinh ngày 04 tháng 11 năm 1998 tại Quảng Ninh; nơi cư trú: "
    "tổ 7, khu 2, phường Quang Trung, thành phố Uông Bí, tỉnh Quảng Ninh; nghề nghiệp: công "
    "nhân; quốc tịch: Việt Nam; dân tộc: Kinh; tôn giáo: không."
)
_POLICE_SIGN = (["KT. THỦ TRƯỞNG", "PHÓ THỦ TRƯỞNG"], "Thượng tá Bùi Quang Vinh")
_VKS_SIGN = (["KT. VIỆN TRƯỞNG", "PHÓ VIỆN TRƯỞNG"], "Phạm Quang Minh")


def _qd(
    key,
    agency,
    number,
    date,
    subtitle,
    body,
    sign,
    recipients,
    place="Hạ Long",
    doc_type="qd_khoi_to_vu_an",
    extra_title=(),
):
    blocks = [official_header(agency, number, vn_date(date, place))]
    blocks += titles("QUYẾT ĐỊNH", subtitle, *extra_title)
    blocks += body
    blocks.append(signature(sign[0], sign[1], recipients))
    return Doc(doc_type, number, date, "QUYẾT ĐỊNH", subtitle, blocks, key)


# ---- case 2025-HS-0001: theft of a motorbike ------------------------------------------------
def doc_0001_qd_khoi_to_vu_an() -> Doc:
    return _qd(
        "0001-qdktva",
        POLICE,
        "45/QĐ-CSĐT",
        "2025-03-10",
        "Khởi tố vụ án hình sự",
        [
            P("Căn cứ Điều 143, Điều 153 và Điều 154 Bộ luật Tố tụng hình sự;"),
            P(
                "Căn cứ tin báo về tội phạm của bà Trần Thị Lan ngày 03/3/2025 và kết quả xác minh "
                "ban đầu của Công an phường Bãi Cháy;"
            ),
            P(
                "Xét thấy có dấu hiệu của tội Trộm cắp tài sản quy định tại khoản 1 Điều 173 Bộ luật "
                "Hình sự xảy ra khoảng 22 giờ 30 phút ngày 02/3/2025 tại trước cửa nhà số 15 đường "
                "Vườn Đào, phường Bãi Cháy, thành phố Hạ Long, tỉnh Quảng Ninh,"
            ),
            H("QUYẾT ĐỊNH:"),
            P(
                "Điều 1. Khởi tố vụ án hình sự Trộm cắp tài sản xảy ra tại phường Bãi Cháy, thành phố "
                "Hạ Long, tỉnh Quảng Ninh, quy định tại khoản 1 Điều 173 Bộ luật Hình sự."
            ),
            P(
                "Điều 2. Giao Đội Điều tra tổng hợp thuộc Cơ quan Cảnh sát điều tra tiến hành điều "
                "tra vụ án theo quy định của pháp luật."
            ),
            P(
                "Điều 3. Quyết định này được gửi đến Viện kiểm sát nhân dân tỉnh Quảng Ninh trong thời "
                "hạn 24 giờ kể từ khi ban hành để kiểm sát việc khởi tố."
            ),
        ],
        _POLICE_SIGN,
        ["- VKSND tỉnh Quảng Ninh;", "- Lưu: HSVA, CSĐT."],
        extra_title=("THỦ TRƯỞNG CƠ QUAN CẢNH SÁT ĐIỀU TRA",),
    )


def doc_0001_qd_khoi_to_bi_can() -> Doc:
    return _qd(
        "0001-qdktbc",
        POLICE,
        "52/QĐ-CSĐT",
        "2025-03-12",
        "Khởi tố bị can",
        [
            P("Căn cứ Điều 179 Bộ luật Tố tụng hình sự;"),
            P(
                "Căn cứ Quyết định khởi tố vụ án hình sự số 45/QĐ-CSĐT ngày 10/3/2025 của Cơ quan "
                "Cảnh sát điều tra Công an tỉnh Quảng Ninh;"
            ),
            P(
                "Xét thấy có đủ căn cứ xác định Nguyễn Văn Hùng đã lén lút chiếm đoạt chiếc xe mô tô "
                "nhãn hiệu Honda Vision, biển kiểm soát 14B2-345.67 của bà Trần Thị Lan, trị giá "
                "28.500.000 đồng, đã phạm vào tội Trộm cắp tài sản quy định tại khoản 1 Điều 173 Bộ "
                "luật Hình sự,"
            ),
            H("QUYẾT ĐỊNH:"),
            P("Điều 1. Khởi tố bị can đối với: " + _HUNG),
            P("Về tội: Trộm cắp tài sản, quy định tại khoản 1 Điều 173 Bộ luật Hình sự."),
            P("Điều 2. Bị can Nguyễn Văn Hùng có các quyền và nghĩa vụ quy định tại Điều 60 Bộ luật Tố tụng hình sự."),
            P("Điều 3. Quyết định này được gửi đến Viện kiểm sát nhân dân tỉnh Quảng Ninh để xét phê chuẩn."),
        ],
        _POLICE_SIGN,
        ["- VKSND tỉnh Quảng Ninh;", "- Bị can;", "- Lưu: HSVA, CSĐT."],
        doc_type="qd_khoi_to_bi_can",
    )


def doc_0001_lenh_tam_giam() -> Doc:
    number, date = "18/LTG-CSĐT", "2025-03-13"
    blocks = [official_header(POLICE, number, vn_date(date, "Hạ Long"))]
    blocks += titles("LỆNH TẠM GIAM")
    blocks += [
        P("Căn cứ Điều 113, Điều 119 và Điều 173 Bộ luật Tố tụng hình sự;"),
        P(
            "Căn cứ Quyết định khởi tố bị can số 52/QĐ-CSĐT ngày 12/3/2025 đã được Viện kiểm sát "
            "nhân dân tỉnh Quảng Ninh phê chuẩn;"
        ),
        P("Xét thấy cần thiết phải tạm giam bị can để bảo đảm cho việc điều tra, truy tố, xét xử,"),
        P("Tạm giam bị can: " + _HUNG),
        P("Bị khởi tố về tội: Trộm cắp tài sản, quy định tại khoản 1 Điều 173 Bộ luật Hình sự."),
        P(
            "Thời hạn tạm giam là 02 tháng, kể từ ngày 13/3/2025 đến ngày 13/5/2025 tại Trại tạm "
            "giam Công an tỉnh Quảng Ninh."
        ),
        P("Giám thị Trại tạm giam Công an tỉnh Quảng Ninh có trách nhiệm thi hành Lệnh này."),
        signature(*_POLICE_SIGN, recipients=["- VKSND tỉnh Quảng Ninh;", "- Trại tạm giam;", "- Lưu: HSVA, CSĐT."]),
    ]
    return Doc("lenh_tam_giam", number, date, "LỆNH TẠM GIAM", "", blocks, "0001-ltg")


def doc_0001_bien_ban_loi_khai() -> Doc:
    date = "2025-03-14"
    blocks = [official_header(POLICE, None, None)]
    blocks += titles("BIÊN BẢN GHI LỜI KHAI")
    blocks += [
        P(
            "Hồi 08 giờ 30 phút, ngày 14 tháng 3 năm 2025, tại trụ sở Cơ quan Cảnh sát điều tra "
            "Công an tỉnh Quảng Ninh."
        ),
        P(
            "Tôi: Đỗ Minh Tuấn, Điều tra viên, Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh, "
            "với sự tham gia của Hoàng Thị Ngọc, cán bộ điều tra, ghi biên bản."
        ),
        P(
            "Tiến hành ghi lời khai của người bị hại: Trần Thị Lan; giới tính: nữ; sinh năm 1988; "
            "nơi cư trú: số 15 đường Vườn Đào, phường Bãi Cháy, thành phố Hạ Long, tỉnh Quảng Ninh; "
            "nghề nghiệp: kinh doanh; căn cước công dân số 022188004512."
        ),
        P("Người khai được giải thích quyền và nghĩa vụ theo quy định tại Điều 62 Bộ luật Tố tụng hình sự."),
        P("Hỏi: Chị hãy trình bày sự việc bị mất tài sản ngày 02/3/2025?"),
        P(
            "Trả lời: Khoảng 21 giờ ngày 02/3/2025, tôi đi xe mô tô Honda Vision màu đỏ đen, biển "
            "kiểm soát 14B2-345.67 về nhà và dựng xe ở trước cửa nhà số 15 đường Vườn Đào. Do vội "
            "vào nhà trông con nên tôi để quên chìa khóa trên ổ khóa xe. Đến khoảng 22 giờ 45 phút "
            "cùng ngày, khi ra cất xe thì tôi phát hiện chiếc xe đã bị mất. Tôi đi tìm quanh khu "
            "vực nhưng không thấy nên sáng ngày 03/3/2025 đã đến Công an phường Bãi Cháy trình báo."
        ),
        P("Hỏi: Chị có nhìn thấy ai lấy xe của chị không?"),
        P(
            "Trả lời: Tôi không trực tiếp nhìn thấy. Sau đó tôi xem lại camera của gia đình thì "
            "thấy một thanh niên mặc áo khoác màu xám, đội mũ lưỡi trai đi bộ đến, nổ máy xe rồi "
            "điều khiển xe đi về hướng đường Hạ Long."
        ),
        P("Hỏi: Chiếc xe được mua khi nào, giá bao nhiêu, có giấy tờ gì chứng minh?"),
        P(
            "Trả lời: Tôi mua xe vào tháng 6 năm 2023 tại cửa hàng Honda ở Hạ Long với giá "
            "36.000.000 đồng. Xe đứng tên tôi, có giấy chứng nhận đăng ký xe mô tô, tôi xin giao "
            "nộp bản sao cho Cơ quan điều tra."
        ),
        P("Hỏi: Trước khi mất xe, chị có mâu thuẫn với ai không? Chị có quen biết Nguyễn Văn Hùng không?"),
        P(
            "Trả lời: Tôi không có mâu thuẫn với ai. Tôi không quen biết người tên Nguyễn Văn "
            "Hùng, chỉ nghe Cơ quan điều tra thông báo người này đã bị bắt giữ cùng chiếc xe."
        ),
        P("Hỏi: Cơ quan điều tra cho chị xem chiếc xe mô tô thu giữ được, chị có nhận dạng được không?"),
        P(
            "Trả lời: Đúng là chiếc xe của tôi. Yên xe có vết rách nhỏ ở phía sau và móc treo đồ "
            "bị gãy. Biển kiểm soát đã bị tháo ra nhưng số khung, số máy trùng với giấy đăng ký xe "
            "của tôi."
        ),
        P("Hỏi: Chị có yêu cầu gì không?"),
        P(
            "Trả lời: Tôi đề nghị Cơ quan điều tra xử lý người lấy trộm xe theo quy định của pháp "
            "luật và trả lại chiếc xe cho tôi. Nếu không thu hồi được xe thì tôi yêu cầu người "
            "phạm tội bồi thường toàn bộ giá trị chiếc xe."
        ),
        P(
            "Việc ghi lời khai kết thúc vào hồi 10 giờ 15 phút cùng ngày. Biên bản đã được đọc lại "
            "cho người khai nghe, người khai xác nhận đúng và cùng ký tên dưới đây."
        ),
        signature(["ĐIỀU TRA VIÊN"], "Đỗ Minh Tuấn", left=(["NGƯỜI KHAI"], "Trần Thị Lan")),
    ]
    return Doc("bien_ban_loi_khai", "", date, "BIÊN BẢN GHI LỜI KHAI", "", blocks, "0001-bblk")


def doc_0001_ket_luan_dieu_tra() -> Doc:
    number, date = "31/KLĐT-CSĐT", "2025-04-25"
    blocks = [official_header(POLICE, number, vn_date(date, "Hạ Long"))]
    blocks += titles("BẢN KẾT LUẬN ĐIỀU TRA", "Vụ án hình sự, đề nghị truy tố")
    blocks += [
        P(
            "Ngày 10/3/2025, Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh ra Quyết định khởi "
            "tố vụ án hình sự số 45/QĐ-CSĐT về tội Trộm cắp tài sản xảy ra tại phường Bãi Cháy, "
            "thành phố Hạ Long, tỉnh Quảng Ninh."
        ),
        P(
            "Ngày 12/3/2025, Cơ quan Cảnh sát điều tra ra Quyết định khởi tố bị can số 52/QĐ-CSĐT "
            "đối với Nguyễn Văn Hùng về tội Trộm cắp tài sản, đã được Viện kiểm sát nhân dân tỉnh "
            "Quảng Ninh phê chuẩn. Bị can bị tạm giam từ ngày 13/3/2025."
        ),
        H("KẾT QUẢ ĐIỀU TRA"),
        P(
            "Khoảng 22 giờ 30 phút ngày 02/3/2025, Nguyễn Văn Hùng đi bộ trên đường Vườn Đào, "
            "phường Bãi Cháy thì phát hiện chiếc xe mô tô nhãn hiệu Honda Vision, biển kiểm soát "
            "14B2-345.67 của bà Trần Thị Lan dựng trước cửa nhà số 15, chìa khóa vẫn cắm trên ổ "
            "khóa. Quan sát thấy không có người trông giữ, Hùng đã nổ máy, điều khiển xe về phòng "
            "trọ tại phường Hà Khánh, tháo biển kiểm soát và cất giấu xe để tìm người tiêu thụ."
        ),
        P(
            "Ngày 08/3/2025, khi Hùng đang mang xe đi bán tại phường Cao Xanh thì bị Công an phường "
            "phát hiện, thu giữ vật chứng. Tại Cơ quan điều tra, Hùng đã khai nhận toàn bộ hành vi "
            "phạm tội như đã nêu trên. Lời khai của bị can phù hợp với lời khai của người bị hại, "
            "dữ liệu camera thu giữ và vật chứng của vụ án."
        ),
        P(
            "Tại Kết luận định giá tài sản số 17/KL-HĐĐG ngày 06/3/2025, Hội đồng định giá tài sản "
            "trong tố tụng hình sự thành phố Hạ Long kết luận chiếc xe mô tô có giá trị 28.500.000 "
            "đồng."
        ),
        P(
            "Vật chứng của vụ án gồm: 01 xe mô tô nhãn hiệu Honda Vision, số khung RLHJF8501NY012345, "
            "số máy JF85E0123456; 01 biển kiểm soát 14B2-345.67. Cơ quan điều tra đã trả lại xe "
            "cho bà Trần Thị Lan; bà Lan không yêu cầu bồi thường thêm."
        ),
        P(
            "Về nhân thân: ngày 15/6/2021, bị can Nguyễn Văn Hùng bị Tòa án nhân dân thành phố Hạ "
            "Long xử phạt 09 tháng tù về tội Trộm cắp tài sản, đã chấp hành xong hình phạt nhưng "
            "chưa được xóa án tích."
        ),
        P(
            "Tình tiết tăng nặng: bị can tái phạm theo điểm h khoản 1 Điều 52 Bộ luật Hình sự. "
            "Tình tiết giảm nhẹ: bị can thành khẩn khai báo, ăn năn hối cải theo điểm s khoản 1 "
            "Điều 51 Bộ luật Hình sự."
        ),
        P(
            "Từ những căn cứ trên, có đủ cơ sở kết luận: Nguyễn Văn Hùng đã phạm tội Trộm cắp tài "
            "sản, quy định tại khoản 1 Điều 173 Bộ luật Hình sự."
        ),
        P(
            "Căn cứ Điều 232 và Điều 233 Bộ luật Tố tụng hình sự, Cơ quan Cảnh sát điều tra Công an "
            "tỉnh Quảng Ninh đề nghị Viện kiểm sát nhân dân tỉnh Quảng Ninh truy tố bị can Nguyễn "
            "Văn Hùng về tội Trộm cắp tài sản theo khoản 1 Điều 173 Bộ luật Hình sự."
        ),
        P("Hồ sơ vụ án gồm 86 bút lục, được chuyển kèm theo bản kết luận điều tra này."),
        signature(*_POLICE_SIGN, recipients=["- VKSND tỉnh Quảng Ninh;", "- Bị can;", "- Lưu: HSVA, CSĐT."]),
    ]
    return Doc(
        "ket_luan_dieu_tra",
        number,
        date,
        "BẢN KẾT LUẬN ĐIỀU TRA",
        "Vụ án hình sự, đề nghị truy tố",
        blocks,
        "0001-kldt",
    )


def doc_0001_cao_trang() -> Doc:
    number, date = "27/CT-VKS-P2", "2025-05-20"
    blocks = [official_header(VKS, number, vn_date(date, "Hạ Long"))]
    blocks += titles("CÁO TRẠNG", "", "VIỆN TRƯỞNG VIỆN KIỂM SÁT NHÂN DÂN TỈNH QUẢNG NINH")
    blocks += [
        P("Căn cứ Điều 236, Điều 239 và Điều 243 Bộ luật Tố tụng hình sự;"),
        P(
            "Căn cứ Bản kết luận điều tra số 31/KLĐT-CSĐT ngày 25/4/2025 của Cơ quan Cảnh sát điều "
            "tra Công an tỉnh Quảng Ninh đề nghị truy tố bị can Nguyễn Văn Hùng về tội Trộm cắp "
            "tài sản;"
        ),
        P(
            "Khoảng 22 giờ 30 phút ngày 02/3/2025, tại trước cửa nhà số 15 đường Vườn Đào, phường "
            "Bãi Cháy, thành phố Hạ Long, bị can Nguyễn Văn Hùng đã lén lút chiếm đoạt 01 xe mô tô "
            "Honda Vision, biển kiểm soát 14B2-345.67 của bà Trần Thị Lan, trị giá 28.500.000 đồng."
        ),
        P(
            "Hành vi nêu trên của bị can đã phạm vào tội Trộm cắp tài sản quy định tại khoản 1 "
            "Điều 173 Bộ luật Hình sự.",
            gap=PARA_GAP,
        ),
        H("QUYẾT ĐỊNH:"),
        P(
            "Truy tố ra trước Tòa án nhân dân tỉnh Quảng Ninh để xét xử bị can Nguyễn Văn Hùng, "
            "sinh ngày 12/8/1995, trú tại tổ 5, khu 3, phường Hà Khánh, thành phố Hạ Long, tỉnh "
            "Quảng Ninh về tội Trộm cắp tài sản theo khoản 1 Điều 173 Bộ luật Hình sự."
        ),
        P("Kèm theo cáo trạng là hồ sơ vụ án gồm 86 bút lục và vật chứng theo biên bản giao nhận."),
        signature(*_VKS_SIGN, recipients=["- TAND tỉnh Quảng Ninh;", "- Bị can;", "- Lưu: HSVA, VP."]),
    ]
    return Doc("cao_trang", number, date, "CÁO TRẠNG", "", blocks, "0001-ct")


def doc_0001_ban_an() -> Doc:
    number, date = "54/2025/HS-ST", "2025-06-25"
    blocks = [official_header(COURT, number, vn_date(date, "Hạ Long"))]
    blocks += titles("BẢN ÁN", "", "NHÂN DANH", gap=8.0)[:-1]
    blocks += [
        Para("NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 0, BODY_PT, "b", "center", gap=0.3),
        Para("TÒA ÁN NHÂN DÂN TỈNH QUẢNG NINH", 0, BODY_PT, "b", "center", gap=2.5),
        Space(3.0),
    ]
    blocks += [
        P(
            "Thành phần Hội đồng xét xử sơ thẩm gồm có: Thẩm phán - Chủ tọa phiên tòa: ông Lê Văn "
            "Quyết; các Hội thẩm nhân dân: bà Nguyễn Thị Hoa, ông Đặng Văn Long."
        ),
        P("Thư ký phiên tòa: bà Vũ Thị Hương, Thư ký Tòa án nhân dân tỉnh Quảng Ninh."),
        P("Đại diện Viện kiểm sát nhân dân tỉnh Quảng Ninh tham gia phiên tòa: bà Phạm Thị Thu Hà, Kiểm sát viên."),
        P(
            "Ngày 25 tháng 6 năm 2025, tại trụ sở Tòa án nhân dân tỉnh Quảng Ninh xét xử sơ thẩm "
            "công khai vụ án hình sự thụ lý số 48/2025/TLST-HS ngày 02 tháng 6 năm 2025 đối với bị "
            "cáo: Nguyễn Văn Hùng, sinh ngày 12/8/1995; nơi cư trú: tổ 5, khu 3, phường Hà Khánh, "
            "thành phố Hạ Long, tỉnh Quảng Ninh; bị bắt tạm giam từ ngày 13/3/2025, có mặt."
        ),
        P(
            "Người bị hại: bà Trần Thị Lan, sinh năm 1988; trú tại số 15 đường Vườn Đào, phường "
            "Bãi Cháy, thành phố Hạ Long, có mặt."
        ),
        H("NỘI DUNG VỤ ÁN:"),
        P(
            "Theo các tài liệu có trong hồ sơ vụ án và diễn biến tại phiên tòa, nội dung vụ án "
            "được tóm tắt như sau: khoảng 22 giờ 30 phút ngày 02/3/2025, Nguyễn Văn Hùng đã lén "
            "lút lấy chiếc xe mô tô Honda Vision, biển kiểm soát 14B2-345.67 của bà Trần Thị Lan "
            "dựng trước cửa nhà số 15 đường Vườn Đào, phường Bãi Cháy. Tài sản chiếm đoạt trị giá "
            "28.500.000 đồng."
        ),
        P(
            "Tại phiên tòa, bị cáo khai nhận toàn bộ hành vi phạm tội như nội dung cáo trạng đã "
            "truy tố. Lời khai của bị cáo phù hợp với lời khai của người bị hại, vật chứng thu giữ "
            "và các tài liệu, chứng cứ khác có trong hồ sơ vụ án."
        ),
        H("NHẬN ĐỊNH CỦA TÒA ÁN:"),
        P(
            "Hành vi của bị cáo đã đủ yếu tố cấu thành tội Trộm cắp tài sản theo khoản 1 Điều 173 "
            "Bộ luật Hình sự như Viện kiểm sát truy tố là có căn cứ, đúng pháp luật. Bị cáo có "
            "tình tiết tăng nặng tái phạm và được hưởng tình tiết giảm nhẹ thành khẩn khai báo, ăn "
            "năn hối cải. Người bị hại đã nhận lại tài sản, không yêu cầu bồi thường."
        ),
        H("QUYẾT ĐỊNH:"),
        P("Căn cứ khoản 1 Điều 173; điểm s khoản 1 Điều 51; điểm h khoản 1 Điều 52 Bộ luật Hình sự;"),
        P("Tuyên bố bị cáo Nguyễn Văn Hùng phạm tội Trộm cắp tài sản."),
        P("Xử phạt bị cáo Nguyễn Văn Hùng 15 (mười lăm) tháng tù, thời hạn tù tính từ ngày bắt tạm giam 13/3/2025."),
        P("Về án phí: bị cáo phải chịu 200.000 đồng án phí hình sự sơ thẩm."),
        P("Bị cáo, người bị hại có quyền kháng cáo bản án trong thời hạn 15 ngày kể từ ngày tuyên án."),
        signature(
            ["TM. HỘI ĐỒNG XÉT XỬ", "THẨM PHÁN - CHỦ TỌA PHIÊN TÒA"],
            "Lê Văn Quyết",
            recipients=["- VKSND tỉnh Quảng Ninh;", "- Bị cáo;", "- Người bị hại;", "- Lưu: HSVA."],
        ),
    ]
    return Doc("ban_an", number, date, "BẢN ÁN", "", blocks, "0001-ba")


# ---- case 2025-HS-0002: a denunciation that ends in a decision not to prosecute -------------
def doc_0002_don_to_cao() -> Doc:
    date = "2025-04-03"
    blocks = motto_header()
    blocks += titles("ĐƠN TỐ CÁO", gap=10.0)[:-1]
    blocks += [
        P("Kính gửi: Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh.", indent=22.0, gap=5.0),
        P("Tôi tên là: Lê Văn Thành, sinh năm 1979.", gap=3.0),
        P("Căn cước công dân số 022079001234 do Cục Cảnh sát quản lý hành chính về trật tự xã hội cấp ngày 10/5/2021."),
        P(
            "Nơi cư trú: tổ 3, khu Tân Lập 4, phường Cẩm Thủy, thành phố Cẩm Phả, tỉnh Quảng Ninh. "
            "Số điện thoại: 0912 345 678."
        ),
        P(
            "Tôi làm đơn này tố cáo ông Hoàng Văn Dũng, sinh năm 1982, trú tại phường Cẩm Trung, "
            "thành phố Cẩm Phả về hành vi lừa đảo chiếm đoạt tài sản, cụ thể như sau:"
        ),
        P(
            "Tháng 9 năm 2024, ông Dũng đến gặp tôi, nói đang nhận thầu vận chuyển than cho một công "
            "ty và cần vốn để mua xe, hứa sau ba tháng sẽ trả đủ gốc và lãi. Tin lời ông Dũng, ngày "
            "15/9/2024 tôi đã giao cho ông Dũng số tiền 150.000.000 đồng, có giấy biên nhận viết "
            "tay do ông Dũng ký."
        ),
        P(
            "Đến hạn trả nợ, ông Dũng liên tục khất lần, sau đó tắt điện thoại và không có mặt tại "
            "nơi cư trú. Tôi tìm hiểu thì được biết ông Dũng không hề nhận thầu vận chuyển than "
            "như đã nói."
        ),
        P(
            "Tôi cho rằng ông Dũng đã dùng thủ đoạn gian dối để chiếm đoạt tài sản của tôi. Vì "
            "vậy, tôi kính đề nghị Quý Cơ quan điều tra làm rõ và xử lý ông Hoàng Văn Dũng theo "
            "quy định của pháp luật, buộc ông Dũng trả lại cho tôi số tiền trên."
        ),
        P(
            "Tôi xin cam đoan những nội dung tố cáo trên là đúng sự thật và chịu trách nhiệm trước "
            "pháp luật về nội dung tố cáo của mình."
        ),
        P("Tài liệu kèm theo: bản sao giấy biên nhận tiền ngày 15/9/2024."),
        petition_signature(vn_date(date, "Cẩm Phả"), "NGƯỜI TỐ CÁO", "Lê Văn Thành"),
    ]
    return Doc("don_to_cao", "", date, "ĐƠN TỐ CÁO", "", blocks, "0002-dtc")


def doc_0002_qd_khong_khoi_to() -> Doc:
    return _qd(
        "0002-qdkkt",
        POLICE,
        "09/QĐ-CSĐT",
        "2025-05-28",
        "Không khởi tố vụ án hình sự",
        [
            P("Căn cứ Điều 147, khoản 1 Điều 157 và Điều 158 Bộ luật Tố tụng hình sự;"),
            P(
                "Xét đơn tố cáo đề ngày 03/4/2025 của ông Lê Văn Thành, trú tại phường Cẩm Thủy, "
                "thành phố Cẩm Phả, tỉnh Quảng Ninh tố cáo ông Hoàng Văn Dũng có hành vi lừa đảo chiếm "
                "đoạt tài sản;"
            ),
            P(
                "Xét thấy kết quả xác minh xác định: việc ông Hoàng Văn Dũng nhận số tiền 150.000.000 "
                "đồng của ông Lê Văn Thành là giao dịch vay tài sản có giấy biên nhận; ông Dũng không "
                "dùng thủ đoạn gian dối, không bỏ trốn, đã trả được 40.000.000 đồng và cam kết trả số "
                "tiền còn lại. Đây là quan hệ dân sự, không có sự việc phạm tội,"
            ),
            H("QUYẾT ĐỊNH:"),
            P(
                "Điều 1. Không khởi tố vụ án hình sự đối với sự việc ông Lê Văn Thành tố cáo ông Hoàng "
                "Văn Dũng về hành vi lừa đảo chiếm đoạt tài sản, vì không có sự việc phạm tội."
            ),
            P(
                "Điều 2. Hướng dẫn ông Lê Văn Thành khởi kiện vụ án dân sự tại Tòa án nhân dân có "
                "thẩm quyền nếu có yêu cầu. Người tố cáo có quyền khiếu nại quyết định này theo quy "
                "định của Bộ luật Tố tụng hình sự."
            ),
            P(
                "Điều 3. Quyết định này được gửi đến Viện kiểm sát nhân dân tỉnh Quảng Ninh, người tố "
                "cáo và người bị tố cáo."
            ),
        ],
        _POLICE_SIGN,
        ["- VKSND tỉnh Quảng Ninh;", "- Ông Lê Văn Thành;", "- Ông Hoàng Văn Dũng;", "- Lưu: HS, CSĐT."],
        doc_type="qd_khong_khoi_to_vu_an",
        extra_title=("THỦ TRƯỞNG CƠ QUAN CẢNH SÁT ĐIỀU TRA",),
    )


def doc_0002_thong_bao() -> Doc:
    number, date = "21/TB-CSĐT", "2025-05-30"
    blocks = [official_header(POLICE, number, vn_date(date, "Hạ Long"))]
    blocks += titles("THÔNG BÁO", "Kết quả giải quyết nguồn tin về tội phạm")
    blocks += [
        P(
            "Kính gửi: Ông Lê Văn Thành, trú tại tổ 3, khu Tân Lập 4, phường Cẩm Thủy, thành phố "
            "Cẩm Phả, tỉnh Quảng Ninh.",
            indent=22.0,
        ),
        P(
            "Căn cứ Điều 158 Bộ luật Tố tụng hình sự, Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh thông báo:",
            gap=3.0,
        ),
        P(
            "Ngày 28/5/2025, Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh đã ra Quyết định "
            "không khởi tố vụ án hình sự số 09/QĐ-CSĐT đối với nội dung đơn tố cáo đề ngày "
            "03/4/2025 của ông về việc ông Hoàng Văn Dũng có hành vi lừa đảo chiếm đoạt tài sản."
        ),
        P(
            "Lý do: không có sự việc phạm tội. Quan hệ giữa ông và ông Hoàng Văn Dũng là quan hệ "
            "vay tài sản thuộc lĩnh vực dân sự."
        ),
        P(
            "Nếu không đồng ý với quyết định trên, ông có quyền khiếu nại đến Viện kiểm sát nhân "
            "dân tỉnh Quảng Ninh trong thời hạn 07 ngày kể từ ngày nhận được thông báo này."
        ),
        signature(*_POLICE_SIGN, recipients=["- Như trên;", "- VKSND tỉnh Quảng Ninh;", "- Lưu: HS, CSĐT."]),
    ]
    return Doc("thong_bao", number, date, "THÔNG BÁO", "Kết quả giải quyết nguồn tin về tội phạm", blocks, "0002-tb")


# ---- case 2025-HS-0003: causing bodily harm ------------------------------------------------
def doc_0003_qd_khoi_to_vu_an() -> Doc:
    return _qd(
        "0003-qdktva",
        POLICE,
        "38/QĐ-CSĐT",
        "2025-03-05",
        "Khởi tố vụ án hình sự",
        [
            P("Căn cứ Điều 143, Điều 153 và Điều 154 Bộ luật Tố tụng hình sự;"),
            P(
                "Căn cứ Kết luận giám định pháp y về thương tích số 112/KLGĐ-TTPY ngày 27/02/2025 của "
                "Trung tâm Pháp y tỉnh Quảng Ninh;"
            ),
            P(
                "Xét thấy có dấu hiệu của tội Cố ý gây thương tích quy định tại điểm đ khoản 2 Điều 134 "
                "Bộ luật Hình sự xảy ra khoảng 20 giờ ngày 18/02/2025 tại quán bia trên đường Quang "
                "Trung, phường Quang Trung, thành phố Uông Bí, tỉnh Quảng Ninh,"
            ),
            H("QUYẾT ĐỊNH:"),
            P(
                "Điều 1. Khởi tố vụ án hình sự Cố ý gây thương tích xảy ra tại phường Quang Trung, "
                "thành phố Uông Bí, tỉnh Quảng Ninh, quy định tại điểm đ khoản 2 Điều 134 Bộ luật Hình "
                "sự."
            ),
            P(
                "Điều 2. Giao Đội Điều tra tội phạm về trật tự xã hội tiến hành điều tra vụ án theo "
                "quy định của pháp luật."
            ),
            P("Điều 3. Quyết định này được gửi đến Viện kiểm sát nhân dân tỉnh Quảng Ninh để kiểm sát việc khởi tố."),
        ],
        _POLICE_SIGN,
        ["- VKSND tỉnh Quảng Ninh;", "- Lưu: HSVA, CSĐT."],
        extra_title=("THỦ TRƯỞNG CƠ QUAN CẢNH SÁT ĐIỀU TRA",),
    )


def doc_0003_qd_khoi_to_bi_can() -> Doc:
    return _qd(
        "0003-qdktbc",
        POLICE,
        "41/QĐ-CSĐT",
        "2025-03-06",
        "Khởi tố bị can",
        [
            P("Căn cứ Điều 179 Bộ luật Tố tụng hình sự;"),
            P(
                "Căn cứ Quyết định khởi tố vụ án hình sự số 38/QĐ-CSĐT ngày 05/3/2025 của Cơ quan "
                "Cảnh sát điều tra Công an tỉnh Quảng Ninh;"
            ),
            P(
                "Xét thấy có đủ căn cứ xác định Vũ Đức Mạnh đã dùng vỏ chai bia đánh vào đầu anh Đinh "
                "Văn Sơn gây thương tích với tỷ lệ tổn thương cơ thể 14%, đã phạm vào tội Cố ý gây "
                "thương tích quy định tại điểm đ khoản 2 Điều 134 Bộ luật Hình sự,"
            ),
            H("QUYẾT ĐỊNH:"),
            P("Điều 1. Khởi tố bị can đối với: " + _MANH),
            P("Về tội: Cố ý gây thương tích, quy định tại điểm đ khoản 2 Điều 134 Bộ luật Hình sự."),
            P("Điều 2. Bị can Vũ Đức Mạnh có các quyền và nghĩa vụ quy định tại Điều 60 Bộ luật Tố tụng hình sự."),
        ],
        _POLICE_SIGN,
        ["- VKSND tỉnh Quảng Ninh;", "- Bị can;", "- Lưu: HSVA, CSĐT."],
        doc_type="qd_khoi_to_bi_can",
    )


def doc_0003_ket_luan_giam_dinh() -> Doc:
    number, date = "112/KLGĐ-TTPY", "2025-02-27"
    blocks = [official_header(FORENSIC, number, vn_date(date, "Hạ Long"))]
    blocks += titles("KẾT LUẬN GIÁM ĐỊNH", "Pháp y về thương tích")
    blocks += [
        P(
            "Căn cứ Quyết định trưng cầu giám định số 21/QĐ-CSĐT ngày 20/02/2025 của Cơ quan Cảnh "
            "sát điều tra Công an tỉnh Quảng Ninh;"
        ),
        P(
            "Người được giám định: Đinh Văn Sơn, sinh năm 1990; trú tại phường Thanh Sơn, thành phố "
            "Uông Bí, tỉnh Quảng Ninh."
        ),
        P(
            "Thời gian giám định: từ ngày 21/02/2025 đến ngày 27/02/2025. Địa điểm giám định: Trung "
            "tâm Pháp y tỉnh Quảng Ninh."
        ),
        P("Nội dung giám định: xác định tỷ lệ phần trăm tổn thương cơ thể do thương tích gây nên."),
        P(
            "Kết quả khám giám định: vết thương vùng đỉnh trái kích thước 6 cm x 0,3 cm đã khâu, "
            "liền sẹo; vết thương vùng trán phải kích thước 2,5 cm x 0,2 cm; phim chụp cắt lớp vi "
            "tính sọ não không thấy tổn thương xương sọ."
        ),
        H("KẾT LUẬN:"),
        P("1. Dấu hiệu chính qua giám định: sẹo vết thương vùng đỉnh trái và vùng trán phải của anh Đinh Văn Sơn."),
        P("2. Tỷ lệ phần trăm tổn thương cơ thể do thương tích gây nên hiện tại là 14% (mười bốn phần trăm)."),
        P("3. Vết thương do vật tày có cạnh gây nên."),
        signature(["GIÁM ĐỐC"], "Trịnh Văn Lực", left=(["GIÁM ĐỊNH VIÊN"], "Mai Thị Thanh")),
    ]
    return Doc("ket_luan_giam_dinh", number, date, "KẾT LUẬN GIÁM ĐỊNH", "Pháp y về thương tích", blocks, "0003-klgd")


def doc_0003_qd_phe_chuan() -> Doc:
    return _qd(
        "0003-qdpc",
        VKS,
        "15/QĐ-VKS-P2",
        "2025-03-08",
        "Phê chuẩn quyết định khởi tố bị can",
        [
            P("Căn cứ Điều 41, Điều 165 và Điều 179 Bộ luật Tố tụng hình sự;"),
            P(
                "Xét Quyết định khởi tố bị can số 41/QĐ-CSĐT ngày 06/3/2025 của Cơ quan Cảnh sát điều "
                "tra Công an tỉnh Quảng Ninh đối với Vũ Đức Mạnh về tội Cố ý gây thương tích quy định "
                "tại điểm đ khoản 2 Điều 134 Bộ luật Hình sự và hồ sơ kèm theo;"
            ),
            P("Xét thấy quyết định khởi tố bị can có căn cứ và hợp pháp,"),
            H("QUYẾT ĐỊNH:"),
            P(
                "Điều 1. Phê chuẩn Quyết định khởi tố bị can số 41/QĐ-CSĐT ngày 06/3/2025 của Cơ quan "
                "Cảnh sát điều tra Công an tỉnh Quảng Ninh đối với Vũ Đức Mạnh, sinh ngày 04/11/1998, "
                "trú tại tổ 7, khu 2, phường Quang Trung, thành phố Uông Bí, tỉnh Quảng Ninh."
            ),
            P(
                "Điều 2. Yêu cầu Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh thực hiện Quyết "
                "định này theo quy định của Bộ luật Tố tụng hình sự."
            ),
        ],
        _VKS_SIGN,
        ["- CQCSĐT Công an tỉnh Quảng Ninh;", "- Bị can;", "- Lưu: HSKS, VP."],
        doc_type="qd_phe_chuan",
        extra_title=("VIỆN TRƯỞNG VIỆN KIỂM SÁT NHÂN DÂN TỈNH QUẢNG NINH",),
    )


def doc_0003_lenh_bat() -> Doc:
    number, date = "07/LB-CSĐT", "2025-03-10"
    blocks = [official_header(POLICE, number, vn_date(date, "Hạ Long"))]
    blocks += titles("LỆNH BẮT BỊ CAN ĐỂ TẠM GIAM")
    blocks += [
        P("Căn cứ Điều 113 và Điều 119 Bộ luật Tố tụng hình sự;"),
        P(
            "Căn cứ Quyết định khởi tố bị can số 41/QĐ-CSĐT ngày 06/3/2025 đã được Viện kiểm sát "
            "nhân dân tỉnh Quảng Ninh phê chuẩn tại Quyết định số 15/QĐ-VKS-P2 ngày 08/3/2025;"
        ),
        P("Xét thấy bị can đã bỏ khỏi nơi cư trú, có dấu hiệu bỏ trốn, gây khó khăn cho việc điều tra,"),
        H("RA LỆNH:"),
        P("Bắt bị can để tạm giam đối với: " + _MANH),
        P("Bị can bị khởi tố về tội Cố ý gây thương tích quy định tại điểm đ khoản 2 Điều 134 Bộ luật Hình sự."),
        P("Thời hạn tạm giam là 02 tháng kể từ ngày bắt. Nơi tạm giam: Trại tạm giam Công an tỉnh Quảng Ninh."),
        P("Giao Điều tra viên Lương Văn Khải thi hành Lệnh này theo quy định của pháp luật."),
        Columns(
            [
                CL("PHÊ CHUẨN CỦA VIỆN KIỂM SÁT", "b", 12),
                CL("Số: 16/QĐ-VKS-P2", "", 12),
                CL("KT. VIỆN TRƯỞNG", "b", 13),
                CL("PHÓ VIỆN TRƯỞNG", "b", 13),
                CL("Phạm Quang Minh", "b", 13, gap=21.0),
            ],
            [
                CL("", "", 12),
                CL("", "", 12),
                CL("KT. THỦ TRƯỞNG", "b", 13),
                CL("PHÓ THỦ TRƯỞNG", "b", 13),
                CL("Thượng tá Bùi Quang Vinh", "b", 13, gap=21.0),
            ],
            left_cx=LEFT_COL_CX - 2,
            sign_before=(("L", 4), ("R", 4)),
            gap=7.0,
        ),
    ]
    return Doc("lenh_bat", number, date, "LỆNH BẮT BỊ CAN ĐỂ TẠM GIAM", "", blocks, "0003-lb")


def doc_0003_bien_ban_hoi_cung() -> Doc:
    date = "2025-03-12"
    blocks = [official_header(POLICE, None, None)]
    blocks += titles("BIÊN BẢN HỎI CUNG BỊ CAN")
    blocks += [
        P("Hồi 09 giờ 00 phút, ngày 12 tháng 3 năm 2025, tại Trại tạm giam Công an tỉnh Quảng Ninh."),
        P(
            "Tôi: Lương Văn Khải, Điều tra viên, Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh, "
            "với sự có mặt của Kiểm sát viên Ngô Thị Hằng, Viện kiểm sát nhân dân tỉnh Quảng Ninh, "
            "tiến hành hỏi cung bị can: Vũ Đức Mạnh, sinh ngày 04/11/1998; nơi cư trú: tổ 7, khu 2, "
            "phường Quang Trung, thành phố Uông Bí, tỉnh Quảng Ninh."
        ),
        P("Bị can đã được giải thích quyền và nghĩa vụ theo quy định tại Điều 60 Bộ luật Tố tụng hình sự."),
        P("Hỏi: Anh hãy khai lại diễn biến sự việc xảy ra tối ngày 18/02/2025 tại quán bia trên đường Quang Trung?"),
        P(
            "Trả lời: Khoảng 19 giờ ngày 18/02/2025, tôi cùng hai người bạn ngồi uống bia tại "
            "quán. Đến khoảng 20 giờ, anh Đinh Văn Sơn ở bàn bên cạnh có lời lẽ trêu chọc nhóm của "
            "tôi nên hai bên cãi nhau. Trong lúc bực tức, tôi cầm vỏ chai bia trên bàn đập hai cái "
            "vào đầu anh Sơn làm anh Sơn bị chảy máu. Sau đó mọi người can ngăn và đưa anh Sơn đi "
            "bệnh viện."
        ),
        P("Hỏi: Trước đó anh có mâu thuẫn gì với anh Sơn không?"),
        P(
            "Trả lời: Tôi không quen biết và không có mâu thuẫn gì với anh Sơn từ trước. Tôi rất ân "
            "hận về hành vi của mình."
        ),
        P("Hỏi: Anh đã bồi thường cho người bị hại chưa?"),
        P(
            "Trả lời: Gia đình tôi đã bồi thường cho anh Sơn 30.000.000 đồng tiền viện phí và thuốc "
            "men. Tôi mong anh Sơn có đơn xin giảm nhẹ hình phạt cho tôi."
        ),
        P(
            "Việc hỏi cung kết thúc hồi 10 giờ 30 phút cùng ngày. Biên bản đã được đọc lại cho bị "
            "can nghe, bị can công nhận đúng và ký tên dưới đây."
        ),
        signature(["ĐIỀU TRA VIÊN"], "Lương Văn Khải", left=(["BỊ CAN"], "Vũ Đức Mạnh")),
    ]
    return Doc("bien_ban_hoi_cung", "", date, "BIÊN BẢN HỎI CUNG BỊ CAN", "", blocks, "0003-bbhc")


def doc_0003_don_khieu_nai() -> Doc:
    date = "2025-03-17"
    blocks = motto_header(vn_date(date, "Uông Bí"))
    blocks += titles("ĐƠN KHIẾU NẠI", gap=8.0)[:-1]
    blocks += [
        P("Kính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ninh.", indent=22.0, gap=5.0),
        P(
            "Tôi tên là: Vũ Văn Bình, sinh năm 1970; nơi cư trú: tổ 7, khu 2, phường Quang Trung, "
            "thành phố Uông Bí, tỉnh Quảng Ninh; là bố đẻ của bị can Vũ Đức Mạnh.",
            gap=3.0,
        ),
        P(
            "Tôi khiếu nại Lệnh bắt bị can để tạm giam số 07/LB-CSĐT ngày 10/3/2025 của Cơ quan "
            "Cảnh sát điều tra Công an tỉnh Quảng Ninh đối với con tôi là Vũ Đức Mạnh."
        ),
        P(
            "Lý do khiếu nại: con tôi có nơi cư trú rõ ràng, đã ra đầu thú, thành khẩn khai báo và "
            "gia đình đã bồi thường cho người bị hại. Con tôi là lao động chính, đang nuôi mẹ già "
            "bị bệnh. Việc áp dụng biện pháp tạm giam là không cần thiết."
        ),
        P(
            "Vì vậy, tôi đề nghị Viện kiểm sát nhân dân tỉnh Quảng Ninh xem xét, hủy bỏ lệnh bắt bị "
            "can để tạm giam và thay thế bằng biện pháp ngăn chặn khác nhẹ hơn đối với con tôi."
        ),
        P("Tôi xin cam đoan nội dung khiếu nại trên là đúng sự thật."),
        Columns(
            [],
            [
                CL("NGƯỜI KHIẾU NẠI", "b", 13),
                CL("(Ký và ghi rõ họ tên)", "i", 12),
                CL("Vũ Văn Bình", "b", 13, gap=19.0),
            ],
            sign_before=(("R", 2),),
            gap=7.0,
        ),
    ]
    return Doc("don_khieu_nai", "", date, "ĐƠN KHIẾU NẠI", "", blocks, "0003-dkn")


def doc_0003_qd_giai_quyet_khieu_nai() -> Doc:
    return _qd(
        "0003-qdgqkn",
        VKS,
        "03/QĐ-VKS-P2",
        "2025-04-03",
        "Giải quyết khiếu nại",
        [
            P("Căn cứ Điều 470, Điều 471 và Điều 475 Bộ luật Tố tụng hình sự;"),
            P(
                "Xét đơn khiếu nại đề ngày 17/3/2025 của ông Vũ Văn Bình, trú tại phường Quang Trung, "
                "thành phố Uông Bí, tỉnh Quảng Ninh đối với Lệnh bắt bị can để tạm giam số 07/LB-CSĐT "
                "ngày 10/3/2025 của Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh;"
            ),
            P(
                "Xét thấy bị can Vũ Đức Mạnh bị khởi tố về tội Cố ý gây thương tích theo điểm đ khoản 2 "
                "Điều 134 Bộ luật Hình sự; sau khi gây án bị can đã bỏ khỏi nơi cư trú, có dấu hiệu "
                "bỏ trốn. Việc bắt bị can để tạm giam là có căn cứ, đúng quy định tại Điều 119 Bộ luật "
                "Tố tụng hình sự,"
            ),
            H("QUYẾT ĐỊNH:"),
            P(
                "Điều 1. Không chấp nhận nội dung khiếu nại của ông Vũ Văn Bình. Giữ nguyên Lệnh bắt bị "
                "can để tạm giam số 07/LB-CSĐT ngày 10/3/2025 của Cơ quan Cảnh sát điều tra Công an "
                "tỉnh Quảng Ninh."
            ),
            P(
                "Điều 2. Quyết định này có hiệu lực kể từ ngày ký và được gửi cho người khiếu nại, Cơ "
                "quan Cảnh sát điều tra Công an tỉnh Quảng Ninh."
            ),
        ],
        _VKS_SIGN,
        ["- Ông Vũ Văn Bình;", "- CQCSĐT Công an tỉnh Quảng Ninh;", "- Lưu: HSKS, VP."],
        doc_type="qd_giai_quyet_khieu_nai",
        extra_title=("VIỆN TRƯỞNG VIỆN KIỂM SÁT NHÂN DÂN TỈNH QUẢNG NINH",),
    )


def doc_0003_don_kien_nghi() -> Doc:
    date = "2025-04-10"
    blocks = motto_header()
    blocks += titles("ĐƠN KIẾN NGHỊ", gap=10.0)[:-1]
    blocks += [
        P("Kính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ninh.", indent=22.0, gap=5.0),
        P(
            "Tôi tên là: Đinh Văn Sơn, sinh năm 1990; nơi cư trú: phường Thanh Sơn, thành phố Uông "
            "Bí, tỉnh Quảng Ninh; là người bị hại trong vụ án Cố ý gây thương tích do Cơ quan Cảnh "
            "sát điều tra Công an tỉnh Quảng Ninh thụ lý.",
            gap=3.0,
        ),
        P(
            "Ngày 18/02/2025, tôi bị Vũ Đức Mạnh dùng vỏ chai bia đánh gây thương tích với tỷ lệ "
            "tổn thương cơ thể 14%. Đến nay, tôi vẫn thường xuyên bị đau đầu, chưa thể trở lại làm "
            "việc bình thường."
        ),
        P(
            "Tôi kiến nghị Viện kiểm sát nhân dân tỉnh Quảng Ninh yêu cầu Cơ quan điều tra trưng "
            "cầu giám định bổ sung về thương tích của tôi và xem xét khoản bồi thường tổn thất về "
            "tinh thần, thu nhập bị mất trong thời gian điều trị."
        ),
        P("Tôi xin chân thành cảm ơn."),
        petition_signature(vn_date(date, "Uông Bí"), "NGƯỜI KIẾN NGHỊ", "Đinh Văn Sơn"),
    ]
    return Doc("don_kien_nghi", "", date, "ĐƠN KIẾN NGHỊ", "", blocks, "0003-dkng")


def doc_0003_thong_bao() -> Doc:
    number, date = "08/TB-VKS-P2", "2025-04-15"
    blocks = [official_header(VKS, number, vn_date(date, "Hạ Long"))]
    blocks += titles("THÔNG BÁO", "Về việc thụ lý đơn kiến nghị")
    blocks += [
        P("Kính gửi: Ông Đinh Văn Sơn, trú tại phường Thanh Sơn, thành phố Uông Bí, tỉnh Quảng Ninh.", indent=22.0),
        P(
            "Ngày 11/4/2025, Viện kiểm sát nhân dân tỉnh Quảng Ninh nhận được đơn kiến nghị đề ngày "
            "10/4/2025 của ông về việc đề nghị giám định bổ sung thương tích và xem xét bồi thường "
            "trong vụ án Cố ý gây thương tích xảy ra tại phường Quang Trung, thành phố Uông Bí.",
            gap=3.0,
        ),
        P(
            "Viện kiểm sát nhân dân tỉnh Quảng Ninh thông báo đã thụ lý đơn của ông và đã chuyển "
            "yêu cầu đến Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh để xem xét, giải quyết "
            "theo thẩm quyền. Kết quả giải quyết sẽ được thông báo bằng văn bản cho ông."
        ),
        P("Viện kiểm sát nhân dân tỉnh Quảng Ninh thông báo để ông biết."),
        signature(*_VKS_SIGN, recipients=["- Như trên;", "- CQCSĐT Công an tỉnh Quảng Ninh;", "- Lưu: VP, P2."]),
    ]
    return Doc("thong_bao", number, date, "THÔNG BÁO", "Về việc thụ lý đơn kiến nghị", blocks, "0003-tb")


def doc_0003_bao_cao() -> Doc:
    number, date = "19/BC-VKS-P2", "2025-04-22"
    blocks = [official_header(VKS, number, vn_date(date, "Hạ Long"))]
    blocks += titles("BÁO CÁO", "Tiến độ giải quyết vụ án Cố ý gây thương tích")
    blocks += [
        P("Kính gửi: Viện trưởng Viện kiểm sát nhân dân tỉnh Quảng Ninh.", indent=22.0),
        P(
            "Thực hiện nhiệm vụ thực hành quyền công tố, kiểm sát điều tra vụ án Cố ý gây thương "
            "tích xảy ra ngày 18/02/2025 tại phường Quang Trung, thành phố Uông Bí, Phòng 2 báo cáo "
            "như sau:",
            gap=3.0,
        ),
        P(
            "1. Tình hình thụ lý: vụ án được khởi tố ngày 05/3/2025; bị can Vũ Đức Mạnh bị khởi tố "
            "ngày 06/3/2025, Viện kiểm sát đã phê chuẩn ngày 08/3/2025. Bị can đang bị tạm giam tại "
            "Trại tạm giam Công an tỉnh Quảng Ninh."
        ),
        P(
            "2. Kết quả điều tra: Cơ quan điều tra đã lấy lời khai người bị hại, người làm chứng, "
            "hỏi cung bị can, thu thập Kết luận giám định số 112/KLGĐ-TTPY ngày 27/02/2025 xác định "
            "tỷ lệ tổn thương cơ thể của người bị hại là 14%."
        ),
        P(
            "3. Vướng mắc: người bị hại có đơn kiến nghị đề nghị giám định bổ sung. Kiểm sát viên đã "
            "yêu cầu Cơ quan điều tra xem xét, giải quyết theo quy định."
        ),
        P("4. Đề xuất: tiếp tục kiểm sát chặt chẽ việc điều tra, bảo đảm kết thúc điều tra đúng thời hạn."),
        signature(["KIỂM SÁT VIÊN"], "Ngô Thị Hằng", recipients=["- Như trên;", "- Lưu: P2."]),
    ]
    return Doc("bao_cao", number, date, "BÁO CÁO", "Tiến độ giải quyết vụ án Cố ý gây thương tích", blocks, "0003-bc")


def doc_0003_cong_van() -> Doc:
    number, date = "12/VKS-P2", "2025-04-25"
    blocks = [
        official_header(
            VKS, number, vn_date(date, "Hạ Long"), vv=["V/v yêu cầu cung cấp tài liệu,", "chứng cứ bổ sung"]
        )
    ]
    blocks += [
        Space(6.0),
        P("Kính gửi: Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh.", indent=22.0),
        P(
            "Viện kiểm sát nhân dân tỉnh Quảng Ninh đang thực hành quyền công tố, kiểm sát điều tra "
            "vụ án Cố ý gây thương tích xảy ra ngày 18/02/2025 tại phường Quang Trung, thành phố "
            "Uông Bí, bị can Vũ Đức Mạnh.",
            gap=4.0,
        ),
        P(
            "Để bảo đảm việc giải quyết vụ án khách quan, toàn diện, Viện kiểm sát nhân dân tỉnh "
            "Quảng Ninh đề nghị Quý Cơ quan:"
        ),
        P("1. Thu giữ, trích xuất dữ liệu camera tại quán bia nơi xảy ra vụ việc;"),
        P("2. Lấy lời khai bổ sung của những người làm chứng có mặt tại quán;"),
        P("3. Xem xét đơn kiến nghị của người bị hại về việc trưng cầu giám định bổ sung."),
        P("Kết quả thực hiện đề nghị gửi về Viện kiểm sát nhân dân tỉnh Quảng Ninh trước ngày 15/5/2025."),
        signature(*_VKS_SIGN, recipients=["- Như trên;", "- Lưu: VP, P2."]),
    ]
    return Doc("cong_van", number, date, "", "", blocks, "0003-cv")


def doc_0003_ket_luan_dieu_tra() -> Doc:
    number, date = "44/KLĐT-CSĐT", "2025-05-20"
    blocks = [official_header(POLICE, number, vn_date(date, "Hạ Long"))]
    blocks += titles("BẢN KẾT LUẬN ĐIỀU TRA", "Vụ án hình sự, đề nghị truy tố")
    blocks += [
        P(
            "Ngày 05/3/2025, Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh ra Quyết định khởi "
            "tố vụ án hình sự số 38/QĐ-CSĐT về tội Cố ý gây thương tích xảy ra tại phường Quang "
            "Trung, thành phố Uông Bí, tỉnh Quảng Ninh."
        ),
        P(
            "Ngày 06/3/2025, Cơ quan Cảnh sát điều tra ra Quyết định khởi tố bị can số 41/QĐ-CSĐT "
            "đối với Vũ Đức Mạnh, đã được Viện kiểm sát nhân dân tỉnh Quảng Ninh phê chuẩn tại "
            "Quyết định số 15/QĐ-VKS-P2 ngày 08/3/2025. Ngày 10/3/2025, Cơ quan điều tra ra Lệnh "
            "bắt bị can để tạm giam số 07/LB-CSĐT, bị can bị tạm giam từ ngày 11/3/2025."
        ),
        H("KẾT QUẢ ĐIỀU TRA"),
        P(
            "Khoảng 19 giờ ngày 18/02/2025, Vũ Đức Mạnh cùng hai người bạn là Trần Văn Quân và "
            "Phạm Đức Anh ngồi uống bia tại quán bia của bà Nguyễn Thị Mai trên đường Quang Trung, "
            "phường Quang Trung, thành phố Uông Bí. Cùng thời điểm, anh Đinh Văn Sơn cùng một số "
            "đồng nghiệp ngồi ở bàn bên cạnh."
        ),
        P(
            "Khoảng 20 giờ cùng ngày, do anh Sơn có lời nói trêu chọc nhóm của Mạnh nên hai bên "
            "xảy ra cãi nhau. Mạnh đứng dậy, cầm vỏ chai bia thủy tinh trên bàn đập hai nhát vào "
            "vùng đầu anh Sơn làm vỏ chai vỡ, anh Sơn bị chảy nhiều máu. Mọi người trong quán đã "
            "can ngăn và đưa anh Sơn đến Bệnh viện Việt Nam - Thụy Điển Uông Bí cấp cứu. Sau khi "
            "sự việc xảy ra, Mạnh bỏ về quê ở huyện Vân Đồn và tắt điện thoại."
        ),
        P(
            "Ngày 19/02/2025, anh Đinh Văn Sơn có đơn trình báo gửi Công an phường Quang Trung. "
            "Công an phường đã tiến hành khám nghiệm hiện trường, thu giữ mảnh vỡ chai bia, trích "
            "xuất dữ liệu camera của quán và lấy lời khai những người có mặt."
        ),
        P(
            "Tại Kết luận giám định pháp y về thương tích số 112/KLGĐ-TTPY ngày 27/02/2025, Trung "
            "tâm Pháp y tỉnh Quảng Ninh kết luận: tỷ lệ tổn thương cơ thể do thương tích gây nên "
            "của anh Đinh Văn Sơn hiện tại là 14%; vết thương do vật tày có cạnh gây nên."
        ),
        P(
            "Quá trình điều tra, bị can Vũ Đức Mạnh đã khai nhận toàn bộ hành vi phạm tội. Lời khai "
            "của bị can phù hợp với lời khai của người bị hại, người làm chứng Trần Văn Quân, Phạm "
            "Đức Anh, bà Nguyễn Thị Mai, dữ liệu camera và vật chứng thu giữ."
        ),
        P(
            "Người làm chứng Trần Văn Quân khai: khi hai bên cãi nhau, Quân đã kéo Mạnh ngồi "
            "xuống nhưng Mạnh giằng ra, cầm vỏ chai bia trên bàn đánh anh Sơn. Người làm chứng Phạm "
            "Đức Anh khai phù hợp với lời khai của Quân và xác nhận anh Sơn không cầm hung khí gì."
        ),
        P(
            "Người làm chứng bà Nguyễn Thị Mai, chủ quán bia, khai: bà nghe thấy tiếng cãi nhau, "
            "khi chạy ra thì thấy anh Sơn ôm đầu chảy máu, một thanh niên mặc áo phông màu đen cầm "
            "cổ chai bia vỡ. Bà đã gọi điện báo Công an phường Quang Trung và cùng mọi người đưa "
            "anh Sơn đi cấp cứu. Dữ liệu camera của quán ghi lại toàn bộ diễn biến sự việc."
        ),
        P(
            "Vật chứng của vụ án gồm: 01 túi niêm phong bên trong có các mảnh vỡ chai bia thủy "
            "tinh màu xanh; 01 đĩa DVD chứa dữ liệu camera trích xuất tại quán bia. Vật chứng đã "
            "được chuyển đến Kho vật chứng Công an tỉnh Quảng Ninh để quản lý theo quy định."
        ),
        P(
            "Về trách nhiệm dân sự: gia đình bị can đã bồi thường cho anh Đinh Văn Sơn số tiền "
            "30.000.000 đồng. Anh Sơn yêu cầu bồi thường thêm tổn thất về tinh thần và thu nhập bị "
            "mất trong thời gian điều trị, tổng cộng 25.000.000 đồng; bị can chưa thống nhất với "
            "yêu cầu này."
        ),
        P(
            "Đối với kiến nghị trưng cầu giám định bổ sung của anh Sơn: Cơ quan điều tra đã xem "
            "xét, xác định thương tích của anh Sơn đã ổn định, không có tình tiết mới làm thay đổi "
            "kết quả giám định nên không có căn cứ trưng cầu giám định bổ sung và đã thông báo cho "
            "anh Sơn biết."
        ),
        P(
            "Đối với Trần Văn Quân và Phạm Đức Anh: hai người này không tham gia đánh anh Sơn, đã "
            "can ngăn Mạnh nên Cơ quan điều tra không đề cập xử lý."
        ),
        P(
            "Về nhân thân: bị can Vũ Đức Mạnh chưa có tiền án, tiền sự. Tình tiết giảm nhẹ: bị can "
            "thành khẩn khai báo, ăn năn hối cải, đã tự nguyện bồi thường một phần thiệt hại theo "
            "điểm b, điểm s khoản 1 Điều 51 Bộ luật Hình sự. Bị can không có tình tiết tăng nặng."
        ),
        H("KẾT LUẬN"),
        P(
            "Từ những căn cứ trên, có đủ cơ sở kết luận: khoảng 20 giờ ngày 18/02/2025, tại quán "
            "bia trên đường Quang Trung, phường Quang Trung, thành phố Uông Bí, Vũ Đức Mạnh đã dùng "
            "vỏ chai bia là hung khí nguy hiểm đánh vào đầu anh Đinh Văn Sơn gây thương tích với "
            "tỷ lệ tổn thương cơ thể 14%. Hành vi của Vũ Đức Mạnh đã phạm vào tội Cố ý gây thương "
            "tích, quy định tại điểm đ khoản 2 Điều 134 Bộ luật Hình sự."
        ),
        P(
            "Căn cứ Điều 232 và Điều 233 Bộ luật Tố tụng hình sự, Cơ quan Cảnh sát điều tra Công an "
            "tỉnh Quảng Ninh đề nghị Viện kiểm sát nhân dân tỉnh Quảng Ninh truy tố bị can Vũ Đức "
            "Mạnh về tội Cố ý gây thương tích theo điểm đ khoản 2 Điều 134 Bộ luật Hình sự."
        ),
        P("Hồ sơ vụ án gồm 112 bút lục, được chuyển kèm theo bản kết luận điều tra này."),
        signature(*_POLICE_SIGN, recipients=["- VKSND tỉnh Quảng Ninh;", "- Bị can;", "- Lưu: HSVA, CSĐT."]),
    ]
    return Doc(
        "ket_luan_dieu_tra",
        number,
        date,
        "BẢN KẾT LUẬN ĐIỀU TRA",
        "Vụ án hình sự, đề nghị truy tố",
        blocks,
        "0003-kldt",
    )


def doc_0003_cao_trang() -> Doc:
    number, date = "35/CT-VKS-P2", "2025-06-16"
    blocks = [official_header(VKS, number, vn_date(date, "Hạ Long"))]
    blocks += titles("CÁO TRẠNG", "", "VIỆN TRƯỞNG VIỆN KIỂM SÁT NHÂN DÂN TỈNH QUẢNG NINH")
    blocks += [
        P("Căn cứ Điều 236, Điều 239 và Điều 243 Bộ luật Tố tụng hình sự;"),
        P(
            "Căn cứ Bản kết luận điều tra số 44/KLĐT-CSĐT ngày 20/5/2025 của Cơ quan Cảnh sát điều "
            "tra Công an tỉnh Quảng Ninh đề nghị truy tố bị can Vũ Đức Mạnh về tội Cố ý gây thương "
            "tích;"
        ),
        P(
            "Khoảng 20 giờ ngày 18/02/2025, tại quán bia trên đường Quang Trung, phường Quang Trung, "
            "thành phố Uông Bí, bị can Vũ Đức Mạnh đã dùng vỏ chai bia đánh vào đầu anh Đinh Văn "
            "Sơn gây thương tích với tỷ lệ tổn thương cơ thể 14%."
        ),
        P(
            "Hành vi nêu trên của bị can đã phạm vào tội Cố ý gây thương tích quy định tại điểm đ "
            "khoản 2 Điều 134 Bộ luật Hình sự."
        ),
        H("QUYẾT ĐỊNH:"),
        P(
            "Truy tố ra trước Tòa án nhân dân tỉnh Quảng Ninh để xét xử bị can Vũ Đức Mạnh, sinh "
            "ngày 04/11/1998, trú tại tổ 7, khu 2, phường Quang Trung, thành phố Uông Bí, tỉnh "
            "Quảng Ninh về tội Cố ý gây thương tích theo điểm đ khoản 2 Điều 134 Bộ luật Hình sự."
        ),
        P("Kèm theo cáo trạng là hồ sơ vụ án gồm 112 bút lục và vật chứng theo biên bản giao nhận."),
        signature(*_VKS_SIGN, recipients=["- TAND tỉnh Quảng Ninh;", "- Bị can;", "- Lưu: HSVA, VP."]),
    ]
    return Doc("cao_trang", number, date, "CÁO TRẠNG", "", blocks, "0003-ct")


ALL_DOCS: list[Callable[[], Doc]] = [
    doc_0001_qd_khoi_to_vu_an,
    doc_0001_qd_khoi_to_bi_can,
    doc_0001_lenh_tam_giam,
    doc_0001_bien_ban_loi_khai,
    doc_0001_ket_luan_dieu_tra,
    doc_0001_cao_trang,
    doc_0001_ban_an,
    doc_0002_don_to_cao,
    doc_0002_qd_khong_khoi_to,
    doc_0002_thong_bao,
    doc_0003_ket_luan_giam_dinh,
    doc_0003_qd_khoi_to_vu_an,
    doc_0003_qd_khoi_to_bi_can,
    doc_0003_qd_phe_chuan,
    doc_0003_lenh_bat,
    doc_0003_bien_ban_hoi_cung,
    doc_0003_don_khieu_nai,
    doc_0003_qd_giai_quyet_khieu_nai,
    doc_0003_don_kien_nghi,
    doc_0003_thong_bao,
    doc_0003_bao_cao,
    doc_0003_cong_van,
    doc_0003_ket_luan_dieu_tra,
    doc_0003_cao_trang,
]


def example_document(doc_type: str) -> Doc:
    """The first sample document of a taxonomy type (every type except 'khac' has one)."""
    for f in ALL_DOCS:
        d = f()
        if d.type == doc_type:
            return d
    raise KeyError(doc_type)


# --------------------------------------------------------------------------------------------
# Special pages: separator sheets with QR codes, blank pages
# --------------------------------------------------------------------------------------------
def qr_image(payload: str, border: int = 4) -> Image.Image:
    """A QR code as a 1-pixel-per-module bilevel image (needs ``segno`` from PyPI)."""
    import segno  # imported lazily: only the separator sheets need it

    qr = segno.make(payload, error="m", micro=False)
    n = len(qr.matrix)
    img = Image.new("1", (n + 2 * border, n + 2 * border), 1)
    px = img.load()
    for y, row in enumerate(qr.matrix):
        for x, v in enumerate(row):
            if v & 1:
                px[x + border, y + border] = 0
    return img


def separator_page(payload: str) -> Page:
    """A separator sheet: big heading, a ~80 mm QR code, the payload in clear, a hint line."""
    case = payload.split("=", 1)[1] if payload.startswith("HOSO:CASE=") else None
    head = "TỜ BÌA HỒ SƠ VỤ ÁN" if case else "TỜ PHÂN CÁCH TÀI LIỆU"
    lines = [TextLine(head, PAGE_W_MM / 2, 45.0, 18.0, "b", "center")]
    if case:
        lines.append(TextLine(f"Mã hồ sơ: {case}", PAGE_W_MM / 2, 56.0, 14.0, "", "center"))
    qr = qr_image(payload)
    size = 80.0
    marks = [Picture(qr, (PAGE_W_MM - size) / 2, 70.0, size)]
    lines.append(TextLine(payload, PAGE_W_MM / 2, 70.0 + size + 12.0, 14.0, "", "center"))
    hint = "Đặt tờ này trước tài liệu đầu tiên của hồ sơ." if case else "Đặt tờ này giữa hai tài liệu khi quét."
    lines.append(TextLine(hint, PAGE_W_MM / 2, 70.0 + size + 22.0, 12.0, "i", "center"))
    return Page(lines, marks)


@dataclass
class Blank:
    """A blank sheet; ``bleed`` shows the mirrored back side of another page faintly."""

    bleed: Callable[[], Doc] | None = None


@dataclass
class Separator:
    payload: str


@dataclass
class Part:
    """Pages ``pages`` (0-based slice bounds) of a document, for a document split over files."""

    doc: Callable[[], Doc]
    start: int
    stop: int | None
    part: int
    of: int


@dataclass
class Rotated:
    doc: Callable[[], Doc]
    angle: int = 180


@dataclass
class Batch:
    case_id: str
    path: str  # relative to the output root; jpg: the stem before _pNNN
    fmt: str  # pdf | jpg | tiff | png
    items: list
    color: str = "gray"  # gray (JPEG in PDF) | bilevel (CCITT G4)
    dpi: int = DEFAULT_DPI


BATCHES = [
    Batch(
        "2025-HS-0001",
        "inbox/2025-HS-0001/scan_2025-HS-0001_1.pdf",
        "pdf",
        [
            doc_0001_qd_khoi_to_vu_an,
            doc_0001_qd_khoi_to_bi_can,
            doc_0001_lenh_tam_giam,
            doc_0001_ket_luan_dieu_tra,
            doc_0001_cao_trang,
        ],
    ),
    Batch("2025-HS-0001", "inbox/2025-HS-0001/scan_2025-HS-0001_2", "jpg", [doc_0001_bien_ban_loi_khai]),
    Batch("2025-HS-0001", "inbox/2025-HS-0001/scan_2025-HS-0001_3.tif", "tiff", [doc_0001_ban_an], color="bilevel"),
    Batch(
        "2025-HS-0002",
        "inbox/2025-HS-0002/scan_2025-HS-0002_1.pdf",
        "pdf",
        [doc_0002_don_to_cao, Blank(bleed=doc_0002_don_to_cao), Rotated(doc_0002_qd_khong_khoi_to)],
    ),
    Batch("2025-HS-0002", "inbox/2025-HS-0002/scan_2025-HS-0002_2.png", "png", [doc_0002_thong_bao]),
    Batch(
        "2025-HS-0003",
        "more/separators_2025-HS-0003.pdf",
        "pdf",
        [
            Separator("HOSO:CASE=2025-HS-0003"),
            doc_0003_qd_khoi_to_vu_an,
            Separator("HOSO:SEP"),
            doc_0003_qd_khoi_to_bi_can,
        ],
        color="bilevel",
    ),
    Batch("2025-HS-0003", "more/ket_luan_giam_dinh.pdf", "pdf", [doc_0003_ket_luan_giam_dinh], color="bilevel"),
    Batch("2025-HS-0003", "more/qd_phe_chuan.pdf", "pdf", [doc_0003_qd_phe_chuan], color="bilevel"),
    Batch("2025-HS-0003", "more/lenh_bat.pdf", "pdf", [doc_0003_lenh_bat], color="bilevel"),
    Batch("2025-HS-0003", "more/bien_ban_hoi_cung.pdf", "pdf", [doc_0003_bien_ban_hoi_cung], color="bilevel"),
    Batch("2025-HS-0003", "more/don_khieu_nai.pdf", "pdf", [doc_0003_don_khieu_nai], color="bilevel"),
    Batch(
        "2025-HS-0003", "more/qd_giai_quyet_khieu_nai.pdf", "pdf", [doc_0003_qd_giai_quyet_khieu_nai], color="bilevel"
    ),
    Batch("2025-HS-0003", "more/don_kien_nghi.pdf", "pdf", [doc_0003_don_kien_nghi], color="bilevel"),
    Batch("2025-HS-0003", "more/thong_bao.pdf", "pdf", [doc_0003_thong_bao], color="bilevel"),
    Batch("2025-HS-0003", "more/bao_cao.pdf", "pdf", [doc_0003_bao_cao], color="bilevel"),
    Batch("2025-HS-0003", "more/cong_van.pdf", "pdf", [doc_0003_cong_van], color="bilevel"),
    Batch(
        "2025-HS-0003",
        "more/split_2025-HS-0003_1.pdf",
        "pdf",
        [Part(doc_0003_ket_luan_dieu_tra, 0, 2, 1, 2)],
        color="bilevel",
    ),
    Batch(
        "2025-HS-0003",
        "more/split_2025-HS-0003_2.pdf",
        "pdf",
        [Part(doc_0003_ket_luan_dieu_tra, 2, None, 2, 2), doc_0003_cao_trang],
        color="bilevel",
    ),
]


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------
def _jpeg_bytes(img: Image.Image, dpi: int, quality: int = 75) -> bytes:
    b = io.BytesIO()
    img.convert("L").save(b, "JPEG", quality=quality, optimize=True, dpi=(dpi, dpi))
    return b.getvalue()


def _g4_bytes(img: Image.Image, dpi: int) -> bytes:
    b = io.BytesIO()
    (img if img.mode == "1" else to_bilevel(img)).save(b, "TIFF", compression="group4", dpi=(dpi, dpi))
    return b.getvalue()


def pdf_from_images(images: Sequence[Image.Image], dpi: int = DEFAULT_DPI) -> bytes:
    """A PDF of page images: bilevel pages as CCITT G4, others as greyscale JPEG (q75)."""
    import img2pdf

    parts = [_g4_bytes(im, dpi) if im.mode == "1" else _jpeg_bytes(im, dpi) for im in images]
    # the internal engine writes the same bytes every run (the pikepdf one draws a random /ID)
    return img2pdf.convert(parts, nodate=True, engine=img2pdf.Engine.internal)


def alpha_png(img: Image.Image, dpi: int) -> bytes:
    """A grey+alpha PNG: ink is opaque black, the paper fully transparent *black* (LA 0,0).

    Flattening onto white shows the page; dropping the alpha channel gives a black page.
    """
    g = img.convert("L")
    alpha = g.point(lambda v: 255 - v)
    la = Image.merge("LA", (Image.new("L", g.size, 0), alpha))
    b = io.BytesIO()
    la.save(b, "PNG", optimize=True, dpi=(dpi, dpi))
    return b.getvalue()


def write_scan(path, images: Sequence[Image.Image], dpi: int = DEFAULT_DPI) -> list[Path]:
    """Write page images as a scan file chosen by suffix; returns the files written.

    ``.pdf``: one PDF (G4 for mode "1" pages, JPEG otherwise); ``.tif``/``.tiff``: multi-page
    CCITT G4; ``.png``: one page with alpha; ``.jpg``: one file per page named
    ``<stem>_p001.jpg``... (give the path of the first page or just the stem).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suf = path.suffix.lower()
    if suf == ".pdf":
        path.write_bytes(pdf_from_images(images, dpi))
        return [path]
    if suf in (".tif", ".tiff"):
        bl = [im if im.mode == "1" else to_bilevel(im) for im in images]
        bl[0].save(path, save_all=True, append_images=bl[1:], compression="group4", dpi=(dpi, dpi))
        return [path]
    if suf == ".png":
        if len(images) != 1:
            raise ValueError("a PNG holds one page")
        path.write_bytes(alpha_png(images[0], dpi))
        return [path]
    stem = str(path.with_suffix("")) if suf in (".jpg", ".jpeg") else str(path)
    if stem.endswith("_p001"):
        stem = stem[:-5]
    out = []
    for i, im in enumerate(images, 1):
        p = Path(f"{stem}_p{i:03d}.jpg")
        p.write_bytes(_jpeg_bytes(im, dpi))
        out.append(p)
    return out


# --------------------------------------------------------------------------------------------
# Building the batches and truth.json
# --------------------------------------------------------------------------------------------
def _render_batch(b: Batch) -> tuple[list, dict]:
    images: list[Image.Image] = []
    docs: list[dict] = []
    extra: dict = {}
    bilevel = b.color == "bilevel"
    clean = b.fmt == "png"  # the alpha PNG is rendered clean

    def noisy(page: Page, key: str, **kw) -> Image.Image:
        if clean:
            return render_page(page, dpi=b.dpi, noise=False)
        return render_page(page, dpi=b.dpi, noise=True, seed=f"{b.path}:{key}", bilevel=bilevel, **kw)

    for item in b.items:
        n0 = len(images) + 1
        if isinstance(item, Blank):
            bleed = layout_document(item.bleed())[0] if item.bleed else None
            rng = random.Random(f"{SEED}:{b.path}:blank{n0}")
            im = scanify(draw_page(Page(), b.dpi), rng, bleed=bleed, dpi=b.dpi, speckle=1.5)
            images.append(to_bilevel(im) if bilevel else im)
            extra.setdefault("blank_pages", []).append(n0)
        elif isinstance(item, Separator):
            page = separator_page(item.payload)
            images.append(noisy(page, f"sep{n0}", skew=0.3, speckle=0.5))
            extra.setdefault("separators", []).append({"page": n0, "payload": item.payload, "text": page.text})
        else:
            angle = 0
            part = None
            if isinstance(item, Rotated):
                angle, item = item.angle, item.doc
            doc = item.doc() if isinstance(item, Part) else item()
            pages = layout_document(doc)
            if isinstance(item, Part):
                part = {"part": item.part, "of": item.of, "pages_of_document": len(pages)}
                pages = pages[item.start : item.stop]
            for i, p in enumerate(pages):
                im = noisy(p, f"{doc.key}:{i}")
                if angle:
                    im = im.rotate(angle, expand=True)
                    extra.setdefault("rotated_pages", {})[str(len(images) + 1)] = angle
                images.append(im)
            t = doc.truth(n0, pages)
            if part:
                t["split"] = part
            docs.append(t)
    return images, {"docs": docs, **extra}


def build_all(out_dir: str | os.PathLike = SAMPLES_DIR, with_bad: bool = True) -> dict:
    """Render every batch (and the bad inputs) under ``out_dir``; write and return truth."""
    out = Path(out_dir)
    batches = []
    for b in BATCHES:
        images, info = _render_batch(b)
        files = write_scan(out / b.path, images, b.dpi)
        entry = {
            "case_id": b.case_id,
            "files": [str(f.relative_to(out)) for f in files],
            "format": b.fmt,
            "color": "bilevel" if (b.color == "bilevel" or b.fmt == "tiff") else "gray",
            "dpi": b.dpi,
            "page_count": len(images),
            "documents": info.pop("docs"),
        }
        entry.update(info)
        batches.append(entry)
    truth = {"batches": batches, "cases": CASES}
    if with_bad:
        truth["bad"] = build_bad(out / "bad")
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return truth


# --------------------------------------------------------------------------------------------
# Bad inputs
# --------------------------------------------------------------------------------------------
_TCVN3_LOWER = {
    "à": 181,
    "á": 184,
    "ạ": 185,
    "ả": 182,
    "ã": 183,
    "ă": 168,
    "ằ": 187,
    "ắ": 190,
    "ặ": 198,
    "ẳ": 188,
    "ẵ": 189,
    "â": 169,
    "ầ": 199,
    "ấ": 202,
    "ậ": 203,
    "ẩ": 200,
    "ẫ": 201,
    "đ": 174,
    "è": 204,
    "é": 208,
    "ẹ": 209,
    "ẻ": 206,
    "ẽ": 207,
    "ê": 170,
    "ề": 210,
    "ế": 213,
    "ệ": 214,
    "ể": 211,
    "ễ": 212,
    "ì": 215,
    "í": 221,
    "ị": 222,
    "ỉ": 216,
    "ĩ": 220,
    "ò": 223,
    "ó": 227,
    "ọ": 228,
    "ỏ": 225,
    "õ": 226,
    "ô": 171,
    "ồ": 229,
    "ố": 232,
    "ộ": 233,
    "ổ": 230,
    "ỗ": 231,
    "ơ": 172,
    "ờ": 234,
    "ớ": 237,
    "ợ": 238,
    "ở": 235,
    "ỡ": 236,
    "ù": 239,
    "ú": 243,
    "ụ": 244,
    "ủ": 241,
    "ũ": 242,
    "ư": 173,
    "ừ": 245,
    "ứ": 248,
    "ự": 249,
    "ử": 246,
    "ữ": 247,
    "ỳ": 250,
    "ý": 253,
    "ỵ": 254,
    "ỷ": 251,
    "ỹ": 252,
}
_TCVN3_UPPER = {"Ă": 161, "Â": 162, "Đ": 167, "Ê": 163, "Ô": 164, "Ơ": 165, "Ư": 166}


def to_tcvn3(text: str) -> bytes:
    """Encode Vietnamese in the legacy TCVN3 (ABC) 8-bit code used with .VnTime fonts.

    Toned capitals have no code of their own (they come from the .VnTimeH capital font), so
    they are written with the lower-case code, as documents of that era did. Read back as
    Latin-1 this is the familiar junk: 'Cộng hòa' -> 'Céng hßa'.
    """
    out = bytearray()
    for ch in nfc(text):
        if ch in _TCVN3_UPPER:
            out.append(_TCVN3_UPPER[ch])
        elif ch in _TCVN3_LOWER:
            out.append(_TCVN3_LOWER[ch])
        elif ch.lower() in _TCVN3_LOWER:
            out.append(_TCVN3_LOWER[ch.lower()])
        elif ord(ch) < 128:
            out.append(ord(ch))
        else:
            out.append(ord("?"))
    return bytes(out)


def strip_diacritics(text: str) -> str:
    """What an English-only OCR makes of Vietnamese: the letters without their marks."""
    t = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in t if not unicodedata.combining(c)).encode("ascii", "replace").decode()


def _std_font_width(font: str, data: bytes, size: float) -> float:
    """Width in pt of WinAnsi bytes in a standard-14 font (pdfminer's AFM metrics)."""
    from pdfminer.fontmetrics import FONT_METRICS

    widths = FONT_METRICS[font][1]
    return sum(widths.get(bytes([b]).decode("cp1252", "replace"), 500) for b in data) / 1000 * size


def add_text_layer(
    pdf_bytes: bytes,
    page: Page,
    encode: Callable[[str], bytes],
    *,
    font: str = "Times-Roman",
    invisible: bool = True,
    under_image: bool = False,
) -> bytes:
    """Add a text layer for ``page`` (positions of its lines) to a one-page image PDF.

    Each line is ``encode(text)`` drawn in a standard-14 font (WinAnsi), stretched with Tz to
    the width of the real line. ``invisible`` uses render mode 3 (like an OCR layer);
    ``under_image`` draws it before the page image so it is covered (visible-mode text that
    nobody sees, like a legacy-font PDF whose glyphs were replaced by a scan).
    """
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    pg = pdf.pages[0]
    height = float(pg.mediabox[3])
    k = 72 / 25.4
    ops = [b"BT", b"3 Tr" if invisible else b"0 Tr", b"0 g"]
    for tl in page.lines:
        data = encode(tl.text)
        natural = _std_font_width(font, data, tl.size)
        tz = 100.0 * tl.width_mm() * k / natural if natural else 100.0
        ops.append(
            b"/FHoso %.2f Tf %.2f Tz 1 0 0 1 %.2f %.2f Tm <%s> Tj"
            % (tl.size, tz, tl.left_mm() * k, height - tl.y * k, data.hex().encode())
        )
    ops.append(b"ET")
    fdict = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type1,
        BaseFont=pikepdf.Name("/" + font),
        Encoding=pikepdf.Name.WinAnsiEncoding,
    )
    res = pg.obj.Resources
    if "/Font" not in res:
        res.Font = pikepdf.Dictionary()
    res.Font.FHoso = pdf.make_indirect(fdict)
    pg.contents_add(pikepdf.Stream(pdf, b"\n".join(ops)), prepend=under_image)
    out = io.BytesIO()
    pdf.save(out, static_id=True)
    return out.getvalue()


def _test_key_and_cert() -> tuple[bytes, bytes]:
    """A throw-away self-signed Ed25519 test certificate, derived from a public constant.

    Deterministic on purpose (same bytes each run). It proves nothing about anybody.
    """
    import datetime as dt
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.x509.oid import NameOID

    key = ed25519.Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"hoso samples: public test key, not a secret").digest()
    )
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Viện kiểm sát nhân dân tỉnh Quảng Ninh (MẪU THỬ)"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Phạm Quang Minh (TEST)"),
        ]
    )
    t0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x2025)
        .not_valid_before(t0)
        .not_valid_after(t0.replace(year=2035))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, None)
    )
    return (
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        cert.public_bytes(serialization.Encoding.PEM),
    )


def sign_pdf_bytes(pdf_bytes: bytes) -> tuple[bytes, str]:
    """Sign with pyHanko (PKCS#7 detached, self-signed test cert) or, if pyHanko is missing,
    add a structural /Sig field with pikepdf. Returns (pdf, method)."""
    import datetime as dt
    import hashlib

    try:
        import pyhanko.pdf_utils.metadata.info as _mi
        import pyhanko.pdf_utils.metadata.xmp_xml as _mx
        import pyhanko.sign.signers.pdf_cms as _pc
        import pyhanko.sign.signers.pdf_signer as _ps
        from pyhanko.pdf_utils import generic
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
    except ImportError:
        return _structural_signature(pdf_bytes), "pikepdf-structural"
    kp, cp = _test_key_and_cert()
    with tempfile.TemporaryDirectory() as d:
        Path(d, "k.pem").write_bytes(kp)
        Path(d, "c.pem").write_bytes(cp)
        signer = signers.SimpleSigner.load(str(Path(d, "k.pem")), str(Path(d, "c.pem")))
    fixed = dt.datetime(2025, 6, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))

    class _FixedClock(dt.datetime):  # pyHanko stamps "now"; pin it for reproducibility
        @classmethod
        def now(cls, tz=None):
            return fixed

    clocked = [m for m in (_ps, _pc, _mi, _mx) if hasattr(m, "datetime")]
    saved = [m.datetime for m in clocked]
    for m in clocked:
        m.datetime = _FixedClock
    try:
        w = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
        digest = hashlib.md5(pdf_bytes).digest()
        w._document_id = generic.ArrayObject(  # pyHanko draws random IDs; pin them
            [generic.ByteStringObject(digest), generic.ByteStringObject(digest[::-1])]
        )
        meta = signers.PdfSignatureMetadata(
            field_name="ChuKySo", md_algorithm="sha512", reason="Ký số văn bản (mẫu thử)", location="Hạ Long"
        )
        out = signers.sign_pdf(
            w, meta, signer=signer, new_field_spec=fields.SigFieldSpec("ChuKySo", box=(360, 40, 560, 100))
        )
    finally:
        for m, dt_ in zip(clocked, saved, strict=True):
            m.datetime = dt_
    return out.getvalue(), "pyhanko"


def _structural_signature(pdf_bytes: bytes) -> bytes:
    """A /Sig field with /ByteRange and zeroed /Contents (not a valid signature)."""
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    sig = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Sig,
            Filter=pikepdf.Name("/Adobe.PPKLite"),
            SubFilter=pikepdf.Name("/adbe.pkcs7.detached"),
            ByteRange=[0, 0, 0, 0],
            Contents=pikepdf.String(b"\0" * 4096),
            M=pikepdf.String("D:20250620090000+07'00'"),
        )
    )
    widget = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Sig,
            T=pikepdf.String("ChuKySo"),
            V=sig,
            F=132,
            Rect=[360, 40, 560, 100],
            P=pdf.pages[0].obj,
        )
    )
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([widget]))
    pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(Fields=[widget], SigFlags=3))
    out = io.BytesIO()
    pdf.save(out, static_id=True)
    return out.getvalue()


def huge_png_bytes(width: int = 30000, height: int = 30000) -> bytes:
    """A valid white 1-bit palette PNG of width x height pixels: a decompression bomb.

    All image bytes are zero (filter 0, palette index 0 = white), which deflate squeezes about
    1000:1, so 900 Mpx take ~110 KB on disk.
    """

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    row = bytes(1 + (width + 7) // 8)
    comp = zlib.compressobj(9)
    parts = []
    step = 512
    for done in range(0, height, step):
        parts.append(comp.compress(row * min(step, height - done)))
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 3, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"PLTE", b"\xff\xff\xff")
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


def docx_bytes(paragraphs: Sequence[str]) -> bytes:
    """A minimal valid Word document (OOXML zip) with fixed timestamps."""
    from xml.sax.saxutils import escape

    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(nfc(p))}</w:t></w:r></w:p>' for p in paragraphs)
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        "</Relationships>",
        "word/document.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>",
    }
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            zi = zipfile.ZipInfo(name, date_time=(2025, 3, 14, 8, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, text.encode("utf-8"))
    return b.getvalue()


def _one_page_pdf(doc_fn: Callable[[], Doc], key: str, *, bilevel: bool, skew=None):
    doc = doc_fn()
    page = layout_document(doc)[0]
    img = render_page(page, noise=True, seed=f"bad:{key}", skew=skew, bilevel=bilevel)
    return doc, page, pdf_from_images([img])


def build_bad(out: Path) -> list[dict]:
    """Write samples/bad/* and return their truth entries (expected outcomes)."""
    import pikepdf

    out.mkdir(parents=True, exist_ok=True)
    entries = []

    (out / "empty.pdf").write_bytes(b"")
    entries.append({"file": "bad/empty.pdf", "kind": "empty", "expect": "reject: zero-byte file, nothing to process"})

    rng = random.Random(f"{SEED}:corrupt")
    corrupt = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pa" + bytes(
        rng.randrange(256) for _ in range(3000)
    )
    (out / "corrupt.pdf").write_bytes(corrupt)
    entries.append(
        {
            "file": "bad/corrupt.pdf",
            "kind": "corrupt",
            "expect": "reject: %PDF header then garbage, no xref/trailer/%%EOF; qpdf/pikepdf cannot open it",
        }
    )

    doc, page, pdf = _one_page_pdf(doc_0002_thong_bao, "encrypted", bilevel=True)
    src = pikepdf.open(io.BytesIO(pdf))
    buf = io.BytesIO()
    src.save(
        buf,
        static_id=True,
        encryption=pikepdf.Encryption(user="hoso-2025", owner="hoso-owner", R=4, aes=False, metadata=False),
    )
    (out / "encrypted.pdf").write_bytes(buf.getvalue())
    entries.append(
        {
            "file": "bad/encrypted.pdf",
            "kind": "encrypted",
            "user_password": "hoso-2025",
            "expect": "reject or hold for a password: needs the user password to open "
            "(RC4-128, R=4); opened with it, it is a 1-page bilevel scan",
            "document": doc.truth(1, [page]),
        }
    )

    doc, page, pdf = _one_page_pdf(doc_0003_qd_phe_chuan, "signed", bilevel=True)
    signed, method = sign_pdf_bytes(pdf)
    (out / "signed.pdf").write_bytes(signed)
    entries.append(
        {
            "file": "bad/signed.pdf",
            "kind": "signed",
            "method": method,
            "expect": "keep the signed original byte-for-byte (OCR would invalidate the "
            "signature): archive it untouched, OCR a copy or hold for review",
            "document": doc.truth(1, [page]),
        }
    )

    (out / "notes.docx").write_bytes(
        docx_bytes(
            [
                "Ghi chú của Kiểm sát viên về vụ án 2025-HS-0001",
                "Đề nghị kiểm tra lại Kết luận định giá tài sản số 17/KL-HĐĐG ngày 06/3/2025.",
                "Văn bản này không phải bản quét, không thuộc hồ sơ điện tử.",
            ]
        )
    )
    entries.append(
        {"file": "bad/notes.docx", "kind": "unsupported", "expect": "skip or quarantine: a Word file, not a scan"}
    )

    (out / "huge.png").write_bytes(huge_png_bytes())
    entries.append(
        {
            "file": "bad/huge.png",
            "kind": "decompression_bomb",
            "width": 30000,
            "height": 30000,
            "expect": "reject before decoding: 900 Mpx declared (Pillow raises "
            "DecompressionBombError); ~110 KB on disk",
        }
    )

    doc = doc_0001_qd_khoi_to_vu_an()
    page = layout_document(doc)[0]
    img = render_page(page, noise=True, seed="bad:legacy", skew=0, bilevel=True)
    legacy = add_text_layer(pdf_from_images([img]), page, lambda s: to_tcvn3(s), invisible=False, under_image=True)
    (out / "legacy_tcvn3.pdf").write_bytes(legacy)
    entries.append(
        {
            "file": "bad/legacy_tcvn3.pdf",
            "kind": "junk_text_layer",
            "encoding": "TCVN3",
            "junk_sample": to_tcvn3(page.lines[9].text).decode("latin-1"),
            "expect": "text layer is TCVN3 junk (e.g. 'Céng hßa x· héi chñ nghÜa ViÖt "
            "Nam'), drawn in render mode 0 under the page image: detect it, "
            "re-OCR the page image (ocrmypdf --force-ocr); result = document",
            "document": doc.truth(1, [page]),
        }
    )

    doc = doc_0001_cao_trang()
    page = layout_document(doc)[0]
    img = render_page(page, noise=True, seed="bad:english", skew=0)
    english = add_text_layer(
        pdf_from_images([img]), page, lambda s: strip_diacritics(s).encode("ascii"), font="Helvetica", invisible=True
    )
    (out / "english_ocr.pdf").write_bytes(english)
    entries.append(
        {
            "file": "bad/english_ocr.pdf",
            "kind": "junk_text_layer",
            "encoding": "ascii-no-diacritics",
            "junk_sample": strip_diacritics(page.lines[8].text),
            "expect": "invisible OCR layer without diacritics ('CONG HOA XA HOI CHU "
            "NGHIA VIET NAM'): detect and redo OCR with vie "
            "(ocrmypdf --redo-ocr or --force-ocr); result = document",
            "document": doc.truth(1, [page]),
        }
    )
    return entries


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(SAMPLES_DIR), help="output root (default: the samples/ folder)")
    ap.add_argument("--no-bad", action="store_true", help="skip samples/bad/")
    args = ap.parse_args(argv)
    truth = build_all(args.out, with_bad=not args.no_bad)
    n_docs = sum(len(b["documents"]) for b in truth["batches"])
    n_pages = sum(b["page_count"] for b in truth["batches"])
    print(f"{len(truth['batches'])} batches, {n_docs} documents, {n_pages} pages -> {args.out}")


if __name__ == "__main__":
    main()
