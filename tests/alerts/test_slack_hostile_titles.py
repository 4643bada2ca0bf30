"""Regulators' titles that look like Slack markup reach Slack as text: escaped, never dropped,
within Block Kit's limits, posted once even when the first post's answer is lost.

A JSON API source (the Federal Register's shape) keeps a title exactly as the API wrote it,
`<!channel>` and all (an HTML page would read that as markup), so these titles reach the
renderer as a regulator could publish them. Delivered through slack-sdk to the strict
Slack-compatible server on 127.0.0.1 (tests/support/slackapi.py), which refuses what Slack
refuses (more than 50 blocks, a section over 3,000 characters, a header over 150).
"""

from __future__ import annotations

import asyncio
import html
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from frfacts import FR
from slackapi import TOKEN, SlackServer

from alerts.outbox import deliver_due
from watcher.config import parse_config
from watcher.db.store import Store
from watcher.service.runner import build_channels, run_pass

HOSTILE = [
    "<!channel> Final rule <@U0BOSS> <#C0GENERAL> <!subteam^S1|@team> <http://evil.example|click here>",
    "&lt;b&gt; already escaped &amp; entities & a bare ampersand",
    "*Interim* _final_ ~rule~ `code` ```block``` > not a quote",
    "Notice " + "&<>" * 1500,  # 4,507 characters, each & < > an entity five times as long
    "🚨 Breaking: rule on 👪 family data 🇪🇺 🏳️",
    "قرار رقم ٥ لسنة ٢٠٢٤ بشأن حماية البيانات الشخصية",
    "Data\u200bProtection\u2060Rule \u202eevil\u202c",
]


def page(titles: list[str]) -> str:
    results = [
        dict(FR["results"][i % len(FR["results"])], document_number=f"2024-{i:05d}", title=t,
             html_url=f"https://www.federalregister.gov/d/2024-{i:05d}")
        for i, t in enumerate(titles)
    ]  # fmt: skip
    return json.dumps({"results": results})


def run(config: Any, db: Path, moment: datetime) -> None:
    store = Store(db)
    channels = build_channels(config, env={"SLACK_BOT_TOKEN": TOKEN})
    try:
        asyncio.run(run_pass(config, store, channels=channels, clock=lambda: moment, deliver=False))
        asyncio.run(deliver_due(store, channels, lambda: moment))
    finally:
        for channel in channels.values():
            channel.close()
        store.close()


def rendered(message: dict[str, Any]) -> str:
    """Every text Slack would show of a message: its fallback and each text object."""
    out = [message["text"]]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                (out.append(inner) if key == "text" and isinstance(inner, str) else walk(inner))
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(message["blocks"])
    return "\n".join(out)


def test_hostile_titles_arrive_as_escaped_text_once_and_within_limits(site, slack: SlackServer, tmp_path):
    site.set("/documents.json", page(["HIPAA Privacy Rule"]), content_type="application/json")
    config = parse_config(
        {
            "allow_private": True,
            "database": str(tmp_path / "regwatch.db"),
            "sources": [{"id": "us-fr-hhs", "url": site.url("/documents.json"), "kind": "json", "next": ""}],
            "channels": [{"id": "alerts", "kind": "slack", "slack_channel": "#compliance-alerts",
                          "api_url": slack.api_url}],
        },
        path=None,
    )  # fmt: skip
    moment = datetime(2024, 10, 18, 9, 0, tzinfo=UTC)
    run(config, tmp_path / "regwatch.db", moment)
    many = HOSTILE + [f"{HOSTILE[i % len(HOSTILE)]} ({i})" for i in range(60)]  # more than 50 blocks' worth
    site.set("/documents.json", page(["HIPAA Privacy Rule", *many]), content_type="application/json")
    slack.drop(1)  # the first post reaches Slack, its answer is lost: reconciled, not posted again
    run(config, tmp_path / "regwatch.db", moment + timedelta(minutes=1))
    run(config, tmp_path / "regwatch.db", moment + timedelta(minutes=30))
    (message,) = slack.messages()  # accepted by the strict server, once
    assert len(message["blocks"]) <= 50
    text = rendered(message)
    for markup in ("<!channel>", "<@U0BOSS>", "<#C0GENERAL>", "<!subteam", "<http://evil"):
        assert markup not in text
    shown = html.unescape(text)
    for title in (HOSTILE[0], HOSTILE[2], HOSTILE[4], HOSTILE[5]):
        assert title in shown, title  # the regulator's words, whole, as text
    assert "<b> already escaped & entities & a bare ampersand" in shown  # the API's entities read once
    assert "Notice &<>&<>&<>" in shown  # the long one, cut, its characters kept
    assert "DataProtectionRule evil" in shown  # invisible characters removed, the words kept
    assert "\u202e" not in text and "\u200b" not in text
