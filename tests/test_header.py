"""Reading the two-column Nghị định 30 header: word boxes, plain text, interleaved rows, OCR noise."""

from __future__ import annotations

from pipeline.models import PageText, Stamp, Word
from pipeline.stages.layout import PageLayout, read_layout
from pipeline.text import match_at, tokens


def laid_out(pages: list[PageText]) -> list[PageLayout]:
    """Each page's layout, as the drafting step hands them to split, classify and extract."""
    return [read_layout(page) for page in pages]


def boxed(rows: list[tuple[float, list[tuple]]], slope: float = 0.0) -> list[Word]:
    """Word boxes from (top, [(x0, 'words of one chunk'[, conf]), ...]) rows, 6 pt per letter.

    `slope`: points down per point right, as on a skewed scan.
    """
    words = []
    for top, chunks in rows:
        for x0, chunk, *conf in chunks:
            x = x0
            for text in chunk.split():
                y = top + slope * x
                words.append(Word(text, x, y, x + 6 * len(text), y + 11, conf[0] if conf else None))
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
    assert [line.text for line in read_layout(page).lines][:6] == [
        "VIỆN KIỂM SÁT NHÂN DÂN",
        "TỈNH QUẢNG NINH",
        "Số: 115/QĐ-VKS-P2",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Quảng Yên, ngày 16 tháng 3 năm 2024",
    ]
    header = read_layout(page)
    assert header.agency == ("VIỆN KIỂM SÁT NHÂN DÂN", "TỈNH QUẢNG NINH")
    assert header.number == "115/QĐ-VKS-P2"
    assert header.national
    assert header.place_date == "Quảng Yên, ngày 16 tháng 3 năm 2024"
    assert header.title == ("QUYẾT ĐỊNH",)
    assert header.subtitle == ("Phê chuẩn quyết định khởi tố bị can",)  # centred; the body lines are not
    assert header.lines[header.body].text.startswith("Căn cứ Điều 41")


def test_a_centred_subtitle_may_wrap_onto_a_second_line():
    rows = (
        HEADER_ROWS[:4]
        + [
            (140, [(222, "Phê chuẩn lệnh bắt bị can")]),
            (156, [(250, "để tạm giam")]),
        ]
        + HEADER_ROWS[5:]
    )
    header = read_layout(PageText(1, "", words=boxed(rows)))
    assert header.subtitle == ("Phê chuẩn lệnh bắt bị can", "để tạm giam")
    assert header.lines[header.body].text.startswith("Căn cứ Điều 41")


def test_rows_are_grouped_by_height_whatever_the_word_order():
    words = boxed(HEADER_ROWS)
    shuffled = words[1::2] + words[::2]
    page = PageText(
        1, "", words=[Word(w.text, w.x0, w.top + (0.8 if i % 3 else 0), w.x1, w.bottom) for i, w in enumerate(shuffled)]
    )
    assert read_layout(page).number == "115/QĐ-VKS-P2"
    assert read_layout(page).agency == ("VIỆN KIỂM SÁT NHÂN DÂN", "TỈNH QUẢNG NINH")


def test_interleaved_plain_text_is_cut_into_columns():
    # What pdfplumber's extract_text gives for an OCRed page: both columns on one line.
    text = "\n".join(
        [
            "VIỆN KIỂM SÁT NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "TỈNH QUẢNG NINH Độc lập - Tự do - Hạnh phúc",
            "Số: 115/QĐÐ-VKS-P2 Quảng Yên, ngày 16 tháng 3 năm 2024",
            "QUYẾT ĐỊNH",
            "Phê chuẩn quyết định khởi tố bị can",
            "Căn cứ Điều 41 và Điều 179 Bộ luật Tố tụng hình sự;",
        ]
    )
    header = read_layout(PageText(1, text))
    assert header.agency == ("VIỆN KIỂM SÁT NHÂN DÂN", "TỈNH QUẢNG NINH")
    assert header.number == "115/QĐĐ-VKS-P2"  # as read; extract normalizes it
    assert header.national
    assert header.place_date == "Quảng Yên, ngày 16 tháng 3 năm 2024"
    assert (header.title, header.subtitle) == (("QUYẾT ĐỊNH",), ("Phê chuẩn quyết định khởi tố bị can",))


def test_interleaved_row_keeps_all_of_a_long_agency_name():
    # The fuzzy match must not swallow the agency's last word ("NINH", "TRA") into the Quốc hiệu.
    text = "CÔNG AN TỈNH QUẢNG NINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nCƠ QUAN CẢNH SÁT ĐIỀU TRA Độc lập - Tự do - Hạnh phúc"
    assert [line.text for line in read_layout(PageText(1, text)).lines] == [
        "CÔNG AN TỈNH QUẢNG NINH",
        "CƠ QUAN CẢNH SÁT ĐIỀU TRA",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]


def test_truth_text_headers(truth):
    for batch in truth["batches"]:
        for doc in batch["documents"]:
            header = read_layout(PageText(1, doc["text"][0]))
            assert " ".join(header.title) == doc["title"]
            assert " ".join(header.subtitle) == doc["subtitle"]
            assert header.national
            assert header.place_date is not None
            assert (header.number is not None) == bool(doc["number"])
            for later in doc["text"][1:]:  # continuation pages carry no header
                following = read_layout(PageText(2, later))
                assert not following.national and following.number is None


def test_ocr_noise_in_the_header():
    text = "\n".join(
        [
            "CÔNG AN TỈNH QUẢNG NINH",
            "CƠ QUAN CẢNH SÁT ĐIỀU TRA",
            "S6: 26 / QĐ — CSĐT",
            "CỘNG HOA XÃ HỘI CHU NGHIA VIỆT NAM",
            "Ð‘ộc lập - Tự do - Hanh phúc",
            "~ ; ' .",  # stamp speckle
            "Quảng Yên, ngày l4 tháng 1 năm 2024",  # an l for a 1: found, not parsed
            "QUYÉT ĐỊNH",
            "Khởi tố vụ án hình sự",
        ]
    )
    header = read_layout(PageText(1, text))
    assert header.agency == ("CÔNG AN TỈNH QUẢNG NINH", "CƠ QUAN CẢNH SÁT ĐIỀU TRA")
    assert header.number == "26 / QĐ — CSĐT"
    assert header.national
    assert header.place_date == "Quảng Yên, ngày l4 tháng 1 năm 2024"
    assert header.title == ("QUYÉT ĐỊNH",)


def test_an_unreadable_line_inside_the_header_is_passed_over():
    text = "VIỆN KIỂM SÁT NHÂN DÂN\nTỈNH QUẢNG NINH\nee ae rn\nSố: 12/TB-VKS\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTHÔNG BÁO"
    header = read_layout(PageText(1, text))
    assert header.number == "12/TB-VKS"
    assert header.title == ("THÔNG BÁO",)


def test_petition_has_no_left_column():
    text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nHải Hà, ngày 28 tháng 5 năm 2024\nĐƠN TỐ CÁO\nKính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ninh."
    header = read_layout(PageText(1, text))
    assert header.agency == () and header.number is None
    assert header.title == ("ĐƠN TỐ CÁO",) and header.subtitle == ()


def test_cong_van_subject_line_may_wrap():
    text = "VIỆN KIỂM SÁT NHÂN DÂN\nTỈNH QUẢNG NINH\nSố: 345/VKS-P9\nV/v phối hợp giải quyết\nđơn khiếu nại\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nKính gửi: Công an tỉnh"
    header = read_layout(PageText(1, text))
    assert header.subject == "V/v phối hợp giải quyết đơn khiếu nại"
    assert header.title == ()


def test_body_lines_are_not_header_lines():
    # A continuation page: a "Số ..." citation and a date inside prose are not a header.
    text = "Số 15/2024/QĐ-UBND ngày 3/4/2024 của Ủy ban nhân dân tỉnh về việc giao đất,\nsáng ngày 15/8/2024, Viện KSND tỉnh Quảng Ninh đã tổ chức hội nghị"
    header = read_layout(PageText(2, text))
    assert header.number is None and header.place_date is None and not header.national
    assert [line.text for line in header.lines] == text.split("\n")
    prose = "nhân dân ta đã giành được độc lập - tự do - hạnh phúc như ngày nay.\nTHÔNG BÁO"
    assert [line.text for line in read_layout(PageText(2, prose)).lines] == prose.split("\n")


def test_empty_page():
    header = read_layout(PageText(1, ""))
    assert (header.lines, header.title, header.number, header.national) == ((), (), None, False)


def test_title_without_a_header():
    header = read_layout(PageText(1, "BIÊN BẢN GHI LỜI KHAI\nHồi 08 giờ 30 phút, tại trụ sở Công an..."))
    assert header.agency == () and header.title == ("BIÊN BẢN GHI LỜI KHAI",)


def test_fuzzy_phrase_match_survives_split_and_merged_words():
    phrase = tokens("Khởi tố bị can")
    assert match_at(phrase, tokens("Khởi tố bi can đối với"), 0) == (4, 0)
    assert match_at(phrase, tokens("Khởitố bị can"), 0) == (3, 0)
    assert match_at(phrase, tokens("Kh ởi tố bị can"), 0) == (5, 0)
    assert match_at(phrase, tokens("Khói tó bị cam"), 0) == (4, 1)
    assert match_at(phrase, tokens("Không khởi tố bị can"), 0) is None
    assert tokens("QUYẾT ĐÐỊNH") == ["quyet", "dinh"]  # Tesseract's doubled bold Đ


# --- real papers: skew, the two columns anchored on the Quốc hiệu, stamps ---------------------

REAL_ROWS = [  # as Tesseract boxes a provincial People's Committee paper (Nghị định 30 layout)
    (60, [(100, "ỦY BAN NHÂN DÂN", 96), (255, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 96)]),
    (75, [(100, "TỈNH QUẢNG NGÃI", 92), (305, "Độc lập - Tự do - Hạnh phúc", 95)]),
    (
        103,
        [
            (105, "Số:", 96),
            (140, "44", 90),
            (165, "/CT-UBND", 91),
            (277, "Quảng Ngãi, ngày", 95),
            (380, "/1}", 25),
            (405, "tháng 9 năm 2024", 96),
        ],
    ),
    (145, [(278, "CHỈ THỊ", 96)]),
    (165, [(150, "Về việc tăng cường bảo đảm an toàn giao thông", 96)]),
    (200, [(90, "Thực hiện Chỉ thị số 11-CT/TW ngày 08/12/2021 của Ban Bí thư về việc", 96)]),
    (215, [(70, "tổ chức Tết, Chủ tịch Ủy ban nhân dân tỉnh yêu cầu các sở, ban, ngành", 96)]),
]


def test_real_header_columns_are_anchored_on_the_quoc_hieu():
    # The date line starts left of the page centre, under the Quốc hiệu: still the right column.
    header = read_layout(PageText(1, "", words=boxed(REAL_ROWS)))
    assert header.agency == ("ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI")
    assert header.number == "44 /CT-UBND"
    assert [w.conf for w in header.number_line.words] == [96, 90, 91]
    assert header.place_date == "Quảng Ngãi, ngày /1} tháng 9 năm 2024"
    assert (header.title, header.subtitle) == (("CHỈ THỊ",), ("Về việc tăng cường bảo đảm an toàn giao thông",))
    assert header.lines[header.body].text.startswith("Thực hiện Chỉ thị")


def test_a_skewed_scan_keeps_its_rows():
    # 1 pt down per 60 pt: the last words of the Quốc hiệu sit lower than the first ones.
    header = read_layout(PageText(1, "", words=boxed(REAL_ROWS, slope=1 / 60)))
    assert header.agency == ("ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI")
    assert header.number == "44 /CT-UBND" and header.place_date.endswith("năm 2024")
    assert header.title == ("CHỈ THỊ",)


def test_a_blank_number_and_a_wrapped_date_line():
    rows = [
        REAL_ROWS[0],
        REAL_ROWS[1],
        (103, [(105, "Số:", 96), (175, "/TB-UBND", 92), (300, "Quảng Ngãi, ngày", 95)]),
        (117, [(430, "tháng 01 năm 2025", 96)]),
        (145, [(270, "THÔNG BÁO", 96)]),
    ] + REAL_ROWS[5:]
    header = read_layout(PageText(1, "", words=boxed(rows)))
    assert header.number == "/TB-UBND"
    assert header.place_date == "Quảng Ngãi, ngày tháng 01 năm 2025"
    assert header.title == ("THÔNG BÁO",)


def test_the_label_and_the_symbol_on_two_rows():
    rows = (
        REAL_ROWS[:2]
        + [
            (100, [(83, "Số:", 93), (277, "Quảng Ngãi, ngày 03 tháng 4 năm 2018", 96)]),
            (106, [(138, "/CT-UBND", 91)]),
        ]
        + REAL_ROWS[3:]
    )
    assert read_layout(PageText(1, "", words=boxed(rows))).number == "/CT-UBND"


def test_esignature_text_above_the_header_is_not_read_as_it():
    rows = [
        (20, [(480, "Ký bởi: Ủy ban nhân dân tỉnh Quảng Ngãi", 90)]),
        (32, [(300, "TRUNG TÂM CÔNG BÁO VÀ TIN HỌC", 88), (480, "Thời gian ký: 19/01/2025 10:13:06", 90)]),
    ] + REAL_ROWS
    header = read_layout(PageText(1, "", words=boxed(rows)))
    assert header.agency == ("ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI")
    assert header.place_date.startswith("Quảng Ngãi") and header.title == ("CHỈ THỊ",)


def test_words_inside_a_stamp_box_are_left_out():
    stamp = [(125, [(60, "ĐẾN Số: 164", 80)]), (137, [(60, "Ngày: 20/1/2024", 80)])]
    words = boxed(REAL_ROWS + stamp)
    box = Stamp("received", "ĐẾN Số: 164\nNgày: 20/1/2024", "164", "2024-01-20", box=(55, 120, 160, 150))
    lines = [line.text for line in read_layout(PageText(1, "", words=words, stamps=[box])).lines]
    assert not any("164" in text or "20/1/2024" in text for text in lines)


def test_a_mat_box_beside_the_title_is_not_part_of_it():
    rows = REAL_ROWS[:3] + [(145, [(115, "TỐI MẬT", 90), (278, "CHỈ THỊ", 96)])] + REAL_ROWS[4:]
    header = read_layout(PageText(1, "", words=boxed(rows)))
    assert (header.mark, header.title) == ("TỐI MẬT", ("CHỈ THỊ",))


def test_the_operative_heading_is_no_title():
    header = read_layout(PageText(2, "QUYẾT ĐỊNH:\nĐiều 1. Phê duyệt Kế hoạch ứng phó sự cố tràn dầu."))
    assert header.title == ()
