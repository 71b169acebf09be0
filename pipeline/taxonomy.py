"""The doc-type taxonomy (doc-types.toml): packaged default, or an admin's own file."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

UNKNOWN = "khac"


@dataclass(frozen=True)
class DocType:
    key: str
    name: str
    titles: tuple[str, ...]
    symbols: tuple[str, ...]
    order: int


@lru_cache(maxsize=8)
def load_taxonomy(path: Path | None = None) -> dict[str, DocType]:
    """Doc types by key, in file order. Read at run time so admins can add types."""
    if path is None:
        raw = resources.files("pipeline").joinpath("data/doc-types.toml").read_text(encoding="utf-8")
    else:
        raw = Path(path).read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    return {
        key: DocType(
            key=key,
            name=entry.get("name", key),
            titles=tuple(entry.get("titles", [])),
            symbols=tuple(entry.get("symbols", [])),
            order=int(entry.get("order", 99)),
        )
        for key, entry in data.items()
    }
