"""The petitions register (issue 14, items 1 and 4): intake of petition scans, the register's entries,
attachments, repeats, links to cases, the workflow's actions and their due dates, corrections, the
monthly report, rights, and `dossier show`'s "petitions". Fast: PDFs with a real text layer made from
the petitions-dev truth text go through the real consumer (Consumer.process files a batch whose pages
the catalog holds without OCR); one OCR test ingests a real petitions-dev scan."""

from __future__ import annotations

import csv
import datetime
import json
import shutil
import time
from pathlib import Path

import pdfplumber
import pytest
from openpyxl import load_workbook

from conftest import SHARED, hoso_json, shared_or_skip
from dossier_kit import UNIT, cli, cli_json, page_pdf, tiny_home
from index import open_backend
from ingest.access import Access, User
from ingest.consume import Consumer
from ingest.petitions import PetitionFilter, register_scan
from ingest.sources import discover
from ingest.watch import Ready, Watcher
from pipeline.errors import Forbidden, NotFound, UsageError
from rights_kit import add_account

PETITIONS_DEV = SHARED / "corpus" / "petitions-dev"
LINKED_CASE = "2024-HS-1425"  # what intake_20240127_001's tố giác refers to
DECISION = "305/QĐ-VKS-P2"  # what its khiếu nại refers to
DECISION_CASE = "2024-HS-0305"
DECISION_TEXT = """VIỆN KIỂM SÁT NHÂN DÂN
TỈNH QUẢNG NINH
Số: 305/QĐ-VKS-P2
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hạ Long, ngày 10 tháng 1 năm 2024
QUYẾT ĐỊNH
Phê chuẩn quyết định khởi tố bị can
Căn cứ Điều 179 Bộ luật Tố tụng hình sự;
Phê chuẩn quyết định khởi tố bị can đối với Hồ Văn Nam về tội Cố ý gây thương tích."""
OPENING = """CÔNG AN TỈNH QUẢNG NINH
CƠ QUAN CẢNH SÁT ĐIỀU TRA
Số: 214/QĐ-CSĐT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hạ Long, ngày 10 tháng 5 năm 2024
QUYẾT ĐỊNH
Khởi tố vụ án hình sự
Căn cứ Điều 153 Bộ luật Tố tụng hình sự;
Xét thấy có dấu hiệu tội phạm Trộm cắp tài sản quy định tại Điều 173 Bộ luật Hình sự."""
DENUNCIATION = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hạ Long, ngày 12 tháng 8 năm 2024
ĐƠN TỐ CÁO
Kính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ninh.
Tôi tên là: Trần Thị Hoa, sinh năm 1980.
Nơi cư trú: tổ 3, khu 2, phường Hà Tu, Hạ Long, tỉnh Quảng Ninh.
Tôi làm đơn này tố cáo ông Trần Văn Bảy, cán bộ địa chính phường Hà Tu, đã nhận tiền của dân để làm sổ đỏ."""
ANONYMOUS = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
ĐƠN TỐ CÁO
Kính gửi: Viện kiểm sát nhân dân tỉnh Quảng Ninh.
Tôi xin được giấu tên vì lo sợ bị trả thù.
Tôi làm đơn này tố cáo ông Trần Văn Bảy, cán bộ địa chính xã Hạ Long, đã nhận tiền của dân để làm sổ đỏ."""


def truth_batches() -> dict[str, list[dict]]:
    """{scan name without extension: its documents (type, petitioner, refers_to, page texts)}."""
    truth = json.loads((shared_or_skip("corpus/petitions-dev/truth.json")).read_text(encoding="utf-8"))
    return {Path(b["files"][0]).stem.removesuffix("_p001"): b["documents"] for b in truth["batches"]}


class Intake:
    """A home whose petition scans are filed and registered as `hoso ingest --petitions` does it."""

    def __init__(self, root: Path):
        self.t = tiny_home(root)
        self.catalog, self.settings = self.t.catalog, self.t.settings
        (self.home / "hoso.toml").write_text(f'unit = "{UNIT}"\n', encoding="utf-8")
        self.backend = open_backend(self.settings, self.catalog)
        self.consumer = Consumer(self.settings, self.catalog, self.backend)
        self.inbox = root / "inbox"
        self.inbox.mkdir()
        self.truth = truth_batches()

    @property
    def home(self) -> Path:
        return self.settings.home

    def scan(self, name: str, texts: list[str], *, purpose: str = "petition", case_id: str | None = None):
        """A scan with a text layer, filed by the real consumer: its outcome (with "petitions")."""
        original = self.inbox / f"{name}.pdf"
        page_pdf(original, texts)
        _, file_id = self.t.store_scan(original, case_id=case_id, purpose=purpose)
        return self.consumer.process([file_id])[0]

    def truth_scan(self, name: str, *, keep: slice = slice(None)):
        """A petitions-dev scan, its documents' truth text as the text layer."""
        documents = self.truth[name][keep]
        return self.scan(name, [page for d in documents for page in d["text"]]), documents

    def listed(self, *args: str) -> list[dict]:
        return cli_json(self.home, "petitions", "list", *args)["petitions"]

    def shown(self, petition_id: str) -> dict:
        return cli_json(self.home, "petitions", "show", petition_id)

    def access(self, name: str = "cli", role: str = "cli") -> Access:
        account = self.catalog.user(name)
        return Access(self.settings, self.catalog, None, User(name, role, "toi_mat", "cli", account and account["id"]))


@pytest.fixture
def intake(tmp_path, monkeypatch):
    monkeypatch.setenv("HOSO_USER", "vanthu.lan")
    i = Intake(tmp_path)
    yield i
    i.backend.close()
    i.catalog.close()


def test_each_petition_of_a_scan_is_an_entry_with_what_it_says(intake):
    outcome, documents = intake.truth_scan("intake_20240127_001")
    assert outcome.status == "done" and len(outcome.petitions) == 4
    listed = intake.listed()
    assert [p["id"] for p in listed] == outcome.petitions
    assert [(p["type"], p["petitioner"], p["refers_to"]) for p in listed] == [
        (d["type"], d["petitioner"], d["refers_to"]) for d in documents
    ]
    today = datetime.date.today().isoformat()
    for petition, doc in zip(listed, documents, strict=True):
        assert petition["id"] == "P" + petition["document_id"][1:]
        # No register stamp in a text layer: the arrival day, for a clerk to check.
        assert petition["received"] == {"number": None, "date": today} and "received" in petition["review"]
        # Nothing of petitions-dev is in this catalog: a reference is kept as read, linked to nothing.
        assert petition["case_id"] is None
        assert ("refers_to" in petition["review"]) == bool(doc["refers_to"])
        assert petition["status"] == "classified" and petition["due"]["date"] > today and not petition["overdue"]
        assert petition["sources"][0]["file"] == "intake_20240127_001.pdf"
        assert set(petition) >= {"id", "type", "petitioner", "address", "received", "refers_to", "case_id"}
        assert set(petition) >= {"status", "due", "overdue", "review", "sources"}
    assert listed[0]["address"] == documents[0]["petitioner_address"]
    # The scan is kept as documents under no case (searchable), and hoso status does not call it unassigned.
    assert {d.case_id for d in intake.catalog.documents(all_cases=True)} == {None}
    assert cli_json(intake.home, "search", "Trịnh Trọng Mai")["total"] >= 1
    assert cli_json(intake.home, "status")["unassigned"] == []
    assert not any("unassigned" in item["reasons"] for item in cli_json(intake.home, "review")["documents"])
    shown = intake.shown(listed[1]["id"][:6])  # a unique prefix names it
    assert [(e["action"], e["state"], e["actor"]) for e in shown["events"]] == [
        ("received", "received", "hoso"),
        ("classified", "classified", "hoso"),
    ]
    assert shown["path"] == ["received", "classified"]
    assert {a["action"] for a in shown["actions"]} == {"accept", "return", "transfer"}


def test_intake_again_changes_nothing(intake):
    outcome, _ = intake.truth_scan("intake_20240311_003")
    before = intake.shown(outcome.petitions[0])
    scan = intake.inbox / "intake_20240311_003.pdf"
    batches = discover([scan], None, intake.settings.case_id_pattern, "petition")
    (again,) = intake.consumer.process(intake.consumer.enqueue(batches))  # the same file ingested again
    assert again.status == "duplicate"
    batch = intake.catalog.documents(None)[0].pages[0][0]
    assert register_scan(intake.settings, intake.catalog, batch, datetime.date(2024, 3, 11)) == outcome.petitions
    assert len(intake.listed()) == 3
    assert intake.shown(outcome.petitions[0])["events"] == before["events"]


def test_an_attachment_is_part_of_its_petition_and_a_scan_of_no_petition_is_one_for_review(intake):
    petition_text = intake.truth["intake_20240528_006"][0]["text"]
    outcome = intake.scan("with-attachment", [*petition_text, OPENING])
    assert len(outcome.petitions) == 1 and outcome.documents == 2
    (petition,) = intake.listed()
    assert [d["role"] for d in petition["documents"]] == ["petition", "attachment"]
    assert petition["documents"][1]["type"] != "don_khieu_nai"
    other = intake.scan("no-petition", [OPENING.replace("214/QĐ", "215/QĐ")])
    (entry,) = [p for p in intake.listed() if p["id"] == other.petitions[0]]
    assert entry["type"] not in ("don_khieu_nai", "don_to_cao") and "type" in entry["review"]
    cli(intake.home, "petitions", "set", other.petitions[0], "--type", "don_kien_nghi")  # a clerk reads it
    (entry,) = [p for p in intake.listed() if p["id"] == other.petitions[0]]
    assert entry["type"] == "don_kien_nghi" and "type" not in entry["review"]
    assert entry["documents"][0]["type"] == "don_kien_nghi"  # its scan's document too


def test_a_reference_links_only_to_a_case_the_catalog_holds(intake):
    # The cases first (the issue: tests that link create that case): one by id, one by a decision's number.
    intake.scan("case-scan", [DECISION_TEXT], purpose="case", case_id=DECISION_CASE)
    assert [d.number for d in intake.catalog.documents(DECISION_CASE)] == [DECISION]
    intake.t.catalog.ensure_case(LINKED_CASE)
    outcome, _ = intake.truth_scan("intake_20240127_001", keep=slice(0, 3))
    by_reference = {p["refers_to"]: p for p in intake.listed()}
    assert (
        by_reference[LINKED_CASE]["case_id"] == LINKED_CASE and "refers_to" not in by_reference[LINKED_CASE]["review"]
    )
    assert by_reference[DECISION]["case_id"] == DECISION_CASE
    assert by_reference["2024-HS-6165"]["case_id"] is None and "refers_to" in by_reference["2024-HS-6165"]["review"]
    # Shown with the case, never inside its dossier.
    shown = cli_json(intake.home, "dossier", "show", DECISION_CASE)
    assert [p["id"] for p in shown["petitions"]] == [by_reference[DECISION]["id"]]
    assert [d["type"] for d in shown["documents"]] == [intake.catalog.documents(DECISION_CASE)[0].type]
    with pdfplumber.open(shown["dossier"]) as pdf:
        text = " ".join(page.extract_text() or "" for page in pdf.pages)
    assert "Hồ Văn Nam" in text and "Hồ Xuân Thảo" not in text
    # A clerk links and unlinks by hand; an unknown case is refused.
    other = by_reference["2024-HS-6165"]["id"]
    cli(intake.home, "petitions", "link", other, "2099-HS-1", code=5)
    linked = cli_json(intake.home, "petitions", "link", other, DECISION_CASE)
    assert linked["case_id"] == DECISION_CASE and "refers_to" not in linked["review"]
    assert [e["action"] for e in linked["events"]][-1] == "linked"
    assert cli_json(intake.home, "petitions", "link", other, "--unlink")["case_id"] is None
    assert len(cli_json(intake.home, "dossier", "show", DECISION_CASE)["petitions"]) == 1


def test_repeats_several_recipients_and_anonymous_petitions(intake):
    first, _ = intake.truth_scan("intake_20240528_006")
    text = intake.truth["intake_20240528_006"][0]["text"]
    again = intake.scan("sent-again", [text[0].replace("Kính gửi", "Kính gửi lần hai")])
    entry = intake.shown(again.petitions[0])
    assert entry["repeat_of"] == first.petitions[0] and "repeat" in entry["review"]
    assert intake.shown(first.petitions[0])["repeat_of"] is None
    anonymous = intake.scan(
        "anonymous",
        [
            ANONYMOUS.replace("Kính gửi: Viện", "Kính gửi:\n- Viện").replace(
                "Ninh.\nTôi xin", "Ninh;\n- Công an tỉnh Quảng Ninh.\nTôi xin"
            )
        ],
    )
    entry = intake.shown(anonymous.petitions[0])
    assert entry["anonymous"] is True and entry["petitioner"] is None and entry["repeat_of"] is None
    assert "sent_to_several" in entry["review"] and len(entry["recipients"]) == 2


def test_actions_move_a_petition_and_its_due_date(intake):
    add_account(intake.catalog, "ksv.hung", "prosecutor")
    outcome, _ = intake.truth_scan("intake_20240813_011", keep=slice(0, 2))
    complaint, recommendation = outcome.petitions
    # A tố cáo under the Law on Denunciations: thụ lý, then giải quyết (extendable when complex).
    (denunciation,) = intake.scan("to-cao", [DENUNCIATION]).petitions
    intake_due = intake.shown(denunciation)["due"]
    cli(intake.home, "petitions", "set", denunciation, "--received-date", "13/08/2024", "--received-number", "1234")
    received = intake.shown(denunciation)
    assert received["received"] == {"number": "1234", "date": "2024-08-13"} and "received" not in received["review"]
    assert received["events"][0]["at"] == "2024-08-13" and received["due"]["date"] < intake_due["date"]
    assert [e["action"] for e in received["events"]][-2:] == ["corrected", "corrected"]
    # The scan's document reads so too (`hoso review` no longer lists its stamp); corrected on the
    # document itself, the register would not follow: refused, naming the register's command.
    scan = received["document_id"]
    assert intake.catalog.document(scan).received == {"number": "1234", "date": "2024-08-13"}
    refused = cli(intake.home, "doc", "set", scan, "received", "1235, 13/08/2024", code=None)
    assert refused.exit_code != 0 and f"hoso petitions set {denunciation}" in " ".join(refused.stderr.split())
    cli(intake.home, "petitions", "accept", denunciation, "--at", "2024-08-12", code=2)  # before it was received
    cli(intake.home, "petitions", "accept", denunciation, "--at", "2099-01-01", code=2)  # a day still to come
    accepted = cli_json(intake.home, "petitions", "accept", denunciation, "--at", "2024-08-15")
    assert accepted["status"] == "accepted" and accepted["due"]["step"] != received["due"]["step"]
    assert accepted["due"]["date"] > "2024-08-15"
    # A transition the state does not allow: USAGE, naming what is allowed.
    wrong = cli(intake.home, "petitions", "accept", denunciation, code=2)
    assert "assign" in wrong.stderr and "resolve" in wrong.stderr
    cli(intake.home, "petitions", "assign", denunciation, code=2)  # --assignee missing
    cli(intake.home, "petitions", "assign", denunciation, "--assignee", "nobody", code=5)
    assigned = cli_json(
        intake.home, "petitions", "assign", denunciation, "--assignee", "ksv.hung", "--at", "2024-08-16"
    )
    assert assigned["assignee"] == "ksv.hung" and assigned["due"] == accepted["due"]
    extend = ("petitions", "extend", denunciation, "--complexity", "complex", "--reason", "phức tạp")
    extended = cli_json(intake.home, *extend, "--at", "2024-09-10")
    assert extended["status"] == "extended" and extended["due"]["date"] > accepted["due"]["date"]
    assert extended["complexity"] == "complex"
    cli(intake.home, *extend, code=2)  # a complex tố cáo is extended once only
    resolved = cli_json(intake.home, "petitions", "resolve", denunciation, "--result", "Tố cáo đúng một phần")
    assert resolved["status"] == "resolved" and resolved["due"] is None and resolved["actions"] == []
    assert resolved["events"][-1]["detail"] == {"result": "Tố cáo đúng một phần"}
    assert resolved["path"] == ["received", "classified", "accepted", "assigned", "extended", "resolved"]
    returned = cli_json(intake.home, "petitions", "return", complaint, "--reason", "không thuộc thẩm quyền")
    assert returned["status"] == "returned" and returned["events"][-1]["reason"] == "không thuộc thẩm quyền"
    to = "Công an tỉnh Quảng Ninh"
    transferred = cli_json(intake.home, "petitions", "transfer", recommendation[:7], "--to", to)
    assert transferred["status"] == "transferred" and transferred["due"] is None
    assert transferred["events"][-1]["detail"] == {"to": to}
    cli(intake.home, "petitions", "resolve", complaint, "--result", "x", code=2)  # returned: closed
    # Every action and correction is in the audit trail.
    rows = cli_json(intake.home, "audit", "--action", "petition.", "--limit", "50")["rows"]
    done = {r["action"] for r in rows}
    assert done >= {"petition.correct", "petition.accept", "petition.assign", "petition.extend", "petition.resolve"}
    assert done >= {"petition.return", "petition.transfer"}
    cli(intake.home, "petitions", "show", denunciation[:4], code=5)  # too short a prefix names nothing


def test_list_filters(intake):
    add_account(intake.catalog, "ksv.hung", "prosecutor")
    outcome, _ = intake.truth_scan("intake_20240601_007")
    recommendation, denunciation = outcome.petitions
    cli(intake.home, "petitions", "set", recommendation, "--received-date", "2024-05-29")
    assert [p["id"] for p in intake.listed("--overdue")] == [recommendation]
    assert [p["id"] for p in intake.listed("--due-within", "60")] == [denunciation]
    assert [p["id"] for p in intake.listed("--type", "don_to_cao")] == [denunciation]
    cli(intake.home, "petitions", "accept", denunciation)
    cli(intake.home, "petitions", "assign", denunciation, "--assignee", "ksv.hung")
    assert [p["id"] for p in intake.listed("--status", "assigned")] == [denunciation]
    assert [p["id"] for p in intake.listed("--assignee", "ksv.hung")] == [denunciation]
    assert [p["id"] for p in intake.listed("--q", "dinh thu long")] == [recommendation]
    text = cli(intake.home, "petitions", "list", "--overdue").stdout
    assert recommendation in text and "QUÁ HẠN" in text


def test_the_monthly_report(intake, tmp_path):
    outcome, _ = intake.truth_scan("intake_20240813_011", keep=slice(0, 2))
    complaint, recommendation = outcome.petitions
    (denunciation,) = intake.scan("to-cao", [DENUNCIATION]).petitions
    for petition, day in ((complaint, "2024-08-10"), (recommendation, "2024-08-13"), (denunciation, "2024-08-13")):
        cli(intake.home, "petitions", "set", petition, "--received-date", day)
    cli(intake.home, "petitions", "accept", complaint, "--at", "2024-08-12")
    cli(intake.home, "petitions", "resolve", complaint, "--result", "Bác đơn", "--at", "2024-08-12")
    cli(intake.home, "petitions", "accept", denunciation, "--at", "2024-08-14")
    cli(intake.home, "petitions", "resolve", denunciation, "--result", "Đúng một phần", "--at", "2024-12-31")
    report = cli_json(
        intake.home,
        "petitions",
        "report",
        "--month",
        "2024-08",
        "--csv",
        str(tmp_path / "r.csv"),
        "--xlsx",
        str(tmp_path / "r.xlsx"),
    )
    totals = report["totals"]
    assert totals["received"] == 3 and totals["accepted"] == 2 and totals["resolved_on_time"] == 1
    assert totals["resolved_late"] == 0  # resolved in December: counted in December's report
    assert totals["overdue_now"] == 1  # the kiến nghị, untouched since August
    assert {t["type"]: t["received"] for t in report["by_type"]} == {
        "don_khieu_nai": 1,
        "don_kien_nghi": 1,
        "don_to_cao": 1,
    }
    december = cli_json(intake.home, "petitions", "report", "--month", "2024-12")["totals"]
    assert december["resolved_late"] == 1 and december["received"] == 0
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["Nhóm", "Mục", "Tiếp nhận"] and rows[1][:3] == ["Tổng số", "2024-08", "3"]
    sheet = load_workbook(tmp_path / "r.xlsx").active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == UNIT
    (total,) = [row for row in values if row[0] == "Tổng số"]
    # Classified the day the scans came in (today), not in August.
    assert total[:5] == ["Tổng số", "2024-08", 3, 0, 2] and total[6:10] == [0, 1, 0, 1]
    cli(intake.home, "petitions", "report", "--month", "August", code=2)


def test_rights(intake):
    add_account(intake.catalog, "ksv.hung", "prosecutor")
    add_account(intake.catalog, "ksv.lan", "prosecutor")
    add_account(intake.catalog, "thuky", "clerk")
    add_account(intake.catalog, "lanhdao", "leader")
    add_account(intake.catalog, "quantri", "admin")
    outcome, _ = intake.truth_scan("intake_20240630_009")
    mine, theirs, _ = outcome.petitions
    clerk, leader = intake.access("thuky", "clerk"), intake.access("lanhdao", "leader")
    clerk.petition_act(mine, "accept")
    with pytest.raises(Forbidden):
        clerk.petition_act(mine, "assign", assignee="ksv.hung")  # a leader's
    leader.petition_act(mine, "assign", assignee="ksv.hung")
    hung, lan = intake.access("ksv.hung", "prosecutor"), intake.access("ksv.lan", "prosecutor")
    assert [p["id"] for p in hung.petitions(PetitionFilter())["petitions"]] == [mine]
    assert lan.petitions(PetitionFilter())["petitions"] == [] and lan.petition_counts()["assigned"] == 0
    assert hung.petition_counts()["assigned"] == 1
    assert len(clerk.petitions(PetitionFilter())["petitions"]) == 3
    with pytest.raises(NotFound):
        lan.petition(mine)
    with pytest.raises(NotFound):
        hung.petition(theirs)
    with pytest.raises(Forbidden):
        hung.petition_correct(mine, petitioner="X")
    assert [a["action"] for a in hung.petition(mine)["actions"]] == ["resolve"]
    with pytest.raises(UsageError):
        hung.petition_act(mine, "resolve")  # --result missing
    assert hung.petition_act(mine, "resolve", result="Đã giải quyết")["status"] == "resolved"
    with pytest.raises(Forbidden):
        intake.access("quantri", "admin").petitions(PetitionFilter())


def test_petition_scans_take_no_case_from_folders_or_the_command_line(intake, tmp_path):
    folder = tmp_path / "drop" / LINKED_CASE
    folder.mkdir(parents=True)
    page_pdf(folder / "don.pdf", ["ĐƠN KHIẾU NẠI"])
    assert [b.case_id for b in discover([tmp_path / "drop"], None, intake.settings.case_id_pattern)] == [LINKED_CASE]
    (batch,) = discover([tmp_path / "drop"], None, intake.settings.case_id_pattern, "petition")
    assert (batch.case_id, batch.folder, batch.purpose) == (None, None, "petition")
    result = cli(intake.home, "ingest", str(folder), "--petitions", "--case", LINKED_CASE, code=2)
    assert "--petitions" in result.stderr


def test_watch_takes_the_scans_of_petitions_watch_dirs_as_petitions(intake, tmp_path):
    watched = tmp_path / "don-den"
    watched.mkdir()
    settings = intake.settings.model_copy(update={"petitions_watch_dirs": [watched]})
    scan = watched / "don.pdf"
    page_pdf(scan, intake.truth["intake_20241019_012"][0]["text"])
    # Its pages are in the catalog already (as after a crash before filing): no OCR is needed.
    elsewhere = tmp_path / "elsewhere.pdf"
    shutil.copy(scan, elsewhere)
    _, file_id = intake.t.store_scan(elsewhere, case_id=None)
    with intake.catalog.transaction():
        intake.catalog.set_file_state(file_id, "quarantined", reason="test")
    watcher = Watcher(settings, intake.catalog, intake.backend, [watched])
    try:
        watcher._take([Ready(files=[scan], root=watched.resolve(), seen_at=time.time())])
    finally:
        watcher.consumer.close()
    (petition,) = intake.listed()
    assert petition["petitioner"] == "Huỳnh Hồng Bình" and petition["case_id"] is None
    assert (watched / ".done" / "don.pdf").exists()


@pytest.mark.ocr
def test_a_real_petition_scan_through_ocr(tmp_path):
    inbox = shared_or_skip("corpus/petitions-dev/inbox")
    (truth,) = truth_batches()["intake_20240528_006"]
    home = tmp_path / "home"
    report = hoso_json(home, "ingest", str(inbox / "intake_20240528_006.pdf"), "--petitions")
    (outcome,) = report["files"]
    assert outcome["status"] == "done" and outcome["case_id"] is None and len(outcome["petitions"]) == 1
    (petition,) = hoso_json(home, "petitions", "list")["petitions"]
    assert petition["type"] == truth["type"] and petition["petitioner"] == truth["petitioner"]
    assert petition["refers_to"] == truth["refers_to"] and petition["case_id"] is None
    assert "refers_to" in petition["review"]
    assert petition["received"]["date"] and petition["due"]["date"]
    assert hoso_json(home, "status")["unassigned"] == []


def test_stored_due_dates_follow_an_admins_new_rule_file(intake):
    (recommendation,) = intake.scan("kien-nghi", [intake.truth["intake_20241019_012"][0]["text"][0]]).petitions
    cli(intake.home, "petitions", "set", recommendation, "--received-date", "2024-10-21")  # a Monday
    assert intake.shown(recommendation)["due"]["date"] == "2024-11-04"  # 10 working days
    # The unit's own regulation (verified by its legal office) gives 15 working days instead.
    rules = intake.home / "quy-che-don.toml"
    rules.write_text(
        """[rules.kien_nghi]
label = "Kiến nghị, đề nghị (quy chế của đơn vị)"
types = ["don_kien_nghi", "don_de_nghi"]

[[rules.kien_nghi.steps]]
key = "xu_ly"
label = "xử lý đơn"
starts = "received"
ends = "accept"
period = { amount = 15, unit = "working_days" }
counting = "blds"
basis = "Quy chế tiếp nhận, xử lý đơn của đơn vị, Điều 5"
quote = "Trong thời hạn 15 ngày làm việc kể từ ngày nhận đơn, phải xử lý đơn."
verified = true
""",
        encoding="utf-8",
    )
    with (intake.home / "hoso.toml").open("a", encoding="utf-8") as config:
        config.write(f'petition_rules = "{rules}"\n')
    # No event since: the stored due date follows the new rule, in the list's filters too.
    (listed,) = intake.listed()
    assert listed["due"] == {
        "step": "xử lý đơn",
        "date": "2024-11-11",
        "basis": "Quy chế tiếp nhận, xử lý đơn của đơn vị, Điều 5",
    }
    assert [p["id"] for p in intake.listed("--overdue")] == [recommendation]


def test_a_petitions_scan_is_searchable_and_names_its_petition(intake):
    outcome, _ = intake.truth_scan("intake_20240127_001", keep=slice(0, 1))
    (petition,) = outcome.petitions
    hits = cli_json(intake.home, "search", "ngo van dung")["hits"]
    assert hits and {(h["case_id"], h["petition_id"]) for h in hits} == {(None, petition)}
    assert f"petition {petition}" in cli(intake.home, "search", "ngo van dung").stdout


def test_reprocess_keeps_a_petition_scan_out_of_every_case(intake):
    separator = "HOSO:CASE=2024-HS-0042"  # a case separator sheet scanned among the petitions
    outcome = intake.scan("with-separator", [*intake.truth["intake_20240528_006"][0]["text"], separator, OPENING])
    before = intake.listed()
    cli(intake.home, "reprocess")
    after = intake.listed()
    assert [p["id"] for p in after] == [p["id"] for p in before] == outcome.petitions
    assert not intake.catalog.documents("2024-HS-0042") and not intake.catalog.case_exists("2024-HS-0042")
