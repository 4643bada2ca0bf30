"""Planning a config reload (SIGHUP): which sources to add, drop or reschedule, what to rebuild.

`plan_reload(old, new)` compares two configs and returns a `ReloadPlan` value; the service
(watcher/service/lifecycle.py) carries it out. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass

from watcher.config import Config
from watcher.model import Source
from watcher.service.runner import fetch_policy


@dataclass(frozen=True)
class ReloadPlan:
    """What a reload changes. Settings that need a restart are only warned about."""

    added: tuple[Source, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[Source, ...] = ()
    new_fetcher: bool = False  # the fetch policy changed: a new HTTP client for new checks
    new_robots: bool = False  # the user agent changed: robots.txt rules are read again
    new_channels: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def reschedule(self) -> tuple[Source, ...]:
        return (*self.added, *self.changed)


def plan_reload(old: Config, new: Config) -> ReloadPlan:
    """Compare the running config with the one just read."""
    warnings = []
    if new.database != old.database:
        warnings.append("the database path changed in the config; restart the service to use it")
    if (new.service.health_port, new.service.health_host) != (
        old.service.health_port,
        old.service.health_host,
    ):
        warnings.append("[service] health_port/health_host changed; restart the service to apply it")
    old_sources = {s.id: s for s in old.sources}
    new_ids = {s.id for s in new.sources}
    old_policy, new_policy = fetch_policy(old), fetch_policy(new)
    return ReloadPlan(
        added=tuple(s for s in new.sources if s.id not in old_sources),
        removed=tuple(sid for sid in old_sources if sid not in new_ids),
        changed=tuple(s for s in new.sources if s.id in old_sources and old_sources[s.id] != s),
        new_fetcher=new_policy != old_policy,
        new_robots=new_policy.user_agent != old_policy.user_agent,
        new_channels=new.channels != old.channels,
        warnings=tuple(warnings),
    )
