"""A change held for enrichment is written 'pending' by its `INSERT` (watcher/db/checks.py):
the database is the very one the former `INSERT` then `UPDATE changes SET enrichment =
'pending'` wrote, every row of every table (full-text index, outbox, sightings) byte for
byte, for held and unheld changes in one batch. Items from a real Federal Register API
response (tests/pages/federal-register-api-json/SOURCE.md)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from watcher.check.decide import Changed, decide
from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.db.versions import VersionRows
from watcher.model import FetchResult, Item, Snapshot, Source

NOW = datetime(2024, 10, 1, 12, 0, tzinfo=UTC)
SAMPLE = Path(__file__).resolve().parents[1] / "pages" / "federal-register-api-json" / "documents-sample.json"
URL = "https://www.federalregister.gov/api/v1/documents.json"


def real_items(count: int, tag: str = "") -> tuple[Item, ...]:
    docs = json.loads(SAMPLE.read_text(encoding="utf-8"))["results"]
    return tuple(
        Item(
            key=f"{docs[i % len(docs)]['html_url']}#{i}{tag}",
            title=docs[i % len(docs)]["title"],
            link=docs[i % len(docs)].get("pdf_url") or "",
            date=docs[i % len(docs)]["publication_date"],
            summary=docs[i % len(docs)].get("abstract") or "",
        )
        for i in range(count)
    )


def source(index: int) -> Source:
    return Source(id=f"us-fr-documents-{index}", url=f"{URL}?page={index}", kind="json", name=f"FR {index}")


def fetched(index: int, version: int) -> FetchResult:
    return FetchResult(
        url=source(index).url, final_url=source(index).url, status=200, body=f"{version}".encode()
    )


def dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        # Everything but when each migration ran (wall-clock time)
        lines = [line for line in conn.iterdump() if not line.startswith('INSERT INTO "_sqlite_migrations"')]
    conn.close()
    return lines


def store_changes(db: Path) -> None:
    """Baselines of four sources, then a batch of changes, the first and third held."""
    health = HealthPolicy()
    store = Store(db)
    try:
        store.sync_sources([source(i) for i in range(4)], NOW)
        with store.batching(50, 3600):
            for i in range(4):
                with store.unit():
                    store.save_baseline(
                        source(i), fetched(i, 0), Snapshot(items=real_items(5 + i)), NOW, duration=0.1,
                        body_hash=f"b{i}", config_hash="c", health=health,
                    )  # fmt: skip
        later = NOW + timedelta(minutes=5)
        with store.batching(50, 3600):
            for i in range(4):
                new = Snapshot(items=real_items(7 + i, tag="-new"))
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
                        source(i), fetched(i, 1), new, decision.change, ["console", "slack"], later,
                        duration=0.1, body_hash=f"b{i}-1", config_hash="c", health=health, hold=i % 2 == 0,
                    )  # fmt: skip
    finally:
        store.close()


def test_a_held_change_is_inserted_pending_as_it_was_updated(tmp_path, monkeypatch):
    store_changes(tmp_path / "insert.db")
    insert = VersionRows._insert_change

    def then_update(self, source_id, change, fingerprint, now, *, enrichment=None):
        """How a held change was written before: its row, then the UPDATE."""
        change_id = insert(self, source_id, change, fingerprint, now)
        if enrichment is not None:
            self.db.execute("UPDATE changes SET enrichment = 'pending' WHERE id = ?", [change_id])
        return change_id

    monkeypatch.setattr(VersionRows, "_insert_change", then_update)
    store_changes(tmp_path / "update.db")
    inserted, updated = dump(tmp_path / "insert.db"), dump(tmp_path / "update.db")
    assert inserted == updated
    with sqlite3.connect(tmp_path / "insert.db") as conn:
        rows = conn.execute("SELECT source_id, enrichment FROM changes ORDER BY id").fetchall()
        statuses = conn.execute("SELECT DISTINCT status FROM outbox ORDER BY 1").fetchall()
    conn.close()
    assert [r[1] for r in rows] == ["pending", None, "pending", None]
    assert statuses == [("enriching",), ("pending",)]
