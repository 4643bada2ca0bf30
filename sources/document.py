"""The main text of one followed document (an HTML article or a PDF), without the page chrome.

HTML: scripts, styles and hidden nodes are already gone after `html.parse`; navigation,
headers, footers, sidebars, forms, share bars and breadcrumbs are removed; then the
content container is chosen: `<main>` / `[role=main]` / a single substantial `<article>`,
else the densest text block (the element whose paragraphs hold the most text that is not
link text). PDF: the text of each page through `sources.pdftext.pdf_pages`, within the
page cap. Plain text is decoded as is. Anything else is an `ExtractError`.

What is returned is text, never markup: callers escape it for their medium.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import html as lxml_html

from sources import html
from sources.pdftext import pdf_pages
from sources.text import decode, fold
from watcher.errors import ExtractError, Reason
from watcher.model import FetchResult

DOCUMENT_ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.3"

#: Page chrome: never part of a document's main text.
CHROME = (
    "nav",
    "aside",
    "form",
    "button",
    "select",
    "dialog",
    "[role=navigation]",
    "[role=banner]",
    "[role=contentinfo]",
    "[role=complementary]",
    "[role=search]",
    "[role=dialog]",
    "[aria-hidden=true]",
    ".breadcrumb",
    ".breadcrumbs",
    ".usa-breadcrumb",
    ".skip-link",
    ".share",
    ".social",
    ".social-share",
    ".cookie",
    ".cookie-banner",
    "#cookie-banner",
    ".usa-banner",
    ".usa-identifier",
    ".sidebar",
    ".related-links",
)
#: Headers and footers of the page (those inside the chosen content container stay:
#: an article's own header holds its title and date).
PAGE_CHROME = ("header", "footer", "[role=banner]", "[role=contentinfo]")
CONTAINERS = ("main", "[role=main]")
DENSITY_TAGS = ("div", "section", "td", "article", "main", "body")
MIN_ARTICLE_CHARS = 200
#: Phrases of bot walls, challenges and soft errors: such a page is not the document.
WALL_MARKERS = (
    "access denied",
    "just a moment",
    "attention required",
    "checking your browser",
    "enable javascript and cookies",
    "are you a robot",
    "request unsuccessful",
    "captcha",
)
MAX_WALL_CHARS = 2000


@dataclass(frozen=True)
class Document:
    """The main text of a followed link: `text` is blocks separated by newlines."""

    text: str
    title: str = ""
    kind: str = "html"  # html | pdf | text
    pages: int = 0


def extract_document(
    fetched: FetchResult, *, max_pages: int = 200, markers: tuple[str, ...] = ()
) -> Document:
    """The main text of a fetched document; an unreadable or empty one is an ExtractError."""
    body = fetched.body
    if not body.strip():
        raise ExtractError("the document is empty", reason=Reason.EMPTY)
    content_type = fetched.content_type
    if content_type == "application/pdf" or body.lstrip()[:5].startswith(b"%PDF"):
        pages = pdf_pages(body, max_pages)
        blocks = [fold(line) for page in pages for line in page.splitlines()]
        document = Document(text="\n".join(b for b in blocks if b), kind="pdf", pages=len(pages))
    elif content_type in ("text/plain", "text/markdown"):
        text = decode(body, fetched.charset)
        lines = (fold(line) for line in text.splitlines())
        document = Document(text="\n".join(line for line in lines if line), kind="text")
    elif content_type in ("", "text/html", "application/xhtml+xml") or body.lstrip()[:1] == b"<":
        document = html_document(html.parse(fetched))
    else:
        raise ExtractError(f"cannot read a document of type {content_type!r}", reason=Reason.PARSE)
    if not document.text.strip():
        raise ExtractError("no readable text in the document", reason=Reason.EMPTY)
    check_not_wall(document, markers)
    return document


def html_document(root: lxml_html.HtmlElement) -> Document:
    """Main text of a parsed HTML page (chrome removed, content container chosen)."""
    title = page_title(root)
    html.remove(root, CHROME)
    container = content_container(root)
    if container is None:
        html.remove(root, PAGE_CHROME)
        container = densest_block(root)
    else:
        # Headers and footers outside the container are chrome; inside it they belong to it.
        for css in PAGE_CHROME:
            for node in html.select(root, css):
                if not _contains(node, container) and not _contains(container, node):
                    _drop(node)
    blocks = [fold(b) for b in html.text_blocks(container)]
    heading = next((fold(h.text_content()) for h in container.iter("h1")), "")
    return Document(text="\n".join(b for b in blocks if b), title=heading or title, kind="html")


def page_title(root: lxml_html.HtmlElement) -> str:
    for node in root.iter("title"):
        return fold(node.text_content())
    return ""


def content_container(root: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """<main> or [role=main]; inside it (or instead of it) a single substantial <article>."""
    scope = None
    for css in CONTAINERS:
        found = html.select(root, css)
        if found:
            scope = max(found, key=_text_length)
            break
    articles = [a for a in html.select(scope if scope is not None else root, "article")]
    substantial = [a for a in articles if _text_length(a) >= MIN_ARTICLE_CHARS]
    if len(substantial) == 1:
        return substantial[0]
    if scope is not None and _text_length(scope) > 0:
        return scope
    return None


def densest_block(root: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """The element whose own paragraphs hold the most non-link text (readability's idea)."""
    scores: dict[lxml_html.HtmlElement, float] = {}
    for paragraph in root.iter("p", "pre", "blockquote", "li", "td"):
        text = fold(paragraph.text_content())
        if len(text) < 25:
            continue
        links = sum(len(fold(a.text_content())) for a in paragraph.iter("a"))
        value = max(len(text) - links, 0) + 10 * text.count(". ")
        parent = paragraph.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + value
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0.0) + value / 2
    body = next(iter(root.iter("body")), root)
    if not scores:
        return body
    best = max(scores, key=lambda node: scores[node])
    while best.tag not in DENSITY_TAGS and best.getparent() is not None:
        best = best.getparent()
    return best


def check_not_wall(document: Document, markers: tuple[str, ...] = ()) -> None:
    """A short page that reads like a bot wall or challenge is not the document."""
    if len(document.text) > MAX_WALL_CHARS:
        return
    lowered = f"{document.title}\n{document.text}".lower()
    for marker in (*WALL_MARKERS, *(m.lower() for m in markers)):
        if marker and marker in lowered:
            raise ExtractError(
                f"the link returned a bot wall or error page ({marker!r}), not the document",
                reason=Reason.BOT_WALL,
            )


def excerpt(text: str, limit: int = 600) -> str:
    """The first lines of a document, folded to one line, at most `limit` characters."""
    folded = re.sub(r"\s+", " ", text).strip()
    return folded if len(folded) <= limit else folded[: limit - 1].rsplit(" ", 1)[0] + "…"


def _text_length(node: lxml_html.HtmlElement) -> int:
    return len(fold(node.text_content()))


def _contains(outer: lxml_html.HtmlElement, inner: lxml_html.HtmlElement) -> bool:
    return any(ancestor is outer for ancestor in inner.iterancestors()) or outer is inner


def _drop(node: lxml_html.HtmlElement) -> None:
    parent = node.getparent()
    if parent is not None:
        node.drop_tree()
