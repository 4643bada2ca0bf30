"""Source health transitions, table-driven: ok → failing → broken → recovered, selector broken."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from watcher.check.sourcehealth import after_failure, after_success, display_state
from watcher.db.values import HealthState
from watcher.errors import Reason

NOW = datetime(2024, 10, 1, 12, 0, tzinfo=UTC)
EARLIER = datetime(2024, 9, 30, 12, 0, tzinfo=UTC)
BREAKS_ON = frozenset({Reason.SELECTOR})


@pytest.mark.parametrize(
    ("current", "reason", "state", "failures", "since", "event"),
    [
        (HealthState("new"), Reason.TIMEOUT, "failing", 1, NOW, None),
        (HealthState("ok"), Reason.HTTP, "failing", 1, NOW, None),
        (HealthState("failing", 1, EARLIER), Reason.DNS, "failing", 2, EARLIER, None),
        (HealthState("failing", 2, EARLIER), Reason.DNS, "broken", 3, EARLIER, "broken"),
        (HealthState("ok"), Reason.SELECTOR, "broken", 1, NOW, "broken"),  # the kind breaks at once
        (HealthState("broken", 3, EARLIER), Reason.DNS, "broken", 4, EARLIER, None),  # said once
        (HealthState("broken", 1, EARLIER), Reason.SELECTOR, "broken", 2, EARLIER, None),
    ],
)
def test_after_failure(current, reason, state, failures, since, event):
    transition = after_failure(
        "s", current, reason=reason, error="boom", now=NOW, after_failures=3, breaks_on=BREAKS_ON
    )
    assert transition.state == HealthState(state, failures, since)
    if event is None:
        assert transition.event is None
    else:
        assert transition.event is not None
        assert transition.event.state == event
        assert transition.event.reason == f"{reason}: boom"
        assert (transition.event.failures, transition.event.since) == (failures, since)


def test_a_reason_the_kind_does_not_break_on_waits_for_the_count():
    transition = after_failure(
        "s", HealthState("ok"), reason=Reason.SELECTOR, error="x", now=NOW, after_failures=3, breaks_on=()
    )
    assert transition.state.state == "failing"


@pytest.mark.parametrize(
    ("current", "event"),
    [
        (HealthState("new"), None),
        (HealthState("ok"), None),
        (HealthState("failing", 2, EARLIER), None),
        (HealthState("broken", 5, EARLIER), "recovered"),
    ],
)
def test_after_success(current, event):
    transition = after_success("s", current)
    assert transition.state == HealthState("ok", 0, None)
    assert (transition.event.state if transition.event else None) == event


@pytest.mark.parametrize(
    ("state", "reason", "shown"),
    [
        (None, None, "new"),
        ("ok", None, "ok"),
        ("failing", "timeout", "failing"),
        ("broken", "timeout", "broken"),
        ("broken", "selector", "selector-broken"),
        ("failing", "selector", "failing"),
        ("failing", "robots", "robots-blocked"),
        ("broken", "robots", "robots-blocked"),
    ],
)
def test_display_state(state, reason, shown):
    assert display_state(state, reason) == shown
