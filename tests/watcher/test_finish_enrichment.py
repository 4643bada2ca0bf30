"""Releasing a linked change's held alerts (`Store.finish_enrichment`) finds them by their
subject, not among every held row: the alerts of the other changes still being linked stay
held, and the statement reads only this change's rows however many wait (a pass holds every
change it saved until its links are stored; the lookup by status read each of them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.db.values import iso
from watcher.model import Change, FetchResult, Item, Snapshot, Source

NOW = datetime(2025, 2, 3, 10, 0, tzinfo=UTC)


def test_a_release_reads_only_its_own_held_alerts(tmp_path: Path):
    sources = [Source(id=f"us-hhs-{n}", url=f"https://example.gov/{n}", kind="listing") for n in range(30)]
    store = Store(tmp_path / "r.db")
    seen: list[str] = []
    try:
        store.sync_sources(sources, NOW)
        held = []
        for n, source in enumerate(sources):
            item = Item(key=f"https://example.gov/{n}/1", title=f"Notice {n}")
            outcome = store.save_change(
                source, FetchResult(source.url, source.url, 200), Snapshot(items=(item,)),
                Change(source.id, "", "", added=(item,)), ["slack", "email"], NOW, duration=0,
                body_hash="", config_hash="", health=HealthPolicy(), hold=True,
            )  # fmt: skip
            assert outcome.change_id is not None
            held.append(outcome.change_id)
        # a reminder row of the same change, not held: left as it is
        store.db.execute(
            "INSERT INTO outbox (subject, kind, change_id, source_id, channel, status, next_attempt_at,"
            " created_at) VALUES ('reminder:1:2025-02-04:1', 'reminder', ?, ?, 'slack', 'pending', ?, ?)",
            [held[7], sources[7].id, "2025-02-04T00:00:00", "2025-02-03T10:00:00"],
        )
        later = NOW + timedelta(seconds=3)
        store.db.conn.set_trace_callback(seen.append)
        released = store.finish_enrichment(held[7], later)
        store.db.conn.set_trace_callback(None)
        (update,) = [sql for sql in seen if sql.startswith("UPDATE outbox")]
        plan = " ".join(r[3] for r in store.db.execute(f"EXPLAIN QUERY PLAN {update}"))
        rows = store.db.execute(
            "SELECT change_id, subject, channel, status, next_attempt_at FROM outbox ORDER BY id"
        ).fetchall()
        enrichment = store.db.execute("SELECT id, enrichment FROM changes ORDER BY id").fetchall()
    finally:
        store.close()
    assert "sqlite_autoindex_outbox_1 (subject=?)" in plan, plan  # not outbox_due (status=?)
    assert released == 2
    mine = [r for r in rows if r[0] == held[7]]
    assert mine == [
        (held[7], f"change:{held[7]}", "slack", "pending", iso(later)),
        (held[7], f"change:{held[7]}", "email", "pending", iso(later)),
        (held[7], "reminder:1:2025-02-04:1", "slack", "pending", "2025-02-04T00:00:00"),
    ]
    assert all(r[3] == "enriching" for r in rows if r[0] != held[7])  # the others wait
    assert [e for _, e in enrichment] == ["pending"] * 7 + ["done"] + ["pending"] * 22
