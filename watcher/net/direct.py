"""The fetcher's own client without httpx's client layers: the same request on the wire.

A `Fetcher` that made its own client (`make_client`: httpx's API over aiohttp's pool,
`transport.py`) hands its GETs straight to the transport instead of going through
`httpx.AsyncClient.stream`. httpx's client builds a `Request` (three header merges),
runs its auth, redirect and cookie layers on every request and wraps the answer in a
`Response`: about a third of the CPU of a 304 on loopback, which is most of a no-change
pass (bench/README.md, round 5). What this path keeps from httpx, exactly:

- the URL as `httpx.URL` normalises it, and its errors (`httpx.InvalidURL`);
- the header lines httpx's client sends: its defaults (`Connection: keep-alive`) under
  the fetcher's own, `Host` first, names lowercased (`request_lines`, checked against
  `AsyncClient.build_request` by hypothesis); a header that is not ASCII takes httpx's
  path and gets its error;
- the cookie jar: the client's own `httpx.Cookies`. While it holds no cookie, a request
  carries none; once it holds one, requests go through httpx's client again (it adds the
  `Cookie` header); a response that sets a cookie is fed to the jar as httpx does;
- a redirect's `Location` read by httpx's client code, which fails on some even with
  redirects off;
- the response headers as `httpx.Headers.items()` gives them (`response_headers`:
  names lowercased, repeated fields joined with ", ", decoded as httpx decodes them);
- the transport's timeouts, errors (httpx's), body chunks, and the connection released
  after a read body or closed after an unread one; httpx's INFO log line per request.

Anything else (a client the caller gave, a closed client) goes through httpx as before.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import httpx

from watcher.net.transport import AiohttpTransport, body_chunks, finish

if TYPE_CHECKING:
    import aiohttp  # loaded by transport.py first (aiohttplib.py)

#: httpx's logger: the same INFO line per request as httpx's client writes.
httpx_logger = logging.getLogger("httpx")

SETS_COOKIE = {b"set-cookie", b"set-cookie2"}
REDIRECTS = {301, 302, 303, 307, 308}  # httpx's `Response.has_redirect_location`


class DirectResponse:
    """What the fetcher reads of a response: status, headers (`response_headers`), raw body."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status_code = response.status
        self.headers: Mapping[str, str] = response_headers(response.raw_headers)
        self.complete = False

    async def aiter_raw(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The body as sent (still compressed), in the transport's pieces."""
        async for chunk in body_chunks(self._response):
            yield chunk
        self.complete = True


class DirectClient:
    """GETs through `transport` as `client` (the httpx client over it) would send them."""

    def __init__(self, client: httpx.AsyncClient, transport: AiohttpTransport) -> None:
        self.client = client
        self.transport = transport

    @asynccontextmanager
    async def stream(
        self, url: str, headers: Mapping[str, str]
    ) -> AsyncIterator[DirectResponse | httpx.Response]:
        """Like `client.stream("GET", url, headers=headers)`."""
        plain = plain_target(url)
        if plain is None:
            parsed = httpx.URL(url)
            target, netloc = str(parsed), parsed.netloc.decode("ascii") if parsed.host else ""
        else:
            target, netloc = url, plain
        lines = (
            None
            if self.client.cookies or self.client.is_closed
            else request_lines(self.client.headers.multi_items(), headers, netloc)
        )
        if lines is None:
            async with self.client.stream("GET", url, headers=headers) as through_httpx:
                yield through_httpx
            return
        timeout = self.client.timeout  # read per request, as httpx does: the client's, now
        raw = await self.transport.open("GET", target, lines, connect=timeout.connect, read=timeout.read)
        response = DirectResponse(raw)
        try:
            reason = raw.reason or httpx.codes.get_reason_phrase(raw.status)
            httpx_logger.info('HTTP Request: GET %s "HTTP/1.1 %d %s"', target, raw.status, reason)
            keys = {key.lower() for key, _ in raw.raw_headers}
            if not keys.isdisjoint(SETS_COOKIE) or (raw.status in REDIRECTS and b"location" in keys):
                sent = httpx.Request("GET", httpx.URL(target), headers=lines)
                answer = httpx.Response(raw.status, headers=raw.raw_headers, request=sent)
                self.client.cookies.extract_cookies(answer)
                if answer.has_redirect_location:
                    # httpx's client reads a redirect's Location even with redirects off, and
                    # fails on some (httpx.InvalidURL, RemoteProtocolError): the same code here.
                    self.client._build_redirect_request(sent, answer)
            yield response
        finally:
            finish(raw, complete=response.complete)


#: An URL httpx leaves as it is: http(s), a lowercase ASCII host (names or IPv4), a port that
#: is not the scheme's default and has no leading zero, a path of unreserved characters with
#: no dot segments, no query or fragment (bench pages and most regulator pages).
PLAIN_URL = re.compile(
    r"(?:http://(?P<host>{host})(?::(?!80/)(?P<port>[1-9][0-9]{{0,4}}))?"
    r"|https://(?P<shost>{host})(?::(?!443/)(?P<sport>[1-9][0-9]{{0,4}}))?)"
    r"(?!.*/\.\.?(?:/|$))/[A-Za-z0-9_~./-]*".format(
        host=r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
    )
)

#: Hosts httpx reads as IPv4 addresses and validates (its `IPv4_STYLE_HOSTNAME`).
IPV4_SHAPED = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")


def valid_ipv4(host: str) -> bool:
    """Whether httpx takes this IPv4-shaped host (it validates it with `ipaddress`)."""
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def plain_target(url: str) -> str | None:
    """The `Host` of an URL httpx would leave unchanged (`str(httpx.URL(url)) == url`), or None
    for any other URL (it goes through `httpx.URL`); hypothesis-checked against httpx."""
    match = PLAIN_URL.fullmatch(url)
    if match is None:
        return None
    host = match["host"] or match["shost"]
    port = match["port"] or match["sport"]
    if port is not None and int(port) > 65535:
        return None
    if IPV4_SHAPED.fullmatch(host) and not valid_ipv4(host):
        return None  # httpx checks an address's numbers (0.0.0.300, 01.2.3.4 are InvalidURL)
    return f"{host}:{port}" if port else host


def request_lines(
    defaults: list[tuple[str, str]], headers: Mapping[str, str], netloc: str
) -> list[tuple[str, str]] | None:
    """The header lines httpx's client sends for a GET with `headers` (no cookies) to an URL
    whose host and port are `netloc` (httpx's `URL.netloc`; "" for none), or None when a name
    or value is not ASCII (httpx's path raises its own error for it)."""
    keys = set()
    for key, value in headers.items():
        if not (key.isascii() and value.isascii()):
            return None
        keys.add(key.lower())
    lines = [(key, value) for key, value in defaults if key not in keys]
    lines += [(key.lower(), value) for key, value in headers.items()]
    if netloc and not any(key == "host" for key, _ in lines):
        lines.insert(0, ("host", netloc))
    return lines


def response_headers(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    """`dict(httpx.Headers(raw).items())`: names lowercased, a repeated field's values joined
    with ", ", all decoded as ASCII, else UTF-8, else ISO-8859-1 (httpx's choice for a whole
    header block)."""
    encoding = "ascii"
    if not all(key.isascii() and value.isascii() for key, value in raw):
        try:
            for key, value in raw:
                key.decode("utf-8")
                value.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "iso-8859-1"
    merged: dict[str, str] = {}
    for key, value in raw:
        name = key.lower().decode(encoding)
        text = value.decode(encoding)
        merged[name] = f"{merged[name]}, {text}" if name in merged else text
    return merged
