"""How the outbox schedules and spreads deliveries: the `[delivery]` retry policy, and
channels that send independently (a slow channel never holds up another one)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from localsite import LISTING_SOURCE, listing_page
from servicerun import wait_for
from slackapi import TOKEN

from alerts.outbox import DEFAULT_RETRY, RetryPolicy, deliver_due
from watcher.config import parse_config
from watcher.db.store import Store
from watcher.errors import ConfigError
from watcher.service.runner import build_channels, run_pass

OLD = [("2024-10-01", "Settlement with Acme Health", "/news/acme.html")]


def test_retry_policy_doubles_from_base_to_max_and_never_undercuts_retry_after():
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0)
    assert [policy.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.delay(1, retry_after=7.0) == 7.0  # the channel's Retry-After wins when longer
    assert policy.delay(4, retry_after=1.0) == 3.0
    assert policy.delay(10_000) == 3.0  # no overflow after very many attempts
    # Capped at 5 minutes (issue 14): a channel that is back is found by probes, not by backoff.
    assert DEFAULT_RETRY.delay(1) == 5.0 and DEFAULT_RETRY.delay(30) == 300.0


def test_delivery_table_in_config():
    config = parse_config({"delivery": {"base_delay": 1, "max_delay": 60}}, path=None)
    assert config.delivery == RetryPolicy(base_delay=1.0, max_delay=60.0)
    assert parse_config({}, path=None).delivery == DEFAULT_RETRY


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"base_delay": 0}, "base_delay (0) must be a positive number of seconds"),
        ({"base_delay": -1}, "must be a positive number"),
        ({"base_delay": 10, "max_delay": 5}, "at most max_delay (5)"),
        ({"base_delay": "5s"}, "base_delay: expected float"),
        ({"base_dealy": 1}, "unknown key 'base_dealy' (did you mean 'base_delay'?)"),
    ],
)
def test_bad_delivery_table_is_a_config_error_naming_the_key(table, message):
    with pytest.raises(ConfigError, match=r"\[delivery\]") as caught:
        parse_config({"delivery": table}, path=None)
    assert message in str(caught.value)


def test_a_stuck_channel_does_not_hold_up_another_channel(site, slack, tmp_path):
    """Slack keeps one channel's posts hanging; the other channel's alerts still go out, in
    order, meanwhile, and the hung one's go out, in order, once it answers."""
    for sid in ("us", "eu"):
        site.set(f"/{sid}", listing_page(OLD))
    config = parse_config(
        {
            "allow_private": True,
            "sources": [
                {"id": "us", "url": site.url("/us"), **LISTING_SOURCE},
                {"id": "eu", "url": site.url("/eu"), **LISTING_SOURCE, "jurisdiction": "EU"},
            ],
            "channels": [
                {"id": "slow", "kind": "slack", "slack_channel": "C0COMPLY01", "api_url": slack.api_url},
                {
                    "id": "europe",
                    "kind": "slack",
                    "slack_channel": "C0PRIVACY1",
                    "api_url": slack.api_url,
                    "match": {"jurisdictions": ["eu"]},
                },
            ],
        },
        path=None,
    )
    store = Store(tmp_path / "regwatch.db")
    moment = datetime(2024, 10, 1, 10, 0, tzinfo=UTC)
    asyncio.run(run_pass(config, store, clock=lambda: moment, deliver=False))  # baselines
    for n in range(2):  # two changes of each source: 4 rows for "slow", 2 for "europe"
        for sid in ("us", "eu"):
            site.set(f"/{sid}", listing_page([(f"2024-10-2{n}", f"{sid} notice {n}", f"/{sid}/{n}"), *OLD]))
        asyncio.run(run_pass(config, store, clock=lambda: moment, deliver=False))

    release = threading.Event()

    def hang_slow_channel(message: dict) -> None:
        if message["channel"] == "C0COMPLY01":
            release.wait(20)

    slack.on_post = hang_slow_channel
    channels = build_channels(config, env={"SLACK_BOT_TOKEN": TOKEN})
    result: dict = {}
    worker = threading.Thread(
        target=lambda: result.update(report=asyncio.run(deliver_due(store, channels, lambda: moment))),
        daemon=True,
    )
    try:
        worker.start()
        # While the first "slow" post hangs, "europe" delivers both of its alerts.
        wait_for(lambda: len(slack.messages("C0PRIVACY1")) == 2, 15, "europe's alerts during the hang")
        assert len(slack.messages("C0COMPLY01")) == 1 and worker.is_alive()
    finally:
        release.set()
        worker.join(30)
        for channel in channels.values():
            channel.close()
    report = result["report"]
    assert report.sent == 6 and report.retried == 0 and report.failed == 0
    rows = sorted(store.deliveries(limit=100), key=lambda r: r["id"])
    store.close()
    for channel_id, slack_id in (("slow", "C0COMPLY01"), ("europe", "C0PRIVACY1")):
        expected = [f"regwatch:{r['subject']}:{channel_id}" for r in rows if r["channel"] == channel_id]
        assert slack.keys(slack_id) == expected  # each once, in detection order


def test_the_guide_documents_the_delivery_table():
    readme = (Path(__file__).resolve().parents[2] / "docs" / "guide" / "configuration.md").read_text(
        encoding="utf-8"
    )
    assert "[delivery]" in readme
    for name in RetryPolicy.__dataclass_fields__:
        assert f"`{name}`" in readme and f"\n{name} = " in readme
