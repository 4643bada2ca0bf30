"""The full-text index of items without a per-row insert trigger (migration m015): the
store indexes the rows it inserts in bulk, and the index answers exactly what an index
rebuilt from the table answers, through baselines, changes, refreshed items, followed
texts, removals and a batch of checks. Real SQLite files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.model import Change, FetchResult, Item, ItemChange, Snapshot, Source

NOW = datetime(2024, 10, 1, 12, 0, tzinfo=UTC)
HEALTH = HealthPolicy()
WORDS = ["privacy", "breach", "guidance", "security", "enforcement", "consultation", "notice", "rule"]


def source(n: int) -> Source:
    return Source(id=f"s{n}", url=f"https://e.gov/{n}", kind="listing", name=f"S{n}")


def fetched(n: int) -> FetchResult:
    return FetchResult(url=f"https://e.gov/{n}", final_url=f"https://e.gov/{n}", status=200, body=b"x")


def item(n: int, k: int, title: str = "") -> Item:
    words = " ".join(WORDS[(n + k + j) % len(WORDS)] for j in range(3))
    return Item(
        f"{n}-{k}", title or f"Item {k} on {words}", link=f"https://e.gov/{n}/{k}", summary=f"About {words}."
    )


def answers(path) -> dict[str, list[int]]:
    db = sqlite3.connect(path)
    try:
        return {
            word: [
                r[0]
                for r in db.execute(
                    "SELECT rowid FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid", [word]
                )
            ]
            for word in [*WORDS, "retention", "item", "refreshed"]
        }
    finally:
        db.close()


def rebuilt(path) -> dict[str, list[int]]:
    db = sqlite3.connect(path)
    db.execute("INSERT INTO items_fts (items_fts) VALUES ('rebuild')")
    db.commit()
    db.close()
    return answers(path)


def test_no_per_row_insert_trigger_after_m015(tmp_path):
    Store(tmp_path / "r.db").close()
    db = sqlite3.connect(tmp_path / "r.db")
    triggers = {
        r[0]
        for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'items'")
    }
    assert "items_ai" not in triggers
    assert {"items_au", "items_ad"} <= triggers  # updates and deletes are still indexed by triggers


def test_the_index_answers_what_a_rebuilt_index_answers(tmp_path):
    path = tmp_path / "r.db"
    store = Store(path)
    try:
        sources = [source(n) for n in range(4)]
        store.sync_sources(sources, NOW)
        baselines = {}
        with store.batching(max_checks=3, max_seconds=60):  # baselines in batches, as a pass writes them
            for n, s in enumerate(sources):
                items = (*(item(n, k) for k in range(5)), item(n, 0, "A duplicate key: the last one counts"))
                baselines[n] = Snapshot(items=items)
                with store.unit():
                    store.save_baseline(
                        s,
                        fetched(n),
                        baselines[n],
                        NOW,
                        duration=0,
                        body_hash="a",
                        config_hash="c",
                        health=HEALTH,
                    )
        later = NOW + timedelta(hours=1)
        s = sources[1]
        added = Item(
            "1-new", "Data retention guidance", link="https://e.gov/1/new", summary="Records retention."
        )
        refreshed = Item("1-2", "Item 2 refreshed", link="https://e.gov/1/2", summary="Now about retention.")
        after = Snapshot(items=(added, item(1, 0), item(1, 1), refreshed, item(1, 4)))
        change = Change(
            s.id,
            baselines[1].fingerprint,
            after.fingerprint,
            added=(added,),
            changed=(ItemChange(item(1, 2), refreshed),),
            removed=(item(1, 3),),
            summary="1 new, 1 changed, 1 removed",
        )
        store.save_change(
            s,
            fetched(1),
            after,
            change,
            ["console"],
            later,
            duration=0,
            body_hash="b",
            config_hash="c",
            health=HEALTH,
        )
        new_id = store.db.execute("SELECT id FROM items WHERE key = '1-new'").fetchone()[0]
        store.set_item_text(new_id, "The followed document: a privacy notice on retention.", later)
    finally:
        store.close()
    found = answers(path)
    assert found["retention"]  # the new item, its refreshed neighbour and the followed text
    assert found == rebuilt(path)
    db = sqlite3.connect(path)
    assert (
        db.execute("SELECT title FROM items WHERE key = '0-0'").fetchone()[0]
        == "A duplicate key: the last one counts"
    )
    db.execute("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')")
    db.close()
