"""`watcher.db.values._dumps` (a change's items, an item's fields, a related link's terms)
writes what `json.dumps(value, ensure_ascii=False, separators=(",", ":"))` writes, and fails
where it fails, with one encoder made once instead of one per call."""

from __future__ import annotations

import json
import math

import pytest

from watcher.db.values import _dumps
from watcher.model import Item


def reference(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


ITEM = Item(
    key="https://www.federalregister.gov/d/2024-22270",
    title="Privacy Act of 1974; System of Records — “Médicaments” \u2028 ünïcode",
    link="https://www.govinfo.gov/content/pkg/FR-2024-10-01/pdf/2024-22270.pdf",
    date="2024-10-01",
    summary='Quotes " and backslashes \\ and\ttabs\nand a lone surrogate \ud800',
    fields=(("action", "Notice"), ("type", "Notice")),
)
VALUES = [
    [],
    {},
    [ITEM.to_dict()],
    [{"before": ITEM.to_dict(), "after": {**ITEM.to_dict(), "title": "edited"}}],
    dict(ITEM.fields),
    ["privacy", "breach", "notification", "HIPAA §164.404", "日本語"],
    {"nested": [1, 2.5, -0.0, 1e300, 10**30, True, False, None, "x"]},
    {"b": 1, "a": 2, "1": 3},  # key order kept (no sorting)
    [float("inf"), float("-inf"), math.nan],
    "a string",
    12,
    None,
]


@pytest.mark.parametrize("value", VALUES)
def test_dumps_writes_what_json_dumps_writes(value):
    assert _dumps(value) == reference(value)


@pytest.mark.parametrize("bad", [{1j}, [object()], {("a",): 1}])
def test_dumps_fails_as_json_dumps_fails(bad):
    with pytest.raises(TypeError) as expected:
        reference(bad)
    with pytest.raises(TypeError) as got:
        _dumps(bad)
    assert str(got.value) == str(expected.value)


def test_a_circular_value_fails_as_before():
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        _dumps(loop)
    assert _dumps([1, [2]]) == "[1,[2]]"  # the encoder is not left holding the loop
