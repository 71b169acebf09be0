"""Doc types from titles, subtitles and the "Số:" symbol: truth text, negation, specificity, OCR noise."""
from __future__ import annotations

from importlib import resources

import pytest

from pipeline.classify import classify
from pipeline.models import PageText
from pipeline.taxonomy import load_taxonomy

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
    results = [classify([PageText(i + 1, t) for i, t in enumerate(doc["text"])], TAXONOMY) for doc in documents]
    assert [r.doc_type for r in results] == [doc["type"] for doc in documents]
    assert all(r.confidence >= 0.9 for r in results)
    assert [r.title for r in results] == [doc["title"] for doc in documents]
    assert [r.subtitle or "" for r in results] == [doc["subtitle"] for doc in documents]


@pytest.mark.parametrize("title, number, expected", [
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
])
def test_official_documents(title, number, expected):
    agency = PROCURACY if number and "VKS" in number else POLICE
    result = classify(page(agency, number, title), TAXONOMY)
    assert result.doc_type == expected
    assert result.confidence >= 0.9


@pytest.mark.parametrize("title, expected", [
    ("ĐƠN KHIẾU NẠI", "don_khieu_nai"),
    ("ĐƠN TỐ CÁO", "don_to_cao"),
    ("ĐƠN ĐỀ NGHỊ", "don_kien_nghi"),
    ("ĐƠN KIẾN NGHỊ", "don_kien_nghi"),
])
def test_petitions(title, expected):
    text = f"{NATIONAL}\n{title}\nKính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ninh.\nTôi tên là Lê Văn Tám."
    result = classify([PageText(1, text)], TAXONOMY)
    assert (result.doc_type, result.confidence, result.title) == (expected, 1.0, title)


@pytest.mark.parametrize("title", [
    "QUYÉT ĐỊNH\nKhởi tố bi can",  # OCR diacritics
    "QUY ẾT ĐỊNH\nKhởitố bị can",  # split and merged words
    "QUYẾT ĐÐỊNH\nKhỏi tó bị can",  # doubled bold Đ, wrong tones
    "iUYẾT ĐỊNH\nehởi tố bị can",  # a wrong first letter
])
def test_ocr_noise_is_tolerated(title):
    assert classify(page(POLICE, "14/QĐ-CSĐT", title), TAXONOMY).doc_type == "qd_khoi_to_bi_can"


def test_negation_is_never_read_as_its_opposite():
    noisy = page(POLICE, "13 / QĐ - CSĐT", "QUYẾT ĐỊNH\nKhông khới tố vụ án hình sư")
    assert classify(noisy, TAXONOMY).doc_type == "qd_khong_khoi_to_vu_an"


def test_a_generic_heading_alone_is_unknown():
    result = classify(page(POLICE, "31/QĐ-CSĐT", "QUYẾT ĐỊNH\nGia hạn thời hạn tạm giam"), TAXONOMY)
    assert (result.doc_type, result.confidence) == ("khac", 0.0)
    assert (result.title, result.subtitle) == ("QUYẾT ĐỊNH", "Gia hạn thời hạn tạm giam")


def test_unknown_document_is_khac():
    result = classify([PageText(1, "GIẤY CHỨNG NHẬN\nChứng nhận ông Nguyễn Văn An đã...")], TAXONOMY)
    assert result.doc_type == "khac"
    assert classify([], TAXONOMY).doc_type == classify([PageText(1, "")], TAXONOMY).doc_type == "khac"


def test_a_symbol_that_names_another_type_lowers_confidence():
    agreeing = classify(page(POLICE, "20/LTG-CSĐT", "LỆNH TẠM GIAM"), TAXONOMY)
    contradicting = classify(page(POLICE, "20/CT-VKS-P2", "LỆNH TẠM GIAM"), TAXONOMY)
    assert contradicting.doc_type == "lenh_tam_giam"
    assert contradicting.confidence < 0.8 <= agreeing.confidence


def test_the_symbol_alone_names_a_type_with_low_confidence():
    result = classify(page(POLICE, "20/LTG-CSĐT", "~~ ẢÃ ~~", body="Ra lệnh tạm giam đối với bị can"), TAXONOMY)
    assert (result.doc_type, result.confidence) == ("lenh_tam_giam", 0.5)
    shared = classify(page(POLICE, "20/QĐ-CSĐT", "~~ ẢÃ ~~", body="Khởi tố bị can"), TAXONOMY)
    assert shared.doc_type == "khac"  # QĐ is the code of several types


def test_cong_van():
    text = f"{PROCURACY}\nSố: 345/VKS-P9\nV/v phối hợp giải quyết đơn\n{NATIONAL}\nKính gửi: Công an tỉnh Quảng Ninh"
    result = classify([PageText(1, text)], TAXONOMY)
    assert (result.doc_type, result.subtitle) == ("cong_van", "V/v phối hợp giải quyết đơn")
    with_code = f"{PROCURACY}\nSố: 345/TB-VKS\nV/v phối hợp\n{NATIONAL}\nKính gửi: Công an tỉnh"
    assert classify([PageText(1, with_code)], TAXONOMY).doc_type == "thong_bao"


def test_title_found_below_an_unexpected_line():
    text = f"{POLICE}\nSố: 14/QĐ-CSĐT\n{NATIONAL}\nMẬT — lưu hành nội bộ, không sao chụp\nQUYẾT ĐỊNH\nKhởi tố bị can\n{BODY}"
    result = classify([PageText(1, text)], TAXONOMY)
    assert (result.doc_type, result.title, result.subtitle) == ("qd_khoi_to_bi_can", "QUYẾT ĐỊNH", "Khởi tố bị can")


def test_an_admin_can_add_a_type_without_code_changes(tmp_path):
    shipped = resources.files("pipeline").joinpath("data/doc-types.toml").read_text(encoding="utf-8")
    toml = tmp_path / "types.toml"
    toml.write_text(shipped + '\n[lenh_cam_di_khoi_noi_cu_tru]\nname = "Lệnh cấm đi khỏi nơi cư trú"\n'
                    'titles = ["LỆNH CẤM ĐI KHỎI NƠI CƯ TRÚ"]\nsymbols = ["LCĐKNCT"]\norder = 45\n', "utf-8")
    taxonomy = load_taxonomy(toml)
    result = classify(page(POLICE, "7/LCĐKNCT-CSĐT", "LỆNH CẤM ĐI KHỎI NƠI CƯ TRÚ"), taxonomy)
    assert (result.doc_type, result.confidence) == ("lenh_cam_di_khoi_noi_cu_tru", 1.0)
    assert classify(page(POLICE, "7/LCĐKNCT-CSĐT", "LỆNH CẤM ĐI KHỎI NƠI CƯ TRÚ"), TAXONOMY).doc_type == "khac"


def test_a_speck_beside_the_subtitle_does_not_hide_it():
    from test_header import HEADER_ROWS, boxed

    rows = [row if row[0] != 140 else (140, [(195, "Phê chuẩn quyết định khởi tố bị can"), (520, "' ụ")])
            for row in HEADER_ROWS]
    result = classify([PageText(1, "", words=boxed(rows))], TAXONOMY)
    assert result.doc_type == "qd_phe_chuan"
