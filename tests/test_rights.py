"""Who may see what, at the one door (ingest.access.Access): roles, case assignment, clearance.

A prosecutor guessing the ids of a case not theirs gets exactly what a missing id gets; a document
above a reader's clearance is listed only as "Tài liệu mật" with its bút lục; an admin reads no case.
The home is tests/web_kit.py's, with a Mật document in 2024-HS-0123 and a document filed under no case.
"""

from __future__ import annotations

import json
import uuid

import pytest

from dossier_kit import cli, cli_json
from index import open_backend
from index.base import EVERYTHING, SearchQuery
from ingest import audit
from ingest.access import SECRET_DOCUMENT, SECRET_DOSSIER, Access, User
from pipeline.config import Settings, load_settings
from pipeline.errors import Forbidden, NotFound
from pipeline.store.catalog import Catalog
from rights_kit import (
    SECRET_ID,
    SECRET_NUMBER,
    SECRET_PHRASE,
    UNFILED_ID,
    add_account,
    build_rights_home,
    user_of,
)
from web_kit import CASE_A, CASE_B, CLERK


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return build_rights_home(tmp_path_factory.mktemp("rights"))


@pytest.fixture(scope="module")
def settings(home) -> Settings:
    return load_settings(home=home)


@pytest.fixture
def as_user(settings):
    """Access(name): the Access of that account, as the web app would build it."""
    opened = []

    def make(name: str) -> Access:
        catalog = Catalog(settings.catalog_path)
        backend = open_backend(settings, catalog)
        opened.append((catalog, backend))
        return Access(settings, catalog, backend, user_of(catalog, name))

    yield make
    for catalog, backend in opened:
        backend.close()
        catalog.close()


def missing_like(call, probe, missing: str):
    """`call(probe)` fails exactly as `call(missing)` does: NotFound, the same message but for the id."""
    with pytest.raises(NotFound) as forbidden:
        call(probe)
    with pytest.raises(NotFound) as absent:
        call(missing)
    assert str(forbidden.value).replace(probe, "?") == str(absent.value).replace(missing, "?")


# ---- scope --------------------------------------------------------------------------------------------


def test_each_role_has_its_scope(as_user):
    assert as_user("lanhdao").scope.cases is None and as_user("lanhdao").scope.unassigned
    assert as_user("lanhdao").scope.clearance == "mat"
    assert as_user("kiemsat_b").scope.cases == (CASE_B,) and not as_user("kiemsat_b").scope.unassigned
    assert as_user("thuky").scope.cases == (CASE_A,) and as_user("thuky").scope.unassigned
    admin = as_user("quantri").scope
    assert admin.cases == () and not admin.unassigned
    cli_user = Access(as_user("quantri").settings, as_user("quantri").catalog, None, User("root"))
    assert cli_user.scope == EVERYTHING


def test_an_unknown_role_has_no_right_at_all(as_user):
    base = as_user("quantri")
    nobody = Access(base.settings, base.catalog, base.backend, User("x", role="superuser", id=None))
    assert nobody.cases()["cases"] == [] and nobody.scope.cases == ()
    with pytest.raises(Forbidden):
        nobody.status()


def test_search_sets_the_users_scope_whatever_the_caller_set(as_user):
    access = as_user("kiemsat_b")
    asked = []

    class Recording:  # a unit test of Access: the backends' own trimming is tested on real indexes below
        name = "recording"

        def search(self, query):
            from index.base import SearchResult

            asked.append(query.scope)
            return SearchResult([], 0, {})

    access.backend = Recording()
    access.search(SearchQuery(text="xe máy", scope=EVERYTHING))
    assert asked == [access.scope] and asked[0].cases == (CASE_B,)


# ---- a prosecutor guessing another case's ids -------------------------------------------------------


def test_a_prosecutor_guessing_ids_of_a_case_not_theirs_gets_what_a_missing_id_gets(as_user):
    a = as_user("kiemsat_b")
    missing_like(a.document, "A-QD47", "A-NOPE")
    missing_like(a.document_row, "A-CT12", "A-NOPE")
    missing_like(lambda d: a.page(d, 1), "A-HC1", "A-NOPE")
    missing_like(lambda d: a.page_words(d, 1, "xe"), "A-HC1", "A-NOPE")
    missing_like(lambda d: a.page_image(d, 1, 160), "A-QD47", "A-NOPE")
    missing_like(a.case, CASE_A, "2099-HS-0001")
    missing_like(a.case_cover, CASE_A, "2099-HS-0001")
    missing_like(a.dossier_history, CASE_A, "2099-HS-0001")
    missing_like(a.dossier_pdf, CASE_A, "2099-HS-0001")
    missing_like(lambda c: a.page_at_but_luc(c, 1), CASE_A, "2099-HS-0001")
    assert a.documents_brief(["A-QD47", "B-QD9"]).keys() == {"B-QD9"}
    assert [c["id"] for c in a.cases()["cases"]] == [CASE_B] and a.case_ids() == [CASE_B]
    # Their own case opens.
    assert a.page("B-QD9", 1)["case_id"] == CASE_B and a.dossier_pdf(CASE_B).is_file()


def test_a_prosecutor_never_sees_a_document_with_no_case_nor_the_clerks_pages(as_user):
    a = as_user("kiemsat_b")
    missing_like(a.document, UNFILED_ID, "U-NOPE")
    assert a.cases()["unassigned"] == 0
    for refused in (a.review, a.status, a.retryable, a.repair, lambda: a.header_crop("B-QD9")):
        with pytest.raises(Forbidden):
            refused()


# ---- a document above the reader's clearance -------------------------------------------------------


def test_a_thuong_reader_sees_a_mat_document_only_as_tai_lieu_mat_with_its_but_luc(as_user):
    a = as_user("kiemsat_a")
    case = a.case(CASE_A, text=True)
    secret = [d for d in case["documents"] if d.get("masked")]
    assert len(secret) == 1 and len(case["documents"]) == 4
    shown = secret[0]
    assert shown["title"] == SECRET_DOCUMENT and shown["but_luc"] == [5, 5] and shown["classification"] == "mat"
    assert shown["id"] is None and shown["number"] is None and shown["date"] is None and shown["persons"] == []
    assert set(shown) >= set(case["documents"][0]) - {"pages_text", "pages_but_luc"}  # the same shape
    leaked = json.dumps([case, a.case_cover(CASE_A), a.dossier_history(CASE_A)], ensure_ascii=False)
    for secret_text in (SECRET_ID, SECRET_NUMBER, "XK77", "2024-06-01"):
        assert secret_text not in leaked
    missing_like(lambda d: a.page(d, 1), SECRET_ID, "A-NOPE")
    missing_like(a.document, SECRET_ID, "A-NOPE")
    with pytest.raises(NotFound):
        a.page_at_but_luc(CASE_A, 5)
    assert a.page("A-CT12", 1)["next"] is None  # the secret page after it is not a neighbour


def test_a_dossier_holding_a_document_above_the_readers_clearance_is_not_served_whole(as_user):
    with pytest.raises(Forbidden) as refused:
        as_user("kiemsat_a").dossier_pdf(CASE_A)
    assert str(refused.value) == SECRET_DOSSIER
    assert not as_user("lanhdao_thuong").whole_dossier_readable(CASE_A)
    assert as_user("lanhdao").dossier_pdf(CASE_A).is_file()


def test_a_leader_cleared_for_mat_reads_it_and_every_case(as_user):
    a = as_user("lanhdao")
    assert a.document(SECRET_ID)["number"] == SECRET_NUMBER
    assert a.page(SECRET_ID, 1)["but_luc"] == 5
    assert {c["id"] for c in a.cases()["cases"]} == {CASE_A, CASE_B} and a.cases()["unassigned"] == 1
    assert a.document(UNFILED_ID)["case_id"] is None


# ---- admin and clerk ------------------------------------------------------------------------------


def test_an_admin_sees_the_machine_but_no_case_content(as_user):
    a = as_user("quantri")
    assert a.cases() == {"cases": [], "unassigned": 0} and a.case_ids() == []
    missing_like(a.case, CASE_A, "2099-HS-0001")
    missing_like(a.document, "B-QD9", "B-NOPE")
    missing_like(lambda d: a.page(d, 1), "B-QD9", "B-NOPE")
    assert a.status()["cases"] == 2  # counts of the machine, no content
    assert {r["user"] for r in a.assignments(case=CASE_A)} == {"kiemsat_a", "thuky", CLERK[0]}  # + web_kit's clerk
    with pytest.raises(Forbidden):
        a.review()
    with pytest.raises(Forbidden):
        a.assign(CASE_A, "quantri")


def test_a_clerk_works_on_the_cases_assigned_and_the_documents_with_no_case(as_user):
    a = as_user("thuky")
    listed = {d["id"]: d["case_id"] for d in a.review()}
    assert UNFILED_ID in listed and set(listed.values()) <= {CASE_A, None}
    assert a.document(UNFILED_ID)["case_id"] is None and a.page("A-HC1", 2)["but_luc"] == 3
    missing_like(a.document, "B-QD9", "B-NOPE")
    assert a.status()["documents"] >= 6
    missing_like(lambda d: a.repair().set_field(d, "title", "sửa"), "B-QD9", "B-NOPE")
    missing_like(lambda d: a.repair().set_field(d, "title", "sửa"), SECRET_ID, "A-NOPE")
    change = a.repair().set_field(UNFILED_ID, "title", "Đơn tố giác mất trộm")
    assert change.corrections[0]["who"] == "thuky"
    with pytest.raises(NotFound):
        a.repair().rename_case(CASE_B, "2025-HS-0099")
    with pytest.raises(Forbidden):
        a.assign(CASE_B, "thuky")


# ---- what is recorded -------------------------------------------------------------------------------


def test_each_read_and_change_is_recorded_once(as_user, monkeypatch):
    rows = []
    monkeypatch.setattr(audit, "append", lambda settings, catalog, **row: rows.append(row))
    a = as_user("lanhdao")
    a.search(SearchQuery(text="xe máy", case_id=CASE_A, facets=("type",)))
    a.case(CASE_A)
    a.document("A-QD47")
    a.page("A-HC1", 1)
    a.served_dossier(CASE_A).path.unlink()
    assert [(r["action"], r["who"], r["address"]) for r in rows] == [
        (action, "lanhdao", "10.0.0.7")
        for action in ("search", "case.view", "document.view", "page.view", "dossier.download")
    ]
    assert rows[0]["detail"]["q"] == "xe máy" and rows[0]["detail"]["filters"] == {"case_id": CASE_A}
    assert isinstance(rows[0]["detail"]["hits"], int)
    assert rows[3]["detail"] == {"page": "A-HC1:1", "case": CASE_A}
    assert rows[4]["detail"]["case"] == CASE_A and rows[4]["detail"]["version"] >= 1 and rows[4]["detail"]["sha256"]


# ---- search, trimmed inside the backend's query (index/sqlite_fts.py, index/opensearch.py) -------------


@pytest.fixture(scope="module", params=["sqlite", pytest.param("opensearch", marks=pytest.mark.opensearch)])
def searcher(request, settings, tmp_path_factory):
    """searcher(name) → Access of that account on each backend (a home of its own on OpenSearch)."""
    if request.param == "sqlite":
        chosen = settings
    else:
        url = request.getfixturevalue("opensearch_url")
        prefix = f"hoso-test-{uuid.uuid4().hex[:8]}"
        chosen = load_settings(
            home=build_rights_home(tmp_path_factory.mktemp("rights-os"), opensearch_url=url, prefix=prefix)
        )
    catalog = Catalog(chosen.catalog_path)
    backend = open_backend(chosen, catalog)
    yield lambda name: Access(chosen, catalog, backend, user_of(catalog, name))
    if request.param == "opensearch":
        backend.drop()
    backend.close()
    catalog.close()


def test_a_prosecutor_finds_nothing_of_a_case_not_theirs(searcher):
    data = searcher("kiemsat_b").search(SearchQuery(text="Trần Văn Đức", facets=("case", "type")))
    assert data["total"] == 0 and data["hits"] == [] and not any(data["facets"].values())


def test_a_thuong_reader_searching_the_exact_phrase_of_a_mat_document_learns_nothing(searcher):
    data = searcher("kiemsat_a").search(SearchQuery(text=f'"{SECRET_PHRASE}"', facets=("case", "type", "year")))
    assert data["total"] == 0 and not any(data["facets"].values())
    assert searcher("lanhdao").search(SearchQuery(text=f'"{SECRET_PHRASE}"'))["total"] == 1


def test_an_admin_finds_nothing(searcher):
    assert searcher("quantri").search(SearchQuery(text="tài sản"))["total"] == 0


def test_a_backend_answering_outside_the_scope_is_refused_not_filtered(as_user):
    """Until (and whether or not) the backend trims: a prosecutor is never handed a hit of another case."""
    from pipeline.errors import IndexUnavailable

    a = as_user("kiemsat_b")
    try:
        data = a.search(SearchQuery(text="Trần Văn Đức"))
    except IndexUnavailable as exc:
        assert "outside this user's rights" in str(exc)
    else:
        assert data["total"] == 0


# ---- hoso case assign | unassign | assignees ----------------------------------------------------------


def test_case_assign_unassign_and_assignees(home):
    assert cli(home, "case", "assign", CASE_B, "thuky").stdout.startswith(f"{CASE_B}: thuky assigned")
    assert "assigned already" in cli(home, "case", "assign", CASE_B, "thuky").stdout
    listed = cli_json(home, "case", "assignees", CASE_B)["assignees"]
    assert {(r["user"], r["role"]) for r in listed} == {
        ("kiemsat_b", "prosecutor"),
        ("thuky", "clerk"),
        (CLERK[0], "clerk"),
    }
    assert all(r["assigned_by"].startswith("cli:") for r in listed)
    assert cli_json(home, "case", "unassign", CASE_B, "thuky")["changed"] is True
    assert [r["user"] for r in cli_json(home, "case", "assignees", CASE_B)["assignees"]] == ["kiemsat_b", CLERK[0]]
    cli(home, "case", "assign", CASE_B, "nobody", code=5)
    cli(home, "case", "assign", "../etc", "thuky", code=2)
    ahead = cli_json(home, "case", "assign", "2026-HS-0001", "kiemsat_b")
    assert ahead["changed"] and not ahead["case_exists"]  # a case may be assigned before its papers arrive


def test_assignments_follow_a_renamed_or_merged_case(tmp_path):
    catalog = Catalog(tmp_path / "catalog.db")
    ksv, clerk = (add_account(catalog, name, role) for name, role in (("ksv", "prosecutor"), ("tk", "clerk")))
    with catalog.transaction():
        catalog.assign_case("2024-HS-0001", ksv, "cli:root")
        catalog.assign_case("2024-HS-0002", ksv, "cli:root")
        catalog.assign_case("2024-HS-0001", clerk, "cli:root")
        catalog.move_case_links("2024-HS-0001", "2024-HS-0002")  # a merge: ksv had both already
    assert catalog.assigned_cases(ksv) == ["2024-HS-0002"] and catalog.assigned_cases(clerk) == ["2024-HS-0002"]
    catalog.close()
