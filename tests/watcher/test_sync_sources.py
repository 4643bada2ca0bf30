"""Recording the configured sources at the start of every pass: the rows say what the config
says, a source's state is kept, and an unchanged config writes nothing (issue 18: it ran on
every pass, one statement and one rewritten row per source)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from watcher.db.store import Store
from watcher.model import Source

NOW = datetime(2024, 10, 1, 12, 0, tzinfo=UTC)
FIELDS = "id, name, url, kind, role, tags, jurisdiction, regulator, active, created_at"


def sources(count: int) -> list[Source]:
    return [
        Source(
            id=f"us-hhs-{index:03d}",
            url=f"https://www.hhs.gov/news/{index}",
            kind="listing",
            name=f"HHS news {index}",
            tags=("hipaa", "privacy"),
            jurisdiction="US",
            regulator="HHS OCR",
        )
        for index in range(count)
    ]


def rows(path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT {FIELDS} FROM sources ORDER BY id").fetchall()


def test_an_unchanged_config_writes_no_row_and_a_changed_one_writes_what_changed(tmp_path):
    path = tmp_path / "r.db"
    store = Store(path)
    configured = sources(300)
    store.sync_sources(configured, NOW)
    first = rows(path)
    assert len(first) == 300
    assert first[0] == (
        "us-hhs-000", "HHS news 0", "https://www.hhs.gov/news/0", "listing", "watch",
        '["hipaa", "privacy"]', "US", "HHS OCR", 1, "2024-10-01T12:00:00.000000+00:00",
    )  # fmt: skip
    with sqlite3.connect(path) as db:  # what checks wrote: the source's state, not its config
        db.execute("UPDATE sources SET etag = '\"v1\"', failures = 2 WHERE id = 'us-hhs-005'")
    state = store.state(configured[5].id)
    assert state.etag == '"v1"' and state.failures == 2

    written = store.db.conn.total_changes
    store.sync_sources(configured, NOW + timedelta(hours=1))
    assert store.db.conn.total_changes == written  # nothing rewritten
    assert rows(path) == first

    renamed = replace(configured[7], name="HHS newsroom", tags=("hipaa",))
    kept = [*configured[:7], renamed, *configured[8:299]]  # the last one left the config
    store.sync_sources(kept, NOW + timedelta(hours=2))
    assert store.db.conn.total_changes == written + 2  # the renamed row, the removed one
    after = rows(path)
    assert after[7][1] == "HHS newsroom" and after[7][5] == '["hipaa"]'
    assert after[7][9] == first[7][9]  # created when first configured
    assert after[299][8] == 0  # inactive, its history kept
    assert [r for i, r in enumerate(after) if i not in (7, 299)] == [
        r for i, r in enumerate(first) if i not in (7, 299)
    ]
    assert store.state(configured[5].id) == state  # a source's state is not the config's

    store.sync_sources(configured, NOW + timedelta(hours=3))  # back in the config
    assert rows(path) == first
    store.close()
