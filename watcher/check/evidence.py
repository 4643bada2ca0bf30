"""Keep the response that produced a baseline or a change, as evidence (see watcher/db/evidence.py).

Called by the check inside the transaction that stores the version, so a version is never
kept without the bytes it came from. Export: `regwatch evidence` (watcher/history/evidence.py).
"""

from __future__ import annotations

from datetime import datetime

from watcher.db.store import Store
from watcher.model import FetchResult, Source


def request_headers(source: Source, user_agent: str) -> list[tuple[str, str]]:
    headers = [("User-Agent", user_agent), ("Accept", "*/*"), ("Accept-Encoding", "gzip, deflate")]
    return headers + [(k, v) for k, v in source.headers]


def capture(
    store: Store,
    source: Source,
    fetched: FetchResult,
    at: datetime,
    *,
    user_agent: str,
    change_id: int | None = None,
    snapshot: str | None = None,
) -> None:
    """Keep the response that produced a baseline (no change id) or a change."""
    if fetched.not_modified:
        return
    store.keep_evidence(
        source.id,
        fetched,
        at,
        kind="change" if change_id is not None else "baseline",
        change_id=change_id,
        snapshot=snapshot,
        request_headers=request_headers(source, user_agent),
    )
