"""Per-host pacing for the fetcher: when a host may be asked next.

Owns three rules, all keyed by scheme, host and port: a back-off a server asked for
(429/503 `Retry-After`), a minimum delay between requests (the policy's `host_delay` or a
robots.txt `Crawl-delay`, whichever is longer), and spacing of a burst of concurrent
requests (each reserves its start time in turn). Pure bookkeeping on the monotonic clock
plus one `asyncio.sleep`; no requests are made here.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

from watcher.errors import FetchError, Reason


def host_key(url: str) -> str:
    """What pacing and per-host limits are keyed by: scheme, lowercased host and port."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"


class HostPacer:
    """The turns of each host: back-offs, delays and reserved start times."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self._last_request: dict[str, float] = {}
        self._not_before: dict[str, float] = {}
        self._host_delays: dict[str, float] = {}
        self._next_start: dict[str, float] = {}

    def back_off(self, url: str, seconds: float) -> None:
        """Hold further requests to url's host for `seconds` (after 429/503 Retry-After)."""
        host = host_key(url)
        self._not_before[host] = max(self._not_before.get(host, 0.0), time.monotonic() + seconds)

    def held_for(self, url: str) -> float:
        """Seconds until url's host may be asked again (0 when it is not held by a back-off)."""
        return max(0.0, self._not_before.get(host_key(url), 0.0) - time.monotonic())

    def set_host_delay(self, url: str, seconds: float) -> None:
        """Space requests to url's host by at least `seconds` (robots.txt Crawl-delay)."""
        self._host_delays[host_key(url)] = max(0.0, seconds)

    def done(self, host: str) -> None:
        """A request to `host` has ended: the delay runs from now."""
        self._last_request[host] = time.monotonic()

    async def wait_turn(self, host: str, deadline: float) -> None:
        """Wait until the host may be asked: its back-off is over and `delay` has passed since
        the last request ended and since the last one started (concurrent requests reserve
        their start times in turn, so a burst is spaced too)."""
        now = time.monotonic()
        held = self._not_before.get(host, 0.0) - now
        if held > 0 and now + held > deadline:
            # The host asked for a pause (Retry-After) longer than this fetch may take:
            # say so now rather than sit out the time limit and report a timeout.
            raise FetchError(
                f"not fetched: {urlsplit(host).hostname} asked clients to wait"
                f" {held:.0f}s more (Retry-After)",
                reason=Reason.DEFERRED,
                retry_after=held,
            )
        delay = max(self.delay, self._host_delays.get(host, 0.0))
        start = max(
            now,
            self._not_before.get(host, 0.0),
            self._last_request.get(host, -1e9) + delay,
            self._next_start.get(host, -1e9),
        )
        self._next_start[host] = start + delay
        if start > now:
            await asyncio.sleep(start - now)
