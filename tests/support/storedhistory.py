"""A small stored history (real Federal Register items: baselines of four listings in one batch,
then a batch of changes, then a re-baseline) and every row of its database, for tests that
store it two ways and compare (tests/watcher/test_store_same_rows.py, test_page_size.py).

Items from a real Federal Register API response (tests/pages/federal-register-api-json/
SOURCE.md); the longer listings repeat them under numbered keys.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from watcher.check.decide import Changed, decide
from watcher.check.sourcehealth import HealthPolicy
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
