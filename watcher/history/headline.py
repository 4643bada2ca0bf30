"""The line that leads a change's alert (alerts/headline.py), for a stored change record as
`watcher.history.queries.change` returns it: what `regwatch show` prints first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alerts.headline import headline_of
from watcher.model import Change, DocumentFacts, Item, ItemChange


def record_headline(record: Mapping[str, Any], facts: Mapping[str, DocumentFacts] | None = None) -> str:
    """`1 paragraph edited under "…"; 1 new Rule` for a change record (its items are dicts)."""
    change = Change(
        record.get("source_id") or "",
        record.get("before") or "",
        record.get("after") or "",
        added=tuple(Item.from_dict(i) for i in record.get("added") or ()),
        removed=tuple(Item.from_dict(i) for i in record.get("removed") or ()),
        changed=tuple(
            ItemChange(Item.from_dict(p["before"]), Item.from_dict(p["after"]))
            for p in record.get("changed") or ()
        ),
        diff=tuple(record.get("diff") or ()),
    )
    return headline_of(change, facts or {})
