"""Deadlines: the stored comment deadlines and effective dates of documents, as values.

`Deadline` is one date of one document with its source; `window` turns "the next 30 days"
or "the past 30 days" into a day range; `order` sorts soonest first (most recent first for
past dates). Pure; the store reads and writes them (watcher/db/docdates.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

DateKind = Literal["comment", "effective"]
KIND_LABEL = {"comment": "comments close", "effective": "effective"}


@dataclass(frozen=True)
class Deadline:
    """One date of one document: when comments close or when it takes effect."""

    source_id: str
    item_key: str
    kind: DateKind
    on: date
    title: str = ""
    link: str = ""
    from_text: bool = False
    type: str = ""
    abstract: str = ""
    source_name: str = ""
    jurisdiction: str = ""
    regulator: str = ""
    previous_on: date | None = None
    change_id: int | None = None

    @property
    def uid(self) -> str:
        """Stable across runs and date moves (one calendar event per document and kind)."""
        return f"{self.kind}.{self.source_id}.{self.item_key}@regwatch"

    def to_row(self, today: date | None = None) -> dict[str, Any]:
        """A flat row for table, JSON and CSV output."""
        return {
            "date": self.on.isoformat(),
            "days": (self.on - today).days if today else None,
            "kind": self.kind,
            "from_text": self.from_text,
            "title": self.title,
            "type": self.type,
            "source_id": self.source_id,
            "source_name": self.source_name,
            "jurisdiction": self.jurisdiction,
            "regulator": self.regulator,
            "link": self.link,
            "item_key": self.item_key,
            "previous_date": self.previous_on.isoformat() if self.previous_on else None,
        }


def window(today: date, within: timedelta, *, past: bool = False) -> tuple[date, date]:
    """[start, end) of days: today and the `within` days after it, or the ones before today."""
    days = max(int(within.total_seconds() // 86400), 0)
    if past:
        return today - timedelta(days=days), today
    return today, today + timedelta(days=days + 1)


def order(deadlines: Iterable[Deadline], *, past: bool = False) -> list[Deadline]:
    """Soonest first (for past dates: the most recent first); ties by kind and title."""
    ranked = sorted(deadlines, key=lambda d: (d.on, d.kind, d.title.casefold(), d.item_key))
    if past:
        ranked.sort(key=lambda d: d.on, reverse=True)  # stable: ties keep kind/title order
    return ranked
