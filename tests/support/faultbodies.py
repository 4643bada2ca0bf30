"""Bodies served by the fault suite: a good version of each source kind (changing with a
version number) and `needs_kind`, which skips a case until its kind is registered."""

from __future__ import annotations

import pytest
from faultsite import Handler, respond

from sources.registry import KINDS


def needs_kind(kind: str) -> pytest.MarkDecorator:
    """Skip until the source kind (issue #3) is registered; the test then runs by itself."""
    return pytest.mark.skipif(
        kind not in KINDS, reason=f"source kind {kind!r} is not registered in sources.registry.KINDS yet"
    )


def rule_page(version: int) -> Handler:
    return respond(
        200,
        "<html><head><title>Privacy rule</title></head><body><nav>Home</nav>"
        f"<main class='rule'><h1>Breach notification</h1><p>Notify within {60 - version} days.</p>"
        f"<p>Revision {version}.</p></main></body></html>",
    )


def feed(version: int) -> Handler:
    items = "".join(
        f"<item><title>Notice {n}</title><link>https://regulator.example/n/{n}</link>"
        f"<guid>urn:notice:{n}</guid><pubDate>Mon, 0{n} Oct 2024 10:00:00 GMT</pubDate></item>"
        for n in range(1, version + 2)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Notices</title>{items}</channel></rss>'
    return respond(200, body, content_type="application/rss+xml")


def federal_register(version: int) -> Handler:
    records = ",".join(
        f'{{"document_number": "2024-0{n}", "title": "Rule {n}", "publication_date": "2024-10-0{n}",'
        f' "html_url": "https://www.federalregister.gov/d/2024-0{n}", "abstract": "About rule {n}"}}'
        for n in range(1, version + 2)
    )
    return respond(
        200, f'{{"count": {version + 1}, "results": [{records}]}}', content_type="application/json"
    )


def pdf_document(text: str) -> bytes:
    """A minimal valid one-page PDF showing `text` (offsets computed, so readers need no repair)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf(version: int) -> Handler:
    return respond(
        200, pdf_document(f"Circular {version}: data must be deleted"), content_type="application/pdf"
    )
