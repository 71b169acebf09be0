"""Settings: defaults < TOML file < HOSO_* environment variables < command-line options.

The TOML file is `HOSO_CONFIG`, else `<home>/hoso.toml` if present.
"""

from __future__ import annotations

import difflib
import os
import socket
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from .errors import ConfigError

DEFAULT_HOME = Path("hoso-data")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOSO_", extra="ignore")

    home: Path = DEFAULT_HOME
    # The catalog on PostgreSQL (postgresql://user@host:5432/db, psycopg 3), which several machines'
    # homes can share; unset: SQLite in the home (catalog.sqlite).
    catalog_url: str | None = None
    unit: str = "Viện kiểm sát nhân dân"
    # Case ids like 2024-HS-0123 (year, case kind, number).
    case_id_pattern: str = r"^\d{4}-[A-ZĐ]{2,4}-\d{1,6}$"
    # Tesseract languages, e.g. "vie+eng". Default "vie": with "eng" added, Tesseract reads
    # Đ as D in capitals and codes (74/QĐ-CSĐT → 74/QD-CSDT): số/ký hiệu exact match fell
    # from 1.00 to 0.73 on the dev corpus (bench/accuracy.py). vie covers ASCII letters too.
    languages: str = "vie"
    ocr_jobs: int = max(1, min(os.cpu_count() or 1, 4))
    # A batch of more than twice this many pages is read as page ranges of at most this many, on
    # every OCR worker at once (pipeline.stages.ranges).
    ocr_range_pages: int = Field(8, ge=1)
    # A queue engine (Celery) for OCR jobs, e.g. "redis://10.0.0.5:6379/0": `hoso worker`s on any
    # machine that mounts the home read them (ingest.broker). Unset: a local process pool.
    broker_url: str | None = None
    # What this machine is called in a shared home (its `hoso watch` lock, `hoso status`): machines
    # that share a PostgreSQL catalog and the home each run their own watcher.
    machine_name: str = Field(default_factory=socket.gethostname, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    # Seconds one OCR job (a batch, or a page range of one) may run on a worker before it is
    # stopped and its batch quarantined; the broker hands an unacknowledged job out again only
    # after twice this long (a worker that vanished whole).
    ocr_time_limit: float = Field(1800.0, gt=0)
    # Pages above this many pixels are refused (decompression bombs, absurd scans).
    max_pixels: int = 200_000_000
    # An admin's own taxonomy file; the packaged one otherwise.
    taxonomy: Path | None = None
    opensearch_url: str | None = None
    opensearch_index_prefix: str = "hoso"
    opensearch_user: str | None = None
    opensearch_password: str | None = None
    opensearch_verify_certs: bool = True
    opensearch_ca_certs: str | None = None
    # Seconds: a cluster that does not answer the connect fails fast (pages stay "not indexed");
    # a request may take up to opensearch_timeout (bulk loads, searches).
    opensearch_connect_timeout: float = 3.0
    opensearch_timeout: float = 60.0
    # Copies of each index besides its primary (README "OpenSearch as a cluster"): unset, one copy on a
    # second node when there is one (auto-expand 0-1); with several nodes set 1 or more, so a node may stop.
    opensearch_replicas: int | None = Field(None, ge=0)
    # Ask the cluster for its nodes' addresses (every minute and on a failure) instead of only using the
    # hosts of opensearch_url: off, as published addresses are often unreachable (loopback, NAT, proxies).
    opensearch_sniff: bool = False
    watch_dirs: list[Path] = []
    watch_poll: float | None = None
    watch_stability_seconds: float = 5.0
    watch_rescan_seconds: float = 300.0
    watch_after_success: str = "move"  # move to <watched>/.done/, or "delete"
    # A file stable in size and mtime that still does not parse is handed over (to be
    # quarantined with the parser's reason) only after this long without change.
    watch_give_up_seconds: float = 600.0
    # Loose pages `<stem>_pNNN.jpg` go in as one batch once no page of it changed for this long.
    watch_loose_quiet_seconds: float = 30.0
    # On SIGINT/SIGTERM the file being OCRed may finish for this long, then it is rolled back.
    watch_stop_grace_seconds: float = 20.0
    # `hoso review` lists documents whose doc type was found with less confidence than this.
    review_confidence: float = 0.6
    # The web app's accounts (issue 13): a session unused this long is signed out; this many failed
    # sign-ins in a row lock the account for web_lockout_minutes (`hoso user unlock` ends it sooner).
    web_session_idle_minutes: float = Field(30, gt=0)
    web_lockout_failures: int = Field(5, ge=1)
    web_lockout_minutes: float = Field(15, gt=0)
    # The petitions register (issue 14): intake folders whose every scan is a petition (đơn, tin báo),
    # an admin's rule table overriding the packaged time limits by rule key, and an admin's holidays
    # added to the packaged calendar (pipeline/data/petition-rules.toml, holidays.toml).
    petitions_watch_dirs: list[Path] = []
    petition_rules: Path | None = None
    holidays: Path | None = None

    @field_validator("catalog_url")
    @classmethod
    def _postgres_url(cls, url: str | None) -> str | None:
        if url and urlsplit(url).scheme not in ("postgresql", "postgres"):
            raise ValueError("a catalog URL starts with postgresql:// (unset it for the home's SQLite catalog)")
        return url or None

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, home: Path) -> Path:
        # Paths recorded in the catalog must not depend on the working directory.
        return home.expanduser().resolve()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file is named by load_settings through model_config["toml_file"].
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    # Folders under the home.
    @property
    def catalog_path(self) -> Path:
        """The SQLite catalog of the home (unused with a `catalog_url`)."""
        return self.home / "catalog.sqlite"

    @property
    def catalog(self) -> str | Path:
        """Where the catalog is: its PostgreSQL URL, else the home's SQLite file (pipeline.store.catalog.Catalog)."""
        return self.catalog_url or self.catalog_path

    def catalog_exists(self) -> bool:
        """Whether there is a catalog to open without making one: a PostgreSQL catalog is taken to be
        there (opening it says if it is not), an SQLite one must be a file."""
        return self.catalog_url is not None or self.catalog_path.is_file()

    @property
    def archive_dir(self) -> Path:
        return self.home / "archive"

    @property
    def work_dir(self) -> Path:
        return self.home / "work"

    @property
    def dossiers_dir(self) -> Path:
        return self.home / "dossiers"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"

    @property
    def tmp_dir(self) -> Path:
        return self.home / "tmp"

    @property
    def cache_dir(self) -> Path:
        """What can be drawn again from the rest of the home (page images of the dossiers)."""
        return self.home / "cache"


def _config_file(home: Path) -> Path | None:
    explicit = os.environ.get("HOSO_CONFIG")
    if explicit:
        if not Path(explicit).is_file():
            raise ConfigError(f"HOSO_CONFIG names {explicit}, which is not a file")
        return Path(explicit)
    candidate = home.absolute() / "hoso.toml"
    return candidate if candidate.exists() else None


def _check_keys(config: Path) -> None:
    """A misspelt key would otherwise be ignored without a word and its default used."""
    try:
        keys = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"the configuration file {config} cannot be read: {exc}") from None
    for key in keys:
        if key not in Settings.model_fields:
            close = difflib.get_close_matches(key, Settings.model_fields, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"the configuration file {config} has an unknown setting {key!r}{hint}")


def _plain(exc: ValidationError, config: Path | None) -> str:
    """Pydantic's report as one line: which setting, where it came from, what is wrong with it."""
    problems = []
    for item in exc.errors():
        name = ".".join(str(part) for part in item["loc"])
        env = f"HOSO_{name.split('.')[0].upper()}"
        where = f"the variable {env}" if env in os.environ else (f"{config}" if config else "the default")
        problems.append(f"{name} (from {where}): {item['msg']}, got {item.get('input')!r}")
    return "configuration error: " + "; ".join(problems)


def load_settings(**overrides: Any) -> Settings:
    """Settings of a home (--home, else HOSO_HOME, else ./hoso-data), explicit overrides first.

    A missing HOSO_CONFIG file, an unknown key in the file or a bad value is a ConfigError in plain words.
    """
    home = overrides.get("home") or os.environ.get("HOSO_HOME") or DEFAULT_HOME
    config = _config_file(Path(home))
    if config is not None:
        _check_keys(config)
    with_file = type("Settings", (Settings,), {"model_config": {**Settings.model_config, "toml_file": config}})
    try:
        return with_file(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise ConfigError(_plain(exc, config)) from None
