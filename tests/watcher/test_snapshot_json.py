"""A snapshot's JSON is written faster, into the same bytes: its stored form (orjson instead of
`json.dumps(..., ensure_ascii=False, separators=(",", ":"))`) and the item strings its
fingerprint hashes (written out instead of `json.dumps(item.to_dict(), sort_keys=True)`).
Stored snapshots and fingerprints key every version in history: a byte of difference
would make every source look changed once."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.blobs import snapshot_json
from watcher.model import Item, Snapshot, _sorted_json

#: Every code point a str can hold in valid UTF-8 (surrogates are refused, below).
EVERY_CHARACTER = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
SOME = st.one_of(
    TEXT, st.sampled_from(["", '"', "\\", "\n\r\t\b\f\x00\x1f\x7f", "\u2028\u2029", "é😀", "</script>"])
)
ITEMS = st.builds(
    Item,
    key=SOME,
    title=SOME,
    link=SOME,
    date=st.one_of(st.none(), SOME),
    summary=SOME,
    fields=st.one_of(st.just(()), st.lists(st.tuples(SOME, SOME), max_size=3).map(tuple)),
)


def stored_json_before(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def fingerprint_before(snapshot: Snapshot) -> str:
    items = sorted(json.dumps(i.to_dict(), sort_keys=True) for i in snapshot.items)
    payload = json.dumps({"b": list(snapshot.blocks), "i": items}, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def test_every_character_is_written_as_before():
    item = Item(key=EVERY_CHARACTER, title=EVERY_CHARACTER[::-1], link="", date=None, summary=EVERY_CHARACTER)
    data = Snapshot(blocks=(EVERY_CHARACTER,), items=(item,)).to_dict()
    assert snapshot_json(data) == stored_json_before(data)
    assert _sorted_json(item) == json.dumps(item.to_dict(), sort_keys=True)


@settings(max_examples=600, deadline=None)
@given(st.lists(SOME, max_size=4), st.lists(ITEMS, max_size=8))
def test_generated_snapshots_are_written_and_fingerprinted_as_before(blocks, items):
    snapshot = Snapshot(blocks=tuple(blocks), items=tuple(items))
    assert snapshot_json(snapshot.to_dict()) == stored_json_before(snapshot.to_dict())
    assert snapshot.fingerprint == fingerprint_before(snapshot)
    for item in items:
        assert _sorted_json(item) == json.dumps(item.to_dict(), sort_keys=True)


class Title(str):
    """A str subclass, as a library may hand back."""


def test_what_the_short_paths_do_not_take_goes_the_general_way():
    odd = Item(key=Title("k"), title="t", link="l", date=None, summary="s", fields=(("b", "2"), ("a", "1")))
    assert _sorted_json(odd) == json.dumps(odd.to_dict(), sort_keys=True)
    data = {"blocks": [Title("x")], "items": [{"n": 2**70, "d": None}]}
    assert snapshot_json(data) == stored_json_before(data)


def test_a_lone_surrogate_fails_as_it_did():
    with pytest.raises(UnicodeEncodeError):
        stored_json_before({"blocks": ["\ud800"]})
    with pytest.raises(UnicodeEncodeError):
        snapshot_json({"blocks": ["\ud800"]})


def test_a_lone_surrogate_in_a_block_fails_the_fingerprint_as_it_did():
    snapshot = Snapshot(blocks=("\udc80",))
    with pytest.raises(UnicodeEncodeError):
        fingerprint_before(snapshot)
    with pytest.raises(UnicodeEncodeError):
        _ = snapshot.fingerprint


@settings(max_examples=300, deadline=None)
@given(SOME, SOME, SOME, st.one_of(st.none(), SOME))
def test_an_item_whose_link_is_its_key_is_written_as_before(link, title, summary, date):
    """A listing's plain link is its item's key, the very string: escaped once (round 11)."""
    same = Item(link, title, link, date, summary)
    other = Item(link + "#", title, link, date, summary)  # a key that is not the link
    for item in (same, other):
        assert _sorted_json(item) == json.dumps(item.to_dict(), sort_keys=True)
    assert Snapshot(items=(same, other)).fingerprint == fingerprint_before(Snapshot(items=(same, other)))


class Day(str):
    """Another str subclass, in the fields the short path takes."""


@pytest.mark.parametrize(
    "item",
    [
        Item(Title("k"), Title('t"\\'), "l", Day("2024-01-02"), Title("é")),  # str subclasses, no fields
        Item("k", "t", "l", 20240102, "s"),  # type: ignore[arg-type]  # a date that is not text
        Item("k", "t", "l", True, "s"),  # type: ignore[arg-type]
        Item("k", None, "l", None, "s"),  # type: ignore[arg-type]
        Item("k", "t", "l", 1.5, "s", (("a", "1"),)),  # type: ignore[arg-type]
    ],
)
def test_values_the_escaper_refuses_go_through_json(item):
    """Round 11: the short path is taken for any item without fields; a value json's escaper
    refuses sends the item through `json.dumps`, which writes it as before."""
    assert _sorted_json(item) == json.dumps(item.to_dict(), sort_keys=True)
    assert Snapshot(items=(item,)).fingerprint == fingerprint_before(Snapshot(items=(item,)))


def test_a_value_json_cannot_write_is_refused_as_before():
    item = Item("k", "t", "l", object(), "s")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        json.dumps(item.to_dict(), sort_keys=True)
    with pytest.raises(TypeError):
        _sorted_json(item)
