"""Text of a PDF through pypdf, page by page, within a page cap. Shared by the `pdf` kind and
by followed documents."""

from __future__ import annotations

import io
import logging

from watcher.errors import ExtractError, Reason

logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed PDFs warn a lot; we report once


def pdf_pages(body: bytes, max_pages: int = 200) -> list[str]:
    """The text of each page (at most `max_pages`); a corrupt or encrypted PDF is an ExtractError."""
    from pypdf import PdfReader  # imported on use: it is slow to import and most runs need no PDF
    from pypdf.errors import PyPdfError

    if not body.lstrip()[:5].startswith(b"%PDF"):
        raise ExtractError("the response is not a PDF (no %PDF header)", reason=Reason.NOT_PDF)
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:
                raise ExtractError("the PDF is encrypted and cannot be read", reason=Reason.PARSE) from exc
        pages = []
        for number, page in enumerate(reader.pages):
            if number >= max_pages:
                break
            pages.append(page.extract_text() or "")
        return pages
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
