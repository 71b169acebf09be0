"""Review and repair (issue 5, item 4): `hoso review`, the `doc`/`page`/`case` corrections, `hoso
reprocess`, and `dossier show` describing documents (item 5). Fast: no OCR — tiny PDFs with a real
text layer are filed as ingest files them (Consumer.file_documents), then the real CLI runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pikepdf
import pytest

from conftest import hoso, hoso_json
from dossier_kit import CASE, UNIT, cli, cli_json, page_pdf, tiny_home
from index import open_backend
from ingest.consume import Consumer
from pipeline.models import PageRef
from pipeline.stages.documents import document_id

USER = "thu.ky.lan"
HEADER = """{agency}
Số: {number}
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hạ Long, ngày {day} tháng 5 năm 2024
"""
POLICE = "CÔNG AN TỈNH QUẢNG NINH\nCƠ QUAN CẢNH SÁT ĐIỀU TRA"
PROCURACY = "VIỆN KIỂM SÁT NHÂN DÂN\nTỈNH QUẢNG NINH"
OPENING = HEADER.format(agency=POLICE, number="214/QĐ-CSĐT", day=10) + (
    "QUYẾT ĐỊNH\nKhởi tố vụ án hình sự\nCăn cứ Điều 153 Bộ luật Tố tụng hình sự;\n"
    "Xét thấy có dấu hiệu tội phạm Trộm cắp tài sản quy định tại Điều 173 Bộ luật Hình sự."
)
OPENING_2 = (
    "hành vi lấy trộm chiếc xe máy Honda màu đỏ tại chợ Hạ Long;\n"
    "Điều 2. Giao Đội điều tra tổng hợp thi hành Quyết định này."
)
DETENTION = HEADER.format(agency=POLICE, number="20/LTG-CSĐT", day=18) + (
    "LỆNH TẠM GIAM\nCăn cứ Điều 119 Bộ luật Tố tụng hình sự;\nTạm giam bị can Nguyễn Văn An trong thời hạn "
    "hai tháng tại trại tạm giam Công an tỉnh."
)
INDICTMENT = HEADER.format(agency=PROCURACY, number="12/CT-VKS-P2", day=28) + (
    "CÁO TRẠNG\nViện kiểm sát nhân dân tỉnh Quảng Ninh truy tố bị can Nguyễn Văn An ra trước Tòa án "
    "về tội Trộm cắp tài sản theo Điều 173 Bộ luật Hình sự."
)
PETITION = (
    "ĐƠN KHIẾU NẠI\nKính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ninh\n"
    "Tôi tên là Lê Văn Tám, trú tại phường Hà Tu, khiếu nại về việc chiếc thuyền đánh cá bị thu giữ."
)
LATE = HEADER.format(agency=PROCURACY, number="30/QĐ-VKS-P2", day=30) + (
    "QUYẾT ĐỊNH\nGia hạn thời hạn truy tố\nGia hạn thời hạn truy tố đối với bị can Nguyễn Văn An vì vụ lồng đèn."
)


def said(result) -> str:
    """What a command said on stderr, as one line (rich wraps long messages)."""
    return " ".join(result.stderr.split())


# ---- a home filled as ingest fills it, without OCR ------------------------------------------------


class Home:
    def __init__(self, root: Path):
        self.t = tiny_home(root)
        self.catalog = self.t.catalog
        self.settings = self.t.settings
        (self.path / "hoso.toml").write_text(f'unit = "{UNIT}"\n', encoding="utf-8")  # the CLI's settings too
        self.backend = open_backend(self.settings, self.catalog)
        self.consumer = Consumer(self.settings, self.catalog, self.backend)
        self.batches: dict[str, str] = {}

    @property
    def path(self) -> Path:
        return self.settings.home

    def scan(self, name: str, texts: list[str], *, case_id: str | None = CASE, folder: str | None = None) -> str:
        """A scan as ingest leaves it: original archived, working PDF, page texts, file row done,
        documents found by the real splitter and filed by the consumer, dossier built and indexed."""
        inbox = self.path.parent / "inbox" / (case_id or folder or "loose")
        inbox.mkdir(parents=True, exist_ok=True)
        original = inbox / f"{name}.pdf"
        page_pdf(original, texts)
        sha, file_id = self.t.store_scan(original, case_id=case_id, folder=folder, confidence=95.0)
        with self.catalog.transaction():
            pages = self.catalog.batch_pages(sha)
            count, cases = self.consumer.file_documents(self.catalog.get_file(file_id), pages)
            self.catalog.set_file_state(file_id, "done", pages=len(pages), documents=count)
        self.consumer.refresh_cases(cases)
        self.batches[name] = sha
        return sha

    def doc_with(self, number: str) -> str:
        return next(d.id for d in self.catalog.documents(all_cases=True) if d.number == number)

    def show(self, case_id: str = CASE) -> dict:
        return cli_json(self.path, "dossier", "show", case_id)

    def shown(self, doc_id: str, case_id: str = CASE) -> dict:
        return next(d for d in self.show(case_id)["documents"] if d["id"] == doc_id)

    def hits(self, query: str, *extra: str) -> list[dict]:
        return cli_json(self.path, "search", query, *extra)["hits"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOSO_USER", USER)
    h = Home(tmp_path)
    h.scan("scan-a", [OPENING, OPENING_2, DETENTION, INDICTMENT])
    h.scan("old-folder", [PETITION], case_id=None, folder="ho so cu")
    yield h
    h.backend.close()
    h.catalog.close()


def test_the_scans_were_filed_as_ingest_files_them(home):
    docs = {d.number: d for d in home.catalog.documents(CASE)}
    assert [n for b, n, *_ in docs["214/QĐ-CSĐT"].pages] == [1, 2]
    assert [n for b, n, *_ in docs["20/LTG-CSĐT"].pages] == [3]
    assert [n for b, n, *_ in docs["12/CT-VKS-P2"].pages] == [4]
    assert len(home.catalog.documents(None)) == 1
    assert home.hits("xe may Honda")[0]["document_id"] == docs["214/QĐ-CSĐT"].id


# ---- hoso review -------------------------------------------------------------------------------


def test_review_lists_low_confidence_khac_unassigned_and_empty_fields(home):
    detention = home.catalog.document(home.doc_with("20/LTG-CSĐT"))
    detention.confidence, detention.date, detention.review = 0.35, None, ["date"]  # as extraction leaves it
    indictment = home.catalog.document(home.doc_with("12/CT-VKS-P2"))
    indictment.type, indictment.confidence, indictment.review = "cao_trang", 0.97, []
    with home.catalog.transaction():
        home.catalog.put_document(detention)
        home.catalog.put_document(indictment)

    listed = {d["id"]: d for d in hoso_json(home.path, "review")["documents"]}  # the real CLI, in a child process
    item = listed[detention.id]
    assert set(item) >= {"id", "case_id", "type", "confidence", "number", "date", "title", "reasons"}
    assert item["case_id"] == CASE and item["confidence"] == 0.35 and item["number"] == "20/LTG-CSĐT"
    assert "low_confidence" in item["reasons"] and "empty_fields" in item["reasons"] and item["fields"] == ["date"]
    petition = next(d for d in listed.values() if d["case_id"] is None)
    assert "unassigned" in petition["reasons"] and petition["folder"] == "ho so cu"
    assert indictment.id not in listed  # sure, typed, complete
    for doc in listed.values():  # nothing listed without a reason that holds
        assert doc["reasons"]
        assert ("khac" in doc["reasons"]) == (doc["type"] == "khac")
        assert ("low_confidence" in doc["reasons"]) == (doc["confidence"] < 0.6)

    cli(home.path, "doc", "set-type", detention.id, "lenh_tam_giam")
    cli(home.path, "doc", "set", detention.id, "date", "18/05/2024")
    listed = {d["id"]: d for d in cli_json(home.path, "review")["documents"]}
    assert detention.id not in listed
    assert home.catalog.document(detention.id).date == "2024-05-18"
    assert len(cli_json(home.path, "review", "--case", CASE)["documents"]) == len(listed) - 1


def test_an_unread_register_stamp_is_shown_with_the_top_of_its_page(home):
    # A register stamp was seen but its handwriting not read surely: the clerk reads it from the
    # picture of the first page's top, where the stamp is, as for the header's own fields.
    detention = home.catalog.document(home.doc_with("20/LTG-CSĐT"))
    detention.received, detention.review = {"number": "937", "date": None}, ["received"]
    with home.catalog.transaction():
        home.catalog.put_document(detention)
    (item,) = [d for d in cli_json(home.path, "review")["documents"] if d["id"] == detention.id]
    assert item["fields"] == ["received"] and Path(item["crops"]["received"]).is_file()
    assert item["received"] == {"number": "937", "date": None}  # what was read: only the date is to write
    assert "register stamp as read: number 937, date ?" in cli(home.path, "review").stdout

    refused = cli(home.path, "doc", "set", detention.id, "received", "93?, 26/04/2024", code=None)
    assert refused.exit_code != 0 and "the register's number is digits" in refused.stderr
    cli(home.path, "doc", "set", detention.id, "received", ", 26/04/2024")  # the number stays as read
    assert home.catalog.document(detention.id).received == {"number": "937", "date": "2024-04-26"}
    assert detention.id not in {d["id"] for d in cli_json(home.path, "review")["documents"]}
    assert home.shown(detention.id)["received"] == {"number": "937", "date": "2024-04-26"}
    cli(home.path, "doc", "set", detention.id, "received", "")  # no stamp there after all: all of it goes
    assert home.catalog.document(detention.id).received is None


def test_corrections_are_recorded_with_who_when_old_and_new(home):
    opening = home.doc_with("214/QĐ-CSĐT")
    before = home.catalog.document(opening)
    started = time.time()
    assert before.type != "bao_cao"
    hoso(home.path, "doc", "set-type", opening, "bao_cao", env={"HOSO_USER": "kiem.sat.vien"})
    cli(home.path, "doc", "set", opening, "date", "2024-05-11")
    cli(home.path, "doc", "set", opening, "persons", "Nguyễn Văn An:bi_can; Lê Văn Tám:nguoi_bi_hai")
    cli(home.path, "doc", "set", opening, "article", "Điều 174")
    cli(home.path, "doc", "set", opening, "number", "")  # a person says: it has none
    again = cli_json(home.path, "doc", "set", opening, "article", "174")
    assert again["unchanged"] and again["corrections"] == []  # so already: nothing recorded
    finished = time.time()

    rows = home.catalog.corrections()
    assert [(r["field"], r["old"], r["new"], r["who"]) for r in rows] == [
        ("type", before.type, "bao_cao", "kiem.sat.vien"),
        ("date", before.date, "2024-05-11", USER),
        (
            "persons",
            json.dumps(before.persons, ensure_ascii=False),
            json.dumps(
                [{"name": "Nguyễn Văn An", "role": "bi_can"}, {"name": "Lê Văn Tám", "role": "nguoi_bi_hai"}],
                ensure_ascii=False,
            ),
            USER,
        ),
        ("article", str(before.article) if before.article else None, "174", USER),
        ("number", before.number, None, USER),
    ]
    for row in rows:
        assert started <= row["at"] <= finished
        assert row["document_id"] == opening and row["case_id"] == CASE
        assert (row["batch_id"], row["number"]) == (home.batches["scan-a"], 1)  # replayable: the first page

    doc = home.catalog.document(opening)
    assert (doc.type, doc.confidence, doc.date, doc.number, doc.article) == ("bao_cao", 1.0, "2024-05-11", None, 174)

    # Refused, with nothing recorded.
    assert "not a real date" in said(cli(home.path, "doc", "set", opening, "date", "31/02/2024", code=2))
    assert "dd/mm/yyyy" in said(cli(home.path, "doc", "set", opening, "date", "mười tám", code=2))
    cli(home.path, "doc", "set", opening, "colour", "red", code=2)
    assert "set-type" in said(cli(home.path, "doc", "set", opening, "type", "ban_an", code=2))
    cli(home.path, "doc", "set", opening, "persons", "Nguyễn Văn An:ke_gian", code=2)
    assert "taxonomy" in said(cli(home.path, "doc", "set-type", opening, "qd_khong_co", code=2))
    cli(home.path, "doc", "set-type", "D000000000000", "ban_an", code=5)
    assert len(home.catalog.corrections()) == len(rows)


def test_dossier_show_describes_each_document(home):
    opening = home.doc_with("214/QĐ-CSĐT")
    cli(home.path, "doc", "set", opening, "persons", "Nguyễn Văn An:bi_can")
    cli(home.path, "doc", "set", opening, "crime", "Trộm cắp tài sản")
    cli(home.path, "doc", "set", opening, "article", "173")
    cli(home.path, "doc", "set", opening, "subtitle", "Khởi tố vụ án hình sự")
    cli(home.path, "doc", "set", opening, "issuer", "Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh")
    shown = home.shown(opening)
    for key in ("id", "type", "number", "date", "title", "dossier_pages", "sources"):  # the slice's fields stay
        assert key in shown
    assert shown["persons"] == [{"name": "Nguyễn Văn An", "role": "bi_can"}]
    assert (shown["crime"], shown["article"], shown["subtitle"]) == ("Trộm cắp tài sản", 173, "Khởi tố vụ án hình sự")
    assert shown["issuer"] == "Cơ quan Cảnh sát điều tra Công an tỉnh Quảng Ninh"
    assert 0.0 <= shown["confidence"] <= 1.0
    for doc in home.show()["documents"]:
        assert {"confidence", "issuer", "subtitle", "persons", "crime", "article"} <= set(doc)


# ---- corrections survive reprocessing ------------------------------------------------------------


def test_corrections_survive_reprocess(home):
    opening = home.doc_with("214/QĐ-CSĐT")
    detention = home.doc_with("20/LTG-CSĐT")
    automatic = home.catalog.document(opening).type
    chosen = "bao_cao" if automatic != "bao_cao" else "thong_bao"
    cli(home.path, "doc", "set-type", opening, chosen)
    cli(home.path, "doc", "set", opening, "number", "215/QĐ-CSĐT")
    cli(home.path, "doc", "set", detention, "date", "2024-05-19")
    cli(home.path, "doc", "reorder", detention, "--position", "1")  # recorded by `doc reorder`, replayed too
    corrected = home.show()

    # Reprocessing without the corrections would give the automatic values back...
    from pipeline.stages.documents import find_documents
    from pipeline.taxonomy import load_taxonomy

    drafts = find_documents(home.batches["scan-a"], home.catalog.batch_pages(home.batches["scan-a"]), load_taxonomy())
    assert drafts[0].classification.doc_type == automatic and drafts[0].metadata.number == "214/QĐ-CSĐT"

    # ... but `hoso reprocess` replays them, whatever the catalog held in between.
    for target in ([CASE], [detention], []):
        scrambled = home.catalog.document(opening)
        scrambled.type, scrambled.number, scrambled.confidence = "khac", None, 0.1
        with home.catalog.transaction():
            home.catalog.put_document(scrambled)
        report = cli_json(home.path, "reprocess", *target)
        assert report["replayed"]["skipped"] == [] and report["removed"] == []
        again = home.show()
        assert [
            (d["id"], d["type"], d["number"], d["date"], d["but_luc"], d["position"]) for d in again["documents"]
        ] == [(d["id"], d["type"], d["number"], d["date"], d["but_luc"], d["position"]) for d in corrected["documents"]]
        assert home.catalog.document(opening).type == chosen and home.catalog.document(opening).confidence == 1.0
    assert again["documents"][0]["id"] == detention
    assert home.hits("xe may Honda", "--type", chosen)[0]["document_id"] == opening


def test_reprocess_changes_nothing_when_nothing_changed(home):
    before = home.show()
    report = cli_json(home.path, "reprocess")
    assert report["changed"] == [] and report["added"] == [] and report["removed"] == []
    assert report["before"] == report["after"] == 4
    assert all(not d["built"] for d in report["dossiers"])  # same dossier: no new version
    assert home.show() == before
    cli(home.path, "reprocess", "2099-HS-1", code=5)


def test_reprocess_with_a_new_splitter_replays_what_still_applies(home, monkeypatch):
    import ingest.repair
    from pipeline.stages.documents import find_documents as real

    opening, detention = home.doc_with("214/QĐ-CSĐT"), home.doc_with("20/LTG-CSĐT")
    cli(home.path, "doc", "set-type", detention, "lenh_bat")  # say a clerk knows better
    cli(home.path, "doc", "set", opening, "subtitle", "Khởi tố vụ án hình sự")

    def joins_the_order_to_the_decision(batch_id, pages, taxonomy):  # as a changed splitter might
        drafts = real(batch_id, pages, taxonomy)
        if len(drafts) > 1 and drafts[1].pages[0].number == 3:
            drafts[0].pages += drafts.pop(1).pages
        return drafts

    monkeypatch.setattr(ingest.repair, "find_documents", joins_the_order_to_the_decision)
    report = cli_json(home.path, "reprocess", CASE)
    assert report["before"] == 3 and report["after"] == 2 and report["removed"] == [detention]
    skipped = report["replayed"]["skipped"]
    assert [(s["field"], s["document_id"]) for s in skipped] == [("type", detention)]  # not forced on another
    assert "no document starts on page" in skipped[0]["reason"]
    assert home.catalog.document(opening).subtitle == "Khởi tố vụ án hình sự"
    assert [n for _, n, *_ in home.catalog.document(opening).pages] == [1, 2, 3]
    assert home.hits("tạm giam bị can")[0]["document_id"] == opening

    monkeypatch.setattr(ingest.repair, "find_documents", real)
    report = cli_json(home.path, "reprocess", CASE)
    assert report["replayed"]["skipped"] == [] and detention in report["added"]
    assert home.catalog.document(detention).type == "lenh_bat"

    # Once sealed, a reprocess that would put the sealed pages in another order is refused as a whole.
    def joins_the_indictment_to_the_decision(batch_id, pages, taxonomy):  # its page 4 would come before 3
        drafts = real(batch_id, pages, taxonomy)
        indictment = next((d for d in drafts[1:] if d.pages[0].number == 4), None)
        if indictment is not None:
            drafts.remove(indictment)
            drafts[0].pages += indictment.pages
        return drafts

    cli(home.path, "dossier", "seal", CASE)
    before = home.show()
    monkeypatch.setattr(ingest.repair, "find_documents", joins_the_indictment_to_the_decision)
    refused = said(cli(home.path, "reprocess", code=2))
    assert "sealed" in refused and CASE in refused and "nothing was changed" in refused
    assert home.show() == before


# ---- split, merge, pages ------------------------------------------------------------------------------


def test_split_and_merge_change_the_dossier_and_the_search(home):
    opening = home.doc_with("214/QĐ-CSĐT")
    batch = home.batches["scan-a"]
    first, last = home.shown(opening)["but_luc"]
    assert last == first + 1
    assert [h["document_id"] for h in home.hits("xe máy Honda")] == [opening]

    split = cli_json(home.path, "doc", "split", opening, "--at", "2")
    second = document_id(CASE, PageRef(batch, 2))
    assert split["documents"] == [opening, second]
    recorded = split["corrections"][0]
    assert (recorded["field"], recorded["who"], recorded["document_id"]) == ("split", USER, opening)
    assert recorded["new"] == f"{opening}, {second}" and time.time() - recorded["at"] < 60
    shown = home.show()
    assert len(shown["documents"]) == 4
    assert home.shown(opening)["sources"][0]["pages"] == [1, 1]
    assert home.shown(second)["sources"][0]["pages"] == [2, 2]
    hit = home.hits("xe máy Honda")[0]
    assert hit["document_id"] == second and hit["page"] == home.shown(second)["dossier_pages"][0]
    assert len(cli_json(home.path, "dossier", "history", CASE)["versions"]) >= 2

    cli_json(home.path, "reprocess", CASE)  # the split survives
    assert home.catalog.document(second) is not None and len(home.catalog.document(opening).pages) == 1

    merged = cli_json(home.path, "doc", "merge", opening, second)
    assert merged["documents"] == [opening] and merged["removed"] == [second]
    assert home.catalog.document(second) is None
    assert [n for _, n, *_ in home.catalog.document(opening).pages] == [1, 2]
    assert [h["document_id"] for h in home.hits("xe máy Honda")] == [opening]
    assert len(home.show()["documents"]) == 3

    # Pages concatenated in the order given: a document from further on joins the end.
    indictment = home.doc_with("12/CT-VKS-P2")
    cli(home.path, "doc", "merge", opening, indictment)
    assert [n for _, n, *_ in home.catalog.document(opening).pages] == [1, 2, 4]
    cli_json(home.path, "reprocess")
    assert [n for _, n, *_ in home.catalog.document(opening).pages] == [1, 2, 4]
    assert home.catalog.document(indictment) is None

    cli(home.path, "doc", "split", opening, "--at", "1", code=2)
    cli(home.path, "doc", "split", opening, "--at", "9", code=2)
    petition = home.catalog.documents(None)[0].id
    assert "move one first" in said(cli(home.path, "doc", "merge", opening, petition, code=2))


def test_page_rotate_and_delete(home):
    opening = home.doc_with("214/QĐ-CSĐT")
    batch = home.batches["scan-a"]
    rotated = cli_json(home.path, "page", "rotate", f"{opening}:1", "--by", "90")
    assert (
        rotated["turn"] == 90 and rotated["corrections"][0]["old"] == "0" and rotated["corrections"][0]["new"] == "90"
    )
    shown = home.show()
    page = home.shown(opening)["dossier_pages"][0]
    with pikepdf.open(shown["dossier"]) as pdf:
        assert int(pdf.pages[page - 1].obj.get("/Rotate", 0)) == 90
        assert int(pdf.pages[page].obj.get("/Rotate", 0)) == 0
    cli(home.path, "page", "rotate", f"{opening}:1", "--by", "45", code=2)
    cli(home.path, "page", "rotate", f"{opening}:7", "--by", "90", code=5)

    deleted = cli_json(home.path, "page", "delete", f"{opening}:2")
    assert deleted["corrections"][0]["field"] == "page.delete"
    assert [n for _, n, *_ in home.catalog.document(opening).pages] == [1]
    assert home.hits("xe máy Honda") == []
    # Kept in the archive and the batch, never deleted from disk.
    assert any(p.number == 2 for p in home.catalog.batch_pages(batch))
    assert Path(home.catalog.batch(batch)["originals"][0]["archive"]).exists()

    cli_json(home.path, "reprocess")  # both survive reprocessing
    assert [n for _, n, *_ in home.catalog.document(opening).pages] == [1]
    with pikepdf.open(home.show()["dossier"]) as pdf:
        assert int(pdf.pages[home.shown(opening)["dossier_pages"][0] - 1].obj.get("/Rotate", 0)) == 90

    # Deleting a document's first page: the rest is a document starting on its next page.
    detention = home.doc_with("20/LTG-CSĐT")
    cli_json(home.path, "doc", "merge", detention, home.doc_with("12/CT-VKS-P2"))
    gone = cli_json(home.path, "page", "delete", f"{detention}:1")
    rest = document_id(CASE, PageRef(batch, 4))
    assert gone["removed"] == [detention] and gone["documents"] == [rest]
    assert {h["document_id"] for h in home.hits("truy tố bị can")} == {rest}


# ---- cases -----------------------------------------------------------------------------------------


def test_move_rename_and_merge_cases(home):
    petition = home.catalog.documents(None)[0].id
    batch = home.batches["old-folder"]
    assert [u["folder"] for u in cli_json(home.path, "status")["unassigned"]] == ["ho so cu"]
    cli(home.path, "doc", "move", petition, "--case", "ho so cu", code=2)  # not a case id
    moved = cli_json(home.path, "doc", "move", petition, "--case", "2024-HS-0100")
    new_id = document_id("2024-HS-0100", PageRef(batch, 1))
    assert moved["documents"] == [new_id] and moved["removed"] == [petition]
    assert moved["corrections"][0]["old"] is None and moved["corrections"][0]["new"] == "2024-HS-0100"
    cases = {c["id"]: c for c in cli_json(home.path, "case", "list")["cases"]}
    assert cases["2024-HS-0100"]["documents"] == 1 and cases["2024-HS-0100"]["version"] == 1
    assert [h["case_id"] for h in home.hits("thuyền đánh cá")] == ["2024-HS-0100"]
    assert not any(
        d["id"] == new_id and "unassigned" in d["reasons"] for d in cli_json(home.path, "review")["documents"]
    )
    assert cli_json(home.path, "status")["unassigned"] == []  # its scan is filed now

    assert "case merge" in said(cli(home.path, "case", "rename", "2024-HS-0100", CASE, code=2))
    cli(home.path, "case", "rename", "2024-HS-0999", "2024-HS-0998", code=5)
    renamed = cli_json(home.path, "case", "rename", "2024-HS-0100", "2024-HS-0101")
    assert renamed["corrections"][0]["field"] == "case.rename"
    listed = cli_json(home.path, "case", "list")
    cases = {c["id"]: c for c in listed["cases"]}
    assert cases["2024-HS-0101"]["documents"] == 1
    assert cases["2024-HS-0100"]["documents"] == 0 and cases["2024-HS-0100"]["merged_into"] == "2024-HS-0101"
    assert listed["unassigned"] == 0
    assert [h["case_id"] for h in home.hits("thuyền đánh cá", "--case", "2024-HS-0101")] == ["2024-HS-0101"]
    assert home.show("2024-HS-0100")["documents"] == []  # its dossier history stays, now empty

    merged = cli_json(home.path, "case", "merge", "2024-HS-0101", CASE)
    assert merged["corrections"][0]["field"] == "case.merge"
    assert len(home.show()["documents"]) == 4
    assert [h["case_id"] for h in home.hits("thuyền đánh cá")] == [CASE]

    cli_json(home.path, "reprocess")  # move, rename and merge are replayed
    assert [d.case_id for d in home.catalog.documents(all_cases=True) if d.pages[0][0] == batch] == [CASE]
    assert len(home.show()["documents"]) == 4
    assert cli(home.path, "verify").exit_code == 0


# ---- sealed dossiers ---------------------------------------------------------------------------------


def test_a_sealed_dossier_refuses_changes_that_would_renumber_it(home):
    opening, detention = home.doc_with("214/QĐ-CSĐT"), home.doc_with("20/LTG-CSĐT")
    indictment = home.doc_with("12/CT-VKS-P2")
    cli(home.path, "dossier", "seal", CASE)
    numbers = {d["id"]: d["but_luc"] for d in home.show()["documents"]}

    for args in (
        ["page", "delete", f"{opening}:1"],
        ["doc", "move", detention, "--case", "2024-HS-0200"],
        ["case", "rename", CASE, "2024-HS-0201"],
        ["doc", "merge", opening, indictment],
    ):
        refused = said(cli(home.path, *args, code=2))
        assert "sealed" in refused and "nothing was changed" in refused, args
    assert {d["id"]: d["but_luc"] for d in home.show()["documents"]} == numbers
    assert len(home.catalog.corrections()) == 0

    # What keeps every sealed number in place is allowed.
    cli(home.path, "doc", "set-type", detention, "lenh_bat")
    assert home.catalog.document(detention).type == "lenh_bat"
    cli(home.path, "page", "rotate", f"{opening}:2", "--by", "180")
    split = cli_json(home.path, "doc", "split", opening, "--at", "2")
    shown = {d["id"]: d["but_luc"] for d in home.show()["documents"]}
    first, last = numbers[opening]
    assert shown[opening] == [first, first] and shown[split["documents"][1]] == [last, last]
    assert shown[detention] == numbers[detention] and shown[indictment] == numbers[indictment]

    # A late document is not sealed: it can be corrected, and moved away.
    home.scan("late", [LATE])
    late = home.doc_with("30/QĐ-VKS-P2")
    assert home.shown(late)["but_luc"] == [5, 5]
    cli(home.path, "doc", "move", late, "--case", "2024-HS-0300")
    assert [d["but_luc"] for d in home.show()["documents"]][-1] == [4, 4]
