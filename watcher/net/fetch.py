"""Fetch a URL politely and defensively with one shared `httpx.AsyncClient`.

What this guards against, each turned into a `FetchError` with a clear reason:
slow or stalled servers (connect and total timeouts), huge bodies and compression
bombs (a size cap enforced while streaming, on the *decompressed* size), redirect
loops and redirects to other schemes or to private addresses, TLS failures, and
HTTP errors (429/503 carry `Retry-After`). Conditional GET turns a 304 into a
`FetchResult(not_modified=True)`, a value, not an error.

This module owns the request itself (limits, redirects hop by hop, the address guard, headers,
conditional GET) and tells `on_fetch` hooks about each fetch. Beside it: `body` reads a capped,
decompressed body, `pacing` decides when a host may be asked, `failures` turns what went wrong
into a `FetchError`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import httpx

from watcher import __version__
from watcher.errors import FetchError, Reason
from watcher.model import FetchResult
from watcher.net import botwall
from watcher.net.addresses import PINNED, IPAddress, Resolve, http_target, is_public, system_resolve, vet
from watcher.net.body import read_capped, read_head
from watcher.net.failures import bot_wall_error, http_error, too_large, transport_error
from watcher.net.origin import may_carry_headers
from watcher.net.pacing import HostPacer, host_key
from watcher.net.sendback import drop_unsendable_cookies, sendable

if TYPE_CHECKING:
    from watcher.net.direct import DirectClient
    from watcher.net.transport import AiohttpTransport

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = (
    f"regwatch/{__version__} (regulatory change monitor; +https://github.com/regwatch/regwatch)"
)
REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for every request (a source may lower `timeout` and `max_bytes`)."""

    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 30.0
    connect_timeout: float = 10.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    concurrency: int = 16
    per_host: int = 2
    host_delay: float = 0.0


@dataclass(frozen=True)
class Request:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    accept: str = "*/*"
    headers: tuple[tuple[str, str], ...] = ()
    allow_private: bool = False
    timeout: float | None = None
    max_bytes: int | None = None
    bot_markers: tuple[str, ...] = ()
    #: `headers` go only to this URL's origin (default: `url`'s) and to `headers_hosts`.
    headers_origin: str | None = None
    headers_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class FetchEvent:
    """What the fetcher tells its `on_fetch` hooks after each fetch (robots.txt too)."""

    url: str
    ok: bool
    seconds: float
    reason: Reason | None = None  # why it failed


#: An observer of fetches (the service's metrics): it sees each fetch and changes nothing.
FetchHook = Callable[[FetchEvent], None]


class Fetcher:
    """Fetches with shared limits: overall and per-host concurrency, a per-host minimum delay.

    `on_fetch` hooks (like httpx's event hooks) are told about every fetch, ok or failed.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        client: httpx.AsyncClient | None = None,
        *,
        resolve: Resolve = system_resolve,
        address_allowed: Callable[[IPAddress], bool] = is_public,
        on_fetch: Iterable[FetchHook] = (),
    ) -> None:
        self.policy = policy or FetchPolicy()
        self.resolve = resolve
        self.address_allowed = address_allowed
        self._own_client = client is None
        # Its own client's GETs skip httpx's client layers (same request on the wire: direct.py).
        self._direct: DirectClient | None = None
        if client is None:
            client, self._direct = _own_client(self.policy)
        self.client = client
        self._slots = asyncio.Semaphore(self.policy.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self.pacer = HostPacer(self.policy.host_delay)
        self.on_fetch: list[FetchHook] = list(on_fetch)

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def back_off(self, url: str, seconds: float) -> None:
        """Hold further requests to url's host for `seconds` (after 429/503 Retry-After)."""
        self.pacer.back_off(url, seconds)

    def held_for(self, url: str) -> float:
        """Seconds until url's host may be asked again (0 when it is not held by a back-off)."""
        return self.pacer.held_for(url)

    def set_host_delay(self, url: str, seconds: float) -> None:
        """Space requests to url's host by at least `seconds` (robots.txt Crawl-delay)."""
        self.pacer.set_host_delay(url, seconds)

    async def fetch(self, request: Request) -> FetchResult:
        """Fetch `request.url`, following redirects by hand so each hop is checked."""
        timeout = min(request.timeout or self.policy.timeout, self.policy.timeout)
        started = time.monotonic()
        try:
            try:
                result = await self._follow(request, started, _Deadline(timeout))
            except TimeoutError as exc:
                raise FetchError(
                    f"timed out after {timeout:g}s (total time limit for one fetch)", reason=Reason.TIMEOUT
                ) from exc
        except FetchError as exc:
            self._tell(FetchEvent(request.url, False, time.monotonic() - started, exc.reason))
            raise
        self._tell(FetchEvent(request.url, True, time.monotonic() - started))
        return result

    def _tell(self, event: FetchEvent) -> None:
        for hook in self.on_fetch:
            try:
                hook(event)
            except Exception:  # an observer never changes what the fetch returns
                logger.exception("fetch hook %r failed", hook)

    async def _follow(self, request: Request, started: float, deadline: _Deadline) -> FetchResult:
        url = request.url
        seen: list[str] = []
        for _ in range(self.policy.max_redirects + 1):
            http_target(url)  # only http(s) with a valid host and port, checked per hop
            seen.append(url)
            response = await self._request(url, request, deadline)
            if response.status in REDIRECTS and response.location:
                target = redirect_target(url, response.location)
                if target in seen:
                    raise FetchError(
                        f"redirect loop: {' -> '.join([*seen, target])}",
                        reason=Reason.REDIRECT,
                        retryable=False,
                    )
                url = target
                continue
            return FetchResult(
                url=request.url,
                final_url=url,
                status=response.status,
                headers=response.headers,
                body=response.body,
                not_modified=response.status == 304,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                elapsed=time.monotonic() - started,
            )
        raise FetchError(
            f"too many redirects (more than {self.policy.max_redirects}) starting at {request.url}",
            reason=Reason.REDIRECT,
            retryable=False,
        )

    async def _request(self, url: str, request: Request, deadline: _Deadline) -> _Result:
        host = host_key(url)
        sem = self._hosts.setdefault(host, asyncio.Semaphore(self.policy.per_host))
        async with self._slots, sem:
            # The time limit runs from here: waiting for a slot behind other sources is not
            # this source's slowness (a pass over 10,000 sources queues for minutes). The
            # host's own delay and Retry-After back-off do count.
            async with asyncio.timeout_at(deadline.start()):
                await self.pacer.wait_turn(host, deadline.start())
                if request.allow_private:
                    return await self._send(url, request, host)
                hostname, port = http_target(url)
                vetted = await vet(hostname, port, resolve=self.resolve, allowed=self.address_allowed)
                # The connection goes to these addresses, not to a second DNS answer.
                pin = PINNED.set(vetted)
                try:
                    return await self._send(url, request, host)
                finally:
                    PINNED.reset(pin)

    async def _send(self, url: str, request: Request, host: str) -> _Result:
        headers = {
            "User-Agent": self.policy.user_agent,
            "Accept": request.accept,
            "Accept-Encoding": "gzip, deflate",
        }
        if request.etag and sendable(request.etag):
            headers["If-None-Match"] = request.etag
        if request.last_modified and sendable(request.last_modified):
            headers["If-Modified-Since"] = request.last_modified
        if request.headers and may_carry_headers(
            request.headers_origin or request.url, url, request.headers_hosts
        ):
            headers.update(dict(request.headers))
        cap = min(request.max_bytes or self.policy.max_bytes, self.policy.max_bytes)
        try:
            return await self._stream(url, headers, cap, request.bot_markers)
        finally:
            self.pacer.done(host)

    async def _stream(
        self, url: str, headers: dict[str, str], cap: int, markers: tuple[str, ...] = ()
    ) -> _Result:
        try:
            opened = (
                self._direct.stream(url, headers)
                if self._direct is not None
                else self.client.stream("GET", url, headers=headers)
            )
            async with opened as response:
                if self.client.cookies:  # both paths put a response's cookies in the jar by now
                    drop_unsendable_cookies(self.client.cookies)
                status = response.status_code
                response_headers = {k.lower(): v for k, v in response.headers.items()}
                if status in REDIRECTS:
                    return _Result(
                        url, status, response_headers, b"", location=response.headers.get("location")
                    )
                if status == 304:
                    return _Result(url, status, response_headers, b"")
                if status >= 400:
                    head = await read_head(response) if status in botwall.WALL_STATUSES else b""
                    raise bot_wall_error(status, response_headers, head, markers, url) or http_error(
                        status, response_headers, url
                    )
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > cap * 20:
                    raise too_large(cap, f"the server announced {int(declared):,} bytes")
                body = await read_capped(response, cap)
                wall = bot_wall_error(status, response_headers, body, markers, url)
                if wall is not None:
                    raise wall
                return _Result(url, status, response_headers, body)
        except FetchError:
            raise
        except (httpx.InvalidURL, httpx.HTTPError) as exc:
            raise transport_error(exc, url) from exc


class _Deadline:
    """One fetch's time limit (all redirect hops together), started when its first hop holds a slot."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at: float | None = None

    def start(self) -> float:
        if self.at is None:
            self.at = asyncio.get_running_loop().time() + self.seconds
        return self.at


@dataclass
class _Result:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    location: str | None = None


def redirect_target(url: str, location: str) -> str:
    try:
        return urljoin(url, location.strip())
    except ValueError as exc:
        raise FetchError(
            f"invalid redirect target {location[:200]!r} from {url}: {exc}",
            reason=Reason.REDIRECT,
            retryable=False,
        ) from exc


def make_client(policy: FetchPolicy, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The shared client: redirects off (handled per hop), pooled keep-alive connections.

    The transport is aiohttp's pool behind httpx's API (watcher/net/transport.py): httpx's own
    pool costs about five times the CPU per request, which is most of a no-change pass.
    """
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout),
        transport=transport or _aiohttp_transport(policy),
        trust_env=False,
    )


def _aiohttp_transport(policy: FetchPolicy) -> AiohttpTransport:
    # Imported when a client is made, not at start-up: aiohttp is most of the import time of
    # commands that never fetch (history, search, show).
    from watcher.net.transport import AiohttpTransport

    return AiohttpTransport(max_connections=max(policy.concurrency, 1), keepalive_expiry=30)


def _own_client(policy: FetchPolicy) -> tuple[httpx.AsyncClient, DirectClient]:
    """A fetcher's own client, and its direct path to the same transport (direct.py)."""
    from watcher.net.direct import DirectClient

    transport = _aiohttp_transport(policy)
    client = make_client(policy, transport)
    return client, DirectClient(client, transport)
