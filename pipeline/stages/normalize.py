"""First stage: check a batch's files and turn them into one PDF for OCR.

Images (multi-page TIFF, JPEG, PNG, loose pages) go through img2pdf, which
embeds JPEG and CCITT G4 data without re-encoding; a phone photo of a sheet is first cut to
the sheet and straightened (`pipeline.stages.sheet`), and no page is larger than paper.
Anything unreadable raises `BadInput` with a reason in plain words; the caller quarantines
the batch.
"""

from __future__ import annotations

import io
from pathlib import Path

import img2pdf
import pikepdf
from PIL import Image, ImageSequence, UnidentifiedImageError

from .sheet import is_photo, page_size_pt, sheet_page


class BadInput(Exception):
    """The batch cannot be processed; the message says why, for a clerk."""


def check_pdf(path: Path) -> tuple[int, bool]:
    """(page count, digitally signed?) of a readable, unencrypted PDF."""
    try:
        with pikepdf.open(path) as pdf:
            pages = len(pdf.pages)
            signed = _is_signed(pdf)
    except pikepdf.PasswordError:
        raise BadInput("the PDF is encrypted with a password; ask the sender for an unprotected copy") from None
    except pikepdf.PdfError as exc:
        raise BadInput(f"the PDF is damaged and cannot be read ({_first_line(exc)})") from None
    if pages == 0:
        raise BadInput("the PDF has no pages")
    return pages, signed


def flatten_forms(path: Path) -> None:
    """Draw form fields and signature widgets into the page and drop the form, in place.

    Only the working copy is changed (the signed original stays in the archive): a dossier
    page is an image of paper, and PDF/A-2b has no room for a broken signature field.
    """
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        if "/AcroForm" not in pdf.Root and not any("/Annots" in page.obj for page in pdf.pages):
            return
        pdf.flatten_annotations(mode="all")
        if "/AcroForm" in pdf.Root:
            del pdf.Root["/AcroForm"]
        pdf.save(path)


def _is_signed(pdf: pikepdf.Pdf) -> bool:
    acroform = pdf.Root.get("/AcroForm")
    if acroform is None:
        return False
    if int(acroform.get("/SigFlags", 0)) & 1:
        return True
    return any(field.get("/FT") == "/Sig" for field in acroform.get("/Fields", []))


def images_to_pdf(sources: list[Path], output: Path, max_pixels: int) -> int:
    """One PDF page per image frame, in order. Returns the page count."""
    images: list[bytes] = []
    pages = 0
    for source in sources:
        data, frames = _image_data(source, max_pixels)
        images.extend(data)
        pages += frames
    try:
        output.write_bytes(img2pdf.convert(images, rotation=img2pdf.Rotation.ifvalid, layout_fun=_page_layout))
    except Exception as exc:  # img2pdf raises many exception types for odd images
        raise BadInput(f"the image could not be converted to PDF ({_first_line(exc)})") from None
    return pages


def _page_layout(width_px: int, height_px: int, dpi: tuple[float, float]) -> tuple[float, float, float, float]:
    """img2pdf's layout: the image fills its page, of the size `page_size_pt` gives it."""
    width, height = page_size_pt(width_px, height_px, dpi)
    return width, height, width, height


def _image_data(source: Path, max_pixels: int) -> tuple[list[bytes], int]:
    """(image bytes for img2pdf, frame count).

    A scan's JPEG and TIFF (incl. G4) go as they are; a photo of a sheet becomes the sheet
    (`pipeline.stages.sheet`); other images are re-encoded.
    """
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with Image.open(source) as image:
            if image.width * image.height > max_pixels:
                raise BadInput(f"the image is {image.width}×{image.height} pixels, over the limit of {max_pixels:,}")
            n_frames, mode = getattr(image, "n_frames", 1), image.mode
            sheets = [
                sheet_page(frame, f"{source.name} frame {index}") if is_photo(frame) else None
                for index, frame in enumerate(ImageSequence.Iterator(image), 1)
            ]
            if not any(sheets) and image.format in ("JPEG", "TIFF") and mode not in ("RGBA", "LA", "P", "PA"):
                return [source.read_bytes()], n_frames
            frames = [
                sheet or _plain_frame(frame) for sheet, frame in zip(sheets, ImageSequence.Iterator(image), strict=True)
            ]
            return frames, len(frames)
    except Image.DecompressionBombError:
        raise BadInput(f"the image has more pixels than the limit of {max_pixels:,}") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise BadInput(f"the image is damaged or not a supported format ({_first_line(exc)})") from None


def _plain_frame(frame: Image.Image) -> bytes:
    """PNG bytes without alpha (flattened on white paper), which img2pdf accepts."""
    if frame.mode in ("RGBA", "LA", "P", "PA"):
        rgba = frame.convert("RGBA")
        paper = Image.new("RGB", rgba.size, "white")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        frame = paper
    elif frame.mode not in ("1", "L", "RGB"):
        frame = frame.convert("RGB")
    buffer = io.BytesIO()
    dpi = frame.info.get("dpi")
    frame.save(buffer, format="PNG", **({"dpi": dpi} if dpi else {}))
    return buffer.getvalue()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def count_pages(kind: str, sources: list[Path]) -> int:
    """Quick page count for progress reporting; 0 when the file cannot be read."""
    try:
        if kind == "pdf":
            with pikepdf.open(sources[0]) as pdf:
                return len(pdf.pages)
        if kind == "tiff":
            with Image.open(sources[0]) as image:
                return getattr(image, "n_frames", 1)
        if kind == "images":
            return len(sources)
    except Exception:  # a damaged file is reported by the stage that reads it for real
        return 0
    return 0
