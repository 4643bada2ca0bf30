"""Schedule math: crontab weekdays, next due times, the start-up catch-up plan, status states."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from watcher.config import parse_config
from watcher.errors import ConfigError
from watcher.model import Source
from watcher.service.scheduling import (
    FIRST_DELAY,
    cron_trigger,
    crontab_weekdays,
    jitter_for,
    misfire_grace,
    next_due,
    plan_first_runs,
    trigger_for,
)
from watcher.service.status import source_statuses

NOW = datetime(2024, 10, 18, 10, 0, tzinfo=UTC)  # a Friday


def src(id: str, every: float | None = 60.0, cron: str | None = None) -> Source:
    return Source(id=id, url=f"https://example.gov/{id}", kind="page", every=every, cron=cron)


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("*/2", "sun,tue,thu,sat"),
        ("5-0", "sun,fri,sat"),
        ("sat-sun", "sun,sat"),
        ("mon,wed", "mon,wed"),
        ("3/2", "wed,fri"),
        ("*", "*"),
    ],
)
def test_crontab_weekdays_use_standard_numbering(field, names):
    assert crontab_weekdays(field) == names


@pytest.mark.parametrize("field", ["8", "fri-mon", "x", "1-5/0"])
def test_bad_weekday_fields_are_errors(field):
    with pytest.raises(ValueError):
        crontab_weekdays(field)


def test_weekday_cron_skips_the_weekend():
    # '1-5' is Monday to Friday in crontab; APScheduler 3 alone would read Tuesday to Saturday.
    fire = cron_trigger("0 9 * * 1-5").get_next_fire_time(None, NOW)
    assert fire == datetime(2024, 10, 21, 9, 0, tzinfo=UTC)
    assert fire.strftime("%a") == "Mon"


def test_config_accepts_crontab_sunday_7_and_rejects_nonsense():
    base = {"id": "x", "url": "https://example.gov/", "kind": "page"}
    config = parse_config({"sources": [{**base, "cron": "0 9 * * 7"}]}, path=None)
    assert config.sources[0].cron == "0 9 * * 7"
    with pytest.raises(ConfigError, match="not a valid cron expression"):
        parse_config({"sources": [{**base, "cron": "0 9 * *"}]}, path=None)


def test_next_due_from_the_last_check():
    assert next_due(src("a", every=3600), None, NOW) == NOW
    assert next_due(src("a", every=3600), NOW, NOW) == NOW + timedelta(hours=1)
    weekday = src("b", every=None, cron="0 9 * * 1-5")
    assert next_due(weekday, datetime(2024, 10, 17, 9, 0, 1, tzinfo=UTC), NOW) == datetime(
        2024, 10, 18, 9, 0, tzinfo=UTC
    )


def test_plan_catches_up_overdue_sources_staggered_and_keeps_the_others():
    sources = [src("fresh", 3600), src("overdue-1", 60), src("overdue-2", 60), src("never", 60)]
    last = {
        "fresh": NOW - timedelta(minutes=10),
        "overdue-1": NOW - timedelta(minutes=5),
        "overdue-2": NOW - timedelta(minutes=30),
    }
    plan = plan_first_runs(sources, last, {}, NOW)
    assert plan["fresh"] == NOW + timedelta(minutes=50)  # keeps its cadence
    # Never checked and overdue run soon, longest overdue first, one step apart.
    order = sorted(["overdue-1", "overdue-2", "never"], key=plan.__getitem__)
    assert order == ["overdue-2", "overdue-1", "never"]
    assert plan["overdue-2"] == NOW + timedelta(seconds=FIRST_DELAY)
    gaps = [(plan[b] - plan[a]).total_seconds() for a, b in itertools.pairwise(order)]
    assert all(g > 0 for g in gaps)


def test_plan_spreads_many_catch_ups_within_the_window():
    sources = [src(f"s{i:03d}", 60) for i in range(500)]
    plan = plan_first_runs(sources, {}, {}, NOW, window=60)
    latest = max(plan.values())
    assert latest <= NOW + timedelta(seconds=60 + FIRST_DELAY)
    assert len(set(plan.values())) == 500


def test_plan_waits_for_retry_after_holds():
    hold = NOW + timedelta(minutes=3)
    plan = plan_first_runs([src("a", 60)], {"a": NOW - timedelta(hours=1)}, {"a": hold}, NOW)
    assert plan["a"] == hold


def test_interval_trigger_jitter_is_a_capped_fraction():
    trigger = trigger_for(src("a", 600), jitter=0.1, start=NOW)
    assert isinstance(trigger, IntervalTrigger)
    assert trigger.jitter == 60
    assert jitter_for(src("d", 86400), 0.1) == 900  # capped at 15 minutes
    for _ in range(20):
        fire = trigger.get_next_fire_time(NOW, NOW)
        assert NOW + timedelta(seconds=600) <= fire <= NOW + timedelta(seconds=660)
    assert misfire_grace(src("a", 2)) == 30
    assert misfire_grace(src("d", 86400)) == 86400  # a daily check late by hours still runs
    assert misfire_grace(src("b", None, "0 9 * * *")) == 7 * 86400


def test_status_states_and_next_runs():
    sources = [src("ok", 3600), src("robots", 3600), src("sel", 3600), src("held", 3600), src("new", 3600)]
    checked = (NOW - timedelta(minutes=10)).isoformat()
    hold = (NOW + timedelta(hours=2)).isoformat()
    rows = {
        "ok": {"state": "ok", "last_check_at": checked},
        "robots": {"state": "failing", "last_reason": "robots", "failures": 1, "last_check_at": checked},
        "sel": {"state": "broken", "last_reason": "selector", "failures": 1, "last_check_at": checked},
        "held": {
            "state": "failing",
            "last_reason": "http",
            "last_check_at": checked,
            "retry_after_until": hold,
        },
    }
    statuses = {s.id: s for s in source_statuses(sources, rows, NOW)}
    assert {k: s.state for k, s in statuses.items()} == {
        "ok": "ok",
        "robots": "robots-blocked",
        "sel": "selector-broken",
        "held": "failing",
        "new": "new",
    }
    assert statuses["ok"].next_run == NOW + timedelta(minutes=50)
    assert statuses["held"].next_run == NOW + timedelta(hours=2)  # Retry-After outlasts the cadence
    assert statuses["new"].next_run == NOW
    assert [s.id for s in statuses.values() if s.is_bad] == ["robots", "sel"]
