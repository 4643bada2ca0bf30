"""Migration m005_history_views.

Analyst history: views for the common joins, searchable version text, compacted checks.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

import json
import zlib

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Analyst history: views for the common joins, searchable version text, compacted checks.

    - `version_text`: for each distinct snapshot, the text lines it introduced (lines not
      in the previous version of the source that first produced it; all lines for a
      baseline), with the FTS index `version_text_fts`. Every line a source ever showed is
      thus searchable once, without storing each version's full text again.
    - The views join sources with an inner JOIN (every row has its source, by foreign key):
      Datasette's array facets over `tags` return nothing through a LEFT JOIN.
    - `checks.n_checks` / `checks.last_at`: `regwatch vacuum --compact-after` merges runs
      of identical unchanged checks into one row counting them (1 and NULL otherwise).
    """
    db.executescript(
        """
        ALTER TABLE checks ADD COLUMN n_checks INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE checks ADD COLUMN last_at TEXT;
        CREATE INDEX versions_snapshot ON versions(snapshot);
        CREATE TABLE version_text (
            snapshot TEXT PRIMARY KEY REFERENCES snapshots(hash),
            text TEXT NOT NULL DEFAULT ''
        );
        CREATE VIEW changes_view AS
        SELECT c.id, c.detected_at, date(c.detected_at) AS detected_date, c.source_id,
               s.name AS source_name, s.url, s.kind AS source_kind, s.tags, s.jurisdiction,
               s.regulator,
               trim(iif(c.n_added > 0, 'added ', '') || iif(c.n_removed > 0, 'removed ', '')
                    || iif(c.n_changed > 0, 'changed ', '') || iif(c.diff != '', 'edited', ''))
                 AS kinds,
               c.summary, c.n_added, c.n_removed, c.n_changed, c.n_diff,
               c.added, c.removed, c.changed, c.diff, c.before, c.after
        FROM changes c JOIN sources s ON s.id = c.source_id;
        CREATE VIEW items_view AS
        SELECT i.id, i.source_id, s.name AS source_name, s.tags, s.jurisdiction, s.regulator,
               i.key, i.title, i.link, i.date,
               CASE WHEN i.date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
                    THEN substr(i.date, 1, 10) ELSE substr(i.first_seen, 1, 10) END AS published,
               i.summary, i.first_seen, date(i.first_seen) AS first_seen_date, i.last_seen, i.removed_at,
               i.removed_at IS NULL AS listed, i.change_id,
               i.text IS NOT NULL AND i.text != '' AS has_text, substr(i.text, 1, 1000) AS text_excerpt
        FROM items i JOIN sources s ON s.id = i.source_id;
        CREATE VIEW versions_view AS
        SELECT v.id, v.source_id, s.name AS source_name, s.jurisdiction, s.regulator,
               v.first_seen, v.last_seen, v.snapshot, n.size,
               (SELECT c.id FROM changes c WHERE c.source_id = v.source_id AND c.after = v.snapshot
                  AND c.detected_at = v.first_seen) AS change_id
        FROM versions v JOIN sources s ON s.id = v.source_id
        LEFT JOIN snapshots n ON n.hash = v.snapshot;
        CREATE VIEW failing_sources AS
        SELECT id, name, url, jurisdiction, regulator, state, failures, failing_since,
               last_reason, last_error, last_check_at, last_ok_at
        FROM sources WHERE active = 1 AND state IN ('failing', 'broken');
        """
    )
    db.table("version_text").enable_fts(["text"], create_triggers=True, tokenize="porter")
    _backfill_version_text(db)


def _backfill_version_text(db: Database) -> None:
    """Version text for snapshots stored before m005, version by version per source (streamed)."""
    previous: dict[str, str] = {}
    rows = db.conn.execute(
        "SELECT v.source_id, v.snapshot, s.data FROM versions v JOIN snapshots s ON s.hash = v.snapshot"
        " ORDER BY v.source_id, v.first_seen, v.id"
    )
    for source_id, fingerprint, data in rows:
        text = _snapshot_text(json.loads(zlib.decompress(data)))
        db.execute(
            "INSERT OR IGNORE INTO version_text (snapshot, text) VALUES (?, ?)",
            [fingerprint, _introduced_text(text, previous.get(source_id))],
        )
        previous[source_id] = text


# Frozen copies of what the code did when m005 shipped (Snapshot.text, introduced_text):
# a migration must not change meaning when live code does.
def _snapshot_text(data: dict) -> str:
    lines = list(data.get("blocks", ()))
    for item in data.get("items", ()):
        parts = (item.get("date") or "", item.get("title", ""), item.get("link", ""))
        lines.append(" | ".join(p for p in parts if p))
    return "\n".join(lines)


def _introduced_text(text: str, previous: str | None) -> str:
    if previous is None:
        return text
    seen = set(previous.splitlines())
    return "\n".join(line for line in text.splitlines() if line not in seen)
