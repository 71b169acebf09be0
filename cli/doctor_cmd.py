"""`hoso doctor`: is everything this machine needs there?"""

from __future__ import annotations

import re
import shutil
import subprocess

import typer

from index import embedded_index_path, open_backend
from pipeline.errors import ResourceError, why_unwritable
from pipeline.store.database import printable_url

from .context import emit_json, home, out
from .exitcodes import ExitCode

MIN_FREE_BYTES = 2 * 1024**3


def _tesseract() -> dict:
    import pytesseract

    try:
        version = str(pytesseract.get_tesseract_version())
        languages = pytesseract.get_languages(config="")
    except Exception as exc:  # not installed, or broken
        return {"ok": False, "error": f"tesseract not usable: {exc}"}
    missing = [lang for lang in ("vie", "osd") if lang not in languages]
    return {
        "ok": not missing,
        "version": version,
        "languages": languages,
        **(
            {
                "error": f"missing language data: {', '.join(missing)} (apt-get install tesseract-ocr-vie tesseract-ocr-osd)"
            }
            if missing
            else {}
        ),
    }


def _ghostscript() -> dict:
    gs = shutil.which("gs")
    if gs is None:
        return {"ok": False, "error": "ghostscript not found (apt-get install ghostscript)"}
    version = subprocess.run([gs, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    return {"ok": True, "version": version}


def _ocrmypdf() -> dict:
    try:
        import ocrmypdf
    except ImportError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "version": ocrmypdf.__version__}


def _handwriting() -> dict:
    """The models that read a register stamp's handwriting (onnxruntime and the packaged files)."""
    try:
        from pipeline.stages.handwriting import models

        found = models()
    except Exception as exc:  # onnxruntime missing, or a model file missing or damaged
        return {"ok": False, "error": f"the handwriting models cannot be loaded: {exc} (pip install onnxruntime)"}
    return {"ok": True, "version": f"onnxruntime {found['version']}, {len(found['models'])} models"}


_URL_WITH_PASSWORD = re.compile(r"postgres(?:ql)?://[^/@\s:]*:[^/@\s]*@")


def _secrets(cfg) -> dict:
    """Files that hold secrets, or hashes and case text, readable by others than hoso's account."""
    home = cfg.home
    wanted = [
        (cfg.catalog_path, 0o600),  # case text, and the accounts' password, token and session hashes
        (home / "secrets", 0o700),  # the audit trail's HMAC key and signed head
        (home / "secrets" / "audit.key", 0o600),
        (home / "secrets" / "audit.head", 0o600),
        (home / "index.sqlite", 0o600),  # the embedded index beside a PostgreSQL catalog: case text too
    ]
    config = home / "hoso.toml"
    text = config.read_text(encoding="utf-8", errors="replace") if config.is_file() else ""
    if "password" in text or _URL_WITH_PASSWORD.search(text):
        wanted.append((config, 0o600))  # opensearch_password, a catalog_url with its password
    loose = [
        f"{path} is {oct(path.stat().st_mode & 0o777)} (chmod {oct(mode)[2:]})"
        for path, mode in wanted
        if path.exists() and path.stat().st_mode & 0o077 & ~mode
    ]
    # A warning, not a failure: homes made before hoso set these modes are still usable.
    return {"ok": True, **({"warnings": loose} if loose else {})}


def register(app: typer.Typer) -> None:
    @app.command()
    def doctor(json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout.")) -> None:
        """Check programs, language data, disk, catalog and index."""
        checks: dict[str, dict] = {
            "tesseract": _tesseract(),
            "ghostscript": _ghostscript(),
            "ocrmypdf": _ocrmypdf(),
            "handwriting": _handwriting(),
        }
        try:
            with home(need_backend=False, reading=True) as (cfg, catalog, _):
                free = shutil.disk_usage(cfg.home).free
                checks["disk"] = {"ok": free >= MIN_FREE_BYTES, "free_bytes": free, "home": str(cfg.home.resolve())}
                unwritable = why_unwritable(cfg.catalog_path) or why_unwritable(cfg.home)
                checks["home"] = {
                    "ok": unwritable is None,
                    "path": str(cfg.home),
                    **({"error": f"cannot be written: {unwritable}"} if unwritable else {}),
                }
                checks["secrets"] = _secrets(cfg)
                integrity = catalog.integrity_check()
                checks["catalog"] = {
                    "ok": integrity == "ok",
                    "integrity_check": integrity,
                    **({"url": printable_url(cfg.catalog_url)} if cfg.catalog_url else {"path": str(cfg.catalog_path)}),
                }
                try:
                    backend = open_backend(cfg, catalog)
                    info = backend.info()  # OpenSearch: version, health, alias → index, doc counts
                    checks["index"] = {"ok": info.get("health") != "red", **info}
                    own_file = embedded_index_path(cfg, catalog)
                    if own_file is not None and backend.name == "sqlite":
                        checks["index"]["warnings"] = [
                            f"the embedded index beside a PostgreSQL catalog is {own_file}: this machine only;"
                            " machines sharing the catalog need OpenSearch (opensearch_url)"
                        ]
                    backend.close()
                except Exception as exc:  # a mismatch, or a server that cannot be reached
                    checks["index"] = {"ok": False, "error": str(exc)}
        except ResourceError as exc:  # no catalog yet, and none can be made in this home
            checks["home"] = {"ok": False, "error": str(exc)}
        ok = all(check["ok"] for check in checks.values())
        if json_out:
            emit_json({"ok": ok, "checks": checks})
        else:
            for name, check in checks.items():
                mark = "[green]ok[/]" if check["ok"] else "[red]FAIL[/]"
                if check.get("warnings"):
                    mark = "[yellow]warn[/]"
                    check = {"ok": True, "error": "; ".join(check["warnings"])}
                detail = (
                    check.get("error")
                    or (check.get("version") if name != "index" else None)
                    or ", ".join(f"{k}={v}" for k, v in check.items() if k != "ok")
                )
                out.print(f"{mark:<16} {name:<12} {detail}", highlight=False)
        if not ok:
            failed = {n for n, c in checks.items() if not c["ok"]}
            code = {
                frozenset({"catalog"}): ExitCode.INTEGRITY,
                frozenset({"index"}): ExitCode.INDEX_UNAVAILABLE,
                frozenset({"home"}): ExitCode.RESOURCE,
            }.get(frozenset(failed), ExitCode.MISSING_DEPENDENCY)
            raise typer.Exit(int(code))
