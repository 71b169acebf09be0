"""Vietnamese text normalization and diacritic folding, and the text-shape tests built on them.

Every piece of text that enters the catalog, the index, a query or a title
match goes through `normalize` first, so all of them agree on one form:
NFC, Đ (U+0110) instead of the Icelandic Ð (U+00D0) that Tesseract sometimes
emits, and one tone-mark placement (the classic "hòa", "thủy" of the Quốc hiệu).
`fold` then drops every diacritic, including đ→d, which neither SQLite's
unicode61 nor every OpenSearch build does.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110"})
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng

# New-style placement puts the tone on the last vowel of an open "oa/oe/uy"
# syllable (hoà, khoẻ, thuỷ); the classic style puts it on the first (hòa,
# khỏe, thủy). "qu" is an onset, so "quý" is the same in both styles.
_NEW_STYLE = re.compile(
    r"(?<![qQ\w])([^\W\d_]*?)(?<![qQ])([oO])([aeAE])([\u0300\u0301\u0303\u0309\u0323])(?![^\W\d_])"
    r"|(?<![qQ\w])([^\W\d_]*?)(?<![qQ])([uU])([yY])([\u0300\u0301\u0303\u0309\u0323])(?![^\W\d_])"
)


def _classic_tone(match: re.Match[str]) -> str:
    if match.group(2):
        head, first, second, tone = match.group(1, 2, 3, 4)
    else:
        head, first, second, tone = match.group(5, 6, 7, 8)
    return f"{head}{first}{tone}{second}"


# Every _NEW_STYLE match holds one of these (a fast scan); `_maybe_new_style` then checks the
# rest, so the slow regex only runs on text that has a new-style placement to fix.
_NEW_STYLE_HINT = re.compile(r"[oOuU][aeyAEY][\u0300\u0301\u0303\u0309\u0323]")
_LETTER = re.compile(r"[^\W\d_]")


def _maybe_new_style(decomposed: str) -> bool:
    for m in _NEW_STYLE_HINT.finditer(decomposed):
        start, end = m.span()
        if (
            decomposed[start : start + 2].lower() in ("oa", "oe", "uy")
            and (start == 0 or decomposed[start - 1] not in "qQ")
            and not _LETTER.match(decomposed, end)
        ):
            return True
    return False


def normalize(text: str) -> str:
    """NFC, Ð→Đ, one tone-mark placement. Idempotent."""
    text = unicodedata.normalize("NFC", text)
    if "\u00d0" in text or "\u00f0" in text or "\u0189" in text:
        text = text.translate(_LOOKALIKES)
    # Tone placement is decided on the decomposed form, where the tone is a
    # separate mark that can move between the two vowels of the nucleus.
    decomposed = unicodedata.normalize("NFD", text)
    if not _maybe_new_style(decomposed):
        return text
    return unicodedata.normalize("NFC", _NEW_STYLE.sub(_classic_tone, decomposed))


def fold_char(ch: str) -> str:
    """One NFC character without its diacritics ('' for a lone combining mark)."""
    if ch in "đĐ":
        return "d" if ch == "đ" else "D"
    if ch.isascii():
        return ch
    return "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))


def _combining_marks() -> re.Pattern[str]:
    """Runs of BMP characters with a non-zero combining class (what fold_char drops after NFD)."""
    ranges, start = [], None
    for cp in range(0x10001):
        if cp < 0x10000 and unicodedata.combining(chr(cp)):
            start = cp if start is None else start
        elif start is not None:
            ranges.append(f"\\u{start:04x}-\\u{cp - 1:04x}")
            start = None
    return re.compile("[" + "".join(ranges) + "]+")


_COMBINING = _combining_marks()


def fold(text: str) -> str:
    """Diacritic-free form of normalized text: 'Khởi tố' → 'Khoi to', 'Đồng' → 'Dong'."""
    return _fold_chars(normalize(text))


def _fold_chars(text: str) -> str:
    """fold_char of every character, joined (no normalization)."""
    if text.isascii():
        return text
    if len(text.encode("utf-16-le", "surrogatepass")) > 2 * len(text):  # astral characters: the exact, slower way
        return "".join(fold_char(ch) for ch in text)
    # The same as fold_char on every character: decompose, drop the marks, đ→d.
    out = _COMBINING.sub("", unicodedata.normalize("NFD", text))
    return out.replace("đ", "d").replace("Đ", "D") if "đ" in out or "Đ" in out else out


_FOLDS_TO_ONE: dict[str, bool] = {}  # character → does fold_char give exactly one character?


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold `text` (already normalized) and map each folded char to its index in `text`.

    Used to find matches in folded text and highlight the original words.
    """
    one = True
    for ch in set(text):
        known = _FOLDS_TO_ONE.get(ch)
        if known is None:
            known = _FOLDS_TO_ONE[ch] = len(fold_char(ch)) == 1
        one = one and known
    if one:  # the usual case (Vietnamese letters fold to one letter each): offsets are the identity
        return _fold_chars(text), list(range(len(text)))
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        folded = fold_char(ch)
        out.append(folded)
        offsets.extend([i] * len(folded))
    return "".join(out), offsets


def words_over(words: list, start: int, end: int) -> list:
    """The OCR words (anything with a `text`) that carry characters start..end of their texts
    joined by single spaces, as a line's text is."""
    found, position = [], 0
    for word in words:
        if position < end and start < position + len(word.text):
            found.append(word)
        position += len(word.text) + 1
    return found


def folded_words(text: str) -> str:
    """Text as two readings of one paper are compared (a rescan, a petition sent again): folded,
    lower case, single spaces."""
    return " ".join(fold(text).lower().split())


_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Word tokens of a query or a page (letters and digits; '/' '-' '.' split)."""
    return _WORD.findall(normalize(text))


def has_diacritics(text: str) -> bool:
    return fold(text) != normalize(text)


# A Vietnamese syllable: optional onset, a vowel nucleus, optional coda.
# Used to tell a real Vietnamese text layer from junk (legacy TCVN3/VNI fonts
# read as Latin-1, or English-only OCR that dropped every diacritic).
_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    r"([aăâeêioôơuưy]{1,3})"
    r"(ng|nh|ch|[cmnpt])?$"
)


def vietnamese_score(text: str) -> tuple[float, float]:
    """(share of tokens that are Vietnamese syllables, share carrying diacritics).

    Real Vietnamese prose scores about (0.9, 0.5); TCVN3 junk fails the first,
    diacritic-free English OCR the second.
    """
    tokens = [t.lower() for t in words(text) if t.isalpha()]
    if not tokens:
        return 0.0, 0.0
    syllables = sum(1 for t in tokens if _SYLLABLE.match(strip_tone(t)))
    marked = sum(1 for t in tokens if has_diacritics(t))
    return syllables / len(tokens), marked / len(tokens)


def strip_tone(token: str) -> str:
    """Drop tone marks but keep vowel letters (ă â ê ô ơ ư) and đ."""
    decomposed = unicodedata.normalize("NFD", token)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))


def is_good_vietnamese(text: str, min_tokens: int = 15) -> bool:
    """True when a text layer reads as real Vietnamese (no need to OCR again)."""
    tokens = [t for t in words(text) if t.isalpha()]
    if len(tokens) < min_tokens:
        return False
    syllable_share, marked_share = vietnamese_score(text)
    return syllable_share >= 0.75 and marked_share >= 0.2


# --- text shape: folded tokens, fuzzy phrases, capitals, names, syllables -------------------
# Shared by the stages that read a page (layout, split, classify, extract) and the stamp reader.

_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """Folded lowercase word tokens: 'Số: 12/QĐ' → ['so', '12', 'qd'].

    Tesseract often doubles a bold Đ ('QUYẾT ĐÐỊNH'); no Vietnamese word has 'đđ', so it is undone.
    """
    return _TOKEN.findall(re.sub("d{2,}", "d", fold(text).lower()))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 when it exceeds `limit`."""
    return Levenshtein.distance(a, b, score_cutoff=limit)


def match_at(phrase: list[str], toks: list[str], i: int) -> tuple[int, int] | None:
    """Fuzzy match of folded `phrase` tokens at toks[i]: (tokens used, edit distance) or None.

    Compared without spaces over n-1..n+1 tokens, so OCR that splits or merges words
    ('QUY ẾT', 'khởitố') still matches; one edit is allowed per six letters.
    """
    target = "".join(phrase)
    allowed = len(target) // 6
    best: tuple[int, int] | None = None
    for used in (len(phrase), len(phrase) - 1, len(phrase) + 1):
        if used < 1 or i + used > len(toks):
            continue
        distance = edit_distance(target, "".join(toks[i : i + used]), allowed)
        if distance <= allowed and (best is None or distance < best[1]):
            best = (used, distance)
    return best


def find_phrase(phrase: list[str], toks: list[str]) -> int | None:
    """Token index where `phrase` matches `toks` best (the earliest of equals), or None."""
    found = [(m[1], i) for i in range(len(toks)) if (m := match_at(phrase, toks, i))]
    return min(found)[1] if found else None


def starts_with(text: str, phrase: str) -> bool:
    """Does `text` begin with `phrase`, up to OCR noise and diacritics?"""
    return match_at(tokens(phrase), tokens(text), 0) is not None


def is_caps(text: str) -> bool:
    """A line in capitals (titles, agency names, signature roles)."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def has_text(text: str) -> bool:
    """A line with at least one real word (not a rule '-----' or stamp speckle)."""
    return any(len(t) >= 2 and not t.isdigit() for t in tokens(text))


def name_words(words: list[str]) -> int:
    """How many leading words form a personal name: 'Nguyễn Thị Hải đã ...' → 3 (0 if none).

    A Vietnamese name is two to six capitalised words ('Trịnh Công An', 'Nguyễn Văn A').
    """
    count = 0
    while count < len(words) and count < 6 and words[count].isalpha() and words[count].istitle():
        count += 1
    return count if count >= 2 else 0


def is_person_name(text: str) -> bool:
    """A line holding only a personal name (the signer under a signature block)."""
    words = text.split()
    return 2 <= len(words) <= 6 and name_words(words) == len(words)


def is_syllable(token: str) -> bool:
    return vietnamese_score(token)[0] == 1.0


def syllable_cuts(token: str) -> list[int]:
    """Where a token OCR ran together cuts into two syllables ('BANNHÂN' → [3])."""
    return [i for i in range(1, len(token)) if is_syllable(token[:i]) and is_syllable(token[i:])]


def is_abbreviation(token: str) -> bool:
    return token.isupper() and 2 <= len(token) <= 8 and sum(c in "AEIOUY" for c in fold(token)) <= 1
