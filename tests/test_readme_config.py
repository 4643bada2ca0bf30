"""Every TOML example in the README is a valid regwatch configuration (docs stay honest)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from watcher.config import parse_config

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```toml\n(.*?)```", README, re.S)


def test_the_readme_has_config_examples():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_toml_example_is_a_valid_config(block):
    config = parse_config(tomllib.loads(block), path=None)
    assert config.channels  # parsed through the real validation, defaults applied
