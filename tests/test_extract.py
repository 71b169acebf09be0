"""Metadata: số/ký hiệu, date, issuer, persons, crime, article; unreadable values go to review."""

from __future__ import annotations

import pytest

from pipeline.models import Classification, PageText, Person
from pipeline.stages.classify import classify
from pipeline.stages.extract import MIN_OCR_CONFIDENCE, extract_metadata, read_date
from pipeline.taxonomy import load_taxonomy
from test_header import REAL_ROWS, boxed, laid_out

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
            layouts = laid_out([PageText(i + 1, text) for i, text in enumerate(doc["text"])])
            meta = extract_metadata(layouts, classify(layouts, TAXONOMY))
            assert (meta.number or "", meta.date) == (doc["number"], doc["date"])
            assert meta.review == []
            parent, unit = doc["text"][0].split("\n")[:2]
            joint = " " if unit.startswith("TỈNH") else " / "  # a place continues the name; a unit is set off
            assert meta.issuer == (None if doc["type"].startswith("don_") else parent + joint + unit)
            names = {p.name for p in meta.persons}
            if doc["type"] in ("qd_khoi_to_bi_can", "ket_luan_dieu_tra", "cao_trang", "ban_an"):
                assert names == set(case["accused"])
            if doc["type"] == "bien_ban_loi_khai":
                assert meta.persons == [Person(case["victim"], "nguoi_bi_hai")]
            if doc["type"] in ("qd_khoi_to_vu_an", "ket_luan_dieu_tra", "cao_trang"):
                assert (meta.crime, meta.article) == (case["crime"], case["article"])


@pytest.mark.parametrize(
    "raw, number",
    [
        ("155/QĐ-CSĐT", "155/QĐ-CSĐT"),
        ("54/2024/HS-ST", "54/2024/HS-ST"),
        ("389 / QĐÐ — CSĐT", "389/QĐ-CSĐT"),  # spaces, doubled bold Đ, em dash
        ("12/QÐ-VKSKV3.", "12/QĐ-VKSKV3"),  # Icelandic Ð
        ("7/qđ-đcsđt", "7/QĐ-ĐCSĐT"),
        ("l55/QĐ-CSĐT", None),  # an l for a 1 is not guessed
        ("204/2024/H S-ST", None),  # 'H' or 'HS-ST'?
        ("........./QĐ-CSĐT", None),  # left for a hand to fill in
    ],
)
def test_split_number_gives_the_whole_number(raw, number):
    parts = split_number(raw)
    assert (parts.number if parts else None) == number


@pytest.mark.parametrize(
    "line, iso",
    [
        ("Hạ Long, ngày 18 tháng 5 năm 2024", "2024-05-18"),
        ("Quảng Yên, ngày 09 tháng 01 năm 2024", "2024-01-09"),
        ("Hà Nội, ngày 18/5/2024", "2024-05-18"),
        ("Hạ Long, ngay 18 thang 5 nam 2024", "2024-05-18"),
        ("Hạ Long, ngày 31 tháng 2 năm 2024", None),
        ("Hạ Long, ngày ..... tháng ..... năm 2024", None),
    ],
)
def test_read_date(line, iso):
    assert read_date(line).iso == iso


def test_decision():
    meta = extract_metadata(laid_out([PageText(1, DECISION)]), QD)
    assert (meta.number, meta.date) == ("155/QĐ-CSĐT", "2024-05-18")
    assert meta.issuer == "CÔNG AN TỈNH QUẢNG NINH / CƠ QUAN CẢNH SÁT ĐIỀU TRA"
    assert (meta.symbol, meta.month) == ("QĐ-CSĐT", "2024-05")
    assert meta.persons == [Person("Nguyễn Thị Hải", "bi_can"), Person("Đoàn Hữu Giang", "bi_can")]
    assert (meta.crime, meta.article) == ("Trộm cắp tài sản", 173)  # not Điều 179 of the Tố tụng code
    assert meta.review == []


def test_interleaved_ocr_text():
    text = DECISION.replace(
        "CÔNG AN TỈNH QUẢNG NINH\nCƠ QUAN CẢNH SÁT ĐIỀU TRA\nSố: 155/QĐ-CSĐT\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nHạ Long,",
        "CÔNG AN TỈNH QUẢNG NINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nCƠ QUAN CẢNH SÁT ĐIỀU TRA Độc lập — Tự do — Hạnh phúc\nS6: 155 / QĐÐ-CSĐT Hạ Long,",
    )
    meta = extract_metadata(laid_out([PageText(1, text)]), QD)
    assert (meta.number, meta.date, meta.issuer) == (
        "155/QĐ-CSĐT",
        "2024-05-18",
        "CÔNG AN TỈNH QUẢNG NINH / CƠ QUAN CẢNH SÁT ĐIỀU TRA",
    )


def test_low_ocr_confidence_leaves_fields_empty_for_review():
    low = MIN_OCR_CONFIDENCE - 1
    meta = extract_metadata(laid_out([PageText(1, DECISION, confidence=low)]), QD)
    assert (meta.number, meta.date, meta.issuer, meta.persons, meta.crime, meta.article) == (
        None,
        None,
        None,
        [],
        None,
        None,
    )
    assert meta.review == ["number", "date", "issuer", "persons", "crime", "article"]
    # A good second page still gives what it states; the unsure first page's values go to review.
    second = PageText(
        2, "Đề nghị truy tố bị can Nguyễn Thị Hải về tội Trộm cắp tài sản theo Điều 173 Bộ luật Hình sự.", confidence=95
    )
    meta = extract_metadata(laid_out([PageText(1, DECISION, confidence=low), second]), QD)
    assert (meta.crime, meta.article, meta.persons) == ("Trộm cắp tài sản", 173, [Person("Nguyễn Thị Hải", "bi_can")])
    assert meta.review == ["number", "date", "issuer", "persons"]


def test_unreadable_number_and_date_go_to_review():
    text = DECISION.replace("155/QĐ-CSĐT", "l55/QĐ-CSĐT").replace("ngày 18 tháng 5", "ngày .... tháng ....")
    meta = extract_metadata(laid_out([PageText(1, text)]), QD)
    assert (meta.number, meta.date, meta.review) == (None, None, ["number", "date"])


def test_a_missed_date_line_under_the_quoc_hieu_goes_to_review():
    meta = extract_metadata(
        laid_out([PageText(1, DECISION.replace("Hạ Long, ngày 18 tháng 5 năm 2024", "Hạ Long, ngàv"))]), QD
    )
    assert meta.date is None and "date" in meta.review


def test_ocr_variants_of_a_name_in_a_tie_go_to_review():
    text = "Xét xử bị cáo Đỉnh Văn Việt về tội Cướp tài sản.\nTuyên bố bị cáo Đinh Văn Việt phạm tội Cướp tài sản."
    meta = extract_metadata(laid_out([PageText(1, text)]), Classification("ban_an", 1.0, "BẢN ÁN"))
    assert meta.persons == [] and meta.review == ["persons"]
    text += "\nBuộc bị cáo Đinh Văn Việt chịu án phí."
    meta = extract_metadata(laid_out([PageText(1, text)]), Classification("ban_an", 1.0, "BẢN ÁN"))
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
    meta = extract_metadata(laid_out([PageText(1, text)]), Classification("don_to_cao", 1.0, "ĐƠN TỐ CÁO"))
    assert meta.persons == [
        Person("Lương Thị Bình", "nguoi_bi_hai"),
        Person("Bùi Công Vân", "bi_can"),
        Person("Lương Thị Bình", "nguoi_lam_don"),
    ]
    assert (meta.number, meta.date, meta.issuer, meta.crime) == (None, "2024-05-28", None, "Cố ý gây thương tích")
    # "Tôi tên là" names a petitioner only in a petition.
    statement = extract_metadata(
        laid_out([PageText(1, text)]), Classification("bien_ban_loi_khai", 1.0, "BIÊN BẢN GHI LỜI KHAI")
    )
    assert all(p.role != "nguoi_lam_don" for p in statement.persons)


def test_prose_is_not_a_crime_or_a_person():
    text = (
        "công tác kiểm sát việc giải quyết tố giác, tin báo về tội phạm và kiến nghị khởi tố;\n"
        "Xét Quyết định khởi tố bị can của Cơ quan Cảnh sát điều tra là có căn cứ.\nTôi Lê Văn Tám xin trình bày."
    )
    meta = extract_metadata(laid_out([PageText(1, text)]), QD)
    assert (meta.crime, meta.article, meta.persons, meta.review) == (None, None, [], [])


def test_crime_name_with_words_that_look_like_a_sentence_end():
    text = "truy tố bị can Đinh Văn Việt về tội Vi phạm quy định về tham gia giao thông đường\nbộ theo Điều 260 của Bộ luật Hình sự."
    meta = extract_metadata(laid_out([PageText(1, text)]), QD)
    assert (meta.crime, meta.article) == ("Vi phạm quy định về tham gia giao thông đường bộ", 260)


# --- real papers: pen-filled number and day, stamps, citations, issuers ---------------------
# Word confidences as Tesseract 5 `vie` gives them on real scans (see pipeline/stages/extract.py).


from pipeline.models import ESignature, Stamp  # noqa: E402
from pipeline.stages.extract import MIN_WORD_CONFIDENCE  # noqa: E402
from pipeline.stages.layout import split_number  # noqa: E402

CHI_THI = Classification("chi_thi", 1.0, "CHỈ THỊ")


def real(rows: list, **extra) -> list[PageText]:
    return [PageText(1, "", words=boxed(rows), confidence=93.0, **extra)]


def with_row(top: float, chunks: list) -> list:
    """REAL_ROWS with the row at `top` replaced."""
    return [row if row[0] != top else (top, chunks) for row in REAL_ROWS]


def test_a_pen_number_read_unsurely_is_left_for_review_and_the_printed_parts_are_kept():
    meta = extract_metadata(laid_out(real(REAL_ROWS)), CHI_THI)  # "44" read at 90 for a pen "11"; the day as junk
    assert (meta.number, meta.symbol) == (None, "CT-UBND")
    assert (meta.date, meta.month) == (None, "2024-09")
    assert meta.review == ["number", "date"]
    assert meta.issuer == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"


def test_a_printed_number_and_day_are_stored():
    rows = with_row(103, [(105, "Số:", 96), (130, "04/CT-UBND", 62), (277, "Quảng Ngãi, ngày 15 tháng 3 năm 2024", 96)])
    meta = extract_metadata(laid_out(real(rows)), CHI_THI)
    assert (meta.number, meta.symbol, meta.date, meta.month, meta.review) == (
        "04/CT-UBND",
        "CT-UBND",
        "2024-03-15",
        "2024-03",
        [],
    )


def test_a_pen_day_read_as_digits_without_confidence_is_not_a_date():
    rows = with_row(
        103,
        [
            (105, "Số:", 96),
            (130, "04/CT-UBND", 92),
            (277, "Quảng Ngãi, ngày", 95),
            (380, "18", MIN_WORD_CONFIDENCE - 20),
            (405, "tháng 9 năm 2024", 96),
        ],
    )
    meta = extract_metadata(laid_out(real(rows)), CHI_THI)
    assert (meta.number, meta.date, meta.month, meta.review) == ("04/CT-UBND", None, "2024-09", ["date"])
    sure = with_row(103, [(105, "Số:", 96), (130, "04/CT-UBND", 92), (277, "Quảng Ngãi, ngày 18 tháng 9 năm 2024", 96)])
    assert extract_metadata(laid_out(real(sure)), CHI_THI).date == "2024-09-18"


def test_digits_standing_apart_from_the_symbol_need_confidence():
    # A blank left for a pen: the digits are a word of their own.
    for conf, number in ((97, "11/CT-UBND"), (90, None)):
        rows = with_row(
            103,
            [
                (105, "Số:", 96),
                (140, "11", conf),
                (165, "/CT-UBND", 91),
                (277, "Quảng Ngãi, ngày 11 tháng 9 năm 2024", 96),
            ],
        )
        assert extract_metadata(laid_out(real(rows)), CHI_THI).number == number


def test_register_stamp_text_near_the_header_is_not_the_number_or_the_date():
    stamp_rows = [
        (122, [(40, "CV ĐẾN Số 2352, 21.3.18", 80)]),
        (134, [(40, "ĐẾN Số: 164", 80)]),
        (146, [(40, "Ngày: 20/1/2024", 80)]),
    ]
    unread = with_row(
        103, [(105, "Số:", 96), (140, "đ#", 0), (165, "/CT-UBND", 80), (277, "Quảng Ngãi, ngàyà tháng 9 năm 2024", 60)]
    )
    rows = sorted(unread + stamp_rows, key=lambda row: row[0])
    meta = extract_metadata(laid_out(real(rows)), CHI_THI)  # the stamp was not found: its words are on the page
    assert (meta.number, meta.date, meta.symbol) == (None, None, "CT-UBND")
    assert meta.received is None and meta.issuer == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    # Found by the stamp reader: its words are left out, what it says is the received number and date.
    stamp = Stamp("received", "ĐẾN Số: 164\nNgày: 20/1/2024", "164", "2024-01-20", box=(35, 118, 200, 160))
    meta = extract_metadata(laid_out(real(rows, stamps=[stamp])), CHI_THI)
    assert (meta.number, meta.date, meta.received) == (None, None, {"number": "164", "date": "2024-01-20"})


def test_a_stamp_set_over_the_quoc_hieu_leaves_the_header_its_own():
    # dev-real 8001_1 p8: a register stamp over "NGHĨA VIỆT NAM" and "Hạnh phúc". Its own words are
    # left out; the Quốc hiệu and the tiêu ngữ under it are the page's, and find its header.
    rows = with_row(103, [(105, "Số:", 96), (130, "04/CT-UBND", 92), (277, "Quảng Ngãi, ngày 15 tháng 3 năm 2024", 96)])
    rows = sorted(rows + [(35, [(370, "VIỆN KIỂM SÁT", 90)]), (47, [(380, "1945", 60)])], key=lambda row: row[0])
    stamp = Stamp("received", "VIỆN KIỂM SÁT\nSố: 1945", "1945", None, box=(362, 30, 470, 92))
    meta = extract_metadata(laid_out(real(rows, stamps=[stamp])), CHI_THI)
    assert (meta.number, meta.date, meta.issuer) == ("04/CT-UBND", "2024-03-15", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI")
    assert meta.received == {"number": "1945", "date": None}


def test_a_stamp_date_line_alone_is_no_date_line():
    # The printed date line did not read at all; a stamp's "Ngày: 20/1/2024" in the right column is not it.
    rows = with_row(103, [(105, "Số:", 96), (130, "04/CT-UBND", 92), (300, "Ngày: 20/1/2024", 80)])
    meta = extract_metadata(laid_out(real(rows)), CHI_THI)
    assert meta.date is None and meta.month is None and "date" in meta.review


def test_citations_in_the_body_are_not_the_number_or_the_date():
    rows = with_row(
        103,
        [
            (105, "Số:", 96),
            (140, "‡6", 38),
            (165, "/CT-UBND", 51),
            (277, "Quảng Ngãi, ngày", 95),
            (380, "Â4‡", 0),
            (405, "tháng 12 năm 2021", 96),
        ],
    )
    rows += [
        (230, [(90, "Căn cứ Nghị định số 88/CP ngày 12 tháng 3 năm 2020 của Chính phủ;", 96)]),
        (245, [(90, "Số 15/2024/QĐ-UBND ngày 3/4/2024 của Ủy ban nhân dân tỉnh về việc giao đất,", 96)]),
    ]
    meta = extract_metadata(laid_out(real(rows)), CHI_THI)
    assert (meta.number, meta.symbol, meta.date, meta.month) == (None, "CT-UBND", None, "2021-12")


def test_esignature_times_are_facts_never_the_date():
    signed = ESignature("Ủy ban nhân dân tỉnh Quảng Ngãi", "2025-01-19T10:13:06")
    rows = [
        (20, [(480, "Ký bởi: Ủy ban nhân dân tỉnh Quảng Ngãi", 90)]),
        (32, [(480, "Thời gian ký: 19/01/2025 10:13:06", 90)]),
    ] + REAL_ROWS
    pages = [
        PageText(1, "", words=boxed(rows), confidence=93.0, esignatures=[signed]),
        PageText(2, "các sở, ban, ngành thực hiện.", confidence=95.0, esignatures=[signed]),
    ]
    meta = extract_metadata(laid_out(pages), CHI_THI)
    assert (meta.date, meta.month, meta.esignatures) == (None, "2024-09", [signed])


def test_two_line_issuers():
    office = [
        (60, [(136, "HĐND TỈNH HƯNG YÊN", 93), (270, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 96)]),
        (75, [(136, "VĂN PHÒNG", 95), (319, "Độc lập - Tự do - Hạnh phúc", 95)]),
    ] + REAL_ROWS[2:]
    assert extract_metadata(laid_out(real(office)), CHI_THI).issuer == "HĐND TỈNH HƯNG YÊN / VĂN PHÒNG"
    assert extract_metadata(laid_out(real(REAL_ROWS)), CHI_THI).issuer == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"


def test_junk_and_stamp_specks_are_no_issuer():
    rows = [
        (60, [(100, "” ỦY BAN NHÂN DÂN __", 96), (255, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 96)]),
        (75, [(100, "TỈNH QUẢNG NGÃI", 92), (305, "Độc lập - Tự do - Hạnh phúc", 95)]),
        (88, [(85, "& TÌN Học 0.", 30)]),
        (95, [(90, "ĐÀ ẠN ƯỢ", 20)]),
    ] + REAL_ROWS[2:]
    assert extract_metadata(laid_out(real(rows)), CHI_THI).issuer == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"


def test_secrecy_mark_printed_under_the_number_or_stamped():
    rows = REAL_ROWS[:3] + [(118, [(130, "MẬT", 90)])] + REAL_ROWS[3:]
    assert extract_metadata(laid_out(real(rows)), CHI_THI).classification_mark == "MẬT"
    stamped = Stamp("classification", "TỐI MẬT", mark="TỐI MẬT", box=(120, 114, 170, 132))
    meta = extract_metadata(laid_out(real(REAL_ROWS, stamps=[stamped])), CHI_THI)
    assert meta.classification_mark == "TỐI MẬT"


def test_a_kept_text_layer_is_trusted_even_letter_spaced():
    # A born-digital paper whose e-office form typed the number and day in its own, spaced font.
    rows = with_row(103, [(105, "Số: 5 6 5 /TB-UBND"), (277, "Quảng Ngãi, ngày 1 5 tháng 11 năm 2024")])
    page = PageText(1, "", words=boxed(rows), confidence=None, layer="kept")
    meta = extract_metadata(laid_out([page]), Classification("thong_bao", 1.0, "THÔNG BÁO"))
    assert (meta.number, meta.date, meta.review) == ("565/TB-UBND", "2024-11-15", [])


def test_a_type_code_one_letter_off_the_titles_is_a_misreading():
    rows = with_row(
        103,
        [
            (105, "Số:", 96),
            (140, "#39", 33),
            (165, "/TIr-UBND", 33),
            (277, "Quảng Ngãi, ngày 20 tháng 12 năm 2024", 96),
        ],
    )
    meta = extract_metadata(laid_out(real(rows)), Classification("to_trinh", 1.0, "TỜ TRÌNH"))
    assert (meta.number, meta.symbol, meta.review) == (None, None, ["number"])
    right = with_row(
        103, [(105, "Số:", 96), (130, "239/TTr-UBND", 70), (277, "Quảng Ngãi, ngày 20 tháng 12 năm 2024", 96)]
    )
    meta = extract_metadata(laid_out(real(right)), Classification("to_trinh", 1.0, "TỜ TRÌNH"))
    assert (meta.number, meta.symbol) == ("239/TTr-UBND", "TTr-UBND")


@pytest.mark.parametrize(
    "raw, parts",
    [
        ("54/2024/HS-ST", ("54", "2024", "HS-ST")),
        ("0+ /CT-UBND", (None, None, "CT-UBND")),
        ("/2025/NQ-HĐND", (None, "2025", "NQ-HĐND")),
        ("z//KH-VP", (None, None, "KH-VP")),
        ("†+/UBND-KTTH $", (None, None, "UBND-KTTH")),
        ("84 /TTr -UBND", ("84", None, "TTr-UBND")),
        ("4† /QĐĐ-UBND", (None, None, "QĐ-UBND")),
        ("204/2024/H S-ST", None),
    ],
)
def test_split_number(raw, parts):
    found = split_number(raw)
    assert (found.digits, found.year, found.symbol) == parts if parts else found is None


@pytest.mark.parametrize("date_line", ["Quảng Ngãi, ngà3y tháng 9 năm 2024", "Quảng Ngãi, ngày Â4t‡h áng 9 năm 2024"])
def test_a_pen_over_the_word_ngay_leaves_the_printed_month(date_line):
    rows = with_row(103, [(105, "Số:", 96), (140, "44", 90), (165, "/CT-UBND", 91), (277, date_line, 95)])
    meta = extract_metadata(laid_out(real(rows)), CHI_THI)
    assert (meta.date, meta.month) == (None, "2024-09")
    assert "date" in meta.review


def test_issuer_words_run_together_are_parted_or_left_for_review():
    def issuer_of(first: str, second: str) -> tuple[str | None, list[str]]:
        rows = [
            (60, [(100, first, 96), (255, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 96)]),
            (75, [(100, second, 92), (305, "Độc lập - Tự do - Hạnh phúc", 95)]),
        ] + REAL_ROWS[2:]
        meta = extract_metadata(laid_out(real(rows)), CHI_THI)
        return meta.issuer, meta.review

    assert issuer_of("ỦY BANNHÂN DÂN", "TỈNH QUẢNG NGÃI")[0] == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"  # one cut only
    assert issuer_of("VIỆN KIỂM SÁT NHÂN DÂN", "KHU VỰC 3")[0] == "VIỆN KIỂM SÁT NHÂN DÂN KHU VỰC 3"
    name, review = issuer_of("HĐND TỈNH HƯNGYÊN", "VĂN PHÒNG")  # HƯ|NGYÊN, HƯN|GYÊN, HƯNG|YÊN: which?
    assert name is None and "issuer" in review


def test_a_register_stamp_read_without_its_handwriting_is_listed_for_review():
    seen = Stamp("received", "ĐẾN Số: ...", box=(60, 110, 200, 160))
    meta = extract_metadata(laid_out(real(REAL_ROWS, stamps=[seen])), CHI_THI)
    assert meta.received == {"number": None, "date": None} and "received" in meta.review
    read = Stamp("received", "ĐẾN Số: 1945", number="1945", date="2024-08-30", box=(60, 110, 200, 160))
    meta = extract_metadata(laid_out(real(REAL_ROWS, stamps=[read])), CHI_THI)
    assert meta.received == {"number": "1945", "date": "2024-08-30"} and "received" not in meta.review


@pytest.mark.parametrize("line,symbol", [("_§ố: Ô# /CT-UBND", "CT-UBND"), ("Só:z//'KH-VP", "KH-VP")])
def test_specks_around_the_number_label_and_slash_leave_the_printed_symbol(line, symbol):
    rows = with_row(103, [(105, line, 80), (277, "Quảng Ngãi, ngày 15 tháng 3 năm 2024", 95)])
    meta = extract_metadata(laid_out(real(rows)), CHI_THI)
    assert (meta.number, meta.symbol) == (None, symbol) and "number" in meta.review


def test_a_mat_box_grazing_the_number_line_leaves_the_number():
    rows = with_row(103, [(105, "Số:", 96), (130, "04/CT-UBND", 92), (277, "Quảng Ngãi, ngày 15 tháng 3 năm 2024", 96)])
    rows = rows[:3] + [(125, [(140, "TỐI MẬT", 90)])] + rows[3:]
    grazing = Stamp("classification", "TỐI MẬT", mark="TỐI MẬT", box=(125, 108, 200, 140))  # 6 of 11 pt of the number
    meta = extract_metadata(laid_out(real(rows, stamps=[grazing])), CHI_THI)
    assert (meta.number, meta.classification_mark) == ("04/CT-UBND", "TỐI MẬT")


def test_an_unsure_printed_month_stands_when_the_e_signature_was_made_then():
    rows = with_row(
        103,
        [
            (105, "Số:", 96),
            (140, "44", 90),
            (165, "/CT-UBND", 91),
            (277, "Quảng Ngãi, ngày", 95),
            (380, "/1}", 25),
            (405, "tháng", 96),
            (440, "01", 81),
            (455, "năm 2025", 96),
        ],
    )
    alone = extract_metadata(laid_out(real(rows)), CHI_THI)
    assert alone.month is None  # 81 is too little for a printed month on its own
    signed = [ESignature("Ủy ban nhân dân tỉnh Quảng Ngãi", "2025-02-03T08:41:42")]
    assert extract_metadata(laid_out(real(rows, esignatures=signed)), CHI_THI).month == "2025-01"
    later = [ESignature("Ủy ban nhân dân tỉnh Quảng Ngãi", "2025-04-03T08:41:42")]  # no evidence for January
    assert extract_metadata(laid_out(real(rows, esignatures=later)), CHI_THI).month is None
