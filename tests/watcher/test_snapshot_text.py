"""A snapshot's readable text (`Snapshot.text`: the searchable text of each version, and what
`regwatch snapshot` prints) is written out for items of three plain strings instead of joining
a generator: the same text for every item, whatever its parts hold or lack."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.model import Item, Snapshot


class Smart(str):
    """A str subclass, as lxml hands back its 'smart' strings."""


def text_before(snapshot: Snapshot) -> str:
    """`Snapshot.text` as it was (main e68938a), verbatim."""
    lines = list(snapshot.blocks)
    for item in snapshot.items:
        lines.append(" | ".join(p for p in (item.date or "", item.title, item.link) if p))
    return "\n".join(lines)


PART = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "|", " | ", "\n", "é😀", "{}", "{0}", "%s"]),
    st.text(max_size=6).map(Smart),
)
ITEMS = st.builds(
    Item,
    key=st.text(max_size=6),
    title=PART,
    link=PART,
    date=st.one_of(st.none(), PART),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(max_size=10), max_size=3).map(tuple), st.lists(ITEMS, max_size=6).map(tuple))
def test_the_text_of_a_snapshot_is_what_it_was(blocks, items):
    snapshot = Snapshot(blocks=blocks, items=items)
    assert snapshot.text == text_before(snapshot)
    assert type(snapshot.text) is str


def test_items_with_an_empty_or_missing_part_leave_it_out():
    items = (
        Item(key="a", title="Notice", link="https://e.gov/a", date="2025-07-01"),
        Item(key="b", title="Notice", link="", date="2025-07-01"),
        Item(key="c", title="", link="https://e.gov/c", date=None),
        Item(key="d", title="Only a title"),
    )
    assert Snapshot(blocks=("Head",), items=items).text == (
        "Head\n2025-07-01 | Notice | https://e.gov/a\n2025-07-01 | Notice\nhttps://e.gov/c\nOnly a title"
    )
