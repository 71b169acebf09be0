"""Consume queued batches: archive the originals, OCR in worker processes, find the
documents, rebuild the touched dossiers and index them.

Both `hoso ingest` and `hoso watch` drive this one consumer. Every batch's
final state (done, duplicate, quarantined) and reason are stamped in a
`finally`, so no row is left `processing` by an error. A failure of the
machine (disk full, read-only home) is not the file's: its row goes back to
`queued` with the reason and the run takes no further file.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from multiprocessing import resource_tracker
from pathlib import Path
from typing import TYPE_CHECKING

from index.base import SearchBackend
from index.feed import index_documents
from pipeline.config import Settings
from pipeline.dossier.build import rebuild_dossier as rebuild_case_dossier
from pipeline.errors import Interrupted, ResourceError, low_on_space, resource_error
from pipeline.filing import NotDigitized, file_drafts
from pipeline.hashing import HashedFile, sha256_file
from pipeline.models import OcrJob, OcrResult
from pipeline.stages.correct import correct_page
from pipeline.stages.documents import find_documents
from pipeline.stages.normalize import BadInput, count_pages
from pipeline.stages.ocr import run_ocr
from pipeline.stages.ranges import RangeFailed, merge_results, range_dir, set_aside, split_job
from pipeline.store.catalog import Catalog, DocumentRow, FileRow
from pipeline.taxonomy import DocType, load_taxonomy

from .archive import ArchiveError, archive_originals, quarantine
from .petitions import register_scan
from .queue import BatchLock, CatalogBatchLock, claim
from .runs import kill_run, run_tmp_dir
from .sources import Batch

if TYPE_CHECKING:
    from .broker import BrokerPool

log = logging.getLogger("hoso.ingest")

UNSUPPORTED = "unsupported file type: hoso takes scans as PDF, TIFF, JPEG or PNG"
ROLLED_BACK = "stopped before it was finished; it is queued again for the next run"
HELD = "{}; the file is queued again: fix that, then `hoso retry --all` (or ingest it again)"
_consumers = itertools.count(1)


@dataclass
class FileOutcome:
    path: str
    status: str  # done | duplicate | quarantined | processing (another process has it)
    case_id: str | None
    documents: int
    pages: int
    reason: str | None
    # The row's files as this run read them (hashed on arrival, or while archived): what may leave the inbox.
    hashed: list[HashedFile] = field(default_factory=list, repr=False)
    petitions: list[str] | None = None  # a petition scan's entries in the register (issue 14)

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "hashed" and (k != "petitions" or v is not None)}


@dataclass(eq=False)
class Reading:
    """A batch's OCR in flight: its page-range jobs (or the whole batch as one), which any worker
    takes; filed once every range is back, merged in page order."""

    row: FileRow
    lock: BatchLock | CatalogBatchLock
    originals: list[dict]
    job: OcrJob
    pages: int  # as counted on arrival (count_pages)
    parts: list[OcrJob] = field(default_factory=list)
    results: dict[int, OcrResult] = field(default_factory=dict)  # part index → its result


class Progress:
    """What the consumer reports while it works; the CLI draws it, tests ignore it."""

    def begin(self, total_pages: int) -> None: ...

    def file(self, path: str) -> None: ...

    def advance(self, pages: int) -> None: ...

    def finished(self, outcome: FileOutcome) -> None: ...


def _worker_init() -> None:
    # Tesseract's OpenMP threads would fight over the cores the pool already uses.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    # Ctrl-C reaches the whole process group: the consumer (or the watcher) decides to finish or
    # roll back, not its workers (tesseract and gs inherit the ignored SIGINT); a worker dying of
    # it mid-job would print its traceback and leave the pool's semaphores to the resource tracker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _warm() -> int:
    """Runs once in each worker so the first real job finds OCRmyPDF imported."""
    import pipeline.stages.ocr  # noqa: F401

    time.sleep(0.2)  # hold this worker so the next warm-up task starts another one
    return os.getpid()


class Consumer:
    def __init__(self, settings: Settings, catalog: Catalog, backend: SearchBackend, progress: Progress | None = None):
        self.settings = settings
        self.catalog = catalog
        self.backend = backend
        self.progress = progress or Progress()
        self.taxonomy: dict[str, DocType] = load_taxonomy(settings.taxonomy)
        self.locks_dir = settings.home / "locks"
        self._pool: ProcessPoolExecutor | None = None
        self._broker: BrokerPool | None = None
        self._saved_tmpdir: str | None = None
        self._touched: set[str | None] = set()  # cases whose dossier and index need a refresh
        self._hashed: dict[int, list[HashedFile]] = {}  # file id → its files as last read (see FileOutcome)
        # This run's temp folder under the home; OCR workers get it as TMPDIR (see ingest.runs).
        self.tmp_dir = run_tmp_dir(settings.tmp_dir) / f"consumer-{next(_consumers)}"
        # The watcher keeps one warm pool across process() calls, moves bad files out of its
        # inbox into quarantine/ (batch ingest copies), and may ask a run to stop: rows not
        # started stay queued, rows whose OCR is cut off go back to queued.
        self.keep_pool = False
        self.quarantine_move = False
        self.stopping = False
        self.resource_error: ResourceError | None = None  # the machine failed during this process() call

    # ---- queue -----------------------------------------------------------------------

    def enqueue(self, batches: list[Batch]) -> list[int]:
        """Record every batch as `queued` before any work starts."""
        ids = []
        with self.catalog.transaction():
            active = self.catalog.active_files([str(batch.path) for batch in batches])
            for batch in batches:
                key = (str(batch.path), batch.sha256)
                if key not in active:
                    active[key] = self.catalog.add_file(
                        path=str(batch.path),
                        paths=[str(p) for p in batch.paths],
                        kind=batch.kind,
                        size=batch.size,
                        sha256=batch.sha256,
                        case_id=batch.case_id,
                        folder=batch.folder,
                        purpose=batch.purpose,
                    )
                ids.append(active[key])
        self._hashed.update(zip(ids, (batch.files for batch in batches), strict=True))
        return ids

    def requeue(self, row: FileRow, batch: Batch) -> None:
        """A quarantined arrival goes back to `queued`, to be read from `batch` (its quarantine copy)."""
        with self.catalog.transaction():
            self.catalog.requeue_file(
                row.id, paths=[str(p) for p in batch.paths], kind=batch.kind, size=batch.size, sha256=batch.sha256
            )
        self._hashed[row.id] = batch.files

    # ---- processing ------------------------------------------------------------------

    def process(self, file_ids: list[int]) -> list[FileOutcome]:
        rows = self.catalog.get_files(file_ids)
        counts = {r.id: count_pages(r.kind, [Path(p) for p in r.paths]) for r in rows}  # read once: progress, ranges
        self.progress.begin(sum(counts.values()))
        outcomes: dict[int, FileOutcome] = {}
        running: dict[Future, tuple[Reading, int]] = {}  # a range's future → its batch, its index
        self._touched = set()
        self.resource_error = None
        try:
            for row in rows:
                if self.stopping:
                    break
                if self.resource_error is not None:  # the next file would fail the same way
                    outcomes[row.id] = self._hold(row, HELD.format(f"not started: {self.resource_error}"))
                    continue
                lock = claim(self.catalog, self.locks_dir, row)
                if lock is None:
                    outcomes[row.id] = FileOutcome(
                        row.path, "processing", row.case_id, 0, 0, "another hoso process is working on this file"
                    )
                    continue
                self.progress.file(row.path)
                job = self._guarded(row, lock, outcomes, partial(self._prepare, row))
                if isinstance(job, tuple):
                    self._guarded(
                        row,
                        lock,
                        outcomes,
                        partial(self._submit, Reading(row, lock, job[1], job[0], counts[row.id]), running),
                    )
                # Keep at most a few jobs ahead of the workers: results are stored as they come.
                while len(running) >= 2 * self.settings.ocr_jobs:
                    self._collect(running, outcomes)
            while running:
                self._collect(running, outcomes)
        except KeyboardInterrupt:
            raise self._interrupted(running, outcomes) from None
        finally:
            if not self.keep_pool:
                self._shutdown_pool()
            for file_id in file_ids:
                self._hashed.pop(file_id, None)
        self.refresh_cases(self._touched)
        return [outcomes[i] for i in file_ids if i in outcomes]

    def _guarded(self, row: FileRow, lock: BatchLock | CatalogBatchLock, outcomes: dict, step):
        """Run one step for a row; any failure quarantines the batch and the run goes on."""
        final: FileOutcome | None = None
        try:
            result = step()
            if isinstance(result, FileOutcome):
                final = result
            return result
        except Exception as exc:
            final = self._failed(row, exc)
        except KeyboardInterrupt:
            final = self._requeue(row, ROLLED_BACK)
            raise
        finally:
            if final is not None:
                final.hashed = self._hashed.get(row.id, [])
                outcomes[row.id] = final
                lock.release()
                self.progress.finished(final)
        return None

    def _failed(self, row: FileRow, exc: Exception) -> FileOutcome:
        """Where a failed row goes: back to the queue when the machine is at fault, else to quarantine."""
        where = ""
        if isinstance(exc, RangeFailed):  # the batch fails as its range did, saying which pages
            where, exc = f"{exc.where}: ", exc.cause
        machine = self._machine_fault(row, exc)
        if machine is None:
            cut_off = isinstance(exc, (BrokenProcessPool, CancelledError))
            if cut_off and self.keep_pool and not self.stopping:
                time.sleep(1.0)  # a stop signal sent to the whole process group kills workers too: let it land
            if cut_off and self.stopping:
                return self._requeue(row, ROLLED_BACK)  # its OCR was cut off by a stop: not the file's fault
            if isinstance(exc, (BadInput, ArchiveError, NotDigitized)):
                reason = where + str(exc)
            else:  # a bug or an OCR crash: keep the file, say what happened
                log.exception("processing %s failed", row.path)
                reason = (
                    f"{where}processing failed ({type(exc).__name__}: {exc}); run `hoso retry` once the cause is fixed"
                )
            try:
                return self._quarantine(row, reason)
            except Exception as quarantine_failed:  # e.g. no room for the quarantine copy either
                machine = self._machine_fault(row, quarantine_failed)
                if machine is None:
                    raise
        self.resource_error = self.resource_error or machine
        log.info("%s: %s", row.path, machine)  # the outcome and the command's message say it
        return self._hold(row, HELD.format(machine))

    def _hold(self, row: FileRow, reason: str) -> FileOutcome:
        """Back to `queued` with the reason, where `hoso retry --all` and `hoso status` find it."""
        try:
            return self._requeue(row, reason)
        except Exception:  # the catalog cannot be written either: the next claim takes the row back
            log.exception("%s could not be queued again", row.path)
            return FileOutcome(row.path, "queued", row.case_id, 0, 0, reason)

    def _machine_fault(self, row: FileRow, exc: BaseException) -> ResourceError | None:
        """The machine's failure behind `exc`: a full disk, a read-only home, a home we may not write.

        A scan that "cannot be read" while the home's disk is nearly full is not blamed on the scan:
        OCR's temp files (removed by now) may well be what filled it.
        """
        machine = resource_error(exc, self.settings.home)
        if machine is None and isinstance(exc, (BadInput, ArchiveError)) and low_on_space(self.settings.home, row.size):
            machine = ResourceError(f"the disk holding {self.settings.home} is nearly full ({exc})")
        return machine

    def _prepare(self, row: FileRow) -> FileOutcome | tuple[OcrJob, list[dict]] | None:
        if row.kind == "empty":
            raise BadInput("the file is empty (0 bytes)")
        if row.kind == "unsupported":
            raise BadInput(f"{UNSUPPORTED} (got {Path(row.path).suffix or 'a file without extension'})")
        earlier = self.catalog.done_file_for(row.sha256, row.case_id)
        if earlier is not None:
            with self.catalog.transaction():
                self.catalog.set_file_state(
                    row.id, "duplicate", reason=f"same content as {earlier.path}", pages=earlier.pages, documents=0
                )
            return FileOutcome(
                row.path, "duplicate", row.case_id, 0, earlier.pages or 0, f"same content as {earlier.path}"
            )
        originals = self._archive(row)
        if self.catalog.batch_exists(row.sha256):
            # Same bytes filed under another case: reuse the OCR, file the documents here too.
            return self._store(row, originals, None)
        job = OcrJob(
            batch_id=row.sha256,
            kind=row.kind,
            sources=[Path(o["archive"]) for o in originals],
            output_pdf=self.settings.work_dir / row.sha256[:2] / f"{row.sha256}.pdf",
            languages=self.settings.languages,
            max_pixels=self.settings.max_pixels,
            tmp_dir=self.tmp_dir,
        )
        return job, originals

    def _archive(self, row: FileRow) -> list[dict]:
        """Archive the row's files, verified against the content id it arrived with (no second hash)."""
        paths = [Path(p) for p in row.paths]
        try:
            archived = archive_originals(paths, self.settings.archive_dir, row.sha256)
        except FileNotFoundError as exc:
            if exc.filename not in row.paths:
                raise
            raise BadInput(
                f"{exc.filename} is gone: it left the inbox before hoso could archive it, so "
                "nothing of it was kept; put it back (or scan it again), then `hoso retry`"
            ) from None
        # A file archived before was not read again: what was read of it on arrival still stands.
        arrived = {f.path: f for f in self._hashed.get(row.id, [])}
        self._hashed[row.id] = [
            a.original or arrived[p] for p, a in zip(paths, archived, strict=True) if a.original or p in arrived
        ]
        return [
            {
                "name": p.name,
                "path": str(p),
                "sha256": a.original.sha256 if a.original else row.sha256,
                "archive": str(a.path),
            }
            for p, a in zip(paths, archived, strict=True)
        ]

    def _submit(self, reading: Reading, running: dict) -> None:
        """Hand the batch's OCR to the workers: a large batch as page ranges any of them takes."""
        job = reading.job
        reading.parts = split_job(job, reading.pages, self.settings.ocr_range_pages, self.settings.ocr_jobs)
        futures = [self.submit_ocr(part) for part in reading.parts]  # all handed over, or the batch fails
        running.update((future, (reading, index)) for index, future in enumerate(futures))

    def submit_ocr(self, job: OcrJob) -> Future:
        """Hand an OCR job to the worker pool (ingest, and `hoso reprocess --ocr`): the broker's
        `hoso worker`s when one is configured, else this machine's processes."""
        if self.settings.broker_url:
            return self._ensure_broker().submit(job)
        return self._ensure_pool().submit(run_ocr, job)

    def _ensure_broker(self) -> BrokerPool:
        if self._broker is None:
            from .broker import BrokerPool  # Celery is loaded only where a broker is configured

            self.tmp_dir.mkdir(parents=True, exist_ok=True)  # the jobs' temp folder, in the shared home
            self._broker = BrokerPool(self.settings)
        return self._broker

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is not None and getattr(self._pool, "_broken", False):
            self._shutdown_pool()  # a worker died (e.g. out of memory): start fresh ones
        if self._pool is None:
            self.tmp_dir.mkdir(parents=True, exist_ok=True)
            # multiprocessing's resource tracker must not carry the TMPDIR below: killing a run's
            # processes (Ctrl-C, a watcher's stop) would kill it too, and it would be relaunched
            # into KeyError tracebacks for every semaphore of the pool.
            resource_tracker.ensure_running()
            # Workers and their tesseract/gs children inherit it: temp files stay under the home
            # and a dead run's orphans can be found and killed (ingest.runs). Given back when
            # the pool stops, since the folder goes with it.
            self._saved_tmpdir = os.environ.get("TMPDIR")
            os.environ["TMPDIR"] = str(self.tmp_dir)
            self._pool = ProcessPoolExecutor(
                max_workers=self.settings.ocr_jobs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
            )
        return self._pool

    def _shutdown_pool(self) -> None:
        if self._broker is not None:
            self._broker.close()
            self._broker = None
            self._remove_tmp_dir()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            if self._saved_tmpdir is None:
                os.environ.pop("TMPDIR", None)
            else:
                os.environ["TMPDIR"] = self._saved_tmpdir
            tempfile.tempdir = None  # Python's cached choice may be the folder removed next
            self._remove_tmp_dir()

    def _remove_tmp_dir(self) -> None:
        shutil.rmtree(self.tmp_dir, ignore_errors=True)
        try:
            self.tmp_dir.parent.rmdir()  # this run's folder, once no other consumer uses it
        except OSError:
            pass

    def warm_up(self) -> None:
        """Start every OCR worker now, so the first file does not wait for them (a broker's are running)."""
        if self.settings.broker_url:
            return
        pool = self._ensure_pool()
        for future in [pool.submit(_warm) for _ in range(self.settings.ocr_jobs)]:
            future.result()

    def close(self) -> None:
        """Stop the OCR workers (a kept pool lives until this)."""
        self._shutdown_pool()

    def abort(self) -> None:
        """Kill this run's OCR now (its workers, their tesseract and gs): they ignore Ctrl-C, and the
        pool's shutdown would wait for their jobs to finish."""
        if self._broker is not None:
            self._broker.cancel_all()
        kill_run(self.settings.tmp_dir, self.tmp_dir.parent.name)

    def _collect(self, running: dict, outcomes: dict) -> None:
        done, _ = wait_futures(list(running), return_when=FIRST_COMPLETED)
        for future in done:
            if future not in running:
                continue  # a range of a batch that failed meanwhile
            reading, index = running.pop(future)
            # _guarded calls the step at once, in this iteration (and catches what _read raises).
            self._guarded(reading.row, reading.lock, outcomes, lambda: self._read(reading, index, future, running))  # noqa: B023

    def _read(self, reading: Reading, index: int, future: Future, running: dict) -> FileOutcome | None:
        """One range of a batch is back: its pages count as done; with the last one the batch is
        merged and filed. A range that failed fails its batch, whose other ranges are dropped."""
        try:
            result = future.result()
        except Exception as exc:
            self._drop(reading, running)
            pages = reading.parts[index].pages
            if pages is None:
                raise
            raise RangeFailed(pages, exc) from exc
        # Post-corrected here, range by range as they come back (and outside any transaction).
        result = replace(result, pages=[correct_page(page) for page in result.pages])
        if len(reading.parts) == 1:
            return self._store(reading.row, reading.originals, result)
        reading.results[index] = set_aside(result)  # out of memory until the batch is filed
        self.progress.advance(len(result.pages))
        if len(reading.results) < len(reading.parts):
            return None
        try:
            merged = merge_results(reading.job, [reading.results[i] for i in range(len(reading.parts))])
            return self._store(reading.row, reading.originals, merged, counted=len(merged.pages))
        finally:
            shutil.rmtree(range_dir(reading.job), ignore_errors=True)

    def _drop(self, reading: Reading, running: dict) -> None:
        """A failed batch's ranges not started are cancelled, and none of them is filed."""
        for future, (other, _) in list(running.items()):
            if other is reading:
                future.cancel()
                del running[future]
        shutil.rmtree(range_dir(reading.job), ignore_errors=True)

    # ---- documents -------------------------------------------------------------------

    def _store(self, row: FileRow, originals: list[dict], result: OcrResult | None, counted: int = 0) -> FileOutcome:
        """File the batch's pages and documents; `counted`: its pages progress counted as their ranges came back."""
        ocr_sha256 = sha256_file(result.pdf) if result is not None else None  # file work before the transaction
        try:
            outcome = self._file(row, originals, result, ocr_sha256)
        except NotDigitized:
            if result is not None:  # a batch read now, not one the catalog held already
                self._forget(originals, result)
            raise  # to quarantine, with the reason (_failed)
        self.progress.advance(outcome.pages - counted)
        return outcome

    def _forget(self, originals: list[dict], result: OcrResult) -> None:
        """A TUYỆT MẬT batch leaves nothing of its own in the home but its quarantine copy (the file
        as it arrived, byte for byte, for the officer who takes it out): the transaction that would
        have stored its page texts was rolled back; its OCR working copy (a text layer) and its
        archive copies go."""
        result.pdf.unlink(missing_ok=True)
        filed = set()
        if len(originals) > 1:  # a page image may be another batch's too (a single file's copy is this batch's)
            filed = {o["archive"] for b in self.catalog.batches() for o in b["originals"]}
        for original in originals:
            if original["archive"] not in filed:
                Path(original["archive"]).unlink(missing_ok=True)

    def _file(self, row: FileRow, originals: list[dict], result: OcrResult | None, ocr_sha256: str | None):
        """File a batch read now (`result`, its pages corrected) or one the catalog holds already (None).
        The pages just read are filed as they are, not read back (a long batch's stream from its range files)."""
        with self.catalog.transaction():
            if result is not None:
                pages = result.pages
                self.catalog.add_batch(
                    batch_id=row.sha256,
                    kind=row.kind,
                    originals=originals,
                    ocr_pdf=str(result.pdf),
                    ocr_sha256=ocr_sha256,
                    pages=pages,
                    signed=result.signed,
                )
            else:
                pages = self.catalog.batch_pages(row.sha256)
            count, cases = self.file_documents(row, pages)
            self.catalog.set_file_state(row.id, "done", pages=len(pages), documents=count)
        self._touched |= cases
        outcome = FileOutcome(row.path, "done", row.case_id, count, len(pages), None)
        if row.purpose == "petition":
            outcome.petitions, outcome.reason = self.register_petitions(row)
        return outcome

    def register_petitions(self, row: FileRow) -> tuple[list[str], str | None]:
        """The register's entries of a filed petition scan (in their own short transactions), and why
        there are none when registering failed: the scan stays filed and searchable all the same."""
        try:
            return register_scan(self.settings, self.catalog, row.sha256, dt.date.fromtimestamp(row.created_at)), None
        except Exception as exc:
            log.exception("the petitions of %s could not be registered", row.path)
            return [], f"filed, but not entered in the petitions register ({type(exc).__name__}: {exc})"

    def file_documents(self, row: FileRow, pages) -> tuple[int, set[str | None]]:
        """Split, classify and store the batch's documents under their cases. A petition scan's
        documents are filed under none (not even a separator sheet's) and continue no earlier scan."""
        filed = file_drafts(
            row.sha256,
            find_documents(row.sha256, pages, self.taxonomy),
            row.case_id,
            previous=self.catalog.last_document,
            arrival=lambda first, k: time.time(),
            petition=row.purpose == "petition",
        )
        for case_id in filed.cases:
            self.catalog.link_batch(case_id, row.sha256, row.id)
        for doc in filed.extended + filed.new:
            self.catalog.put_document(doc)
        return len(filed.new), set(filed.cases)

    # ---- failure ---------------------------------------------------------------------

    def _quarantine(self, row: FileRow, reason: str) -> FileOutcome:
        sources = [Path(p) for p in row.paths]
        folder = quarantine(sources, self.settings.quarantine_dir, reason, move=self.quarantine_move)
        with self.catalog.transaction():
            self.catalog.set_file_state(row.id, "quarantined", reason=reason)
            self.catalog.set_quarantine_folder(row.id, str(folder))
        log.warning("quarantined %s: %s (%s)", row.path, reason, folder)
        return FileOutcome(row.path, "quarantined", row.case_id, 0, 0, reason)

    def _interrupted(self, running: dict, outcomes: dict) -> Interrupted:
        """Ctrl-C: stop this run's OCR at once and put the files in flight back in the queue."""
        self.abort()
        for reading in dict.fromkeys(reading for reading, _ in running.values()):
            if reading.row.id not in outcomes:  # (a batch whose range was being filed is rolled back already)
                outcomes[reading.row.id] = self._requeue(reading.row, ROLLED_BACK)
                reading.lock.release()
        running.clear()
        back = [o.path for o in outcomes.values() if o.reason == ROLLED_BACK]
        return Interrupted(
            "interrupted (Ctrl-C): "
            + (
                f"{', '.join(Path(p).name for p in back)} rolled back to queued; `hoso retry --all` (or the same "
                "`hoso ingest` again) resumes"
                if back
                else "no file was in progress"
            )
        )

    def _requeue(self, row: FileRow, reason: str) -> FileOutcome:
        with self.catalog.transaction():
            self.catalog.set_file_state(row.id, "queued", reason=reason)
        return FileOutcome(row.path, "queued", row.case_id, 0, 0, reason)

    # ---- dossiers and index ----------------------------------------------------------

    def refresh_cases(self, cases: set[str | None]) -> None:
        """(Re)index these cases' documents and rebuild their dossiers.

        Indexing comes first: a new page is searchable without waiting for the dossier PDF
        (search reads the page's dossier number from the catalog when it is asked)."""
        self.index_documents([d for c in cases for d in self.catalog.documents(c)])
        named = sorted(c for c in cases if c is not None)
        if self.settings.broker_url and named:  # the workers build them, several cases at once
            builds = {case_id: self._ensure_broker().build_dossier(case_id, "ingest") for case_id in named}
            for case_id, build in builds.items():
                try:
                    build.result()
                except Exception as exc:
                    self._dossier_failed(case_id, exc)
            return
        for case_id in named:
            self.rebuild_dossier(case_id)

    def rebuild_dossier(self, case_id: str) -> None:
        """A new dossier version with this run's documents in place (pipeline.dossier.build); once per case per run."""
        try:
            rebuild_case_dossier(self.settings, self.catalog, case_id, taxonomy=self.taxonomy, reason="ingest")
        except Exception as exc:
            self._dossier_failed(case_id, exc)

    def _dossier_failed(self, case_id: str, exc: Exception) -> None:
        """A failed build is logged and leaves the case without current dossier pages
        (`cases_without_current_dossier`), so the documents are still indexed and a later run retries."""
        machine = resource_error(exc, self.settings.home)
        if machine is None:
            log.error("the dossier of %s could not be built", case_id, exc_info=exc)
        else:
            log.error("the dossier of %s could not be built: %s", case_id, machine)
            self.resource_error = self.resource_error or machine

    def index_documents(self, documents: list[DocumentRow]) -> bool:
        """Index these documents' pages; on failure they stay marked not indexed."""
        if not documents:
            return True
        try:
            index_documents(self.catalog, self.backend, documents)
        except Exception as exc:  # the index is down (or the disk full): the catalog keeps the backlog
            log.warning("indexing failed, %d documents wait for `hoso reindex --pending`: %s", len(documents), exc)
            self.resource_error = self.resource_error or resource_error(exc, self.settings.home)
            return False
        return True
