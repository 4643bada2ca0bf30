"""The documentation stays true: every kind is registered, documented, listed and in the README."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from sources.registry import KINDS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(KINDS))
def test_kind_is_documented(name):
    cls = KINDS[name]
    assert len(inspect.getdoc(cls) or "") > 200, f"{name}: the class docstring is its user documentation"
    assert f"### {name}\n" in README, f"README lacks a '### {name}' section under Source kinds"
    for field in cls.Options.__dataclass_fields__:
        assert (
            f"`{field}`" in README.split(f"### {name}\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
        ), f"README section of {name} does not mention option `{field}`"


def test_kinds_command_shows_every_docstring(cli):
    result = cli("kinds")
    assert result.returncode == 0, result.stderr
    for name, cls in KINDS.items():
        assert f"  {name}\n" in result.stdout
        assert inspect.getdoc(cls).splitlines()[0] in result.stdout


def test_readme_lists_catalog_commands():
    assert "`regwatch catalog" in README and "regwatch init --jurisdiction" in README
