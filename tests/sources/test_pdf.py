"""The `pdf` kind and PDF revisions in listings, with PDFs the tests generate."""

from __future__ import annotations

import pytest
from passes import Passes, fetched, make_config, source_for
from pdfgen import ACT_V1, make_pdf

from sources.pdf import PdfDocument, paragraphs
from watcher.errors import ExtractError

ACT_V2 = [ACT_V1[0], [ACT_V1[1][0], "with any law, erase personal data within a period of seven days."]]


def pdf_source(**options):
    return source_for("pdf", **options)


PARAGRAPHS = [
    ("sentences end paragraphs", "A rule\nthat wraps.\nNext one.", ["A rule that wraps.", "Next one."]),
    ("hyphenated breaks mend", "Data Fidu-\nciary must act.", ["Data Fiduciary must act."]),
    (
        "list markers start paragraphs",
        "Intro text\n(a) first;\n(b) second;",
        ["Intro text", "(a) first;", "(b) second;"],
    ),
    (
        "headings stand alone",
        "CHAPTER II\nObligations of the fiduciary apply.",
        ["CHAPTER II", "Obligations of the fiduciary apply."],
    ),
    ("blank lines split", "one\n\ntwo", ["one", "two"]),
]


@pytest.mark.parametrize(("what", "text", "expected"), PARAGRAPHS, ids=[p[0] for p in PARAGRAPHS])
def test_paragraphs(what, text, expected):
    assert paragraphs(text) == expected


def test_pdf_text_becomes_paragraph_blocks():
    snapshot = PdfDocument().extract(fetched(make_pdf(ACT_V1), content_type="application/pdf"), pdf_source())
    assert snapshot.blocks[0] == "THE DIGITAL PERSONAL DATA PROTECTION ACT, 2023"
    assert snapshot.blocks[3] == (
        "1. (1) This Act may be called the Digital Personal Data Protection Act, 2023. (2) It shall come"
        " into force on such date as the Central Government may, by notification in the Official Gazette,"
        " appoint."
    )
    assert snapshot.blocks[-1].endswith("within a period of thirty days.")
    assert not snapshot.warnings


def test_page_cap_is_honoured_and_said():
    body = make_pdf([[f"Page {n} says something."] for n in range(1, 6)])
    snapshot = PdfDocument().extract(fetched(body, content_type="application/pdf"), pdf_source(max_pages=2))
    assert snapshot.blocks == ("Page 1 says something.", "Page 2 says something.")
    assert snapshot.warnings == ("only the first 2 pages were read (max_pages)",)


def test_default_page_cap_comes_from_limits(tmp_path):
    config = make_config(
        tmp_path,
        [{"id": "p", "url": "https://example.gov/a.pdf", "kind": "pdf"}],
        limits={"pdf_max_pages": 7},
    )
    assert config.sources[0].options.max_pages == 7


def test_pdf_without_text_is_watched_by_its_bytes():
    body = make_pdf([[]])
    snapshot = PdfDocument().extract(fetched(body, content_type="application/pdf"), pdf_source())
    assert snapshot.blocks[0].startswith("[PDF without text, 1 page(s), sha256 ")
    assert "no extractable text" in snapshot.warnings[0]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<!DOCTYPE html><html><body>Download our PDF</body></html>", "not_pdf"),
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "parse"),
    ],
    ids=["html", "truncated"],
)
def test_not_a_pdf_is_a_clear_error(body, reason):
    with pytest.raises(ExtractError) as caught:
        PdfDocument().extract(fetched(body, content_type="application/pdf"), pdf_source())
    assert caught.value.reason == reason


def test_pdf_edit_is_a_text_diff_and_regeneration_is_not(site, config_file, cli):
    site.set("/act.pdf", make_pdf(ACT_V1, title="v1"), content_type="application/pdf")
    config = config_file(sources=[{"id": "in-act", "url": site.url("/act.pdf"), "kind": "pdf"}])
    assert "baseline stored" in cli("--config", str(config), "check").stderr
    # Same text, new file (other metadata): not a change.
    site.set("/act.pdf", make_pdf(ACT_V1, title="re-exported"), content_type="application/pdf")
    same = cli("--config", str(config), "check")
    assert "in-act: unchanged" in same.stderr and same.stdout == ""
    site.set("/act.pdf", make_pdf(ACT_V2), content_type="application/pdf")
    edited = cli("--config", str(config), "check")
    assert edited.stdout.count("[regwatch]") == 1
    # The removed and added paragraph are one edit, shown as its changed words in context.
    assert "erase personal data within a period of [-thirty-]{+seven+} days." in edited.stdout


PUBLICATIONS = (
    """<html><body><main><h1>Publications</h1><table class="docs">{rows}</table></main></body></html>"""
)


def publications(rows):
    return PUBLICATIONS.format(
        rows="".join(f'<tr><td>{t}</td><td><a href="{h}">{t}</a> (1.2 MB)</td></tr>' for t, h in rows)
    )


def test_listing_reports_a_pdf_under_the_same_title_as_revised(site, tmp_path):
    rows = [
        ("Health Data Management Policy", "https://abdm.gov.in:8081/uploads/HDM_Policy_3f9a1c.pdf"),
        ("ABDM Consent Manager Guidelines", "https://abdm.gov.in:8081/uploads/CM_Guidelines_88b2de.pdf"),
        ("Corrigendum", "/uploads/Corrigendum_1a.pdf"),
        ("Corrigendum", "/uploads/Corrigendum_2b.pdf"),
    ]
    site.set("/publications", publications(rows))
    source = {
        "id": "in-abdm-pubs",
        "url": site.url("/publications"),
        "kind": "listing",
        "select": "table.docs tr",
        "title": "td a",
        "link": "td a",
        "jurisdiction": "IN",
    }
    passes = Passes(make_config(tmp_path, [source]), tmp_path / "regwatch.db")
    assert passes.one().summary == "baseline: 4 item(s)"  # both "Corrigendum" PDFs are kept
    revised = [
        ("Health Data Management Policy", "https://abdm.gov.in:8081/uploads/HDM_Policy_c07e55.pdf"),
        *rows[1:],
    ]
    site.set("/publications", publications(revised))
    outcome = passes.one()
    assert outcome.status == "changed"
    assert outcome.summary == "1 document revised: \u201cHealth Data Management Policy\u201d"
    [change] = passes.changes()
    assert not change.added and not change.removed
    [pair] = change.changed
    assert pair.before.link.endswith("HDM_Policy_3f9a1c.pdf") and pair.after.link.endswith(
        "HDM_Policy_c07e55.pdf"
    )


def test_non_document_links_keep_link_identity(site, tmp_path):
    page = '<ul class="n"><li><a href="/news/{slug}">Same headline</a></li></ul>'
    site.set("/n", page.format(slug="a"))
    source = {"id": "n", "url": site.url("/n"), "kind": "listing", "select": "ul.n li"}
    passes = Passes(make_config(tmp_path, [source]), tmp_path / "regwatch.db")
    passes.one()
    site.set("/n", page.format(slug="b"))
    assert passes.one().summary == "1 new item: \u201cSame headline\u201d; 1 item(s) removed"
