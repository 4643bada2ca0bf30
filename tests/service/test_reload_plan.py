"""Reload planning (SIGHUP): what a new config adds, drops, reschedules and rebuilds."""

from __future__ import annotations

import dataclasses

from watcher.config import parse_config
from watcher.service.reload import plan_reload

A = {"id": "a", "url": "https://a.gov/", "kind": "page"}
B = {"id": "b", "url": "https://b.gov/", "kind": "page"}
C = {"id": "c", "url": "https://c.gov/", "kind": "page"}


def config(**data):
    return parse_config({"sources": [A, B], **data}, path=None)


def test_same_config_plans_nothing():
    plan = plan_reload(config(), config())
    assert plan.reschedule == () and plan.removed == ()
    assert not (plan.new_fetcher or plan.new_robots or plan.new_channels or plan.warnings)


def test_sources_added_removed_and_changed():
    new = parse_config({"sources": [{**A, "every": "5m"}, C]}, path=None)
    plan = plan_reload(config(), new)
    assert [s.id for s in plan.added] == ["c"]
    assert plan.removed == ("b",)
    assert [s.id for s in plan.changed] == ["a"]
    assert [s.id for s in plan.reschedule] == ["c", "a"]


def test_fetch_limits_rebuild_the_fetcher_and_the_user_agent_robots():
    plan = plan_reload(config(), config(limits={"timeout": 5}))
    assert plan.new_fetcher and not plan.new_robots
    plan = plan_reload(config(), config(user_agent="other-bot/1"))
    assert plan.new_fetcher and plan.new_robots


def test_channels_rebuilt_only_when_they_change():
    assert not plan_reload(config(), config()).new_channels
    plan = plan_reload(config(), config(channels=[{"id": "loud", "kind": "console"}]))
    assert plan.new_channels


def test_settings_that_need_a_restart_are_warned_about():
    old = config()
    plan = plan_reload(old, dataclasses.replace(old, database="other.db"))
    assert any("database" in w for w in plan.warnings)
    plan = plan_reload(old, config(service={"health_port": 9999}))
    assert any("health_port" in w for w in plan.warnings)


def test_held_until_takes_the_later_of_the_source_and_host_holds():
    from datetime import UTC, datetime, timedelta

    from watcher.service.scheduling import held_until

    now = datetime(2024, 10, 1, 12, 0, tzinfo=UTC)
    later = now + timedelta(minutes=5)
    assert held_until(None, 0, now) is None
    assert held_until(now - timedelta(seconds=1), 0, now) is None  # over
    assert held_until(later, 0, now) == later
    assert held_until(None, 60, now) == now + timedelta(seconds=60)
    assert held_until(later, 60, now) == later
    assert held_until(later, 600, now) == now + timedelta(seconds=600)
