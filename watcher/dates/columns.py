"""Document facts as flat export columns (`regwatch export --what items`): one row per document."""

from __future__ import annotations

from typing import Any

from alerts.facts import csv_columns
from watcher.dates.facts import facts_of_record
from watcher.model import SourceInfo


def document_columns(row: dict[str, Any]) -> dict[str, Any]:
    """The facts columns of an items_view row (its `fields` JSON is consumed)."""
    source = SourceInfo(
        id=row.get("source_id") or "",
        name=row.get("source_name") or "",
        url="",
        jurisdiction=row.get("jurisdiction") or "",
        regulator=row.get("regulator") or "",
    )
    facts = facts_of_record(row, source, row.get("text") or "")
    row.pop("fields", None)
    return csv_columns(facts)
