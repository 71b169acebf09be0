"""`hoso watch`: watched scan folders that never lose a file.

Threads and processes:

- watchdog's observer (inotify, or polling for network shares) only *notes* paths;
- the scheduler (the caller's thread) stats noted files until they are stable — size and
  mtime unchanged for the delay, and the file parses — and hands stable batches (a file, or a
  quiet group of loose pages) to the consumer thread through a queue;
- the consumer thread owns the catalog: it records batches as `queued`, runs the one
  `Consumer` that `hoso ingest` uses (OCR in its worker processes), then moves each finished
  file out of the inbox into `<watched>/.done/` once its archive copy's sha256 is verified.

Crash safety comes from the catalog queue: a batch is `queued` before work starts and
the inbox file stays until it is done, so a restart finds everything again (`resume`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue as queue_mod
import re
import shutil
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from pipeline.config import Settings
from pipeline.errors import Busy, first_line
from pipeline.hashing import HashedFile, hash_file
from pipeline.store.catalog import Catalog, FileRow

from .archive import archive_path
from .consume import Consumer, FileOutcome
from .queue import claim, recover
from .runs import WATCH_LOCK, machine_watch_lock, reap_dead_runs
from .sources import IGNORED, LOOSE_PAGE, Batch, make_batch, sniff

log = logging.getLogger("hoso.watch")

DONE_DIR = ".done"


def _crash_point(name: str) -> None:
    """Fault injection for the crash tests: `HOSO_WATCH_CRASH_AT=<name>` is a `kill -9` here."""
    if os.environ.get("HOSO_WATCH_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


# ---- is the file complete? ---------------------------------------------------------------


def unreadable(path: Path, max_pixels: int = 200_000_000) -> str | None:
    """Why this file cannot be read (yet); None when it reads to the end.

    A scan still being written fails here and must wait. Files that are complete but bad
    for good reasons (encrypted, over the pixel limit, not a scan at all) return None: the
    consumer quarantines them with its own plain-words reason.
    """
    try:
        kind = sniff(path)
        if kind == "empty":
            return "the file is empty"
        if kind == "pdf":
            return _unreadable_pdf(path)
        if kind in ("tiff", "image"):
            return _unreadable_image(path, max_pixels)
    except OSError as exc:
        return f"cannot be opened ({exc.strerror or exc})"
    return None


def _unreadable_pdf(path: Path) -> str | None:
    import pikepdf

    with open(path, "rb") as fh:  # some scanners pad after %%EOF: look well back from the end
        fh.seek(max(0, path.stat().st_size - 65536))
        if b"%%EOF" not in fh.read():
            return "the PDF has no end-of-file marker (still being written?)"
    try:
        with pikepdf.open(path) as pdf:
            if len(pdf.pages) == 0:
                return "the PDF has no pages (yet)"
    except pikepdf.PasswordError:
        return None  # complete, but encrypted: the consumer says so
    except Exception as exc:  # pikepdf raises several types for a torn file
        return f"the PDF cannot be parsed ({_first_line(exc)})"
    return None


def _unreadable_image(path: Path, max_pixels: int) -> str | None:
    from PIL import Image, ImageSequence

    try:
        with Image.open(path) as image:
            if image.width * image.height > max_pixels:
                return None  # complete enough to know it is too big: the consumer refuses it
            for frame in ImageSequence.Iterator(image):
                frame.load()  # a torn JPEG, PNG or TIFF fails while decoding
    except Image.DecompressionBombError:
        return None
    except Exception as exc:  # PIL raises OSError, SyntaxError, ValueError ... on torn data
        return f"the image cannot be decoded ({_first_line(exc)})"
    return None


def _first_line(exc: BaseException) -> str:
    return first_line(exc)[:160]


# ---- stability ---------------------------------------------------------------------------


@dataclass
class _Candidate:
    path: Path
    root: Path
    seen_at: float  # wall clock, for the log's latency figure
    sig: tuple[int, int] | None = None  # (size, mtime_ns)
    last_change: float = 0.0  # monotonic
    checked_sig: tuple[int, int] | None = None
    checked_at: float = 0.0
    error: str | None = "not checked yet"


@dataclass
class Ready:
    """A stable batch: one file, or the pages of a quiet loose-page group, in page order."""

    files: list[Path]
    root: Path
    seen_at: float
    sigs: dict[Path, tuple[int, int]] = field(default_factory=dict)
    gave_up: str | None = None  # set when it never became readable: quarantine with this reason


class StabilityTracker:
    """Decides when a noted file may be taken (paperless-ngx's FileStabilityTracker, plus parsing).

    A file is ready when its size and mtime stayed unchanged for `delay` seconds and it reads
    to the end. A file that stays unchanged but unreadable is given up after `give_up`
    seconds. Loose pages `<stem>_pNNN.jpg` of one folder go together, once every page is
    ready and none changed or appeared for `quiet` seconds. Thread-safe.
    """

    def __init__(
        self,
        delay: float,
        give_up: float,
        quiet: float,
        *,
        check: Callable[[Path], str | None] = unreadable,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.delay, self.give_up, self.quiet = delay, give_up, max(quiet, delay)
        self.check, self.clock = check, clock
        self._files: dict[Path, _Candidate] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, path: Path) -> bool:
        return path in self._files

    def note(self, path: Path, root: Path) -> None:
        with self._lock:
            if path not in self._files:
                self._files[path] = _Candidate(path, root, time.time(), last_change=self.clock())

    def forget(self, path: Path) -> None:
        with self._lock:
            self._files.pop(path, None)

    def due(self, hold: Callable[[Path, tuple[int, int]], bool] = lambda p, s: False) -> list[Ready]:
        """Batches ready now; they leave the tracker. `hold(path, sig)` keeps a file back (in flight)."""
        now = self.clock()
        with self._lock:
            candidates = list(self._files.values())
        ok: dict[Path, bool] = {}
        for c in candidates:
            try:
                st = c.path.stat()
            except FileNotFoundError:
                self.forget(c.path)
                continue
            sig = (st.st_size, st.st_mtime_ns)
            if sig != c.sig:
                c.sig, c.last_change = sig, now if c.sig is not None else c.last_change
                c.checked_sig, c.error = None, "changed"
            if hold(c.path, sig):
                continue
            if now - c.last_change < self.delay:
                continue
            if c.checked_sig != sig or (c.error and now - c.checked_at >= max(self.delay, 1.0)):
                c.error, c.checked_sig, c.checked_at = self.check(c.path), sig, now
            ok[c.path] = c.error is None or now - c.last_change >= self.give_up
        ready: list[Ready] = []
        groups: dict[tuple[Path, str], list[_Candidate]] = {}
        for c in candidates:
            m = LOOSE_PAGE.match(c.path.name)
            if m:
                groups.setdefault((c.path.parent, m["stem"]), []).append(c)
            elif ok.get(c.path):
                ready.append(self._take([c]))
        for members in groups.values():
            if not all(ok.get(c.path) for c in members):
                continue
            if now - max(c.last_change for c in members) < self.quiet:
                continue
            members.sort(key=lambda c: int(LOOSE_PAGE.match(c.path.name)["n"]))
            ready.append(self._take(members))
        return ready

    def _take(self, members: list[_Candidate]) -> Ready:
        with self._lock:
            for c in members:
                self._files.pop(c.path, None)
        errors = [f"{c.path.name}: {c.error}" for c in members if c.error]
        gave_up = None
        if errors:
            gave_up = (
                f"still unreadable {self.give_up:.0f} s after it stopped changing ({'; '.join(errors)}); "
                "if the scanner was still writing it, raise watch_give_up_seconds and run `hoso retry`"
            )
        return Ready(
            files=[c.path for c in members],
            root=members[0].root,
            seen_at=min(c.seen_at for c in members),
            sigs={c.path: c.sig for c in members},
            gave_up=gave_up,
        )


# ---- locks and paths ---------------------------------------------------------------------


class WatcherBusy(Busy):
    """Another `hoso watch` runs on this home."""


class HomeWatchLock:
    """One `hoso watch` per home, or per machine when machines share the home and a PostgreSQL
    catalog (`machine`): there the batch claims live in the catalog, and each machine's watcher
    takes its share (the per-batch locks still guard against `hoso ingest`)."""

    def __init__(self, home: Path, machine: str | None = None):
        self.path = home / (machine_watch_lock(machine) if machine else WATCH_LOCK)
        self.where = f" for machine {machine}" if machine else ""
        self._lock = FileLock(self.path, timeout=0, thread_local=False)

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            holder = self.path.read_text(errors="replace").strip() or "another process"
            raise WatcherBusy(f"another `hoso watch` is already running on this home{self.where} ({holder})") from None
        # The flock is on the file, not its content: `hoso status` reads who holds it and since when.
        since = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        self.path.write_text(f"pid {os.getpid()} since {since}")

    def release(self) -> None:
        self._lock.release()


def ignored(path: Path, root: Path) -> bool:
    """Hidden and temporary files, and everything under a hidden folder such as `.done/`."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return True
    return any(IGNORED.match(part) for part in parts)


def _signature(path: Path) -> tuple[int, int] | None:
    """(size, mtime) as the stability tracker notes them; None when the file is gone."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def _within(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.abspath(path)).relative_to(os.path.abspath(folder))
        return True
    except ValueError:
        return False


def _free_name(target: Path) -> Path:
    if not target.exists():
        return target
    for n in range(2, 10_000):
        candidate = target.with_name(f"{target.stem} ({n}){target.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(target)


def archived_copy(recorded: dict[str, Path], archive_dir: Path, sha256: str, name: str) -> Path | None:
    """The archive file holding these bytes: as the batch recorded it ({sha256: archive copy}), or
    where the archive keeps them."""
    if sha256 in recorded:
        return recorded[sha256]
    candidate = archive_path(archive_dir, sha256, name)
    return candidate if candidate.exists() else None


def settle(
    catalog: Catalog, settings: Settings, row: FileRow, roots: list[Path], hashed: list[HashedFile]
) -> tuple[str | None, str | None]:
    """After success: take the row's files out of the inbox (or quarantine) — only those still
    unchanged since they were hashed (`hashed`: on arrival or while archived; a file this process
    did not read is read now) whose bytes the archive holds. Returns (where they went, why not)."""
    present = [Path(p) for p in row.paths if Path(p).exists()]
    read = {f.path: f for f in hashed}
    recorded = {o["sha256"]: Path(o["archive"]) for b in catalog.batches([row.sha256]) for o in b["originals"]}
    for path in present:
        original = read.get(path) or hash_file(path)
        if not original.unchanged():
            return None, f"left in place: {path.name} changed after it was archived"
        kept = archived_copy(recorded, settings.archive_dir, original.sha256, path.name)
        if kept is None or not kept.exists():
            return None, f"left in place: no verified archive copy of {path.name}"
    moved_to = None
    for path in present:
        root = next((r for r in roots if _within(path, r)), None)
        if root is not None and settings.watch_after_success != "delete":
            target = _free_name(root / DONE_DIR / path.relative_to(root))
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target) if _same_fs(path, target.parent) else shutil.move(path, target)
            moved_to = moved_to or str(target)
        elif root is not None or _within(path, settings.quarantine_dir):
            path.unlink()
            moved_to = moved_to or "deleted"
    if row.quarantine:  # a retried file: its quarantine folder has served its purpose
        folder = Path(row.quarantine)
        if folder.is_dir() and all(p.name.endswith(".reason.txt") for p in folder.iterdir()):
            shutil.rmtree(folder, ignore_errors=True)
        catalog.set_quarantine_folder(row.id, None)
    return moved_to, None


def _same_fs(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_dev == b.stat().st_dev
    except OSError:
        return False


# ---- the watcher -------------------------------------------------------------------------


_STOP = object()


# Asks the consumer to take again the files a machine fault held (queued with the reason), at each
# rescan: the watcher runs unattended, and a broker's or catalog's restart must not leave them waiting
# for `hoso retry`.
_HELD = object()


class Watcher:
    """Watch folders, feed stable batches to one consumer, keep going until stopped."""

    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        backend,
        roots: list[Path],
        *,
        poll: float | None = None,
        emit: Callable[[dict], None] = lambda record: None,
        say: Callable[[str], None] = lambda text: None,
    ):
        self.settings = settings
        self.catalog = catalog
        self.backend = backend
        self.roots = [Path(r).resolve() for r in roots]
        self.poll = poll
        self.emit = emit  # one record per file
        self.say = say  # lifecycle messages for a human (stderr)
        self.pattern = re.compile(settings.case_id_pattern)
        # Every scan under these is a petition (the petitions register, never a case: issue 14).
        self.petition_roots = [Path(r).resolve() for r in settings.petitions_watch_dirs]
        self.home = settings.home.resolve()
        # The home's own folders are never scans, even when a watched folder holds the home.
        self.own_dirs = [
            d.resolve()
            for d in (
                settings.archive_dir,
                settings.work_dir,
                settings.dossiers_dir,
                settings.quarantine_dir,
                settings.tmp_dir,
                settings.home / "locks",
            )
        ]
        self.tracker = StabilityTracker(
            settings.watch_stability_seconds, settings.watch_give_up_seconds, settings.watch_loose_quiet_seconds
        )
        self.consumer = Consumer(settings, catalog, backend)
        self.consumer.keep_pool = True
        self.consumer.quarantine_move = True
        self.stop_requested = threading.Event()
        self.signals = 0
        self.ready_event = threading.Event()  # the consumer is warm and the observer runs
        self.mode = "polling" if poll else "inotify"
        self._work: queue_mod.Queue = queue_mod.Queue()
        self._busy: dict[Path, tuple[int, int] | None] = {}  # handed over, not finished
        self._handled: dict[Path, tuple[int, int]] = {}  # finished but still there: skip unless changed
        self._state_lock = threading.Lock()
        self._dirs_to_scan: queue_mod.Queue = queue_mod.Queue()
        self._consumer_error: BaseException | None = None
        self._observer = None

    # ---- noting files ----------------------------------------------------------------

    def _root_of(self, path: Path) -> Path | None:
        best = None
        for root in self.roots:
            if _within(path, root) and (best is None or len(root.parts) > len(best.parts)):
                best = root
        return best

    def note(self, path: Path) -> None:
        """A path was created, changed or moved in: track it (observer threads call this)."""
        path = Path(path)
        root = self._root_of(path)
        if root is None or ignored(path, root) or self._own(path):
            return
        with self._state_lock:
            if path in self._busy:
                return
        self.tracker.note(path, root)

    def _own(self, path: Path) -> bool:
        if path.parent == self.home and path.name.startswith(("catalog.sqlite", "hoso.toml")):
            return True
        return any(_within(path, d) for d in self.own_dirs)

    def scan(self, folder: Path | None = None) -> int:
        """Note every file under the watched folders (or one folder): the start and the rescans."""
        noted = 0
        for root in [self._root_of(folder)] if folder is not None else self.roots:
            if root is None:
                continue
            start = folder if folder is not None else root
            for dirpath, dirnames, filenames in os.walk(start):
                here = Path(dirpath)
                dirnames[:] = sorted(d for d in dirnames if not IGNORED.match(d) and not self._own(here / d))
                for name in filenames:
                    path = here / name
                    if not IGNORED.match(name) and path not in self.tracker:
                        self.note(path)
                        noted += 1
        if folder is None:
            with self._state_lock:
                for path in [p for p in self._handled if not p.exists()]:
                    del self._handled[path]
        return noted

    def _hold(self, path: Path, sig: tuple[int, int]) -> bool:
        with self._state_lock:
            if path in self._busy:
                return True
            if path in self._handled:
                if self._handled[path] == sig:
                    self.tracker.forget(path)  # processed, could not leave the inbox: not again
                    return True
                del self._handled[path]  # changed since: new content, take it
        return False

    # ---- running ---------------------------------------------------------------------

    def run(self) -> int:
        """Run until `stop()`; returns 0, or 1 when the consumer thread failed."""
        self.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        reaped = reap_dead_runs(self.settings.tmp_dir)
        if reaped["killed"]:
            self.say(f"killed {len(reaped['killed'])} orphaned OCR processes of a dead run")
        requeued = recover(self.catalog, self.consumer.locks_dir)
        resume = self._resumable()
        with self._state_lock:
            for row in resume:
                for p in row.paths:
                    self._busy[Path(p)] = _signature(Path(p))  # held again: handled until a rescan
        consumer_thread = threading.Thread(target=self._consume, args=(resume,), name="hoso-consumer", daemon=True)
        consumer_thread.start()
        self._start_observer()
        self.scan()
        deadline = time.monotonic() + 300
        while not self.ready_event.wait(0.1) and not self.stop_requested.is_set() and time.monotonic() < deadline:
            pass
        self.say(
            f"watching {', '.join(map(str, self.roots))} ({self.mode}; stable after "
            f"{self.settings.watch_stability_seconds:g} s; {len(requeued)} interrupted and "
            f"{len(resume)} queued files resumed)"
        )
        tick = max(0.02, min(0.05, self.settings.watch_stability_seconds / 10))
        next_rescan = time.monotonic() + self.settings.watch_rescan_seconds
        try:
            while not self.stop_requested.is_set() and consumer_thread.is_alive():
                while not self._dirs_to_scan.empty():
                    self.scan(self._dirs_to_scan.get_nowait())
                if time.monotonic() >= next_rescan:
                    self.scan()
                    self._work.put(_HELD)
                    next_rescan = time.monotonic() + self.settings.watch_rescan_seconds
                for ready in self.tracker.due(self._hold):
                    with self._state_lock:
                        for path in ready.files:
                            self._busy[path] = ready.sigs.get(path)
                    self._work.put(ready)
                self.stop_requested.wait(tick)
        finally:
            self._shutdown(consumer_thread)
        return 1 if self._consumer_error is not None else 0

    def stop(self) -> None:
        """Ask for a graceful stop (signal handlers call this; a second call rolls back at once)."""
        self.signals += 1
        self.consumer.stopping = True
        self.stop_requested.set()

    def _start_observer(self) -> None:
        from watchdog.events import FileSystemEventHandler

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                if event.event_type not in ("created", "modified", "moved", "closed"):
                    return
                path = Path(os.fsdecode(event.dest_path if event.event_type == "moved" else event.src_path))
                if event.is_directory:
                    if event.event_type in ("created", "moved"):
                        watcher._dirs_to_scan.put(path)  # files copied in with the folder
                    return
                watcher.note(path)

        if self.poll:
            self._observer = self._polling_observer(self.poll)
        else:
            from watchdog.observers import Observer

            self._observer = Observer()
        for root in self.roots:
            self._observer.schedule(Handler(), str(root), recursive=True)
        try:
            self._observer.start()
        except OSError as exc:  # inotify limits reached: fall back to polling
            self.say(
                f"inotify is not available ({exc}); polling every {max(1.0, self.settings.watch_stability_seconds):g} s"
            )
            self.mode = "polling"
            self._observer = self._polling_observer(max(1.0, self.settings.watch_stability_seconds))
            for root in self.roots:
                self._observer.schedule(Handler(), str(root), recursive=True)
            self._observer.start()

    @staticmethod
    def _polling_observer(interval: float):
        from watchdog.observers.polling import PollingObserverVFS

        def visible(path):  # never descend into .done/ or other hidden folders
            with os.scandir(path) as entries:
                return [e for e in entries if not e.name.startswith(".")]

        return PollingObserverVFS(stat=os.stat, listdir=visible, polling_interval=interval)

    def _shutdown(self, consumer_thread: threading.Thread) -> None:
        if self._observer is not None:
            self._observer.stop()
        self.consumer.stopping = True
        self._work.put(_STOP)
        deadline = time.monotonic() + self.settings.watch_stop_grace_seconds
        while consumer_thread.is_alive() and time.monotonic() < deadline and self.signals < 2:
            consumer_thread.join(0.1)
        if consumer_thread.is_alive():  # roll back: cut the OCR off, its rows go back to queued
            self.say("rolling back the file being processed")
            self.consumer.abort()
            consumer_thread.join(60)
        if self._observer is not None:
            self._observer.join(5)
        self.consumer.close()

    # ---- the consumer thread ---------------------------------------------------------

    def _resumable(self) -> list[FileRow]:
        """Queued rows this watcher is responsible for: files under its folders (or retried
        quarantine copies), left by a crash or a stop."""
        quarantine_dir = self.settings.quarantine_dir.resolve()
        rows = []
        for row in self.catalog.files("queued"):
            paths = [Path(p) for p in row.paths]
            if all(self._root_of(p) is not None or _within(p, quarantine_dir) for p in paths):
                rows.append(row)
        return rows

    def _consume(self, resume: list[FileRow]) -> None:
        try:
            self._repair()
            if not self.stop_requested.is_set():
                self.consumer.warm_up()
            self.ready_event.set()
            if resume:
                self._process([row.id for row in resume], {row.id: row.created_at for row in resume})
            while True:
                item = self._work.get()
                items = [item]
                while True:  # take everything that is ready: one process() call for all
                    try:
                        items.append(self._work.get_nowait())
                    except queue_mod.Empty:
                        break
                batch_items = [i for i in items if isinstance(i, Ready)]
                if batch_items and not self.consumer.stopping:
                    self._take(batch_items)
                else:
                    self._release(batch_items)
                if any(i is _HELD for i in items) and not self.consumer.stopping:
                    self._retry_held()
                if any(i is _STOP for i in items) or self.consumer.stopping:
                    return
        except BaseException as exc:  # noqa: BLE001 — reported by run(); the inbox keeps the files
            log.exception("the watcher's consumer failed")
            self._consumer_error = exc
            self.stop_requested.set()
        finally:
            self.ready_event.set()

    def _retry_held(self) -> None:
        with self._state_lock:
            held = [r for r in self._resumable() if r.reason and not any(Path(p) in self._busy for p in r.paths)]
            for path in (Path(p) for row in held for p in row.paths):
                # Held again, a file stays handled (not taken as new) until the next rescan or a change.
                self._busy[path] = _signature(path)
        if held:
            self.say(f"taking again {len(held)} files a fault of the machine held")
            self._process([row.id for row in held], {row.id: row.created_at for row in held})

    def _repair(self) -> None:
        """Finish what a crash cut off after files were stored: dossiers and index."""
        cases = set(self.catalog.cases_without_current_dossier())
        if cases:
            self.say(f"rebuilding {len(cases)} dossiers a crash left unfinished")
            self.consumer.refresh_cases(cases)
        pending = [d for d in self.catalog.documents(all_cases=True) if not d.indexed]
        if pending:
            self.consumer.index_documents(pending)

    def _release(self, items: list[Ready]) -> None:
        with self._state_lock:
            for ready in items:
                for path in ready.files:
                    self._busy.pop(path, None)
        for ready in items:  # still there: the next rescan or event takes them again
            for path in ready.files:
                if path.exists():
                    self.note(path)

    def _take(self, items: list[Ready]) -> None:
        batches: list[Batch] = []
        seen: dict[str, float] = {}
        for ready in items:
            try:
                purpose = "petition" if any(_within(ready.files[0], r) for r in self.petition_roots) else "case"
                batch = make_batch(ready.files, ready.root, None, self.pattern, purpose)
            except FileNotFoundError:  # it went away again before we read it: nothing to keep
                self._release([ready])
                continue
            except OSError as exc:  # e.g. no permission: say so once, take it again when it changes
                self._finish_unread(ready, f"cannot be read: {exc}")
                continue
            if ready.gave_up:
                self._give_up(batch, ready)
                continue
            earlier = self.catalog.done_file_for(batch.sha256, batch.case_id)
            if earlier is not None and earlier.paths == [str(p) for p in batch.paths]:
                # Done before a crash, not yet moved out of the inbox: only finish that.
                self._finish(
                    earlier,
                    FileOutcome(
                        earlier.path,
                        "done",
                        earlier.case_id,
                        earlier.documents or 0,
                        earlier.pages or 0,
                        "was already done; taken out of the inbox",
                        batch.files,
                    ),
                    ready.seen_at,
                    ready,
                )
                continue
            batches.append(batch)
            seen[str(batch.path)] = ready.seen_at
        by_path = {str(ready.files[0]): ready for ready in items}
        if batches:
            ids = self.consumer.enqueue(batches)
            _crash_point("enqueued")
            self._process(ids, seen, by_path)

    def _process(self, ids: list[int], seen: dict, by_path: dict | None = None) -> None:
        ids = list(dict.fromkeys(ids))
        rows = self.catalog.get_files(ids)
        outcomes = {o.path: o for o in self.consumer.process(ids)}
        _crash_point("processed")
        for row, now in zip(rows, self.catalog.get_files(ids), strict=True):
            outcome = outcomes.get(row.path) or FileOutcome(
                row.path, "queued", row.case_id, 0, 0, "not started before the stop; queued for the next run"
            )
            since = seen.get(row.path, seen.get(row.id, row.created_at))
            self._finish(now, outcome, since, (by_path or {}).get(row.path))

    def _finish_unread(self, ready: Ready, reason: str) -> None:
        with self._state_lock:
            for path in ready.files:
                self._busy.pop(path, None)
                if ready.sigs.get(path):
                    self._handled[path] = ready.sigs[path]
        self.emit(
            {
                "event": "file",
                "path": str(ready.files[0]),
                "status": "skipped",
                "case_id": None,
                "documents": 0,
                "pages": 0,
                "reason": reason,
                "seconds": round(time.time() - ready.seen_at, 2),
                "moved_to": None,
            }
        )

    def _give_up(self, batch: Batch, ready: Ready) -> None:
        [file_id] = self.consumer.enqueue([batch])
        row = self.catalog.get_file(file_id)
        lock = claim(self.catalog, self.consumer.locks_dir, row)
        if lock is None:
            outcome = FileOutcome(row.path, "processing", row.case_id, 0, 0, "another hoso process has it")
        else:
            try:
                outcome = self.consumer._quarantine(row, ready.gave_up or "unreadable")
            finally:
                lock.release()
        self._finish(self.catalog.get_file(file_id), outcome, ready.seen_at, ready)

    def _finish(self, row: FileRow, outcome: FileOutcome, since: float, ready: Ready | None) -> None:
        moved_to, note = None, None
        if outcome.status in ("done", "duplicate"):
            try:
                moved_to, note = settle(self.catalog, self.settings, row, self.roots, outcome.hashed)
            except OSError as exc:
                note = f"left in place: {exc}"
        paths = [Path(p) for p in row.paths] + (ready.files if ready else [])
        with self._state_lock:
            for path in paths:
                sig = self._busy.pop(path, None) or (ready.sigs.get(path) if ready else None)
                if path.exists() and sig is not None and self._root_of(path) is not None:
                    self._handled[path] = sig
        for path in paths:
            if path.exists() and self._root_of(path) is not None:
                self.note(path)  # changed while we worked on it? Then it is new content.
        record = outcome.to_json()
        record.update(event="file", seconds=round(time.time() - since, 2), moved_to=moved_to)
        if note:
            record["note"] = note
        self.emit(record)
