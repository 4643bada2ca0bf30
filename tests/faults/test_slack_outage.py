"""Slack outage (issue 6, point 3): Slack is down for whole passes, then comes back
rate-limiting; every alert is delivered after recovery, once, in detection order per channel.

Real parts only: the `regwatch` command (one-shot `check`/`deliver`, or the `run` service) in
a subprocess, regulator pages on a local HTTP server, a real SQLite file, and the strict
Slack-compatible server of tests/support/slackapi.py, which really stops listening (connection
refused) and answers 503 to every call before it comes back with 429 + Retry-After: 1.
Backoff is kept short with the documented `[delivery] base_delay` / `max_delay` knobs, so
no clock is faked: the test waits until the rows' `next_attempt_at` is due.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from localsite import LISTING_SOURCE, Site, listing_page
from servicerun import Service, db_rows, wait_for
from slackapi import TOKEN, SlackServer

ENV = {"SLACK_BOT_TOKEN": TOKEN}
OLD = [
    ("2024-10-01", "Settlement with Acme Health", "/news/acme.html"),
    ("2024-09-15", "Guidance on online tracking", "/news/tracking.html"),
]
# Routing: "hipaa" hears HIPAA-tagged sources, "europe" EU ones; the joint source goes to both.
SOURCES = {
    "us-hhs-news": {"tags": ["hipaa"], "jurisdiction": "US"},
    "eu-us-joint": {"tags": ["hipaa"], "jurisdiction": "EU"},
    "eu-edpb-news": {"tags": ["gdpr"], "jurisdiction": "EU"},
}
ROUTES = {"hipaa": {"us-hhs-news", "eu-us-joint"}, "europe": {"eu-us-joint", "eu-edpb-news"}}
SLACK_IDS = {"hipaa": "C0COMPLY01", "europe": "C0PRIVACY1"}
RATE_LIMITED = 6  # the first calls after Slack comes back answer 429, Retry-After: 1
FAST_RETRY = {"base_delay": 0.2, "max_delay": 1.0}


class Regulators:
    """Three listing pages on a local site; `publish` puts new notices on top of one."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.items = {sid: list(OLD) for sid in SOURCES}
        self.published: Counter[str] = Counter()  # changes made per source
        for sid in SOURCES:
            site.set(f"/{sid}", listing_page(self.items[sid]))

    def publish(self, sid: str, n: int = 1) -> None:
        for _ in range(n):
            k = sum(len(v) for v in self.items.values())
            self.items[sid].insert(0, (f"2024-11-{k % 28 + 1:02d}", f"{sid} notice {k}", f"/{sid}/{k}.html"))
        self.published[sid] += 1
        self.site.set(f"/{sid}", listing_page(self.items[sid]))

    def config(
        self,
        tmp_path: Path,
        slack: SlackServer,
        every: str | None = None,
        delivery: dict[str, Any] | None = None,
        **top: Any,
    ) -> Path:
        from clirun import write_config

        sources = []
        for sid, extra in SOURCES.items():
            source = {"id": sid, "url": self.site.url(f"/{sid}"), **LISTING_SOURCE, **extra}
            if every:
                source["every"] = every
            sources.append(source)
        channels = [
            {
                "id": "hipaa",
                "kind": "slack",
                "slack_channel": "#compliance-alerts",
                "api_url": slack.api_url,
                "timeout": 5,
                "match": {"tags": ["hipaa"]},
            },
            {
                "id": "europe",
                "kind": "slack",
                "slack_channel": SLACK_IDS["europe"],
                "api_url": slack.api_url,
                "timeout": 5,
                "match": {"jurisdictions": ["eu"]},
            },
        ]
        return write_config(
            tmp_path / "regwatch.toml",
            sources=sources,
            channels=channels,
            delivery=FAST_RETRY if delivery is None else delivery,
            **top,
        )


def outbox(db: Path, status: str | None = None) -> list[tuple[Any, ...]]:
    sql = "SELECT id, channel, status, attempts, next_attempt_at, last_error FROM outbox"
    return db_rows(
        db, sql + (" WHERE status = ?" if status else "") + " ORDER BY id", (status,) if status else ()
    )


def unsent(db: Path) -> list[tuple[Any, ...]]:
    return [row for row in outbox(db) if row[2] != "sent"]


def wait_until_due(db: Path, limit: float = 5.0) -> None:
    """Sleep until a channel's first unsent row may be tried again (bounded by `limit`).

    Only the head of each channel's queue counts: later rows wait in order behind it, so
    their own (past) due times say nothing about when a delivery run can send."""
    heads: dict[str, tuple[Any, ...]] = {}
    for row in unsent(db):  # in id order
        heads.setdefault(row[1], row)
    due = [datetime.fromisoformat(row[4]) for row in heads.values()]
    if due:
        wait = (min(due) - datetime.now(min(due).tzinfo)).total_seconds()
        time.sleep(min(max(wait, 0.0) + 0.05, limit))


def assert_delivered_once_in_order(db: Path, slack: SlackServer, regulators: Regulators) -> None:
    """Every change alert arrived exactly once, per channel in detection order, nothing else."""
    conn = sqlite3.connect(db)
    try:
        changes = conn.execute("SELECT id, source_id, detected_at FROM changes ORDER BY id").fetchall()
        rows = conn.execute(
            "SELECT o.channel, o.subject, o.status, o.ref, o.kind FROM outbox o"
            " LEFT JOIN changes c ON c.id = o.change_id ORDER BY c.detected_at, c.id"
        ).fetchall()
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    assert integrity == "ok"

    # The site's changes were each recorded once, in the order they were made.
    assert Counter(sid for _, sid, _ in changes) == regulators.published
    assert [c[2] for c in changes] == sorted(c[2] for c in changes)  # id order = detection order

    assert {kind for *_, kind in rows} == {"change"}  # no health alerts: no source failed
    assert {status for _, _, status, _, _ in rows} == {"sent"}, unsent(db)
    received = Counter(slack.keys())
    assert all(n == 1 for n in received.values()), [k for k, n in received.items() if n > 1]
    for channel, slack_id in SLACK_IDS.items():
        expected = [f"regwatch:{subject}:{ch}" for ch, subject, *_ in rows if ch == channel]
        by_source = {f"change:{cid}": sid for cid, sid, _ in changes}
        assert len(expected) == sum(regulators.published[sid] for sid in ROUTES[channel])
        assert {by_source[k.split(":", 1)[1].rsplit(":", 1)[0]] for k in expected} == ROUTES[channel]
        assert slack.keys(slack_id) == expected, f"{channel}: not once each in detection order"
        # The outbox records the receipt of the very message that carries its key.
        refs = {f"regwatch:{subject}:{ch}": ref for ch, subject, _, ref, _ in rows}
        assert [refs[key] for key in expected] == [m["ts"] for m in slack.messages(slack_id)]


def assert_retry_after_honoured(slack: SlackServer) -> None:
    """All 429s were served and no channel was called again within its Retry-After."""
    limited = slack.answered("chat.postMessage", 429)
    assert len(limited) == RATE_LIMITED and not slack.faults
    posts = slack.answered("chat.postMessage")
    for answer in limited:
        later = [p.at for p in posts if p.channel == answer.channel and p.at > answer.at]
        assert later and min(later) >= answer.at + 1.0, "posted again before Retry-After had passed"


def test_one_shot_checks_through_an_outage_then_rate_limits_deliver_everything_once_in_order(
    site, slack, cli, tmp_path
):
    regulators = Regulators(site)
    config = regulators.config(tmp_path, slack)
    db = tmp_path / "regwatch.db"

    def run(*args: str):
        return cli("--config", str(config), *args, env=ENV, timeout=60)

    baseline = run("check")
    assert baseline.returncode == 0, baseline.stderr
    assert slack.messages() == [] and outbox(db) == []

    # Pass 1: Slack refuses connections. Changes are stored and queued, nothing is lost.
    slack.go_down()
    for sid in SOURCES:
        regulators.publish(sid)
    down = run("check")
    assert down.returncode == 0, down.stderr  # a delivery failure is not a check failure
    assert "3 changed" in down.stderr and "alerts sent 0, retrying 2, failed 0" in down.stderr
    assert slack.answers == []  # nothing could even connect
    pending = outbox(db, "pending")
    assert len(pending) == 4
    tried = [row for row in pending if row[3] == 1]  # one try per channel; later rows wait in order
    assert {row[1] for row in tried} == {"hipaa", "europe"}
    assert all("cannot reach 127.0.0.1" in row[5] for row in tried)

    # Pass 2: Slack listens again but answers 503 to everything; two more changes per source.
    slack.go_down(refuse=False)
    for sid in SOURCES:
        regulators.publish(sid, 2 if sid == "eu-us-joint" else 1)
    wait_until_due(db)
    unavailable = run("check")
    assert unavailable.returncode == 0, unavailable.stderr
    assert "alerts sent 0, retrying 2" in unavailable.stderr
    assert {a.channel for a in slack.answered("chat.postMessage", 503)} == set(SLACK_IDS.values())
    assert slack.messages() == [] and len(outbox(db, "pending")) == 8

    # Slack is back, but rate-limits its first calls. Pass 3 adds one more change.
    slack.come_back()
    slack.rate_limit(RATE_LIMITED, retry_after=1, methods=["chat.postMessage"])
    regulators.publish("eu-us-joint")
    wait_until_due(db)
    back = run("check")
    assert back.returncode == 0, back.stderr

    rounds = 0
    while unsent(db):
        rounds += 1
        assert rounds <= 15, f"still unsent after {rounds} deliver runs: {unsent(db)}"
        wait_until_due(db)
        delivered = run("deliver")
        assert delivered.returncode == 0, delivered.stderr
    assert rounds >= 1  # the 429s really held alerts back past the check that met them

    assert_retry_after_honoured(slack)
    assert_delivered_once_in_order(db, slack, regulators)
    again = run("deliver")  # nothing is due any more: nothing is sent twice
    assert again.returncode == 0 and "sent 0, reconciled 0, retrying 0, failed 0" in again.stderr
    assert len(slack.messages()) == 10


def changes_stored(db: Path) -> int:
    rows = db_rows(db, "SELECT count(*) FROM changes")
    return rows[0][0] if rows else 0


def test_service_started_during_an_outage_delivers_everything_once_in_order_after_recovery(
    site, slack, tmp_path
):
    regulators = Regulators(site)
    config = regulators.config(
        tmp_path, slack, every="1s", service={"jitter": 0.0, "deliver_every": 0.5, "shutdown_grace": 5}
    )
    db = tmp_path / "regwatch.db"
    slack.go_down()
    service = Service(config, env=ENV)
    try:
        service.wait_started()
        wait_for(
            lambda: len(db_rows(db, "SELECT 1 FROM sources WHERE latest IS NOT NULL")) == 3,
            15,
            "baselines of the three sources",
        )

        def publish_and_wait(counts: dict[str, int]) -> None:
            for sid, n in counts.items():
                regulators.publish(sid, n)
            made = sum(regulators.published.values())
            wait_for(lambda: changes_stored(db) == made, 15, f"{made} changes stored")

        # Two rounds of changes while connections are refused, one while Slack answers 503.
        publish_and_wait({sid: 1 for sid in SOURCES})
        publish_and_wait({"us-hhs-news": 1, "eu-us-joint": 2})
        wait_for(lambda: "will be retried" in service.stderr, 10, "a failed delivery attempt")
        assert slack.messages() == []
        slack.go_down(refuse=False)
        publish_and_wait({"eu-edpb-news": 1, "eu-us-joint": 1})
        wait_for(lambda: slack.answered("chat.postMessage", 503), 10, "a 503 from Slack")
        assert slack.messages() == []

        # Slack comes back mid-run, rate-limiting; one more change arrives meanwhile.
        slack.come_back()
        slack.rate_limit(RATE_LIMITED, retry_after=1, methods=["chat.postMessage"])
        publish_and_wait({"us-hhs-news": 1})
        wait_for(lambda: not unsent(db), 25, "every alert delivered")
        assert service.stop() == 0
    finally:
        service.kill()

    assert_retry_after_honoured(slack)
    assert_delivered_once_in_order(db, slack, regulators)
    assert "Traceback" not in service.stderr


# -- alerts flow again at once (issue 14, point 7) -------------------------------------------
#
# Default backoff (`base_delay` 5 s doubling, `max_delay` 5 min): without recovery, the first
# waiting alert of a channel that failed 5 times would wait 80 s more after Slack is back,
# and every later alert of that channel behind it.


def posted_at(slack: SlackServer) -> list[float]:
    return [float(m["ts"]) for m in slack.messages()]


def test_a_five_call_outage_mid_run_is_over_for_alerts_within_a_minute_of_recovery(site, slack, tmp_path):
    regulators = Regulators(site)
    config = regulators.config(
        tmp_path,
        slack,
        every="1s",
        delivery={"probe_every": 5},  # default base_delay and max_delay
        service={"jitter": 0.0, "deliver_every": 0.5, "shutdown_grace": 5},
    )
    db = tmp_path / "regwatch.db"
    service = Service(config, env=ENV)
    try:
        service.wait_started()
        wait_for(
            lambda: len(db_rows(db, "SELECT 1 FROM sources WHERE latest IS NOT NULL")) == 3, 15, "baselines"
        )
        # Slack works: one change per source goes out as usual.
        for sid in SOURCES:
            regulators.publish(sid)
        wait_for(lambda: len(outbox(db, "sent")) == 4, 20, "the first alerts delivered")

        # Slack answers its next 5 calls with 503, whatever they are; three changes meanwhile.
        slack.outage(5)
        for n in range(3):
            regulators.publish("us-hhs-news")
            wait_for(lambda n=n: changes_stored(db) == 4 + n, 15, "the change stored")
        wait_for(lambda: len(slack.answered("chat.postMessage", 503)) >= 1, 15, "an alert refused")
        wait_for(lambda: len(slack.answered("auth.test")) >= 1, 20, "a probe")
        wait_for(lambda: not slack.faults, 120, "the outage's 5 calls")
        recovered = max(a.at for a in slack.answers if a.status == 503)
        wait_for(lambda: not unsent(db), 70, "every alert delivered after the outage")
        assert service.stop() == 0
    finally:
        service.kill()

    assert len([a for a in slack.answers if a.status == 503]) == 5
    assert_delivered_once_in_order(db, slack, regulators)
    recovery = max(posted_at(slack)) - recovered
    assert recovery <= 60, f"the last alert went out {recovery:.1f}s after Slack was back"
    assert "Traceback" not in service.stderr


def test_a_manual_deliver_after_an_outage_sends_what_waits_and_says_what_still_waits(
    site, slack, cli, tmp_path
):
    regulators = Regulators(site)
    config = regulators.config(tmp_path, slack, delivery={})  # the default backoff
    db = tmp_path / "regwatch.db"

    def run(*args: str):
        return cli("--config", str(config), *args, env=ENV, timeout=60)

    assert run("check").returncode == 0
    slack.go_down(refuse=False)  # every call answers 503
    for sid in SOURCES:
        regulators.publish(sid)
    assert run("check").returncode == 0
    for _ in range(3):  # tried by hand during the outage: it fails again, and says so
        during = run("deliver")
        assert during.returncode == 0, during.stderr
        assert "sent 0" in during.stderr
    assert "alerts waiting on hipaa: 2, next try" in during.stderr
    assert "alerts waiting on europe: 2, next try" in during.stderr
    assert "last error: slack channel 'hipaa' (#compliance-alerts): Slack answered HTTP 503" in during.stderr
    first = outbox(db)[0]
    assert first[3] == 4  # the check's attempt and three by hand: the backoff is now 40 s
    status = run("status")
    assert "alerts waiting on hipaa: 2" in status.stdout, status.stdout

    slack.come_back()
    only_due = run("deliver", "--due-only")  # the old behaviour: nothing is due for 40 s
    assert "sent 0, reconciled 0, retrying 0, failed 0" in only_due.stderr
    assert "alerts waiting on hipaa: 2" in only_due.stderr and slack.messages() == []

    delivered = run("deliver")
    assert delivered.returncode == 0, delivered.stderr
    assert "sent 4, reconciled 0, retrying 0, failed 0" in delivered.stderr
    assert "alerts waiting: none" in delivered.stderr
    assert_delivered_once_in_order(db, slack, regulators)
    assert "alerts waiting: none" in run("status").stdout


def test_a_manual_deliver_still_waits_out_the_channels_retry_after(site, slack, cli, tmp_path):
    regulators = Regulators(site)
    config = regulators.config(tmp_path, slack, delivery={})
    db = tmp_path / "regwatch.db"

    def run(*args: str):
        return cli("--config", str(config), *args, env=ENV, timeout=60)

    assert run("check").returncode == 0
    slack.rate_limit(2, retry_after=120, methods=["chat.postMessage"])  # too long to wait in place
    regulators.publish("us-hhs-news")
    assert run("check").returncode == 0
    assert len(slack.answered("chat.postMessage", 429)) == 1
    again = run("deliver")
    assert "sent 0, reconciled 0, retrying 0, failed 0" in again.stderr  # not before Retry-After
    assert "alerts waiting on hipaa: 1" in again.stderr and "Retry-After from the channel" in again.stderr
    assert len(slack.answered("chat.postMessage", 429)) == 1 and slack.messages() == []
    assert outbox(db)[0][2] == "pending"
