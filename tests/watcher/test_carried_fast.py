"""`attach_dates` decides a plain item (no fields, no words that may state a date) before
going through `work_out`: every item carries what `work_out` gives it, plain or not, and an
item whose dates cannot be worked out carries nothing (round 11, issue 18)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.dates.carried import NO_DATES, attach_dates, dates_of, work_out
from watcher.model import Item, Snapshot, Source

SUMMARIES = st.sampled_from(
    [
        "",
        "A plain news item.",
        "Comments are due by March 3, 2025.",
        "Effective 1 July 2024.",
        "The rule takes effect on 2024-07-01.",
        "Responses to the consultation close 12/01/2025.",
        "In 2024 the regulator published 12 notices.",
        "Comment period: 30 days",
    ]
)
FIELDS = st.sampled_from(
    [
        (),
        (("comments_close_on", "2024-06-28"),),
        (("effective_on", "2025-01-01"), ("type", "Rule")),
        (("x", "y"),),
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.tuples(SUMMARIES, FIELDS), min_size=1, max_size=6),
    jurisdiction=st.sampled_from(["", "US", "UK"]),
)
def test_every_item_carries_what_work_out_gives(parts, jurisdiction):
    source = Source(id="s", url="https://x.gov/", kind="listing", jurisdiction=jurisdiction)
    items = tuple(Item(f"k{n}", "T", "", None, summary, fields) for n, (summary, fields) in enumerate(parts))
    attach_dates(Snapshot(items=items), source)
    for item in items:
        carried = item.__dict__["_dates"]
        assert carried == (jurisdiction, work_out(item, source))
        assert dates_of(item, source) == work_out(item, source)


def test_dated_items_are_worked_out_and_plain_ones_share_one_value():
    source = Source(id="s", url="https://x.gov/", kind="listing", jurisdiction="US")
    plain = Item("a", "A", "", None, "A plain news item.")
    dated = Item("b", "B", "", None, "Comments are due by March 3, 2025.")
    fielded = Item("c", "C", "", None, "", (("comments_close_on", "2024-06-28"),))
    attach_dates(Snapshot(items=(plain, dated, fielded)), source)
    assert plain.__dict__["_dates"] == ("US", NO_DATES)
    assert dated.__dict__["_dates"][1] != NO_DATES
    assert fielded.__dict__["_dates"][1] != NO_DATES


def test_an_item_whose_summary_cannot_be_read_carries_nothing():
    source = Source(id="s", url="https://x.gov/", kind="listing")
    odd = Item("a", "A", "", None, 12345)  # type: ignore[arg-type]  # not text: the check raises
    fine = Item("b", "B", "", None, "A plain news item.")
    attach_dates(Snapshot(items=(odd, fine)), source)
    assert "_dates" not in odd.__dict__
    assert fine.__dict__["_dates"] == ("", NO_DATES)
