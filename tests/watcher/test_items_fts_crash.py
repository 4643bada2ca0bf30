"""A kill between storing items and indexing them in bulk loses nothing (m015).

The real `regwatch check` (REGWATCH_CRASH_AT, watcher/db/crashpoints.py) is killed while
a batch holds stored items not yet full-text indexed: in a first pass (mid-batch of
baselines) and in a changed pass (`before_commit`: the items are written, the bulk index
and the commit not yet; `after_commit`: just after). After the restart every listed
document is found by `regwatch search`, nothing waits in `items_fts_pending`, and the
index equals one rebuilt from the table. Real HTTP on 127.0.0.1, real SQLite files;
titles from a real Federal Register API response.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from clirun import run_cli, write_config
from localsite import LISTING_SOURCE, Site, listing_page

from watcher.db.crashpoints import EXIT_CODE

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = json.loads((ROOT / "pages/federal-register-api-json/documents-sample.json").read_text())[
    "results"
]
LISTS = 4


def titles(n: int, count: int) -> list[str]:
    return [DOCUMENTS[(5 * n + k) % len(DOCUMENTS)]["title"] for k in range(count)]


def serve(site: Site, count: int) -> list[dict[str, Any]]:
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
    env = {"REGWATCH_CRASH_AT": crash_at} if crash_at else {}
    result = run_cli("--config", str(config), "check", env=env, timeout=90)
    assert result.returncode == (EXIT_CODE if crash_at else 0), result.stderr


def searched(config: Path, words: str) -> list[str]:
    result = run_cli("--config", str(config), "search", words, "--in", "items", "--json", "-n", "100")
    assert result.returncode in (0, 1), result.stderr
    return [hit["title"] for hit in json.loads(result.stdout or "[]")]


def assert_index_whole(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM items_fts_pending").fetchone()[0] == 0
        conn.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, items_fts, instance)")
        state = "SELECT term, doc, col, offset FROM temp.v ORDER BY 1, 2, 3, 4"
        as_is = conn.execute(state).fetchall()
        conn.execute("INSERT INTO items_fts (items_fts) VALUES ('rebuild')")
        assert conn.execute(state).fetchall() == as_is
        conn.rollback()
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_a_kill_mid_batch_of_baselines_leaves_the_index_whole_and_the_restart_indexes_all(site, tmp_path):
    db = tmp_path / "regwatch.db"
    config = write_config(
        tmp_path / "regwatch.toml", sources=serve(site, 3), limits={"batch_checks": 2, "batch_seconds": 10}
    )
    check(config, "after_extract:4")  # two baselines committed, the third in the open batch
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 2 * 3
    conn.close()
    assert_index_whole(db)
    check(config)
    assert_index_whole(db)
    for n in range(LISTS):
        for title in titles(n, 3):
            assert title in searched(config, title)


@pytest.mark.parametrize("crash_at", ["before_commit:1", "before_commit:3", "after_commit:1"])
def test_a_kill_between_storing_new_items_and_indexing_them_loses_nothing(site, tmp_path, crash_at):
    db = tmp_path / "regwatch.db"
    config = write_config(
        tmp_path / "regwatch.toml", sources=serve(site, 2), limits={"batch_checks": 2, "batch_seconds": 10}
    )
    check(config)
    serve(site, 3)  # one new document on every list
    check(config, crash_at)
    assert_index_whole(db)
    check(config)  # the restart finds the lost changes again
    assert_index_whole(db)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM changes").fetchone()[0] == LISTS
    conn.close()
    for n in range(LISTS):
        newest = titles(n, 3)[-1]
        assert newest in searched(config, newest)
