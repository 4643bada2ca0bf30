"""`decide`: what one check means, case by case, from values alone (no server, no database)."""

from __future__ import annotations

import pytest

from watcher.check.decide import (
    Baseline,
    Changed,
    Pending,
    Rebaseline,
    Unchanged,
    decide,
    must_read,
)
from watcher.db.values import SourceState
from watcher.model import FetchResult, Item, Snapshot, Source

SOURCE = Source(id="us-x-news", url="https://e.gov/news", kind="listing")
CONFIRM3 = Source(id="us-x-news", url="https://e.gov/news", kind="listing", confirm=3)
OLD = Snapshot(items=(Item("1", "One"),))
NEW = Snapshot(items=(Item("1", "One"), Item("2", "Two")))
FETCHED = FetchResult(url=SOURCE.url, final_url=SOURCE.url, status=200, body=b"<html>new</html>")
NOT_MODIFIED = FetchResult(url=SOURCE.url, final_url=SOURCE.url, status=304, body=b"", not_modified=True)


def stored(**kw) -> SourceState:
    return SourceState(**{"latest": OLD.fingerprint, "config_hash": "cfg", "body_hash": "old", **kw})


def test_first_version_is_a_baseline():
    assert decide(SourceState(), FETCHED, NEW, SOURCE, config_hash="cfg") == Baseline()


def test_same_fingerprint_is_unchanged_and_forgets_a_pending_change():
    assert decide(stored(pending="x", pending_count=1), FETCHED, OLD, SOURCE, config_hash="cfg") == Unchanged(
        clear_pending=True
    )


def test_new_version_is_a_change_with_the_diff():
    decision = decide(stored(), FETCHED, NEW, SOURCE, config_hash="cfg", previous=OLD)
    assert isinstance(decision, Changed)
    assert [i.key for i in decision.change.added] == ["2"]
    assert decision.change.before == OLD.fingerprint and decision.change.after == NEW.fingerprint


def test_missing_stored_version_diffs_against_nothing():
    decision = decide(stored(), FETCHED, NEW, SOURCE, config_hash="cfg", previous=None)
    assert isinstance(decision, Changed)
    assert [i.key for i in decision.change.added] == ["1", "2"]


def test_config_edit_rebaselines_instead_of_alerting():
    assert decide(stored(), FETCHED, NEW, SOURCE, config_hash="edited", previous=OLD) == Rebaseline()


def test_config_edit_with_same_content_is_unchanged():
    assert decide(stored(), FETCHED, OLD, SOURCE, config_hash="edited") == Unchanged()


def test_unknown_stored_config_is_not_a_config_edit():
    decision = decide(stored(config_hash=None), FETCHED, NEW, SOURCE, config_hash="cfg", previous=OLD)
    assert isinstance(decision, Changed)


@pytest.mark.parametrize(
    ("pending", "count", "expected"),
    [
        (None, 0, Pending(1)),  # first sighting
        ("other", 1, Pending(1)),  # a different new version starts again
        ("SAME", 1, Pending(2)),  # seen twice
        ("SAME", 2, "changed"),  # the third sighting confirms it
    ],
)
def test_confirm_waits_for_repeated_sightings(pending, count, expected):
    state = stored(pending=NEW.fingerprint if pending == "SAME" else pending, pending_count=count)
    decision = decide(state, FETCHED, NEW, CONFIRM3, config_hash="cfg", previous=OLD)
    if expected == "changed":
        assert isinstance(decision, Changed)
    else:
        assert decision == expected


def test_a_difference_the_diff_does_not_report_keeps_a_pending_confirmation():
    # A flag recorded as "false" and one left out move the fingerprint, but to "this item
    # changed" both are "not set" (watcher/check/matching.py).
    base = Snapshot(items=(Item("1", "One", fields=(("final", "false"),)),))
    moved = Snapshot(items=(Item("1", "One"),))
    assert moved.fingerprint != base.fingerprint
    state = SourceState(latest=base.fingerprint, config_hash="cfg")
    assert decide(state, FETCHED, moved, SOURCE, config_hash="cfg", previous=base) == Unchanged(
        clear_pending=False
    )


@pytest.mark.parametrize(
    ("state", "fetched", "config_hash", "expected"),
    [
        (stored(), NOT_MODIFIED, "cfg", False),  # 304 for a stored version
        (SourceState(), NOT_MODIFIED, "cfg", True),  # 304 without one cannot be trusted
        (stored(body_hash=FETCHED.body_hash), FETCHED, "cfg", False),  # same bytes, same config
        (stored(body_hash=FETCHED.body_hash), FETCHED, "edited", True),  # same bytes, new config
        (stored(body_hash=FETCHED.body_hash, pending="p"), FETCHED, "cfg", True),  # confirming
        (stored(), FETCHED, "cfg", True),  # other bytes
    ],
)
def test_must_read(state, fetched, config_hash, expected):
    assert must_read(state, fetched, config_hash) is expected


def test_a_date_once_read_day_first_is_no_change_and_a_real_change_still_is():
    """A UK/EU/IN listing's `<time datetime="2024-10-05T09:30:00">` was stored as 10 May
    before year-first dates were read in ISO order: the corrected reading is not an alert,
    while a real edit beside it is, without the corrected date."""
    uk = Source(id="uk-x-news", url="https://e.gov/news", kind="listing", jurisdiction="UK")
    was = Snapshot(
        items=(Item("1", "One", date="2024-05-10T09:30:00"), Item("2", "Two", date="2024-03-02T10:00:00"))
    )
    now = Snapshot(
        items=(Item("1", "One", date="2024-10-05T09:30:00"), Item("2", "Two", date="2024-02-03T10:00:00"))
    )
    state = SourceState(latest=was.fingerprint, config_hash="cfg", body_hash="old")
    assert decide(state, FETCHED, now, uk, config_hash="cfg", previous=was) == Unchanged(clear_pending=False)

    edited = Snapshot(items=(now.items[0], Item("2", "Two, corrected", date="2024-02-03T10:00:00")))
    decision = decide(state, FETCHED, edited, uk, config_hash="cfg", previous=was)
    assert isinstance(decision, Changed)
    assert [(c.before.title, c.after.title) for c in decision.change.changed] == [("Two", "Two, corrected")]
    # Any other date move is a change.
    moved = Snapshot(items=(Item("1", "One", date="2024-10-06T09:30:00"), now.items[1]))
    assert isinstance(decide(state, FETCHED, moved, uk, config_hash="cfg", previous=was), Changed)
