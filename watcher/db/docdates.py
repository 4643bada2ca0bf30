"""Document dates rows: each document's comment deadline and effective date (table
`document_dates`, migration m011), written in the same transaction as the change or
baseline that listed the document, and read for `regwatch deadlines` and the calendar."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from watcher.dates.deadlines import Deadline
from watcher.dates.facts import facts_for
from watcher.db.values import iso
from watcher.model import Item, Source, SourceInfo


def record_document_dates(
    db: Database, source: Source, items: Iterable[Item], now: datetime, *, change_id: int | None
) -> int:
    """Store the dates of these documents; a date that moved keeps its old value in
    `previous_on`. Call inside the caller's transaction. Returns how many rows changed."""
    info = SourceInfo(
        id=source.id,
        name=source.name,
        url=source.url,
        jurisdiction=source.jurisdiction,
        regulator=source.regulator,
    )
    written = 0
    for item in items:
        facts = facts_for(item, info)
        for when in facts.dates:
            cursor = db.execute(
                "INSERT INTO document_dates (source_id, item_key, kind, on_date, from_text, title, link,"
                " type, abstract, change_id, first_seen, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(source_id, item_key, kind) DO UPDATE SET"
                " previous_on = CASE WHEN excluded.on_date != on_date THEN on_date ELSE previous_on END,"
                " moved_at = CASE WHEN excluded.on_date != on_date"
                " THEN excluded.updated_at ELSE moved_at END,"
                " on_date = excluded.on_date, from_text = excluded.from_text, title = excluded.title,"
                " link = excluded.link, type = excluded.type, abstract = excluded.abstract,"
                " updated_at = excluded.updated_at"
                " WHERE excluded.on_date != on_date OR excluded.title != title OR excluded.link != link"
                " OR excluded.type != type OR excluded.abstract != abstract"
                " OR excluded.from_text != from_text",
                [
                    source.id,
                    item.key,
                    when.kind,
                    when.on,
                    int(when.from_text),
                    item.title,
                    item.link,
                    facts.type,
                    facts.abstract,
                    change_id,
                    iso(now),
                    iso(now),
                ],
            )
            written += cursor.rowcount
    return written


def deadline_from_row(row: dict[str, Any]) -> Deadline:
    return Deadline(
        source_id=row["source_id"],
        item_key=row["item_key"],
        kind=row["kind"],
        on=date.fromisoformat(row["on_date"]),
        title=row["title"],
        link=row["link"],
        from_text=bool(row["from_text"]),
        type=row["type"],
        abstract=row["abstract"],
        source_name=row.get("source_name") or "",
        jurisdiction=row.get("jurisdiction") or "",
        regulator=row.get("regulator") or "",
        previous_on=date.fromisoformat(row["previous_on"]) if row.get("previous_on") else None,
        change_id=row.get("change_id"),
    )


class DocumentDateRows:
    db: Database

    def document_dates(
        self,
        start: date,
        end: date,
        *,
        kinds: Sequence[str] = (),
        where: str = "",
        params: Sequence[Any] = (),
    ) -> list[Deadline]:
        """Dates on days in [start, end); `where` (starting with ' AND') filters `d.source_id`."""
        if "document_dates" not in self.db.table_names():
            return []  # a database not yet upgraded, opened read-only
        sql = (
            "SELECT d.*, s.name AS source_name, s.jurisdiction, s.regulator FROM document_dates d"
            " JOIN sources s ON s.id = d.source_id WHERE d.on_date >= ? AND d.on_date < ?"
        )
        args: list[Any] = [start.isoformat(), end.isoformat()]
        if kinds:
            sql += f" AND d.kind IN ({','.join('?' for _ in kinds)})"
            args.extend(kinds)
        sql += where + " ORDER BY d.on_date, d.id"
        args.extend(params)
        return [deadline_from_row(row) for row in self.db.query(sql, args)]
