"""Dates as regulators write them, to ISO 8601.

Real-world formats: `Fri, 10/18/2024 - 11:17` (Drupal/CMS), `17 Oct, 2024 +0530`,
ISO 8601, RFC 822 (`Fri, 18 Oct 2024 11:17:00 GMT`), `October 18, 2024`, `18.10.2024`.
Day-first is assumed only where the form is unambiguous or the jurisdiction writes so.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dateutil import tz

DRUPAL = re.compile(r"^(?:\w{3},\s*)?(\d{1,2})/(\d{1,2})/(\d{4})\s*-\s*(\d{1,2}):(\d{2})$")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: An ISO 8601 datetime as `<time datetime>` and APIs write it (ASCII digits, `T`, an optional
#: fraction and offset): `datetime.fromisoformat` reads it as dateutil does.
ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)
#: Year, month, day with hyphens: never day first.
YEAR_FIRST = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?![0-9])")
DAY_FIRST_JURISDICTIONS = {"IN", "EU", "UK", "GB", "AU", "NZ"}
NOISE = re.compile(r"^(?:posted|published|updated|date|issued|last updated)\s*(?:on)?\s*:?\s*", re.IGNORECASE)


def zone(name: str | None, offset: int | None) -> tz.tzoffset | None:
    """dateutil's `tzinfos`: a stated offset is kept, UTC/GMT is UTC, any other zone name
    ("EST", or a stray letter in page text such as "0P0B") is unknown: the time stays naive
    rather than dateutil warning (and, in a future version, raising)."""
    from dateutil import tz  # loaded with dateutil's parser, below

    if offset is not None:
        return tz.tzoffset(name, offset)
    if name and name.upper() in {"UTC", "GMT", "UT", "Z"}:
        return tz.tzoffset(name, 0)
    return None


#: The answers for ISO days already read (`<time datetime="2024-10-18">`: a page's items
#: share a few days, a pass's pages the same weeks), whatever the jurisdiction: one dict
#: lookup instead of a regex match and a date read and written again (~1 us of ~1.1).
#: Emptied when full.
_ISO_DAYS: dict[str, str | None] = {}
_ISO_DAYS_MAX = 4096


def parse_date(text: str | None, *, dayfirst: bool = False) -> str | None:
    """ISO date (`2024-10-18`) or datetime (`2024-10-18T11:17:00+05:30`), or None if unparseable."""
    if not text:
        return None
    if text in _ISO_DAYS:
        return _ISO_DAYS[text]
    if ISO_DAY.fullmatch(text):  # no space or noise to remove: the same as below, sooner
        day = _iso_day(text)
        if len(_ISO_DAYS) >= _ISO_DAYS_MAX:
            _ISO_DAYS.clear()
        _ISO_DAYS[text] = day
        return day
    if ISO_DATETIME.fullmatch(text):
        found = _iso_datetime(text)
        if found is not None:
            return found
    return parse_date_general(text, dayfirst=dayfirst)


def _iso_day(text: str) -> str | None:
    # The common case (<time datetime="2024-10-18">), read as ISO whatever the
    # jurisdiction: dateutil with dayfirst=True would swap its month and day.
    try:
        iso_day = date.fromisoformat(text)
    except ValueError:
        return None
    return iso_day.isoformat() if 1950 <= iso_day.year <= 2100 else None


def _iso_datetime(text: str) -> str | None:
    """What dateutil reads from an ISO datetime (`datetime` attributes, APIs), ~30x sooner;
    None to leave anything unusual (a 24:00, an offset of a day) to dateutil. Year first
    whatever the jurisdiction (see `parse_date_general`)."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.isoformat() if 1950 <= parsed.year <= 2100 else None


#: A year-first datetime as `parse_date` writes it: the month and the day, each two digits.
_WRITTEN_DATETIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(T.*)")


def read_day_first_before(written: str | None) -> str | None:
    """How a day-first source stored this year-first datetime before it was read in ISO order
    (`2024-10-05T09:30:00` was stored as `2024-05-10T09:30:00`), or None when that reading
    gave the same value or none. For matching versions stored before the fix."""
    match = _WRITTEN_DATETIME.fullmatch(written or "")
    if match is None:
        return None
    year, month, day, rest = match.groups()
    if month == day or int(day) > 12:
        return None
    return f"{year}-{day}-{month}{rest}"


def parse_date_general(text: str, *, dayfirst: bool = False) -> str | None:
    """`parse_date` without the ISO shortcuts (tests/sources/test_parse_date.py compares them)."""
    text = NOISE.sub("", " ".join(text.split())).strip()
    if not text:
        return None
    if ISO_DAY.fullmatch(text):
        return _iso_day(text)
    if YEAR_FIRST.match(text):
        # `2024-10-05T12:00`, `2024-10-05 12:00`: ISO order is year, month, day in every
        # jurisdiction; dateutil with dayfirst reads it as 10 May (a UK page's
        # `<time datetime>` was read so until this was found).
        dayfirst = False
    match = DRUPAL.match(text)
    if match:
        month, day, year, hour, minute = (int(g) for g in match.groups())
        try:
            return datetime(year, month, day, hour, minute).isoformat()
        except ValueError:
            return None
    # dateutil only for what the shortcuts above leave: an extraction worker whose pages
    # write ISO dates never loads it (~13 ms of its start-up).
    from dateutil import parser as dateparser

    try:
        parsed = dateparser.parse(
            text, dayfirst=dayfirst, fuzzy=True, default=datetime(1900, 1, 1), tzinfos=zone
        )
        if parsed is None or parsed.year < 1950 or parsed.year > 2100:
            return None
        has_time = bool(re.search(r"\d{1,2}:\d{2}", text))
        if not has_time and parsed.tzinfo is None:
            return date(parsed.year, parsed.month, parsed.day).isoformat()
        # An offset of a day or more (`+24:00`) is read, then refused when the time is written.
        return parsed.isoformat()
    except (ValueError, OverflowError, TypeError):
        return None
