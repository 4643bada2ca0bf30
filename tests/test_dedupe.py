"""One document, one alert per channel (issue #13, point 7).

The HTI-1 final rule (FR Doc. 2023-28857, amending 45 CFR parts 170 and 171) appears in three
catalog-like Federal Register sources (HHS rules, 45 CFR 170, 45 CFR 171) served on 127.0.0.1
from the real Federal Register response in tests/pages/federal-register-api-json/. In one pass
all three see it: each Slack channel (the local Slack-compatible server, through slack-sdk)
gets exactly one message, naming the three sources; a channel that hears only some of the
sources still gets its own. History keeps one document with three sightings.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from passes import Passes, make_config
from slackapi import TOKEN

from sources.catalog import load_catalog
from watcher.db.docidentity import document_key
from watcher.model import Item

PAGES = Path(__file__).parent / "pages"
FR = json.loads((PAGES / "federal-register-api-json/documents-sample.json").read_text("utf-8"))
NEWEST_FIRST = sorted(
    FR["results"], key=lambda r: (r["publication_date"], r["document_number"]), reverse=True
)
HTI1 = next(r for r in NEWEST_FIRST if r["document_number"] == "2023-28857")
HHS_RULES = [
    r
    for r in NEWEST_FIRST
    if "Health and Human Services Department" in r["agency_names"] and "Rule" in r["type"]
]
CATALOG = {entry["id"]: entry for entry in load_catalog()}
SOURCES = ("us-fr-hhs-rules", "us-fr-45cfr170", "us-fr-45cfr171")


def page(records: list[dict]) -> str:
    return json.dumps(
        {**{k: v for k, v in FR.items() if k != "results"}, "next_page_url": None, "results": records}
    )


def setup(site, slack, tmp_path, monkeypatch, **top) -> Passes:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    before = {
        "us-fr-hhs-rules": [r for r in HHS_RULES if r is not HTI1],
        "us-fr-45cfr170": [],
        "us-fr-45cfr171": [],
    }
    sources = []
    for sid in SOURCES:
        entry = CATALOG[sid]
        site.set(f"/{sid}.json", page(before[sid]), content_type="application/json")
        sources.append(
            {
                "id": sid,
                "name": entry["name"],
                "url": site.url(f"/{sid}.json"),
                "kind": "json",
                "tags": entry["tags"],
                "fields": entry["fields"],
                "next": "",
            }
        )
    channels = [
        {
            "id": "compliance",
            "kind": "slack",
            "slack_channel": "#compliance-alerts",
            "api_url": slack.api_url,
        },
        {"id": "privacy", "kind": "slack", "slack_channel": "#privacy", "api_url": slack.api_url},
        # hears only the health-IT sources (tag "onc"), not the HHS rules one
        {
            "id": "onc",
            "kind": "slack",
            "slack_channel": "#general",
            "api_url": slack.api_url,
            "match": {"tags": ["onc"]},
        },
    ]
    passes = Passes(make_config(tmp_path, sources, channels=channels, **top), tmp_path / "r.db")
    first = passes.run(deliver=True)
    assert [o.status for o in first.outcomes] == ["baseline"] * 3
    return passes


def publish(site) -> None:
    site.set("/us-fr-hhs-rules.json", page(HHS_RULES), content_type="application/json")
    site.set("/us-fr-45cfr170.json", page([HTI1]), content_type="application/json")
    site.set("/us-fr-45cfr171.json", page([HTI1]), content_type="application/json")


def test_one_document_in_three_sources_is_one_slack_message_per_channel(site, slack, tmp_path, monkeypatch):
    passes = setup(site, slack, tmp_path, monkeypatch)
    publish(site)
    second = passes.run(deliver=True)
    assert sorted(o.status for o in second.outcomes) == ["changed"] * 3
    names = [CATALOG[sid]["name"] for sid in SOURCES]
    for channel in ("compliance-alerts", "privacy", "general"):
        [message] = slack.messages(channel)
        text = json.dumps(message["blocks"], ensure_ascii=False)
        assert "Health Data, Technology, and Interoperability" in text, channel
        for name in names if channel != "general" else names[1:]:
            assert name in text, (channel, name)
    with sqlite3.connect(tmp_path / "r.db") as conn:
        assert conn.execute("SELECT doc_key FROM documents").fetchall() == [("fr:2023-28857",)]
        sightings = conn.execute("SELECT source_id FROM sightings ORDER BY source_id").fetchall()
        assert sightings == [(sid,) for sid in sorted(SOURCES)]
        assert conn.execute("SELECT count(*) FROM changes").fetchone() == (3,)


def test_outside_the_window_the_same_document_alerts_again(site, slack, tmp_path, monkeypatch):
    passes = setup(site, slack, tmp_path, monkeypatch, dedupe={"window": "30s"})
    site.set("/us-fr-45cfr170.json", page([HTI1]), content_type="application/json")
    passes.run(deliver=True)
    site.set("/us-fr-45cfr171.json", page([HTI1]), content_type="application/json")
    passes.run(deliver=True)  # a minute later: outside a 30 s window
    assert len(slack.messages("privacy")) == 2


DOCUMENTS = [
    ("fr key", Item("document_number:2023-28857", "t"), "fr:2023-28857"),
    (
        "fr link",
        Item(
            "guid:1", "t", link="https://www.federalregister.gov/documents/2024/01/09/2023-28857/health-data"
        ),
        "fr:2023-28857",
    ),
    (
        "celex",
        Item("x", "t", link="https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32016R0679"),
        "celex:32016R0679",
    ),
    ("eli", Item("x", "t", link="http://data.europa.eu/eli/reg/2016/679/oj"), "eli:reg/2016/679/oj"),
    ("doi", Item("x", "t", link="https://doi.org/10.1001/jama.2024.1234"), "doi:10.1001/jama.2024.1234"),
    ("url", Item("x", "t", link="http://www.fda.gov/news/a/"), "url://fda.gov/news/a"),
    ("title only", Item("title:notice", "Notice"), ""),
]


@pytest.mark.parametrize(("what", "item", "expected"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_document_identity(what, item, expected):
    assert document_key(item) == expected
