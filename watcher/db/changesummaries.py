"""Change summary rows (`change_summaries`, m014): the model's summary of a change and its
importance verdicts, reused for the same input; and the outbox rows a verdict sends to the digest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from watcher.db.savepoint import atomic
from watcher.db.selects import has_table, select
from watcher.db.values import iso
from watcher.model import ChangeSummary

SUMMARY = ""  # the channel column of the summary row (verdict rows name their channel)
OFF = "off"  # the status of a channel's row when it set `summary = false`: nothing shown there


@dataclass(frozen=True)
class StoredAnswer:
    """One stored answer of the model (or why there was none)."""

    input_hash: str
    model: str
    prompt_version: str
    status: str  # ok | unavailable
    text: str = ""
    important: bool | None = None
    reason: str = ""
    error: str = ""
    called: bool = False  # the model was asked for it (not reused, not refused for the budget)


def _answer(row: dict) -> StoredAnswer:
    important = row["important"]
    return StoredAnswer(
        input_hash=row["input_hash"],
        model=row["model"],
        prompt_version=row["prompt_version"],
        status=row["status"],
        text=row["text"],
        important=None if important is None else bool(important),
        reason=row["reason"],
        error=row["error"],
        called=bool(row["called"]),
    )


class ChangeSummaryRows:
    db: Database

    def reusable_answer(self, input_hash: str, model: str) -> StoredAnswer | None:
        """A good answer already given for exactly this input (hash) by this model."""
        rows = list(
            self.db.query(
                "SELECT * FROM change_summaries WHERE input_hash = ? AND model = ? AND status = 'ok'"
                " ORDER BY id DESC LIMIT 1",
                [input_hash, model],
            )
        )
        return _answer(rows[0]) if rows else None

    def save_answer(self, change_id: int, channel: str, answer: StoredAnswer, now: datetime) -> None:
        """Store the answer for (change, channel) ('' = the summary); a later one replaces it."""
        with atomic(self.db):
            self.db.execute(
                "INSERT OR REPLACE INTO change_summaries (change_id, channel, input_hash, model,"
                " prompt_version, status, text, important, reason, error, called, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    change_id,
                    channel,
                    answer.input_hash,
                    answer.model,
                    answer.prompt_version,
                    answer.status,
                    answer.text,
                    None if answer.important is None else int(answer.important),
                    answer.reason,
                    answer.error,
                    int(answer.called),
                    iso(now),
                ],
            )

    def model_calls_since(self, since: datetime, *, until: datetime | None = None) -> int:
        """Requests made to the model since `since` (and before `until`): the hourly budget."""
        row = self.db.execute(
            "SELECT count(*) FROM change_summaries WHERE called = 1 AND created_at >= ? AND created_at < ?",
            [iso(since), iso(until) if until else "9999"],
        ).fetchone()
        return int(row[0])

    def summary_counts(self) -> dict[str, int]:
        """Stored answers by result: 'ok', or why the model gave none (timeout, rate_limited...)."""
        if "change_summaries" not in self.db.table_names():  # a read-only look at an older database
            return {}
        return {
            str(row[0]): int(row[1])
            for row in self.db.execute(
                "SELECT CASE status WHEN 'ok' THEN 'ok' ELSE error END, count(*) FROM change_summaries"
                " WHERE status != 'off' GROUP BY 1"
            ).fetchall()
        }

    def held_channels(self, change_id: int) -> list[str]:
        """The channels whose alert of this change waits for its enrichment."""
        return [
            row[0]
            for row in self.db.execute(
                "SELECT channel FROM outbox WHERE change_id = ? AND kind = 'change' AND status = 'enriching'"
                " ORDER BY id",
                [change_id],
            ).fetchall()
        ]

    def send_to_digest(self, change_id: int, channels: Sequence[str]) -> int:
        """The change's alerts on `channels` (judged not important there) wait for the digest."""
        if not channels:
            return 0
        marks = ",".join("?" for _ in channels)
        with atomic(self.db):
            cursor = self.db.execute(
                f"UPDATE outbox SET status = 'held', triaged = 1 WHERE change_id = ? AND kind = 'change'"
                f" AND status = 'enriching' AND channel IN ({marks})",
                [change_id, *channels],
            )
        return cursor.rowcount


def change_summary_for(
    db: Database, change_id: int | None, channel: str = "", *, tables: frozenset[str] | None = None
) -> ChangeSummary | None:
    """The summary of a change, with `channel`'s importance verdict when there is one.
    `tables`: the database's table names when the caller has them (`table_names`)."""
    if change_id is None or not has_table(db, "change_summaries", tables):
        return None
    rows = {
        row["channel"]: row
        for row in select(
            db,
            "SELECT * FROM change_summaries WHERE change_id = ? AND channel IN (?, ?)",
            [change_id, SUMMARY, channel],
        )
    }
    summary, verdict = rows.get(SUMMARY), rows.get(channel) if channel else None
    if (summary is None and verdict is None) or (verdict is not None and verdict["status"] == OFF):
        return None
    important = verdict["important"] if verdict is not None else None
    return ChangeSummary(
        model=(summary or verdict or {})["model"],
        text=summary["text"] if summary is not None and summary["status"] == "ok" else "",
        error=(summary["error"] or "error") if summary is not None and summary["status"] != "ok" else "",
        important=None if important is None else bool(important),
        reason=verdict["reason"] if verdict is not None else "",
    )


def summary_columns(db: Database, record: dict) -> dict:
    """An exported change with its model summary (`model_summary`, `summary_model`, `summary_error`)."""
    found = change_summary_for(db, record["id"])
    return {
        **record,
        "model_summary": found.text if found else "",
        "summary_model": found.model if found else "",
        "summary_error": found.error if found else "",
    }


BRIEFS = 10  # the weekly summary's changes in brief


def week_briefs(db: Database, start: datetime, end: datetime) -> tuple[tuple[str, ChangeSummary], ...]:
    """(source name, summary) of the changes detected in [start, end) that have one, oldest first."""
    if "change_summaries" not in db.table_names():
        return ()
    rows = db.execute(
        "SELECT coalesce(nullif(s.name, ''), c.source_id), cs.model, cs.text FROM change_summaries cs"
        " JOIN changes c ON c.id = cs.change_id LEFT JOIN sources s ON s.id = c.source_id"
        " WHERE cs.channel = '' AND cs.status = 'ok' AND c.detected_at >= ? AND c.detected_at < ?"
        " ORDER BY c.detected_at, c.id LIMIT ?",
        [iso(start), iso(end), BRIEFS],
    ).fetchall()
    return tuple((name, ChangeSummary(model=model, text=text)) for name, model, text in rows)
