from pathlib import Path

from ingest.sources import discover
from pipeline.config import Settings

PATTERN = Settings().case_id_pattern


def touch(path: Path, data: bytes = b"%PDF-1.4\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_case_from_folder_layout_and_review_folders(tmp_path):
    touch(tmp_path / "2024-HS-0123" / "a.pdf")
    touch(tmp_path / "2024-HS-0123" / "sub" / "b.pdf", b"%PDF-1.4\nb")
    touch(tmp_path / "ho so cu" / "c.pdf", b"%PDF-1.4\nc")
    touch(tmp_path / "loose.pdf", b"%PDF-1.4\nd")
    by_name = {b.path.name: b for b in discover([tmp_path], None, PATTERN)}
    assert by_name["a.pdf"].case_id == "2024-HS-0123"
    assert by_name["b.pdf"].case_id == "2024-HS-0123"
    assert (by_name["c.pdf"].case_id, by_name["c.pdf"].folder) == (None, "ho so cu")
    assert (by_name["loose.pdf"].case_id, by_name["loose.pdf"].folder) == (None, None)


def test_case_option_wins_over_folder(tmp_path):
    touch(tmp_path / "2024-HS-0123" / "a.pdf")
    [batch] = discover([tmp_path], "2024-HS-0999", PATTERN)
    assert batch.case_id == "2024-HS-0999"


def test_naming_a_case_folder_itself(tmp_path):
    touch(tmp_path / "2024-HS-0123" / "a.pdf")
    [batch] = discover([tmp_path / "2024-HS-0123"], None, PATTERN)
    assert batch.case_id == "2024-HS-0123"


def test_loose_pages_form_one_batch_in_page_order(tmp_path):
    jpeg = b"\xff\xd8\xff\xe0fake"
    for n in (10, 2, 1):
        touch(tmp_path / f"scan_1_p{n:03d}.jpg", jpeg + bytes([n]))
    touch(tmp_path / "other_p001.png", b"\x89PNG\r\n\x1a\nfake")
    batches = discover([tmp_path], None, PATTERN)
    assert len(batches) == 2
    pages = next(b for b in batches if b.path.name.startswith("scan_1"))
    assert [p.name for p in pages.paths] == ["scan_1_p001.jpg", "scan_1_p002.jpg", "scan_1_p010.jpg"]
    assert pages.kind == "images"


def test_kinds_are_sniffed_and_droppings_ignored(tmp_path):
    touch(tmp_path / "empty.pdf", b"")
    touch(tmp_path / "notes.docx", b"PK\x03\x04 not a scan")
    touch(tmp_path / "scan.tif", b"II*\x00rest")
    touch(tmp_path / "~$lock.pdf")
    touch(tmp_path / ".hidden.pdf")
    touch(tmp_path / "upload.pdf.part")
    touch(tmp_path / "Thumbs.db", b"x")
    kinds = {b.path.name: b.kind for b in discover([tmp_path], None, PATTERN)}
    assert kinds == {"empty.pdf": "empty", "notes.docx": "unsupported", "scan.tif": "tiff"}


def test_content_id_is_stable_and_content_based(tmp_path):
    touch(tmp_path / "a" / "x.pdf", b"%PDF-1.4 same")
    touch(tmp_path / "b" / "y.pdf", b"%PDF-1.4 same")
    a, b = discover([tmp_path], None, PATTERN)
    assert a.sha256 == b.sha256
