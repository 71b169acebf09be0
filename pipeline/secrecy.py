"""Classification levels of documents (thuong < mat < toi_mat; tuyet_mat is never digitized) and
how a printed mark maps to them. The levels and their legal basis ship as data (data/secrecy.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .text import fold, normalize

THUONG, MAT, TOI_MAT, TUYET_MAT = "thuong", "mat", "toi_mat", "tuyet_mat"


@dataclass(frozen=True)
class Level:
    key: str
    rank: int
    name: str  # as a Vietnamese reader says it: "Tối mật"
    marks: tuple[str, ...]  # as printed on the paper: "TỐI MẬT"
    digitized: bool = True


@cache
def levels() -> dict[str, Level]:
    raw = tomllib.loads(resources.files("pipeline").joinpath("data/secrecy.toml").read_text(encoding="utf-8"))
    return {
        key: Level(key, int(v["rank"]), v["name"], tuple(v.get("marks", [])), bool(v.get("digitized", True)))
        for key, v in sorted(raw["levels"].items(), key=lambda kv: kv[1]["rank"])
    }


def rank(level: str | None) -> int:
    """A level's rank (unknown or None: thuong's, 0)."""
    found = levels().get(level or THUONG)
    return found.rank if found else 0


def level_of_mark(mark: str | None) -> str:
    """The level of a mark as printed or stamped ("TỐI MẬT" → toi_mat); no mark → thuong."""
    if not mark:
        return THUONG
    wanted = fold(normalize(mark)).upper().split()
    best = THUONG
    for level in levels().values():
        if any(fold(m).upper().split() == wanted for m in level.marks):
            best = level.key
    return best


def may_read(clearance: str, level: str | None) -> bool:
    """A reader of `clearance` may read a document of `level` when it is not above it."""
    return rank(level) <= rank(clearance)
