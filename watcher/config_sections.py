"""The engine-wide tables of regwatch.toml — [limits], [service], [reminders], [related] and
[dedupe] — as frozen values, and the parsers that split [limits] and [related] between the
engine's own policies (`FetchPolicy`, `Ranking`, `FollowPolicy`) and the rest.

`watcher.config` assembles the whole `Config` from these (and re-exports them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from watcher.check.follow import FollowPolicy
from watcher.config_entries import (
    MAX_CHECK_TIMEOUT,
    ReminderRule,
    check_offsets,
    parse_interval,
    valid_check_timeout,
)
from watcher.config_tables import build_dataclass, check_keys
from watcher.db.batch import BATCH_CHECKS, BATCH_SECONDS, MAX_BATCH_CHECKS, MAX_BATCH_SECONDS
from watcher.errors import ConfigError
from watcher.model import Source
from watcher.net.fetch import DEFAULT_USER_AGENT, FetchPolicy
from watcher.related.values import Ranking


@dataclass(frozen=True)
class Limits:
    """The [limits] that are not fetch limits: the deadline of one whole check, PDF pages
    read, result pages followed.

    The other [limits] keys (timeout, connect_timeout, max_bytes, max_redirects,
    concurrency, per_host, host_delay) are the engine's own `FetchPolicy`, held as `Config.fetch`.
    `timeout` there bounds one request (all its redirect hops); `check_timeout` here bounds one
    whole check of a source: robots.txt, feed discovery, every page, follows and extraction,
    including the wait for a free connection slot.
    """

    check_timeout: float = 300.0
    pdf_max_pages: int = 200
    max_pages: int = 10
    #: A pass commits its checks in batches of at most this many checks or this many
    #: seconds, whichever first (watcher/db/batch.py); 1 = every check commits alone.
    batch_checks: int = BATCH_CHECKS
    batch_seconds: float = BATCH_SECONDS

    def __post_init__(self) -> None:
        if not valid_check_timeout(self.check_timeout):
            raise ValueError(f"check_timeout must be a number of seconds from 1 to {MAX_CHECK_TIMEOUT:g}")
        if not 1 <= self.batch_checks <= MAX_BATCH_CHECKS:
            raise ValueError(f"batch_checks must be a number of checks from 1 to {MAX_BATCH_CHECKS}")
        if not 0 < self.batch_seconds <= MAX_BATCH_SECONDS:
            raise ValueError(
                f"batch_seconds must be a number of seconds above 0, at most {MAX_BATCH_SECONDS:g}"
            )


@dataclass(frozen=True)
class Service:
    """Settings of the long-running `regwatch run` service."""

    jitter: float = 0.1
    health_port: int | None = None
    health_host: str = "127.0.0.1"
    shutdown_grace: float = 10.0
    deliver_every: float = 5.0
    # Where readers reach the health port (https://regwatch.example.org): alerts link to
    # its read-only change pages, /changes/N. Empty: no link, no pages.
    public_url: str = ""
    #: The environment variable holding the token `/calendar.ics?token=` needs ("" = open).
    calendar_token_env: str = ""


@dataclass(frozen=True)
class Reminders:
    """[reminders]: before = ["14d", "3d", "1d"]: remind this long before each comment
    deadline and effective date (README "Reminders"); a channel's `reminders` overrides it,
    and `[[reminders.rules]]` (per match, kind and document type) override both."""

    before: tuple[str, ...] = ()
    rules: tuple[ReminderRule, ...] = ()

    def __post_init__(self) -> None:
        check_offsets(self.before)


#: [related] keys and where they go: the ranker's `Ranking`, or the `FollowPolicy`.
RANKING_KEYS = ("before_days", "after_days", "threshold", "shown", "keep", "companions")
FOLLOW_KEYS = ("follow_max_items", "follow_max_chars")  # FollowPolicy fields, by their config keys


def check_related(ranking: Ranking, follow: FollowPolicy) -> None:
    """[related]: following new documents and linking related articles (README "Related articles").

    before_days / after_days: the window around a document's date in which related items
    are looked for. threshold: the score a link needs to be shown. shown: links per document
    in alerts. keep: links stored per document. companions: once a document's best link is
    shown, also show the next ones (up to `shown`) that score at least half as well, share
    something not common and hold evidence of their own, something most other candidates do
    not match (off by default: only strong or clearly leading links). follow_max_items: links
    followed per change. follow_max_chars: characters kept of each followed document.
    """
    if ranking.before_days < 0 or ranking.after_days < 0:
        raise ValueError("before_days and after_days must be 0 or more")
    if ranking.threshold < 0:
        raise ValueError("threshold must be 0 or more")
    if not 0 <= ranking.shown <= 10 or not 1 <= ranking.keep <= 100 or ranking.keep < ranking.shown:
        raise ValueError("shown must be 0-10 and keep 1-100, with keep >= shown")
    if follow.max_items < 0 or follow.max_chars < 100:
        raise ValueError("follow_max_items must be 0 or more and follow_max_chars at least 100")


@dataclass(frozen=True)
class Dedupe:
    """[dedupe]: one document seen by several sources within `window` is alerted once per channel.

    window: an interval like "24h" (the default) or "90m", or a number of seconds.
    """

    window: float = 86400.0


FETCH_KEYS = frozenset(f.name for f in dataclasses.fields(FetchPolicy)) - {"user_agent"}


def with_limits(source: Source, limits: Limits) -> Source:
    """Fill kind options that default to a global limit (the `pdf` kind's `max_pages`)."""
    options = source.options
    if dataclasses.is_dataclass(options) and getattr(options, "max_pages", 0) is None:
        options = dataclasses.replace(options, max_pages=limits.pdf_max_pages)  # type: ignore[type-var]
        return dataclasses.replace(source, options=options)
    return source


def parse_limits(table: Any, user_agent: str, contact: str, where: str) -> tuple[FetchPolicy, Limits]:
    """[limits]: the fetch keys make the `FetchPolicy` (with user agent and contact), the rest `Limits`."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: expected a table, got {table!r}")
    fetch_keys = FETCH_KEYS
    check_keys(table, set(fetch_keys) | {f.name for f in dataclasses.fields(Limits)}, where)
    agent = user_agent or DEFAULT_USER_AGENT
    if contact and contact not in agent:
        agent = f"{agent} contact: {contact}"
    fetch = build_dataclass(FetchPolicy, {k: v for k, v in table.items() if k in fetch_keys}, where)
    limits = build_dataclass(Limits, {k: v for k, v in table.items() if k not in fetch_keys}, where)
    return dataclasses.replace(fetch, user_agent=agent), limits


def parse_related(table: Any, limits: Limits, where: str) -> tuple[Ranking, FollowPolicy]:
    """[related]: the ranking keys make the `Ranking`, `follow_max_*` the `FollowPolicy`."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: expected a table, got {table!r}")
    check_keys(table, set(RANKING_KEYS) | set(FOLLOW_KEYS), where)
    ranking = build_dataclass(Ranking, {k: v for k, v in table.items() if k in RANKING_KEYS}, where)
    follow = build_dataclass(FollowPolicy, {k: v for k, v in table.items() if k in FOLLOW_KEYS}, where)
    follow = dataclasses.replace(follow, max_pages=limits.pdf_max_pages)
    try:
        check_related(ranking, follow)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    return ranking, follow


def parse_dedupe(raw: Any, where: str) -> Dedupe:
    if not isinstance(raw, Mapping):
        raise ConfigError(f'{where} must be a table like [dedupe] window = "24h"')
    check_keys(raw, {"window"}, where)
    return Dedupe(window=parse_interval(raw.get("window", "24h"), f"{where} window"))
