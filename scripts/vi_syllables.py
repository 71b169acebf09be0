"""Write pipeline/data/vi-syllables.txt, the OCR post-correction's syllable lexicon, from Debian's hunspell-vi.

    python scripts/vi_syllables.py [/usr/share/hunspell/vi_VN.dic]

hunspell-vi's word list is a list of Vietnamese syllables (one a line, no affixes). Kept: the entries, in
lower case, that are syllables by `pipeline.text.is_syllable`'s grammar ("Nguyễn", "Nẵng" are among its
capitalised ones), normalized as the pipeline's text is (NFC, classic tone placement), sorted. Its
capitalised codes (UBND, HĐND, TCVN, ...) are no syllables: the correction's known codes are in
pipeline/data/vi-codes.txt.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.text import is_syllable, normalize  # noqa: E402

HEADER = """\
# Vietnamese syllables: the lexicon of OCR post-correction (pipeline/stages/correct.py).
# Derived by scripts/vi_syllables.py from Debian's hunspell-vi {version} (/usr/share/hunspell/vi_VN.dic),
# the LibreOffice Vietnamese dictionary by Ivan Garcia and Nguyễn Xuân Minh, GPL-2 (Debian copyright file):
# its entries, in lower case, that are syllables by pipeline.text.is_syllable, NFC, classic tone placement.
"""


def syllables(dic: Path) -> list[str]:
    entries = dic.read_text(encoding="utf-8").splitlines()[1:]  # the first line is the entry count
    kept = {normalize(e.strip().lower()) for e in entries if e.strip()}
    return sorted(s for s in kept if is_syllable(s))


def main() -> None:
    dic = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/hunspell/vi_VN.dic")
    version = "(version unknown)"
    status = Path("/var/lib/dpkg/status")
    if status.exists():
        block = status.read_text(encoding="utf-8").split("Package: hunspell-vi\n", 1)
        if len(block) == 2:
            version = next(line.split(": ", 1)[1] for line in block[1].splitlines() if line.startswith("Version:"))
    out = REPO / "pipeline" / "data" / "vi-syllables.txt"
    kept = syllables(dic)
    out.write_text(HEADER.format(version=version) + "\n".join(kept) + "\n", encoding="utf-8")
    print(f"{out}: {len(kept)} syllables")


if __name__ == "__main__":
    main()
