"""Listing snapshots do not move: every case of tests/support/listingcases.py (real pages with
their catalog options and with generic options that read most of a page as items, and bench
pages) extracts to the items and fingerprint frozen in `listing-digests.json`, written from
the code before the per-item shortcuts. A shortcut that answered differently on any item of
any case would report changes that are not."""

from __future__ import annotations

import json
from pathlib import Path

import listingcases

EXPECTED = json.loads((Path(__file__).parent / "listing-digests.json").read_text())


def test_every_case_is_frozen():
    assert sorted(name for name, *_ in listingcases.cases()) == sorted(EXPECTED)


def test_snapshots_equal_the_frozen_ones():
    found = listingcases.digests()
    assert {name: value for name, value in found.items() if value != EXPECTED[name]} == {}
    # the cases read thousands of items, not a handful
    assert sum(int(value.split()[0]) for value in found.values() if not value.startswith("error")) > 4000
