"""One large batch on every core: page-range jobs (pipeline.stages.ranges), merged back in order,
and what the consumer does with them."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from PIL import Image

from conftest import hoso, shared_or_skip
from dossier_kit import page_pdf
from ingest.consume import ROLLED_BACK, Consumer
from ingest.queue import claim
from ingest.sources import discover
from pipeline.config import load_settings
from pipeline.errors import Interrupted
from pipeline.models import OcrJob
from pipeline.stages.normalize import BadInput
from pipeline.stages.ocr import run_ocr
from pipeline.stages.ranges import PagesAside, merge_results, range_dir, split_job
from pipeline.store.catalog import Catalog

# Seven pages of real Vietnamese text (a layer that covers its page: kept, no Tesseract).
TEXTS = [
    f"Trang {n}. VIỆN KIỂM SÁT NHÂN DÂN tỉnh Quảng Ninh. Biên bản làm việc số {n}/BB-VKS về vụ án hình sự, "
    f"lời khai của người làm chứng thứ {n} được ghi lại đầy đủ."
    for n in range(1, 8)
]


def job_for(pdf: Path, tmp_path: Path, name: str = "whole") -> OcrJob:
    return OcrJob(
        batch_id=f"{name}0123456789abcdef",
        kind="pdf",
        sources=[pdf],
        output_pdf=tmp_path / "work" / f"{name}.pdf",
        languages="vie",
        max_pixels=200_000_000,
        tmp_dir=tmp_path / "tmp",
    )


def page_texts(pdf: Path) -> list[str]:
    with pdfplumber.open(pdf) as doc:
        return [page.extract_text() for page in doc.pages]


def test_ranges_merge_into_what_the_whole_batch_gives(tmp_path):
    scan = tmp_path / "scan.pdf"
    page_pdf(scan, TEXTS)
    whole = run_ocr(job_for(scan, tmp_path))

    job = job_for(scan, tmp_path, "split")
    parts = split_job(job, 7, size=2, workers=2)
    # at most 2 pages each, as many ranges as a multiple of the workers, in order, every page once
    assert [part.pages for part in parts] == [(1, 2), (3, 4), (5, 5), (6, 7)]
    assert [len(pikepdf.open(part.sources[0]).pages) for part in parts] == [2, 2, 1, 2]
    assert all(part.kind == "pdf" and part.batch_id == job.batch_id for part in parts)

    merged = merge_results(job, [run_ocr(part) for part in parts])
    assert merged.pdf == job.output_pdf and merged.batch_id == job.batch_id
    assert [p.number for p in merged.pages] == list(range(1, 8))
    assert [(p.text, p.layer, p.width, p.height, [w.text for w in p.words]) for p in merged.pages] == [
        (p.text, p.layer, p.width, p.height, [w.text for w in p.words]) for p in whole.pages
    ]
    assert "Trang 5." in merged.pages[4].text
    assert page_texts(merged.pdf) == page_texts(whole.pdf)
    # The range PDFs went with the merge; the pages wait in one file per range, out of memory, read
    # again on each pass, until the batch is filed (the consumer removes the folder).
    assert isinstance(merged.pages, PagesAside) and len(merged.pages) == 7
    assert sorted(p.suffix for p in range_dir(job).iterdir()) == [".pages"] * 4
    assert [p.number for p in merged.pages] == list(range(1, 8))


def test_more_workers_than_pages_give_every_page_once(tmp_path):
    """Many workers (a broker's) and few pages: one page per range, none empty, none twice."""
    scan = tmp_path / "scan.pdf"
    page_pdf(scan, TEXTS)
    parts = split_job(job_for(scan, tmp_path), 7, size=1, workers=32)
    assert [part.pages for part in parts] == [(n, n) for n in range(1, 8)]
    assert [len(pikepdf.open(part.sources[0]).pages) for part in parts] == [1] * 7


def test_ocr_pages_and_signatures_shift_by_the_range_offset(tmp_path):
    scan = tmp_path / "scan.pdf"
    page_pdf(scan, TEXTS)
    job = job_for(scan, tmp_path)
    parts = split_job(job, 7, size=3)
    assert [part.pages for part in parts] == [(1, 2), (3, 5), (6, 7)]
    results = [run_ocr(part) for part in parts]
    results[1].ocr_pages, results[2].ocr_pages, results[2].signed = [1, 3], [2], True
    merged = merge_results(job, results)
    assert merged.ocr_pages == [3, 5, 7] and merged.signed


def test_small_batches_and_pdfs_with_a_form_stay_one_job(tmp_path):
    scan = tmp_path / "scan.pdf"
    page_pdf(scan, TEXTS)
    job = job_for(scan, tmp_path)
    assert split_job(job, 7, size=4) == [job]  # not more than two ranges' worth
    with pikepdf.open(scan, allow_overwriting_input=True) as pdf:  # a signature covers the whole file
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), SigFlags=3)
        pdf.save(scan)
    assert split_job(job, 7, size=2) == [job]
    assert not any(range_dir(job).glob("*.pdf"))


def test_a_long_tiff_is_joined_once_then_cut(tmp_path):
    tiff = tmp_path / "scan.tif"
    frames = [Image.new("1", (200, 280), 1) for _ in range(7)]
    frames[0].save(tiff, save_all=True, append_images=frames[1:], compression="group4", dpi=(100, 100))
    job = replace(job_for(tiff, tmp_path), kind="tiff")
    parts = split_job(job, 7, size=3)
    assert [part.pages for part in parts] == [(1, 2), (3, 5), (6, 7)]
    assert all(part.kind == "pdf" for part in parts)
    assert [len(pikepdf.open(part.sources[0]).pages) for part in parts] == [2, 3, 2]


@pytest.fixture
def consumer(tmp_path, monkeypatch):
    for key in ("HOSO_CONFIG", "HOSO_OPENSEARCH_URL"):
        monkeypatch.delenv(key, raising=False)
    settings = load_settings(home=tmp_path / "home", ocr_jobs=1, ocr_range_pages=2)
    catalog = Catalog(settings.catalog_path)
    inbox = tmp_path / "inbox" / "2025-HS-0100"
    inbox.mkdir(parents=True)
    page_pdf(inbox / "scan.pdf", TEXTS)
    worker = Consumer(settings, catalog, None)
    worker.ids = worker.enqueue(discover([inbox.parent], None, settings.case_id_pattern))
    yield worker
    worker.close()
    catalog.close()


def read_in_process(consumer: Consumer, monkeypatch, fail: dict[tuple[int, int], Exception]) -> list[OcrJob]:
    """The workers' answers, read here (run_ocr, no Tesseract), and failures for some ranges."""
    submitted = []

    def submit(job: OcrJob) -> Future:
        submitted.append(job)
        future = Future()
        if job.pages in fail:
            future.set_exception(fail[job.pages])
        else:
            future.set_result(run_ocr(job))
        return future

    monkeypatch.setattr(consumer, "submit_ocr", submit)
    return submitted


def test_a_large_batch_is_read_in_ranges_and_filed_whole(consumer, monkeypatch):
    advanced = []
    monkeypatch.setattr(consumer.progress, "advance", advanced.append)
    submitted = read_in_process(consumer, monkeypatch, {})
    [outcome] = consumer.process(consumer.ids)
    assert [job.pages for job in submitted] == [(1, 2), (3, 4), (5, 5), (6, 7)]
    assert outcome.status == "done" and outcome.pages == 7, outcome
    pages = consumer.catalog.batch_pages(consumer.catalog.files()[0].sha256)
    assert [(p.number, p.text) for p in pages] == [(n, p.text) for n, p in enumerate(pages, 1)]
    assert [p.text.split(".")[0] for p in pages] == [f"Trang {n}" for n in range(1, 8)]
    assert sorted(advanced) == [0, 1, 2, 2, 2] and advanced[-1] == 0  # each range as it came back; nothing twice
    assert not range_dir(submitted[0]).exists()  # the ranges' page files went once the batch was filed


def test_a_range_that_fails_quarantines_its_batch_naming_its_pages(consumer, monkeypatch):
    read_in_process(consumer, monkeypatch, {(3, 4): BadInput("the file cannot be read as a scan (truncated)")})
    [outcome] = consumer.process(consumer.ids)
    assert outcome.status == "quarantined", outcome
    assert outcome.reason == "pages 3–4: the file cannot be read as a scan (truncated)"
    [row] = consumer.catalog.files()
    assert row.state == "quarantined" and row.reason == outcome.reason
    assert not consumer.catalog.batch_exists(row.sha256)  # none of its ranges was filed
    assert not any(consumer.settings.work_dir.rglob("*.pdf"))


def test_a_crashed_range_says_so_with_its_pages(consumer, monkeypatch):
    read_in_process(consumer, monkeypatch, {(5, 5): RuntimeError("tesseract died")})
    [outcome] = consumer.process(consumer.ids)
    assert outcome.status == "quarantined"
    assert outcome.reason.startswith("page 5: processing failed (RuntimeError: tesseract died)"), outcome


def test_ctrl_c_with_ranges_in_flight_rolls_the_batch_back_once(consumer, monkeypatch):
    monkeypatch.setattr(consumer, "submit_ocr", lambda job: Future())  # workers still reading every range
    monkeypatch.setattr(consumer, "abort", lambda: None)  # no worker to kill here

    def ctrl_c(running, outcomes):
        assert len(running) == 4  # the batch's ranges, all in flight
        raise KeyboardInterrupt

    monkeypatch.setattr(consumer, "_collect", ctrl_c)
    with pytest.raises(Interrupted, match="scan.pdf rolled back to queued"):
        consumer.process(consumer.ids)
    [row] = consumer.catalog.files()
    assert row.state == "queued" and row.reason == ROLLED_BACK
    lock = claim(consumer.catalog, consumer.locks_dir, row)  # its lock was given back: the next run takes it
    assert lock is not None
    lock.release()


@pytest.mark.ocr
def test_a_scan_read_in_ranges_gives_the_documents_of_one_job(tmp_path):
    scan = shared_or_skip("corpus/dev/inbox/2024-HS-7004/scan_2024-HS-7004_2.pdf")  # six scanned pages
    inbox = tmp_path / "inbox" / "2024-HS-7004"
    inbox.mkdir(parents=True)
    shutil.copy(scan, inbox / scan.name)
    found = []
    for name, env in (("whole", {}), ("ranges", {"HOSO_OCR_RANGE_PAGES": "2", "HOSO_OCR_JOBS": "2"})):
        home = tmp_path / name
        [outcome] = json.loads(hoso(home, "ingest", str(inbox), "--json", env=env).stdout)["files"]
        assert outcome["status"] == "done" and outcome["pages"] == 6, outcome
        dossier = json.loads(hoso(home, "dossier", "show", "2024-HS-7004", "--json").stdout)
        found.append((dossier["pages"], dossier["documents"]))
    assert found[0] == found[1]
    assert [d["sources"][0]["pages"] for d in found[1][1]] == [[1, 2], [3, 5], [6, 6]]
