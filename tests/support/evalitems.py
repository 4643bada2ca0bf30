"""Evaluation-set entries (bench/related_eval.py's candidates and updates) stored as one
source's first version, through the real `Store`: what the related-linking tests rank."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.model import FetchResult, Item, Snapshot, Source
from watcher.related.values import LinkTarget


def save_items(
    store: Store,
    source_id: str,
    items: Iterable[Item],
    now: datetime,
    *,
    role: str = "related",
    kind: str = "json",
) -> Source:
    """Store `items` as the first version (baseline) of a source `source_id`."""
    source = Source(
        id=source_id, url=f"https://{source_id}.example.org/", kind=kind, name=source_id, role=role
    )
    store.sync_sources([source], now)
    store.save_baseline(
        source,
        FetchResult(source.url, source.url, 200),
        Snapshot(items=tuple(items)),
        now,
        duration=0,
        body_hash="",
        config_hash="",
        health=HealthPolicy(),
    )
    return source


def save_entries(store: Store, source_id: str, role: str, entries: list[dict], now: datetime) -> Source:
    """Store `entries` ({id, title, link, date, text}) as the baseline of a JSON source."""
    items = (Item(e["id"], e["title"], e["link"], e["date"], summary=e["text"]) for e in entries)
    return save_items(store, source_id, items, now, role=role)


def govuk_dev(store: Store, data: dict, now: datetime) -> dict[str, dict]:
    """Index the set's GOV.UK candidates in `store`; the development half's updates by id."""
    candidates = [c for c in data["candidates"] if c["source"] == "uk-govuk"]
    save_entries(store, "uk-govuk", "related", candidates, now)
    return {c["id"]: c for c in data["changes"] if c["split"] == "dev"}


def target_of(update: dict) -> LinkTarget:
    """An evaluation-set update as the document linking ranks candidates for."""
    return LinkTarget(
        update["id"],
        update["title"],
        update["text"],
        update["source"],
        date.fromisoformat(update["date"]),
        link=update["link"],
    )
