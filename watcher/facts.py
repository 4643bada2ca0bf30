"""Plain values an alert carries beside its change: a document's facts and dates, a reminder
of a coming date, the weekly summary, the team's model's summary of a change, and where a
change stands in the alert workflow.

Frozen dataclasses with no I/O, like `watcher.model` (which re-exports them, so either
import works). Imports nothing of regwatch: every family may use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal


@dataclass(frozen=True)
class DocumentDate:
    """A date that matters for a document: its comment deadline or its effective date.

    `on` is an ISO day (`2024-02-01`); `from_text` says it was read from the document's
    words (sources/docdates.py) rather than a structured field, and is shown as such.
    """

    kind: Literal["comment", "effective"]
    on: str
    from_text: bool = False

    @property
    def label(self) -> str:
        return "Comments close" if self.kind == "comment" else "Effective"


@dataclass(frozen=True)
class DocumentFacts:
    """What a reader asks first about a document: kind, gist, who, which rules, which dates."""

    type: str = ""
    abstract: str = ""
    agencies: str = ""
    docket: str = ""
    references: str = ""  # CFR parts or acts it touches
    comment: DocumentDate | None = None
    effective: DocumentDate | None = None

    @property
    def dates(self) -> tuple[DocumentDate, ...]:
        return tuple(d for d in (self.comment, self.effective) if d is not None)

    @property
    def is_empty(self) -> bool:
        return not (
            self.type or self.abstract or self.agencies or self.docket or self.references or self.dates
        )

    def to_dict(self) -> dict[str, Any]:
        def when(d: DocumentDate | None) -> dict[str, Any] | None:
            return {"on": d.on, "from_text": d.from_text} if d else None

        return {
            "type": self.type,
            "abstract": self.abstract,
            "agencies": self.agencies,
            "docket": self.docket,
            "references": self.references,
            "comments_close": when(self.comment),
            "effective": when(self.effective),
        }


@dataclass(frozen=True)
class Reminder:
    """A reminder of a coming document date, or a correction when that date moved.

    `before` is the configured offset (`3d`); `days_left` counts from when it is sent.
    """

    kind: Literal["reminder", "correction"]
    date: DocumentDate
    item_key: str
    title: str
    link: str = ""
    type: str = ""
    before: str = ""
    days_left: int = 0
    previous_on: str | None = None


@dataclass(frozen=True)
class Summary:
    """A week in one message: new documents by jurisdiction, regulator and type, the
    deadlines of the next 14 days, and the sources that are broken or quiet."""

    start: datetime
    end: datetime
    changes: int = 0
    new_documents: int = 0
    by_jurisdiction: tuple[tuple[str, int], ...] = ()
    by_regulator: tuple[tuple[str, int], ...] = ()
    by_type: tuple[tuple[str, int], ...] = ()
    deadlines: tuple[tuple[DocumentDate, str, str], ...] = ()  # (date, title, link)
    broken: tuple[str, ...] = ()
    quiet: tuple[str, ...] = ()
    #: The week's changes in brief, by the team's model ([summary]): (source name, summary).
    briefs: tuple[tuple[str, ChangeSummary], ...] = ()


@dataclass(frozen=True)
class ChangeSummary:
    """The team's model on one change (`[summary]`): untrusted, machine-written text.

    `text` is empty when the summary is unavailable (`error` says why: timeout,
    rate_limited, budget, ...). `important` is the model's verdict against the channel's
    `important_when` (None: not asked), with its one-line `reason`.
    """

    model: str
    text: str = ""
    error: str = ""
    important: bool | None = None
    reason: str = ""


@dataclass(frozen=True)
class WorkState:
    """Where one change stands in the alert workflow: folded from its `alert_actions` rows.

    `status` is open, acknowledged, dismissed or snoozed; `by_*`/`at` say who did that and
    when; an assignment sits beside any status.
    """

    status: Literal["open", "acknowledged", "dismissed", "snoozed"] = "open"
    by_id: str = ""
    by_name: str = ""
    at: datetime | None = None
    assignee_id: str = ""
    assignee_name: str = ""
    reason: str = ""
    until: datetime | None = None
