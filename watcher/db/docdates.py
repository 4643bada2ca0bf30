"""Document dates rows: each document's comment deadline and effective date (table
`document_dates`, migration m011), written in the same transaction as the change or
baseline that listed the document, and read for `regwatch deadlines` and the calendar."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlite_utils import Database

from watcher.dates.carried import dates_of, source_info
from watcher.dates.deadlines import Deadline
from watcher.dates.reminders import DateRow, Planned
from watcher.db.savepoint import atomic
from watcher.db.values import iso, parse_iso
from watcher.model import Alert, DocumentDate, Item, Reminder, Source, SourceInfo


def record_document_dates(
    db: Database,
    source: Source | SourceInfo,
    items: Iterable[Item],
    now: datetime,
    *,
    change_id: int | None,
    texts: Mapping[str, str] | None = None,
) -> int:
    """Store the dates of these documents (from their fields, else their words and the
    followed `texts` by item key); a date that moved keeps its old value in `previous_on`.
    An item read in a worker brings its dates along (watcher/dates/carried.py).
    Call inside the caller's transaction. Returns how many rows changed."""
    info = source_info(source)
    written = 0
    for item in items:
        type_, abstract, dates = dates_of(item, info, texts.get(item.key, "") if texts else "")
        for kind, on, from_text in dates:
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
                    kind,
                    on,
                    int(from_text),
                    item.title,
                    item.link,
                    type_,
                    abstract,
                    change_id,
                    iso(now),
                    iso(now),
                ],
            )
            written += cursor.rowcount
    return written


def record_text_dates(db: Database, item_id: int, text: str, now: datetime) -> int:
    """Dates a followed document's text states, for its item (fields still win)."""
    row = db.execute(
        "SELECT i.source_id, i.key, i.title, i.link, i.summary, i.fields, i.change_id, s.name, s.url,"
        " s.jurisdiction, s.regulator FROM items i JOIN sources s ON s.id = i.source_id WHERE i.id = ?",
        [item_id],
    ).fetchone()
    if row is None:
        return 0
    source_id, key, title, link, summary, fields, change_id, name, url, jurisdiction, regulator = row
    item = Item(
        key=key,
        title=title,
        link=link,
        summary=summary,
        fields=tuple(sorted(json.loads(fields).items())) if fields else (),
    )
    info = SourceInfo(
        id=source_id,
        name=name or "",
        url=url or "",
        jurisdiction=jurisdiction or "",
        regulator=regulator or "",
    )
    return record_document_dates(db, info, [item], now, change_id=change_id, texts={key: text})


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

    def refresh_document_dates(self, source: Source, items: Sequence[Item], now: datetime) -> int:
        """Dates of listed documents whose fields changed though the documents did not (a
        comment period extended): the row moves, so reminders follow the new date."""
        with atomic(self.db):
            return record_document_dates(self.db, source, items, now, change_id=None)

    def reminder_dates(self, today: date) -> list[DateRow]:
        """Dates from `today` on, for reminder planning."""
        if "document_dates" not in self.db.table_names():
            return []
        return [
            DateRow(
                id=row["id"],
                source_id=row["source_id"],
                on=date.fromisoformat(row["on_date"]),
                first_seen=parse_iso(row["first_seen"]) or datetime.min.replace(tzinfo=UTC),
                moved_at=parse_iso(row["moved_at"]) if row["moved_at"] else None,
                previous_on=date.fromisoformat(row["previous_on"]) if row["previous_on"] else None,
                change_id=row["change_id"],
                kind=row["kind"],
                type=row["type"] or "",
            )
            for row in self.db.query(
                "SELECT id, source_id, on_date, first_seen, moved_at, previous_on, change_id, kind, type"
                " FROM document_dates WHERE on_date >= ?",
                [today.isoformat()],
            )
        ]

    def enqueue_planned(self, planned: Sequence[Planned], now: datetime) -> int:
        """Outbox rows for planned reminders; ones already written are left alone."""
        added = 0
        with atomic(self.db):
            for p in planned:
                cursor = self.db.execute(
                    "INSERT OR IGNORE INTO outbox (subject, kind, change_id, source_id, channel, status,"
                    " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
                    [p.subject, p.kind, p.change_id, p.source_id, p.channel, iso(now), iso(now)],
                )
                added += cursor.rowcount
        return added


def reminder_alert(db: Database, row: dict[str, Any], key: str, source: SourceInfo, now: datetime) -> Alert:
    """The alert of a reminder or correction outbox row, threaded under the document's alert
    on that channel when it was sent as its own message (Slack `thread_ts`)."""
    parts = row["subject"].split(":")  # reminder:<date id>:<day>:<offset> | correction:<date id>:<day>
    found = db.execute("SELECT * FROM document_dates WHERE id = ?", [int(parts[1])]).fetchone()
    columns = [d[0] for d in db.execute("SELECT * FROM document_dates LIMIT 0").description]
    dated = dict(zip(columns, found, strict=True))
    on = parts[2]  # the day this reminder was planned for
    thread = ""
    if row.get("change_id"):
        sent = db.execute(
            "SELECT ref FROM outbox WHERE subject = ? AND channel = ? AND status = 'sent'"
            " AND ref IS NOT NULL",
            [f"change:{row['change_id']}", row["channel"]],
        ).fetchone()
        thread = sent[0] if sent else ""
    reminder = Reminder(
        kind=row["kind"],
        date=DocumentDate(dated["kind"], on, from_text=bool(dated["from_text"])),
        item_key=dated["item_key"],
        title=dated["title"],
        link=dated["link"],
        type=dated["type"],
        before=parts[3] if len(parts) > 3 else "",
        days_left=(date.fromisoformat(on) - now.date()).days,
        previous_on=dated["previous_on"] if row["kind"] == "correction" else None,
    )
    return Alert(key=key, channel=row["channel"], source=source, reminder=reminder, thread=thread)
