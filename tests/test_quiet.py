"""Sources gone quiet: a source that changed every week and then stopped gets exactly one
"quiet" health notice (and shows quiet in `regwatch status`), and one "active again" when
it changes; the decision itself is a pure function of its change times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from localsite import LISTING_SOURCE, listing_page
from passes import pass_at
from slackapi import TOKEN

from watcher.config import load_config
from watcher.service.quiet import cadence, decide
from watcher.service.runner import build_channels

START = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
DAY = timedelta(days=1)


def weekly(n: int) -> list[datetime]:
    return [START + i * WEEK for i in range(n)]


def test_cadence_needs_enough_changes():
    assert cadence(weekly(4)) is None
    learnt = cadence(weekly(6))
    assert learnt is not None and learnt.median_gap == WEEK and learnt.last_change == START + 5 * WEEK


def test_decide_quiet_only_past_the_factor_and_the_floor_then_active_again():
    times = weekly(6)
    last = times[-1]
    assert decide(times, last + 27 * DAY, quiet_since=None) is None  # < 30 days
    assert decide(times, last + 31 * DAY, quiet_since=None).state == "quiet"  # > 4 weeks and 30 days
    assert decide(times[:4], last + 300 * DAY, quiet_since=None) is None  # too little history
    monthly = [START + i * 30 * DAY for i in range(6)]
    assert decide(monthly, monthly[-1] + 100 * DAY, quiet_since=None) is None  # 4 × 30 days not yet
    assert decide(monthly, monthly[-1] + 121 * DAY, quiet_since=None).state == "quiet"
    said = last + 31 * DAY
    assert decide(times, last + 60 * DAY, quiet_since=said) is None  # said once
    assert decide([*times, last + 61 * DAY], last + 61 * DAY, quiet_since=said).state == "active"
    verdict = decide(times, last + 40 * DAY, quiet_since=None)
    assert "no change for 40 days; it usually changes every 7 days" in verdict.reason


def test_a_weekly_source_that_stops_gets_one_quiet_notice_and_one_active_again(
    site, slack, config_file, cli, tmp_path
):
    items: list[tuple[str, str, str]] = [("2023-12-20", "HHS settles with a clinic", "/news/0.html")]
    site.set("/news", listing_page(items))
    path = config_file(
        sources=[{"id": "us-hhs-news", "name": "HHS news", "url": site.url("/news"), **LISTING_SOURCE}],
        channels=[
            {"id": "ops", "kind": "slack", "slack_channel": "#compliance-alerts", "api_url": slack.api_url}
        ],
    )
    config = load_config(path)
    channels = build_channels(config, env={"SLACK_BOT_TOKEN": TOKEN})
    check = pass_at(config, tmp_path / "regwatch.db", channels)

    def notices() -> list[str]:
        return [
            m["text"]
            for m in slack.messages("compliance-alerts")
            if "Source quiet" in m["text"] or "active again" in m["text"]
        ]

    check(START - DAY)  # baseline
    for week in range(7):  # a new item every week: 7 changes
        items.insert(0, (f"2024-01-{1 + week:02d}", f"HHS notice {week}", f"/news/{week + 1}.html"))
        site.set("/news", listing_page(items))
        check(START + week * WEEK)
    last_change = START + 6 * WEEK
    for day in (10, 20, 29, 31, 35, 45, 60):  # then silence, checked now and then
        check(last_change + day * DAY)
    assert notices() == ["🔕 Source quiet: HHS news"]
    status = cli("--config", str(path), "status", "--json")
    (entry,) = json.loads(status.stdout)["sources"]
    assert entry["quiet"].startswith("no change for 31 days; it usually changes every 7 days")
    assert "quiet since 2024-" in cli("--config", str(path), "status").stdout

    items.insert(0, ("2024-04-01", "HHS is back", "/news/back.html"))
    site.set("/news", listing_page(items))
    check(last_change + 61 * DAY)
    check(last_change + 62 * DAY)
    assert notices() == ["🔕 Source quiet: HHS news", "🔔 Source active again: HHS news"]
    (entry,) = json.loads(cli("--config", str(path), "status", "--json").stdout)["sources"]
    assert entry["quiet"] is None
    for channel in channels.values():
        channel.close()
