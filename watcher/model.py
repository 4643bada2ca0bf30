"""Plain values passed between the stages of the pipeline.

```
Source ─fetch─► FetchResult ─kind.extract─► Snapshot ─diff─► Change ─route─► outbox
       ─► Alert ─channel.send─► Receipt
```

Everything here is a frozen dataclass with no I/O, so each stage can be tested alone,
pickled to a worker process, and replaced in one file.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from watcher.facts import (  # noqa: F401  re-exported: `from watcher.model import DocumentFacts` works
    ChangeSummary,
    DocumentDate,
    DocumentFacts,
    Reminder,
    Summary,
    WorkState,
)
from watcher.fingerprints import _item_strings as _item_strings  # re-exported for tests and bench scripts
from watcher.fingerprints import _sorted_json as _sorted_json
from watcher.fingerprints import fingerprint as content_fingerprint

CheckStatus = Literal["baseline", "unchanged", "not_modified", "changed", "pending", "failed"]


@dataclass(frozen=True)
class Source:
    """One configured thing to watch. `options` is the kind's own Options dataclass."""

    id: str
    url: str
    kind: str
    name: str = ""
    options: Any = None
    every: float | None = 3600.0
    cron: str | None = None
    tags: tuple[str, ...] = ()
    jurisdiction: str = ""
    regulator: str = ""
    ignore: tuple[str, ...] = ()
    confirm: int = 1
    role: Literal["watch", "related"] = "watch"
    follow: bool = False
    render: Literal["http", "browser"] = "http"
    headers: tuple[tuple[str, str], ...] = ()
    allow_private: bool = False
    robots: bool = True
    timeout: float | None = None
    max_bytes: int | None = None
    bot_markers: tuple[str, ...] = ()
    description: str = ""
    priority: Literal["high", "normal", "low"] = "normal"
    #: Seconds for one whole check (robots.txt, pages, follows, extraction); None: [limits].
    check_timeout: float | None = None
    #: Hosts besides the source's own origin that may receive its `headers` on a redirect.
    headers_hosts: tuple[str, ...] = ()
    #: What an item that left the list means: "alert", "ignore" or "window" ("" = the kind's default).
    removals: str = ""
    #: Model summaries of its changes when `[summary]` is configured (`summarize = false`: none;
    #: not `summary`, which several kinds use for their own option).
    summarize: bool = True

    @property
    def title(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class FetchResult:
    """What came back from one fetch. A 304 is `not_modified=True` with an empty body."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    elapsed: float = 0.0

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The charset the server declared in Content-Type, if any."""
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None

    @functools.cached_property
    def body_hash(self) -> str:
        """sha256 of the body, computed once (the check, the decision and the evidence all ask)."""
        return hashlib.sha256(self.body).hexdigest()


_new_object = object.__new__
_set_attribute = object.__setattr__


@dataclass(frozen=True)
class Item:
    """One entry of a listing, feed or API: a document the regulator published.

    `key` is the stable identity (guid, document number, canonical link, title).
    """

    key: str
    title: str
    link: str = ""
    date: str | None = None
    summary: str = ""
    fields: tuple[tuple[str, str], ...] = ()

    def content(self) -> dict[str, Any]:
        """What counts for "this item changed" (identity aside)."""
        return {"title": self.title, "link": self.link, "date": self.date, "summary": self.summary}

    def to_dict(self) -> dict[str, Any]:
        # `{"key": self.key, **self.content()}` written out: a third of the time, each item
        # of every snapshot stored.
        data: dict[str, Any] = {
            "key": self.key,
            "title": self.title,
            "link": self.link,
            "date": self.date,
            "summary": self.summary,
        }
        if self.fields:
            data["fields"] = dict(self.fields)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Item:
        # Fields only when there are some: a changed page reads its 50 stored items back.
        fields = data.get("fields")
        if cls is not Item:  # a subclass may have an __init__ of its own
            return cls(
                data["key"],
                data.get("title", ""),
                data.get("link", ""),
                data.get("date"),
                data.get("summary", ""),
                tuple(sorted(fields.items())) if fields else (),
            )
        # Made as pickle makes the items a worker sends back: the instance's __dict__ set
        # whole, in field order, which is all the generated __init__ does (one frozen
        # `object.__setattr__` a field): ~0.5 us an item instead of ~0.85
        # (tests/watcher/test_item_from_dict.py compares both ways).
        item = _new_object(Item)
        _set_attribute(
            item,
            "__dict__",
            {
                "key": data["key"],
                "title": data.get("title", ""),
                "link": data.get("link", ""),
                "date": data.get("date"),
                "summary": data.get("summary", ""),
                "fields": tuple(sorted(fields.items())) if fields else (),
            },
        )
        return item


@dataclass(frozen=True)
class Snapshot:
    """The meaningful content of one source at one time: text blocks, items, or both."""

    blocks: tuple[str, ...] = ()
    items: tuple[Item, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"blocks": list(self.blocks), "items": [i.to_dict() for i in self.items]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(
            blocks=tuple(data.get("blocks", ())),
            items=tuple(map(Item.from_dict, data.get("items", ()))),
        )

    @functools.cached_property
    def fingerprint(self) -> str:
        """Hash of the content, independent of item order (order changes are not changes).

        Computed once per snapshot (it costs ~0.3 ms for 50 items) and kept in the instance's
        `__dict__`, so it travels with the snapshot when pickled back from a worker; it is
        not a field, so equality and `dataclasses.replace` ignore it.
        """
        return content_fingerprint(self.blocks, self.items)

    @property
    def text(self) -> str:
        """A readable rendering, for search and `regwatch snapshot`: the blocks, then a line per
        item of its date, title and link (those not empty), joined by " | "."""
        lines = list(self.blocks)
        for item in self.items:
            date, title, link = item.date or "", item.title, item.link
            # Most items have all three: joined without filtering them through a generator
            # (a change writes the text of two versions of 50 items; ~0.4 us an item against
            # ~0.1 this way).
            if date and title and link:
                lines.append(" | ".join((date, title, link)))
            else:
                lines.append(" | ".join(p for p in (date, title, link) if p))
        return "\n".join(lines)


@dataclass(frozen=True)
class ItemChange:
    before: Item
    after: Item


@dataclass(frozen=True)
class Change:
    """What differs between two snapshots of one source."""

    source_id: str
    before: str
    after: str
    added: tuple[Item, ...] = ()
    removed: tuple[Item, ...] = ()
    changed: tuple[ItemChange, ...] = ()
    diff: tuple[str, ...] = ()
    summary: str = ""
    id: int | None = None
    detected_at: datetime | None = None
    #: Items that left a window of newest items by age: recorded, never alerted.
    aged_out: tuple[Item, ...] = ()
    #: (removed item key, why it counts as removed), e.g. "no longer listed; 3 newer ... still are".
    evidence: tuple[tuple[str, str], ...] = ()
    #: (stored key, new key) of items whose key changed only cosmetically (http -> https).
    renamed: tuple[tuple[str, str], ...] = ()
    #: Other sources that saw the same document(s) within the dedupe window (their names).
    also_seen_by: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.diff)


@dataclass(frozen=True)
class Outcome:
    """The result of one check of one source, as recorded."""

    source_id: str
    status: CheckStatus
    duration: float = 0.0
    http_status: int | None = None
    change_id: int | None = None
    error: str | None = None
    reason: str | None = None
    summary: str = ""
    #: Problems met while reading the content that did not stop the check (ill-formed feed).
    warnings: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass(frozen=True)
class SourceInfo:
    """What an alert needs to know about its source."""

    id: str
    name: str
    url: str
    kind: str = ""
    tags: tuple[str, ...] = ()
    jurisdiction: str = ""
    regulator: str = ""


@dataclass(frozen=True)
class RelatedLink:
    """An article from another source that explains a document in a change."""

    item_key: str
    title: str
    link: str
    source_id: str
    source_name: str = ""
    date: str | None = None
    score: float = 0.0
    terms: tuple[str, ...] = ()
    reason: str = ""  # why it was chosen, in a few words: "same docket FEMA-3600-EM"


@dataclass(frozen=True)
class HealthEvent:
    """A source broke (N failures in a row, or its selector stopped matching) or recovered;
    or went quiet (silent far longer than its usual cadence) or became active again."""

    source_id: str
    state: Literal["broken", "recovered", "quiet", "active"]
    reason: str
    failures: int = 0
    since: datetime | None = None


@dataclass(frozen=True)
class Alert:
    """One message for one channel, rendered by the channel. Built from the outbox row.

    `key` is the idempotency key of the delivery (stable across retries and restarts).
    `documents` maps an item key to the first lines of its followed document text.
    `thread` is the channel's ref of an earlier message this one should reply to (threads).
    `facts` maps an item key to its document facts (type, abstract, dates…), where known.
    `reminder`: this alert reminds of a document's coming date (or corrects a moved one).
    `summary`: the weekly summary of a channel (`summary = "weekly"`).
    """

    key: str
    channel: str
    source: SourceInfo
    change: Change | None = None
    health: HealthEvent | None = None
    related: Mapping[str, tuple[RelatedLink, ...]] = field(default_factory=dict)
    documents: Mapping[str, str] = field(default_factory=dict)
    batch: tuple[Alert, ...] = ()
    thread: str = ""
    facts: Mapping[str, DocumentFacts] = field(default_factory=dict)
    reminder: Reminder | None = None
    summary: Summary | None = None
    # The alert workflow (watcher/workflow): each change's state by change id, and for a
    # threaded follow-up (a reminder, a snooze that ended) the line it says.
    workflow: Mapping[int, WorkState] = field(default_factory=dict)
    notice: str = ""
    #: The model's summary of the change (and its importance verdict for this channel).
    change_summary: ChangeSummary | None = None


@dataclass(frozen=True)
class Receipt:
    """What a channel returns once the alert is accepted (e.g. Slack's ts and permalink)."""

    ref: str = ""
    permalink: str = ""
