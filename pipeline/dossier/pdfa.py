"""One conversion of an assembled dossier to PDF/A-2b, and the validators.

The fast route: the dossier is built from OCRmyPDF's plain-PDF output (fonts
embedded, images untouched) and our own front matter and stamps, which are
already nearly PDF/A; `pikepdf.pdfa.save` adds the sRGB output intent and the
XMP declaration, writes, re-reads and validates the bytes, and keeps them only
if they pass. When a page brings something it cannot vouch for (e.g. a
born-digital PDF kept as it came, with fonts not embedded), Ghostscript
converts the whole dossier once, and the result is declared and validated
the same way.

veraPDF, the reference validator, is used when this machine has it
(`scripts/verapdf.sh` fetches it from Maven Central): the tests call it.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from pikepdf.pdfa import PdfaError
from pikepdf.pdfa import save as pdfa_save

log = logging.getLogger("hoso.pdfa")

FLAVOUR = "2b"
REPO = Path(__file__).resolve().parents[1]


@dataclass
class PdfaResult:
    flavour: str
    method: str  # pikepdf | ghostscript
    validated: bool  # pikepdf's validator passed the bytes written
    findings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        data = {"flavour": self.flavour, "method": self.method, "validated": self.validated}
        if self.findings:
            data["findings"] = self.findings
        return data


class PdfaConversionError(Exception):
    """Neither route produced a PDF/A file."""


def save_pdfa(
    pdf: pikepdf.Pdf,
    path: Path,
    *,
    redecorate: Callable[[pikepdf.Pdf], None],
    tmp_dir: Path | None = None,
) -> PdfaResult:
    """Write `pdf` to `path` as validated PDF/A-2b (atomically).

    `redecorate` puts the outline, page labels and metadata back on a PDF that
    Ghostscript rewrote; the fast route never calls it.
    """
    try:
        pdfa_save(pdf, path, FLAVOUR, output_intent="sRGB")
        return PdfaResult(FLAVOUR, "pikepdf", True)
    except PdfaError as exc:
        first = _findings(exc)
        log.info(
            "pikepdf could not make PDF/A of %s (%s); converting with Ghostscript", path.name, "; ".join(first[:3])
        )
    tmp_dir = tmp_dir or path.parent
    tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pdfa-", dir=tmp_dir) as tmp:
        plain, converted = Path(tmp) / "plain.pdf", Path(tmp) / "gs.pdf"
        pdf.save(plain)
        ghostscript_pdfa(plain, converted, Path(tmp))
        # Ghostscript's font subsets make fontTools (in pikepdf's validator) grumble about table sizes.
        logging.getLogger("fontTools").setLevel(logging.ERROR)
        with pikepdf.open(converted) as gs_pdf:
            redecorate(gs_pdf)
            try:
                pdfa_save(gs_pdf, path, FLAVOUR, output_intent="sRGB")
                return PdfaResult(FLAVOUR, "ghostscript", True)
            except PdfaError as exc:
                findings = _findings(exc)
                if exc.report.verdict == "fail":
                    raise PdfaConversionError(
                        f"{path.name} is not PDF/A after Ghostscript: {'; '.join(findings[:5])}"
                    ) from None
                # 'not_checked': Ghostscript declared PDF/A and nothing is known to be wrong, but pikepdf's
                # validator cannot check every construct. Keep the file and say so in the manifest.
                partial = path.with_name(path.name + ".part")
                gs_pdf.save(partial, preserve_pdfa=True)
                os.replace(partial, path)
                return PdfaResult(FLAVOUR, "ghostscript", False, findings)


def _findings(exc: PdfaError) -> list[str]:
    report = exc.report
    items = list(getattr(report, "violations", [])) + list(getattr(report, "unsupported", []))
    return [str(getattr(item, "message", item)) for item in items] or [str(exc)]


def ghostscript_pdfa(source: Path, target: Path, tmp: Path) -> None:
    """Ghostscript's PDF/A-2 conversion (fonts embedded, colours to sRGB, JPEGs passed through)."""
    from ocrmypdf.pdfa import generate_pdfa_ps

    gs = shutil.which("gs")
    if gs is None:
        raise PdfaConversionError("Ghostscript (gs) is not installed; it is needed to make this dossier PDF/A")
    stub = generate_pdfa_ps(tmp / "pdfa_def.ps")
    args = [
        gs,
        "-dBATCH",
        "-dNOPAUSE",
        "-dSAFER",
        "-dQUIET",
        "-dCompatibilityLevel=1.7",
        "-sDEVICE=pdfwrite",
        "-dAutoRotatePages=/None",
        "-sColorConversionStrategy=RGB",
        "-dPassThroughJPEGImages=true",
        "-dPassThroughJPXImages=true",
        "-dNONATIVEFONTMAP",
        "-dPDFA=2",
        "-dPDFACompatibilityPolicy=1",
        "-o",
        str(target),
        str(stub),
        str(source),
    ]
    done = subprocess.run(args, capture_output=True, text=True, errors="replace")
    if done.returncode != 0 or not target.exists():
        raise PdfaConversionError(f"Ghostscript PDF/A conversion failed: {done.stderr.strip()[-500:]}")


# ---- validation -------------------------------------------------------------------------


def structural_check(path: Path) -> list[str]:
    """What a PDF/A-2b file must show at a glance; [] when it does.

    XMP pdfaid part 2 conformance B, an sRGB-like output intent with an ICC
    profile, every font embedded, no encryption, no JavaScript.
    """
    problems: list[str] = []
    with pikepdf.open(path) as pdf:
        if pdf.is_encrypted:
            problems.append("encrypted")
        meta = pdf.open_metadata()
        if meta.get("pdfaid:part") != "2" or str(meta.get("pdfaid:conformance", "")).upper() != "B":
            problems.append(
                f"XMP claims pdfaid part={meta.get('pdfaid:part')} conformance={meta.get('pdfaid:conformance')}"
            )
        intents = pdf.Root.get("/OutputIntents")
        if not intents or not any("/DestOutputProfile" in oi for oi in intents):
            problems.append("no output intent with an ICC profile")
        if "/JavaScript" in pdf.Root.get("/Names", {}) or "/OpenAction" in pdf.Root:
            problems.append("JavaScript or an open action")
        for name, font in _fonts(pdf):
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font.DescendantFonts[0].get("/FontDescriptor")
            if font.get("/Subtype") == "/Type3":
                continue
            if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(f"font {name} is not embedded")
    return problems


def _fonts(pdf: pikepdf.Pdf):
    seen: set = set()

    def walk(resources, depth=0):
        if resources is None or depth > 8:
            return
        for name, font in (resources.get("/Font") or {}).items():
            key = font.objgen
            if key not in seen or key == (0, 0):
                seen.add(key)
                yield str(font.get("/BaseFont", name)), font
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                yield from walk(xobject.get("/Resources"), depth + 1)

    for page in pdf.pages:
        yield from walk(page.obj.get("/Resources"))


def verapdf_command() -> list[str] | None:
    """How to run veraPDF here: $HOSO_VERAPDF, a `verapdf` on PATH, or the copy scripts/verapdf.sh fetched."""
    explicit = os.environ.get("HOSO_VERAPDF")
    if explicit:
        return explicit.split()
    if shutil.which("verapdf"):
        return ["verapdf"]
    lib = Path(os.environ.get("HOSO_VERAPDF_HOME", Path.home() / ".cache" / "hoso" / "verapdf")) / "lib"
    if shutil.which("java") and any(lib.glob("greenfield-apps-*.jar")):
        return ["java", "-cp", f"{lib}/*", "org.verapdf.apps.GreenfieldCliWrapper"]
    return None


def verapdf(*paths: Path) -> tuple[bool, str] | None:
    """(every file compliant?, veraPDF's report) for PDF/A-2b, or None when veraPDF is not on this machine."""
    command = verapdf_command()
    if command is None or not paths:
        return None
    done = subprocess.run(
        [*command, "--flavour", FLAVOUR, "--format", "text", "-v", *map(str, paths)],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=600,
    )
    report = (done.stdout + done.stderr).strip()
    verdicts = [line.split()[0] for line in done.stdout.splitlines() if line.startswith(("PASS ", "FAIL "))]
    return len(verdicts) == len(paths) and all(v == "PASS" for v in verdicts), report
