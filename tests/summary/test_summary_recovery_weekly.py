"""Model summaries across a crash, against the hourly budget, and in the weekly summary:
the real Federal Register documents (tests/pages/federal-register-api-json, see its
SOURCE.md) served by a json source, the local OpenAI-compatible server, the local Slack
server, a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from alertworld import slack_channel
from clirun import write_config
from frfacts import FIELDS, FR, fr_source, page
from openaiapi import ModelServer
from passes import pass_at
from slackapi import TOKEN, validate_blocks

from watcher.config import load_config
from watcher.db.crashpoints import EXIT_CODE
from watcher.service.runner import build_channels

SUMMARY = "The Federal Register published four documents, with comment deadlines in February."
MARK = "machine-written, model local-test"


@pytest.fixture
def model():
    server = ModelServer(default=SUMMARY)
    yield server
    server.close()


def model_section(blocks) -> str:
    """The text of the section right after the header's context line: where the summary goes."""
    blocks = list(blocks)
    context = next(i for i, b in enumerate(blocks) if b["type"] == "context")
    return blocks[context + 1]["text"]["text"]


def fr_config(tmp_path, site, slack, model, *, channel=None, **summary):
    return write_config(
        tmp_path / "regwatch.toml",
        sources=[fr_source(site.url("/api/documents.json"))],
        channels=[slack_channel(slack, **(channel or {}))],
        summary={"base_url": model.base_url, "model": "local-test", "timeout": 5, **summary},
    )


def test_a_crash_after_the_summary_is_stored_sends_the_alert_once_without_asking_again(
    site, slack, model, tmp_path, cli
):
    site.set("/api/documents.json", page([]), content_type="application/json")
    config = fr_config(tmp_path, site, slack, model)
    env = {"SLACK_BOT_TOKEN": TOKEN}
    assert cli("--config", str(config), "check", env=env).returncode == 0
    site.set("/api/documents.json", page(FR["results"]), content_type="application/json")
    crashed = cli("--config", str(config), "check", env={**env, "REGWATCH_CRASH_AT": "after_summary:1"})
    assert crashed.returncode == EXIT_CODE, crashed.stderr
    assert slack.messages("compliance-alerts") == []  # held in 'enriching' when it died
    assert len(model.requests) == 1
    prompt = model.prompts()[0]
    assert "New document: " + FR["results"][0]["title"] in prompt  # the new documents' facts

    again = cli("--config", str(config), "check", env=env)
    assert again.returncode == 0, again.stderr
    assert len(model.requests) == 1  # recovery reused the stored answer
    (message,) = slack.messages("compliance-alerts")
    validate_blocks(message["blocks"])
    assert model_section(message["blocks"]) == f"*Summary* _({MARK})_\n{SUMMARY}"


def test_past_the_hourly_budget_alerts_go_out_without_a_summary(site, slack, model, tmp_path, cli):
    site.set("/api/documents.json", page([]), content_type="application/json")
    config = fr_config(tmp_path, site, slack, model, max_per_hour=1)
    env = {"SLACK_BOT_TOKEN": TOKEN}
    assert cli("--config", str(config), "check", env=env).returncode == 0
    site.set("/api/documents.json", page(FR["results"][:2]), content_type="application/json")
    assert cli("--config", str(config), "check", env=env).returncode == 0  # asked: 1 of 1
    site.set("/api/documents.json", page(FR["results"]), content_type="application/json")
    assert cli("--config", str(config), "check", env=env).returncode == 0  # budget spent
    assert len(model.requests) == 1
    first, second = slack.messages("compliance-alerts")
    assert f"*Summary* _({MARK})_\n{SUMMARY}" in model_section(first["blocks"])
    assert model_section(second["blocks"]) == f"_Summary unavailable (budget; {MARK})_"
    db = sqlite3.connect(tmp_path / "regwatch.db")
    assert db.execute("SELECT status, error, called FROM change_summaries ORDER BY change_id").fetchall() == [
        ("ok", "", 1),
        ("unavailable", "budget", 0),
    ]


def test_the_weekly_summary_has_the_weeks_changes_in_brief(site, slack, model, tmp_path):
    site.set("/api/documents.json", page([]), content_type="application/json")
    path = fr_config(tmp_path, site, slack, model, channel={"summary": "weekly"})
    config = load_config(path)
    channels = build_channels(config, env={"SLACK_BOT_TOKEN": TOKEN})
    at = pass_at(config, tmp_path / "regwatch.db", channels)

    at(datetime(2024, 1, 29, 12, 0, tzinfo=UTC))
    site.set("/api/documents.json", page(FR["results"]), content_type="application/json")
    at(datetime(2024, 1, 31, 10, 0, tzinfo=UTC))
    at(datetime(2024, 2, 5, 9, 30, tzinfo=UTC))
    for channel in channels.values():
        channel.close()
    alert, weekly = slack.messages("compliance-alerts")
    assert model_section(alert["blocks"]) == f"*Summary* _({MARK})_\n{SUMMARY}"
    validate_blocks(weekly["blocks"])
    assert weekly["blocks"][0]["text"]["text"].startswith("regwatch weekly summary: 4 new documents")
    assert weekly["blocks"][-1]["text"]["text"] == (
        f"*Changes in brief* _({MARK})_\n• *Federal Register test*: {SUMMARY}"
    )


def test_changes_summarised_at_the_same_time_share_the_hourly_budget(site, slack, model, tmp_path):
    """Two sources change in one pass and are summarised concurrently: with max_per_hour = 1
    the model is asked once, though neither answer is stored when the other asks."""
    for path in ("/a.json", "/b.json"):
        site.set(path, page([]), content_type="application/json")
    source = {"kind": "json", "fields": FIELDS, "next": "", "jurisdiction": "US"}
    path = write_config(
        tmp_path / "regwatch.toml",
        sources=[
            {"id": "us-fr-a", "url": site.url("/a.json"), **source},
            {"id": "us-fr-b", "url": site.url("/b.json"), **source},
        ],
        channels=[slack_channel(slack)],
        summary={"base_url": model.base_url, "model": "local-test", "timeout": 10, "max_per_hour": 1},
    )
    config = load_config(path)
    channels = build_channels(config, env={"SLACK_BOT_TOKEN": TOKEN})
    at = pass_at(config, tmp_path / "regwatch.db", channels)

    at(datetime(2024, 1, 29, 12, 0, tzinfo=UTC))
    site.set("/a.json", page(FR["results"][:2]), content_type="application/json")
    site.set("/b.json", page(FR["results"][2:]), content_type="application/json")
    model.delay(2, SUMMARY)  # the first answer takes a while: both are in flight together
    at(datetime(2024, 1, 29, 13, 0, tzinfo=UTC))
    for channel in channels.values():
        channel.close()
    assert len(model.requests) == 1
    texts = sorted(model_section(m["blocks"]) for m in slack.messages("compliance-alerts"))
    assert texts == [f"*Summary* _({MARK})_\n{SUMMARY}", f"_Summary unavailable (budget; {MARK})_"]
