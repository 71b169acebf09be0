"""`hoso separator` (issue 5, item 1): the sheet it prints reads back as the OCR stage reads pages
(pdfplumber at 72 dpi, pipeline.stages.ocr.LOOK_DPI, then zbar), also after printing and scanning, and the
splitter takes it as a document or case break."""

from __future__ import annotations

import unicodedata

import pdfplumber
import pikepdf
from PIL import Image

from conftest import hoso, hoso_json
from pipeline.models import PageText
from pipeline.stages.barcodes import decode_barcodes
from pipeline.stages.ocr import LOOK_DPI, inspect_pages
from pipeline.stages.split import split_batch
from pipeline.taxonomy import load_taxonomy
from test_header import laid_out

CASE = "2024-HS-0123"
DECISION = """CÔNG AN TỈNH QUẢNG NINH
Số: 14/QĐ-CSĐT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
QUYẾT ĐỊNH
Khởi tố bị can"""
CONTINUED = "hiện hành vi phạm tội Trộm cắp tài sản quy định tại Điều 173 Bộ luật Hình sự."


def looked_at(pdf_path, page: int = 0) -> list[str]:
    """The codes on a page as the OCR stage sees them: rendered at 72 dpi, decoded by zbar."""
    with pdfplumber.open(pdf_path) as pdf:
        return decode_barcodes(pdf.pages[page].to_image(resolution=LOOK_DPI).original)


def printed_and_scanned(pdf_path, out_path, dpi: int = 200) -> None:
    """Print the sheet and scan it back: a bilevel 200 dpi image in a PDF, no text layer."""
    with pdfplumber.open(pdf_path) as pdf:
        image = pdf.pages[0].to_image(resolution=dpi).original.convert("L")
    image = image.rotate(1.5, resample=Image.BICUBIC, fillcolor=255, expand=True)  # fed a little askew
    image.point(lambda v: 0 if v < 128 else 255).convert("1").save(out_path, "PDF", resolution=dpi)


def test_document_separator_reads_back_at_72_dpi(tmp_path):
    sheet = tmp_path / "sep.pdf"
    report = hoso_json(tmp_path / "home", "separator", "--out", str(sheet))
    assert report["code"] == "HOSO:SEP" and report["case_id"] is None
    assert looked_at(sheet) == ["HOSO:SEP"]
    with pdfplumber.open(sheet) as pdf:
        assert len(pdf.pages) == 1 and round(pdf.pages[0].width) == 595 and round(pdf.pages[0].height) == 842
        text = pdf.pages[0].extract_text()
    assert "TỜ PHÂN CÁCH TÀI LIỆU" in text and "HOSO:SEP" in text
    assert text == unicodedata.normalize("NFC", text) and "\ufffd" not in text
    # The OCR stage takes it for a separator: not blank, not sent to Tesseract.
    look = inspect_pages(sheet)[0]
    assert look.separator and not look.needs_ocr and not look.blank


def test_case_separator_reads_back_after_print_and_scan(tmp_path):
    sheet, scanned = tmp_path / "case.pdf", tmp_path / "scanned.pdf"
    hoso(tmp_path / "home", "separator", "--case", CASE, "--out", str(sheet))
    assert looked_at(sheet) == [f"HOSO:CASE={CASE}"]
    with pdfplumber.open(sheet) as pdf:
        text = pdf.pages[0].extract_text()
    assert f"Mã hồ sơ: {CASE}" in text and "TỜ BÌA HỒ SƠ VỤ ÁN" in text
    printed_and_scanned(sheet, scanned)
    with pdfplumber.open(scanned) as pdf:
        assert not (pdf.pages[0].extract_text() or "").strip()  # only the image now
    assert looked_at(scanned) == [f"HOSO:CASE={CASE}"]
    assert inspect_pages(scanned)[0].separator


def test_fonts_are_embedded_with_every_glyph(tmp_path):
    sheet = tmp_path / "sep.pdf"
    hoso(tmp_path / "home", "separator", "--case", CASE, "--out", str(sheet))
    with pikepdf.open(sheet) as pdf:
        fonts = pdf.pages[0].Resources.Font
        for name in fonts.keys():
            descriptor = fonts[name].DescendantFonts[0].FontDescriptor
            assert "/FontFile2" in descriptor, name  # embedded TrueType: no substitution, no tofu
    with pdfplumber.open(sheet) as pdf:
        chars = pdf.pages[0].chars
    assert chars and all(c["text"] != "\ufffd" for c in chars)
    assert "ĐẶT" in "".join(c["text"] for c in chars).upper()


def test_splitter_takes_the_sheets_as_breaks(tmp_path):
    sheets = {}
    for name, args in (("sep", []), ("case", ["--case", CASE])):
        sheets[name] = tmp_path / f"{name}.pdf"
        hoso(tmp_path / "home", "separator", *args, "--out", str(sheets[name]))

    def sheet_page(number: int, name: str) -> PageText:
        with pdfplumber.open(sheets[name]) as pdf:
            page = pdf.pages[0]
            return PageText(number, page.extract_text(), barcodes=looked_at(sheets[name]))

    # A page that would continue the decision starts a document after a HOSO:SEP sheet.
    taxonomy = load_taxonomy()
    joined = split_batch(laid_out([PageText(1, DECISION), PageText(2, CONTINUED)]), taxonomy)
    assert [s.pages for s in joined] == [[1, 2]]
    pages = [
        PageText(1, DECISION),
        sheet_page(2, "sep"),
        PageText(3, CONTINUED),
        sheet_page(4, "case"),
        PageText(5, DECISION),
    ]
    segments = split_batch(laid_out(pages), taxonomy)
    assert [s.pages for s in segments] == [[1], [3], [5]]  # the sheets belong to no document
    assert [s.case_id for s in segments] == [None, None, CASE]


def test_copies_and_bad_case_ids(tmp_path):
    sheet = tmp_path / "three.pdf"
    report = hoso_json(tmp_path / "home", "separator", "--out", str(sheet), "--copies", "3")
    assert report["pages"] == 3
    with pdfplumber.open(sheet) as pdf:
        assert len(pdf.pages) == 3
    assert looked_at(sheet, 2) == ["HOSO:SEP"]
    bad = hoso(tmp_path / "home", "separator", "--case", "vu an 12", "--out", str(tmp_path / "bad.pdf"), check=False)
    assert bad.returncode == 2 and not (tmp_path / "bad.pdf").exists()
