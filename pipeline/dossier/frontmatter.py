"""The dossier's front matter: the cover (bìa hồ sơ) and the table of contents (MỤC LỤC).

Drawn with fpdf2 in the packaged DejaVu Serif, embedded as a subset with a
ToUnicode map, so every Vietnamese letter shows (no tofu) and the text can be
selected, searched and copied as NFC.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources

from fpdf import FPDF
from fpdf.fonts import FontFace

FONTS = {"": "data/DejaVuSerif.ttf", "B": "data/DejaVuSerif-Bold.ttf", "I": "data/DejaVuSerif-Italic.ttf"}
FAMILY = "DejaVuSerif"

# The case kind in the id (2024-HS-0123) names the dossier.
DOSSIER_TITLES = {
    "HS": "HỒ SƠ VỤ ÁN HÌNH SỰ",
    "DS": "HỒ SƠ VỤ VIỆC DÂN SỰ",
    "HC": "HỒ SƠ VỤ ÁN HÀNH CHÍNH",
    "KDTM": "HỒ SƠ VỤ VIỆC KINH DOANH, THƯƠNG MẠI",
    "LĐ": "HỒ SƠ VỤ VIỆC LAO ĐỘNG",
    "HNGĐ": "HỒ SƠ VỤ VIỆC HÔN NHÂN VÀ GIA ĐÌNH",
    "KN": "HỒ SƠ GIẢI QUYẾT KHIẾU NẠI, TỐ CÁO",
}


@dataclass
class TocEntry:
    stt: int
    name: str  # tên tài liệu
    number: str | None  # số/ký hiệu
    date: str | None  # ISO
    but_luc: tuple[int, int]  # từ – đến
    late: bool = False  # added after the dossier was sealed


@dataclass
class Seal:
    at: str  # ISO date
    but_luc: tuple[int, int]


@dataclass
class Cover:
    unit: str
    case_id: str
    crime: str | None = None
    accused: list[str] = field(default_factory=list)
    victims: list[str] = field(default_factory=list)
    first_date: str | None = None
    last_date: str | None = None
    documents: int = 0
    but_luc: tuple[int, int] | None = None
    sheets: int = 0  # content pages
    total_pages: int = 0  # pages of the whole PDF, front matter included
    seals: list[Seal] = field(default_factory=list)
    version: int = 1
    built_at: str = ""  # ISO date and time


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def vn_date(iso: str | None) -> str:
    if not iso:
        return ""
    year, month, day = iso[:10].split("-")
    return f"{day}/{month}/{year}"


def unit_lines(unit: str) -> str:
    """'Viện kiểm sát nhân dân tỉnh Quảng Ninh' → two lines, broken before the place, as on a letterhead."""
    return re.sub(
        r"\s+(?=(?:tỉnh|thành phố|huyện|quận|thị xã|khu vực|cấp cao|tối cao)\b)",
        "\n",
        nfc(unit.strip()),
        count=1,
        flags=re.IGNORECASE,
    )


def dossier_title(case_id: str) -> str:
    parts = case_id.split("-")
    kind = parts[1] if len(parts) >= 3 else ""
    return DOSSIER_TITLES.get(kind.upper(), "HỒ SƠ VỤ ÁN")


class _Doc(FPDF):
    def __init__(self, case_id: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.case_id = case_id
        for style, path in FONTS.items():
            self.add_font(FAMILY, style, str(resources.files("pipeline").joinpath(path)))
        self.set_margins(25, 20, 15)
        self.set_auto_page_break(True, margin=18)
        self.set_creator("hoso")
        self.toc_started: int | None = None

    def footer(self) -> None:
        if self.toc_started is None:
            return
        self.set_y(-13)
        self.set_font(FAMILY, "I", 8)
        self.set_text_color(90, 90, 90)
        self.cell(
            0, 5, nfc(f"Hồ sơ {self.case_id} — Mục lục, trang {self.page_no() - self.toc_started + 1}"), align="R"
        )
        self.set_text_color(0, 0, 0)


def render(cover: Cover, entries: list[TocEntry], content_pages: int | None = None) -> tuple[bytes, int]:
    """The cover page and the Mục lục pages as one PDF; returns (bytes, number of pages).

    With `content_pages`, the cover's page count is the front matter's pages plus these:
    the Mục lục is drawn first, then the cover on the page kept for it.
    """
    doc = _Doc(cover.case_id)
    doc.add_page()  # the cover's, drawn last
    _toc(doc, cover, entries)
    last = doc.page
    if content_pages is not None:
        cover.total_pages = last + content_pages
    doc.page = 1
    _cover(doc, cover)
    doc.page = last
    return bytes(doc.output()), last


def _cover(doc: _Doc, cover: Cover) -> None:
    # A double frame, as on a printed dossier cover.
    doc.set_draw_color(40, 40, 40)
    doc.set_line_width(0.8)
    doc.rect(14, 12, 182, 273)
    doc.set_line_width(0.25)
    doc.rect(16, 14, 178, 269)

    doc.set_xy(22, 24)
    doc.set_font(FAMILY, "B", 12)
    doc.multi_cell(90, 6, nfc(unit_lines(cover.unit).upper()), align="C", new_x="LMARGIN", new_y="NEXT")
    y = doc.get_y() + 1
    doc.line(52, y, 82, y)

    doc.set_y(78)
    doc.set_font(FAMILY, "B", 22)
    doc.multi_cell(0, 11, nfc(dossier_title(cover.case_id)), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    doc.set_font(FAMILY, "I", 11)
    doc.cell(0, 6, nfc("(Hồ sơ điện tử lập từ bản quét hồ sơ giấy)"), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    doc.set_font(FAMILY, "B", 15)
    doc.cell(0, 8, nfc(f"Số hồ sơ: {cover.case_id}"), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(12)

    lines: list[tuple[str, str]] = []
    if cover.crime:
        lines.append(("Tội danh", cover.crime))
    if cover.accused:
        lines.append(("Bị can, bị cáo", ", ".join(cover.accused)))
    if cover.victims:
        lines.append(("Người bị hại", ", ".join(cover.victims)))
    if cover.first_date or cover.last_date:
        first, last = vn_date(cover.first_date), vn_date(cover.last_date)
        lines.append(("Thời gian", f"từ ngày {first} đến ngày {last}" if first != last else f"ngày {first}"))
    content = f"{cover.documents} tài liệu"
    if cover.but_luc:
        content += f", {cover.sheets} bút lục (từ bút lục {cover.but_luc[0]} đến bút lục {cover.but_luc[1]})"
    lines.append(("Gồm", content))
    lines.append(("Tệp hồ sơ", f"{cover.total_pages} trang PDF (bìa và mục lục không đánh bút lục)"))
    if cover.seals:
        seal_text = "; ".join(f"ngày {vn_date(s.at)}, bút lục {s.but_luc[0]}–{s.but_luc[1]}" for s in cover.seals)
        sealed_through = max(s.but_luc[1] for s in cover.seals)
        if cover.but_luc and cover.but_luc[1] > sealed_through:
            seal_text += f"; bổ sung sau niêm phong: bút lục {sealed_through + 1}–{cover.but_luc[1]}"
        lines.append(("Niêm phong", seal_text))
    else:
        lines.append(("Tình trạng", "chưa niêm phong (số bút lục còn có thể thay đổi)"))

    left, label_w = 30, 38
    for label, value in lines:
        doc.set_x(left)
        doc.set_font(FAMILY, "B", 12)
        doc.cell(label_w, 7, nfc(label + ":"))
        doc.set_font(FAMILY, "", 12)
        doc.multi_cell(180 - left - label_w, 7, nfc(value), align="L", new_x="LMARGIN", new_y="NEXT")
        doc.ln(1.5)

    doc.set_y(262)
    doc.set_font(FAMILY, "I", 9)
    doc.set_text_color(70, 70, 70)
    built = vn_date(cover.built_at) + (f" {cover.built_at[11:16]}" if len(cover.built_at) >= 16 else "")
    doc.multi_cell(
        0,
        4.5,
        nfc(
            f"Phiên bản {cover.version}, lập ngày {built}. Bút lục ghi ở góc trên bên phải "
            "mỗi trang tài liệu; mục lục và số trang trong trình xem PDF theo bút lục."
        ),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.set_text_color(0, 0, 0)


def _toc(doc: _Doc, cover: Cover, entries: list[TocEntry]) -> None:
    doc.add_page()
    doc.toc_started = doc.page_no()
    doc.set_font(FAMILY, "B", 15)
    doc.cell(0, 9, nfc("MỤC LỤC"), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font(FAMILY, "", 10.5)
    doc.cell(0, 6, nfc(f"Hồ sơ {cover.case_id}"), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)

    doc.set_font(FAMILY, "", 9.5)
    heading = FontFace(emphasis="BOLD", fill_color=(232, 232, 232))
    sealed_at = vn_date(cover.seals[-1].at) if cover.seals else ""
    with doc.table(
        col_widths=(10, 70, 36, 24, 15, 15),
        text_align=("CENTER", "LEFT", "LEFT", "CENTER", "CENTER", "CENTER"),
        line_height=4.6,
        num_heading_rows=2,
        repeat_headings=1,
        headings_style=heading,
        v_align="MIDDLE",
        padding=(1.2, 1.2),
    ) as table:
        row = table.row()
        row.cell("STT", rowspan=2, align="CENTER")
        row.cell(nfc("Tên tài liệu"), rowspan=2, align="CENTER")
        row.cell(nfc("Số/ký hiệu"), rowspan=2, align="CENTER")
        row.cell(nfc("Ngày"), rowspan=2, align="CENTER")
        row.cell(nfc("Bút lục"), colspan=2, align="CENTER")
        row = table.row()
        row.cell(nfc("Từ"), align="CENTER")
        row.cell(nfc("Đến"), align="CENTER")
        late_heading_done = False
        for entry in entries:
            if entry.late and not late_heading_done:
                late_heading_done = True
                row = table.row()
                row.cell(
                    nfc(f"Tài liệu bổ sung sau khi niêm phong ngày {sealed_at}"),
                    colspan=6,
                    align="LEFT",
                    style=FontFace(emphasis="ITALICS"),
                )
            row = table.row()
            row.cell(str(entry.stt))
            row.cell(nfc(entry.name))
            row.cell(nfc(entry.number or ""))
            row.cell(vn_date(entry.date))
            row.cell(str(entry.but_luc[0]))
            row.cell(str(entry.but_luc[1]))
    doc.ln(4)
    doc.set_font(FAMILY, "I", 10)
    total = f"Tổng cộng: {len(entries)} tài liệu"
    if cover.but_luc:
        total += f", {cover.sheets} bút lục (từ {cover.but_luc[0]} đến {cover.but_luc[1]})"
    doc.cell(0, 6, nfc(total + "."), new_x="LMARGIN", new_y="NEXT")
