"""A stored version reads back as exactly what was stored: its items (with and without
structured fields, a date or none), its text blocks, its fingerprint, and what a diff
against it finds. Items from a real Federal Register API response (tests/pages/
federal-register-api-json/SOURCE.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from storedhistory import SAMPLE
from storedhistory import real_items as history_items

from watcher.check.diff import diff
from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.model import FetchResult, Item, Snapshot, Source

NOW = datetime(2024, 10, 1, 12, 0, tzinfo=UTC)
SOURCE = Source(id="fr", url="https://www.federalregister.gov/api/v1/documents.json", kind="json", name="FR")


def real_items() -> tuple[Item, ...]:
    """Every document of the sample, each an item (storedhistory.real_items)."""
    return history_items(len(json.loads(SAMPLE.read_text(encoding="utf-8"))["results"]))


def test_a_stored_version_reads_back_exactly(tmp_path):
    items = real_items()
    assert (
        any(i.fields for i in items)
        and any(not i.fields for i in items)
        and any(i.date is None for i in items)
    )
    snapshot = Snapshot(blocks=("Federal Register", "Documents"), items=items)
    store = Store(tmp_path / "r.db")
    store.sync_sources([SOURCE], NOW)
    fetched = FetchResult(url=SOURCE.url, final_url=SOURCE.url, status=200, body=b"{}")
    store.save_baseline(
        SOURCE, fetched, snapshot, NOW, duration=0, body_hash="b", config_hash="c", health=HealthPolicy()
    )
    fingerprint = snapshot.fingerprint
    store.close()

    reopened = Store(tmp_path / "r.db")  # nothing cached: decoded from the stored row
    back = reopened.snapshot(fingerprint)
    assert back == snapshot
    assert [i.to_dict() for i in back.items] == [i.to_dict() for i in items]
    assert Snapshot(blocks=back.blocks, items=back.items).fingerprint == fingerprint
    assert diff("fr", back, Snapshot(blocks=snapshot.blocks, items=items[1:])).removed == (items[0],)
    for item in items:
        assert Item.from_dict(item.to_dict()) == item
    reopened.close()
