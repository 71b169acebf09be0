"""Which stored words of a page a query outlines (index.highlight)."""

from __future__ import annotations

from index.highlight import marked_spans, matched_words


def page(*texts: str) -> list[list]:
    """Stored words [[text, x0, top, x1, bottom, conf], ...] in a row."""
    return [[text, 10.0 * n, 0.0, 10.0 * n + 8, 10.0, 90.0] for n, text in enumerate(texts)]


WORDS = page("Số:47/QĐ-VKS-P2", "bị", "can", "Trần", "Văn", "Đức", "và", "bà", "Lê", "Thị", "Hoà", "phường", "Hồng")


def test_diacritic_free_query_matches_accented_words():
    assert matched_words(WORDS, "tran van duc") == [3, 4, 5]
    assert matched_words(WORDS, "DUC") == [5]


def test_both_tone_placements_match_each_other():
    assert matched_words(WORDS, "hòa") == [10]  # stored new-style "Hoà", asked classic "hòa"
    assert matched_words(page("Nguyễn", "Văn", "Hòa"), "hoà") == [2]


def test_icelandic_eth_and_d_stroke_are_one_letter():
    ocr = page("Ðức", "ĐÐỊNH")  # Tesseract's U+00D0, and a bold Đ read twice
    assert matched_words(ocr, "Đức") == [0]
    assert matched_words(ocr, "duc") == [0]
    assert matched_words(ocr, "định") == [1]


def test_quoted_phrase_is_consecutive_words():
    assert matched_words(WORDS, '"van duc"') == [4, 5]
    assert matched_words(WORDS, '"duc van"') == []  # the words are there, not in that order
    assert matched_words(WORDS, '"bị can" hoà') == [1, 2, 10]


def test_decision_number_matches_inside_a_word_or_across_words():
    assert matched_words(WORDS, "47/QĐ-VKS-P2") == [0]
    assert matched_words(WORDS, "47/qd-vks-p2") == [0]
    split = page("Số:", "47/QĐ-", "VKS-P2", "ngày")
    assert matched_words(split, "47/QĐ-VKS-P2") == [1, 2]
    assert matched_words(WORDS, "48/QĐ-VKS-P2") == []


def test_one_ocr_error_in_a_long_lone_word_only():
    assert matched_words(WORDS, "phuong") == [11]
    assert matched_words(page("phưòng", "phuongx", "khuong"), "phường") == [0, 1]  # same first letter
    assert matched_words(WORDS, "hong") == [12]
    assert matched_words(WORDS, "hogn") == []  # short words must match exactly
    assert matched_words(WORDS, '"phuonq hong"') == []  # and so must a phrase's words


def test_nothing_to_outline_without_a_query():
    assert matched_words(WORDS, "") == []
    assert matched_words(WORDS, '""') == []


def test_marked_spans_keep_the_text_and_mark_the_matches():
    text = "Số: 47/QĐ-VKS-P2\nbị can Trần Văn Đức"
    spans = marked_spans(text, "47/qd-vks-p2 tran duc")
    assert "".join(piece for piece, _ in spans) == text
    assert [piece for piece, marked in spans if marked] == ["47/QĐ-VKS-P2", "Trần", "Đức"]
    assert marked_spans("không có gì", "duc") == [("không có gì", False)]


def test_a_number_typed_into_the_forms_blank_is_outlined():
    # Real scans: "Số: 11 /TB-UBND" with the number filled in, read by OCR as "1 1 /TB-UBND".
    words = [
        ["Số:", 0, 0, 1, 1],
        ["1", 2, 0, 3, 1],
        ["1", 4, 0, 5, 1],
        ["/TB-UBND", 6, 0, 9, 1],
        ["ngày", 10, 0, 11, 1],
    ]
    assert matched_words(words, "11/TB-UBND") == [1, 2, 3]
    assert matched_words(words, "12/TB-UBND") == []
    assert matched_words(words, "1/TB-UBND") == [2, 3]  # only where the run spells it
