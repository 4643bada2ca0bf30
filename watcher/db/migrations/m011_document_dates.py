"""Migration m011_document_dates.

Each document's comment deadline and effective date, for `regwatch deadlines`, the
calendar and reminders.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """`document_dates`: one row per (source, document, kind), written with the change or
    baseline that listed the document; `previous_on` keeps the date before it last moved."""
    db.executescript(
        """
        CREATE TABLE document_dates (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL REFERENCES sources(id),
            item_key TEXT NOT NULL,
            kind TEXT NOT NULL,                       -- comment | effective
            on_date TEXT NOT NULL,                    -- ISO day, e.g. 2024-02-12
            from_text INTEGER NOT NULL DEFAULT 0,     -- 1: read from the document's words
            previous_on TEXT,                         -- the date before it last moved
            moved_at TEXT,
            title TEXT NOT NULL DEFAULT '',
            link TEXT NOT NULL DEFAULT '',
            type TEXT NOT NULL DEFAULT '',
            abstract TEXT NOT NULL DEFAULT '',
            change_id INTEGER REFERENCES changes(id), -- the change that first reported the date
            first_seen TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE(source_id, item_key, kind)
        );
        CREATE INDEX document_dates_on ON document_dates(on_date);
        """
    )
    # Documents stored before this migration: their structured Federal Register dates.
    for kind, field in (("comment", "comments_close_on"), ("effective", "effective_on")):
        db.execute(
            "INSERT OR IGNORE INTO document_dates (source_id, item_key, kind, on_date, title, link,"
            " type, abstract, change_id, first_seen, updated_at)"
            f" SELECT source_id, key, '{kind}', substr(json_extract(fields, '$.{field}'), 1, 10),"
            " title, link,"
            " coalesce(json_extract(fields, '$.type'), ''), substr(summary, 1, 600), change_id,"
            " first_seen, last_seen FROM items"
            " WHERE fields IS NOT NULL AND json_valid(fields)"
            f" AND json_extract(fields, '$.{field}') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'"
        )
