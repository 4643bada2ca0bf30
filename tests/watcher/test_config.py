"""Config validation: every error names the file, the entry and the fix."""

from __future__ import annotations

import pytest

from watcher.config import load_config, parse_config, parse_interval
from watcher.errors import ConfigError

GOOD = {"id": "a", "url": "https://example.gov/news", "kind": "listing", "select": "li"}


def config_with(**changes):
    return {"sources": [{**GOOD, **changes}]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sourcse": []}, "unknown key 'sourcse' (did you mean 'sources'?)"),
        (config_with(selct="li"), "unknown key 'selct' for kind 'listing' (did you mean 'select'?)"),
        (config_with(url="ftp://example.gov/x"), "is not an http(s) URL"),
        (config_with(url="not a url"), "is not an http(s) URL"),
        (config_with(kind="feeed"), "unknown kind 'feeed'"),
        (config_with(every="often"), "'often' is not an interval"),
        (config_with(every="0s"), "interval must be at least 1s"),
        (config_with(cron="61 * * * *"), "is not a valid cron expression"),
        (config_with(id="Has Spaces"), "must be lowercase letters"),
        (config_with(select="li[["), "invalid CSS selector 'li[['"),
        (config_with(ignore=["(unclosed"]), "is not a valid regex"),
        (config_with(confirm=0), "confirm must be 1 or more"),
        (config_with(tags="hipaa", every=5, timeout="slow"), "expected float"),
        ({"sources": [GOOD, GOOD]}, "duplicate source id 'a'"),
        ({"sources": [{"id": "x", "kind": "page"}]}, "missing required key 'url'"),
        ({"channels": [{"id": "c", "kind": "slak"}]}, "unknown channel kind 'slak'"),
        ({"limits": {"timeuot": 3}}, "unknown key 'timeuot' (did you mean 'timeout'?)"),
        ({"health": {"channels": ["nope"]}}, "unknown channel 'nope'"),
    ],
)
def test_bad_config_is_explained(data, message):
    with pytest.raises(ConfigError) as info:
        parse_config(data, path=None)
    assert message in str(info.value)


def test_errors_name_file_and_entry(tmp_path):
    path = tmp_path / "regwatch.toml"
    path.write_text('[[sources]]\nid = "x"\nurl = "https://e.gov/"\nkind = "page"\nevery = "soon"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value)
    assert "sources[0] (id 'x')" in str(info.value)


def test_invalid_toml_is_a_config_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[[sources]\nid=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_missing_explicit_config_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match="regwatch init"):
        load_config(tmp_path / "nope.toml")


def test_valid_config_becomes_typed_objects():
    config = parse_config(
        {
            "allow_private": True,
            "limits": {"timeout": 5, "max_bytes": 1000},
            "sources": [
                {
                    **GOOD,
                    "every": "1h30m",
                    "tags": ["hipaa"],
                    "headers": {"Accept-Language": "en"},
                    "exclude": ["nav"],
                    "title": "a",
                }
            ],
            "channels": [{"id": "console", "kind": "console", "match": {"tags": ["hipaa"]}}],
        },
        path=None,
    )
    source = config.sources[0]
    assert source.every == 5400.0
    assert source.tags == ("hipaa",)
    assert source.headers == (("Accept-Language", "en"),)
    assert source.allow_private is True  # inherited from the top level
    assert source.options.exclude == ("nav",)
    assert config.fetch.timeout == 5.0
    assert config.channels[0].match.tags == ("hipaa",)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("1h", 3600), ("2d", 172800), ("1h30m", 5400), (600, 600)],
)
def test_intervals(text, seconds):
    assert parse_interval(text, "x") == seconds


def test_cron_is_accepted():
    config = parse_config(config_with(cron="0 9 * * 1-5"), path=None)
    assert config.sources[0].cron == "0 9 * * 1-5"
    assert config.sources[0].every is None


def test_embedded_default_adds_slack_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no regwatch.toml here
    monkeypatch.delenv("REGWATCH_CONFIG", raising=False)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    assert [c.kind for c in load_config().channels] == ["console"]
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("REGWATCH_SLACK_CHANNEL", "#compliance")
    monkeypatch.setenv("REGWATCH_SLACK_API_URL", "http://127.0.0.1:9/api/")
    config = load_config()
    slack = next(c for c in config.channels if c.kind == "slack")
    assert slack.options.slack_channel == "#compliance"
    assert slack.options.api_url == "http://127.0.0.1:9/api/"
    assert len(config.sources) >= 20  # the whole built-in catalog


def test_a_config_that_is_not_utf8_names_file_and_line(tmp_path):
    """A config saved in Latin-1 (an accent in a source's name) says where, as a TOML error does."""
    path = tmp_path / "regwatch.toml"
    text = '[[sources]]\nid = "fr-cnil-news"\nurl = "https://www.cnil.fr/fr/actualites"\nkind = "page"\n'
    path.write_bytes((text + 'name = "CNIL - Actualités"\n').encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert f"{path}: not UTF-8 at line 5 (byte 0xe9)" in str(info.value)
