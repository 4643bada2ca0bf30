"""m018: the bulk-indexed full-text indexes merge eight segments at a time
(watcher/db/migrations/m018_fts_automerge.py).

FTS5 keeps the setting in the index itself (`items_fts_config`, `version_text_fts_config`),
so a new database must get it from the migration as an old one does. It changes how the
index is cut into segments and how often they are merged, never what a query finds: on the
evaluation set's real material (tests/related/evalset), stored in many commits as a pass
stores it, search (every scope, relevance and newest first, prefixes, raw FTS5 syntax) and
related-article linking answer exactly alike with the new setting and with FTS5's default,
though the two indexes are laid out differently. Real SQLite files.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bench.related_eval import Bench, changes_of, load, moment
from watcher.db.migrations import STEPS
from watcher.db.store import Store
from watcher.history.queries import Filters
from watcher.history.search import search
from watcher.related.linking import link_change
from watcher.related.values import Ranking

BULK = ("items_fts", "version_text_fts")
WORDS = ("privacy", "health data", "consultation", "enforc*", "security rule", "medicare payment")
RAW = (
    "privacy NEAR(health data)",
    "title : privacy OR title : consultation",
    "(security OR privacy) NOT health",
)


def automerge(path: Path) -> dict[str, int | None]:
    with sqlite3.connect(path) as conn:
        found = {}
        for table in (*BULK, "changes_fts"):
            row = conn.execute(f"SELECT v FROM {table}_config WHERE k = 'automerge'").fetchone()
            found[table] = row[0] if row else None
    conn.close()
    return found


def layout(path: Path) -> list[tuple[int, bytes]]:
    """The items index's segments, as FTS5 stored them."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT id, block FROM items_fts_data WHERE id > 10 ORDER BY id").fetchall()
    conn.close()
    return rows


def test_a_new_database_merges_its_bulk_indexes_eight_segments_at_a_time(tmp_path: Path):
    Store(tmp_path / "new.db").close()

    assert automerge(tmp_path / "new.db") == {"items_fts": 8, "version_text_fts": 8, "changes_fts": None}


def test_a_database_before_m018_gets_the_setting_and_keeps_its_rows(tmp_path: Path):
    path = tmp_path / "old.db"
    db = Database(path)
    before = Migrations("regwatch")
    for step in STEPS:
        if not step.__name__.endswith("m018_fts_automerge"):
            before(name=step.__name__.rsplit(".", 1)[1])(step.migrate)
    before.apply(db)
    db.execute(
        "INSERT INTO sources (id, url, kind, created_at) VALUES ('s', 'https://example.gov/', 'listing', 'x')"
    )
    for n in range(20):
        db.execute(
            "INSERT INTO items (source_id, key, title, first_seen, last_seen) VALUES ('s', ?, ?, '2025-01-01', 'x')",
            [f"k{n}", f"Privacy notice {n}"],
        )
    db.close()
    assert automerge(path) == {"items_fts": None, "version_text_fts": None, "changes_fts": None}

    store = Store(path)
    try:
        found = [hit.id for hit in search(store.db, "privacy", Filters(), scopes=("items",), limit=50)]
    finally:
        store.close()

    assert automerge(path) == {"items_fts": 8, "version_text_fts": 8, "changes_fts": None}
    assert sorted(found) == list(range(1, 21))  # every item, indexed on open as before


def built(path: Path, default: bool) -> Bench:
    """The evaluation set stored as a pass stores pages: 50 items a page, one commit each
    (`default`: with FTS5's own automerge, 4, as before m018)."""
    Store(path).close()
    if default:
        with sqlite3.connect(path) as conn:
            for table in BULK:
                conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', 4)")
        conn.close()
    data = load()
    for n, candidate in enumerate(data["candidates"]):  # ~100 pages of 50: ~100 commits, as many segments
        candidate["source"] = f"{candidate['source']}-{n // 50}"
    return Bench(data, path)


def answers(bench: Bench) -> list[object]:
    """Every search answer and every related link of the first 40 development updates."""
    found: list[object] = []
    db = bench.store.db
    for words in WORDS:
        for newest_first in (False, True):
            hits = search(db, words, Filters(), limit=50, newest_first=newest_first)
            found.append([(h.scope, h.id, h.rank, h.snippet, h.at) for h in hits])
    for query in RAW:
        hits = search(
            db, query, Filters(), limit=50, scopes=("items",), raw=True
        )  # `title` is an items column
        found.append([(h.id, h.rank, h.snippet) for h in hits])
    for change in changes_of(bench.data, "dev")[:40]:
        change_id, _ = bench.store_change(change)  # one commit each, as the service stores them
        links = link_change(db, change_id, now=moment(change["date"]), ranking=Ranking())
        found.append(
            [(link.related_item_id, repr(link.score), link.terms, link.rank, link.shown) for link in links]
        )
    return found


def test_search_and_linking_answer_alike_however_the_index_is_merged(tmp_path: Path):
    new, old = built(tmp_path / "new.db", default=False), built(tmp_path / "old.db", default=True)
    try:
        assert automerge(tmp_path / "new.db")["items_fts"] == 8
        assert automerge(tmp_path / "old.db")["items_fts"] == 4
        assert layout(tmp_path / "new.db") != layout(tmp_path / "old.db")  # merged differently

        found = answers(new)
        assert found == answers(old)
        assert sum(1 for answer in found if answer) > len(WORDS) * 2  # most of them found something
    finally:
        new.close()
        old.close()
