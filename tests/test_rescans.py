"""A rescan of a paper the case already holds is listed for review as a probable duplicate, never
silently added twice; papers that only share a number (another series) or a template are not."""

from __future__ import annotations

from dossier_kit import cli_json, tiny_home

DECISION = (
    "VIỆN KIỂM SÁT NHÂN DÂN TỈNH QUẢNG NINH Số: 12/QĐ-VKS-P2 QUYẾT ĐỊNH phê chuẩn quyết định khởi tố bị can "
    "đối với {name}, sinh năm 1990, trú tại phường Hồng Hải, về tội Trộm cắp tài sản theo Điều 173 Bộ luật Hình sự."
)


def reviewed(tmp_path, papers: list[tuple[str, str, str | None, str | None]]) -> dict[str, dict]:
    """Each paper (name, text, number, date) scanned on its own, naming the person in it; what
    `hoso review --json` lists, by id."""
    home = tiny_home(tmp_path)
    for name, text, number, date in papers:
        home.batch(name, [text])
        person = next(p for p in ("Trần Văn Đức", "Lê Thị Hoà", "Nguyễn Văn An") if p in text)
        persons = [{"name": person, "role": "bi_can"}]
        home.document(name.upper(), "qd_phe_chuan", name, [1], number=number, date=date, persons=persons)
    home.catalog.close()
    return {item["id"]: item for item in cli_json(home.home, "review")["documents"]}


def test_a_rescan_is_listed_as_a_probable_duplicate_of_the_paper_already_there(tmp_path):
    original = DECISION.format(name="Trần Văn Đức")
    rescan = original.replace("Hồng Hải", "Hổng Hải").replace("QUYẾT ĐỊNH", "QUYẾT ÐỊNH")  # OCR reads it anew
    listed = reviewed(
        tmp_path, [("scan-1", original, "12/QĐ-VKS-P2", "2024-03-15"), ("scan-2", rescan, "12/QĐ-VKS-P2", "2024-03-15")]
    )
    assert "SCAN-1" not in listed  # the paper that came first stays as it is
    assert listed["SCAN-2"]["reasons"] == ["probable_duplicate"] and listed["SCAN-2"]["duplicate_of"] == "SCAN-1"


def test_one_number_in_two_series_or_one_template_is_no_duplicate(tmp_path):
    text = DECISION.format(name="Trần Văn Đức")
    listed = reviewed(
        tmp_path,
        [
            ("scan-1", text, "12/QĐ-VKS-P2", "2024-03-15"),
            ("scan-2", text + " Năm 2025.", "12/QĐ-VKS-P2", "2025-01-07"),  # the number again, next year
            ("scan-3", text.replace("12/", "13/"), "13/QĐ-VKS-P2", "2024-03-15"),  # the next decision that day
            ("scan-4", DECISION.format(name="Lê Thị Hoà"), None, None),  # one template, other persons,
            ("scan-5", DECISION.format(name="Nguyễn Văn An"), None, None),  # numbers and dates unread
        ],
    )
    assert not any("probable_duplicate" in item["reasons"] for item in listed.values())


def test_a_rescan_whose_number_went_unread_is_still_found(tmp_path):
    original = DECISION.format(name="Trần Văn Đức")
    rescan = original.replace("Số: 12/", "Số: 1 2 /")  # a filled-in number OCR did not put together
    listed = reviewed(tmp_path, [("scan-1", original, "12/QĐ-VKS-P2", "2024-03-15"), ("scan-2", rescan, None, None)])
    assert listed["SCAN-2"]["duplicate_of"] == "SCAN-1"
