"""Reading the two-column Nghị định 30 header: word boxes, plain text, interleaved rows, OCR noise."""
from __future__ import annotations

from pipeline.header import match_at, page_lines, read_header, tokens
from pipeline.models import PageText, Word

WIDTH = 595.0


def boxed(rows: list[tuple[float, list[tuple[float, str]]]]) -> list[Word]:
    """Word boxes from (top, [(x0, 'words of one chunk'), ...]) rows, 6 pt per letter."""
    words = []
    for top, chunks in rows:
        for x0, chunk in chunks:
            x = x0
            for text in chunk.split():
                words.append(Word(text, x, top, x + 6 * len(text), top + 11))
                x += 6 * len(text) + 4
    return words


HEADER_ROWS = [
    (52, [(60, "VIỆN KIỂM SÁT NHÂN DÂN"), (300, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")]),
    (70, [(75, "TỈNH QUẢNG NINH"), (340, "Độc lập - Tự do - Hạnh phúc")]),
    (88, [(90, "Số: 115/QĐ-VKS-P2"), (320, "Quảng Yên, ngày 16 tháng 3 năm 2024")]),
    (116, [(262, "QUYẾT ĐỊNH")]),
    (140, [(195, "Phê chuẩn quyết định khởi tố bị can")]),
    (170, [(70, "Căn cứ Điều 41 và Điều 179 Bộ luật Tố tụng hình sự; Xét Quyết định")]),
    (186, [(70, "khởi tố bị can của Cơ quan Cảnh sát điều tra là có căn cứ và hợp pháp;")]),
]


def test_word_boxes_keep_the_columns_apart():
    page = PageText(1, "", words=boxed(HEADER_ROWS))
    assert [line.text for line in page_lines(page)][:6] == [
        "VIỆN KIỂM SÁT NHÂN DÂN",
        "TỈNH QUẢNG NINH",
        "Số: 115/QĐ-VKS-P2",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Quảng Yên, ngày 16 tháng 3 năm 2024",
    ]
    header = read_header(page)
    assert header.agency == ["VIỆN KIỂM SÁT NHÂN DÂN", "TỈNH QUẢNG NINH"]
    assert header.number == "115/QĐ-VKS-P2"
    assert header.national
    assert header.place_date == "Quảng Yên, ngày 16 tháng 3 năm 2024"
    assert header.title == ["QUYẾT ĐỊNH"]
    assert header.subtitle == ["Phê chuẩn quyết định khởi tố bị can"]  # centred; the body lines are not
    assert header.lines[header.body].text.startswith("Căn cứ Điều 41")


def test_a_centred_subtitle_may_wrap_onto_a_second_line():
    rows = HEADER_ROWS[:4] + [
        (140, [(222, "Phê chuẩn lệnh bắt bị can")]),
        (156, [(250, "để tạm giam")]),
    ] + HEADER_ROWS[5:]
    header = read_header(PageText(1, "", words=boxed(rows)))
    assert header.subtitle == ["Phê chuẩn lệnh bắt bị can", "để tạm giam"]
    assert header.lines[header.body].text.startswith("Căn cứ Điều 41")


def test_rows_are_grouped_by_height_whatever_the_word_order():
    words = boxed(HEADER_ROWS)
    shuffled = words[1::2] + words[::2]
    page = PageText(1, "", words=[Word(w.text, w.x0, w.top + (0.8 if i % 3 else 0), w.x1, w.bottom)
                                  for i, w in enumerate(shuffled)])
    assert read_header(page).number == "115/QĐ-VKS-P2"
    assert read_header(page).agency == ["VIỆN KIỂM SÁT NHÂN DÂN", "TỈNH QUẢNG NINH"]


def test_interleaved_plain_text_is_cut_into_columns():
    # What pdfplumber's extract_text gives for an OCRed page: both columns on one line.
    text = "\n".join([
        "VIỆN KIỂM SÁT NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "TỈNH QUẢNG NINH Độc lập - Tự do - Hạnh phúc",
        "Số: 115/QĐÐ-VKS-P2 Quảng Yên, ngày 16 tháng 3 năm 2024",
        "QUYẾT ĐỊNH",
        "Phê chuẩn quyết định khởi tố bị can",
        "Căn cứ Điều 41 và Điều 179 Bộ luật Tố tụng hình sự;",
    ])
    header = read_header(PageText(1, text))
    assert header.agency == ["VIỆN KIỂM SÁT NHÂN DÂN", "TỈNH QUẢNG NINH"]
    assert header.number == "115/QĐĐ-VKS-P2"  # as read; extract normalizes it
    assert header.national
    assert header.place_date == "Quảng Yên, ngày 16 tháng 3 năm 2024"
    assert (header.title, header.subtitle) == (["QUYẾT ĐỊNH"], ["Phê chuẩn quyết định khởi tố bị can"])


def test_interleaved_row_keeps_all_of_a_long_agency_name():
    # The fuzzy match must not swallow the agency's last word ("NINH", "TRA") into the Quốc hiệu.
    text = "CÔNG AN TỈNH QUẢNG NINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nCƠ QUAN CẢNH SÁT ĐIỀU TRA Độc lập - Tự do - Hạnh phúc"
    assert [line.text for line in page_lines(PageText(1, text))] == [
        "CÔNG AN TỈNH QUẢNG NINH", "CƠ QUAN CẢNH SÁT ĐIỀU TRA",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
    ]


def test_truth_text_headers(truth):
    for batch in truth["batches"]:
        for doc in batch["documents"]:
            header = read_header(PageText(1, doc["text"][0]))
            assert " ".join(header.title) == doc["title"]
            assert " ".join(header.subtitle) == doc["subtitle"]
            assert header.national
            assert header.place_date is not None
            assert (header.number is not None) == bool(doc["number"])
            for later in doc["text"][1:]:  # continuation pages carry no header
                following = read_header(PageText(2, later))
                assert not following.national and following.number is None


def test_ocr_noise_in_the_header():
    text = "\n".join([
        "CÔNG AN TỈNH QUẢNG NINH",
        "CƠ QUAN CẢNH SÁT ĐIỀU TRA",
        "S6: 26 / QĐ — CSĐT",
        "CỘNG HOA XÃ HỘI CHU NGHIA VIỆT NAM",
        "Ð‘ộc lập - Tự do - Hanh phúc",
        "~ ; ' .",  # stamp speckle
        "Quảng Yên, ngày l4 tháng 1 năm 2024",  # an l for a 1: found, not parsed
        "QUYÉT ĐỊNH",
        "Khởi tố vụ án hình sự",
    ])
    header = read_header(PageText(1, text))
    assert header.agency == ["CÔNG AN TỈNH QUẢNG NINH", "CƠ QUAN CẢNH SÁT ĐIỀU TRA"]
    assert header.number == "26 / QĐ — CSĐT"
    assert header.national
    assert header.place_date == "Quảng Yên, ngày l4 tháng 1 năm 2024"
    assert header.title == ["QUYÉT ĐỊNH"]


def test_an_unreadable_line_inside_the_header_is_passed_over():
    text = "VIỆN KIỂM SÁT NHÂN DÂN\nTỈNH QUẢNG NINH\nee ae rn\nSố: 12/TB-VKS\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTHÔNG BÁO"
    header = read_header(PageText(1, text))
    assert header.number == "12/TB-VKS"
    assert header.title == ["THÔNG BÁO"]


def test_petition_has_no_left_column():
    text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nHải Hà, ngày 28 tháng 5 năm 2024\nĐƠN TỐ CÁO\nKính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ninh."
    header = read_header(PageText(1, text))
    assert header.agency == [] and header.number is None
    assert header.title == ["ĐƠN TỐ CÁO"] and header.subtitle == []


def test_cong_van_subject_line_may_wrap():
    text = "VIỆN KIỂM SÁT NHÂN DÂN\nTỈNH QUẢNG NINH\nSố: 345/VKS-P9\nV/v phối hợp giải quyết\nđơn khiếu nại\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nKính gửi: Công an tỉnh"
    header = read_header(PageText(1, text))
    assert header.subject == "V/v phối hợp giải quyết đơn khiếu nại"
    assert header.title == []


def test_body_lines_are_not_header_lines():
    # A continuation page: a "Số ..." citation and a date inside prose are not a header.
    text = "Số 15/2024/QĐ-UBND ngày 3/4/2024 của Ủy ban nhân dân tỉnh về việc giao đất,\nsáng ngày 15/8/2024, Viện KSND tỉnh Quảng Ninh đã tổ chức hội nghị"
    header = read_header(PageText(2, text))
    assert header.number is None and header.place_date is None and not header.national
    assert [line.text for line in header.lines] == text.split("\n")
    prose = "nhân dân ta đã giành được độc lập - tự do - hạnh phúc như ngày nay.\nTHÔNG BÁO"
    assert [line.text for line in read_header(PageText(2, prose)).lines] == prose.split("\n")


def test_empty_page():
    header = read_header(PageText(1, ""))
    assert (header.lines, header.title, header.number, header.national) == ([], [], None, False)


def test_title_without_a_header():
    header = read_header(PageText(1, "BIÊN BẢN GHI LỜI KHAI\nHồi 08 giờ 30 phút, tại trụ sở Công an..."))
    assert header.agency == [] and header.title == ["BIÊN BẢN GHI LỜI KHAI"]


def test_fuzzy_phrase_match_survives_split_and_merged_words():
    phrase = tokens("Khởi tố bị can")
    assert match_at(phrase, tokens("Khởi tố bi can đối với"), 0) == (4, 0)
    assert match_at(phrase, tokens("Khởitố bị can"), 0) == (3, 0)
    assert match_at(phrase, tokens("Kh ởi tố bị can"), 0) == (5, 0)
    assert match_at(phrase, tokens("Khói tó bị cam"), 0) == (4, 1)
    assert match_at(phrase, tokens("Không khởi tố bị can"), 0) is None
    assert tokens("QUYẾT ĐÐỊNH") == ["quyet", "dinh"]  # Tesseract's doubled bold Đ
