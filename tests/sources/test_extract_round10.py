"""The extraction worker's round 10 (issue 18, perfextract2) reads exactly what it read before.

`Item.to_dict` written out is `{"key": ..., **content()}` (and its fields), keys in that
order, so a snapshot's stored JSON keeps its bytes. `parse_date` keeps the answers for ISO
days it has read: the same answer, whatever the jurisdiction and whatever was read before,
as reading the day afresh.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sources import dates
from watcher.model import Item

DAYS = ["2024-10-18", "2024-02-29", "2023-02-29", "2024-13-01", "1949-12-31", "1950-01-01",
        "2100-12-31", "2101-01-01", "0000-00-00", "٢٠٢٤-١٠-١٨", "2024-1-18", " 2024-10-18",
        "2024-10-18T11:17:00Z", "03/04/2024", "4 March 2024", "18.10.2024", "20241018"]  # fmt: skip


def read_afresh(text: str, dayfirst: bool) -> str | None:
    dates._ISO_DAYS.clear()
    return dates.parse_date(text, dayfirst=dayfirst)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(DAYS),
            st.from_regex(r"[0-9٢]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
            st.text(alphabet="0123456789-/. T:Z", max_size=12),
        ),
        min_size=1,
        max_size=8,
    ),
    st.lists(st.booleans(), min_size=8, max_size=8),
)
def test_iso_days_read_before_answer_as_read_afresh(texts, dayfirsts):
    expected = [(read_afresh(text, False), read_afresh(text, True)) for text in texts]
    dates._ISO_DAYS.clear()
    for (text, dayfirst), answers in zip(zip(texts, dayfirsts, strict=False), expected, strict=False):
        assert dates.parse_date(text, dayfirst=dayfirst) == answers[dayfirst]
        assert dates.parse_date(text, dayfirst=not dayfirst) == answers[not dayfirst]
    assert all(dates.ISO_DAY.fullmatch(text) for text in dates._ISO_DAYS)  # only ISO days kept


def test_the_iso_days_read_are_bounded():
    dates._ISO_DAYS.clear()
    first = date(1950, 1, 1)
    for day in range(3 * dates._ISO_DAYS_MAX):
        text = (first + timedelta(days=day)).isoformat()
        assert dates.parse_date(text) == text
        assert 0 < len(dates._ISO_DAYS) <= dates._ISO_DAYS_MAX


VALUES = st.one_of(st.text(max_size=6), st.sampled_from(["", "é", "\x00", '"', "\\"]))


@settings(max_examples=300, deadline=None)
@given(VALUES, VALUES, VALUES, st.one_of(st.none(), VALUES), VALUES,
       st.lists(st.tuples(VALUES, VALUES), max_size=3).map(tuple))  # fmt: skip
def test_an_items_dict_is_its_key_then_its_content_then_its_fields(key, title, link, date, summary, fields):
    item = Item(key, title, link, date, summary, fields)
    expected = {"key": key, **item.content()}
    if fields:
        expected["fields"] = dict(fields)
    assert list(item.to_dict().items()) == list(expected.items())
