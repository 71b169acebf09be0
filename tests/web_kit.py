"""A small home for the web app's tests, without OCR: two cases, Vietnamese documents with real
text layers (fpdf2), dossiers built and every page indexed, and two accounts: a leader cleared for
Tối mật (every case, every document) and a clerk. Shared by test_web*.py and bench/web.py."""

from __future__ import annotations

import re
from pathlib import Path

from dossier_kit import cli, tiny_home

CASE_A, CASE_B = "2024-HS-0123", "2025-HS-0007"
# (name, password) of the accounts build_web_home makes
LEADER = ("lanh.dao", "mat-khau-lanh-dao-1")
CLERK = ("van.thu", "mat-khau-van-thu-1")

# (batch, case, [page texts], [(doc id, type, pages, date, number, persons, article)])
SCANS = [
    (
        "scan-a1",
        CASE_A,
        [
            "VIỆN KIỂM SÁT NHÂN DÂN TỈNH QUẢNG NINH Số: 47/QĐ-VKS-P2 CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM "
            "Độc lập - Tự do - Hạnh phúc Quảng Ninh, ngày 15 tháng 3 năm 2024 QUYẾT ĐỊNH Phê chuẩn quyết định "
            "khởi tố bị can đối với Trần Văn Đức về tội Trộm cắp tài sản theo Điều 173 Bộ luật Hình sự.",
            "BIÊN BẢN HỎI CUNG BỊ CAN Hôm nay hồi 8 giờ, bị can Trần Văn Đức khai nhận đã lấy trộm xe máy "
            "Honda Wave của ông Nguyễn Văn Hòa tại phường Hồng Hải.",
            "Bị can khai tiếp: chiếc xe máy đã bán cho một người không quen biết ở chợ Hạ Long với giá "
            "năm triệu đồng. Biên bản kết thúc lúc 10 giờ cùng ngày.",
        ],
        [
            ("A-QD47", "qd_phe_chuan", [1], "2024-03-15", "47/QĐ-VKS-P2", ["Trần Văn Đức"], 173),
            ("A-HC1", "bien_ban_hoi_cung", [2, 3], "2024-03-20", None, ["Trần Văn Đức"], 173),
        ],
    ),
    (
        "scan-a2",
        CASE_A,
        [
            "VIỆN KIỂM SÁT NHÂN DÂN TỈNH QUẢNG NINH Số: 12/CT-VKS-P2 Quảng Ninh, ngày 03 tháng 5 năm 2024 "
            "CÁO TRẠNG Truy tố bị can Trần Văn Đức ra trước Tòa án nhân dân thành phố Hạ Long để xét xử "
            "về tội Trộm cắp tài sản theo khoản 1 Điều 173 Bộ luật Hình sự.",
        ],
        [("A-CT12", "cao_trang", [1], "2024-05-03", "12/CT-VKS-P2", ["Trần Văn Đức"], 173)],
    ),
    (
        "scan-b1",
        CASE_B,
        [
            "CÔNG AN TỈNH QUẢNG NINH Số: 9/QĐ-CSĐT QUYẾT ĐỊNH KHỞI TỐ VỤ ÁN HÌNH SỰ Quảng Ninh, ngày 02 tháng "
            "1 năm 2025 về tội Lừa đảo chiếm đoạt tài sản theo Điều 174 Bộ luật Hình sự, xảy ra tại thị xã "
            "Đông Triều. Người bị hại: bà Lê Thị Hoà.",
            "KẾT LUẬN GIÁM ĐỊNH số tiền bị chiếm đoạt là 120.000.000 đồng; chữ ký trên hợp đồng không phải "
            "của bà Lê Thị Hoà.",
        ],
        [
            ("B-QD9", "qd_khoi_to_vu_an", [1], "2025-01-02", "9/QĐ-CSĐT", ["Lê Thị Hoà"], 174),
            ("B-KL1", "ket_luan_giam_dinh", [2], "2025-02-10", None, ["Lê Thị Hoà"], 174),
        ],
    ),
]


def build_web_home(root: Path, *, opensearch_url: str | None = None, prefix: str | None = None) -> Path:
    """Build the home under `root`; returns its path. With `opensearch_url`, pages go to OpenSearch."""
    t = tiny_home(root)
    for batch, case_id, texts, documents in SCANS:
        t.batch(batch, texts, case_id=case_id)
        for doc_id, doc_type, pages, date, number, persons, article in documents:
            t.document(
                doc_id,
                doc_type,
                batch,
                pages,
                date=date,
                number=number,
                persons=[{"name": p, "role": "bi_can"} for p in persons],
                article=article,
                case_id=case_id,
            )
    t.catalog.close()
    home = t.home
    for case_id in (CASE_A, CASE_B):
        cli(home, "dossier", "rebuild", case_id)
    if opensearch_url:
        config = f'opensearch_url = "{opensearch_url}"\nopensearch_index_prefix = "{prefix}"\n'
        (home / "hoso.toml").write_text(config, encoding="utf-8")
        cli(home, "reindex", "--recreate")
    else:
        cli(home, "reindex")
    add_user(home, LEADER[0], "leader", "toi_mat", LEADER[1])
    add_user(home, CLERK[0], "clerk", "thuong", CLERK[1])
    for case_id in (CASE_A, CASE_B):  # a clerk works on the cases assigned for processing
        cli(home, "case", "assign", case_id, CLERK[0])
    return home


def add_user(home: Path, name: str, role: str, clearance: str, password: str) -> None:
    """`hoso user add`, the password on stdin as a script gives it."""
    from typer.testing import CliRunner

    from cli.main import app

    args = ["--home", str(home), "user", "add", name, "--role", role, "--clearance", clearance]
    result = CliRunner().invoke(app, args, input=password + "\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output


def csrf_of(html: str) -> str:
    """The CSRF token of a page's forms."""
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def signed_in(client, name: str, password: str):
    """Sign `client` (a TestClient or an httpx.Client) in through the sign-in page; returns it."""
    token = csrf_of(client.get("/dang-nhap").text)
    form = {"name": name, "password": password, "csrf": token, "next": "/"}
    response = client.post("/dang-nhap", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client
