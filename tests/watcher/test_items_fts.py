"""The full-text index of items, indexed in bulk (migration m015, watcher/db/ftspending.py).

Whoever writes `items` (the store, or raw SQL from a script or another module), the index
ends exactly equal to one rebuilt from the table: the same (term, document, column,
offset) instances and document sizes, compared through FTS5's own `fts5vocab` tables.
Rows inserted outside the store wait in `items_fts_pending` until the next regwatch opens
the file; updates and deletes of waiting and of indexed rows never corrupt the index;
a database with indexed rows migrates in place. Real SQLite files; items from a real
Federal Register API response (tests/pages/federal-register-api-json).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ftsindex import assert_index_whole, database_before, triggers, unindex_item
from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.check.enrich import Enrichment, enrich
from watcher.check.sourcehealth import HealthPolicy
from watcher.db.ftspending import has_pending
from watcher.db.migrations import m015_fts_pending
from watcher.db.store import Store
from watcher.history.queries import Filters
from watcher.history.search import search
from watcher.model import Change, FetchResult, Item, ItemChange, Snapshot, Source

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = json.loads((ROOT / "pages/federal-register-api-json/documents-sample.json").read_text())[
    "results"
]
NOW = datetime(2024, 1, 31, 12, 0, tzinfo=UTC)
HEALTH = HealthPolicy()
SOURCE = Source(id="us-fr-2024-01", url="https://e.gov/fr", kind="listing", name="Federal Register")
FETCHED = FetchResult(url=SOURCE.url, final_url=SOURCE.url, status=200, body=b"x")
RAW_INSERT = "INSERT INTO items (source_id, key, title, link, summary, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)"


def document(n: int) -> Item:
    doc = DOCUMENTS[n]
    return Item(doc["document_number"], doc["title"], link=doc["html_url"], summary=doc.get("abstract") or "")


def raw_row(n: int) -> list[Any]:
    item = document(n)
    return [SOURCE.id, item.key, item.title, item.link, item.summary, "2024-01-31", "2024-01-31"]


def found(path: Path, words: str) -> list[str]:
    """What `regwatch search --in items` finds, read-only, as its command opens the store."""
    store = Store(path, readonly=True)
    try:
        return sorted(hit.title for hit in search(store.db, words, Filters(), scopes=("items",), limit=50))
    finally:
        store.close()


def new_store(path: Path) -> Store:
    store = Store(path)
    store.sync_sources([SOURCE], NOW)
    return store


def baseline(store: Store, items: tuple[Item, ...]) -> None:
    store.save_baseline(
        SOURCE, FETCHED, Snapshot(items=items), NOW, duration=0, body_hash="a", config_hash="c", health=HEALTH
    )


def test_rows_a_script_inserts_wait_and_are_found_once_regwatch_opens_the_file(tmp_path):
    path = tmp_path / "r.db"
    new_store(path).close()
    script = sqlite3.connect(path)  # another writer: a script, a test, another module
    script.executemany(RAW_INSERT, [raw_row(n) for n in range(4)])
    script.commit()
    noted = script.execute("SELECT count(*) FROM items_fts_pending").fetchone()[0]
    in_index = script.execute("SELECT count(*) FROM items_fts_docsize").fetchone()[0]
    waits = has_pending(script)
    script.close()
    # Nothing runs per row (m019): new rows wait above the index's highest id, noted nowhere.
    assert (noted, in_index, waits) == (0, 0, True)
    # The read-only search indexes what waits before it reads (a short write of its own).
    assert found(path, "tariffs") == ["Carrier Automated Tariffs"]
    assert_index_whole(path, fts="items_fts", table="items")


def test_a_writable_store_indexes_what_waits_when_it_opens_and_before_it_commits(tmp_path):
    path = tmp_path / "r.db"
    new_store(path).close()
    script = sqlite3.connect(path)
    script.execute(RAW_INSERT, raw_row(1))
    script.commit()
    store = Store(path)  # opening indexes the script's row
    try:
        hits = store.db.execute("SELECT rowid FROM items_fts WHERE items_fts MATCH 'tariffs'").fetchall()
        assert len(hits) == 1
        script.execute(RAW_INSERT, raw_row(4))  # while the store is open
        script.commit()
        baseline(store, (document(0), document(2)))  # the store's own commit indexes both
    finally:
        store.close()
        script.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH 'salaries'").fetchone()[0] == 1
    conn.close()
    assert_index_whole(path, fts="items_fts", table="items")


def test_updates_and_deletes_of_waiting_and_of_indexed_rows_keep_the_index_whole(tmp_path):
    path = tmp_path / "r.db"
    store = new_store(path)
    baseline(store, tuple(document(n) for n in range(6)))  # indexed
    store.close()
    script = sqlite3.connect(path)
    script.executemany(RAW_INSERT, [raw_row(n) for n in range(6, 12)])  # waiting
    ids = dict(script.execute("SELECT key, id FROM items").fetchall())
    key = [document(n).key for n in range(12)]
    for n in (0, 6):  # an indexed row and a waiting one: new words
        script.execute("UPDATE items SET title = 'Renamed: HIPAA Security Rule' WHERE id = ?", [ids[key[n]]])
    for n in (1, 7):  # another of each, deleted
        script.execute("DELETE FROM items WHERE id = ?", [ids[key[n]]])
    for n in (2, 8):  # one of each gets a new id
        script.execute("UPDATE items SET id = id + 1000 WHERE id = ?", [ids[key[n]]])
    for n in (3, 9):  # one of each: only bookkeeping, then the same text written again
        script.execute("UPDATE items SET last_seen = '2024-02-01', title = title WHERE id = ?", [ids[key[n]]])
    script.execute("UPDATE items SET text = 'Followed text on ransomware' WHERE id = ?", [ids[key[10]]])
    # Updates of an indexed row re-index it at once, as before m015.
    assert script.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH 'renamed'").fetchone()[0] == 1
    script.commit()
    script.close()
    assert found(path, "renamed") == ["Renamed: HIPAA Security Rule"] * 2
    assert found(path, "ransomware") == [document(10).title]
    assert document(1).title not in found(path, document(1).title)  # deleted
    assert_index_whole(path, fts="items_fts", table="items")


def test_a_rebuild_while_rows_wait_indexes_nothing_twice(tmp_path):
    path = tmp_path / "r.db"
    new_store(path).close()
    script = sqlite3.connect(path)
    script.executemany(RAW_INSERT, [raw_row(n) for n in range(3)])
    script.execute("INSERT INTO items_fts (items_fts) VALUES ('rebuild')")  # indexed, still noted
    script.execute("UPDATE items SET summary = 'About tariffs.' WHERE key = ?", [document(0).key])
    script.commit()
    script.close()
    assert found(path, "tariffs") == sorted([document(0).title, document(1).title])
    assert_index_whole(path, fts="items_fts", table="items")


def test_the_store_through_batches_changes_and_followed_text_equals_a_rebuilt_index(tmp_path):
    path = tmp_path / "r.db"
    store = Store(path)
    sources = [
        Source(id=f"fr-{n}", url=f"https://e.gov/{n}", kind="listing", name=f"FR {n}") for n in range(3)
    ]
    store.sync_sources(sources, NOW)
    snapshots = {}
    try:
        with store.batching(max_checks=2, max_seconds=60):  # as a pass writes baselines
            for n, source in enumerate(sources):
                snapshots[n] = Snapshot(items=tuple(document(5 * n + k) for k in range(5)))
                with store.unit():
                    store.save_baseline(
                        source,
                        FETCHED,
                        snapshots[n],
                        NOW,
                        duration=0,
                        body_hash="a",
                        config_hash="c",
                        health=HEALTH,
                    )
            # Inside the open batch, linking reads the index: what it needs is indexed.
            store.index_pending()
            assert store.db.execute("SELECT count(*) FROM items_fts_docsize").fetchone()[0] == 15
        later = NOW + timedelta(hours=1)
        added, refreshed = document(15), Item(document(1).key, "Refreshed: data retention", link="x")
        after = Snapshot(items=(added, refreshed, *snapshots[0].items[2:]))
        change = Change(
            sources[0].id,
            snapshots[0].fingerprint,
            after.fingerprint,
            added=(added,),
            changed=(ItemChange(document(1), refreshed),),
            removed=(document(0),),
            summary="1 new, 1 changed, 1 removed",
        )
        new_version(store, sources[0], after, change, later, "b")
        new_id = store.db.execute("SELECT id FROM items WHERE key = ?", [added.key]).fetchone()[0]
        store.set_item_text(new_id, "The followed document: a notice on retention schedules.", later)
    finally:
        store.close()
    assert found(path, "retention") == sorted([added.title, "Refreshed: data retention"])
    assert_index_whole(path, fts="items_fts", table="items")


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), st.integers(0, 19)),
        st.tuples(st.just("update"), st.integers(0, 19), st.sampled_from(["title", "summary", "text"])),
        st.tuples(st.just("rekey"), st.integers(0, 19)),
        st.tuples(st.just("delete"), st.integers(0, 19)),
        st.tuples(st.just("index"), st.just(0)),
        st.tuples(st.just("rebuild"), st.just(0)),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(ops=OPS)
def test_any_sequence_of_writes_ends_equal_to_a_rebuilt_index(tmp_path_factory, ops):
    path = tmp_path_factory.mktemp("ops") / "r.db"
    new_store(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for op, n, *rest in ops:
            key = document(n).key
            if op == "insert":
                conn.execute(RAW_INSERT.replace("INSERT", "INSERT OR IGNORE"), raw_row(n))
            elif op == "update":
                words = DOCUMENTS[(n + 7) % len(DOCUMENTS)]["title"]
                conn.execute(f"UPDATE items SET {rest[0]} = ? WHERE key = ?", [words, key])
            elif op == "rekey":
                conn.execute("UPDATE items SET id = (SELECT max(id) + 1 FROM items) WHERE key = ?", [key])
            elif op == "delete":
                conn.execute("DELETE FROM items WHERE key = ?", [key])
            elif op == "index":
                Store(path).close()
            else:
                conn.execute("INSERT INTO items_fts (items_fts) VALUES ('rebuild')")
    finally:
        conn.close()
    Store(path).close()
    assert_index_whole(path, fts="items_fts", table="items")


def test_a_database_with_indexed_rows_migrates_in_place(tmp_path):
    path = tmp_path / "r.db"
    db = database_before(path, m015_fts_pending)  # the schema as it was before m015
    db.execute(
        "INSERT INTO sources (id, name, url, kind, created_at) VALUES (?, ?, ?, ?, ?)",
        [SOURCE.id, "FR", SOURCE.url, "listing", "2024-01-01T00:00:00+00:00"],
    )
    db.conn.executemany(RAW_INSERT, [raw_row(n) for n in range(8)])  # indexed by the old trigger
    lost = document(3)  # a row the old index lacks: the migration queues it
    unindex_item(db.conn, lost.key)
    db.conn.commit()
    db.close()
    store = Store(path)
    try:
        made = triggers(store.db.conn)
        assert "items_ai" not in made  # m019: new rows wait above the index's highest id
        store.db.execute(RAW_INSERT, raw_row(9))
        store.db.conn.commit()
    finally:
        store.close()
    assert lost.title in found(path, lost.title)
    assert document(9).title in found(path, document(9).title)
    assert_index_whole(path, fts="items_fts", table="items")


def test_a_reader_does_not_wait_long_on_a_writer_holding_the_lock(tmp_path, caplog):
    path = tmp_path / "r.db"
    new_store(path).close()
    script = sqlite3.connect(path)
    script.execute(RAW_INSERT, raw_row(1))
    script.commit()
    writer = sqlite3.connect(path)
    writer.execute("BEGIN IMMEDIATE")  # a pass's open batch: it indexes what waits before it commits
    try:
        started = time.monotonic()
        assert found(path, "tariffs") == []  # not indexed yet, and the reader went on
        assert time.monotonic() - started < 20  # bounded: the wait is WRITE_WAIT, not 30 s
        assert "waiting to be full-text indexed were left" in caplog.text
    finally:
        writer.rollback()
        writer.close()
        script.close()
    assert found(path, "tariffs") == ["Carrier Automated Tariffs"]
    assert_index_whole(path, fts="items_fts", table="items")


def new_version(
    store: Store, source: Source, after: Snapshot, change: Change, when: datetime, body_hash: str
) -> Any:
    """A source's new version with its change (alerted to the console), stored as a check does."""
    return store.save_change(
        source,
        FETCHED,
        after,
        change,
        ["console"],
        when,
        duration=0,
        body_hash=body_hash,
        config_hash="c",
        health=HEALTH,
    )


def first_version(store: Store, source: Source, item: Item, when: datetime) -> None:
    """A source's first version holding one item, stored as a check does."""
    store.save_baseline(
        source,
        FETCHED,
        Snapshot(items=(item,)),
        when,
        duration=0,
        body_hash=item.key,
        config_hash="c",
        health=HEALTH,
    )


def test_linking_inside_an_open_batch_finds_the_items_stored_earlier_in_it(tmp_path):
    """Related-article linking reads items_fts before the batch commits: the documents other
    checks of the same batch stored must be indexed by then (check/enrich.py's hook)."""
    path = tmp_path / "r.db"
    store = Store(path)
    news = Source(id="hhs-news", url="https://e.gov/news", kind="listing", name="HHS news")
    rules = Source(id="fr-rules", url="https://e.gov/fr", kind="listing", name="FR", role="related")
    store.sync_sources([news, rules], NOW)
    first = Item("n1", "HHS settles HIPAA case with Acme Health", link="https://e.gov/news/1")
    nprm = Item(
        "fr-2024-30983",
        "HIPAA Security Rule To Strengthen the Cybersecurity of Electronic Protected Health Information",
        link="https://e.gov/fr/2024-30983",
        summary="Proposed modifications to the HIPAA Security Rule (45 CFR 164) on cybersecurity.",
    )
    added = Item(
        "n2",
        "HHS proposes changes to the HIPAA Security Rule to strengthen cybersecurity",
        link="https://e.gov/news/2",
        summary="The proposed rule would modify the Security Rule at 45 CFR 164 to protect electronic health information.",
    )
    try:
        first_version(store, news, first, NOW)
        later = NOW + timedelta(hours=1)
        with store.batching(max_checks=50, max_seconds=60):
            with store.unit():  # the related source's new document, earlier in the batch
                first_version(store, rules, nprm, later)
            after = Snapshot(items=(added, first))
            change = Change(news.id, Snapshot(items=(first,)).fingerprint, after.fingerprint, added=(added,))
            outcome = new_version(store, news, after, change, later, "c")
            change_id = store.db.execute("SELECT max(id) FROM changes").fetchone()[0]
            assert outcome.status == "changed"
            asyncio.run(
                enrich(change_id, news, fetcher=None, store=store, clock=lambda: later, settings=Enrichment())
            )
            linked = [
                r[0] for r in store.db.execute("SELECT link FROM related WHERE change_id = ?", [change_id])
            ]
        assert nprm.link in linked
    finally:
        store.close()
    assert_index_whole(path, fts="items_fts", table="items")
