"""The address guard is airtight: IPv6 spellings of private IPv4, and DNS rebinding.

- Every IPv6 form that embeds a non-public IPv4 address is refused before any connection
  is attempted (a listener on the port it would reach sees nothing). Before, `[::127.0.0.1]`
  and `[::ffff:0:7f00:1]` were attempted: Python's `ipaddress` calls them global.
- The connection goes to the address that was checked. A name whose first DNS answer
  passes the guard and whose second answer is loopback (rebinding between the check and
  the connection) must not get a request to the loopback server. Before, aiohttp resolved
  the name a second time and connected to the second answer.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from watcher.errors import FetchError
from watcher.net.addresses import Resolved, is_public
from watcher.net.fetch import Fetcher, FetchPolicy, Request


@pytest.fixture
def trap() -> Iterator[tuple[int, list[Any]]]:
    """A listener on 127.0.0.1 (and ::1 when available) that records every connection."""
    accepted: list[Any] = []
    listeners = []
    v4 = socket.create_server(("127.0.0.1", 0))
    port = v4.getsockname()[1]
    listeners.append(v4)
    try:
        listeners.append(socket.create_server(("::1", port), family=socket.AF_INET6))
    except OSError:
        pass
    stop = threading.Event()

    def serve(listener: socket.socket) -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, peer = listener.accept()
            except (TimeoutError, OSError):
                continue
            accepted.append(peer)
            conn.close()

    threads = [threading.Thread(target=serve, args=(lst,), daemon=True) for lst in listeners]
    for thread in threads:
        thread.start()
    yield port, accepted
    stop.set()
    for thread in threads:
        thread.join(2)
    for listener in listeners:
        listener.close()


EMBEDDED = [
    "::127.0.0.1",  # IPv4-compatible ::/96
    "::7f00:1",
    "::a9fe:a9fe",  # 169.254.169.254, cloud metadata
    "::ffff:127.0.0.1",  # IPv4-mapped ::ffff:0:0/96
    "::ffff:0:7f00:1",  # IPv4-translated ::ffff:0:0:0/96
    "::ffff:0:a00:1",  # 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 64:ff9b::/96
    "64:ff9b::c0a8:101",  # 192.168.1.1
    "64:ff9b:1::808:808",  # local-use NAT64 64:ff9b:1::/48
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
    "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
]


@pytest.mark.parametrize("address", EMBEDDED)
def test_ipv6_forms_of_private_ipv4_are_refused_without_a_connection(trap, address):
    port, accepted = trap

    async def go() -> None:
        async with Fetcher(FetchPolicy(timeout=5)) as fetcher:
            await fetcher.fetch(Request(url=f"http://[{address}]:{port}/"))

    with pytest.raises(FetchError) as info:
        asyncio.run(go())
    assert info.value.reason == "blocked", info.value
    assert "non-public address" in str(info.value)
    assert accepted == []


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1"])
def test_public_addresses_stay_public(address):
    assert is_public(ipaddress.ip_address(address))


def test_a_name_that_rebinds_to_loopback_after_the_check_gets_no_request(site):
    """The first answer (127.0.0.2, public by this test's rule) is checked and pinned; the
    second (127.0.0.1, where the server listens) is never asked for."""
    site.set("/admin", "<p>internal secrets</p>")
    port = int(site.base.rsplit(":", 1)[1])
    answers = ["127.0.0.2", "127.0.0.1"]
    asked: list[str] = []

    async def rebinding(host: str, port: int) -> list[Resolved]:
        asked.append(host)
        address = answers[min(len(asked), len(answers)) - 1]
        return [Resolved(socket.AF_INET, address)]

    def allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return str(address) != "127.0.0.1"  # this test's stand-in for "public"

    # A real system lookup of the name: what aiohttp would do if it resolved again.
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            asked.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, *args, **kwargs)

    async def go() -> None:
        async with Fetcher(FetchPolicy(timeout=5), resolve=rebinding, address_allowed=allowed) as fetcher:
            await fetcher.fetch(Request(url=f"http://rebind.test:{port}/admin"))

    socket.getaddrinfo = getaddrinfo  # restored below; aiohttp's threaded resolver calls it
    try:
        with pytest.raises(FetchError) as info:
            asyncio.run(go())
    finally:
        socket.getaddrinfo = real
    assert info.value.reason == "connect"  # 127.0.0.2 has no server: the pinned address was used
    assert site.hits("/admin") == []
    assert asked == ["rebind.test"]  # resolved once, for the check
