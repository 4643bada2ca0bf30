"""Load `regwatch.toml` once, at the edge, into frozen typed objects.

Nothing else in regwatch reads raw config dicts or the environment (secrets aside,
which channels read by the variable name given here, when they need them).
Precedence: dataclass defaults < catalog entry < config file < command-line flags.
Every error names the file, the entry and the fix.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli  # tomllib's own parser (TOML 1.0), compiled: ~3x faster on a 1,000-source config

from alerts.outbox import DEFAULT_RETRY, RetryPolicy
from alerts.registry import CHANNELS
from alerts.routing import Match  # noqa: F401  (a public name of the config)
from sources.catalog import load_catalog
from watcher import bounds
from watcher.check.follow import FollowPolicy
from watcher.check.sourcehealth import HealthPolicy
from watcher.config_entries import (  # noqa: F401  (public names of the config)
    MAX_CHECK_TIMEOUT,
    ChannelConfig,
    ReminderRule,
    _options,
    channel_reminders,
    channel_summary,
    check_offsets,
    check_rule_channels,
    parse_channel,
    parse_interval,
    parse_source,
    valid_check_timeout,
    validate_cron,
    validate_url,
)
from watcher.config_sections import (  # noqa: F401  (public names of the config)
    FETCH_KEYS,
    FOLLOW_KEYS,
    RANKING_KEYS,
    Dedupe,
    Limits,
    Reminders,
    Service,
    check_related,
    parse_dedupe,
    parse_limits,
    parse_related,
    with_limits,
)
from watcher.config_tables import (  # noqa: F401  (public names of the config)
    build_dataclass,
    check_keys,
    config_key,
    suggest,
    table_list,
    typed,
)
from watcher.errors import ConfigError
from watcher.model import Source
from watcher.net.fetch import FetchPolicy
from watcher.related.values import Ranking
from watcher.settings import resolve
from watcher.summary_config import SummaryPolicy, parse_summary
from watcher.workflow_config import SlackApp, Workflow

DEFAULT_CONFIG_NAME = "regwatch.toml"
DEFAULT_DATABASE = "regwatch.db"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


#: The tables of regwatch.toml (the schema users write) and the engine's own objects that
#: hold their keys: (class, the fields of it the table sets, None: all). `docs/generate.py`
#: documents the tables from here, with `SECTION_DOCS`.
SECTIONS: dict[str, tuple[tuple[type, frozenset[str] | None], ...]] = {
    "limits": ((FetchPolicy, FETCH_KEYS), (Limits, None)),
    "health": ((HealthPolicy, None),),
    "service": ((Service, None),),
    "delivery": ((RetryPolicy, None),),
    "related": ((Ranking, frozenset(RANKING_KEYS)), (FollowPolicy, frozenset({"max_items", "max_chars"}))),
    "dedupe": ((Dedupe, None),),
    "reminders": ((Reminders, None),),
    "slack": ((SlackApp, None),),
    "workflow": ((Workflow, None),),
    "summary": ((SummaryPolicy, None),),
}
SECTION_DOCS = {
    "limits": "Fetch limits shared by every source (a source may lower timeout/max_bytes), PDF pages read"
    " and result pages followed.\n\n"
    "`timeout` bounds one request (all its redirect hops); `check_timeout` bounds one whole\n"
    "check of a source: robots.txt, feed discovery, every page, follows and extraction,\n"
    "including the wait for a free connection slot.",
    "health": 'When a failing source becomes "broken" and which channels hear about it (not set: every'
    " channel with `health = true`).",
    "related": 'Following new documents and linking related articles (README "Related articles").\n\n'
    "before_days / after_days: the window around a document's date in which related items are looked"
    " for. threshold: the score a link needs to be shown. shown: links per document in alerts. keep:"
    " links stored per document. companions: once a document's best link is shown, also show the"
    " next ones (up to `shown`) that score at least half as well, share something not common and"
    " hold evidence of their own, something most other candidates do not match (off by default: only"
    " strong or clearly leading links). follow_max_items: links followed per change."
    " follow_max_chars: characters kept of each followed document.",
}


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
    limits: Limits = Limits()  # noqa: RUF009  (frozen)
    health: HealthPolicy = field(default_factory=HealthPolicy)
    service: Service = Service()  # noqa: RUF009  (frozen)
    delivery: RetryPolicy = DEFAULT_RETRY  # [delivery]: retry backoff of failed alerts
    ranking: Ranking = field(default_factory=Ranking)
    follow: FollowPolicy = field(default_factory=FollowPolicy)
    dedupe: Dedupe = Dedupe()  # noqa: RUF009  (frozen)
    reminders: Reminders = Reminders()  # noqa: RUF009  (frozen)
    slack: SlackApp = SlackApp()  # noqa: RUF009  [slack]: the Slack app behind the alert buttons (frozen)
    workflow: Workflow = Workflow()  # noqa: RUF009  [workflow]: reminders (frozen)
    summary: SummaryPolicy | None = None  # [summary]: the team's model (None: no summaries)
    sources: tuple[Source, ...] = ()
    channels: tuple[ChannelConfig, ...] = ()

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise ConfigError(
            f"no source with id {source_id!r}"
            + suggest(source_id, [s.id for s in self.sources])
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
        data = tomli.loads(found.read_text(encoding="utf-8"))
    except tomli.TOMLDecodeError as exc:
        raise ConfigError(f"{found}: not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:  # where, as TOML errors say it: a line, not a byte offset
        line = exc.object[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{found}: not UTF-8 at line {line} (byte {exc.object[exc.start]:#04x}); save the file as UTF-8"
        ) from exc
    except OSError as exc:
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
    "dedupe",
    "reminders",
    "slack",
    "workflow",
    "summary",
    "catalog",
    "sources",
    "channels",
}


def parse_config(data: Mapping[str, Any], *, path: Path | None) -> Config:
    where = str(path) if path else "default config"
    check_keys(data, TOP_KEYS, where)
    bounds.check_top(data, where)
    database = typed(data, "database", str, where, DEFAULT_DATABASE)
    allow_private = typed(data, "allow_private", bool, where, False)
    user_agent = typed(data, "user_agent", str, where, "")
    contact = typed(data, "contact", str, where, "")
    fetch, limits = parse_limits(data.get("limits", {}), user_agent, contact, f"{where}: [limits]")
    health = build_dataclass(HealthPolicy, data.get("health", {}), f"{where}: [health]")
    service = build_dataclass(Service, data.get("service", {}), f"{where}: [service]")
    delivery = build_dataclass(RetryPolicy, data.get("delivery", {}), f"{where}: [delivery]")
    ranking, follow = parse_related(data.get("related", {}), limits, f"{where}: [related]")
    dedupe = parse_dedupe(data.get("dedupe", {}), f"{where}: [dedupe]")
    reminders = build_dataclass(Reminders, data.get("reminders", {}), f"{where}: [reminders]")
    slack = build_dataclass(SlackApp, data.get("slack", {}), f"{where}: [slack]")
    workflow = build_dataclass(Workflow, data.get("workflow", {}), f"{where}: [workflow]")
    summary = parse_summary(data.get("summary"), f"{where}: [summary]")

    raw_sources = table_list(data, "sources", where)
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
    for index, raw in enumerate(table_list(data, "channels", where)):
        entry = f"{where}: channels[{index}]" + (f" (id {raw['id']!r})" if "id" in raw else "")
        channel = parse_channel(raw, entry)
        if channel.id in {c.id for c in channels}:
            raise ConfigError(f"{entry}: duplicate channel id {channel.id!r}")
        channels.append(channel)
    if not channels:
        channels.append(
            ChannelConfig(id="console", kind="console", options=_options("console", {}, where, channel=True))
        )
    check_rule_channels(reminders.rules, [c.id for c in channels], where)
    if health.channels is not None:
        for name in health.channels:
            if name not in {c.id for c in channels}:
                raise ConfigError(
                    f"{where}: [health] channels names unknown channel {name!r}"
                    + suggest(name, [c.id for c in channels])
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
        dedupe=dedupe,
        reminders=reminders,
        slack=slack,
        workflow=workflow,
        summary=summary,
        sources=tuple(sources),
        channels=tuple(channels),
    )


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
                + suggest(pattern, [e["id"] for e in catalog])
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
