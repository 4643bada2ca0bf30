"""Global options are accepted before or after the subcommand, as users type them."""

from __future__ import annotations

import json
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


def test_status_formats(site, config_file, cli):
    site.set("/news", listing_page([("2024-10-01", "A notice", "/a.html")]))
    config = config_file(sources=[{"id": "us-hhs-news", "url": site.url("/news"), **LISTING_SOURCE}])
    assert cli("check", "--config", str(config)).returncode == 0
    document = json.loads(cli("status", "--json", "--config", str(config)).stdout)
    assert [s["id"] for s in document["sources"]] == ["us-hhs-news"] and "service" in document
    [line] = cli("status", "--jsonl", "--config", str(config)).stdout.splitlines()
    assert json.loads(line)["id"] == "us-hhs-news" and json.loads(line)["state"] == "ok"
    table = cli("status", "--format", "csv", "--config", str(config)).stdout.splitlines()
    assert table[0].startswith("id,") and table[1].startswith("us-hhs-news,")


def test_check_says_each_source_once_as_it_ends(site, config_file, cli):
    site.set("/news", listing_page([("2024-10-01", "A notice", "/a.html")]))
    site.set("/gone", "<html>gone</html>", status=500)
    config = config_file(
        sources=[
            {"id": "us-hhs-news", "url": site.url("/news"), **LISTING_SOURCE},
            {"id": "us-broken", "url": site.url("/gone"), **LISTING_SOURCE},
        ]
    )
    result = cli("check", "--config", str(config))
    assert result.returncode == 1
    assert result.stderr.count("us-broken") == 1  # the failure once: no log line repeating it
    assert "us-broken: FAILED - http: HTTP 500" in result.stderr
    assert "us-hhs-news: baseline stored" in result.stderr
    lines = result.stderr.splitlines()
    assert lines.index(next(line for line in lines if line.startswith("checked 2 source(s)"))) > max(
        i for i, line in enumerate(lines) if line.startswith(("us-broken:", "us-hhs-news:"))
    )
    verbose = cli("check", "--config", str(config), "-v")
    assert verbose.stderr.count("us-broken") >= 2  # -v keeps the pipeline's own log lines


def test_check_on_a_terminal_shows_live_progress(site, config_file, tmp_path):
    import os
    import pty
    import subprocess
    import sys

    from clirun import ROOT

    site.set("/news", listing_page([("2024-10-01", "A notice", "/a.html")]))
    config = config_file(sources=[{"id": "us-hhs-news", "url": site.url("/news"), **LISTING_SOURCE}])
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100", "TERM": "xterm"}
    proc = subprocess.run(
        [sys.executable, "-m", "watcher", "check", "--config", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
        timeout=60,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "us-hhs-news: baseline stored" in screen
    assert "1/1" in screen  # the progress bar counted the source
