"""`pdf`: watch the text of a PDF document, page by page through pypdf, diffed like a page."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sources.base import SourceKind
from sources.pdftext import pdf_pages
from sources.text import clean_blocks
from watcher.model import FetchResult, Snapshot, Source

PDF_ACCEPT = "application/pdf, */*;q=0.5"
DEFAULT_MAX_PAGES = 200
SENTENCE_END = re.compile(r"[.:;!?)\]]['\"”’]?$")
LIST_START = re.compile(
    r"^(?:[-•▪◦*]|\(?\d{1,3}[.)]|\(?[ivxlcdm]{1,5}[.)]|\(?[a-z][.)]|§|Article\s+\d|Section\s+\d|Rule\s+\d)\s",
    re.I,
)
HEADING_MAX = 60


@dataclass(frozen=True)
class PdfOptions:
    """Options of the `pdf` kind.

    max_pages: read at most this many pages (default: `limits.pdf_max_pages`, 200).
    """

    max_pages: int | None = None

    def __post_init__(self) -> None:
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError("max_pages must be 1 or more")


class PdfDocument(SourceKind):
    """Watch the text of a PDF (a circular, a notified rule, a guidance document).

    The text of each page is read with pypdf (at most `max_pages` pages, default
    `limits.pdf_max_pages`; the download is bounded by the source's `max_bytes` /
    `limits.max_bytes`), lines are joined back into paragraphs (hyphenated line breaks
    mended) and normalized like a page's text, so a change is a line diff of paragraphs
    and a re-generated PDF with the same text is not a change. A PDF with no
    extractable text (a scan) is watched by its bytes, with a warning; a response that
    is not a PDF (an HTML page) is an error of the source (`not_pdf`). Options:
    `max_pages`.
    """

    kind = "pdf"
    Options = PdfOptions
    accept = PDF_ACCEPT

    def extract(self, fetched: FetchResult, source: Source) -> Snapshot:
        options: PdfOptions = source.options if isinstance(source.options, PdfOptions) else PdfOptions()
        limit = options.max_pages or DEFAULT_MAX_PAGES
        pages = pdf_pages(fetched.body, limit)
        blocks = clean_blocks((p for page in pages for p in paragraphs(page)), source.ignore)
        warnings: list[str] = []
        if len(pages) >= limit:
            warnings.append(f"only the first {limit} pages were read (max_pages)")
        if not blocks:
            digest = hashlib.sha256(fetched.body).hexdigest()[:16]
            warnings.append("the PDF has no extractable text (a scanned image?); watching its bytes instead")
            blocks = (f"[PDF without text, {len(pages)} page(s), sha256 {digest}]",)
        return Snapshot(blocks=blocks, warnings=tuple(warnings))


def paragraphs(page_text: str) -> list[str]:
    """Join a page's layout lines into paragraphs: a paragraph ends at a blank line, after a
    line ending a sentence, before a list marker, or at a short heading-like line."""
    result: list[str] = []
    current = ""
    for raw in page_text.splitlines():
        line = " ".join(raw.split())
        if not line:
            if current:
                result.append(current)
            current = ""
            continue
        if current and LIST_START.match(line):
            result.append(current)
            current = ""
        if current.endswith("-") and line[:1].islower():
            current = current[:-1] + line
        else:
            current = f"{current} {line}" if current else line
        if SENTENCE_END.search(line) or (current == line and _is_heading(line)):
            result.append(current)
            current = ""
    if current:
        result.append(current)
    return result


def _is_heading(line: str) -> bool:
    """A short line in capitals or title case with no final punctuation, like "CHAPTER II"."""
    words = line.split()
    if len(line) > HEADING_MAX or line.endswith(("-", ",")):
        return False
    return line.isupper() or (len(words) <= 8 and all(w[:1].isupper() or not w[:1].isalpha() for w in words))
