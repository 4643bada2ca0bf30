"""Plain-text titles are kept as published and shown whole and inert in every channel.

The feeds are real captures (a Federal Register API response, the Guardian's RSS feed from
rss-parser's fixtures); the hostile titles are the ones from issue 13, added as a new
record and a new item, which is how such a title would arrive.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from email import message_from_bytes, policy
from pathlib import Path

from alertworld import console_channel, email_channel, slack_channel
from clirun import write_config
from slackapi import TOKEN

PAGES = Path(__file__).resolve().parent.parent / "pages"
FR = PAGES / "federal-register-api-json" / "documents-sample.json"
RSS = PAGES / "feeds-realworld-rss-parser" / "guardian.rss"

JSON_TITLE = "Request for Information: De-Identification Standards <!everyone>"
FEED_TITLE = "EDPB statement <!here> on <https://x.example/|international transfers> & adequacy decisions"
FEED_ITEM = (
    "<item><title>EDPB statement &lt;!here&gt; on &lt;https://x.example/|international transfers&gt;"
    " &amp; adequacy decisions</title><link>https://www.edpb.europa.eu/news/statement-transfers</link>"
    "<description>The EDPB adopted a statement.</description>"
    "<guid>https://www.edpb.europa.eu/news/statement-transfers</guid></item>"
)


def with_new_record(data: dict) -> str:
    new = copy.deepcopy(data)
    record = copy.deepcopy(new["results"][0])
    record.update(
        document_number="2025-99999",
        title=JSON_TITLE,
        html_url="https://www.federalregister.gov/d/2025-99999",
    )
    new["results"].insert(0, record)
    return json.dumps(new)


def test_hostile_titles_are_stored_whole_and_arrive_whole_and_inert(site, slack, mailbox, tmp_path, cli):
    box, port = mailbox
    data = json.loads(FR.read_text(encoding="utf-8"))
    rss = RSS.read_text(encoding="utf-8")
    site.set("/fr.json", json.dumps(data), content_type="application/json")
    site.set("/news.rss", rss, content_type="application/rss+xml")
    config = write_config(
        tmp_path / "regwatch.toml",
        sources=[
            {
                "id": "us-fr-hhs",
                "name": "Federal Register",
                "url": site.url("/fr.json"),
                "kind": "json",
                "next": "",
            },
            {"id": "eu-edpb-news", "name": "EDPB news", "url": site.url("/news.rss"), "kind": "feed"},
        ],
        channels=[
            console_channel(),
            slack_channel(slack),
            email_channel(port),
        ],
    )
    env = {"SLACK_BOT_TOKEN": TOKEN}
    assert cli("--config", str(config), "check", env=env).returncode == 0
    site.set("/fr.json", with_new_record(data), content_type="application/json")
    site.set("/news.rss", rss.replace("<item>", FEED_ITEM + "<item>", 1), content_type="application/rss+xml")
    result = cli("--config", str(config), "check", env=env)
    assert result.returncode == 0, result.stderr

    titles = {row[0] for row in sqlite3.connect(tmp_path / "regwatch.db").execute("SELECT title FROM items")}
    assert JSON_TITLE in titles and FEED_TITLE in titles  # stored as published

    assert JSON_TITLE in result.stdout and FEED_TITLE in result.stdout  # console: whole

    messages = slack.messages("compliance-alerts")
    assert len(messages) == 2
    payload = json.dumps(messages, ensure_ascii=False)
    assert "Request for Information: De-Identification Standards &lt;!everyone&gt;" in payload
    assert (
        "EDPB statement &lt;!here&gt; on &lt;https://x.example/|international transfers&gt;"
        " &amp;amp; adequacy decisions" not in payload
    )  # escaped once, not twice
    assert (
        "EDPB statement &lt;!here&gt; on &lt;https://x.example/|international transfers&gt;"
        " &amp; adequacy decisions" in payload
    )
    for live in ("<!everyone>", "<!here>", "<https://x.example"):
        assert live not in payload  # no mention, no link: the words are inert text

    mails = [message_from_bytes(raw, policy=policy.default) for raw in box.messages]
    texts = "\n".join(m.get_body(("plain",)).get_content() for m in mails)
    htmls = "\n".join(m.get_body(("html",)).get_content() for m in mails)
    assert JSON_TITLE in texts and FEED_TITLE in texts
    assert "De-Identification Standards &lt;!everyone&gt;" in htmls
    assert (
        "EDPB statement &lt;!here&gt; on &lt;https://x.example/|international transfers&gt; &amp; adequacy"
        in htmls
    )
    assert "<!here>" not in htmls and "<!everyone>" not in htmls
