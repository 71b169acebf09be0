"""Separator sheets to print and put between the papers before scanning.

`HOSO:SEP` marks a document break; `HOSO:CASE=<id>` a case break (the pages after it
belong to that case, whatever `--case` or the folder say). The code is a big QR code
(about 80 mm: read by the OCR stage at 72 dpi, pipeline.stages.ocr.LOOK_DPI) and is printed
in clear too, so a sheet whose QR code is damaged still reads from its OCR text.
Neither the sheet nor its text goes into any dossier.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

CODE_PREFIX = "HOSO:"  # what every code of a sheet starts with
SEPARATOR = f"{CODE_PREFIX}SEP"
CASE_PREFIX = f"{CODE_PREFIX}CASE="
# The code as printed in clear, to read from the OCR text when the QR code is unreadable.
PRINTED_CODE = re.compile(rf"{SEPARATOR}\b|{CASE_PREFIX}[\w-]+")
QR_MM = 80.0


def payload(case_id: str | None = None) -> str:
    return f"{CASE_PREFIX}{case_id}" if case_id else SEPARATOR


def _font(name: str) -> str:
    return str(resources.files("pipeline").joinpath(f"data/{name}"))


def separator_pdf(out: Path, case_id: str | None = None, *, unit: str | None = None, copies: int = 1) -> str:
    """Write an A4 PDF with `copies` identical separator sheets; returns the code on them."""
    code = payload(case_id)
    import segno  # the QR code
    from fpdf import FPDF  # imported here: split and OCR read the codes above without it

    qr = segno.make(code, error="m", micro=False, boost_error=False)
    matrix = [[bool(v & 1) for v in row] for row in qr.matrix]
    border = 4  # quiet zone, in modules
    modules = len(matrix) + 2 * border
    module = QR_MM / modules

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title("Tờ bìa hồ sơ" if case_id else "Tờ phân cách tài liệu")
    pdf.set_creator("hoso")
    pdf.add_font("Serif", "", _font("DejaVuSerif.ttf"))
    pdf.add_font("Serif", "B", _font("DejaVuSerif-Bold.ttf"))
    pdf.add_font("Serif", "I", _font("DejaVuSerif-Italic.ttf"))
    pdf.add_font("Sans", "B", _font("DejaVuSans-Bold.ttf"))
    width = pdf.w
    for _ in range(max(1, copies)):
        pdf.add_page()
        if unit:
            pdf.set_font("Serif", "B", 12)
            pdf.set_xy(15, 18)
            pdf.cell(width - 30, 7, unit.upper(), align="C")
        pdf.set_font("Serif", "B", 22)
        pdf.set_xy(15, 34)
        pdf.cell(width - 30, 12, "TỜ BÌA HỒ SƠ VỤ ÁN" if case_id else "TỜ PHÂN CÁCH TÀI LIỆU", align="C")
        if case_id:
            pdf.set_font("Serif", "B", 18)
            pdf.set_xy(15, 49)
            pdf.cell(width - 30, 10, f"Mã hồ sơ: {case_id}", align="C")
        # The QR code as filled squares, one rectangle per run of dark modules in a row.
        left, top = (width - QR_MM) / 2, 66.0
        pdf.set_fill_color(0, 0, 0)
        for y, row in enumerate(matrix):
            x = 0
            while x < len(row):
                if not row[x]:
                    x += 1
                    continue
                start = x
                while x < len(row) and row[x]:
                    x += 1
                pdf.rect(
                    left + (border + start) * module,
                    top + (border + y) * module,
                    (x - start) * module + 0.01,
                    module + 0.01,
                    style="F",
                )
        pdf.set_font("Sans", "B", 16)
        pdf.set_xy(15, top + QR_MM + 6)
        pdf.cell(width - 30, 9, code, align="C")
        pdf.set_font("Serif", "I", 12)
        hints = (
            [
                f"Đặt tờ này trước các tài liệu của hồ sơ {case_id} khi quét.",
                "Các trang sau tờ này thuộc hồ sơ trên, cho đến tờ bìa hồ sơ tiếp theo.",
            ]
            if case_id
            else ["Đặt tờ này giữa hai tài liệu khi quét:", "trang sau tờ này là trang đầu của một tài liệu mới."]
        )
        hints.append("Tờ này không được đưa vào hồ sơ điện tử.")
        for n, hint in enumerate(hints):
            pdf.set_xy(15, top + QR_MM + 20 + 7 * n)
            pdf.cell(width - 30, 7, hint, align="C")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    pdf.output(str(partial))
    partial.replace(out)
    return code
