"""What changed in an item's structured fields, as plain values every channel renders.

`comment deadline 2025-03-07 → 2025-04-07`, `type Proposed Rule → Rule`,
`removed: false → true`. Field names get a reader's label where one is known; a flag
absent on one side reads "false" (APIs leave false flags out), any other absent value
"(none)". Text here is the regulator's, unescaped: each channel escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from watcher.model import Change, Item

LABELS = {
    "comments_close_on": "comment deadline",
    "effective_on": "effective date",
    "publication_date": "publication date",
    "amendment_date": "amendment date",
    "issue_date": "issue date",
    "pdf_url": "PDF",
    "date": "date",
}
FLAGS = ("true", "false")


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: str
    after: str

    @property
    def is_flag(self) -> bool:
        return self.before in FLAGS and self.after in FLAGS

    def text(self) -> str:
        """`comment deadline 2025-03-07 → 2025-04-07`, or `removed: false → true` for flags."""
        label = LABELS.get(self.name, self.name.replace("_", " "))
        if self.is_flag:
            return f"{label}: {self.before} → {self.after}"
        return f"{label} {self.before} → {self.after}"


def field_changes(before: Item, after: Item) -> list[FieldChange]:
    """The fields (and the date) that differ between two versions of one item."""
    old, new = dict(before.fields), dict(after.fields)
    changes = []
    if (before.date or "") != (after.date or ""):
        changes.append(FieldChange("date", before.date or "(none)", after.date or "(none)"))
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name, ""), new.get(name, "")
        if a == b or {a, b} <= {"", "false"}:
            continue
        flag = a in FLAGS or b in FLAGS
        changes.append(
            FieldChange(name, a or ("false" if flag else "(none)"), b or ("false" if flag else "(none)"))
        )
    return changes


def evidence_for(change: Change, item: Item) -> str:
    """Why a removed item counts as removed ("no longer listed; 3 newer and 2 older items still are")."""
    return dict(change.evidence).get(item.key, "")


def seen_by_line(change: Change) -> str:
    """`Also listed by: A, B` when other sources saw the same document(s), else ""."""
    return "Also listed by: " + ", ".join(change.also_seen_by) if change.also_seen_by else ""
