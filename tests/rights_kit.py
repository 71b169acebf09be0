"""A home for the rights tests (test_rights.py, test_web_rights.py): tests/web_kit.py's two cases, plus
a Mật document at the end of 2024-HS-0123 (bút lục 5), a document filed under no case, and an
account of every role, some assigned to a case."""

from __future__ import annotations

import time
from pathlib import Path

from dossier_kit import cli, tiny_home
from ingest.access import User
from pipeline.store.catalog import Catalog
from web_kit import CASE_A, CASE_B, build_web_home

SECRET_ID, SECRET_NUMBER = "A-MAT1", "5/CV-MAT"
SECRET_PHRASE = "phương án trinh sát XK77"
UNFILED_ID = "U-1"


def add_account(catalog: Catalog, name: str, role: str, clearance: str = "thuong") -> int:
    """An account row as the accounts' CLI makes it (no password: these tests never sign in)."""
    now = time.time()
    with catalog.transaction():
        cursor = catalog.db.execute(
            "INSERT INTO users(name, role, clearance, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (name, role, clearance, now, now),
        )
    return cursor.lastrowid


def build_rights_home(root: Path, *, opensearch_url: str | None = None, prefix: str | None = None) -> Path:
    """Accounts of every role; kiemsat_b works on CASE_B, kiemsat_a and thuky on CASE_A. With
    `opensearch_url`, pages go to OpenSearch."""
    home = build_web_home(root, opensearch_url=opensearch_url, prefix=prefix)
    t = tiny_home(root)
    t.batch(
        "scan-a3",
        [f"MẬT Số: {SECRET_NUMBER} CÔNG VĂN về {SECRET_PHRASE} đối với Trần Văn Đức, không phổ biến."],
        case_id=CASE_A,
    )
    t.document(SECRET_ID, "cong_van", "scan-a3", [1], date="2024-06-01", number=SECRET_NUMBER, case_id=CASE_A)
    t.batch("scan-u1", ["ĐƠN TỐ GIÁC của bà Phạm Thị Lan về việc mất trộm tại chợ Cái Rồng."], case_id=None)
    t.document(UNFILED_ID, "don_to_giac", "scan-u1", [1], case_id=None)
    with t.catalog.transaction():
        t.catalog.db.execute(
            "UPDATE documents SET classification = 'mat', classification_mark = 'MẬT' WHERE id = ?", (SECRET_ID,)
        )
    for name, role, clearance in ACCOUNTS:
        add_account(t.catalog, name, role, clearance)
    t.catalog.close()
    cli(home, "dossier", "rebuild", CASE_A)
    cli(home, "reindex")
    cli(home, "case", "assign", CASE_B, "kiemsat_b")
    cli(home, "case", "assign", CASE_A, "kiemsat_a")
    cli(home, "case", "assign", CASE_A, "thuky")
    return home


ACCOUNTS = [
    ("quantri", "admin", "toi_mat"),
    ("lanhdao", "leader", "mat"),
    ("lanhdao_thuong", "leader", "thuong"),
    ("kiemsat_b", "prosecutor", "toi_mat"),
    ("kiemsat_a", "prosecutor", "thuong"),
    ("thuky", "clerk", "thuong"),
]


def user_of(catalog: Catalog, name: str, address: str = "10.0.0.7") -> User:
    """The account as a signed-in user of the web app."""
    row = catalog.db.execute("SELECT id, role, clearance FROM users WHERE name = ?", (name,)).fetchone()
    return User(name, row["role"], row["clearance"], address, row["id"])
