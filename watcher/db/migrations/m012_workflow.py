"""Migration m012_workflow.

The alert workflow and the evidence of what was published:

- `alert_actions`: who acknowledged, assigned, dismissed or snoozed which change, when and
  from where (a Slack button or the CLI). Append-only: triggers abort any UPDATE or DELETE,
  so the audit trail cannot be rewritten through SQL either. No foreign key to `changes`:
  the trail outlives anything a retention run removes.
- `evidence_bodies` / `evidence`: the response bytes (keyed by sha256, stored once: whole
  with zlib, or as a zstd delta against an earlier body of the same source) and the
  status, headers and request of every fetch that produced a baseline or a change.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE alert_actions (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            change_id INTEGER NOT NULL,
            item_key TEXT NOT NULL DEFAULT '',       -- '' = the whole change
            channel TEXT NOT NULL DEFAULT '',        -- regwatch channel id of the message acted on
            slack_channel TEXT NOT NULL DEFAULT '',  -- Slack channel id of that message
            message_ts TEXT NOT NULL DEFAULT '',
            team_id TEXT NOT NULL DEFAULT '',
            user_id TEXT NOT NULL DEFAULT '',        -- Slack user id ('' from the CLI)
            user_name TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('ack', 'assign', 'dismiss', 'snooze', 'reopen')),
            assignee_id TEXT NOT NULL DEFAULT '',
            assignee_name TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            until TEXT,                              -- snooze end (ISO-8601 UTC)
            via TEXT NOT NULL                        -- slack-socket | slack-http | cli
        );
        CREATE INDEX alert_actions_change ON alert_actions(change_id, id);
        CREATE INDEX alert_actions_at ON alert_actions(at);
        CREATE TRIGGER alert_actions_no_update BEFORE UPDATE ON alert_actions BEGIN
          SELECT RAISE(ABORT, 'alert_actions is append-only');
        END;
        CREATE TRIGGER alert_actions_no_delete BEFORE DELETE ON alert_actions BEGIN
          SELECT RAISE(ABORT, 'alert_actions is append-only');
        END;
        CREATE TABLE evidence_bodies (
            sha256 TEXT PRIMARY KEY,                 -- of the response body as received
            size INTEGER NOT NULL,                   -- uncompressed bytes
            codec TEXT NOT NULL DEFAULT 'zlib',      -- zlib | zstd-delta
            base TEXT REFERENCES evidence_bodies(sha256),  -- zstd-delta: the body used as dictionary
            depth INTEGER NOT NULL DEFAULT 0,        -- deltas to follow back to a whole body
            data BLOB NOT NULL
        );
        CREATE TABLE evidence (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            kind TEXT NOT NULL,                      -- baseline | change
            change_id INTEGER,                       -- the change it produced (NULL for a baseline)
            snapshot TEXT,                           -- the version's fingerprint
            method TEXT NOT NULL DEFAULT 'GET',
            url TEXT NOT NULL,
            final_url TEXT NOT NULL,
            status INTEGER NOT NULL,
            request_headers TEXT NOT NULL DEFAULT '[]',  -- JSON list of [name, value]
            headers TEXT NOT NULL DEFAULT '[]',          -- JSON list of [name, value]
            body_sha256 TEXT NOT NULL REFERENCES evidence_bodies(sha256)
        );
        CREATE INDEX evidence_source_at ON evidence(source_id, fetched_at);
        CREATE INDEX evidence_change ON evidence(change_id);
        """
    )
