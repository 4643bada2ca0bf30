"""A digest shows several changes; an action from its menu applies to that change alone and
rewrites the digest in place (the engine's handler, in process, with a fake clock)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from localsite import listing_page
from slackapi import TOKEN
from workflowcase import ENV, ITEMS, NEW, make_change

from alerts.outbox import deliver_due
from alerts.slack_actions import Press
from watcher.config import load_config
from watcher.db.store import Store
from watcher.service.runner import build_channels
from watcher.workflow.interactions import Interactions
from watcher.workflow_config import SlackApp

LATER = ("2024-10-22", "OCR publishes HIPAA audit protocol", "/news/audit.html")


def test_an_action_in_a_digest_applies_to_its_change_only(site, cli, slack, tmp_path):
    config = make_change(site, cli, tmp_path, slack=slack, channel={"digest": "daily"})
    site.set("/news", listing_page([LATER, NEW, *ITEMS]))
    assert cli("--config", str(config), "check", env=ENV).returncode == 0
    assert slack.messages("C0COMPLY01") == []  # held for the digest

    store = Store(tmp_path / "regwatch.db")
    channels = build_channels(load_config(config), env={"SLACK_BOT_TOKEN": TOKEN})
    now = store.change(2).detected_at + timedelta(days=1)
    report = asyncio.run(deliver_due(store, channels, lambda: now))
    assert report.digests == 1 and report.sent == 1, report.errors
    (digest,) = slack.messages("C0COMPLY01")
    members = [
        b["block_id"] for b in digest["blocks"] if b.get("block_id", "").startswith("regwatch-member-")
    ]
    assert members == ["regwatch-member-1", "regwatch-member-2"]

    handler = Interactions(store, lambda: channels, SlackApp(), lambda: now)
    user = {"id": "U0DANA01", "username": "dana", "team_id": "T0TEST"}
    done = asyncio.run(
        handler.act(Press(2, "ack"), user, "T0TEST", "C0COMPLY01", digest["ts"], "slack-socket", "")
    )
    assert done
    assert slack.method_calls("chat.update") == 1  # the digest, not a member as a message of its own
    (updated,) = slack.messages("C0COMPLY01")
    lines = {
        b["block_id"]: b["text"]["text"]
        for b in updated["blocks"]
        if b.get("block_id", "").startswith("regwatch-member-")
    }
    assert lines["regwatch-member-1"].endswith("— open")
    assert "✅ Acknowledged by <@U0DANA01>" in lines["regwatch-member-2"]
    assert [a.change_id for a in store.actions()] == [2]

    # A change the digest does not show cannot be acted on through it.
    assert not asyncio.run(
        handler.act(Press(3, "ack"), user, "T0TEST", "C0COMPLY01", digest["ts"], "slack-socket", "")
    )
    store.close()
