"""sources/dates.parse_date on zone names: a stray letter or an unknown zone in page text
must not raise dateutil's UnknownTimezoneWarning (an error under this suite's filters, and
a future exception in dateutil); stated offsets and UTC/GMT keep their meaning."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sources import dates
from sources.dates import parse_date, parse_date_general


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


DIGITS = st.integers(min_value=0, max_value=99).map("{:02d}".format)
ISO_DATETIMES = st.tuples(
    st.sampled_from(["1949", "1950", "2024", "2100", "2101", "0000", "9999"]),
    st.sampled_from(["-01-", "-02-", "-10-", "-12-", "-13-", "-00-"]),
    st.sampled_from(["01", "05", "12", "13", "29", "30", "31", "32", "00"]),
    st.sampled_from(["T", "T", "t", " "]),
    DIGITS,
    st.sampled_from([":"]),
    DIGITS,
    st.sampled_from(["", ":00", ":59", ":60", ":07.5", ":07.123456", ":07.1234567", ":7"]),
    st.sampled_from(
        ["", "Z", "z", "+05:30", "-04:00", "+00:00", "-00:00", "+23:59", "+24:00", "+0530", " GMT"]
    ),
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(ISO_DATETIMES, st.booleans())
def test_iso_shortcuts_read_what_dateutil_reads(text: str, dayfirst: bool) -> None:
    """The ISO shortcuts give exactly what the general path gives (which dateutil decides)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for value in (text, text[:10]):
            assert outcome(parse_date, value, dayfirst) == outcome(parse_date_general, value, dayfirst)


def outcome(parse, text: str, dayfirst: bool) -> str | None:
    """What `parse` gives, or the error it raises (dateutil lets `+24:00` through to a
    ValueError when the time is formatted: both paths must do the same)."""
    try:
        return parse(text, dayfirst=dayfirst)
    except ValueError as exc:
        return f"raises {exc}"


def test_iso_datetimes_are_read_by_the_shortcut() -> None:
    """`<time datetime>` values take the shortcut (dateutil is not asked) and keep their zone."""
    assert dates._iso_datetime("2019-05-03T19:21:28Z") == "2019-05-03T19:21:28+00:00"
    assert parse_date("2019-05-03T19:21:28Z") == "2019-05-03T19:21:28+00:00"
    assert parse_date("2024-10-18T11:17+05:30") == "2024-10-18T11:17:00+05:30"
    assert parse_date("2024-10-05T12:00:00", dayfirst=True) == parse_date_general(
        "2024-10-05T12:00:00", dayfirst=True
    )


@pytest.mark.parametrize(
    "text", ["2024-10-05T12:00+24:00", "2024-10-05 12:00 +2400", "5 Oct 2024 12:00 -24:00"]
)
@pytest.mark.parametrize("dayfirst", [False, True])
def test_an_offset_of_a_day_is_no_date_not_an_error(text: str, dayfirst: bool) -> None:
    """A page's `+24:00` (no real zone has it) leaves the item undated; it used to raise
    ValueError out of the item's reading and fail the whole source's extraction."""
    assert parse_date(text, dayfirst=dayfirst) is None
    assert parse_date_general(text, dayfirst=dayfirst) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-10-05T12:00:00+01:00", "2024-10-05T12:00:00+01:00"),  # a `<time datetime>` value
        ("2024-10-05T12:00", "2024-10-05T12:00:00"),
        ("2024-10-05 09:30", "2024-10-05T09:30:00"),
        ("Published: 2024-10-05 09:30", "2024-10-05T09:30:00"),
        ("05/10/2024", "2024-10-05"),  # written day first: still day first
        ("5.10.2024 10:00", "2024-10-05T10:00:00"),
    ],
)
def test_year_first_dates_are_never_read_day_first(text: str, expected: str) -> None:
    """In a day-first jurisdiction (UK, EU, IN) an ISO date with a time is still year, month,
    day: dateutil with dayfirst read `2024-10-05T12:00` as 10 May."""
    assert parse_date(text, dayfirst=True) == expected
    assert parse_date_general(text, dayfirst=True) == expected


def test_the_day_first_reading_of_a_year_first_datetime_is_known() -> None:
    """What a day-first source stored before the fix, so that stored versions still match."""
    from sources.dates import read_day_first_before

    assert read_day_first_before("2024-10-05T09:30:00") == "2024-05-10T09:30:00"
    assert read_day_first_before("2024-10-05T09:30:00+01:00") == "2024-05-10T09:30:00+01:00"
    assert read_day_first_before("2024-10-15T09:30:00") is None  # day 15: no month 15, read right
    assert read_day_first_before("2024-10-10T09:30:00") is None  # the same either way
    assert read_day_first_before("2024-10-05") is None  # ISO days were always read year first
    assert read_day_first_before(None) is None and read_day_first_before("") is None
