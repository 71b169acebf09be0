"""Integrity (issue 6): `hoso verify` finds missing, altered and orphaned files (exit 4);
`hoso dossier export --bundle` + `hoso verify --bundle` work without the catalog."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from conftest import hoso
from dossier_kit import CASE, cli, cli_json, tiny_home
from pipeline.dossier.build import rebuild_dossier
from pipeline.hashing import sha256_file


@pytest.fixture
def home(tmp_path):
    t = tiny_home(tmp_path)
    t.batch("scan-1", ["QUYẾT ĐỊNH khởi tố vụ án hình sự.", "CÁO TRẠNG truy tố bị can."])
    t.batch("scan-2", ["BẢN ÁN số 204/2024/HS-ST."])
    t.document("D1", "qd_khoi_to_vu_an", "scan-1", [1], date="2024-04-18", number="214/QĐ-CSĐT")
    t.document("D2", "cao_trang", "scan-1", [2], date="2024-07-01", number="12/CT-VKS-P2")
    t.document("D3", "ban_an", "scan-2", [1], date="2024-07-27", number="204/2024/HS-ST")
    rebuild_dossier(t.settings, t.catalog, CASE)
    yield t
    t.catalog.close()


def archived(t, name: str) -> Path:
    return Path(t.catalog.batch(t.batches[name])["originals"][0]["archive"])


def tamper(path: Path, data: bytes = b"%tampered") -> None:
    os.chmod(path, 0o644)
    with open(path, "ab") as fh:
        fh.write(data)


def test_a_clean_home_verifies(home):
    report = cli_json(home.home, "verify")
    assert report["ok"] and report["problems"] == []
    assert report["checked"]["original"] == 2 and report["checked"]["ocr_output"] == 2
    assert report["checked"]["dossier_pdf"] == report["checked"]["manifest"] == 1
    assert cli_json(home.home, "verify", CASE)["ok"]


@pytest.mark.verapdf
def test_the_current_dossier_passes_the_pdfa_check(home):
    report = cli_json(home.home, "verify", CASE, "--pdfa")
    assert report["ok"] and report["checked"]["pdfa"] == 1


def test_tampered_original_is_caught_with_exit_4(home):
    original = archived(home, "scan-1")
    tamper(original)
    # Through the real command line, as a clerk or a cron job runs it.
    result = hoso(home.home, "verify", "--json", check=False)
    assert result.returncode == 4
    report = json.loads(result.stdout)
    assert not report["ok"]
    [problem] = report["problems"]
    assert problem["problem"] == "altered" and problem["kind"] == "original"
    assert problem["path"] == str(original.resolve()) and problem["case_id"] == CASE
    assert problem["expected_sha256"] == home.batches["scan-1"] != problem["actual_sha256"]
    # The export refuses to ship it.
    refused = cli(home.home, "dossier", "export", CASE, "--bundle", str(home.home.parent / "b.zip"), code=4)
    assert "altered" in refused.stderr and not (home.home.parent / "b.zip").exists()


def test_missing_altered_and_orphaned_outputs_and_manifests(home):
    folder = home.settings.dossiers_dir / CASE
    latest = home.catalog.latest_dossier(CASE)
    Path(latest["pdf"]).chmod(0o644)
    (folder / f"{CASE}.pdf").unlink()  # the current dossier's link
    tamper(Path(latest["manifest"]), b" ")  # the manifest (and so the current manifest, its hard link)
    ocr_pdf = Path(home.catalog.batch(home.batches["scan-2"])["ocr_pdf"])
    ocr_pdf.unlink()
    (folder / "stray.pdf").write_bytes(b"%PDF-1.7 stray")
    stray_original = home.settings.archive_dir / "ff" / ("f" * 64 + ".pdf")
    stray_original.parent.mkdir(parents=True, exist_ok=True)
    stray_original.write_bytes(b"not referenced")
    report = cli(home.home, "verify", "--json", code=4)
    problems = {(p["problem"], p["kind"], Path(p["path"]).name) for p in json.loads(report.stdout)["problems"]}
    assert problems == {
        ("missing", "current_pdf", f"{CASE}.pdf"),
        ("altered", "manifest", "manifest.json"),
        ("altered", "current_manifest", "manifest.json"),
        ("missing", "ocr_output", ocr_pdf.name),
        ("orphaned", "file", "stray.pdf"),
        ("orphaned", "original", stray_original.name),
    }


def test_bundle_verifies_on_another_machine_and_catches_tampering(home, tmp_path):
    bundle = tmp_path / "out" / "hs.zip"
    exported = cli_json(home.home, "dossier", "export", CASE, "--bundle", str(bundle))
    assert exported["files"] == 4  # manifest, dossier PDF, two originals
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        assert f"{CASE}/manifest.json" in names and f"{CASE}/{CASE}.pdf" in names
        assert {n for n in names if "/originals/" in n} == {
            f"{CASE}/originals/{home.batches['scan-1']}.pdf",
            f"{CASE}/originals/{home.batches['scan-2']}.pdf",
        }
        manifest_bytes = zf.read(f"{CASE}/manifest.json")
    assert manifest_bytes == Path(home.catalog.latest_dossier(CASE)["manifest"]).read_bytes()

    # Another machine: no catalog at all (a home that does not exist), and the original files gone.
    elsewhere = tmp_path / "elsewhere" / "no-home"
    report = cli_json(elsewhere, "verify", "--bundle", str(bundle))
    assert report["ok"], report
    assert report["manifest_sha256"] == exported["manifest_sha256"] and report["case_id"] == CASE
    assert not elsewhere.exists(), "verifying a bundle must not create a home"
    # This machine: the catalog confirms the manifest is the one it recorded.
    here = cli_json(home.home, "verify", "--bundle", str(bundle))
    assert here["ok"] and "matches version" in here["catalog"]

    # Tampered copies: an altered original, a missing PDF, an extra file.
    def rewrite(target: Path, change) -> None:
        with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(target, "w") as dst:
            for item in src.infolist():
                data = change(item.filename, src.read(item.filename))
                if data is not None:
                    dst.writestr(item, data)
            if change("__extra__", None) is not None:
                dst.writestr(f"{CASE}/notes.txt", b"added later")

    original_name = f"{CASE}/originals/{home.batches['scan-2']}.pdf"
    cases = {
        "altered": (lambda n, d: d + b"x" if n == original_name else d, ("altered", "original")),
        "missing": (lambda n, d: None if n == f"{CASE}/{CASE}.pdf" else d, ("missing", "dossier_pdf")),
        "extra": (lambda n, d: b"" if n == "__extra__" else d, ("orphaned", "file")),
    }
    for label, (change, expected) in cases.items():
        target = tmp_path / f"{label}.zip"
        rewrite(target, change)
        result = cli(elsewhere, "verify", "--bundle", str(target), "--json", code=4)
        problems = {(p["problem"], p["kind"]) for p in json.loads(result.stdout)["problems"]}
        assert problems == {expected}, (label, problems)


def test_history_lists_versions_and_export_of_an_earlier_version(home, tmp_path):
    rebuild_dossier(home.settings, home.catalog, CASE, force=True, reason="rebuild")
    versions = cli_json(home.home, "dossier", "history", CASE)["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert [v["changes"]["reason"] for v in versions] == ["ingest", "rebuild"]
    out = tmp_path / "v1.pdf"
    exported = cli_json(home.home, "dossier", "export", CASE, "--out", str(out), "--version", "1")
    assert exported["version"] == 1 and exported["sha256"] == versions[0]["pdf_sha256"]
    assert exported["pdf_sha256"] == sha256_file(out) != versions[0]["pdf_sha256"]  # a marked copy of it
    assert cli_json(home.home, "verify")["checked"]["dossier_pdf"] == 2
