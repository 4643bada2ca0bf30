"""sources/dates.parse_date on zone names: a stray letter or an unknown zone in page text
must not raise dateutil's UnknownTimezoneWarning (an error under this suite's filters, and
a future exception in dateutil); stated offsets and UTC/GMT keep their meaning."""

from __future__ import annotations

import warnings

import pytest

from sources.dates import parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0P0B", None),  # hypothesis found it: "B" read as a zone name
        ("October 18, 2024 10:00 EST", "2024-10-18T10:00:00"),  # unknown zone: naive
        ("Fri, 18 Oct 2024 11:17:00 GMT", "2024-10-18T11:17:00+00:00"),
        ("18 Oct 2024 11:17 UTC", "2024-10-18T11:17:00+00:00"),
        ("18 Oct 2024 11:17 +05:30", "2024-10-18T11:17:00+05:30"),
        ("Mon, 07 Oct 2024 09:00:00 -0400", "2024-10-07T09:00:00-04:00"),
        ("17 Oct, 2024 +0530", "2024-10-17"),
    ],
)
def test_zone_names_never_warn(text: str, expected: str | None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_date(text) == expected
