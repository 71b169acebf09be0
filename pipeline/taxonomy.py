"""The doc-type taxonomy (doc-types.toml): packaged default, or an admin's own file.

A type's `titles` are read as: entries in capitals are alternative heading lines ("QUYẾT ĐỊNH",
"ĐƠN KIẾN NGHỊ"); other entries are alternative lines under the heading ("Khởi tố bị can").
`match_title` matches the heading at the start of a document's title, the subtitle right after
it, both fuzzily on folded text, so OCR noise is tolerated while "Không khởi tố vụ án hình sự"
can never pass for "Khởi tố vụ án hình sự". Of the types that match, the one matching the most
letters wins: "Phê chuẩn quyết định khởi tố bị can" is qd_phe_chuan, the generic "QUYẾT ĐỊNH"
alone is nothing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .text import is_caps, match_at, tokens

UNKNOWN = "khac"
_FILLER = ["ve", "viec"]  # "QUYẾT ĐỊNH / Về việc khởi tố bị can"


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


@dataclass(frozen=True)
class TitleMatch:
    key: str
    letters: int  # letters of the taxonomy title matched: more is more specific
    quality: float  # 1 - edit distance / letters


def match_title(title: Sequence[str], subtitle: Sequence[str], taxonomy: dict[str, DocType]) -> TitleMatch | None:
    """The most specific taxonomy type whose heading (and subtitle) the title lines match."""
    toks = tokens(" ".join([*title, *subtitle]))
    best: TitleMatch | None = None
    for doc_type in taxonomy.values():
        headings = [tokens(t) for t in doc_type.titles if is_caps(t)]
        subtitles = [tokens(t) for t in doc_type.titles if not is_caps(t)]
        for heading in headings:
            for start in (0, 1):  # one word may come first: "BẢN KẾT LUẬN GIÁM ĐỊNH"
                found = match_at(heading, toks, start)
                if not found:
                    continue
                end = start + found[0]
                if toks[end : end + 2] == _FILLER:
                    end += 2
                followers = _follow(subtitles, toks, end) if subtitles else [([], 0)]
                for phrase, distance in followers:
                    letters = len("".join(heading + phrase))
                    candidate = TitleMatch(doc_type.key, letters, 1 - (found[1] + distance) / letters)
                    if best is None or (candidate.letters, candidate.quality) > (best.letters, best.quality):
                        best = candidate
    return best


def _follow(subtitles: list[list[str]], toks: list[str], end: int) -> list[tuple[list[str], int]]:
    """The subtitle phrases matching right after the heading, with their edit distances."""
    return [(s, m[1]) for s in subtitles if (m := match_at(s, toks, end))]
