"""Photographed pages become paper: the sheet cut out, straightened and A4; scans pass through untouched."""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import img2pdf
import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageDraw

from pipeline.stages.normalize import images_to_pdf
from pipeline.stages.sheet import EXIF_IFD, is_photo

MAX_PIXELS = 100_000_000
A4_PT = (595.28, 841.89)
MARGIN = 0.15  # the drawn frame's distance from the page's edges, a share of the page's side

# A sheet lying on a table, photographed a little from the side (corners TL, TR, BR, BL on a 1200×1600 photo).
PORTRAIT = [(240, 260), (960, 230), (990, 1300), (220, 1290)]
LANDSCAPE = [(230, 250), (1300, 220), (1330, 990), (210, 960)]


def rendered_page(landscape: bool = False) -> np.ndarray:
    """An A4 page (about 76 dpi): a thick black frame at MARGIN from its edges and lines of 'text' inside."""
    width, height = (891, 630) if landscape else (630, 891)
    page = Image.new("RGB", (width, height), (246, 244, 238))
    draw = ImageDraw.Draw(page)
    left, top = round(width * MARGIN), round(height * MARGIN)
    draw.rectangle((left, top, width - left, height - top), outline=(0, 0, 0), width=6)
    for y in range(top + 30, height - top - 20, 28):
        draw.rectangle((left + 25, y, width - left - 25 - (y * 7) % 90, y + 9), fill=(40, 40, 40))
    return np.asarray(page)


def table(width: int, height: int) -> np.ndarray:
    """A wooden table: brown with grain and noise."""
    rng = np.random.default_rng(7)
    ys, xs = np.mgrid[0:height, 0:width]
    grain = 18 * np.sin(xs / 9.0 + 3 * np.sin(ys / 140.0)) + rng.normal(0, 6, (height, width))
    wood = np.stack([120 + grain, 78 + grain * 0.7, 44 + grain * 0.4], axis=-1)
    return np.clip(wood, 0, 255).astype(np.uint8)


def photo(
    path: Path, corners: list[tuple[int, int]], size: tuple[int, int] = (1200, 1600), landscape=False, shade=0.0
) -> Path:
    """A 72 dpi JPEG of the rendered page lying at `corners` on a table, with its shadow.

    `shade`: the share of light the top of the photo lacks (a shadow falling across the sheet's head).
    """
    page = rendered_page(landscape)
    width, height = size
    canvas = table(width, height)
    shadow = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(shadow, np.array(corners, np.int32) + (14, 18), 255)
    shadow = cv2.GaussianBlur(shadow, (41, 41), 0).astype(np.float32) / 255
    canvas = (canvas * (1 - 0.55 * shadow[..., None])).astype(np.uint8)
    source = np.array([[0, 0], [page.shape[1], 0], [page.shape[1], page.shape[0]], [0, page.shape[0]]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, np.array(corners, np.float32))
    sheet = cv2.warpPerspective(page, matrix, (width, height))
    mask = cv2.warpPerspective(np.full(page.shape[:2], 255, np.uint8), matrix, (width, height))
    canvas[mask > 127] = sheet[mask > 127]
    light = 1 - shade * np.linspace(1, 0, height)[:, None, None]
    canvas = (canvas * light).astype(np.uint8)
    Image.fromarray(canvas).save(path, format="JPEG", quality=88, dpi=(72, 72))
    return path


@dataclass
class PdfPage:
    size: tuple[float, float]  # points
    image: Image.Image
    raw: bytes  # the image's stream as embedded (a JPEG file, CCITT G4 data)
    filters: list[str]


def pdf_pages(pdf_path: Path) -> list[PdfPage]:
    """Each page of a PDF made by images_to_pdf: its size and its one image."""
    pages = []
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            box = [float(v) for v in page.MediaBox]
            (stream,) = page.get_images().values()
            image = pikepdf.PdfImage(stream)
            pages.append(
                PdfPage(
                    (box[2] - box[0], box[3] - box[1]), image.as_pil_image(), stream.read_raw_bytes(), image.filters
                )
            )
    return pages


def only_page(pdf_path: Path) -> PdfPage:
    (page,) = pdf_pages(pdf_path)
    return page


def frame_edges(image: Image.Image) -> dict[str, tuple[float, float]]:
    """Each side of the drawn black frame: (angle off the axis in degrees, position as a share of the page)."""
    dark = np.asarray(image.convert("L")) < 80
    height, width = dark.shape
    edges = {}
    for side, lines, along in (
        ("left", dark, range(height // 4, 3 * height // 4)),
        ("right", dark[:, ::-1], range(height // 4, 3 * height // 4)),
        ("top", dark.T, range(width // 4, 3 * width // 4)),
        ("bottom", dark.T[:, ::-1], range(width // 4, 3 * width // 4)),
    ):
        hits = [(i, int(np.argmax(lines[i]))) for i in along if lines[i].any()]
        positions, firsts = np.array(hits, dtype=float).T
        slope = np.polyfit(positions, firsts, 1)[0]
        edges[side] = (math.degrees(math.atan(slope)), float(np.median(firsts)) / lines.shape[1])
    return edges


def test_a_photographed_sheet_becomes_a_straight_a4_page_without_the_table(tmp_path):
    source = photo(tmp_path / "phone.jpg", PORTRAIT)
    output = tmp_path / "out.pdf"
    assert images_to_pdf([source], output, MAX_PIXELS) == 1
    page = only_page(output)
    (width, height), pil = page.size, page.image
    assert width == pytest.approx(A4_PT[0], rel=0.01) and height == pytest.approx(A4_PT[1], rel=0.01)
    assert page.filters == ["/DCTDecode"]  # the straightened sheet is a JPEG
    assert pil.width / (width / 72) == pytest.approx(90, abs=3)  # its real resolution (745 px across 8.27 in), not 72
    for side, (angle, position) in frame_edges(pil).items():
        assert abs(angle) < 1.0, side
        assert position == pytest.approx(MARGIN, abs=0.02), side  # the sheet's edge is the page's edge
    rim = np.asarray(pil.convert("L"))
    border = np.concatenate([rim[:8].ravel(), rim[-8:].ravel(), rim[:, :8].ravel(), rim[:, -8:].ravel()])
    assert np.percentile(border, 10) > 200  # paper all round: no wood, no shadow left


def test_a_shadow_across_the_sheet_is_taken_out(tmp_path):
    # Tesseract thresholds a page once: with the head of the sheet in shadow, its header went black.
    source = photo(tmp_path / "phone.jpg", PORTRAIT, shade=0.45)
    output = tmp_path / "out.pdf"
    images_to_pdf([source], output, MAX_PIXELS)
    grey = np.asarray(only_page(output).image.convert("L"))
    height = grey.shape[0]
    head, foot = grey[height // 20 : height // 8], grey[-height // 8 : -height // 20]  # paper above and below the frame
    assert np.median(head) > 225 and abs(float(np.median(head)) - float(np.median(foot))) < 10


def test_a_landscape_sheet_becomes_a_landscape_a4_page(tmp_path):
    source = photo(tmp_path / "phone.jpg", LANDSCAPE, size=(1600, 1200), landscape=True)
    output = tmp_path / "out.pdf"
    images_to_pdf([source], output, MAX_PIXELS)
    page = only_page(output)
    width, height = page.size
    assert width == pytest.approx(A4_PT[1], rel=0.01) and height == pytest.approx(A4_PT[0], rel=0.01)
    assert all(abs(angle) < 1.0 for angle, _ in frame_edges(page.image).values())


def test_a_sheet_running_off_the_photo_is_still_cut_out_whole(tmp_path):
    # The top-right corner lies beyond the photo's edge: its sides are extended to meet there.
    source = photo(tmp_path / "phone.jpg", [(240, 160), (1230, 120), (1140, 1520), (150, 1480)])
    output = tmp_path / "out.pdf"
    images_to_pdf([source], output, MAX_PIXELS)
    page = only_page(output)
    width, height = page.size
    assert width == pytest.approx(A4_PT[0], rel=0.01) and height == pytest.approx(A4_PT[1], rel=0.01)
    for side, (angle, position) in frame_edges(page.image).items():
        assert abs(angle) < 1.0 and position == pytest.approx(MARGIN, abs=0.02), side


def test_a_photo_without_a_sheet_is_kept_as_it_is_on_an_a4_sized_page(tmp_path, caplog):
    source = tmp_path / "table.jpg"
    Image.fromarray(table(1600, 1200)).save(source, format="JPEG", quality=85, dpi=(72, 72))
    output = tmp_path / "out.pdf"
    with caplog.at_level(logging.WARNING, logger="pipeline.stages.sheet"):
        images_to_pdf([source], output, MAX_PIXELS)
    page = only_page(output)
    width, height = page.size
    assert width <= A4_PT[1] * 1.001 and height <= A4_PT[0] * 1.001  # fits A4 landscape (was 56×42 cm)...
    assert max(width / A4_PT[1], height / A4_PT[0]) == pytest.approx(1.0, abs=0.001)  # ...filling it one way
    assert width / height == pytest.approx(1600 / 1200, rel=0.001)
    assert page.raw == source.read_bytes()  # the photo itself, not re-encoded
    assert "no sheet was found" in caplog.text


@pytest.mark.parametrize("dpi", [200, 300])
def test_a_flatbed_jpeg_scan_passes_through_byte_for_byte(tmp_path, dpi):
    # A4 at the scanner's resolution, paper edge to edge, with a dark band (a folder's edge) at the top.
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    scan = Image.fromarray(np.asarray(rendered_page()).repeat(4, axis=0).repeat(4, axis=1)).resize((width, height))
    ImageDraw.Draw(scan).rectangle((0, 0, width, height // 20), fill=(30, 30, 30))
    source = tmp_path / "scan.jpg"
    scan.save(source, format="JPEG", quality=85, dpi=(dpi, dpi))
    output = tmp_path / "out.pdf"
    images_to_pdf([source], output, MAX_PIXELS)
    page = only_page(output)
    assert page.raw == source.read_bytes()
    page_width, page_height = page.size
    assert page_width == pytest.approx(width / dpi * 72) and page_height == pytest.approx(height / dpi * 72)


def test_a_g4_tiff_scan_passes_through_as_before(tmp_path):
    # A scanner may write its make and model: that alone does not make a photo.
    pages = [Image.fromarray(rendered_page()).resize((1654, 2339)).convert("1") for _ in range(2)]
    source = tmp_path / "scan.tif"
    pages[0].save(
        source,
        format="TIFF",
        compression="group4",
        dpi=(200, 200),
        save_all=True,
        append_images=pages[1:],
        tiffinfo={271: "Fujitsu", 272: "fi-7160"},
    )
    output = tmp_path / "out.pdf"
    assert images_to_pdf([source], output, MAX_PIXELS) == 2
    before = tmp_path / "img2pdf.pdf"
    before.write_bytes(img2pdf.convert([source.read_bytes()], rotation=img2pdf.Rotation.ifvalid))
    made, today = pdf_pages(output), pdf_pages(before)
    assert [p.raw for p in made] == [p.raw for p in today]
    assert [p.size for p in made] == [p.size for p in today]


def test_a_camera_photo_is_a_photo_whatever_resolution_it_states():
    image = Image.new("RGB", (2480, 3508), "white")
    image.info["dpi"] = (300, 300)
    assert not is_photo(image)  # A4 at 300 dpi: a scan
    exif = Image.Exif()
    exif.get_ifd(EXIF_IFD)[0x920A] = 4.2  # FocalLength: only a camera writes it
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", dpi=(300, 300), exif=exif)
    assert is_photo(Image.open(buffer))
    phone = Image.new("RGB", (1920, 2560), "white")
    phone.info["dpi"] = (72, 72)
    assert is_photo(phone)  # 68 × 90 cm at the 72 dpi it states: no paper is that large
