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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

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

    # -- snapshots ----------------------------------------------------------------------

    def snapshot(self, fingerprint: str | None) -> Snapshot | None:
        if not fingerprint:
            return None
        rows = list(self.db.query("SELECT data FROM snapshots WHERE hash = ?", [fingerprint]))
        if not rows:
            return None
        return Snapshot.from_dict(json.loads(zlib.decompress(rows[0]["data"])))

    def latest_snapshot(self, source_id: str) -> Snapshot | None:
        return self.snapshot(self.state(source_id).latest)

    def _put_snapshot(self, snapshot: Snapshot, now: datetime, previous: str | None = None) -> str:
        """Store a snapshot once (content-addressed); a new one also gets its searchable text,
        the lines it introduced since `previous` (the fingerprint of the version before)."""
        fingerprint = snapshot.fingerprint
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
    ) -> None:
        self.db.execute(
            "INSERT INTO checks (source_id, at, status, http_status, duration_ms, reason, error, snapshot)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source_id,
                iso(now),
                status,
                http_status if http_status is not None else (fetched.status if fetched else None),
                round(duration * 1000),
                reason,
                error,
                snapshot,
            ],
        )

    def _ok(
        self,
        source: Source,
        now: datetime,
        fetched: FetchResult | None,
        health: HealthPolicy,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Mark a successful check; a source that was broken recovers (and says so once)."""
        row = self.db.execute("SELECT state, failures FROM sources WHERE id = ?", [source.id]).fetchone()
        was_broken = row is not None and row[0] == "broken"
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
    ) -> Outcome:
        if fetched.not_modified:
            status = "not_modified"
        with self.db.atomic():
            latest = self.state(source.id).latest
            self._check_row(source.id, now, status, fetched=fetched, duration=duration, snapshot=latest)
            if latest:
                self.db.execute(
                    "UPDATE versions SET last_seen = ?"
                    " WHERE id = (SELECT max(id) FROM versions WHERE source_id = ?)",
                    [iso(now), source.id],
                )
            self._ok(source, now, fetched, health, extra)
        return Outcome(source.id, status, duration, fetched.status)

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
    ) -> Outcome:
        """A new version seen, but `confirm` wants it seen again before it counts."""
        with self.db.atomic():
            self._check_row(
                source.id, now, "pending", fetched=fetched, duration=duration, snapshot=snapshot.fingerprint
            )
            self._ok(
                source,
                now,
                fetched,
                health,
                {
                    "pending": snapshot.fingerprint,
                    "pending_count": count,
                    # Forget the body hash so the next check re-reads the page to confirm.
                    "body_hash": None,
                    "config_hash": config_hash,
                },
            )
        return Outcome(
            source.id,
            "pending",
            duration,
            fetched.status,
            summary=f"change seen {count}/{source.confirm} times, awaiting confirmation",
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
    ) -> Outcome:
        """The first snapshot of a source: remember it, alert nobody."""
        with self.db.atomic():
            fingerprint = self._put_snapshot(snapshot, now)
            self._new_version(source.id, fingerprint, now)
            for item in snapshot.items:
                self._upsert_item(source.id, item, now, change_id=None)
            self._check_row(
                source.id, now, "baseline", fetched=fetched, duration=duration, snapshot=fingerprint
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
            )
        return Outcome(source.id, "baseline", duration, fetched.status, summary=_baseline_summary(snapshot))

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
    ) -> Outcome:
        """Snapshot, change, items, version and one outbox row per channel: one transaction."""
        with self.db.atomic():
            fingerprint = self._put_snapshot(snapshot, now, previous=change.before or None)
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
            for channel in channels:
                self._enqueue(f"change:{change_id}", "change", source.id, channel, now, change_id=change_id)
            self._check_row(
                source.id, now, "changed", fetched=fetched, duration=duration, snapshot=fingerprint
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
            )
        return Outcome(
            source.id, "changed", duration, fetched.status, change_id=change_id, summary=change.summary
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
        """Rows to send now, oldest first. 'sending' rows are in doubt (a crash mid-send)."""
        sql = "SELECT * FROM outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= ?"
        params: list[Any] = [iso(now)]
        if channels is not None:
            marks = ",".join("?" for _ in channels) or "''"
            sql += f" AND channel IN ({marks})"
            params.extend(channels)
        sql += " ORDER BY id LIMIT ?"
        params.append(limit)
        return [self._delivery(row) for row in self.db.query(sql, params)]

    def blocked_channels(self, now: datetime) -> set[str]:
        """Channels with an older row waiting to be retried: newer rows wait, to keep order."""
        return {
            row["channel"]
            for row in self.db.query(
                "SELECT DISTINCT channel FROM outbox WHERE status IN ('pending', 'sending')"
                " AND next_attempt_at > ?",
                [iso(now)],
            )
        }

    def claim_delivery(self, delivery_id: int, now: datetime) -> None:
        """Mark a row 'sending' (committed) before the send, so a crash leaves it in doubt."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ?",
                [delivery_id],
            )

    def ack_delivery(self, delivery_id: int, receipt: Receipt, now: datetime) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, ref = ?, permalink = ?, last_error = NULL"
                " WHERE id = ?",
                [iso(now), receipt.ref, receipt.permalink, delivery_id],
            )

    def retry_delivery(self, delivery_id: int, error: str, at: datetime) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = ? WHERE id = ?",
                [iso(at), error[:2000], delivery_id],
            )

    def fail_delivery(self, delivery_id: int, error: str, now: datetime) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE outbox SET status = 'failed', last_error = ?, sent_at = NULL WHERE id = ?",
                [error[:2000], delivery_id],
            )

    def deliveries(self, *, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        sql = "SELECT * FROM outbox"
        params: list[Any] = []
        if status:
            sql += " WHERE status = ?"
            params.append(status)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return list(self.db.query(sql, params))

    def _delivery(self, row: dict[str, Any]) -> Delivery:
        return Delivery(
            id=row["id"],
            channel=row["channel"],
            status=row["status"],
            attempts=row["attempts"],
            alert=self.alert_for(row),
        )

    def alert_for(self, row: dict[str, Any]) -> Alert:
        """Build the alert an outbox row carries, from the stored change or health event."""
        source = self.source_info(row["source_id"])
        key = f"regwatch:{row['subject']}:{row['channel']}"
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
