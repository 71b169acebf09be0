"""Metadata: số/ký hiệu, date, issuer, persons, crime, article; unreadable values go to review."""
from __future__ import annotations

import pytest

from pipeline.classify import classify
from pipeline.extract import MIN_OCR_CONFIDENCE, extract_metadata, normalize_number, parse_date
from pipeline.models import Classification, PageText, Person
from pipeline.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()
DECISION = """CÔNG AN TỈNH QUẢNG NINH
CƠ QUAN CẢNH SÁT ĐIỀU TRA
Số: 155/QĐ-CSĐT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hạ Long, ngày 18 tháng 5 năm 2024
QUYẾT ĐỊNH
Khởi tố bị can
Căn cứ Điều 179 Bộ luật Tố tụng hình sự;
Xét thấy có đủ căn cứ xác định bị can Nguyễn Thị Hải, Đoàn Hữu Giang đã thực
hiện hành vi phạm tội Trộm cắp tài sản;
QUYẾT ĐỊNH:
Điều 1. Khởi tố bị can đối với Nguyễn Thị Hải, Đoàn Hữu Giang về tội Trộm cắp
tài sản quy định tại khoản 1 Điều 173 Bộ luật Hình sự.
THỦ TRƯỞNG CƠ QUAN ĐIỀU TRA
Võ Thanh Linh"""
QD = Classification("qd_khoi_to_bi_can", 1.0, "QUYẾT ĐỊNH", "Khởi tố bị can")


def test_truth_text_numbers_and_dates_are_exact(truth):
    cases = {case["case_id"]: case for case in truth["cases"]}
    for batch in truth["batches"]:
        case = cases[batch["case_id"]]
        for doc in batch["documents"]:
            pages = [PageText(i + 1, text) for i, text in enumerate(doc["text"])]
            meta = extract_metadata(pages, classify(pages, TAXONOMY))
            assert (meta.number or "", meta.date) == (doc["number"], doc["date"])
            assert meta.review == []
            assert meta.issuer == (None if doc["type"].startswith("don_") else " ".join(doc["text"][0].split("\n")[:2]))
            names = {p.name for p in meta.persons}
            if doc["type"] in ("qd_khoi_to_bi_can", "ket_luan_dieu_tra", "cao_trang", "ban_an"):
                assert names == set(case["accused"])
            if doc["type"] == "bien_ban_loi_khai":
                assert meta.persons == [Person(case["victim"], "nguoi_bi_hai")]
            if doc["type"] in ("qd_khoi_to_vu_an", "ket_luan_dieu_tra", "cao_trang"):
                assert (meta.crime, meta.article) == (case["crime"], case["article"])


@pytest.mark.parametrize("raw, number", [
    ("155/QĐ-CSĐT", "155/QĐ-CSĐT"),
    ("54/2024/HS-ST", "54/2024/HS-ST"),
    ("389 / QĐÐ — CSĐT", "389/QĐ-CSĐT"),  # spaces, doubled bold Đ, em dash
    ("12/QÐ-VKSKV3.", "12/QĐ-VKSKV3"),  # Icelandic Ð
    ("7/qđ-đcsđt", "7/QĐ-ĐCSĐT"),
    ("l55/QĐ-CSĐT", None),  # an l for a 1 is not guessed
    ("204/2024/H S-ST", None),  # 'H' or 'HS-ST'?
    ("........./QĐ-CSĐT", None),  # left for a hand to fill in
])
def test_normalize_number(raw, number):
    assert normalize_number(raw) == number


@pytest.mark.parametrize("line, iso", [
    ("Hạ Long, ngày 18 tháng 5 năm 2024", "2024-05-18"),
    ("Quảng Yên, ngày 09 tháng 01 năm 2024", "2024-01-09"),
    ("Hà Nội, ngày 18/5/2024", "2024-05-18"),
    ("Hạ Long, ngay 18 thang 5 nam 2024", "2024-05-18"),
    ("Hạ Long, ngày 31 tháng 2 năm 2024", None),
    ("Hạ Long, ngày ..... tháng ..... năm 2024", None),
])
def test_parse_date(line, iso):
    assert parse_date(line) == iso


def test_decision():
    meta = extract_metadata([PageText(1, DECISION)], QD)
    assert (meta.number, meta.date) == ("155/QĐ-CSĐT", "2024-05-18")
    assert meta.issuer == "CÔNG AN TỈNH QUẢNG NINH CƠ QUAN CẢNH SÁT ĐIỀU TRA"
    assert meta.persons == [Person("Nguyễn Thị Hải", "bi_can"), Person("Đoàn Hữu Giang", "bi_can")]
    assert (meta.crime, meta.article) == ("Trộm cắp tài sản", 173)  # not Điều 179 of the Tố tụng code
    assert meta.review == []


def test_interleaved_ocr_text():
    text = DECISION.replace("CÔNG AN TỈNH QUẢNG NINH\nCƠ QUAN CẢNH SÁT ĐIỀU TRA\nSố: 155/QĐ-CSĐT\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nHạ Long,", "CÔNG AN TỈNH QUẢNG NINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nCƠ QUAN CẢNH SÁT ĐIỀU TRA Độc lập — Tự do — Hạnh phúc\nS6: 155 / QĐÐ-CSĐT Hạ Long,")
    meta = extract_metadata([PageText(1, text)], QD)
    assert (meta.number, meta.date, meta.issuer) == ("155/QĐ-CSĐT", "2024-05-18", "CÔNG AN TỈNH QUẢNG NINH CƠ QUAN CẢNH SÁT ĐIỀU TRA")


def test_low_ocr_confidence_leaves_fields_empty_for_review():
    low = MIN_OCR_CONFIDENCE - 1
    meta = extract_metadata([PageText(1, DECISION, confidence=low)], QD)
    assert (meta.number, meta.date, meta.issuer, meta.persons, meta.crime, meta.article) == (None, None, None, [], None, None)
    assert meta.review == ["number", "date", "issuer", "persons", "crime", "article"]
    # A good second page still gives what it states; the unsure first page's values go to review.
    second = PageText(2, "Đề nghị truy tố bị can Nguyễn Thị Hải về tội Trộm cắp tài sản theo Điều 173 Bộ luật Hình sự.", confidence=95)
    meta = extract_metadata([PageText(1, DECISION, confidence=low), second], QD)
    assert (meta.crime, meta.article, meta.persons) == ("Trộm cắp tài sản", 173, [Person("Nguyễn Thị Hải", "bi_can")])
    assert meta.review == ["number", "date", "issuer", "persons"]


def test_unreadable_number_and_date_go_to_review():
    text = DECISION.replace("155/QĐ-CSĐT", "l55/QĐ-CSĐT").replace("ngày 18 tháng 5", "ngày .... tháng ....")
    meta = extract_metadata([PageText(1, text)], QD)
    assert (meta.number, meta.date, meta.review) == (None, None, ["number", "date"])


def test_a_missed_date_line_under_the_quoc_hieu_goes_to_review():
    meta = extract_metadata([PageText(1, DECISION.replace("Hạ Long, ngày 18 tháng 5 năm 2024", "Hạ Long, ngàv"))], QD)
    assert meta.date is None and "date" in meta.review


def test_ocr_variants_of_a_name_in_a_tie_go_to_review():
    text = "Xét xử bị cáo Đỉnh Văn Việt về tội Cướp tài sản.\nTuyên bố bị cáo Đinh Văn Việt phạm tội Cướp tài sản."
    meta = extract_metadata([PageText(1, text)], Classification("ban_an", 1.0, "BẢN ÁN"))
    assert meta.persons == [] and meta.review == ["persons"]
    text += "\nBuộc bị cáo Đinh Văn Việt chịu án phí."
    meta = extract_metadata([PageText(1, text)], Classification("ban_an", 1.0, "BẢN ÁN"))
    assert meta.persons == [Person("Đinh Văn Việt", "bi_cao")] and meta.review == []


def test_petition_and_victim():
    text = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hải Hà, ngày 28 tháng 5 năm 2024
ĐƠN TỐ CÁO
Kính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ninh.
Tôi tên là Lương Thị Bình, trú tại phường Trưng Vương. Tôi là người bị hại Lương Thị Bình.
Tôi tố cáo hành vi của bị can Bùi Công Vân về tội “Cố ý gây thương tích”.
NGƯỜI LÀM ĐƠN
Lương Thị Bình"""
    meta = extract_metadata([PageText(1, text)], Classification("don_to_cao", 1.0, "ĐƠN TỐ CÁO"))
    assert meta.persons == [Person("Lương Thị Bình", "nguoi_bi_hai"), Person("Bùi Công Vân", "bi_can"),
                            Person("Lương Thị Bình", "nguoi_lam_don")]
    assert (meta.number, meta.date, meta.issuer, meta.crime) == (None, "2024-05-28", None, "Cố ý gây thương tích")
    # "Tôi tên là" names a petitioner only in a petition.
    statement = extract_metadata([PageText(1, text)], Classification("bien_ban_loi_khai", 1.0, "BIÊN BẢN GHI LỜI KHAI"))
    assert all(p.role != "nguoi_lam_don" for p in statement.persons)


def test_prose_is_not_a_crime_or_a_person():
    text = ("công tác kiểm sát việc giải quyết tố giác, tin báo về tội phạm và kiến nghị khởi tố;\n"
            "Xét Quyết định khởi tố bị can của Cơ quan Cảnh sát điều tra là có căn cứ.\nTôi Lê Văn Tám xin trình bày.")
    meta = extract_metadata([PageText(1, text)], QD)
    assert (meta.crime, meta.article, meta.persons, meta.review) == (None, None, [], [])


def test_crime_name_with_words_that_look_like_a_sentence_end():
    text = "truy tố bị can Đinh Văn Việt về tội Vi phạm quy định về tham gia giao thông đường\nbộ theo Điều 260 của Bộ luật Hình sự."
    meta = extract_metadata([PageText(1, text)], QD)
    assert (meta.crime, meta.article) == ("Vi phạm quy định về tham gia giao thông đường bộ", 260)
