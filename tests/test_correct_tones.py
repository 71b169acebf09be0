"""OCR tone restoration (pipeline/stages/correct.py `_restore_tones`) on hand-made readings: no OCR."""

from __future__ import annotations

import pytest

from pipeline.models import PageText, Word
from pipeline.stages.correct import correct_page, correct_text, frequencies, syllables, word_pairs
from pipeline.text import normalize


@pytest.mark.parametrize(
    ("read", "right"),
    [
        ("xảy ra sự cô trên địa bàn", "xảy ra sự cố trên địa bàn"),  # a word with its neighbour
        ("báo cáo vê tình hình", "báo cáo về tình hình"),  # "vê" alone is far rarer than "về"
        ("nhằm đê thực hiện", "nhằm để thực hiện"),
        ("diện tích đât ở", "diện tích đất ở"),  # no syllable: the likelier of "đất" and "đật"
        ("quy định chỉ tiết", "quy định chi tiết"),  # a hỏi Tesseract added, taken off
        ("quy định chỉ tiêt", "quy định chi tiết"),  # the neighbour put right first gives the context
    ],
)
def test_a_lost_tone_is_put_back_where_the_toned_reading_is_likelier(read, right):
    assert correct_text(read) == right


@pytest.mark.parametrize(
    "text",
    [
        "Ban Chỉ đạo tỉnh chỉ đạo",  # "chỉ" making a word as read
        "UBND tỉnh báo cáo",  # hỏi read as another tone is no lost tone: never "tình báo"
        "HĐND tỉnh thông qua",  # "thông qua" is taken: no context for "tinh thông"
        "công tác phòng, chống",  # only hỏi is ever taken off
        "nhân dân tin yêu",  # "yêu" is common enough to stand as read
    ],
)
def test_a_likely_reading_stays(text):
    assert correct_text(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "bà Nguyễn Thị Vân về dự",  # a capitalised word beside a capitalised word is a name
        "CÔNG AN HUYỆN CÔ TÔ",
        "Văn Đê đến",
        "Vân",
    ],
)
def test_names_keep_their_tones(text):
    assert correct_text(text) == text


def test_capitals_are_put_right_only_into_a_word():
    assert correct_text("Tô chức thực hiện") == "Tổ chức thực hiện"
    assert correct_text("Vê") == "Vê"  # standing alone: it may be a name


def test_digits_and_single_letters_are_left():
    assert correct_text("số 12vê và ê a") == "số 12vê và ê a"


def test_the_priors_are_of_the_lexicon():
    zipf = frequencies()
    assert zipf["về"] > zipf["vê"] and zipf["số"] > zipf["sô"]
    assert set(zipf) <= syllables() and all(0 < z < 8 for z in zipf.values())
    pairs = word_pairs()
    assert ("sự", "cố") in pairs and ("chi", "tiết") in pairs
    assert all(a in syllables() and b in syllables() and normalize(f"{a} {b}") == f"{a} {b}" for a, b in pairs)


def test_a_page_gets_its_tones_back_in_its_words_and_text():
    read = "xảy ra sự cô trên"
    words = [Word(w, 10.0 * i, 100.0, 10.0 * i + 8, 110.0, conf=90.0) for i, w in enumerate(read.split())]
    page = correct_page(PageText(1, read, words=words, layer="ocr"))
    assert page.text == "xảy ra sự cố trên"
    assert [w.text for w in page.words] == page.text.split()
    assert [(w.x0, w.top) for w in page.words] == [(w.x0, w.top) for w in words]
