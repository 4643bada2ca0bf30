"""All reads and writes of the SQLite history, through sqlite-utils.

One file, WAL mode, created 0600. A change, its snapshot, its items and its outbox
rows are written in one transaction, so a crash leaves either all of them or none.
Row <-> dataclass conversion lives beside the query that needs it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from watcher import crashpoints
from watcher.errors import WatchError
from watcher.model import (
    Alert,
    Change,
    CheckStatus,
    FetchResult,
    HealthEvent,
    Item,
    ItemChange,
    Outcome,
    Receipt,
    RelatedLink,
    Snapshot,
    Source,
    SourceInfo,
)
from watcher.schema import migrations
from watcher.versiontext import introduced_text

#: An alert held for enrichment longer than this is sent without it (see watcher/enrich.py).
ENRICH_TIMEOUT = timedelta(minutes=30)


def iso(moment: datetime) -> str:
    """Aware UTC datetime -> sortable ISO-8601 text (what the database stores)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SourceState:
    """What the pipeline needs to know about a source before checking it."""

    latest: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    config_hash: str | None = None
    pending: str | None = None
    pending_count: int = 0
    state: str = "new"
    failures: int = 0
    last_check_at: datetime | None = None
    retry_after_until: datetime | None = None


@dataclass(frozen=True)
class Delivery:
    """One outbox row due for sending, with the alert it carries."""

    id: int
    channel: str
    status: str
    attempts: int
    alert: Alert
    kind: str = "change"
    claimed_at: datetime | None = None
    claimed_by: str = ""


@dataclass(frozen=True)
class StoredItem:
    """An item as stored, with its followed document (if any)."""

    id: int
    source_id: str
    key: str
    title: str
    link: str
    date: str | None
    summary: str
    text: str | None
    text_fetched_at: str | None
    text_error: str | None


@dataclass(frozen=True)
class HealthPolicy:
    after_failures: int = 3
    channels: tuple[str, ...] = ()


class Store:
    """The regwatch database. Pass a path; the schema is created or upgraded on open."""

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False) -> None:
        self.path = Path(path)
        if not readonly:
            _create_private(self.path)
            conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
        else:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30, check_same_thread=False)
        self.db = Database(conn, execute_plugins=False)
        self.db.execute("PRAGMA busy_timeout = 30000")
        if not readonly:
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            migrations.apply(self.db)

    def close(self) -> None:
        self.db.close()

    # -- sources ------------------------------------------------------------------------

    def sync_sources(self, sources: Sequence[Source], now: datetime) -> None:
        """Record configured sources (metadata only; state is kept); mark others inactive."""
        with self.db.atomic():
            ids = [s.id for s in sources]
            for source in sources:
                row = {
                    "id": source.id,
                    "name": source.name,
                    "url": source.url,
                    "kind": source.kind,
                    "role": source.role,
                    "tags": json.dumps(list(source.tags)),
                    "jurisdiction": source.jurisdiction,
                    "regulator": source.regulator,
                    "active": 1,
                }
                self.db.execute(
                    "INSERT INTO sources (id, name, url, kind, role, tags, jurisdiction, regulator,"
                    " active, created_at) VALUES (:id, :name, :url, :kind, :role, :tags,"
                    " :jurisdiction, :regulator, 1, :now) ON CONFLICT(id) DO UPDATE SET"
                    " name=excluded.name, url=excluded.url, kind=excluded.kind, role=excluded.role,"
                    " tags=excluded.tags, jurisdiction=excluded.jurisdiction,"
                    " regulator=excluded.regulator, active=1",
                    {**row, "now": iso(now)},
                )
            placeholders = ",".join("?" for _ in ids) or "''"
            self.db.execute(f"UPDATE sources SET active = 0 WHERE id NOT IN ({placeholders})", ids)

    def state(self, source_id: str) -> SourceState:
        rows = list(self.db.query("SELECT * FROM sources WHERE id = ?", [source_id]))
        if not rows:
            return SourceState()
        row = rows[0]
        return SourceState(
            latest=row["latest"],
            etag=row["etag"],
            last_modified=row["last_modified"],
            body_hash=row["body_hash"],
            config_hash=row["config_hash"],
            pending=row["pending"],
            pending_count=row["pending_count"],
            state=row["state"],
            failures=row["failures"],
            last_check_at=parse_iso(row["last_check_at"]),
            retry_after_until=parse_iso(row["retry_after_until"]),
        )

    def last_checks(self) -> dict[str, datetime]:
        """Each source's last check time (the service resumes its cadence from these)."""
        return {
            row["id"]: parse_iso(row["last_check_at"])  # type: ignore[misc]
            for row in self.db.query("SELECT id, last_check_at FROM sources WHERE last_check_at IS NOT NULL")
        }

    def source_rows(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM sources ORDER BY id"))

    def set_next_run(self, source_id: str, at: datetime | None) -> None:
        """The service's next scheduled check of a source (shown by `regwatch status`)."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE sources SET next_run_at = ? WHERE id = ?", [iso(at) if at else None, source_id]
            )

    def outbox_summary(self, now: datetime, *, recent: float = 86400.0) -> dict[str, Any]:
        """Alerts waiting (and since when) and alerts that failed for good recently."""
        waiting = self.db.execute(
            "SELECT count(*), min(created_at) FROM outbox WHERE status IN ('pending', 'sending')"
        ).fetchone()
        since = iso(datetime.fromtimestamp(now.timestamp() - recent, UTC))
        failed = self.db.execute(
            "SELECT count(*) FROM outbox WHERE status = 'failed' AND created_at >= ?", [since]
        ).fetchone()[0]
        return {"pending": waiting[0], "oldest_pending_at": parse_iso(waiting[1]), "failed_recently": failed}

    # -- snapshots ----------------------------------------------------------------------

    def snapshot(self, fingerprint: str | None) -> Snapshot | None:
        if not fingerprint:
            return None
        rows = list(self.db.query("SELECT data FROM snapshots WHERE hash = ?", [fingerprint]))
        if not rows:
            return None
        snapshot = Snapshot.from_dict(json.loads(zlib.decompress(rows[0]["data"])))
        # Stored under its fingerprint: seed the cache instead of hashing it again.
        snapshot.__dict__["fingerprint"] = fingerprint
        return snapshot

    def latest_snapshot(self, source_id: str) -> Snapshot | None:
        return self.snapshot(self.state(source_id).latest)

    def _put_snapshot(
        self, snapshot: Snapshot, now: datetime, fingerprint: str | None = None, previous: str | None = None
    ) -> str:
        """Store a snapshot once (content-addressed); a new one also gets its searchable text,
        the lines it introduced since `previous` (the fingerprint of the version before)."""
        fingerprint = fingerprint or snapshot.fingerprint
        payload = json.dumps(snapshot.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO snapshots (hash, created_at, size, data) VALUES (?, ?, ?, ?)",
            [fingerprint, iso(now), len(payload), zlib.compress(payload, 6)],
        )
        if cursor.rowcount == 1:
            before = self.snapshot(previous) if previous else None
            self.db.execute(
                "INSERT OR IGNORE INTO version_text (snapshot, text) VALUES (?, ?)",
                [fingerprint, introduced_text(snapshot.text, before.text if before else None)],
            )
        return fingerprint

    # -- recording checks ---------------------------------------------------------------

    def _check_row(
        self,
        source_id: str,
        now: datetime,
        status: CheckStatus,
        *,
        fetched: FetchResult | None = None,
        duration: float = 0.0,
        snapshot: str | None = None,
        reason: str | None = None,
        error: str | None = None,
        http_status: int | None = None,
        warnings: Sequence[str] | None = None,
    ) -> None:
        self.db.execute(
            "INSERT INTO checks (source_id, at, status, http_status, duration_ms, reason, error, snapshot,"
            " warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source_id,
                iso(now),
                status,
                http_status if http_status is not None else (fetched.status if fetched else None),
                round(duration * 1000),
                reason,
                error,
                snapshot,
                "\n".join(warnings)[:4000] if warnings else None,
            ],
        )

    def _ok(
        self,
        source: Source,
        now: datetime,
        fetched: FetchResult | None,
        health: HealthPolicy,
        extra: dict[str, Any] | None = None,
        warnings: Sequence[str] | None = None,
        state: str | None = None,
    ) -> None:
        """Mark a successful check; a source that was broken recovers (and says so once).

        `warnings` (from reading the content) replace the source's last warning; None (the
        content was not re-read: 304 or same bytes) keeps it. `state` is the source's state
        when the caller has just read it in this transaction.
        """
        if state is None:
            row = self.db.execute("SELECT state FROM sources WHERE id = ?", [source.id]).fetchone()
            state = row[0] if row is not None else None
        was_broken = state == "broken"
        values: dict[str, Any] = {
            "state": "ok",
            "failures": 0,
            "failing_since": None,
            "last_reason": None,
            "last_error": None,
            "last_check_at": iso(now),
            "last_ok_at": iso(now),
            "retry_after_until": None,
        }
        if fetched is not None and not fetched.not_modified:
            values["etag"] = fetched.etag
            values["last_modified"] = fetched.last_modified
        if warnings is not None:
            values["last_warning"] = "; ".join(warnings)[:2000] if warnings else None
        values.update(extra or {})
        self._update_source(source.id, values)
        if was_broken:
            self._health_event(
                source, now, HealthEvent(source.id, "recovered", "the source works again"), health
            )

    def _update_source(self, source_id: str, values: dict[str, Any]) -> None:
        sets = ", ".join(f"{k} = :{k}" for k in values)
        self.db.execute(f"UPDATE sources SET {sets} WHERE id = :_id", {**values, "_id": source_id})

    def record_unchanged(
        self,
        source: Source,
        fetched: FetchResult,
        now: datetime,
        *,
        duration: float,
        health: HealthPolicy,
        status: CheckStatus = "unchanged",
        extra: dict[str, Any] | None = None,
        warnings: Sequence[str] | None = None,
    ) -> Outcome:
        if fetched.not_modified:
            status = "not_modified"
        with self.db.atomic():
            row = self.db.execute("SELECT latest, state FROM sources WHERE id = ?", [source.id]).fetchone()
            latest, state = row if row is not None else (None, None)
            self._check_row(
                source.id, now, status, fetched=fetched, duration=duration, snapshot=latest, warnings=warnings
            )
            if latest:
                self.db.execute(
                    "UPDATE versions SET last_seen = ?"
                    " WHERE id = (SELECT max(id) FROM versions WHERE source_id = ?)",
                    [iso(now), source.id],
                )
            self._ok(source, now, fetched, health, extra, warnings, state=state)
        return Outcome(source.id, status, duration, fetched.status, warnings=tuple(warnings or ()))

    def record_pending(
        self,
        source: Source,
        fetched: FetchResult,
        snapshot: Snapshot,
        count: int,
        now: datetime,
        *,
        duration: float,
        config_hash: str,
        health: HealthPolicy,
        warnings: Sequence[str] = (),
    ) -> Outcome:
        """A new version seen, but `confirm` wants it seen again before it counts."""
        fingerprint = snapshot.fingerprint
        with self.db.atomic():
            self._check_row(
                source.id,
                now,
                "pending",
                fetched=fetched,
                duration=duration,
                snapshot=fingerprint,
                warnings=warnings,
            )
            self._ok(
                source,
                now,
                fetched,
                health,
                {
                    "pending": fingerprint,
                    "pending_count": count,
                    # Forget the body hash so the next check re-reads the page to confirm.
                    "body_hash": None,
                    "config_hash": config_hash,
                },
                warnings,
            )
        return Outcome(
            source.id,
            "pending",
            duration,
            fetched.status,
            summary=f"change seen {count}/{source.confirm} times, awaiting confirmation",
            warnings=tuple(warnings),
        )

    def save_baseline(
        self,
        source: Source,
        fetched: FetchResult,
        snapshot: Snapshot,
        now: datetime,
        *,
        duration: float,
        body_hash: str,
        config_hash: str,
        health: HealthPolicy,
        warnings: Sequence[str] = (),
    ) -> Outcome:
        """The first snapshot of a source: remember it, alert nobody."""
        with self.db.atomic():
            fingerprint = self._put_snapshot(snapshot, now)
            self._new_version(source.id, fingerprint, now)
            for item in snapshot.items:
                self._upsert_item(source.id, item, now, change_id=None)
            self._check_row(
                source.id,
                now,
                "baseline",
                fetched=fetched,
                duration=duration,
                snapshot=fingerprint,
                warnings=warnings,
            )
            self._ok(
                source,
                now,
                fetched,
                health,
                {
                    "latest": fingerprint,
                    "body_hash": body_hash,
                    "config_hash": config_hash,
                    "pending": None,
                    "pending_count": 0,
                },
                warnings,
            )
        return Outcome(
            source.id,
            "baseline",
            duration,
            fetched.status,
            summary=_baseline_summary(snapshot),
            warnings=tuple(warnings),
        )

    def save_change(
        self,
        source: Source,
        fetched: FetchResult,
        snapshot: Snapshot,
        change: Change,
        channels: Sequence[str],
        now: datetime,
        *,
        duration: float,
        body_hash: str,
        config_hash: str,
        health: HealthPolicy,
        warnings: Sequence[str] = (),
        hold: bool = False,
        fingerprint: str | None = None,
    ) -> Outcome:
        """Snapshot, change, items, version and one outbox row per channel: one transaction.

        `hold=True`: the change still needs enrichment (followed documents, related links),
        so its outbox rows wait in status 'enriching' until `finish_enrichment` releases them.
        `fingerprint` is `snapshot.fingerprint` when the caller has it already (it costs
        about 0.4 ms for a 50-item listing).
        """
        with self.db.atomic():
            fingerprint = self._put_snapshot(snapshot, now, fingerprint, previous=change.before or None)
            cursor = self.db.execute(
                "INSERT INTO changes (source_id, detected_at, before, after, summary, n_added,"
                " n_removed, n_changed, n_diff, added, removed, changed, diff)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    source.id,
                    iso(now),
                    change.before or None,
                    fingerprint,
                    change.summary,
                    len(change.added),
                    len(change.removed),
                    len(change.changed),
                    sum(1 for line in change.diff if line[:1] in "+-"),
                    _dumps([i.to_dict() for i in change.added]),
                    _dumps([i.to_dict() for i in change.removed]),
                    _dumps(
                        [{"before": c.before.to_dict(), "after": c.after.to_dict()} for c in change.changed]
                    ),
                    "\n".join(change.diff),
                ],
            )
            change_id = int(cursor.lastrowid or 0)
            self._new_version(source.id, fingerprint, now)
            for item in change.added:
                self._upsert_item(source.id, item, now, change_id=change_id)
            for pair in change.changed:
                self._upsert_item(source.id, pair.after, now, change_id=None)
            for item in change.removed:
                self.db.execute(
                    "UPDATE items SET removed_at = ? WHERE source_id = ? AND key = ?",
                    [iso(now), source.id, item.key],
                )
            self.db.execute(
                "UPDATE items SET last_seen = ? WHERE source_id = ? AND removed_at IS NULL",
                [iso(now), source.id],
            )
            if hold:
                self.db.execute("UPDATE changes SET enrichment = 'pending' WHERE id = ?", [change_id])
            for channel in channels:
                self._enqueue(
                    f"change:{change_id}",
                    "change",
                    source.id,
                    channel,
                    now,
                    change_id=change_id,
                    status="enriching" if hold else "pending",
                )
            self._check_row(
                source.id,
                now,
                "changed",
                fetched=fetched,
                duration=duration,
                snapshot=fingerprint,
                warnings=warnings,
            )
            self._ok(
                source,
                now,
                fetched,
                health,
                {
                    "latest": fingerprint,
                    "body_hash": body_hash,
                    "config_hash": config_hash,
                    "pending": None,
                    "pending_count": 0,
                    "last_change_at": iso(now),
                },
                warnings,
            )
            crashpoints.reached("before_commit")
        crashpoints.reached("after_commit")
        return Outcome(
            source.id,
            "changed",
            duration,
            fetched.status,
            change_id=change_id,
            summary=change.summary,
            warnings=tuple(warnings),
        )

    def record_failure(
        self,
        source: Source,
        now: datetime,
        *,
        reason: str,
        error: str,
        duration: float,
        http_status: int | None,
        health: HealthPolicy,
        retry_after: float | None = None,
    ) -> Outcome:
        """A failed check: recorded, counted, and after N in a row (or a broken selector) one
        "source broken" alert. Nothing already stored is touched."""
        with self.db.atomic():
            row = self.db.execute(
                "SELECT state, failures, failing_since FROM sources WHERE id = ?", [source.id]
            ).fetchone()
            state, failures, since = row if row else ("new", 0, None)
            failures += 1
            since = since or iso(now)
            self._check_row(
                source.id,
                now,
                "failed",
                duration=duration,
                reason=reason,
                error=error,
                http_status=http_status,
            )
            broken = failures >= health.after_failures or reason in ("selector", "bot_wall_persistent")
            new_state = "broken" if (broken or state == "broken") else "failing"
            values: dict[str, Any] = {
                "state": new_state,
                "failures": failures,
                "failing_since": since,
                "last_reason": reason,
                "last_error": error[:2000],
                "last_check_at": iso(now),
            }
            if retry_after:
                values["retry_after_until"] = iso(datetime.fromtimestamp(now.timestamp() + retry_after, UTC))
            self._update_source(source.id, values)
            if new_state == "broken" and state != "broken":
                event = HealthEvent(source.id, "broken", f"{reason}: {error}", failures, parse_iso(since))
                self._health_event(source, now, event, health)
        return Outcome(source.id, "failed", duration, http_status, error=error, reason=reason)

    def _health_event(self, source: Source, now: datetime, event: HealthEvent, health: HealthPolicy) -> None:
        cursor = self.db.execute(
            "INSERT INTO events (source_id, at, state, reason, failures) VALUES (?, ?, ?, ?, ?)",
            [source.id, iso(now), event.state, event.reason[:2000], event.failures],
        )
        event_id = int(cursor.lastrowid or 0)
        for channel in health.channels:
            self._enqueue(f"health:{event_id}", "health", source.id, channel, now, event_id=event_id)

    def _new_version(self, source_id: str, fingerprint: str, now: datetime) -> None:
        self.db.execute(
            "INSERT INTO versions (source_id, snapshot, first_seen, last_seen) VALUES (?, ?, ?, ?)",
            [source_id, fingerprint, iso(now), iso(now)],
        )

    def _upsert_item(self, source_id: str, item: Item, now: datetime, *, change_id: int | None) -> None:
        self.db.execute(
            "INSERT INTO items (source_id, key, title, link, date, summary, fields, first_seen,"
            " last_seen, change_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(source_id, key) DO UPDATE SET title = excluded.title, link = excluded.link,"
            " date = excluded.date, summary = excluded.summary, fields = excluded.fields,"
            " last_seen = excluded.last_seen, removed_at = NULL,"
            " change_id = coalesce(excluded.change_id, items.change_id)",
            [
                source_id,
                item.key,
                item.title,
                item.link,
                item.date,
                item.summary,
                _dumps(dict(item.fields)) if item.fields else None,
                iso(now),
                iso(now),
                change_id,
            ],
        )

    # -- outbox ---------------------------------------------------------------------------

    def _enqueue(
        self,
        subject: str,
        kind: str,
        source_id: str,
        channel: str,
        now: datetime,
        *,
        change_id: int | None = None,
        event_id: int | None = None,
        status: str = "pending",
    ) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO outbox (subject, kind, change_id, event_id, source_id, channel,"
            " status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [subject, kind, change_id, event_id, source_id, channel, status, iso(now), iso(now)],
        )

    def due_deliveries(
        self, now: datetime, *, limit: int = 500, channels: Sequence[str] | None = None
    ) -> list[Delivery]:
        """Rows to send now, oldest first. 'sending' rows are in doubt (a crash mid-send).

        'enriching' rows wait for their change's enrichment; one still waiting after
        ENRICH_TIMEOUT (its process died and nobody recovered it) goes out as it is.
        """
        sql = (
            "SELECT * FROM outbox WHERE (status IN ('pending', 'sending') AND next_attempt_at <= ?"
            " OR status = 'enriching' AND created_at <= ?)"
        )
        params: list[Any] = [iso(now), iso(now - ENRICH_TIMEOUT)]
        if channels is not None:
            marks = ",".join("?" for _ in channels) or "''"
            sql += f" AND channel IN ({marks})"
            params.extend(channels)
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
        with self.db.atomic():
            cursor = self.db.execute(sql, params)
        crashpoints.reached("after_claim")
        return cursor.rowcount == 1

    def ack_delivery(
        self, delivery_id: int, receipt: Receipt, now: datetime, *, thread: tuple[str, str] | None = None
    ) -> None:
        """Record the channel's receipt; a digest's members are sent with it. `thread` =
        (channel, source id) remembers this message as that source's thread on that channel."""
        crashpoints.reached("after_send")
        with self.db.atomic():
            self.db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, ref = ?, permalink = ?, last_error = NULL"
                " WHERE id = ? OR batch_id = ?",
                [iso(now), receipt.ref, receipt.permalink, delivery_id, delivery_id],
            )
            if thread is not None and receipt.ref:
                self.db.execute(
                    "INSERT OR IGNORE INTO alert_threads (channel, source_id, ref, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    [thread[0], thread[1], receipt.ref, iso(now)],
                )

    def retry_delivery(self, delivery_id: int, error: str, at: datetime, *, in_doubt: bool = False) -> None:
        """Try again at `at`. An `in_doubt` row (the far end may have it) stays 'sending', so
        the next attempt reconciles before it sends."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE outbox SET status = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                ["sending" if in_doubt else "pending", iso(at), error[:2000], delivery_id],
            )

    def fail_delivery(self, delivery_id: int, error: str, now: datetime) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE outbox SET status = 'failed', last_error = ?, sent_at = NULL WHERE id = ?",
                [error[:2000], delivery_id],
            )

    def requeue_delivery(self, delivery_id: int, now: datetime) -> dict[str, Any]:
        """`regwatch alerts retry`: send a failed row again (now). Returns the row as it was."""
        with self.db.atomic():
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
        with self.db.atomic():
            self.db.execute(
                "UPDATE outbox SET status = 'held' WHERE status = 'pending' AND kind = 'change'"
                f" AND attempts = 0 AND channel IN ({marks})",
                list(digest_channels),
            )
            self.db.execute(
                "UPDATE outbox SET status = 'pending' WHERE status = 'held' AND batch_id IS NULL"
                f" AND channel NOT IN ({marks})",
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
        with self.db.atomic():
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

    def alert_for(self, row: dict[str, Any]) -> Alert:
        """Build the alert an outbox row carries, from the stored change or health event."""
        source = self.source_info(row["source_id"])
        key = f"regwatch:{row['subject']}:{row['channel']}"
        if row["kind"] == "digest":
            members = self.db.query("SELECT * FROM outbox WHERE batch_id = ? ORDER BY id", [row["id"]])
            return Alert(
                key=key,
                channel=row["channel"],
                source=SourceInfo(id="", name="regwatch digest", url=""),
                batch=tuple(self.alert_for(member) for member in members),
            )
        if row["kind"] == "health":
            event = self.db.execute(
                "SELECT state, reason, failures, at FROM events WHERE id = ?", [row["event_id"]]
            ).fetchone()
            health = HealthEvent(row["source_id"], event[0], event[1], event[2], parse_iso(event[3]))
            return Alert(key=key, channel=row["channel"], source=source, health=health)
        change = self.change(row["change_id"])
        assert change is not None
        return Alert(
            key=key,
            channel=row["channel"],
            source=source,
            change=change,
            related=self.related_for(change),
            documents=self.documents_for(change),
        )

    def related_for(self, change: Change) -> dict[str, tuple[RelatedLink, ...]]:
        """Related articles per item key ('' for the page edit), best first. Filled by linking."""
        if "related" not in self.db.table_names():
            return {}
        links: dict[str, list[RelatedLink]] = {}
        for row in self.db.query(
            "SELECT r.*, s.name AS source_name FROM related r LEFT JOIN sources s ON s.id = r.source_id"
            " WHERE r.change_id = ? AND r.shown = 1 ORDER BY r.item_key, r.score DESC",
            [change.id],
        ):
            links.setdefault(row["item_key"], []).append(
                RelatedLink(
                    item_key=row["item_key"],
                    title=row["title"],
                    link=row["link"],
                    source_id=row["source_id"],
                    source_name=row["source_name"] or "",
                    date=row["date"],
                    score=row["score"],
                    terms=tuple(json.loads(row["terms"] or "[]")),
                )
            )
        return {k: tuple(v) for k, v in links.items()}

    def documents_for(self, change: Change) -> dict[str, str]:
        """First lines of followed documents of the change's new items."""
        if not change.added:
            return {}
        docs: dict[str, str] = {}
        for row in self.db.query(
            "SELECT key, text FROM items WHERE change_id = ? AND text IS NOT NULL AND text != ''",
            [change.id],
        ):
            docs[row["key"]] = row["text"][:600]
        return docs

    # -- enrichment: followed documents and related links (watcher/enrich.py) ------------

    def change_items(self, change_id: int) -> list[StoredItem]:
        """The items a change added (first reported by it), in insertion order."""
        return [
            StoredItem(**row)
            for row in self.db.query(
                "SELECT id, source_id, key, title, link, date, summary, text, text_fetched_at, text_error"
                " FROM items WHERE change_id = ? ORDER BY id",
                [change_id],
            )
        ]

    def set_item_text(self, item_id: int, text: str, now: datetime) -> None:
        """Store a followed document's main text (indexed by items_fts through its triggers)."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE items SET text = ?, text_fetched_at = ?, text_error = NULL WHERE id = ?",
                [text, iso(now), item_id],
            )

    def set_item_error(self, item_id: int, error: str, now: datetime) -> None:
        """Following an item's link failed: say why on the item (its text stays as it was)."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE items SET text_fetched_at = ?, text_error = ? WHERE id = ?",
                [iso(now), error[:1000], item_id],
            )

    def replace_related(self, change_id: int, rows: Sequence[Mapping[str, Any]], now: datetime) -> None:
        """Replace all related links of a change at once (re-linking is idempotent)."""
        with self.db.atomic():
            self.db.execute("DELETE FROM related WHERE change_id = ?", [change_id])
            for row in rows:
                self.db.execute(
                    "INSERT OR REPLACE INTO related (change_id, item_key, related_item_id, source_id,"
                    " title, link, date, score, terms, rank, shown, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        change_id,
                        row["item_key"],
                        row["related_item_id"],
                        row["source_id"],
                        row["title"],
                        row["link"],
                        row["date"],
                        row["score"],
                        _dumps(list(row["terms"])),
                        row["rank"],
                        1 if row["shown"] else 0,
                        iso(now),
                    ],
                )

    def related_rows(self, change_id: int) -> list[dict[str, Any]]:
        """Every stored link of a change (shown or not), per document, best first."""
        return list(
            self.db.query(
                "SELECT r.*, s.name AS source_name FROM related r LEFT JOIN sources s"
                " ON s.id = r.source_id WHERE r.change_id = ? ORDER BY r.item_key, r.rank",
                [change_id],
            )
        )

    def finish_enrichment(self, change_id: int, now: datetime, *, state: str = "done") -> int:
        """Mark a change's enrichment finished and release its held alerts; returns rows released."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE changes SET enrichment = ? WHERE id = ? AND enrichment = 'pending'",
                [state, change_id],
            )
            cursor = self.db.execute(
                "UPDATE outbox SET status = 'pending', next_attempt_at = ?"
                " WHERE change_id = ? AND status = 'enriching'",
                [iso(now), change_id],
            )
        return cursor.rowcount

    def unfinished_enrichments(self, before: datetime) -> list[tuple[int, str, datetime]]:
        """Changes detected before `before` whose enrichment never finished (a crash)."""
        return [
            (row[0], row[1], parse_iso(row[2]) or before)
            for row in self.db.execute(
                "SELECT id, source_id, detected_at FROM changes WHERE enrichment = 'pending'"
                " AND detected_at < ? ORDER BY id",
                [iso(before)],
            ).fetchall()
        ]

    # -- reading history ----------------------------------------------------------------

    def source_info(self, source_id: str) -> SourceInfo:
        row = self.db.execute(
            "SELECT id, name, url, kind, tags, jurisdiction, regulator FROM sources WHERE id = ?",
            [source_id],
        ).fetchone()
        if row is None:
            return SourceInfo(id=source_id, name=source_id, url="")
        return SourceInfo(
            id=row[0],
            name=row[1] or row[0],
            url=row[2],
            kind=row[3],
            tags=tuple(json.loads(row[4])),
            jurisdiction=row[5],
            regulator=row[6],
        )

    def change(self, change_id: int | None) -> Change | None:
        rows = list(self.db.query("SELECT * FROM changes WHERE id = ?", [change_id]))
        return change_from_row(rows[0]) if rows else None

    def changes(
        self, *, source_ids: Sequence[str] = (), since: datetime | None = None, limit: int | None = None
    ) -> Iterator[Change]:
        """Changes, newest first, streamed."""
        sql = "SELECT * FROM changes WHERE 1=1"
        params: list[Any] = []
        if source_ids:
            sql += f" AND source_id IN ({','.join('?' for _ in source_ids)})"
            params.extend(source_ids)
        if since:
            sql += " AND detected_at >= ?"
            params.append(iso(since))
        sql += " ORDER BY detected_at DESC, id DESC"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        for row in self.db.query(sql, params):
            yield change_from_row(row)


def change_from_row(row: dict[str, Any]) -> Change:
    return Change(
        id=row["id"],
        source_id=row["source_id"],
        before=row["before"] or "",
        after=row["after"],
        added=tuple(Item.from_dict(i) for i in json.loads(row["added"])),
        removed=tuple(Item.from_dict(i) for i in json.loads(row["removed"])),
        changed=tuple(
            ItemChange(Item.from_dict(c["before"]), Item.from_dict(c["after"]))
            for c in json.loads(row["changed"])
        ),
        diff=tuple(row["diff"].split("\n")) if row["diff"] else (),
        summary=row["summary"],
        detected_at=parse_iso(row["detected_at"]),
    )


def _baseline_summary(snapshot: Snapshot) -> str:
    if snapshot.items:
        return f"baseline: {len(snapshot.items)} item(s)"
    return f"baseline: {len(snapshot.blocks)} text block(s)"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _create_private(path: Path) -> None:
    """Create the database file with mode 0600 before SQLite opens it (it holds history)."""
    if path.exists() or str(path) == ":memory:":
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)
