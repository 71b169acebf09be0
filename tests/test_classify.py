"""Doc types from titles, subtitles and the "Số:" symbol: truth text, negation, specificity, OCR noise."""

from __future__ import annotations

from importlib import resources

import pytest

from pipeline.models import PageText
from pipeline.stages.classify import classify
from pipeline.taxonomy import load_taxonomy
from test_header import laid_out

TAXONOMY = load_taxonomy()
POLICE = "CÔNG AN TỈNH QUẢNG NINH\nCƠ QUAN CẢNH SÁT ĐIỀU TRA"
PROCURACY = "VIỆN KIỂM SÁT NHÂN DÂN\nKHU VỰC 3 - QUẢNG NINH"
NATIONAL = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nHạ Long, ngày 18 tháng 5 năm 2024"
BODY = "Căn cứ Điều 179 Bộ luật Tố tụng hình sự;\nXét thấy có đủ căn cứ xác định bị can Nguyễn Văn An đã thực hiện hành vi phạm tội;"


def page(agency: str, number: str | None, title: str, body: str = BODY) -> list[PageText]:
    number_line = f"\nSố: {number}" if number else ""
    return [PageText(1, f"{agency}{number_line}\n{NATIONAL}\n{title}\n{body}")]


def test_truth_text_types_are_all_right(truth):
    documents = [doc for batch in truth["batches"] for doc in batch["documents"]]
    results = [
        classify(laid_out([PageText(i + 1, t) for i, t in enumerate(doc["text"])]), TAXONOMY) for doc in documents
    ]
    assert [r.doc_type for r in results] == [doc["type"] for doc in documents]
    assert all(r.confidence >= 0.9 for r in results)
    assert [r.title for r in results] == [doc["title"] for doc in documents]
    assert [r.subtitle or "" for r in results] == [doc["subtitle"] for doc in documents]


@pytest.mark.parametrize(
    "title, number, expected",
    [
        ("QUYẾT ĐỊNH\nKhởi tố vụ án hình sự", "12/QĐ-CSĐT", "qd_khoi_to_vu_an"),
        ("QUYẾT ĐỊNH\nKhông khởi tố vụ án hình sự", "13/QĐ-CSĐT", "qd_khong_khoi_to_vu_an"),
        ("QUYẾT ĐỊNH\nKhởi tố bị can", "14/QĐ-CSĐT", "qd_khoi_to_bi_can"),
        ("QUYẾT ĐỊNH\nPhê chuẩn quyết định khởi tố bị can", "15/QĐ-VKSKV3", "qd_phe_chuan"),
        ("QUYẾT ĐỊNH\nPhê chuẩn lệnh bắt bị can để tạm giam", "16/QĐ-VKS-P2", "qd_phe_chuan"),
        ("QUYẾT ĐỊNH\nGiải quyết khiếu nại", "17/QĐ-VKS-P9", "qd_giai_quyet_khieu_nai"),
        ("QUYẾT ĐỊNH\nVề việc khởi tố bị can", "18/QĐ-ĐCSĐT", "qd_khoi_to_bi_can"),
        ("LỆNH BẮT BỊ CAN ĐỂ TẠM GIAM", "19/LB-CSĐT", "lenh_bat"),
        ("LỆNH TẠM GIAM", "20/LTG-CSĐT", "lenh_tam_giam"),
        ("BIÊN BẢN HỎI CUNG BỊ CAN", None, "bien_ban_hoi_cung"),
        ("BIÊN BẢN GHI LỜI KHAI", None, "bien_ban_loi_khai"),
        ("BẢN KẾT LUẬN GIÁM ĐỊNH", "21/KLGĐ-PC09", "ket_luan_giam_dinh"),
        ("BẢN KẾT LUẬN ĐIỀU TRA\nVụ án hình sự, đề nghị truy tố", "22/KLĐT-CSĐT", "ket_luan_dieu_tra"),
        ("CÁO TRẠNG", "23/CT-VKS-P1", "cao_trang"),
        ("BẢN ÁN", "24/2024/HS-PT", "ban_an"),
        ("THÔNG BÁO\nKết quả giải quyết nguồn tin về tội phạm", "25/TB-VKS", "thong_bao"),
        ("BÁO CÁO\nKết quả kiểm sát", "26/BC-VKS-P2", "bao_cao"),
    ],
)
def test_official_documents(title, number, expected):
    agency = PROCURACY if number and "VKS" in number else POLICE
    result = classify(laid_out(page(agency, number, title)), TAXONOMY)
    assert result.doc_type == expected
    assert result.confidence >= 0.9


@pytest.mark.parametrize(
    "title, expected",
    [
        ("ĐƠN KHIẾU NẠI", "don_khieu_nai"),
        ("ĐƠN TỐ CÁO", "don_to_cao"),
        ("ĐƠN ĐỀ NGHỊ", "don_de_nghi"),
        ("ĐƠN TỐ GIÁC TỘI PHẠM", "to_giac_toi_pham"),
        ("ĐƠN KIẾN NGHỊ", "don_kien_nghi"),
    ],
)
def test_petitions(title, expected):
    text = f"{NATIONAL}\n{title}\nKính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ninh.\nTôi tên là Lê Văn Tám."
    result = classify(laid_out([PageText(1, text)]), TAXONOMY)
    assert (result.doc_type, result.confidence, result.title) == (expected, 1.0, title)


@pytest.mark.parametrize(
    "title",
    [
        "QUYÉT ĐỊNH\nKhởi tố bi can",  # OCR diacritics
        "QUY ẾT ĐỊNH\nKhởitố bị can",  # split and merged words
        "QUYẾT ĐÐỊNH\nKhỏi tó bị can",  # doubled bold Đ, wrong tones
        "iUYẾT ĐỊNH\nehởi tố bị can",  # a wrong first letter
    ],
)
def test_ocr_noise_is_tolerated(title):
    assert classify(laid_out(page(POLICE, "14/QĐ-CSĐT", title)), TAXONOMY).doc_type == "qd_khoi_to_bi_can"


def test_negation_is_never_read_as_its_opposite():
    noisy = page(POLICE, "13 / QĐ - CSĐT", "QUYẾT ĐỊNH\nKhông khới tố vụ án hình sư")
    assert classify(laid_out(noisy), TAXONOMY).doc_type == "qd_khong_khoi_to_vu_an"


def test_a_quyet_dinh_that_no_procedural_type_names_is_quyet_dinh():
    result = classify(laid_out(page(POLICE, "31/QĐ-CSĐT", "QUYẾT ĐỊNH\nGia hạn thời hạn tạm giam")), TAXONOMY)
    assert (result.doc_type, result.confidence) == ("quyet_dinh", 1.0)
    assert (result.title, result.subtitle) == ("QUYẾT ĐỊNH", "Gia hạn thời hạn tạm giam")


def test_unknown_document_is_khac():
    result = classify(laid_out([PageText(1, "GIẤY CHỨNG NHẬN\nChứng nhận ông Nguyễn Văn An đã...")]), TAXONOMY)
    assert result.doc_type == "khac"
    assert (
        classify(laid_out([]), TAXONOMY).doc_type == classify(laid_out([PageText(1, "")]), TAXONOMY).doc_type == "khac"
    )


def test_a_symbol_that_names_another_type_lowers_confidence():
    agreeing = classify(laid_out(page(POLICE, "20/LTG-CSĐT", "LỆNH TẠM GIAM")), TAXONOMY)
    contradicting = classify(laid_out(page(POLICE, "20/CT-VKS-P2", "LỆNH TẠM GIAM")), TAXONOMY)
    assert contradicting.doc_type == "lenh_tam_giam"
    assert contradicting.confidence < 0.8 <= agreeing.confidence


def test_the_symbol_alone_names_a_type_with_low_confidence():
    result = classify(
        laid_out(page(POLICE, "20/LTG-CSĐT", "~~ ẢÃ ~~", body="Ra lệnh tạm giam đối với bị can")), TAXONOMY
    )
    assert (result.doc_type, result.confidence) == ("lenh_tam_giam", 0.5)
    shared = classify(laid_out(page(POLICE, "20/QĐ-CSĐT", "~~ ẢÃ ~~", body="Khởi tố bị can")), TAXONOMY)
    assert shared.doc_type == "khac"  # QĐ is the code of several types


def test_cong_van():
    text = f"{PROCURACY}\nSố: 345/VKS-P9\nV/v phối hợp giải quyết đơn\n{NATIONAL}\nKính gửi: Công an tỉnh Quảng Ninh"
    result = classify(laid_out([PageText(1, text)]), TAXONOMY)
    assert (result.doc_type, result.subtitle) == ("cong_van", "V/v phối hợp giải quyết đơn")
    with_code = f"{PROCURACY}\nSố: 345/TB-VKS\nV/v phối hợp\n{NATIONAL}\nKính gửi: Công an tỉnh"
    assert classify(laid_out([PageText(1, with_code)]), TAXONOMY).doc_type == "thong_bao"


def test_title_found_below_an_unexpected_line():
    text = f"{POLICE}\nSố: 14/QĐ-CSĐT\n{NATIONAL}\nMẬT — lưu hành nội bộ, không sao chụp\nQUYẾT ĐỊNH\nKhởi tố bị can\n{BODY}"
    result = classify(laid_out([PageText(1, text)]), TAXONOMY)
    assert (result.doc_type, result.title, result.subtitle) == ("qd_khoi_to_bi_can", "QUYẾT ĐỊNH", "Khởi tố bị can")


def test_an_admin_can_add_a_type_without_code_changes(tmp_path):
    shipped = resources.files("pipeline").joinpath("data/doc-types.toml").read_text(encoding="utf-8")
    toml = tmp_path / "types.toml"
    toml.write_text(
        shipped + '\n[lenh_cam_di_khoi_noi_cu_tru]\nname = "Lệnh cấm đi khỏi nơi cư trú"\n'
        'titles = ["LỆNH CẤM ĐI KHỎI NƠI CƯ TRÚ"]\nsymbols = ["LCĐKNCT"]\norder = 45\n',
        "utf-8",
    )
    taxonomy = load_taxonomy(toml)
    result = classify(laid_out(page(POLICE, "7/LCĐKNCT-CSĐT", "LỆNH CẤM ĐI KHỎI NƠI CƯ TRÚ")), taxonomy)
    assert (result.doc_type, result.confidence) == ("lenh_cam_di_khoi_noi_cu_tru", 1.0)
    assert (
        classify(laid_out(page(POLICE, "7/LCĐKNCT-CSĐT", "LỆNH CẤM ĐI KHỎI NƠI CƯ TRÚ")), TAXONOMY).doc_type == "khac"
    )


def test_a_speck_beside_the_subtitle_does_not_hide_it():
    from test_header import HEADER_ROWS, boxed

    rows = [
        row if row[0] != 140 else (140, [(195, "Phê chuẩn quyết định khởi tố bị can"), (520, "' ụ")])
        for row in HEADER_ROWS
    ]
    result = classify(laid_out([PageText(1, "", words=boxed(rows))]), TAXONOMY)
    assert result.doc_type == "qd_phe_chuan"


# --- Nghị định 30/2020 administrative types and codes shared with procedural ones -------------

UBND = "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI"


@pytest.mark.parametrize(
    "title, number, expected",
    [
        ("QUYẾT ĐỊNH\nVề việc kinh phí thực hiện hỗ trợ quà Tết cho hộ nghèo", "47/QĐ-UBND", "quyet_dinh"),
        ("QUYẾT ĐỊNH\nVề việc khởi tố bị can", "18/QĐ-ĐCSĐT", "qd_khoi_to_bi_can"),  # the procedural type still wins
        ("CHỈ THỊ\nVề việc tăng cường công tác phòng, chống tham nhũng", "04/CT-UBND", "chi_thi"),
        ("CÁO TRẠNG", "23/CT-VKS-P1", "cao_trang"),
        ("THÔNG BÁO\nKết luận của Phó Chủ tịch UBND tỉnh", "11/TB-UBND", "thong_bao"),
        ("TIN BÁO VỀ TỘI PHẠM", "12/TB-UBND", "tin_bao_toi_pham"),
        ("NGHỊ QUYẾT\nBãi bỏ các nghị quyết của Hội đồng nhân dân tỉnh", "/2025/NQ-HĐND", "nghi_quyet"),
        ("TỜ TRÌNH\nVề việc miễn nhiệm chức danh Ủy viên", "24/TTr-UBND", "to_trinh"),
        ("KẾ HOẠCH\nTổ chức thực hiện Nghị quyết số 99/NQ-CP", "288/KH-VP", "ke_hoach"),
        ("BÁO CÁO\nVề việc điều chỉnh dự toán ngân sách", "280/BC-UBND", "bao_cao"),
        ("QUY CHẾ\nLàm việc của Ủy ban nhân dân tỉnh", "3/QC-UBND", "quy_che"),
        ("QUY ĐỊNH\nVề quản lý cụm công nghiệp", "5/QYĐ-UBND", "quy_dinh"),
        ("HƯỚNG DẪN\nThực hiện công tác thi đua", "7/HD-UBND", "huong_dan"),
        ("BIÊN BẢN\nHọp Hội đồng thi đua", "9/BB-UBND", "bien_ban"),
        ("BIÊN BẢN THU GIỮ VẬT CHỨNG", None, "bien_ban_thu_giu"),
        ("CÔNG ĐIỆN\nVề việc chủ động ứng phó bão số 3", "2/CĐ-UBND", "cong_dien"),
        ("GIẤY MỜI\nDự họp giao ban", "15/GM-UBND", "giay_moi"),
        ("GIẤY GIỚI THIỆU", "16/GGT-UBND", "giay_gioi_thieu"),
    ],
)
def test_administrative_types_by_title(title, number, expected):
    result = classify(
        laid_out(page(UBND, number, title, body="Căn cứ Luật Tổ chức chính quyền địa phương ngày 19/6/2015;")), TAXONOMY
    )
    assert result.doc_type == expected
    assert result.confidence >= 0.9


def test_a_shared_code_without_a_title_names_no_type():
    for number in ("20/CT-UBND", "20/TB-UBND"):  # Chỉ thị or Cáo trạng; Thông báo or Tin báo
        assert (
            classify(laid_out(page(UBND, number, "~~ ẢÃ ~~", body="các sở, ban, ngành")), TAXONOMY).doc_type == "khac"
        )


def test_the_symbol_supports_the_title_when_a_pen_number_does_not_read():
    agreeing = classify(laid_out(page(UBND, "0+ /TTr-UBND", "TỜ TRÌNH")), TAXONOMY)
    contradicting = classify(laid_out(page(UBND, "0+ /QĐ-UBND", "TỜ TRÌNH")), TAXONOMY)
    assert agreeing.doc_type == contradicting.doc_type == "to_trinh"
    assert contradicting.confidence < 0.8 <= agreeing.confidence


def test_the_packaged_taxonomy_holds_every_shared_key_and_the_nd30_types():
    import tomllib

    from conftest import shared_or_skip

    shared = tomllib.loads(shared_or_skip("doc-types.toml").read_text(encoding="utf-8"))
    assert set(shared) <= set(TAXONOMY)
    nd30 = {
        "nghi_quyet": "NQ",
        "quyet_dinh": "QĐ",
        "chi_thi": "CT",
        "quy_che": "QC",
        "quy_dinh": "QYĐ",
        "thong_bao": "TB",
        "huong_dan": "HD",
        "ke_hoach": "KH",
        "bao_cao": "BC",
        "to_trinh": "TTr",
        "bien_ban": "BB",
        "cong_dien": "CĐ",
        "giay_moi": "GM",
        "giay_gioi_thieu": "GGT",
    }
    for key, code in nd30.items():
        assert code in TAXONOMY[key].symbols and TAXONOMY[key].titles, key
    assert TAXONOMY["cong_van"].symbols == ()
    assert "ĐƠN ĐỀ NGHỊ" in TAXONOMY["don_de_nghi"].titles and "ĐƠN ĐỀ NGHỊ" not in TAXONOMY["don_kien_nghi"].titles
    for key, entry in shared.items():  # shared's types are the same types here
        assert (list(TAXONOMY[key].titles), list(TAXONOMY[key].symbols)) == (entry["titles"], entry["symbols"]), key


def test_a_long_trich_yeu_under_an_administrative_title_is_its_subtitle():
    from test_header import REAL_ROWS, boxed

    about = "Về việc bổ nhiệm vào ngạch Thanh tra viên và xếp lương đối với ông"
    rows = (
        REAL_ROWS[:3]
        + [(145, [(270, "QUYẾT ĐỊNH", 96)]), (165, [(70, about, 95)]), (180, [(244, "Nguyễn Văn A", 95)])]
        + REAL_ROWS[5:]
    )
    found = classify(laid_out([PageText(1, "", words=boxed(rows))]), load_taxonomy())
    assert (found.doc_type, found.title) == ("quyet_dinh", "QUYẾT ĐỊNH")
    assert found.subtitle == f"{about} Nguyễn Văn A"
