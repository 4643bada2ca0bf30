"""Reminders before document dates, with the clock moved forward: once per document and
offset, threaded under the document's alert in Slack, exactly once through kills between
claim and send, and one correction when a deadline moves."""

from __future__ import annotations

import subprocess
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from clirun import run_remind
from frfacts import FR, fr_source, page
from slackapi import TOKEN

from watcher.dates.reminders import DateRow, plan

DAY = timedelta(days=1)
OFFSETS = [14 * DAY, 3 * DAY, DAY]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- the pure planner ------------------------------------------------------------------------


def row(on: str, first_seen: str, **extra) -> DateRow:
    return DateRow(
        id=7, source_id="s", on=date.fromisoformat(on), first_seen=at(first_seen), change_id=3, **extra
    )


def subjects(rows: list[DateRow], now: str) -> list[str]:
    return [p.subject for p in plan(rows, {"s": [("slack", OFFSETS)]}, at(now))]


def test_plan_is_due_from_each_offset_until_the_day_ends():
    dated = [row("2024-02-12", "2024-01-02T09:00")]
    assert subjects(dated, "2024-01-28T23:59") == []
    assert subjects(dated, "2024-01-29T00:00") == ["reminder:7:2024-02-12:14d"]
    assert subjects(dated, "2024-02-11T08:00") == [
        "reminder:7:2024-02-12:14d",
        "reminder:7:2024-02-12:3d",
        "reminder:7:2024-02-12:1d",
    ]  # the outbox keeps only the ones not yet written
    assert subjects(dated, "2024-02-13T00:00") == []  # the day is over


def test_a_date_past_or_near_when_first_seen_gets_no_late_reminders():
    assert subjects([row("2024-01-05", "2024-01-10T09:00")], "2024-01-10T10:00") == []
    near = [row("2024-02-12", "2024-02-07T09:00")]  # first seen 5 days before
    assert subjects(near, "2024-02-09T01:00") == ["reminder:7:2024-02-12:3d"]  # no "14 days before"
    assert subjects(near, "2024-02-11T01:00") == ["reminder:7:2024-02-12:3d", "reminder:7:2024-02-12:1d"]


def test_a_moved_date_gives_a_correction_and_new_reminders_only():
    moved = [
        row("2024-02-20", "2024-01-02T09:00", moved_at=at("2024-02-01T10:00"), previous_on=date(2024, 2, 12))
    ]
    assert subjects(moved, "2024-02-01T10:05") == ["correction:7:2024-02-20"]
    assert subjects(moved, "2024-02-06T00:00") == ["correction:7:2024-02-20", "reminder:7:2024-02-20:14d"]


def test_no_offsets_means_no_reminders():
    assert plan([row("2024-02-12", "2024-01-02T09:00")], {"s": [("slack", [])]}, at("2024-02-11T00:00")) == []


# -- end to end, the clock moved forward ----------------------------------------------------


def test_reminders_go_out_once_threaded_through_kills_and_a_moved_deadline_corrects(
    site, slack, config_file, tmp_path
):
    site.set("/api/documents.json", page([]), content_type="application/json")
    config = config_file(
        sources=[fr_source(site.url("/api/documents.json"), regulator=None)],
        channels=[
            {
                "id": "compliance",
                "kind": "slack",
                "slack_channel": "#compliance-alerts",
                "api_url": slack.api_url,
            }
        ],
        reminders={"before": ["14d", "3d", "1d"]},
    )

    def run(moment: str, *more: str, crash: str = "") -> subprocess.CompletedProcess[str]:
        return run_remind(config, moment, *more, env={"SLACK_BOT_TOKEN": TOKEN}, crash=crash)

    def replies() -> list[dict]:
        return [m for m in slack.messages("compliance-alerts") if m.get("thread_ts")]

    run("2024-01-10T09:00:00+00:00", "check")  # baseline: nothing listed yet
    site.set("/api/documents.json", page(FR["results"]), content_type="application/json")
    run("2024-01-12T10:00:00+00:00", "check")  # 4 new documents: one alert
    (alert,) = slack.messages("compliance-alerts")
    parent = alert["ts"]

    run("2024-01-18T12:00:00+00:00")  # 14 days before both rules take effect (1 Feb)
    assert len(replies()) == 2
    assert "Takes effect in 14 days (Thu 01 Feb 2024)" in replies()[0]["text"]
    run("2024-01-18T13:00:00+00:00")  # nothing new an hour later
    assert len(replies()) == 2

    # 29 Jan: 3 days before 1 Feb (x2), 14 days before 12 Feb; killed after claiming.
    run("2024-01-29T01:00:00+00:00", crash="after_claim:1")
    run("2024-01-29T01:00:00+00:00")
    assert len(replies()) == 5
    # 31 Jan: 1 day before 1 Feb (x2); killed after Slack accepted one, before recording it.
    run("2024-01-31T00:30:00+00:00", crash="after_send:1")
    run("2024-01-31T00:30:00+00:00")
    assert len(replies()) == 7

    # The comment period of the proposed rule is extended: only the field moves.
    extended = [dict(r) for r in FR["results"]]
    extended[2]["comments_close_on"] = "2024-02-20"
    site.set("/api/documents.json", page(extended), content_type="application/json")
    run("2024-02-01T10:00:00+00:00", "check")
    run("2024-02-01T10:05:00+00:00")
    corrections = [m for m in replies() if "Date moved" in m["text"]]
    assert len(corrections) == 1
    assert "comments now close Tue 20 Feb 2024 (was Mon 12 Feb 2024)" in corrections[0]["text"]
    run("2024-02-06T01:00:00+00:00")  # 14 days before the new date (not the old one's 3 days)
    run("2024-02-06T02:00:00+00:00")
    texts = [m["text"] for m in replies()]
    assert len(texts) == 9
    assert sum("Comments close in 14 days (Tue 20 Feb 2024)" in t for t in texts) == 1
    assert not any("Mon 12 Feb 2024)" in t and "Comments close in 3 days" in t for t in texts)

    assert all(m["thread_ts"] == parent for m in replies())  # threaded under the alert
    assert set(Counter(slack.keys("compliance-alerts")).values()) == {1}  # never twice
    # The alert, 9 threaded reminders and corrections, and the extension itself: a field change
    # of the document is a change of its own (issue 13), alerted once at the top level.
    top = [m for m in slack.messages("compliance-alerts") if not m.get("thread_ts")]
    assert len(top) == 2 and "comment deadline 2024-02-12 → 2024-02-20" in str(top[1]["blocks"])
    assert len(slack.messages("compliance-alerts")) == 11
