"""The headline builder on its own (alerts/headline.py): table-driven, pure values."""

from __future__ import annotations

import re

import pytest

from alerts.headline import headline_of, is_heading, moved
from watcher.model import Change, DocumentDate, DocumentFacts, Item, ItemChange

PDF_BEFORE = Item("hdm", "Health Data Management Policy", "https://abdm.gov.in/uploads/HDM_Policy_3f9a1c.pdf")
PDF_AFTER = Item("hdm", "Health Data Management Policy", "https://abdm.gov.in/uploads/HDM_Policy_c07e55.pdf")
NPRM = Item("2024-30983", "HIPAA Security Rule NPRM", fields=(("type", "Proposed Rule"),))


def fields(**values: str) -> Item:
    return Item("d", "A document", fields=tuple(sorted(values.items())))


@pytest.mark.parametrize(
    ("change", "facts", "line"),
    [
        (Change("s", "a", "b", changed=(ItemChange(PDF_BEFORE, PDF_AFTER),)), {}, "1 PDF revised"),
        (
            Change(
                "s",
                "a",
                "b",
                changed=(ItemChange(fields(effective_on="2025-12-30"), fields(effective_on="2026-01-02")),),
            ),
            {},
            "effective date moved 30 December 2025 → 2 January 2026",
        ),
        (
            Change("s", "a", "b", changed=(ItemChange(fields(), fields(comments_close_on="2025-03-07")),)),
            {},
            "comment deadline set to 7 March 2025",
        ),
        (
            Change(
                "s",
                "a",
                "b",
                added=(
                    Item("p1", "P1", fields=(("type", "Policy"),)),
                    Item("p2", "P2", fields=(("type", "Policy"),)),
                ),
            ),
            {"p1": DocumentFacts(comment=DocumentDate("comment", "2025-03-07", from_text=True))},
            "2 new Policies",
        ),
        (
            Change("s", "a", "b", added=(NPRM,)),
            {NPRM.key: DocumentFacts(comment=DocumentDate("comment", "2025-03-07", from_text=True))},
            "1 new Proposed Rule (comments close 7 March 2025, from text)",
        ),
        (
            Change("s", "a", "b", changed=(ItemChange(fields(status="Open"), fields(status="Closed")),)),
            {},
            "status Open → Closed",
        ),
        (
            Change("s", "a", "b", added=(NPRM,)),
            {NPRM.key: DocumentFacts(type="Proposed Rule", comment=DocumentDate("comment", "2025-03-07"))},
            "1 new Proposed Rule (comments close 7 March 2025)",
        ),
        (
            Change("s", "a", "b", added=(Item("x", "X"),), removed=(Item("y", "Y"), Item("z", "Z"))),
            {},
            "1 new document; 2 documents no longer listed",
        ),
        (
            Change(
                "s",
                "a",
                "b",
                diff=(
                    "@@ -1,3 +1,4 @@",
                    " Breach notification",
                    "-Old A text here.",
                    "+Old A text there.",
                    "+Added B.",
                ),
            ),
            {},
            '1 paragraph edited, 1 added under "Breach notification"',
        ),
    ],
)
def test_headline(change, facts, line):
    assert headline_of(change, facts) == line


def test_moves_read_as_dates_and_other_values_as_they_are():
    assert moved("2025-03-07", "2025-03-21") == "7 → 21 March 2025"
    assert moved("2025-03-07", "2025-04-07") == "7 March → 7 April 2025"
    assert moved("Q1", "Q2") == "Q1 → Q2"


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("Risk analysis", True),
        ("Article 33", True),
        ("CHAPTER II", True),
        ("(e)", False),
        ("October 20, 2024", False),
        ("Fri, 05/03/2019 - 15:21", False),
        ("2024-10-20", False),
        ("May 2024 update to the Security Rule", True),
        ("A covered entity must review its risk analysis.", False),
        ("x" * 81, False),
    ],
)
def test_is_heading(line, heading):
    assert is_heading(line) is heading


def test_every_changed_line_of_a_long_diff_is_counted():
    diff = (
        "@@ -1 +1 @@",
        *(f"-line {i} of text" for i in range(5000)),
        *(f"+line {i} of text!" for i in range(5000)),
    )
    line = headline_of(Change("s", "a", "b", diff=diff))
    edited, added, removed = map(
        int, re.fullmatch(r"(\d+) paragraphs edited, (\d+) added, (\d+) removed", line).groups()
    )
    assert 2 * edited + added + removed == 10000  # pairing is bounded (the body pairs the same way)
