"""Document boundaries in a batch: layout cues, continuation cues, separator sheets, blank pages."""

from __future__ import annotations

import io

import segno
from PIL import Image

from pipeline.models import PageText
from pipeline.stages.barcodes import decode_barcodes
from pipeline.stages.split import split_batch
from pipeline.taxonomy import load_taxonomy
from test_header import laid_out

TAXONOMY = load_taxonomy()
HEADER = """CÔNG AN TỈNH QUẢNG NINH
CƠ QUAN CẢNH SÁT ĐIỀU TRA
Số: {number}
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hạ Long, ngày 18 tháng 5 năm 2024
"""
DECISION = (
    HEADER.format(number="14/QĐ-CSĐT")
    + "QUYẾT ĐỊNH\nKhởi tố bị can\nCăn cứ Điều 179 Bộ luật Tố tụng hình sự;\nXét thấy"
)
ORDER = HEADER.format(number="20/LTG-CSĐT") + "LỆNH TẠM GIAM\nCăn cứ Điều 119 Bộ luật Tố tụng hình sự;"
SIGNED = "Điều 2. Yêu cầu Cơ quan Cảnh sát điều tra tiến hành điều tra.\nTHỦ TRƯỞNG CƠ QUAN ĐIỀU TRA\nVõ Thanh Linh"
PETITION = (
    "ĐƠN ĐỀ NGHỊ\nKính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ninh.\nTôi tên là Lê Văn Tám, trú tại phường Hà Tu."
)


def pages(*texts: str, **extra) -> list[PageText]:
    return [PageText(n, text, **extra) for n, text in enumerate(texts, 1)]


def bounds(segments) -> list[list[int]]:
    return [segment.pages for segment in segments]


def test_truth_batches_split_exactly(truth):
    for batch in truth["batches"]:
        batch_pages = [
            PageText(doc["pages"][0] + i, text) for doc in batch["documents"] for i, text in enumerate(doc["text"])
        ]
        segments = split_batch(laid_out(batch_pages), TAXONOMY)
        assert [[s.pages[0], s.pages[-1]] for s in segments] == [doc["pages"] for doc in batch["documents"]]
        assert not any(s.continues_previous for s in segments) and all(s.case_id is None for s in segments)


def test_a_document_split_across_two_scan_files(truth):
    doc = next(d for b in truth["batches"] for d in b["documents"] if len(d["text"]) >= 3)
    rest = split_batch(laid_out(pages(*doc["text"][1:], DECISION)), TAXONOMY)
    assert bounds(rest) == [list(range(1, len(doc["text"]))), [len(doc["text"])]]
    assert [s.continues_previous for s in rest] == [True, False]


def test_continuation_cues():
    assert bounds(
        split_batch(laid_out(pages(DECISION, "hiện hành vi phạm tội Trộm cắp tài sản;\n" + SIGNED)), TAXONOMY)
    ) == [[1, 2]]
    assert bounds(split_batch(laid_out(pages(DECISION, "2. Giao cho Đội điều tra tổng hợp thi hành.")), TAXONOMY)) == [
        [1, 2]
    ]
    assert bounds(split_batch(laid_out(pages(DECISION, "b) Tạm giữ tang vật;\nc) Báo cáo kết quả.")), TAXONOMY)) == [
        [1, 2]
    ]
    # A section heading in capitals further down the list is no title, though it names a type.
    section = "III. KẾT LUẬN GIÁM ĐỊNH\nTheo kết luận giám định, thương tích của bị hại là 12%."
    assert bounds(split_batch(laid_out(pages(DECISION, section)), TAXONOMY)) == [[1, 2]]
    assert bounds(split_batch(laid_out(pages(DECISION, section.removeprefix("III. "))), TAXONOMY)) == [[1], [2]]
    # Nghị định 30 numbers the pages after the first, centred at the top.
    numbered = "- 2 -\nTHÔNG BÁO\nkết quả giám định đã được gửi cho bị can theo quy định."
    assert bounds(split_batch(laid_out(pages(DECISION, numbered)), TAXONOMY)) == [[1, 2]]
    # A page opening with the signature block closes the document it follows.
    assert bounds(
        split_batch(laid_out(pages(DECISION, "THỦ TRƯỞNG CƠ QUAN ĐIỀU TRA\nVõ Thanh Linh", ORDER)), TAXONOMY)
    ) == [[1, 2], [3]]
    # Several signers: a page of signatures after a signed page is still the same record.
    statement = "BIÊN BẢN GHI LỜI KHAI\nHồi 08 giờ 30 phút, tại trụ sở Công an.\nNGƯỜI KHAI\nVõ Thu Thắng"
    assert bounds(split_batch(laid_out(pages(statement, "ĐIỀU TRA VIÊN\nDương Ngọc Nga")), TAXONOMY)) == [[1, 2]]


def test_title_or_petition_opening_without_a_header():
    report = "BIÊN BẢN GHI LỜI KHAI\nHồi 08 giờ 30 phút, tại trụ sở Công an, Điều tra viên tiến hành ghi lời khai."
    assert bounds(split_batch(laid_out(pages(DECISION, report, PETITION)), TAXONOMY)) == [[1], [2], [3]]
    letter = "Kính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ninh\nTôi là Lê Văn Tám, xin trình bày như sau:"
    assert bounds(split_batch(laid_out(pages(DECISION, letter)), TAXONOMY)) == [[1], [2]]


def test_an_unknown_title_after_a_signed_page_opens_a_document():
    unknown = "GIẤY CHỨNG NHẬN\nChứng nhận ông Lê Văn Tám đã nộp tiền bảo lãnh."
    assert bounds(split_batch(laid_out(pages(DECISION + "\n" + SIGNED, unknown)), TAXONOMY)) == [[1], [2]]
    assert bounds(split_batch(laid_out(pages(DECISION, unknown)), TAXONOMY)) == [[1, 2]]  # not signed: an annex


def test_blank_pages_are_dropped_and_do_not_break_a_document():
    blank = PageText(2, "", blank=True)
    speckle = PageText(3, ". ' ~ ,, i")
    batch = [
        PageText(1, DECISION),
        blank,
        speckle,
        PageText(4, "hiện hành vi phạm tội;\n" + SIGNED),
        PageText(5, ORDER),
    ]
    segments = split_batch(laid_out(batch), TAXONOMY)
    assert bounds(segments) == [[1, 4], [5]]
    assert split_batch(laid_out([PageText(1, "", blank=True)]), TAXONOMY) == []


def test_separator_sheets():
    batch = [
        PageText(1, "", barcodes=["HOSO:CASE=2024-HS-0123"]),
        PageText(2, DECISION),
        PageText(3, "", barcodes=["HOSO:SEP"]),
        PageText(4, "hiện hành vi phạm tội;"),  # looks like a continuation, but the sheet says otherwise
        PageText(5, ORDER),
        PageText(6, "Tờ phân cách hồ sơ\nHOSO:CASE=2024-HS-0456"),  # code unreadable, printed text read
        PageText(7, PETITION),
    ]
    segments = split_batch(laid_out(batch), TAXONOMY)
    assert bounds(segments) == [[2], [4], [5], [7]]
    assert [s.case_id for s in segments] == ["2024-HS-0123", "2024-HS-0123", "2024-HS-0123", "2024-HS-0456"]
    assert not any(s.continues_previous for s in segments)
    assert [s.case_id for s in split_batch(laid_out(pages(DECISION, ORDER)), TAXONOMY)] == [None, None]


def test_separator_sheet_barcode_is_decoded():
    buffer = io.BytesIO()
    segno.make("HOSO:CASE=2024-HS-0123", error="m").save(buffer, kind="png", scale=4, border=4)
    code = Image.open(io.BytesIO(buffer.getvalue()))
    sheet = Image.new("1", (595, 842), 1)  # a bilevel A4 page at 72 dpi, as the OCR stage looks at it
    sheet.paste(code.rotate(90, expand=True), (200, 300))
    codes = decode_barcodes(sheet)
    assert codes == ["HOSO:CASE=2024-HS-0123"]
    segments = split_batch(laid_out([PageText(1, "", barcodes=codes), PageText(2, DECISION)]), TAXONOMY)
    assert [(s.pages, s.case_id) for s in segments] == [([2], "2024-HS-0123")]
    assert decode_barcodes(Image.new("L", (595, 842), 255)) == []


def test_a_draft_with_its_own_header_after_a_to_trinh_is_a_document_of_its_own():
    submission = (
        "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố: 09/TTr-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\nQuảng Ngãi, ngày 20 tháng 01 năm 2025\nTỜ TRÌNH\n"
        "Về việc ban hành Nghị quyết bãi bỏ các Nghị quyết\nKính gửi: Hội đồng nhân dân tỉnh"
    )
    signed = "Ủy ban nhân dân tỉnh kính trình Hội đồng nhân dân tỉnh xem xét, quyết định./.\nTM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH"
    # The draft's number and day are printed blank: "Số:      /2025/NQ-HĐND".
    draft = (
        "HỘI ĐỒNG NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố: /2025/NQ-HĐND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\nQuảng Ngãi, ngày tháng năm 2025\nDỰ THẢO\nNGHỊ QUYẾT\n"
        "Bãi bỏ các nghị quyết của Hội đồng nhân dân tỉnh Quảng Ngãi"
    )
    segments = split_batch(laid_out(pages(submission, signed, draft, "Điều 2. Tổ chức thực hiện")), TAXONOMY)
    assert bounds(segments) == [[1, 2], [3, 4]]


def test_the_operative_quyet_dinh_heading_does_not_open_a_document():
    operative = "QUYẾT ĐỊNH:\nĐiều 1. Khởi tố bị can đối với Nguyễn Văn An.\nĐiều 2. Giao cho Đội điều tra thi hành."
    assert bounds(split_batch(laid_out(pages(DECISION, operative)), TAXONOMY)) == [[1, 2]]


def test_an_annex_under_its_own_quoc_hieu_numbered_on_stays_with_its_document():
    annex = (
        "3\nỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "DANH SÁCH\nTập thể, cá nhân được tặng Bằng khen\n(Kèm theo Quyết định số 99/QĐ-UBND ngày 16/01/2025)"
    )
    assert bounds(split_batch(laid_out(pages(DECISION, "hiện hành vi phạm tội;\n" + SIGNED, annex)), TAXONOMY)) == [
        [1, 2, 3]
    ]
    assert bounds(split_batch(laid_out(pages(DECISION, annex.removeprefix("3\n"))), TAXONOMY)) == [[1], [2]]
