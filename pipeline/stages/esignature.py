"""E-signatures of a PDF, read before its form is flattened: facts about the file, never its text.

Vietnamese e-office systems sign a scan with one or more signature fields whose widgets draw a
stamp over the page ("Ký bởi: Ủy ban nhân dân tỉnh … Thời gian ký: 18/03/2024 08:41:42",
"TRUNG TÂM CÔNG BÁO VÀ TIN HỌC … 18.03.2024 09:29:39 +07:00"). Born-digital files may also
carry signed fields that draw the document's own number and day ("11", "08") or a picture of
the hand signature. Each signed field gives an `ESignature` (signer, signing time); only the
widgets that draw such a stamp's text are *stamps*: the words inside them are the signature's,
not the document's, and are kept out of the page text (the stamp stays visible on the page).
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pikepdf

from ..models import ESignature

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in the page's default user space (PDF points)

# The text of an e-signature stamp: who signed, when, from which mailbox.
_STAMP_TEXT = re.compile(
    r"(?i)k[ýy]\s*b[ởo]i|ng[ưu][ờo]i\s*k[ýy]|th[ờo]i\s*gian\s*k[ýy]|c[ơo]\s*quan\s*:|email\s*:|@"
    r"|\b\d{1,2}[./-]\d{1,2}[./-]\d{4}\s+\d{1,2}:\d{2}"
)
_SIGNER = re.compile(
    r"(?is)(?:k[ýy]\s*b[ởo]i|ng[ưu][ờo]i\s*k[ýy])\s*:?\s*(.+?)\s*(?=c[ơo]\s*quan\s*:|email\s*:|th[ờo]i\s*gian|\S+@|$)"
)
_WHEN = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?")
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?")


@dataclass(frozen=True)
class SignatureWidget:
    """A signature field's widget on a page: where it is, what it draws, what it says."""

    page: int  # 1-based
    rect: Box  # default user space, as /Rect gives it
    text: str  # the text its appearance draws (NFC), "" for a picture only
    signature: ESignature | None  # None for an unsigned field

    @property
    def stamp(self) -> bool:
        """The widget draws an e-signature stamp: its words are not the document's."""
        return bool(_STAMP_TEXT.search(self.text))


def read_signatures(pdf_path: Path) -> dict[int, list[SignatureWidget]]:
    """Every signature widget of the PDF, by page number. Read it before `flatten_forms`."""
    found: dict[int, list[SignatureWidget]] = {}
    with pikepdf.open(pdf_path) as pdf:
        widgets: list[tuple[int, pikepdf.Dictionary, pikepdf.Dictionary, pikepdf.Page]] = []
        for number, page in enumerate(pdf.pages, 1):
            for annot in page.obj.get("/Annots", None) or []:
                if not isinstance(annot, pikepdf.Dictionary) or annot.get("/Subtype") != "/Widget":
                    continue
                field = _field_of(annot)
                if field is not None:
                    widgets.append((number, annot, field, page))
        if not widgets:
            return found
        texts = _appearance_texts([(annot, page) for _, annot, _, page in widgets])
        for (number, annot, field, _), text in zip(widgets, texts, strict=True):
            rect = _rect(annot)
            if rect is None:
                continue
            found.setdefault(number, []).append(
                SignatureWidget(page=number, rect=rect, text=text, signature=_signature(field, text))
            )
    return found


# What only a signing stamp says: its labels, or a signing time to the second (a schedule's
# "15/5/2025 08:00" has no seconds).
_SIGNING = re.compile(
    r"(?i)k[ýy]\s*b[ởo]i\s*:|ng[ưu][ờo]i\s*k[ýy]\s*:|th[ờo]i\s*gian\s*k[ýy]"
    r"|\b\d{1,2}[./-]\d{1,2}[./-]\d{4}\s+\d{1,2}:\d{2}:\d{2}"
)


def is_signing_text(text: str) -> bool:
    """The text says what only a signing stamp says ("Ký bởi:", "Thời gian ký", a signing time)."""
    return bool(_SIGNING.search(text))


def stamp_in_text(page: int, rect: Box, text: str) -> SignatureWidget | None:
    """An e-signature stamp drawn as plain page text (its form flattened before hoso saw the
    file), from a block of the page's words; None when the block is not one."""
    if not is_signing_text(text):
        return None
    signer, signed_at = signer_from_text(text), signed_at_from_text(text)
    signature = ESignature(signer=signer, signed_at=signed_at) if signer or signed_at else None
    return SignatureWidget(page=page, rect=rect, text=text, signature=signature)


def esignatures(widgets: list[SignatureWidget]) -> list[ESignature]:
    """The signatures of a page's widgets, each once, in widget order."""
    seen: list[ESignature] = []
    for widget in widgets:
        if widget.signature is not None and widget.signature not in seen:
            seen.append(widget.signature)
    return seen


def parse_pdf_date(value: str | None) -> str | None:
    """ "D:20240318084142+07'00'" → "2024-03-18T08:41:42" (local time as stated)."""
    match = _PDF_DATE.match(value or "")
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) if g else None for g in match.groups())
    month, day = month or 1, day or 1
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}T{hour or 0:02d}:{minute or 0:02d}:{second or 0:02d}"


def signer_from_text(text: str) -> str | None:
    """The name after "Ký bởi:" / "Người ký:" in a stamp's text, lines joined."""
    match = _SIGNER.search(" ".join(text.split()))
    name = match[1].strip(" :,.") if match else ""
    return name or None


def signed_at_from_text(text: str) -> str | None:
    """The stamp's signing time ("18/03/2024 08:41:42", "18.03.2024 09:29:39") as ISO."""
    match = _WHEN.search(text)
    if not match:
        return None
    day, month, year, hour, minute = (int(g) for g in match.groups()[:5])
    second = int(match[6] or 0)
    if not (1 <= day <= 31 and 1 <= month <= 12 and hour < 24 and minute < 60 and second < 60):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"


def _field_of(annot: pikepdf.Dictionary) -> pikepdf.Dictionary | None:
    """The signature field a widget belongs to (the widget itself when merged), else None."""
    node: pikepdf.Object | None = annot
    for _ in range(16):  # a field's /Parent chain is short; never loop on a broken one
        if not isinstance(node, pikepdf.Dictionary):
            return None
        if "/FT" in node:
            return node if node.get("/FT") == "/Sig" else None
        node = node.get("/Parent")
    return None


def _rect(annot: pikepdf.Dictionary) -> Box | None:
    try:
        x0, y0, x1, y1 = (float(v) for v in annot.get("/Rect"))
    except (TypeError, ValueError):
        return None
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _signature(field: pikepdf.Dictionary, text: str) -> ESignature | None:
    value = field.get("/V")
    if not isinstance(value, pikepdf.Dictionary):
        return None  # an empty signature field: nobody signed
    signer = _pdf_text(value.get("/Name")) or _certificate_name(value.get("/Contents")) or signer_from_text(text)
    signed_at = parse_pdf_date(_pdf_text(value.get("/M"))) or signed_at_from_text(text)
    if not signer and not signed_at:
        return None
    return ESignature(signer=signer, signed_at=signed_at)


def _pdf_text(value: pikepdf.Object | None) -> str | None:
    if value is None:
        return None
    try:
        text = str(value)
    except Exception:  # an undecodable string is no name
        return None
    text = unicodedata.normalize("NFC", text).strip()
    return text or None


def _certificate_name(contents: pikepdf.Object | None) -> str | None:
    """The common name of the signer's certificate in a PKCS#7 /Contents, if it can be read."""
    if contents is None:
        return None
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import pkcs7
        from cryptography.x509.oid import NameOID

        data = bytes(contents)
        certificates = pkcs7.load_der_pkcs7_certificates(data[: _der_length(data)])
    except Exception:  # not PKCS#7, or a format cryptography cannot read: the stamp text may name the signer
        return None
    names = []
    for certificate in certificates:
        try:
            if certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
                continue  # an issuing authority, not the signer
        except x509.ExtensionNotFound:
            pass
        try:
            usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            if x509.oid.ExtendedKeyUsageOID.TIME_STAMPING in usages:
                continue
        except x509.ExtensionNotFound:
            pass
        common = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if common:
            names.append(unicodedata.normalize("NFC", str(common[0].value)).strip())
    return names[0] if len(names) == 1 and names[0] else None


def _der_length(data: bytes) -> int:
    """Length of the DER value at the start of `data` (signature /Contents is zero-padded)."""
    if len(data) < 2:
        return len(data)
    if data[1] < 0x80:
        return 2 + data[1]
    count = data[1] & 0x7F
    return 2 + count + int.from_bytes(data[2 : 2 + count], "big")


def _appearance_texts(widgets: list[tuple[pikepdf.Dictionary, pikepdf.Page]]) -> list[str]:
    """What each widget's normal appearance draws as text, read alone on a blank page."""
    scratch = pikepdf.new()
    for annot, page in widgets:
        box = [float(v) for v in page.mediabox]
        scratch.add_blank_page(page_size=(box[2] - box[0], box[3] - box[1]))
        blank = scratch.pages[-1]
        blank.obj.MediaBox = pikepdf.Array(box)
        appearance = annot.get("/AP")
        normal = appearance.get("/N") if isinstance(appearance, pikepdf.Dictionary) else None
        if isinstance(normal, pikepdf.Dictionary) and not isinstance(normal, pikepdf.Stream):
            state = annot.get("/AS")
            normal = normal.get(state) if state is not None else None
        rect = _rect(annot)
        if not isinstance(normal, pikepdf.Stream) or rect is None:
            continue
        widget = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            F=4,
            Rect=pikepdf.Array(list(rect)),
            AP=pikepdf.Dictionary(N=scratch.copy_foreign(normal)),
        )
        blank.obj.Annots = scratch.make_indirect(pikepdf.Array([scratch.make_indirect(widget)]))
    try:
        scratch.flatten_annotations(mode="all")
        buffer = io.BytesIO()
        scratch.save(buffer)
        with pdfplumber.open(buffer) as pdf:
            return [unicodedata.normalize("NFC", page.extract_text() or "").strip() for page in pdf.pages]
    except Exception:  # an appearance that cannot be drawn says nothing; the field's /V still counts
        return [""] * len(widgets)
