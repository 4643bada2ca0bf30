"""An httpx transport over aiohttp's connection pool: httpx's API, a fifth of its CPU per request.

Measured on a 2-core machine (bench/README.md): httpx's default pool spends 1.3-1.7 ms of
CPU per request on loopback, this transport 0.3 ms, so a pass over 10,000 unchanged
pages is bounded by the server, not by the client. Everything above the transport stays
httpx: `Fetcher` builds `httpx.Request`s, reads `httpx.Response`s and catches httpx's
exceptions, and a test can still inject any `httpx.AsyncClient`.

What this transport promises, so the fetch guarantees hold unchanged:
- bytes as sent: no decompression (`read_capped` inflates gzip itself, capped), no
  redirects (the fetcher follows each hop itself), no cookie jar of its own (httpx's jar
  is the only one), no proxy from the environment;
- aiohttp's errors become the httpx errors httpx's own transport raises for the same
  fault (connect, TLS, DNS, connect/read timeouts, broken connections, bad responses),
  while the body is read as well as while the headers are;
- a response left unread is closed with its connection, never put back in the pool;
- connections go to the addresses the fetcher vetted (`addresses.PINNED`): the connector's
  resolver answers with them rather than asking DNS a second time (no DNS cache either,
  so an answer given for an `allow_private` source is never reused for another).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator

# First: aiohttp without the TLS contexts it would build at import and regwatch never uses.
import watcher.net.aiohttplib  # noqa: F401

# isort: split
import aiohttp
import httpx
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from watcher.net.addresses import PINNED

#: Response header lines up to this size are accepted (h11 in httpx accepts 16 KB of headers).
MAX_HEADER_LINE = 16 * 1024


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Send httpx requests with aiohttp. One `aiohttp.ClientSession` per event loop."""

    def __init__(
        self,
        *,
        max_connections: int = 100,
        keepalive_expiry: float = 30.0,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.max_connections = max_connections
        self.keepalive_expiry = keepalive_expiry
        self._verify = verify
        self._ssl_context = verify if isinstance(verify, ssl.SSLContext) else None
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timeouts: dict[tuple[float | None, float | None], aiohttp.ClientTimeout] = {}

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """httpx's context (its CA bundle), made on the first https request: loading the bundle
        costs ~60 ms of CPU that a pass over http:// pages only would spend for nothing."""
        if self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context(self._verify)
        return self._ssl_context

    def _session_for_loop(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            # A session belongs to the loop that made it; a new loop (a new asyncio.run) gets a new one.
            connector = aiohttp.TCPConnector(
                limit=self.max_connections,
                limit_per_host=0,  # the fetcher enforces per-host limits itself
                keepalive_timeout=self.keepalive_expiry,
                resolver=PinnedResolver(),
                use_dns_cache=False,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                trust_env=False,
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
                max_line_size=MAX_HEADER_LINE,
                max_field_size=MAX_HEADER_LINE,
            )
            self._loop = loop
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        body = await request.aread()
        response = await self.open(
            request.method,
            str(request.url),
            request.headers.multi_items(),
            body=body or None,
            connect=timeouts.get("connect"),
            read=timeouts.get("read"),
            request=request,
        )
        extensions = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("latin-1", "replace")
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_ResponseStream(response, request),
            request=request,
            extensions=extensions,
        )

    async def open(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        *,
        body: bytes | None = None,
        connect: float | None,
        read: float | None,
        request: httpx.Request | None = None,
    ) -> aiohttp.ClientResponse:
        """Send one request as given (`url` already normalised, `headers` the exact lines) and
        return aiohttp's response with its body unread; faults become httpx's errors. Callers
        end it with `finish`. `handle_async_request` and the fetcher's direct path both use it."""
        session = self._session_for_loop()
        target = URL(url, encoded=True)
        # Every TLS connection uses httpx's context, given per request so that it is made only
        # when an https URL is fetched (the connector never connects on its own).
        tls = {"ssl": self.ssl_context} if target.scheme == "https" else {}
        try:
            return await session.request(
                method,
                target,
                headers=headers,
                data=body,
                allow_redirects=False,
                compress=None,
                **tls,  # type: ignore[arg-type]
                timeout=self._timeout(connect, read),
            )
        except Exception as exc:
            mapped = _translate(exc, request)
            if mapped is exc:
                raise
            raise mapped from exc

    def _timeout(self, connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
        """aiohttp's (frozen) timeout for these limits, made once: the fetcher's are the same each time."""
        timeout = self._timeouts.get((connect, read))
        if timeout is None:
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)
            self._timeouts[(connect, read)] = timeout
        return timeout

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            try:
                await session.close()
            except RuntimeError:  # its loop is gone; nothing left to close cleanly
                pass


class PinnedResolver(AbstractResolver):
    """Answers with the addresses vetted for the request in flight; asks DNS only when there
    are none (an `allow_private` source, which is not vetted)."""

    def __init__(self) -> None:
        self._dns = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        pinned = PINNED.get()
        if pinned is None:
            return await self._dns.resolve(host, port, family)
        return [
            {
                "hostname": host,
                "host": entry.address,
                "port": port,
                "family": entry.family,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for entry in pinned
            if family == socket.AF_UNSPEC or entry.family == family
        ]

    async def close(self) -> None:
        await self._dns.close()


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request
        self._complete = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in body_chunks(self._response, self._request):
            yield chunk
        self._complete = True

    async def aclose(self) -> None:
        finish(self._response, complete=self._complete)


CHUNK = 64 * 1024


async def body_chunks(
    response: aiohttp.ClientResponse, request: httpx.Request | None = None
) -> AsyncIterator[bytes]:
    """The body as it arrives, in pieces of at most 64 KB; faults become httpx's errors."""
    try:
        async for chunk in response.content.iter_chunked(CHUNK):
            yield chunk
    except Exception as exc:
        mapped = _translate(exc, request)
        if mapped is exc:
            raise
        raise mapped from exc


def finish(response: aiohttp.ClientResponse, *, complete: bool) -> None:
    """End a response: its connection goes back to the pool only when the body was read."""
    if complete or response.content.at_eof():
        response.release()
    else:
        response.close()  # unread bytes would poison a reused connection


def _translate(exc: Exception, request: httpx.Request | None) -> Exception:
    """The httpx exception httpx's own transport raises for the same fault."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message, request=request)
    if isinstance(exc, aiohttp.SocketTimeoutError | aiohttp.ServerTimeoutError):
        return httpx.ReadTimeout(message, request=request)
    if isinstance(exc, aiohttp.ClientSSLError | aiohttp.ServerFingerprintMismatch):
        return httpx.ConnectError(f"SSL/TLS failure: {message}", request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        # aiohttp's text says "ssl:default" even for plain refusals; keep the OS reason only
        # (a DNS failure keeps "Name or service not known", which fetch.py classifies).
        reason = exc.os_error.strerror or str(exc.os_error) or type(exc.os_error).__name__
        return httpx.ConnectError(f"cannot connect to {exc.host}:{exc.port}: {reason}", request=request)
    if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(exc, aiohttp.ClientResponseError):  # a malformed status line or headers
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(exc, aiohttp.ClientOSError | ConnectionError):
        return httpx.ReadError(message, request=request)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(message, request=request)
    if isinstance(exc, TimeoutError):
        return httpx.ReadTimeout(message, request=request)
    if isinstance(exc, aiohttp.ClientError):
        return httpx.TransportError(message, request=request)
    return exc  # not a network fault: a bug, left as it is
