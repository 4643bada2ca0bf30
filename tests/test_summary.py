"""The weekly summary (`summary = "weekly"`): one message on Monday 09:00 UTC with the
week's new documents by jurisdiction, regulator and type, the next 14 days' deadlines and
the broken or quiet sources, within Slack's limits, once."""

from __future__ import annotations

from datetime import UTC, datetime

from frfacts import FR, fr_source, page
from passes import pass_at
from slackapi import TOKEN, validate_blocks

from watcher.config import load_config
from watcher.service.runner import build_channels
from watcher.service.summary import week_end


def test_week_end_is_the_last_monday_nine_utc():
    assert week_end(datetime(2024, 2, 5, 9, 30, tzinfo=UTC)) == datetime(2024, 2, 5, 9, 0, tzinfo=UTC)
    assert week_end(datetime(2024, 2, 5, 8, 59, tzinfo=UTC)) == datetime(2024, 1, 29, 9, 0, tzinfo=UTC)
    assert week_end(datetime(2024, 2, 11, 23, 0, tzinfo=UTC)) == datetime(2024, 2, 5, 9, 0, tzinfo=UTC)


def test_one_weekly_summary_with_counts_deadlines_and_broken_sources(site, slack, config_file, tmp_path):
    site.set("/api/documents.json", page([]), content_type="application/json")
    path = config_file(
        sources=[
            fr_source(site.url("/api/documents.json")),
            {
                "id": "eu-gone",
                "url": site.url("/gone"),
                "kind": "page",
                "jurisdiction": "EU",
                "regulator": "EDPB",
            },
        ],
        channels=[
            {
                "id": "weekly",
                "kind": "slack",
                "slack_channel": "#compliance-alerts",
                "api_url": slack.api_url,
                "summary": "weekly",
                "health": False,
                "match": {"sources": ["nothing-*"]},  # only the summary goes here
            }
        ],
        health={"after_failures": 2},
    )
    config = load_config(path)
    channels = build_channels(config, env={"SLACK_BOT_TOKEN": TOKEN})
    at = pass_at(config, tmp_path / "regwatch.db", channels)

    at(datetime(2024, 1, 29, 12, 0, tzinfo=UTC))  # baseline; Monday's summary window has passed
    site.set("/api/documents.json", page(FR["results"]), content_type="application/json")
    at(datetime(2024, 1, 31, 10, 0, tzinfo=UTC))  # 4 new documents
    at(datetime(2024, 2, 1, 10, 0, tzinfo=UTC))  # eu-gone fails again: broken
    assert slack.messages("compliance-alerts") == []
    at(datetime(2024, 2, 5, 9, 30, tzinfo=UTC))  # Monday 09:00 passed: the summary
    at(datetime(2024, 2, 5, 10, 30, tzinfo=UTC))  # not twice
    for channel in channels.values():
        channel.close()

    (message,) = slack.messages("compliance-alerts")
    validate_blocks(message["blocks"])
    header, context, counts, deadlines, sources = message["blocks"]
    assert header["text"]["text"] == "regwatch weekly summary: 4 new documents, 1 change"
    assert context["elements"][0]["text"] == "29 Jan – 05 Feb 2024"
    fields = [f["text"] for f in counts["fields"]]
    assert fields == [
        "*By jurisdiction*\nUS 4",
        "*By regulator*\nFederal Register 4",
        "*By type*\nRule 2\nNotice 1\nProposed Rule 1",
    ]
    body = deadlines["text"]["text"]
    assert (
        "• Mon 12 Feb 2024 · Comments close: <https://www.federalregister.gov/documents/2024/01/12/2024-00553/"
        in body
    )
    assert "Thu 01 Feb" not in body and "05 Mar" not in body  # only the next 14 days
    assert sources["text"]["text"] == "*Sources broken:* eu-gone\n*Sources quiet:* none"
