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
    best = _densest(spans, width)
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


def _densest(spans: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """The first span whose window [start, start + width) holds the most span starts (spans merged, sorted)."""
    best, best_n, j = spans[0], 0, 0
    for i, span in enumerate(spans):
        while j < len(spans) and spans[j][0] < span[0] + width:
            j += 1
        if j - i > best_n:
            best, best_n = span, j - i
    return best


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _ellipsize(text: str, start: int, width: int) -> str:
    return text[start : start + width] + ("…" if len(text) > start + width else "")


# ---- shared by every backend: fuzzy eligibility, date bounds, person filter ----------

# OCR-tolerant matching: only folded single words of at least this many letters get
# fuzzy alternatives (one edit, same first letter); they never relax the AND of terms.
FUZZY_MIN_LETTERS = 6
FUZZY_PREFIX = 1
FUZZY_MAX_EXPANSIONS = 50


def fuzzy_terms(query: ParsedQuery) -> list[str]:
    """Folded words (lower case) that may match with one OCR error: lone words, letters only, 6+ long."""
    out = []
    for phrase in query.folded_phrases:
        if len(phrase) == 1 and phrase[0].isalpha() and len(phrase[0]) >= FUZZY_MIN_LETTERS and phrase[0] not in out:
            out.append(phrase[0])
    return out


def date_bounds(date_from: str | None, date_to: str | None) -> tuple[str | None, str | None]:
    """Inclusive ISO bounds from YYYY, YYYY-MM or YYYY-MM-DD: `--from 2024 --to 2024-06` = 2024-01-01..2024-06-30.

    Raises ValueError for anything else."""
    import calendar
    import datetime

    def parse(value: str, end: bool) -> str:
        m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", value.strip())
        if not m:
            raise ValueError(f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
        year = int(m.group(1))
        month = int(m.group(2)) if m.group(2) else (12 if end else 1)
        if m.group(3):
            day = int(m.group(3))
        else:
            day = calendar.monthrange(year, month)[1] if end and 1 <= month <= 12 else 1
        try:
            return datetime.date(year, month, day).isoformat()
        except ValueError:
            raise ValueError(f"not a date: {value!r}") from None

    return (parse(date_from, False) if date_from else None, parse(date_to, True) if date_to else None)


def person_words(name: str) -> list[str]:
    """A person's name as folded, lower-case words ('Nguyễn Văn An' → ['nguyen', 'van', 'an'])."""
    return [fold(w).lower() for w in words(name)]
