"""The address guard: only http(s) URLs, and only hosts that resolve to public addresses
(unless a source sets `allow_private`)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from watcher.errors import FetchError, Reason


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


async def check_public(host: str, port: int) -> None:
    """Refuse hosts that resolve to private, loopback, link-local or reserved addresses."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"DNS lookup failed for {host}: {exc.strerror or exc}", reason=Reason.DNS) from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not is_public(address):
            raise FetchError(
                f"refusing to fetch {host}: it resolves to the non-public address {address} "
                "(set allow_private = true for this source or in the config to allow it)",
                reason=Reason.BLOCKED,
                retryable=False,
            )


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global unicast address, also when an IPv6 address embeds a non-public IPv4 one
    (IPv4-mapped, 6to4, Teredo, NAT64)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not is_public(embedded):
            return False
    return address.is_global and not address.is_multicast
