"""Slack delivery through slack-sdk to a strict Slack-compatible server on 127.0.0.1:
routing, retries, outages, permanent errors, hostile text, limits, threads, digests, health."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from localsite import LISTING_SOURCE, listing_page
from slackapi import TOKEN, SlackServer

from alerts.outbox import deliver_due
from watcher.config import parse_config
from watcher.db.store import Store
from watcher.service.metrics import Metrics
from watcher.service.runner import build_channels, run_pass

ITEMS = [
    ("2024-10-01", "HHS settles HIPAA investigation with Acme Health", "/news/acme.html"),
    ("2024-09-15", "OCR issues guidance on online tracking", "/news/tracking.html"),
]
ENV = {"SLACK_BOT_TOKEN": TOKEN}


class Clock:
    def __init__(self, start: datetime = datetime(2024, 10, 1, 10, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def slack_channel(slack: SlackServer, id: str, where: str, **extra: Any) -> dict[str, Any]:
    return {"id": id, "kind": "slack", "slack_channel": where, "api_url": slack.api_url, **extra}


class World:
    """A config, a store file, channels built like the CLI builds them, and a clock."""

    def __init__(
        self,
        tmp_path: Path,
        sources: list[dict],
        channels: list[dict],
        env=None,
        metered: bool = False,
        **top: Any,
    ) -> None:
        self.config = parse_config(
            {"allow_private": True, "sources": sources, "channels": channels, **top}, path=None
        )
        self.store = Store(tmp_path / "regwatch.db")
        self.clock = Clock()
        self.env = ENV if env is None else env
        self.metered = metered  # deliver as `regwatch run` does: its metrics observe each send
        self.metrics = Metrics()
        self.hooks = [self.metrics.observe_delivery] if metered else []

    def channels(self):
        return build_channels(self.config, env=self.env)

    def check(self, **kwargs: Any):
        channels = self.channels()
        try:
            return asyncio.run(
                run_pass(self.config, self.store, channels=channels, clock=self.clock, **kwargs)
            )
        finally:
            for channel in channels.values():
                channel.close()

    def deliver(self):
        channels = self.channels()
        try:
            return asyncio.run(deliver_due(self.store, channels, self.clock, on_delivery=self.hooks))
        finally:
            for channel in channels.values():
                channel.close()

    def counted(self, name: str, **labels: str) -> float:
        """A counter of the service's metrics, e.g. counted("sent", channel="alerts")."""
        return self.metrics.registry.get_sample_value(f"regwatch_alerts_{name}_total", labels) or 0.0

    def rows(self, status: str | None = None) -> list[dict]:
        return list(reversed(self.store.deliveries(status=status, limit=10_000)))


def world_on_a(site, tmp_path: Path, channel: dict[str, Any], **world: Any) -> World:
    """One listing source "a" at /a with ITEMS, one channel, its baseline checked."""
    site.set("/a", listing_page(ITEMS))
    made = World(tmp_path, sources=[listing(site, "a", "/a")], channels=[channel], **world)
    made.check()
    return made


def listing(site, id: str, path: str, **extra: Any) -> dict[str, Any]:
    return {"id": id, "name": f"{id} news", "url": site.url(path), **LISTING_SOURCE, **extra}


def text_of(message: dict) -> str:
    """Every string Slack would render from a message (blocks and fallback text)."""
    out = [message["text"]]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "text" and isinstance(inner, str):
                    out.append(inner)
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(message["blocks"])
    return "\n".join(out)


def test_one_change_is_one_message_per_routed_channel(site, slack, tmp_path):
    site.set("/us", listing_page(ITEMS))
    site.set("/eu", listing_page(ITEMS))
    world = World(
        tmp_path,
        sources=[
            listing(site, "us-hhs-news", "/us", tags=["hipaa"], jurisdiction="US"),
            listing(site, "eu-edpb-news", "/eu", tags=["gdpr"], jurisdiction="EU"),
        ],
        channels=[
            slack_channel(slack, "hipaa", "#compliance-alerts", match={"tags": ["HIPAA"]}),
            slack_channel(slack, "europe", "C0PRIVACY1", match={"jurisdictions": ["eu"]}),
            slack_channel(slack, "everything", "#general"),
        ],
    )
    world.check()
    assert slack.messages() == []  # a baseline alerts nobody

    new = ("2024-10-20", "HHS announces HIPAA Security Rule NPRM", "/news/nprm.html")
    site.set("/us", listing_page([new, *ITEMS]))
    site.set(
        "/eu", listing_page([("2024-10-21", "EDPB adopts pseudonymisation guidelines", "/g.html"), *ITEMS])
    )
    result = world.check()
    assert result.delivery.sent == 4 and result.delivery.failed == 0

    hipaa = slack.messages("compliance-alerts")
    europe = slack.messages("privacy")
    everything = slack.messages("general")
    assert [m["metadata"]["event_payload"]["key"].split(":")[-1] for m in hipaa] == ["hipaa"]
    assert "HHS announces HIPAA Security Rule NPRM" in text_of(hipaa[0])
    assert len(europe) == 1 and "EDPB adopts pseudonymisation guidelines" in text_of(europe[0])
    assert len(everything) == 2
    header = hipaa[0]["blocks"][0]
    assert header["type"] == "header" and header["text"]["text"] == "us-hhs-news news: 1 new"
    assert f"<{site.url('/news/nprm.html')}|HHS announces HIPAA Security Rule NPRM>" in text_of(hipaa[0])
    assert "2024-10-20" in text_of(hipaa[0])
    sent = world.rows("sent")
    assert {r["ref"] for r in sent} == {m["ts"] for m in slack.messages()}
    assert all(r["permalink"].startswith("https://test.slack.com/archives/") for r in sent)

    again = world.check()  # nothing new: nothing sent
    assert again.delivery.sent == 0 and len(slack.messages()) == 4


def changes_on(site, world: World, sources: list[str], round: int) -> None:
    for path in sources:
        site.set(
            path,
            listing_page([(f"2024-10-2{round}", f"Notice {round} of {path}", f"{path}/{round}"), *ITEMS]),
        )
    world.check(deliver=False)
    world.clock.advance(minutes=1)


def test_rate_limit_and_outage_delay_delivery_but_lose_and_duplicate_nothing(site, slack, tmp_path):
    paths = ["/a", "/b", "/c"]
    for path in paths:
        site.set(path, listing_page(ITEMS))
    world = World(
        tmp_path,
        sources=[listing(site, p.strip("/"), p) for p in paths],
        channels=[slack_channel(slack, "alerts", "#compliance-alerts")],
    )
    world.check()
    changes_on(site, world, paths, 1)
    changes_on(site, world, paths, 2)
    expected = [r["subject"] for r in world.rows()]
    assert len(expected) == 6

    slack.rate_limit(
        2, retry_after=1, methods=["chat.postMessage"]
    )  # one retried in place, one by the outbox
    first = world.deliver()
    assert first.sent == 0 and first.retried == 1
    assert slack.method_calls("chat.postMessage") == 2  # slack-sdk's handler waited and tried once more
    assert world.rows("pending")[0]["last_error"].endswith("HTTP 429 ratelimited")
    world.clock.advance(seconds=1)
    assert world.deliver().sent == 0  # backoff (at least Retry-After) not over: the channel waits, in order
    assert slack.method_calls("chat.postMessage") == 2

    slack.outage(10)
    rounds = 0
    while world.rows("pending") and rounds < 40:
        world.clock.advance(hours=1)
        world.deliver()
        rounds += 1
    assert rounds >= 10 and not slack.faults
    keys = slack.keys("compliance-alerts")
    assert [k.split(":")[2] for k in keys] == [s.split(":")[1] for s in expected]  # all, once, in order
    assert len(set(keys)) == 6
    assert {r["status"] for r in world.rows()} == {"sent"}


def test_invalid_auth_is_permanent_and_blocks_nothing(site, slack, tmp_path, cli):
    site.set("/a", listing_page(ITEMS))
    world = World(
        tmp_path,
        sources=[listing(site, "a", "/a")],
        channels=[
            slack_channel(slack, "broken", "#general", token_env="WRONG_TOKEN"),
            slack_channel(slack, "working", "#compliance-alerts"),
        ],
        env={**ENV, "WRONG_TOKEN": "xoxb-not-the-right-one"},
    )
    world.check()
    site.set("/a", listing_page([("2024-10-20", "First", "/1"), *ITEMS]))
    world.check(deliver=False)
    site.set("/a", listing_page([("2024-10-21", "Second", "/2"), ("2024-10-20", "First", "/1"), *ITEMS]))
    world.check(deliver=False)
    slack.fail(1, "invalid_blocks", methods=["chat.postMessage"], channel="#compliance-alerts")
    report = world.deliver()
    assert report.failed == 3 and report.sent == 1
    failed = world.rows("failed")
    assert {r["channel"] for r in failed} == {"broken", "working"}
    assert all("invalid_auth" in r["last_error"] for r in failed if r["channel"] == "broken")
    assert "invalid_blocks" in next(r for r in failed if r["channel"] == "working")["last_error"]
    assert len(slack.messages("compliance-alerts")) == 1  # the later row was not blocked
    assert world.deliver().sent == 0  # permanent means permanent

    shown = cli("--db", str(tmp_path / "regwatch.db"), "alerts", "--failed")
    assert shown.returncode == 0, shown.stderr
    header, *lines = shown.stdout.splitlines()
    assert header.split()[:3] == ["ID", "STATUS", "CHANNEL"]
    assert len(lines) == 3 and all(" failed " in line for line in lines)
    assert sum("invalid_auth" in line for line in lines) == 2
    assert "xoxb-not-the-right-one" not in shown.stdout + shown.stderr

    bad_layout = next(r for r in failed if r["channel"] == "working")["id"]
    retried = cli("--db", str(tmp_path / "regwatch.db"), "alerts", "retry", str(bad_layout))
    assert retried.returncode == 0 and f"queued delivery {bad_layout}" in retried.stdout
    world.clock.now = datetime.now(UTC)  # the CLI queued it for "now"
    assert world.deliver().sent == 1
    assert len(slack.messages("compliance-alerts")) == 2
    not_failed = cli("--db", str(tmp_path / "regwatch.db"), "alerts", "retry", str(bad_layout))
    assert not_failed.returncode == 1 and "not failed" in not_failed.stderr


def test_hostile_listing_title_arrives_escaped(site, slack, tmp_path):
    hostile = "&lt;!channel&gt; click &lt;http://evil.example|here&gt; &lt;@U0BOSS&gt; &lt;#C0GENERAL1&gt;"
    site.set("/a", listing_page(ITEMS))
    world = World(
        tmp_path,
        sources=[listing(site, "a", "/a", name="<!here> Regulator")],
        channels=[slack_channel(slack, "alerts", "#compliance-alerts")],
    )
    world.check()
    site.set("/a", listing_page([("<!everyone>", hostile, "javascript:alert(1)"), *ITEMS]))
    world.check()
    (message,) = slack.messages()
    rendered = text_of(message)
    for markup in (
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U0BOSS>",
        "<#C0GENERAL1>",
        "<http://evil.example",
    ):
        assert markup not in rendered
    assert "&lt;!channel&gt; click &lt;http://evil.example|here&gt;" in rendered
    assert "javascript:" not in rendered.replace("(javascript:alert(1))", "")  # shown as text, never linked
    assert "<javascript" not in rendered
    assert all(t.get("verbatim") is True for t in mrkdwn_objects(message["blocks"]))


def mrkdwn_objects(value: Any) -> list[dict]:
    found = []
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn":
            found.append(value)
        for inner in value.values():
            found.extend(mrkdwn_objects(inner))
    elif isinstance(value, list):
        for inner in value:
            found.extend(mrkdwn_objects(inner))
    return found


def test_a_change_with_500_new_items_stays_within_slack_limits(site, slack, tmp_path):
    site.set("/a", listing_page(ITEMS))
    world = World(
        tmp_path,
        sources=[listing(site, "a", "/a", name="A regulator with a very long name " * 8)],
        channels=[slack_channel(slack, "alerts", "#compliance-alerts")],
    )
    world.check()
    many = [(f"2024-10-{i % 28 + 1:02d}", f"Circular {i} " + "&amp; x " * 40, f"/c/{i}") for i in range(500)]
    site.set("/a", listing_page([*many, *ITEMS]))
    result = world.check()
    assert result.delivery.sent == 1, result.delivery.errors
    (message,) = slack.messages()  # the strict server accepted it: ≤50 blocks, ≤3000/section, ≤150/header
    assert len(message["blocks"]) <= 50
    assert len(message["blocks"][0]["text"]["text"]) <= 150
    rendered = text_of(message)
    assert "more new item(s)" in rendered and "`regwatch show 1`" in rendered
    assert "Circular 0 " in rendered


@pytest.mark.parametrize("metered", [False, True], ids=["check", "service-metered"])
def test_threads_follow_ups_of_a_source_go_in_its_first_message_thread(site, slack, tmp_path, metered):
    site.set("/a", listing_page(ITEMS))
    site.set("/b", listing_page(ITEMS))
    world = World(
        tmp_path,
        sources=[listing(site, "a", "/a"), listing(site, "b", "/b")],
        channels=[slack_channel(slack, "alerts", "#compliance-alerts", thread=True)],
        metered=metered,
    )
    world.check()
    for round in (1, 2, 3):
        changes_on(site, world, ["/a"], round)
        world.deliver()
    changes_on(site, world, ["/b"], 1)
    world.deliver()
    messages = slack.messages("compliance-alerts")
    assert len(messages) == 4
    first_a, *follow_ups, first_b = messages
    assert "thread_ts" not in first_a and "thread_ts" not in first_b
    assert [m["thread_ts"] for m in follow_ups] == [first_a["ts"], first_a["ts"]]
    # Metering hides none of the channel's own behaviour (threads, receipts) and still counts.
    assert {r["ref"] for r in world.rows()} == {m["ts"] for m in messages}
    assert world.counted("sent", channel="alerts") == (4 if metered else 0)


def test_a_delivery_hook_that_fails_changes_no_delivery(site, slack, tmp_path):
    world = world_on_a(site, tmp_path, slack_channel(slack, "alerts", "#compliance-alerts"), metered=True)

    def broken(event: Any) -> None:
        raise RuntimeError("observer bug")

    world.hooks = [broken, world.metrics.observe_delivery]
    changes_on(site, world, ["/a"], 1)
    assert world.deliver().sent == 1
    assert [r["status"] for r in world.rows()] == ["sent"]
    assert len(slack.messages("compliance-alerts")) == 1
    assert world.counted("sent", channel="alerts") == 1  # the next hook still heard of it


def test_thread_start_that_vanished_falls_back_to_the_channel(site, slack, tmp_path):
    world = world_on_a(site, tmp_path, slack_channel(slack, "alerts", "#compliance-alerts", thread=True))
    changes_on(site, world, ["/a"], 1)
    world.deliver()
    slack.channels["C0COMPLY01"].messages.clear()  # someone deleted the first message
    changes_on(site, world, ["/a"], 2)
    assert world.deliver().sent == 1
    (message,) = slack.messages("compliance-alerts")
    assert "thread_ts" not in message


@pytest.mark.parametrize("metered", [False, True], ids=["check", "service-metered"])
def test_daily_digest_sends_one_message_once(site, slack, tmp_path, metered):
    paths = ["/a", "/b"]
    for path in paths:
        site.set(path, listing_page(ITEMS))
    world = World(
        tmp_path,
        sources=[listing(site, p.strip("/"), p) for p in paths],
        channels=[
            slack_channel(slack, "digest", "#general", digest="daily"),
            slack_channel(slack, "now", "#compliance-alerts"),
        ],
        metered=metered,
    )
    world.check()
    changes_on(site, world, paths, 1)  # 10:01
    world.deliver()
    world.clock.advance(hours=3)
    changes_on(site, world, ["/a"], 2)
    world.deliver()
    assert len(slack.messages("compliance-alerts")) == 3
    assert slack.messages("general") == []
    assert {r["status"] for r in world.rows() if r["channel"] == "digest"} == {"held"}

    world.clock.now = datetime(2024, 10, 2, 9, 0, 5, tzinfo=UTC)  # the digest is due at 09:00 UTC
    slack.drop(1)  # the digest is posted but the answer is lost: in doubt
    report = world.deliver()
    assert report.digests == 1 and report.retried == 1
    world.clock.advance(hours=1)
    report = world.deliver()
    assert report.reconciled == 1 and report.sent == 0
    (digest,) = slack.messages("general")
    rendered = text_of(digest)
    assert digest["blocks"][0]["text"]["text"] == "regwatch digest: 3 change(s) in 2 source(s)"
    for title in ("Notice 1 of /a", "Notice 1 of /b", "Notice 2 of /a"):
        assert title in rendered
    digest_rows = [r for r in world.rows() if r["channel"] == "digest"]
    assert {r["status"] for r in digest_rows} == {"sent"}
    assert {r["ref"] for r in digest_rows} == {digest["ts"]}

    world.clock.advance(days=2)
    assert world.deliver().sent == 0 and len(slack.messages("general")) == 1
    if metered:  # the lost answer failed a send (retryable); the reconciled digest is not sent again
        assert world.counted("sent", channel="now") == 3
        assert world.counted("failed", channel="digest", retryable="true") == 1
        assert world.counted("sent", channel="digest") == 0


def test_health_one_broken_alert_and_one_recovered_alert(site, slack, tmp_path):
    site.set("/a", listing_page(ITEMS))
    world = World(
        tmp_path,
        sources=[listing(site, "a", "/a")],
        channels=[
            slack_channel(slack, "ops", "#general"),
            slack_channel(slack, "quiet", "#compliance-alerts", health=False),
        ],
    )
    world.check()
    site.set("/a", "down", status=500)
    for _ in range(6):
        world.clock.advance(minutes=10)
        world.check()
    site.set("/a", listing_page(ITEMS))
    world.clock.advance(minutes=10)
    world.check()
    world.check()
    messages = slack.messages("general")
    headers = [m["blocks"][0]["text"]["text"] for m in messages]
    assert headers == ["⚠️ Source broken: a news", "✅ Source recovered: a news"]
    assert "HTTP 500" in text_of(messages[0]) and "Consecutive failed checks:* 3" in text_of(messages[0])
    assert slack.messages("compliance-alerts") == []


def test_selector_failure_is_broken_at_once(site, slack, tmp_path):
    world = world_on_a(site, tmp_path, slack_channel(slack, "ops", "#general"))
    site.set("/a", "<html><body><div>redesigned</div></body></html>")
    world.check()
    world.check()
    (message,) = slack.messages("general")
    assert "selector" in text_of(message) and message["blocks"][0]["text"]["text"].startswith(
        "⚠️ Source broken"
    )


def test_lost_answer_is_reconciled_not_reposted(site, slack, tmp_path):
    world = world_on_a(site, tmp_path, slack_channel(slack, "alerts", "#compliance-alerts"))
    slack.drop(1)
    changes_on(site, world, ["/a"], 1)
    report = world.deliver()
    assert report.retried == 1
    (row,) = world.rows()
    assert row["status"] == "sending"  # in doubt, not pending: it will be looked up first
    world.clock.advance(hours=1)
    report = world.deliver()
    assert report.reconciled == 1 and report.sent == 0
    assert len(slack.messages()) == 1
    assert world.rows()[0]["ref"] == slack.messages()[0]["ts"]
    assert slack.method_calls("conversations.list") == 1  # the name was resolved to an id once


def test_without_history_scope_an_in_doubt_alert_is_sent_again(site, slack, tmp_path):
    """The documented limit: reconcile needs channels:history; without it, at-least-once."""
    world = world_on_a(site, tmp_path, slack_channel(slack, "alerts", "C0COMPLY01"))
    slack.scopes.discard("channels:history")
    slack.drop(1)
    changes_on(site, world, ["/a"], 1)
    world.deliver()
    world.clock.advance(hours=1)
    assert world.deliver().sent == 1
    assert len(slack.messages()) == 2


def test_reconcile_outage_keeps_the_row_in_doubt(site, slack, tmp_path):
    world = world_on_a(site, tmp_path, slack_channel(slack, "alerts", "C0COMPLY01"))
    slack.drop(1)
    changes_on(site, world, ["/a"], 1)
    world.deliver()
    slack.outage(1, methods=["conversations.history"])
    world.clock.advance(hours=1)
    assert world.deliver().retried == 1
    assert world.rows()[0]["status"] == "sending"
    world.clock.advance(hours=1)
    assert world.deliver().reconciled == 1
    assert len(slack.messages()) == 1
