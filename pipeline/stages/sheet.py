"""A photographed page becomes paper: the sheet cut out of the photo, straightened, at its paper size.

A phone photo of a sheet on a table is not a scan: its pixels carry a camera's 72 dpi (a 2560 px
photo would be a 90 cm page), the table around the sheet and the sheet's perspective. A frame is
taken for a photo when a camera left its exposure or focal length in EXIF, or when at its stated
resolution it would be larger than any paper a clerk handles (`LARGEST_PAPER_MM`); a scan, bilevel
or at a scanner's 200-300 dpi with paper edge to edge, is never one.

In a photo the sheet is the bright quadrilateral on a darker background: the largest bright region
(Otsu on lightness), its four sides fitted to its outline. The sheet is then warped to a rectangle
at the resolution it has in the photo, its light evened out (`even_light`), and given its paper
size: Vietnamese administrative papers are A4 (Nghị định 30/2020), and A5 and A3 share A4's √2
aspect, so a √2 sheet is A4 in its orientation; a sheet of another aspect (a cut receipt) keeps
it, A4's width across its short side. When no sheet is found with confidence the photo is kept as
it is, on a page fitted to A4 (see `page_size_pt`).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps

log = logging.getLogger(__name__)

MM_PER_INCH = 25.4
A4_MM = (210.0, 297.0)
A4_ASPECT = A4_MM[1] / A4_MM[0]  # √2, as every ISO A size
ISO_TOLERANCE = 0.08  # a sheet within 8% of √2 (perspective measured from the photo is not exact) is ISO
LARGEST_PAPER_MM = 460.0  # A3's long side (420 mm) and a margin: no paper of a case file is longer
IMG2PDF_DPI = 96.0  # what img2pdf assumes for an image that states no resolution
EXIF_IFD = 0x8769
CAMERA_TAGS = (0x829A, 0x920A)  # ExposureTime, FocalLength: a camera's (a scanner may write Make and Model too)
JPEG_QUALITY = 90
TRIM_MM = 1.0  # paper cut off the sheet's edges (see `straighten_sheet`)

LOOK_SIDE = 640  # pixels of the long side of the copy the sheet is looked for in
MIN_SHEET = 0.15  # the sheet covers at least this share of the photo...
MIN_BACKGROUND = 0.03  # ...and the background around it at least this share
MIN_CONTRAST = 40.0  # L* between the paper and the background around it
MIN_FILL = 0.92  # the bright region fills its quadrilateral this much (a sheet, not a blob)
LIGHT_SIDE = (
    256  # pixels of the long side of the copy the paper's light is measured on (ink up to ~8 mm wide on A4 closes over)
)
EDGE = 3  # pixels (of the look copy) from the frame's edge: a side there is the frame, not the sheet


def is_photo(image: Image.Image) -> bool:
    """A camera's picture of paper rather than a scan of it (see the module's docstring)."""
    if image.mode == "1":
        return False
    camera = image.getexif().get_ifd(EXIF_IFD)
    if any(camera.get(tag) for tag in CAMERA_TAGS):
        return True
    width, height = stated_size_mm(image.size, image.info.get("dpi"))
    return max(width, height) > LARGEST_PAPER_MM


def stated_size_mm(pixels: tuple[int, int], dpi: tuple[float, float] | None) -> tuple[float, float]:
    """The page an image makes at the resolution it states (img2pdf's 96 dpi when it states none)."""
    x_dpi, y_dpi = dpi if dpi and dpi[0] > 1 and dpi[1] > 1 else (IMG2PDF_DPI, IMG2PDF_DPI)
    return pixels[0] / x_dpi * MM_PER_INCH, pixels[1] / y_dpi * MM_PER_INCH


def page_size_pt(width_px: int, height_px: int, dpi: tuple[float, float]) -> tuple[float, float]:
    """The PDF page of an image: its stated size, or fitted into A4 when that is larger than any paper.

    An img2pdf layout function's size part: a photo kept whole (no sheet found) becomes an A4 page
    rather than a 90 cm one; a scan's page is what it states.
    """
    width, height = stated_size_mm((width_px, height_px), dpi)
    if max(width, height) > LARGEST_PAPER_MM:
        short, long = A4_MM
        box = (short, long) if height >= width else (long, short)
        scale = min(box[0] / width, box[1] / height)
        width, height = width * scale, height * scale
    return width / MM_PER_INCH * 72, height / MM_PER_INCH * 72


@dataclass
class Sheet:
    """A sheet found in a photo: its corners (top-left, top-right, bottom-right, bottom-left) in the photo's pixels."""

    corners: np.ndarray  # 4×2 float32

    def sides(self) -> tuple[float, float]:
        """(width, height) in pixels: the mean lengths of the opposite sides."""
        tl, tr, br, bl = self.corners
        width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
        height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
        return float(width), float(height)


def sheet_page(photo: Image.Image, name: str) -> bytes | None:
    """JPEG bytes of the sheet a photo shows, straightened at its paper size; None when no sheet is clear.

    `name` names the photo in the log. A photo without a sheet found stays as it is (its page is
    fitted to A4 by `page_size_pt`).
    """
    upright = ImageOps.exif_transpose(photo).convert("RGB")
    sheet = find_sheet(upright)
    if sheet is None:
        log.warning("%s looks like a photo, but no sheet was found in it: kept whole, on an A4-sized page", name)
        return None
    paper, dpi = straighten_sheet(upright, sheet)
    paper = even_light(paper)
    log.info("%s is a photo of a sheet: cut out and straightened, %d×%d px at %.0f dpi", name, *paper.size, dpi)
    buffer = io.BytesIO()
    paper.save(buffer, format="JPEG", quality=JPEG_QUALITY, dpi=(dpi, dpi))
    return buffer.getvalue()


def straighten_sheet(image: Image.Image, sheet: Sheet) -> tuple[Image.Image, int]:
    """(the sheet warped to a rectangle of its paper's aspect, its resolution in dpi)."""
    width, height = sheet.sides()
    short, long = sorted((width, height))
    aspect = long / short
    if abs(aspect - A4_ASPECT) <= ISO_TOLERANCE * A4_ASPECT:
        aspect = A4_ASPECT
    # a whole dpi (what JPEG stores) and the pixels of A4's width at it: the page is A4 to the pixel
    dpi = max(1, round(short / (A4_MM[0] / MM_PER_INCH)))
    short_px = round(dpi * A4_MM[0] / MM_PER_INCH)
    long_px = round(short_px * aspect)
    out_w, out_h = (short_px, long_px) if height >= width else (long_px, short_px)
    # the sheet's edges land just outside the page: the last pixel or two of table the corners found
    # at a coarser scale may leave go, with about a millimetre of blank margin
    trim = TRIM_MM / MM_PER_INCH * dpi
    target = np.array(
        [[-trim, -trim], [out_w + trim, -trim], [out_w + trim, out_h + trim], [-trim, out_h + trim]], dtype=np.float32
    )
    matrix = cv2.getPerspectiveTransform(sheet.corners, target)
    warped = cv2.warpPerspective(
        np.asarray(image),
        matrix,
        (out_w, out_h),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(255, 255, 255),  # a corner beyond the photo's edge is blank paper
    )
    return Image.fromarray(warped), dpi


def even_light(paper: Image.Image) -> Image.Image:
    """The sheet with the room's light taken out: each pixel divided by its paper's brightness around.

    A photo's light falls unevenly (a shadow across the top, a lamp's hot spot); Tesseract's one
    threshold for the whole page then blackens the darker part and its text is lost (on dev-real,
    the header of a sheet with a shaded top). The paper's brightness is the page with its ink
    closed over at a coarse scale, its brightest channel; every channel divided by it leaves the
    paper bright and its tint (which tells the stamp reader a colour scan), the ink its colour.
    """
    pixels = np.asarray(paper)
    height, width = pixels.shape[:2]
    scale = LIGHT_SIDE / max(height, width)
    small = cv2.resize(pixels, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    light = cv2.medianBlur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8)), 5)
    light = cv2.resize(light.max(axis=2), (width, height), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    even = pixels.astype(np.float32) * (255 / np.maximum(light, 1))[..., None]
    return Image.fromarray(np.clip(even, 0, 255).astype(np.uint8))


def find_sheet(image: Image.Image) -> Sheet | None:
    """The sheet in a photo (RGB), or None when no bright quadrilateral on a darker background is clear."""
    scale = LOOK_SIDE / max(image.size)
    small = np.asarray(image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BOX))
    lightness = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2LAB)[..., 0], (5, 5), 0)
    _, bright = cv2.threshold(lightness, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # close the gaps that lines of text and a stamp leave in the paper; open away specks of the table
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    region = np.zeros_like(bright)
    cv2.drawContours(region, [outline], -1, 255, thickness=cv2.FILLED)
    frame = region.size
    share = np.count_nonzero(region) / frame
    if not MIN_SHEET <= share <= 1 - MIN_BACKGROUND:
        return None
    corners = _quadrilateral(outline.reshape(-1, 2).astype(np.float32), small.shape[1], small.shape[0])
    if corners is None:
        return None
    quad = np.zeros_like(bright)
    cv2.fillConvexPoly(quad, np.round(corners).astype(np.int32), 255)
    inside = np.count_nonzero(quad & region)
    if inside / max(np.count_nonzero(quad), 1) < MIN_FILL or inside / np.count_nonzero(region) < MIN_FILL:
        return None
    background = lightness[quad == 0]
    if background.size < MIN_BACKGROUND * frame:
        return None
    if float(np.median(lightness[quad > 0])) - float(np.median(background)) < MIN_CONTRAST:
        return None
    return Sheet(corners=(corners / scale).astype(np.float32))


def _quadrilateral(outline: np.ndarray, width: int, height: int) -> np.ndarray | None:
    """Four corners of the region's outline, ordered TL, TR, BR, BL; a corner cut off by the frame is extended.

    The outline's convex hull is simplified to four vertices; each side is then fitted as a line to
    the outline points near it that are not on the frame's edge, and neighbouring sides meet at the
    corners (possibly beyond the frame, when the sheet runs off the photo).
    """
    hull = cv2.convexHull(outline)
    perimeter = cv2.arcLength(hull, True)
    approx = None
    for fraction in (0.01, 0.02, 0.03, 0.05, 0.08):
        candidate = cv2.approxPolyDP(hull, fraction * perimeter, True).reshape(-1, 2)
        if len(candidate) == 4:
            approx = candidate
            break
    if approx is None or not cv2.isContourConvex(approx.reshape(-1, 1, 2)):
        return None
    approx = _ordered(approx.astype(np.float32))
    on_frame = (
        (outline[:, 0] < EDGE)
        | (outline[:, 1] < EDGE)
        | (outline[:, 0] > width - 1 - EDGE)
        | (outline[:, 1] > height - 1 - EDGE)
    )
    points = outline[~on_frame]
    lines = []
    for start, end in zip(approx, np.roll(approx, -1, axis=0), strict=True):
        lines.append(_side_line(points, start, end, 0.01 * perimeter))
    corners = np.array([_meet(lines[i - 1], lines[i]) for i in range(4)], dtype=np.float32)
    if not np.all(np.isfinite(corners)):
        return None
    return corners


def _side_line(points: np.ndarray, start: np.ndarray, end: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """(point, direction) of the line through the outline points near the side start→end, or of the side."""
    direction = end - start
    length = float(np.linalg.norm(direction))
    unit = direction / length
    normal = np.array([-unit[1], unit[0]])
    offset = points - start
    along = offset @ unit
    across = np.abs(offset @ normal)
    near = points[(across < reach) & (along > 0.1 * length) & (along < 0.9 * length)]
    if len(near) < 10:
        return start, unit
    vx, vy, x0, y0 = cv2.fitLine(near, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return np.array([x0, y0]), np.array([vx, vy])


def _meet(first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    (p, r), (q, s) = first, second
    cross = r[0] * s[1] - r[1] * s[0]
    if abs(cross) < 1e-6:
        return np.array([np.nan, np.nan])
    t = ((q - p)[0] * s[1] - (q - p)[1] * s[0]) / cross
    return p + t * r


def _ordered(corners: np.ndarray) -> np.ndarray:
    """TL, TR, BR, BL: clockwise on screen from the corner nearest the top-left."""
    centre = corners.mean(axis=0)
    angles = np.arctan2(corners[:, 1] - centre[1], corners[:, 0] - centre[0])
    clockwise = corners[np.argsort(angles)]  # y grows downwards: increasing angle is clockwise on screen
    first = int(np.argmin(clockwise.sum(axis=1)))
    return np.roll(clockwise, -first, axis=0)
