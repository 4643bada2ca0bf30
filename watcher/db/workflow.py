"""Workflow rows: the append-only `alert_actions` trail and the messages it acts on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from watcher.db.enrichment import EnrichmentRows
from watcher.db.savepoint import atomic
from watcher.db.values import iso, parse_iso
from watcher.db.workstate import Action, fold
from watcher.model import Alert, WorkState

ACTION_COLUMNS = (
    "at, change_id, item_key, channel, slack_channel, message_ts, team_id, user_id, user_name,"
    " action, assignee_id, assignee_name, reason, until, via"
)


class WorkflowRows(EnrichmentRows):
    def record_action(self, action: Action) -> int:
        """Append one action to the audit trail (never updated or deleted); its row id."""
        with atomic(self.db):
            cursor = self.db.execute(
                f"INSERT INTO alert_actions ({ACTION_COLUMNS}) VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    iso(action.at),
                    action.change_id,
                    action.item_key,
                    action.channel,
                    action.slack_channel,
                    action.message_ts,
                    action.team_id,
                    action.user_id,
                    action.user_name,
                    action.action,
                    action.assignee_id,
                    action.assignee_name,
                    action.reason,
                    iso(action.until) if action.until else None,
                    action.via,
                ],
            )
        return int(cursor.lastrowid or 0)

    def actions(
        self,
        *,
        change_ids: Sequence[int] | None = None,
        since: datetime | None = None,
        user: str | None = None,
        limit: int | None = None,
    ) -> list[Action]:
        """Audit rows, oldest first, filtered by change, time (`at >= since`) or user id/name."""
        sql = "SELECT * FROM alert_actions WHERE 1 = 1"
        params: list[Any] = []
        if change_ids is not None:
            sql += f" AND change_id IN ({','.join('?' for _ in change_ids) or 'NULL'})"
            params.extend(change_ids)
        if since is not None:
            sql += " AND at >= ?"
            params.append(iso(since))
        if user:
            sql += " AND (user_id = ? OR lower(user_name) = lower(?) OR lower(user_name) = lower(?))"
            params.extend([user, user, user.lstrip("@")])
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [action_from_row(row) for row in self.db.query(sql, params)]

    def work_states(self, change_ids: Sequence[int]) -> dict[int, WorkState]:
        """Each change's state (open when nothing was done yet)."""
        grouped: dict[int, list[Action]] = {cid: [] for cid in change_ids}
        for action in self.actions(change_ids=list(change_ids)):
            grouped[action.change_id].append(action)
        return {cid: fold(acts) for cid, acts in grouped.items()}

    def change_exists(self, change_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM changes WHERE id = ?", [change_id]).fetchone() is not None

    def alert_messages(self, change_id: int) -> list[dict[str, Any]]:
        """Sent outbox rows whose message shows this change: its own alerts and the digests
        it is a member of (each row once)."""
        return list(
            self.db.query(
                "SELECT * FROM outbox WHERE status = 'sent' AND coalesce(ref, '') NOT IN ('', 'webhook') AND"
                " (kind = 'change' AND change_id = ? AND batch_id IS NULL OR kind = 'digest' AND id IN"
                " (SELECT batch_id FROM outbox WHERE change_id = ? AND batch_id IS NOT NULL)) ORDER BY id",
                [change_id, change_id],
            )
        )

    def message_row(self, ref: str) -> dict[str, Any] | None:
        """The sent outbox row whose message has this ref (Slack ts), if regwatch posted it."""
        rows = list(  # a digest's members carry its ref too: the message is the digest row
            self.db.query(
                "SELECT * FROM outbox WHERE ref = ? AND status = 'sent' AND batch_id IS NULL"
                " ORDER BY id LIMIT 1",
                [ref],
            )
        )
        return rows[0] if rows else None

    def message_changes(self, row: dict[str, Any]) -> list[int]:
        """The change ids a sent message shows: one, or a digest's members."""
        if row["kind"] == "digest":
            return [
                r[0]
                for r in self.db.execute(
                    "SELECT change_id FROM outbox WHERE batch_id = ? AND change_id IS NOT NULL ORDER BY id",
                    [row["id"]],
                ).fetchall()
            ]
        return [row["change_id"]] if row.get("change_id") is not None else []

    def alerted_changes(self, *, limit: int = 5000) -> list[dict[str, Any]]:
        """Changes that were routed to at least one channel, newest first (the inbox's pool)."""
        return list(
            self.db.query(
                "SELECT c.id, c.source_id, c.detected_at, c.summary, s.name AS source_name FROM changes c"
                " LEFT JOIN sources s ON s.id = c.source_id"
                " WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.change_id = c.id AND o.kind = 'change')"
                " ORDER BY c.id DESC LIMIT ?",
                [limit],
            )
        )


def action_from_row(row: dict[str, Any]) -> Action:
    at = parse_iso(row["at"])
    assert at is not None
    return Action(
        id=row["id"],
        change_id=row["change_id"],
        action=row["action"],
        user_name=row["user_name"],
        via=row["via"],
        at=at,
        user_id=row["user_id"],
        assignee_id=row["assignee_id"],
        assignee_name=row["assignee_name"],
        reason=row["reason"],
        until=parse_iso(row["until"]),
        channel=row["channel"],
        slack_channel=row["slack_channel"],
        message_ts=row["message_ts"],
        team_id=row["team_id"],
        item_key=row["item_key"],
    )


class NoticeRows(WorkflowRows):
    """Outbox 'notice' rows (reminders, snooze returns) and the alerts they carry."""

    def ended_snoozes(self, now: datetime) -> list[tuple[int, str]]:
        """(change id, until) of changes whose latest status action is a snooze ended by `now`
        that has no notice yet."""
        return [
            (row[0], row[1])
            for row in self.db.execute(
                "SELECT a.change_id, a.until FROM alert_actions a WHERE a.action = 'snooze' AND a.until <= ?"
                " AND a.id = (SELECT max(b.id) FROM alert_actions b WHERE b.change_id = a.change_id"
                "   AND b.action IN ('ack', 'dismiss', 'snooze', 'reopen'))"
                " AND NOT EXISTS (SELECT 1 FROM outbox n WHERE n.kind = 'notice'"
                "   AND n.subject = 'snooze:' || a.change_id || ':' || a.until)",
                [iso(now)],
            ).fetchall()
        ]

    def remind_candidates(self, detected_before: datetime, channels: Sequence[str]) -> dict[int, datetime]:
        """Changes alerted (sent) on these channels, detected before the cutoff, not yet
        reminded: their detection time by id."""
        marks = ",".join("?" for _ in channels) or "''"
        return {
            row[0]: parse_iso(row[1]) or detected_before
            for row in self.db.execute(
                "SELECT DISTINCT o.change_id, c.detected_at FROM outbox o"
                " JOIN changes c ON c.id = o.change_id"
                f" WHERE o.kind = 'change' AND o.status = 'sent' AND o.channel IN ({marks})"
                " AND coalesce(o.ref, '') NOT IN ('', 'webhook') AND c.detected_at <= ?"
                " AND NOT EXISTS (SELECT 1 FROM outbox n WHERE n.kind = 'notice'"
                "   AND n.subject = 'remind:' || o.change_id AND n.channel = o.channel)",
                [*channels, iso(detected_before)],
            ).fetchall()
        }

    def add_notices(self, change_id: int, subject: str, channels: Sequence[str], now: datetime) -> int:
        """One notice row per channel that showed the change; 0 for a channel that has it already."""
        marks = ",".join("?" for _ in channels) or "''"
        with atomic(self.db):
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO outbox (subject, kind, change_id, source_id, channel, status,"
                " next_attempt_at, created_at)"
                " SELECT DISTINCT ?, 'notice', o.change_id, o.source_id, o.channel, 'pending', ?, ?"
                f" FROM outbox o WHERE o.kind = 'change' AND o.change_id = ? AND o.channel IN ({marks})"
                " AND o.status = 'sent' AND coalesce(o.ref, '') NOT IN ('', 'webhook')",
                [subject, iso(now), iso(now), change_id, *channels],
            )
        return max(cursor.rowcount, 0)

    def alert_for(self, row: dict[str, Any]) -> Alert:
        if row["kind"] != "notice":
            return super().alert_for(row)
        parent = self.db.execute(
            "SELECT ref FROM outbox WHERE kind = 'change' AND change_id = ? AND channel = ?"
            " AND status = 'sent' ORDER BY id LIMIT 1",
            [row["change_id"], row["channel"]],
        ).fetchone()
        change = self.change(row["change_id"])
        state = self.work_states([row["change_id"]])[row["change_id"]]
        return Alert(
            key=f"regwatch:{row['subject']}:{row['channel']}",
            channel=row["channel"],
            source=self.source_info(row["source_id"]),
            change=change,
            thread=parent[0] if parent else "",
            workflow={row["change_id"]: state},
            notice=row["subject"],
        )
