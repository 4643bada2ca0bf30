"""Comment deadlines and effective dates in document text (sources/docdates.py)."""

from __future__ import annotations

import time
from datetime import date

import pytest

from sources.docdates import find_dates


def found(text: str, dayfirst: bool = False) -> dict[str, date]:
    return {f.kind: f.on for f in find_dates(text, dayfirst=dayfirst)}


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        # Federal Register DATES paragraphs (verbatim from the corpus).
        ("Comments must be received on or before February 1, 2024.", False, {"comment": date(2024, 2, 1)}),
        ("This final rule is effective on February 1, 2024.", False, {"effective": date(2024, 2, 1)}),
        (
            "This rule is effective on January 8, 2024. Written comments must be received by February 7, 2024.",
            False,
            {"effective": date(2024, 1, 8), "comment": date(2024, 2, 7)},
        ),
        (
            "For the NPRM published November 9, 2023 (88 FR 77420), the comment deadline is extended "
            "from January 8, 2024, to February 7, 2024.",
            False,
            {"comment": date(2024, 2, 7)},
        ),
        (
            "Effective date: The amendments to 47 CFR 1.767 and 4.15, published at 81 FR 52354 on "
            "August 8, 2016, are effective January 10, 2024.",
            False,
            {"effective": date(2024, 1, 10)},
        ),
        ("The meeting will be held on Thursday, January 18, 2024, from 10 a.m. to 4:30 p.m. ET.", False, {}),
        ("This proposed action will be effective immediately upon publication.", False, {}),
        # Written in the Register's form (no such paragraph in the corpus's development half):
        # a direct final rule states both dates in one sentence; a delayed effective date.
        (
            "This direct final rule is effective March 18, 2024, without further notice, unless"
            " adverse comment is received by February 15, 2024.",
            False,
            {"effective": date(2024, 3, 18), "comment": date(2024, 2, 15)},
        ),
        (
            "Comments on this interim final rule, which is effective January 5, 2024, must be"
            " received by March 5, 2024.",
            False,
            {"effective": date(2024, 1, 5), "comment": date(2024, 3, 5)},
        ),
        (
            "The effective date of the final rule published on December 1, 2023 (88 FR 83000) is"
            " delayed until March 1, 2024.",
            False,
            {"effective": date(2024, 3, 1)},
        ),
        # Verbatim from the corpus: "delayed" after the date, and no date after it.
        (
            "Effective February 12, 2024, except for Sec. Sec. 1.1411(c)(4) (amendatory instruction 2)"
            " and 1.1415 (amendatory instruction 4), which are delayed indefinitely.",
            False,
            {"effective": date(2024, 2, 12)},
        ),
        # EU, UK and Indian wording.
        ("It shall apply from 2 August 2026.", True, {"effective": date(2026, 8, 2)}),
        ("This consultation closes at 11:59pm on 12 March 2024.", True, {"comment": date(2024, 3, 12)}),
        (
            "These directions shall come into force with effect from 01.04.2024.",
            True,
            {"effective": date(2024, 4, 1)},
        ),
    ],
)
def test_finds_the_stated_dates(text: str, dayfirst: bool, expected: dict[str, date]) -> None:
    assert found(text, dayfirst) == expected


def test_the_sentence_is_kept_as_evidence() -> None:
    (date_found,) = find_dates("Background. Comments must be received on or before February 1, 2024.")
    assert date_found.phrase == "Comments must be received on or before February 1, 2024."


def test_hostile_text_is_bounded() -> None:
    started = time.monotonic()
    find_dates("comments by effective " * 200_000 + "1, 2024 " * 50_000)
    find_dates("January " * 300_000)
    assert time.monotonic() - started < 10  # generous: linear patterns on capped input


def test_a_year_first_date_is_not_read_day_first() -> None:
    """A UK, EU or IN document (day first) that writes an ISO date still means year, month,
    day: `2024-10-05` is 5 October, not 10 May."""
    found = find_dates("Comments must be received on or before 2024-10-05.", dayfirst=True)
    assert [(f.kind, f.on) for f in found] == [("comment", date(2024, 10, 5))]
    assert find_dates("Comments must be received on or before 05/10/2024.", dayfirst=True)[0].on == date(
        2024, 10, 5
    )
