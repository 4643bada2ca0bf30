"""Open alerts come back: a snooze that ends and `remind_after` post one threaded reply each,
through the outbox (fake clock in-process, then the real service across a restart)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from servicerun import Service, wait_for
from slackapi import TOKEN
from workflowcase import ENV, make_change

from alerts.outbox import deliver_due
from watcher.config import load_config
from watcher.db.store import Store
from watcher.db.workstate import Action
from watcher.service.runner import build_channels
from watcher.workflow.actions import record
from watcher.workflow.inbox import open_alerts
from watcher.workflow.reminders import schedule_notices


def replies(slack) -> list[dict]:
    return [m for m in slack.messages("C0COMPLY01") if m.get("thread_ts")]


def deliver(store, channels, now) -> None:
    report = asyncio.run(deliver_due(store, channels, lambda: now))
    assert not report.errors, report.errors


def test_snooze_returns_and_reminder_once_with_a_fake_clock(site, cli, slack, tmp_path):
    config = make_change(site, cli, tmp_path, slack=slack)
    (parent,) = slack.messages("C0COMPLY01")
    channels = build_channels(load_config(config), env={"SLACK_BOT_TOKEN": TOKEN})
    store = Store(tmp_path / "regwatch.db")
    detected = store.change(1).detected_at
    two_days = timedelta(days=2)

    # Snoozed for a day: nothing while it lasts, one reply in the thread when it ends.
    start = detected + timedelta(hours=1)
    record(
        store,
        Action(
            change_id=1,
            action="snooze",
            user_name="dana",
            user_id="U0DANA01",
            via="cli",
            at=start,
            until=start + timedelta(days=1),
        ),
    )
    assert open_alerts(store, start + timedelta(hours=1)) == []
    assert schedule_notices(store, channels, start + timedelta(hours=23), remind_after=two_days) == 0
    back = start + timedelta(days=1, seconds=1)
    assert schedule_notices(store, channels, back, remind_after=two_days) == 1
    deliver(store, channels, back)
    (reply,) = replies(slack)
    assert reply["thread_ts"] == parent["ts"]
    assert reply["text"].startswith("⏰ Snooze over: change #1 (HHS news) is open again.")
    assert any(b["type"] == "actions" for b in reply["blocks"])  # act on it right there
    assert schedule_notices(store, channels, back + timedelta(hours=1), remind_after=two_days) == 0
    assert [r["change_id"] for r in open_alerts(store, back)] == [1]

    # Still open two days after it came back: one nudge, never a second, also after a restart.
    assert (
        schedule_notices(store, channels, back + two_days - timedelta(seconds=2), remind_after=two_days) == 0
    )
    late = back + two_days + timedelta(seconds=1)
    assert schedule_notices(store, channels, late, remind_after=two_days) == 1
    deliver(store, channels, late)
    store.close()
    store = Store(tmp_path / "regwatch.db")  # a restart
    assert schedule_notices(store, channels, late + timedelta(days=5), remind_after=two_days) == 0
    deliver(store, channels, late + timedelta(days=5))
    texts = [r["text"] for r in replies(slack)]
    assert len(texts) == 2 and texts[1].startswith(
        "⏰ Still open: nobody has acknowledged change #1 (HHS news) yet."
    )

    # Acknowledged changes are left alone.
    record(store, Action(change_id=1, action="ack", user_name="dana", via="cli", at=late))
    assert open_alerts(store, late + timedelta(days=9)) == []
    store.close()


def test_the_service_reminds_once_across_a_restart(site, cli, slack, tmp_path):
    config = make_change(
        site, cli, tmp_path, slack=slack, workflow={"remind_after": "1s"}, service={"deliver_every": 0.3}
    )
    first = Service(config, env=ENV).wait_started()
    try:
        wait_for(lambda: replies(slack), 20, "a reminder")
    finally:
        assert first.stop() == 0, first.stderr
    second = Service(config, env=ENV, name="again").wait_started()
    try:
        time.sleep(2)  # several delivery rounds (every 0.3 s)
    finally:
        assert second.stop() == 0, second.stderr
    (reply,) = replies(slack)
    assert "Still open" in reply["text"]
