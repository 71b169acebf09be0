"""pipeline.stages.stamps: the handwritten number and date of a register stamp.

Synthetic crops drawn here with a handwriting-like font of the machine (URW's Z003, a chancery
hand; its "1" has the flag a pen gives it), real Tesseract on them; and the rules that decide
when readings agree, on votes made by hand.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.stages.stamps import (
    DIGITS_ONLY,
    FIELD_LANG,
    _clipped_to_line,
    _components,
    _date_of,
    _field_vote,
    _is_den,
    _line_variants,
    _ocr_batch,
    _on_one_line,
    _pen_glyphs,
    _read_twice,
    _typeset_variants,
    _Vote,
    _without_specks,
)

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

HAND_FONTS = [
    Path("/usr/share/fonts/opentype/urw-base35/Z003-MediumItalic.otf"),
    Path("/usr/share/fonts/type1/urw-base35/Z003-MediumItalic.t1"),
]


def hand_font(size: int) -> ImageFont.FreeTypeFont:
    for path in HAND_FONTS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    pytest.skip("no handwriting-like font (URW Z003) on this machine")


def wandering_digits(text: str, sizes: list[int], drops: list[int]) -> Image.Image:
    """`text` written as a pen does: each digit its own size and height on the line (grey, white paper)."""
    image = Image.new("L", (40 + 45 * len(text), 110), 255)
    draw = ImageDraw.Draw(image)
    x = 15
    for ch, size, drop in zip(text, sizes, drops, strict=True):
        font = hand_font(size)
        draw.text((x, 15 + drop), ch, font=font, fill=0)
        x += int(font.getlength(ch)) + 3
    return image.crop((0, 0, x + 15, 110))


def readings(images: list[Image.Image], field: str) -> list[_Vote]:
    return [_field_vote(lines, field, True) for lines in _ocr_batch(images, f"--psm 7 {DIGITS_ONLY}", lang=FIELD_LANG)]


def test_typeset_reading_of_a_small_lowered_one():
    # "1113" with its third digit small and low, as petitions-dev 001 p8's clerk wrote it: read
    # as written, Tesseract's readings scatter ("1143", "1133", "113"); each digit set at one
    # height on one baseline, they agree.
    line = wandering_digits("1113", [46, 46, 34, 46], [0, 0, 14, 0])
    written = [v.value for v in readings(_line_variants(line), "number")]
    assert written.count("1113") < len(written) / 2, written
    typeset = [v.value for v in readings(_typeset_variants(line), "number")]
    assert typeset.count("1113") > len(typeset) / 2, typeset


def test_typeset_reading_drops_the_stamps_own_label():
    # The printed "Số" left of the pen's digits, smaller and lighter: not read as digits.
    image = wandering_digits("1240", [46, 46, 46, 46], [0, 4, 0, 2])
    label = Image.new("L", (60, image.height), 255)
    ImageDraw.Draw(label).text((5, 55), "So", font=ImageFont.truetype(str(find_sans()), 22), fill=140)
    line = Image.new("L", (label.width + image.width, image.height), 255)
    line.paste(label, (0, 0))
    line.paste(image, (label.width, 0))
    values = [v.value for v in readings(_typeset_variants(line), "number")]
    assert values.count("1240") > len(values) / 2, values


def find_sans() -> Path:
    for path in (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf"),
    ):
        if path.exists():
            return path
    pytest.skip("no sans font on this machine")


def test_date_with_a_lost_separator():
    assert _date_of("2905/2024") == "2024-05-29"  # day and month run together, month with its zero
    assert _date_of("10/082024") == "2024-08-10"  # month and year
    assert _date_of("28/424") == "2024-04-28"  # one-digit month before a two-digit year
    assert _date_of("26//1/24") == "2024-01-26"  # a slash cut in two
    assert _date_of("26/1/24") == "2024-01-26"


def test_date_not_guessed_where_a_slash_may_be_a_digit():
    assert _date_of("26/1124") is None  # "26/1/24" with its slash read "1", or "26/11/24"?
    assert _date_of("02/112024") is None  # "02/1/2024" or "02/11/2024"
    assert _date_of("26/1724") is None
    assert _date_of("1382024") is None  # two separators lost
    assert _date_of("27/1174") is None  # 2074: not yet


def test_date_after_today_is_none():
    tomorrow = date.today() + timedelta(days=1)
    assert _date_of(f"{tomorrow.day}/{tomorrow.month}/{tomorrow.year}") is None
    assert _date_of("3/1/2025") == "2025-01-03"


def vote(text: str, conf: float, field: str = "number") -> _Vote:
    value = _date_of(text) if field == "date" else text
    return _Vote(value, conf, value is None, text)


def test_one_reader_agreeing_with_itself_is_not_enough_against_the_other():
    written = [vote("1713", 92.0)] * 18
    typeset = [vote("1113", 94.0)] * 12
    assert _read_twice(written, typeset) is None
    assert _read_twice(written, [vote("1713", 90.0)] * 12) == "1713"


def test_the_other_reader_confirms_by_its_commonest_value_whatever_its_confidence():
    written = [vote("1181", 80.0)] * 10 + [vote("1481", 80.0)] * 4 + [vote("1381", 80.0)] * 4
    typeset = [vote("1181", 95.0)] * 12
    assert _read_twice(written, typeset) == "1181"
    # A typeset reader that cut the glyphs wrongly and read nothing does not stop a clear value…
    assert _read_twice([vote("26/9/24", 80.0, "date")] * 12, [vote("264/24", 80.0, "date")] * 12) == "2024-09-26"
    # … one that reads another value does.
    assert _read_twice([vote("26/9/24", 80.0, "date")] * 12, [vote("26/8/24", 80.0, "date")] * 12) is None


def test_readings_tesseract_is_sure_of_none_need_both_readers_in_half_their_readings():
    written = [vote("10/082024", 0.0, "date")] * 9 + [vote("10/08/2024", 0.0, "date")] * 9
    typeset = [vote("10/08/2024", 0.0, "date")] * 7 + [vote("10//08/2024", 0.0, "date")] * 5
    assert _read_twice(written, typeset, confirmable=True) == "2024-08-10"
    half = [vote("10/08/2024", 0.0, "date")] * 5 + [vote("1008", 0.0, "date")] * 7
    assert _read_twice(written, half, confirmable=True) is None


def test_a_digit_touching_the_frames_side_keeps_its_strokes():
    image = Image.new("L", (700, 400), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 30, 660, 370), outline=0, width=3)  # the frame
    draw.text((615, 150), "4", font=hand_font(110), fill=0)  # written across the right side
    a = np.asarray(image)
    touching = (a[:, 655:662] < 150).any(axis=1) & (a[:, 640:655] < 150).any(axis=1)
    assert touching[150:300].any(), "the digit must touch the side for this test"
    clean = np.asarray(_without_specks(image)) < 150
    assert clean[30:370, 656:662].sum() < 0.3 * (a[30:370, 656:662] < 150).sum()  # the side is gone
    assert clean[100:350, 560:654].sum() > 0.8 * (a[100:350, 560:654] < 150).sum()  # the digit is not


def test_den_with_a_stroke_through_it():
    assert _is_den("DEN") and _is_den("DENN")
    assert not _is_den("DAN") and not _is_den("DENNN")


def test_a_frames_corner_on_a_fields_line_is_no_glyph():
    digits = [(x, 100, x + 25, 140, f"digit {x}") for x in (10, 45, 80, 115)]
    corner = (0, 0, 180, 240, "corner")  # what is left of a side and the bottom, centred near the line
    assert [s[4] for s in _on_one_line([*digits, corner])] == [s[4] for s in digits]


def test_glyphs_joined_to_a_side_or_to_print_are_cut_to_the_line():
    a = np.full((200, 400), 255, np.uint8)
    for x in (10, 50, 90, 130):
        a[60:100, x : x + 25] = 0  # four digits, 40 high
    a[20:180, 175:178] = 0  # a side down through the last one
    a[60:100, 165:190] = 0
    a[100:150, 60:70] = 0  # a letter of the print touching the second digit from under the line
    ys, starts, ends, roots = _components(a < 150)
    order = np.argsort(roots, kind="stable")
    shapes = [
        (int(starts[i].min()), int(ys[i].min()), int(ends[i].max()), int(ys[i].max()) + 1, i)
        for i in np.split(order, np.flatnonzero(np.diff(roots[order])) + 1)
    ]
    clipped = sorted(s[:4] for s in _clipped_to_line(shapes, ys, starts, ends))
    assert len(clipped) == 5 and all(y0 >= 50 and y1 <= 111 for _, y0, _, y1 in clipped)  # the line's rows
    assert _clipped_to_line(shapes[:3], ys, starts, ends) == shapes[:3]  # too few glyphs to tell


@pytest.mark.ocr
def test_a_run_of_digits_is_cut_from_the_print_beside_it_only_when_it_stands_apart():
    from pipeline.stages.handwriting import read_line
    from pipeline.stages.stamps import _digit_run

    font = ImageFont.truetype(str(Path(__file__).parents[1] / "pipeline" / "data" / "DejaVuSerif-Italic.ttf"), 40)

    def line(text: str) -> Image.Image:
        image = Image.new("L", (400, 80), 255)
        ImageDraw.Draw(image).text((10, 15), text, font=font, fill=0)
        return image

    # the day's blank took in "ày" of "ngày" and the "t" of "tháng"; the number's, the label's colon and the slash
    assert read_line(_digit_run(line("ày 15 t"))).text == "15"
    assert read_line(_digit_run(line(": 239 /"))).text == "239"
    # digits touching letters are not cut (the run may be part of a number misread); digits alone need no cut
    assert _digit_run(line("ngày15")) is None and _digit_run(line("VQ2")) is None and _digit_run(line("15")) is None


def test_a_short_sliver_after_the_digits_is_no_glyph():
    line = wandering_digits("2024", [46, 46, 46, 46], [0, 0, 0, 0])
    a = np.asarray(line).copy()
    a[45:60, line.width - 8 : line.width - 6] = 0  # a side's remnant, thin and short
    glyphs = _pen_glyphs(Image.fromarray(a))
    assert len(glyphs) == 4
    assert len(_pen_glyphs(line)) == 4
