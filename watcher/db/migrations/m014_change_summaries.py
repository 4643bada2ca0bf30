"""Migration m014_change_summaries.

The team's model on each change: its summary and, per channel with `important_when`, its
importance verdict; and the outbox rows a "not important" verdict sent to the digest.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """`change_summaries`: one row per (change, channel): channel '' holds the summary
    (`text`), a channel id that channel's importance verdict (`important`, `reason`).
    `input_hash` is the sha256 of what the model was given and the prompt version (and, for
    a verdict, the team's criteria): an answer for the same hash is reused, never asked
    again. `status` 'ok' or 'unavailable' (then `error`: timeout, rate_limited, budget, ...).
    `outbox.triaged`: 1 when the model judged the change not important for that channel,
    so it waits for the channel's digest instead of going out at once."""
    db.executescript(
        """
        CREATE TABLE change_summaries (
            id INTEGER PRIMARY KEY,
            change_id INTEGER NOT NULL REFERENCES changes(id),
            channel TEXT NOT NULL DEFAULT '',
            input_hash TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            status TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            important INTEGER,
            reason TEXT NOT NULL DEFAULT '',
            error TEXT NOT NULL DEFAULT '',
            called INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            UNIQUE (change_id, channel)
        );
        CREATE INDEX change_summaries_input ON change_summaries(input_hash, model, status);
        CREATE INDEX change_summaries_created ON change_summaries(created_at);
        ALTER TABLE outbox ADD COLUMN triaged INTEGER NOT NULL DEFAULT 0;
        """
    )
