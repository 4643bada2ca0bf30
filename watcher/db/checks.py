"""Recording checks: unchanged, pending, baseline, change and failure, each in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from watcher.check import crashpoints
from watcher.db.assembly import AlertAssembly
from watcher.db.docdates import record_document_dates
from watcher.db.values import (
    HealthPolicy,
    _baseline_summary,
    _dumps,
    iso,
    parse_iso,
)
from watcher.model import (
    Change,
    CheckStatus,
    FetchResult,
    HealthEvent,
    Item,
    Outcome,
    Snapshot,
    Source,
)


class CheckRecords(AlertAssembly):
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
            record_document_dates(self.db, source, snapshot.items, now, change_id=None)
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
            dated = [*change.added, *(pair.after for pair in change.changed)]
            record_document_dates(self.db, source, dated, now, change_id=change_id)
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
