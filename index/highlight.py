"""Which words of a page a query matched, to outline them on the page image and mark them in its text.

The same rules as the backends' matching, applied to one page: both sides folded (no diacritics,
Đ/Ð → D, one tone placement), a lone word of six letters or more also matching with one OCR error
(same first letter, `index.query.fuzzy_terms`), a "quoted phrase" or a token with punctuation
(`47/QĐ-VKS-P2` → 47 qd vks p2) matching as consecutive tokens, wherever the OCR put the word
breaks ("Số:47/QĐ-VKS-P2" is one stored word, "47/QĐ-" "VKS-P2" two).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.text import edit_distance, fold_with_offsets, normalize

from .query import FUZZY_PREFIX, ParsedQuery, fuzzy_terms, parse_query

_TOKEN = re.compile(r"\w+")


def _token(folded: str) -> str:
    # Tesseract doubles a bold Đ ('ĐÐỊNH'); no Vietnamese word has 'đđ' (as pipeline.text.tokens)
    return re.sub("d{2,}", "d", folded.lower())


def text_tokens(text: str) -> list[tuple[str, int, int]]:
    """(folded token, start, end) of each word token of `text`, offsets in normalize(text)."""
    folded, offsets = fold_with_offsets(normalize(text))
    return [(_token(m.group()), offsets[m.start()], offsets[m.end() - 1] + 1) for m in _TOKEN.finditer(folded)]


def _phrases(query: ParsedQuery) -> list[tuple[list[str], bool]]:
    """Each phrase as folded tokens, and whether it may match with one edit."""
    fuzzy = set(fuzzy_terms(query))
    out = []
    for phrase in query.phrases:
        folded = [token for word in phrase for token, _, _ in text_tokens(word)]
        if folded:
            out.append((folded, len(folded) == 1 and folded[0] in fuzzy))
    return out


def _same(query_token: str, token: str, fuzzy: bool) -> bool:
    if query_token == token:
        return True
    return (
        fuzzy
        and token[:FUZZY_PREFIX] == query_token[:FUZZY_PREFIX]
        and abs(len(token) - len(query_token)) <= 1
        and edit_distance(query_token, token, 1) <= 1
    )


def matched_tokens(tokens: Sequence[str], query: str | ParsedQuery) -> list[int]:
    """Indexes (sorted) of the tokens that a match of some phrase of `query` covers."""
    parsed = parse_query(query) if isinstance(query, str) else query
    hit: set[int] = set()
    for phrase, fuzzy in _phrases(parsed):
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if all(_same(q, tokens[i + k], fuzzy) for k, q in enumerate(phrase)):
                hit.update(range(i, i + n))
        if n > 1 and any(c.isdigit() for c in phrase[0]):  # a số/ký hiệu
            hit.update(_run_spelling(tokens, "".join(phrase)))
    return sorted(hit)


def _run_spelling(tokens: Sequence[str], wanted: str) -> set[int]:
    """Tokens of each run that spells `wanted` without the spaces between them: a số/ký hiệu whose
    number was typed into the form's blank reads "Số: 1 1 /TB-UBND" (tokens 1, 1, tb, ubnd)."""
    found: set[int] = set()
    for i, first in enumerate(tokens):
        if not wanted.startswith(first):
            continue
        spelled, j = first, i
        while len(spelled) < len(wanted) and j + 1 < len(tokens) and wanted.startswith(spelled + tokens[j + 1]):
            j += 1
            spelled += tokens[j]
        if spelled == wanted:
            found.update(range(i, j + 1))
    return found


def matched_words(words: Sequence[Sequence], query: str | ParsedQuery) -> list[int]:
    """Indexes (sorted) of the stored words `[[text, x0, top, x1, bottom, conf], ...]` to outline."""
    owner: list[int] = []
    tokens: list[str] = []
    for n, word in enumerate(words):
        for token, _, _ in text_tokens(str(word[0])):
            tokens.append(token)
            owner.append(n)
    return sorted({owner[i] for i in matched_tokens(tokens, query)})


def marked_spans(text: str, query: str | ParsedQuery) -> list[tuple[str, bool]]:
    """normalize(text) cut into (piece, matched?) runs, to mark the matches in a page's text."""
    text = normalize(text)
    found = text_tokens(text)
    spans: list[tuple[int, int]] = []
    for i in matched_tokens([t for t, _, _ in found], query):
        start, end = found[i][1], found[i][2]
        if spans and not any(c.isspace() for c in text[spans[-1][1] : start]):
            spans[-1] = (spans[-1][0], end)  # the parts of one word (47/QĐ-VKS-P2) marked as one
        else:
            spans.append((start, end))
    out: list[tuple[str, bool]] = []
    cursor = 0
    for start, end in spans:
        if start > cursor:
            out.append((text[cursor:start], False))
        out.append((text[start:end], True))
        cursor = end
    if cursor < len(text):
        out.append((text[cursor:], False))
    return out
