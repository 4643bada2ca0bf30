"""Every TOML example in the README is a valid regwatch configuration (docs stay honest)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from watcher.config import parse_config

ROOT = Path(__file__).resolve().parent.parent
DOCS = "\n\n## (end of file)\n\n".join(
    p.read_text(encoding="utf-8")
    for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    if "reference" not in p.parts  # the guide and README, not the generated reference
)
BLOCKS = re.findall(r"```toml\n(.*?)```", DOCS, re.S)


def test_the_readme_has_config_examples():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_toml_example_is_a_valid_config(block):
    config = parse_config(tomllib.loads(block), path=None)
    assert config.channels  # parsed through the real validation, defaults applied
