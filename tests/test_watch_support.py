"""Helpers for the `hoso watch` tests: tiny scans, a watcher child process, deadline polling.

(No tests here; the name keeps it among the watcher's test files.)
"""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import img2pdf
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[1]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DPI = 100

WORDS = [
    "trộm cắp",
    "cố ý gây thương tích",
    "lừa đảo",
    "tàng trữ",
    "đánh bạc",
    "cướp giật",
    "hủy hoại",
    "chống người thi hành công vụ",
]


def page_lines(n: int) -> list[str]:
    """A one-page decision whose text differs with `n` (so every file has its own bytes)."""
    crime = WORDS[n % len(WORDS)]
    return [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "",
        "QUYẾT ĐỊNH",
        f"Về việc khởi tố vụ án hình sự số {100 + n}",
        "",
        f"Viện kiểm sát nhân dân quyết định khởi tố vụ án {crime}",
        f"xảy ra tại xã Thống Nhất, huyện Hoành Bồ, lần thứ {n}.",
    ]


def render(lines: list[str], dpi: int = DPI) -> Image.Image:
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, int(dpi * 0.19))
    y = int(dpi * 0.8)
    for line in lines:
        draw.text((int(dpi * 0.9), y), line, font=font, fill=0)
        y += int(dpi * 0.32)
    return image


def scan_bytes(n: int, kind: str = "pdf") -> bytes:
    image = render(page_lines(n))
    buffer = io.BytesIO()
    if kind == "pdf":
        image.save(buffer, format="JPEG", quality=80, dpi=(DPI, DPI))
        return img2pdf.convert(buffer.getvalue())
    image.save(buffer, format={"jpg": "JPEG", "png": "PNG"}[kind], dpi=(DPI, DPI))
    return buffer.getvalue()


def drop(path: Path, data: bytes) -> Path:
    """A scanner that writes a temp name, then renames it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    os.replace(part, path)
    return path


def wait_until(predicate, timeout: float, what: str, *, on_fail=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{on_fail()}")


def watch_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "HOSO_HOME": str(home),
        "HOSO_OCR_JOBS": "1",
        "OMP_THREAD_LIMIT": "1",
        "HOSO_WATCH_STABILITY_SECONDS": "0.3",
        "HOSO_WATCH_LOOSE_QUIET_SECONDS": "0.6",
        "HOSO_WATCH_GIVE_UP_SECONDS": "3",
        "HOSO_WATCH_STOP_GRACE_SECONDS": "30",
        **extra,
    }
    env.pop("HOSO_OPENSEARCH_URL", None)
    env.pop("TMPDIR", None)
    return env


class WatchProcess:
    """`python -m cli watch` in its own process group; killed as a whole on exit."""

    runs = 0

    def __init__(self, home: Path, dirs: list[Path], *args: str, **env: str):
        WatchProcess.runs += 1
        self.home = home
        logs = home.parent / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.out_path = logs / f"watch-{WatchProcess.runs}.out"
        self.err_path = logs / f"watch-{WatchProcess.runs}.err"
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cli", "watch", *map(str, dirs), "--json", *args],
                cwd=REPO,
                env=watch_env(home, **env),
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    def __enter__(self) -> WatchProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.kill()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def records(self) -> list[dict]:
        lines = self.out_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip().startswith("{")]

    def stderr(self) -> str:
        return self.err_path.read_text(encoding="utf-8", errors="replace")

    def report(self) -> str:
        return f"--- stdout\n{self.out_path.read_text()}\n--- stderr\n{self.stderr()}"

    def wait_records(self, predicate, timeout: float = 90, what: str = "watcher records"):
        def check():
            if self.proc.poll() is not None and not predicate(self.records()):
                raise AssertionError(f"the watcher exited ({self.proc.returncode})\n{self.report()}")
            return predicate(self.records())

        wait_until(check, timeout, what, on_fail=self.report)
        return self.records()

    def kill(self) -> None:
        """SIGKILL the whole group: the watcher, its OCR workers, their tesseract children."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)

    def kill_main_only(self) -> None:
        """`kill -9` of the watcher alone: its workers are left behind as orphans."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        os.kill(self.proc.pid, sig)
        return self.proc.wait(timeout=timeout)


def by_path(records: list[dict]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for record in records:
        found.setdefault(Path(record["path"]).name, []).append(record)
    return found


def catalog_rows(home: Path) -> list[dict]:
    path = home / "catalog.sqlite"
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT id, path, paths, state, reason, sha256, case_id FROM files")]
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        db.close()


def hoso(home: Path, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=REPO,
        env=watch_env(home, **(env or {})),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"hoso {' '.join(args)} exited {result.returncode}\n{result.stderr}\n{result.stdout}")
    return result


def hoso_json(home: Path, *args: str, check: bool = True, env: dict | None = None) -> dict:
    return json.loads(hoso(home, *args, "--json", check=check, env=env).stdout)


def inbox_files(inbox: Path) -> list[str]:
    """What is left in the inbox, outside `.done/`."""
    return sorted(
        str(p.relative_to(inbox)) for p in inbox.rglob("*") if p.is_file() and ".done" not in p.relative_to(inbox).parts
    )
