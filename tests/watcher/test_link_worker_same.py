"""Linking in the worker process stores exactly the links inline linking stores (watcher/check/linkstage.py).

The same database state, real material: the related evaluation set's candidates and the
development half's updates (tests/related/evalset, its US and UK corpora; provenance in its
SOURCE.md), each update stored as a change with its text, linked inline in the main process
on one copy of the file and through `ProcessLinker` (a worker process reading the file
read-only) on another; every stored `related` row is compared. And a whole pass over real HTTP
pages whose extraction runs in a worker links its change in the linking worker, not in the
main process, with the rows inline linking gives for the same rows.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from localsite import LISTING_SOURCE, Site, listing_page
from passes import db_rows, make_config, stored_pass

import watcher.related.linking
from bench.related_eval import FIRST_CORPORA, Bench, changes_of, load
from watcher.check import linkworker
from watcher.check.linkstage import ProcessLinker
from watcher.check.workers import MIN_BYTES, ProcessExtractor
from watcher.db.store import Store
from watcher.model import Source
from watcher.related.linking import link_change
from watcher.related.values import Ranking

NOW = datetime(2026, 1, 2, 12, tzinfo=UTC)
RELATED = "SELECT * FROM related ORDER BY change_id, item_key, rank"


@pytest.fixture(scope="module")
def evalset_db(tmp_path_factory) -> tuple[Path, dict[int, str]]:
    """A database holding the set's candidates and every development update as a change."""
    path = tmp_path_factory.mktemp("evalset") / "base.db"
    data = load(corpora=FIRST_CORPORA)
    bench = Bench(data, path)
    try:
        changes = {bench.store_change(c)[0]: c["source"] for c in changes_of(data, "dev")}
    finally:
        bench.close()
    return path, changes


def copy(path: Path, to: Path) -> Path:
    with sqlite3.connect(path) as source, sqlite3.connect(to) as target:
        source.backup(target)
    source.close()
    target.close()
    return to


def test_the_worker_stores_every_link_inline_linking_stores(evalset_db, tmp_path: Path):
    base, changes = evalset_db
    inline, worker = copy(base, tmp_path / "inline.db"), copy(base, tmp_path / "worker.db")
    ranking = Ranking()

    store = Store(inline)
    try:
        for change_id in changes:
            found = link_change(store.db, change_id, now=NOW, ranking=ranking)
            store.replace_related(change_id, [link.row() for link in found], NOW)
    finally:
        store.close()

    async def through_worker() -> None:
        store = Store(worker)
        linker = ProcessLinker(store, clock=lambda: NOW, ranking=ranking)
        try:
            with store.batching():
                for change_id, source_id in changes.items():
                    linker.submit(change_id, _source(source_id))
                await linker.drain()
            assert linker._worker is not None and linker._worker.alive  # it really went to a worker
        finally:
            linker.close()
            store.close()

    asyncio.run(through_worker())
    expected = db_rows(inline, RELATED)
    assert len(changes) >= 150
    assert len(expected) >= 5 * len(changes)  # real links, many per update
    assert db_rows(inline, "SELECT count(*) FROM related WHERE shown")[0][0] >= len(changes) // 2  # shown too
    assert db_rows(worker, RELATED) == expected


def test_the_read_only_worker_connection_links_to_the_last_digit(evalset_db):
    """`linkworker.link` (its read-only connection and read transaction) gives the very `Link`
    values, scores unrounded, that the writer's connection gives."""
    base, changes = evalset_db
    store = Store(base)
    try:
        for change_id in list(changes)[:60]:
            assert linkworker.link(str(base), change_id, NOW, Ranking()) == link_change(
                store.db, change_id, now=NOW
            )
    finally:
        store.close()


def _source(source_id: str) -> Source:
    return Source(id=source_id, url=f"https://{source_id}.example.org/", kind="json", name=source_id)


# -- a whole pass ------------------------------------------------------------------------


def watched_and_related(site: Site, tmp_path: Path, db: Path):
    """A config of two listings on `site`: /watch (alerted) and /related (role "related")."""
    sources = [
        {**LISTING_SOURCE, "id": "eu-related-news", "url": site.url("/related"), "role": "related"},
        {**LISTING_SOURCE, "id": "us-watched-updates", "url": site.url("/watch")},
    ]
    return make_config(tmp_path, sources, database=str(db))


def listing(entries: list[dict], count: int) -> str:
    return listing_page([(e["date"], e["title"], f"/doc/{e['id']}") for e in entries[:count]])


def test_a_pass_with_workers_links_in_the_linking_worker(site: Site, tmp_path: Path, monkeypatch):
    data = load(corpora=FIRST_CORPORA)
    candidates = sorted(data["candidates"], key=lambda c: c["date"], reverse=True)
    updates = sorted(changes_of(data, "dev"), key=lambda c: c["date"], reverse=True)
    site.set("/related", listing(candidates, 300))
    site.set("/watch", listing(updates[8:], 150))
    assert len(listing(updates[8:], 150).encode()) >= MIN_BYTES  # these pages go to a worker
    db = tmp_path / "regwatch.db"
    config = watched_and_related(site, tmp_path, db)
    moment = datetime(2026, 1, 2, 9, tzinfo=UTC)
    with ProcessExtractor(1) as extractor:
        stored_pass(config, db, moment, extractor)  # the baselines
        site.set("/watch", listing(updates, 158))  # eight new updates on the watched page

        def not_here(*args, **kwargs):
            raise AssertionError("linked in the main process")

        monkeypatch.setattr(watcher.related.linking, "link_change", not_here)
        stored_pass(config, db, moment + timedelta(minutes=1), extractor)
        monkeypatch.undo()

    assert db_rows(db, "SELECT enrichment, count(*) FROM changes GROUP BY 1") == [("done", 1)]
    assert db_rows(db, "SELECT DISTINCT status FROM outbox") == [("pending",)]  # released
    change_id = db_rows(db, "SELECT id FROM changes")[0][0]
    assert db_rows(db, "SELECT count(DISTINCT item_key) FROM related")[0][0] >= 6  # most new updates
    store = Store(db)
    try:  # the same rows give the same links inline
        found = link_change(store.db, change_id, now=moment, ranking=config.ranking)
    finally:
        store.close()
    columns = ("item_key", "related_item_id", "source_id", "title", "link", "date", "score", "rank", "reason")
    stored_rows = db_rows(db, f"SELECT {', '.join(columns)}, shown FROM related ORDER BY item_key, rank")
    inline_rows = sorted((*(link.row()[c] for c in columns), int(link.shown)) for link in found)
    assert sorted(stored_rows) == inline_rows


def test_a_pass_of_small_pages_links_inline(site: Site, tmp_path: Path, monkeypatch):
    """No extraction worker started (every body under MIN_BYTES): no linking worker either."""
    data = load(corpora=FIRST_CORPORA)
    updates = sorted(changes_of(data, "dev"), key=lambda c: c["date"], reverse=True)
    site.set("/related", listing(data["candidates"], 20))
    site.set("/watch", listing(updates[2:], 10))
    assert len(listing(updates, 12).encode()) < MIN_BYTES
    db = tmp_path / "regwatch.db"
    config = watched_and_related(site, tmp_path, db)
    moment = datetime(2026, 1, 2, 9, tzinfo=UTC)
    linked: list[int] = []

    def spy(db, change_id, **kwargs):
        linked.append(change_id)
        return link_change(db, change_id, **kwargs)

    with ProcessExtractor(1) as extractor:
        stored_pass(config, db, moment, extractor)
        site.set("/watch", listing(updates, 12))
        monkeypatch.setattr(watcher.related.linking, "link_change", spy)
        stored_pass(config, db, moment + timedelta(minutes=1), extractor)
        assert not extractor.running
    assert linked == [row[0] for row in db_rows(db, "SELECT id FROM changes")]
    assert db_rows(db, "SELECT enrichment FROM changes") == [("done",)]
