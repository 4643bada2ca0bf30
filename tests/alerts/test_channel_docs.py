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

ROOT = Path(__file__).resolve().parents[2]
DOCS = "\n\n## (end of file)\n\n".join(
    p.read_text(encoding="utf-8")
    for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    if "reference" not in p.parts  # the guide and README, not the generated reference
)


def readme_section(kind: str) -> str:
    match = re.search(rf"^### {re.escape(kind)}\n(.*?)(?=^##)", DOCS, re.S | re.M)
    assert match, f"the guide has no '### {kind}' section under Alert channels"
    return match.group(1)


@pytest.mark.parametrize("kind", sorted(CHANNELS))
def test_channel_is_documented(kind):
    cls = CHANNELS[kind]
    assert cls.kind == kind
    assert len(inspect.getdoc(cls) or "") > 80
    section = readme_section(kind)
    for f in dataclasses.fields(cls.Options):
        assert config_key(f) in section, f"the guide's section {kind} does not mention key {config_key(f)!r}"


def test_alerts_command_is_documented():
    assert "`regwatch alerts [--failed] [--pending]" in DOCS
    assert "`regwatch alerts retry" in DOCS
