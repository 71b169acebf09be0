"""What the OCR stage does before Tesseract runs: levelling scans, ink (no OCR here)."""

from __future__ import annotations

import img2pdf
import pikepdf
from PIL import Image

from pipeline.stages.deskew import fine_skew, straighten
from pipeline.stages.ocr import ink_share
from samples.make_samples import render_document


def page(skew: float = 0.0, dpi: int = 100) -> Image.Image:
    images, _ = render_document("qd_khoi_to_vu_an", dpi=dpi, noise=False, skew=0.0)
    return images[0].rotate(skew, resample=Image.BILINEAR, fillcolor="white") if skew else images[0]


def test_skew_is_measured_to_a_fraction_of_a_degree():
    assert abs(fine_skew(page())) <= 0.1
    assert abs(fine_skew(page(1.3)) + 1.3) <= 0.2
    assert abs(fine_skew(page(-0.6)) - 0.6) <= 0.2


def test_straighten_levels_the_scan_image_in_place(tmp_path):
    for mode in ("L", "1"):
        leaning = page(1.5).convert(mode)
        scan = tmp_path / f"scan-{mode}.tif"
        leaning.save(scan, dpi=(100, 100), **({"compression": "group4"} if mode == "1" else {}))
        source, level = tmp_path / f"in-{mode}.pdf", tmp_path / f"level-{mode}.pdf"
        source.write_bytes(img2pdf.convert(str(scan)))
        turned = straighten(source, level, [1])
        assert abs(turned[1] + 1.5) <= 0.2
        with pikepdf.open(level) as pdf:
            [image] = pdf.pages[0].get_images().values()
            picture = pikepdf.PdfImage(image).as_pil_image()
        assert picture.size == leaning.size and picture.mode == leaning.mode
        assert abs(fine_skew(picture)) <= 0.2


def test_a_signed_scan_is_levelled_under_its_stamp_images(tmp_path):
    """A signed PDF, its signature field flattened: the scan plus the stamp's small seal image drawn
    over it. The scan is still levelled (a real 2° lean left half a page unread); the seal stays."""
    scan = tmp_path / "scan.png"
    page(1.5).convert("L").save(scan, dpi=(100, 100))
    source, level = tmp_path / "in.pdf", tmp_path / "level.pdf"
    source.write_bytes(img2pdf.convert(str(scan)))
    with pikepdf.open(source, allow_overwriting_input=True) as pdf:
        seal = pikepdf.Stream(pdf, bytes(40 * 40), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                              Width=40, Height=40, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8)  # fmt: skip
        pdf.pages[0].Resources.XObject.Seal = seal
        pdf.pages[0].contents_add(pikepdf.Stream(pdf, b"q 40 0 0 40 10 10 cm /Seal Do Q"))
        pdf.save(source)
    turned = straighten(source, level, [1])
    assert abs(turned[1] + 1.5) <= 0.2
    with pikepdf.open(level) as pdf:
        images = pdf.pages[0].get_images()
        assert bytes(images["/Seal"].read_bytes()) == bytes(40 * 40)  # the stamp's image as it was
        [scan_image] = [image for name, image in images.items() if name != "/Seal"]
        assert abs(fine_skew(pikepdf.PdfImage(scan_image).as_pil_image())) <= 0.2


def test_a_level_page_is_left_alone(tmp_path):
    scan = tmp_path / "scan.png"
    page().convert("L").save(scan, dpi=(100, 100))
    source = tmp_path / "in.pdf"
    source.write_bytes(img2pdf.convert(str(scan)))
    assert straighten(source, tmp_path / "out.pdf", [1]) == {}


def test_blank_paper_has_almost_no_ink_and_text_has_some():
    paper = Image.new("L", page().size, 240)
    assert ink_share(paper) < 0.0005
    assert ink_share(page()) > 0.01
