"""Work done once: each arrival is read and hashed once (its digest is carried, the archive
verifies the copy while it makes it), an unchanged dossier is known without reading its PDF,
and reading documents takes the same few queries however many there are. No OCR: the scan's
batch is on record already (the same bytes filed under another case), so ingest archives, files
and assembles without running Tesseract."""

from __future__ import annotations

from pathlib import Path

import pytest

import pipeline.hashing as hashing
from dossier_kit import CASE, page_pdf, tiny_home
from index import open_backend
from index.feed import pages_of
from ingest.archive import ArchiveError, archive_originals
from ingest.consume import Consumer
from ingest.sources import discover
from ingest.watch import settle
from pipeline.dossier.build import rebuild_dossier
from pipeline.hashing import sha256_file

OTHER_CASE = "2024-HS-0043"


@pytest.fixture
def reads(monkeypatch):
    """Every read-and-hash of a file, as (path, "hash" | "copy")."""
    seen: list[tuple[Path, str]] = []
    digest = hashing._digest

    def counted(source, copy_to=None):
        seen.append((Path(source.name), "copy" if copy_to is not None else "hash"))
        return digest(source, copy_to)

    monkeypatch.setattr(hashing, "_digest", counted)
    return seen


@pytest.fixture
def filed_once(tmp_path):
    """A scan on record under CASE whose archive copy was lost: the next arrival copies it again."""
    t = tiny_home(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    original = inbox / "cao_trang.pdf"
    page_pdf(original, ["VIỆN KIỂM SÁT NHÂN DÂN\nCÁO TRẠNG\nTruy tố bị can Nguyễn Văn An"])
    sha, file_id = t.store_scan(original, case_id=CASE)
    with t.catalog.transaction():
        t.catalog.set_file_state(file_id, "done", pages=1, documents=0)
    archived = Path(t.catalog.batch(sha)["originals"][0]["archive"])
    archived.unlink()
    yield t, original, archived
    t.catalog.close()


def test_an_arrival_is_read_once_to_hash_and_once_to_copy_and_the_inbox_file_leaves_without_a_read(filed_once, reads):
    t, original, archived = filed_once
    backend = open_backend(t.settings, t.catalog)
    consumer = Consumer(t.settings, t.catalog, backend)
    [outcome] = consumer.process(consumer.enqueue(discover([original], OTHER_CASE, t.settings.case_id_pattern)))
    assert (outcome.status, outcome.case_id) == ("done", OTHER_CASE), outcome
    # (The dossier's own files are hashed too, once each as they are written.)
    assert [r for r in reads if r[0] in (original, archived)] == [(original, "hash"), (original, "copy")]
    assert sha256_file(archived) == outcome.hashed[0].sha256  # the copy holds the bytes that arrived

    reads.clear()
    row = t.catalog.files("done")[-1]
    moved_to, note = settle(t.catalog, t.settings, row, [original.parent], outcome.hashed)
    assert note is None and reads == []
    assert not original.exists() and Path(moved_to).read_bytes() == archived.read_bytes()
    backend.close()


def test_a_file_changed_after_it_was_read_stays_in_the_inbox(filed_once):
    t, original, _ = filed_once
    backend = open_backend(t.settings, t.catalog)
    consumer = Consumer(t.settings, t.catalog, backend)
    [outcome] = consumer.process(consumer.enqueue(discover([original], OTHER_CASE, t.settings.case_id_pattern)))
    original.write_bytes(original.read_bytes() + b"\n% rescanned\n")
    moved_to, note = settle(t.catalog, t.settings, t.catalog.files("done")[-1], [original.parent], outcome.hashed)
    assert moved_to is None and "changed after it was archived" in note
    assert original.exists()
    backend.close()


def test_copies_that_are_not_the_batch_that_arrived_are_not_kept(tmp_path):
    pages = [tmp_path / "scan_p001.png", tmp_path / "scan_p002.png"]
    for n, page in enumerate(pages):
        page.write_bytes(b"\x89PNG\r\n\x1a\n page %d" % n)
    archive = tmp_path / "archive"
    with pytest.raises(ArchiveError, match="changed after it arrived"):
        archive_originals(pages, archive, "0" * 64)
    assert [p for p in archive.rglob("*") if p.is_file()] == []  # no copy, no .part left behind

    from ingest.sources import batch_sha256

    kept = archive_originals(pages, archive, batch_sha256([sha256_file(p) for p in pages]))
    assert [k.path.read_bytes() for k in kept] == [p.read_bytes() for p in pages]


# ---- dossiers -------------------------------------------------------------------------------------


@pytest.fixture
def built(tmp_path):
    t = tiny_home(tmp_path)
    t.batch("scan", ["CÁO TRẠNG số 12/CT-VKS truy tố bị can Nguyễn Văn An", "Trang hai của cáo trạng"])
    t.document("D-indict", "cao_trang", "scan", [1, 2], date="2024-05-05", number="12/CT-VKS")
    first = rebuild_dossier(t.settings, t.catalog, CASE)
    yield t, first
    t.catalog.close()


def test_an_unchanged_dossier_is_known_by_its_build_key_without_reading_its_pdf(built, reads):
    t, first = built
    assert t.catalog.latest_dossier(CASE)["build_key"] == first.assembled.build_key
    with t.catalog.transaction():  # as a crash before the places were recorded leaves them
        t.catalog.db.execute("UPDATE document_pages SET dossier_page = NULL, but_luc = NULL")
    again = rebuild_dossier(t.settings, t.catalog, CASE)
    assert (again.built, again.version, reads) == (False, 1, [])
    # The pages get back the places the version gave them.
    assert [tuple(p[2:]) for p in t.catalog.document("D-indict").pages] == [n[2:] for n in first.assembled.numbering]

    with t.catalog.transaction():  # a version recorded before the key had a column: its manifest has it
        t.catalog.db.execute("UPDATE dossiers SET build_key = NULL")
    assert not rebuild_dossier(t.settings, t.catalog, CASE).built

    first.pdf.chmod(0o644)
    first.pdf.unlink()  # a lost version is built again
    assert rebuild_dossier(t.settings, t.catalog, CASE).version == 2


# ---- queries ----------------------------------------------------------------------------------------


def statements(catalog, work) -> list[str]:
    seen: list[str] = []
    catalog.db.set_trace_callback(seen.append)
    try:
        work()
    finally:
        catalog.db.set_trace_callback(None)
    return seen


def test_documents_and_their_index_pages_are_read_in_the_same_few_queries_however_many(tmp_path):
    t = tiny_home(tmp_path)
    t.batch("one", ["Trang một"])
    t.batch("two", ["Trang một", "Trang hai", "Trang ba"])
    t.document("D-1", "khac", "one", [1])
    read = lambda: list(pages_of(t.catalog, t.catalog.documents(CASE)))  # noqa: E731
    few = statements(t.catalog, read)
    for n in (1, 2, 3):
        t.document(f"D-2-{n}", "khac", "two", [n])
    assert len(statements(t.catalog, read)) == len(few) == 4  # documents, their pages, page texts, batches
    assert [p.text for p in read()] == ["Trang một", "Trang một", "Trang hai", "Trang ba"]
    t.catalog.close()


def test_an_arrival_queued_already_is_found_in_one_query_and_not_queued_twice(tmp_path):
    t = tiny_home(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(3):
        page_pdf(inbox / f"scan{n}.pdf", [f"Trang {n}"])
    batches = discover([inbox], CASE, t.settings.case_id_pattern)
    consumer = Consumer(t.settings, t.catalog, None)
    ids: list[list[int]] = []
    for _ in range(2):
        queries = [
            s for s in statements(t.catalog, lambda: ids.append(consumer.enqueue(batches))) if s.startswith("SELECT")
        ]
        assert len(queries) == 1, queries
    assert ids[0] == ids[1] and len(set(ids[0])) == 3
    t.catalog.close()


def test_the_embedded_index_replaces_and_deletes_pages_in_one_query_per_lookup(tmp_path):
    t = tiny_home(tmp_path)
    t.batch("two", ["Khởi tố vụ án", "Khởi tố bị can"])
    t.document("D-a", "khac", "two", [1])
    t.document("D-b", "khac", "two", [2])
    backend = open_backend(t.settings, t.catalog)
    documents = t.catalog.documents(CASE)
    pages = list(pages_of(t.catalog, documents))
    backend.index_pages(pages)
    again = statements(t.catalog, lambda: backend.index_pages(pages))  # the same pages again: replaced
    assert len([s for s in again if s.startswith("SELECT id FROM pages_meta")]) == 1
    gone = statements(t.catalog, lambda: backend.delete_documents([d.id for d in documents]))
    assert len([s for s in gone if s.startswith("SELECT")]) == 1
    assert t.catalog.db.execute("SELECT COUNT(*) FROM pages_meta").fetchone()[0] == 0
    t.catalog.close()
