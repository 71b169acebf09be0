"""Classification of documents (issue 13, item 3): the level (thuong | mat | toi_mat) comes from the MẬT /
TỐI MẬT mark read under the number, a doubtful reading never lowers it, a TUYỆT MẬT paper is never
digitized (its batch is quarantined and nothing of it stays), and a clerk's correction may raise a level
but only a leader lowers one; the index carries the level, and reprocess keeps the corrections.

Born-digital papers (fpdf2, text drawn in the two header columns of a real decision) go through a real
`hoso ingest`: no OCR, one home for the module."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from fpdf import FPDF

from dossier_kit import cli, cli_json
from index import open_backend
from index.base import SearchQuery
from index.feed import pages_of
from ingest.access import Access, User
from pipeline.config import load_settings
from pipeline.corrections import CorrectionError, Workspace, merge, parse_value, split
from pipeline.hashing import sha256_file
from pipeline.models import Classification, Metadata, PageText, Stamp
from pipeline.stages.documents import described
from pipeline.stages.extract import extract_metadata
from pipeline.store.catalog import Catalog, DocumentRow
from test_extract import CHI_THI, REAL_ROWS, boxed, laid_out, real
from web_kit import add_user

FONT = str(resources.files("pipeline").joinpath("data/DejaVuSerif.ttf"))
CASE = "2024-HS-0042"
SECRET = "tài liệu TUYỆT MẬT: không số hoá (Luật Bảo vệ bí mật nhà nước 2018)"


def decision_pdf(path: Path, papers: list[tuple[str | None, str, str]]) -> None:
    """One page per (mark, số, body): a decision's header as printed, the agency, its "Số:" and the
    mark under it on the left, the Quốc hiệu and the place and date on the right."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("Serif", "", FONT)
    for mark, number, body in papers:
        pdf.add_page()
        pdf.set_font("Serif", size=11)
        left = ["VIỆN KIỂM SÁT NHÂN DÂN", "TỈNH QUẢNG NINH", f"Số: {number}", *([mark] if mark else [])]
        right = [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Quảng Ninh, ngày 14 tháng 3 năm 2024",
        ]
        for i, text in enumerate(left):
            pdf.text(60, 60 + 16 * i, text)
        for i, text in enumerate(right):
            pdf.text(300, 60 + 16 * i, text)
        pdf.set_font("Serif", size=13)
        pdf.text(250, 160, "QUYẾT ĐỊNH")
        pdf.set_font("Serif", size=11)
        pdf.text(180, 178, "Phê chuẩn quyết định khởi tố bị can")
        pdf.set_xy(60, 200)
        pdf.multi_cell(470, 15, body)
    pdf.output(str(path))


def body(word: str) -> str:
    return f"Căn cứ Điều 41 Bộ luật Tố tụng hình sự; xét hồ sơ {word} của bị can Nguyễn Văn An về tội Trộm cắp tài sản."


# ---- the level from the mark -------------------------------------------------------------------


def test_the_level_is_the_marks():
    for mark, level in ((None, "thuong"), ("MẬT", "mat"), ("TỐI MẬT", "toi_mat")):
        assert described(Classification("qd_phe_chuan", 1.0), Metadata(classification_mark=mark))["classification"] == (
            level
        )


def test_a_doubtful_mark_keeps_the_higher_level_and_asks_a_person():
    printed = REAL_ROWS[:3] + [(118, [(130, "MẬT", 90)])] + REAL_ROWS[3:]
    sure = extract_metadata(laid_out(real(printed)), CHI_THI)
    assert sure.classification_mark == "MẬT" and "classification" not in sure.review
    # The stamp reader and the header's text disagree: the higher stands, a person confirms.
    stamped = Stamp("classification", "TỐI MẬT", mark="TỐI MẬT", box=(60, 300, 110, 318))  # not over the print
    both = extract_metadata(laid_out(real(printed, stamps=[stamped])), CHI_THI)
    assert both.classification_mark == "TỐI MẬT" and "classification" in both.review
    # Only a page OCR read poorly shows the mark: kept, and confirmed by a person.
    poor = PageText(1, "", words=boxed(printed), confidence=40.0)
    doubtful = extract_metadata(laid_out([poor]), CHI_THI)
    assert doubtful.classification_mark == "MẬT" and "classification" in doubtful.review


def test_a_clerks_value_for_the_level():
    assert [parse_value("classification", v) for v in ("mat", "Tối mật", "TỐI MẬT", "thuong", "Thường")] == [
        "mat",
        "toi_mat",
        "toi_mat",
        "thuong",
        "thuong",
    ]
    for wrong in ("", "secret", "tuyet_mat", "TUYỆT MẬT"):
        with pytest.raises(CorrectionError):
            parse_value("classification", wrong)


def test_pages_split_off_or_merged_keep_their_level():
    def document(doc_id: str, level: str, pages: list[int]) -> DocumentRow:
        refs = [("b", n, None, None) for n in pages]
        return DocumentRow(doc_id, CASE, "cao_trang", 1.0, 1.0, classification=level, pages=refs)

    ws = Workspace.of(
        [document("D1", "mat", [1, 2]), document("D2", "thuong", [3])],
        describe=lambda refs: (Classification("khac", 0.5), Metadata()),  # the tail shows no mark
    )
    split(ws, ("b", 2))
    assert [d.classification for d in ws.docs] == ["mat", "mat", "thuong"]
    merge(ws, ("b", 3), ("b", 1))  # the Mật pages join the plain document: it becomes Mật
    assert [(d.pages[0][1], d.classification) for d in ws.docs] == [(2, "mat"), (3, "mat")]


# ---- a real ingest ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    root = tmp_path_factory.mktemp("classif")
    inbox = root / "inbox" / CASE
    inbox.mkdir(parents=True)
    decision_pdf(inbox / "plain.pdf", [(None, "11/QĐ-VKS-P2", body("Alphaword"))])
    decision_pdf(inbox / "mat.pdf", [("MẬT", "12/QĐ-VKS-P2", body("Betaword"))])
    decision_pdf(inbox / "toi-mat.pdf", [("TỐI MẬT", "13/QĐ-VKS-P2", body("Gammaword"))])
    # A plain paper and a TUYỆT MẬT one scanned together: the whole file stays out.
    decision_pdf(
        inbox / "secret.pdf",
        [(None, "14/QĐ-VKS-P2", body("Deltaword")), ("TUYỆT MẬT", "15/QĐ-VKS-P2", body("Zetaword"))],
    )
    before = sha256_file(inbox / "secret.pdf")
    result = json.loads(cli(root / "home", "ingest", str(inbox.parent), "--json", code=3).stdout)  # 3: quarantined
    return root / "home", inbox, before, result


def documents(home: Path) -> dict[str, tuple[str, str]]:
    catalog = Catalog(home / "catalog.sqlite", read_only=True)
    try:
        return {d.number: (d.id, d.classification) for d in catalog.documents(CASE)}
    finally:
        catalog.close()


def hits(home: Path, word: str) -> int:
    settings = load_settings(home=home)
    catalog = Catalog(settings.catalog_path, read_only=True)
    backend = open_backend(settings, catalog)
    try:
        return backend.search(SearchQuery(text=word)).total
    finally:
        backend.close()
        catalog.close()


def indexed_levels(home: Path, number: str) -> set[str] | None:
    """The level each index record of the document carries, once the index has it (None before)."""
    catalog = Catalog(home / "catalog.sqlite", read_only=True)
    try:
        (doc,) = [d for d in catalog.documents(CASE) if d.number == number]
        return {page.classification for page in pages_of(catalog, [doc])} if doc.indexed else None
    finally:
        catalog.close()


def test_each_document_gets_the_level_of_its_mark(ingested):
    home, *_ = ingested
    levels = {number: level for number, (_, level) in documents(home).items()}
    assert levels == {"11/QĐ-VKS-P2": "thuong", "12/QĐ-VKS-P2": "mat", "13/QĐ-VKS-P2": "toi_mat"}
    assert hits(home, "Betaword") == 1 and indexed_levels(home, "12/QĐ-VKS-P2") == {"mat"}


def test_a_tuyet_mat_paper_is_not_digitized(ingested):
    home, inbox, before, result = ingested
    outcome = next(f for f in result["files"] if f["path"].endswith("secret.pdf"))
    assert (outcome["status"], outcome["reason"], outcome["documents"]) == ("quarantined", SECRET, 0)
    assert sha256_file(inbox / "secret.pdf") == before  # the original as it came
    (folder,) = (home / "quarantine").iterdir()
    assert sha256_file(folder / "secret.pdf") == before
    assert SECRET in (folder / "secret.pdf.reason.txt").read_text(encoding="utf-8")
    catalog = Catalog(home / "catalog.sqlite", read_only=True)
    try:
        assert not catalog.batch_exists(before)
        assert catalog.pages_of_batches([before]) == {before: []}
        assert not any(b for d in catalog.documents(all_cases=True) for b, *_ in d.pages if b == before)
    finally:
        catalog.close()
    assert hits(home, "Deltaword") == hits(home, "Zetaword") == 0
    # Nothing of its text anywhere in the home but the quarantine copy: catalog, index, archive, work.
    for path in home.rglob("*"):
        if path.is_file() and folder not in path.parents:
            data = path.read_bytes()
            assert b"Zetaword" not in data and b"Deltaword" not in data, path
    assert list((home / "archive").rglob(f"{before}*")) == [] and list((home / "work").rglob(f"{before}*")) == []


def test_a_clerk_raises_a_level_only_a_leader_lowers_it(ingested):
    home, *_ = ingested
    plain, _ = documents(home)["11/QĐ-VKS-P2"]
    settings = load_settings(home=home)
    add_user(home, "thu", "clerk", "toi_mat", "mat-khau-cua-thu-1")
    cli(home, "case", "assign", CASE, "thu")  # a clerk corrects the cases assigned for processing

    def correct(role: str, level: str):
        catalog = Catalog(settings.catalog_path)
        backend = open_backend(settings, catalog)
        account = catalog.user("thu")["id"]
        try:
            return (
                Access(settings, catalog, backend, User("thu", role=role, address="10.0.0.9", id=account))
                .repair()
                .set_field(plain, "classification", level)
            )
        finally:
            backend.close()
            catalog.close()

    raised = correct("clerk", "mat")
    assert [(c["field"], c["old"], c["new"], c["who"]) for c in raised.corrections] == [
        ("classification", "thuong", "mat", "thu")
    ]
    assert documents(home)["11/QĐ-VKS-P2"][1] == "mat"
    assert indexed_levels(home, "11/QĐ-VKS-P2") == {"mat"}  # indexed again with its new level
    with pytest.raises(CorrectionError, match="leader"):
        correct("clerk", "thuong")
    assert documents(home)["11/QĐ-VKS-P2"][1] == "mat"
    correct("clerk", "toi_mat")
    correct("leader", "mat")
    assert documents(home)["11/QĐ-VKS-P2"][1] == "mat"

    # The command line has every right; its correction is recorded and replayed like the others.
    toi_mat, _ = documents(home)["13/QĐ-VKS-P2"]
    lowered = cli_json(home, "doc", "set", toi_mat, "classification", "mat")
    assert lowered["corrections"][0]["new"] == "mat"
    cli(home, "reprocess", CASE)
    levels = {number: level for number, (_, level) in documents(home).items()}
    assert levels == {"11/QĐ-VKS-P2": "mat", "12/QĐ-VKS-P2": "mat", "13/QĐ-VKS-P2": "mat"}
    assert indexed_levels(home, "13/QĐ-VKS-P2") == indexed_levels(home, "11/QĐ-VKS-P2") == {"mat"}


def test_reprocess_never_lowers_a_level_by_itself(ingested):
    home, *_ = ingested
    doc_id, _ = documents(home)["12/QĐ-VKS-P2"]
    catalog = Catalog(home / "catalog.sqlite")
    try:
        with catalog.transaction():  # as if an earlier reading had seen TỐI MẬT
            doc = catalog.document(doc_id)
            doc.classification = "toi_mat"
            catalog.put_document(doc)
    finally:
        catalog.close()
    cli(home, "reprocess", CASE)
    catalog = Catalog(home / "catalog.sqlite", read_only=True)
    try:
        doc = catalog.document(doc_id)
        assert doc.classification == "toi_mat" and "classification" in doc.review
    finally:
        catalog.close()
    # The review lists it, with the top of its first page where the mark is printed.
    (item,) = [d for d in cli_json(home, "review")["documents"] if d["id"] == doc_id]
    assert "classification" in item["fields"] and Path(item["crops"]["classification"]).is_file()
