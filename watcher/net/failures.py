"""Turning what went wrong on the wire (HTTP status, bot wall, size cap, connection, TLS, DNS,
an httpx transport error) into a `FetchError` with a reason and a hint."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from watcher.errors import FetchError, Reason
from watcher.net import botwall
from watcher.retry_after import parse_retry_after


def bot_wall_error(
    status: int, headers: Mapping[str, str], body: bytes, markers: tuple[str, ...], url: str
) -> FetchError | None:
    """A FetchError(reason="bot_wall") if the response is a challenge, block or soft-404 page."""
    wall = botwall.detect(status, headers, body, markers)
    if wall is None:
        return None
    retry_after = parse_retry_after(headers.get("retry-after"))
    return FetchError(
        f"bot wall at {url}: HTTP {status}, {wall.describe()}; not content, nothing compared",
        reason=Reason.BOT_WALL,
        status=status,
        retryable=True,
        retry_after=retry_after,
    )


def too_large(cap: int, what: str) -> FetchError:
    return FetchError(
        f"{what} is larger than the {cap:,}-byte limit (raise limits.max_bytes or the source's max_bytes)",
        reason=Reason.TOO_LARGE,
        retryable=False,
    )


def http_error(status: int, headers: Mapping[str, str], url: str) -> FetchError:
    retry_after = parse_retry_after(headers.get("retry-after"))
    retryable = status in (408, 425, 429) or status >= 500
    hint = {
        401: "the page needs a login",
        403: "access forbidden (a bot wall or a block by the site)",
        404: "the page is gone or moved; update the source's url",
        410: "the page was removed; update the source's url",
        429: "rate limited by the site",
        503: "the site is unavailable",
    }.get(status, "")
    message = f"HTTP {status} from {url}" + (f": {hint}" if hint else "")
    if retry_after:
        message += f" (Retry-After {retry_after:g}s)"
    return FetchError(
        message, reason=Reason.HTTP, status=status, retryable=retryable, retry_after=retry_after
    )


def connect_error(exc: httpx.ConnectError, url: str) -> FetchError:
    text = str(exc)
    lowered = text.lower()
    if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
        return FetchError(f"TLS failure for {url}: {text}", reason=Reason.TLS, retryable=False)
    if (
        "name or service not known" in lowered
        or "nodename nor servname" in lowered
        or "temporary failure in name resolution" in lowered
        or "getaddrinfo" in lowered
    ):
        return FetchError(f"DNS lookup failed for {urlsplit(url).hostname}: {text}", reason=Reason.DNS)
    return FetchError(f"cannot connect to {url}: {text or type(exc).__name__}", reason=Reason.CONNECT)


def transport_error(exc: Exception, url: str) -> FetchError:
    """The FetchError for an httpx error raised while fetching `url` (raise it `from exc`)."""
    if isinstance(exc, httpx.InvalidURL):  # httpx parses a redirect's Location even with redirects off
        return FetchError(
            f"invalid redirect target from {url}: {exc}", reason=Reason.REDIRECT, retryable=False
        )
    if isinstance(exc, httpx.TimeoutException):
        return FetchError(f"timed out ({type(exc).__name__}) fetching {url}", reason=Reason.TIMEOUT)
    if isinstance(exc, httpx.ConnectError):
        return connect_error(exc, url)
    if isinstance(exc, httpx.RemoteProtocolError) and "location header" in str(exc).lower():
        return FetchError(
            f"invalid redirect target from {url}: {exc}", reason=Reason.REDIRECT, retryable=False
        )
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return FetchError(f"connection broke fetching {url}: {exc}", reason=Reason.NETWORK)
    return FetchError(f"HTTP error fetching {url}: {exc}", reason=Reason.NETWORK)
