"""Global options are accepted before or after the subcommand, as users type them."""

from __future__ import annotations

import sqlite3

import pytest
from localsite import LISTING_SOURCE, listing_page

from watcher.cli.app import hoist_global_options

COMMANDS = ["check", "history", "alerts", "sources"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check", "--config", "a.toml"], ["--config", "a.toml", "check"]),
        (["check", "--config=a.toml", "--source", "x"], ["--config=a.toml", "check", "--source", "x"]),
        (
            ["--db", "x.db", "history", "-vv", "--format", "json"],
            ["-vv", "--db", "x.db", "history", "--format", "json"],
        ),
        (["history", "--log-format", "json", "-v"], ["--log-format", "json", "-v", "history"]),
        (["alerts", "retry", "--db", "x.db", "3"], ["--db", "x.db", "alerts", "retry", "3"]),
        # A global option's value that happens to be a command name is a value, not the command.
        (["--db", "check", "history", "--db", "y.db"], ["--db", "y.db", "--db", "check", "history"]),
        # Nothing after `--` is touched, and without a subcommand nothing moves.
        (["search", "--", "--db"], ["search", "--", "--db"]),
        (["--config", "a.toml"], ["--config", "a.toml"]),
        (["check", "--source", "v-x"], ["check", "--source", "v-x"]),
    ],
)
def test_hoisting(args, expected):
    assert hoist_global_options(args, COMMANDS) == expected


def test_check_and_history_take_options_after_the_subcommand(site, config_file, cli, tmp_path):
    site.set("/news", listing_page([("2024-10-01", "HHS settles HIPAA investigation", "/n/a.html")]))
    config = config_file(sources=[{"id": "us-hhs-news", "url": site.url("/news"), **LISTING_SOURCE}])
    other_db = tmp_path / "elsewhere.db"

    first = cli("check", "--config", str(config), "--db", str(other_db), "-v")
    assert first.returncode == 0, first.stderr
    assert "baseline stored" in first.stderr
    assert not (tmp_path / "regwatch.db").exists()  # --db after the subcommand took effect
    assert sqlite3.connect(other_db).execute("SELECT count(*) FROM checks").fetchone()[0] == 1

    shown = cli("sources", f"--config={config}", "--db", str(other_db))
    assert shown.returncode == 0, shown.stderr
    assert "us-hhs-news" in shown.stdout

    missing = cli("check", "--config", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2
    assert "nope.toml does not exist" in missing.stderr


def test_the_config_in_use_is_said_once(site, config_file, cli, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    default = cli("sources", "--jsonl", cwd=empty)
    assert default.returncode == 0, default.stderr
    assert default.stderr.count("regwatch: config:") == 1
    assert "using the built-in default: the whole catalog" in default.stderr
    site.set("/news", listing_page([("2024-10-01", "A notice", "/a.html")]))
    config = config_file(sources=[{"id": "us-hhs-news", "url": site.url("/news"), **LISTING_SOURCE}])
    checked = cli("check", "--config", str(config))
    assert checked.stderr.count("regwatch: config:") == 1
    assert f"config: {config} (1 source(s))" in checked.stderr
