"""Write pipeline/data/vi-frequencies.txt and vi-words.txt, the tone restoration's priors and context.

    pip install wordfreq==3.1.1 && pip install --no-deps pyvi==0.1.1   # anywhere: neither is a dependency of hoso
    python scripts/vi_frequencies.py

- vi-frequencies.txt: how common each syllable of vi-syllables.txt is in Vietnamese text, as wordfreq's
  Zipf value (log10 of uses per billion words; wordfreq splits Vietnamese into syllables), one
  "syllable zipf" a line; syllables wordfreq never saw are left out.
- vi-words.txt: the words of two syllables and more of pyvi's dictionary (pyvi/models/words.txt) whose
  syllables are all in vi-syllables.txt, in lower case, normalized as the pipeline's text is.
Run it again after vi-syllables.txt changes.
"""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.stages.correct import syllables as lexicon  # noqa: E402
from pipeline.text import normalize  # noqa: E402

DATA = REPO / "pipeline" / "data"

FREQUENCIES_HEADER = """\
# How common each Vietnamese syllable is: the prior of OCR tone restoration (pipeline/stages/correct.py).
# Derived by scripts/vi_frequencies.py from wordfreq {version} by Robyn Speer (its "vi" list, built from
# Wikipedia, OpenSubtitles, web text and others; wordfreq's data is CC BY-SA 4.0, so is this file):
# "syllable zipf", zipf = log10 of uses per billion words, for the syllables of vi-syllables.txt it has.
"""

WORDS_HEADER = """\
# Vietnamese words of two syllables and more: the context of OCR tone restoration (pipeline/stages/correct.py).
# Derived by scripts/vi_frequencies.py from pyvi {version}'s dictionary (pyvi/models/words.txt, by
# Viet-Trung Tran, MIT licence): its words whose syllables are all in vi-syllables.txt, lower case, NFC,
# classic tone placement.
"""


def frequencies(syllables: frozenset[str]) -> list[str]:
    from wordfreq import zipf_frequency

    found = ((s, zipf_frequency(s, "vi", wordlist="best")) for s in sorted(syllables))
    return [f"{s} {zipf:.2f}" for s, zipf in found if zipf > 0]


def dictionary_words(syllables: frozenset[str]) -> list[str]:
    text = files("pyvi").joinpath("models/words.txt").read_text(encoding="utf-8")
    found = {normalize(line.strip().lower()) for line in text.splitlines()}
    return sorted(w for w in found if len(w.split()) > 1 and all(s in syllables for s in w.split()))


def main() -> None:
    from importlib.metadata import version

    syllables = lexicon()
    header = FREQUENCIES_HEADER.format(version=version("wordfreq"))
    (DATA / "vi-frequencies.txt").write_text(header + "\n".join(frequencies(syllables)) + "\n", encoding="utf-8")
    header = WORDS_HEADER.format(version=version("pyvi"))
    (DATA / "vi-words.txt").write_text(header + "\n".join(dictionary_words(syllables)) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
