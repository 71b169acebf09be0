"""OCR jobs through the broker (ingest.broker): real Redis, real `hoso worker` processes, real OCR.

Each test gets its own Redis database, home and workers; workers are killed (their process groups)
at the end, whatever happened."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import REPO, hoso, hoso_json
from ingest.broker import job_from, job_payload, result_from, result_payload
from pipeline.models import ESignature, OcrJob, OcrResult, PageText, PenReading, Stamp, Word

SAMPLES = REPO / "samples" / "more"


def test_jobs_and_results_travel_as_json_and_come_back_equal(tmp_path):
    job = OcrJob("ab" * 32, "pdf", [tmp_path / "a.pdf"], tmp_path / "out.pdf", "vie", 10, tmp_path, pages=(3, 4))
    assert job_from(json.loads(json.dumps(job_payload(job)))) == job
    page = PageText(
        3,
        "Số: 12/QĐ-VKS",
        words=[Word("Số:", 1.0, 2.0, 3.0, 4.0, 91.5), Word("12/QĐ-VKS", 5.0, 2.0, 9.0, 4.0)],
        confidence=91.5,
        esignatures=[ESignature("Viện kiểm sát nhân dân tỉnh", "2025-01-02T08:00:00")],
        stamps=[
            Stamp("received", "ĐẾN\nSố: 45", number="45", box=(1.0, 2.0, 3.0, 4.0)),
            Stamp("classification", "MẬT"),
        ],
        pen=[PenReading("number", "05", (1.0, 2.0, 3.0, 4.0))],
    )
    result = OcrResult("ab" * 32, tmp_path / "out.pdf", [page, PageText(4, "", blank=True)], signed=True, ocr_pages=[3])
    assert result_from(json.loads(json.dumps(result_payload(result)))) == result


def test_a_worker_that_does_not_see_the_home_says_so_as_its_machine_s_fault(tmp_path, monkeypatch):
    """A job naming an original this worker cannot see is the worker's machine's fault (the home not
    mounted, or elsewhere): the batch is held, not quarantined as a bad scan."""
    from ingest import broker
    from pipeline.config import Settings

    monkeypatch.setattr(broker, "_worker_settings", Settings(home=tmp_path), raising=False)
    job = OcrJob("ab" * 32, "pdf", [tmp_path / "archive" / "ab.pdf"], tmp_path / "out.pdf", "vie", 10, tmp_path)
    answer = broker._read_batch(job_payload(job))
    assert answer["error"] == "resource" and "archive/ab.pdf is not there" in answer["message"], answer


# ---- with Redis and workers -------------------------------------------------------------------


@pytest.mark.broker
@pytest.mark.ocr
def test_two_workers_read_the_ranges_of_one_batch(broker, tmp_path):
    """A 4-page scan cut into 1-page ranges: both workers read some, the batch is filed once, whole."""
    scan = tmp_path / "inbox" / "scan.pdf"
    scan.parent.mkdir()
    subprocess.run(
        ["qpdf", "--empty", "--pages", *(str(SAMPLES / f) for f in ("lenh_bat.pdf", "bien_ban_hoi_cung.pdf",
         "thong_bao.pdf", "cong_van.pdf")), "--", str(scan)], check=True)  # fmt: skip
    before = scan.read_bytes()
    broker.start_worker("w1")
    broker.start_worker("w2")
    env = {**broker.env, "HOSO_OCR_RANGE_PAGES": "1", "HOSO_OCR_JOBS": "2"}
    report = hoso_json(broker.home, "ingest", str(scan), "--case", "2025-HS-0201", env=env)
    [outcome] = report["files"]
    assert outcome["status"] == "done" and outcome["pages"] == 4, outcome
    for name in ("w1", "w2"):  # each worker read a range
        assert re.search(r"hoso\.read_batch\[[^]]+\] succeeded", broker.log(name)), broker.log(name)
    # The case's dossier was assembled by a worker too, and verifies.
    assert re.search(r"hoso\.build_dossier\[[^]]+\] succeeded", broker.log("w1") + broker.log("w2"))
    assert hoso(broker.home, "verify", env=env).returncode == 0
    shown = hoso_json(broker.home, "dossier", "show", "2025-HS-0201", env=env)
    assert shown["version"] == 1 and len(shown["documents"]) == 4, shown
    found = hoso_json(broker.home, "search", "bien ban hoi cung", env=env)
    assert found["hits"] and found["hits"][0]["case_id"] == "2025-HS-0201"
    assert scan.read_bytes() == before


@pytest.mark.broker
@pytest.mark.ocr
def test_a_job_whose_worker_is_killed_runs_again_on_another_and_is_filed_once(broker, tmp_path):
    scan = tmp_path / "lenh_bat.pdf"
    scan.write_bytes((SAMPLES / "lenh_bat.pdf").read_bytes())
    first = broker.start_worker("w1")
    ingest = subprocess.Popen(
        [sys.executable, "-m", "cli", "ingest", str(scan), "--case", "2025-HS-0202", "--json"],
        cwd=REPO,
        env={**os.environ, "HOSO_HOME": str(broker.home), "HOSO_OCR_JOBS": "1", **broker.env},
        stdout=subprocess.PIPE,
        text=True,
    )
    broker.wait_for(lambda: "received" in broker.log("w1"), "w1 to take the job")
    broker.kill(first)  # mid-OCR: the job is never acknowledged
    broker.start_worker("w2")
    out, _ = ingest.communicate(timeout=180)
    [outcome] = json.loads(out)["files"]
    assert outcome["status"] == "done" and outcome["documents"] == 1, outcome
    assert "succeeded" in broker.log("w2") and "succeeded" not in broker.log("w1")
    status = hoso_json(broker.home, "status", env=broker.env)
    assert status["files"]["done"] == 1 and status["documents"] == 1 and status["pages"] == 1


@pytest.mark.broker
@pytest.mark.ocr
def test_a_job_over_the_time_limit_quarantines_its_batch_with_the_reason(broker, tmp_path):
    scan = tmp_path / "bien_ban.pdf"
    scan.write_bytes((SAMPLES / "bien_ban_hoi_cung.pdf").read_bytes())
    broker.start_worker("slow", HOSO_OCR_TIME_LIMIT="1")
    env = {**broker.env, "HOSO_OCR_TIME_LIMIT": "1"}
    result = hoso(broker.home, "ingest", str(scan), "--json", check=False, env=env)
    [outcome] = json.loads(result.stdout)["files"]
    assert outcome["status"] == "quarantined" and "ocr_time_limit" in outcome["reason"], outcome
    assert scan.read_bytes() == (SAMPLES / "bien_ban_hoi_cung.pdf").read_bytes()
    [reason] = (broker.home / "quarantine").glob("*/bien_ban.pdf.reason.txt")
    assert "ocr_time_limit" in reason.read_text()


@pytest.mark.broker
@pytest.mark.ocr
def test_a_broker_restart_mid_batch_loses_no_job(broker, redis_url, tmp_path):
    """Redis stopped and started again (its queue kept) while a worker reads the first of four ranges: the
    batch is filed whole, or held (never quarantined) and filed whole by `hoso retry`."""
    scan = tmp_path / "scan.pdf"
    subprocess.run(
        ["qpdf", "--empty", "--pages", *(str(SAMPLES / f) for f in ("lenh_bat.pdf", "bien_ban_hoi_cung.pdf",
         "thong_bao.pdf", "cong_van.pdf")), "--", str(scan)], check=True)  # fmt: skip
    broker.start_worker("w1")
    env = {**broker.env, "HOSO_OCR_RANGE_PAGES": "1", "HOSO_OCR_JOBS": "2"}
    ingest = subprocess.Popen(
        [sys.executable, "-m", "cli", "ingest", str(scan), "--case", "2025-HS-0203", "--json"],
        cwd=REPO,
        env={**os.environ, "HOSO_HOME": str(broker.home), **env},
        stdout=subprocess.PIPE,
        text=True,
    )
    broker.wait_for(lambda: "received" in broker.log("w1"), "w1 to take a job")
    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    subprocess.run([str(REPO / "scripts" / "redis.sh"), "restart"], env={**os.environ, "HOSO_REDIS_PORT": port},
                   check=True, capture_output=True)  # fmt: skip
    out, _ = ingest.communicate(timeout=300)
    [outcome] = json.loads(out)["files"]
    if outcome["status"] == "queued":
        # The broker was down while this process waited for a result: the batch is held with the reason
        # (the machine's fault, not the scan's), and a retry files it.
        assert "broker" in outcome["reason"], outcome
        [outcome] = hoso_json(broker.home, "retry", "--all", env=env)["files"]
    assert outcome["status"] == "done" and outcome["pages"] == 4 and outcome["documents"] == 4, outcome
