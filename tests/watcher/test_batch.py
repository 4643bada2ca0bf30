"""Whole checks committed in batches (watcher/db/batch.py): several checks share a commit,
a change is never split from its outbox rows, a kill loses only the uncommitted batch
(found again and alerted once after the restart), and no alert of a batch can be
delivered before the batch is committed.

Real HTTP on 127.0.0.1 (tests/support/localsite.py), real SQLite files; what is committed
is read through a second connection, as another process (`regwatch deliver`, the web UI)
would see it.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from clirun import run_cli, write_config
from localsite import LISTING_SOURCE, Site, listing_page
from passes import make_config

from watcher.check.pipeline import extract_inline
from watcher.db.crashpoints import EXIT_CODE
from watcher.db.store import Store
from watcher.model import Outcome
from watcher.service.runner import run_pass

NOW = datetime(2024, 10, 18, 9, 0, tzinfo=UTC)
DUE = "SELECT count(*) FROM outbox WHERE status = 'pending'"
SHOWN = re.compile(r"Full change: regwatch show (\d+)")


def notices(source: int, count: int) -> str:
    return listing_page(
        [
            (f"2024-10-{n + 1:02d}", f"Notice {n} of list {source}", f"/n/{source}/{n}.html")
            for n in range(count)
        ]
    )


def serve(site: Site, sources: int, items: int) -> list[dict[str, Any]]:
    for n in range(sources):
        site.set(f"/list/{n}", notices(n, items))
    return [
        {"id": f"list-{n}", "name": f"List {n}", "url": site.url(f"/list/{n}"), **LISTING_SOURCE}
        for n in range(sources)
    ]


def committed(db: Path, sql: str) -> Any:
    """One value as another connection sees it: committed rows only (WAL)."""
    reader = sqlite3.connect(db)
    try:
        return reader.execute(sql).fetchone()[0]
    finally:
        reader.close()


def run(config, db: Path, on_outcome=None) -> list[Outcome]:
    store = Store(db)
    try:
        result = asyncio.run(
            run_pass(
                config, store, clock=lambda: NOW, deliver=False, extract=extract_inline, on_outcome=on_outcome
            )
        )
    finally:
        store.close()
    return result.outcomes


def test_checks_commit_together_in_batches_of_the_configured_size(site, tmp_path):
    db = tmp_path / "regwatch.db"
    config = make_config(tmp_path, serve(site, 5, 3), limits={"batch_checks": 2, "batch_seconds": 10})
    seen: list[int] = []
    # A check's writes end right before its outcome is reported, with no await in between.
    outcomes = run(config, db, lambda _: seen.append(committed(db, "SELECT count(*) FROM checks")))
    assert [o.status for o in outcomes] == ["baseline"] * 5
    assert seen == [0, 2, 2, 4, 4]  # committed two checks at a time; the fifth when the pass ends
    assert committed(db, "SELECT count(*) FROM checks") == 5
    assert committed(db, "SELECT count(*) FROM items") == 15


def test_batch_checks_1_commits_every_check_alone(site, tmp_path):
    db = tmp_path / "regwatch.db"
    config = make_config(tmp_path, serve(site, 3, 2), limits={"batch_checks": 1})
    seen: list[int] = []
    run(config, db, lambda _: seen.append(committed(db, "SELECT count(*) FROM checks")))
    assert seen == [1, 2, 3]


def test_a_batch_is_committed_once_its_time_is_up_without_waiting_for_more_checks(site, tmp_path):
    """batch_seconds bounds how long a finished check stays uncommitted when no further
    check comes to fill the batch (here the second page answers a second later)."""
    db = tmp_path / "regwatch.db"
    sources = serve(site, 2, 2)
    site.set("/list/1", notices(1, 2), delay=1.0)
    config = make_config(tmp_path, sources, limits={"batch_checks": 100, "batch_seconds": 0.05})
    seen: list[tuple[str, int]] = []
    run(config, db, lambda o: seen.append((o.source_id, committed(db, "SELECT count(*) FROM checks"))))
    assert seen == [("list-0", 0), ("list-1", 1)]


def test_alerts_of_a_batch_cannot_be_delivered_before_its_commit(site, tmp_path):
    db = tmp_path / "regwatch.db"
    sources = serve(site, 3, 2)
    config = make_config(tmp_path, sources, limits={"batch_checks": 100, "batch_seconds": 10})
    run(config, db)  # baselines
    for n in range(3):
        site.set(f"/list/{n}", notices(n, 3))

    store = Store(db)
    elsewhere: list[int] = []
    here: list[int] = []

    def look(outcome: Outcome) -> None:
        assert outcome.status == "changed"
        elsewhere.append(committed(db, DUE))  # another process's deliverer: only commits
        if len(elsewhere) == 2:
            here.append(len(store.due_deliveries(NOW)))  # the pass's own connection commits first
            elsewhere.append(committed(db, DUE))

    try:
        asyncio.run(
            run_pass(config, store, clock=lambda: NOW, deliver=False, extract=extract_inline, on_outcome=look)
        )
        assert elsewhere[:2] == [0, 0]  # two changes found and reported, none deliverable
        assert here[0] >= 2 and elsewhere[2] == here[0]
        assert len(Store(db, readonly=True).due_deliveries(NOW)) == 3
    finally:
        store.close()
    assert committed(db, DUE) == 3


def test_a_failed_check_rolls_back_alone_and_its_batch_commits_the_rest(tmp_path):
    store = Store(tmp_path / "regwatch.db")
    try:
        store.db.execute("CREATE TABLE seen (name TEXT)")
        with store.batching(max_checks=10, max_seconds=60):
            with store.unit():
                store.db.execute("INSERT INTO seen VALUES ('first')")
            with pytest.raises(RuntimeError), store.unit():
                store.db.execute("INSERT INTO seen VALUES ('broken')")
                raise RuntimeError("a bug halfway through a check")
            with store.unit():
                store.db.execute("INSERT INTO seen VALUES ('third')")
            assert committed(store.path, "SELECT count(*) FROM seen") == 0
        assert committed(store.path, "SELECT group_concat(name) FROM seen") == "first,third"
    finally:
        store.close()


# -- kills in the middle of a batch (the real command, REGWATCH_CRASH_AT) -----------------


def check(config: Path, crash_at: str = "") -> tuple[int, str]:
    env = {"REGWATCH_CRASH_AT": crash_at} if crash_at else {}
    result = run_cli("--config", str(config), "check", env=env, timeout=90)
    if crash_at:
        assert result.returncode == EXIT_CODE, result.stderr
    else:
        assert result.returncode == 0, result.stderr
    return result.returncode, result.stdout


@pytest.mark.parametrize(
    ("crash_at", "durable"),
    [
        # before_commit fires once per change just before the commit: the 3rd is in the 2nd batch
        ("before_commit:3", 2),
        ("before_commit:1", 0),  # the first batch never committed
        ("after_commit:1", 2),  # after the first commit: its two changes are durable
    ],
)
def test_a_kill_mid_batch_loses_only_the_uncommitted_batch_and_alerts_each_change_once(
    site, tmp_path, crash_at, durable
):
    db = tmp_path / "regwatch.db"
    sources = serve(site, 4, 2)
    config = write_config(
        tmp_path / "regwatch.toml", sources=sources, limits={"batch_checks": 2, "batch_seconds": 10}
    )
    _, first = check(config)
    assert SHOWN.findall(first) == []  # baselines alert nobody
    for n in range(4):
        site.set(f"/list/{n}", notices(n, 3))  # one new notice on every list

    _, killed = check(config, crash_at)
    assert SHOWN.findall(killed) == []  # killed before delivering anything
    assert committed(db, "SELECT count(*) FROM changes") == durable
    assert committed(db, "SELECT count(*) FROM outbox") == durable  # each change with its row

    _, after = check(config)  # the restart: the lost changes are found again
    reader = sqlite3.connect(db)
    try:
        assert reader.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        changes = reader.execute("SELECT id, source_id FROM changes ORDER BY id").fetchall()
        statuses = reader.execute("SELECT change_id, status FROM outbox ORDER BY change_id").fetchall()
    finally:
        reader.close()
    assert sorted(s for _, s in changes) == [f"list-{n}" for n in range(4)]  # one change per list
    assert statuses == [(change_id, "sent") for change_id, _ in changes]
    assert Counter(int(n) for n in SHOWN.findall(after)) == Counter(
        {change_id: 1 for change_id, _ in changes}
    )
