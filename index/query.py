"""Query parsing and snippets shared by every backend.

A query is free words plus "quoted phrases". Words carrying punctuation
(54/2024/HS-ST, QĐ-VKS-P2) become phrases of their parts, so no user input
ever reaches a backend's query syntax unquoted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.text import fold, fold_with_offsets, normalize, words

_QUOTED = re.compile(r'"([^"]*)"')
MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"


@dataclass
class ParsedQuery:
    phrases: list[list[str]]  # each a list of normalized words; a lone word is a 1-word phrase

    @property
    def folded_phrases(self) -> list[list[str]]:
        return [[fold(w).lower() for w in phrase] for phrase in self.phrases]

    @property
    def terms(self) -> list[str]:
        return [w for phrase in self.phrases for w in phrase]

    def __bool__(self) -> bool:
        return bool(self.phrases)


def parse_query(raw: str) -> ParsedQuery:
    raw = normalize(raw)
    phrases = [words(q) for q in _QUOTED.findall(raw)]
    for chunk in _QUOTED.sub(" ", raw).split():
        parts = words(chunk)
        if parts:
            phrases.append(parts)
    return ParsedQuery([p for p in phrases if p])


def make_snippet(text: str, query: ParsedQuery, width: int = 160) -> str:
    """Original text (with diacritics) around the best cluster of matches, matches marked.

    Matching is done on folded, lower-cased text so a diacritic-free query
    still highlights the accented words it found.
    """
    text = normalize(text)
    folded, offsets = fold_with_offsets(text)
    folded = folded.lower()
    spans: list[tuple[int, int]] = []
    for phrase in query.folded_phrases:
        pattern = r"(?<!\w)" + r"\W+".join(re.escape(w) for w in phrase) + r"(?!\w)"
        for m in re.finditer(pattern, folded):
            spans.append((offsets[m.start()], offsets[m.end() - 1] + 1))
    flat = " ".join(text.split())
    if not spans:
        return _ellipsize(flat, 0, width)
    spans = _merge(sorted(spans))
    # Window starting a little before the match whose window covers most matches.
    best = max(spans, key=lambda s: sum(1 for o in spans if s[0] <= o[0] < s[0] + width))
    start = max(0, best[0] - width // 4)
    end = min(len(text), start + width)
    out, cursor = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out += [text[cursor:s], MARK_OPEN, text[s:e], MARK_CLOSE]
        cursor = e
    out.append(text[cursor:end])
    body = " ".join("".join(out).split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _ellipsize(text: str, start: int, width: int) -> str:
    return text[start:start + width] + ("…" if len(text) > start + width else "")
