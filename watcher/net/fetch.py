"""Fetch a URL politely and defensively with one shared `httpx.AsyncClient`.

What this guards against, each turned into a `FetchError` with a clear reason:
slow or stalled servers (connect and total timeouts), huge bodies and compression
bombs (a size cap enforced while streaming, on the *decompressed* size), redirect
loops and redirects to other schemes or to private addresses, TLS failures, and
HTTP errors (429/503 carry `Retry-After`). Conditional GET turns a 304 into a
`FetchResult(not_modified=True)`, a value, not an error.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from watcher import __version__
from watcher.errors import FetchError, Reason
from watcher.model import FetchResult
from watcher.net import botwall
from watcher.net.addresses import PINNED, IPAddress, Resolve, http_target, is_public, system_resolve, vet
from watcher.net.failures import bot_wall_error, connect_error, http_error, too_large
from watcher.net.origin import may_carry_headers

DEFAULT_USER_AGENT = (
    f"regwatch/{__version__} (regulatory change monitor; +https://github.com/regwatch/regwatch)"
)
REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024


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


class Fetcher:
    """Fetches with shared limits: overall and per-host concurrency, a per-host minimum delay."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        client: httpx.AsyncClient | None = None,
        *,
        resolve: Resolve = system_resolve,
        address_allowed: Callable[[IPAddress], bool] = is_public,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self.resolve = resolve
        self.address_allowed = address_allowed
        self._own_client = client is None
        self.client = client or make_client(self.policy)
        self._slots = asyncio.Semaphore(self.policy.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._last_request: dict[str, float] = {}
        self._not_before: dict[str, float] = {}
        self._host_delays: dict[str, float] = {}
        self._next_start: dict[str, float] = {}

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def back_off(self, url: str, seconds: float) -> None:
        """Hold further requests to url's host for `seconds` (after 429/503 Retry-After)."""
        host = _host_key(url)
        self._not_before[host] = max(self._not_before.get(host, 0.0), time.monotonic() + seconds)

    def held_for(self, url: str) -> float:
        """Seconds until url's host may be asked again (0 when it is not held by a back-off)."""
        return max(0.0, self._not_before.get(_host_key(url), 0.0) - time.monotonic())

    def set_host_delay(self, url: str, seconds: float) -> None:
        """Space requests to url's host by at least `seconds` (robots.txt Crawl-delay)."""
        self._host_delays[_host_key(url)] = max(0.0, seconds)

    async def fetch(self, request: Request) -> FetchResult:
        """Fetch `request.url`, following redirects by hand so each hop is checked."""
        timeout = min(request.timeout or self.policy.timeout, self.policy.timeout)
        started = time.monotonic()
        try:
            return await self._follow(request, started, _Deadline(timeout))
        except TimeoutError as exc:
            raise FetchError(
                f"timed out after {timeout:g}s (total time limit for one fetch)", reason=Reason.TIMEOUT
            ) from exc

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
        host = _host_key(url)
        sem = self._hosts.setdefault(host, asyncio.Semaphore(self.policy.per_host))
        async with self._slots, sem:
            # The time limit runs from here: waiting for a slot behind other sources is not
            # this source's slowness (a pass over 10,000 sources queues for minutes). The
            # host's own delay and Retry-After back-off do count.
            async with asyncio.timeout_at(deadline.start()):
                await self._wait_turn(host, deadline.start())
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
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        if request.headers and may_carry_headers(
            request.headers_origin or request.url, url, request.headers_hosts
        ):
            headers.update(dict(request.headers))
        cap = min(request.max_bytes or self.policy.max_bytes, self.policy.max_bytes)
        try:
            return await self._stream(url, headers, cap, request.bot_markers)
        finally:
            self._last_request[host] = time.monotonic()

    async def _wait_turn(self, host: str, deadline: float) -> None:
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
        delay = max(self.policy.host_delay, self._host_delays.get(host, 0.0))
        start = max(
            now,
            self._not_before.get(host, 0.0),
            self._last_request.get(host, -1e9) + delay,
            self._next_start.get(host, -1e9),
        )
        self._next_start[host] = start + delay
        if start > now:
            await asyncio.sleep(start - now)

    async def _stream(
        self, url: str, headers: dict[str, str], cap: int, markers: tuple[str, ...] = ()
    ) -> _Result:
        try:
            async with self.client.stream("GET", url, headers=headers) as response:
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
        except httpx.InvalidURL as exc:
            # httpx parses a redirect's Location itself even with redirects off.
            raise FetchError(
                f"invalid redirect target from {url}: {exc}", reason=Reason.REDIRECT, retryable=False
            ) from exc
        except httpx.TimeoutException as exc:
            raise FetchError(
                f"timed out ({type(exc).__name__}) fetching {url}", reason=Reason.TIMEOUT
            ) from exc
        except httpx.ConnectError as exc:
            raise connect_error(exc, url) from exc
        except httpx.RemoteProtocolError as exc:
            if "location header" in str(exc).lower():
                raise FetchError(
                    f"invalid redirect target from {url}: {exc}", reason=Reason.REDIRECT, retryable=False
                ) from exc
            raise FetchError(f"connection broke fetching {url}: {exc}", reason=Reason.NETWORK) from exc
        except (httpx.ReadError, httpx.WriteError) as exc:
            raise FetchError(f"connection broke fetching {url}: {exc}", reason=Reason.NETWORK) from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"HTTP error fetching {url}: {exc}", reason=Reason.NETWORK) from exc


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


def make_client(policy: FetchPolicy) -> httpx.AsyncClient:
    """The shared client: redirects off (handled per hop), pooled keep-alive connections.

    The transport is aiohttp's pool behind httpx's API (watcher/net/transport.py): httpx's own
    pool costs about five times the CPU per request, which is most of a no-change pass.
    """
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout),
        transport=_aiohttp_transport(max_connections=max(policy.concurrency, 1), keepalive_expiry=30),
        trust_env=False,
    )


async def read_capped(response: httpx.Response, cap: int) -> bytes:
    """Read and decompress the body, failing as soon as the *decompressed* size passes `cap`."""
    encoding = response.headers.get("content-encoding", "identity").lower().strip()
    decoders = [e.strip() for e in encoding.split(",") if e.strip() and e.strip() != "identity"]
    if len(decoders) > 1 or (decoders and decoders[0] not in ("gzip", "x-gzip", "deflate")):
        raise FetchError(
            f"unsupported Content-Encoding {encoding!r}", reason=Reason.BAD_CONTENT, retryable=False
        )
    inflater = _Inflater(decoders[0]) if decoders else None
    chunks: list[bytes] = []
    size = 0
    async for raw in response.aiter_raw(CHUNK):
        pieces = inflater.feed(raw, cap - size + 1) if inflater else [raw]
        for piece in pieces:
            size += len(piece)
            if size > cap:
                raise too_large(cap, "the body" + (" (decompressed)" if inflater else ""))
            chunks.append(piece)
    if inflater:
        tail = inflater.flush(cap - size + 1)
        size += len(tail)
        if size > cap:
            raise too_large(cap, "the body (decompressed)")
        chunks.append(tail)
    return b"".join(chunks)


class _Inflater:
    """gzip/deflate decoding that never produces more than asked for at once (bomb-safe)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.first = True
        wbits = 16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self.obj = zlib.decompressobj(wbits)

    def feed(self, data: bytes, budget: int) -> list[bytes]:
        out: list[bytes] = []
        try:
            if self.first and self.encoding == "deflate":
                self.first = False
                # Some servers send raw deflate without the zlib header.
                if data and (data[0] & 0x0F) != 8:
                    self.obj = zlib.decompressobj(-zlib.MAX_WBITS)
            self.first = False
            piece = self.obj.decompress(data, max(budget, 1))
            out.append(piece)
            budget -= len(piece)
            while self.obj.unconsumed_tail and budget > 0:
                piece = self.obj.decompress(self.obj.unconsumed_tail, budget)
                out.append(piece)
                budget -= len(piece)
            if self.obj.unconsumed_tail:
                out.append(b"x")  # more than the budget remains: caller sees the cap exceeded
        except zlib.error as exc:
            raise FetchError(f"corrupt {self.encoding} body: {exc}", reason=Reason.BAD_CONTENT) from exc
        return out

    def flush(self, budget: int) -> bytes:
        try:
            return self.obj.flush()[: max(budget, 1)]
        except zlib.error as exc:
            raise FetchError(f"corrupt {self.encoding} body: {exc}", reason=Reason.BAD_CONTENT) from exc


async def read_head(response: httpx.Response, limit: int = 256 * 1024) -> bytes:
    """The start of an error response's body, as evidence of a bot wall ("" if too big or corrupt)."""
    try:
        return await read_capped(response, limit)
    except FetchError:
        return b""


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"


def _aiohttp_transport(**kwargs: object) -> httpx.AsyncBaseTransport:
    # Imported when a client is made, not at start-up: aiohttp is most of the import time of
    # commands that never fetch (history, search, show).
    from watcher.net.transport import AiohttpTransport

    return AiohttpTransport(**kwargs)  # type: ignore[arg-type]
