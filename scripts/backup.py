"""Back up a home and its catalog (SQLite or PostgreSQL), and restore them (README "Backups").

    .venv/bin/python scripts/backup.py backup DIR     # the home of HOSO_HOME / hoso.toml, its catalog_url
    .venv/bin/python scripts/backup.py restore DIR    # into an empty catalog and a home at the same path

Kept: the catalog (SQLite's online backup, or `pg_dump --format=custom`: one consistent snapshot) and
the home's files of record, in `home.tar`: archive/ (the originals, by sha256), work/ (the OCR'd PDFs
the dossiers are cut from), dossiers/ (every version, sealed ones too), quarantine/, secrets/ (the audit
trail's key and signed head) and hoso.toml. Left out, and made again after a restore by
`hoso reindex --recreate` and use: the embedded index, cache/, tmp/, locks/.

Take a backup while nothing ingests (stop `hoso watch`, let `hoso ingest` finish): a file written
after the catalog's snapshot would be an orphan (`hoso verify` names it). Paths in the catalog are
absolute: restore the home at the path it had.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.config import load_settings  # noqa: E402

KEPT = ("archive", "work", "dossiers", "quarantine", "secrets", "hoso.toml")


def server_and_schema(url: str) -> tuple[str, str | None]:
    """The catalog URL without its `options=-csearch_path=…`, and that schema (None: the database's own)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    schema = None
    for option in query.pop("options", []):
        for word in option.split():
            if word.startswith("-csearch_path="):
                schema = word.split("=", 1)[1]
    rest = "&".join(f"{k}={v}" for k, values in query.items() for v in values)
    return urlunsplit(parts._replace(query=rest)), schema


def backup(out: Path) -> None:
    settings = load_settings()
    out.mkdir(parents=True, exist_ok=False)
    os.chmod(out, 0o700)  # case papers, password hashes, the audit key
    if settings.catalog_url:
        server, schema = server_and_schema(settings.catalog_url)
        command = ["pg_dump", "--format=custom", "--no-owner", f"--file={out / 'catalog.dump'}"]
        subprocess.run([*command, *([f"--schema={schema}"] if schema else []), server], check=True)
    else:
        with sqlite3.connect(settings.catalog_path) as source, sqlite3.connect(out / "catalog.sqlite") as copy:
            source.backup(copy)
    with tarfile.open(out / "home.tar", "w") as tar:
        for name in KEPT:
            if (settings.home / name).exists():
                tar.add(settings.home / name, arcname=name)
    print(f"backed up {settings.home} into {out}")


def restore(source: Path) -> None:
    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    if any((settings.home / name).exists() for name in (*KEPT, "catalog.sqlite")):
        raise SystemExit(f"{settings.home} is not empty: restore into an empty home")
    if settings.catalog_url:
        server, _ = server_and_schema(settings.catalog_url)
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={server}",
                        str(source / "catalog.dump")], check=True)  # fmt: skip
    else:
        shutil.copy2(source / "catalog.sqlite", settings.catalog_path)
        os.chmod(settings.catalog_path, 0o600)
    with tarfile.open(source / "home.tar") as tar:
        tar.extractall(settings.home, filter="tar")
    print(f"restored {settings.home} from {source}; now: hoso reindex --recreate, then hoso verify")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["backup", "restore"])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    (backup if args.action == "backup" else restore)(args.folder)


if __name__ == "__main__":
    main()
