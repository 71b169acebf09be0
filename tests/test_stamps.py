"""pipeline.stages.stamps: register stamps and MẬT boxes read on their own, their ink kept out of the body.

Real Tesseract on crops of ../shared/corpus/dev-real pages (small, so the tests stay quick), and
synthetic OCR words for the rules of stamps_in_words. tests/stamps_measure.py measures the whole
corpus.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import shared_or_skip
from pipeline.models import Word
from pipeline.stages.stamps import find_stamps, find_stamps_grey, stamp_hint, stamps_in_words, suppress_stamp_ink

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def page(name: str, number: int, dpi: float) -> Image.Image:
    """Page `number` of a dev-real file, as the OCR stage renders it (PDF) or reads it (TIFF, JPEG)."""
    path = shared_or_skip(f"corpus/dev-real/inbox/{name.split('_')[1]}/{name}")
    if path.suffix == ".pdf":
        import pypdfium2 as pdfium

        image = pdfium.PdfDocument(str(path))[number - 1].render(scale=dpi / 72.0).to_pil()
        return image.convert("RGB") if image.mode != "L" else image
    image = Image.open(path)
    image.seek(number - 1)
    return image.copy()


def region(image: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    """A part of a page, in fractions of its width and height."""
    w, h = image.size
    return image.crop((int(left * w), int(top * h), int(right * w), int(bottom * h)))


def words_of(image: Image.Image, dpi: float) -> list[Word]:
    """Tesseract's words of an image in PDF points, as the OCR stage hands them over."""
    import pytesseract

    data = pytesseract.image_to_data(image, lang="vie", output_type=pytesseract.Output.DICT)
    k = 72.0 / dpi
    return [
        Word(text.strip(), x * k, y * k, (x + w) * k, (y + h) * k, float(conf))
        for text, x, y, w, h, conf in zip(
            data["text"], data["left"], data["top"], data["width"], data["height"], data["conf"], strict=True
        )
        if text.strip()
    ]


def coloured_pixels(image: Image.Image) -> int:
    a = np.asarray(image.convert("RGB")).astype(int)
    return int(((a.max(axis=2) - a.min(axis=2)) >= 60).sum())


def black_pixels(image: Image.Image) -> int:
    a = np.asarray(image.convert("RGB")).astype(int)
    return int(((a.max(axis=2) < 90) & (a.max(axis=2) - a.min(axis=2) < 30)).sum())


# --------------------------------------------------------------------------------------------
# Colour pages


@pytest.mark.ocr
def test_register_stamp_on_a_colour_page_gives_number_and_date():
    # 200 dpi scan; violet "ĐẾN" stamp at the top left, its bottom under the first body line,
    # handwritten 1947 / 30/08/2024.
    header = region(page("scan_2024-HS-8007_2.pdf", 4, 200), 0.0, 0.05, 0.6, 0.25)
    stamps = find_stamps(header, 200)
    received = [s for s in stamps if s.kind == "received"]
    assert len(received) == 1, stamps
    assert received[0].number == "1947"
    assert received[0].date == "2024-08-30"
    x0, top, x1, bottom = received[0].box  # points of the crop: about 50 × 30 mm
    assert 100 < x1 - x0 < 200 and 50 < bottom - top < 130


@pytest.mark.ocr
def test_mat_box_gives_the_mark():
    header = region(page("scan_2024-HS-8002_1.pdf", 3, 300), 0.0, 0.05, 0.5, 0.25)
    stamps = find_stamps(header, 300)
    assert [(s.kind, s.mark) for s in stamps] == [("classification", "MẬT")]


@pytest.mark.ocr
def test_toi_mat_box_gives_the_mark():
    header = region(page("scan_2024-HS-8003_1.pdf", 1, 300), 0.0, 0.05, 0.5, 0.25)
    stamps = find_stamps(header, 300)
    assert [(s.kind, s.mark) for s in stamps] == [("classification", "TỐI MẬT")]


@pytest.mark.ocr
def test_red_seal_over_a_signature_is_no_stamp():
    # The signer's block: a red round seal, a blue pen signature over it and the printed name.
    signer = region(page("scan_2024-HS-8003_1.pdf", 1, 300), 0.5, 0.45, 1.0, 0.65)
    assert coloured_pixels(signer) > 5000  # the seal and the signature are there
    assert find_stamps(signer, 300) == []


def test_a_page_without_colour_has_no_coloured_stamps():
    assert find_stamps(page("scan_2024-HS-8004_1.tif", 1, 300).convert("L"), 300) == []


# --------------------------------------------------------------------------------------------
# Body OCR without stamp ink


def test_suppression_removes_red_and_blue_ink_and_keeps_black_text():
    signer = region(page("scan_2024-HS-8003_1.pdf", 1, 300), 0.5, 0.45, 1.0, 0.65)
    before_colour, before_black = coloured_pixels(signer), black_pixels(signer)
    clean = suppress_stamp_ink(signer)
    assert clean.size == signer.size and clean.mode == signer.mode
    assert coloured_pixels(clean) < 0.01 * before_colour
    assert black_pixels(clean) >= 0.97 * before_black  # "Ngô Hồng Nga" and the title stay


def test_suppression_of_a_register_stamp_keeps_the_body_line_across_it():
    header = region(page("scan_2024-HS-8002_2.pdf", 2, 300), 0.0, 0.05, 0.8, 0.25)
    clean = suppress_stamp_ink(header)
    assert coloured_pixels(clean) < 0.01 * coloured_pixels(header)
    assert black_pixels(clean) >= 0.97 * black_pixels(header)


def test_suppression_leaves_grey_and_bilevel_images_alone():
    bilevel = page("scan_2024-HS-8004_1.tif", 1, 300)
    assert suppress_stamp_ink(bilevel) is bilevel
    grey = bilevel.convert("L")
    assert suppress_stamp_ink(grey) is grey
    plain = Image.new("RGB", (200, 100), (240, 235, 220))
    assert suppress_stamp_ink(plain) is plain


def test_suppression_of_a_full_page_is_cheap():
    full = page("scan_2024-HS-8003_1.pdf", 1, 300)  # A4 at 300 dpi, seal, signature, MẬT box
    start = time.perf_counter()
    suppress_stamp_ink(full)
    assert time.perf_counter() - start < 1.0  # ~0.1 s alone; generous for a busy machine


@pytest.mark.ocr
def test_a_colour_stamp_reads_the_same_from_the_top_of_its_page_as_from_all_of_it():
    # dev-real 8007_2 p6, a colour scan with little colour: the OCR stage hands over the top 45 %
    # (pipeline.stages.ocr.STAMP_TOP); its date was read on the whole page and not on the top.
    whole = page("scan_2024-HS-8007_2.pdf", 6, 200)
    top = region(whole, 0.0, 0.0, 1.0, 0.45)
    read = [[(s.kind, s.number, s.date, s.box) for s in find_stamps(image, 200)] for image in (whole, top)]
    assert read[0] == read[1] and [r[:2] for r in read[0]] == [("received", "2167")]


def test_paper_colour_around_a_stamp_does_not_depend_on_how_much_page_the_image_holds():
    # The OCR stage hands over the top of a colour page with little colour, the whole of others:
    # the paper found around a stamp at the top is the same (it decides what is ink).
    from pipeline.stages.stamps import _background

    rng = np.random.default_rng(7)
    sheet = Image.fromarray(rng.integers(150, 256, (1171, 827, 3), dtype=np.uint8), "RGB")
    px_mm = 827 / 210
    whole = _background(sheet, px_mm)
    top = _background(sheet.crop((0, 0, 827, int(1171 * 0.45))), px_mm)
    stamp_zone = (slice(None), slice(0, 350), slice(None))  # 90 mm down: 30 mm clear of the cut
    assert np.array_equal(whole[stamp_zone], top[stamp_zone])


# --------------------------------------------------------------------------------------------
# Grey and bilevel pages


@pytest.mark.ocr
def test_mat_box_on_a_grey_page_from_its_words():
    header = region(page("scan_2024-HS-8007_3.pdf", 1, 300), 0.0, 0.0, 1.0, 0.3)  # the page's top, from 0, 0
    stamps = stamps_in_words(words_of(header, 300), 595, 842)
    assert [(s.kind, s.mark) for s in stamps] == [("classification", "MẬT")]


@pytest.mark.ocr
def test_register_stamp_on_a_bilevel_page():
    header = region(page("scan_2024-HS-8004_2.tif", 5, 300), 0.0, 0.0, 1.0, 0.3)
    words = words_of(header, 300)
    by_words = stamps_in_words(words, 595, 842)
    assert [s.kind for s in by_words] == ["received"]
    assert by_words[0].number is None and by_words[0].date is None  # the page's own words read them badly
    with_image = [s for s in find_stamps_grey(header, 300, words) if s.kind == "received"]
    assert len(with_image) == 1 and with_image[0].number == "937"


@pytest.mark.ocr
def test_register_stamp_on_a_bilevel_page_touching_body_text():
    # Its frame touches a body line the OCR doubted: ink alone makes one region of both, too big
    # for a stamp; the frame's unbroken sides find it. The page's own "Số: 109/…" above the frame
    # is no field of the stamp.
    header = region(page("scan_2024-HS-8004_2.tif", 8, 300), 0.0, 0.0, 1.0, 0.3)
    received = [s for s in find_stamps_grey(header, 300, words_of(header, 300)) if s.kind == "received"]
    assert [(s.number, s.date) for s in received] == [("1492", "2024-07-04")]


def test_ruled_keeps_a_tilted_frame_and_drops_text():
    from PIL import ImageDraw

    from pipeline.stages.stamps import _ruled

    canvas = Image.new("L", (600, 300), 255)
    draw = ImageDraw.Draw(canvas)
    draw.polygon([(50, 60), (300, 50), (305, 200), (55, 210)], outline=0, width=2)  # a frame, 2° off level
    for x in range(330, 590, 12):  # a line of letters: short strokes with gaps
        draw.rectangle((x, 100, x + 7, 120), fill=0)
    ink = np.asarray(canvas) < 128
    lines = _ruled(ink, 5.9)
    assert lines[:, :320].sum() > 0.8 * ink[:, :320].sum()
    assert lines[:, 320:].sum() == 0


def test_a_stamp_near_a_scanners_dark_border_is_a_region_of_its_own():
    # petitions-dev 003 p3 (200 dpi, bilevel): the scanner's black edges along the top and the left
    # join a register stamp 8 mm from the edge into one region as wide as the page, which no stamp is.
    from PIL import ImageDraw

    from pipeline.stages.stamps import _off_the_edges, _regions, _ruled

    px_mm = 200 / 25.4
    canvas = Image.new("L", (1600, 900), 255)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, 1599, 14), fill=0)  # the top edge
    draw.rectangle((0, 0, 9, 899), fill=0)  # the left edge
    draw.rectangle((70, 300, 430, 515), outline=0, width=3)  # the stamp's frame, 60 px from the edge
    ink = np.asarray(canvas) < 128
    frame = (60, 290, 440, 525)

    def holds_frame(regions):
        return any(
            x0 <= frame[0] + 12
            and y0 <= frame[1] + 12
            and x1 >= frame[2] - 12
            and y1 >= frame[3] - 12
            and x1 - x0 < 600
            for x0, y0, x1, y1 in regions
        )

    assert not holds_frame(_regions(_ruled(ink, px_mm), px_mm))
    assert holds_frame(_regions(_ruled(_off_the_edges(ink), px_mm), px_mm))


def test_a_mat_box_touching_a_register_stamp_is_a_frame_of_its_own():
    # dev-real 8007_3 p3: the MẬT box stamped just above the register stamp; their ink is one region.
    from PIL import ImageDraw

    from pipeline.stages.stamps import _frames_in, _regions

    px_mm = 5.9
    canvas = Image.new("L", (500, 400), 255)
    draw = ImageDraw.Draw(canvas)
    mm = lambda *v: tuple(round(x * px_mm) for x in v)  # noqa: E731
    draw.rectangle(mm(40, 8, 62, 17), outline=0, width=2)  # MẬT box, 22 × 9 mm
    # the register stamp, 45 × 31 mm, 2 mm under it: its sides worn to dashes, as a scan has them
    for x in np.arange(10, 55, 4):
        draw.line(mm(x, 19, min(x + 3, 55), 19), fill=0, width=2)
        draw.line(mm(x, 50, min(x + 3, 55), 50), fill=0, width=2)
    for y in np.arange(19, 50, 4):
        draw.line(mm(10, y, 10, min(y + 3, 50)), fill=0, width=2)
        draw.line(mm(55, y, 55, min(y + 3, 50)), fill=0, width=2)
    for x in range(14, 50, 3):  # its lines of print and handwriting
        draw.rectangle(mm(x, 25, x + 1.5, 28), fill=0)
        draw.rectangle(mm(x, 35, x + 1.5, 38), fill=0)
    ink = np.asarray(canvas) < 128
    [region] = _regions(ink, px_mm)
    frames = sorted(_frames_in(ink, region, px_mm), key=lambda f: f.w * f.h)
    centres = [(round(f.cx / px_mm), round(f.cy / px_mm), round(f.h / px_mm)) for f in frames]
    assert len(centres) == 2
    (mx, my, mh), (rx, ry, rh) = centres
    assert 40 < mx < 62 and 8 < my < 17 and mh == 9  # the MẬT box (its letters would decide its sides)
    assert 10 < rx < 55 and 19 < ry < 50 and 30 <= rh <= 34  # the register stamp


# --------------------------------------------------------------------------------------------
# stamps_in_words rules, on synthetic words (points, top-left origin)


def line(text: str, x: float, top: float, conf: float = 96.0, size: float = 12.0) -> list[Word]:
    words, cursor = [], x
    for token in text.split():
        width = 0.55 * size * len(token)
        words.append(Word(token, cursor, top, cursor + width, top + size, conf))
        cursor += width + 0.3 * size
    return words


HEADER = (
    line("CÔNG AN TỈNH QUẢNG NINH", 60, 48)
    + line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 300, 48)
    + line("CƠ QUAN CẢNH SÁT ĐIỀU TRA", 56, 66)
    + line("Độc lập - Tự do - Hạnh phúc", 350, 66)
    + line("Số: 274/QĐ-CSĐT", 100, 86)
    + line("Móng Cái, ngày 14 tháng 1 năm 2024", 330, 86)
)


def test_words_header_and_body_dates_are_no_stamp():
    body = (
        line("QUYẾT ĐỊNH", 250, 115)
        + line("Ngày 20/1/2024, Cơ quan Cảnh sát điều tra đã", 70, 180)
        + line("tiếp nhận tin báo về tội phạm.", 70, 198)
        + line("Đến nay chưa xác định được", 70, 216)
    )
    assert stamps_in_words(HEADER + body, 595, 842) == []


def test_words_register_stamp_never_takes_its_number_and_date_from_the_words():
    # The page's OCR is sure of pen digits it misreads: dev-real 8004_1 p1's "20/1/2024" is its
    # word "20/1/2074", 93 % sure. Only the stamp's image, read by the field readers, gives them.
    stamp = (
        line("VIỆN KIỂM SÁT NHÂN DÂN", 20, 104, 70)
        + line("ĐẾN", 22, 128, 90)
        + line("Số:", 60, 124, 60)
        + line("164", 90, 122, 92)
        + line("Ngày:", 60, 138, 55)
        + line("20/1/2074", 95, 137, 93)
        + line("Chuyển:", 22, 152, 80)
        + line("VP", 80, 150, 40)
    )
    (found,) = stamps_in_words(HEADER + stamp, 595, 842)
    assert (found.kind, found.number, found.date) == ("received", None, None)
    assert "164" in found.text and "20/1/2074" in found.text  # its box holds the handwriting, for the image readers
    box = found.box
    assert box[0] <= 22 and box[1] <= 122 and box[2] >= 95 and box[3] >= 150


def test_words_mat_line_under_the_number():
    assert [(s.kind, s.mark) for s in stamps_in_words(HEADER + line("MẬT", 130, 106, 60), 595, 842)] == [
        ("classification", "MẬT")
    ]
    assert [s.mark for s in stamps_in_words(HEADER + line("| TỐI MẬT |", 120, 106, 80), 595, 842)] == ["TỐI MẬT"]
    # "mặt" in a sentence, or far from the number, is no mark
    assert stamps_in_words(HEADER + line("Về mặt", 120, 106), 595, 842) == []
    assert stamps_in_words(HEADER + line("MẬT", 130, 400), 595, 842) == []


def test_stamp_hint_only_where_a_stamp_says_its_words():
    assert not stamp_hint(HEADER + line("QUYẾT ĐỊNH", 250, 115), 842)
    assert stamp_hint(HEADER + line("ĐẾN", 22, 128, 40) + line("Chuyển:", 22, 152, 30), 842)
    assert not stamp_hint(HEADER + line("ĐẾN", 22, 600, 40), 842)  # low on the page: no stamp zone


def test_field_votes_doubtful_readings_and_confirmed_dates():
    from pipeline.stages.stamps import _agreed, _Vote

    sure_date = [_Vote("2024-10-28", 90.0, text="28/10/2024")] * 3
    nothing = [_Vote(None, 0.0)] * 15
    # Read at one size only, the others saw nothing: a date stands if a whole-stamp reading gives it too …
    assert _agreed(sure_date + nothing, ["2024-10-28"], confirmable=True) == "2024-10-28"
    assert _agreed(sure_date + nothing, [], confirmable=True) is None
    # … a number never does that way ("101" of a "1091" is read so on a phone photo).
    assert _agreed([_Vote("101", 90.0, text="101")] * 3 + nothing, ["101"]) is None
    # Readings Tesseract doubts speak neither for nor against.
    doubted = [_Vote(None, 10.0, dissent=True, text="264/24")] * 6
    assert _agreed([_Vote("2024-09-26", 85.0, text="26/9/24")] * 6 + doubted) == "2024-09-26"
    assert _agreed([_Vote("2024-09-26", 85.0, text="26/9/24")] * 6 + [_Vote(None, 80.0, True, "264/24")] * 6) is None


@pytest.mark.ocr
def test_register_stamp_whose_frame_a_bilevel_scan_lost():
    # Only "ĐẾN" and the handwriting are left of it; the page's OCR read them badly (as it did).
    scan = page("scan_2024-HS-8004_2.tif", 3, 300)
    words = [
        Word("TĨNH", 552.3, 20.2, 565.6, 24.7, 96.0),
        Word("968", 468.0, 31.4, 530.9, 42.0, 19.0),
        Word("ĐÈN", 472.0, 38.0, 494.9, 52.4, 86.0),
        Word("»", 503.7, 38.3, 509.1, 52.5, 35.0),
        Word("2904", 524.2, 38.5, 546.2, 52.9, 57.0),
        Word("2054", 551.8, 38.8, 572.1, 53.1, 9.0),
        Word("NGHĨA", 446.4, 52.1, 486.7, 62.9, 96.0),
        Word("VIỆT", 490.1, 52.1, 519.1, 62.9, 96.0),
        Word("NAM", 522.5, 52.1, 542.2, 62.9, 72.0),
    ]
    received = [s for s in find_stamps_grey(scan, 300, words) if s.kind == "received"]
    # The frame's side crosses the date's last "4" and the header's "M" touches its "/2": each digit
    # is cut to the line's rows, not dropped with what it touches.
    assert [(s.number, s.date) for s in received] == [("964", "2024-04-29")]


def test_a_number_whose_last_digit_runs_into_the_date_under_it_is_not_read_short():
    from PIL import ImageDraw, ImageFont

    from pipeline.stages.stamps import _handwriting_line

    font = ImageFont.truetype(str(Path(__file__).parents[1] / "pipeline" / "data" / "DejaVuSerif.ttf"), 40)

    def stamp(joined: bool) -> tuple[Image.Image, tuple[float, float, float, float]]:
        image = Image.new("L", (520, 170), 255)
        draw = ImageDraw.Draw(image)
        draw.text((40, 20), "1234", font=font, fill=0)
        x0, y0, x1, y1 = draw.textbbox((40, 20), "1234", font=font)
        draw.text((150, 75), "13/08/2024", font=font, fill=0)
        if joined:  # the date written up across the number: the "4" and the date's "1" in one stroke
            draw.line((x1 - 12, y1 - 4, 160, 110), fill=0, width=6)
        return image, (x0, x1, y0, y1)

    image, box = stamp(joined=True)
    assert _handwriting_line(image, box)[1]  # its share of the stroke is lost: not read at all
    image, box = stamp(joined=False)
    line, crossed = _handwriting_line(image, box)
    assert not crossed and line.height < 80  # the number's own line alone


def test_a_field_line_leaves_out_a_ruled_line_it_touches_and_print_standing_apart():
    # real-dev 08/CT's incoming-mail stamp, printed over the body: the stamp's inner rule touches
    # the number's tops, and the body's "Thời" stands a little right of it, its "T" reaching down
    # into the next line. Neither is the number's: the line is the number alone, and not crossed.
    from PIL import ImageDraw, ImageFont

    from pipeline.stages.stamps import _handwriting_line

    font = ImageFont.truetype(str(Path(__file__).parents[1] / "pipeline" / "data" / "DejaVuSerif-Italic.ttf"), 40)
    image = Image.new("L", (620, 200), 255)
    draw = ImageDraw.Draw(image)
    draw.text((40, 40), "2770", font=font, fill=0)
    x0, y0, x1, y1 = draw.textbbox((40, 40), "2770", font=font)
    draw.line((10, y0, 600, y0), fill=0, width=3)  # the rule, touching the digits' tops
    draw.line((x1 + 50, y0 + 2, x1 + 50, y1 + 60), fill=0, width=5)  # the print's "T", down into the next line
    draw.text((x1 + 70, 40), "ho", font=font, fill=0)
    line, crossed = _handwriting_line(image, (x0, x1, y0, y1))
    ink = np.flatnonzero((np.asarray(line) < 150).any(axis=0))
    assert not crossed
    assert ink[-1] - ink[0] <= x1 - x0 + 4  # the number's width: no rule, no print beside it


@pytest.mark.ocr
def test_bilevel_page_is_searched_for_its_stamp_when_its_words_do_not_name_it(tmp_path):
    # petitions-dev 001 p3, as the OCR stage has it: the page's OCR read the stamp's heading but
    # none of its own words ("ĐẾN", "Số", "Ngày"); a page without colour is searched all the same.
    import pdfplumber

    from pipeline.stages.normalize import images_to_pdf
    from pipeline.stages.ocr import PageLook, _stamps

    pdf = tmp_path / "intake.pdf"
    images_to_pdf([shared_or_skip("corpus/petitions-dev/inbox/intake_20240127_001.tif")], pdf, 200_000_000)
    heading = [
        Word(text, x0, 26.0, x1, 35.0, 94.0)
        for text, x0, x1 in (("VIỆN", 33, 51), ("KIỂM", 55, 74), ("SÁT", 76, 90), ("NHÂN", 93, 116), ("DÂN", 119, 136))
    ] + [Word("HH...", 44, 51, 158, 63, 14.0)]
    assert not stamp_hint(heading, 842)
    look = PageLook(layer="none", ink=0.06, barcodes=[], colour=0.0, tinted=False, scan_dpi=300.0)
    with pdfplumber.open(pdf) as scan:
        found = _stamps(scan.pages[2], scan.pages[2], look, heading, True, [])
    assert [(s.kind, s.number, s.date) for s in found] == [("received", "1094", "2024-01-26")]
    box = found[0].box
    assert box[0] < 60 and box[1] < 40 and box[2] < 200 and box[3] < 140  # the stamp at the top left


def test_a_register_stamp_is_known_by_den_by_its_labels_or_by_its_heading_with_a_number():
    from pipeline.stages.stamps import _is_register, _OcrWord

    def reading(*lines: str) -> list[list[_OcrWord]]:
        return [[_OcrWord(text, 90, 0, 0, 10, 10) for text in line.split()] for line in lines]

    assert _is_register(reading("VIỆN KIỂM SÁT NHÂN DÂN", "ĐẾN Số: 1945"))
    assert _is_register(reading("Ngày: ....", "Chuyển: ...."))
    # "ĐẾN" and "Ngày" under the body's print: the heading, the "Số" and a number say it
    assert _is_register(reading("VIEN KIEM SAT NHAN DAN TINH", "QUANG NINH", "1945", "S"))
    assert _is_register(reading("VIÊN KIỀM SÁT NHÂN DÂN", "Số: 1945"))
    # the heading without the number's label, or without a number, is no register stamp
    assert not _is_register(reading("VIỆN KIỂM SÁT NHÂN DÂN TỈNH", "QUẢNG NINH", "1945"))
    assert not _is_register(reading("VIỆN KIỂM SÁT NHÂN DÂN", "Số: ...."))
    assert not _is_register(reading("VIỆN NGHIÊN CỨU", "Số: 12"))
    assert not _is_register(reading("Ký bởi: VIỆN KIỂM SÁT NHÂN DÂN", "Số: 12"))  # an e-signature


def test_fields_of_a_reading_skip_the_o_of_so_and_a_doubted_digit_of_the_heading():
    from pipeline.stages.stamps import _fields_of, _OcrWord

    def line(*words: tuple[str, float]) -> list[_OcrWord]:
        return [_OcrWord(text, conf, 0, 0, 10, 10) for text, conf in words]

    # "Số" read as a lone "0" over the number: no register number is all zeros.
    number, when, _, _ = _fields_of([line(("VIEN", 91)), line(("0.", 15)), line(("ĐẾN", 80), ("29/05/2024", 60))])
    assert number.value is None and when.value == "2024-05-29"
    # A lone digit Tesseract doubts in the heading's broken print gives way to a sure number under it…
    number, _, words, _ = _fields_of([line(("|", 51), ("2", 38), ("Ỉ", 0)), line(("1159", 81)), line(("*ổ42", 2))])
    assert number.value == "1159" and [w.text for w in words] == ["1159"]
    # … but a sure number is kept, and a doubted reading that is no clean number is not replaced by
    # the date's digits read without their slashes.
    number, _, _, _ = _fields_of([line(("1169", 90)), line(("290524", 70))])
    assert number.value == "1169"
    number, when, _, _ = _fields_of([line(("1@9", 40)), line(("239522", 58)), line(("Ø2", 43))])
    assert number.value is None and when is not None and when.value is None
    # A word of the heading misread with a digit ("KIỂM" → "KTER1", petitions-dev 005 p4) is no number.
    number, _, _, _ = _fields_of(
        [line(("VIEN", 88), ("KTER1", 70)), line(("So", 90), ("1153", 95)), line(("28/4/24", 60))]
    )
    assert number.value == "1153"
    # One row of handwriting made two lines by Tesseract (petitions-dev 003 p1): the one that reads
    # as a date is the date's.
    number, when, _, words = _fields_of(
        [line(("1123", 96)), line(("Ê", 24), ("/2/22", 43)), line(("ĐEN", 88), ("9/3/2024", 91))]
    )
    assert (number.value, when.value, [w.text for w in words]) == ("1123", "2024-03-09", ["9/3/2024"])


# --------------------------------------------------------------------------------------------
# The line model (pipeline.stages.handwriting) beside Tesseract


def test_line_model_reads_handwriting_and_only_the_characters_a_field_may_have():
    from PIL import ImageDraw, ImageFont

    from pipeline.stages.handwriting import read_line

    font = ImageFont.truetype(str(Path(__file__).parents[1] / "pipeline" / "data" / "DejaVuSerif-Italic.ttf"), 40)
    image = Image.new("L", (360, 70), 255)
    ImageDraw.Draw(image).text((10, 10), "Số 1945", font=font, fill=0)
    assert read_line(image, "0123456789").text.endswith("1945")
    assert read_line(image, "0123456789").text.isdigit()  # "Số" is read as digits or not at all, never as letters


def test_a_model_reading_counts_only_when_sure_and_whole_and_a_disagreement_is_left_for_a_person():
    from PIL import ImageDraw, ImageFont

    from pipeline.stages.stamps import _field_ink, _model_value, _with_model

    font = ImageFont.truetype(str(Path(__file__).parents[1] / "pipeline" / "data" / "DejaVuSerif-Italic.ttf"), 40)

    def line(text: str, bar: bool = False) -> Image.Image:
        image = Image.new("L", (420, 70), 255)
        draw = ImageDraw.Draw(image)
        draw.text((10, 10), text, font=font, fill=0)
        if bar:  # what is left of the frame's side, far right of the date
            draw.line((400, 12, 400, 58), fill=90, width=3)
        return image

    assert _model_value([line("28/4/2024")], "date") == "2024-04-28"
    assert _model_value([line("29/2024")], "date") is None  # a date missing its day or month is none
    assert _model_value([line("1128")], "number") == "1128"
    assert _model_value([line("0000")], "number") is None
    with_bar, without = _field_ink(line("28/4/24", bar=True)), _field_ink(line("28/4/24"))
    assert with_bar.size == without.size and without.width < 300  # the bar is gone, the paper around too
    assert _with_model("1230", None, set()) == "1230" and _with_model("1230", "1230", set()) == "1230"
    assert _with_model("1230", "51230", {"51230"}) is None  # Tesseract and the model disagree: a person reads it
    assert _with_model(None, "1230", {"1230", None}) == "1230" and _with_model(None, "101", {None, "11"}) is None


@pytest.mark.ocr
def test_a_date_tesseract_cannot_agree_on_is_read_by_the_line_model():
    # dev-real 8003_2 p1, a phone photo (72 dpi said): the date's pen leans into the slash
    # ("27/8/2024"); Tesseract's eighteen-by-two readings do not agree, the line model reads it.
    path = shared_or_skip("corpus/dev-real/inbox/2024-HS-8003/scan_2024-HS-8003_2_p001.jpg")
    image = region(Image.open(path).convert("RGB"), 0, 0, 0.5, 0.4)
    stamps = [s for s in find_stamps(image, 72) if s.kind == "received"]
    assert [(s.number, s.date) for s in stamps] == [("1923", "2024-08-27")]


@pytest.mark.ocr
def test_a_number_the_date_runs_into_is_read_whole_with_its_share_of_the_stroke():
    # petitions-dev 011 p7: the "4" of "1234" and the date's "13" are one stroke, and the date runs
    # up across the dotted line. Without its share of the stroke the number would read "123"
    # (Tesseract does not read it at all); the line model reads it with the part of the stroke in
    # its line, and the models' whole-stamp reading confirms it. The date Tesseract cannot agree on.
    import pypdfium2 as pdfium

    path = shared_or_skip("corpus/petitions-dev/inbox/intake_20240813_011.pdf")
    image = pdfium.PdfDocument(str(path))[6].render(scale=300 / 72.0).to_pil().convert("RGB")
    stamps = [s for s in find_stamps(region(image, 0, 0, 0.45, 0.25), 300) if s.kind == "received"]
    assert [(s.number, s.date) for s in stamps] == [("1234", "2024-08-13")]


@pytest.mark.ocr
def test_a_blurred_number_the_model_alone_reads_short_is_left_for_a_person_and_a_faint_slash_is_read():
    # dev-real 8005_1 p4, a phone photo: "1091" with its "0" and "9" blurred into one. Held to
    # digits the line model reads "101" (0.98 sure); its whole-stamp reading says "10.1." and
    # Tesseract's readings mostly "11": nothing stored. The date's slashes are lighter than the
    # threshold: cut from the thresholded ink the line reads "15"; cut from the ink as it is, the
    # model reads "15/5/24", as its whole-stamp reading does.
    path = shared_or_skip("corpus/dev-real/inbox/2024-HS-8005/scan_2024-HS-8005_1_p004.jpg")
    stamps = [s for s in find_stamps(Image.open(path).convert("RGB"), 72) if s.kind == "received"]
    assert stamps and all(s.number in (None, "1091") for s in stamps)
    assert [s.date for s in stamps] == ["2024-05-15"]


@pytest.mark.ocr
def test_a_register_stamp_whose_den_is_under_the_body_print_is_known_by_its_heading():
    # dev-real 8001_1 p8: the stamp lies over "CỘNG HÒA … VIỆT NAM", whose bold print hides its
    # "ĐẾN", its "Ngày" and the date written there. Its heading (the procuracy's name), the "Số"
    # and the number beside it are read; the date is left for a person, not guessed.
    image = region(page("scan_2024-HS-8001_1_p008.jpg", 1, 300).convert("RGB"), 0.5, 0, 1, 0.2)
    stamps = [s for s in find_stamps(image, 300) if s.kind == "received"]
    assert [(s.number, s.date) for s in stamps] == [("1945", None)]


def test_faint_ink_is_made_black_and_dark_ink_is_left_as_it_is():
    from pipeline.stages.stamps import _stretched

    faint = Image.new("L", (100, 40), 255)
    faint.paste(150, (10, 10, 90, 20))  # a blurred photo's stroke: its darkest is grey
    assert np.asarray(_stretched(faint)).min() == 0 and np.asarray(_stretched(faint)).max() == 255
    dark = Image.new("L", (100, 40), 255)
    dark.paste(20, (10, 10, 90, 20))
    assert _stretched(dark) is dark
