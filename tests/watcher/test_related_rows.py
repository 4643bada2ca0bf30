"""Related links are stored in a few multi-row statements (`EnrichmentRows.replace_related`,
watcher/db/multirow.py) and give exactly the rows storing them one by one gave: the same
ids, the same values, a link listed twice replaced by its second listing, and a second
linking of the same change replacing the first, over more links than one chunk holds.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import watcher.db.enrichment
from watcher.check.decide import Changed, decide
from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.model import FetchResult, Item, Snapshot, Source

NOW = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
SOURCE = Source(id="eu-edpb-news", url="https://www.edpb.europa.eu/news", kind="listing")


def items(count: int) -> tuple[Item, ...]:
    return tuple(
        Item(
            key=f"https://www.edpb.europa.eu/news/{n}",
            title=f"Opinion {n}/2025 on data transfers",
            link=f"https://www.edpb.europa.eu/news/{n}",
            date=f"2025-0{n % 9 + 1}-1{n % 10}",
            summary=f"The Board adopted opinion {n}.",
        )
        for n in range(count)
    )


def links(change_id: int, count: int, version: int) -> list[dict[str, Any]]:
    rows = [
        {
            "item_key": f"https://www.edpb.europa.eu/news/{80 + n % 2}",
            "related_item_id": 1 + n % 75,
            "source_id": SOURCE.id,
            "title": f"Opinion {n % 75}/2025 on data transfers",
            "link": f"https://www.edpb.europa.eu/news/{n % 75}",
            "date": None if n % 5 == 0 else "2025-02-11",
            "score": round(1.0 - n / 200 + version / 1000, 6),
            "terms": ("transfer", f"opinion-{n}"),
            "rank": n + 1,
            "shown": n < 3,
            "reason": "shares: data transfers" if n % 2 else "",
        }
        for n in range(count)
    ]
    rows.append({**rows[count // 2], "score": 0.01, "rank": 99})  # the same link again: replaces the first
    return rows


def store_links(path: Path) -> list[tuple[Any, ...]]:
    store = Store(path)
    health = HealthPolicy()
    try:
        store.sync_sources([SOURCE], NOW)
        first = Snapshot(blocks=("News",), items=items(80))
        body = FetchResult(url=SOURCE.url, final_url=SOURCE.url, status=200, body=b"v1")
        with store.unit():
            store.save_baseline(
                SOURCE, body, first, NOW, duration=0.1, body_hash="b1", config_hash="c", health=health
            )
        later = NOW + timedelta(hours=1)
        second = Snapshot(blocks=("News",), items=items(82))
        state = store.state(SOURCE.id)
        decision = decide(state, body, second, SOURCE, config_hash="c", previous=store.snapshot(state.latest))
        assert isinstance(decision, Changed)
        outcome = store.save_change(
            SOURCE, body, second, decision.change, ["console"], later, duration=0.1, body_hash="b2",
            config_hash="c", health=health, hold=True,
        )  # fmt: skip
        change_id = outcome.change_id
        assert change_id is not None
        with store.batching(50, 3600):
            with store.unit():
                store.replace_related(change_id, links(change_id, 150, 1), later)
            with store.unit():  # linked again: everything replaced
                store.replace_related(change_id, links(change_id, 70, 2), later + timedelta(minutes=1))
            with store.unit():
                store.replace_related(change_id, [], later)  # nothing found: nothing kept
                store.replace_related(change_id, links(change_id, 3, 3), later)
        return store.db.execute("SELECT * FROM related ORDER BY id").fetchall()
    finally:
        store.close()


def one_by_one(conn: sqlite3.Connection, head: str, rows: Any, tail: str = "") -> None:
    """How links were stored before: one statement prepared once, run per link."""
    if rows:
        conn.executemany(f"{head} VALUES ({', '.join('?' * len(rows[0]))}){tail}", rows)


def test_multi_row_links_are_the_rows_one_by_one_stored(tmp_path: Path, monkeypatch):
    multi = store_links(tmp_path / "multi.db")
    monkeypatch.setattr(watcher.db.enrichment, "insert_rows", one_by_one)
    single = store_links(tmp_path / "single.db")
    assert len(multi) == 3 and multi[0][9] == '["transfer","opinion-0"]'
    assert [r[10] for r in multi] == [1, 3, 99]  # the link listed twice: its second listing, last
    assert multi == single
