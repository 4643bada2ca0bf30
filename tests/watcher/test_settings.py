"""One precedence for every setting: flag > environment > file > default; one duration and Retry-After parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from watcher.retry_after import parse_retry_after, retry_after_in
from watcher.settings import resolve
from watcher.timespec import parse_duration

ENV = {"REGWATCH_DB": "/env.db"}


@pytest.mark.parametrize(
    ("flag", "env", "file", "value", "origin"),
    [
        ("/flag.db", ENV, "file.db", "/flag.db", "flag"),
        (None, ENV, "file.db", "/env.db", "environment"),
        (None, {}, "file.db", "file.db", "file"),
        (None, {}, None, "regwatch.db", "default"),
        ("", {"REGWATCH_DB": ""}, "", "regwatch.db", "default"),
    ],
)
def test_database_precedence(flag, env, file, value, origin):
    chosen = resolve("database", flag=flag, file=file, default="regwatch.db", env=env)
    assert (chosen.value, chosen.origin) == (value, origin)


def test_flag_beats_file_for_a_setting_without_a_variable():
    assert resolve("health_port", flag=9100, file=8080).value == 9100
    assert resolve("health_port", flag=None, file=8080, env={"HEALTH_PORT": "1"}).value == 8080
    with pytest.raises(KeyError):
        resolve("no_such_setting")


def test_browser_path_comes_from_the_environment():
    assert resolve("chromium", env={"REGWATCH_CHROMIUM": "/opt/chromium"}).value == "/opt/chromium"
    assert resolve("chromium", env={}).value is None


def test_db_flag_beats_environment_through_the_cli(cli, config_file, tmp_path, site):
    site.set("/p", "<html><body><main><p>Text</p></main></body></html>")
    config = config_file(sources=[{"id": "p", "url": site.url("/p"), "kind": "page"}])
    env_db, flag_db = tmp_path / "env.db", tmp_path / "flag.db"
    done = cli("--config", str(config), "--db", str(flag_db), "check", env={"REGWATCH_DB": str(env_db)})
    assert done.returncode == 0, done.stderr
    assert flag_db.exists() and not env_db.exists()
    done = cli("--config", str(config), "check", env={"REGWATCH_DB": str(env_db)})
    assert env_db.exists() and not (tmp_path / "regwatch.db").exists()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("1h30m", 5400), ("1h 30m", 5400), ("7d", 604800), ("1y", 365 * 86400)],
)
def test_one_duration_parser(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "30", "1x", "h", "1h30", "-1h"])
def test_duration_parser_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


NOW = datetime(2024, 10, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("30", 30.0),
        ("1.5", 1.5),
        ("0", 0.0),
        (" 7 ", 7.0),
        ("-5", 0.0),
        ("999999", 86400.0),
        ("junk", None),
        ("", None),
        (None, None),
        ("nan", None),
        (format_datetime(datetime(2024, 10, 1, 12, 2, tzinfo=UTC), usegmt=True), 120.0),
        (format_datetime(datetime(2024, 10, 1, 11, 0, tzinfo=UTC), usegmt=True), 0.0),
    ],
)
def test_one_retry_after_parser(value, seconds):
    assert parse_retry_after(value, now=NOW.timestamp()) == seconds


def test_retry_after_in_headers_any_case_and_lists():
    assert retry_after_in({"Retry-After": "5"}) == 5.0
    assert retry_after_in({"retry-after": ["3", "9"]}) == 3.0
    assert retry_after_in({"Content-Type": "x"}) is None
    assert retry_after_in(None) is None
