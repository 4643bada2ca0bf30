"""Documents seen by several sources (watcher/db/documents.py), at the level of the store: a
document first seen is one statement and asks nobody whether it had an alert (no sighting can
name an id just made); one seen before is found, its `last_seen` moved, and the channels that
had it within the window skip it, as before round 16."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.db.values import iso
from watcher.model import Change, FetchResult, Item, Snapshot, Source

NOW = datetime(2025, 2, 3, 10, 0, tzinfo=UTC)
RULE = Item(
    key="https://www.federalregister.gov/documents/2023/12/13/2023-28857/hti-1",
    title="Health Data, Technology, and Interoperability (HTI-1)",
    link="https://www.federalregister.gov/documents/2023/12/13/2023-28857/hti-1",
)


def save(store: Store, source: Source, items: tuple[Item, ...], now: datetime, seen: list[str]) -> int | None:
    store.db.conn.set_trace_callback(seen.append)
    try:
        outcome = store.save_change(
            source, FetchResult(source.url, source.url, 200), Snapshot(items=items),
            Change(source.id, "", "", added=items), ["slack", "email"], now, duration=0,
            body_hash="", config_hash="", health=HealthPolicy(),
        )  # fmt: skip
    finally:
        store.db.conn.set_trace_callback(None)
    return outcome.change_id


def test_a_document_first_seen_is_one_statement_and_one_seen_before_is_deduplicated(tmp_path: Path):
    hhs = Source(id="us-fr-hhs-rules", url="https://example.gov/hhs", kind="listing")
    cfr = Source(id="us-fr-45cfr170", url="https://example.gov/170", kind="listing")
    store = Store(tmp_path / "d.db")
    try:
        store.sync_sources([hhs, cfr], NOW)
        first: list[str] = []
        first_change = save(store, hhs, (RULE,), NOW, first)
        # email's alert went out already; slack's is still pending: both count as had
        store.db.execute("UPDATE outbox SET status = 'sent' WHERE channel = 'email'")
        later = NOW + timedelta(hours=1)
        again: list[str] = []
        second_change = save(store, cfr, (RULE,), later, again)
        documents = store.db.execute(
            "SELECT id, doc_key, title, first_seen, first_change_id, last_seen FROM documents"
        ).fetchall()
        sightings = store.db.execute(
            "SELECT document_id, source_id, change_id, item_key FROM sightings ORDER BY id"
        ).fetchall()
        outbox = store.db.execute("SELECT change_id, channel FROM outbox ORDER BY id").fetchall()
    finally:
        store.close()

    def documents_sql(seen: list[str]) -> list[str]:
        """The statements on documents and sightings, up to their values or conditions."""
        heads = (sql.split(" (")[0].split(" SET")[0].split(" WHERE")[0] for sql in seen)
        return [head for head in heads if head.endswith(" documents") or "sightings" in head]

    # First seen: inserted, no lookup before, no question about sightings (three statements
    # before round 16: SELECT id, INSERT, SELECT DISTINCT ... FROM sightings).
    assert documents_sql(first) == ["INSERT INTO documents", "INSERT OR IGNORE INTO sightings"]
    # Seen before: the insert finds it, `last_seen` moves, the channels that had it are asked.
    assert documents_sql(again) == [
        "INSERT INTO documents",
        "UPDATE documents",
        "SELECT DISTINCT o.channel FROM sightings s JOIN outbox o ON o.subject = 'change:' || s.change_id",
        "INSERT OR IGNORE INTO sightings",
    ]
    assert documents == [(1, "fr:2023-28857", RULE.title, iso(NOW), first_change, iso(later))]
    assert sightings == [(1, hhs.id, first_change, RULE.key), (1, cfr.id, second_change, RULE.key)]
    # Both channels had the rule from the other source within the window: nothing more to send.
    assert outbox == [(first_change, "slack"), (first_change, "email")]
