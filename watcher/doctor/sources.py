"""Doctor rows for sources: robots.txt of each source's host, and Chromium for browser sources."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from urllib.parse import urlsplit

from watcher.config import Config
from watcher.doctor.report import Row, fail, ok, warn
from watcher.errors import FetchError
from watcher.model import Source
from watcher.net.browser import find_chromium, unavailable_reason
from watcher.net.fetch import Fetcher
from watcher.net.robots import Robots, origin_of
from watcher.service.runner import fetch_policy


async def robots_rows(config: Config) -> list[Row]:
    """One row per source: may regwatch fetch its URL under its host's robots.txt?"""
    policy = fetch_policy(config)
    robots = Robots(policy.user_agent)
    fetcher = Fetcher(policy)
    try:
        return list(await asyncio.gather(*(robots_row(s, robots, fetcher) for s in config.sources)))
    finally:
        await fetcher.aclose()


async def robots_row(source: Source, robots: Robots, fetcher: Fetcher) -> Row:
    name = f"robots.txt {origin_of(source.url)} for {source.id}"
    if not source.robots:
        return warn(name, "robots = false: robots.txt is not read", "keep it only with the site's permission")
    try:
        rules = await robots.rules(source.url, fetcher, allow_private=source.allow_private)
        await robots.ensure_allowed(source.url, fetcher, allow_private=source.allow_private)
    except FetchError as exc:
        if exc.reason == "robots":
            return fail(
                name,
                f"disallows {urlsplit(source.url).path or '/'} for {robots.token!r}",
                "ask the site for access, or set robots = false for this source only with its permission",
            )
        return warn(
            name,
            f"cannot read it ({exc.reason}): {exc}"[:300],
            "checks of this source fail until robots.txt answers; check the URL and the network",
        )
    note = f" ({rules.note})" if rules.note and not rules.note.startswith("HTTP 2") else ""
    return ok(name, f"allows {urlsplit(source.url).path or '/'}{note}")


def chromium_rows(sources: Sequence[Source]) -> list[Row]:
    browser = [s.id for s in sources if s.render == "browser"]
    if not browser:
        return []
    name = f"chromium for {len(browser)} browser source(s)"
    reason = unavailable_reason()
    if reason is not None:
        return [fail(name, f"{', '.join(browser[:5])} cannot be rendered", reason)]
    return [ok(name, f"Chromium at {find_chromium()}")]
