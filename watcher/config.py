"""Load `regwatch.toml` once, at the edge, into frozen typed objects.

Nothing else in regwatch reads raw config dicts or the environment (secrets aside,
which channels read by the variable name given here, when they need them).
Precedence: dataclass defaults < catalog entry < config file < command-line flags.
Every error names the file, the entry and the fix.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import functools
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from alerts.outbox import DEFAULT_RETRY, RetryPolicy
from alerts.registry import CHANNELS
from alerts.routing import Match
from sources.catalog import load_catalog
from sources.registry import KINDS
from watcher.check.follow import FollowPolicy
from watcher.check.sourcehealth import HealthPolicy
from watcher.errors import ConfigError
from watcher.model import Source
from watcher.net.fetch import DEFAULT_USER_AGENT, FetchPolicy
from watcher.related.linking import Ranking
from watcher.settings import resolve
from watcher.timespec import cron_trigger, parse_duration

DEFAULT_CONFIG_NAME = "regwatch.toml"
DEFAULT_DATABASE = "regwatch.db"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


@dataclass(frozen=True)
class Limits:
    """The [limits] that are not fetch limits: PDF pages read, result pages followed.

    The other [limits] keys (timeout, connect_timeout, max_bytes, max_redirects,
    concurrency, per_host, host_delay) are the engine's own `FetchPolicy`, held as `Config.fetch`.
    """

    pdf_max_pages: int = 200
    max_pages: int = 10


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


@dataclass(frozen=True)
class Service:
    """Settings of the long-running `regwatch run` service."""

    jitter: float = 0.1
    health_port: int | None = None
    health_host: str = "127.0.0.1"
    shutdown_grace: float = 10.0
    deliver_every: float = 5.0


#: [related] keys and where they go: the ranker's `Ranking`, or the `FollowPolicy`.
RANKING_KEYS = ("before_days", "after_days", "threshold", "shown", "keep")
FOLLOW_KEYS = {"follow_max_items": "max_items", "follow_max_chars": "max_chars"}


def check_related(ranking: Ranking, follow: FollowPolicy) -> None:
    """[related]: following new documents and linking related articles (README "Related articles").

    before_days / after_days: the window around a document's date in which related items
    are looked for. threshold: the score a link needs to be shown. shown: links per document
    in alerts. keep: links stored per document. follow_max_items: links followed per change.
    follow_max_chars: characters kept of each followed document.
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
class Config:
    path: Path | None
    database: str = DEFAULT_DATABASE
    allow_private: bool = False
    user_agent: str = ""
    contact: str = ""
    #: The engine's own policy objects, built once from the file ([limits], [health],
    #: [delivery], [related]); the runner passes them on as they are.
    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    limits: Limits = Limits()
    health: HealthPolicy = field(default_factory=HealthPolicy)
    service: Service = Service()
    delivery: RetryPolicy = DEFAULT_RETRY  # [delivery]: retry backoff of failed alerts
    ranking: Ranking = field(default_factory=Ranking)
    follow: FollowPolicy = field(default_factory=FollowPolicy)
    sources: tuple[Source, ...] = ()
    channels: tuple[ChannelConfig, ...] = ()

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise ConfigError(
            f"no source with id {source_id!r}"
            + _suggest(source_id, [s.id for s in self.sources])
            + " (see `regwatch sources`)"
        )


# -- locating and loading -------------------------------------------------------------


def find_config(path: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file to use: --config, else $REGWATCH_CONFIG, else ./regwatch.toml."""
    chosen = resolve("config", flag=os.fspath(path) if path else None)
    if chosen.origin == "default":
        local = Path(DEFAULT_CONFIG_NAME)
        return local if local.is_file() else None
    found = Path(chosen.value)
    if not found.is_file():
        if chosen.origin == "environment":
            raise ConfigError(f"REGWATCH_CONFIG points to {found}, which does not exist")
        raise ConfigError(f"config file {found} does not exist (run `regwatch init` to write one)")
    return found


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Load and validate the config; with no file anywhere, the embedded default."""
    found = find_config(path)
    if found is None:
        return parse_config(default_config_data(), path=None)
    try:
        data = tomllib.loads(found.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{found}: not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{found}: cannot read: {exc}") from exc
    return parse_config(data, path=found)


def default_config_data() -> dict[str, Any]:
    """The embedded default: the whole built-in catalog, console alerts, Slack if a token is set."""
    channels: list[dict[str, Any]] = [{"id": "console", "kind": "console"}]
    if os.environ.get("SLACK_BOT_TOKEN") and "slack" in CHANNELS:
        slack: dict[str, Any] = {
            "id": "slack",
            "kind": "slack",
            "slack_channel": resolve("slack_channel", default="#regwatch").value,
        }
        api_url = resolve("slack_api_url").value
        if api_url:  # GovSlack, a proxy, a local test server
            slack["api_url"] = api_url
        channels.append(slack)
    return {"catalog": ["*"], "channels": channels}


# -- parsing --------------------------------------------------------------------------

TOP_KEYS = {
    "database",
    "allow_private",
    "user_agent",
    "contact",
    "limits",
    "health",
    "service",
    "delivery",
    "related",
    "catalog",
    "sources",
    "channels",
}
SOURCE_KEYS = {f.name for f in dataclasses.fields(Source)} - {"options", "every"} | {"every"}
CHANNEL_KEYS = {"id", "kind", "match", "digest", "health", "thread"}


def parse_config(data: Mapping[str, Any], *, path: Path | None) -> Config:
    where = str(path) if path else "default config"
    _check_keys(data, TOP_KEYS, where)
    database = _typed(data, "database", str, where, DEFAULT_DATABASE)
    allow_private = _typed(data, "allow_private", bool, where, False)
    user_agent = _typed(data, "user_agent", str, where, "")
    contact = _typed(data, "contact", str, where, "")
    fetch, limits = _parse_limits(data.get("limits", {}), user_agent, contact, f"{where}: [limits]")
    health = build_dataclass(HealthPolicy, data.get("health", {}), f"{where}: [health]")
    service = build_dataclass(Service, data.get("service", {}), f"{where}: [service]")
    delivery = build_dataclass(RetryPolicy, data.get("delivery", {}), f"{where}: [delivery]")
    ranking, follow = _parse_related(data.get("related", {}), limits, f"{where}: [related]")

    raw_sources = _table_list(data, "sources", where)
    catalog = data.get("catalog", [])
    if isinstance(catalog, str):
        catalog = [catalog]
    if not isinstance(catalog, list) or not all(isinstance(p, str) for p in catalog):
        raise ConfigError(f"{where}: 'catalog' must be a list of id patterns like [\"us-hhs-*\"]")
    merged = _merge_catalog(catalog, raw_sources, where)

    sources: list[Source] = []
    seen: set[str] = set()
    for index, raw in enumerate(merged):
        entry = f"{where}: sources[{index}]" + (f" (id {raw['id']!r})" if "id" in raw else "")
        source = with_limits(parse_source(raw, entry, allow_private=allow_private), limits)
        if source.id in seen:
            raise ConfigError(f"{entry}: duplicate source id {source.id!r}; ids must be unique")
        seen.add(source.id)
        sources.append(source)

    channels: list[ChannelConfig] = []
    for index, raw in enumerate(_table_list(data, "channels", where)):
        entry = f"{where}: channels[{index}]" + (f" (id {raw['id']!r})" if "id" in raw else "")
        channel = parse_channel(raw, entry)
        if channel.id in {c.id for c in channels}:
            raise ConfigError(f"{entry}: duplicate channel id {channel.id!r}")
        channels.append(channel)
    if not channels:
        channels.append(
            ChannelConfig(id="console", kind="console", options=_options("console", {}, where, channel=True))
        )
    if health.channels is not None:
        for name in health.channels:
            if name not in {c.id for c in channels}:
                raise ConfigError(
                    f"{where}: [health] channels names unknown channel {name!r}"
                    + _suggest(name, [c.id for c in channels])
                )
    return Config(
        path=path,
        database=database,
        allow_private=allow_private,
        user_agent=user_agent,
        contact=contact,
        fetch=fetch,
        limits=limits,
        health=health,
        service=service,
        delivery=delivery,
        ranking=ranking,
        follow=follow,
        sources=tuple(sources),
        channels=tuple(channels),
    )


def _parse_limits(table: Any, user_agent: str, contact: str, where: str) -> tuple[FetchPolicy, Limits]:
    """[limits]: the fetch keys make the `FetchPolicy` (with user agent and contact), the rest `Limits`."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: expected a table, got {table!r}")
    fetch_keys = {f.name for f in dataclasses.fields(FetchPolicy)} - {"user_agent"}
    _check_keys(table, fetch_keys | {f.name for f in dataclasses.fields(Limits)}, where)
    agent = user_agent or DEFAULT_USER_AGENT
    if contact and contact not in agent:
        agent = f"{agent} contact: {contact}"
    fetch = build_dataclass(FetchPolicy, {k: v for k, v in table.items() if k in fetch_keys}, where)
    limits = build_dataclass(Limits, {k: v for k, v in table.items() if k not in fetch_keys}, where)
    return dataclasses.replace(fetch, user_agent=agent), limits


def _parse_related(table: Any, limits: Limits, where: str) -> tuple[Ranking, FollowPolicy]:
    """[related]: the ranking keys make the `Ranking`, `follow_max_*` the `FollowPolicy`."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: expected a table, got {table!r}")
    _check_keys(table, set(RANKING_KEYS) | set(FOLLOW_KEYS), where)
    ranking = build_dataclass(Ranking, {k: v for k, v in table.items() if k in RANKING_KEYS}, where)
    follow_table = {FOLLOW_KEYS[k]: v for k, v in table.items() if k in FOLLOW_KEYS}
    follow = build_dataclass(FollowPolicy, {**follow_table, "max_pages": limits.pdf_max_pages}, where)
    try:
        check_related(ranking, follow)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    return ranking, follow


def _merge_catalog(
    patterns: Sequence[str], raw_sources: list[dict[str, Any]], where: str
) -> list[dict[str, Any]]:
    """Catalog entries chosen by pattern, each overridden by a [[sources]] table of the same id."""
    if not patterns:
        return raw_sources
    catalog = load_catalog()
    chosen: dict[str, dict[str, Any]] = {}
    for pattern in patterns:
        hits = [e for e in catalog if fnmatch.fnmatchcase(e["id"], pattern)]
        if not hits:
            raise ConfigError(
                f"{where}: catalog pattern {pattern!r} matches no catalog entry"
                + _suggest(pattern, [e["id"] for e in catalog])
                + " (see `regwatch catalog`)"
            )
        for entry in hits:
            chosen.setdefault(entry["id"], dict(entry))
    result: list[dict[str, Any]] = []
    for raw in raw_sources:
        if raw.get("id") in chosen:
            base = chosen.pop(raw["id"])
            result.append({**base, **raw})
        else:
            result.append(raw)
    return list(chosen.values()) + result


def parse_source(raw: Mapping[str, Any], entry: str, *, allow_private: bool = False) -> Source:
    """Validate one [[sources]] table (or catalog entry) into a Source."""
    raw = {k: v for k, v in raw.items() if k not in CATALOG_ONLY_KEYS}
    for key in ("id", "url", "kind"):
        if key not in raw:
            raise ConfigError(f"{entry}: missing required key {key!r}")
    source_id = _expect(raw["id"], str, f"{entry}: id")
    if not ID_RE.match(source_id):
        raise ConfigError(
            f"{entry}: id {source_id!r} must be lowercase letters, digits, '.', '_' or '-' "
            "(like 'us-hhs-hipaa-news'); ids key the history, so keep them stable"
        )
    kind_name = _expect(raw["kind"], str, f"{entry}: kind")
    if kind_name not in KINDS:
        raise ConfigError(
            f"{entry}: unknown kind {kind_name!r}"
            + _suggest(kind_name, list(KINDS))
            + f"; known kinds: {', '.join(sorted(KINDS))}"
        )
    kind = KINDS[kind_name]
    option_names = {f.name for f in dataclasses.fields(kind.Options)}
    common = {k: v for k, v in raw.items() if k in SOURCE_KEYS}
    specific = {k: v for k, v in raw.items() if k not in SOURCE_KEYS}
    unknown = [k for k in specific if k not in option_names]
    if unknown:
        key = unknown[0]
        raise ConfigError(
            f"{entry}: unknown key {key!r} for kind {kind_name!r}"
            + _suggest(key, sorted(SOURCE_KEYS | option_names))
        )
    url = validate_url(_expect(raw["url"], str, f"{entry}: url"), f"{entry}: url")
    every: float | None = None
    cron = common.pop("cron", None)
    if "every" in common:
        every = parse_interval(common.pop("every"), f"{entry}: every")
    if cron is not None:
        cron = validate_cron(_expect(cron, str, f"{entry}: cron"), f"{entry}: cron")
    elif every is None:
        every = 3600.0
    for pattern in common.get("ignore", ()) or ():
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{entry}: ignore pattern {pattern!r} is not a valid regex: {exc}") from exc
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
    if source.confirm < 1:
        raise ConfigError(f"{entry}: confirm must be 1 or more (checks a change must persist)")
    if source.role not in ("watch", "related"):
        raise ConfigError(f"{entry}: role must be 'watch' or 'related', not {source.role!r}")
    if source.follow and not getattr(KINDS[kind_name], "has_items", False):
        raise ConfigError(
            f"{entry}: follow = true needs a kind whose items have links (listing, feed, json),"
            f" not {kind_name!r}"
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


def with_limits(source: Source, limits: Limits) -> Source:
    """Fill kind options that default to a global limit (the `pdf` kind's `max_pages`)."""
    options = source.options
    if dataclasses.is_dataclass(options) and getattr(options, "max_pages", 0) is None:
        options = dataclasses.replace(options, max_pages=limits.pdf_max_pages)  # type: ignore[type-var]
        return dataclasses.replace(source, options=options)
    return source


def parse_channel(raw: Mapping[str, Any], entry: str) -> ChannelConfig:
    for key in ("id", "kind"):
        if key not in raw:
            raise ConfigError(f"{entry}: missing required key {key!r}")
    channel_id = _expect(raw["id"], str, f"{entry}: id")
    if not ID_RE.match(channel_id):
        raise ConfigError(f"{entry}: id {channel_id!r} must be lowercase letters, digits, '.', '_' or '-'")
    kind_name = _expect(raw["kind"], str, f"{entry}: kind")
    if kind_name not in CHANNELS:
        raise ConfigError(
            f"{entry}: unknown channel kind {kind_name!r}"
            + _suggest(kind_name, list(CHANNELS))
            + f"; known: {', '.join(sorted(CHANNELS))}"
        )
    option_names = {config_key(f) for f in dataclasses.fields(CHANNELS[kind_name].Options)}
    unknown = [k for k in raw if k not in CHANNEL_KEYS and k not in option_names]
    if unknown:
        raise ConfigError(
            f"{entry}: unknown key {unknown[0]!r} for channel kind {kind_name!r}"
            + _suggest(unknown[0], sorted(CHANNEL_KEYS | option_names))
        )
    specific = {k: v for k, v in raw.items() if k in option_names}
    match = build_dataclass(Match, raw.get("match", {}), f"{entry}: match")
    digest = raw.get("digest")
    if digest is not None:
        digest = _expect(digest, str, f"{entry}: digest")
        if digest not in ("hourly", "daily", "weekly"):
            validate_cron(digest, f"{entry}: digest")
    return ChannelConfig(
        id=channel_id,
        kind=kind_name,
        options=_options(kind_name, specific, entry, channel=True),
        match=match,
        digest=digest,
        health=_expect(raw.get("health", True), bool, f"{entry}: health"),
        thread=_expect(raw.get("thread", False), bool, f"{entry}: thread"),
    )


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
            seconds = parse_duration(value).total_seconds()
        except ValueError:
            raise ConfigError(
                f"{where}: {value!r} is not an interval; use a number and a unit (s, m, h, d, w) "
                "such as '30m', '1h' or '1h30m', or use cron = '0 9 * * 1-5'"
            ) from None
    else:
        raise ConfigError(f"{where}: expected an interval like '1h', got {value!r}")
    if seconds < 1:
        raise ConfigError(f"{where}: interval must be at least 1s, got {value!r}")
    return seconds


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


def _suggest(word: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_keys(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r}" + _suggest(key, sorted(allowed)))


def _table_list(data: Mapping[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of tables, written [[{key}]]")
    return value


def _typed(data: Mapping[str, Any], key: str, kind: type, where: str, default: Any) -> Any:
    if key not in data:
        return default
    return _expect(data[key], kind, f"{where}: {key}")


def _expect(value: Any, kind: type, where: str) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ConfigError(f"{where}: expected {kind.__name__}, got {type(value).__name__} {value!r}")
    return value


def config_key(f: dataclasses.Field) -> str:
    """The config key of a dataclass field: its name, or `metadata["key"]` (e.g. `from`)."""
    return f.metadata.get("key", f.name)


def build_dataclass(
    cls: type,
    data: Any,
    where: str,
    *,
    raw_fields: set[str] = frozenset(),  # type: ignore[assignment]
) -> Any:
    """Build a frozen dataclass from a TOML table, checking keys and types by annotation."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a table, got {data!r}")
    fields = {config_key(f): f for f in dataclasses.fields(cls)}
    hints = _type_hints(cls)
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields:
            raise ConfigError(f"{where}: unknown key {key!r}" + _suggest(key, sorted(fields)))
        name = fields[key].name
        if key in raw_fields:
            values[name] = value
        else:
            values[name] = _coerce(value, hints[name], f"{where}: {key}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    """Resolved annotations of a config dataclass (resolving them costs ~0.3 ms per source)."""
    return typing.get_type_hints(cls)


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{where}: unexpected {value!r}")
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(f"{where}: must be one of {', '.join(map(repr, args))}, not {value!r}")
        return value
    if origin is tuple:
        if isinstance(value, Mapping) and args and typing.get_origin(args[0]) is tuple:
            value = sorted(value.items())  # a table such as headers = {Accept = "..."}
        if isinstance(value, str) and args and args[0] is str:
            value = [value]
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise ConfigError(f"{where}: expected {len(args)} values, got {value!r}")
        return tuple(_coerce(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=True)))
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return dict(value)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return build_dataclass(hint, value, where)
    if hint is Any:
        return value
    if isinstance(hint, type):
        return _expect(value, hint, where)
    return value
