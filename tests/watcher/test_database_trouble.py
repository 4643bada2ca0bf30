"""A damaged, truncated, foreign or misplaced database is one clear message (issue 14, point 5).

A real history is made by the real `regwatch check` against a local site, then spoiled the
ways files get spoiled: random bytes, truncated to a third, a page overwritten with
garbage, a directory where the file should be, a path under /proc. Every command then says
once what is wrong with which file and how to recover, and exits 2: no traceback.
`regwatch db check` reports integrity, foreign keys, migrations and row counts (exit 0/1).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from clirun import run_cli, write_config
from localsite import LISTING_SOURCE, listing_page

from watcher.cli import main

ITEMS = [(f"2024-10-{d:02d}", f"Notice number {d}", f"/news/{d}.html") for d in range(1, 29)]
COMMANDS = [
    ["check"],
    ["run"],
    ["deliver"],
    ["status"],
    ["sources"],
    ["alerts"],
    ["history"],
    ["show", "1"],
    ["snapshot", "us-agency-news"],
    ["search", "notice"],
    ["export"],
    ["related", "1"],
    ["vacuum"],
]


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    """A real regwatch database with a baseline, a change and its alert rows."""
    from localsite import Site

    folder = tmp_path_factory.mktemp("history")
    site = Site()
    try:
        site.set("/news", listing_page(ITEMS[1:]))
        source = {"id": "us-agency-news", "url": site.url("/news"), **LISTING_SOURCE}
        config = write_config(folder / "regwatch.toml", sources=[source])
        assert run_cli("--config", str(config), "check").returncode == 0
        site.set("/news", listing_page(ITEMS))
        changed = run_cli("--config", str(config), "check")
        assert changed.returncode == 0, changed.stderr
    finally:
        site.close()
    return folder / "regwatch.db"


def spoil(history: Path, folder: Path, how: str) -> Path:
    """A copy of the history spoiled `how`; returns the path to give as the database."""
    target = folder / "regwatch.db"
    if how == "directory":
        target.mkdir()
        return target
    if how == "proc":
        return Path("/proc/self/regwatch.db")
    shutil.copy(history, target)
    data = target.read_bytes()
    if how == "random":
        target.write_bytes(os.urandom(len(data)))
    elif how == "truncated":
        target.write_bytes(data[: len(data) // 3])
    elif how == "page-garbage":  # a b-tree page of a table in the middle, overwritten
        page = 4096
        middle = (len(data) // page // 2) * page
        target.write_bytes(data[:middle] + os.urandom(page) + data[middle + page :])
    return target


SPOILS = {
    "random": "is not a SQLite database",
    "truncated": "is damaged (truncated or corrupted)",
    "directory": "is a directory, not a database file",
    "proc": "folder",
}


def invoke(config: Path, database: Path, args: list[str]):
    runner = CliRunner()
    env = {"REGWATCH_DB": "", "REGWATCH_CONFIG": ""}
    return runner.invoke(main, ["--config", str(config), "--db", str(database), *args], env=env)


@pytest.mark.parametrize("how", list(SPOILS))
def test_every_command_says_once_what_is_wrong_and_exits_2(history, tmp_path, how):
    database = spoil(history, tmp_path, how)
    source = {"id": "us-agency-news", "url": "http://127.0.0.1:9/", **LISTING_SOURCE}
    config = write_config(tmp_path / "regwatch.toml", sources=[source], database=str(database))
    for args in COMMANDS:
        if how == "directory":
            result = CliRunner().invoke(main, ["--config", str(config), *args], env={"REGWATCH_DB": ""})
        else:
            result = invoke(config, database, args)
        output = result.output
        if how == "proc" and args[0] in {
            "status",
            "sources",
            "alerts",
            "history",
            "show",
            "snapshot",
            "search",
            "export",
            "related",
            "vacuum",
        }:
            # Nothing there to read: the readers say there is no database yet.
            assert result.exit_code in (0, 1), (args, output)
            assert isinstance(result.exception, SystemExit | None), (args, result.exception)
            continue
        assert result.exit_code == 2, (args, result.exit_code, output, result.exception)
        assert isinstance(result.exception, SystemExit), (args, result.exception)
        assert output.count("regwatch: database error:") == 1, (args, output)
        assert SPOILS[how] in output, (args, output)
        assert str(database.resolve() if how != "proc" else database) in output, (args, output)
        if how in ("random", "truncated"):
            assert "restore it from a backup" in output and "regwatch db check" in output, (args, output)


def test_a_page_of_garbage_inside_is_found_by_db_check_and_named_by_the_commands(history, tmp_path):
    database = spoil(history, tmp_path, "page-garbage")
    config = write_config(
        tmp_path / "regwatch.toml",
        sources=[{"id": "us-agency-news", "url": "http://127.0.0.1:9/", **LISTING_SOURCE}],
    )
    report = invoke(config, database, ["db", "check"])
    assert report.exit_code == 1, report.output
    assert "FAIL  integrity" in report.output
    for args in (["history"], ["search", "notice"], ["export"], ["vacuum"]):
        result = invoke(config, database, args)
        assert result.exit_code in (0, 2), (args, result.output, result.exception)
        assert isinstance(result.exception, SystemExit | None), (args, result.exception)
        if result.exit_code == 2:
            assert "regwatch: database error:" in result.output and "damaged" in result.output


def test_the_real_command_prints_one_line_and_no_traceback(history, tmp_path):
    database = spoil(history, tmp_path, "truncated")
    for command in ("check", "run", "status"):
        result = run_cli("--db", str(database), command, cwd=tmp_path, timeout=60)
        assert result.returncode == 2, (command, result.stderr)
        assert "Traceback" not in result.stderr
        lines = [line for line in result.stderr.splitlines() if "database error" in line]
        assert lines == [
            f"regwatch: database error: {database} is damaged (truncated or corrupted); restore it from a"
            " backup (or move it aside to start a new history); `regwatch db check` reports what is wrong"
        ], result.stderr


def test_db_check_reports_a_sound_history(history, tmp_path):
    config = write_config(tmp_path / "regwatch.toml", sources=[])
    result = invoke(config, history, ["db", "check", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert [c["name"] for c in report["checks"]] == [
        "file",
        "header",
        "integrity",
        "foreign keys",
        "migrations",
        "writable",
    ]
    assert report["rows"]["changes"] == 1 and report["rows"]["sources"] == 1
    assert report["rows"]["items"] == len(ITEMS)
    assert "all" in report["checks"][4]["detail"]


@pytest.mark.parametrize(
    ("how", "failed", "detail"),
    [
        ("random", "header", "not a SQLite database"),
        ("truncated", "header", "truncated: the header says"),
        ("directory", "file", "is a directory"),
    ],
)
def test_db_check_names_what_is_wrong_and_exits_1(history, tmp_path, how, failed, detail):
    database = spoil(history, tmp_path, how)
    config = write_config(tmp_path / "regwatch.toml", sources=[], database=str(database))
    result = CliRunner().invoke(
        main, ["--config", str(config), "db", "check", "--json"], env={"REGWATCH_DB": ""}
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    bad = [c for c in report["checks"] if not c["ok"]]
    assert bad[0]["name"] == failed and detail in bad[0]["detail"], report


def test_db_check_sees_a_dangling_reference(history, tmp_path):
    import sqlite3

    database = tmp_path / "regwatch.db"
    shutil.copy(history, database)
    conn = sqlite3.connect(database)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DELETE FROM changes")
    conn.commit()
    conn.close()
    config = write_config(tmp_path / "regwatch.toml", sources=[])
    result = invoke(config, database, ["db", "check"])
    assert result.exit_code == 1, result.output
    assert "FAIL  foreign keys" in result.output and "dangling reference" in result.output


def test_an_older_sqlite_is_refused_with_one_line_before_any_statement(history, tmp_path, monkeypatch):
    """The store's statements need SQLite 3.35 (`UPDATE ... RETURNING`): an older one is named
    at open, once, with the way out, and the history is left as it was."""
    from watcher.db import trouble

    history = Path(shutil.copy(history, tmp_path / "regwatch.db"))
    before = history.read_bytes()
    monkeypatch.setattr(trouble.sqlite3, "sqlite_version_info", (3, 34, 1))
    source = {"id": "us-agency-news", "url": "http://127.0.0.1:9/", **LISTING_SOURCE}
    config = write_config(tmp_path / "regwatch.toml", sources=[source], database=str(history))
    for args in (["check"], ["status"]):
        result = invoke(config, history, args)
        assert result.exit_code == 2, (args, result.output, result.exception)
        assert result.output.count("regwatch: database error:") == 1, result.output
        assert "SQLite 3.34.1" in result.output and "needs 3.35.0 or newer" in result.output, result.output
    assert history.read_bytes() == before
    monkeypatch.undo()
    restored = invoke(config, history, ["status"])
    assert restored.exit_code == 0, restored.output


def test_the_oldest_sqlite_allowed_runs_what_the_store_writes():
    """`MIN_SQLITE` is no older than what the store's statements need: `RETURNING` (3.35)."""
    from watcher.db.trouble import MIN_SQLITE, check_sqlite

    assert MIN_SQLITE >= (3, 35, 0)
    check_sqlite("x.db", MIN_SQLITE)  # allowed
    with pytest.raises(Exception, match=re.escape("needs 3.35.0 or newer")):
        check_sqlite("x.db", (3, 31, 1))
