"""Followed documents and related articles through the real CLI, a real HTTP server and SQLite.

The story of issue 8: HHS OCR publishes new HIPAA guidance; `regwatch check` follows the
link, quotes the new text in the alert and links the Federal Register notice and the news
article about it (from sources with role = "related"), and does not link unrelated privacy
or "security" news. Related sources never alert on their own.
"""

from __future__ import annotations

import json
import sqlite3

from localsite import LISTING_SOURCE, listing_page

GUIDANCE = [
    ("2024-06-10", "Guidance on HIPAA and audio-only telehealth", "/hipaa/guidance/telehealth.html"),
    (
        "2024-03-18",
        "Use of online tracking technologies by HIPAA covered entities",
        "/hipaa/guidance/tracking.html",
    ),
]
NEW_GUIDANCE = (
    "2025-01-14",
    "Guidance on risk analysis under the HIPAA Security Rule",
    "/hipaa/guidance/risk-analysis.html",
)
BROKEN_GUIDANCE = ("2025-01-14", "Fact sheet: ransomware and HIPAA", "/hipaa/guidance/missing.pdf")

ARTICLE = """<!doctype html><html lang="en"><head><title>Risk analysis guidance | HHS.gov</title>
<script>window.dataLayer = [];</script></head><body>
<header class="usa-header"><a href="/">HHS.gov</a><nav><a href="/hipaa">HIPAA Home</a>
<a href="/about">About HHS</a></nav></header>
<div class="usa-breadcrumb">Home / HIPAA / For professionals / Security</div>
<main id="main-content"><article>
<h1>Guidance on risk analysis under the HIPAA Security Rule</h1>
<p>The HHS Office for Civil Rights (OCR) is issuing this guidance to help regulated entities
conduct the accurate and thorough risk analysis required by the HIPAA Security Rule at
45 CFR 164.308(a)(1)(ii)(A).</p>
<p>A risk analysis must assess the potential risks and vulnerabilities to the
confidentiality, integrity, and availability of all electronic protected health
information (ePHI) that a covered entity or business associate creates, receives,
maintains, or transmits.</p>
<p>This guidance reflects the proposed amendments in the notice of proposed rulemaking
"HIPAA Security Rule To Strengthen the Cybersecurity of Electronic Protected Health
Information", published in the Federal Register on January 6, 2025 (FR Doc. 2024-30983).</p>
</article><aside class="sidebar"><h2>Popular</h2><a href="/x">Filing a complaint</a></aside></main>
<footer class="usa-footer">Page last reviewed: January 14, 2025. HHS, 200 Independence Ave.</footer>
</body></html>"""

FEDERAL_REGISTER = [
    (
        "2025-01-06",
        "HIPAA Security Rule To Strengthen the Cybersecurity of Electronic Protected Health Information",
        "/fr/documents/2025/01/06/2024-30983/hipaa-security-rule",
        "Proposed rule (FR Doc. 2024-30983) by the Office for Civil Rights amending 45 CFR Parts 160"
        " and 164 to strengthen cybersecurity protections for ePHI, including risk analysis.",
    ),
    (
        "2024-11-12",
        "Medicare Program; Calendar Year 2025 Payment Policies Under the Physician Fee Schedule",
        "/fr/documents/2024/11/12/2024-25382/medicare-program",
        "Final rule (FR Doc. 2024-25382) by CMS on payment policies under 42 CFR Parts 405 and 410.",
    ),
    (
        "2024-12-18",
        "Medical Devices; Cybersecurity in Premarket Submissions; Draft Guidance",
        "/fr/documents/2024/12/18/2024-29871/medical-devices",
        "FDA announces the availability of a draft guidance on cybersecurity for medical devices.",
    ),
]
NEWS = [
    (
        "2025-01-07",
        "HHS proposes sweeping update to HIPAA Security Rule after ransomware surge",
        "/news/hipaa-security-rule-update.html",
        "The proposal from HHS's Office for Civil Rights would make risk analysis, encryption of"
        " ePHI and multi-factor authentication mandatory for covered entities.",
    ),
    (
        "2024-12-20",
        "Apple touts new privacy features for iPhone users in holiday campaign",
        "/news/apple-privacy.html",
        "The marketing push highlights privacy labels and on-device processing for consumers.",
    ),
    (
        "2024-12-11",
        "SEC charges firm over cybersecurity disclosures to investors",
        "/news/sec-cyber.html",
        "The Securities and Exchange Commission said the company misled investors about the security"
        " of its trading platform and its risk disclosures.",
    ),
    (
        "2024-11-30",
        "EU regulators fine social network under GDPR for data transfers",
        "/news/gdpr-fine.html",
        "The Irish Data Protection Commission imposed the fine under the General Data Protection Regulation.",
    ),
]
LATER_NEWS = (
    "2025-01-15",
    "Hospitals weigh cost of new HIPAA risk analysis guidance",
    "/news/hospitals-risk-analysis.html",
    "Health systems say the OCR guidance on HIPAA Security Rule risk analysis raises compliance costs.",
)


def related_listing(rows) -> str:
    items = "\n".join(
        f'<li class="usa-collection__item"><h3 class="usa-collection__heading"><a href="{href}">{title}</a>'
        f'</h3><time datetime="{date}">{date}</time><p class="summary">{summary}</p></li>'
        for date, title, href, summary in rows
    )
    return f'<html><body><main><ul class="news">{items}</ul></main></body></html>'


def config_for(site, config_file):
    return config_file(
        sources=[
            {
                "id": "us-hhs-hipaa-guidance",
                "name": "HHS OCR HIPAA guidance",
                "url": site.url("/hipaa/guidance"),
                "follow": True,
                **LISTING_SOURCE,
            },
            {
                "id": "us-fr-hhs",
                "name": "Federal Register: HHS documents",
                "url": site.url("/fr/search"),
                "role": "related",
                **LISTING_SOURCE,
                "summary": "p.summary",
            },
            {
                "id": "news-health-privacy",
                "name": "Health privacy news",
                "url": site.url("/news"),
                "role": "related",
                **LISTING_SOURCE,
                "summary": "p.summary",
            },
        ]
    )


def test_followed_guidance_alert_quotes_text_and_links_related_articles(site, config_file, cli, tmp_path):
    site.set("/hipaa/guidance", listing_page(GUIDANCE))
    site.set("/fr/search", related_listing(FEDERAL_REGISTER))
    site.set("/news", related_listing(NEWS))
    site.set(NEW_GUIDANCE[2], ARTICLE)
    config = config_for(site, config_file)

    first = cli("--config", str(config), "check")
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""

    site.set("/hipaa/guidance", listing_page([NEW_GUIDANCE, BROKEN_GUIDANCE, *GUIDANCE]))
    site.set("/news", related_listing([LATER_NEWS, *NEWS]))  # a related source gains an item
    second = cli("--config", str(config), "check")
    assert second.returncode == 0, second.stderr
    out = second.stdout
    # One alert: the guidance change. The related source's new item never alerts on its own.
    assert out.count("[regwatch]") == 1, out
    assert "HHS OCR HIPAA guidance" in out
    assert "Hospitals weigh cost" not in out.split("Related:")[0]
    # The quote is the article's own text, without the page chrome or the repeated title.
    assert "\u201cThe HHS Office for Civil Rights (OCR) is issuing this guidance" in out
    assert "HIPAA Home" not in out and "Popular" not in out and "window.dataLayer" not in out
    # Related links: the FR notice and the news article, under the new document.
    guidance_block = out.split("New: Guidance on risk analysis")[1].split("New: Fact sheet")[0]
    related = [line for line in guidance_block.splitlines() if "Related:" in line]
    assert 1 <= len(related) <= 3
    joined = "\n".join(related)
    assert "HIPAA Security Rule To Strengthen the Cybersecurity" in joined
    assert "Federal Register: HHS documents" in joined
    assert "HHS proposes sweeping update to HIPAA Security Rule" in joined
    assert site.url("/fr/documents/2025/01/06/2024-30983/hipaa-security-rule") in joined
    # Each link says why it was chosen, in a few words, after its link.
    fr_line = next(line for line in related if "HIPAA Security Rule To Strengthen" in line)
    assert "— cites FR Doc. 2024-30983" in fr_line or "— cites 45 CFR 164" in fr_line, fr_line
    assert "Apple" not in out and "SEC charges" not in out and "GDPR" not in out
    assert "Medicare Program" not in out

    db = sqlite3.connect(tmp_path / "regwatch.db")
    text, error = db.execute(
        "SELECT text, text_error FROM items WHERE link = ?", [site.url(NEW_GUIDANCE[2])]
    ).fetchone()
    assert "45 CFR 164.308(a)(1)(ii)(A)" in text and "FR Doc. 2024-30983" in text
    assert "Page last reviewed" not in text and "Filing a complaint" not in text
    assert error is None
    broken = db.execute(
        "SELECT text, text_error FROM items WHERE link = ?", [site.url(BROKEN_GUIDANCE[2])]
    ).fetchone()
    assert broken[0] is None and "404" in broken[1]
    # The followed text is searchable through the items full-text index.
    hits = db.execute(
        "SELECT rowid FROM items_fts WHERE items_fts MATCH 'ephi AND confidentiality'"
    ).fetchall()
    assert len(hits) == 1
    assert db.execute("SELECT status FROM outbox").fetchall() == [("sent",)]
    # The related source's new item was collected and indexed as a change, but never routed.
    news = db.execute(
        "SELECT enrichment, n_added FROM changes WHERE source_id = 'news-health-privacy'"
    ).fetchall()
    assert news == [(None, 1)]
    assert db.execute(
        "SELECT enrichment FROM changes WHERE source_id = 'us-hhs-hipaa-guidance'"
    ).fetchone() == ("done",)
    change_id = db.execute("SELECT id FROM changes WHERE source_id = 'us-hhs-hipaa-guidance'").fetchone()[0]

    listed = cli("--config", str(config), "related", str(change_id))
    assert listed.returncode == 0, listed.stderr
    assert "document: followed" in listed.stdout
    assert "not followed: http: HTTP 404" in listed.stdout
    assert "matched:" in listed.stdout and "2024-30983" in listed.stdout
    as_json = json.loads(cli("--config", str(config), "related", str(change_id), "--json").stdout)
    guidance = next(d for d in as_json["documents"] if d["title"].startswith("Guidance on risk analysis"))
    shown = [r for r in guidance["related"] if r["shown"]]
    assert shown[0]["score"] >= shown[-1]["score"]
    assert {r["source_id"] for r in shown} <= {"us-fr-hhs", "news-health-privacy"}
    fr = next(r for r in guidance["related"] if r["source_id"] == "us-fr-hhs" and r["shown"])
    assert "2024-30983" in fr["terms"]
    assert fr["reason"].startswith("cites ") and "why: cites" in listed.stdout
    unrelated = [r for r in guidance["related"] if "Apple" in r["title"] or "SEC" in r["title"]]
    assert all(not r["shown"] for r in unrelated)


def test_related_command_errors_cleanly(site, config_file, cli):
    site.set("/hipaa/guidance", listing_page(GUIDANCE))
    site.set("/fr/search", related_listing(FEDERAL_REGISTER))
    site.set("/news", related_listing(NEWS))
    config = config_for(site, config_file)
    assert cli("--config", str(config), "check").returncode == 0
    missing = cli("--config", str(config), "related", "999")
    assert missing.returncode == 1
    assert "no change with id 999" in missing.stderr
    assert "Traceback" not in missing.stderr
