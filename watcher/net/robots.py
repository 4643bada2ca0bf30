"""robots.txt per origin (RFC 9309), fetched through the shared Fetcher, parsed by protego, cached.

How each answer for `/robots.txt` is read (RFC 9309 §2.3.1, with one watch-tool choice):

| answer                                   | rules used                                         |
|------------------------------------------|----------------------------------------------------|
| 2xx                                      | the file's rules for our product token, else `*`   |
| 4xx, 401 and 403 included; redirect      | none: everything allowed ("unavailable", §2.3.1.3; |
| loop; a file over 500 KiB; bad encoding  | Google reads 401/403 the same way)                 |
| 5xx, 429, timeout, network or DNS error  | the rules cached before, even if expired; with no  |
|                                          | rules cached, nothing on the origin is fetched     |
|                                          | ("unreachable", §2.3.1.4) and the check fails with |
|                                          | that error (and its Retry-After)                   |

Rules are cached per origin for `ttl` (24 h by default); an unreachable file is asked for
again after `retry_ttl`. `Crawl-delay` for our token (capped at 30 s) spaces requests to
that host. Redirects of the page itself to another host are not re-checked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

from watcher.errors import FetchError, Reason
from watcher.net.fetch import Fetcher, Request

logger = logging.getLogger(__name__)

ROBOTS_MAX_BYTES = 512_000  # RFC 9309: parse at least 500 KiB
DEFAULT_TTL = 24 * 3600.0
RETRY_TTL = 60.0
MAX_CRAWL_DELAY = 30.0
UNREACHABLE_REASONS = {Reason.TIMEOUT, Reason.CONNECT, Reason.DNS, Reason.NETWORK, Reason.TLS}


@dataclass(frozen=True)
class Rules:
    """The robots.txt of one origin as last read. `parser` None means everything is allowed."""

    origin: str
    parser: Protego | None
    expires: float
    note: str = ""
    error: FetchError | None = None  # unreachable and nothing cached: refuse until `expires`


def product_token(user_agent: str) -> str:
    """The token robots.txt groups are matched against: 'regwatch' in 'regwatch/0.1 (...)'."""
    token = user_agent.strip().split("/", 1)[0].split(" ", 1)[0]
    return token.lower() or "regwatch"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    netloc = (parts.hostname or "").lower()
    if parts.port:
        netloc += f":{parts.port}"
    return f"{parts.scheme}://{netloc}"


class Robots:
    """Answers "may regwatch fetch this URL?" from each origin's robots.txt."""

    def __init__(
        self,
        user_agent: str,
        *,
        ttl: float = DEFAULT_TTL,
        retry_ttl: float = RETRY_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = product_token(user_agent)
        self.ttl = ttl
        self.retry_ttl = retry_ttl
        self.clock = clock
        self._cache: dict[str, Rules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def ensure_allowed(self, url: str, fetcher: Fetcher, *, allow_private: bool = False) -> None:
        """Raise FetchError(reason='robots') when robots.txt disallows `url` for our token."""
        rules = await self.rules(url, fetcher, allow_private=allow_private)
        if rules.error is not None:
            error = rules.error
            raise FetchError(
                str(error), reason=error.reason, status=error.status, retry_after=error.retry_after
            )
        if rules.parser is None:
            return
        delay = rules.parser.crawl_delay(self.token)
        if delay:
            fetcher.set_host_delay(url, min(float(delay), MAX_CRAWL_DELAY))
        if not rules.parser.can_fetch(url, self.token):
            raise FetchError(
                f"robots.txt at {rules.origin}/robots.txt disallows {url} for user agent "
                f"{self.token!r}; set robots = false for this source only with the site's permission",
                reason=Reason.ROBOTS,
                retryable=False,
            )

    async def rules(self, url: str, fetcher: Fetcher, *, allow_private: bool = False) -> Rules:
        origin = origin_of(url)
        cached = self._cache.get(origin)
        if cached is not None and cached.expires > self.clock():
            return cached
        async with self._locks.setdefault(origin, asyncio.Lock()):
            cached = self._cache.get(origin)
            if cached is not None and cached.expires > self.clock():
                return cached  # another check of the same origin just read it
            fresh = await self._read(origin, fetcher, allow_private, cached)
            self._cache[origin] = fresh
            return fresh

    async def _read(
        self, origin: str, fetcher: Fetcher, allow_private: bool, previous: Rules | None
    ) -> Rules:
        robots_url = f"{origin}/robots.txt"
        try:
            fetched = await fetcher.fetch(
                Request(
                    url=robots_url,
                    accept="text/plain,*/*;q=0.5",
                    allow_private=allow_private,
                    max_bytes=ROBOTS_MAX_BYTES,
                )
            )
        except FetchError as exc:
            unreachable = exc.reason in UNREACHABLE_REASONS or (
                exc.reason == Reason.HTTP
                and exc.status is not None
                and (exc.status == 429 or exc.status >= 500)
            )
            if not unreachable:
                return Rules(origin, None, self.clock() + self.ttl, note=f"unavailable ({exc}): all allowed")
            retry = max(self.retry_ttl, exc.retry_after or 0.0)
            if previous is not None and previous.error is None:
                logger.warning(
                    "robots.txt of %s unreachable (%s); keeping the rules read before", origin, exc
                )
                return Rules(origin, previous.parser, self.clock() + retry, note="stale: " + previous.note)
            message = str(exc)
            if exc.reason == Reason.HTTP:  # the site answers, but not robots.txt: say why we stop
                message = (
                    f"robots.txt unreachable, so nothing on {origin} is fetched until it answers "
                    f"(RFC 9309): {exc}"
                )
            error = FetchError(
                message,
                reason=exc.reason,
                status=exc.status,
                retry_after=exc.retry_after,
            )
            return Rules(origin, None, self.clock() + retry, error=error)
        text = fetched.body.decode("utf-8", errors="replace").lstrip("\ufeff")
        try:
            parser = Protego.parse(text)
        except Exception as exc:  # protego is lenient; anything it cannot read allows all
            logger.warning("robots.txt of %s could not be parsed (%s): all allowed", origin, exc)
            return Rules(origin, None, self.clock() + self.ttl, note="unparseable: all allowed")
        return Rules(origin, parser, self.clock() + self.ttl, note=f"HTTP {fetched.status}")
