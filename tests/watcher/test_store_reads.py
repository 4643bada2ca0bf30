"""The store's cheaper reads give what the slower ones gave: a source's state read through
the connection equals the row sqlite-utils' `query` reads (and a stored version reads back
through it: tests/watcher/test_snapshot_readback.py); `iso` remembered gives the text it
computes, whatever the zone of an equal instant."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.db.values import iso, parse_iso
from watcher.model import FetchResult, Item, Snapshot, Source

NOW = datetime(2025, 6, 2, 7, 30, 15, 123456, tzinfo=UTC)


def test_a_source_state_reads_as_its_row(tmp_path: Path):
    source = Source(id="uk-ico-news", url="https://ico.org.uk/news", kind="listing")
    store = Store(tmp_path / "r.db")
    try:
        store.sync_sources([source], NOW)
        fetched = FetchResult(url=source.url, final_url=source.url, status=200, body=b"x", etag='"e1"')
        with store.unit():
            store.save_baseline(
                source, fetched, Snapshot(items=(Item("k", "t"),)), NOW, duration=0.1, body_hash="b",
                config_hash="c", health=HealthPolicy(),
            )  # fmt: skip
        store.db.execute(
            "UPDATE sources SET pending = 'p', pending_count = 2, failing_since = ?, retry_after_until = ?",
            [iso(NOW - timedelta(days=1)), iso(NOW + timedelta(hours=1))],
        )
        sent: list[str] = []
        store.db.conn.set_trace_callback(sent.append)
        state = store.state(source.id)
        store.db.conn.set_trace_callback(None)
        assert len(sent) == 1 and sent[0].startswith("SELECT")  # one statement, no savepoint around it
        row = next(store.db.query("SELECT * FROM sources WHERE id = ?", [source.id]))
        assert (state.latest, state.etag, state.body_hash, state.config_hash) == (
            row["latest"], '"e1"', "b", "c",
        )  # fmt: skip
        assert (state.pending, state.pending_count, state.state, state.failures) == ("p", 2, "ok", 0)
        assert state.last_check_at == NOW and state.last_check_at == parse_iso(row["last_check_at"])
        assert state.failing_since == NOW - timedelta(days=1)
        assert state.retry_after_until == NOW + timedelta(hours=1)
        assert store.state("unknown") == type(state)()
    finally:
        store.close()


@pytest.mark.parametrize(
    "moment",
    [
        NOW,
        NOW.astimezone(timezone(timedelta(hours=5, minutes=30))),
        NOW.replace(tzinfo=None),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-8))),
    ],
)
def test_iso_remembered_is_iso_computed(moment: datetime):
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    expected = utc.astimezone(UTC).isoformat(timespec="microseconds")
    assert iso(moment) == expected
    hits = iso.cache_info().hits
    assert iso(moment) == expected  # remembered
    assert iso.cache_info().hits == hits + 1
    with sqlite3.connect(":memory:") as conn:  # sorts as text, as stored
        assert conn.execute(
            "SELECT ? < ?", [iso(moment), iso(moment + timedelta(microseconds=1))]
        ).fetchone()[0]
