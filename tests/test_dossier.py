"""The e-dossier on tiny cases without OCR: order, Mục lục, bút lục, page labels, bookmarks,
PDF/A, text layer, sealing and versions (issue 6)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from fontTools.ttLib import TTFont

from conftest import REPO, unavailable
from dossier_kit import CASE, FONT, UNIT, cli, cli_json, ink_corner, labels, outline, stamp_text, tiny_home, toc_rows
from pipeline.dossier.assemble import DossierDocument, document_name, plan_dossier
from pipeline.dossier.build import history, rebuild_dossier
from pipeline.dossier.pdfa import structural_check, verapdf
from pipeline.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()


def doc(doc_id, doc_type, date=None, arrival=0.0, position=None, pages=None):
    return DossierDocument(
        id=doc_id,
        type=doc_type,
        number=None,
        date=date,
        title=None,
        subtitle=None,
        position=position,
        arrival=arrival,
        pages=pages or [(doc_id, 1)],
    )


# ---- order and numbering (pure) -----------------------------------------------------------------


def test_order_is_stage_then_date_then_arrival():
    docs = [
        doc("verdict", "ban_an", "2024-07-27", 1),
        doc("statement-late", "bien_ban_loi_khai", "2024-06-02", 2),
        doc("opening", "qd_khoi_to_vu_an", "2024-04-18", 3),
        doc("statement-early", "bien_ban_loi_khai", "2024-05-01", 4),
        doc("interrogation", "bien_ban_hoi_cung", "2024-05-01", 5),  # same stage and date: by arrival
        doc("undated", "bien_ban_loi_khai", None, 0),  # no date: after the dated ones of its stage
        doc("unknown", "not-a-type", "2024-01-01", 0),  # unknown type: with "khac", last
    ]
    plan = plan_dossier(docs, TAXONOMY)
    assert [d.id for d in plan.documents] == [
        "opening",
        "statement-early",
        "interrogation",
        "statement-late",
        "undated",
        "verdict",
        "unknown",
    ]
    assert [p.but_luc for p in plan.pages] == list(range(1, 8))


def test_clerk_position_wins_and_numbering_follows_it():
    docs = [
        doc("a", "qd_khoi_to_vu_an", "2024-01-01"),
        doc("b", "cao_trang", "2024-02-01", pages=[("b", 1), ("b", 2)]),
        doc("c", "ban_an", "2024-03-01", position=1),
    ]
    plan = plan_dossier(docs, TAXONOMY)
    assert [d.id for d in plan.documents] == ["c", "a", "b"]
    assert [(p.document_id, p.but_luc) for p in plan.pages] == [("c", 1), ("a", 2), ("b", 3), ("b", 4)]


def test_sealed_numbers_are_frozen_and_later_documents_follow_them():
    docs = [doc("a", "cao_trang", "2024-02-01"), doc("b", "ban_an", "2024-03-01", pages=[("b", 1), ("b", 2)])]
    frozen = {("a", 1): 1, ("b", 1): 2, ("b", 2): 3}
    late = doc("early-stage", "qd_khoi_to_vu_an", "2023-01-01")  # would come first in automatic order
    plan = plan_dossier(docs + [late], TAXONOMY, frozen)
    assert [d.id for d in plan.documents] == ["a", "b", "early-stage"]
    assert [p.but_luc for p in plan.pages] == [1, 2, 3, 4]
    assert plan.late == {"early-stage"} and plan.sealed_through == 3
    # A clerk cannot move a late document into the sealed part: its place counts after it.
    moved = doc("moved", "bao_cao", "2024-01-01", position=1)
    plan = plan_dossier(docs + [late, moved], TAXONOMY, frozen)
    assert [d.id for d in plan.documents] == ["a", "b", "moved", "early-stage"]
    assert [p.but_luc for p in plan.pages if p.document_id in ("moved", "early-stage")] == [4, 5]


def test_document_names_for_the_toc():
    d = DossierDocument(
        "x",
        "qd_phe_chuan",
        "367/QĐ-VKS-P2",
        "2024-06-24",
        "QUYẾT ĐỊNH",
        "Phê chuẩn quyết định khởi tố bị can",
        None,
        0,
        [("x", 1)],
    )
    assert document_name(d, TAXONOMY) == "Quyết định phê chuẩn quyết định khởi tố bị can"
    d.type, d.title, d.subtitle = "bien_ban_loi_khai", "BIÊN BẢN GHI LỜI KHAI", None
    assert document_name(d, TAXONOMY) == "Biên bản ghi lời khai"


# ---- a built dossier ----------------------------------------------------------------------------


@pytest.fixture
def built(tmp_path):
    """Four documents from three batches, one page turned 90° and one 180°, in scrambled arrival order."""
    t = tiny_home(tmp_path)
    t.batch(
        "late-scan",
        [
            "BẢN ÁN số 204/2024/HS-ST. Tòa án nhân dân huyện Bình Liêu xét xử sơ thẩm.",
            "Trang hai của bản án: tuyên bố bị cáo Đinh Văn Việt phạm tội.",
        ],
        rotate=90,
    )
    t.batch("first-scan", ["QUYẾT ĐỊNH khởi tố vụ án hình sự về tội vi phạm quy định về tham gia giao thông."])
    t.batch(
        "middle-scan",
        [
            "CÁO TRẠNG truy tố bị can Đinh Văn Việt ra trước Tòa án.",
            "BIÊN BẢN GHI LỜI KHAI người bị hại Lê Ngọc Lan, ngày 02 tháng 6 năm 2024.",
        ],
        rotate=180,
    )
    persons = [{"name": "Đinh Văn Việt", "role": "bi_can"}, {"name": "Lê Ngọc Lan", "role": "nguoi_bi_hai"}]
    crime = "vi phạm quy định về tham gia giao thông đường bộ"
    t.document(
        "D-verdict",
        "ban_an",
        "late-scan",
        [1, 2],
        date="2024-07-27",
        number="204/2024/HS-ST",
        title="BẢN ÁN",
        persons=persons,
        crime=crime,
        article=260,
    )
    t.document(
        "D-indict",
        "cao_trang",
        "middle-scan",
        [1],
        date="2024-07-01",
        number="12/CT-VKS-P2",
        title="CÁO TRẠNG",
        persons=persons,
        crime=crime,
        article=260,
    )
    t.document("D-statement", "bien_ban_loi_khai", "middle-scan", [2], date="2024-06-02", title="BIÊN BẢN GHI LỜI KHAI")
    t.document(
        "D-open",
        "qd_khoi_to_vu_an",
        "first-scan",
        [1],
        date="2024-04-18",
        number="214/QĐ-CSĐT",
        title="QUYẾT ĐỊNH",
        subtitle="Khởi tố vụ án hình sự",
        crime=crime,
        article=260,
    )
    result = rebuild_dossier(t.settings, t.catalog, CASE)
    yield t, result
    t.catalog.close()


EXPECTED_ORDER = ["D-open", "D-statement", "D-indict", "D-verdict"]


def manifest_of(result) -> dict:
    return json.loads(Path(result.assembled.manifest).read_text(encoding="utf-8"))


def test_toc_bookmarks_stamps_and_labels_agree(built, tmp_path):
    t, result = built
    manifest = manifest_of(result)
    front = manifest["dossier"]["front_pages"]
    pdf = result.pdf
    assert [d["id"] for d in manifest["documents"]] == EXPECTED_ORDER
    expected = [(d["id"], d["but_luc"][0], d["but_luc"][1], d["dossier_pages"][0]) for d in manifest["documents"]]
    assert [(e[1], e[2]) for e in expected] == [(1, 1), (2, 2), (3, 3), (4, 5)]

    # Mục lục: one row per document, in order, with its bút lục range, số and date.
    rows = toc_rows(pdf, front)
    assert [(r.stt, r.first, r.last) for r in rows] == [(n, e[1], e[2]) for n, e in enumerate(expected, 1)]
    assert rows[0].number == "214/QĐ-CSĐT" and rows[0].date == "18/04/2024"
    assert rows[0].text.startswith("Quyết định khởi tố vụ án hình sự")

    # Bookmarks: cover, Mục lục, then each document at its first page, titled "<type> <số> (<date>)".
    marks = outline(pdf)
    assert marks[0] == ("Bìa hồ sơ", 0) and marks[1] == ("Mục lục", 1)
    assert marks[2] == ("Quyết định khởi tố vụ án hình sự 214/QĐ-CSĐT (18/04/2024)", front)
    assert [m[1] for m in marks[2:]] == [e[3] - 1 for e in expected]

    # Page labels: roman for the front matter, the bút lục for every content page.
    page_labels = labels(pdf)
    assert page_labels[:front] == ["i", "ii", "iii"][:front]
    assert page_labels[front:] == [str(n) for n in range(1, 6)]
    for (_, first_bl, _, first_page), (_, index) in zip(expected, marks[2:], strict=True):
        assert page_labels[index] == str(first_bl) and index == first_page - 1

    # Stamps carry the same numbers; the catalog agrees for `dossier show` and search hits.
    assert [stamp_text(pdf, i) for i in range(front, front + 5)] == [str(n) for n in range(1, 6)]
    assert stamp_text(pdf, 0) is None
    for doc_id, first_bl, _, first_page in expected:
        assert t.catalog.dossier_page(doc_id, 1) == (first_page, first_bl)


def test_stamp_sits_in_the_displayed_top_right_corner_whatever_the_rotation(built, tmp_path):
    _, result = built
    front = manifest_of(result)["dossier"]["front_pages"]
    with pikepdf.open(result.pdf) as pdf:
        rotations = [int(p.obj.get("/Rotate", 0)) for p in pdf.pages[front:]]
    assert set(rotations) == {0, 90, 180}
    for index in range(front, front + 5):
        assert ink_corner(result.pdf, index, tmp_path) == "top-right", (index, rotations[index - front])


def test_text_layer_is_unchanged_by_the_stamps(built):
    t, result = built
    front = manifest_of(result)["dossier"]["front_pages"]
    with pdfplumber.open(result.pdf) as dossier:
        for index, (doc_id, seq) in enumerate(
            [("D-open", 1), ("D-statement", 1), ("D-indict", 1), ("D-verdict", 1), ("D-verdict", 2)]
        ):
            row = t.catalog.document(doc_id)
            batch_id, number = row.pages[seq - 1][:2]
            with pdfplumber.open(t.catalog.batch(batch_id)["ocr_pdf"]) as source:
                original = source.pages[number - 1]
                page = dossier.pages[front + index]
                assert page.extract_text() == original.extract_text()
                assert [w["text"] for w in page.extract_words()] == [w["text"] for w in original.extract_words()]
    with pdfplumber.open(result.pdf) as dossier:
        assert "khởi tố vụ án hình sự" in dossier.pages[front].extract_text()  # searchable as before


def test_cover_and_toc_are_selectable_nfc_text_with_every_glyph(built):
    t, result = built
    front = manifest_of(result)["dossier"]["front_pages"]
    with pdfplumber.open(result.pdf) as pdf:
        cover = pdf.pages[0].extract_text()
        toc = "\n".join(p.extract_text() for p in pdf.pages[1:front])
        chars = {c["text"] for p in pdf.pages[:front] for c in p.chars}
    for text in (cover, toc):
        assert text == unicodedata.normalize("NFC", text)
    assert UNIT.upper() in cover.replace("\n", " ")
    for phrase in (
        "HỒ SƠ VỤ ÁN HÌNH SỰ",
        f"Số hồ sơ: {CASE}",
        "Vi phạm quy định về tham gia giao thông đường bộ",
        "Điều 260",
        "Đinh Văn Việt",
        "Lê Ngọc Lan",
        "từ ngày 18/04/2024 đến ngày 27/07/2024",
        "4 tài liệu, 5 bút lục",
        f"{front + 5} trang",
    ):
        assert phrase in cover.replace("\n", " "), phrase
    for phrase in ("MỤC LỤC", "STT", "Tên tài liệu", "Số/ký hiệu", "Ngày", "Bút lục", "Từ", "Đến"):
        assert phrase in toc, phrase
    # No tofu: every character drawn has a glyph in the embedded fonts.
    cmap = TTFont(FONT).getBestCmap()
    assert not [c for c in chars if c.strip() and ord(c) not in cmap]
    with pikepdf.open(result.pdf) as pdf:
        fonts = {str(f.get("/BaseFont")) for p in pdf.pages[:front] for f in p.Resources.Font.values()}
    assert fonts and all("DejaVu" in f for f in fonts)


def test_dossier_is_pdfa_2b_with_metadata(built):
    _, result = built
    assert result.assembled.pdfa.method == "pikepdf" and result.assembled.pdfa.validated
    assert structural_check(result.pdf) == []
    with pikepdf.open(result.pdf) as pdf:
        meta = pdf.open_metadata()
        assert meta["dc:title"] == f"Hồ sơ {CASE}"
        assert meta["dc:description"] == CASE
        assert meta["pdf:Keywords"] == "qd_khoi_to_vu_an, bien_ban_loi_khai, cao_trang, ban_an"
        assert pdf.docinfo["/Subject"] == CASE


def _verapdf(*paths):
    """veraPDF when this machine has it (scripts/verapdf.sh fetches it from Maven Central once)."""
    if verapdf(*paths) is None:
        import shutil
        import subprocess

        if not (shutil.which("java") and shutil.which("mvn")):
            return None
        if subprocess.run([str(REPO / "scripts/verapdf.sh"), "fetch"], capture_output=True).returncode != 0:
            return None
    return verapdf(*paths)


def test_born_digital_page_without_embedded_fonts_goes_through_ghostscript(tmp_path):
    t = tiny_home(tmp_path)
    t.batch("typed", ["CONG VAN so 5/VKS gui Cong an huyen"], core_font=True)
    t.document("D-typed", "cong_van", "typed", [1], date="2024-05-05", number="5/VKS")
    result = rebuild_dossier(t.settings, t.catalog, CASE)
    assert result.assembled.pdfa.method == "ghostscript"
    assert structural_check(result.pdf) == []
    assert labels(result.pdf)[-1] == "1"
    assert outline(result.pdf)[-1] == ("Công văn 5/VKS (05/05/2024)", len(labels(result.pdf)) - 1)
    assert ink_corner(result.pdf, len(labels(result.pdf)) - 1, tmp_path) == "top-right"
    with pdfplumber.open(result.pdf) as pdf:
        assert "CONG VAN so 5/VKS" in pdf.pages[-1].extract_text()


@pytest.mark.verapdf
def test_verapdf_passes_both_routes(built, tmp_path):
    """The reference validator, when it can be had (java + mvn): the fast route and the Ghostscript one."""
    _, result = built
    t = tiny_home(tmp_path / "gs")
    t.batch("typed", ["CONG VAN so 5/VKS gui Cong an huyen"], core_font=True)
    t.document("D-typed", "cong_van", "typed", [1], date="2024-05-05", number="5/VKS")
    fallback = rebuild_dossier(t.settings, t.catalog, CASE)
    found = _verapdf(result.pdf, fallback.pdf)
    if found is None:
        unavailable("veraPDF is not available here (needs java and mvn: scripts/verapdf.sh fetch)")
    assert found[0], found[1]


# ---- versions, late documents, sealing ------------------------------------------------------------


def test_unchanged_case_makes_no_new_version_and_changes_are_recorded(built):
    t, result = built
    assert result.version == 1
    again = rebuild_dossier(t.settings, t.catalog, CASE)
    assert not again.built and again.version == 1
    t.batch("new-scan", ["KẾT LUẬN GIÁM ĐỊNH số 77/KLGĐ về thương tích."])
    t.document("D-expert", "ket_luan_giam_dinh", "new-scan", [1], date="2024-06-20", number="77/KLGĐ")
    second = rebuild_dossier(t.settings, t.catalog, CASE)
    assert second.built and second.version == 2
    folder = t.settings.dossiers_dir / CASE
    assert (folder / "versions" / "v0001" / f"{CASE}.pdf").exists()
    assert (folder / f"{CASE}.pdf").samefile(folder / "versions" / "v0002" / f"{CASE}.pdf")
    versions = history(t.catalog, CASE, t.settings)
    assert [v["version"] for v in versions] == [1, 2] and all(v["manifest_intact"] for v in versions)
    changes = versions[1]["changes"]
    assert [a["id"] for a in changes["added"]] == ["D-expert"]
    assert {r["id"] for r in changes["renumbered"]} == {"D-indict", "D-verdict"}  # the report came before them
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["previous"] == {"version": 1, "manifest_sha256": versions[0]["manifest_sha256"]}


def test_late_document_before_and_after_sealing(built, tmp_path):
    t, _ = built
    home = t.home
    # Before sealing: numbering follows the order, so an early-stage document arriving late goes first.
    t.batch("late-1", ["QUYẾT ĐỊNH khởi tố bị can Đinh Văn Việt."])
    t.document("D-accuse", "qd_khoi_to_bi_can", "late-1", [1], date="2024-05-21", number="124/QĐ-CSĐT")
    shown = cli_json(home, "dossier", "rebuild", CASE)
    shown = cli_json(home, "dossier", "show", CASE)
    assert [d["id"] for d in shown["documents"]] == ["D-open", "D-accuse", "D-statement", "D-indict", "D-verdict"]
    assert [d["but_luc"] for d in shown["documents"]] == [[1, 1], [2, 2], [3, 3], [4, 4], [5, 6]]
    assert not shown["sealed"]

    sealed = cli_json(home, "dossier", "seal", CASE)
    assert sealed["sealed_through"] == 6 and sealed["new_version"]
    again = cli_json(home, "dossier", "seal", CASE)
    assert not again["new_version"]  # nothing new to freeze

    # After sealing: a late document of the earliest stage gets the next number, at the end.
    t.batch("late-2", ["QUYẾT ĐỊNH khởi tố vụ án hình sự bổ sung."])
    t.document("D-reopen", "qd_khoi_to_vu_an", "late-2", [1], date="2024-04-10", number="200/QĐ-CSĐT")
    result = rebuild_dossier(t.settings, t.catalog, CASE)
    shown = cli_json(home, "dossier", "show", CASE)
    assert [d["id"] for d in shown["documents"]][-1] == "D-reopen"
    assert [d["but_luc"] for d in shown["documents"]] == [[1, 1], [2, 2], [3, 3], [4, 4], [5, 6], [7, 7]]
    assert shown["sealed_through"] == 6
    manifest = manifest_of(result)
    front = manifest["dossier"]["front_pages"]
    rows = toc_rows(result.pdf, front)
    assert [(r.first, r.last) for r in rows] == [(1, 1), (2, 2), (3, 3), (4, 4), (5, 6), (7, 7)]
    with pdfplumber.open(result.pdf) as pdf:
        toc = "\n".join(p.extract_text() for p in pdf.pages[1:front])
        assert "Tài liệu bổ sung sau khi niêm phong" in toc
        assert "Niêm phong" in pdf.pages[0].extract_text()
    assert labels(result.pdf)[-1] == "7" and stamp_text(result.pdf, front + 6) == "7"

    # A sealed document cannot move; a late one can, but only within the late part.
    refused = cli(home, "doc", "reorder", "D-verdict", "--position", "1", code=2)
    assert "sealed" in refused.stderr
    moved = cli_json(home, "doc", "reorder", "D-reopen", "--position", "1")
    assert moved["position"] == 6 and moved["but_luc"] == [7, 7]


def test_reorder_persists_across_rebuilds(built):
    t, _ = built
    home = t.home
    moved = cli_json(home, "doc", "reorder", "D-verdict", "--position", "1")
    assert moved["position"] == 1 and moved["but_luc"] == [1, 2]
    assert t.catalog.document("D-verdict").position == 1
    t.batch("another", ["BÁO CÁO tiến độ điều tra."])
    t.document("D-report", "bao_cao", "another", [1], date="2024-05-30")
    rebuild_dossier(t.settings, t.catalog, CASE)
    shown = cli_json(home, "dossier", "show", CASE)
    assert shown["documents"][0]["id"] == "D-verdict" and shown["documents"][0]["but_luc"] == [1, 2]
    history_json = cli_json(home, "dossier", "history", CASE)
    reasons = [v["changes"]["reason"] for v in history_json["versions"]]
    assert reasons == ["ingest", "reorder D-verdict to 1", "ingest"]
    assert [m["id"] for m in history_json["versions"][1]["changes"]["moved"]] == ["D-verdict"]
    back = cli_json(home, "doc", "reorder", "D-verdict", "--auto")
    assert back["position"] == 4  # ban_an (80) comes before bao_cao (95), the last of five
    cli(home, "doc", "reorder", "nope", "--position", "1", code=5)


def test_stamp_avoids_a_corner_with_text():
    from pipeline.dossier.folio import _choose_corner
    from pipeline.models import Word

    # A4 as displayed; the Quốc hiệu reaching the top right corner pushes the stamp to the bottom right.
    crowded = [Word("CỘNG", 400, 10, 590, 30)]
    assert _choose_corner(595, 842, 40, 25, [])[0] == "top-right"
    assert _choose_corner(595, 842, 40, 25, crowded)[:1] == ("bottom-right",)
    everywhere = [Word("x", 0, 0, 595, 842)]
    corner, _, free = _choose_corner(595, 842, 40, 25, everywhere)
    assert corner == "top-right" and not free  # drawn without a white background, over nothing it hides
