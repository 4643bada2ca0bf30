"""Helpers for the full-text index tests: the index compared with a rebuilt one, and the
real `regwatch check` over listing pages of real Federal Register titles (killed or not)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from clirun import run_cli, write_config
from localsite import LISTING_SOURCE, Site, listing_page
from sqlite_utils import Database, Migrations

from watcher.db.crashpoints import EXIT_CODE
from watcher.db.migrations import STEPS
from watcher.model import Item, Snapshot, Source

TESTS = Path(__file__).resolve().parents[1]
DOCUMENTS = json.loads((TESTS / "pages/federal-register-api-json/documents-sample.json").read_text())[
    "results"
]
LISTS = 4


def database_before(path: Path, step: Any) -> Database:
    """A database at `path` with every migration before `step` applied (the schema as it was)."""
    before = Migrations("regwatch")
    for earlier in STEPS[: STEPS.index(step)]:
        before(name=earlier.__name__.rsplit(".", 1)[1])(earlier.migrate)
    db = Database(path)
    before.apply(db)
    return db


def triggers(conn: sqlite3.Connection) -> dict[str, str]:
    """Each trigger's name and SQL."""
    return dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())


def index_state(conn: sqlite3.Connection, fts: str) -> tuple[list[tuple], list[tuple]]:
    """Everything the index `fts` holds: each token instance, and each document's size."""
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{fts}_vocab USING fts5vocab(main, {fts}, instance)"
    )
    instances = conn.execute(
        f"SELECT term, doc, col, offset FROM temp.{fts}_vocab ORDER BY 1, 2, 3, 4"
    ).fetchall()
    return instances, conn.execute(f"SELECT id, sz FROM {fts}_docsize ORDER BY id").fetchall()


def unindex_item(conn: Any, key: str) -> None:
    """Take the item with `key` out of `items_fts` behind the triggers' back (a row the index
    lacks below its highest id, as an interrupted or older writer could leave one)."""
    conn.execute(
        "INSERT INTO items_fts (items_fts, rowid, title, summary, text)"
        " SELECT 'delete', id, title, summary, text FROM items WHERE key = ?",
        [key],
    )


def assert_index_whole(path: Path, *, fts: str, table: str) -> None:
    """Nothing waits in `<fts>_pending`, the index holds a row per row of `table`, and it
    equals the index rebuilt from the table."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute(f"SELECT count(*) FROM {fts}_pending").fetchone()[0] == 0
        conn.execute(f"INSERT INTO {fts} ({fts}) VALUES ('integrity-check')")
        as_is = index_state(conn, fts)
        assert len(as_is[1]) == conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        conn.execute(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")
        assert index_state(conn, fts) == as_is
        conn.rollback()
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def titles(n: int, count: int) -> list[str]:
    return [DOCUMENTS[(5 * n + k) % len(DOCUMENTS)]["title"] for k in range(count)]


def serve(site: Site, count: int) -> list[dict[str, Any]]:
    """`LISTS` listing pages of `count` real titles each; their sources' config entries."""
    for n in range(LISTS):
        rows = [
            (f"2024-01-{k + 2:02d}", title, f"/fr/{n}/{k}.html") for k, title in enumerate(titles(n, count))
        ]
        site.set(f"/list/{n}", listing_page(rows))
    return [
        {"id": f"list-{n}", "name": f"List {n}", "url": site.url(f"/list/{n}"), **LISTING_SOURCE}
        for n in range(LISTS)
    ]


def check(config: Path, crash_at: str = "") -> None:
    """The real `regwatch check`, killed at `crash_at` when given."""
    env = {"REGWATCH_CRASH_AT": crash_at} if crash_at else {}
    result = run_cli("--config", str(config), "check", env=env, timeout=90)
    assert result.returncode == (EXIT_CODE if crash_at else 0), result.stderr


def fr_source(n: int) -> Source:
    return Source(id=f"us-fr-{n}", url=f"https://e.gov/fr/{n}", kind="listing", name=f"Federal Register {n}")


def fr_snapshot(n: int, count: int) -> Snapshot:
    """List `n`'s first `count` real Federal Register documents, as a listing extracts them."""
    docs = [DOCUMENTS[(5 * n + k) % len(DOCUMENTS)] for k in range(count)]
    return Snapshot(
        blocks=tuple(doc["title"] for doc in docs),
        items=tuple(Item(doc["document_number"], doc["title"], link=doc["html_url"]) for doc in docs),
    )


def killed_between_storing_and_indexing(
    site: Site, tmp_path: Path, crash_at: str, *, fts: str, table: str
) -> Path:
    """Baselines of every list, then one new document on each, the check killed at `crash_at`
    and run again: the index `fts` whole after the kill and after the restart, one change a
    list stored. The configuration's path, for the caller's searches."""
    db = tmp_path / "regwatch.db"
    config = write_config(
        tmp_path / "regwatch.toml", sources=serve(site, 2), limits={"batch_checks": 2, "batch_seconds": 10}
    )
    check(config)
    serve(site, 3)  # one new document on every list
    check(config, crash_at)
    assert_index_whole(db, fts=fts, table=table)
    check(config)  # the restart finds the lost changes again
    assert_index_whole(db, fts=fts, table=table)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM changes").fetchone()[0] == LISTS
    finally:
        conn.close()
    return config
