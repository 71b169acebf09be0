"""OCR and assembly jobs through a queue engine when `broker_url` is set: Celery, with Redis as broker
and result store.

`hoso worker` (on any machine that mounts the home at the same path) takes jobs from the `ocr` queue:
OCR jobs, a batch or a page range of one, and assembly jobs, one case's dossier. `hoso ingest`,
`hoso watch` and `hoso reprocess --ocr` hand their OCR jobs over (`BrokerPool.submit`, in place of the
local process pool) and file each batch themselves once its results are back, as they do with local
workers; then they hand over the dossier builds of the cases they touched (`BrokerPool.build_dossier`),
which workers run at once, each from the shared catalog under the case's lock.

Delivery is at least once. A job is acknowledged only when it is done (late acknowledgement, one
job at a time per worker process); a job whose worker process dies is handed out again at once, and
one whose whole worker vanished (a machine gone, a killed process group) once the broker's
visibility timeout, twice `ocr_time_limit`, has passed. Running a job twice is harmless: it writes
only its own output PDF, by an atomic rename, and its batch is filed once, by the process waiting for it
(which holds the batch's claim). A job still running after `ocr_time_limit` is stopped, and its batch
goes to quarantine with that reason.

Jobs and results travel as JSON (no pickle: whoever can write to the broker must not be able to run
code on the workers). Failures come back as values, sorted on the worker: a bad scan (BadInput), the
worker's machine at fault (ResourceError: its disk full, the home not writable), anything else.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from celery import Celery
from celery.backends.asynchronous import E_RETRY_LIMIT_EXCEEDED
from celery.exceptions import TimeLimitExceeded
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from pipeline.config import Settings
from pipeline.errors import ResourceError, first_line, resource_error
from pipeline.models import ESignature, OcrJob, OcrResult, PageText, PenReading, Stamp, Word
from pipeline.stages.normalize import BadInput
from pipeline.store.database import printable_url

log = logging.getLogger(__name__)

# What Celery's client raises when the broker or its result store does not answer (RuntimeError: only
# E_RETRY_LIMIT_EXCEEDED, which it raises once it gave up reconnecting).
_BROKER_DOWN = (RedisConnectionError, OperationalError, RuntimeError)
QUEUE = "ocr"
TASK = "hoso.read_batch"
DOSSIER_TASK = "hoso.build_dossier"


class WorkerFailed(Exception):
    """A job failed on a worker for a reason that is neither the scan's nor the machine's."""


# ---- jobs and results as JSON ---------------------------------------------------------------


def job_payload(job: OcrJob) -> dict:
    return {**asdict(job), "sources": [str(p) for p in job.sources], "output_pdf": str(job.output_pdf),
            "tmp_dir": str(job.tmp_dir)}  # fmt: skip


def job_from(payload: dict) -> OcrJob:
    pages = payload.get("pages")
    return OcrJob(
        **{
            **payload,
            "sources": [Path(p) for p in payload["sources"]],
            "output_pdf": Path(payload["output_pdf"]),
            "tmp_dir": Path(payload["tmp_dir"]),
            "pages": tuple(pages) if pages else None,
        }
    )


def result_payload(result: OcrResult) -> dict:
    return {
        "batch_id": result.batch_id,
        "pdf": str(result.pdf),
        "pages": [asdict(page) for page in result.pages],
        "signed": result.signed,
        "ocr_pages": list(result.ocr_pages),
    }


def result_from(payload: dict) -> OcrResult:
    return OcrResult(
        batch_id=payload["batch_id"],
        pdf=Path(payload["pdf"]),
        pages=[_page_from(page) for page in payload["pages"]],
        signed=payload["signed"],
        ocr_pages=payload["ocr_pages"],
    )


def _page_from(page: dict) -> PageText:
    return PageText(
        **{
            **page,
            "words": [Word(**w) for w in page["words"]],
            "esignatures": [ESignature(**e) for e in page["esignatures"]],
            "stamps": [Stamp(**{**s, "box": tuple(s["box"]) if s["box"] else None}) for s in page["stamps"]],
            "pen": [PenReading(r["field"], r["value"], tuple(r["box"])) for r in page.get("pen", [])],
        }
    )


# ---- the Celery app -------------------------------------------------------------------------


def broker_app(settings: Settings) -> Celery:
    app = Celery("hoso", broker=settings.broker_url, backend=settings.broker_url, set_as_current=False)
    limit = float(settings.ocr_time_limit)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_default_queue=QUEUE,
        task_acks_late=True,  # acknowledged once done: a job cut off by its worker's end runs again
        task_reject_on_worker_lost=True,  # a worker process that died hands its job back at once
        worker_prefetch_multiplier=1,  # a worker process holds one job, the one it reads
        task_time_limit=limit,
        task_track_started=True,
        # A job taken but never acknowledged (its whole worker gone) is handed out again after this.
        # Workers look for such jobs every tenth of that (at most a minute).
        broker_transport_options={
            "visibility_timeout": 2 * limit,
            "unacked_restore_interval": max(1.0, min(60.0, limit / 5)),
            "unacked_restore_throttle": 1,
        },
        result_expires=max(3600.0, 4 * limit),
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    app.task(name=TASK)(_read_batch)
    app.task(name=DOSSIER_TASK)(_build_dossier)
    return app


def _read_batch(payload: dict) -> dict:
    """The worker's side: read one job, and say how it failed in terms the waiting side can file."""
    from pipeline.stages.ocr import run_ocr  # in the worker only: OCRmyPDF is slow to import

    job = job_from(payload)
    started = time.time()
    unseen = [str(p) for p in job.sources if not p.exists()]
    if unseen or not _worker_settings.home.is_dir():
        # The archive holds every original before its job is sent: this machine does not see the home.
        return {"error": "resource", "message": f"on worker {socket.gethostname()}: {unseen[0] if unseen else _worker_settings.home} "
                "is not there: does this machine mount the home at the same path?"}  # fmt: skip
    try:
        return {"result": result_payload(run_ocr(job)), "started": started, "finished": time.time()}
    except BadInput as exc:
        return {"error": "bad_input", "message": str(exc)}
    except Exception as exc:
        return _failure(exc, f"OCR of batch {job.batch_id[:12]}")


def _build_dossier(payload: dict) -> dict:
    """The worker's side of an assembly job: the case's dossier, from the catalog the worker shares."""
    from pipeline.dossier.build import rebuild_dossier  # in the worker only
    from pipeline.store.catalog import Catalog

    settings = _worker_settings
    try:
        catalog = Catalog(settings.catalog)
        try:
            built = rebuild_dossier(settings, catalog, payload["case_id"], reason=payload["reason"])
        finally:
            catalog.close()
    except Exception as exc:
        return _failure(exc, f"the dossier build of {payload['case_id']}")
    return {"version": built.version if built else None}


def _failure(exc: Exception, what: str) -> dict:
    """A job's failure as a value: the worker's machine at fault (ResourceError: its disk full, the home not
    writable, the catalog unreachable), or anything else (logged here, with its traceback)."""
    machine = resource_error(exc, _worker_settings.home)
    if machine is not None:
        return {"error": "resource", "message": f"on worker {socket.gethostname()}: {machine}"}
    log.exception("%s failed", what)
    return {"error": "failed", "message": f"{type(exc).__name__} on worker {socket.gethostname()}: {exc}"}


_worker_settings: Settings  # the settings of this `hoso worker` process (its home, its catalog)


def run_worker(settings: Settings, concurrency: int, hostname: str | None = None) -> None:
    """`hoso worker`: take OCR and assembly jobs until stopped (SIGTERM: finish the jobs in hand; a second
    one cuts them)."""
    global _worker_settings
    _worker_settings = settings
    os.environ["OMP_THREAD_LIMIT"] = "1"  # Tesseract's threads would fight over the cores the processes use
    tmp = settings.tmp_dir / f"worker-{socket.gethostname()}-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    os.environ["TMPDIR"] = str(tmp)  # OCRmyPDF's and Tesseract's temp files stay under the home
    for chatty in ("ocrmypdf", "fontTools", "PIL", "pdfminer"):  # a line per job is the worker's log, not per page
        logging.getLogger(chatty).setLevel(logging.WARNING)
    argv = ["worker", "--queues", QUEUE, "--concurrency", str(concurrency), "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    if hostname:
        argv += ["--hostname", hostname]
    broker_app(settings).worker_main(argv)


# ---- the waiting side -----------------------------------------------------------------------


class BrokerPool:
    """Hands OCR jobs to the broker; each Future resolves when a worker's result is back."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.app = broker_app(settings)
        self._waiting = ThreadPoolExecutor(max_workers=64, thread_name_prefix="hoso-broker")
        self._sent: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.timings: list[tuple[float, float, float, float]] = []

    def submit(self, job: OcrJob) -> Future:
        at = time.time()
        return self._waiting.submit(self._wait, self._send(TASK, job_payload(job)), at)

    def build_dossier(self, case_id: str, reason: str) -> Future:
        """Hand a case's dossier build to the workers; the Future resolves to its version (None: no documents)."""
        sent = self._send(DOSSIER_TASK, {"case_id": case_id, "reason": reason})
        return self._waiting.submit(lambda: self._answer(sent, f"the dossier build of {case_id}")["version"])

    def _send(self, task: str, payload: dict):
        app = self.app
        try:
            sent = app.send_task(task, args=[payload], queue=QUEUE)
        except _BROKER_DOWN as exc:
            raise self._down(app, exc) from None
        with self._lock:
            self._sent[sent.id] = sent
        return sent

    def _down(self, app: Celery, exc: Exception) -> ResourceError:
        """The broker does not answer: the machine's fault (the batch is held, not quarantined). Celery's
        client gives up for good once its reconnection fails, so the next job goes through a new one."""
        if isinstance(exc, RuntimeError) and str(exc) != E_RETRY_LIMIT_EXCEEDED:
            raise exc
        with self._lock:
            if self.app is app:
                self.app = broker_app(self.settings)
                app.close()
        return ResourceError(not_answering(self.settings, exc))

    def _wait(self, sent, at: float) -> OcrResult:
        answer = self._answer(sent, "its OCR")
        # (sent, started on a worker, done there, back here): queue and result latency (bench/scale.py)
        self.timings.append((at, answer["started"], answer["finished"], time.time()))
        return result_from(answer["result"])

    def _answer(self, sent, what: str) -> dict:
        """A job's answer once a worker sent it back, its failure raised as the waiting side files it."""
        try:
            answer = sent.get(interval=0.2)
        except _BROKER_DOWN as exc:
            raise self._down(sent.app, exc) from None
        except TimeLimitExceeded:
            raise BadInput(
                f"{what} ran longer than {self.settings.ocr_time_limit:.0f} s (ocr_time_limit) on a worker "
                "and was stopped"
            ) from None
        finally:
            with self._lock:
                self._sent.pop(sent.id, None)
        sent.forget()
        error, message = answer.get("error"), answer.get("message")
        if error == "bad_input":
            raise BadInput(message)
        if error == "resource":
            raise ResourceError(message)
        if error:
            raise WorkerFailed(message)
        return answer

    def cancel_all(self) -> None:
        """Ctrl-C, a watcher's stop: jobs not started are dropped, the ones running are cut off."""
        with self._lock:
            ids = list(self._sent)
        if ids:
            self.app.control.revoke(ids, terminate=True)

    def close(self) -> None:
        self._waiting.shutdown(wait=False, cancel_futures=True)
        self.app.close()


def not_answering(settings: Settings, exc: Exception) -> str:
    """What to say when the broker did not answer (its URL without the password)."""
    return (
        f"the broker at {printable_url(settings.broker_url)} does not answer ({type(exc).__name__}: {first_line(exc)})"
    )


def live_workers(settings: Settings, timeout: float = 1.0) -> list[dict]:
    """The workers answering now: host, pid, and the job each process works on (an OCR job's batch and pages,
    an assembly job's case; since)."""
    app = broker_app(settings)
    try:
        inspect = app.control.inspect(timeout=timeout)
        stats = inspect.stats() or {}
        active = inspect.active() or {}
    finally:
        app.close()
    workers = []
    for name in sorted(stats):
        jobs = []
        for task in active.get(name, []):
            payload = (task.get("args") or [{}])[0]
            jobs.append(
                {
                    "batch": str(payload.get("batch_id", ""))[:12] or None,  # an OCR job
                    "pages": payload.get("pages"),
                    "case": payload.get("case_id"),  # an assembly job: this case's dossier
                    "pid": task.get("worker_pid"),
                    "since": task.get("time_start"),
                }
            )
        host = name.split("@", 1)[-1]
        workers.append({"name": name, "host": host, "pid": stats[name].get("pid"), "jobs": jobs})
    return workers
