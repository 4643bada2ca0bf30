"""Alerts wait for following and linking, without ever being lost: held rows, recovery, timeout."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from clirun import ROOT
from localsite import LISTING_SOURCE, listing_page

from watcher.check.enrich import needs_enrichment
from watcher.check.sourcehealth import HealthPolicy
from watcher.config import parse_config
from watcher.db.store import ENRICH_TIMEOUT, Store
from watcher.errors import ConfigError
from watcher.model import Change, FetchResult, Item, Snapshot, Source

NOW = datetime(2025, 1, 14, 12, tzinfo=UTC)
ITEM = Item("k", "HIPAA guidance", "https://hhs.example/k", "2025-01-14")


def save(store: Store, *, hold: bool) -> int:
    source = Source(id="s", url="https://hhs.example/", kind="listing")
    store.sync_sources([source], NOW)
    outcome = store.save_change(
        source,
        FetchResult(source.url, source.url, 200),
        Snapshot(items=(ITEM,)),
        Change("s", "", "", added=(ITEM,)),
        ["console", "slack"],
        NOW,
        duration=0,
        body_hash="",
        config_hash="",
        health=HealthPolicy(),
        hold=hold,
    )
    assert outcome.change_id is not None
    return outcome.change_id


def test_held_rows_wait_for_enrichment_then_go(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    change_id = save(store, hold=True)
    statuses = store.db.execute("SELECT status FROM outbox ORDER BY id").fetchall()
    assert statuses == [("enriching",), ("enriching",)]
    assert store.due_deliveries(NOW + timedelta(minutes=5)) == []
    assert store.unfinished_enrichments(NOW + timedelta(seconds=1)) == [(change_id, "s", NOW)]
    assert store.finish_enrichment(change_id, NOW) == 2
    assert [d.status for d in store.due_deliveries(NOW)] == ["pending", "pending"]
    assert store.unfinished_enrichments(NOW + timedelta(seconds=1)) == []
    assert store.db.execute("SELECT enrichment FROM changes").fetchone() == ("done",)
    assert store.finish_enrichment(change_id, NOW) == 0  # idempotent
    store.close()


def test_a_held_row_nobody_recovers_still_goes_out_after_the_timeout(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    save(store, hold=True)
    assert store.due_deliveries(NOW + ENRICH_TIMEOUT - timedelta(seconds=1)) == []
    late = store.due_deliveries(NOW + ENRICH_TIMEOUT)
    assert [d.status for d in late] == ["enriching", "enriching"]
    assert late[0].alert.change is not None and late[0].alert.change.added == (ITEM,)
    store.close()


def test_changes_without_hold_are_pending_at_once(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    save(store, hold=False)
    assert [d.status for d in store.due_deliveries(NOW)] == ["pending", "pending"]
    assert store.db.execute("SELECT enrichment FROM changes").fetchone() == (None,)
    store.close()


@pytest.mark.parametrize(
    ("role", "follow", "change", "needed"),
    [
        ("watch", False, Change("s", "", "", added=(ITEM,)), True),
        ("watch", False, Change("s", "", "", diff=("@@", "+ new paragraph")), True),
        ("watch", False, Change("s", "", "", removed=(ITEM,)), False),
        ("related", False, Change("s", "", "", added=(ITEM,)), False),
        ("related", True, Change("s", "", "", added=(ITEM,)), True),
        ("related", True, Change("s", "", "", added=(Item("t", "no link"),)), False),
    ],
)
def test_which_changes_need_enrichment(role, follow, change, needed):
    source = Source(id="s", url="https://x.example/", kind="listing", role=role, follow=follow)
    assert needs_enrichment(source, change) is needed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"sources": [{"id": "p", "url": "https://x.example/", "kind": "page", "follow": True}]},
            "follow = true",
        ),
        ({"related": {"threshold": -1}}, "threshold"),
        ({"related": {"shown": 5, "keep": 3}}, "keep"),
        ({"related": {"treshold": 0.5}}, "did you mean 'threshold'"),
        ({"related": {"before_days": "120"}}, "before_days"),
    ],
)
def test_related_config_errors_name_the_fix(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(data, path=None)


def test_related_config_defaults_and_values():
    config = parse_config({"related": {"threshold": 0.6, "after_days": 30}}, path=None)
    assert config.ranking.threshold == 0.6 and config.ranking.after_days == 30
    assert config.ranking.before_days == 120 and config.ranking.shown == 3


ARTICLE = (
    "<html><body><main><h1>Risk analysis guidance</h1><p>OCR guidance on the risk analysis"
    " required by the HIPAA Security Rule at 45 CFR 164.308 (FR Doc. 2024-30983).</p></main></body></html>"
)


def test_a_crash_while_following_loses_nothing(site, config_file, cli, tmp_path):
    """Kill -9 `regwatch check` while it follows a new document: the next check finishes the
    enrichment and sends the alert, once, with the quote and the related link."""
    site.set("/guidance", listing_page([("2024-06-10", "Older guidance", "/old.html")]))
    site.set(
        "/fr",
        "<html><body><ul class='news'><li><h3><a href='/fr/2024-30983'>HIPAA Security Rule To Strengthen"
        " the Cybersecurity of Electronic Protected Health Information</a></h3>"
        "<time datetime='2025-01-06'>2025-01-06</time><p class='summary'>FR Doc. 2024-30983;"
        " 45 CFR Parts 160 and 164; risk analysis.</p></li></ul></body></html>",
    )
    config = config_file(
        sources=[
            {"id": "us-hhs-guidance", "url": site.url("/guidance"), "follow": True, **LISTING_SOURCE},
            {
                "id": "us-fr",
                "url": site.url("/fr"),
                "role": "related",
                **LISTING_SOURCE,
                "summary": "p.summary",
            },
        ]
    )
    assert cli("--config", str(config), "check").returncode == 0
    site.set(
        "/guidance",
        listing_page(
            [
                ("2025-01-14", "Risk analysis guidance", "/new.html"),
                ("2024-06-10", "Older guidance", "/old.html"),
            ]
        ),
    )
    site.set("/new.html", ARTICLE, delay=30)  # the follow hangs: the process is killed meanwhile
    process = subprocess.Popen(
        [sys.executable, "-m", "watcher", "--config", str(config), "check"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not site.hits("/new.html"):
            assert time.monotonic() < deadline, "the follow never started"
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert out == b""  # nothing was sent before the kill
    db = sqlite3.connect(tmp_path / "regwatch.db")
    assert db.execute("SELECT status FROM outbox").fetchall() == [("enriching",)]
    assert db.execute("SELECT enrichment FROM changes").fetchall() == [("pending",)]
    db.close()

    site.set("/new.html", ARTICLE)
    after = cli("--config", str(config), "check")
    assert after.returncode == 0, after.stderr
    assert after.stdout.count("[regwatch]") == 1
    assert "\u201cOCR guidance on the risk analysis required by the HIPAA Security Rule" in after.stdout
    assert "Related: HIPAA Security Rule To Strengthen the Cybersecurity" in after.stdout
    db = sqlite3.connect(tmp_path / "regwatch.db")
    assert db.execute("SELECT status FROM outbox").fetchall() == [("sent",)]
    assert db.execute("SELECT enrichment FROM changes").fetchall() == [("done",)]
    again = cli("--config", str(config), "check")
    assert again.stdout == ""  # never sent twice
