"""Text of a PDF through pypdf, page by page, within a page cap. Shared by the `pdf` kind and
by followed documents.

Memory stays within the bound kept for network bodies: every stream pypdf decompresses
(Flate, LZW, run-length, Brotli, JBIG2, images) may inflate to at most `MAX_STREAM_BYTES`,
and the decoding work per stream is capped too (pypdf's defaults, 75 MB per stream, let a
220 KB flate bomb of three pages peak at 314 MiB). A stream past the cap fails the
document with reason `too_large`.
"""

from __future__ import annotations

import io
import logging

from watcher.errors import ExtractError, Reason

logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed PDFs warn a lot; we report once

#: Largest decompressed stream (bytes): the default network body cap, `limits.max_bytes`.
MAX_STREAM_BYTES = 10_000_000


def pdf_pages(body: bytes, max_pages: int = 200) -> list[str]:
    """The text of each page (at most `max_pages`); a corrupt or encrypted PDF is an ExtractError."""
    from pypdf import PdfReader, apply_configuration  # imported on use: slow to import, rarely needed
    from pypdf.errors import LimitReachedError, PyPdfError

    if not body.lstrip()[:5].startswith(b"%PDF"):
        raise ExtractError("the response is not a PDF (no %PDF header)", reason=Reason.NOT_PDF)
    try:
        with apply_configuration(None, **_limits(MAX_STREAM_BYTES)):
            return _read(PdfReader, body, max_pages)
    except LimitReachedError as exc:
        raise ExtractError(
            f"the PDF holds a compressed stream that inflates past the {MAX_STREAM_BYTES:,}-byte limit"
            f" (a compression bomb, or a PDF too large to read): {exc}",
            reason=Reason.TOO_LARGE,
        ) from exc
    except ExtractError:
        raise
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        OSError,
        ZeroDivisionError,
    ) as exc:
        raise ExtractError(
            f"could not read the PDF: {type(exc).__name__}: {exc}", reason=Reason.PARSE
        ) from exc


def _limits(cap: int) -> dict[str, int]:
    return {
        "maximum_declared_stream_length": cap,
        "array_based_stream_maximum_output_length": cap,
        "jbig2_maximum_output_length": cap,
        "lzw_maximum_output_length": cap,
        "run_length_maximum_output_length": cap,
        "zlib_maximum_output_length": cap,
        "brotli_maximum_output_length": cap,
        "image_maximum_buffer_size": cap,
        "stream_decoding_work_maximum_length": 3 * cap,
        "xfa_decoding_work_maximum_length": 3 * cap,
    }


def _read(reader_class: type, body: bytes, max_pages: int) -> list[str]:
    reader = reader_class(io.BytesIO(body), strict=False)
    if reader.is_encrypted:
        try:
            reader.decrypt("")
        except Exception as exc:
            raise ExtractError("the PDF is encrypted and cannot be read", reason=Reason.PARSE) from exc
    pages = []
    for number, page in enumerate(reader.pages):
        if number >= max_pages:
            break
        pages.append(whole_characters(page.extract_text() or ""))
    return pages


def whole_characters(text: str) -> str:
    """`text` with UTF-16 surrogates made characters: pypdf decodes a font's ToUnicode map
    with "surrogatepass", so a glyph mapped to half a pair (`<D800>`) is a lone surrogate,
    which no UTF-8 takes (storing the snapshot failed as a bug on every pass), and an emoji
    mapped glyph by glyph is two. A pair becomes its character, a lone half U+FFFD, as a
    broken byte of a page does."""
    if text.isascii():
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
