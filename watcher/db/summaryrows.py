"""The weekly summary, read from the history: new documents of the week by jurisdiction,
regulator and type, the deadlines of the next 14 days, the sources broken or quiet."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from watcher.db.changesummaries import week_briefs
from watcher.db.values import iso, parse_iso
from watcher.model import Alert, DocumentDate, SourceInfo, Summary

DEADLINE_DAYS = 14
TOP = 10  # rows per count table (the rest are summed as "other")


def top(rows: list[tuple[Any, int]]) -> tuple[tuple[str, int], ...]:
    named = [(str(name or "unknown"), int(count)) for name, count in rows]
    if len(named) <= TOP:
        return tuple(named)
    return (*named[: TOP - 1], ("other", sum(c for _, c in named[TOP - 1 :])))


def summary_for(db: Database, start: datetime, end: datetime) -> Summary:
    window = [iso(start), iso(end)]
    new = (
        "FROM items i JOIN sources s ON s.id = i.source_id"
        " WHERE i.change_id IS NOT NULL AND i.first_seen >= ? AND i.first_seen < ?"
    )

    def counts(expression: str) -> tuple[tuple[str, int], ...]:
        sql = f"SELECT {expression} AS k, count(*) AS n {new} GROUP BY k ORDER BY n DESC, k"
        return top(db.execute(sql, window).fetchall())

    item_type = "CASE WHEN json_valid(i.fields) THEN json_extract(i.fields, '$.type') END"
    changes = db.execute(
        "SELECT count(*) FROM changes WHERE detected_at >= ? AND detected_at < ?", window
    ).fetchone()[0]
    deadlines = []
    if "document_dates" in db.table_names():
        first, last = end.date(), end.date() + timedelta(days=DEADLINE_DAYS)
        for kind, on, from_text, title, link in db.execute(
            "SELECT kind, on_date, from_text, title, link FROM document_dates"
            " WHERE on_date >= ? AND on_date < ? ORDER BY on_date, kind, title LIMIT 50",
            [first.isoformat(), last.isoformat()],
        ).fetchall():
            deadlines.append((DocumentDate(kind, on, bool(from_text)), title, link))
    broken = [
        r[0] for r in db.execute("SELECT id FROM sources WHERE active = 1 AND state = 'broken' ORDER BY id")
    ]
    quiet = [
        r[0]
        for r in db.execute(
            "SELECT source_id, state FROM events WHERE id IN (SELECT max(id) FROM events"
            " WHERE state IN ('quiet', 'active') GROUP BY source_id) AND state = 'quiet' ORDER BY source_id"
        )
    ]
    return Summary(
        start=start,
        end=end,
        changes=changes,
        new_documents=sum(n for _, n in counts("1")),
        by_jurisdiction=counts("upper(s.jurisdiction)"),
        by_regulator=counts("s.regulator"),
        by_type=counts(item_type),
        deadlines=tuple(deadlines),
        broken=tuple(broken),
        quiet=tuple(quiet),
        briefs=week_briefs(db, start, end),  # the model's summaries of the week's changes
    )


def summary_alert(db: Database, row: dict[str, Any], key: str) -> Alert:
    """The alert of a `summary:<end>` outbox row (the week ending at <end>)."""
    end = parse_iso(row["subject"].split(":", 1)[1])
    assert end is not None
    summary = summary_for(db, end - timedelta(days=7), end)
    source = SourceInfo(id="", name="regwatch weekly summary", url="")
    return Alert(key=key, channel=row["channel"], source=source, summary=summary)
