"""One entry of the config: a [[sources]] table (or catalog entry) or a [[channels]] table, validated.

Also the value checks they share (interval, cron, URL). Errors name the entry and the fix.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from alerts.registry import CHANNELS
from alerts.routing import Match
from sources.registry import KINDS
from watcher import bounds
from watcher.config_tables import build_dataclass, config_key, expect, suggest
from watcher.errors import ConfigError
from watcher.model import Source
from watcher.summary_config import channel_important_when
from watcher.timespec import cron_trigger, parse_duration, parse_seconds

ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
SOURCE_KEYS = {f.name for f in dataclasses.fields(Source)} - {"options", "every"} | {"every"}
CHANNEL_KEYS = {"id", "kind", "match", "digest", "health", "thread", "reminders", "summary", "important_when"}
MAX_CHECK_TIMEOUT = 86400.0


def valid_check_timeout(seconds: float) -> bool:
    """One check may take from 1 second to a day (NaN and infinity are not durations)."""
    return 1 <= seconds <= MAX_CHECK_TIMEOUT


@dataclass(frozen=True)
class ChannelConfig:
    """One alert destination. `options` is the channel kind's own Options dataclass."""

    id: str
    kind: str
    options: Any = None
    match: Match = field(default_factory=Match)
    digest: str | None = None
    health: bool = True
    thread: bool = False
    reminders: tuple[str, ...] | None = None  # None: the [reminders] default
    #: "weekly": a summary message every Monday 09:00 UTC; false: no model summaries here ([summary])
    summary: str | bool | None = None
    important_when: str = ""  # the model judges each change against these words ([summary])

    @property
    def summarize(self) -> bool:
        """Model summaries on this channel ([summary]; on unless `summary = false`)."""
        return self.summary is not False


def parse_source(raw: Mapping[str, Any], entry: str, *, allow_private: bool = False) -> Source:
    """Validate one [[sources]] table (or catalog entry) into a Source."""
    raw = {k: v for k, v in raw.items() if k not in CATALOG_ONLY_KEYS}
    for key in ("id", "url", "kind"):
        if key not in raw:
            raise ConfigError(f"{entry}: missing required key {key!r}")
    source_id = expect(raw["id"], str, f"{entry}: id")
    if not ID_RE.match(source_id):
        raise ConfigError(
            f"{entry}: id {source_id!r} must be lowercase letters, digits, '.', '_' or '-' "
            "(like 'us-hhs-hipaa-news'); ids key the history, so keep them stable"
        )
    kind_name = expect(raw["kind"], str, f"{entry}: kind")
    if kind_name not in KINDS:
        raise ConfigError(
            f"{entry}: unknown kind {kind_name!r}"
            + suggest(kind_name, list(KINDS))
            + f"; known kinds: {', '.join(sorted(KINDS))}"
        )
    kind = KINDS[kind_name]
    option_names, kind_summary = _option_fields(kind.Options)
    common = {k: v for k, v in raw.items() if k in SOURCE_KEYS}
    specific = {k: v for k, v in raw.items() if k not in SOURCE_KEYS}
    unknown = [k for k in specific if k not in option_names]
    if unknown:
        key = unknown[0]
        raise ConfigError(
            f"{entry}: unknown key {key!r} for kind {kind_name!r}"
            + suggest(key, sorted(SOURCE_KEYS | option_names))
        )
    bounds.check_source(raw, entry)
    url = validate_url(expect(raw["url"], str, f"{entry}: url"), f"{entry}: url")
    every: float | None = None
    cron = common.pop("cron", None)
    if "every" in common:
        every = parse_interval(common.pop("every"), f"{entry}: every")
    if cron is not None:
        cron = validate_cron(expect(cron, str, f"{entry}: cron"), f"{entry}: cron")
    elif every is None:
        every = 3600.0
    for pattern in common.get("ignore", ()) or ():
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{entry}: ignore pattern {pattern!r} is not a valid regex: {exc}") from exc
    if isinstance(specific.get("summary"), bool) and kind_summary not in ("bool", bool):
        raise ConfigError(
            f"{entry}: summary is the {kind_name} kind's own option ({kind_summary}); to turn the"
            " model's change summaries off for this source write summarize = false"
        )
    options = _options(kind_name, specific, entry)
    common.pop("url")
    common.pop("kind")
    common.setdefault("allow_private", allow_private)
    source = build_dataclass(
        Source,
        {**common, "url": url, "kind": kind_name, "every": every, "cron": cron, "options": options},
        entry,
        raw_fields={"options", "every", "cron"},
    )
    if source.check_timeout is not None and not valid_check_timeout(source.check_timeout):
        raise ConfigError(
            f"{entry}: check_timeout must be a number of seconds from 1 to {MAX_CHECK_TIMEOUT:g}"
        )
    if source.confirm < 1:
        raise ConfigError(f"{entry}: confirm must be 1 or more (checks a change must persist)")
    if source.role not in ("watch", "related"):
        raise ConfigError(f"{entry}: role must be 'watch' or 'related', not {source.role!r}")
    if source.follow and not getattr(KINDS[kind_name], "has_items", False):
        raise ConfigError(
            f"{entry}: follow = true needs a kind whose items have links (listing, feed, json),"
            f" not {kind_name!r}"
        )
    if source.removals not in ("", "alert", "ignore", "window"):
        raise ConfigError(
            f"{entry}: removals must be 'alert', 'ignore' or 'window', not {source.removals!r}"
            + suggest(source.removals, ["alert", "ignore", "window"])
        )
    if source.render not in ("http", "browser"):
        raise ConfigError(f"{entry}: render must be 'http' or 'browser', not {source.render!r}")
    if source.render == "browser" and not kind.renders_html:
        raise ConfigError(
            f"{entry}: render = 'browser' works for HTML kinds only"
            f" ({', '.join(sorted(k for k, c in KINDS.items() if c.renders_html))}), not {kind_name!r}"
        )
    return source


CATALOG_ONLY_KEYS = {"verified", "notes"}


def parse_channel(raw: Mapping[str, Any], entry: str) -> ChannelConfig:
    for key in ("id", "kind"):
        if key not in raw:
            raise ConfigError(f"{entry}: missing required key {key!r}")
    channel_id = expect(raw["id"], str, f"{entry}: id")
    if not ID_RE.match(channel_id):
        raise ConfigError(f"{entry}: id {channel_id!r} must be lowercase letters, digits, '.', '_' or '-'")
    kind_name = expect(raw["kind"], str, f"{entry}: kind")
    if kind_name not in CHANNELS:
        raise ConfigError(
            f"{entry}: unknown channel kind {kind_name!r}"
            + suggest(kind_name, list(CHANNELS))
            + f"; known: {', '.join(sorted(CHANNELS))}"
        )
    option_names = {config_key(f) for f in dataclasses.fields(CHANNELS[kind_name].Options)}
    unknown = [k for k in raw if k not in CHANNEL_KEYS and k not in option_names]
    if unknown:
        raise ConfigError(
            f"{entry}: unknown key {unknown[0]!r} for channel kind {kind_name!r}"
            + suggest(unknown[0], sorted(CHANNEL_KEYS | option_names))
        )
    specific = {k: v for k, v in raw.items() if k in option_names}
    bounds.check_channel(raw, entry)
    match = build_dataclass(Match, raw.get("match", {}), f"{entry}: match")
    digest = raw.get("digest")
    if digest is not None:
        digest = expect(digest, str, f"{entry}: digest")
        if digest not in ("hourly", "daily", "weekly"):
            validate_cron(digest, f"{entry}: digest")
    return ChannelConfig(
        id=channel_id,
        kind=kind_name,
        options=_options(kind_name, specific, entry, channel=True),
        match=match,
        digest=digest,
        health=expect(raw.get("health", True), bool, f"{entry}: health"),
        thread=expect(raw.get("thread", False), bool, f"{entry}: thread"),
        reminders=channel_reminders(raw, entry),
        summary=channel_summary(raw, entry),
        important_when=channel_important_when(raw, entry),
    )


def channel_summary(raw: Mapping[str, Any], entry: str) -> str | bool | None:
    value = raw.get("summary")
    if isinstance(value, bool):  # model summaries on or off ([summary])
        return value
    if value is not None and value != "weekly":
        raise ConfigError(f'{entry}: summary must be "weekly", true or false (or left out), not {value!r}')
    return value


def channel_reminders(raw: Mapping[str, Any], entry: str) -> tuple[str, ...] | None:
    """A channel's own `reminders = ["3d"]` (`[]` turns them off there), or None."""
    if "reminders" not in raw:
        return None
    value = raw["reminders"]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{entry}: reminders must be a list of durations like ["14d", "1d"]')
    try:
        check_offsets(tuple(value))
    except ValueError as exc:
        raise ConfigError(f"{entry}: {exc}") from exc
    return tuple(value)


@dataclass(frozen=True)
class ReminderRule:
    """[[reminders.rules]]: reminders of the documents this rule selects, overriding the
    channel's `reminders` and `[reminders] before` (README "Reminders").

    match: which sources, as a channel's `match` (tags, jurisdictions, sources, priorities,
    not_…). kinds: "comment" and/or "effective" (empty: both). types: document types such as
    "Proposed Rule" (case-insensitive; empty: any). channels: the channels it applies to
    (empty: every channel the source routes to). before: the offsets (`[]`: no reminders for
    these documents). The first rule that fits a date and a channel wins.
    """

    before: tuple[str, ...]
    match: Match = field(default_factory=Match)
    kinds: tuple[Literal["comment", "effective"], ...] = ()
    types: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_offsets(self.before)

    def fits(self, channel: str, source: Source) -> bool:
        """Whether the rule applies to this source's dates on this channel (kinds and types
        are the document's, decided when a date is planned)."""
        return (not self.channels or channel in self.channels) and self.match.matches(source)


def check_rule_channels(rules: tuple[ReminderRule, ...], channels: list[str], where: str) -> None:
    for index, rule in enumerate(rules):
        for name in rule.channels:
            if name not in channels:
                raise ConfigError(
                    f"{where}: [reminders]: rules[{index}]: channels names unknown channel {name!r}"
                    + suggest(name, channels)
                )


def check_offsets(offsets: tuple[str, ...]) -> None:
    for offset in offsets:
        if parse_duration(offset).total_seconds() <= 0:
            raise ValueError(f"reminder offset {offset!r} must be a positive duration such as 3d")


@functools.cache
def _option_fields(options: type) -> tuple[frozenset[str], Any]:
    """A kind's option names and the annotation of its own `summary` option (None: it has none),
    worked out once per kind rather than twice per source."""
    fields = dataclasses.fields(options)
    return frozenset(f.name for f in fields), {f.name: f.type for f in fields}.get("summary")


def _options(kind_name: str, specific: Mapping[str, Any], entry: str, *, channel: bool = False) -> Any:
    cls = (CHANNELS if channel else KINDS)[kind_name].Options
    return build_dataclass(cls, specific, entry)


# -- value checks ---------------------------------------------------------------------


def parse_interval(value: Any, where: str) -> float:
    """'90s', '15m', '1h', '1h30m', '2d' or a number of seconds."""
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected an interval like '1h', got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = parse_seconds(value)
        except ValueError:
            raise ConfigError(
                f"{where}: {value!r} is not an interval; use a number and a unit (s, m, h, d, w) "
                "such as '30m', '1h' or '1h30m', or use cron = '0 9 * * 1-5'"
            ) from None
    else:
        raise ConfigError(f"{where}: expected an interval like '1h', got {value!r}")
    return bounds.check_interval(seconds, value, where)


def validate_cron(expr: str, where: str) -> str:
    try:
        cron_trigger(expr)  # standard crontab weekdays (0 = Sunday), see watcher.timespec
    except ValueError as exc:
        raise ConfigError(
            f"{where}: {expr!r} is not a valid cron expression ({exc}); "
            "use five fields: minute hour day month weekday, e.g. '0 9 * * 1-5'"
        ) from exc
    return expr


def validate_url(url: str, where: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: {url!r} is not an http(s) URL; write it like 'https://example.gov/news'")
    return url.strip()
