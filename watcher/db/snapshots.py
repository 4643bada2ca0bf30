"""Content-addressed snapshots: stored once, compressed, with their searchable text."""

from __future__ import annotations

import json
from datetime import datetime

from watcher.blobs import stored_form
from watcher.db.compression import unpack
from watcher.db.reads import ChangeReads
from watcher.db.values import (
    iso,
)
from watcher.db.versiontext import introduced_text
from watcher.model import (
    Snapshot,
)

#: Snapshots read lately, by fingerprint: a change reads the previous version to diff
#: against it, then again to store the lines the new one introduced. Content-addressed and
#: frozen, so a kept one is always right.
RECENT_SNAPSHOTS = 32


class SnapshotRows(ChangeReads):
    # -- snapshots ----------------------------------------------------------------------

    def snapshot(self, fingerprint: str | None) -> Snapshot | None:
        if not fingerprint:
            return None
        recent: dict[str, Snapshot] = self.__dict__.setdefault("_recent_snapshots", {})
        if fingerprint in recent:
            return recent[fingerprint]
        found = self._read_snapshot(fingerprint)
        if found is not None:
            if len(recent) >= RECENT_SNAPSHOTS:
                del recent[next(iter(recent))]  # the oldest
            recent[fingerprint] = found
        return found

    def _read_snapshot(self, fingerprint: str) -> Snapshot | None:
        row = self.db.conn.execute("SELECT data FROM snapshots WHERE hash = ?", [fingerprint]).fetchone()
        if row is None:
            return None
        snapshot = Snapshot.from_dict(json.loads(unpack(row[0])))
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
        stored = stored_form(snapshot)  # made in the extraction worker when it read the page
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO snapshots (hash, created_at, size, data) VALUES (?, ?, ?, ?)",
            [fingerprint, iso(now), stored.size, stored.data],
        )
        if cursor.rowcount == 1:
            before = self.snapshot(previous) if previous else None
            self.db.execute(
                "INSERT OR IGNORE INTO version_text (snapshot, text) VALUES (?, ?)",
                [fingerprint, introduced_text(snapshot.text, before.text if before else None)],
            )
        return fingerprint
