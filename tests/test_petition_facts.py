"""A petition's facts (pipeline.stages.petition) from page text: petitions-dev's truth, and made-up variants."""

from __future__ import annotations

import json

import pytest

from conftest import shared_or_skip
from pipeline.config import Settings
from pipeline.models import PageText, Word
from pipeline.stages.petition import petition_facts

PATTERN = Settings().case_id_pattern


def facts(text: str, doc_type: str = "don_khieu_nai"):
    return petition_facts(doc_type, [PageText(1, text)], PATTERN)


def pages_of(doc: dict) -> list[PageText]:
    return [PageText(n, t) for n, t in enumerate(doc["text"], 1)]


def truth_documents() -> list[dict]:
    truth = json.loads(shared_or_skip("corpus/petitions-dev/truth.json").read_text(encoding="utf-8"))
    return [doc for batch in truth["batches"] for doc in batch["documents"]]


def test_every_petitions_dev_document_gives_its_truth():
    documents = truth_documents()
    assert len(documents) == 30
    for doc in documents:
        got = petition_facts(doc["type"], pages_of(doc), PATTERN)
        want = (doc["petitioner"], doc["petitioner_address"], doc["refers_to"])
        assert (got.petitioner, got.address, got.refers_to) == want, doc["pages"]
        assert got.review == [] and not got.anonymous
        assert got.recipients


def test_a_tin_bao_is_sent_by_the_agency_in_its_header_as_its_body_spells_it():
    doc = next(d for d in truth_documents() if d["petitioner"] == "Công an phường Trưng Vương")
    got = facts(doc["text"][0], "tin_bao_toi_pham")
    assert got.petitioner == "Công an phường Trưng Vương" and got.address is None
    assert got.recipients == [
        "Viện kiểm sát nhân dân tỉnh Quảng Ninh",
        "Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh",
    ]
    assert got.attachments == [
        "biên bản tiếp nhận tin báo",
        "biên bản ghi lời khai ban đầu",
        "biên bản bảo vệ hiện trường",
    ]
    assert not got.in_proceedings and got.refers_to is None


def test_a_complaint_about_a_procuracy_decision():
    doc = next(d for d in truth_documents() if d["refers_to"] == "305/QĐ-VKS-P2")
    got = petition_facts(doc["type"], pages_of(doc), PATTERN)
    assert got.about == "Quyết định số 305/QĐ-VKS-P2"
    assert got.in_proceedings  # BLTTHS Chương XXXIII, not the Law on Complaints
    assert got.attachments[0] == "Bản sao các quyết định, thông báo đã nhận được" and len(got.attachments) == 4


def test_a_denunciation_is_about_the_person_denounced():
    doc = next(d for d in truth_documents() if d["petitioner"] == "Ngô Văn Dũng")
    got = petition_facts(doc["type"], pages_of(doc), PATTERN)
    assert got.about == "Trịnh Trọng Mai"
    assert got.refers_to == "2024-HS-1425"


AGENCY_HEADER = """ỦY BAN NHÂN DÂN
XÃ NGHĨA HÀ
Số: 15/TB-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Nghĩa Hà, ngày 2 tháng 3 năm 2024
TIN BÁO VỀ TỘI PHẠM
Kính gửi: Cơ quan Cảnh sát điều tra Công an huyện Tư Nghĩa.
"""


@pytest.mark.parametrize(
    "intro, petitioner, address",
    [
        (
            "Tôi là Nguyễn Thị Hoa, sinh năm 1970, trú tại thôn 3, xã Tịnh Phong, huyện Sơn Tịnh, tỉnh Quảng Ngãi.",
            "Nguyễn Thị Hoa",
            "thôn 3, xã Tịnh Phong, huyện Sơn Tịnh, tỉnh Quảng Ngãi",
        ),
        (
            "Họ và tên: TRẦN VĂN BA\nĐịa chỉ: số 12 đường Lê Lợi, phường 3, TP Tây Ninh; Số điện thoại: 0912345678",
            "Trần Văn Ba",
            "số 12 đường Lê Lợi, phường 3, TP Tây Ninh",
        ),
        (
            "Tên tôi là: Lò Văn Pọm, sinh ngày 02/9/1980\nHKTT: bản Nà Sản, xã Chiềng Mung,\nhuyện Mai Sơn, tỉnh Sơn La.",
            "Lò Văn Pọm",
            "bản Nà Sản, xã Chiềng Mung, huyện Mai Sơn, tỉnh Sơn La",
        ),
        (
            "Người tố cáo: bà Phạm Thị Lan\nTrú tại: tổ 4, phường Trần Phú, TP. Quảng Ngãi.",
            "Phạm Thị Lan",
            "tổ 4, phường Trần Phú, TP. Quảng Ngãi",
        ),
        (
            "Chúng tôi gồm:\n1. Ông Nguyễn Văn An, sinh năm 1960;\n2. Bà Lê Thị Bình, sinh năm 1965;\n"
            "Cùng trú tại: xóm 2, xã Nghĩa Hòa, huyện Tư Nghĩa, tỉnh Quảng Ngãi.",
            "Nguyễn Văn An, Lê Thị Bình",
            "xóm 2, xã Nghĩa Hòa, huyện Tư Nghĩa, tỉnh Quảng Ngãi",
        ),
    ],
)
def test_the_petitioner_however_the_petition_phrases_it(intro, petitioner, address):
    text = f"ĐƠN TỐ CÁO\nKính gửi: Viện kiểm sát nhân dân huyện Tư Nghĩa.\n{intro}\nTôi làm đơn này tố cáo ông Võ Văn Tư.\n"
    got = facts(text, "don_to_cao")
    assert (got.petitioner, got.address, got.anonymous, got.review) == (petitioner, address, False, [])
    assert got.about == "Võ Văn Tư"


def test_an_anonymous_denunciation_says_so():
    got = facts("ĐƠN TỐ CÁO\nKính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ngãi.\nTôi xin được giấu tên.\n", "don_to_cao")
    assert got.anonymous and got.petitioner is None and got.review == []


def test_no_name_at_all_is_anonymous_but_left_for_a_clerk():
    got = facts("ĐƠN TỐ CÁO\nTôi là người dân trong xóm, tôi tố cáo ông Lê Văn Sáu đánh bạc.\n", "don_to_cao")
    assert got.anonymous and got.petitioner is None and got.review == ["petitioner"]


@pytest.mark.parametrize(
    "name",
    [
        "Ng0 Văn Dũng",  # a digit
        "Nguyễn Văn Hx",  # not a syllable
        "Lâm Văn Hx",  # a family name, then no syllable
        "nguyễn văn an",  # not a name as printed
    ],
)
def test_a_garbled_name_is_never_guessed(name):
    got = facts(f"ĐƠN KHIẾU NẠI\nTôi tên là: {name}, sinh năm 1980.\nNơi cư trú: thôn 1, xã Hành Thiện.\n")
    assert got.petitioner is None and "petitioner" in got.review and not got.anonymous


def test_a_tone_mark_no_family_name_has_is_read_off_the_family_name_and_left_for_review():
    got = facts("ĐƠN KHIẾU NẠI\nTôi tên là: Định Văn Hải, sinh năm 1980.\nNơi cư trú: tố 7, khu 3, phường Hà Tu.\n")
    assert got.petitioner == "Đinh Văn Hải" and got.review == ["petitioner"]  # stored, and a clerk confirms it
    assert got.address == "tổ 7, khu 3, phường Hà Tu"  # "tố 7": OCR's tổ (tổ dân phố) before its number
    # a surname that differs by more than its tone mark, or given names OCR garbled, stay unread
    assert facts("Tôi tên là: Dinh Văn Hải.").petitioner is None
    assert facts("Tôi tên là: Định Văn Hx.").petitioner is None


def test_the_signature_line_settles_a_name_that_reads_the_same_letters():
    text = "ĐƠN TỐ CÁO\nTôi tên là: Định Văn Hải, sinh năm 1992.\nTôi làm đơn này tố cáo ông Lê Văn Sáu.\n"
    assert facts(text + "NGƯỜI LÀM ĐƠN\nĐinh Văn Hải\n").petitioner == "Đinh Văn Hải"
    # two well-formed readings that differ: which one? None, for a person to read
    got = facts("ĐƠN TỐ CÁO\nTôi tên là: Lê Văn Hùng.\nNGƯỜI LÀM ĐƠN\nLê Văn Hưng\n")
    assert got.petitioner is None and got.review == ["petitioner"]
    # a different name under the signature (a representative) is another person: no conflict
    assert facts("Tôi tên là: Lê Văn Hùng.\nNGƯỜI LÀM ĐƠN\nTrần Thị Mai\n").petitioner == "Lê Văn Hùng"


def test_a_name_ocr_read_unsure_is_left_for_review():
    text = "Tôi tên là: Đinh Thu Long, sinh năm 1993."
    confs = [96, 96, 96, 56, 96, 96, 96, 96, 96]
    words = [Word(w, 0, 0, 1, 1, conf=c) for w, c in zip(text.split(), confs, strict=True)]
    got = petition_facts("don_kien_nghi", [PageText(1, text, words=words)], PATTERN)
    assert got.petitioner is None and got.review == ["petitioner"]
    sure = [Word(w.text, 0, 0, 1, 1, conf=96) for w in words]
    assert petition_facts("don_kien_nghi", [PageText(1, text, words=sure)], PATTERN).petitioner == "Đinh Thu Long"


@pytest.mark.parametrize(
    "sentence, refers_to, review",
    [
        ("khiếu nại Quyết định số 41/QĐĐ-CSĐT ngày 04/06/2024 của Cơ quan CSĐT", "41/QĐ-CSĐT", []),
        ("khiếu nại Quyết định số 7/QÐ-VKS ngày 04/06/2024", "7/QĐ-VKS", []),  # Icelandic Ð
        ("kiến nghị về việc chậm giải quyết vụ án số 2024-HS-0042.", "2024-HS-0042", []),
        ("khiếu nại quyết định số 12/2024/QĐ-CSĐT trong vụ án số 2024-HS-9", "12/2024/QĐ-CSĐT", []),
        ("kiến nghị về việc chậm giải quyết vụ án số 2O24-HS-l425", None, ["refers_to"]),
        ("khiếu nại Quyết định số 1/QĐ-CSĐT và Quyết định số 2/QĐ-CSĐT", None, ["refers_to"]),
        ("khiếu nại việc chậm trả lời đơn của tôi", None, []),
        ("khiếu nại Lệnh bắt bị can để tạm giam số 07/LB-CSĐT ngày 10/3/2025", "07/LB-CSĐT", []),
        ("khiếu nại Quyết định khởi tố bị can số 12/QĐ-CSĐT ngày 04/06/2024", "12/QĐ-CSĐT", []),
        ("khiếu nại Quyết định tạm đình chỉ điều tra vụ án số 2024-HS-0042", "2024-HS-0042", []),
    ],
)
def test_what_a_petition_refers_to(sentence, refers_to, review):
    got = facts(f"Tôi tên là: Lê Văn Cường.\nTôi làm đơn này {sentence}.\n")
    assert (got.refers_to, got.review) == (refers_to, review)


def test_a_complaint_under_the_law_on_complaints_is_not_inside_proceedings():
    text = "Tôi tên là: Lê Văn Cường.\nTôi làm đơn này khiếu nại Quyết định số 12/QĐ-UBND về việc thu hồi đất.\n"
    assert not facts(text).in_proceedings
    assert facts(text.replace("12/QĐ-UBND", "12/QĐ-CSĐT")).in_proceedings
    slow = "Tôi tên là: Lê Văn Cường.\nTôi làm đơn này khiếu nại việc chậm giải quyết tin báo về tội phạm của Công an xã.\n"
    assert facts(slow).in_proceedings
    assert not facts(slow, "don_kien_nghi").in_proceedings  # only complaints and denunciations (Chương XXXIII)


def test_recipients_and_attachments_listed_or_inline():
    text = (
        "Kính gửi:\n- Viện trưởng Viện kiểm sát nhân dân tỉnh Quảng Ngãi;\n- Chánh án Tòa án nhân dân\n"
        "tỉnh Quảng Ngãi.\nTôi tên là: Lê Văn Cường.\nTôi làm đơn này khiếu nại.\n"
        "Tài liệu kèm theo: bản sao quyết định, biên bản làm việc;\nảnh chụp hiện trường.\nNGƯỜI KHIẾU NẠI\n"
    )
    got = facts(text)
    assert got.recipients == [
        "Viện trưởng Viện kiểm sát nhân dân tỉnh Quảng Ngãi",
        "Chánh án Tòa án nhân dân tỉnh Quảng Ngãi",
    ]
    assert got.attachments == ["bản sao quyết định", "biên bản làm việc", "ảnh chụp hiện trường"]


def test_an_agency_the_body_does_not_name_is_left_for_review():
    body = "Vào hồi 20 giờ ngày 01/3/2024, nhận được trình báo của ông Lê Văn Tám về việc bị mất trộm xe máy.\n"
    got = facts(AGENCY_HEADER + body, "tin_bao_toi_pham")
    assert got.petitioner is None and got.review == ["petitioner"]
    named = facts(
        AGENCY_HEADER + body + "Ủy ban nhân dân xã Nghĩa Hà báo tin để cơ quan điều tra biết.\n", "tin_bao_toi_pham"
    )
    assert named.petitioner == "Ủy ban nhân dân xã Nghĩa Hà" and named.review == []
    assert named.about == "bị mất trộm xe máy"


def test_a_register_stamp_read_as_the_header_is_no_sender():
    """The procuracy's own stamp, read where the agency stands, is the petition's recipient: never its sender."""
    text = (
        "VIỆN KIỂM SÁT NHÂN DÂN\nTỈNH QUẢNG NINH\nĐƠN ĐỀ NGHỊ\nKính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ninh.\n"
        "Đề nghị Viện kiểm sát nhân dân tỉnh Quảng Ninh xem xét.\n"
    )
    got = facts(text, "don_de_nghi")
    assert got.petitioner is None and got.anonymous and got.review == ["petitioner"]
