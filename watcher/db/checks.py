"""Recording checks: unchanged, pending, baseline, change and failure, each in one transaction.

The store decides nothing here: what a check means comes from watcher/check/decide.py,
health transitions from the `HealthRules` it is given (watcher/check/sourcehealth.py),
the channels from alerts/routing.py. It reads and writes typed values.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from watcher.db.batch import BatchWrites
from watcher.db.docdates import record_document_dates
from watcher.db.documents import DEFAULT_WINDOW
from watcher.db.savepoint import atomic
from watcher.db.values import (
    ContentUpdate,
    Failure,
    HealthRules,
    HealthState,
    _baseline_summary,
    iso,
    parse_iso,
)
from watcher.db.versions import VersionRows, _content_columns
from watcher.model import (
    Change,
    CheckStatus,
    FetchResult,
    HealthEvent,
    Outcome,
    Snapshot,
    Source,
)


class CheckRecords(VersionRows, BatchWrites):
    # -- recording checks ---------------------------------------------------------------

    def _health_state(self, source_id: str) -> HealthState:
        row = self.db.execute(
            "SELECT state, failures, failing_since FROM sources WHERE id = ?", [source_id]
        ).fetchone()
        if row is None:
            return HealthState()
        return HealthState(row[0] or "new", row[1] or 0, parse_iso(row[2]))

    def _ok(
        self,
        source: Source,
        now: datetime,
        fetched: FetchResult | None,
        health: HealthRules,
        content: ContentUpdate | None = None,
        warnings: Sequence[str] | None = None,
    ) -> None:
        """Mark a successful check and apply the health rules (a broken source recovers).

        `warnings` (from reading the content) replace the source's last warning; None (the
        content was not re-read: 304 or same bytes) keeps it.
        """
        transition = health.after_success(source.id, self._health_state(source.id))
        values: dict[str, Any] = {
            "state": transition.state.state,
            "failures": transition.state.failures,
            "failing_since": iso(transition.state.failing_since) if transition.state.failing_since else None,
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
        if content is not None:
            values.update(_content_columns(content))
        self._update_source(source.id, values)
        if transition.event is not None:
            self._health_event(source, now, transition.event, health.channels or ())

    def _record_read(
        self,
        source: Source,
        fetched: FetchResult,
        now: datetime,
        content: ContentUpdate,
        outcome: Outcome,
        *,
        fingerprint: str,
        health: HealthRules,
    ) -> Outcome:
        """The check row and the source row of a check that read the content (inside a transaction)."""
        self._check_row(
            source.id,
            now,
            outcome.status,
            fetched=fetched,
            duration=outcome.duration,
            snapshot=fingerprint,
            warnings=outcome.warnings,
        )
        self._ok(source, now, fetched, health, content, outcome.warnings)
        return outcome

    def record_unchanged(
        self,
        source: Source,
        fetched: FetchResult,
        now: datetime,
        *,
        duration: float,
        health: HealthRules,
        status: CheckStatus = "unchanged",
        content: ContentUpdate | None = None,
        warnings: Sequence[str] | None = None,
    ) -> Outcome:
        """Nothing changed. `content` is None when the content was not read (304, same bytes)."""
        if fetched.not_modified:
            status = "not_modified"
        with atomic(self.db):
            row = self.db.execute("SELECT latest FROM sources WHERE id = ?", [source.id]).fetchone()
            latest = row[0] if row is not None else None
            self._check_row(
                source.id, now, status, fetched=fetched, duration=duration, snapshot=latest, warnings=warnings
            )
            if latest:
                self.db.execute(
                    "UPDATE versions SET last_seen = ?"
                    " WHERE id = (SELECT max(id) FROM versions WHERE source_id = ?)",
                    [iso(now), source.id],
                )
            self._ok(source, now, fetched, health, content, warnings)
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
        health: HealthRules,
        warnings: Sequence[str] = (),
    ) -> Outcome:
        """A new version seen, but `confirm` wants it seen again before it counts."""
        fingerprint = snapshot.fingerprint
        # The body hash is forgotten so the next check re-reads the page to confirm.
        content = ContentUpdate(
            body_hash=None, config_hash=config_hash, pending=fingerprint, pending_count=count
        )
        summary = f"change seen {count}/{source.confirm} times, awaiting confirmation"
        outcome = Outcome(
            source.id, "pending", duration, fetched.status, summary=summary, warnings=tuple(warnings)
        )
        with atomic(self.db):
            return self._record_read(
                source, fetched, now, content, outcome, fingerprint=fingerprint, health=health
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
        health: HealthRules,
        warnings: Sequence[str] = (),
        summary: str | None = None,
    ) -> Outcome:
        """The first snapshot of a source (or the first under a new config): remember it, alert nobody."""
        with self.unit():  # its commit full-text indexes the items (watcher/db/ftspending.py)
            fingerprint = self._put_snapshot(snapshot, now)
            self._new_version(source.id, fingerprint, now)
            self._upsert_items(source.id, snapshot.items, now, change_id=None)
            record_document_dates(self.db, source, snapshot.items, now, change_id=None)
            content = ContentUpdate(body_hash=body_hash, config_hash=config_hash, latest=fingerprint)
            summary = summary or _baseline_summary(snapshot)
            outcome = Outcome(
                source.id, "baseline", duration, fetched.status, summary=summary, warnings=tuple(warnings)
            )
            return self._record_read(
                source, fetched, now, content, outcome, fingerprint=fingerprint, health=health
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
        health: HealthRules,
        warnings: Sequence[str] = (),
        hold: bool = False,
        fingerprint: str | None = None,
        dedupe_window: float = DEFAULT_WINDOW,
    ) -> Outcome:
        """Snapshot, change, items, version and one outbox row per channel: one transaction.

        `hold=True`: the change still needs enrichment (followed documents, related links),
        so its outbox rows wait in status 'enriching' until `finish_enrichment` releases them.
        `fingerprint` is `snapshot.fingerprint` when the caller has it already (it costs
        about 0.4 ms for a 50-item listing). A change adding only documents another source
        already alerted within `dedupe_window` seconds gets no outbox row on those channels
        (watcher/db/documents.py).
        """
        with self.unit():  # its commit fires the crash points before_commit / after_commit
            fingerprint = self._put_snapshot(snapshot, now, fingerprint, previous=change.before or None)
            # Held: its row is written 'pending' at once (no UPDATE of the row just inserted).
            enrichment = "pending" if hold else None
            change_id = self._insert_change(source.id, change, fingerprint, now, enrichment=enrichment)
            self._new_version(source.id, fingerprint, now)
            self._apply_items(source.id, change, change_id, now)
            dated = [*change.added, *(pair.after for pair in change.changed)]
            record_document_dates(self.db, source, dated, now, change_id=change_id)
            covered = self._record_documents(source.id, change, change_id, channels, now, dedupe_window)
            for channel in channels:
                if channel in covered:
                    continue  # another source's alert on this channel names this one
                self._enqueue(
                    f"change:{change_id}",
                    "change",
                    source.id,
                    channel,
                    now,
                    change_id=change_id,
                    status="enriching" if hold else "pending",
                )
            content = ContentUpdate(
                body_hash=body_hash, config_hash=config_hash, latest=fingerprint, changed_at=now
            )
            outcome = Outcome(
                source.id,
                "changed",
                duration,
                fetched.status,
                change_id=change_id,
                summary=change.summary,
                warnings=tuple(warnings),
            )
            self._record_read(source, fetched, now, content, outcome, fingerprint=fingerprint, health=health)
            self.change_written()
        return outcome

    def record_failure(
        self, source: Source, now: datetime, failure: Failure, *, health: HealthRules
    ) -> Outcome:
        """A failed check: recorded and counted; the health rules say when it breaks the source
        (and raise one "source broken" alert). Nothing already stored is touched."""
        with atomic(self.db):
            transition = health.after_failure(
                source.id,
                self._health_state(source.id),
                reason=failure.reason,
                error=failure.error,
                now=now,
                breaks_on=failure.breaks_on,
            )
            self._check_row(
                source.id,
                now,
                "failed",
                duration=failure.duration,
                reason=failure.reason,
                error=failure.error,
                http_status=failure.http_status,
            )
            since = transition.state.failing_since
            values: dict[str, Any] = {
                "state": transition.state.state,
                "failures": transition.state.failures,
                "failing_since": iso(since) if since else None,
                "last_reason": failure.reason,
                "last_error": failure.error[:2000],
                "last_check_at": iso(now),
            }
            if failure.retry_after:
                until = datetime.fromtimestamp(now.timestamp() + failure.retry_after, UTC)
                values["retry_after_until"] = iso(until)
            self._update_source(source.id, values)
            if transition.event is not None:
                self._health_event(source, now, transition.event, health.channels or ())
        return Outcome(
            source.id,
            "failed",
            failure.duration,
            failure.http_status,
            error=failure.error,
            reason=failure.reason,
        )

    def _health_event(
        self, source: Source, now: datetime, event: HealthEvent, channels: Sequence[str]
    ) -> None:
        cursor = self.db.execute(
            "INSERT INTO events (source_id, at, state, reason, failures) VALUES (?, ?, ?, ?, ?)",
            [source.id, iso(now), event.state, event.reason[:2000], event.failures],
        )
        event_id = int(cursor.lastrowid or 0)
        for channel in channels:
            self._enqueue(f"health:{event_id}", "health", source.id, channel, now, event_id=event_id)
