"""Petitions in the web app (issue 14, item 5): the register /don (due-soon and overdue marked, filters,
counts), a petition's page (facts, timeline, scan, actions and corrections as forms with the CSRF token,
a refusal in Vietnamese), rights per role, the case's "Đơn liên quan", the process diagram as SVG (one
node per state with its count, a petition's path highlighted, laid out once per definition), and the
JSON under /api/v1/petitions in the CLI's shapes.

Fast: the web kit's home, plus two petitions-dev scans with their truth text as the text layer, filed and
registered by the real consumer (no OCR); the tests change the register in file order on the module's home.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from conftest import shared_or_skip
from dossier_kit import cli_json, page_pdf, tiny_home
from index import open_backend
from ingest.access import Access, User
from ingest.consume import Consumer
from pipeline.config import load_settings
from pipeline.petitions.workflow import load_workflow
from pipeline.store.catalog import Catalog
from web import diagram
from web.app import create_app
from web.petitions import DUE_SOON_DAYS, due_mark
from web_kit import CASE_A, CLERK, LEADER, add_user, build_web_home, signed_in

PROSECUTOR = ("ksv.minh", "mat-khau-kiem-sat-1")
ADMIN = ("quan.tri", "mat-khau-quan-tri-1")
SCANS = ("intake_20240127_001", "intake_20240311_003")  # 4 and 3 petitions of petitions-dev
SVG = "{http://www.w3.org/2000/svg}"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def file_petition_scans(root: Path, home: Path) -> list[str]:
    """The petitions-dev scans filed and registered as `hoso ingest --petitions` does (their truth text as
    the text layer); the register's ids in scan order."""
    truth = json.loads(shared_or_skip("corpus/petitions-dev/truth.json").read_text(encoding="utf-8"))
    t = tiny_home(root)
    backend = open_backend(t.settings, t.catalog)
    ids = []
    try:
        for batch in truth["batches"]:
            name = Path(batch["files"][0]).stem
            if name not in SCANS:
                continue
            original = root / "petition-inbox" / f"{name}.pdf"
            original.parent.mkdir(exist_ok=True)
            page_pdf(original, [page for d in batch["documents"] for page in d["text"]])
            _, file_id = t.store_scan(original, case_id=None, purpose="petition")
            ids += Consumer(t.settings, t.catalog, backend).process([file_id])[0].petitions
    finally:
        backend.close()
        t.catalog.close()
    return ids


def build_petition_home(root: Path) -> tuple[Path, dict[str, str]]:
    """The web kit's home with a prosecutor, an admin and seven petitions in various states:
    {"overdue", "soon", "assigned", "fresh", ...: petition id}."""
    home = build_web_home(root)
    add_user(home, PROSECUTOR[0], "prosecutor", "thuong", PROSECUTOR[1])
    add_user(home, ADMIN[0], "admin", "thuong", ADMIN[1])
    ids = file_petition_scans(root, home)
    assert len(ids) == 7, ids
    settings = load_settings(home=home)
    catalog = Catalog(settings.catalog_path)
    try:
        cli_user = Access(settings, catalog, None, User("cli", "cli", "toi_mat", "cli", None))
        today = dt.date.today()
        # Received long ago: past the 20 days of a tố giác.
        cli_user.petition_correct(ids[0], received_date=(today - dt.timedelta(days=60)).isoformat())
        # Accepted and assigned to the prosecutor.
        cli_user.petition_act(ids[1], "accept")
        cli_user.petition_act(ids[1], "assign", assignee=PROSECUTOR[0])
        # Received some days ago: due within DUE_SOON_DAYS (working days make the distance vary).
        for back in range(0, 30):
            shown = cli_user.petition_correct(ids[2], received_date=(today - dt.timedelta(days=back)).isoformat())
            days = (dt.date.fromisoformat(shown["due"]["date"]) - today).days
            if 0 < days <= DUE_SOON_DAYS:
                break
        else:
            raise AssertionError("no received day puts the tố cáo's due date within the due-soon days")
    finally:
        catalog.close()
    return home, {"overdue": ids[0], "assigned": ids[1], "soon": ids[2], "fresh": ids[3], "all": ids}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_petition_home(tmp_path_factory.mktemp("petitions-web"))


@pytest.fixture(scope="module")
def home(built) -> Path:
    return built[0]


@pytest.fixture(scope="module")
def ids(built) -> dict:
    return built[1]


@pytest.fixture(scope="module")
def app(home):
    return create_app(load_settings(home=home))


@pytest.fixture(scope="module")
def sign_in_as(app):
    """A client signed in as an account, opened on first use and kept for the module."""
    opened: dict[str, TestClient] = {}

    def client(account: tuple[str, str]) -> TestClient:
        if account[0] not in opened:
            opened[account[0]] = signed_in(TestClient(app).__enter__(), *account)
        return opened[account[0]]

    yield client
    for each in opened.values():
        each.__exit__(None, None, None)


@pytest.fixture(scope="module")
def clerk(sign_in_as):
    return sign_in_as(CLERK)


@pytest.fixture(scope="module")
def leader(sign_in_as):
    return sign_in_as(LEADER)


@pytest.fixture(scope="module")
def prosecutor(sign_in_as):
    return sign_in_as(PROSECUTOR)


@pytest.fixture(scope="module")
def admin(sign_in_as):
    return sign_in_as(ADMIN)


def row_of(html: str, petition_id: str) -> str:
    """The register's table row of a petition."""
    return re.search(rf'<tr data-petition-id="{petition_id}".*?</tr>', html, re.S)[0]


def listed_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-petition-id="([^"]+)"', html)


def form_post(client, petition_id: str, path: str, data: dict, *, token: bool = True):
    """A form of the petition's page, sent as a browser sends it (the page's CSRF token)."""
    page = client.get(f"/don/{petition_id}")
    form = {"csrf": CSRF.search(page.text)[1], **data} if token else data
    return client.post(f"/don/{petition_id}/{path}", data=form, follow_redirects=False)


def status_of(home: Path, petition_id: str) -> str:
    return cli_json(home, "petitions", "show", petition_id)["status"]


# ---- the register ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "overdue", "kind", "word"),
    [
        (-3, True, "overdue", "Quá hạn 3 ngày"),
        (0, False, "soon", "Đến hạn hôm nay"),
        (DUE_SOON_DAYS, False, "soon", f"Sắp đến hạn: còn {DUE_SOON_DAYS} ngày"),
        (DUE_SOON_DAYS + 1, False, "", f"Còn {DUE_SOON_DAYS + 1} ngày"),
    ],
)
def test_due_marks_at_their_edges(days, overdue, kind, word):
    today = dt.date(2024, 2, 28)
    due = {"step": "thụ lý", "date": (today + dt.timedelta(days=days)).isoformat(), "basis": "…"}
    mark = due_mark({"due": due, "overdue": overdue}, today)
    assert (mark.kind, mark.word) == (kind, word)
    assert due_mark({"due": None, "overdue": False}, today) is None


def test_register_lists_every_petition_with_its_state_due_date_and_marks(clerk, home, ids):
    page = clerk.get("/don")
    assert page.status_code == 200
    html = page.text
    assert sorted(listed_ids(html)) == sorted(ids["all"])
    assert 'href="/don"' in html and "Sổ thụ lý đơn" in html  # the nav's link
    cli = {p["id"]: p for p in cli_json(home, "petitions", "list")["petitions"]}
    flow = load_workflow()
    for petition_id in ids["all"]:
        row = row_of(html, petition_id)
        p = cli[petition_id]
        assert flow.states[p["status"]].label in row
        assert p["petitioner"] in row
        if p["due"]:
            assert dt.date.fromisoformat(p["due"]["date"]).strftime("%d/%m/%Y") in row and p["due"]["step"] in row
    # Overdue and due soon: a class for the colour and a word for paper and colour-blind readers.
    overdue = row_of(html, ids["overdue"])
    assert 'class="due-overdue"' in overdue and re.search(r"Quá hạn \d+ ngày", overdue)
    soon = row_of(html, ids["soon"])
    assert 'class="due-soon"' in soon and re.search(r"Sắp đến hạn: còn \d ngày", soon)
    fresh = row_of(html, ids["fresh"])
    assert "Quá hạn" not in fresh and "Sắp đến hạn" not in fresh
    # Counts per state, each a link filtering the register.
    counts = cli_json(home, "petitions", "list")["petitions"]
    for state in ("classified", "assigned"):
        n = sum(1 for p in counts if p["status"] == state)
        assert re.search(rf'data-state="{state}">{flow.states[state].label} <b>{n}</b>', html)
    # Received numbers read from a stamp are absent from a text layer: "received" is flagged for review.
    assert "cần xem lại" in row_of(html, ids["fresh"]) and "số, ngày đến" in row_of(html, ids["fresh"])


@pytest.mark.parametrize(
    ("query", "cli_args"),
    [
        ("status=assigned", ["--status", "assigned"]),
        ("type=tin_bao_toi_pham", ["--type", "tin_bao_toi_pham"]),
        ("overdue=1", ["--overdue"]),
        (f"due_within={DUE_SOON_DAYS}", ["--due-within", str(DUE_SOON_DAYS)]),
        ("assignee=ksv.minh", ["--assignee", "ksv.minh"]),
        ("q=ngo+van+dung", ["--q", "ngo van dung"]),
    ],
)
def test_register_filters_keep_what_the_cli_keeps(clerk, home, query, cli_args):
    expected = [p["id"] for p in cli_json(home, "petitions", "list", *cli_args)["petitions"]]
    assert expected  # each filter keeps some petitions of this home, and not all of them
    assert len(expected) < 7
    assert listed_ids(clerk.get(f"/don?{query}").text) == expected
    assert [p["id"] for p in clerk.get(f"/api/v1/petitions?{query}").json()["petitions"]] == expected


def test_a_bad_filter_is_a_usage_error(clerk):
    assert clerk.get("/don?due_within=abc").status_code == 400
    assert clerk.get("/api/v1/petitions?due_within=abc").json()["error"]["name"] == "USAGE"


def test_api_has_the_cli_shapes(clerk, home, ids):
    assert clerk.get("/api/v1/petitions").json() == cli_json(home, "petitions", "list")
    shown = clerk.get(f"/api/v1/petitions/{ids['assigned']}").json()
    cli = cli_json(home, "petitions", "show", ids["assigned"])
    assert shown.keys() == cli.keys()
    assert {k: v for k, v in shown.items() if k != "actions"} == {k: v for k, v in cli.items() if k != "actions"}
    # The actions are this user's: a clerk may not take the leader's or the prosecutor's.
    assert [a["action"] for a in shown["actions"]] == []
    assert [a["action"] for a in cli["actions"]] == ["assign", "extend", "resolve"]
    assert clerk.get("/api/v1/petitions/P000000000000").status_code == 404


# ---- a petition's page ----------------------------------------------------------------------------


def test_petition_page_shows_facts_timeline_scan_and_the_clerks_actions(clerk, home, ids):
    petition_id = ids["fresh"]
    html = clerk.get(f"/don/{petition_id}").text
    p = cli_json(home, "petitions", "show", petition_id)
    assert p["petitioner"] in html and p["address"] in html
    timeline = re.search(r'<ol class="timeline" id="petition-timeline">(.*?)</ol>', html, re.S)[1]
    assert [e["action"] for e in p["events"]] == re.findall(r'data-action="([^"]+)"', timeline)
    assert "Tiếp nhận" in timeline and "Phân loại" in timeline and "hoso" in timeline
    # The clerk's actions on a classified petition: thụ lý, trả lại (a reason), chuyển (where to).
    actions = re.findall(r'<input type="hidden" name="action" value="([^"]+)">', html)
    assert actions == ["accept", "return", "transfer"]
    assert 'name="reason" required' in html and 'name="to" required' in html
    assert "Sửa thông tin" in html and "Liên kết với vụ án" in html
    # The scan: one image per page of the petition's documents, drawn with the reader's mark.
    pages = re.findall(rf'<img src="(/don/{petition_id}/trang/\d+\.png\?w=\d+)"', html)
    assert len(pages) == sum(d["pages"] for d in p["documents"]) >= 1
    image = clerk.get(pages[0])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(image.content)).size[0] == 900
    again = clerk.get(pages[0], headers={"If-None-Match": image.headers["etag"]})
    assert again.status_code == 304
    assert clerk.get(f"/don/{petition_id}/trang/3.png").status_code == 404
    # A clerk may type the first characters of an id, as on the command line.
    short = clerk.get(f"/don/{petition_id[:8]}")
    assert short.status_code == 200 and pages[0] in short.text
    assert clerk.get(f"/don/{petition_id[:8]}/trang/1.png").status_code == 200
    # Its path on the diagram: received → classified, where it is now.
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", html, re.S)[0])
    assert state_classes(svg)["classified"] >= {"current"} and "on-path" in state_classes(svg)["received"]


def test_a_clerk_accepts_a_petition_through_its_form(clerk, home, ids):
    petition_id = ids["fresh"]
    answer = form_post(clerk, petition_id, "xu-ly", {"action": "accept"})
    assert answer.status_code == 303 and answer.headers["location"] == f"/don/{petition_id}"
    shown = cli_json(home, "petitions", "show", petition_id)
    assert shown["status"] == "accepted"
    event = shown["events"][-1]
    assert (event["action"], event["actor"], event["at"]) == ("accept", CLERK[0], dt.date.today().isoformat())
    page = clerk.get(answer.headers["location"]).text
    assert "Đã thụ lý đơn" in page and 'id="flash"' in page
    assert re.search(r'id="petition-status">Đã thụ lý<', page)


def test_a_form_without_the_token_is_refused(clerk, home, ids):
    before = status_of(home, ids["soon"])
    answer = form_post(clerk, ids["soon"], "xu-ly", {"action": "accept"}, token=False)
    assert answer.status_code == 403
    assert "Biểu mẫu đã hết hạn" in answer.text
    assert (
        form_post(clerk, ids["soon"], "xu-ly", {"action": "accept", "csrf": "x" * 43}, token=False).status_code == 403
    )
    assert status_of(home, ids["soon"]) == before


def test_a_refused_action_says_why_in_vietnamese(clerk, leader, home, ids):
    all_ids = ids["all"]
    # A reason is needed to return a petition.
    answer = form_post(clerk, all_ids[4], "xu-ly", {"action": "return"})
    assert answer.status_code == 400
    assert "Không thực hiện được «Trả lại đơn»: cần nhập lý do" in answer.text
    # A clerk does not assign (the leader's action).
    answer = form_post(clerk, ids["assigned"], "xu-ly", {"action": "assign", "assignee": PROSECUTOR[0]})
    assert answer.status_code == 403 and "không được phân công đơn" in answer.text
    # Not from this state: the petition is closed.
    assert (
        form_post(clerk, all_ids[4], "xu-ly", {"action": "return", "reason": "Không thuộc thẩm quyền"}).status_code
        == 303
    )
    answer = form_post(clerk, all_ids[4], "xu-ly", {"action": "accept"})
    assert answer.status_code == 400
    assert "đơn đang ở bước «Đã trả lại đơn», đã kết thúc: không còn thao tác nào" in answer.text
    # An account that does not exist.
    answer = form_post(leader, ids["fresh"], "xu-ly", {"action": "assign", "assignee": "khong.co"})
    assert answer.status_code == 400 and "không có tài khoản «khong.co»" in answer.text
    # A day that is no day.
    answer = form_post(clerk, all_ids[5], "xu-ly", {"action": "accept", "at": "31/02/2024"})
    assert answer.status_code == 400 and "ngày «31/02/2024» không hợp lệ" in answer.text
    assert status_of(home, all_ids[5]) == "classified"


def test_transfer_assign_extend_and_resolve_through_the_forms(clerk, leader, prosecutor, home, ids):
    all_ids = ids["all"]
    assert (
        form_post(clerk, all_ids[5], "xu-ly", {"action": "transfer", "to": "Công an huyện Vân Đồn"}).status_code == 303
    )
    shown = cli_json(home, "petitions", "show", all_ids[5])
    assert shown["status"] == "transferred" and shown["events"][-1]["detail"]["to"] == "Công an huyện Vân Đồn"
    assert form_post(leader, ids["fresh"], "xu-ly", {"action": "assign", "assignee": PROSECUTOR[0]}).status_code == 303
    today = dt.date.today()
    extend = {"action": "extend", "complexity": "complex", "reason": "Cần xác minh thêm", "at": f"{today:%d/%m/%Y}"}
    assert form_post(leader, ids["fresh"], "xu-ly", extend).status_code == 303
    shown = cli_json(home, "petitions", "show", ids["fresh"])
    assert shown["status"] == "extended" and shown["complexity"] == "complex"
    assert shown["events"][-1]["at"] == today.isoformat() and shown["events"][-1]["reason"] == "Cần xác minh thêm"
    # One extension more than the law allows is refused, naming the clause.
    answer = form_post(leader, ids["fresh"], "xu-ly", extend)
    assert answer.status_code == 400
    assert "Không thực hiện được «Gia hạn»: luật không cho phép" in answer.text and "Điều 147" in answer.text
    # The assigned prosecutor resolves it.
    page = prosecutor.get(f"/don/{ids['fresh']}").text
    assert re.findall(r'name="action" value="([^"]+)"', page) == ["resolve"]
    answer = form_post(prosecutor, ids["fresh"], "xu-ly", {"action": "resolve", "result": "Không khởi tố"})
    assert answer.status_code == 303
    shown = cli_json(home, "petitions", "show", ids["fresh"])
    assert shown["status"] == "resolved" and shown["due"] is None
    assert [e["actor"] for e in shown["events"][-2:]] == [LEADER[0], PROSECUTOR[0]]
    page = leader.get(f"/don/{ids['fresh']}").text
    assert "Không có thao tác nào" in page and "Không khởi tố" in page


def test_corrections_and_the_case_link(clerk, home, ids):
    petition_id = ids["soon"]
    answer = form_post(clerk, petition_id, "sua", {"field": "received_number", "value": "127"})
    assert answer.status_code == 303
    assert cli_json(home, "petitions", "show", petition_id)["received"]["number"] == "127"
    answer = form_post(clerk, petition_id, "lien-ket", {"case": "2099-HS-0001"})
    assert answer.status_code == 400 and "không có vụ án «2099-HS-0001» trong kho" in answer.text
    answer = form_post(clerk, petition_id, "sua", {"field": "type", "value": "cao_trang"})
    assert answer.status_code == 400 and "«cao_trang» không phải một loại đơn" in answer.text
    assert form_post(clerk, petition_id, "lien-ket", {"case": CASE_A}).status_code == 303
    shown = cli_json(home, "petitions", "show", petition_id)
    assert shown["case_id"] == CASE_A
    assert [e["action"] for e in shown["events"][-2:]] == ["corrected", "linked"]
    # The case's page lists it under "Đơn liên quan"; the dossier itself is untouched.
    case_page = clerk.get(f"/cases/{CASE_A}").text
    block = re.search(
        r'<section aria-labelledby="petitions-title" id="case-petitions">(.*?)</section>', case_page, re.S
    )[1]
    assert f'data-petition-id="{petition_id}"' in block and "Đơn liên quan" in case_page
    assert petition_id not in cli_json(home, "dossier", "show", CASE_A)["documents"].__repr__()


# ---- rights ---------------------------------------------------------------------------------------


def test_a_prosecutor_sees_only_the_petitions_assigned_to_them(prosecutor, ids, home):
    assigned = [p["id"] for p in cli_json(home, "petitions", "list", "--assignee", PROSECUTOR[0])["petitions"]]
    assert ids["assigned"] in assigned
    html = prosecutor.get("/don").text
    assert listed_ids(html) == assigned
    assert prosecutor.get(f"/don/{ids['overdue']}").status_code == 404  # as if it did not exist
    assert prosecutor.get(f"/don/{ids['overdue']}/trang/1.png").status_code == 404
    assert prosecutor.get(f"/api/v1/petitions/{ids['overdue']}").status_code == 404
    assert [p["id"] for p in prosecutor.get("/api/v1/petitions").json()["petitions"]] == assigned
    # No corrections for a prosecutor, and the form is refused if sent anyway.
    page = prosecutor.get(f"/don/{ids['assigned']}").text
    assert "Sửa thông tin" not in page
    answer = form_post(prosecutor, ids["assigned"], "sua", {"field": "petitioner", "value": "X"})
    assert answer.status_code == 403 and "không có quyền sửa, liên kết đơn" in answer.text


def test_an_admin_has_no_register(admin):
    assert admin.get("/don").status_code == 403
    assert admin.get("/don/so-do").status_code == 403
    assert admin.get("/api/v1/petitions").status_code == 403
    assert admin.get("/api/v1/petitions/diagram.svg").status_code == 403
    assert 'href="/don"' not in admin.get("/status").text


def test_signed_out_is_sent_to_sign_in(app):
    with TestClient(app) as client:
        answer = client.get("/don", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/dang-nhap?next=")
        assert client.get("/api/v1/petitions").status_code == 401


# ---- the process diagram --------------------------------------------------------------------------


def state_classes(svg: ET.Element) -> dict[str, set[str]]:
    return {
        g.get("id").removeprefix("state-"): set(g.get("class").split())
        for g in svg.iter(f"{SVG}g")
        if "state" in g.get("class", "").split()
    }


def counts_drawn(svg: ET.Element) -> dict[str, int]:
    found = {}
    for g in svg.iter(f"{SVG}g"):
        if "state" in g.get("class", "").split():
            found[g.get("id").removeprefix("state-")] = int(g.findall(f"{SVG}text")[-1].text.split()[0])
    return found


def test_diagram_has_one_node_per_state_with_its_live_count(leader, home):
    answer = leader.get("/api/v1/petitions/diagram.svg")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("image/svg+xml")
    svg = ET.fromstring(answer.content)  # valid XML
    flow = load_workflow()
    listed = cli_json(home, "petitions", "list")["petitions"]
    expected = {state: sum(1 for p in listed if p["status"] == state) for state in flow.states}
    assert counts_drawn(svg) == expected
    labels = {
        g.get("id").removeprefix("state-"): g.findall(f"{SVG}text")[0].text
        for g in svg.iter(f"{SVG}g")
        if "state" in g.get("class", "")
    }
    assert labels == {key: state.label for key, state in flow.states.items()}
    moves = [g for g in svg.iter(f"{SVG}g") if "move" in g.get("class", "").split()]
    assert len(moves) == sum(len(t.sources) for t in flow.transitions)
    assert not any("on-path" in g.get("class", "") for g in svg.iter(f"{SVG}g"))
    # Nothing the Content-Security-Policy would block inline.
    assert b"<script" not in answer.content and b"<style" not in answer.content and b"style=" not in answer.content


def test_diagram_page_draws_the_diagram_inline_with_counts_and_prints_on_a4(leader):
    page = leader.get("/don/so-do")
    assert page.status_code == 200
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", page.text, re.S)[0])
    assert set(counts_drawn(svg)) == set(load_workflow().states)
    assert 'id="diagram-counts"' in page.text and "Sơ đồ quy trình" in page.text
    css = leader.get("/static/petitions.css").text
    assert "@page { size: A4" in css and "@media print" in css


def test_a_petitions_path_is_highlighted(leader, home, ids):
    petition_id = ids["fresh"]  # received → classified → accepted → assigned → extended → resolved
    path = cli_json(home, "petitions", "show", petition_id)["path"]
    assert path == ["received", "classified", "accepted", "assigned", "extended", "resolved"]
    svg = ET.fromstring(leader.get(f"/api/v1/petitions/diagram.svg?petition={petition_id}").content)
    classes = state_classes(svg)
    assert "current" in classes["resolved"]
    assert all("on-path" in classes[s] for s in path[:-1])
    assert not {"on-path", "current"} & (classes["returned"] | classes["transferred"])
    flow = load_workflow()
    on_path = set()
    for g in svg.iter(f"{SVG}g"):
        if "on-path" in g.get("class", "").split() and "move" in g.get("class", ""):
            on_path.add(g.find(f"{SVG}title").text)
    names = {k: s.label for k, s in flow.states.items()}
    for source, target in zip(path, path[1:], strict=False):
        assert any(t.startswith(f"{names[source]} → {names[target]}") for t in on_path), (source, target)
    assert not any(t.startswith(names["classified"] + " → " + names["returned"]) for t in on_path)


def test_the_layout_is_drawn_once_per_definition(tmp_path, monkeypatch):
    flow = load_workflow()
    first = diagram.process_svg(flow, tmp_path, {"received": 3})
    cached = list((tmp_path / "diagram").glob("*.svg"))
    assert len(cached) == 1

    def no_dot(source: str) -> str:
        raise AssertionError("dot ran again for the same definition")

    monkeypatch.setattr(diagram, "run_dot", no_dot)
    again = diagram.process_svg(flow, tmp_path, {"received": 4}, path=["received", "classified"])
    assert first != again and "4 đơn" in again and "3 đơn" in first


def test_without_graphviz_the_diagram_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(Exception, match="graphviz") as failure:
        diagram.process_svg(load_workflow(), tmp_path, {})
    assert failure.value.exit_code == 6  # MISSING_DEPENDENCY
