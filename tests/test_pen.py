"""pipeline.stages.pen: the header's blanks a pen filled in (the number before the symbol, the day),
read from the page image by both field readers; and extract taking them."""

from __future__ import annotations

import os

import pytest

from conftest import shared_or_skip
from pipeline.models import Classification, PageText, PenReading, Word
from pipeline.stages.extract import extract_metadata
from pipeline.stages.layout import read_layout
from pipeline.stages.pen import header_blanks, read_header_pen

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

# real-dev qng_05-CT-UBND p1's header as the OCR stage reads it: "Số: 05/CT-UBND" with "05" by
# pen, read "2 #ˆ"; "ngày 15 tháng 4 năm 2020" with "15" by pen, not read at all.
HEADER_ROWS = [
    (50.0, 63.0, [("ỦY", 97.2, 114.4, 85), ("BAN", 118.8, 144.7, 95), ("NHÂN", 149.0, 186.4, 96),
                  ("DÂN", 190.0, 218.1, 96), ("CỘNG", 254.8, 293.0, 35), ("HÒA", 296.6, 325.4, 96),
                  ("XÃ", 329.7, 347.7, 96), ("HỘI", 351.3, 375.7, 95), ("CHÚ", 380.1, 408.1, 96),
                  ("NGHĨA", 412.4, 455.6, 96), ("VIỆT", 459.2, 490.2, 96), ("NAM", 493.8, 523.3, 96)]),
    (65.0, 77.0, [("TỈNH", 96.5, 128.8, 73), ("QUẢNG", 133.2, 180.0, 92), ("NGÃI", 184.3, 218.1, 92),
                  ("Độc", 310.2, 331.1, 94), ("lập", 335.4, 351.3, 93), ("-", 354.9, 359.2, 93),
                  ("Tự", 362.8, 380.1, 96), ("do", 382.9, 395.9, 93), ("-", 400.2, 403.8, 93),
                  ("Hạnh", 408.1, 438.4, 94), ("phúc", 442.7, 468.6, 96)]),
    (90.0, 102.2, [("Số:", 100.8, 115.9, 96), ("2", 123.1, 131.0, 61), ("#ˆ", 135.3, 147.6, 7),
                   ("/CT-UBND.", 152.6, 213.8, 85), ("Quảng", 324.6, 359.2, 96), ("Ngãi,", 362.1, 389.4, 96),
                   ("ngày", 394.5, 426.8, 0), ("tháng", 442.7, 471.5, 76), ("4", 475.1, 480.8, 94),
                   ("năm", 484.4, 505.3, 94), ("2020", 509.6, 534.8, 96)]),
]  # fmt: skip
CHI_THI = Classification("chi_thi", 1.0, "CHỈ THỊ")


def header_page(pen: list[PenReading] = ()) -> PageText:
    words = [Word(t, x0, top, x1, bottom, float(c)) for top, bottom, row in HEADER_ROWS for t, x0, x1, c in row]
    text = "\n".join(" ".join(t for t, *_ in row) for *_, row in HEADER_ROWS)
    return PageText(1, text, 596.0, 850.0, words, confidence=90.0, pen=list(pen))


def test_the_blanks_are_the_unsure_digits_of_the_number_line_and_the_day():
    blanks = {field: (round(left), round(right)) for field, _, left, right in header_blanks(header_page())}
    assert blanks == {"number": (123, 153), "day": (427, 443)}  # after "Số: " to the slash; "ngày" to "tháng"
    kept = PageText(1, "", words=header_page().words)  # no OCR of its own: a kept text layer
    assert header_blanks(PageText(**{**kept.__dict__, "layer": "kept"})) == []


def test_extract_takes_the_pen_digits_with_the_printed_symbol_month_and_year():
    pen = [PenReading("number", "05", (0, 0, 0, 0)), PenReading("day", "15", (0, 0, 0, 0))]
    meta = extract_metadata([read_layout(header_page(pen))], CHI_THI)
    assert (meta.number, meta.symbol, meta.date, meta.review) == ("05/CT-UBND", "CT-UBND", "2020-04-15", [])
    unread = extract_metadata([read_layout(header_page())], CHI_THI)  # neither read: left for a person
    assert (unread.number, unread.date, unread.month) == (None, None, "2020-04")
    assert "number" in unread.review and "date" in unread.review


@pytest.mark.ocr
def test_a_pen_number_and_day_are_read_when_both_readers_give_them():
    import pypdfium2 as pdfium

    path = shared_or_skip("corpus/real-dev/files/qng_05-CT-UBND_20200415.pdf")
    image = pdfium.PdfDocument(str(path))[0].render(scale=300 / 72.0).to_pil()
    found = read_header_pen(image, 300.0, header_blanks(header_page()))
    assert [(r.field, r.value) for r in found] == [("number", "05"), ("day", "15")]
    assert all(r.box[0] < r.box[2] and r.box[1] < 90.0 < r.box[3] for r in found)  # on the printed line


@pytest.mark.ocr
def test_the_labels_colon_inside_the_cut_is_no_digit():
    # real-dev qng_04-CT-UBND p1: "Số:04/CT-UBND", "04" by pen right after the label's colon, which
    # the cut takes in; held to digits the line model read ": 04" as "804" and nothing was kept.
    import pypdfium2 as pdfium

    path = shared_or_skip("corpus/real-dev/files/qng_04-CT-UBND_20240315.pdf")
    image = pdfium.PdfDocument(str(path))[0].render(scale=300 / 72.0).to_pil()
    line = [Word("Số:04", 100.5, 106.8, 138.5, 120.0, 66.0), Word("/CT-UBND", 145.9, 106.4, 212.2, 119.7, 92.0)]
    found = read_header_pen(image, 300.0, [("number", line, 123.3, 145.9)])
    assert [(r.field, r.value) for r in found] == [("number", "04")]


@pytest.mark.ocr
def test_a_day_beside_the_dates_print_is_read_from_its_digits_alone():
    # real-dev qng_84-QD-UBND p1: "ngày 03 tháng 02 năm 2025", "03" by pen read into "ngàyà$"; the
    # blank's cut takes in "y" of "ngày" and the "t" of "tháng", and the readers agree only on the
    # digits cut out on their own.
    import pypdfium2 as pdfium

    path = shared_or_skip("corpus/real-dev/files/qng_84-QD-UBND_20250203.pdf")
    image = pdfium.PdfDocument(str(path))[0].render(scale=300 / 72.0).to_pil()
    line = [
        Word("ngàyà$", 371.9, 135.8, 413.5, 147.7, 9.0),
        Word("tháng", 416.8, 136.0, 448.6, 147.9, 96.0),
        Word("02", 452.3, 136.2, 465.1, 148.0, 96.0),
    ]
    found = read_header_pen(image, 300.0, [("day", line, 399.7, 416.8)])
    assert [(r.field, r.value) for r in found] == [("day", "03")]
