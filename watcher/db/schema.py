"""The database schema, created and upgraded by the program through sqlite-utils migrations.

Applied migrations are recorded in `_sqlite_migrations`; never edit a released
migration, add a new one. docs/schema.md describes every table for analysts.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("regwatch")


@migrations()
def m001_initial(db: Database) -> None:
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


@migrations()
def m002_kinds_warnings(db: Database) -> None:
    """Warnings met while reading content (an ill-formed feed read anyway), per check and per source."""
    db.executescript(
        """
        ALTER TABLE checks ADD COLUMN warnings TEXT;      -- newline-separated, NULL when none
        ALTER TABLE sources ADD COLUMN last_warning TEXT; -- from the last check that read content
        """
    )


@migrations()
def m003_alerts_delivery(db: Database) -> None:
    """Delivery bookkeeping for alert channels: claims (for crash reconcile), digests, threads."""
    db.executescript(
        """
        ALTER TABLE outbox ADD COLUMN claimed_at TEXT;      -- when the last send began
        ALTER TABLE outbox ADD COLUMN claimed_by TEXT;      -- host:pid of the process that sent it
        ALTER TABLE outbox ADD COLUMN batch_id INTEGER REFERENCES outbox(id);  -- the digest row carrying it
        CREATE INDEX outbox_batch ON outbox(batch_id);
        CREATE INDEX outbox_channel_status ON outbox(channel, status);
        CREATE TABLE alert_threads (
            channel TEXT NOT NULL,                  -- regwatch channel id
            source_id TEXT NOT NULL,
            ref TEXT NOT NULL,                      -- the channel's ref of the first message (Slack ts)
            created_at TEXT NOT NULL,
            PRIMARY KEY (channel, source_id)
        );
        """
    )


@migrations()
def m004_service_next_run(db: Database) -> None:
    """The running service records when it will next check each source (`regwatch status`)."""
    db.execute("ALTER TABLE sources ADD COLUMN next_run_at TEXT")


@migrations()
def m006_related(db: Database) -> None:
    """Related-article links, followed-document errors, and the enrichment state of changes.

    `changes.enrichment`: NULL (nothing to do), 'pending' (following/linking not finished;
    its outbox rows wait in status 'enriching'), 'done', or 'expired' (given up; alerts
    went out without links). See watcher/check/enrich.py.
    """
    db.executescript(
        """
        CREATE TABLE related (
            id INTEGER PRIMARY KEY,
            change_id INTEGER NOT NULL REFERENCES changes(id),
            item_key TEXT NOT NULL,                   -- the new item's key; '' for the page edit
            related_item_id INTEGER REFERENCES items(id),
            source_id TEXT NOT NULL,                  -- source of the related item
            title TEXT NOT NULL DEFAULT '',
            link TEXT NOT NULL DEFAULT '',
            date TEXT,
            score REAL NOT NULL,
            terms TEXT NOT NULL DEFAULT '[]',         -- JSON list of the matched salient terms
            rank INTEGER NOT NULL,                    -- 1 = best, per (change_id, item_key)
            shown INTEGER NOT NULL DEFAULT 0,         -- 1: above the threshold and in the top 3
            created_at TEXT NOT NULL,
            UNIQUE(change_id, item_key, related_item_id)
        );
        CREATE INDEX related_change ON related(change_id, item_key, score);
        CREATE INDEX related_item ON related(related_item_id);
        ALTER TABLE items ADD COLUMN text_error TEXT;  -- why following the link failed
        ALTER TABLE changes ADD COLUMN enrichment TEXT;
        CREATE INDEX changes_enrichment ON changes(enrichment) WHERE enrichment = 'pending';
        CREATE INDEX items_date ON items(date);
        """
    )


@migrations()
def m005_history_views(db: Database) -> None:
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
    # Imported here so this migration stays one self-contained block at the end of the file.
    import json
    import zlib

    from watcher.history.versiontext import introduced_text
    from watcher.model import Snapshot

    previous: dict[str, str] = {}
    rows = db.conn.execute(
        "SELECT v.source_id, v.snapshot, s.data FROM versions v JOIN snapshots s ON s.hash = v.snapshot"
        " ORDER BY v.source_id, v.first_seen, v.id"
    )
    for source_id, fingerprint, data in rows:
        text = Snapshot.from_dict(json.loads(zlib.decompress(data))).text
        db.execute(
            "INSERT OR IGNORE INTO version_text (snapshot, text) VALUES (?, ?)",
            [fingerprint, introduced_text(text, previous.get(source_id))],
        )
        previous[source_id] = text


@migrations()
def m007_perf_fts_triggers(db: Database) -> None:
    """Re-index full text only when indexed columns change.

    sqlite-utils' update triggers fire on every UPDATE of `items` and `changes`, so bumping
    `items.last_seen` on a source's 50 listed items (every change) or setting
    `changes.enrichment` rewrote their full-text entries each time. `UPDATE OF` limits
    them to the indexed columns; the index content is unchanged.
    """
    db.executescript(
        """
        DROP TRIGGER IF EXISTS items_au;
        CREATE TRIGGER items_au AFTER UPDATE OF title, summary, text ON items BEGIN
          INSERT INTO items_fts (items_fts, rowid, title, summary, text)
            VALUES ('delete', old.rowid, old.title, old.summary, old.text);
          INSERT INTO items_fts (rowid, title, summary, text)
            VALUES (new.rowid, new.title, new.summary, new.text);
        END;
        DROP TRIGGER IF EXISTS changes_au;
        CREATE TRIGGER changes_au AFTER UPDATE OF summary, diff ON changes BEGIN
          INSERT INTO changes_fts (changes_fts, rowid, summary, diff)
            VALUES ('delete', old.rowid, old.summary, old.diff);
          INSERT INTO changes_fts (rowid, summary, diff) VALUES (new.rowid, new.summary, new.diff);
        END;
        """
    )
