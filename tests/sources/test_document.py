"""Main text of followed documents: chrome removed, content found, PDFs read, walls refused."""

from __future__ import annotations

import pytest

from sources.document import extract_document
from watcher.errors import ExtractError
from watcher.model import FetchResult


def fetched(body: bytes | str, content_type: str = "text/html; charset=utf-8") -> FetchResult:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return FetchResult(
        "https://x.example/d", "https://x.example/d", 200, {"content-type": content_type}, data
    )


CHROME = """<header><a href="/">Agency</a><nav><a href="/a">Topics</a><a href="/b">About</a></nav></header>
<div class="usa-breadcrumb">Home / News</div>{body}
<aside><h2>Related links</h2><a href="/c">Popular page</a></aside>
<footer>Page last reviewed: 2025-01-01 · Privacy policy · Accessibility</footer>"""


@pytest.mark.parametrize(
    "body",
    [
        "<main><h1>Title</h1><p>The rule requires annual risk analysis of ePHI systems.</p></main>",
        '<div role="main"><p>The rule requires annual risk analysis of ePHI systems.</p></div>',
        "<article><header><h1>Title</h1><time>Jan 6</time></header>"
        "<p>The rule requires annual risk analysis of ePHI systems. " + "More text. " * 20 + "</p></article>",
        # No main or article: the densest block of paragraphs wins over menus and link lists.
        '<div class="menu"><ul><li><a href="/1">One link</a></li>'
        '<li><a href="/2">Two links here</a></li></ul></div>'
        '<div class="content"><p>The rule requires annual risk analysis of ePHI systems. It applies.</p>'
        "<p>Covered entities and business associates must comply within 180 days.</p></div>",
    ],
)
def test_main_text_without_chrome(body):
    document = extract_document(
        fetched(f"<html><head><title>T</title></head><body>{CHROME.format(body=body)}</body></html>")
    )
    assert "The rule requires annual risk analysis of ePHI systems." in document.text
    for chrome in ("Topics", "Home / News", "Popular page", "Page last reviewed", "Agency"):
        assert chrome not in document.text


def test_article_header_is_kept_and_title_found():
    page = (
        "<html><body><main><article><header><h1>Final rule</h1><p>Published January 6</p></header>"
        + ("<p>Body text of the final rule explains the changes in detail.</p>" * 5)
        + "</article></main></body></html>"
    )
    document = extract_document(fetched(page))
    assert document.title == "Final rule"
    assert document.text.startswith("Final rule\nPublished January 6")


def test_scripts_styles_and_hidden_text_never_appear():
    page = (
        "<html><body><main><p>Visible guidance text for regulated entities.</p>"
        "<script>alert('x')</script><style>p{}</style><p hidden>secret</p>"
        "<div aria-hidden='true'>icon</div></main></body></html>"
    )
    text = extract_document(fetched(page)).text
    assert text == "Visible guidance text for regulated entities."


def minimal_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF with the given text lines (Helvetica), built by hand."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_text_is_read_page_by_page():
    pdf = minimal_pdf(["Circular No. 12/2024", "ABHA creation guidelines revised"])
    document = extract_document(fetched(pdf, "application/pdf"))
    assert document.kind == "pdf" and document.pages == 1
    assert "Circular No. 12/2024" in document.text
    assert "ABHA creation guidelines revised" in document.text
    # A PDF served with a wrong content type is still recognised by its header.
    assert "ABHA" in extract_document(fetched(pdf, "application/octet-stream")).text


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"", "text/html", "empty"),
        (b"%PDF-1.4 garbage that is not a pdf", "application/pdf", "parse"),
        (b"\x89PNG\r\n\x1a\n....", "image/png", "parse"),
        ("<html><body><main></main></body></html>", "text/html", "empty"),
        (
            "<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>"
            "<p>You don't have permission to access this server.</p></body></html>",
            "text/html",
            "bot_wall",
        ),
        (
            "<html><body><main><p>Just a moment...</p><p>Checking your browser</p></main></body></html>",
            "text/html",
            "bot_wall",
        ),
    ],
)
def test_unreadable_documents_are_clear_errors(body, content_type, reason):
    with pytest.raises(ExtractError) as info:
        extract_document(fetched(body, content_type))
    assert info.value.reason == reason


def test_configured_bot_markers_are_walls_too():
    page = "<html><body><main><p>Please verify you are human to continue (ref 1234).</p></main></body></html>"
    with pytest.raises(ExtractError):
        extract_document(fetched(page), markers=("verify you are human",))
    assert extract_document(fetched(page)).text
