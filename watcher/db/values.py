"""Plain values the database hands out and takes in, and the row helpers beside them."""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from watcher.model import (
    Alert,
    Change,
    HealthEvent,
    Item,
    ItemChange,
    Snapshot,
)

#: An alert held for enrichment longer than this is sent without it (see watcher/check/enrich.py).
ENRICH_TIMEOUT = timedelta(minutes=30)


@functools.lru_cache(maxsize=16)
def iso(moment: datetime) -> str:
    """Aware UTC datetime -> sortable ISO-8601 text (what the database stores).

    Remembered for the last few moments: a check writes its one `now` into ~10 columns. The
    text depends only on the instant (equal datetimes, whatever their zone, give equal text),
    and datetimes are immutable."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SourceState:
    """What the pipeline needs to know about a source before checking it."""

    latest: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    config_hash: str | None = None
    pending: str | None = None
    pending_count: int = 0
    state: str = "new"
    failures: int = 0
    last_check_at: datetime | None = None
    retry_after_until: datetime | None = None
    failing_since: datetime | None = None

    @property
    def health(self) -> HealthState:
        return HealthState(self.state, self.failures, self.failing_since)


@dataclass(frozen=True)
class HealthState:
    """A source's health as stored: new, ok, failing or broken, and since when it fails."""

    state: str = "new"
    failures: int = 0
    failing_since: datetime | None = None


@dataclass(frozen=True)
class HealthTransition:
    """A source's health after one check, and the health event to alert (None: say nothing)."""

    state: HealthState
    event: HealthEvent | None = None


class HealthRules(Protocol):
    """Decides health transitions (watcher/check/sourcehealth.py) and names the channels
    health alerts go to (alerts/routing.py). The store applies them inside the check's
    transaction, so reading the current state and writing the next one cannot interleave."""

    @property
    def channels(self) -> tuple[str, ...] | None: ...

    def after_success(self, source_id: str, current: HealthState) -> HealthTransition: ...

    def after_failure(
        self,
        source_id: str,
        current: HealthState,
        *,
        reason: str,
        error: str,
        now: datetime,
        breaks_on: frozenset[str],
    ) -> HealthTransition: ...


@dataclass(frozen=True)
class Failure:
    """One failed check, as recorded."""

    reason: str
    error: str
    duration: float = 0.0
    http_status: int | None = None
    retry_after: float | None = None
    #: The failure reasons that break the source at once (its kind's `breaks_on`).
    breaks_on: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ContentUpdate:
    """What a check that read the content changes on the source's row.

    `latest` names a new current version (baseline or change); `pending`/`pending_count`
    a version awaiting confirmation (None/0 forget it); `keep_pending` leaves a pending
    confirmation as it is; `changed_at` is set when the version is a change.
    """

    body_hash: str | None
    config_hash: str
    latest: str | None = None
    pending: str | None = None
    pending_count: int = 0
    keep_pending: bool = False
    changed_at: datetime | None = None


@dataclass(frozen=True)
class Delivery:
    """One outbox row due for sending, with the alert it carries."""

    id: int
    channel: str
    status: str
    attempts: int
    alert: Alert
    kind: str = "change"
    claimed_at: datetime | None = None
    claimed_by: str = ""


@dataclass(frozen=True)
class StoredItem:
    """An item as stored, with its followed document (if any)."""

    id: int
    source_id: str
    key: str
    title: str
    link: str
    date: str | None
    summary: str
    text: str | None
    text_fetched_at: str | None
    text_error: str | None


def change_from_row(row: dict[str, Any]) -> Change:
    removed = json.loads(row["removed"])
    return Change(
        id=row["id"],
        source_id=row["source_id"],
        before=row["before"] or "",
        after=row["after"],
        added=tuple(Item.from_dict(i) for i in json.loads(row["added"])),
        removed=tuple(Item.from_dict(i) for i in removed),
        evidence=tuple((i["key"], i["evidence"]) for i in removed if i.get("evidence")),
        aged_out=tuple(Item.from_dict(i) for i in json.loads(row.get("aged_out") or "[]")),
        changed=tuple(
            ItemChange(Item.from_dict(c["before"]), Item.from_dict(c["after"]))
            for c in json.loads(row["changed"])
        ),
        diff=tuple(row["diff"].split("\n")) if row["diff"] else (),
        summary=row["summary"],
        detected_at=parse_iso(row["detected_at"]),
    )


def _baseline_summary(snapshot: Snapshot) -> str:
    if snapshot.items:
        return f"baseline: {len(snapshot.items)} item(s)"
    return f"baseline: {len(snapshot.blocks)} text block(s)"


#: What `json.dumps(value, ensure_ascii=False, separators=(",", ":"))` makes each time it is
#: called with those arguments (~0.8 us): the encoder it then asks for `encode(value)`.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(value: Any) -> str:
    """`json.dumps(value, ensure_ascii=False, separators=(",", ":"))`: a change's items, an
    item's fields, a related link's terms (a dozen per change)."""
    return _ENCODER.encode(value)


def _create_private(path: Path) -> None:
    """Create the database file with mode 0600 before SQLite opens it (it holds history)."""
    if path.exists() or str(path) == ":memory:":
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)
