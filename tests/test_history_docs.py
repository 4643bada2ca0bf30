"""The analyst documentation stays true: every table, view and column is in docs/schema.md,
and every history command is in the README."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from watcher.cli import main
from watcher.db.store import Store

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DOC = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
DOCS = "\n\n## (end of file)\n\n".join(
    p.read_text(encoding="utf-8")
    for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    if "reference" not in p.parts  # the guide and README, not the generated reference
)
FTS_SHADOW = re.compile(r"_fts(_(data|idx|docsize|config|content))?$")


def schema_objects(tmp_path):
    store = Store(tmp_path / "doc.db")
    try:
        rows = store.db.execute(
            "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')"
            " AND name NOT LIKE 'sqlite_%' AND name != '_sqlite_migrations'"
        ).fetchall()
        return {
            name: [c[1] for c in store.db.execute(f"PRAGMA table_info([{name}])")]
            for name, _ in rows
            if not FTS_SHADOW.search(name) or name.endswith("_fts")
        }
    finally:
        store.close()


def test_every_table_view_and_column_is_documented(tmp_path):
    missing = []
    for name, columns in schema_objects(tmp_path).items():
        if f"`{name}`" not in SCHEMA_DOC:
            missing.append(name)
            continue
        if name.endswith("_fts"):
            continue
        missing.extend(f"{name}.{c}" for c in columns if f"`{c}`" not in SCHEMA_DOC)
    assert not missing, f"document these in docs/schema.md: {missing}"


@pytest.mark.parametrize("command", ["history", "show", "snapshot", "search", "export", "vacuum", "ui"])
def test_history_commands_are_in_the_readme(command):
    assert command in main.list_commands(click.Context(main))
    assert f"`regwatch {command}" in DOCS
