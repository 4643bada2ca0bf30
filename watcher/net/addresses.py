"""Which addresses regwatch may connect to, and pinning the connection to the vetted ones.

`vet` resolves a host once and refuses it when any address is not public (private,
loopback, link-local, reserved, multicast), including every IPv6 form that carries an
IPv4 address inside it: IPv4-compatible `::a.b.c.d` (::/96), IPv4-mapped
`::ffff:a.b.c.d` (::ffff:0:0/96), IPv4-translated `::ffff:0:a.b.c.d` (::ffff:0:0:0/96),
NAT64 `64:ff9b::a.b.c.d` (64:ff9b::/96, and the local-use 64:ff9b:1::/48), 6to4
`2002:aabb:ccdd::` (2002::/16) and Teredo. Python's `ipaddress` calls several of these
global, so the embedded IPv4 address is what is judged.

The fetcher then connects to exactly the addresses it vetted: it sets `PINNED` for the
request, and the aiohttp connector's resolver (watcher/net/transport.py) answers with
them instead of asking DNS again, so a name that rebinds to 127.0.0.1 between the
check and the connection cannot redirect it.

`http_target` refuses anything but an http(s) URL with a host; `check_public` is `vet`
with the default rules, for callers that only need the refusal (the browser's hops).
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from watcher.errors import FetchError, Reason

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
IPV4_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


@dataclass(frozen=True)
class Resolved:
    family: int
    address: str


#: Looks a host up: (host, port) -> its addresses. Injected in tests; DNS by default.
Resolve = Callable[[str, int], Awaitable[list[Resolved]]]

#: The addresses vetted for the request running in this context (None: no pin, allow_private).
PINNED: contextvars.ContextVar[tuple[Resolved, ...] | None] = contextvars.ContextVar("PINNED", default=None)


async def system_resolve(host: str, port: int) -> list[Resolved]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [Resolved(int(info[0]), str(info[4][0]).split("%")[0]) for info in infos]


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, for every form that carries one."""
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in IPV4_MAPPED or address in IPV4_TRANSLATED or address in NAT64:
        return low32
    if address in IPV4_COMPATIBLE:
        return low32  # ::/96 also holds :: and ::1, whose "IPv4" (0.0.0.0, 0.0.0.1) is not public
    if address in SIX_TO_FOUR:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def is_public(address: IPAddress) -> bool:
    """A global unicast address, also when an IPv6 address embeds a non-public IPv4 one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in NAT64_LOCAL:
            return False  # translates to a network-specific (private) IPv4 prefix
        embedded = embedded_ipv4(address)
        if embedded is not None and not is_public(embedded):
            return False
        if embedded is None and address.is_reserved:
            return False
    return address.is_global and not address.is_multicast


async def vet(
    host: str,
    port: int,
    *,
    resolve: Resolve = system_resolve,
    allowed: Callable[[IPAddress], bool] = is_public,
) -> tuple[Resolved, ...]:
    """Resolve `host` once; its addresses if every one may be connected to, else FetchError."""
    try:
        found = await resolve(host, port)
    except socket.gaierror as exc:
        raise FetchError(f"DNS lookup failed for {host}: {exc.strerror or exc}", reason=Reason.DNS) from exc
    if not found:
        raise FetchError(f"DNS lookup failed for {host}: no address", reason=Reason.DNS)
    for entry in found:
        address = ipaddress.ip_address(entry.address)
        if not allowed(address):
            raise FetchError(
                f"refusing to fetch {host}: it resolves to the non-public address {address} "
                "(set allow_private = true for this source or in the config to allow it)",
                reason=Reason.BLOCKED,
                retryable=False,
            )
    return tuple(found)


async def check_public(host: str, port: int, resolve: Resolve = system_resolve) -> tuple[Resolved, ...]:
    """Refuse hosts that resolve to non-public addresses; the addresses to connect to otherwise."""
    return await vet(host, port, resolve=resolve)


def http_target(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL; anything else (other schemes, no host, a bad
    port) is refused, since it can only come from a hostile or broken redirect."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError(
            f"refusing to fetch {url!r}: {exc}", reason=Reason.REDIRECT, retryable=False
        ) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(
            f"refusing to fetch {url!r}: only http(s) URLs are allowed",
            reason=Reason.REDIRECT,
            retryable=False,
        )
    return parts.hostname, port
