"""Re-baselining a source: a new reference version stored without a change or an alert.

Used when a source's extraction settings changed (a config edit is not a change of
content: the check row says "configuration changed"), and when a new version differs
from the stored one only cosmetically (keys that moved http -> https), so later diffs
start from what the site shows now.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from watcher.db.checks import CheckRecords
from watcher.db.values import ContentUpdate, HealthRules, iso
from watcher.model import CheckStatus, FetchResult, Outcome, Snapshot, Source


class Rebaselines(CheckRecords):
    def save_rebaseline(
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
        reason: str | None = None,
        status: CheckStatus = "baseline",
        renamed: Sequence[tuple[str, str]] = (),
        fingerprint: str | None = None,
    ) -> Outcome:
        """Store `snapshot` as the source's reference, with its items; no change, no alert."""
        with self.unit():  # its commit full-text indexes the items (watcher/db/ftspending.py)
            fingerprint = self._put_snapshot(snapshot, now, fingerprint)
            self._new_version(source.id, fingerprint, now)
            self._rekey_items(source.id, renamed)
            self._upsert_items(source.id, snapshot.items, now, change_id=None)
            listed = {item.key for item in snapshot.items}
            for (key,) in self.db.execute(
                "SELECT key FROM items WHERE source_id = ? AND removed_at IS NULL", [source.id]
            ).fetchall():
                if key not in listed:
                    self.db.execute(
                        "UPDATE items SET removed_at = ? WHERE source_id = ? AND key = ?",
                        [iso(now), source.id, key],
                    )
            self._check_row(
                source.id,
                now,
                status,
                fetched=fetched,
                duration=duration,
                snapshot=fingerprint,
                reason=reason,
                warnings=warnings,
            )
            content = ContentUpdate(body_hash=body_hash, config_hash=config_hash, latest=fingerprint)
            self._ok(source, now, fetched, health, content, warnings)
        summary = f"{reason}: new baseline" if reason else ""
        return Outcome(source.id, status, duration, fetched.status, summary=summary, warnings=tuple(warnings))
