"""Storing items in a few multi-row statements (watcher/db/multirow.py) writes exactly the
database that storing them row by row writes: every row of every table, full-text index
included, byte for byte, through baselines, changes (items added, edited, removed), a
re-baseline, a snapshot that lists a key twice, and listings longer than one chunk.

Items from a real Federal Register API response (tests/pages/federal-register-api-json/
SOURCE.md); the longer listings repeat them under numbered keys.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import watcher.db.versions
from watcher.check.decide import Changed, decide
from watcher.check.sourcehealth import HealthPolicy
from watcher.db import multirow
from watcher.db.store import Store
from watcher.model import FetchResult, Item, Snapshot, Source

NOW = datetime(2024, 10, 1, 12, 0, tzinfo=UTC)
SAMPLE = Path(__file__).resolve().parents[1] / "pages" / "federal-register-api-json" / "documents-sample.json"
URL = "https://www.federalregister.gov/api/v1/documents.json"


def real_items(count: int, tag: str = "") -> tuple[Item, ...]:
    docs = json.loads(SAMPLE.read_text(encoding="utf-8"))["results"]
    items = []
    for index in range(count):
        doc = docs[index % len(docs)]
        fields = {"type": doc["type"], "action": doc.get("action") or ""}
        if doc.get("comments_close_on"):
            fields["comments_close_on"] = doc["comments_close_on"]
        items.append(
            Item(
                key=f"{doc['html_url']}#{index}{tag}" if index >= len(docs) else doc["html_url"],
                title=doc["title"],
                link=doc.get("pdf_url") or "",
                date=doc["publication_date"] if index % 3 else None,
                summary=doc.get("abstract") or "",
                fields=tuple(sorted(fields.items())) if index % 2 else (),
            )
        )
    return tuple(items)


def row_by_row(conn: sqlite3.Connection, head: str, rows: Sequence[Sequence[Any]], tail: str = "") -> None:
    """How the items were stored before: one execution per row."""
    if rows:
        conn.executemany(f"{head} VALUES ({', '.join('?' * len(rows[0]))}){tail}", rows)


def source(index: int) -> Source:
    return Source(id=f"us-fr-documents-{index}", url=f"{URL}?page={index}", kind="json", name=f"FR {index}")


def fetched(index: int, version: int) -> FetchResult:
    return FetchResult(
        url=source(index).url, final_url=source(index).url, status=200, body=f"{version}".encode()
    )


def store_history(db: Path) -> None:
    """Baselines of four sources in one batch, then a batch of changes, then a re-baseline."""
    health = HealthPolicy()
    sizes = (1, 20, 77, 150)  # one row, one short chunk, chunks of 64 + 8 + 4 + 1, 128 + 16 + 4 + 2
    store = Store(db)
    try:
        store.sync_sources([source(i) for i in range(len(sizes))], NOW)
        first = {
            i: Snapshot(blocks=("Documents", f"page {i}"), items=real_items(n)) for i, n in enumerate(sizes)
        }
        twice = first[1].items
        first[1] = replace(
            first[1], items=(*twice, replace(twice[0], link="https://example.gov/listed-again"))
        )
        with store.batching(50, 3600):
            for i, snapshot in first.items():
                with store.unit():
                    store.save_baseline(
                        source(i), fetched(i, 0), snapshot, NOW, duration=0.1,
                        body_hash=f"b{i}", config_hash="c", health=health,
                    )  # fmt: skip
        later = NOW + timedelta(minutes=5)
        with store.batching(50, 3600):
            for i, snapshot in first.items():
                items = list(real_items(sizes[i] + 3, tag="-new"))
                del items[1]  # one removed
                items[0] = replace(items[0], title=items[0].title + " (corrected)")  # one edited
                new = Snapshot(blocks=snapshot.blocks, items=tuple(items))
                state = store.state(source(i).id)
                decision = decide(
                    state,
                    fetched(i, 1),
                    new,
                    source(i),
                    config_hash="c",
                    previous=store.snapshot(state.latest),
                )
                assert isinstance(decision, Changed)
                with store.unit():
                    store.save_change(
                        source(i), fetched(i, 1), new, decision.change, ["console"], later, duration=0.1,
                        body_hash=f"b{i}-1", config_hash="c", health=health,
                    )  # fmt: skip
        store.save_rebaseline(
            source(3), fetched(3, 2), Snapshot(blocks=("Documents",), items=real_items(70, tag="-re")),
            later + timedelta(minutes=5), duration=0.1, body_hash="b3-2", config_hash="c2", health=health,
            reason="configuration changed",
        )  # fmt: skip
    finally:
        store.close()


def dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        # Everything but when each migration ran (wall-clock time)
        return [line for line in conn.iterdump() if not line.startswith('INSERT INTO "_sqlite_migrations"')]


def test_multi_row_statements_store_the_same_database(tmp_path, monkeypatch):
    store_history(tmp_path / "multi.db")
    monkeypatch.setattr(watcher.db.versions, "insert_rows", row_by_row)
    store_history(tmp_path / "single.db")
    multi, single = dump(tmp_path / "multi.db"), dump(tmp_path / "single.db")
    assert len(multi) > 1000  # items, their index, changes, outbox rows: something was stored
    assert any("listed-again" in line for line in multi)
    assert multi == single


@pytest.mark.parametrize("count", [0, 1, 2, 3, 50, 63, 64, 65, 127, 128, 129, 1000])
def test_chunks_cover_every_row_in_order(count):
    sizes = list(multirow.chunk_sizes(count))
    assert sum(sizes) == count
    assert all(size in (1, 2, 4, 8, 16, 32, 64) for size in sizes)
    assert sizes == sorted(sizes, reverse=True)


def test_insert_rows_keeps_order_and_conflicts(tmp_path):
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v TEXT, n INTEGER DEFAULT 1)")
    rows = [(f"k{i % 90}", f"v{i}") for i in range(100)]  # the last ten update earlier rows
    multirow.insert_rows(
        conn, "INSERT INTO t (k, v)", rows, " ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1"
    )
    got = conn.execute("SELECT id, k, v, n FROM t ORDER BY id").fetchall()
    assert [r[0] for r in got] == list(range(1, 91))
    assert got[0] == (1, "k0", "v90", 2) and got[10] == (11, "k10", "v10", 1)
