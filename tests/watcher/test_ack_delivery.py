"""An acknowledgement (`Store.ack_delivery`) marks the row sent, and a digest's members with
it, in two plain statements of one transaction: by rowid, then through `outbox_batch`. As one
`WHERE id = ? OR batch_id = ?` SQLite planned a multi-index OR (a rowid set built from both
lookups, then the update), ~22 us an alert against ~12 (bench/README.md, "Round 18:
perfmain9"). The rows come out as the one statement left them: compared here column by
column with what that statement writes, for a plain alert, a digest and its members, a
receipt with and without a permalink, and rows of other digests left alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.db.values import iso
from watcher.model import Change, FetchResult, Item, Receipt, Snapshot, Source

NOW = datetime(2025, 2, 3, 10, 0, tzinfo=UTC)
#: What `ack_delivery` sent before round 18, as one statement.
ONE_STATEMENT = (
    "UPDATE outbox SET status = 'sent', sent_at = ?, ref = ?, permalink = ?, last_error = NULL"
    " WHERE id = ? OR batch_id = ?"
)


def _filled(path: Path) -> tuple[Store, list[int], list[int]]:
    """A store with 12 change alerts on 'console' and 'daily', the 'daily' ones gathered into
    two digests (6 members each): the console rows and the digest rows."""
    sources = [Source(id=f"us-sec-{n}", url=f"https://example.gov/{n}", kind="listing") for n in range(12)]
    store = Store(path)
    store.sync_sources(sources, NOW)
    for n, source in enumerate(sources):
        item = Item(key=f"https://example.gov/{n}/1", title=f"Notice {n}")
        store.save_change(
            source, FetchResult(source.url, source.url, 200), Snapshot(items=(item,)),
            Change(source.id, "", "", added=(item,)), ["console", "daily"], NOW + timedelta(minutes=n),
            duration=0, body_hash="", config_hash="", health=HealthPolicy(),
        )  # fmt: skip
    store.hold_for_digest(["daily"])
    digests = []
    for cutoff in (5, 11):
        digest = store.create_digest("daily", NOW + timedelta(days=1), NOW + timedelta(minutes=cutoff))
        assert digest is not None
        digests.append(digest)
    console = [r[0] for r in store.db.execute("SELECT id FROM outbox WHERE channel = 'console' ORDER BY id")]
    # a row in doubt and a failed attempt's error, which the acknowledgement clears
    store.db.execute(
        "UPDATE outbox SET status = 'sending', last_error = 'timeout' WHERE id = ?", [console[3]]
    )
    return store, console, digests


def _acknowledged(path: Path, ack) -> list[tuple]:
    store, console, digests = _filled(path)
    try:
        later = NOW + timedelta(hours=2)
        ack(store, console[0], Receipt(ref="r0", permalink="https://chat/p0"), later)
        ack(store, console[3], Receipt(ref="r3"), later + timedelta(seconds=1))
        ack(store, digests[0], Receipt(ref="d0", permalink="https://chat/d0"), later + timedelta(seconds=2))
        return store.db.execute("SELECT * FROM outbox ORDER BY id").fetchall()
    finally:
        store.close()


def _one_statement(store: Store, delivery_id: int, receipt: Receipt, now: datetime) -> None:
    with store.durable():
        store.db.execute(ONE_STATEMENT, [iso(now), receipt.ref, receipt.permalink, delivery_id, delivery_id])


def test_rows_are_what_the_one_statement_wrote(tmp_path: Path):
    def ack(store: Store, delivery_id: int, receipt: Receipt, now: datetime) -> None:
        store.ack_delivery(delivery_id, receipt, now)

    new = _acknowledged(tmp_path / "new.db", ack)
    old = _acknowledged(tmp_path / "old.db", _one_statement)
    assert new == old
    by_status: dict[str, int] = {}
    for row in new:
        by_status[row[7]] = by_status.get(row[7], 0) + 1
    # 2 console rows and the first digest with its 6 members sent; the second digest's members wait
    assert by_status == {"sent": 9, "pending": 11, "batched": 6}


def test_an_acknowledgement_is_two_plain_lookups(tmp_path: Path):
    store, console, digests = _filled(tmp_path / "a.db")
    seen: list[str] = []
    try:
        store.db.conn.set_trace_callback(seen.append)
        store.ack_delivery(console[1], Receipt(ref="r1"), NOW + timedelta(hours=2))
        store.ack_delivery(digests[1], Receipt(ref="d1"), NOW + timedelta(hours=2))
        store.db.conn.set_trace_callback(None)
        updates = [sql for sql in seen if sql.startswith("UPDATE outbox")]
        plans = [" ".join(r[3] for r in store.db.execute(f"EXPLAIN QUERY PLAN {sql}")) for sql in updates]
        members = store.db.execute(
            "SELECT count(*) FROM outbox WHERE batch_id = ? AND status = 'sent'", [digests[1]]
        ).fetchone()[0]
    finally:
        store.close()
    assert len(updates) == 4 and not any(" OR " in sql for sql in updates), updates
    assert not any("MULTI-INDEX OR" in plan for plan in plans), plans
    assert "INTEGER PRIMARY KEY (rowid=?)" in plans[0] and "outbox_batch (batch_id=?)" in plans[1], plans
    assert [seen.count("BEGIN"), seen.count("COMMIT")] == [2, 2]  # one transaction an acknowledgement
    assert members == 6
