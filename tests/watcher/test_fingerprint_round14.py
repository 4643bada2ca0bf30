"""Round 14 (issue 18, perfextract5): a fingerprint writes an item of plain text without
json's escaper, into the same bytes, so every fingerprint stays what it was.

`_item_strings` joins the values of an item without fields into `_sorted_json`'s string when
they need no escaping (printable ASCII without `"` or `\\`), told per item: the joined string
is ASCII without DEL, and orjson (which writes it for the hash anyway) escapes nothing in it
but its own quotes. Each case here is compared with the fingerprint's definition: `json.dumps`
of every item with sorted keys, sorted, and `json.dumps` of blocks and items, hashed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import listingcases
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sources.listing import Listing, ListingOptions
from watcher.errors import ExtractError
from watcher.model import FetchResult, Item, Snapshot, Source, _item_strings, _sorted_json


def fingerprint_before(snapshot: Snapshot) -> str:
    items = sorted(json.dumps(i.to_dict(), sort_keys=True) for i in snapshot.items)
    payload = json.dumps({"b": list(snapshot.blocks), "i": items}, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def fresh(snapshot: Snapshot) -> str:
    snapshot.__dict__.pop("fingerprint", None)
    return snapshot.fingerprint


#: Plain ASCII values (the short path), and characters that each need an escape of json's
#: (`"`, `\\`, every control character, DEL, non-ASCII) or sort beside the quote that ends a
#: value (" " and "!" before it, "#" and "A" after it, "\\" after it once escaped).
PLAIN = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters='"\\'), max_size=30)
ODD = st.sampled_from(['"', "\\", "\x7f", "é", "\u2028", "😀", " ", "!", "#", "A", *map(chr, range(0x20))])


@st.composite
def items(draw: st.DrawFn) -> Item:
    values = [draw(PLAIN) for _ in range(5)]
    if draw(st.booleans()):  # one value with an odd character somewhere in it
        which, odd = draw(st.integers(0, 4)), draw(ODD)
        at = draw(st.integers(0, len(values[which])))
        values[which] = values[which][:at] + odd + values[which][at:]
    key, title, link, date, summary = values
    return Item(
        key, title, key if draw(st.booleans()) else link, draw(st.sampled_from([None, date])), summary
    )


@settings(max_examples=1500, deadline=None)
@given(st.lists(items(), max_size=12), st.lists(st.sampled_from(["", "a", '"', "\x00", "é"]), max_size=2))
def test_generated_items_are_fingerprinted_as_before(generated, blocks):
    snapshot = Snapshot(blocks=tuple(blocks), items=tuple(generated))
    assert fresh(snapshot) == fingerprint_before(snapshot)
    strings, written = _item_strings(snapshot.items)
    assert strings == [json.dumps(i.to_dict(), sort_keys=True) for i in generated]
    assert written == {string: json.dumps(string).encode() for string in strings}


@pytest.mark.parametrize("odd", [chr(c) for c in range(0x20)] + ["\x7f", '"', "\\", "é"])
def test_one_odd_character_among_plain_items(odd):
    """50 plain items (the short path) and one with a character json escapes: the same hash."""
    plain = [
        Item(f"https://x.gov/{n}", f"Notice {n}", f"https://x.gov/{n}", "2024-01-02", "A rule.")
        for n in range(50)
    ]
    for field in ("key", "title", "link", "date", "summary"):
        values = {"key": "k", "title": "t", "link": "l", "date": "2024-01-03", "summary": "s"}
        values[field] = f"a{odd}b"
        snapshot = Snapshot(items=(*plain[:25], Item(**values), *plain[25:]))
        assert fresh(snapshot) == fingerprint_before(snapshot), (field, odd)


def test_values_one_the_prefix_of_another_sort_as_before():
    """A value that begins another sorts by the quote that ends it: before "#" and "A", after
    " " and "!" (a tuple of the values would sort the shorter first)."""
    for after in (" ", "!", "#", "A", "~", "/"):
        for field in ("key", "title", "link", "date", "summary"):
            first = {"key": "k", "title": "t", "link": "l", "date": "2024-01-03", "summary": "s"}
            second = dict(first, **{field: first[field] + after + "x"})
            snapshot = Snapshot(items=(Item(**second), Item(**first), Item(**dict(first, date=None))))
            assert fresh(snapshot) == fingerprint_before(snapshot), (after, field)
            assert sorted(_item_strings(snapshot.items)[0]) == sorted(map(_sorted_json, snapshot.items))


class Shown(str):
    """A str subclass that formats and prints as something else: `str.join` and json's escaper
    both write its own characters."""

    def __str__(self) -> str:
        return "shown"

    def __format__(self, spec: str) -> str:
        return "formatted"


@pytest.mark.parametrize(
    "item",
    [
        Item(Shown("k"), Shown("t"), "l", Shown("2024-01-02"), Shown("s")),
        Item("k", "t", "l", 20240102, "s"),  # type: ignore[arg-type]  # not text: json writes it
        Item("k", None, "l", None, "s"),  # type: ignore[arg-type]
        Item("k", "t", "l", None, "s", (("a", "1"),)),  # fields: the general way
    ],
)
def test_values_that_are_not_plain_text_go_the_general_way(item):
    plain = Item("https://x.gov/1", "Notice", "https://x.gov/1", "2024-01-02", "A rule.")
    snapshot = Snapshot(items=(plain, item))
    assert fresh(snapshot) == fingerprint_before(snapshot)


def test_a_value_json_cannot_write_is_refused_as_before():
    snapshot = Snapshot(items=(Item("k", "t", "l", "2024-01-02", "s"), Item("k", "t", "l", object(), "s")))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fingerprint_before(snapshot)
    with pytest.raises(TypeError):
        _ = snapshot.fingerprint


def test_a_lone_surrogate_in_a_block_fails_as_before():
    snapshot = Snapshot(blocks=("\udc80",), items=(Item("k", "t", "l", "2024-01-02", "s"),))
    with pytest.raises(UnicodeEncodeError):
        fingerprint_before(snapshot)
    with pytest.raises(UnicodeEncodeError):
        _ = snapshot.fingerprint


def test_no_items():
    for snapshot in (Snapshot(), Snapshot(blocks=("a", "é"))):
        assert fresh(snapshot) == fingerprint_before(snapshot)


#: The shared corpus's real HTML pages, where present (beside the clone, or on this machine).
PAGES = Path(__file__).resolve().parents[1] / "pages"
CORPUS = next(
    (path for path in (PAGES.parents[2] / "shared" / "corpus", Path("/work/shared/corpus")) if path.is_dir()),
    None,
)


def is_plain(item: Item) -> bool:
    """Whether the short path writes this item: no fields, every value printable ASCII without `"` or `\\`."""
    values = (item.key, item.title, item.link, item.date or "", item.summary)
    return not item.fields and all(
        v.isascii() and v.isprintable() and '"' not in v and "\\" not in v for v in values
    )


def test_every_listing_case_is_fingerprinted_as_before():
    """Every listing case (tests/pages with catalog and generic options, bench pages) and the
    shared corpus's HTML pages read as listings: real items, plain and not."""
    extra = tuple(sorted({path.parent for path in CORPUS.rglob("*.htm*")})) if CORPUS is not None else ()
    snapshots = short = general = 0
    for name, body, url, options, jurisdiction in listingcases.cases(extra):
        values = dict(options)
        ignore = tuple(values.pop("ignore", ()))
        if "exclude" in values:
            values["exclude"] = tuple(values["exclude"])
        source = Source(
            "s", url, "listing", options=ListingOptions(**values), jurisdiction=jurisdiction, ignore=ignore
        )
        try:
            snapshot = Listing().extract(
                FetchResult(url, url, 200, {"content-type": "text/html"}, body), source
            )
        except ExtractError:
            continue
        assert fresh(snapshot) == fingerprint_before(snapshot), name
        snapshots += 1
        written = _item_strings(snapshot.items)[0]
        expected = list(map(_sorted_json, snapshot.items))
        assert written == expected, name  # real pages hold no control characters after cleaning
        short += sum(map(is_plain, snapshot.items))
        general += len(written)
    assert snapshots > 300
    assert 0 < short < general  # both ways taken
