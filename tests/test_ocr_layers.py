"""Which pages Tesseract reads, and what it says about them (real Tesseract, small fixtures).

- a real scan whose only text is its e-signature stamps is read; the stamps become facts;
- a junk (English-only) OCR layer is read again; a blank page is not;
- a born-digital page drawn as glyph outlines is read; a good born-digital page keeps its layer;
- word confidences are Tesseract's own, from OCRmyPDF's run.
Each fixture is OCRed once per module; the tests that OCR are marked `ocr`.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image, ImageDraw

from conftest import REPO, shared_or_skip, unavailable
from pipeline.models import OcrJob, OcrResult
from pipeline.stages.esignature import parse_pdf_date, read_signatures, signed_at_from_text, signer_from_text
from pipeline.stages.ocr import _confidences, _stamp_blocks, inspect_pages, read_hocr, run_ocr
from pipeline.text import fold

if str(REPO) not in sys.path:  # samples.make_samples, also under a bare `pytest`
    sys.path.insert(0, str(REPO))

REAL_DEV = "corpus/real-dev/files"
FONTS = REPO / "pipeline" / "data"
BODY = [
    "VIỆN KIỂM SÁT NHÂN DÂN TỈNH QUẢNG NINH",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Số: 27/QĐ-VKS-P2          Hạ Long, ngày 12 tháng 6 năm 2025",
    "QUYẾT ĐỊNH",
    "Phê chuẩn quyết định khởi tố bị can",
    "Căn cứ Điều 41, Điều 165 và Điều 179 Bộ luật Tố tụng hình sự;",
    "Xét Quyết định khởi tố bị can số 31/QĐ-CSĐT ngày 10 tháng 6 năm 2025 của",
    "Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh đối với Trần Văn Hùng",
    "về tội trộm cắp tài sản theo khoản 1 Điều 173 Bộ luật Hình sự.",
    "Xét thấy có đủ căn cứ xác định hành vi của bị can đã cấu thành tội phạm,",
    "VIỆN TRƯỞNG VIỆN KIỂM SÁT NHÂN DÂN TỈNH QUẢNG NINH QUYẾT ĐỊNH:",
    "Điều 1. Phê chuẩn Quyết định khởi tố bị can nói trên.",
    "Điều 2. Yêu cầu Cơ quan điều tra thực hiện theo quy định của pháp luật.",
]


def ocr(pdf: Path, out: Path) -> OcrResult:
    job = OcrJob(
        batch_id=f"test-{pdf.stem}-0123456789",
        kind="pdf",
        sources=[pdf],
        output_pdf=out / f"{pdf.stem}.ocr.pdf",
        languages="vie",
        max_pixels=200_000_000,
        tmp_dir=out / "tmp",
    )
    return run_ocr(job)


def folded(text: str) -> str:
    return fold(" ".join(text.split())).upper()


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def esig_page(tmp_path_factory) -> OcrResult:
    """Page 1 of a real signed scan: e-signature widgets over a colour scan, no other text."""
    source = shared_or_skip(f"{REAL_DEV}/qng_04-CT-UBND_20240315.pdf")
    work = tmp_path_factory.mktemp("esig")
    page = work / "esig.pdf"
    subprocess.run(["qpdf", "--empty", "--pages", str(source), "1", "--", str(page)], check=True)
    return ocr(page, work)


@pytest.fixture(scope="module")
def junk_and_blank(tmp_path_factory) -> OcrResult:
    """A scan under an English-only OCR layer (no diacritics), then a blank page."""
    from samples.make_samples import (
        add_text_layer,
        doc_0002_thong_bao,
        layout_document,
        pdf_from_images,
        render_page,
        strip_diacritics,
    )

    work = tmp_path_factory.mktemp("junk")
    page = layout_document(doc_0002_thong_bao())[0]
    scan = render_page(page, dpi=150, noise=False)
    blank = Image.new("L", scan.size, 250)
    pdf = add_text_layer(
        pdf_from_images([scan, blank]),
        page,
        lambda s: strip_diacritics(s).encode("ascii"),
        font="Helvetica",
        invisible=True,
    )
    path = work / "junk.pdf"
    path.write_bytes(pdf)
    with pdfplumber.open(path) as opened:  # the fixture is what it claims to be
        assert "CONG HOA XA HOI" in (opened.pages[0].extract_text() or "")
    return ocr(path, work)


def born_digital(path: Path, lines: list[str], *, seal: bool) -> Path:
    """A one-page born-digital PDF (fpdf2, DejaVu Serif), optionally with a red seal picture."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSerif.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSerif-Bold.ttf"))
    pdf.add_page()
    y = 60.0
    for i, line in enumerate(lines):
        bold = line.isupper()
        pdf.set_font("DejaVu", "B" if bold else "", 13 if bold else 12)
        width = pdf.get_string_width(line)
        x = (595 - width) / 2 if bold or i < 3 else 70
        pdf.text(x, y, line)
        if i == 2:
            pdf.line(x + 20, y + 4, x + width - 20, y + 4)  # the motto's underline: a rule, not text
        y += 26
    if seal:
        ring = Image.new("RGB", (240, 240), "white")
        draw = ImageDraw.Draw(ring)
        draw.ellipse((8, 8, 232, 232), outline=(200, 30, 40), width=14)
        draw.ellipse((70, 70, 170, 170), fill=(200, 30, 40))
        buffer = io.BytesIO()
        ring.save(buffer, format="PNG")
        pdf.image(buffer, x=340, y=y + 10, w=120, h=120)
    pdf.output(str(path))
    return path


@pytest.fixture(scope="module")
def digital(tmp_path_factory) -> OcrResult:
    """Page 1 born-digital with a good layer (and a seal picture); page 2 the same kind of page
    with its glyphs turned into outlines (gs -dNoOutputFonts): no text, no image."""
    if not shutil.which("gs"):
        unavailable("Ghostscript is not installed")
    work = tmp_path_factory.mktemp("digital")
    good = born_digital(work / "good.pdf", BODY, seal=True)
    text = born_digital(
        work / "text.pdf",
        [line.replace("27/QĐ", "28/QĐ").replace("Trần Văn Hùng", "Lê Thị Mai") for line in BODY],
        seal=False,
    )
    outlines = work / "outlines.pdf"
    subprocess.run(["gs", "-q", "-o", str(outlines), "-sDEVICE=pdfwrite", "-dNoOutputFonts", str(text)], check=True)
    with pdfplumber.open(outlines) as opened:  # the fixture is what it claims to be
        assert not opened.pages[0].chars and not opened.pages[0].images
    both = work / "digital.pdf"
    subprocess.run(["qpdf", "--empty", "--pages", str(good), str(outlines), "--", str(both)], check=True)
    return ocr(both, work)


# --- the e-signature page --------------------------------------------------------------------


@pytest.mark.ocr
def test_a_scan_under_e_signature_stamps_is_read(esig_page):
    page = esig_page.pages[0]
    assert esig_page.ocr_pages == [1] and page.layer == "ocr"
    assert "CHI THI" in folded(page.text) and "CT-UBND" in page.text
    assert "UY BAN NHAN DAN" in folded(page.text)


@pytest.mark.ocr
def test_the_e_signature_stamps_are_facts_not_text(esig_page):
    page = esig_page.pages[0]
    for stamp_text in ("KY BOI", "THOI GIAN KY", "TTCBTH", "18/03/2024", "18.03.2024"):
        assert stamp_text not in folded(page.text)
    assert not any("ttcbth" in word.text or word.text.startswith("18.03") for word in page.words)
    signers = {signature.signer: signature.signed_at for signature in page.esignatures}
    assert signers.get("Ủy ban nhân dân tỉnh Quảng Ngãi") == "2024-03-18T08:41:42"
    assert all(signed_at.startswith("2024-03-18") for signed_at in signers.values()) and len(signers) == 2
    # a stamp reader must never take the e-signature stamp for a register stamp; its place is kept
    # (as an "esignature" box) so that nothing, not even a bút lục, is drawn over it
    top_right = [stamp for stamp in page.stamps if stamp.box and stamp.box[1] < 60 and stamp.box[0] > 210]
    assert [stamp.kind for stamp in top_right] == ["esignature", "esignature"]


@pytest.mark.ocr
def test_word_confidences_are_tesseracts(esig_page, junk_and_blank):
    for page in (esig_page.pages[0], junk_and_blank.pages[0]):
        confs = [word.conf for word in page.words]
        read = [c for c in confs if c is not None]
        assert len(read) >= 0.95 * len(confs) and len(read) > 50
        assert all(0 <= c <= 100 for c in read) and len(set(read)) > 5  # Tesseract's own spread, not one value
        assert page.confidence == round(sum(read) / len(read), 1)
        assert page.confidence > 60
    # the handwritten number of the real scan is read with less confidence than the printed words
    number = [word for word in esig_page.pages[0].words if word.text.startswith("Số")]
    assert number and min(word.conf for word in number) < esig_page.pages[0].confidence


# --- junk layer and blank page ---------------------------------------------------------------


@pytest.mark.ocr
def test_a_junk_layer_is_read_again(junk_and_blank):
    page = junk_and_blank.pages[0]
    assert junk_and_blank.ocr_pages == [1] and page.layer == "ocr"
    assert "CONG HOA XA HOI" not in page.text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page.text and "THÔNG BÁO" in page.text


@pytest.mark.ocr
def test_a_blank_page_skips_tesseract(junk_and_blank):
    blank = junk_and_blank.pages[1]
    assert blank.blank and blank.layer == "none" and blank.text == "" and blank.confidence is None


# --- born-digital pages ----------------------------------------------------------------------


@pytest.mark.ocr
def test_a_good_born_digital_layer_is_kept(digital):
    kept = digital.pages[0]
    assert kept.layer == "kept" and 1 not in digital.ocr_pages
    assert "Phê chuẩn quyết định khởi tố bị can" in kept.text and "27/QĐ-VKS-P2" in kept.text
    assert kept.confidence is None and all(word.conf is None for word in kept.words)


@pytest.mark.ocr
def test_an_outline_glyph_page_is_read(digital):
    page = digital.pages[1]
    assert digital.ocr_pages == [2] and page.layer == "ocr"
    text = folded(page.text)
    assert "QUYET DINH" in text and "LE THI MAI" in text and "SO: 28/" in text and "VKS-P2" in text
    assert len(page.words) > 50 and page.confidence is not None


# --- layers judged by what the page shows -----------------------------------------------------------------------


@pytest.mark.ocr
def test_a_scan_with_a_flattened_stamp_is_partial_and_read(tmp_path):
    """A scan with e-signature stamp text drawn into the page (no widget left to tell): partial,
    read by Tesseract, the stamp a signature."""
    from fpdf import FPDF

    from samples.make_samples import doc_0002_thong_bao, layout_document, render_page

    scan = tmp_path / "scan.png"
    render_page(layout_document(doc_0002_thong_bao())[0], dpi=100, noise=False).save(scan)
    pdf = FPDF(format="A4", unit="pt")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSerif.ttf"))
    pdf.add_page()
    pdf.image(str(scan), x=0, y=0, w=595.28, h=841.89)
    pdf.set_font("DejaVu", "", 7)
    for i, line in enumerate(
        ["Ký bởi: Ủy ban nhân dân tỉnh Quảng Ninh", "Cơ quan: Tỉnh Quảng Ninh", "Thời gian ký: 18/03/2024 08:41:42"]
    ):
        pdf.text(400, 20 + 9 * i, line)
    flattened = tmp_path / "flattened.pdf"
    pdf.output(str(flattened))
    [look] = inspect_pages(flattened)
    assert look.layer == "partial" and look.needs_ocr and look.uncovered > 0.8
    [stamp] = look.text_stamps  # the stamp's words, found as a block, are a signature
    assert stamp.signature.signer == "Ủy ban nhân dân tỉnh Quảng Ninh"
    assert stamp.signature.signed_at == "2024-03-18T08:41:42"
    assert stamp.rect[0] < 400 < stamp.rect[2] and stamp.rect[1] < 842 - 38 < stamp.rect[3]  # user space
    result = ocr(flattened, tmp_path)
    page = result.pages[0]
    assert page.layer == "ocr" and "THÔNG BÁO" in page.text and "Kết quả giải quyết" in page.text
    assert "Ký bởi" not in page.text and "08:41" not in page.text
    assert [(s.signer, s.signed_at) for s in page.esignatures] == [
        ("Ủy ban nhân dân tỉnh Quảng Ninh", "2024-03-18T08:41:42")
    ]


def test_a_born_digital_page_with_a_seal_picture_covers_its_page(tmp_path):
    [look] = inspect_pages(born_digital(tmp_path / "good.pdf", BODY, seal=True))
    assert look.layer == "good" and not look.needs_ocr and look.uncovered < 0.05
    assert look.colour > 0.001  # the red seal: worth a colour render for the stamp reader


@pytest.mark.ocr
def test_signed_born_digital_page_keeps_its_number_and_drops_its_stamp(tmp_path):
    """qng_565 is born-digital: signed fields draw its number and day (kept) and a stamp (dropped)."""
    source = shared_or_skip(f"{REAL_DEV}/qng_565-TB-UBND_20241115.pdf")
    page = tmp_path / "p1.pdf"
    subprocess.run(["qpdf", "--empty", "--pages", str(source), "1", "--", str(page)], check=True)
    widgets = read_signatures(page)[1]
    assert [w.stamp for w in widgets] == [False, False, True]
    result = ocr(page, tmp_path)
    kept = result.pages[0]
    assert result.ocr_pages == [] and kept.layer == "kept"
    assert "565/TB-UBND" in kept.text.replace(" ", "") and "THÔNG BÁO" in kept.text
    assert "ttcbth" not in kept.text and "18.11.2024" not in kept.text
    assert ("TRUNG TÂM CÔNG BÁO VÀ TIN HỌC", "2024-11-18T07:25:14") in {
        (s.signer, s.signed_at) for s in kept.esignatures
    }


def test_signature_facts_are_parsed():
    assert parse_pdf_date("D:20240318084142+07'00'") == "2024-03-18T08:41:42"
    assert parse_pdf_date("D:2024") == "2024-01-01T00:00:00" and parse_pdf_date("2024") is None
    stamp = "Ký bởi: Ủy ban nhân dân tỉnh Quảng\nNgãi\nCơ quan: Tỉnh Quảng Ngãi\nThời gian ký: 18/03/2024 08:41:42"
    assert signer_from_text(unicodedata.normalize("NFC", stamp)) == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert signed_at_from_text(stamp) == "2024-03-18T08:41:42"
    assert signed_at_from_text("ttcbth@quangngai.gov.vn\n18.03.2024 09:29:39\n+07:00") == "2024-03-18T09:29:39"
    assert signer_from_text("18.03.2024 09:29:39") is None


def test_hocr_pixels_map_onto_pdf_points(tmp_path):
    hocr = tmp_path / "000001.hocr"
    hocr.write_text(
        "<div class='ocr_page' id='page_1' title='image \"x.png\"; bbox 0 0 1240 1754; ppageno 0'>"
        "<span class='ocrx_word' id='word_1_1' title='bbox 124 175 372 219; x_wconf 91'>QUYẾT</span> "
        "<span class='ocrx_word' id='word_1_2' title='bbox 400 175 520 219; x_wconf 37'>ĐỊNH</span>"
        "<span class='ocrx_word' id='word_1_3' title='bbox 124 300 200 340; x_wconf 88'>Số:</span></div>",
        encoding="utf-8",
    )
    words = read_hocr(hocr, 595.2, 841.92)
    assert [w.text for w in words] == ["QUYẾT", "ĐỊNH", "Số:"]
    assert words[0].x0 == pytest.approx(59.52) and words[0].top == pytest.approx(84.0, abs=0.05)
    plumber = [
        dict(x0=60, top=84, x1=178, bottom=105),
        dict(x0=60, top=84, x1=250, bottom=105),
        dict(x0=300, top=400, x1=320, bottom=410),
    ]
    # one word each, the lower of two merged words, none where Tesseract read nothing
    assert _confidences(plumber, words) == [91.0, 37.0, None]


def test_only_stamp_sized_blocks_that_say_signing_are_stamps():
    def line(text: str, x0: float, top: float, size: float = 7.0) -> list[dict]:
        words, x = [], x0
        for word in text.split():
            words.append(dict(text=word, x0=x, top=top, x1=x + 0.5 * size * len(word), bottom=top + size))
            x += 0.5 * size * (len(word) + 1)
        return words

    stamp = (
        line("Ký bởi: Ủy ban nhân dân tỉnh Quảng Ngãi", 380, 10)
        + line("Cơ quan: Tỉnh Quảng Ngãi", 380, 18)
        + line("Thời gian ký: 18/03/2024 08:41:42", 380, 26)
    )
    header = line("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", 60, 70, 12)
    body = [
        w
        for i in range(4)
        for w in line(
            "Biên bản lập hồi 18/03/2024 08:30:15 tại trụ sở Ủy ban nhân dân xã Nghĩa Hà, huyện Tư Nghĩa, tỉnh Quảng Ngãi, "
            "với sự có mặt của các thành phần dưới đây",
            60,
            300 + 14 * i,
            12,
        )
    ]
    blocks = _stamp_blocks(stamp + header + body, 595.0, 842.0)
    assert len(blocks) == 1
    (x0, top, x1, bottom), text = blocks[0]
    assert text.startswith("Ký bởi:") and "08:41:42" in text and "ỦY BAN" not in text
    assert x0 < 380 < x1 and top < 10 and 33 < bottom < 70


def test_a_schedule_is_no_signing_stamp():
    from pipeline.stages.esignature import is_signing_text

    assert not is_signing_text("15/5/2025 08:00 Khai mạc hội nghị")
    assert is_signing_text("ttcbth@quangngai.gov.vn 18.03.2024 09:29:39 +07:00")
    assert is_signing_text("Ký bởi: Ủy ban nhân dân tỉnh Quảng Ngãi")


def test_a_grey_pages_stamps_are_read_levelled_then_as_it_came(monkeypatch):
    # A bilevel frame's broken sides are found on one render and lost on the other: the levelled
    # page is read first, the page as it came only when the levelled one shows no stamp.
    from pipeline.models import Stamp
    from pipeline.stages import ocr, stamps

    class Page:
        def __init__(self, name):
            self.name, self.width, self.height, self.page_number = name, 595.0, 842.0, 1

    levelled, came = Page("levelled"), Page("came")
    read = []

    def grey(image, dpi, words):
        read.append(image.info["page"])
        return shown[image.info["page"]]

    def render(page, dpi):
        image = Image.new("L", (10, 10), 255)
        image.info["page"] = page.name
        return image

    monkeypatch.setattr(ocr, "_render", render)
    monkeypatch.setattr(stamps, "find_stamps_grey", grey)
    monkeypatch.setattr(stamps, "stamps_in_words", lambda *a: [])
    look = ocr.PageLook(layer="none", ink=0.1, barcodes=[], scan_dpi=300.0)
    mat, register = Stamp("classification", "MẬT", mark="MẬT"), Stamp("received", "", number="937")

    shown = {"levelled": [mat], "came": [register]}
    assert ocr._stamps(levelled, came, look, [], True, []) == [mat] and read == ["levelled"]
    read.clear()
    shown = {"levelled": [], "came": [register]}
    assert ocr._stamps(levelled, came, look, [], True, []) == [register] and read == ["levelled", "came"]
    read.clear()
    assert ocr._stamps(levelled, levelled, look, [], True, []) == [] and read == ["levelled"]  # turned: one render
