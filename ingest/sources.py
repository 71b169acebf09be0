"""Find the batches under the paths a clerk names, and the case each belongs to.

A batch is one scan as it arrived: a PDF, a (multi-page) TIFF, a single image,
or loose pages `<stem>_pNNN.jpg|png` of one folder taken together in page order.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.hashing import HashedFile, hash_file

LOOSE_PAGE = re.compile(r"^(?P<stem>.+)_p(?P<n>\d{1,4})\.(?:jpe?g|png)$", re.IGNORECASE)

# Scanner and OS droppings that are never scans.
IGNORED = re.compile(r"^(~\$.*|\..*|.*\.part|.*\.tmp|.*\.crdownload|Thumbs\.db|desktop\.ini)$", re.IGNORECASE)

_MAGIC = (
    (b"%PDF", "pdf"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\xff\xd8\xff", "image"),
    (b"\x89PNG\r\n\x1a\n", "image"),
)


@dataclass
class Batch:
    files: list[HashedFile]  # in page order, each hashed once on arrival
    kind: str  # pdf | tiff | images | unsupported | empty
    case_id: str | None
    folder: str | None  # a case-like folder name that did not match the case-id pattern
    purpose: str = "case"  # or "petition": a petition or crime report, never filed under a case (issue 14)

    @property
    def paths(self) -> list[Path]:
        return [f.path for f in self.files]

    @property
    def path(self) -> Path:
        return self.files[0].path

    @property
    def sha256(self) -> str:
        """Content id: the file's sha256, or of the page files' sha256s in order."""
        return batch_sha256([f.sha256 for f in self.files])

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


def sniff(path: Path) -> str:
    """File kind from its first bytes, not its name."""
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if not head:
        return "empty"
    if b"%PDF" in head:  # some scanners put junk before the header
        return "pdf"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return "unsupported"


def batch_sha256(file_hashes: list[str]) -> str:
    if len(file_hashes) == 1:
        return file_hashes[0]
    return hashlib.sha256("\n".join(file_hashes).encode()).hexdigest()


def case_for(path: Path, root: Path, pattern: re.Pattern[str]) -> tuple[str | None, str | None]:
    """(case id, unmatched folder) from `<root>/<CASE-ID>/...` or a root that is itself a case folder."""
    root = root.resolve()
    folders = [root, *[root / part for part in path.resolve().parent.relative_to(root).parts]]
    names = [f.name for f in folders]
    for name in reversed(names):
        if pattern.match(name):
            return name, None
    # The clerk's case folder is the first level under the named root.
    first_level = names[1] if len(names) > 1 else None
    return None, first_level


def discover(paths: list[Path], case_id: str | None, case_pattern: str, purpose: str = "case") -> list[Batch]:
    """Every batch under `paths` (files or folders, recursively), in a stable order. Petitions
    (`purpose` "petition") take no case from their folders."""
    pattern = re.compile(case_pattern)
    found: list[tuple[Path, Path]] = []  # (file, root it was found under)
    for root in paths:
        root = Path(root).resolve()
        if root.is_file():
            found.append((root, root.parent))
            continue
        for file in sorted(root.rglob("*")):
            if file.is_file() and not any(IGNORED.match(part) for part in file.relative_to(root).parts):
                found.append((file, root))
    return group_batches(found, case_id, pattern, purpose)


def group_batches(
    found: list[tuple[Path, Path]], case_id: str | None, pattern: re.Pattern[str], purpose: str = "case"
) -> list[Batch]:
    loose: dict[tuple[Path, str], list[tuple[int, Path, Path]]] = {}
    singles: list[tuple[Path, Path]] = []
    for file, root in found:
        m = LOOSE_PAGE.match(file.name)
        if m:
            loose.setdefault((file.parent, m["stem"]), []).append((int(m["n"]), file, root))
        else:
            singles.append((file, root))
    groups = [[(f, r)] for f, r in singles]
    groups += [[(f, r) for _, f, r in sorted(pages)] for pages in loose.values()]
    batches = [make_batch([f for f, _ in g], g[0][1], case_id, pattern, purpose) for g in groups]
    return sorted(batches, key=lambda b: str(b.path))


def make_batch(
    files: list[Path], root: Path, case_id: str | None, pattern: re.Pattern[str], purpose: str = "case"
) -> Batch:
    kinds = {sniff(f) for f in files}
    if len(files) > 1:
        kind = "images" if kinds == {"image"} else ("empty" if "empty" in kinds else "unsupported")
    else:
        kind = {"image": "images"}.get(next(iter(kinds)), next(iter(kinds)))
    folder = None
    if purpose == "petition":
        case_id = None
    elif case_id is None:
        case_id, folder = case_for(files[0], root, pattern)
    return Batch(files=[hash_file(f) for f in files], kind=kind, case_id=case_id, folder=folder, purpose=purpose)
