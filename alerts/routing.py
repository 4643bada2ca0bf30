"""Which channels receive which changes: matching on tags, jurisdictions and source ids."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from watcher.model import Source


@dataclass(frozen=True)
class Match:
    """A channel's filter: `match = {tags = [...], jurisdictions = [...], sources = [...],
    priorities = [...], not_tags = [...], not_jurisdictions = [...], not_sources = [...]}`.

    Each non-empty inclusion must match (tags: any one of them; sources: glob patterns such as
    `us-*`; priorities: the source's `priority`, high | normal | low), and no exclusion may
    match. An empty match takes everything.
    """

    tags: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    not_tags: tuple[str, ...] = ()
    not_jurisdictions: tuple[str, ...] = ()
    not_sources: tuple[str, ...] = ()

    def matches(self, source: Source) -> bool:
        tags = {t.lower() for t in source.tags}
        jurisdiction = source.jurisdiction.upper()
        if self.tags and not {t.lower() for t in self.tags} & tags:
            return False
        if self.jurisdictions and jurisdiction not in {j.upper() for j in self.jurisdictions}:
            return False
        if self.sources and not any(fnmatch.fnmatchcase(source.id, p) for p in self.sources):
            return False
        if self.priorities and source.priority not in {p.lower() for p in self.priorities}:
            return False
        if {t.lower() for t in self.not_tags} & tags:
            return False
        if jurisdiction in {j.upper() for j in self.not_jurisdictions}:
            return False
        return not any(fnmatch.fnmatchcase(source.id, p) for p in self.not_sources)


class Routable(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def match(self) -> Match: ...
    @property
    def health(self) -> bool: ...


def route(source: Source, channels: Iterable[Routable]) -> list[str]:
    """The channels a change of `source` goes to. Related-article sources never alert."""
    if source.role == "related":
        return []
    return [c.id for c in channels if c.match.matches(source)]


def route_health(channels: Iterable[Routable], only: Iterable[str] | None = None) -> list[str]:
    """The channels that hear about broken and recovered sources."""
    chosen = set(only) if only is not None else None
    return [c.id for c in channels if (c.id in chosen if chosen is not None else c.health)]


@dataclass(frozen=True)
class Routes:
    """Every routing decision in one value: change alerts by each channel's `match`
    (`changes`), health alerts to the `[health] channels` or every channel with
    `health = true` (`health`). The engine asks it; the store only enqueues what it says."""

    channels: tuple[Routable, ...] = ()
    health_only: tuple[str, ...] | None = None

    def changes(self, source: Source) -> list[str]:
        return route(source, self.channels)

    @property
    def health(self) -> tuple[str, ...]:
        return tuple(route_health(self.channels, self.health_only))
