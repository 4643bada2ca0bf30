"""Catalog entries checked against REAL captures (tests/pages/catalog-real/, provenance in its
SOURCE.md): each verified entry, URL pointed at a local server serving its capture, runs through
the real pipeline and must yield the regulator's own titles, links, dates and fields. An entry is
`verified = "YYYY-MM-DD"` only if it has a row here; every other entry says in `notes` what was
searched and not found."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from passes import Passes, make_config

from sources.catalog import load_catalog
from watcher.db.store import Store

REAL = Path(__file__).resolve().parent.parent / "pages" / "catalog-real"
CATALOG = {e["id"]: e for e in load_catalog()}
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

HTI1 = (
    "Health Data, Technology, and Interoperability: Certification Program Updates, Algorithm"
    " Transparency, and Information Sharing"
)
HTI1_ROW = (
    HTI1,
    "https://www.federalregister.gov/documents/2024/01/09/2023-28857/"
    "health-data-technology-and-interoperability-certification-program-updates-algorithm-transparency-and",
    "2024-01-09",
)
HTI1_FIELDS = {
    "type": "Rule",
    "effective_on": "2024-02-08",
    "comments_close_on": "",
}


@dataclass(frozen=True)
class Capture:
    """One catalog entry, the real capture it is checked against and what must come out of it."""

    entry: str
    file: str
    content_type: str
    count: int
    rows: tuple[tuple[str, str, str], ...]  # (title, link, date) that must be among the items
    fields: dict[str, dict[str, str]] = field(default_factory=dict)  # title -> fields that must match


FR_CFR = "us-fr-45cfr170-2024-01.json"
CAPTURES = [
    Capture(
        "us-fr-hhs-rules",
        "us-fr-hhs-rules-2024-01.json",
        "application/json",
        5,
        (
            HTI1_ROW,
            (
                "Safeguarding the Rights of Conscience as Protected by Federal Statutes",
                "https://www.federalregister.gov/documents/2024/01/11/2024-00091/"
                "safeguarding-the-rights-of-conscience-as-protected-by-federal-statutes",
                "2024-01-11",
            ),
        ),
        {
            HTI1: {
                **HTI1_FIELDS,
                "pdf_url": "https://www.govinfo.gov/content/pkg/FR-2024-01-09/pdf/2023-28857.pdf",
            },
            "Removal of Outdated Regulations": {
                "type": "Proposed Rule",
                "comments_close_on": "2024-03-08",
            },
        },
    ),
    *(
        Capture(f"us-fr-45cfr{part}", FR_CFR, "application/json", 1, (HTI1_ROW,), {HTI1: HTI1_FIELDS})
        for part in ("160", "162", "164", "170", "171")
    ),
    Capture(
        "us-ecfr-45cfr164-versions",
        "us-ecfr-versions-title-6.json",
        "application/json",
        12,  # two records of § 25.2 share identifier and amendment_date: both must stay
        (
            ("§ 11.4 Collection by administrative offset.", "", "2016-12-22"),  # spaces collapsed
            (
                "Appendix A to Part 27 - DHS Chemicals of Interest",
                "",
                "2016-12-22",
            ),
        ),
        {"§ 3.3 Applicability.": {"type": "section", "substantive": "true", "issue_date": "2016-12-22"}},
    ),
]
BY_ENTRY = {c.entry: c for c in CAPTURES}


@dataclass(frozen=True)
class PageCapture:
    """A `page` entry, its real capture and text that must (and must not) be in its blocks."""

    entry: str
    file: str
    present: tuple[str, ...]
    absent: tuple[str, ...] = ()


PAGES = [
    PageCapture(
        "eu-eurlex-gdpr",
        "eu-eurlex-gdpr-oj.html",
        (
            "REGULATION (EU) 2016/679 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL",
            "Article 5",
            "Principles relating to processing of personal data",
            # OJ layout tables put the point number "(a)" in a cell of its own: it is a line of its own
            "processed lawfully, fairly and in a transparent manner in relation to the data subject"
            " (‘lawfulness, fairness and transparency’);",
            "This Regulation shall be binding in its entirety and directly applicable in all Member States.",
        ),
        ("generateTOC", "ruxitagentjs", "L_2016119EN.01000101.xml"),  # scripts and the <title> file name
    ),
    PageCapture(
        "eu-eurlex-ai-act",
        "eu-eurlex-ai-act-oj.html",
        (
            "REGULATION (EU) 2024/1689 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL",
            "Prohibited AI practices",
            "1. The following AI practices shall be prohibited:",
            "the placing on the market, the putting into service or the use of an AI system that deploys"
            " subliminal techniques beyond a person’s consciousness or purposefully manipulative or deceptive"
            " techniques, with the objective, or the effect of materially distorting the behaviour of a person"
            " or a group of persons by appreciably impairing their ability to make an informed decision, thereby"
            " causing them to take a decision that they would not have otherwise taken in a manner that causes"
            " or is reasonably likely to cause that person, another person or group of persons significant harm;",
            "ANNEX I",
            "ELI: http://data.europa.eu/eli/reg/2024/1689/oj",
        ),
        ("generateTOC", "ruxitagentjs", "L_202401689EN.000101.fmx.xml"),
    ),
]
VERIFIED = {**{c.entry: c.file for c in CAPTURES}, **{p.entry: p.file for p in PAGES}}


def run_capture(site, tmp_path: Path, capture: Capture) -> list[tuple[str, str, str, dict[str, str]]]:
    entry = CATALOG[capture.entry]
    site.set(f"/{capture.entry}", (REAL / capture.file).read_bytes(), content_type=capture.content_type)
    source = {**entry, "url": site.url(f"/{capture.entry}"), "render": "http"}
    outcome = Passes(make_config(tmp_path, [source]), tmp_path / "regwatch.db").one()
    assert outcome.status == "baseline", f"{outcome.reason}: {outcome.error}"
    assert not outcome.warnings
    db = sqlite3.connect(tmp_path / "regwatch.db")
    try:
        rows = db.execute("SELECT title, link, date, fields FROM items WHERE source_id = ?", (capture.entry,))
        return [(t, link, d, json.loads(f or "{}")) for t, link, d, f in rows]
    finally:
        db.close()


@pytest.mark.parametrize("capture", CAPTURES, ids=[c.entry for c in CAPTURES])
def test_verified_entry_reads_its_real_capture(site, tmp_path, capture):
    items = run_capture(site, tmp_path, capture)
    assert len(items) == capture.count
    triples = {(t, link, d) for t, link, d, _ in items}
    assert [row for row in capture.rows if row not in triples] == []
    for title, expected in capture.fields.items():
        [got] = [f for t, _, _, f in items if t == title]  # exactly one item of that title
        assert {k: str(got.get(k, "")).lower() for k in expected} == {
            k: v.lower() for k, v in expected.items()
        }


def test_capture_files_are_real_and_documented():
    source_md = (REAL / "SOURCE.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in REAL.iterdir() if p.name != "SOURCE.md")
    assert files == sorted(set(VERIFIED.values()))
    for name in files:
        assert f"`{name}`" in source_md, f"{name} has no provenance in SOURCE.md"
        assert (REAL / name).stat().st_size < 300_000


@pytest.mark.parametrize("entry_id", sorted(CATALOG))
def test_verified_means_checked_against_a_capture(entry_id):
    entry = CATALOG[entry_id]
    verified = entry["verified"]
    if entry_id in VERIFIED:
        assert isinstance(verified, str) and ISO_DAY.match(verified), entry_id
        assert f"catalog-real/{VERIFIED[entry_id]}" in entry["notes"], f"{entry_id} must name its capture"
    else:
        assert verified is False
        assert "no public capture found" in entry.get("notes", "").lower(), (
            f"{entry_id} must say what was searched"
        )


def test_ecfr_versions_sharing_identifier_and_amendment_date_stay_two_items(site, tmp_path):
    """The real title-6 response lists § 25.2 twice for 2016-12-22 (issued 2016-12-22 and 2022-03-15)."""
    items = run_capture(site, tmp_path, BY_ENTRY["us-ecfr-45cfr164-versions"])
    twins = sorted(
        f["issue_date"] for t, _, d, f in items if t == "§ 25.2 Definitions." and d == "2016-12-22"
    )
    assert twins == ["2016-12-22", "2022-03-15"]


def test_catalog_command_and_reference_show_the_verified_date(cli):
    listed = cli("catalog", "--tag", "ecfr")
    assert listed.returncode == 0, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if "us-ecfr-45cfr164-versions" in line]
    assert "2022-03-15" in row
    unverified = cli("catalog", "--jurisdiction", "IN").stdout
    assert "unverified" in unverified and "2024-01-17" not in unverified
    reference = (Path(__file__).resolve().parents[2] / "docs" / "reference" / "catalog.md").read_text()
    [line] = [line for line in reference.splitlines() if "[`us-fr-45cfr164`]" in line]
    assert line.endswith("| 2024-01-17 |")


@pytest.mark.parametrize("capture", PAGES, ids=[p.entry for p in PAGES])
def test_verified_page_entry_reads_its_real_capture(site, tmp_path, capture):
    entry = CATALOG[capture.entry]
    site.set(f"/{capture.entry}", (REAL / capture.file).read_bytes(), content_type="text/html")
    source = {**entry, "url": site.url(f"/{capture.entry}"), "render": "http"}
    outcome = Passes(make_config(tmp_path, [source]), tmp_path / "regwatch.db").one()
    assert outcome.status == "baseline", f"{outcome.reason}: {outcome.error}"
    assert not outcome.warnings
    store = Store(tmp_path / "regwatch.db")
    try:
        snapshot = store.latest_snapshot(capture.entry)
    finally:
        store.close()
    assert snapshot is not None
    lines = [line for block in snapshot.blocks for line in block.splitlines()]
    assert [text for text in capture.present if text not in lines] == []
    text = "\n".join(lines)
    assert [text_ for text_ in capture.absent if text_ in text] == []
