"""`[summary]` and the channel keys `summary = true|false` and `important_when`, parsed once at
the edge: errors name the key and the fix; without `[summary]` there is no model."""

from __future__ import annotations

import pytest

from watcher.config import parse_config
from watcher.errors import ConfigError
from watcher.service.runner import enrichment

LOCAL = {"base_url": "http://127.0.0.1:11434/v1", "model": "llama3.1"}


def config(table=None, **channel):
    data: dict = {"channels": [{"id": "alerts", "kind": "console", **channel}]}
    if table is not None:
        data["summary"] = table
    return parse_config(data, path=None)


def test_no_summary_table_no_model():
    parsed = config()
    assert parsed.summary is None
    assert enrichment(parsed).summaries is None


def test_the_summary_table_becomes_the_policy_and_each_channel_says_what_it_wants():
    parsed = config({**LOCAL, "timeout": 5, "max_per_hour": 10}, important_when="  breach   deadlines ")
    assert parsed.summary is not None
    assert (parsed.summary.model, parsed.summary.timeout, parsed.summary.max_per_hour) == (
        "llama3.1",
        5.0,
        10,
    )
    stage = enrichment(parsed).summaries
    assert stage is not None and stage.channels["alerts"].important_when == "breach deadlines"
    assert stage.channels["alerts"].summarize
    assert not enrichment(config(LOCAL, summary=False)).summaries.channels["alerts"].summarize
    assert config(LOCAL, summary="weekly").channels[0].summarize  # the weekly message, summaries on


@pytest.mark.parametrize(
    ("summary", "channel", "message"),
    [
        ({**LOCAL, "api_key_env": "sk-abc123"}, {}, "api_key_env must name an environment variable"),
        ({**LOCAL, "modle": "x"}, {}, "unknown key 'modle' (did you mean 'model'?)"),
        ({"base_url": "127.0.0.1:11434", "model": "m"}, {}, "base_url must be the endpoint's http(s) URL"),
        ({**LOCAL, "timeout": 0}, {}, "timeout must be more than 0"),
        (LOCAL, {"summary": "monthly"}, 'summary must be "weekly", true or false'),
        (LOCAL, {"important_when": 3}, "important_when: expected str"),
    ],
)
def test_mistakes_name_the_key_and_the_fix(summary, channel, message):
    with pytest.raises(ConfigError) as caught:
        config(table=summary, **channel)
    assert message in str(caught.value)


def test_a_source_says_summarize_false_and_a_kind_keeps_its_own_summary_option():
    parsed = parse_config(
        {
            "summary": LOCAL,
            "sources": [
                {
                    "id": "a",
                    "url": "https://a.example/feed",
                    "kind": "feed",
                    "summary": False,
                    "summarize": False,
                },
                {"id": "b", "url": "https://b.example/", "kind": "listing", "select": "li", "summary": "p"},
            ],
        },
        path=None,
    )
    a, b = parsed.sources
    assert not a.summarize and a.options.summary is False  # the feed's own option, untouched
    assert b.summarize and b.options.summary == "p"


@pytest.mark.parametrize(
    ("kind", "extra", "says"),
    [
        ("listing", {"select": "li"}, "write summarize = false"),  # listing's summary is a selector
        ("page", {}, "did you mean 'summarize'?"),  # page has no summary option
    ],
)
def test_a_source_that_writes_summary_false_is_pointed_to_summarize(kind, extra, says):
    source = {"id": "a", "kind": kind, "url": "https://example.org/", "summary": False, **extra}
    with pytest.raises(ConfigError, match=says):
        parse_config({"summary": LOCAL, "sources": [source]}, path=None)


def test_the_feed_kinds_own_summary_option_keeps_its_meaning_and_summarize_turns_the_model_off():
    feed = {"id": "f", "kind": "feed", "url": "https://example.org/feed"}
    parsed = parse_config({"summary": LOCAL, "sources": [{**feed, "summary": False}]}, path=None)
    assert parsed.sources[0].options.summary is False and parsed.sources[0].summarize
    parsed = parse_config({"summary": LOCAL, "sources": [{**feed, "summarize": False}]}, path=None)
    assert parsed.sources[0].options.summary is True and not parsed.sources[0].summarize
