"""`Item.from_dict` (the stored items a change reads back) makes the very item the dataclass's
own `__init__` makes from the same values: equal, the same `__dict__` in the same order, the
same hash, repr and pickle, for stored items of every shape (fields or none, a date or
none, keys missing, values that are not `str`); a subclass still goes through its own
`__init__`. Items from a real Federal Register API response (tests/pages/
federal-register-api-json/SOURCE.md) and made-up edge cases."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from watcher.model import Item, Snapshot

SAMPLE = Path(__file__).resolve().parents[1] / "pages" / "federal-register-api-json" / "documents-sample.json"


def through_init(data: dict[str, Any]) -> Item:
    """What `from_dict` made before: the values through the generated `__init__`."""
    fields = data.get("fields")
    return Item(
        data["key"],
        data.get("title", ""),
        data.get("link", ""),
        data.get("date"),
        data.get("summary", ""),
        tuple(sorted(fields.items())) if fields else (),
    )


def stored_dicts() -> list[dict[str, Any]]:
    """Items as a stored snapshot's JSON holds them (real ones), and odd shapes."""
    found = []
    for index, doc in enumerate(json.loads(SAMPLE.read_text(encoding="utf-8"))["results"]):
        item = Item(
            key=doc["html_url"],
            title=doc["title"],
            link=doc.get("pdf_url") or "",
            date=doc["publication_date"] if index % 3 else None,
            summary=doc.get("abstract") or "",
            fields=(("action", doc.get("action") or ""), ("type", doc["type"])) if index % 2 else (),
        )
        found.append(json.loads(json.dumps(item.to_dict())))
    found += [
        {"key": "k"},  # only the key: every other value defaults
        {"key": "k", "title": "", "link": "", "date": None, "summary": "", "fields": {}},
        {"key": "k", "fields": {"b": "2", "a": "1", "c": ""}},  # sorted, as before
        {"key": "", "title": "ünïcode \u2028 \ud800", "date": "2024-13-45"},
        {"key": 7, "title": None, "link": 1.5, "date": 20240101, "summary": True},  # not str at all
        {"key": "k", "extra": "ignored", "title": "t"},
    ]
    return found


@pytest.mark.parametrize("data", stored_dicts())
def test_from_dict_makes_the_item_init_makes(data):
    fast, slow = Item.from_dict(data), through_init(data)
    assert fast == slow and slow == fast
    assert type(fast) is Item
    assert vars(fast) == vars(slow) and list(vars(fast)) == list(vars(slow))
    assert hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert pickle.dumps(fast) == pickle.dumps(slow)
    assert fast.to_dict() == slow.to_dict()
    assert dataclasses.replace(fast, title="other") == dataclasses.replace(slow, title="other")
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.title = "changed"  # type: ignore[misc]


def test_a_missing_key_fails_as_before():
    with pytest.raises(KeyError):
        Item.from_dict({"title": "no key"})


def test_a_snapshot_reads_its_items_back_the_same():
    items = stored_dicts()[:-2]
    data = {"blocks": ["a", "b"], "items": items}
    back = Snapshot.from_dict(data)
    assert back == Snapshot(blocks=("a", "b"), items=tuple(through_init(i) for i in items))
    assert all(vars(a) == vars(b) for a, b in zip(back.items, map(through_init, items), strict=True))


def test_a_subclass_goes_through_its_own_init():
    seen = []

    @dataclasses.dataclass(frozen=True)
    class Checked(Item):
        def __post_init__(self) -> None:
            seen.append(self.key)

    made = Checked.from_dict({"key": "k", "title": "t"})
    assert type(made) is Checked and seen == ["k"] and made.title == "t"


def test_item_init_only_sets_its_fields():
    """`from_dict` sets the instance's `__dict__` whole, as pickle does: exact while the
    generated `__init__` does nothing else. A `__post_init__`, slots or a field that is not
    in `__init__` would need `from_dict` to go through `__init__` again."""
    assert not hasattr(Item, "__post_init__")
    assert "__slots__" not in vars(Item)
    assert [f.name for f in dataclasses.fields(Item)] == ["key", "title", "link", "date", "summary", "fields"]
    assert all(f.init and f.default_factory is dataclasses.MISSING for f in dataclasses.fields(Item))
