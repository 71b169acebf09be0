"""Vietnamese OCR post-correction of the searchable text: what Tesseract systematically misreads, put right.

Only a page Tesseract read (`layer == "ocr"`) is corrected; a kept text layer is the document's own
text. Its words are corrected in each other's context as they lie on the page, and its text gets
their corrections; a corrected word keeps its box: a search hit on it lands where it is printed.

Lexicon: Vietnamese syllables (pipeline/data/vi-syllables.txt, derived from Debian's hunspell-vi by
scripts/vi_syllables.py and shipped, so nothing is read from /usr/share/hunspell at run time), the codes
of the papers (vi-codes.txt: QĐ, VKSND, CSĐT, ...) and their words of two syllables and more
(vi-phrases.txt: "kiểm sát", "thẩm quyền", "nhân dân", ...); for tone restoration, how common each
syllable is (vi-frequencies.txt, from wordfreq) and a dictionary's words (vi-words.txt, from pyvi), both
derived by scripts/vi_frequencies.py and shipped.

A token (a run of letters) that is neither a syllable nor a known code is made one only when one
candidate is best:
- letters no Vietnamese text has, read for their look-alikes: Ñ → N ("CNÑTT", "Ñgô"); Ð → Đ
  (`pipeline.text.normalize`, which every text entering the catalog goes through anyway);
- a doubled consonant, Tesseract's bold-print artefact: "QĐĐ" → "QĐ" (so "47/QĐĐ-VKS-P2" is found as
  47/QĐ-VKS-P2), "CNTTT" → "CNTT", "ĐĐỊNH" → "ĐỊNH"; capitals only into a known code, as an unknown
  code ("TTTU") is no misread syllable;
- marks, where the token is a misreading (no syllable by the grammar, its tone lost, or a tone its
  ending cannot take) and not a syllable the lexicon lacks ("cược"): the one syllable of the same
  letters with the fewest marks changed ("viềc" → "việc": no syllable ending in c takes huyền,
  "nguôn" → "nguồn"), else, for a lower-case word with Vietnamese marks, the one syllable one letter
  away; a word of plain letters may be a loanword ("mini", "email") and capitals a code ("PCI").
Context: a pair of neighbouring tokens that is no word of vi-phrases.txt becomes the one word its
syllables make with other tones ("kiếm sát" → "kiểm sát", "THẤM PHÁN" → "THẨM PHÁN", "nhần dần" →
"nhân dân"; Tesseract reads hỏi as sắc, and loses tones on poor scans); a syllable that makes a word
with its other neighbour as read stays ("tìm kiếm", "tin báo về"); words in capitals are read with
capitals of their own line only (a heading's lines and columns are names: "CÔNG AN HUYỆN CÔ TÔ").
Then tones Tesseract lost, most often over a circumflex vowel ("cố" read "cô", "để" read "đê"; both are
syllables, so the lexicon alone cannot tell), are put back where the toned reading is the likelier by
the syllables' frequencies and a dictionary word made with a neighbour ("sự cô" → "sự cố", "đât" →
"đất"), and a hỏi it added taken off the same way ("chỉ phí" → "chi phí").
And the "Số" label read "Sô", "Sồ", "Sộ" before ":" or a number is "Số".
Never changed: a token with a digit (numbers are never "corrected" into other numbers), mixed case,
capitals without a vowel (a code), and a capitalised word beside a capitalised word or standing
alone beyond the look-alike and doubled-letter repairs ("Trấn Văn Cấm", "Hạnphhú"): it may be a name,
and a name is never corrected into another name.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from importlib.resources import files

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ..models import PageText, Word
from ..text import fold, is_syllable, normalize, strip_tone

_LOOKALIKES = str.maketrans({"Ñ": "N", "ñ": "n"})
_TOKEN = re.compile(r"\w+")
_NUMBER_AFTER = re.compile(r"\s*[:.]?\s*\d")  # what follows a "Số" label
# The "Số" label's misreadings: its ô with the tone lost or another (not hỏi: "Sổ" is a register book).
# "so", "sơ" are words ("so với", "hồ sơ 635 vụ"), and only a capitalised label is taken.
_SO_MISREAD = {"sô", "sồ", "sỗ", "sộ"}
_VOWEL = re.compile("[aeiouyAEIOUY]")  # on folded text
_STOP_CODA = re.compile("(?:c|ch|p|t)$")
_HOI = "\u0309"  # the tone Tesseract adds where none is printed ("chi" read "chỉ")
_STOP_TONES = {"\u0301", "\u0323"}  # sắc, nặng: the only tones of a syllable ending in c, ch, p, t
_APART = "|"  # between two words of one line that a column's gap parts: no neighbours
_MAX_RUN_COMBINATIONS = 64  # doubled-letter readings tried for one token


def _data_lines(name: str) -> list[list[str]]:
    """The words of each line of a data file of pipeline/data, comments and empty lines left out."""
    text = files("pipeline.data").joinpath(name).read_text(encoding="utf-8")
    return [line.split() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def syllables() -> frozenset[str]:
    """The lexicon: Vietnamese syllables, lower case, NFC, classic tone placement."""
    return frozenset(w for line in _data_lines("vi-syllables.txt") for w in line)


@cache
def codes() -> frozenset[str]:
    return frozenset(w for line in _data_lines("vi-codes.txt") for w in line)


@cache
def _decomposed_syllables() -> list[str]:
    """The lexicon in NFD, where a tone or a vowel's hat is one character: one edit away is one mark away."""
    return [unicodedata.normalize("NFD", s) for s in sorted(syllables())]


@cache
def phrase_pairs() -> frozenset[tuple[str, str]]:
    """Neighbouring syllables of the words in vi-phrases.txt: ("kiểm", "sát"), ("nhân", "dân"), ..."""
    return frozenset(pair for phrase in _data_lines("vi-phrases.txt") for pair in itertools.pairwise(phrase))


def _grouped(key: Callable[[str], str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in sorted(syllables()):
        out.setdefault(key(s), []).append(s)
    return out


@cache
def _by_letters() -> dict[str, list[str]]:
    """Syllables by their letters without marks: "duoc" → ["được", "đước", ...]."""
    return _grouped(fold)


@cache
def _by_toneless() -> dict[str, list[str]]:
    """Syllables by their form without a tone: "kiêm" → ["kiêm", "kiếm", "kiềm", "kiểm", ...]."""
    return _grouped(strip_tone)


def is_known(token: str) -> bool:
    """A Vietnamese syllable (any case) or a known code, as printed."""
    return token.lower() in syllables() or token in codes()


def correct_page(page: PageText) -> PageText:
    """The page with its words and text corrected (a page Tesseract read); any other page as it is.

    The words are read in each other's context, where they are on the page: two words are neighbours
    on one line, or the end of a line and the start of the next; words apart by a column's gap (the
    agency's name and the Quốc hiệu side by side in a heading) are not. The text gets its words' corrections."""
    if page.layer != "ocr":
        return page
    if not page.words:
        return replace(page, text=correct_text(page.text))
    gaps = [_gap(a, b) for a, b in itertools.pairwise(page.words)]
    texts = correct_words([w.text for w in page.words], gaps)
    words = [w if text == w.text else replace(w, text=text) for w, text in zip(page.words, texts, strict=True)]
    out, pos = [], 0
    for old, new in zip(page.words, words, strict=True):
        found = re.compile(rf"(?<!\S){re.escape(old.text)}(?!\S)").search(page.text, pos)
        if found is None:
            continue  # not in the text as a word (it keeps what was read there)
        out += [page.text[pos : found.start()], new.text]
        pos = found.end()
    return replace(page, text="".join(out) + page.text[pos:], words=words)


def _gap(a: Word, b: Word) -> str:
    """What lies between two words that follow each other: a space, a line's end, or a column's gap."""
    height = max(a.bottom - a.top, b.bottom - b.top)
    if a.x0 > b.x0 or b.top >= (a.top + a.bottom) / 2:
        return "\n"
    return " " if b.x0 - a.x1 <= 1.5 * height else _APART


def correct_text(text: str) -> str:
    """`text`, normalized (`pipeline.text.normalize`: NFC, Ð → Đ), with its misread tokens corrected."""
    text = normalize(text)
    out, pos = [], 0
    for start, end, token in _corrections(text):
        out += [text[pos:start], token]
        pos = end
    return "".join(out) + text[pos:]


def correct_words(words: list[str], gaps: list[str] | None = None) -> list[str]:
    """Words in reading order, normalized and corrected as the text they make (each word in the others'
    context); `gaps[i]`, one character, lies between words i and i + 1 (a space unless given)."""
    words = [normalize(w) for w in words]
    gaps = gaps or [" "] * (len(words) - 1)
    joined = "".join(w + gap for w, gap in zip(words, [*gaps, ""], strict=False))
    starts = list(itertools.accumulate((len(w) + 1 for w in words[:-1]), initial=0))
    out = list(words)
    for start, end, token in reversed(_corrections(joined)):  # from the end: earlier offsets stay right
        i = bisect.bisect_right(starts, start) - 1
        at = start - starts[i]
        out[i] = out[i][:at] + token + out[i][at + end - start :]
    return out


def _corrections(text: str) -> list[tuple[int, int, str]]:
    """(start, end, corrected token) of the tokens of `text` that read otherwise, in order."""
    found = list(_TOKEN.finditer(text))
    tokens = [corrected_token(m.group(), text[m.end() : m.end() + 16]) for m in found]
    gaps = [text[m.end() : n.start()] for m, n in itertools.pairwise(found)]
    _retone(tokens, gaps)
    _restore_tones(tokens, gaps)
    return [(m.start(), m.end(), t) for m, t in zip(found, tokens, strict=True) if t != m.group()]


def _retone(tokens: list[str], gaps: list[str]) -> None:
    """Put back the tones of syllables read with another tone, where one reading makes a known word.

    `gaps[i]`: the text between tokens i and i + 1; white space only, the two may be one word. A pair that
    is no word as read becomes the one word of vi-phrases.txt its syllables make with other tones, if
    there is one; a syllable that makes a word with its other neighbour as read stays as it is."""
    words = phrase_pairs()

    def pair(i: int) -> tuple[str, str] | None:
        return (tokens[i].lower(), tokens[i + 1].lower()) if 0 <= i < len(gaps) and gaps[i].isspace() else None

    for i, gap in enumerate(gaps):
        read = pair(i)
        if read is None or read in words:
            continue
        left = _tones(tokens[i], tokens[i + 1], gap) if pair(i - 1) not in words else [read[0]]
        right = _tones(tokens[i + 1], tokens[i], gap) if pair(i + 1) not in words else [read[1]]
        options = {(x, y) for x in left for y in right if (x, y) in words}
        if len(options) == 1:
            x, y = options.pop()
            tokens[i], tokens[i + 1] = _cased(tokens[i], x), _cased(tokens[i + 1], y)


# Tone restoration's weights, in log10 units of odds like the Zipf frequencies they are added to.
_TONE_LOST = 1.7  # a tone Tesseract dropped: about 1 in 50 toned syllables with â, ê, ô, ... on real scans
_TONE_ADDED = 2.0  # a tone Tesseract added where the print has none ("chi" read "chỉ"): rarer
_IN_A_WORD = 3.0  # a syllable that makes a dictionary word with a neighbour


@cache
def frequencies() -> dict[str, float]:
    """{syllable: Zipf frequency} of vi-frequencies.txt; a syllable it lacks is rare (0)."""
    return {line[0]: float(line[1]) for line in _data_lines("vi-frequencies.txt")}


@cache
def word_pairs() -> frozenset[tuple[str, str]]:
    """Neighbouring syllables of the dictionary's words (vi-words.txt) and of vi-phrases.txt."""
    words = (pair for line in _data_lines("vi-words.txt") for pair in itertools.pairwise(line))
    return frozenset(words) | phrase_pairs()


def _restore_tones(tokens: list[str], gaps: list[str]) -> None:
    """Put back a tone Tesseract dropped, or take off a hỏi it added, where the reading so is the likelier,
    as a noisy channel: the syllable's frequency, less the odds of the misreading, plus a dictionary word
    made with a neighbour ("sự cô" → "sự cố", "chỉ phí" → "chi phí"; "vê" → "về" alone, "vê" is rare).
    A tone is only put on a toneless reading or a hỏi taken off; one tone read as another is `_retone`'s,
    on its curated phrases (a dictionary would turn "tỉnh báo cáo" into "tình báo"). A neighbour that
    makes a word with its other neighbour as read is taken ("HĐND tỉnh thông qua" is no "tinh thông").
    Twice over the tokens: a syllable put right gives its neighbour context ("chỉ tiêt" → "chi tiết")."""
    zipf, pairs = frequencies(), word_pairs()

    def pair(i: int) -> tuple[str, str] | None:
        """Tokens i and i + 1, lower case, when they lie side by side (as one word may)."""
        return (tokens[i].lower(), tokens[i + 1].lower()) if 0 <= i < len(gaps) and gaps[i].isspace() else None

    for i in itertools.chain(range(len(tokens)), range(len(tokens))):
        token = tokens[i]
        others, cost = _misreadings_of(token.lower())
        sides = [j for j in (i - 1, i + 1) if pair(min(i, j))]
        if (
            not others
            or len(token) < 2
            or any(c.isdigit() for c in token)
            or not all(_may_be_retoned(token, tokens[j], gaps[min(i, j)]) for j in sides)
        ):
            continue
        read_in_word = any(pair(min(i, j)) in pairs for j in sides)
        free = {j: tokens[j].lower() for j in sides if pair(j if j > i else j - 1) not in pairs}
        before, after = free.get(i - 1), free.get(i + 1)

        best = max(others, key=lambda s: _likelihood(s, cost, before, after))
        read = zipf.get(token.lower(), 0.0) + (_IN_A_WORD if read_in_word else 0.0)
        # capitals and a capitalised word may be a name: put right only into a word with a neighbour
        if _likelihood(best, cost, before, after) > read and (token.islower() or _makes_word(best, before, after)):
            tokens[i] = _cased(token, best)


def _makes_word(syllable: str, before: str | None, after: str | None) -> bool:
    pairs = word_pairs()
    return (before, syllable) in pairs or (syllable, after) in pairs


def _likelihood(syllable: str, misread: float, before: str | None, after: str | None) -> float:
    """log10 odds that the print had `syllable`: how common it is, less the odds against the misreading,
    plus a word made with a neighbour."""
    return frequencies().get(syllable, 0.0) - misread + (_IN_A_WORD if _makes_word(syllable, before, after) else 0.0)


def _misreadings_of(syllable: str) -> tuple[list[str], float]:
    """The syllables Tesseract may have read as `syllable` (lower case), and the odds against that
    misreading: a toneless one may have lost its tone; one with hỏi may have had none."""
    toneless = strip_tone(syllable)
    if syllable == toneless:
        return [s for s in _by_toneless().get(toneless, ()) if s != syllable], _TONE_LOST
    if _HOI in unicodedata.normalize("NFD", syllable) and toneless in syllables():
        return [toneless], _TONE_ADDED
    return [], 0.0


def _tones(token: str, partner: str, gap: str) -> list[str]:
    """What `token` may read with other marks, itself first: a syllable with another tone, no syllable
    any syllable of its letters. Only itself when it may be a name: capitalised beside a capitalised
    word, or in capitals beside capitals on another line (a heading's lines are names: "CÔNG AN
    HUYỆN CÔ TÔ" above "CỘNG HÒA ...")."""
    lower = token.lower()
    if not _may_be_retoned(token, partner, gap):
        return [lower]
    others = _by_toneless().get(strip_tone(lower), ()) if lower in syllables() else _by_letters().get(fold(lower), ())
    return [lower, *(s for s in others if s != lower)]


def _may_be_retoned(token: str, partner: str, gap: str) -> bool:
    """Not a name: lower case, capitals beside capitals of its own line, or capitalised beside a
    lower-case word (the start of a sentence)."""
    capitals = token.isupper() and partner.isupper() and "\n" not in gap
    return token.islower() or capitals or (token.istitle() and partner.islower())


def _cased(like: str, word: str) -> str:
    if like == like.lower():
        return word
    return word.upper() if like.isupper() and len(like) > 1 else word[:1].upper() + word[1:]


def corrected_token(token: str, after: str = "") -> str:
    """One token (letters, maybe digits) as it should read, given the text `after` it."""
    if any(c.isdigit() or c == "_" for c in token):
        return token
    if token.lower() in _SO_MISREAD and token[0].isupper() and _NUMBER_AFTER.match(after):
        return "SỐ" if token.isupper() else "Số"
    if is_known(token):
        return token
    candidate = token.translate(_LOOKALIKES)
    if is_known(candidate):
        return candidate
    undoubled = {u for u in _undoubled(candidate) if _undoubles_to(candidate, u)}
    if len(undoubled) == 1:
        return undoubled.pop()
    if not (candidate.islower() or candidate.isupper() or candidate.istitle()):
        return candidate  # mixed case ("cônG", "SấT") is no word to guess at
    if len(candidate) < 2 or candidate.istitle() or not _VOWEL.search(fold(candidate)):
        return candidate  # a capitalised word may be a name; capitals without a vowel are a code
    if not _misread(candidate.lower()):
        return candidate  # a syllable the lexicon lacks ("cược"), not one Tesseract misread
    nearest = _nearest_syllable(candidate.lower(), other_letters=candidate.islower() and not candidate.isascii())
    if nearest is None:
        return candidate
    return nearest.upper() if candidate.isupper() else nearest


def _misread(token: str) -> bool:
    """Is `token` (lower case, not in the lexicon) a misreading rather than a syllable the lexicon lacks?
    It is when it is no syllable by the grammar (`pipeline.text.is_syllable`), has lost its tone
    ("nguôn", "KHIEU": Tesseract drops tones, it seldom adds one), or has a tone its ending cannot take
    ("viềc": after c, ch, p, t only sắc and nặng)."""
    toneless = strip_tone(token)
    if not is_syllable(token) or toneless == token:
        return True
    tone = set(unicodedata.normalize("NFD", token)) - set(unicodedata.normalize("NFD", toneless))
    return bool(_STOP_CODA.search(token)) and not tone <= _STOP_TONES


def _undoubles_to(token: str, shorter: str) -> bool:
    """Is `shorter` what Tesseract read with a doubled letter as `token`? Capitals undouble into a known
    code ("CNTTT" → "CNTT"; "TTTU", Thường trực Tỉnh ủy, is no "TU") or, where the double is Đ, a
    syllable ("ĐĐỊNH" → "ĐỊNH"); other words into a syllable or code."""
    if token.isupper() and shorter not in codes():
        return shorter.lower() in syllables() and shorter == token.replace("ĐĐ", "Đ")
    return is_known(shorter)


def _undoubled(token: str) -> list[str]:
    """The token with each run of one consonant shortened, every way (the token itself excluded).

    Vowels are left: "VUU" may be "VỤ" as well as "VU"."""
    runs = [(letter, len(list(group))) for letter, group in itertools.groupby(token)]
    lengths = [range(1, n + 1) if not _VOWEL.match(fold(letter)) else range(n, n + 1) for letter, n in runs]
    count = 1
    for n in lengths:
        count *= len(n)
    if count > _MAX_RUN_COMBINATIONS:
        return []
    out = ["".join(letter * k for (letter, _), k in zip(runs, ks, strict=True)) for ks in itertools.product(*lengths)]
    return [u for u in out if u != token]


def _nearest_syllable(token: str, other_letters: bool) -> str | None:
    """The one syllable of the lexicon nearest to `token` (lower case, no syllable), or None.

    Marks first: a syllable of the same letters with other marks costs one per letter whose marks differ
    ("viềc" → "việc", a stop coda takes no grave); only when none has the same letters and
    `other_letters`, one letter read as another (".ưnn" → ".ưng"; none dropped or added). Of equals none
    is taken ("hoạc": hoác, hoặc; "ngưòi": người, ngươi): the context may still choose (`_retone`)."""
    marked = _by_letters().get(fold(token), [])
    if marked:
        cost = {s: sum(a != b for a, b in zip(s, token, strict=True)) for s in marked if len(s) == len(token)}
        best = min(cost.values(), default=None)
        found = [s for s, c in cost.items() if c == best]
        return found[0] if len(found) == 1 else None
    if not other_letters:
        return None
    found = process.extract(
        unicodedata.normalize("NFD", token),
        _decomposed_syllables(),
        scorer=Levenshtein.distance,
        scorer_kwargs={"weights": (2, 2, 1)},  # one letter read as another; none dropped or added
        score_cutoff=1,
        limit=None,
    )
    return unicodedata.normalize("NFC", found[0][0]) if len(found) == 1 else None
