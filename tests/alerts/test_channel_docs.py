"""Every registered channel is documented: a class docstring (shown by `regwatch kinds`) and a
README section; every config key of its Options appears in that section."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

import pytest

from alerts.registry import CHANNELS
from watcher.config import config_key

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def readme_section(kind: str) -> str:
    match = re.search(rf"^### {re.escape(kind)}\n(.*?)(?=^##)", README, re.S | re.M)
    assert match, f"README has no '### {kind}' section under Alert channels"
    return match.group(1)


@pytest.mark.parametrize("kind", sorted(CHANNELS))
def test_channel_is_documented(kind):
    cls = CHANNELS[kind]
    assert cls.kind == kind
    assert len(inspect.getdoc(cls) or "") > 80
    section = readme_section(kind)
    for f in dataclasses.fields(cls.Options):
        assert config_key(f) in section, f"README section {kind} does not mention key {config_key(f)!r}"


def test_alerts_command_is_documented():
    assert "`regwatch alerts [--failed] [--pending]" in README
    assert "`regwatch alerts retry" in README
