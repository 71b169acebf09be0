"""Typed values passed between the pipeline stages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Word:
    """One OCR word with its box in PDF points (origin top-left, like pdfplumber).

    Slotted: a batch holds one per word read, hundreds per page."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    conf: float | None = None  # Tesseract's own word confidence 0..100; None for a kept text layer


@dataclass(frozen=True)
class ESignature:
    """An e-signature on a page (a signed PDF's /Sig field or its stamp text): facts, never the doc date."""

    signer: str | None  # "Ủy ban nhân dân tỉnh Quảng Ngãi", as the signature names it
    signed_at: str | None  # ISO 8601 local time as stated, e.g. "2024-03-18T08:41:42"


@dataclass(frozen=True)
class Stamp:
    """A stamp read on its own from a page region: an incoming-register stamp or a MẬT/TỐI MẬT box."""

    kind: str  # received | classification | esignature (only its box: nothing is drawn over it)
    text: str  # as read, one line per row
    number: str | None = None  # received: the register number ("ĐẾN Số: 1945" → "1945"), only when read cleanly
    date: str | None = None  # received: ISO date, only when read cleanly
    mark: str | None = None  # classification: "MẬT" | "TỐI MẬT" | "TUYỆT MẬT"
    box: tuple[float, float, float, float] | None = None  # x0, top, x1, bottom in PDF points


@dataclass(frozen=True)
class PenReading:
    """A header's blank filled in by hand ("Số: 05/CT-UBND", "ngày 15 tháng 3"), read from the page
    image where its OCR words are not sure of it (`pipeline.stages.pen`)."""

    field: str  # number (the digits before the symbol) | day
    value: str  # digits
    box: tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points


@dataclass
class PageText:
    """A page of a batch after OCR: normalized NFC text and word boxes."""

    number: int  # 1-based, within the batch
    text: str
    width: float = 595.0
    height: float = 842.0
    words: list[Word] = field(default_factory=list)
    confidence: float | None = None  # mean Tesseract word confidence 0..100, None if not OCRed
    rotation: int = 0  # degrees the page was turned to read upright
    blank: bool = False
    barcodes: list[str] = field(default_factory=list)  # decoded QR/barcodes (separator sheets)
    layer: str = "ocr"  # ocr (Tesseract read it) | kept (a text layer that covers the page) | none (blank, separator)
    esignatures: list[ESignature] = field(default_factory=list)
    stamps: list[Stamp] = field(default_factory=list)
    pen: list[PenReading] = field(default_factory=list)  # the header's pen-filled blanks, read from the image


@dataclass(frozen=True)
class PageRef:
    """A page of a batch, by the batch's content id (sha256) and page number."""

    batch_id: str
    number: int


@dataclass
class Segment:
    """Consecutive pages of one batch that form (part of) one document."""

    pages: list[int]
    case_id: str | None = None  # set by a HOSO:CASE=<id> separator sheet before it
    continues_previous: bool = False  # the first page continues the case's previous document


@dataclass
class Person:
    name: str
    role: str  # bi_can | bi_cao | nguoi_bi_hai | nguoi_lam_don | ...


@dataclass
class Classification:
    doc_type: str  # a taxonomy key; "khac" when unsure
    confidence: float  # 0..1
    title: str | None = None
    subtitle: str | None = None


@dataclass
class Metadata:
    number: str | None = None  # whole số/ký hiệu, e.g. 155/QĐ-CSĐT, only when all of it was read
    symbol: str | None = None  # the ký hiệu part, e.g. QĐ-CSĐT, whenever it was read (printed, not handwritten)
    date: str | None = None  # ISO date, only when day, month and year were all read
    month: str | None = None  # "YYYY-MM" of the date line whenever the printed month and year were read
    issuer: str | None = None
    persons: list[Person] = field(default_factory=list)
    crime: str | None = None
    article: int | None = None
    received: dict | None = None  # {"number", "date"} of the incoming-register stamp; never the document's own
    classification_mark: str | None = None  # "MẬT" | "TỐI MẬT" | "TUYỆT MẬT" as printed or stamped under the number
    esignatures: list[ESignature] = field(default_factory=list)
    review: list[str] = field(default_factory=list)  # fields left empty for a person to check


@dataclass
class DocumentDraft:
    """A document found in a batch, before it is stored in the catalog."""

    pages: list[PageRef]
    classification: Classification
    metadata: Metadata
    case_id: str | None = None
    continues_previous: bool = False


@dataclass
class OcrJob:
    """Everything a worker needs to OCR one batch; picklable, so any process can take it."""

    batch_id: str
    kind: str  # pdf | tiff | images
    sources: list[Path]  # archived originals, in page order
    output_pdf: Path
    languages: str
    max_pixels: int
    tmp_dir: Path
    # A page-range job (pipeline.stages.ranges): the batch's pages first..last its PDF holds.
    pages: tuple[int, int] | None = None


@dataclass
class OcrResult:
    batch_id: str
    pdf: Path
    pages: Sequence[PageText]  # a list; a long batch's merged ranges wait in files (stages.ranges.PagesAside)
    signed: bool = False
    ocr_pages: list[int] = field(default_factory=list)  # pages Tesseract read (others kept their text layer)
