"""Migration m001_initial.

CREATE TABLE sources (

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE sources (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL,
            kind TEXT NOT NULL,
            role TEXT NOT NULL DEFAULT 'watch',
            tags TEXT NOT NULL DEFAULT '[]',          -- JSON list
            jurisdiction TEXT NOT NULL DEFAULT '',
            regulator TEXT NOT NULL DEFAULT '',
            active INTEGER NOT NULL DEFAULT 1,        -- 0 once removed from the config
            config_hash TEXT,
            etag TEXT,
            last_modified TEXT,
            body_hash TEXT,                           -- sha256 of the last body parsed
            latest TEXT REFERENCES snapshots(hash),   -- current snapshot
            pending TEXT,                             -- candidate snapshot awaiting `confirm`
            pending_count INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL DEFAULT 'new',        -- new | ok | failing | broken
            failures INTEGER NOT NULL DEFAULT 0,      -- consecutive failed checks
            failing_since TEXT,
            last_reason TEXT,
            last_error TEXT,
            last_check_at TEXT,
            last_ok_at TEXT,
            last_change_at TEXT,
            retry_after_until TEXT,                   -- server asked us to wait (429/503)
            created_at TEXT NOT NULL
        );
        CREATE TABLE snapshots (
            hash TEXT PRIMARY KEY,                    -- sha256 fingerprint of the content
            created_at TEXT NOT NULL,
            size INTEGER NOT NULL,                    -- uncompressed JSON bytes
            data BLOB NOT NULL                        -- zlib-compressed JSON {blocks, items}
        );
        CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL REFERENCES sources(id),
            at TEXT NOT NULL,
            status TEXT NOT NULL,     -- baseline | unchanged | not_modified | changed | pending | failed
            http_status INTEGER,
            duration_ms INTEGER,
            reason TEXT,
            error TEXT,
            snapshot TEXT
        );
        CREATE INDEX checks_source_at ON checks(source_id, at);
        CREATE INDEX checks_at ON checks(at);
        CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL REFERENCES sources(id),
            snapshot TEXT NOT NULL REFERENCES snapshots(hash),
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
        CREATE INDEX versions_source_seen ON versions(source_id, first_seen);
        CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL REFERENCES sources(id),
            detected_at TEXT NOT NULL,
            before TEXT REFERENCES snapshots(hash),
            after TEXT NOT NULL REFERENCES snapshots(hash),
            summary TEXT NOT NULL,
            n_added INTEGER NOT NULL DEFAULT 0,
            n_removed INTEGER NOT NULL DEFAULT 0,
            n_changed INTEGER NOT NULL DEFAULT 0,
            n_diff INTEGER NOT NULL DEFAULT 0,
            added TEXT NOT NULL DEFAULT '[]',         -- JSON list of items
            removed TEXT NOT NULL DEFAULT '[]',
            changed TEXT NOT NULL DEFAULT '[]',       -- JSON list of {before, after}
            diff TEXT NOT NULL DEFAULT ''             -- unified diff of text blocks
        );
        CREATE INDEX changes_source_detected ON changes(source_id, detected_at);
        CREATE INDEX changes_detected ON changes(detected_at);
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL REFERENCES sources(id),
            key TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            link TEXT NOT NULL DEFAULT '',
            date TEXT,
            summary TEXT NOT NULL DEFAULT '',
            fields TEXT,                              -- JSON object of extra fields
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            removed_at TEXT,                          -- NULL while the source still lists it
            change_id INTEGER REFERENCES changes(id), -- the change that first reported it
            text TEXT,                                -- followed document text (follow = true)
            text_fetched_at TEXT,
            UNIQUE(source_id, key)
        );
        CREATE INDEX items_first_seen ON items(first_seen);
        CREATE INDEX items_change ON items(change_id);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL REFERENCES sources(id),
            at TEXT NOT NULL,
            state TEXT NOT NULL,                      -- broken | recovered
            reason TEXT NOT NULL,
            failures INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            subject TEXT NOT NULL,                    -- change:<id> | health:<event id>
            kind TEXT NOT NULL,                       -- change | health
            change_id INTEGER REFERENCES changes(id),
            event_id INTEGER REFERENCES events(id),
            source_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',   -- pending | held | sending | sent | failed
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            last_error TEXT,
            ref TEXT,                                 -- channel's receipt (Slack ts)
            permalink TEXT,
            UNIQUE(subject, channel)
        );
        CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
        """
    )
    db.table("items").enable_fts(["title", "summary", "text"], create_triggers=True, tokenize="porter")
    db.table("changes").enable_fts(["summary", "diff"], create_triggers=True, tokenize="porter")
