"""Deadlines as an iCalendar file (RFC 5545), written with the `icalendar` library.

One all-day event per document date. The UID is the document and kind (not the day), so
a calendar that re-imports the file updates a moved deadline instead of adding a second
event; SEQUENCE goes up when the date has moved. The description holds the document's
type, abstract, source and link; a date read from the document's words says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from watcher.dates.deadlines import KIND_LABEL, Deadline

PRODID = "-//regwatch//deadlines//EN"
DESCRIPTION_LIMIT = 2000


def event_for(deadline: Deadline, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", deadline.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", deadline.on)
    event.add("dtend", deadline.on + timedelta(days=1))
    label = KIND_LABEL[deadline.kind].capitalize()
    event.add("summary", f"{label}: {deadline.title or deadline.item_key}"[:250])
    lines = [
        f"{label} {deadline.on.isoformat()}" + (" (from text)" if deadline.from_text else ""),
        " · ".join(
            p for p in (deadline.type, deadline.regulator, deadline.source_name or deadline.source_id) if p
        ),
    ]
    if deadline.abstract:
        lines.append(deadline.abstract)
    if deadline.link:
        lines.append(deadline.link)
        event.add("url", deadline.link)
    event.add("description", "\n\n".join(line for line in lines if line)[:DESCRIPTION_LIMIT])
    event.add("categories", [deadline.kind])
    event.add("sequence", 1 if deadline.previous_on else 0)
    event.add("transp", "TRANSPARENT")
    return event


def to_ics(deadlines: Iterable[Deadline], *, stamp: datetime, name: str = "regwatch deadlines") -> bytes:
    """The calendar as bytes (CRLF line endings, folded lines, escaped text)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for deadline in deadlines:
        calendar.add_component(event_for(deadline, stamp))
    return calendar.to_ical()
