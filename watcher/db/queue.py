"""The outbox queue: due rows, claims, acknowledgements, retries, digests and threads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from watcher.db import crashpoints
from watcher.db.checks import CheckRecords
from watcher.db.savepoint import atomic
from watcher.db.values import (
    ENRICH_TIMEOUT,
    Delivery,
    iso,
    parse_iso,
)
from watcher.errors import WatchError
from watcher.model import (
    Receipt,
)

#: An acknowledgement (`ack_delivery`): the row sent, then a digest's members sent with it.
_SENT = "UPDATE outbox SET status = 'sent', sent_at = ?, ref = ?, permalink = ?, last_error = NULL"
SENT_ROW = _SENT + " WHERE id = ?"
SENT_MEMBERS = _SENT + " WHERE batch_id = ?"


class OutboxQueue(CheckRecords):
    def due_deliveries(
        self,
        now: datetime,
        *,
        limit: int = 500,
        channels: Sequence[str] | None = None,
        after: int = 0,
        waiting: Mapping[str, int] | None = None,
    ) -> list[Delivery]:
        """Rows to send now, oldest first (of those with an id above `after`: the next page;
        without a channel's rows above its id in `waiting`: they wait for an older one).
        'sending' rows are in doubt (a crash mid-send).

        'enriching' rows wait for their change's enrichment; one still waiting after
        ENRICH_TIMEOUT (its process died and nobody recovered it) goes out as it is.
        """
        sql = (
            "SELECT * FROM outbox WHERE (status IN ('pending', 'sending') AND next_attempt_at <= ?"
            " OR status = 'enriching' AND created_at <= ?)"
        )
        self.commit_batch()  # the deliverer reads only committed rows (watcher/db/batch.py)
        params: list[Any] = [iso(now), iso(now - ENRICH_TIMEOUT)]
        if channels is not None:
            marks = ",".join("?" for _ in channels) or "''"
            sql += f" AND channel IN ({marks})"
            params.extend(channels)
        if after:
            sql += " AND id > ?"
            params.append(after)
        for channel, first in (waiting or {}).items():  # a few channels: a few terms
            sql += " AND NOT (channel = ? AND id > ?)"
            params.extend((channel, first))
        sql += " ORDER BY id LIMIT ?"
        params.append(limit)
        return [self._delivery(row) for row in self.db.query(sql, params)]

    def blocked_channels(self, now: datetime) -> dict[str, int]:
        """Per channel, the oldest row that must go first but cannot go now: one waiting for
        a retry, or one whose change is still being enriched. Newer rows wait, to keep order."""
        return {
            row["channel"]: row["first"]
            for row in self.db.query(
                "SELECT channel, min(id) AS first FROM outbox WHERE"
                " (status IN ('pending', 'sending') AND next_attempt_at > ?)"
                " OR (status = 'enriching' AND created_at > ?) GROUP BY channel",
                [iso(now), iso(now - ENRICH_TIMEOUT)],
            )
        }

    def claim_delivery(
        self, delivery_id: int, now: datetime, *, by: str = "", expect: tuple[str, int] | None = None
    ) -> bool:
        """Mark a row 'sending' (committed) before the send, so a crash leaves it in doubt.

        With `expect=(status, attempts)` the claim only succeeds if nobody else changed the
        row since it was read (another process delivering at the same time); returns False then.
        """
        sql = (
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_at = ?, claimed_by = ?"
            " WHERE id = ?"
        )
        params: list[Any] = [iso(now), by, delivery_id]
        if expect is not None:
            sql += " AND status = ? AND attempts = ?"
            params.extend(expect)
        with self.durable():  # committed, never part of an open batch of checks
            cursor = self.db.execute(sql, params)
        crashpoints.reached("after_claim")
        return cursor.rowcount == 1

    def ack_delivery(
        self, delivery_id: int, receipt: Receipt, now: datetime, *, thread: tuple[str, str] | None = None
    ) -> None:
        """Record the channel's receipt; a digest's members are sent with it. `thread` =
        (channel, source id) remembers this message as that source's thread on that channel."""
        crashpoints.reached("after_send")
        sent = [iso(now), receipt.ref, receipt.permalink, delivery_id]
        with self.durable():  # committed, never part of an open batch of checks
            # The row, then a digest's members: two statements, one transaction. As one
            # `WHERE id = ? OR batch_id = ?` SQLite ran a multi-index OR (a rowid set of both
            # lookups, then the update): ~22 us an alert, ~12 as two (bench/README.md,
            # "Round 18: perfmain9"). The same rows get the same values either way.
            self.db.execute(SENT_ROW, sent)
            self.db.execute(SENT_MEMBERS, sent)
            if thread is not None and receipt.ref:
                self.db.execute(
                    "INSERT OR IGNORE INTO alert_threads (channel, source_id, ref, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    [thread[0], thread[1], receipt.ref, iso(now)],
                )

    def retry_delivery(
        self,
        delivery_id: int,
        error: str,
        at: datetime,
        *,
        in_doubt: bool = False,
        not_before: datetime | None = None,
    ) -> None:
        """Try again at `at`. An `in_doubt` row (the far end may have it) stays 'sending', so
        the next attempt reconciles before it sends. `not_before`: the channel's Retry-After,
        which releasing a recovered channel's rows never shortens."""
        with self.durable():  # committed, never part of an open batch of checks
            self.db.execute(
                "UPDATE outbox SET status = ?, next_attempt_at = ?, last_error = ?, not_before = ?"
                " WHERE id = ?",
                [
                    "sending" if in_doubt else "pending",
                    iso(at),
                    error[:2000],
                    iso(not_before) if not_before else None,
                    delivery_id,
                ],
            )

    def fail_delivery(self, delivery_id: int, error: str, now: datetime) -> None:
        with self.durable():  # committed, never part of an open batch of checks
            self.db.execute(
                "UPDATE outbox SET status = 'failed', last_error = ?, sent_at = NULL WHERE id = ?",
                [error[:2000], delivery_id],
            )

    def requeue_delivery(self, delivery_id: int, now: datetime) -> dict[str, Any]:
        """`regwatch alerts retry`: send a failed row again (now). Returns the row as it was."""
        with atomic(self.db):
            row = self.db.execute("SELECT status FROM outbox WHERE id = ?", [delivery_id]).fetchone()
            if row is None:
                raise WatchError(f"no alert delivery with id {delivery_id} (see `regwatch alerts`)")
            if row[0] != "failed":
                raise WatchError(
                    f"alert delivery {delivery_id} is {row[0]}, not failed; only failed ones can be retried"
                )
            self.db.execute(
                "UPDATE outbox SET status = 'pending', next_attempt_at = ?, claimed_at = NULL,"
                " claimed_by = NULL WHERE id = ?",
                [iso(now), delivery_id],
            )
        return next(iter(self.db.query("SELECT * FROM outbox WHERE id = ?", [delivery_id])))

    def deliveries(
        self, *, status: str | Sequence[str] | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Outbox rows, newest first, optionally of some statuses (`regwatch alerts`)."""
        sql = "SELECT * FROM outbox"
        params: list[Any] = []
        if status:
            statuses = [status] if isinstance(status, str) else list(status)
            sql += f" WHERE status IN ({','.join('?' for _ in statuses)})"
            params.extend(statuses)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return list(self.db.query(sql, params))

    # -- digests and threads ---------------------------------------------------------------

    def hold_for_digest(self, digest_channels: Sequence[str]) -> None:
        """Change alerts of digest channels wait ('held') for their digest; a channel that is
        no longer a digest channel gets its held rows back as pending."""
        marks = ",".join("?" for _ in digest_channels) or "''"
        with atomic(self.db):
            self.db.execute(
                "UPDATE outbox SET status = 'held' WHERE status = 'pending' AND kind = 'change'"
                f" AND attempts = 0 AND channel IN ({marks})",
                list(digest_channels),
            )
            self.db.execute(  # rows the model judged not important keep waiting (check/summarize.py)
                "UPDATE outbox SET status = 'pending' WHERE status = 'held' AND batch_id IS NULL"
                f" AND triaged = 0 AND channel NOT IN ({marks})",
                list(digest_channels),
            )

    def oldest_held(self, channel: str) -> datetime | None:
        row = self.db.execute(
            "SELECT min(created_at) FROM outbox WHERE channel = ? AND status = 'held' AND batch_id IS NULL",
            [channel],
        ).fetchone()
        return parse_iso(row[0]) if row else None

    def create_digest(self, channel: str, due: datetime, now: datetime) -> int | None:
        """Gather a channel's held rows into one digest row (sent like any other row).

        One transaction: the digest row and the members' `batch_id`, so each held alert
        belongs to exactly one digest. Returns the digest row id (None if nothing held).
        """
        with atomic(self.db):
            members = [
                r[0]
                for r in self.db.execute(
                    "SELECT id FROM outbox WHERE channel = ? AND status = 'held' AND batch_id IS NULL"
                    " AND created_at <= ? ORDER BY id",
                    [channel, iso(now)],
                ).fetchall()
            ]
            if not members:
                return None
            cursor = self.db.execute(
                "INSERT INTO outbox (subject, kind, source_id, channel, status, next_attempt_at, created_at)"
                " VALUES (?, 'digest', '', ?, 'pending', ?, ?)",
                [f"digest:{iso(due)}:{members[0]}", channel, iso(now), iso(now)],
            )
            digest_id = int(cursor.lastrowid or 0)
            marks = ",".join("?" for _ in members)
            self.db.execute(
                f"UPDATE outbox SET status = 'batched', batch_id = ? WHERE id IN ({marks})",
                [digest_id, *members],
            )
        return digest_id

    def thread_ref(self, channel: str, source_id: str) -> str | None:
        """The ref of the message that starts `source_id`'s thread on `channel`, if any."""
        row = self.db.execute(
            "SELECT ref FROM alert_threads WHERE channel = ? AND source_id = ?", [channel, source_id]
        ).fetchone()
        return row[0] if row else None

    def _delivery(self, row: dict[str, Any]) -> Delivery:
        return Delivery(
            id=row["id"],
            channel=row["channel"],
            status=row["status"],
            attempts=row["attempts"],
            alert=self.alert_for(row),
            kind=row["kind"],
            claimed_at=parse_iso(row.get("claimed_at")),
            claimed_by=row.get("claimed_by") or "",
        )
