"""A linking worker that dies, runs past its deadline or fails costs a change its links,
never its alert; a killed check leaves its change held for recovery (watcher/check/linkstage.py).

Real material: the related evaluation set's candidates and development updates
(tests/related/evalset; its US and UK corpora, the material these tests were written on),
stored as changes whose alerts are held ('enriching').
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from localsite import LISTING_SOURCE, Site, listing_page

from bench.related_eval import FIRST_CORPORA, Bench, changes_of, load, moment
from watcher.check.linkstage import ProcessLinker
from watcher.check.sourcehealth import HealthPolicy
from watcher.check.workers import MIN_BYTES
from watcher.db.crashpoints import EXIT_CODE
from watcher.db.store import Store
from watcher.model import Change, FetchResult, Item, Snapshot
from watcher.related.values import Ranking

NOW = datetime(2026, 1, 2, 12, tzinfo=UTC)


def held_changes(path: Path, count: int) -> list[tuple[int, object]]:
    """The set's candidates indexed, and `count` development updates saved as changes whose
    alert (to the console) waits in 'enriching'."""
    data = load(corpora=FIRST_CORPORA)
    bench = Bench(data, path)
    found = []
    try:
        for update in changes_of(data, "dev")[:count]:
            source = bench.sources[update["source"]]
            item = Item(update["id"], update["title"], f"https://x.example/{update['id']}", update["date"])
            outcome = bench.store.save_change(
                source,
                FetchResult(source.url, source.url, 200),
                Snapshot(items=(item,)),
                Change(source.id, "", "", added=(item,)),
                ["console"],
                moment(update["date"]),
                duration=0,
                body_hash="",
                config_hash="",
                health=HealthPolicy(),
                hold=True,
            )
            assert outcome.change_id is not None
            for stored in bench.store.change_items(outcome.change_id):
                bench.store.set_item_text(stored.id, update["text"], moment(update["date"]))
            found.append((outcome.change_id, source))
    finally:
        bench.close()
    return found


def link_all(path: Path, changes, *, timeout: float = 300.0, before=None) -> None:
    async def run() -> None:
        store = Store(path)
        linker = ProcessLinker(store, clock=lambda: NOW, ranking=Ranking(), timeout=timeout)
        try:
            for change_id, source in changes:
                linker.submit(change_id, source)
            if before is not None:
                before(linker)
            await linker.drain()
        finally:
            linker.close()
            store.close()

    asyncio.run(run())


def state(path: Path) -> dict[int, tuple[str, str, int]]:
    """change id -> (enrichment, outbox status, related links)."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT c.id, c.enrichment, o.status, (SELECT count(*) FROM related r WHERE r.change_id = c.id)"
            " FROM changes c JOIN outbox o ON o.change_id = c.id ORDER BY c.id"
        ).fetchall()
    db.close()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def test_held_changes_are_linked_and_released(tmp_path: Path):
    changes = held_changes(tmp_path / "r.db", 3)
    assert {s[:2] for s in state(tmp_path / "r.db").values()} == {("pending", "enriching")}
    link_all(tmp_path / "r.db", changes)
    after = state(tmp_path / "r.db")
    assert {s[:2] for s in after.values()} == {("done", "pending")}
    assert all(links > 0 for _, _, links in after.values())


def test_a_worker_past_its_deadline_releases_the_change_without_links(tmp_path: Path, caplog):
    changes = held_changes(tmp_path / "r.db", 2)
    with caplog.at_level(logging.WARNING, logger="watcher.check.linkstage"):
        link_all(tmp_path / "r.db", changes, timeout=0.001)  # less than the worker takes to start
    assert set(state(tmp_path / "r.db").values()) == {("done", "pending", 0)}
    assert "its alert goes out without related links" in caplog.text


def test_a_killed_worker_costs_one_change_its_links_and_the_rest_go_to_a_fresh_one(tmp_path: Path, caplog):
    changes = held_changes(tmp_path / "r.db", 3)

    def kill(linker: ProcessLinker) -> None:  # before it could answer: it is still starting
        assert linker._worker is not None
        os.kill(linker._worker.process.pid, signal.SIGKILL)

    with caplog.at_level(logging.WARNING, logger="watcher.check.linkstage"):
        link_all(tmp_path / "r.db", changes, before=kill)
    after = [state(tmp_path / "r.db")[change_id] for change_id, _ in changes]
    assert after[0] == ("done", "pending", 0)  # the one it was linking: released without links
    assert [s[:2] for s in after[1:]] == [("done", "pending")] * 2
    assert all(links > 0 for _, _, links in after[1:])  # linked by the fresh worker
    assert "its alert goes out without related links" in caplog.text


def test_a_failure_inside_the_worker_is_logged_and_the_change_released(tmp_path: Path, caplog):
    changes = held_changes(tmp_path / "r.db", 1)

    async def run() -> None:
        store = Store(tmp_path / "r.db")
        linker = ProcessLinker(store, clock=lambda: NOW, ranking=Ranking())
        linker._path = str(tmp_path / "missing" / "r.db")  # the worker cannot open it
        try:
            linker.submit(*changes[0])
            await linker.drain()
        finally:
            linker.close()
            store.close()

    with caplog.at_level(logging.ERROR, logger="watcher.check.linkstage"):
        asyncio.run(run())
    assert set(state(tmp_path / "r.db").values()) == {("done", "pending", 0)}
    assert "bug while enriching change" in caplog.text


# -- the main process killed while changes wait for their links --------------------------


def test_a_crash_with_links_pending_loses_nothing(site: Site, config_file, cli, tmp_path: Path):
    """Kill `regwatch check` (a pass with extraction workers) right after its change is
    committed, its links not stored yet: the next check links it (inline, `recover`) and
    sends its alert, once."""
    data = load(corpora=FIRST_CORPORA)
    candidates = sorted(data["candidates"], key=lambda c: c["date"], reverse=True)[:300]
    updates = sorted(changes_of(data, "dev"), key=lambda c: c["date"], reverse=True)

    def page(entries, count):
        return listing_page([(e["date"], e["title"], f"/doc/{e['id']}") for e in entries[:count]])

    site.set("/related", page(candidates, 300))
    site.set("/watch", page(updates[3:], 150))
    assert len(page(updates[3:], 150).encode()) >= MIN_BYTES  # the pass runs extraction workers
    config = config_file(
        sources=[
            {**LISTING_SOURCE, "id": "eu-related-news", "url": site.url("/related"), "role": "related"},
            {**LISTING_SOURCE, "id": "us-watched-updates", "url": site.url("/watch")},
        ]
    )
    assert cli("--config", str(config), "check").returncode == 0
    site.set("/watch", page(updates, 153))
    crashed = cli("--config", str(config), "check", env={"REGWATCH_CRASH_AT": "after_commit:1"})
    assert crashed.returncode == EXIT_CODE, crashed.stderr
    db = tmp_path / "regwatch.db"
    assert set(state(db).values()) == {("pending", "enriching", 0)}

    after = cli("--config", str(config), "check")
    assert after.returncode == 0, after.stderr
    assert after.stdout.count("[regwatch]") == 1
    final = set(state(db).values())
    assert len(final) == 1
    enrichment, status, links = final.pop()
    assert (enrichment, status) == ("done", "sent") and links > 0
    assert cli("--config", str(config), "check").stdout == ""  # never sent twice
