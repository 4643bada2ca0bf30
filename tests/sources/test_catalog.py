"""The built-in catalog: every entry validates, its selectors work on a sample page, the CLI lists
and chooses entries, and the embedded default config loads them all."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from passes import Passes, make_config
from pdfgen import make_pdf

from sources.catalog import find_entries, load_catalog
from watcher.config import load_config, parse_source

PAGES = Path(__file__).resolve().parent.parent / "pages"
CATALOG = load_catalog()
IDS = [e["id"] for e in CATALOG]
ID_FORMAT = re.compile(r"^(in|us|eu|uk)-[a-z0-9]+(?:-[a-z0-9]+)+$")
TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/rss+xml", ".json": "application/json"}


def test_catalog_size_and_coverage():
    assert len(CATALOG) >= 20
    assert len(set(IDS)) == len(IDS)
    assert {e["jurisdiction"] for e in CATALOG} == {"IN", "US", "EU", "UK"}
    assert {e["kind"] for e in CATALOG} == {"page", "listing", "feed", "json", "pdf"}
    required = [
        "in-abdm-publications",
        "in-meity-dpdp-documents",
        "us-hhs-hipaa-news",
        "us-hhs-hipaa-resolution-agreements",
        "us-fr-hhs-rules",
        "us-fr-45cfr160",
        "us-fr-45cfr162",
        "us-fr-45cfr164",
        "us-fr-45cfr170",
        "us-fr-45cfr171",
        "us-fr-public-inspection-hhs",
        "us-cms-newsroom",
        "us-fda-press-releases",
        "us-fda-guidance",
        "us-onc-news",
        "us-ecfr-45cfr164-versions",
        "eu-edpb-news",
        "eu-edpb-publications",
        "eu-eurlex-legislation",
        "eu-eurlex-gdpr",
        "eu-eurlex-ai-act",
        "eu-ec-ai-act",
        "uk-ico-news",
        "uk-ico-enforcement",
        "uk-mhra-news",
    ]
    assert [r for r in required if r not in IDS] == []
    for part in ("160", "162", "164", "170", "171"):
        entry = next(e for e in CATALOG if e["id"] == f"us-fr-45cfr{part}")
        assert f"conditions[cfr][title]=45&conditions[cfr][part]={part}&" in entry["url"]


@pytest.mark.parametrize("entry", CATALOG, ids=IDS)
def test_entry_is_complete_and_validates(entry):
    assert ID_FORMAT.match(entry["id"]) and entry["id"].startswith(entry["jurisdiction"].lower() + "-")
    for key in ("name", "regulator", "jurisdiction", "tags", "url", "kind"):
        assert entry.get(key), f"{entry['id']} lacks {key}"
    assert entry["verified"] is False  # until checked against the live site
    assert entry["url"].startswith("https://")
    source = parse_source(entry, f"catalog {entry['id']}")
    assert source.id == entry["id"] and source.tags and source.regulator


def test_embedded_default_watches_the_whole_catalog(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REGWATCH_CONFIG", raising=False)
    config = load_config(None)
    assert config.path is None
    assert sorted(s.id for s in config.sources) == sorted(IDS)


def sample_for(entry_id: str) -> tuple[bytes, str]:
    if entry_id.startswith("us-fr-") and entry_id != "us-fr-public-inspection-hhs":
        return (PAGES / "federal-register-api-json/documents-sample.json").read_bytes(), "application/json"
    if entry_id == "in-meity-dpdp-act":
        pdf = make_pdf([["THE DIGITAL PERSONAL DATA PROTECTION ACT, 2023", "NO. 22 OF 2023"]])
        return pdf, "application/pdf"
    [path] = sorted((PAGES / "catalog").glob(f"{entry_id}.*"))
    return path.read_bytes(), TYPES[path.suffix]


def test_every_entry_reads_its_sample_page_through_the_pipeline(site, tmp_path):
    """All catalog entries, URLs pointed at a local server serving a sample page of the expected shape."""
    sources = []
    for entry in CATALOG:
        body, content_type = sample_for(entry["id"])
        path = f"/{entry['id']}"
        site.set(path, body, content_type=content_type)
        sources.append({**entry, "url": site.url(path), "render": "http"})  # selectors only: no browser here
    result = Passes(make_config(tmp_path, sources), tmp_path / "regwatch.db").run()
    outcomes = {o.source_id: o for o in result.outcomes}
    failed = {k: f"{o.reason}: {o.error}" for k, o in outcomes.items() if o.status != "baseline"}
    assert failed == {}
    warned = {k: o.warnings for k, o in outcomes.items() if o.warnings}
    assert warned == {}
    assert outcomes["us-fr-hhs-rules"].summary == "baseline: 20 item(s)"
    assert outcomes["us-fr-public-inspection-hhs"].summary == "baseline: 2 item(s)"  # `where` keeps HHS
    assert outcomes["us-hhs-hipaa-news"].summary == "baseline: 2 item(s)"
    assert outcomes["us-hhs-hipaa-resolution-agreements"].summary == "baseline: 3 item(s)"
    assert outcomes["in-abdm-publications"].summary == "baseline: 3 item(s)"
    assert outcomes["in-meity-dpdp-documents"].summary == "baseline: 3 item(s)"


def test_listing_entries_read_titles_links_and_dates(site, tmp_path):
    import sqlite3

    chosen = [
        "us-hhs-hipaa-news",
        "us-cms-newsroom",
        "us-onc-news",
        "in-abdm-publications",
        "us-fda-guidance",
        "us-ecfr-45cfr164-versions",
    ]
    sources = []
    for entry in (e for e in CATALOG if e["id"] in chosen):
        body, content_type = sample_for(entry["id"])
        site.set(f"/{entry['id']}", body, content_type=content_type)
        sources.append({**entry, "url": site.url(f"/{entry['id']}"), "render": "http"})
    Passes(make_config(tmp_path, sources), tmp_path / "regwatch.db").run()
    db = sqlite3.connect(tmp_path / "regwatch.db")
    rows = {(r[0], r[1]): (r[2], r[3]) for r in db.execute("SELECT source_id, title, link, date FROM items")}
    assert rows[
        (
            "us-hhs-hipaa-news",
            "HHS Office for Civil Rights Settles HIPAA Ransomware Cybersecurity Investigation",
        )
    ] == (site.url("/press-room/hhs-ocr-settles-ransomware-investigation.html"), "2024-10-31")
    cms = rows[("us-cms-newsroom", "Interoperability and Prior Authorization Final Rule")]
    assert cms[1] == "2024-10-18T11:17:00"
    abdm = rows[("in-abdm-publications", "Health Data Management Policy (Version 2.0)")]  # size stripped
    assert abdm[0] == "https://abdm.gov.in:8081/uploads/Health_Data_Management_Policy_8e2c1f7a.pdf"
    fda = rows[
        (
            "us-fda-guidance",
            "Cybersecurity in Medical Devices: Quality System Considerations and Content of"
            " Premarket Submissions",
        )
    ]
    assert fda == (site.url("/media/119933/download"), "2023-09-27T12:00:00+00:00")
    assert rows[
        ("us-ecfr-45cfr164-versions", "§ 164.509 Uses and disclosures for which an attestation is required.")
    ] == ("", "2024-06-25")


def test_find_entries_filters():
    assert {e["jurisdiction"] for e in find_entries(("in",))} == {"IN"}
    hipaa = find_entries(tags=("HIPAA",))
    assert hipaa and all("hipaa" in e["tags"] for e in hipaa)
    assert find_entries(("US",), ("hipaa",), ("json",))
    assert find_entries(("XX",)) == []


def test_catalog_command_lists_and_filters(cli):
    everything = cli("catalog")
    assert everything.returncode == 0, everything.stderr
    assert f"{len(CATALOG)} catalog source(s)" in everything.stderr
    for entry_id in IDS:
        assert entry_id in everything.stdout
    india = cli("catalog", "--jurisdiction", "IN")
    assert "in-abdm-publications" in india.stdout and "us-hhs-hipaa-news" not in india.stdout
    hipaa = cli("catalog", "--tag", "hipaa")
    assert "us-fr-45cfr164" in hipaa.stdout and "eu-edpb-news" not in hipaa.stdout
    assert "unverified" in hipaa.stdout
    as_json = json.loads(cli("catalog", "--tag", "hipaa", "--json").stdout)
    assert [e["id"] for e in as_json] == [e["id"] for e in find_entries((), ("hipaa",))]


def test_init_with_filters_writes_a_config_using_those_entries(cli, tmp_path):
    result = cli("init", "--jurisdiction", "US", "--tag", "hipaa", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = tomllib.loads((tmp_path / "regwatch.toml").read_text())
    expected = [e["id"] for e in find_entries(("US",), ("hipaa",))]
    assert data["catalog"] == expected
    listed = cli("sources", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].split()[:2] == ["SOURCE", "KIND"]  # a header row
    as_lines = cli("sources", "--jsonl", cwd=tmp_path).stdout.splitlines()
    assert sorted(json.loads(line)["id"] for line in as_lines) == sorted(expected)
    nothing = cli("init", "--force", "--jurisdiction", "FR", cwd=tmp_path)
    assert nothing.returncode != 0 and "no catalog entry matches jurisdiction FR" in nothing.stderr


def test_catalog_entries_can_be_overridden(tmp_path):
    config = make_config(tmp_path, [{"id": "us-hhs-hipaa-news", "every": "30m"}], catalog=["us-hhs-*"])
    by_id = {s.id: s for s in config.sources}
    assert by_id["us-hhs-hipaa-news"].every == 1800
    assert by_id["us-hhs-hipaa-news"].options.select == "li.usa-collection__item"
    assert "us-hhs-hipaa-resolution-agreements" in by_id
