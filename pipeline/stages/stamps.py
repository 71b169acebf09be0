"""Stamps on a page, read on their own: incoming-register stamps ("ĐẾN Số: 1945 / Ngày: 30/8/24")
and MẬT / TỐI MẬT boxes; and their ink kept out of the body's OCR.

Colour pages (`find_stamps`): stamp ink is found by its colour against the local paper colour
(red and blue/violet apart), grouped into regions, and only regions framed by a rectangle are
read: a round seal is a ring, a pen signature has no frame. Each frame is levelled and read by
Tesseract on its own, from crops where the stamp's colour (and, for the handwriting, black pen)
is dark ink on white and every other colour is paper. What the text says decides the kind: a
register stamp ("ĐẾN", "Số", "Ngày", "Chuyển", "Số và ký hiệu HS") or a box holding only MẬT /
TỐI MẬT / TUYỆT MẬT. A register stamp's number and date are handwritten: each field's line is cut
out and read by Tesseract as written (eighteen ways) and typeset (each glyph cut apart, set at one
height on one baseline: eighteen ways), its value kept only when the readings agree and the two
do not say otherwise; and by a neural line model (`handwriting`, which also reads the whole stamp
line by line and so finds the fields where Tesseract does not). Tesseract's value and the model's
must not differ; the model's alone stands only when a second reading gives it. Otherwise the field
stays None — never a guess.

Grey and bilevel pages: the colour is gone. `stamps_in_words` looks in the page's OCR words for
the stamp's own words and for a line holding only "MẬT" under the header's "Số:", conservatively
(numbers and dates only from confident words alone on their line). `find_stamps_grey` does better
when the page image is at hand: the confidently read print is painted out and framed dark ink
left over is read like a coloured stamp.

`suppress_stamp_ink` turns strongly coloured ink to paper for the body's OCR only.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from datetime import date as Date

import numpy as np
from PIL import Image, ImageFilter

from ..models import Stamp, Word
from ..text import edit_distance, fold, normalize
from .handwriting import find_lines, read_line
from .tesseract import read_images

# Colour of ink against the paper it lies on (channels 0..255 after the paper is made white).
CHROMA_MIN = 20  # max-min of the white-balanced channels
DARK_INK_CHROMA = 32  # dark coloured ink (pen) is suppressed from this chroma, at a fifth of its darkness
CHROMA_SHARE = 0.4  # … and at least this share of the pixel's darkness (black text fringes are not ink)
RED_HUES = ((0.0, 25.0), (315.0, 360.0))
BLUE_HUES = ((190.0, 300.0),)
WORK_PX_MM = 5.0  # find_stamps looks for regions at no less than this many pixels per mm (≈130 dpi)
READ_PX_PER_MM = 14.0  # crops are read at about 355 dpi
MAX_SIDES = 14  # candidate rows and columns for a frame's sides, each way


# --------------------------------------------------------------------------------------------
# Colour pages


def find_stamps(image: Image.Image, dpi: float) -> list[Stamp]:
    """Stamps found by colour on a page image (RGB, `dpi` dots per inch); boxes in PDF points."""
    if image.mode not in ("RGB", "RGBA", "P", "CMYK"):
        return []
    rgb = image.convert("RGB")
    width, height = rgb.size
    # Pixels per millimetre of the sheet: from the dpi, unless the image is bigger than any sheet
    # at that dpi would be (a phone photo says 72 dpi); no sheet is wider than A3's short side.
    px_mm = max(dpi / 25.4, min(width, height) / 297.0)
    factor = max(1, int(px_mm // WORK_PX_MM))
    work = rgb.reduce(factor) if factor > 1 else rgb
    work_mm = px_mm / factor
    families = _ink_families(work, work_mm)
    dark = families.pop("dark")
    stamps: list[Stamp] = []
    for family, mask in families.items():
        for region in _regions(mask, work_mm):
            frame = _frame(mask, dark, region, work_mm)
            if frame is None:
                continue
            full = _Frame(frame.cx * factor, frame.cy * factor, frame.w * factor, frame.h * factor, frame.angle)
            stamp = _read_framed(rgb, full, family, px_mm, dpi)
            if stamp is not None:
                stamps.append(stamp)
    stamps.sort(key=lambda s: (s.box[1], s.box[0]) if s.box else (0, 0))
    return stamps


def _background(work: Image.Image, px_mm: float) -> np.ndarray:
    """The paper's colour around every pixel (float32, 3×H×W): the brightest within ~5 mm, smoothed.

    Blocks of a fixed size laid from the image's top-left corner: the paper found around a stamp
    does not depend on how much of the page below it the image holds (the top of a page or all of it).
    """
    w, h = work.size
    step = max(2, int(round(2 * px_mm)))
    gw, gh = -(-w // step), -(-h // step)
    # The last blocks of a row or column take the edge's colour where the image ends.
    padded = np.pad(np.asarray(work.convert("RGB")), ((0, gh * step - h), (0, gw * step - w), (0, 0)), mode="edge")
    small = Image.fromarray(padded, "RGB").reduce(step)
    small = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(2))
    return _planes(small.resize((gw * step, gh * step), Image.BILINEAR).crop((0, 0, w, h)))


def _planes(image: Image.Image) -> np.ndarray:
    """RGB image → float32 array 3×H×W (one contiguous plane per channel: fast reductions)."""
    return np.stack([np.asarray(band, dtype=np.float32) for band in image.split()])


def _balanced(planes: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """Colours as if the paper were white (3×H×W, 0..255)."""
    return np.minimum(planes * (255.0 / np.maximum(paper, 1.0)), 255.0)


def _colour(n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(chroma, darkest channel, hue in degrees) of white-balanced planes."""
    r, g, b = n
    mx = np.maximum(np.maximum(r, g), b)
    mn = np.minimum(np.minimum(r, g), b)
    chroma = mx - mn
    c = np.maximum(chroma, 1e-3)
    hue = np.where(mx == r, ((g - b) / c) % 6.0, np.where(mx == g, (b - r) / c + 2.0, (r - g) / c + 4.0)) * 60.0
    return chroma, mn, hue


def _in_hues(hue: np.ndarray, ranges) -> np.ndarray:
    out = np.zeros(hue.shape, bool)
    for lo, hi in ranges:
        out |= (hue >= lo) & (hue < hi)
    return out


def _ink_families(work: Image.Image, px_mm: float) -> dict[str, np.ndarray]:
    """Masks of coloured ink on paper, by family: red and blue/violet; and dark (black) ink."""
    bg = _background(work, px_mm)
    paper = bg.mean(axis=0) > 110  # not the desk around a photographed sheet, not a dark scanner edge
    chroma, darkest, hue = _colour(_balanced(_planes(work), bg))
    inked = paper & (chroma >= CHROMA_MIN) & (chroma >= CHROMA_SHARE * (255.0 - darkest))
    dark = paper & ~inked & (darkest < 110)
    return {"red": inked & _in_hues(hue, RED_HUES), "blue": inked & _in_hues(hue, BLUE_HUES), "dark": dark}


def _regions(mask: np.ndarray, px_mm: float) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (x0, y0, x1, y1) of ink that lies within ~3 mm of other ink of the region."""
    h, w = mask.shape
    cell = max(2, int(round(1.5 * px_mm)))
    gh, gw = -(-h // cell), -(-w // cell)
    padded = np.zeros((gh * cell, gw * cell), bool)
    padded[:h, :w] = mask
    counts = padded.reshape(gh, cell, gw, cell).sum(axis=(1, 3))
    cells = counts >= 2
    # Join cells up to two apart.
    grown = cells.copy()
    for dy in (-2, -1, 0, 1, 2):
        for dx in (-2, -1, 0, 1, 2):
            grown |= _shift(cells, dy, dx)
    seen = np.zeros_like(grown)
    boxes = []
    for y0, x0 in zip(*np.nonzero(grown), strict=True):
        if seen[y0, x0]:
            continue
        seen[y0, x0] = True
        queue = deque([(y0, x0)])
        ys, xs = [], []
        while queue:
            y, x = queue.popleft()
            if cells[y, x]:
                ys.append(y)
                xs.append(x)
            for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                if 0 <= ny < gh and 0 <= nx < gw and grown[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    queue.append((ny, nx))
        if not ys:
            continue
        bx0, by0 = min(xs) * cell, min(ys) * cell
        bx1, by1 = min(w, (max(xs) + 1) * cell), min(h, (max(ys) + 1) * cell)
        # Big enough to be a framed box (a MẬT box is about 20 × 7 mm), small enough not to be a page.
        if (bx1 - bx0) >= 12 * px_mm and (by1 - by0) >= 4 * px_mm and (bx1 - bx0) <= 0.7 * w:
            boxes.append((int(bx0), int(by0), int(bx1), int(by1)))
    return boxes


def _shift(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    out = np.zeros_like(a)
    h, w = a.shape
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[yd, xd] = a[ys, xs]
    return out


def _longest_runs(rows: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """Per row of a boolean array: (start, end) of the longest run of True, gaps up to `gap` closed."""
    out = []
    for row in rows:
        xs = np.flatnonzero(row)
        if xs.size == 0:
            out.append((0, 0))
            continue
        breaks = np.flatnonzero(np.diff(xs) > gap + 1)
        starts = np.concatenate(([0], breaks + 1))
        ends = np.concatenate((breaks, [xs.size - 1]))
        lengths = xs[ends] - xs[starts]
        i = int(np.argmax(lengths))
        out.append((int(xs[starts[i]]), int(xs[ends[i]]) + 1))
    return out


def _band(mask: np.ndarray, k: int) -> np.ndarray:
    """OR of each row with its k neighbours above and below."""
    out = mask.copy()
    for d in range(1, k + 1):
        out[d:] |= mask[:-d]
        out[:-d] |= mask[d:]
    return out


@dataclass(frozen=True)
class _Frame:
    """A stamp's rectangle: centre, size (work pixels) and the angle that makes it level."""

    cx: float
    cy: float
    w: float
    h: float
    angle: float  # degrees, as PIL's rotate() takes it

    def holds(self, x: float, y: float) -> bool:
        """The point lies within half this frame's width and height of its centre (its small angle ignored)."""
        return abs(x - self.cx) < self.w / 2 and abs(y - self.cy) < self.h / 2

    def corners(self) -> list[tuple[float, float]]:
        t = np.radians(self.angle)
        cos, sin = np.cos(t), np.sin(t)
        out = []
        for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
            x, y = dx * self.w / 2, dy * self.h / 2
            # Levelled → page: turn by -angle (PIL turns counter-clockwise on a y-down image).
            out.append((self.cx + x * cos + y * sin, self.cy - x * sin + y * cos))
        return out

    def bbox(self) -> tuple[float, float, float, float]:
        xs, ys = zip(*self.corners(), strict=True)
        return min(xs), min(ys), max(xs), max(ys)


def _level_angle(m: np.ndarray) -> float:
    """The turn (degrees) that makes the straightest rows of ink: the sharpest row profile."""
    image = Image.fromarray(m.astype(np.uint8) * 255)
    best, best_score = 0.0, -1.0
    for angle in np.arange(-6.0, 6.01, 0.5):
        turned = np.asarray(image.rotate(float(angle), resample=Image.NEAREST)) > 0
        profile = turned.sum(axis=1).astype(np.float64)
        score = float((profile**2).sum())
        if score > best_score + 1e-9 or (abs(score - best_score) <= 1e-9 and abs(angle) < abs(best)):
            best, best_score = float(angle), score
    return best


def _groups(runs: list[tuple[int, int]], min_len: float) -> list[tuple[int, int, int]]:
    """Consecutive rows whose longest run reaches min_len → one line each: (row, start, end) of its longest."""
    groups: list[list[tuple[int, int, int]]] = []
    for y, (s, e) in enumerate(runs):
        if e - s < min_len:
            continue
        if groups and y - groups[-1][-1][0] <= 1:
            groups[-1].append((y, s, e))
        else:
            groups.append([(y, s, e)])
    return [max(g, key=lambda line: line[2] - line[1]) for g in groups]


def _is_ring(m: np.ndarray) -> bool:
    """Ink on a circle (a round seal): next to none of it outside the circle inscribed in its box."""
    ys, xs = np.nonzero(m)
    if ys.size < 50:
        return False
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    h, w = y1 - y0, x1 - x0
    if not 0.75 <= w / h <= 1.33:
        return False
    r = ((xs - (x0 + x1) / 2) / (w / 2)) ** 2 + ((ys - (y0 + y1) / 2) / (h / 2)) ** 2
    return float((r > 1.1).mean()) < 0.04


def _frame(mask: np.ndarray, dark: np.ndarray, region, px_mm: float, found: tuple[_Frame, ...] = ()) -> _Frame | None:
    """The rectangle framing a region's ink, or None (a ring, a signature).

    Candidate sides are long straight runs of ink (rows of 10 mm and more, columns of 3 mm and
    more, small gaps closed, on the levelled region); the frame is the largest rectangle of such
    rows and columns whose sides are well covered with ink (three of them at least half), where
    black ink lying over a side (body text printed across the stamp) hides it rather than breaks it.
    A rectangle centred inside one of the `found` frames is not taken again.
    """
    x0, y0, x1, y1 = region
    pad = int(max(x1 - x0, y1 - y0) * 0.15) + 2
    h, w = mask.shape
    px0, py0, px1, py1 = max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)
    sub = np.zeros((y1 - y0 + 2 * pad, x1 - x0 + 2 * pad), bool)
    sub[py0 - (y0 - pad) : py1 - (y0 - pad), px0 - (x0 - pad) : px1 - (x0 - pad)] = mask[py0:py1, px0:px1]
    hidden = np.zeros_like(sub)
    hidden[py0 - (y0 - pad) : py1 - (y0 - pad), px0 - (x0 - pad) : px1 - (x0 - pad)] = dark[py0:py1, px0:px1]
    if _is_ring(sub):
        return None
    angle = _level_angle(sub)
    m = np.asarray(Image.fromarray(sub.astype(np.uint8) * 255).rotate(angle, resample=Image.NEAREST)) > 0
    hid = np.asarray(Image.fromarray(hidden.astype(np.uint8) * 255).rotate(angle, resample=Image.NEAREST)) > 0
    k = max(1, int(round(0.4 * px_mm)))
    gap = max(2, int(round(2.5 * px_mm)))
    hb = _band(m, k)
    vb = _band(m.T, k)
    hh = _band(hid, k) & ~hb
    vh = _band(hid.T, k) & ~vb

    def cover(ink: np.ndarray, hide: np.ndarray) -> float:
        seen = ink.size - int(hide.sum())
        return float(ink.sum()) / seen if seen > 0.4 * ink.size else 0.0

    # The longest few of each way (a frame's sides are among them; letters make many short ones).
    rows = sorted(
        y for y, _, _ in sorted(_groups(_longest_runs(hb, gap), 10 * px_mm), key=lambda r: r[1] - r[2])[:MAX_SIDES]
    )
    cols = sorted(
        x for x, _, _ in sorted(_groups(_longest_runs(vb, gap), 3 * px_mm), key=lambda c: c[1] - c[2])[:MAX_SIDES]
    )
    sh, sw = m.shape
    t = np.radians(angle)

    def centre(ty: float, by: float, left: float, right: float) -> tuple[float, float]:
        # The levelled sub-image → page coordinates (turned back about the sub-image centre).
        fx, fy = (left + right) / 2 - sw / 2, (ty + by) / 2 - sh / 2
        return (
            sw / 2 + fx * np.cos(t) + fy * np.sin(t) + (x0 - pad),
            sh / 2 - fx * np.sin(t) + fy * np.cos(t) + (y0 - pad),
        )

    def taken(ty: int, by: int, left: int, right: int) -> bool:
        cx, cy = centre(ty, by, left, right)
        return any(f.holds(cx, cy) for f in found)

    best, best_key = None, None
    for i, top in enumerate(rows):
        for bottom in rows[i + 1 :]:
            if bottom - top < 4 * px_mm:
                continue
            for j, left in enumerate(cols):
                for right in cols[j + 1 :]:
                    if right - left < 12 * px_mm:
                        continue
                    sides = sorted(
                        (
                            cover(hb[top, left : right + 1], hh[top, left : right + 1]),
                            cover(hb[bottom, left : right + 1], hh[bottom, left : right + 1]),
                            cover(vb[left, top : bottom + 1], vh[left, top : bottom + 1]),
                            cover(vb[right, top : bottom + 1], vh[right, top : bottom + 1]),
                        )
                    )
                    if sides[1] < 0.5 or sum(sides) < 2.4:
                        continue
                    key = ((bottom - top) * (right - left), sum(sides))
                    if (best_key is None or key > best_key) and not (found and taken(top, bottom, left, right)):
                        best, best_key = (top, bottom, left, right), key
    if best is None:
        return None
    ty, by, left, right = best
    cx, cy = centre(ty, by, left, right)
    return _Frame(cx=float(cx), cy=float(cy), w=float(right - left), h=float(by - ty), angle=angle)


def _read_framed(rgb: Image.Image, frame: _Frame, family: str, px_mm: float, dpi: float) -> Stamp | None:
    """Read a framed region on its own: what kind of stamp it is, and a register stamp's fields."""
    own, full = _levelled_inks(rgb, frame, family, px_mm)
    return _read_inks(own, full, frame, dpi)


def _read_inks(own: Image.Image, full: Image.Image, frame: _Frame, dpi: float) -> Stamp | None:
    """A framed region's stamp from its levelled ink images (`own`: the stamp's ink without its
    frame; `full`: with the handwriting in any dark ink), or None when it is no stamp of ours."""
    to_pt = 72.0 / dpi
    bx0, by0, bx1, by1 = frame.bbox()
    box = tuple(round(float(v) * to_pt, 1) for v in (bx0, by0, bx1, by1))
    full = _stretched(full)
    clean = _without_specks(full)
    small = clean.resize((round(clean.width * 0.7), round(clean.height * 0.7)), Image.LANCZOS)
    own_lines, first, second = _ocr_batch([own, clean, small], "--psm 6")
    mark = _mark_of(own_lines)
    if mark is not None:
        return Stamp(kind="classification", text=_text_of(own_lines), mark=mark, box=box)
    # Read as rows of columns too: a blurred "ĐẾN" with a pen's stroke through it, lost in the block
    # reading, is read so (petitions-dev 005 p1, a phone photo).
    (third,) = _ocr_batch([clean], "--psm 4")
    model = _model_lines(full)
    if not any(_is_register(lines) for lines in (own_lines, first, second, third, model)):
        return None
    if frame.w < REGISTER_MIN_ASPECT * frame.h:
        # Part of a stamp framed (a ruled line taken for a side): its fields may run on past
        # the crop, and what is left of them would read as another number.
        return Stamp(kind="received", text=_text_of(first), box=box)
    number, when = _agreed_fields(clean, [(first, 1.0), (third, 1.0), (second, 0.7)], model, full)
    return Stamp(kind="received", text=_text_of(first), number=number, date=when, box=box)


INK_PERCENTILE = 0.5  # the darkest this share (%) of a stamp's crop is made black…
FAINT_INK = 64  # … when it is lighter than this grey


def _stretched(ink: Image.Image) -> Image.Image:
    """A crop's ink made black where its darkest is grey (a blurred phone photo's stamp): the
    readings cut ink from paper at a fixed grey, and faint strokes would fall apart there."""
    darkest = float(np.percentile(np.asarray(ink), INK_PERCENTILE))
    if darkest <= FAINT_INK:
        return ink
    return ink.point(lambda v: max(0, round(255 * (v - darkest) / (255 - darkest))))


def _levelled_inks(rgb: Image.Image, frame: _Frame, family: str, px_mm: float) -> tuple[Image.Image, Image.Image]:
    """The framed region, level, at about READ_PX_PER_MM, as dark ink on white: its own colour
    only (frame painted out), and its colour with black ink (handwriting in black pen) too."""
    window = _window(rgb.size, frame, px_mm)
    own, full = (
        _level(Image.fromarray(grey, "L"), frame, window, px_mm)
        for grey in _family_inks(rgb.crop(window[0]), family, px_mm)
    )
    return _without_frame(own, _inset(px_mm)), full


def _within_frame(ink: Image.Image, inset: float) -> Image.Image:
    """Paper beyond the frame (`inset` pixels in from the crop's edges, less half a millimetre for
    handwriting that strays over a side): the page's own lines around a stamp are not the stamp's."""
    return Image.fromarray(_blank_edges(np.asarray(ink).copy(), int(round(inset - 0.5 * READ_PX_PER_MM))))


def _blank_edges(a: np.ndarray, margin: int) -> np.ndarray:
    """`a` (grey, changed in place) with paper in the `margin` pixels along each edge."""
    if margin > 0:
        h, w = a.shape
        a[:margin, :] = 255
        a[max(0, h - margin) :, :] = 255
        a[:, :margin] = 255
        a[:, max(0, w - margin) :] = 255
    return a


def _window(
    size: tuple[int, int], frame: _Frame, px_mm: float
) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    """(the page crop holding the turned frame with a margin, the levelled frame's box in that crop)."""
    width, height = size
    margin = 2.5 * px_mm
    half = np.hypot(frame.w, frame.h) / 2 + margin
    cx0, cy0 = int(max(0, frame.cx - half)), int(max(0, frame.cy - half))
    cx1, cy1 = int(min(width, frame.cx + half)), int(min(height, frame.cy + half))
    ccx, ccy = frame.cx - cx0, frame.cy - cy0
    box = (
        int(ccx - frame.w / 2 - margin),
        int(ccy - frame.h / 2 - margin),
        int(ccx + frame.w / 2 + margin),
        int(ccy + frame.h / 2 + margin),
    )
    return (cx0, cy0, cx1, cy1), box


def _level(crop: Image.Image, frame: _Frame, window, px_mm: float) -> Image.Image:
    """A crop (L) of the page window turned level about the frame's centre, cut to the frame and
    its margin, scaled to about READ_PX_PER_MM."""
    (cx0, cy0, _, _), box = window
    ink = crop.rotate(frame.angle, resample=Image.BICUBIC, center=(frame.cx - cx0, frame.cy - cy0), fillcolor=255)
    ink = ink.crop(box)
    scale = READ_PX_PER_MM / px_mm
    if scale > 1.1:
        ink = ink.resize((round(ink.width * scale), round(ink.height * scale)), Image.LANCZOS)
    return ink


def _inset(px_mm: float) -> float:
    """The frame's distance from the edges of a levelled crop (its margin), in the crop's pixels."""
    scale = READ_PX_PER_MM / px_mm
    return 2.5 * px_mm * (scale if scale > 1.1 else 1.0)


def _without_frame(ink: Image.Image, inset: float) -> Image.Image:
    """White out the frame: its sides (`inset` pixels in from the crop's edges) and, near the
    edges, rows and columns mostly covered by ink."""
    a = _blank_edges(np.asarray(ink).copy(), int(round(inset)) + int(round(0.9 * READ_PX_PER_MM)))
    h, w = a.shape
    dark = a < 200
    t = max(2, int(round(0.08 * READ_PX_PER_MM)))
    rows = dark.mean(axis=1)
    for y in np.flatnonzero(rows >= 0.45):
        if y < 0.22 * h or y > 0.78 * h:
            a[max(0, y - t) : y + t + 1, :] = 255
    cols = dark.mean(axis=0)
    for x in np.flatnonzero(cols >= 0.45):
        if x < 0.15 * w or x > 0.85 * w:
            a[:, max(0, x - t) : x + t + 1] = 255
    return Image.fromarray(a)


def _family_inks(crop: Image.Image, family: str, px_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """Grey images (uint8) of the crop: the family's ink alone, and the family's ink with black ink.

    Colour (blurred by JPEG's half-resolution chroma) says where the ink is; lightness (sharp)
    draws it. Ink of the other colours (a red seal under a blue stamp) is paper in both.
    """
    n = _balanced(_planes(crop), _background(crop, px_mm))
    chroma, darkest, hue = _colour(n)
    ours = _in_hues(hue, RED_HUES if family == "red" else BLUE_HUES)
    share = np.where(chroma >= 0.3 * (255.0 - darkest), np.clip((chroma - 15.0) / 25.0, 0.0, 1.0), 0.0)
    darkness = np.clip((255.0 - n.mean(axis=0)) * 1.8, 0, 255)
    own = 255.0 - darkness * np.where(ours, share, 0.0)
    full = 255.0 - darkness * (1.0 - np.where(ours, 0.0, share))
    return own.astype(np.uint8), full.astype(np.uint8)


def _without_specks(ink: Image.Image) -> Image.Image:
    """Drop what is no writing: the dots of the printed blanks (and the marks over printed
    letters, which the fields do not need), and lines as long as the frame. Of a frame's side
    that handwriting touches (a date written up to the frame), only the straight line goes."""
    a = np.asarray(ink)
    h, w = a.shape
    out = np.full_like(a, 255)
    touched = np.zeros(a.shape, bool)  # the ink of long shapes, to look into again without their sides
    for ys, starts, ends, idx in _shapes(a < 150):
        cy0, cy1 = ys[idx].min(), ys[idx].max() + 1
        cx0, cx1 = starts[idx].min(), ends[idx].max()
        if (cy1 - cy0) <= SPECK_MM[0] * READ_PX_PER_MM and (cx1 - cx0) <= SPECK_MM[1] * READ_PX_PER_MM:
            continue
        side = (cy1 - cy0) >= 0.45 * h and (cx0 >= 0.8 * w or cx1 <= 0.2 * w)  # a broken side's longest piece
        long = (cx1 - cx0) >= 0.6 * w or (cy1 - cy0) >= 0.6 * h or side
        for i in idx:
            (touched if long else out)[ys[i], starts[i] : ends[i]] = True if long else a[ys[i], starts[i] : ends[i]]
    if touched.any():
        touched &= ~(
            _long_runs_of(_band(touched.T, 1), int(0.45 * h)).T | _long_runs_of(_band(touched, 1), int(0.5 * w))
        )
        for ys, starts, ends, idx in _shapes(touched):
            # What is left of a side is a sliver; handwriting is a digit's size at least.
            if ys[idx].max() + 1 - ys[idx].min() >= 2 * READ_PX_PER_MM and ends[idx].max() - starts[idx].min() >= (
                READ_PX_PER_MM
            ):
                for i in idx:
                    out[ys[i], starts[i] : ends[i]] = a[ys[i], starts[i] : ends[i]]
    return Image.fromarray(out)


SPECK_MM = (0.8, 1.5)  # ink no taller and no wider than this (mm) is a dot of a printed blank


def _shapes(binary: np.ndarray):
    """The 8-connected shapes of a boolean image: (rows, starts, ends, indices of its runs) each."""
    ys, starts, ends, roots = _components(binary)
    if ys.size == 0:
        return
    order = np.argsort(roots, kind="stable")
    for idx in np.split(order, np.flatnonzero(np.diff(roots[order])) + 1):
        yield ys, starts, ends, idx


def _row_runs(binary: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The runs of True along the rows of a boolean image, row by row: (row, start, end) arrays."""
    h, w = binary.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = binary
    d = np.diff(padded, axis=1)
    ys, starts = np.nonzero(d == 1)
    _, ends = np.nonzero(d == -1)
    return ys, starts, ends


def _components(binary: np.ndarray):
    """8-connected components of a boolean image, by runs: (row, start, end, component) per run."""
    h = binary.shape[0]
    ys, starts, ends = _row_runs(binary)
    n = ys.size
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first = np.searchsorted(ys, np.arange(h + 1)).tolist()
    st, en = starts.tolist(), ends.tolist()
    for y in range(1, h):
        i, i1, j, j1 = first[y - 1], first[y], first[y], first[y + 1]
        while i < i1 and j < j1:
            if en[i] >= st[j] and en[j] >= st[i]:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[ri] = rj
            if en[i] < en[j]:
                i += 1
            else:
                j += 1
    roots = np.array([find(i) for i in range(n)], dtype=np.int64)
    return ys, starts, ends, roots


@dataclass(frozen=True)
class _OcrWord:
    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int


def _ocr_batch(
    images: list[Image.Image], config: str, glyphs: list | None = None, lang: str = "vie"
) -> list[list[list[_OcrWord]]]:
    """Tesseract (vie) on several images in one run: for each image, its lines of words. With
    `glyphs` (a list), it is filled with each image's character boxes (w, h)."""
    read = read_images(images, lang, config, ["tsv", *(["makebox"] if glyphs is not None else [])])
    pages: list[dict[tuple[int, int, int], list[_OcrWord]]] = [{} for _ in images]
    for row in read["tsv"].splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        page = int(cells[1]) - 1
        if not 0 <= page < len(images):
            continue
        word = _OcrWord(
            normalize(cells[11].strip()), float(cells[10]), int(cells[6]), int(cells[7]), int(cells[8]), int(cells[9])
        )
        pages[page].setdefault((int(cells[2]), int(cells[3]), int(cells[4])), []).append(word)
    if glyphs is not None:
        glyphs.extend([] for _ in images)
        for row in read["makebox"].splitlines():
            cells = row.rsplit(" ", 5)
            if len(cells) == 6 and cells[5].isdigit() and int(cells[5]) < len(images):
                x0, y0, x1, y1 = map(int, cells[1:5])
                glyphs[int(cells[5])].append((x1 - x0, y1 - y0))
    return [[lines[k] for k in sorted(lines)] for lines in pages]


def _text_of(lines: list[list[_OcrWord]]) -> str:
    return "\n".join(" ".join(w.text for w in line) for line in lines)


# --------------------------------------------------------------------------------------------
# What a stamp says

_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})(?!\d)")
_PUNCT = ".,:;…_-–—~^`'\"„“”‚‘’*|()[]{}<>«»"
FIELD_CONF = 50.0  # Tesseract's confidence in a reading of a handwritten field that counts
REGISTER_MIN_ASPECT = 1.25  # a register stamp is wider than tall (measured 1.4–2.0 on dev-real)


def _key(word: str) -> str:
    """Folded, upper-case letters and digits of a word: 'Số:' → 'SO'."""
    return re.sub(r"[^0-9A-Z]", "", fold(word).upper())


def _is_den(key: str) -> bool:
    # Not fuzzier: "DÂN" of the agency's name is one letter away. A letter more ("ĐẾNN": a pen's
    # stroke through the word's end) is no word of a stamp's.
    return key == "DEN" or len(key) == 4 and key.startswith("DEN")


def _is_so(key: str) -> bool:
    return key in ("SO", "S0", "SC", "SQ", "S")


def _is_ngay(key: str) -> bool:
    return 3 <= len(key) <= 5 and edit_distance(key, "NGAY", 1) <= 1


def _is_chuyen(key: str) -> bool:
    return 5 <= len(key) <= 8 and edit_distance(key, "CHUYEN", 2) <= 2


def _is_register(lines: list[list[_OcrWord]]) -> bool:
    """A register stamp: "ĐẾN" with one of its labels, or all three labels, or its heading (the
    receiving procuracy's name) with the number's label and digits (its "ĐẾN" under the body's
    print: dev-real 8001_1 p8); never an e-signature."""
    keys = [_key(w.text) for line in lines for w in line]
    folded = " ".join(fold(w.text).upper() for line in lines for w in line)
    if re.search(r"\bKY BOI\b|\bTHOI GIAN KY\b|@", folded):
        return False
    den = any(_is_den(k) for k in keys)
    so, ngay, chuyen = any(_is_so(k) for k in keys), any(_is_ngay(k) for k in keys), any(_is_chuyen(k) for k in keys)
    digits = any(re.search(r"\d", k) for k in keys)
    labels = ngay + chuyen + _has_so_ky_hieu(keys)
    return (
        (den and (so or ngay or chuyen or digits))
        or labels >= 2
        or (so and ngay and chuyen)
        or (_names_procuracy(keys) and so and digits)
    )


def _names_procuracy(keys: list[str]) -> bool:
    """A procuracy's name ("VIỆN KIỂM SÁT …") among the keys, each word a letter off at most."""
    name = ("VIEN", "KIEM", "SAT")
    return any(
        all(edit_distance(key, word, 1) <= 1 for key, word in zip(keys[i : i + 3], name, strict=True))
        for i in range(len(keys) - 2)
    )


def _has_so_ky_hieu(keys: list[str]) -> bool:
    """The register stamp's last row, "Số và ký hiệu HS", however noisily read."""
    for i, key in enumerate(keys):
        if (
            _is_so(key)
            and "VA" in keys[i + 1 : i + 3]
            and any(len(k) >= 3 and edit_distance(k[:4], "HIEU", 1) <= 1 for k in keys[i + 2 : i + 5])
        ):
            return True
    return False


def _mark_of(lines: list[list[_OcrWord]]) -> str | None:
    """MẬT / TỐI MẬT / TUYỆT MẬT when the box holds that and nothing else."""
    keys = [k for k in (_key(w.text) for line in lines for w in line) if k]
    if not keys or len(keys) > 2 or keys[-1] != "MAT":
        return None
    if len(keys) == 1:
        return "MẬT"
    if keys[0] in ("TOI", "T0I", "TOL"):
        return "TỐI MẬT"
    if keys[0] in ("TUYET", "TUYEI"):
        return "TUYỆT MẬT"
    return None


def _core(word: str) -> str:
    return word.strip(_PUNCT)


@dataclass(frozen=True)
class _Vote:
    value: str | None  # None: the reading saw handwriting there but not a clean value
    conf: float
    dissent: bool = False  # no value, and a glyph that is no digit among the digits
    text: str = ""  # what was read


def _fields_of(lines: list[list[_OcrWord]]) -> tuple[_Vote | None, _Vote | None, list[_OcrWord], list[_OcrWord]]:
    """One reading of a register stamp → votes for the number and the date (None: not seen), and
    their words.

    The number is the first handwritten group of digits below the stamp's heading, on a line of
    its own (its label "Số" aside), unless Tesseract doubts it and is sure of a number on a line
    below; the date is d/m/y on a line below it: the first that reads as a date (Tesseract may
    make two lines of one row of handwriting), else the first line of digits under the number.
    """
    number = when = None
    number_words: list[_OcrWord] = []
    date_words: list[_OcrWord] = []
    for line in lines:
        words = [w for w in line if _core(w.text)]
        # A word of the heading misread with a digit ("KIỂM" → "KTER1") is no handwriting.
        digits = [w for w in words if re.search(r"\d", w.text) and _digit_share(w.text) >= 0.5]
        if not digits:
            continue
        conf = max(w.conf for w in digits)
        date = _DATE.search(" ".join(_core(w.text) for w in words))
        if date is None and when is None:
            others = [w for w in words if w not in digits and not _is_so(_key(w.text)) and not _is_den(_key(w.text))]
            core = _core(digits[0].text)
            # (no register number is all zeros: that is the "o" of "Số" read as "0")
            clean = (
                len(digits) == 1
                and re.fullmatch(r"\d{1,6}", core)
                and core.strip("0")
                and not any(len(_key(w.text)) > 2 for w in others)
            )
            # A lone digit Tesseract doubts (in the heading's broken print) is no number when a
            # number it is sure of follows.
            doubted = (
                number is not None
                and number.value is not None
                and number.conf < FIELD_CONF
                and clean
                and conf >= FIELD_CONF
            )
            if number is None or doubted:
                number, number_words = _Vote(core if clean else None, conf), digits
                continue
        iso = _iso(*date.groups()) if date is not None else None
        if date is not None or when is None:
            when, date_words = _Vote(iso if len(digits) <= 3 else None, conf), digits
        if date is not None:
            break
    return number, when, number_words, date_words


def _digit_share(text: str) -> float:
    """The share of digits among a word's letters and digits."""
    signs = [c for c in text if c.isalnum()]
    return sum(c.isdigit() for c in signs) / len(signs) if signs else 0.0


SHEARS = (0.0, 0.2)  # handwriting leans right; Tesseract reads some of it better set upright
LINE_HEIGHTS = (30, 45, 70)  # the field's handwriting is read at these heights of its ink (pixels)
DIGITS_ONLY = "-c tessedit_char_whitelist=0123456789/.-"
# Tesseract's English model held to digits reads handwritten digits far better than its
# Vietnamese one (measured on dev-real's stamps: 19 of 20 fields against 9 of 20 at best).
FIELD_LANG = "eng"
AGREEMENT = 1 / 3  # share of the field's own readings that must give the value (others may read nothing)…
AGAINST = 3  # … and at least this many times as many as give anything else
CONFIRMED = 3  # … or, for a date, this many sure readings that a whole-stamp reading confirms
COMMONEST = 3  # the other reader confirms a value it gives most often, in this many readings at least


def _agreed_fields(
    clean: Image.Image,
    readings: list[tuple[list[list[_OcrWord]], float]],
    model: list[list[_OcrWord]] = (),
    faint: Image.Image | None = None,
) -> tuple[str | None, str | None]:
    """The number and the date, each only when the readings agree on it.

    `readings` are whole-stamp readings (lines, and the scale of the image read); they say where
    each field's handwriting is. That line is then cut out on its own and read as one line of
    digits and separators eighteen ways (at three ink heights, as it is, binarised and thickened,
    upright or leaning), and typeset eighteen ways (`_typeset_variants`). A reader agrees on a value
    when at least a third of its readings give it, at least three times as many as give anything
    else (whole-stamp readings of another clean value count against it too), and one of them with
    confidence; the two readers then decide together (`_read_twice`).
    """
    places: dict[str, list[tuple[bool, list[_OcrWord], float]]] = {"number": [], "date": []}
    whole: dict[str, list[str]] = {"number": [], "date": []}
    seen: dict[str, str | None] = {}  # the models' whole-stamp reading's values
    for lines, scale in [*readings, (model, 1.0)]:
        number, when, number_words, date_words = _fields_of(lines)
        for field, vote, words in (("number", number, number_words), ("date", when, date_words)):
            if vote is not None:
                places[field].append((vote.value is not None, words, scale))
                if vote.value is not None:
                    whole[field].append(vote.value)
            if lines is model:
                seen[field] = vote.value if vote is not None else None
    boxes = _field_boxes(places)
    read: dict[str, Image.Image] = {}  # each field's line for Tesseract
    field_lines: dict[str, list[Image.Image]] = {}  # each field's line for the model, thresholded and not
    for field, box in boxes.items():
        # A reading may run the two lines together: the number's ink is never the date's.
        cut = {"wide": field == "date", "without": boxes["number"] if field == "date" and "number" in boxes else None}
        line, crossed = _handwriting_line(clean, box, **cut)
        if crossed and field == "number":
            # Its last digits run into the date written across them: what is left reads as a shorter
            # number ("123" of "1234"), the error to fear. Only the line model reads it, with its
            # share of the crossing stroke, as a line it must be sure of.
            cut, line = {"shared": True}, _handwriting_line(clean, box, shared=True)[0]
        else:
            read[field] = line
        field_lines[field] = [line] + (
            [_handwriting_line(clean, box, faint=faint, **cut)[0]] if faint is not None else []
        )
    votes = _line_votes(read)
    return tuple(
        _with_model(
            _read_twice(votes[field, False], votes[field, True], whole[field], confirmable=field == "date"),
            _model_value(field_lines.get(field, []), field),
            {seen[field], _commonest(votes[field, False] + votes[field, True])},
        )
        for field in ("number", "date")
    )


def _line_votes(lines: dict[str, Image.Image]) -> dict[tuple[str, bool], list[_Vote]]:
    """Tesseract's votes on each field's line ("number" or "date"), held to digits and separators,
    by (field, typeset): read as written eighteen ways (`_line_variants`) and typeset eighteen ways
    (`_typeset_variants`), all in one run. A field without a line has no votes."""
    variants = [
        ((field, typeset), image)
        for field, line in lines.items()
        for typeset, images in ((False, _line_variants(line)), (True, _typeset_variants(line)))
        for image in images
    ]
    votes: dict[tuple[str, bool], list[_Vote]] = {(f, t): [] for f in ("number", "date") for t in (False, True)}
    if variants:
        read = _ocr_batch([image for _, image in variants], f"--psm 7 {DIGITS_ONLY}", lang=FIELD_LANG)
        for (key, _), found in zip(variants, read, strict=True):
            votes[key].append(_field_vote(found, key[0], True))
    return votes


def read_pen_digits(ink: Image.Image, box: tuple[float, float, float, float]) -> str | None:
    """A group of digits written by hand on one line of `ink` (dark on white; `box`: x0, x1, y0, y1
    of where it is), when both readers give it: Tesseract's readings of the line, as written and
    typeset, agree on it or give it most often, and the line model reads it surely. One reader
    alone is no reading: on real-dev's pen-filled numbers Tesseract agreed on "4" for a "24" and
    "46" for a "16", the model was sure of "0660" for a "660". When they do not agree on the
    line, they read the line's digits cut out on their own (`_digit_run`)."""
    line, _ = _handwriting_line(ink, box)
    value = _both_read(line)
    if value is None and (digits := _digit_run(line)) is not None:
        value = _both_read(digits)
    return value


def _both_read(line: Image.Image) -> str | None:
    votes = _line_votes({"number": line})
    written, typeset = votes["number", False], votes["number", True]
    tesseract = _read_twice(written, typeset) or _commonest(written + typeset)
    return tesseract if tesseract is not None and tesseract == _model_value([line], "number") else None


DIGIT_PAD = 0.3  # a run of digits is cut with this share of the line's height on either side


def _digit_run(line: Image.Image) -> Image.Image | None:
    """The longest run of digits in a field's line, as the line model reads the line unconstrained,
    cut out on its own, when what it read beside the run stands apart from it (a space between, or
    only a label's punctuation): the letters of the print the cut took in ("ày 15 t" of "ngày 15
    tháng"), which make Tesseract's readings held to digits junk. A run touching letters is not cut
    ("VQ2" of a "22": the "2" alone would read as a shorter number)."""
    ink = _field_ink(line)
    reading = read_line(ink)
    runs = [m.span() for m in re.finditer(r"\d+", reading.text)]
    if not runs or runs == [(0, len(reading.text))]:
        return None
    start, end = max(runs, key=lambda run: run[1] - run[0])

    def apart(part: str, edge: int) -> bool:
        return not part or part[edge] == " " or all(c in ":;.,/ " for c in part)

    if not (apart(reading.text[:start], -1) and apart(reading.text[end:], 0)):
        return None
    pad = DIGIT_PAD * ink.height
    left, right = reading.chars[start][0] - pad, reading.chars[end - 1][1] + pad
    return ink.crop((max(0, round(left)), 0, min(ink.width, round(right)), ink.height))


def _model_lines(ink: Image.Image) -> list[list[_OcrWord]]:
    """A whole-stamp reading by the models, in the form of Tesseract's: each line of text the
    detector finds on `ink`, read whole, cut into words at spaces and where letters meet digits
    ("So:1091" → "So:", "1091"), each placed by the recogniser's character positions. What comes
    before a colon is a printed label ("Số:", "Ngày:"), never a field, however it was read ("56:")."""
    lines = []
    dark = np.asarray(ink.convert("L")) < 150
    for left, top, right, bottom in find_lines(ink):
        reading = read_line(ink.crop((left, top, right, bottom)))
        words: list[list[tuple[str, float, float, float]]] = [[]]
        numeric = False  # the word being read is digits and separators
        for char, (x0, x1, p) in zip(reading.text, reading.chars, strict=True):
            if char in " :":
                if char == ":":
                    words[-1] = [c for c in words[-1] if not c[0].isdigit()]
                words.append([])
                continue
            kind = char.isdigit() or (char in "/.-" and numeric and bool(words[-1]))
            if words[-1] and kind != numeric:
                words.append([])
            numeric = kind
            words[-1].append((char, x0, x1, p))
        line = []
        for word in words:
            if not word:
                continue
            x0, x1 = left + int(word[0][1]), left + max(int(word[-1][2]), int(word[0][1]) + 1)
            # the box is the detector's, grown around the text: the word's height is its ink's
            counts = dark[top:bottom, x0:x1].sum(axis=1)  # no ink there: every row, the box's own height
            rows = np.flatnonzero(counts >= 0.2 * counts.max())
            y0, y1 = top + int(rows[0]), top + int(rows[-1]) + 1
            text = "".join(c for c, *_ in word)
            line.append(_OcrWord(text, 100.0 * float(np.mean([q for *_, q in word])), x0, y0, x1 - x0, y1 - y0))
        if line:
            lines.append(line)
    return lines


MODEL_SURE = 0.9  # the line model's mean character probability for a reading that counts
# a label's colon ("Số:") is often inside the field's cut: read as a colon, it is dropped (and how
# sure the model is of it does not count), where held to digits the model makes a digit of it
# (real-dev 04/CT's ": 04" read "804")
MODEL_CHARACTERS = {"number": "0123456789:", "date": "0123456789/.-:"}


def _model_value(lines: list[Image.Image], field: str) -> str | None:
    """A field's value as the line model reads its handwriting (`handwriting.read_line`), when it
    is sure and the reading is a whole value: a number, or a date with all its separators. The
    line cut from the thresholded ink first, then from the ink as it is: a blurred slash lighter
    than the threshold is lost to the first (dev-real 8005_1's "15/5/24" read "15")."""
    for line in lines:
        reading = read_line(_field_ink(line), MODEL_CHARACTERS[field])
        kept = [(c, p) for c, (_, _, p) in zip(reading.text, reading.chars, strict=True)]
        while kept and kept[0][0] in ": ":  # a label's colon, or a speck read as one, either side
            kept.pop(0)
        while kept and kept[-1][0] in ": ":
            kept.pop()
        if not kept or float(np.mean([p for _, p in kept])) < MODEL_SURE:
            continue
        text = "".join(c for c, _ in kept)
        if field == "number" and re.fullmatch(r"\d{1,6}", text) and text.strip("0"):
            return text
        match = _DATE.fullmatch(text) if field == "date" else None
        if match and (iso := _iso(*match.groups())):
            return iso
    return None


def _with_model(tesseract: str | None, model: str | None, seen: set[str | None]) -> str | None:
    """Tesseract's agreed value and the line model's: the value when both give it, none (left for
    a person) when they differ; Tesseract's alone; the model's alone only when another reading
    gives it too (`seen`: the models' whole-stamp reading, another crop and scale of the same
    ink, or the value Tesseract's field readings give most often, short of agreeing): held to
    digits, the model reads a blurred "1091" as "101" with confidence, the whole stamp "10.1."."""
    if tesseract is not None and model is not None:
        return tesseract if tesseract == model else None
    return tesseract if model is None else (model if model in seen else None)


RULE_LINES = 2.5  # a horizontal run of ink this many line heights long is a ruled line
STRAY_GAP = 1.0  # a shape this many line heights away from the rest of the line is not of the field


def _field_ink(line: Image.Image) -> Image.Image:
    """A field's line for the model: without a shape standing apart at either end (what is left of
    the frame's side, a dot of the printed blank, which it reads as a "1"), cut to its ink with a
    margin (the model scales the line to a fixed height: paper around it would make it small)."""
    a = np.asarray(line)
    ink = np.flatnonzero((a < 200).any(axis=0))  # faint ink too: the model sees it
    dark = a < 150
    tall = [np.flatnonzero(col) for col in dark.T if col.any()]
    if ink.size < 2 or not tall:
        return line
    gap = STRAY_GAP * float(np.median([col[-1] - col[0] + 1 for col in tall]))  # a glyph's height
    runs = np.split(ink, np.flatnonzero(np.diff(ink) > gap) + 1)  # column runs of ink, split at wide gaps
    main = max(runs, key=len)
    x0, x1 = int(main[0]), int(main[-1]) + 1
    rows = np.flatnonzero((a[:, x0:x1] < 200).any(axis=1))
    y0, y1 = int(rows[0]), int(rows[-1]) + 1
    pad = max(2, (y1 - y0) // 4)
    out = np.full((y1 - y0 + 2 * pad, x1 - x0 + 2 * pad), 255, np.uint8)
    out[pad : pad + y1 - y0, pad : pad + x1 - x0] = a[y0:y1, x0:x1]
    return Image.fromarray(out)


def _field_boxes(
    places: dict[str, list[tuple[bool, list[_OcrWord], float]]],
) -> dict[str, tuple[float, float, float, float]]:
    """Where each field's handwriting is (x0, x1, y0, y1 of the clean image).

    The number: where a reading saw it (one that read it cleanly, at full size, first). The date
    is the stamp's next row, a little more than a line under the number and starting near it: a
    reading's date place is taken only there (a reading that missed the date takes the
    "Chuyển" row for it), and when no reading saw it there, that row itself is read.
    """

    def best(found):
        _, words, scale = max(found, key=lambda place: (place[0], place[2]))
        return _box_of(words, scale)

    boxes = {}
    if places["number"]:
        boxes["number"] = best(places["number"])
    if "number" not in boxes:
        if places["date"]:
            boxes["date"] = best(places["date"])
        return boxes
    x0, x1, y0, y1 = boxes["number"]
    h, cy = y1 - y0, (y0 + y1) / 2
    under = []
    for place in places["date"]:
        dx0, dx1, dy0, dy1 = _box_of(place[1], place[2])
        if 0.5 * h <= (dy0 + dy1) / 2 - cy <= 2.2 * h and x0 - 2 * h <= dx0 <= x1 + h:
            under.append(place)
    boxes["date"] = best(under) if under else (x0 - 0.5 * h, x1 + 2 * h, cy + 0.75 * h, cy + 1.9 * h)
    return boxes


def _line_variants(line: Image.Image) -> list[Image.Image]:
    """A field's handwriting for Tesseract, several ways: scaled so its ink is LINE_HEIGHTS high,
    as it is, binarised and with thicker strokes; upright or leaning; on a white margin."""
    from PIL import ImageOps

    a = np.asarray(line)
    rows = np.flatnonzero((a < 150).any(axis=1))
    height = int(rows[-1] - rows[0] + 1) if rows.size else line.height
    out = []
    for target in LINE_HEIGHTS:
        s = target / max(height, 1)
        scaled = line.resize((max(1, round(line.width * s)), max(1, round(line.height * s))), Image.LANCZOS)
        for look in (scaled, scaled.point(lambda v: 0 if v < 160 else 255), scaled.filter(ImageFilter.MinFilter(3))):
            for shear in SHEARS:
                out.append(ImageOps.expand(_upright(look, shear), border=10, fill=255))
    return out


TYPESET_HEIGHTS = (30, 40, 55)  # a field's glyphs are read set at these heights (pixels)
TYPESET_SHEARS = (0.0, 0.12, 0.25)  # … cut apart as they are, or set upright first (half or all the way)


def _typeset_variants(line: Image.Image) -> list[Image.Image]:
    """A field's handwriting as if typeset, several ways: each glyph alone, scaled to one height
    and set on one baseline with even gaps (a pen's digits wander in size and height, and
    Tesseract reads a small or raised "1" as "7"); as it is and binarised, at TYPESET_HEIGHTS."""
    from PIL import ImageOps

    out = []
    for shear in TYPESET_SHEARS:
        digits = _pen_glyphs(_upright(line, shear))
        if not digits:
            continue
        for height in TYPESET_HEIGHTS:
            typeset = _typeset(digits, height)
            for look in (typeset, typeset.point(lambda v: 0 if v < 160 else 255)):
                out.append(ImageOps.expand(look, border=10, fill=255))
    return out


def _typeset(glyphs: list[np.ndarray], height: int) -> Image.Image:
    """Glyphs (grey, cut to their ink) scaled to `height` and set side by side on one baseline."""
    gap = round(0.35 * height)
    scaled = [
        Image.fromarray(g).resize((max(1, round(g.shape[1] * height / g.shape[0])), height), Image.LANCZOS)
        for g in glyphs
    ]
    out = Image.new("L", (sum(g.width for g in scaled) + gap * (len(scaled) + 1), height + 2 * gap), 255)
    x = gap
    for g in scaled:
        out.paste(g, (x, gap))
        x += g.width + gap
    return out


def _pen_glyphs(line: Image.Image) -> list[np.ndarray]:
    """The glyphs of a line of handwritten digits, left to right, each cut to its ink (grey).

    Shapes are the line's connected ink; specks (under a third of the tallest) are dropped, a
    broken stroke (a short shape over or under another) joins its glyph, smaller shapes set
    apart on the left (the printed label "Số:") are dropped, and a shape as wide as two or more
    digits (digits that touch) is cut at the columns of least ink. Shapes smaller and lighter
    than the pen's are the stamp's print, and short slivers what is left of the frame: dropped."""
    a = np.asarray(line.convert("L"))
    ys, starts, ends, roots = _components(a < 150)
    if ys.size == 0:
        return []
    order = np.argsort(roots, kind="stable")
    shapes = []
    for idx in np.split(order, np.flatnonzero(np.diff(roots[order])) + 1):
        shapes.append([starts[idx].min(), ys[idx].min(), ends[idx].max(), ys[idx].max() + 1, [idx]])
    tallest = max(s[3] - s[1] for s in shapes)
    shapes = sorted((s for s in shapes if s[3] - s[1] >= tallest / 3), key=lambda s: s[0])
    glyphs: list[list] = []
    for s in shapes:
        if glyphs:
            g = glyphs[-1]
            overlap = min(g[2], s[2]) - max(g[0], s[0])
            piece = min(g[3] - g[1], s[3] - s[1]) < 0.6 * max(g[3] - g[1], s[3] - s[1])
            if piece and overlap > 0.7 * min(g[2] - g[0], s[2] - s[0]):
                glyphs[-1] = [min(g[0], s[0]), min(g[1], s[1]), max(g[2], s[2]), max(g[3], s[3]), g[4] + s[4]]
                continue
        glyphs.append(s)
    if len(glyphs) > 2:
        gaps = [b[0] - a_[2] for a_, b in zip(glyphs, glyphs[1:], strict=False)]
        i = int(np.argmax(gaps))
        rest = float(np.median([g[3] - g[1] for g in glyphs[i + 1 :]]))
        if gaps[i] > 0.6 * rest and max(g[3] - g[1] for g in glyphs[: i + 1]) < 0.8 * rest:
            glyphs = glyphs[i + 1 :]
    cut = []
    for x0, y0, x1, y1, parts in glyphs:
        g = np.full((y1 - y0, x1 - x0), 255, np.uint8)
        for idx in parts:
            for i in idx:
                g[ys[i] - y0, starts[i] - x0 : ends[i] - x0] = a[ys[i], starts[i] : ends[i]]
        cut.append(g)
    # Print of the stamp left among the digits (a label's letters): smaller, and lighter than the pen.
    height = float(np.median([g.shape[0] for g in cut]))
    tone = [float(np.percentile(g[g < 150], 25)) if (g < 150).any() else 255.0 for g in cut]
    cut = [g for g, t in zip(cut, tone, strict=True) if g.shape[0] >= 0.6 * height or t < min(tone) + 60]
    # A short sliver is what is left of a frame's side, not a "1" (as tall as the other digits).
    cut = [g for g in cut if g.shape[1] >= 0.15 * height or g.shape[0] >= 0.75 * height]
    digit_width = 0.62 * height  # a digit is about 0.6 as wide as tall
    out = []
    for g in cut:
        n = int(round(g.shape[1] / digit_width))
        if n < 2 or g.shape[1] <= 1.35 * digit_width:
            out.append(g)
            continue
        ink = (g < 150).sum(axis=0)
        step = g.shape[1] / n
        cuts = [0]
        for j in range(1, n):
            lo, hi = int(j * step - step / 4), int(j * step + step / 4)
            cuts.append(lo + int(np.argmin(ink[lo : hi + 1])))
        cuts.append(g.shape[1])
        for c0, c1 in zip(cuts, cuts[1:], strict=False):
            rows = np.flatnonzero((g[:, c0:c1] < 150).any(axis=1))
            if rows.size:
                out.append(g[rows[0] : rows[-1] + 1, c0:c1])
    return out


def _field_vote(lines: list[list[_OcrWord]], field: str, strict: bool) -> _Vote:
    """One reading of a field's handwriting alone → its value, or a dissent (something read that
    is no value), or nothing."""
    text = _core("".join(w.text for line in lines for w in line))
    conf = max((w.conf for line in lines for w in line), default=0.0)
    if field == "number":
        value = text if re.fullmatch(r"\d{1,6}", text) else None
    else:
        value = _date_of(text)
    dissent = value is None and re.search(r"\d", text) is not None
    return _Vote(value, conf, dissent, text)


def _date_of(text: str) -> str | None:
    """The date a reading of a date field alone gives (ISO), or None.

    d/m/y as written; or with one separator lost (a pen's slash touching its digits is often not
    read at all) when only one place for it makes a date, and the month it makes is written the
    way a separator's loss cannot fake: with its leading zero ("2905/2024", "10/082024"), or as
    one digit before a two-digit year ("28/424"). A month of two digits starting "1" is not taken
    ("26/1124" is "26/1/24" with the slash read as "1" as often as "26/11/24" with it lost)."""
    text = re.sub(r"([/.\-])\1+", r"\1", text)  # a slash cut in two is still one slash
    match = _DATE.fullmatch(text)
    if match:
        return _iso(*match.groups())
    groups = re.split(r"\s*[/.\-]\s*", text)
    if len(groups) != 2 or not all(g.isdigit() for g in groups):
        return None
    found = set()
    for i in range(1, len(groups[0])):  # day and month run together
        day, month = groups[0][:i], groups[0][i:]
        if len(day) <= 2 and re.fullmatch(r"0[1-9]", month) and len(groups[1]) in (2, 4):
            found.add(_iso(day, month, groups[1]))
    for i in range(1, len(groups[1])):  # month and year run together
        month, year = groups[1][:i], groups[1][i:]
        if len(groups[0]) <= 2 and (
            re.fullmatch(r"0[1-9]", month) and len(year) in (2, 4) or len(month) == 1 and len(year) == 2
        ):
            found.add(_iso(groups[0], month, year))
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def _agreed(votes: list[_Vote], others: list[str] = (), confirmable: bool = False) -> str | None:
    # Readings Tesseract itself doubts (below FIELD_CONF) count neither for a value nor against it.
    sure = [v for v in votes if v.conf >= FIELD_CONF]
    values = [v.value for v in sure if v.value is not None]
    if not values:
        return None
    best = max(set(values), key=values.count)
    mine = values.count(best)
    # A date reading that only lost characters of the winning one ("26/24", "26//" of "26/9/24")
    # does not speak against it: the date's own shape (three groups, a real day and month) is
    # checked anyway. A number's shorter reading does ("101" of "1091" is the error to fear).
    texts = [v.text for v in sure if v.value == best]
    lost = {id(v) for v in sure if v.dissent and _DATE.fullmatch(texts[0]) and _within(v.text, texts[0])}
    against = len(values) - mine + sum(v.dissent and id(v) not in lost for v in sure) + sum(o != best for o in others)
    # A third of all the readings; or, for a date (a real day of a real month, read whole), CONFIRMED
    # sure readings at one size that a whole-stamp reading confirms. Not for a number: "101" of
    # "1091" is read that way, and confirmed, on a phone photo.
    agreed = mine >= AGREEMENT * len(votes) or (confirmable and mine >= CONFIRMED and best in others)
    if not agreed or AGAINST * against > mine:
        return None
    return best


def _read_twice(
    written: list[_Vote], typeset: list[_Vote], others: list[str] = (), confirmable: bool = False
) -> str | None:
    """A field's value, when its line read as written and read typeset do not say otherwise.

    One reader agreeing with itself is not enough when the other reads another value: all its
    ways see the same strokes, and a pen's small "1" is read "7" by every one of them at once.
    A value is kept when one reader's readings agree on it as `_agreed` asks and the other's
    give it most often, or give no other value (typesetting cut a glyph wrongly); or, with no
    reading Tesseract is sure of (held to digits, it gives 0 to many a right reading), when each
    reader gives it in at least half of its readings and more often than any other."""
    mine = _agreed(written, others, confirmable)
    theirs = _agreed(typeset, others, confirmable)
    if mine is not None and theirs is not None:
        return mine if mine == theirs else None
    for value, other in ((mine, typeset), (theirs, written)):
        if value is not None:
            said = {v.value for v in other if v.value is not None}
            return value if _commonest(other) == value or said <= {value} else None
    both = _commonest(written, 0.5)
    return both if both is not None and both == _commonest(typeset, 0.5) else None


def _commonest(votes: list[_Vote], share: float = 0.0) -> str | None:
    """The value the readings give most often: by COMMONEST readings and `share` of all of them at
    least, and by more than give any other value."""
    values = [v.value for v in votes if v.value is not None]
    if not values:
        return None
    best = max(set(values), key=values.count)
    n = values.count(best)
    if n < max(COMMONEST, share * len(votes)) or any(values.count(o) >= n for o in set(values) - {best}):
        return None
    return best


def _within(short: str, long: str) -> bool:
    """`short` is `long` with some characters left out."""
    it = iter(long)
    return all(c in it for c in short)


def _box_of(words: list[_OcrWord], scale: float) -> tuple[float, float, float, float]:
    """x0, x1, y0, y1 of words read on an image `scale` times the size of the clean one."""
    return (
        min(w.left for w in words) / scale,
        max(w.left + w.width for w in words) / scale,
        min(w.top for w in words) / scale,
        max(w.top + w.height for w in words) / scale,
    )


def _handwriting_line(
    clean: Image.Image,
    box: tuple[float, float, float, float],
    wide: bool = False,
    without: tuple[float, float, float, float] | None = None,
    shared: bool = False,
    faint: Image.Image | None = None,
) -> tuple[Image.Image, bool]:
    """The ink of one field's line alone: the shapes centred within the words' height, from just
    left of the words to the right, on white (the lines above and below left out, and the shapes
    centred in `without`); and whether a shape of another line crosses this one (ink of both lines
    in one stroke, so this line's share of it is lost). `shared`: that share is kept, the part of
    the crossing shape within the words' height. `faint`: the same ink unthresholded, to cut the
    line from instead, with the shapes of `clean` not kept painted out (strokes too light to be
    shapes of `clean` stay)."""
    x0, x1, y0, y1 = box
    h = max(y1 - y0, 10.0)
    a = np.asarray(clean)
    ink = a < 150
    # A ruled line the handwriting touches (a frame's inner rule; no digit is that wide) is no part of it.
    ink &= ~_long_runs_of(_band(ink, 1), int(RULE_LINES * h))
    ys, starts, ends, roots = _components(ink)
    out = np.full_like(a, 255)
    keep, crossing = [], []  # crossing: the ink in this line's band of shapes centred on another line
    if ys.size:
        order = np.argsort(roots, kind="stable")
        for idx in np.split(order, np.flatnonzero(np.diff(roots[order])) + 1):
            cy0, cy1 = ys[idx].min(), ys[idx].max() + 1
            cx0, cx1 = starts[idx].min(), ends[idx].max()
            if without is not None and (
                without[0] <= (cx0 + cx1) / 2 <= without[1] and without[2] <= (cy0 + cy1) / 2 <= without[3]
            ):
                continue
            across = cx1 >= x0 - 0.3 * h and cx0 <= x1 + (3 if wide else 2) * h
            if y0 <= (cy0 + cy1) / 2 <= y1 and across:
                keep.append((cx0, cy0, cx1, cy1, idx))
            elif across and cy1 - cy0 >= 1.2 * h and min(cy1, y1) - max(cy0, y0) >= 0.4 * h:
                in_band = (ys[idx] >= y0) & (ys[idx] <= y1)
                crossing.append((int(starts[idx][in_band].min()), int((ends[idx] - starts[idx])[in_band].sum())))
                if shared:
                    keep.append(
                        (int(starts[idx][in_band].min()), int(y0), int(ends[idx][in_band].max()), int(y1), idx[in_band])
                    )
    keep = _main_run(_on_one_line(_clipped_to_line(keep, ys, starts, ends)))
    # A digit's worth of ink in this line, right next to its digits, joined to a shape of the next line
    # (not the tip of a slash; not the next line's end rising past this one's last digit)
    digit = np.median([(ends[k[4]] - starts[k[4]]).sum() for k in keep]) if keep else 0
    last = max((k[2] for k in keep), default=0)
    crossed = bool(keep) and any(ink >= 0.5 * digit and x0 - 0.3 * h <= bx0 <= last + 0.5 * h for bx0, ink in crossing)
    others = a < 150
    for *_, idx in keep:
        for i in idx:
            out[ys[i], starts[i] : ends[i]] = a[ys[i], starts[i] : ends[i]]
            others[ys[i], starts[i] : ends[i]] = False
    if faint is not None:
        out = np.asarray(faint).copy()
        out[np.asarray(Image.fromarray(others).filter(ImageFilter.MaxFilter(3)))] = 255  # with their grey rims
    if not keep:
        return Image.fromarray(out[int(y0) : int(y1) + 1, int(x0) : int(x1) + 1]), crossed
    bx0, by0 = min(b[0] for b in keep), min(b[1] for b in keep)
    bx1, by1 = max(b[2] for b in keep), max(b[3] for b in keep)
    pad = int(h / 3)
    crop = np.full((by1 - by0 + 2 * pad, bx1 - bx0 + 2 * pad), 255, np.uint8)
    crop[pad : pad + by1 - by0, pad : pad + bx1 - bx0] = out[by0:by1, bx0:bx1]
    return Image.fromarray(crop), crossed


def _clipped_to_line(shapes: list, ys: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list:
    """The shapes (x0, y0, x1, y1, idx) with those far taller than a glyph cut to the line's rows:
    a digit joined to the frame's side crossing it, or to a letter of the print under it, is kept
    as the digit (its share of the line), not dropped with what it touches."""
    tallest = max((s[3] - s[1] for s in shapes), default=0)
    heights = sorted(h for s in shapes if (h := s[3] - s[1]) >= 0.25 * tallest)  # no specks
    if len(heights) < 4:  # too few glyphs to tell one from glyphs joined
        return shapes
    hm = heights[len(heights) // 2]
    mids = sorted((s[1] + s[3]) / 2 for s in shapes if 0.7 * hm <= s[3] - s[1] <= JOINED * hm)  # hm's own, at least
    mid = mids[len(mids) // 2]
    out = []
    for s in shapes:
        if s[3] - s[1] <= JOINED * hm:
            out.append(s)
            continue
        idx = s[4][np.abs(ys[s[4]] - mid) <= 0.75 * hm]
        if idx.size:
            out.append((int(starts[idx].min()), int(ys[idx].min()), int(ends[idx].max()), int(ys[idx].max()) + 1, idx))
    return out


JOINED = 1.8  # a shape this many glyph heights tall is glyphs joined to something else


def _on_one_line(shapes: list) -> list:
    """The shapes (x0, y0, x1, y1, …) of one line of handwriting: without what lies well above or
    below the line the bigger shapes make (a stroke of the next line, a dot) and without rules
    or corners taller than any digit (what is left of the frame)."""
    if len(shapes) < 3:
        return shapes
    hm = _glyph_height(shapes)
    mids = sorted((s[1] + s[3]) / 2 for s in shapes if s[3] - s[1] >= hm * 0.7)
    mid = mids[len(mids) // 2]
    return [
        s
        for s in shapes
        if abs((s[1] + s[3]) / 2 - mid) <= 0.75 * hm
        and not (s[3] - s[1] > 1.7 * hm and s[2] - s[0] < 0.25 * (s[3] - s[1]))
        and s[3] - s[1] <= 2.5 * hm  # no glyph of the line: a corner of the frame
        and not (s[3] - s[1] <= 0.2 * hm and s[2] - s[0] >= 1.5 * hm)  # nor what is left of a ruled line
    ]


def _glyph_height(shapes: list) -> float:
    """A glyph's height among shapes (x0, y0, x1, y1, …): the median of the bigger half (digits, not dots)."""
    heights = sorted(s[3] - s[1] for s in shapes)
    tall = heights[len(heights) // 2 :]
    return tall[len(tall) // 2]


def _main_run(shapes: list) -> list:
    """The shapes (x0, y0, x1, y1, …) of the field: the run along the line with the most ink
    across, cut where a gap is wider than STRAY_GAP glyph heights (a glyph of the body's print
    beside the field, what is left of a label or of the frame's side, stand apart)."""
    if len(shapes) < 2:
        return shapes
    glyph = _glyph_height(shapes)
    runs: list[list] = []
    right = -np.inf
    for shape in sorted(shapes, key=lambda s: s[0]):
        if shape[0] - right > STRAY_GAP * glyph:
            runs.append([])
        runs[-1].append(shape)
        right = max(right, shape[2])
    return max(runs, key=lambda run: sum(s[2] - s[0] for s in run))


def _upright(image: Image.Image, shear: float) -> Image.Image:
    """Handwriting leaning right by `shear` (dx/dy) set upright."""
    if not shear:
        return image
    w, h = image.size
    extra = int(shear * h)
    return image.transform(
        (w + extra, h), Image.AFFINE, (1, -shear, shear * h - extra, 0, 1, 0), resample=Image.BICUBIC, fillcolor=255
    )


def _iso(day: str, month: str, year: str) -> str | None:
    y = int(year)
    if len(year) == 2:
        y += 2000
    if not 1990 <= y <= 2099:
        return None
    try:
        when = Date(y, int(month), int(day))
    except ValueError:
        return None
    return when.isoformat() if when <= Date.today() else None  # a paper is not received in the future


# --------------------------------------------------------------------------------------------
# Body OCR without stamp ink


def suppress_stamp_ink(image: Image.Image) -> Image.Image:
    """The page image for the body's OCR only: stamp and seal ink (red, blue, violet) turned to paper.

    Ink counts as coloured when, with the paper made white, its channels differ by CHROMA_MIN or
    more and by at least CHROMA_SHARE of its darkness: black print (even its JPEG colour
    fringes) stays, and so does black print lying over a seal. Coloured pixels, and their faintly
    coloured fringes next to them, take the paper's colour. Only the parts of the page where a
    quarter-size copy shows colour are looked at in full. Grey and bilevel images come back as
    they are.
    """
    if image.mode not in ("RGB", "RGBA", "CMYK", "P", "YCbCr"):
        return image
    rgb = image.convert("RGB") if image.mode != "RGB" else image
    step = 4
    small = np.asarray(rgb.reduce(step))
    paper = _paper_colour(small)
    coarse = _coloured(small, paper, loose=True)
    if not coarse.any():
        return image
    tile = 16  # small pixels: 64 page pixels
    gh, gw = -(-coarse.shape[0] // tile), -(-coarse.shape[1] // tile)
    padded = np.zeros((gh * tile, gw * tile), bool)
    padded[: coarse.shape[0], : coarse.shape[1]] = coarse
    cells = padded.reshape(gh, tile, gw, tile).any(axis=(1, 3))
    grown = cells.copy()
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)):
        grown |= _shift(cells, dy, dx)
    out = rgb.copy()
    changed = False
    size = tile * step
    for y, x0, x1 in zip(*(a.tolist() for a in _row_runs(grown)), strict=True):
        box = (x0 * size, y * size, min(rgb.width, x1 * size), min(rgb.height, (y + 1) * size))
        a = np.asarray(rgb.crop(box))
        mask = _coloured(a, paper)
        if mask.any():
            a = a.copy()
            a[mask] = paper
            out.paste(Image.fromarray(a, "RGB"), box[:2])
            changed = True
    if not changed:
        return image
    if image.mode in ("RGBA", "CMYK"):
        out = out.convert(image.mode)
    out.info.update(image.info)
    return out


def _paper_colour(a: np.ndarray) -> np.ndarray:
    """The page's paper colour: the median of its brighter quarter (sampled)."""
    sample = a[::3, ::3].reshape(-1, 3).astype(np.int32)
    light = sample.sum(axis=1)
    return np.median(sample[light >= np.percentile(light, 75)], axis=0).astype(np.uint8)


def _coloured(a: np.ndarray, paper: np.ndarray, loose: bool = False) -> np.ndarray:
    """Mask of coloured ink (H×W bool) of an RGB uint8 array, with the coloured fringes around it;
    `loose`: also ink diluted by averaging (on a reduced copy)."""
    planes = []
    for c in range(3):  # white balance by lookup: the paper's colour becomes white
        lut = np.clip(np.arange(256) * 255.0 / max(float(paper[c]), 1.0), 0, 255).astype(np.uint8)
        planes.append(lut[a[..., c]])
    r, g, b = planes
    mx = np.maximum(np.maximum(r, g), b)
    mn = np.minimum(np.minimum(r, g), b)
    chroma = (mx - mn).astype(np.int16)
    darkness = 255 - mn.astype(np.int16)
    if loose:
        return (chroma >= CHROMA_MIN // 2) & (chroma * 10 >= darkness * 3)
    strong = (chroma >= CHROMA_MIN) & (chroma * 10 >= darkness * int(CHROMA_SHARE * 10))
    # Dark coloured ink (a blue pen): less colour for its darkness, but more than black print
    # ever shows (its JPEG fringes stay under ~25 and a fifth of the darkness).
    strong |= (chroma >= DARK_INK_CHROMA) & (chroma * 10 >= darkness * 2)
    # Fringes: faintly coloured pixels next to strong ones (anti-aliased stroke edges).
    faint = (chroma >= CHROMA_MIN // 2) & (chroma * 10 >= darkness * 3) & ~strong
    near = np.zeros_like(strong)
    near[1:] |= strong[:-1]
    near[:-1] |= strong[1:]
    near[:, 1:] |= strong[:, :-1]
    near[:, :-1] |= strong[:, 1:]
    return strong | (faint & near)


# --------------------------------------------------------------------------------------------
# Grey and bilevel pages


def stamps_in_words(words: list[Word], width: float, height: float) -> list[Stamp]:
    """Stamps found in the OCR words of a page that has no colour (bilevel or grey scans).

    Without colour a stamp is only what Tesseract made of it among the page's words, so this is
    conservative: a MẬT / TỐI MẬT / TUYỆT MẬT box is a line of the header's left column holding
    that mark and nothing else, just under the document's "Số:"; a register stamp is a cluster
    in the top part of the page holding two of its own words ("ĐẾN" in capitals, "Chuyển:",
    "Số và ký hiệu", "Ngày:") or "ĐẾN" beside a handwritten number or date (a word alone on its
    line: a date inside a sentence, "ngày 20/1/2024", or the header's place-and-date line never
    is). Its number and date are not taken from the words (see `_register_in_lines`).
    """
    zone = [w for w in words if w.bottom <= STAMP_ZONE * height and _core(w.text)]
    if not zone:
        return []
    lines = _word_lines(zone)
    stamps = []
    mark = _mark_in_lines(lines, width, height)
    if mark is not None:
        stamps.append(mark)
    received = _register_in_lines(lines)
    if received is not None:
        stamps.append(received)
    return stamps


def stamp_hint(words: list[Word], height: float) -> bool:
    """Whether a grey page's OCR words suggest a stamp worth reading from the page image: one of
    a register stamp's own words ("ĐẾN" in capitals, "Chuyển:", "Ngày:", "Số và ký hiệu") or a
    MẬT in the top part of the page. Cheap; pages without such a hint skip find_stamps_grey."""
    zone = [w for w in words if w.bottom <= STAMP_ZONE * height and _core(w.text)]
    for line in _word_lines(zone):
        for w in line:
            if _cue(w, line) is not None or _key(w.text) == "MAT" or _is_chuyen(_key(w.text)):
                return True
    return False


STAMP_ZONE = 0.4  # stamps and marks are looked for in the top 40 % of the page


def _word_lines(words: list[Word]) -> list[list[Word]]:
    """Words on one baseline and near each other (a gap under three word-heights) → one line."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.x0, w.top)):
        h = max(word.bottom - word.top, 1.0)
        mid = (word.top + word.bottom) / 2
        for line in lines:
            last = line[-1]
            lh = max(last.bottom - last.top, 1.0)
            if abs((last.top + last.bottom) / 2 - mid) <= 0.45 * max(h, lh) and word.x0 - last.x1 <= 3 * max(h, lh):
                line.append(word)
                break
        else:
            lines.append([word])
    return sorted(lines, key=lambda line: (min(w.top for w in line), line[0].x0))


def _box_of_words(words: list[Word]) -> tuple[float, float, float, float]:
    return (
        round(float(min(w.x0 for w in words)), 1),
        round(float(min(w.top for w in words)), 1),
        round(float(max(w.x1 for w in words)), 1),
        round(float(max(w.bottom for w in words)), 1),
    )


def _mark_in_lines(lines: list[list[Word]], width: float, height: float) -> Stamp | None:
    """A line of the header's left column holding only MẬT / TỐI MẬT / TUYỆT MẬT, under "Số:"."""
    anchors = []
    for line in lines:
        for i, w in enumerate(line[:-1]):
            if _is_so(_key(w.text)) and re.search(r"\d|/", line[i + 1].text) and w.x0 < 0.5 * width:
                anchors.append((w, line))
    for line in lines:
        keys = [k for k in (_key(w.text) for w in line) if k]
        if not keys or keys[-1] != "MAT" or len(keys) > 2:
            continue
        ocr = [_OcrWord(w.text, w.conf or 0.0, 0, 0, 0, 0) for w in line if _key(w.text)]
        mark = _mark_of([ocr])
        if mark is None or max(w.x1 for w in line) > 0.55 * width:
            continue
        top = min(w.top for w in line)
        for so, so_line in anchors:
            x0, x1 = min(w.x0 for w in so_line), max(w.x1 for w in so_line)
            h = so.bottom - so.top
            below = 0 <= top - so.bottom <= 5 * h
            under = min(x1, max(w.x1 for w in line)) - max(x0, min(w.x0 for w in line)) > 0
            if below and under:
                return Stamp(
                    kind="classification", text=" ".join(w.text for w in line), mark=mark, box=_box_of_words(line)
                )
    return None


def _cue(word: Word, line: list[Word]) -> str | None:
    """Which of a register stamp's own words this is, if any."""
    key = _key(word.text)
    text = word.text.strip()
    if key == "DEN" and text.strip(_PUNCT).isupper():
        return "den"
    if 5 <= len(key) <= 7 and edit_distance(key, "CHUYEN", 1) <= 1 and text.endswith(":"):
        return "chuyen"
    if _is_ngay(key) and text.endswith(":"):
        return "ngay"
    keys = [_key(w.text) for w in line]
    i = line.index(word)
    if key == "VA" and _has_so_ky_hieu(["SO"] + keys[i : i + 4]):  # "Số" itself is often misread
        return "so_ky_hieu"
    return None


def _register_in_lines(lines: list[list[Word]]) -> Stamp | None:
    """A cluster of a register stamp's own words, with the handwriting in it; its number and date
    are never taken from them. The page's OCR is sure of pen digits it misreads: dev-real 8004_1
    p1's stamp date "20/1/2024" is its word "20/1/2074", 93 % sure. Only the stamp's image, read
    by its field readers (`find_stamps_grey`), gives them."""
    cues = [(kind, w) for line in lines for w in line if (kind := _cue(w, line)) is not None]
    if not cues:
        return None
    best = None
    for _, anchor in cues:
        near = [(k, w) for k, w in cues if abs(w.x0 - anchor.x0) <= 150 and abs(w.top - anchor.top) <= 90]
        kinds = {k for k, _ in near}
        region = [w for _, w in near]
        x0, x1 = min(w.x0 for w in region) - 40, max(w.x1 for w in region) + 120
        y0, y1 = min(w.top for w in region) - 60, max(w.bottom for w in region) + 40
        found = _handwriting_in_words(lines, (x0, y0, x1, y1))
        if len(kinds) >= 2 or ("den" in kinds and found):
            score = (len(kinds), found)
            if best is None or score > best[0]:
                best = (score, region + found)
    if best is None:
        return None
    _, region = best
    return Stamp(kind="received", text=" ".join(w.text for w in region), box=_box_of_words(region))


def _handwriting_in_words(lines: list[list[Word]], box) -> list[Word]:
    """The words inside `box` that read as a register number or a date, each alone on its stretch
    of line (no other word of letters or digits within three word-heights): the handwriting."""
    x0, y0, x1, y1 = box
    found: list[Word] = []
    for line in lines:
        for w in line:
            if not (x0 <= w.x0 <= x1 and y0 <= w.top <= y1):
                continue
            core = _core(w.text)
            if not (_DATE.fullmatch(core) or re.fullmatch(r"\d{1,6}", core)):
                continue
            h = w.bottom - w.top
            neighbours = [
                v
                for v in line
                if v is not w and _key(v.text) and (abs(v.x1 - w.x0) <= 3 * h or abs(v.x0 - w.x1) <= 3 * h)
            ]
            if any(
                len(_key(v.text)) > 1 and not _is_so(_key(v.text)) and not _is_ngay(_key(v.text)) for v in neighbours
            ):
                continue
            found.append(w)
    return found


def find_stamps_grey(image: Image.Image, dpi: float, words: list[Word]) -> list[Stamp]:
    """Stamps on a page without colour, read from its image (grey or bilevel, `dpi`) with the help
    of its OCR words (PDF points): an optional companion of stamps_in_words for when the page
    image is at hand.

    The words Tesseract read confidently (the printed body and header) are painted out; what
    dark ink is left and framed by a rectangle of at most 100 × 80 mm starting in the top
    STAMP_TOP_MM of the page is read like a coloured stamp: a MẬT box, or a register stamp whose
    number and date are kept only when the readings agree. The page's words need not name the
    stamp: on a bilevel scan its print ("ĐẾN", "Số", "Ngày") is often too broken for the page's OCR.
    """
    from PIL import ImageDraw

    unpainted = image.convert("L")  # a stamp is read with its own print (the painting only finds it)
    grey = unpainted.copy()
    width, height = grey.size
    px_mm = max(dpi / 25.4, min(width, height) / 297.0)
    k = dpi / 72.0
    paper = float(np.percentile(np.asarray(grey.reduce(4)), 90))
    draw = ImageDraw.Draw(grey)
    for w in words:
        if (w.conf or 0.0) >= PRINTED_CONF and len(_key(w.text)) >= 2:
            draw.rectangle((w.x0 * k - 2, w.top * k - 2, w.x1 * k + 2, w.bottom * k + 2), fill=int(paper))
    factor = max(1, int(px_mm // WORK_PX_MM))
    work = grey.reduce(factor) if factor > 1 else grey
    work_mm = px_mm / factor
    mask = _off_the_edges(np.asarray(work) < paper - 60)
    stamps: list[Stamp] = []
    frames: list[_Frame] = []
    # The ruled lines within the ink left over first, then that ink alone: body text the OCR
    # doubted may touch a stamp and make one region of both, or give a frame a side of text,
    # while a frame's own sides are long unbroken lines and letters are not.
    ruled = _ruled(mask, work_mm)
    for ink, region in [(ruled, r) for r in _regions(ruled, work_mm)] + [(mask, r) for r in _regions(mask, work_mm)]:
        x0, y0, x1, y1 = region
        if x1 - x0 > 100 * work_mm or y1 - y0 > 80 * work_mm or y0 > STAMP_TOP_MM * work_mm:
            continue
        for frame in _frames_in(ink, region, work_mm):
            if frame.w > 100 * work_mm or frame.h > 80 * work_mm:
                break
            if any(f.holds(frame.cx, frame.cy) for f in frames):
                continue
            frames.append(frame)
            full = _Frame(frame.cx * factor, frame.cy * factor, frame.w * factor, frame.h * factor, frame.angle)
            crop = _grey_ink(unpainted, full, px_mm, paper)
            stamp = _read_inks(_without_frame(crop, _inset(px_mm)), _within_frame(crop, _inset(px_mm)), full, dpi)
            if stamp is not None:
                stamps.append(stamp)
    # What the words show and the image did not (a MẬT printed in black is painted out above).
    for stamp in stamps_in_words(words, width * 72.0 / dpi, height * 72.0 / dpi):
        if not any(s.kind == stamp.kind for s in stamps):
            if stamp.kind == "received" and stamp.box is not None:
                stamp = _read_unframed(unpainted, stamp, dpi, px_mm, paper) or stamp
            stamps.append(stamp)
    stamps.sort(key=lambda s: (s.box[1], s.box[0]) if s.box else (0, 0))
    return stamps


def _off_the_edges(mask: np.ndarray) -> np.ndarray:
    """`mask` without the ink that touches the image's edges: a scanner's dark borders, which a
    stamp near the margin would otherwise join into one region as wide as the page."""
    ys, starts, ends, roots = _components(mask)
    h, w = mask.shape
    edge = (ys == 0) | (ys == h - 1) | (starts == 0) | (ends >= w)
    if not edge.any():
        return mask
    out = mask.copy()
    for i in np.flatnonzero(np.isin(roots, np.unique(roots[edge]))):
        out[ys[i], starts[i] : ends[i]] = False
    return out


PRINTED_CONF = 90.0  # words Tesseract read this confidently are print, not a stamp or handwriting
FRAMES_PER_REGION = 3  # frames looked for in one region of ink (a MẬT box touching a register stamp)


def _frames_in(ink: np.ndarray, region, px_mm: float):
    """The frames of a region of ink, largest first: two stamps touching (a MẬT box on a register
    stamp) make one region of ink, and each is a rectangle of it."""
    found: tuple[_Frame, ...] = ()
    for _ in range(FRAMES_PER_REGION):
        frame = _frame(ink, np.zeros_like(ink), region, px_mm, found)
        if frame is None:
            return
        yield frame
        found += (frame,)


STAMP_TOP_MM = 120.0  # a stamp's frame starts this near the top of the page (STAMP_ZONE of A4's height)
UNFRAMED_MM = (8.0, 40.0, 12.0, 12.0)  # around a register stamp's words: left, right, above, below


def _read_unframed(grey: Image.Image, found: Stamp, dpi: float, px_mm: float, paper: float) -> Stamp | None:
    """A register stamp the words show but whose frame the scan lost (a faint stamp made bilevel):
    the page around its words read as if that were its frame."""
    k = dpi / 72.0
    x0, y0, x1, y1 = (v * k for v in found.box)
    left, right, above, below = (v * px_mm for v in UNFRAMED_MM)
    x0, y0 = max(0.0, x0 - left), max(0.0, y0 - above)
    x1, y1 = min(float(grey.width), x1 + right), min(float(grey.height), y1 + below)
    frame = _Frame((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0, 0.0)
    ink = _within_frame(_grey_ink(grey, frame, px_mm, paper), _inset(px_mm))
    stamp = _read_inks(ink, ink, frame, dpi)
    return stamp if stamp is not None and stamp.kind == "received" else None


def _grey_ink(grey: Image.Image, frame: _Frame, px_mm: float, paper: float) -> Image.Image:
    """The framed part of a grey page, level, at about READ_PX_PER_MM, paper white and ink stretched."""
    window = _window(grey.size, frame, px_mm)
    levelled = _level(grey.crop(window[0]), frame, window, px_mm)
    return levelled.point(lambda v: 255 if v >= paper - 20 else int(v * 255 / max(paper - 20, 1)))


RULE_MM = (8.0, 6.0)  # a frame's side: an unbroken line at least this long (mm), across and down


def _ruled(mask: np.ndarray, px_mm: float) -> np.ndarray:
    """The ink of long unbroken lines (a frame's sides, tilted a few degrees too) in `mask`."""
    k = 2  # rows (columns) joined: a tilted thin line is then one long run
    across = _long_runs_of(_band(mask, k), int(RULE_MM[0] * px_mm))
    down = _long_runs_of(_band(mask.T, k), int(RULE_MM[1] * px_mm)).T
    return mask & (across | down)


def _long_runs_of(rows: np.ndarray, min_len: int) -> np.ndarray:
    """The runs along rows of at least min_len pixels, one-pixel gaps closed."""
    closed = rows.copy()
    closed[:, 1:-1] |= rows[:, :-2] & rows[:, 2:]
    ys, starts, ends = _row_runs(closed)
    out = np.zeros_like(closed)
    for y, start, end in zip(ys, starts, ends, strict=True):
        if end - start >= min_len:
            out[y, start:end] = True
    return out
