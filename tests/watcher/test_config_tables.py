"""Typed tables (watcher/config_tables.py): a parsed scalar of the exact type a field takes is
kept as it is, without `_coerce`, and means exactly what `_coerce` would have made of it."""

from __future__ import annotations

import dataclasses

import pytest

from alerts.registry import CHANNELS
from sources.registry import KINDS
from watcher import config_tables
from watcher.config import SECTIONS, Config, parse_config
from watcher.config_entries import ChannelConfig
from watcher.errors import ConfigError
from watcher.model import Source

GOOD = {"id": "a", "url": "https://example.gov/news", "kind": "listing", "select": "li", "title": "h3"}

#: Every dataclass a config table is built into: the sections', a source, its kind's options,
#: a channel and its kind's options.
CLASSES = sorted(
    {Config, Source, ChannelConfig}
    | {cls for pairs in SECTIONS.values() for cls, _ in pairs}
    | {kind.Options for kind in KINDS.values()}
    | {channel.Options for channel in CHANNELS.values() if dataclasses.is_dataclass(channel.Options)},
    key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
)
#: One value of each type a TOML parser returns for a scalar, and None (never parsed, but
#: an optional field's default).
VALUES = ("text", 3, 2.5, True, False, None)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__qualname__)
def test_a_value_kept_as_it_is_is_what_coerce_returns(cls):
    """The fast path's table never keeps a value `_coerce` would convert or refuse."""
    hints = config_tables._type_hints(cls)
    for name, taken in config_tables._taken_as_is(cls).items():
        for value in VALUES:
            if type(value) not in taken:
                continue
            coerced = config_tables._coerce(value, hints[name], f"x: {name}")
            assert coerced is value and type(coerced) is type(value), (cls, name, value)


def test_a_table_of_exact_scalars_is_built_without_coerce(monkeypatch):
    calls = []
    real = config_tables._coerce

    def counting(value, hint, where):
        calls.append((value, where))
        return real(value, hint, where)

    monkeypatch.setattr(config_tables, "_coerce", counting)
    config = parse_config({"limits": {"timeout": 10.0}, "sources": [GOOD]}, path=None)
    assert config.sources[0].options.title == "h3"
    assert config.fetch.timeout == 10.0
    assert calls == []  # every key is a str, bool or float where that type is wanted
    parse_config({"sources": [{**GOOD, "tags": ["a"], "timeout": 5}]}, path=None)
    assert {where for _, where in calls} == {
        "default config: sources[0] (id 'a'): tags",
        "default config: sources[0] (id 'a'): tags[0]",
        "default config: sources[0] (id 'a'): timeout",
    }  # a list, and an int where a float is wanted, still go through `_coerce`


def test_values_of_another_type_mean_what_they_meant():
    config = parse_config({"sources": [{**GOOD, "timeout": 5, "confirm": 2}]}, path=None)
    timeout = config.sources[0].timeout
    assert timeout == 5.0 and type(timeout) is float  # an int where a float is wanted becomes one
    assert config.sources[0].confirm == 2
    with pytest.raises(ConfigError, match=r"sources\[0\] \(id 'a'\): confirm: expected int, got bool True"):
        parse_config({"sources": [{**GOOD, "confirm": True}]}, path=None)
    with pytest.raises(ConfigError, match=r"title: expected str, got int 3"):
        parse_config({"sources": [{**GOOD, "title": 3}]}, path=None)
