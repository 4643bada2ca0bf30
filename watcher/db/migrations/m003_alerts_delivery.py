"""Migration m003_alerts_delivery.

Delivery bookkeeping for alert channels: claims (for crash reconcile), digests, threads.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
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
