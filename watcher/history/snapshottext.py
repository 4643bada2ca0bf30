"""The readable text of a stored snapshot row (`snapshots.data`: compressed JSON).

Kept apart from the browsing UI (`ui.py`, which needs the optional `ui` extra) so that
anything reading stored snapshots as text, and its tests, need no Datasette.
"""

from __future__ import annotations

import json

from watcher.db.compression import unpack
from watcher.model import Snapshot


def snapshot_text(data: bytes | None) -> str | None:
    """The text of the snapshot stored as `data` (zstandard or older zlib), or None."""
    if data is None:
        return None
    return Snapshot.from_dict(json.loads(unpack(data))).text
