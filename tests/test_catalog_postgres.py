"""The catalog on PostgreSQL beside SQLite (issue 15, item 1): every aggregate of the store, its
migrations and its one-writer transactions, the same tests on both databases (`catalog_location`:
an SQLite file, or a fresh schema on the test server that `make test` starts)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from index import open_backend
from index.base import SearchQuery
from index.feed import index_documents
from ingest import audit
from pipeline.config import Settings
from pipeline.errors import ResourceError, resource_error
from pipeline.models import PageText, PenReading, Stamp
from pipeline.store.audit import AuditFilter, AuditRow
from pipeline.store.catalog import Catalog, DocumentRow, open_catalog
from pipeline.store.migrations import MIGRATIONS, applied_versions
from pipeline.store.petitions import PetitionRow, PetitionWhere

CASE = "2025-HS-0001"
BATCH = "b" * 64


def _pages(*numbers: int) -> list[PageText]:
    return [
        PageText(
            number=n,
            text=f"Quyết định khởi tố vụ án, trang {n}",
            confidence=91.5,
            stamps=[Stamp(kind="received", text="ĐẾN", number="12", date="2025-03-01", box=(1.0, 2.0, 3.0, 4.0))],
            pen=[PenReading("number", "05", (5.0, 6.0, 7.0, 8.0))],
        )
        for n in numbers
    ]


def _with_batch(catalog: Catalog, pages: int = 3) -> None:
    with catalog.transaction():
        file_id = catalog.add_file(
            path="/in/a.pdf", paths=["/in/a.pdf"], kind="pdf", size=10, sha256=BATCH, case_id=CASE, folder=None
        )
        catalog.add_batch(
            batch_id=BATCH,
            kind="pdf",
            originals=[{"name": "a.pdf", "sha256": BATCH, "archive": "archive/a.pdf"}],
            ocr_pdf="work/a.pdf",
            ocr_sha256="c" * 64,
            pages=_pages(*range(1, pages + 1)),
            signed=False,
        )
        catalog.link_batch(CASE, BATCH, file_id)


def _document(doc_id: str, case_id: str | None, pages: list[int], arrival: float = 1.0) -> DocumentRow:
    return DocumentRow(
        id=doc_id,
        case_id=case_id,
        type="qd_khoi_to_vu_an",
        confidence=0.9,
        arrival=arrival,
        number="12/QĐ-VKS",
        persons=[{"name": "Nguyễn Văn A", "role": "bi_can"}],
        review=["date"],
        pages=[(BATCH, n, None, None) for n in pages],
    )


def test_a_new_catalog_gets_every_migration_and_opening_it_again_changes_nothing(catalog_location):
    with open_catalog(catalog_location) as catalog:
        assert applied_versions(catalog.db) == {m.version for m in MIGRATIONS}
        catalog.set_meta("index_backend", "sqlite")
    with open_catalog(catalog_location) as again:
        assert applied_versions(again.db) == {m.version for m in MIGRATIONS}
        assert again.get_meta("index_backend") == "sqlite"
        assert again.integrity_check() == "ok"


def test_files_queue_claims_and_counts(catalog_location):
    with open_catalog(catalog_location) as catalog:
        big = 5 * 2**30  # a 5 GiB scan: file sizes need 64 bits
        first = catalog.add_file(
            path="/in/x.pdf", paths=["/in/x.pdf"], kind="pdf", size=big, sha256="s1", case_id=None, folder="hồ sơ"
        )
        second = catalog.add_file(
            path="/in/y.pdf", paths=["/in/y.pdf"], kind="pdf", size=1, sha256="s2", case_id=CASE, folder=None
        )
        assert second > first
        assert catalog.get_file(first).size == big and catalog.get_file(first).folder == "hồ sơ"
        assert catalog.claim_file(first, "host:1") and not catalog.claim_file(first, "host:2")
        catalog.set_file_state(first, "done", pages=7, documents=2)
        catalog.set_file_state(second, "done", pages=3, documents=1)
        stats = catalog.queue_stats()
        assert stats["queue_depth"] == 0 and stats["files_per_hour"] == 2
        assert stats["pages_per_hour"] == 10 and type(stats["pages_per_hour"]) is int  # JSON-ready, not a Decimal
        assert catalog.done_file_for("s1", None).id == first and catalog.done_file_for("s1", CASE) is None
        assert catalog.done_file_for("s2", CASE).id == second
        assert catalog.file_counts()["done"] == 2 and catalog.unassigned_file_count() == 1
        assert [f.id for f in catalog.get_files([second, first])] == [second, first]


def test_batches_pages_and_turns_round_trip(catalog_location):
    with open_catalog(catalog_location) as catalog:
        _with_batch(catalog)
        page = catalog.batch_page(BATCH, 2)
        assert page.text == "Quyết định khởi tố vụ án, trang 2" and page.confidence == 91.5
        assert page.stamps[0].box == (1.0, 2.0, 3.0, 4.0)
        assert page.pen == [PenReading("number", "05", (5.0, 6.0, 7.0, 8.0))]
        assert catalog.page_texts([(BATCH, 3), (BATCH, 1)]) == [
            "Quyết định khởi tố vụ án, trang 3",
            "Quyết định khởi tố vụ án, trang 1",
        ]
        catalog.set_page_turn(BATCH, 2, 450)
        assert catalog.page_turns([BATCH]) == {(BATCH, 2): 90}
        with catalog.transaction():
            catalog.replace_batch_pages(BATCH, "d" * 64, _pages(1, 2))
        assert [p.number for p in catalog.batch_pages(BATCH)] == [1, 2]
        assert catalog.page_turns([BATCH]) == {(BATCH, 2): 90}  # a clerk's turn survives a new reading
        assert catalog.cases_of_batches([BATCH]) == {BATCH: [CASE]}


def test_documents_revisions_and_the_unassigned_ones(catalog_location):
    with open_catalog(catalog_location) as catalog:
        _with_batch(catalog)
        with catalog.transaction():
            catalog.put_document(_document("D1", CASE, [1, 2]))
            catalog.put_document(_document("D2", None, [3], arrival=2.0))
            again = _document("D1", CASE, [1, 2])
            catalog.put_document(again)
        assert again.revision == 3
        assert [d.id for d in catalog.documents(CASE)] == ["D1"]
        assert [d.id for d in catalog.documents(None)] == ["D2"]  # no case: NULL, found by IS NULL
        assert catalog.last_document(None).id == "D2" and catalog.last_document(CASE).id == "D1"
        doc = catalog.document("D1")
        assert doc.persons == [{"name": "Nguyễn Văn A", "role": "bi_can"}] and doc.pages[1][:2] == (BATCH, 2)
        # D1 was written again (revision 3) since revision 1 was sent to the index: it stays not indexed.
        assert catalog.mark_indexed({"D1": 1, "D2": 2}) == 1
        assert catalog.document_counts() == {"documents": 2, "pages": 3, "not_indexed": 1}
        catalog.set_dossier_pages([("D1", 1, 1, 1), ("D1", 2, 2, 2)])
        assert catalog.dossier_pages([("D1", 2), ("D2", 1)]) == {("D1", 2): (2, 2), ("D2", 1): (None, None)}


def test_dossiers_seals_corrections_and_assignments(catalog_location):
    with open_catalog(catalog_location) as catalog:
        _with_batch(catalog)
        first = catalog.add_dossier(
            case_id=CASE, pdf="d/1.pdf", pdf_sha256="p", manifest="m", manifest_sha256="ms", pages=3, build_key="k"
        )
        assert first == 1 and catalog.next_dossier_version(CASE) == 2
        assert catalog.seal_pages(CASE, 1, [(BATCH, 1, 1), (BATCH, 2, 2)], "thu_ky") == 2
        assert catalog.seal_pages(CASE, 2, [(BATCH, 2, 9), (BATCH, 3, 3)], "thu_ky") == 1  # sealed pages keep theirs
        assert catalog.sealed_pages(CASE) == {(BATCH, 1): 1, (BATCH, 2): 2, (BATCH, 3): 3}
        ids = [
            catalog.add_correction(None, "case.rename", CASE, "2025-HS-0002", "thu_ky", case_id=CASE) for _ in range(2)
        ]
        assert ids[1] == ids[0] + 1 and catalog.corrections()[0]["new"] == "2025-HS-0002"
        user = catalog.add_user("kiemsat", "prosecutor", "mat", "Trần Thị B", None)
        assert catalog.assign_case(CASE, user, "admin") and not catalog.assign_case(CASE, user, "admin")
        catalog.move_case_links(CASE, "2025-HS-0002")
        assert catalog.assigned_cases(user) == ["2025-HS-0002"]
        assert catalog.batches_of_case("2025-HS-0002") == [BATCH] and catalog.batches_of_case(CASE) == []


def test_the_rest_of_the_store_reads_and_writes_alike(catalog_location):
    """What the aggregates' tests above leave out, each read checked against what was written."""
    with open_catalog(catalog_location) as catalog:
        _with_batch(catalog)
        [file] = catalog.files()
        catalog.set_file_state(file.id, "quarantined", reason="hỏng")
        catalog.set_quarantine_folder(file.id, "q1")
        catalog.requeue_file(file.id, paths=["/q/a.pdf"], kind="pdf", size=11, sha256=BATCH)
        assert catalog.active_files(["/in/a.pdf"]) == {("/in/a.pdf", BATCH): file.id}
        loose = catalog.add_file(
            path="/in/b.pdf", paths=["/in/b.pdf"], kind="pdf", size=1, sha256="s9", case_id=None, folder="lạ"
        )
        catalog.set_file_state(loose, "done")
        assert catalog.unassigned_folders() == {"s9": "lạ"}
        catalog.assign_files("s9", CASE)
        assert catalog.get_file(loose).case_id == CASE and catalog.case_has_files(CASE)
        assert [b["id"] for b in catalog.batches()] == [BATCH] and catalog.batch(BATCH)["originals"][0][
            "name"
        ] == "a.pdf"
        assert [p.number for p in catalog.pages_of_batches([BATCH], with_words=False)[BATCH]] == [1, 2, 3]
        assert catalog.case_info(CASE)["id"] == CASE and catalog.case_count() == 1
        with catalog.transaction():
            catalog.put_document(_document("D1", CASE, [1]))
            catalog.put_document(_document("D2", CASE, [2, 3], arrival=2.0))
        assert [d.id for d in catalog.documents_touching([BATCH])] == ["D1", "D2"]
        assert catalog.documents_by_id(["D2", "D9", "D1"])[0].id == "D2" and catalog.case_has_documents(CASE)
        catalog.set_document_position("D2", 1)
        catalog.set_indexed(["D1", "D2"], True)
        assert catalog.document("D2").position == 1 and catalog.document_counts()["not_indexed"] == 0
        catalog.mark_all_unindexed()
        assert catalog.cases_without_current_dossier() == [CASE]
        catalog.set_dossier_pages([("D1", 1, 1, 1), ("D2", 1, 2, 2), ("D2", 2, 3, 3)])
        assert catalog.cases_without_current_dossier() == [] and catalog.dossier_page("D2", 2) == (3, 3)
        catalog.add_dossier(
            case_id=CASE, pdf="d.pdf", pdf_sha256="p", manifest="m", manifest_sha256="q", pages=3, build_key="k"
        )
        catalog.mark_dossier_sealed(CASE, 1)
        catalog.seal_pages(CASE, 1, [(BATCH, 1, 1), (BATCH, 2, 2)], "thu_ky")
        assert catalog.latest_dossier(CASE)["sealed"] == 1 and len(catalog.dossiers()) == 1
        assert catalog.seals(CASE) == [
            {"version": 1, "at": catalog.seals(CASE)[0]["at"], "who": "thu_ky", "but_luc": [1, 2], "pages": 2}
        ]
        catalog.add_correction("D1", "date", None, "2025-03-01", "thu_ky")
        assert [c["batch_id"] for c in catalog.corrections([BATCH])] == [BATCH] and catalog.corrections(["x"]) == []
        catalog.delete_document("D1")
        assert catalog.document("D1") is None and catalog.dossier_pages([("D1", 1)]) == {("D1", 1): (None, None)}
        user = catalog.add_user("kiemsat", "prosecutor", "thuong", None, None)
        catalog.assign_case(CASE, user, "admin")
        assert catalog.assignments(case_id=CASE) == [
            {
                "case_id": CASE,
                "user": "kiemsat",
                "role": "prosecutor",
                "assigned_by": "admin",
                "assigned_at": catalog.assignments()[0]["assigned_at"],
            }
        ]
        assert catalog.unassign_case(CASE, user) and catalog.assigned_cases(user) == []
        catalog.add_session("a" * 64, user, "10.0.0.1")
        catalog.add_session("b" * 64, user, "10.0.0.1")
        catalog.session_seen("a" * 64, 2e9)
        assert catalog.end_idle_sessions(1.9e9) == 1 and catalog.session_user("a" * 64)["last_seen"] == 2e9
        catalog.end_session("a" * 64)
        assert catalog.end_sessions(user) == 0
        catalog.add_token(user, "t" * 64)
        token = catalog.token_user("t" * 64)
        catalog.token_used(token["token_id"], 2e9)
        assert catalog.token_user("t" * 64)["last_used"] == 2e9
        catalog.unlock_user(user)
        assert catalog.user("kiemsat")["failed_signins"] == 0
        catalog.put_petition(PetitionRow(id="P1", document_id="D2", type="don_to_cao", status="received", case_id=CASE))
        catalog.set_petition_documents("P1", ["D2"])
        assert catalog.petition_documents(["P1"]) == {"P1": ["D2"]}
        assert catalog.cases_of_document_number("12/QĐ-VKS") == [CASE]
        catalog.add_petition_event(
            "P1", at="2025-03-01", action="received", state="received", actor="x", detail={"a": 1}
        )
        catalog.set_received_event_day("P1", "2025-02-28")
        assert catalog.petition_events(["P1"])["P1"][0]["at"] == "2025-02-28"
        assert catalog.petition_events(["P1"])["P1"][0]["detail"] == {"a": 1}
        assert [p.id for p in catalog.petitions(PetitionWhere(ids=("P1", "P9"), case_id=CASE))] == ["P1"]
        catalog.ensure_case("2025-HS-0009")
        assert not catalog.drop_case_if_unused(CASE)  # its documents and dossier stay
        assert catalog.drop_case_if_unused("2025-HS-0009") and catalog.case_ids() == [CASE]


def test_accounts_tokens_sessions_and_the_lock_out(catalog_location):
    with open_catalog(catalog_location) as catalog:
        admin = catalog.add_user("quantri", "admin", "toi_mat", None, "hash")
        catalog.add_token(admin, "t" * 64)
        assert catalog.token_user("t" * 64)["name"] == "quantri" and catalog.users()[0]["tokens"] == 1
        assert catalog.admin_count() == 1
        catalog.add_session("s" * 64, admin, "127.0.0.1")
        assert catalog.session_user("s" * 64)["role"] == "admin"
        assert [catalog.failed_signin(admin, 3, 60) for _ in range(3)] == [False, False, True]
        assert catalog.user("quantri")["locked_until"] is not None
        catalog.update_user(admin, disabled=1)
        assert catalog.token_user("t" * 64) is None and catalog.session_user("s" * 64) is None
        assert catalog.admin_count() == 0 and catalog.revoke_tokens(admin) == 1


def test_the_audit_trail_chains_filters_by_case_and_refuses_changes(catalog_location, tmp_path, monkeypatch):
    settings = Settings(home=tmp_path)  # the trail's signing key is the home's
    with open_catalog(catalog_location) as catalog:
        audit.append(
            settings, catalog, who="kiemsat", address="10.0.0.2", action="search", detail={"filters": {"case": CASE}}
        )
        audit.append(settings, catalog, who="cli:root", address="cli", action="cli", detail={"args": ["dossier", CASE]})
        audit.append(settings, catalog, who="quantri", address="10.0.0.3", action="user.add", detail={"user": "x"})
        assert audit.verify(settings, catalog).ok
        rows, total = catalog.audit_rows(AuditFilter(case_id=CASE), limit=10)
        assert total == 2 and [r.action for r in rows] == ["cli", "search"]
        assert catalog.audit_rows(AuditFilter(action="user."), limit=10)[1] == 1
        assert catalog.audit_rows(AuditFilter(who="root"), limit=10)[1] == 1
        refused = ["UPDATE audit SET who = 'x'", "DELETE FROM audit"]
        if catalog.dialect == "postgres":
            refused.append("TRUNCATE audit")  # no row trigger sees it: a statement trigger does
        for statement in refused:
            with pytest.raises(Exception, match="append-only"), catalog.transaction():
                catalog.db.execute(statement)
        monkeypatch.setattr("pipeline.store.audit.AUDIT_PAGE", 2)  # read in pages of two rows
        assert [r.id for r in catalog.audit_chain()] == [1, 2, 3] and audit.verify(settings, catalog).ok
        assert isinstance(catalog.last_audit_row(), AuditRow)


def test_petitions_register_upserts_lists_and_events(catalog_location):
    with open_catalog(catalog_location) as catalog:
        row = PetitionRow(
            id="P1_a", document_id="D1", type="don_khieu_nai", status="received", received_date="2025-03-01"
        )
        catalog.put_petition(row)
        row.petitioner, row.due_date = "Lê Văn C", "2025-03-11"
        catalog.put_petition(row)
        catalog.put_petition(PetitionRow(id="P2", document_id="D2", type="to_giac", status="received"))
        assert catalog.petition("P1_a").petitioner == "Lê Văn C" and catalog.petition("P1_a").revision == 2
        assert catalog.petition_ids_starting("P1_") == ["P1_a"]  # `_` is no wildcard
        assert [p.id for p in catalog.petitions(PetitionWhere(due_before="2025-03-12"))] == ["P1_a"]
        assert [p.id for p in catalog.petitions()] == ["P1_a", "P2"]  # a received date first
        first = catalog.add_petition_event("P1_a", at="2025-03-01", action="received", state="received", actor="x")
        second = catalog.add_petition_event("P1_a", at="2025-03-02", action="classified", state="classified", actor="x")
        assert second == first + 1
        catalog.set_petition_documents("P1_a", ["D1", "D9"])
        assert catalog.petitions_of_documents(["D9", "D3"]) == {"D9": "P1_a"}
        assert [e["action"] for e in catalog.petition_events_between("2025-03-01", "2025-03-01")] == ["received"]
        assert catalog.petition_counts() == {"received": 2}


def test_a_failed_transaction_leaves_nothing_and_an_inner_one_joins_the_outer(catalog_location):
    with open_catalog(catalog_location) as catalog:
        with pytest.raises(RuntimeError), catalog.transaction():
            catalog.ensure_case(CASE)
            with catalog.transaction():  # joins: its end commits nothing
                catalog.set_meta("k", "v")
            raise RuntimeError("half-way")
        assert catalog.case_ids() == [] and catalog.get_meta("k") is None


def test_writers_of_one_catalog_take_turns_so_no_update_is_lost(catalog_location):
    """Read, then write what was read, in one transaction: as on SQLite (BEGIN IMMEDIATE), concurrent
    writers on PostgreSQL (the catalog's advisory lock) never both read the same value."""
    Catalog(catalog_location).close()
    per_writer, errors = 20, []

    def writer() -> None:
        try:
            with open_catalog(catalog_location) as catalog:
                for _ in range(per_writer):
                    with catalog.transaction():
                        catalog.set_meta("counter", str(int(catalog.get_meta("counter") or 0) + 1))
        except Exception as exc:  # reported below, with the count
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and not any(t.is_alive() for t in threads)
    with open_catalog(catalog_location) as catalog:
        assert catalog.get_meta("counter") == str(4 * per_writer)


def test_the_embedded_index_beside_the_catalog_finds_what_was_indexed(catalog_location, tmp_path):
    """SQLite: in the catalog's file. PostgreSQL: in the home's own index.sqlite (one machine only)."""
    url = catalog_location if isinstance(catalog_location, str) else None
    settings = Settings(home=tmp_path / "home", catalog_url=url)
    with open_catalog(settings.catalog) as catalog:
        _with_batch(catalog)
        with catalog.transaction():
            catalog.put_document(_document("D1", CASE, [1, 2]))
        backend = open_backend(settings, catalog)
        try:
            assert index_documents(catalog, backend, catalog.documents(CASE)) == 2
            hits = backend.search(SearchQuery(text="khoi to"))
            assert hits.total == 2 and {h.document_id for h in hits.hits} == {"D1"}
        finally:
            backend.close()
        assert catalog.document_counts()["not_indexed"] == 0
    assert (settings.home / "index.sqlite").exists() == (url is not None)


@pytest.mark.postgres
def test_a_read_only_catalog_refuses_writes_as_a_resource_error(postgres_url):
    from conftest import postgres_schema

    with postgres_schema(postgres_url) as url:
        Catalog(url).close()
        with open_catalog(url) as writable:
            writable.set_meta("k", "v")
        reader = Catalog(url, read_only=True)
        try:
            assert reader.get_meta("k") == "v"
            with pytest.raises(Exception) as refused:
                reader.set_meta("k", "w")
            assert "read-only" in str(resource_error(refused.value))
        finally:
            reader.close()


@pytest.mark.postgres
def test_an_unreachable_server_is_catalog_unavailable_never_the_input(postgres_url, tmp_path):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ResourceError, match="catalog unavailable: PostgreSQL at postgresql://hoso:\\*\\*\\*@127"):
        Catalog(f"postgresql://hoso:secret@127.0.0.1:{port}/hoso")
    from conftest import postgres_schema

    with postgres_schema(postgres_url) as url:
        catalog = Catalog(url)
        catalog.db.conn.close()  # the server went away under a running process
        with pytest.raises(Exception) as lost:
            catalog.case_ids()
        assert str(resource_error(lost.value)).startswith("catalog unavailable")


@pytest.mark.parametrize("location", ["sqlite", "postgres"])
def test_settings_name_the_catalog(location, tmp_path, monkeypatch):
    monkeypatch.delenv("HOSO_CATALOG_URL", raising=False)
    if location == "postgres":
        monkeypatch.setenv("HOSO_CATALOG_URL", "postgresql://hoso@db.vks.local:5432/hoso")
        settings = Settings(home=tmp_path)
        assert settings.catalog == "postgresql://hoso@db.vks.local:5432/hoso" and settings.catalog_exists()
    else:
        settings = Settings(home=tmp_path)
        assert settings.catalog == tmp_path / "catalog.sqlite" and not settings.catalog_exists()
        assert isinstance(settings.catalog, Path)


def test_a_catalog_url_that_is_not_postgresql_is_a_configuration_error(tmp_path):
    with pytest.raises(ValueError, match="postgresql://"):
        Settings(home=tmp_path, catalog_url="mysql://db/hoso")


def _drop_connection(server_url: str, catalog: Catalog) -> None:
    """What a restart of the server does to the catalog's connection."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (catalog.db.conn.info.backend_pid,))


@pytest.mark.postgres
def test_a_dropped_connection_fails_one_statement_then_the_catalog_connects_again(postgres_url):
    from conftest import postgres_schema

    with postgres_schema(postgres_url) as url, open_catalog(url) as catalog:
        catalog.ensure_case(CASE)
        _drop_connection(postgres_url, catalog)
        with pytest.raises(Exception) as lost:
            catalog.case_ids()
        assert str(resource_error(lost.value)).startswith("catalog unavailable")
        assert catalog.case_ids() == [CASE]  # a long-running server outlives the outage


@pytest.mark.postgres
def test_a_connection_dropped_inside_a_transaction_never_lets_the_rest_run_outside_it(postgres_url):
    from conftest import postgres_schema

    with postgres_schema(postgres_url) as url, open_catalog(url) as catalog:
        failures = []
        with pytest.raises(ResourceError, match="nothing was committed"), catalog.transaction():
            catalog.ensure_case(CASE)
            _drop_connection(postgres_url, catalog)
            for write in (lambda: catalog.set_meta("k", "v"), lambda: catalog.ensure_case("2025-HS-0002")):
                try:
                    write()
                except Exception as exc:  # as code that catches a failure and goes on would
                    failures.append(resource_error(exc))
        assert len(failures) == 2 and all(str(f).startswith("catalog unavailable") for f in failures)
        assert catalog.case_ids() == [] and catalog.get_meta("k") is None
