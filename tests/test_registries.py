"""Meta-tests derived from the registries: every kind and channel defined is registered,
documented (see test_docs.py, alerts/test_channel_docs.py) and exercised by some test.

Nothing here lists kinds by hand: a new kind or channel is checked the day it is written.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import alerts
import sources
from alerts.base import Channel
from alerts.registry import CHANNELS
from sources.base import SourceKind
from sources.registry import KINDS

TESTS = Path(__file__).resolve().parent
TEST_TEXT = "\n".join(
    p.read_text(encoding="utf-8") for p in TESTS.rglob("test_*.py") if p.name != Path(__file__).name
)


def defined(package, base: type) -> dict[str, type]:
    """Every concrete subclass of `base` with a `kind`, defined in a module of `package`."""
    found: dict[str, type] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls is not base and cls.__module__ == module.__name__ and cls.kind:
                found[cls.kind] = cls
    return found


def test_every_source_kind_defined_is_registered():
    assert defined(sources, SourceKind) == KINDS
    assert all(name == cls.kind for name, cls in KINDS.items())


def test_every_channel_defined_is_registered():
    assert defined(alerts, Channel) == CHANNELS
    assert all(name == cls.kind for name, cls in CHANNELS.items())


def used_in_tests(name: str, cls: type) -> bool:
    """A test configures the kind (`kind = "feed"`, `"kind": "feed"`, `kind="feed"`) or uses its class."""
    configured = re.search(rf"""kind["']?\s*[:=]\s*["']{re.escape(name)}["']""", TEST_TEXT)
    return bool(configured) or re.search(rf"\b{cls.__name__}\b", TEST_TEXT) is not None


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_source_kind_is_tested(name):
    assert used_in_tests(name, KINDS[name]), f"no test configures or uses source kind {name!r}"


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_every_channel_is_tested(name):
    assert used_in_tests(name, CHANNELS[name]), f"no test configures or uses channel {name!r}"


def test_an_untested_name_is_noticed():
    assert not used_in_tests("no-such-kind", type("NoSuchKind", (), {}))
