"""Migration m008_documents.

Documents seen by several sources (one alert per channel), and items that aged out of a window.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Documents seen by several sources, their sightings, and aged-out items of a change.

    `documents`: one row per document identity (`fr:2024-00001`, `celex:32016R0679`,
    `eli:...`, `doi:...`, `url://host/path`), with the change that first alerted it.
    `sightings`: each source that listed the document, in which change. A later source's
    change that adds only documents already alerted within the dedupe window enqueues no
    alert on the channels that had one; the first alert names every source that saw it.
    `changes.aged_out`: JSON items that left a window of newest items by age (recorded,
    never alerted).
    """
    db.executescript(
        """
        ALTER TABLE changes ADD COLUMN aged_out TEXT;
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            doc_key TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            first_seen TEXT NOT NULL,
            first_change_id INTEGER REFERENCES changes(id),
            last_seen TEXT NOT NULL
        );
        CREATE TABLE sightings (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            source_id TEXT NOT NULL,
            change_id INTEGER REFERENCES changes(id),
            item_key TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            UNIQUE (document_id, source_id, change_id)
        );
        CREATE INDEX sightings_change ON sightings(change_id);
        """
    )
