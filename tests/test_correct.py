"""OCR post-correction (pipeline/stages/correct.py) on hand-made readings: no OCR."""

from __future__ import annotations

import shutil
from concurrent.futures import Future

import pytest

from pipeline.hashing import sha256_file
from pipeline.models import OcrResult, PageText, Word
from pipeline.stages.correct import (
    codes,
    correct_page,
    correct_text,
    correct_words,
    is_known,
    phrase_pairs,
    syllables,
)
from pipeline.text import is_syllable, normalize


def page(text: str, layer: str = "ocr") -> PageText:
    """A page whose words are its text's, each in a box of its own along one line."""
    words = [Word(w, 10.0 * i, 100.0, 10.0 * i + 8, 110.0, conf=90.0) for i, w in enumerate(text.split())]
    return PageText(1, text, words=words, layer=layer)


@pytest.mark.parametrize(
    ("read", "right"),
    [
        ("Số: 47/QĐĐ-VKS-P2", "Số: 47/QĐ-VKS-P2"),  # a doubled Đ in a code: the code is found again
        ("QUYẾT ĐĐỊNH", "QUYẾT ĐỊNH"),
        ("ứng dụng CNTTT vào", "ứng dụng CNTT vào"),
        ("ứng dụng CNÑTT vào", "ứng dụng CNTT vào"),  # Ñ, a letter no Vietnamese text has
        ("Tết Bính NNgọ", "Tết Bính Ngọ"),
    ],
)
def test_codes_read_with_a_doubled_or_foreign_letter(read, right):
    assert correct_text(read) == right


def test_icelandic_eth_reads_as_d_with_stroke():
    assert correct_text("Số: 12/Q\u00d0-VKS") == "Số: 12/QĐ-VKS"


def test_a_code_of_its_own_is_not_undoubled_into_another():
    assert correct_text("Thường trực: TTTU, VP ĐĐBQH và HĐND tỉnh") == "Thường trực: TTTU, VP ĐĐBQH và HĐND tỉnh"
    assert correct_text("TTHU") == "TTHU"  # capitals without a vowel are a code, never a syllable


@pytest.mark.parametrize(
    ("read", "right"),
    [("Sô: 12/QĐ-VKS", "Số: 12/QĐ-VKS"), ("SÔ 12", "SỐ 12"), ("Sồ:12/2024/HS-ST", "Số:12/2024/HS-ST")],
)
def test_so_label_before_a_number(read, right):
    assert correct_text(read) == right


def test_so_and_so_are_words_before_a_number_too():
    text = "việc số hóa hồ sơ 635 vụ, so 01 năm trước; Sổ 12 thụ lý"
    assert correct_text(text) == text


def test_impossible_tone_on_a_stop_coda():
    # no syllable ending in c, ch, p, t takes huyền: "viềc" is "việc", the one syllable of its letters nearest
    assert correct_text("giải quyết viềc này") == "giải quyết việc này"


def test_a_syllable_the_lexicon_lacks_is_no_misreading():
    # "cược" is not in hunspell-vi's list; its tone fits its ending, so it is no misreading of "cước"
    assert "cược" not in syllables()
    assert correct_text("số tiền đặt cược mỗi ván") == "số tiền đặt cược mỗi ván"
    assert correct_text("nguôn kinh phí, ĐƠN KHIEU NẠI") == "nguồn kinh phí, ĐƠN KHIẾU NẠI"  # tones lost


def test_loanwords_and_codes_are_not_made_syllables():
    text = "Cân điện tử mini, email, thứ hạng PCI của tỉnh"
    assert correct_text(text) == text


def test_equal_candidates_leave_the_token_as_read():
    assert correct_text("hoạc") == "hoạc"  # hoác or hoặc
    assert correct_text("quyềt") == "quyềt"  # quyết or quyệt, and no word beside it to choose


def test_the_word_beside_chooses_a_tone():
    assert correct_text("Viện kiếm sát nhần dần tỉnh") == "Viện kiểm sát nhân dân tỉnh"
    assert correct_text("THẤM PHÁN - CHỦ TỌA") == "THẨM PHÁN - CHỦ TỌA"
    assert correct_text("quyềt định") == "quyết định"


def test_a_syllable_making_a_word_as_read_stays():
    text = "trong quá trình tìm kiếm, nghiên cứu; tố giác, tin báo về tội phạm"
    assert correct_text(text) == text


def test_names_are_left_alone():
    # capitalised words beside capitalised words may be a name: not retoned, not made syllables
    text = "bị can Trấn Văn Cấm, trú tại Cấm Phả; Hạnphhú Oppo"
    assert correct_text(text) == text


def test_a_heading_of_names_is_not_read_with_the_next_line_or_column():
    # "CỘNG" with "TÔ" would make "tổ công"; across lines, or across the gap between the agency's name
    # and the Quốc hiệu side by side, the two are no word
    heading = "CÔNG AN HUYỆN CÔ TÔ\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert correct_text(heading) == heading
    below = [Word("CÔ", 10, 10, 30, 20), Word("TÔ", 32, 10, 50, 20), Word("CỘNG", 5, 25, 40, 35)]
    beside = [Word("CÔ", 10, 10, 30, 20), Word("TÔ", 32, 10, 50, 20), Word("CỘNG", 300, 10, 340, 20)]
    for words in (below, beside):
        assert [w.text for w in correct_page(PageText(1, "CÔ TÔ CỘNG", words=words)).words] == ["CÔ", "TÔ", "CỘNG"]
    near = [Word("THẤM", 10, 10, 40, 20), Word("PHÁN", 44, 10, 80, 20)]
    assert correct_page(PageText(1, "THẤM PHÁN", words=near)).text == "THẨM PHÁN"


def test_a_page_read_without_words_has_its_text_corrected():
    assert correct_page(PageText(1, "Viện kiếm sát")).text == "Viện kiểm sát"


def test_digits_are_never_changed():
    text = "Nghị quyết 2/2021/QHI15 ngày 31-12-2025, tháng6, 127 bản"
    assert correct_text(text) == text


def test_a_corrected_word_keeps_its_box():
    before = page("Viện kiếm sát nhân dân, Số: 81/QĐĐ-VKS-P2")
    after = correct_page(before)
    assert after.text == "Viện kiểm sát nhân dân, Số: 81/QĐ-VKS-P2"
    assert [w.text for w in after.words] == after.text.split()
    for old, new in zip(before.words, after.words, strict=True):
        assert (new.x0, new.top, new.x1, new.bottom, new.conf) == (old.x0, old.top, old.x1, old.bottom, old.conf)
    assert before.words[1].text == "kiếm"  # the page read is not changed in place


def test_words_are_corrected_in_each_others_context():
    # the pair decides across words; "báo" stays a word with "tin" before it, so "về" is not made "vệ"
    assert correct_words(["tin", "báo", "về", "tội", "phạm"]) == ["tin", "báo", "về", "tội", "phạm"]
    assert correct_words(["Viện", "kiếm", "sát,", "Sô:", "5"]) == ["Viện", "kiểm", "sát,", "Số:", "5"]


@pytest.mark.parametrize("layer", ["kept", "none"])
def test_a_page_tesseract_did_not_read_is_left_as_it_is(layer):
    kept = page("Viện kiếm sát 47/QĐĐ-VKS", layer=layer)
    assert correct_page(kept) is kept


def test_the_lexicon_holds_syllables_and_the_phrases_its_syllables():
    assert len(syllables()) > 6000
    assert all(is_syllable(s) and s == normalize(s) == s.lower() for s in syllables())
    assert {"kiểm", "sát", "nhân", "dân", "hòa"} <= syllables()  # classic tone placement, as normalize gives
    assert all(s in syllables() for pair in phrase_pairs() for s in pair)
    assert all(c[0].isupper() for c in codes())
    assert is_known("QĐ") and is_known("KIỂM") and not is_known("QĐĐ")


def test_ingest_files_the_pages_tesseract_read_corrected(consumer, monkeypatch):
    def read(job):  # what Tesseract read, without running it
        job.output_pdf.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(consumer.scan, job.output_pdf)
        future = Future()
        future.set_result(
            OcrResult(job.batch_id, job.output_pdf, [page("Số: 47/QĐĐ-VKS-P2 Viện kiếm sát")], ocr_pages=[1])
        )
        return future

    monkeypatch.setattr(consumer, "submit_ocr", read)
    consumer.process(consumer.ids)
    [stored] = consumer.catalog.batch_pages(sha256_file(consumer.scan))
    assert stored.text == "Số: 47/QĐ-VKS-P2 Viện kiểm sát"
    assert [w.text for w in stored.words] == ["Số:", "47/QĐ-VKS-P2", "Viện", "kiểm", "sát"]
