"""Diffing snapshots: items by identity, text by lines, nothing for no difference."""

from __future__ import annotations

from watcher.check.diff import diff
from watcher.model import Item, Snapshot


def item(key: str, title: str = "", date: str | None = None) -> Item:
    return Item(key=key, title=title or key, link=f"https://e.gov/{key}", date=date)


def test_identical_and_reordered_snapshots_are_no_change():
    a = Snapshot(items=(item("1"), item("2")))
    assert diff("s", a, a) is None
    assert diff("s", a, Snapshot(items=(item("2"), item("1")))) is None


def test_added_removed_changed_items():
    before = Snapshot(items=(item("1"), item("2"), item("3", "Old title")))
    after = Snapshot(items=(item("4", "Brand new rule"), item("1"), item("3", "New title")))
    change = diff("s", before, after)
    assert change is not None
    assert [i.key for i in change.added] == ["4"]
    assert [i.key for i in change.removed] == ["2"]
    assert [(c.before.title, c.after.title) for c in change.changed] == [("Old title", "New title")]
    assert change.summary == "1 new item: “Brand new rule”; 1 item(s) removed; 1 item(s) changed"
    assert change.before == before.fingerprint and change.after == after.fingerprint


def test_text_edit_is_a_line_diff():
    before = Snapshot(blocks=("Title", "Keep records 6 years.", "Contact us."))
    after = Snapshot(blocks=("Title", "Keep records 10 years.", "Contact us."))
    change = diff("s", before, after)
    assert change is not None
    assert "-Keep records 6 years." in change.diff and "+Keep records 10 years." in change.diff
    assert change.summary == "text edited (+1 / -1 lines)"
