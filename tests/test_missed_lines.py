"""Lines of print the page's OCR left out are found, read on their own and added to its hOCR.

- `missed_rows` finds a row of glyphs no word covers, and no row in a signature, a rule or print
  the words cover (no Tesseract);
- `with_missed_lines` reads such a row into hOCR that OCRmyPDF's parser takes, boxes on the page;
- dev-real 8002_3 p3, through the OCR stage: the two body lines a register stamp's handwriting
  crosses (Tesseract's page layout took them for a picture) are in the page's text, in order.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from conftest import REPO, shared_or_skip
from pipeline.stages.missed import missed_rows, with_missed_lines

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

FONT = ImageFont.truetype(str(REPO / "pipeline" / "data" / "DejaVuSerif.ttf"), 36)  # ≈ 12 pt at 300 dpi
READ = "Căn cứ Điều 179 Bộ luật Tố tụng hình sự;"
LEFT_OUT = "Xét thấy có đủ căn cứ xác định hành vi của bị can"


def page_with_lines() -> tuple[Image.Image, list[tuple[int, int, int, int]], tuple[int, int, int, int]]:
    """An A4 page at 300 dpi: a line its OCR read (word boxes given), one it left out, a
    signature's scribble and a ruled line; and the left-out line's box."""
    image = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(image)
    covered, x = [], 300
    for word in READ.split():
        box = draw.textbbox((x, 400), word, font=FONT)
        draw.text((x, 400), word, font=FONT, fill=0)
        covered.append(box)
        x = box[2] + 18
    draw.text((300, 500), LEFT_OUT, font=FONT, fill=0)
    left_out = draw.textbbox((300, 500), LEFT_OUT, font=FONT)
    draw.line([(1500, 900), (1560, 820), (1620, 930), (1700, 810), (1790, 900)], fill=0, width=6)
    draw.line((300, 1200, 2100, 1200), fill=0, width=4)
    return image, covered, left_out


def test_a_row_of_glyphs_no_word_covers_is_found_and_nothing_else():
    image, covered, (x0, y0, x1, y1) = page_with_lines()
    rows = missed_rows(image, covered, 300.0)
    assert len(rows) == 1
    rx0, ry0, rx1, ry1 = rows[0]
    assert abs(rx0 - x0) < 30 and abs(rx1 - x1) < 30 and y0 - 20 <= ry0 < ry1 <= y1 + 20
    # every word read: nothing missed
    image, covered, left_out = page_with_lines()
    assert missed_rows(image, [*covered, left_out], 300.0) == []


@pytest.mark.ocr
def test_a_missed_row_is_read_into_the_pages_hocr():
    from ocrmypdf.hocrtransform import HocrParser

    image, covered, (x0, y0, x1, y1) = page_with_lines()
    words = "".join(
        f"<span class='ocrx_word' id='word_1_{i}' title='bbox {a} {b} {c} {d}; x_wconf 95'>{w}</span>"
        for i, (w, (a, b, c, d)) in enumerate(zip(READ.split(), covered, strict=True))
    )
    hocr = (
        "<?xml version='1.0' encoding='UTF-8'?>\n<html xmlns='http://www.w3.org/1999/xhtml'><body>"
        "<div class='ocr_page' id='page_1' title='bbox 0 0 2480 3508; ppageno 0; scan_res 300 300'>"
        "<div class='ocr_carea' id='block_1_1' title='bbox 300 400 2000 450'><p class='ocr_par' id='par_1_1'>"
        f"<span class='ocr_line' id='line_1_1' title='bbox 300 400 2000 450'>{words}</span></p></div>"
        "</div></body></html>"
    )
    added = with_missed_lines(image, hocr, 300.0, "vie")
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"hoso-missed-{os.getpid()}.hocr"
    tmp.write_text(added, encoding="utf-8")
    try:
        page = HocrParser(tmp).parse()
    finally:
        tmp.unlink()
    lines = [line for par in page.children for line in par.children]
    assert len(lines) == 2
    read = lines[1]
    text = " ".join(word.text for word in read.children)
    assert "thấy có đủ căn cứ xác định hành vi" in text
    box = read.bbox
    assert abs(box.left - x0) < 40 and abs(box.right - x1) < 40 and abs((box.top + box.bottom) / 2 - (y0 + y1) / 2) < 25
    assert with_missed_lines(image, added, 300.0, "vie") == added  # read once: nothing left out now


@pytest.mark.ocr
def test_body_lines_under_a_register_stamps_handwriting_are_read(tmp_path):
    from pipeline.models import OcrJob
    from pipeline.stages.ocr import run_ocr

    source = shared_or_skip("corpus/dev-real/inbox/2024-HS-8002/scan_2024-HS-8002_3.pdf")
    one = tmp_path / "p3.pdf"
    subprocess.run(["qpdf", "--empty", "--pages", str(source), "3", "--", str(one)], check=True)
    job = OcrJob(
        batch_id="test-missed-0123456789",
        kind="pdf",
        sources=[one],
        output_pdf=tmp_path / "out.pdf",
        languages="vie",
        max_pixels=200_000_000,
        tmp_dir=tmp_path / "tmp",
    )
    text = " ".join(run_ocr(job).pages[0].text.split())
    first = text.find("sơ thẩm: Tòa án nhân dân tỉnh Quảng Ninh xét xử vụ án hình sự đối")
    second = text.find("Văn Vân về tội Tàng trữ trái phép chất ma túy.")
    after = text.find("Đại diện Viện kiểm sát nhân dân tỉnh Quảng Ninh")
    assert 0 <= first < second < after, text[:800]
