"""The linking worker process: read (database, change id, now, ranking) frames, answer with links.

Started by `watcher.check.linkstage` as `python -c linkstage.BOOTSTRAP`, with the same pipes and
frames as the extraction worker (`watcher.check.extractworker`: a 4-byte length and a
pickle; the first frame is the parent's `sys.path`). A task is (database path, change id,
now, the pass's `Ranking` pickled once by the parent: `settings`). Each task is linked by the very
function the main process runs inline, `watcher.related.linking.link_change`, over the
worker's own READ-ONLY connection to the database file, and answered with
`(True, [Link, ...])` or `(False, exception)`: plain values the main process stores.

What it sees: a WAL reader sees only committed rows, so the parent sends a change only
once the commit that holds it (its items, and their full-text index, which is written
before every commit) is done. Each task reads in one read transaction, so one linking run
sees one state of the database, as an inline run does inside the writer's transaction.
It never writes: the connection is opened `mode=ro`.
"""

from __future__ import annotations

import pickle
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from watcher.check.frames import answer, serve_frames
from watcher.related.linking import link_change
from watcher.related.values import Link, Ranking

if TYPE_CHECKING:
    from sqlite_utils import Database


class Reader:
    """A read-only connection with the one method linking calls (`execute`, as sqlite-utils'
    `Database.execute` runs it): the worker does not import sqlite-utils, whose import
    (numpy, click, pluggy) is ~20 MB of a ~40 MB process."""

    def __init__(self, path: str) -> None:
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        self.conn = sqlite3.connect(uri, uri=True, timeout=30)
        self.conn.execute("PRAGMA busy_timeout = 30000")
        # Another connection's commit empties the page cache at the next read anyway; a
        # small one is as fast here (2.6-2.7 ms per bench change) and ~1.5 MB smaller.
        self.conn.execute("PRAGMA cache_size = -512")

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor:
        return self.conn.execute(sql) if parameters is None else self.conn.execute(sql, parameters)


#: One read-only connection per database file, kept for the worker's life.
_readers: dict[str, Reader] = {}


def reader(path: str) -> Reader:
    """The worker's read-only connection to `path` (opened at its first task)."""
    found = _readers.get(path)
    if found is None:
        found = _readers[path] = Reader(path)
    return found


def link(path: str, change_id: int, now: datetime, ranking: Ranking) -> list[Link]:
    """`link_change` for one committed change, in one read transaction of its own."""
    db = reader(path)
    db.conn.execute("BEGIN")  # one snapshot for the whole run
    try:
        return link_change(cast("Database", db), change_id, now=now, ranking=ranking)
    finally:
        db.conn.rollback()  # nothing was written: this only ends the read


#: The rankings a worker was sent, by their pickle: the parent sends the same bytes with every
#: change of a pass (`linkstage.ProcessLinker`), unpickled here once, not once a change.
_settings: dict[bytes, Ranking] = {}


def settings(ranking: bytes | Ranking) -> Ranking:
    """The task's ranking: as sent (a `Ranking`), or from its pickle, unpickled once."""
    if not isinstance(ranking, bytes):
        return ranking
    found = _settings.get(ranking)
    if found is None:
        found = _settings[ranking] = pickle.loads(ranking)
    return found


def run_task(frame: bytes) -> bytes:
    """Link one change (path, change id, now, the ranking or its pickle); any exception
    travels back as itself (or as its text if it cannot)."""
    return answer(lambda task: link(task[0], task[1], task[2], settings(task[3])), frame)


def serve() -> None:
    """The worker's loop, until the parent closes its end."""
    serve_frames(run_task)
