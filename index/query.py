"""Query parsing and snippets shared by every backend.

A query is free words plus "quoted phrases". Words carrying punctuation
(54/2024/HS-ST, QĐ-VKS-P2) become phrases of their parts, so no user input
ever reaches a backend's query syntax unquoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.secrecy import levels, rank
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

    def numbers(self) -> list[tuple[str, list[list[str]]]]:
        """(number key, the other phrases) per phrase that may be a số/ký hiệu typed in the box.

        A phrase of two or more words, one with a digit ('47/QĐ-VKS-P2', '54/2024/HS-ST'), also finds
        the first page of a document whose extracted number has these words (folded) or starts with
        them, however the OCR garbled the page's own text; the other phrases still match the text."""
        folded = self.folded_phrases
        return [
            (" ".join(phrase), self.phrases[:i] + self.phrases[i + 1 :])
            for i, phrase in enumerate(folded)
            if len(phrase) > 1 and any(ch.isdigit() for w in phrase for ch in w)
        ]


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
    still highlights the accented words it found. The window is widened to whole words.
    """
    text = normalize(text)
    folded, offsets = fold_with_offsets(text)
    folded = folded.lower()
    spans: list[tuple[int, int]] = []
    for phrase in query.folded_phrases:
        if len(phrase) > 1 and any(c.isdigit() for c in phrase[0]):
            # A số/ký hiệu, wherever OCR put spaces or marks in it ("Số: 1 1 /TB-UBND" for 11/TB-UBND).
            pattern = r"(?<!\w)" + r"\W*".join(re.escape(c) for c in "".join(phrase)) + r"(?!\w)"
        else:
            pattern = r"(?<!\w)" + r"\W+".join(re.escape(w) for w in phrase) + r"(?!\w)"
        for m in re.finditer(pattern, folded):
            spans.append((offsets[m.start()], offsets[m.end() - 1] + 1))
    if not spans:
        start, end = 0, _word_end(text, min(len(text), width))
    else:
        spans = _merge(sorted(spans))
        # Window starting a little before the match whose window covers most matches.
        best = _densest(spans, width)
        start = _word_start(text, max(0, best[0] - width // 4))
        end = _word_end(text, min(len(text), start + width))
    out, cursor = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out += [text[cursor:s], MARK_OPEN, text[s:e], MARK_CLOSE]
        cursor = e
    out.append(text[cursor:end])
    body = " ".join("".join(out).split())
    return ("…" if text[:start].strip() else "") + body + ("…" if text[end:].strip() else "")


# A window edge inside a word moves to the word's edge, unless the "word" is longer than this.
_WORD_REACH = 40


def _word_start(text: str, i: int) -> int:
    """`i`, or the start of the word it cuts."""
    j = i
    while 0 < j and i - j < _WORD_REACH and not text[j - 1].isspace() and not text[j].isspace():
        j -= 1
    return j if j == 0 or text[j - 1].isspace() else i


def _word_end(text: str, i: int) -> int:
    """`i`, or the end of the word it cuts."""
    j = i
    while 0 < j < len(text) and j - i < _WORD_REACH and not text[j - 1].isspace() and not text[j].isspace():
        j += 1
    return j if j == len(text) or text[j].isspace() else i


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


def number_key(number: str | None) -> str | None:
    """A số/ký hiệu as the index compares it with a query: folded lower-case words ('47/QĐ-VKS-P2' → '47 qd vks p2')."""
    key = " ".join(fold(w).lower() for w in words(number or ""))
    return key or None


def number_key_range(key: str) -> tuple[str, str]:
    """Bounds [lo, hi) of the number keys that continue `key` with more words ('47 qd' → '47 qd vks p2')."""
    return key + " ", key + "!"  # "!" follows " " in every collation a backend uses here


# Facets: at most this many values each, by page count (desc), then value.
FACET_LIMIT = 50


def order_facet(name: str, counts: dict) -> dict[str, int]:
    """One facet's counts as every backend returns them: string values, the biggest first, ties by value
    (articles by number), at most FACET_LIMIT."""

    def key(item: tuple) -> tuple:
        value = item[0]
        return (-item[1], int(value) if name == "article" else 0, str(value))

    return {str(value): n for value, n in sorted(counts.items(), key=key)[:FACET_LIMIT]}


def person_words(name: str) -> list[str]:
    """A person's name as folded, lower-case words ('Nguyễn Văn An' → ['nguyen', 'van', 'an'])."""
    return [fold(w).lower() for w in words(name)]


def readable_levels(clearance: str) -> tuple[str, ...] | None:
    """The classification keys a reader of `clearance` may see, for a filter inside the query; None when
    they read every digitized level, so the query needs no such filter.

    A page indexed before it carried its level matches no key: hidden from every narrower clearance until
    re-indexed (fail closed), readable only by those who read the highest level anyway."""
    digitized = [level for level in levels().values() if level.digitized]
    if rank(clearance) >= max(level.rank for level in digitized):
        return None
    return tuple(level.key for level in digitized if level.rank <= rank(clearance))
