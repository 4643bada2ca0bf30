"""Evaluation-set entries (bench/related_eval.py's candidates and updates) stored as one
source's first version, through the real `Store`: what the related-linking tests rank."""

from __future__ import annotations

from datetime import datetime

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.model import FetchResult, Item, Snapshot, Source


def save_entries(store: Store, source_id: str, role: str, entries: list[dict], now: datetime) -> Source:
    """Store `entries` ({id, title, link, date, text}) as the baseline of a JSON source."""
    source = Source(
        id=source_id, url=f"https://{source_id}.example.org/", kind="json", name=source_id, role=role
    )
    store.sync_sources([source], now)
    items = tuple(Item(e["id"], e["title"], e["link"], e["date"], summary=e["text"]) for e in entries)
    store.save_baseline(
        source,
        FetchResult(source.url, source.url, 200),
        Snapshot(items=items),
        now,
        duration=0,
        body_hash="",
        config_hash="",
        health=HealthPolicy(),
    )
    return source
