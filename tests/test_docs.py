"""The documentation stays true: every kind is registered, documented, listed and in the user guide."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from sources.registry import KINDS

ROOT = Path(__file__).resolve().parent.parent
DOCS = "\n\n## (end of file)\n\n".join(
    p.read_text(encoding="utf-8")
    for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    if "reference" not in p.parts  # the guide and README, not the generated reference
)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_kind_is_documented(name):
    cls = KINDS[name]
    assert len(inspect.getdoc(cls) or "") > 200, f"{name}: the class docstring is its user documentation"
    assert f"### {name}\n" in DOCS, f"the guide lacks a '### {name}' section under Source kinds"
    for field in cls.Options.__dataclass_fields__:
        assert f"`{field}`" in DOCS.split(f"### {name}\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0], (
            f"the guide's section of {name} does not mention option `{field}`"
        )


def test_kinds_command_shows_every_docstring(cli):
    result = cli("kinds")
    assert result.returncode == 0, result.stderr
    for name, cls in KINDS.items():
        assert f"  {name}\n" in result.stdout
        assert inspect.getdoc(cls).splitlines()[0] in result.stdout


def test_readme_lists_catalog_commands():
    assert "`regwatch catalog" in DOCS and "regwatch init --jurisdiction" in DOCS
