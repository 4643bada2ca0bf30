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

import pytest
from clirun import run_cli, write_config
from ftsindex import LISTS, assert_index_whole, check, killed_between_storing_and_indexing, serve, titles


def searched(config: Path, words: str) -> list[str]:
    result = run_cli("--config", str(config), "search", words, "--in", "items", "--json", "-n", "100")
    assert result.returncode in (0, 1), result.stderr
    return [hit["title"] for hit in json.loads(result.stdout or "[]")]


def test_a_kill_mid_batch_of_baselines_leaves_the_index_whole_and_the_restart_indexes_all(site, tmp_path):
    db = tmp_path / "regwatch.db"
    config = write_config(
        tmp_path / "regwatch.toml", sources=serve(site, 3), limits={"batch_checks": 2, "batch_seconds": 10}
    )
    check(config, "after_extract:4")  # two baselines committed, the third in the open batch
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 2 * 3
    conn.close()
    assert_index_whole(db, fts="items_fts", table="items")
    check(config)
    assert_index_whole(db, fts="items_fts", table="items")
    for n in range(LISTS):
        for title in titles(n, 3):
            assert title in searched(config, title)


@pytest.mark.parametrize("crash_at", ["before_commit:1", "before_commit:3", "after_commit:1"])
def test_a_kill_between_storing_new_items_and_indexing_them_loses_nothing(site, tmp_path, crash_at):
    config = killed_between_storing_and_indexing(site, tmp_path, crash_at, fts="items_fts", table="items")
    for n in range(LISTS):
        newest = titles(n, 3)[-1]
        assert newest in searched(config, newest)
